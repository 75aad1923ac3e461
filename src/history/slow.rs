//! The slowest files and tests, from the recorded durations.
//!
//! For every file, the durations of its kept runs that ran to an end of
//! their own (PASS, FAIL, TIMEOUT: [`crate::outcome::Verdict::ran`]; a TIMEOUT's duration
//! is a lower bound) give its
//!
//! * **median** (the mean of the middle two for an even count), **p95**
//!   (linear interpolation between the closest ranks, as NumPy's default)
//!   and **max**;
//! * **last**: the newest run's duration, and the **trend**, last against
//!   the median (`+0.35` is 35% slower than usual; `None` with one run);
//! * **share**: its median over the sum of every file's median, the
//!   suite's usual total time.
//!
//! A file whose median is above `sum / jobs` **bounds the run** at `jobs`
//! slots: the lower bound of any schedule is `max(sum / jobs, longest)`, so
//! however the others are placed, the run cannot end before that file
//! does. Splitting it is the only way to go faster.
//!
//! Tests get the same statistics from their recorded durations (TAP and
//! JUnit report them; exit-code files have none), without a share or a
//! bound: a test cannot be scheduled apart from its file.

use super::{History, UnitHistory};
use serde::Serialize;
use std::time::Duration;

/// Duration statistics of one file or test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    /// How many durations are known.
    pub runs: u32,
    /// Their median.
    #[serde(with = "crate::util::time::secs")]
    pub median: Duration,
    /// Their 95th percentile.
    #[serde(with = "crate::util::time::secs")]
    pub p95: Duration,
    /// The longest.
    #[serde(with = "crate::util::time::secs")]
    pub max: Duration,
    /// The newest.
    #[serde(with = "crate::util::time::secs")]
    pub last: Duration,
    /// `(last − median) / median`, rounded to 4 places; `None` with fewer
    /// than two durations or a zero median.
    pub trend: Option<f64>,
}

impl Spread {
    /// The statistics of `samples` (oldest first); `None` when empty.
    pub fn of(samples: &[Duration]) -> Option<Spread> {
        let last = *samples.last()?;
        let mut sorted = samples.to_vec();
        sorted.sort();
        let median = percentile(&sorted, 0.5);
        let trend = (sorted.len() >= 2 && !median.is_zero()).then(|| {
            let t = (last.as_secs_f64() - median.as_secs_f64()) / median.as_secs_f64();
            (t * 1e4).round() / 1e4
        });
        Some(Spread {
            runs: u32::try_from(sorted.len()).unwrap_or(u32::MAX),
            median,
            p95: percentile(&sorted, 0.95),
            max: sorted.last().copied().unwrap_or_default(),
            last,
            trend,
        })
    }
}

/// The `q` quantile of sorted, non-empty `sorted`, interpolated linearly
/// between the closest ranks (the median of an even count is the mean of
/// the middle two).
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let Some(top) = sorted.len().checked_sub(1) else {
        return Duration::ZERO;
    };
    let rank = q * top as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let (a, b) = (sorted[lo].as_secs_f64(), sorted[hi.min(top)].as_secs_f64());
    Duration::from_secs_f64(a + (b - a) * (rank - lo as f64))
}

/// One of the slowest files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowFile {
    /// The file id.
    pub file: String,
    /// Its durations.
    #[serde(flatten)]
    pub spread: Spread,
    /// Its median over the sum of all medians, rounded to 4 places.
    pub share: f64,
    /// Whether its median is above `sum / jobs`: it alone bounds the run.
    pub bounds_run: bool,
}

/// One of the slowest tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowTest {
    /// The file id.
    pub file: String,
    /// The test's name (its key in the history).
    pub test: String,
    /// Its durations.
    #[serde(flatten)]
    pub spread: Spread,
}

/// The slowest files and tests of a history.
#[derive(Debug, Clone, PartialEq)]
pub struct SlowReport {
    /// How many files (and tests) are listed at most.
    pub top: usize,
    /// The slots `sum / jobs` is computed for.
    pub jobs: usize,
    /// Files with at least one known duration.
    pub files_timed: usize,
    /// Tests with at least one known duration.
    pub tests_timed: usize,
    /// The sum of every timed file's median.
    pub total: Duration,
    /// The lower bound of a run at `jobs` slots: `max(total / jobs, longest median)`.
    pub bound: Duration,
    /// The slowest `top` files, by median (longest first), ties by id.
    pub files: Vec<SlowFile>,
    /// The slowest `top` tests, likewise.
    pub tests: Vec<SlowTest>,
    /// Every file that alone bounds the run (listed or not), slowest first.
    pub bounding: Vec<String>,
}

/// The durations of a file's runs that ran to their end, oldest first.
fn file_samples(file: &UnitHistory) -> Vec<Duration> {
    file.runs
        .iter()
        .filter(|r| r.verdict.ran())
        .filter_map(|r| r.duration)
        .collect()
}

/// The slowest `top` files and tests of `history`, with the bound at
/// `jobs` slots (see the module docs).
pub fn slow(history: &History, top: usize, jobs: usize) -> SlowReport {
    let jobs = jobs.max(1);
    let mut files: Vec<(String, Spread)> = Vec::new();
    let mut tests: Vec<SlowTest> = Vec::new();
    for (id, file) in history.files() {
        if let Some(spread) = Spread::of(&file_samples(file)) {
            files.push((id.to_string(), spread));
        }
        for (name, case) in &file.cases {
            let samples: Vec<Duration> = case
                .durations
                .iter()
                .flatten()
                .filter_map(|s| Duration::try_from_secs_f64(*s).ok())
                .collect();
            if let Some(spread) = Spread::of(&samples) {
                tests.push(SlowTest {
                    file: id.to_string(),
                    test: name.clone(),
                    spread,
                });
            }
        }
    }
    files.sort_by(|a, b| b.1.median.cmp(&a.1.median).then_with(|| a.0.cmp(&b.0)));
    tests.sort_by(|a, b| {
        (b.spread.median.cmp(&a.spread.median))
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.test.cmp(&b.test))
    });
    let total: Duration = files.iter().map(|(_, s)| s.median).sum();
    let per_slot = total / u32::try_from(jobs).unwrap_or(u32::MAX);
    let longest = files.first().map(|(_, s)| s.median).unwrap_or_default();
    let share = |d: Duration| {
        let s = d.as_secs_f64() / total.as_secs_f64().max(f64::MIN_POSITIVE);
        (s * 1e4).round() / 1e4
    };
    let (files_timed, tests_timed) = (files.len(), tests.len());
    let bounding = files
        .iter()
        .filter(|(_, s)| s.median > per_slot)
        .map(|(id, _)| id.clone())
        .collect();
    tests.truncate(top);
    SlowReport {
        top,
        jobs,
        files_timed,
        tests_timed,
        total,
        bound: per_slot.max(longest),
        files: files
            .into_iter()
            .take(top)
            .map(|(file, spread)| SlowFile {
                share: share(spread.median),
                bounds_run: spread.median > per_slot,
                file,
                spread,
            })
            .collect(),
        tests,
        bounding,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{CaseHistory, RunRecord};
    use super::*;
    use crate::outcome::Verdict;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn file(durations: &[f64]) -> UnitHistory {
        UnitHistory {
            runs: durations
                .iter()
                .enumerate()
                .map(|(i, d)| RunRecord {
                    at: 1_764_000_000 + i as u64,
                    duration: Some(secs(*d)),
                    verdict: Verdict::Pass,
                    hash: None,
                    cpu: None,
                    max_rss: None,
                    attempts: Vec::new(),
                    flipped: Vec::new(),
                })
                .collect(),
            ..UnitHistory::default()
        }
    }

    fn history(files: Vec<(&str, UnitHistory)>) -> History {
        History {
            files: files
                .into_iter()
                .map(|(id, f)| (id.to_string(), f))
                .collect(),
        }
    }

    #[test]
    fn spread_median_p95_max_last_and_trend() {
        let s = Spread::of(&[secs(4.0), secs(1.0), secs(3.0), secs(2.0), secs(10.0)]).unwrap();
        assert_eq!(
            (s.runs, s.median, s.max, s.last, s.trend),
            (5, secs(3.0), secs(10.0), secs(10.0), Some(2.3333))
        );
        // rank 0.95 × 4 = 3.8: 4 + 0.8 × (10 − 4).
        assert!((s.p95.as_secs_f64() - 8.8).abs() < 1e-9, "{:?}", s.p95);
        let even = Spread::of(&[secs(1.0), secs(2.0), secs(3.0), secs(4.0)]).unwrap();
        assert_eq!((even.median, even.trend), (secs(2.5), Some(0.6)));
        let one = Spread::of(&[secs(7.0)]).unwrap();
        assert_eq!(
            (one.median, one.p95, one.trend),
            (secs(7.0), secs(7.0), None)
        );
        assert_eq!(Spread::of(&[]), None);
    }

    #[test]
    fn files_by_median_with_share_and_the_bounding_flag() {
        let h = history(vec![
            ("t/big.t", file(&[9.0, 10.0, 11.0])),
            ("t/a.t", file(&[1.0])),
            ("t/b.t", file(&[1.0])),
            ("t/mid.t", file(&[4.0, 4.0])),
        ]);
        let r = slow(&h, 3, 2);
        let rows: Vec<(&str, Duration, f64, bool)> = r
            .files
            .iter()
            .map(|f| (f.file.as_str(), f.spread.median, f.share, f.bounds_run))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("t/big.t", secs(10.0), 0.625, true),
                ("t/mid.t", secs(4.0), 0.25, false),
                ("t/a.t", secs(1.0), 0.0625, false),
            ]
        );
        assert_eq!(
            (r.total, r.bound, r.files_timed),
            (secs(16.0), secs(10.0), 4)
        );
        assert_eq!(r.bounding, vec!["t/big.t".to_string()]);
        // At -j 1 nothing is bounded by one file: sum/1 is the sum.
        assert!(slow(&h, 10, 1).bounding.is_empty());
    }

    #[test]
    fn runs_that_did_not_run_to_their_end_are_left_out() {
        let mut f = file(&[2.0, 50.0, 3.0]);
        f.runs[1].verdict = Verdict::Error;
        f.runs.push(RunRecord {
            at: 1_764_000_100,
            duration: None,
            verdict: Verdict::Error,
            hash: None,
            cpu: None,
            max_rss: None,
            attempts: Vec::new(),
            flipped: Vec::new(),
        });
        let r = slow(&history(vec![("t/a.t", f)]), 10, 4);
        assert_eq!(r.files[0].spread.median, secs(2.5));
        assert_eq!(r.files[0].spread.last, secs(3.0));
    }

    #[test]
    fn tests_with_durations_are_ranked_too() {
        let mut f = file(&[5.0]);
        f.cases.insert(
            "slow one".into(),
            CaseHistory {
                statuses: "ppp".into(),
                durations: vec![Some(2.0), None, Some(4.0)],
                last_seen: 1_764_000_000,
            },
        );
        f.cases.insert(
            "quick".into(),
            CaseHistory {
                statuses: "p".into(),
                durations: vec![Some(0.01)],
                last_seen: 1_764_000_000,
            },
        );
        f.cases.insert(
            "untimed".into(),
            CaseHistory {
                statuses: "p".into(),
                durations: Vec::new(),
                last_seen: 1_764_000_000,
            },
        );
        let r = slow(&history(vec![("t/a.t", f)]), 10, 4);
        let names: Vec<(&str, Duration, Option<f64>)> = r
            .tests
            .iter()
            .map(|t| (t.test.as_str(), t.spread.median, t.spread.trend))
            .collect();
        assert_eq!(
            names,
            vec![
                ("slow one", secs(3.0), Some(0.3333)),
                ("quick", secs(0.01), None)
            ]
        );
        assert_eq!(r.tests_timed, 2);
    }
}
