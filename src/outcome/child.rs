//! How a child ended, and why a planned unit never started or was skipped.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How a child ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ChildStatus {
    /// Exited on its own with this code.
    Exited {
        /// The exit code.
        code: i32,
    },
    /// Killed by a signal it did not get from ptest.
    Signaled {
        /// Signal number.
        signal: i32,
        /// Signal name, e.g. `SIGSEGV`.
        name: String,
    },
    /// Stopped by ptest after the per-file timeout.
    TimedOut {
        /// The timeout that expired.
        #[serde(with = "crate::util::time::secs")]
        after: Duration,
    },
    /// Stopped by ptest when the run's global timeout expired.
    GlobalTimeout {
        /// The run's global timeout.
        #[serde(with = "crate::util::time::secs")]
        after: Duration,
    },
    /// Stopped by ptest because the run was interrupted.
    Interrupted,
    /// Could not be started.
    SpawnFailed {
        /// The operating system's reason.
        reason: String,
    },
}

/// Why a planned file never started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotRunReason {
    /// An earlier file printed `Bail out!`.
    BailOut,
    /// ptest was interrupted (Ctrl-C, SIGTERM or SIGHUP).
    Interrupted,
    /// This many files failed (`--fail-fast`, `--max-fail N`).
    MaxFail(u32),
    /// A file failed in an `--until-fail` run.
    UntilFail,
    /// The run's global timeout expired.
    GlobalTimeout(#[serde(with = "crate::util::time::secs")] Duration),
    /// Nothing could start although nothing ran (a bug in ptest's
    /// constraints; the run stops rather than hang).
    Unschedulable,
}

/// Why a unit is skipped without starting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipCause {
    /// Its own settings say so ([`Admission::skip`](crate::plan::queue::Admission::skip)).
    Asked,
    /// This dependency (an index) did not pass, or was itself skipped.
    Dependency(usize),
}
