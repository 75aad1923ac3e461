//! Running the plan: slots, child processes, timeouts and signals.
//!
//! Three parts: the launcher (`launcher`) turns a unit, the run's settings, a
//! slot and an attempt number into a command; the admission queue
//! ([`crate::plan::queue`]) says which unit may start now and what follows
//! when one finishes; the dispatcher (`dispatch`) owns all run state —
//! slots, children, timeouts, Ctrl-C (what a signal does: `signals`) —
//! asks the other two, and reports everything through
//! [`RunEvent`](crate::outcome::RunEvent)s passed to a callback. Each slot
//! has a worker thread that only spawns a child, waits for it, reads its output
//! through [`crate::parse`] and reports back.
//!
//! [`Session`] (in [`session`]) runs single units on demand, synchronously, for
//! callers that schedule units themselves (the [`crate::harness`]).
//!
//! The events and finished attempts are plain data in [`crate::outcome`]
//! ([`crate::outcome::RunEvent`], [`crate::outcome::UnitRun`]), so that
//! [`crate::aggregate`] reads them without importing this module.
//!
//! Every child runs in its own process group, with stdout and stderr written
//! to files in the run directory (never held in memory). A watchdog process
//! kills the running groups if ptest itself dies (see `watchdog`).

pub mod admit;
mod deadline;
mod dispatch;
mod launcher;
pub mod process;
pub mod rundir;
pub mod session;
mod signals;
mod slow;
mod watchdog;
mod worker;

use crate::outcome::RunOutcome;
use crate::util::backoff::RetryPolicy;
use std::path::PathBuf;
use std::time::Duration;

/// How a run is carried out.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Number of slots (at least 1): how many units run at once.
    pub jobs: usize,
    /// Per-file timeout.
    pub timeout: Option<Duration>,
    /// Time between SIGTERM and SIGKILL when stopping a process group.
    pub grace: Duration,
    /// Where run directories live (`.ptest/runs`).
    pub runs_root: PathBuf,
    /// How many earlier run directories to keep.
    pub keep_runs: usize,
    /// Identifier of this run (also the run directory's name).
    pub run_id: String,
    /// The shard being run, as `K/N`, passed to children in `PTEST_SHARD`.
    pub shard: Option<String>,
    /// Install SIGINT/SIGTERM/SIGHUP handlers for the duration of the run.
    pub handle_signals: bool,
    /// Keep the logs of files that passed (by default only logs of files
    /// that may have failed are kept).
    pub keep_logs: bool,
    /// Directories put in front of `PERL5LIB` for every child (like
    /// `prove -I`). Made absolute, so a test that changes directory keeps
    /// them.
    pub perl_lib: Vec<PathBuf>,
    /// Stop starting files after this many failures (`--fail-fast` is 1,
    /// `--max-fail N`); running files finish, the rest are NOT RUN.
    pub max_fail: Option<u32>,
    /// `max_fail` comes from `--until-fail`: the stop is
    /// [`NotRunReason::UntilFail`](crate::outcome::NotRunReason::UntilFail), not
    /// [`NotRunReason::MaxFail`](crate::outcome::NotRunReason::MaxFail).
    pub until_fail: bool,
    /// Time limit for the whole run: then running files are stopped
    /// (TIMEOUT) and the rest are NOT RUN.
    pub global_timeout: Option<Duration>,
    /// Start no file while the 1-minute load average is above this, unless
    /// nothing runs (`--load-limit`, as `make -l`).
    pub load_limit: Option<f64>,
    /// Start no file while the expected peak memory of the running files
    /// plus its own would exceed this many bytes, unless nothing runs.
    pub mem_budget: Option<u64>,
    /// Report a running file as slow when it passes this, and again at
    /// each multiple (`--slow`); `None`: never.
    pub slow: Option<Duration>,
    /// When failed files run again (`--retries`, `--retry-delay`, …);
    /// a unit's own `retries` beats [`RetryPolicy::retries`].
    pub retry: RetryPolicy,
}

impl RunOptions {
    /// Defaults: no timeout, 2 s grace, keep 10 runs, a fresh run id.
    pub fn new(jobs: usize, runs_root: PathBuf) -> Self {
        RunOptions {
            jobs: jobs.max(1),
            timeout: None,
            grace: Duration::from_secs(2),
            runs_root,
            keep_runs: 10,
            run_id: crate::util::id::new_run_id(),
            shard: None,
            handle_signals: true,
            keep_logs: false,
            perl_lib: Vec::new(),
            max_fail: None,
            until_fail: false,
            global_timeout: None,
            load_limit: None,
            mem_budget: None,
            slow: None,
            retry: RetryPolicy::default(),
        }
    }
}

/// A finished run: what it came to, and the lock on its run directory.
#[derive(Debug)]
pub struct CompletedRun {
    /// What the run came to.
    pub outcome: RunOutcome,
    /// The run directory's lock: while it lives, no other ptest prunes the
    /// run directory (reports are still written into it after the run).
    /// `None` when there is no run directory.
    pub lock: Option<std::sync::Arc<rundir::RunLock>>,
}

/// Why a run could not take place at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The run directory could not be created.
    #[error("cannot create run directory {path}")]
    RunDir {
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers")]
    Signals(#[source] std::io::Error),
    /// The watchdog process (which kills running tests if ptest dies)
    /// could not be started.
    #[error("cannot start the watchdog process")]
    Watchdog(#[source] std::io::Error),
    /// A worker thread could not be started or stopped unexpectedly.
    #[error("worker thread failure")]
    Worker(#[source] std::io::Error),
    /// The plan cannot run (its dependencies are not a DAG over the run).
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
}

/// Runs the plan, calling `on_event` for every [`RunEvent`](crate::outcome::RunEvent) on the calling
/// thread. Returns when every started file has finished (or been stopped).
pub use dispatch::{run, run_with};

/// Runs one unit synchronously (see [`session`]).
pub use session::{run_one, Session};
