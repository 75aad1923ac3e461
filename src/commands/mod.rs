//! The subcommands: each a function from resolved settings to an [`Exit`].
//!
//! `main.rs` parses the command line ([`crate::config::cli`]), resolves it
//! ([`crate::config::settings`]) and calls one of these; it does nothing
//! else. A command wires the stages together; text that more than one
//! command prints lives in [`crate::report`].
//!
//! | module | subcommand |
//! |---|---|
//! | [`run`] | `ptest [PATH]…`: discover → plan → run → aggregate → report; its options `--repeat`/`--until-fail` ([`run::repeat`]) and `--quarantine-flaky` ([`run::quarantine`]) in its folder |
//! | [`report`] | `ptest report flaky\|slow`: reports read from the history |
//! | [`merge`] | `ptest merge SUMMARY…`: combines shard summaries. Not the [`crate::aggregate`] stage (events → one summary), which every run uses; this command uses [`crate::aggregate::shards`] |
//! | [`cargo`] | `ptest cargo`: build, list, one unit per Rust test, then the run's pipeline |
//! | [`explain`] | `ptest explain FILE…`: resolved settings and their sources |
//! | [`completions`] | `ptest completions SHELL`, `ptest man`: generated from the clap definitions |
//!
//! Errors: one [`CliError`], which knows its exit code and prints itself
//! as `ptest: error: …` with its causes on one line.

pub mod cargo;
pub mod completions;
mod error;
pub mod explain;
pub mod merge;
pub mod report;
pub mod run;

pub use error::{causes, CliError};

use crate::aggregate::result::RunResult;
use crate::outcome::RunSummary;
use std::process::ExitCode;

/// ptest's exit codes (see `docs/verdicts.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: every file passed or was skipped (also `--list`, `--dry-run`).
    Passed,
    /// 1: some file failed, timed out or could not be run.
    Failed,
    /// 2: usage, configuration or plan error (nothing or not everything
    /// ran, a merge is incomplete, a report could not be written).
    Usage,
    /// 4: no test files found (for `ptest report` and `--failed`: no
    /// history to read).
    NoTests,
    /// 130: interrupted (Ctrl-C or SIGTERM), or a merged shard was.
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Passed => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::NoTests => 4,
            Exit::Interrupted => 130,
        }
    }

    /// The exit code of a finished run or merge, one rule for both
    /// ([`crate::aggregate::result::run_result`]): the first that applies of
    /// interrupted (130), incomplete or a report not written (2), a failure
    /// (1); else 0.
    pub fn of_summary(summary: &RunSummary, reports_written: bool) -> Exit {
        match summary.result() {
            RunResult::Interrupted => Exit::Interrupted,
            RunResult::Incomplete => Exit::Usage,
            RunResult::Fail | RunResult::Pass if !reports_written => Exit::Usage,
            RunResult::Fail => Exit::Failed,
            RunResult::Pass => Exit::Passed,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{UnitSummary, Verdict};
    use crate::testing::SummaryFixture;

    fn failing() -> Vec<UnitSummary> {
        let mut f = UnitSummary::not_run("t/a.t".into(), "t/a.t".into(), "exit 1");
        f.verdict = Verdict::Fail;
        vec![f]
    }

    #[test]
    fn interrupted_beats_incomplete_and_unwritten_which_beat_failed() {
        let failed = SummaryFixture::new(failing()).build();
        assert_eq!(Exit::of_summary(&failed, true), Exit::Failed);
        assert_eq!(Exit::of_summary(&failed, false), Exit::Usage);
        let interrupted = SummaryFixture::new(failing()).interrupted(true).build();
        assert_eq!(Exit::of_summary(&interrupted, false), Exit::Interrupted);
        let mut incomplete = SummaryFixture::new(failing()).build();
        incomplete.incomplete = Some("missing shard 2".into());
        assert_eq!(Exit::of_summary(&incomplete, true), Exit::Usage);
        let passed = SummaryFixture::new(Vec::new()).build();
        assert_eq!(Exit::of_summary(&passed, true), Exit::Passed);
        assert_eq!(
            [
                Exit::Passed,
                Exit::Failed,
                Exit::Usage,
                Exit::NoTests,
                Exit::Interrupted
            ]
            .map(Exit::code),
            [0, 1, 2, 4, 130]
        );
    }
}

/// Where a finished summary goes besides the console: the files of
/// `--junit`, `--json`, `--html` and `--trace`, and the CI outputs
/// (GitHub Actions, `--markdown`). Both a run and `ptest merge` end here.
#[derive(Debug, Clone, Copy)]
pub struct ReportPaths<'a> {
    /// `--junit`.
    pub junit: Option<&'a std::path::Path>,
    /// `--json`.
    pub json: Option<&'a std::path::Path>,
    /// `--html`.
    pub html: Option<&'a std::path::Path>,
    /// `--trace`.
    pub trace: Option<&'a std::path::Path>,
    /// GitHub Actions output and the Markdown summary.
    pub ci: &'a crate::config::ci::CiOutputs,
    /// The summary an annotation points at when neither `--json` nor
    /// `--junit` was asked for (a run's own `summary.json`).
    pub fallback: Option<&'a std::path::Path>,
}

/// Writes every report `paths` asks for — each one tried even when an
/// earlier one failed, every failure printed — and returns the exit code:
/// [`Exit::of_summary`], where a report that could not be written is a
/// usage error.
pub fn write_all_reports(summary: &RunSummary, paths: &ReportPaths<'_>) -> Exit {
    use crate::report::ci::{full_report_hint, write_ci_outputs};
    use crate::report::write::{write_reports, write_views};
    let written = write_reports(summary, paths.junit, paths.json).map_err(CliError::from);
    let views = write_views(summary, paths.html, paths.trace).map_err(CliError::from);
    let hint = full_report_hint(paths.ci, paths.json, paths.junit, paths.fallback);
    let ci = write_ci_outputs(summary, paths.ci, &hint).map_err(CliError::from);
    let errors: Vec<CliError> = [written, views, ci]
        .into_iter()
        .filter_map(Result::err)
        .collect();
    for err in &errors {
        err.print();
    }
    Exit::of_summary(summary, errors.is_empty())
}
