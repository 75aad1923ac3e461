//! What a run reports while it runs ([`RunEvent`]) and what it came to
//! as a whole ([`RunOutcome`]).

use super::{NotRunReason, SkipCause, UnitRun};
use crate::unit::Slot;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// Something that happened during a run, in the order it happened.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// The run directory is ready and files are about to start.
    RunStarted {
        /// The run id.
        run_id: String,
        /// The run directory holding the logs.
        run_dir: PathBuf,
        /// Number of slots.
        jobs: usize,
        /// Files in the plan.
        total: usize,
    },
    /// A file started.
    UnitStarted {
        /// Index into [`Plan::entries`](crate::plan::Plan::entries).
        index: usize,
        /// The slot it runs in.
        slot: Slot,
        /// Attempt number (1-based).
        attempt: u32,
    },
    /// A file finished (passed or not) and its output was parsed.
    UnitFinished(Box<UnitRun>),
    /// A file bailed out; no more files are started.
    BailOut {
        /// Index into [`Plan::entries`](crate::plan::Plan::entries).
        index: usize,
        /// The reason after `Bail out!`.
        reason: String,
    },
    /// ptest received SIGINT, SIGTERM or SIGHUP; running files are being
    /// stopped.
    Interrupted {
        /// The signal number.
        signal: i32,
    },
    /// A file is skipped without starting (verdict SKIP).
    Skipped {
        /// Index into [`Plan::entries`](crate::plan::Plan::entries).
        index: usize,
        /// Why.
        cause: SkipCause,
    },
    /// No more files start (fail-fast, max-fail, the global timeout);
    /// running files finish or are stopped.
    Stopping {
        /// Why; the files never started are NOT RUN for it.
        reason: NotRunReason,
    },
    /// A running file passed the `--slow` threshold, or a multiple of it.
    Slow {
        /// Index into [`Plan::entries`](crate::plan::Plan::entries).
        index: usize,
        /// The multiple of the threshold it passed (time since it started).
        elapsed: Duration,
    },
    /// A file will not run.
    NotRun {
        /// Index into [`Plan::entries`](crate::plan::Plan::entries).
        index: usize,
        /// Why.
        reason: NotRunReason,
    },
}

/// What the run as a whole came to.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The run id.
    pub run_id: String,
    /// The run directory.
    pub run_dir: PathBuf,
    /// When the run started.
    pub started_at: SystemTime,
    /// Wall time of the whole run.
    pub wall: Duration,
    /// The signal that interrupted the run, if any.
    pub interrupted: Option<i32>,
    /// The file that bailed out and its reason.
    pub bailed_out: Option<(usize, String)>,
}

impl RunOutcome {
    /// The outcome of a run that started nothing (e.g. an empty shard).
    pub fn empty() -> RunOutcome {
        RunOutcome {
            run_id: crate::util::id::new_run_id(),
            run_dir: PathBuf::new(),
            started_at: SystemTime::now(),
            wall: Duration::ZERO,
            interrupted: None,
            bailed_out: None,
        }
    }
}
