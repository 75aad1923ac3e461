//! The verdict: what one unit (or one attempt) came to.

use serde::{Deserialize, Serialize};

/// The verdict for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every test passed (or was skipped / TODO).
    Pass,
    /// A test failed, the TAP stream was broken, or the exit status was bad.
    Fail,
    /// The whole file was skipped (`1..0 # SKIP`, or exit code 77).
    Skip,
    /// Stopped after the per-file timeout.
    Timeout,
    /// Could not be started or its output could not be read.
    Error,
    /// Never started (an earlier file bailed out, or the run was interrupted).
    NotRun,
    /// Started, then stopped by ptest because of the run, not of itself:
    /// the run was interrupted (Ctrl-C, SIGTERM) or its global timeout
    /// expired. It has a duration and an attempt, but no result of its
    /// own; the history does not record it, and the run fails.
    Interrupted,
    /// Failed or timed out, then passed on a retry (see [`crate::aggregate::flaky`]). The
    /// run passes unless `--flaky-fail`.
    Flaky,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 8] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Skip,
        Verdict::Timeout,
        Verdict::Error,
        Verdict::NotRun,
        Verdict::Interrupted,
        Verdict::Flaky,
    ];

    /// The label used on the console and in reports.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
            Verdict::Timeout => "TIMEOUT",
            Verdict::Error => "ERROR",
            Verdict::NotRun => "NOT RUN",
            Verdict::Interrupted => "INTERRUPTED",
            Verdict::Flaky => "FLAKY",
        }
    }

    /// Whether this verdict makes the run fail. (An interrupted run fails
    /// as a whole: see [`super::RunSummary::interrupted`].)
    pub fn is_failure(self) -> bool {
        match self {
            Verdict::Fail | Verdict::Timeout | Verdict::Error => true,
            Verdict::Pass
            | Verdict::Skip
            | Verdict::NotRun
            | Verdict::Interrupted
            | Verdict::Flaky => false,
        }
    }

    /// Whether the file ran to an end of its own, so that its duration
    /// means something (PASS, FAIL, TIMEOUT): the files listed as slowest
    /// and whose times the speedup is computed from.
    pub fn ran(self) -> bool {
        match self {
            Verdict::Pass | Verdict::Fail | Verdict::Timeout | Verdict::Flaky => true,
            Verdict::Skip | Verdict::Error | Verdict::NotRun | Verdict::Interrupted => false,
        }
    }

    /// Whether the history records this verdict: everything but NOT RUN
    /// and INTERRUPTED (a stopped file's duration and partial results say
    /// nothing about the file).
    pub fn is_recorded(self) -> bool {
        match self {
            Verdict::NotRun | Verdict::Interrupted => false,
            Verdict::Pass
            | Verdict::Fail
            | Verdict::Skip
            | Verdict::Timeout
            | Verdict::Error
            | Verdict::Flaky => true,
        }
    }
}
