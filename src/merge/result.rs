//! The result of a run, or of a merge of shard summaries: one pure rule
//! ([`run_result`]) that the exit code ([`crate::commands::Exit`]), the
//! console's `Result:` line and `ptest merge` all use.
//!
//! A run passes only when every planned unit's final verdict passes it
//! ([`unit_passes`]):
//!
//! * PASS, and SKIP unless another unit's failure made it skip
//!   ([`FileSummary::stopped_by`]);
//! * FLAKY, unless `--flaky-fail` (a quarantined flaky file still passes);
//! * FAIL, TIMEOUT or ERROR only when quarantine excuses it and it stopped
//!   nothing else ([`super::quarantine::excused`]);
//! * never NOT RUN or INTERRUPTED: work that did not run is not a pass,
//!   whatever stopped it (a bail-out, the global timeout, `--max-fail`).
//!
//! Then the first that applies: an interrupted run (Ctrl-C, SIGTERM) is
//! [`RunResult::Interrupted`]; a merge missing shards is
//! [`RunResult::Incomplete`]; a unit that does not pass makes it
//! [`RunResult::Fail`]; else [`RunResult::Pass`].

use super::{FileSummary, RunSummary, Verdict};

/// What a run (or a merge of shards) comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunResult {
    /// Every unit passes the run.
    Pass,
    /// Some unit does not.
    Fail,
    /// Not every planned unit was reported (a merge missing shards).
    Incomplete,
    /// ptest was interrupted (Ctrl-C, SIGTERM), or a merged shard was.
    Interrupted,
}

/// Whether unit `f`'s final verdict lets the run pass (see the module
/// docs); `flaky_fails` is `--flaky-fail`.
pub fn unit_passes(f: &FileSummary, flaky_fails: bool) -> bool {
    match f.verdict {
        Verdict::Pass => true,
        Verdict::Skip => f.stopped_by.is_none(),
        Verdict::Flaky => !flaky_fails || f.quarantined,
        Verdict::Fail | Verdict::Timeout | Verdict::Error => super::quarantine::excused(f),
        Verdict::NotRun | Verdict::Interrupted => false,
    }
}

/// The result of a run whose units ended as `files` (see the module docs).
pub fn run_result(
    files: &[FileSummary],
    flaky_fails: bool,
    interrupted: bool,
    incomplete: bool,
) -> RunResult {
    if interrupted {
        RunResult::Interrupted
    } else if incomplete {
        RunResult::Incomplete
    } else if files.iter().all(|f| unit_passes(f, flaky_fails)) {
        RunResult::Pass
    } else {
        RunResult::Fail
    }
}

impl RunSummary {
    /// The run's result ([`run_result`]).
    pub fn result(&self) -> RunResult {
        run_result(
            &self.files,
            self.flaky_fails,
            self.interrupted,
            self.incomplete.is_some(),
        )
    }
}
