//! The run as a schedule: one bar per attempt on one lane per slot (per
//! shard × slot in a merged summary), drawn by the HTML report
//! ([`super::html`]) and exported by `--trace` ([`super::trace`]).
//!
//! A pure function of the [`RunSummary`]: an attempt is placed by its
//! `worker` (slot), `offset` (start after its run's start) and `shard`. A
//! file that ran once is its own one attempt; a retried file has one bar
//! per entry of its `attempt_results`. Attempts without a slot, start or
//! duration (never started, or a summary too old to say) have no bar.

use crate::outcome::{RunSummary, UnitSummary, Verdict};
use std::time::Duration;

/// One lane: a slot of one shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lane {
    /// The shard K (of `K/N`), `None` for a run without `--shard`.
    pub shard: Option<usize>,
    /// The worker slot (0-based).
    pub slot: usize,
}

/// One attempt of one file, placed on a lane.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Index of the file in [`RunSummary::files`].
    pub file: usize,
    /// Attempt number (1-based).
    pub attempt: u32,
    /// The attempt's own verdict (a retried file's last attempt: the
    /// file's verdict, so a FLAKY file's passing attempt shows as FLAKY).
    pub verdict: Verdict,
    /// Index into [`Timeline::lanes`].
    pub lane: usize,
    /// Start, after its run's start.
    pub start: Duration,
    /// Wall time.
    pub duration: Duration,
}

impl Bar {
    /// When it ended, after its run's start.
    pub fn end(&self) -> Duration {
        self.start + self.duration
    }
}

/// The lower bound of the run as the summary shows it:
/// `max(sum / slots, longest)` over the files' time spent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryBound {
    /// No schedule on these slots finishes sooner.
    pub value: Duration,
    /// Whether the longest file sets it (else the sum over the slots).
    pub longest: bool,
    /// Sum over every file of the time its children ran.
    pub busy: Duration,
    /// `busy / (jobs × wall)`, 0 to 1 (0 when the wall is zero).
    pub efficiency: f64,
}

/// Every attempt's bar, the lanes they sit on, and the file that bounded
/// the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Lanes sorted by shard, then slot.
    pub lanes: Vec<Lane>,
    /// Bars sorted by lane, then start.
    pub bars: Vec<Bar>,
    /// Index in [`RunSummary::files`] of the file whose last attempt ended
    /// last: the one the run's wall waited for.
    pub bounded_by: Option<usize>,
}

/// One attempt as the timeline reads it: (number, verdict, slot, start,
/// duration).
type Placed = (u32, Verdict, usize, Duration, Duration);

fn attempts_of(file: &UnitSummary) -> Vec<Placed> {
    if file.attempt_results.is_empty() {
        let placed = (file.worker, file.offset, file.duration);
        match placed {
            (Some(slot), Some(start), Some(d)) => {
                vec![(file.attempts.max(1), file.verdict, slot, start, d)]
            }
            _ => Vec::new(),
        }
    } else {
        let last = file.attempt_results.len();
        file.attempt_results
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let verdict = if i + 1 == last {
                    file.verdict
                } else {
                    a.verdict
                };
                Some((a.number, verdict, a.worker?, a.offset?, a.duration?))
            })
            .collect()
    }
}

impl Timeline {
    /// The timeline of `summary`.
    pub fn of(summary: &RunSummary) -> Timeline {
        let mut raw: Vec<(Lane, Bar)> = Vec::new();
        for (index, file) in summary.files.iter().enumerate() {
            for (attempt, verdict, slot, start, duration) in attempts_of(file) {
                let lane = Lane {
                    shard: file.shard,
                    slot,
                };
                let bar = Bar {
                    file: index,
                    attempt,
                    verdict,
                    lane: 0,
                    start,
                    duration,
                };
                raw.push((lane, bar));
            }
        }
        let mut lanes: Vec<Lane> = raw.iter().map(|(l, _)| *l).collect();
        lanes.sort();
        lanes.dedup();
        let mut bars: Vec<Bar> = raw
            .into_iter()
            .map(|(lane, mut bar)| {
                bar.lane = lanes.binary_search(&lane).unwrap_or_default();
                bar
            })
            .collect();
        bars.sort_by(|a, b| {
            (a.lane, a.start, a.file, a.attempt).cmp(&(b.lane, b.start, b.file, b.attempt))
        });
        let bounded_by = bars
            .iter()
            .max_by(|a, b| a.end().cmp(&b.end()).then(b.file.cmp(&a.file)))
            .map(|b| b.file);
        Timeline {
            lanes,
            bars,
            bounded_by,
        }
    }
}

/// The lower bound and efficiency of `summary`, from its files alone.
pub fn bound(summary: &RunSummary) -> SummaryBound {
    let durations: Vec<Duration> = summary
        .files
        .iter()
        .filter_map(UnitSummary::time_spent)
        .collect();
    let busy: Duration = durations.iter().sum();
    let longest = durations.iter().max().copied().unwrap_or_default();
    let slots = summary.jobs.min(durations.len()).max(1) as u32;
    let spread = busy / slots;
    let wall = summary.wall.as_secs_f64();
    let efficiency = if wall > 0.0 && summary.jobs > 0 {
        busy.as_secs_f64() / (summary.jobs as f64 * wall)
    } else {
        0.0
    };
    SummaryBound {
        value: spread.max(longest),
        longest: longest >= spread && !durations.is_empty(),
        busy,
        efficiency,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::AttemptRecord;
    use crate::testing::SummaryFixture;

    fn ran(id: &str, slot: usize, start_ms: u64, ms: u64, verdict: Verdict) -> UnitSummary {
        let mut f = UnitSummary::not_run(id.into(), id.into(), "");
        f.verdict = verdict;
        f.attempts = 1;
        f.worker = Some(slot);
        f.offset = Some(Duration::from_millis(start_ms));
        f.duration = Some(Duration::from_millis(ms));
        f
    }

    #[test]
    fn one_bar_per_attempt_on_one_lane_per_shard_and_slot() {
        let a = ran("a", 0, 0, 300, Verdict::Pass);
        let mut b = ran("b", 1, 0, 100, Verdict::Flaky);
        b.attempts = 2;
        let mut first = AttemptRecord::of(&ran("b", 1, 0, 100, Verdict::Fail));
        first.number = 1;
        let mut second = AttemptRecord::of(&ran("b", 0, 350, 50, Verdict::Pass));
        second.number = 2;
        b.attempt_results = vec![first, second];
        let mut c = ran("c", 0, 0, 500, Verdict::Pass);
        c.shard = Some(2);
        let never = UnitSummary::not_run("d".into(), "d".into(), "not run");
        let summary = SummaryFixture::new(vec![a, b, c, never])
            .jobs(4)
            .wall(Duration::from_millis(500))
            .build();
        let t = Timeline::of(&summary);
        assert_eq!(
            t.lanes,
            vec![
                Lane {
                    shard: None,
                    slot: 0
                },
                Lane {
                    shard: None,
                    slot: 1
                },
                Lane {
                    shard: Some(2),
                    slot: 0
                },
            ]
        );
        let bars: Vec<(usize, u32, Verdict, usize)> = t
            .bars
            .iter()
            .map(|b| (b.file, b.attempt, b.verdict, b.lane))
            .collect();
        assert_eq!(
            bars,
            vec![
                (0, 1, Verdict::Pass, 0),
                (1, 2, Verdict::Flaky, 0),
                (1, 1, Verdict::Fail, 1),
                (2, 1, Verdict::Pass, 2),
            ]
        );
        assert_eq!(t.bounded_by, Some(2));
        let b = bound(&summary);
        // 300 + 150 + 500 = 950 ms over 3 slots (3 files) < the longest, 500.
        assert_eq!(b.busy, Duration::from_millis(950));
        assert_eq!((b.value, b.longest), (Duration::from_millis(500), true));
        assert!((b.efficiency - 0.95 / 2.0).abs() < 1e-9, "{}", b.efficiency);
    }
}
