//! The subcommands: each a function from resolved settings to an [`Exit`].
//!
//! `main.rs` parses the command line ([`crate::config::cli`]), resolves it
//! ([`crate::config::settings`]) and calls one of these; it does nothing
//! else. A command wires the stages together; text that more than one
//! command prints lives in [`crate::report`].
//!
//! | module | subcommand |
//! |---|---|
//! | [`run`] | `ptest [PATH]…`: discover → plan → run → merge → report |
//! | [`report`] | `ptest report flaky\|slow`: reports read from the history |
//! | [`combine`] | `ptest merge SUMMARY…`: combines shard summaries. Not the [`crate::merge`] stage (events → one summary), which every run uses; this command uses [`crate::merge::shards`] |
//! | [`cargo`] | `ptest cargo`: build, list, one unit per Rust test, then the run's pipeline |
//! | [`explain`] | `ptest explain FILE…`: resolved settings and their sources |
//! | [`quarantine`] | `--quarantine-flaky RATE`: quarantine what the history shows flipping (part of a run) |
//! | [`completions`] | `ptest completions SHELL`, `ptest man`: generated from the clap definitions |
//! | [`stress`] | `--repeat N` / `--until-fail` of `ptest [PATH]…` |
//!
//! Errors: one [`CliError`], which knows its exit code and prints itself
//! as `ptest: error: …` with its causes on one line.

pub mod cargo;
pub mod combine;
pub mod completions;
mod error;
pub mod explain;
pub mod quarantine;
pub mod report;
pub mod run;
pub mod stress;

pub use error::{causes, CliError};

use crate::merge::result::RunResult;
use crate::merge::RunSummary;
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
    /// ([`crate::merge::result::run_result`]): the first that applies of
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
    use crate::merge::{FileSummary, Verdict};
    use crate::testing::SummaryFixture;

    fn failing() -> Vec<FileSummary> {
        let mut f = FileSummary::not_run("t/a.t".into(), "t/a.t".into(), "exit 1");
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
