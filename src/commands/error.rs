//! The one error a command returns to `main`: it knows its exit code and
//! how to print itself.

use super::report::ReportHistoryError;
use super::Exit;
use crate::aggregate::shards::CombineError;
use crate::config::settings::SettingsError;
use crate::discover::DiscoverError;
use crate::history::HistoryError;
use crate::plan::{DurationsError, PlanError};
use crate::report::console::err_line;
use crate::report::json::JsonError;
use crate::report::write::ReportError;
use crate::run::RunError;

/// Why a command could not do its work. Each variant is the error of one
/// stage, shown as that stage words it (`#[error(transparent)]`), so the
/// messages name the file and problem where they arise.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A setting could not be resolved (e.g. an empty `PTEST_STATE_DIR`).
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// Discovery failed (a missing path, a bad glob or `--exec`).
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    /// `--durations` could not be read.
    #[error(transparent)]
    Durations(#[from] DurationsError),
    /// The plan cannot run (a dependency cycle, or a dependency outside
    /// the run).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The run could not take place (run directory, signals, watchdog).
    #[error(transparent)]
    Run(#[from] RunError),
    /// A summary given to `ptest merge` could not be read.
    #[error(transparent)]
    Summary(#[from] JsonError),
    /// The summaries given to `ptest merge` do not fit together.
    #[error(transparent)]
    Combine(#[from] CombineError),
    /// `ptest merge --history` could not update the history.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// `--junit` or `--json` could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// `ptest report` or `--failed` found no history to read.
    #[error(transparent)]
    ReportHistory(#[from] ReportHistoryError),
    /// `ptest cargo` could not build or list the tests.
    #[error(transparent)]
    Cargo(#[from] crate::cargo::CargoError),
    /// `--markdown` or the GitHub job summary could not be written.
    #[error(transparent)]
    Ci(#[from] crate::report::ci::CiReportError),
    /// The shared work queue (`--queue`) could not be used.
    #[error(transparent)]
    Queue(#[from] crate::queue::QueueError),
}

impl CliError {
    /// The exit code: 2 for each (usage, configuration or plan error:
    /// nothing or not everything ran, or a report is missing), except 4
    /// for no history to report on.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Settings(_)
            | CliError::Discover(_)
            | CliError::Durations(_)
            | CliError::Plan(_)
            | CliError::Run(_)
            | CliError::Summary(_)
            | CliError::Combine(_)
            | CliError::History(_)
            | CliError::Report(_)
            | CliError::Cargo(_)
            | CliError::Ci(_) => Exit::Usage,
            CliError::Queue(_) => Exit::Usage,
            CliError::ReportHistory(err) => err.exit(),
        }
    }

    /// `ptest: error: message: cause: cause`, on one line.
    pub fn message(&self) -> String {
        format!("ptest: error: {}", causes(self))
    }

    /// Prints [`CliError::message`] to stderr.
    pub fn print(&self) {
        err_line(&self.message());
    }
}

/// An error and its causes (e.g. the OS reason) on one line, joined by `: `.
pub fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn prints_the_cause_chain_on_one_line_and_exits_2() {
        let err = CliError::from(RunError::RunDir {
            path: PathBuf::from("/ro/runs/1"),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        });
        assert_eq!(
            err.message(),
            "ptest: error: cannot create run directory /ro/runs/1: permission denied"
        );
        assert_eq!(err.exit(), Exit::Usage);
        assert_eq!(err.exit().code(), 2);
    }
}
