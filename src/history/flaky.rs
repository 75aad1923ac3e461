//! Flaky files and tests, found in the recorded history.
//!
//! A file (or a test inside one) is **flaky** when it both passed and
//! failed while its content hash was the same: the same code gave two
//! answers. Two cases look alike but are not listed:
//!
//! * a file or test that only ever failed is *broken*, not flaky;
//! * one whose failures all came with a different content hash than its
//!   passes was *changed, then fixed* (or broken by an edit).
//!
//! # Flips and the flip rate
//!
//! Every recorded run gives one or more *observations*, pass or fail (FAIL
//! and TIMEOUT are failures; SKIP and ERROR say nothing about flakiness and
//! are left out). The
//! observations are split by content hash, keeping their order, and a
//! **flip** is a change between pass and fail inside one hash's sequence;
//! a change across two hashes is an edit, not a flip. Observations whose
//! hash is unknown (the file could not be read) count as runs but never
//! flip. The history's own `flips` count adds each new run's flips by
//! this same rule ([`new_flips`]), over all runs rather than the window.
//! Then
//!
//! ```text
//! flip rate = flips / (observations − 1)
//! ```
//!
//! over the window the history keeps (its last [`super::MAX_RUNS`] runs).
//! A file with `p f p f` under one hash has a flip rate of 3/3 = 100%;
//! `f f` under one hash and `p p` under the next has no flip at all.
//!
//! # Retries
//!
//! [`run_outcomes`] is the one place that turns a recorded run into
//! observations: one per attempt, oldest first, from the run's
//! [`RunRecord::attempts`] (a run without retries is one observation, its
//! verdict; a FLAKY run recorded without its attempts counts as fail, then
//! pass). A pass after a failed attempt is a flip inside the run, counted
//! by the same per-hash rule, and the denominator grows with the attempts.
//! A test that flipped inside a run ([`RunRecord::flipped`]) is likewise
//! fail, then pass. [`FlakyEntry::runs`] keeps counting runs, not attempts.
//!
//! **Attempts needed** ([`FlakyEntry::attempts_needed`]): the most
//! attempts any recorded passing run of the file (or test) needed — 1 when
//! it always passed at once, 3 when a pass once came only on the third
//! attempt. The report shows it as the `TRIES` column when any entry needed
//! more than one.
//!
//! # Tests
//!
//! The history keeps each test's statuses (one letter per run that
//! reported it) but not the content hash of each: a test's statuses are
//! matched to the file's runs that could have reported it (those that got
//! a child, up to the test's `last_seen`), newest first. When the test was
//! reported by every such run the match is exact, and each status gets its
//! run's hash and time. When it was missing from some of them the match is
//! uncertain: its statuses then count as one content only if all those
//! runs had the same hash, and otherwise never flip. A status older than
//! the file's kept runs is left out.

use super::{CaseHistory, History, RunRecord, UnitHistory};
use crate::outcome::Verdict;
use crate::parse::CaseStatus;
use serde::Serialize;
use std::collections::BTreeMap;

/// One observation: what a run (or an attempt) of a file or test said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observation {
    /// It passed.
    Pass,
    /// It failed or timed out.
    Fail,
}

/// The outcomes of one recorded run, oldest first: the hook for retries
/// (see the module docs). Today one outcome (or none, for SKIP and ERROR).
pub fn run_outcomes(run: &RunRecord) -> Vec<Observation> {
    match (run.attempts.is_empty(), run.verdict) {
        (false, _) => run
            .attempts
            .iter()
            .filter_map(|&v| verdict_outcome(v))
            .collect(),
        (true, Verdict::Flaky) => vec![Observation::Fail, Observation::Pass],
        (true, verdict) => verdict_outcome(verdict).into_iter().collect(),
    }
}

/// Flips that `outcomes` (one run's, oldest first) add after `last`, the
/// latest outcome seen under the same content hash (updated): the one
/// flip rule of the report and of the history's recorded `flips`.
fn step(last: &mut Option<Observation>, outcomes: &[Observation]) -> u32 {
    let mut flips = 0;
    for &outcome in outcomes {
        if last.is_some_and(|previous| previous != outcome) {
            flips += 1;
        }
        *last = Some(outcome);
    }
    flips
}

/// The flips a new run `new` adds to a file whose kept runs are `kept`
/// (oldest first), by the report's rule: inside its content hash, every
/// attempt an observation (a pass after a retry is a flip), compared with
/// the newest kept run of the same hash that gave an outcome. A run whose
/// hash is unknown adds none. This is the history's `flips` increment.
pub fn new_flips(kept: &[RunRecord], new: &RunRecord) -> u32 {
    let Some(hash) = new.hash.as_deref() else {
        return 0;
    };
    let mut last = kept
        .iter()
        .rev()
        .filter(|r| r.hash.as_deref() == Some(hash))
        .find_map(|r| run_outcomes(r).last().copied());
    step(&mut last, &run_outcomes(new))
}

/// How many attempts a run took to end in a pass, when it did.
fn attempts_to_pass(run: &RunRecord) -> Option<u32> {
    match run.verdict {
        Verdict::Pass | Verdict::Flaky => Some(match run.attempts.len() {
            0 => 1 + u32::from(run.verdict == Verdict::Flaky),
            n => n as u32,
        }),
        Verdict::Fail
        | Verdict::Timeout
        | Verdict::Skip
        | Verdict::Error
        | Verdict::NotRun
        | Verdict::Interrupted => None,
    }
}

/// A test's outcomes in `run`, whose last attempt gave it `status`.
fn case_outcomes(
    run: &RunRecord,
    name: &str,
    status: CaseStatus,
) -> (Vec<Observation>, Option<u32>) {
    let flipped = status == CaseStatus::Pass && run.flipped.iter().any(|n| n == name);
    if flipped {
        let attempts = (run.attempts.len() as u32).max(2);
        (vec![Observation::Fail, Observation::Pass], Some(attempts))
    } else {
        let outcomes: Vec<Observation> = status_outcome(status).into_iter().collect();
        let passed = (outcomes == [Observation::Pass]).then_some(1);
        (outcomes, passed)
    }
}

fn verdict_outcome(verdict: Verdict) -> Option<Observation> {
    match verdict {
        Verdict::Pass | Verdict::Flaky => Some(Observation::Pass),
        Verdict::Fail | Verdict::Timeout => Some(Observation::Fail),
        Verdict::Skip | Verdict::Error | Verdict::NotRun | Verdict::Interrupted => None,
    }
}

fn status_outcome(status: CaseStatus) -> Option<Observation> {
    match status {
        CaseStatus::Pass => Some(Observation::Pass),
        CaseStatus::Fail => Some(Observation::Fail),
        // A TODO is expected to fail; whether it did says nothing about
        // flakiness (a TODO that passes is reported, not failed).
        CaseStatus::Skip | CaseStatus::TodoFail | CaseStatus::TodoPass => None,
    }
}

/// What one run contributed: its content hash, when it started (when
/// known), and its outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observed<'a> {
    hash: Option<&'a str>,
    at: Option<u64>,
    outcomes: Vec<Observation>,
    /// Attempts it took to pass, when it ended in a pass.
    attempts_to_pass: Option<u32>,
}

/// A flaky file or test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlakyEntry {
    /// The file id.
    pub file: String,
    /// The test's name (its key in the history); `None` for the file itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    /// Flips over observations − 1, between 0 and 1 (see the module docs).
    pub flip_rate: f64,
    /// Changes between pass and fail under one content hash.
    pub flips: u32,
    /// Recorded runs that passed or failed.
    pub runs: u32,
    /// When the newest failure started (Unix seconds), when known.
    #[serde(serialize_with = "rfc3339_secs")]
    pub last_failure: Option<u64>,
    /// The most attempts a recorded passing run needed (see the module
    /// docs); absent from the JSON when 1.
    #[serde(skip_serializing_if = "is_one")]
    pub attempts_needed: u32,
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

impl FlakyEntry {
    /// `file` or `file::test`, as the reports show it.
    pub fn id(&self) -> String {
        match &self.test {
            Some(test) => format!("{}::{test}", self.file),
            None => self.file.clone(),
        }
    }
}

/// Unix seconds as an RFC 3339 string, or null.
fn rfc3339_secs<S: serde::Serializer>(at: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.serialize_some(&crate::util::time::rfc3339(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(*at),
        )),
        None => s.serialize_none(),
    }
}

/// Every flaky file and test in a history, highest flip rate first.
#[derive(Debug, Clone, PartialEq)]
pub struct FlakyReport {
    /// Flaky files, by flip rate (highest first), ties by id.
    pub files: Vec<FlakyEntry>,
    /// Flaky tests, likewise.
    pub tests: Vec<FlakyEntry>,
    /// Files and tests that flipped but have fewer than `min_runs` runs.
    pub below_min_runs: usize,
    /// Only entries with at least this many runs are listed.
    pub min_runs: usize,
    /// Files in the history.
    pub files_seen: usize,
}

/// Finds the flaky files and tests of `history` with at least `min_runs`
/// runs (see the module docs).
pub fn flaky(history: &History, min_runs: usize) -> FlakyReport {
    let mut report = FlakyReport {
        files: Vec::new(),
        tests: Vec::new(),
        below_min_runs: 0,
        min_runs,
        files_seen: 0,
    };
    for (id, file) in history.files() {
        report.files_seen += 1;
        let found = std::iter::once((None, file_observed(file))).chain(
            file.cases
                .iter()
                .map(|(name, case)| (Some(name), case_observed(file, name, case))),
        );
        for (test, observed) in found {
            let Some(entry) = measure(id, test.cloned(), &observed) else {
                continue;
            };
            if (entry.runs as usize) < min_runs {
                report.below_min_runs += 1;
            } else if entry.test.is_some() {
                report.tests.push(entry);
            } else {
                report.files.push(entry);
            }
        }
    }
    for list in [&mut report.files, &mut report.tests] {
        list.sort_by(|a, b| {
            b.flip_rate
                .total_cmp(&a.flip_rate)
                .then_with(|| a.file.cmp(&b.file))
                .then_with(|| a.test.cmp(&b.test))
        });
    }
    report
}

/// The file's runs as observations.
fn file_observed(file: &UnitHistory) -> Vec<Observed<'_>> {
    file.runs
        .iter()
        .map(|run| Observed {
            hash: run.hash.as_deref(),
            at: Some(run.at),
            outcomes: run_outcomes(run),
            attempts_to_pass: attempts_to_pass(run),
        })
        .collect()
}

/// A test's statuses matched to the file's runs (see the module docs).
fn case_observed<'a>(file: &'a UnitHistory, name: &str, case: &CaseHistory) -> Vec<Observed<'a>> {
    let candidates: Vec<&RunRecord> = file
        .runs
        .iter()
        .filter(|r| r.at <= case.last_seen && r.duration.is_some())
        .collect();
    let statuses = case.statuses();
    let kept = statuses.len().min(candidates.len());
    let statuses = &statuses[statuses.len() - kept..];
    if statuses.len() == candidates.len() {
        return statuses
            .iter()
            .zip(&candidates)
            .map(|(status, run)| {
                let (outcomes, attempts_to_pass) = case_outcomes(run, name, *status);
                Observed {
                    hash: run.hash.as_deref(),
                    at: Some(run.at),
                    outcomes,
                    attempts_to_pass,
                }
            })
            .collect();
    }
    let first = candidates.first().and_then(|r| r.hash.as_deref());
    let shared = first.filter(|h| candidates.iter().all(|r| r.hash.as_deref() == Some(h)));
    let last = statuses.len().saturating_sub(1);
    statuses
        .iter()
        .enumerate()
        .map(|(i, status)| Observed {
            hash: shared,
            at: (i == last).then_some(case.last_seen),
            outcomes: status_outcome(*status).into_iter().collect(),
            attempts_to_pass: (*status == CaseStatus::Pass).then_some(1),
        })
        .collect()
}

/// The entry for one file or test, `None` when it never flipped.
fn measure(file: &str, test: Option<String>, observed: &[Observed<'_>]) -> Option<FlakyEntry> {
    let mut last_by_hash: BTreeMap<&str, Option<Observation>> = BTreeMap::new();
    let (mut flips, mut observations, mut runs) = (0u32, 0u32, 0u32);
    let attempts_needed = observed
        .iter()
        .filter_map(|o| o.attempts_to_pass)
        .max()
        .unwrap_or(1);
    let mut last_failure = None;
    for run in observed {
        if !run.outcomes.is_empty() {
            runs += 1;
        }
        observations += run.outcomes.len() as u32;
        if run.outcomes.contains(&Observation::Fail) {
            last_failure = run.at.or(last_failure);
        }
        if let Some(hash) = run.hash {
            flips += step(last_by_hash.entry(hash).or_default(), &run.outcomes);
        }
    }
    if flips == 0 {
        return None;
    }
    let rate = f64::from(flips) / f64::from(observations.saturating_sub(1).max(1));
    Some(FlakyEntry {
        file: file.to_string(),
        test,
        flip_rate: (rate * 1e4).round() / 1e4,
        flips,
        runs,
        last_failure,
        attempts_needed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::settings::DEFAULT_MIN_RUNS;
    use std::time::Duration;

    const T0: u64 = 1_764_000_000;

    /// Runs from letters (`p` pass, `f` fail, `t` timeout, `s` skip, `e`
    /// error) with hashes from digits: `"p1 f1 p2"`.
    fn runs(spec: &str) -> Vec<RunRecord> {
        spec.split_whitespace()
            .enumerate()
            .map(|(i, word)| {
                let verdict = match &word[..1] {
                    "p" => Verdict::Pass,
                    "f" => Verdict::Fail,
                    "t" => Verdict::Timeout,
                    "s" => Verdict::Skip,
                    _ => Verdict::Error,
                };
                let hash = &word[1..];
                RunRecord {
                    at: T0 + 100 * i as u64,
                    duration: Some(Duration::from_secs(1)),
                    verdict,
                    hash: (!hash.is_empty()).then(|| hash.repeat(16)),
                    cpu: None,
                    max_rss: None,
                    attempts: Vec::new(),
                    flipped: Vec::new(),
                }
            })
            .collect()
    }

    fn history(files: &[(&str, &str)]) -> History {
        History {
            files: files
                .iter()
                .map(|(id, spec)| {
                    let file = UnitHistory {
                        runs: runs(spec),
                        ..UnitHistory::default()
                    };
                    (id.to_string(), file)
                })
                .collect(),
        }
    }

    fn rates(report: &FlakyReport) -> Vec<(String, f64, u32, u32)> {
        report
            .files
            .iter()
            .chain(&report.tests)
            .map(|e| (e.id(), e.flip_rate, e.flips, e.runs))
            .collect()
    }

    #[test]
    fn flips_under_one_hash_are_flaky_and_sorted_by_rate_then_id() {
        let h = history(&[
            ("t/b.t", "p1 f1 p1 f1"),
            ("t/a.t", "p1 f1 p1 f1"),
            ("t/c.t", "p1 p1 p1 f1 p1"),
            ("t/timeout.t", "p1 t1"),
        ]);
        let report = flaky(&h, DEFAULT_MIN_RUNS);
        assert_eq!(
            rates(&report),
            vec![
                ("t/a.t".to_string(), 1.0, 3, 4),
                ("t/b.t".to_string(), 1.0, 3, 4),
                ("t/timeout.t".to_string(), 1.0, 1, 2),
                ("t/c.t".to_string(), 0.5, 2, 5),
            ]
        );
        assert_eq!(report.files[3].last_failure, Some(T0 + 300));
        assert_eq!(report.files_seen, 4);
    }

    #[test]
    fn broken_and_changed_then_fixed_are_not_flaky() {
        let h = history(&[
            ("t/broken.t", "f1 f1 t1 f1"),
            ("t/fixed.t", "f1 f1 p2 p2"),
            ("t/broke-by-edit.t", "p1 p1 f2 f2"),
            ("t/stable.t", "p1 p1 p1"),
            ("t/no-hash.t", "p f p f"),
        ]);
        let report = flaky(&h, DEFAULT_MIN_RUNS);
        assert_eq!(rates(&report), vec![]);
        assert_eq!(report.below_min_runs, 0);
    }

    #[test]
    fn only_flips_within_one_hash_count_even_when_interleaved() {
        // Hash 1 goes p … f (1 flip) around an edit; the edit itself and the
        // revert are not flips. Skip and error say nothing.
        let h = history(&[("t/a.t", "p1 f2 s1 e1 f1 p2")]);
        let report = flaky(&h, DEFAULT_MIN_RUNS);
        // Observations: p1 f2 f1 p2 → flips: hash 1 p→f, hash 2 f→p.
        assert_eq!(rates(&report), vec![("t/a.t".to_string(), 0.6667, 2, 4)]);
    }

    #[test]
    fn min_runs_leaves_out_short_histories_and_counts_them() {
        let h = history(&[("t/a.t", "p1 f1"), ("t/b.t", "p1 f1 p1 p1")]);
        let report = flaky(&h, 3);
        assert_eq!(rates(&report), vec![("t/b.t".to_string(), 0.6667, 2, 4)]);
        assert_eq!(report.below_min_runs, 1);
    }

    fn with_case(spec: &str, statuses: &str, last_seen_run: usize) -> History {
        let mut h = history(&[("t/a.t", spec)]);
        let file = h.files.get_mut("t/a.t").expect("the file");
        file.cases.insert(
            "connects".into(),
            CaseHistory {
                statuses: statuses.into(),
                durations: Vec::new(),
                last_seen: T0 + 100 * last_seen_run as u64,
            },
        );
        h
    }

    #[test]
    fn a_test_reported_by_every_run_gets_each_runs_hash() {
        // The file fails whenever the test does; both are listed.
        let report = flaky(&with_case("p1 f1 p1", "pfp", 2), DEFAULT_MIN_RUNS);
        assert_eq!(
            rates(&report),
            vec![
                ("t/a.t".to_string(), 1.0, 2, 3),
                ("t/a.t::connects".to_string(), 1.0, 2, 3)
            ]
        );
        assert_eq!(report.tests[0].last_failure, Some(T0 + 100));
        // Failed under hash 1, passed under hash 2: an edit fixed it.
        let report = flaky(&with_case("f1 f1 p2", "ffp", 2), DEFAULT_MIN_RUNS);
        assert_eq!(rates(&report), vec![]);
    }

    #[test]
    fn a_test_missing_from_some_runs_flips_only_when_all_hashes_agree() {
        // Three candidate runs, two statuses: which runs is uncertain.
        // The error run had a child (duration known) but no cases.
        let report = flaky(&with_case("p1 e1 f1", "pf", 2), DEFAULT_MIN_RUNS);
        assert_eq!(
            rates(&report),
            vec![
                ("t/a.t".to_string(), 1.0, 1, 2),
                ("t/a.t::connects".to_string(), 1.0, 1, 2)
            ]
        );
        assert_eq!(report.tests[0].last_failure, Some(T0 + 200));
        let report = flaky(&with_case("p1 e1 f2", "pf", 2), DEFAULT_MIN_RUNS);
        assert_eq!(rates(&report), vec![]);
    }

    #[test]
    fn statuses_older_than_the_kept_runs_are_left_out() {
        // Five statuses, but the test was last seen in the second of the
        // file's three kept runs: only the newest two statuses count.
        let report = flaky(&with_case("p1 p1 p1", "ffpfp", 1), DEFAULT_MIN_RUNS);
        assert_eq!(
            rates(&report),
            vec![("t/a.t::connects".to_string(), 1.0, 1, 2)]
        );
    }

    #[test]
    fn the_json_shape_of_an_entry() {
        let report = flaky(&history(&[("t/a.t", "p1 f1")]), DEFAULT_MIN_RUNS);
        let json = serde_json::to_value(&report.files[0]).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "file": "t/a.t", "flip_rate": 1.0, "flips": 1, "runs": 2,
                "last_failure": "2025-11-24T16:01:40.000Z"
            })
        );
    }

    #[test]
    fn a_pass_after_a_retry_is_a_flip_and_attempts_needed_is_the_most_a_pass_took() {
        let mut h = history(&[("t/a.t", "p1 p1")]);
        let file = h.files.get_mut("t/a.t").expect("the file");
        file.runs[1].verdict = Verdict::Flaky;
        file.runs[1].attempts = vec![Verdict::Fail, Verdict::Timeout, Verdict::Pass];
        let report = flaky(&h, DEFAULT_MIN_RUNS);
        // Observations p | f t p: two flips (p → f, t → p) over 3.
        assert_eq!(rates(&report), vec![("t/a.t".to_string(), 0.6667, 2, 2)]);
        assert_eq!(report.files[0].attempts_needed, 3);
        assert_eq!(report.files[0].last_failure, Some(T0 + 100));
        let json = serde_json::to_value(&report.files[0]).expect("serialises");
        assert_eq!(json["attempts_needed"], 3);
    }

    #[test]
    fn a_flaky_run_recorded_without_attempts_is_fail_then_pass() {
        let mut h = history(&[("t/a.t", "p1")]);
        let file = h.files.get_mut("t/a.t").expect("the file");
        file.runs[0].verdict = Verdict::Flaky;
        assert_eq!(
            run_outcomes(&file.runs[0]),
            [Observation::Fail, Observation::Pass]
        );
        let report = flaky(&h, 1);
        assert_eq!(report.files[0].attempts_needed, 2);
    }

    #[test]
    fn a_test_that_flipped_inside_a_run_is_flaky() {
        let mut h = with_case("p1 p1", "pp", 1);
        let file = h.files.get_mut("t/a.t").expect("the file");
        file.runs[1].verdict = Verdict::Flaky;
        file.runs[1].attempts = vec![Verdict::Fail, Verdict::Pass];
        file.runs[1].flipped = vec!["connects".into()];
        let report = flaky(&h, DEFAULT_MIN_RUNS);
        assert_eq!(
            rates(&report),
            vec![
                ("t/a.t".to_string(), 1.0, 2, 2),
                ("t/a.t::connects".to_string(), 1.0, 2, 2)
            ]
        );
        assert_eq!(report.tests[0].attempts_needed, 2);
    }
}
