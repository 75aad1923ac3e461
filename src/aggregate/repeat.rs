//! The stress report of a `--repeat N` / `--until-fail` run: per file, how
//! many iterations ran, how many failed, and the spread of their
//! durations — the way to confirm a flaky file before a fix and to show it
//! steady after. A pure function of the run's file entries (one per
//! iteration, see [`UnitSummary::iteration`]), so it is the same whether
//! built after the run or from a `summary.json`.

use crate::outcome::{RepeatReport, RepeatRow};
use crate::outcome::{UnitSummary, Verdict};
use std::collections::BTreeMap;
use std::time::Duration;

impl RepeatReport {
    /// The report of `files` (a repeat run's entries) for `planned`
    /// iterations per file.
    pub fn of(files: &[UnitSummary], planned: u32, until_fail: bool) -> RepeatReport {
        let mut by_file: BTreeMap<&str, Vec<&UnitSummary>> = BTreeMap::new();
        for f in files {
            by_file.entry(f.id.as_str()).or_default().push(f);
        }
        let mut rows: Vec<RepeatRow> = by_file
            .into_iter()
            .map(|(id, entries)| row(id, &entries))
            .collect();
        rows.sort_by(|a, b| {
            b.failure_rate
                .total_cmp(&a.failure_rate)
                .then_with(|| a.file.cmp(&b.file))
        });
        let iterations = files
            .iter()
            .filter(|f| f.verdict.is_recorded())
            .filter_map(|f| f.iteration)
            .max()
            .unwrap_or(0);
        RepeatReport {
            planned,
            iterations,
            until_fail,
            files: rows,
        }
    }

    /// Whether any iteration of any file failed.
    pub fn has_failures(&self) -> bool {
        self.files.iter().any(|r| r.failures > 0)
    }
}

/// The row of file `id` from its entries.
fn row(id: &str, entries: &[&UnitSummary]) -> RepeatRow {
    let ran: Vec<&&UnitSummary> = entries.iter().filter(|f| f.verdict.is_recorded()).collect();
    let failed: Vec<u32> = ran
        .iter()
        .filter(|f| f.verdict.is_failure())
        .map(|f| f.iteration.unwrap_or(1))
        .collect();
    let mut durations: Vec<Duration> = ran
        .iter()
        .filter(|f| f.verdict.ran())
        .filter_map(|f| f.duration)
        .collect();
    durations.sort();
    let runs = u32::try_from(ran.len()).unwrap_or(u32::MAX);
    let failures = u32::try_from(failed.len()).unwrap_or(u32::MAX);
    RepeatRow {
        file: id.to_string(),
        runs,
        failures,
        failure_rate: if runs == 0 {
            0.0
        } else {
            f64::from(failures) / f64::from(runs)
        },
        failed_iterations: failed,
        min: durations.first().copied(),
        median: median(&durations),
        max: durations.last().copied(),
    }
}

/// The median of sorted `sorted` (`None` when empty).
fn median(sorted: &[Duration]) -> Option<Duration> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// What the stress report of merged `inputs` is built for: `(planned,
/// until_fail)` — the most iterations any input planned, and whether any
/// stopped at its first failure — when any input is a `--repeat` run;
/// `None` when none is. Mixing repeat and plain runs is a warning (each
/// plain entry counts as one run of its file).
pub(super) fn merged_shape(
    inputs: &[(std::path::PathBuf, crate::outcome::RunSummary)],
    warnings: &mut Vec<String>,
) -> Option<(u32, bool)> {
    let reports: Vec<&RepeatReport> = inputs
        .iter()
        .filter_map(|(_, s)| s.repeat.as_ref())
        .collect();
    if reports.is_empty() {
        return None;
    }
    for (path, _) in inputs.iter().filter(|(_, s)| s.repeat.is_none()) {
        warnings.push(format!(
            "{}: not a --repeat run, merged with --repeat runs; its files count as one run each in the repeat report",
            path.display()
        ));
    }
    let planned = reports.iter().map(|r| r.planned).max().unwrap_or(0);
    Some((planned, reports.iter().any(|r| r.until_fail)))
}

/// Drops the iterations an `--until-fail` run never started (NOT RUN after
/// the stop): they were a cap, not a promise. Returns how many went.
pub fn drop_unstarted(files: &mut Vec<UnitSummary>) -> usize {
    let before = files.len();
    files.retain(|f| f.verdict != Verdict::NotRun || f.iteration.is_none_or(|k| k == 1));
    before - files.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, iteration: u32, verdict: Verdict, ms: u64) -> UnitSummary {
        let mut f = UnitSummary::not_run(id.into(), id.into(), "");
        f.verdict = verdict;
        f.iteration = Some(iteration);
        f.duration = verdict.ran().then(|| Duration::from_millis(ms));
        f
    }

    #[test]
    fn rates_and_spreads_per_file_worst_first() {
        let files = [
            entry("a", 1, Verdict::Pass, 30),
            entry("a", 2, Verdict::Pass, 10),
            entry("a", 3, Verdict::Pass, 20),
            entry("b", 1, Verdict::Pass, 40),
            entry("b", 2, Verdict::Fail, 100),
            entry("b", 3, Verdict::Pass, 10),
            entry("b", 4, Verdict::Pass, 20),
        ];
        let r = RepeatReport::of(&files, 4, false);
        assert_eq!((r.planned, r.iterations), (4, 4));
        let b = &r.files[0];
        assert_eq!((b.file.as_str(), b.runs, b.failures), ("b", 4, 1));
        assert_eq!(b.failure_rate, 0.25);
        assert_eq!(b.failed_iterations, [2]);
        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!((b.min, b.median, b.max), (ms(10), ms(30), ms(100)));
        let a = &r.files[1];
        assert_eq!((a.runs, a.failures, a.failure_rate), (3, 0, 0.0));
        assert_eq!((a.min, a.median, a.max), (ms(10), ms(20), ms(30)));
        assert!(r.has_failures());
    }

    #[test]
    fn iterations_that_did_not_run_count_for_nothing() {
        let files = [
            entry("a", 1, Verdict::Fail, 5),
            entry("a", 2, Verdict::NotRun, 0),
            entry("a", 3, Verdict::Interrupted, 0),
            entry("b", 1, Verdict::Error, 0),
        ];
        let r = RepeatReport::of(&files, 3, true);
        assert_eq!(r.iterations, 1);
        let a = r.files.iter().find(|f| f.file == "a").unwrap();
        assert_eq!((a.runs, a.failures), (1, 1));
        let b = r.files.iter().find(|f| f.file == "b").unwrap();
        assert_eq!(
            (b.runs, b.failures, b.min),
            (1, 1, None),
            "ERROR has no timing"
        );
    }

    #[test]
    fn until_fail_drops_the_iterations_it_never_started() {
        let mut files = vec![
            entry("a", 1, Verdict::Pass, 5),
            entry("a", 2, Verdict::Fail, 5),
            entry("a", 3, Verdict::NotRun, 0),
            entry("b", 1, Verdict::NotRun, 0),
        ];
        assert_eq!(drop_unstarted(&mut files), 1);
        assert_eq!(files.len(), 3, "b's first iteration stays NOT RUN");
    }
}
