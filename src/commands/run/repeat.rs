//! `--repeat N` / `--until-fail` for `ptest [PATH]…`: the plan holds every
//! selected file N times ([`Plan::repeat`]); after the run the summary
//! gets its stress report ([`RepeatReport`]) and the console prints it.
//!
//! `--until-fail` alone repeats at most [`UNTIL_FAIL_CAP`] times (the plan
//! is built before the run, so it needs a bound; `--repeat N` sets
//! another) and stops starting files at the first failure, as
//! `--fail-fast` does; the iterations it never started are dropped from
//! the summary rather than listed as NOT RUN (they were a cap, not a
//! promise).
//!
//! # History
//!
//! Every iteration is recorded as one run of its file (with the file's
//! content hash), oldest first, so `ptest report flaky` learns from a
//! stress run: a file that passed and failed between iterations of the
//! same content flipped. The history keeps the last
//! [`crate::history::MAX_RUNS`] runs of a file, so only the last that many
//! iterations are folded in: a long stress run replaces the file's older
//! runs, which is what a stress run is for (the durations it records are
//! real ones, too).

use crate::aggregate::repeat::drop_unstarted;
use crate::commands::causes;
use crate::config::settings::Settings;
use crate::history;
use crate::outcome::RepeatReport;
use crate::outcome::{RunSummary, Totals};
use crate::plan::Plan;
use crate::report::repeat::render_repeat;
use crate::report::wrap;
use std::collections::HashMap;
use std::path::Path;

/// Iterations of `--until-fail` without `--repeat N`.
pub const UNTIL_FAIL_CAP: u32 = 100;

/// How many times every file runs: `None` for a plain run.
pub fn iterations(settings: &Settings) -> Option<u32> {
    match (settings.repeat, settings.until_fail) {
        (Some(n), _) => Some(n),
        (None, true) => Some(UNTIL_FAIL_CAP),
        (None, false) => None,
    }
}

/// The plan of a repeat run (or `plan` itself for a plain run).
pub fn plan(plan: Plan, settings: &Settings) -> Plan {
    match iterations(settings) {
        Some(n) => plan.repeat(n),
        None => plan,
    }
}

/// Adds the stress report to the summary of a repeat run (and drops the
/// iterations `--until-fail` never started).
pub fn conclude(mut summary: RunSummary, settings: &Settings) -> RunSummary {
    let Some(planned) = iterations(settings) else {
        return summary;
    };
    if settings.until_fail && drop_unstarted(&mut summary.files) > 0 {
        summary.totals = Totals::of(&summary.files);
    }
    summary.repeat = Some(RepeatReport::of(
        &summary.files,
        planned,
        settings.until_fail,
    ));
    summary
}

/// The stress table for the console (empty for a plain run).
pub fn note(summary: &RunSummary) -> String {
    match &summary.repeat {
        Some(report) => format!("\n{}", render_repeat(report, wrap::stdout_width())),
        None => String::new(),
    }
}

/// Folds a repeat run into the history at `path`, one run per iteration
/// (see the module docs); `None` for a plain run (recorded as usual).
/// Returns the warnings to print.
pub fn record_history(path: &Path, plan: &Plan, summary: &RunSummary) -> Option<String> {
    let files = plan
        .entries
        .iter()
        .filter(|e| e.file.settings.iteration == Some(1))
        .map(|e| (e.file.id.as_str(), e.file.path()));
    record_iterations(path, summary, &history::hash_files(files))
}

/// [`record_history`] for a summary alone (`ptest merge --history` of
/// `--repeat` summaries), with the content `hashes` of its files; an entry
/// without an iteration (a plain run merged in) counts as iteration 1.
pub fn record_iterations(
    path: &Path,
    summary: &RunSummary,
    hashes: &HashMap<String, String>,
) -> Option<String> {
    let last = summary.repeat.as_ref()?.iterations;
    let first = last.saturating_sub(history::MAX_RUNS as u32).max(1);
    // Everything but the files, cloned once.
    let shell = RunSummary {
        files: Vec::new(),
        repeat: None,
        ..summary.clone()
    };
    let mut notes = String::new();
    for k in first..=last {
        let files = summary
            .files
            .iter()
            .filter(|f| f.iteration.unwrap_or(1) == k);
        let round = RunSummary {
            files: files.cloned().collect(),
            ..shell.clone()
        };
        match history::update(path, &round, hashes) {
            Ok(Some(warning)) => notes.push_str(&format!("warning: {warning}\n")),
            Ok(None) => {}
            Err(err) => {
                notes.push_str(&format!("warning: history not saved: {}\n", causes(&err)));
                break;
            }
        }
    }
    Some(notes)
}
