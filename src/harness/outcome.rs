//! What one trial's file came to, and the default rule that turns it into
//! a trial result.

use crate::aggregate::{self};

use crate::outcome::UnitRun;
use crate::outcome::{UnitSummary, Verdict};
use crate::report::console::{render_details, render_file_line, Palette};
use crate::unit::Unit;
use libtest_mimic::{Completion, Failed};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How one file went: ptest's summary of it, as `ptest --json` would
/// write it (verdict, reasons, per-test cases, output tails when it did
/// not pass, kept logs).
#[derive(Debug, Clone)]
pub struct TrialOutcome {
    /// The file's summary.
    pub summary: UnitSummary,
    /// Wall time of the whole trial: start, wait, the timeout's grace,
    /// killing leftover processes.
    pub wall: Duration,
    /// The suite's run directory (logs of files that did not pass are in
    /// its `logs/`).
    pub run_dir: PathBuf,
}

impl TrialOutcome {
    /// Judges a finished run of `unit` as the summary does.
    pub(crate) fn of(unit: &Unit, run: &UnitRun, wall: Duration, run_dir: &Path) -> TrialOutcome {
        let mut summary = aggregate::judge(unit.id.to_string(), unit.path().to_path_buf(), run);
        aggregate::read_tails(&mut summary, run);
        TrialOutcome {
            summary,
            wall,
            run_dir: run_dir.to_path_buf(),
        }
    }

    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        self.summary.verdict
    }

    /// What ptest's console prints for this file (without color): the
    /// verdict line with the first reason, then the other reasons, the
    /// failing TAP lines and, for a failure, the tail of its output.
    pub fn report(&self) -> String {
        let palette = Palette::new(false);
        let mut text = render_file_line(&self.summary, &palette);
        text.push_str(&render_details(&self.summary, &palette));
        text
    }
}

/// The default rule: PASS (or FLAKY) passes the trial, SKIP makes it ignored (with
/// the first reason), anything else fails it with [`TrialOutcome::report`].
pub fn default_check(outcome: &TrialOutcome) -> Result<Completion, Failed> {
    match outcome.verdict() {
        Verdict::Pass | Verdict::Flaky => Ok(Completion::Completed),
        Verdict::Skip => Ok(Completion::Ignored {
            reason: outcome.summary.reasons.first().cloned(),
        }),
        Verdict::Fail
        | Verdict::Timeout
        | Verdict::Error
        | Verdict::NotRun
        | Verdict::Interrupted => Err(outcome.report().into()),
    }
}
