//! Running the plan: slots, child processes, timeouts and signals.
//!
//! Three parts: the launcher (`launcher`) turns a unit, the run's settings, a
//! slot and an attempt number into a command; the admission queue
//! ([`crate::plan::queue`]) says which unit may start now and what follows
//! when one finishes; the dispatcher (`dispatch`) owns all run state —
//! slots, children, timeouts, Ctrl-C — asks the other two, and reports
//! everything through [`RunEvent`]s passed to a callback. Each slot has a
//! worker thread that only spawns a child, waits for it, reads its output
//! through [`crate::parse`] and reports back.
//!
//! [`Session`] (in [`session`]) runs single units on demand, synchronously, for
//! callers that schedule units themselves (the [`crate::harness`]).
//!
//! Every child runs in its own process group, with stdout and stderr written
//! to files in the run directory (never held in memory). A watchdog process
//! kills the running groups if ptest itself dies (see `watchdog`).

pub mod admit;
mod deadline;
mod dispatch;
mod launcher;
pub mod logs;
pub mod process;
pub mod rundir;
pub mod session;
mod slow;
mod watchdog;
mod worker;

use crate::outcome::{ChildStatus, NotRunReason};
use crate::parse::junit::{JunitParseError, JunitReport};
use crate::parse::libtest::LibtestReport;
use crate::parse::tap::TapReport;
use crate::parse::Protocol;
use crate::unit::Slot;
use crate::util::backoff::RetryPolicy;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

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
    /// [`NotRunReason::UntilFail`], not [`NotRunReason::MaxFail`].
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
            run_id: new_run_id(),
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

/// A run id: UTC timestamp plus process id, sortable by start time.
pub fn new_run_id() -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}-{}", now.as_millis(), std::process::id())
}

/// A log file written by a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFile {
    /// Where it is (when kept).
    pub path: PathBuf,
    /// How many bytes the child wrote.
    pub bytes: u64,
    /// Whether the log was kept. Logs of files that plainly passed are
    /// discarded unless [`RunOptions::keep_logs`] is set.
    pub kept: bool,
}

/// The JUnit report a child wrote to the path in `PTEST_JUNIT_FILE`.
///
/// Every child gets its own path, `<run dir>/junit/<id>.<attempt>.xml`
/// (named like its logs), which does not exist when it starts. Writing it is
/// optional; an empty file counts as not written.
#[derive(Debug, Clone)]
pub struct JunitFile {
    /// Where the child wrote it.
    pub path: PathBuf,
    /// Whether the file was kept. It is removed after reading when the file
    /// plainly passed (unless [`RunOptions::keep_logs`] is set) and kept, like
    /// the logs, otherwise.
    pub kept: bool,
    /// The parsed report, or why it could not be read.
    pub report: Result<JunitReport, JunitParseError>,
}

/// What was read from a finished child's output: at most one report, by
/// the protocol it was read with.
///
/// A child that wrote a JUnit report is read through it (its stdout is not
/// read as TAP); a libtest binary's output is read as libtest; otherwise
/// stdout is read as TAP when it is (or must be) TAP.
#[derive(Debug, Clone)]
pub enum ParsedReport {
    /// Nothing was read: an exit-code file, a child that never ran, no
    /// JUnit report written, stdout that was not TAP, or output that could
    /// not be read ([`UnitRun::output_error`]).
    None,
    /// The parsed TAP stream (`protocol` is TAP).
    Tap(TapReport),
    /// The JUnit report the child wrote, read or not (`protocol` is JUnit).
    Junit(JunitFile),
    /// libtest's output (`protocol` is libtest, `ptest cargo`).
    Libtest(LibtestReport),
}

impl ParsedReport {
    /// The TAP stream, when that is what was read.
    pub fn tap(&self) -> Option<&TapReport> {
        match self {
            ParsedReport::Tap(tap) => Some(tap),
            ParsedReport::None | ParsedReport::Junit(_) | ParsedReport::Libtest(_) => None,
        }
    }

    /// The JUnit report the child wrote, when it wrote one.
    pub fn junit(&self) -> Option<&JunitFile> {
        match self {
            ParsedReport::Junit(junit) => Some(junit),
            ParsedReport::None | ParsedReport::Tap(_) | ParsedReport::Libtest(_) => None,
        }
    }

    /// libtest's output, when that is what was read.
    pub fn libtest(&self) -> Option<&LibtestReport> {
        match self {
            ParsedReport::Libtest(libtest) => Some(libtest),
            ParsedReport::None | ParsedReport::Tap(_) | ParsedReport::Junit(_) => None,
        }
    }
}

/// What a child used, from `wait4`'s rusage: the child itself and the
/// descendants it waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set size in bytes (of the largest single process).
    pub max_rss: u64,
}

/// One finished attempt of one file: status, logs and parsed output.
#[derive(Debug, Clone)]
pub struct UnitRun {
    /// Index into `Plan::entries`.
    pub index: usize,
    /// The slot it ran in.
    pub slot: Slot,
    /// Attempt number (1-based).
    pub attempt: u32,
    /// When the child was started.
    pub started_at: SystemTime,
    /// Wall time from spawn to exit.
    pub duration: Duration,
    /// How it ended.
    pub status: ChildStatus,
    /// Processes still in the child's group after it exited (killed by ptest).
    pub leaked: usize,
    /// What the child used (`None` when no child ran).
    pub usage: Option<Usage>,
    /// Captured stdout.
    pub stdout: LogFile,
    /// Captured stderr.
    pub stderr: LogFile,
    /// The protocol its results were read with.
    pub protocol: Protocol,
    /// What was read from its output: a TAP stream, the JUnit report it
    /// wrote, libtest's output, or nothing.
    pub report: ParsedReport,
    /// Output that could not be read at all.
    pub output_error: Option<String>,
    /// Whether ptest tried to start a child for it. `false` for a unit
    /// that never got that far (discovery said it cannot run, or ptest
    /// failed first): it has no duration, and its reason stands alone.
    pub spawned: bool,
    /// Set by the dispatcher when this attempt failed and the unit runs
    /// again after this delay: the attempt is not the unit's last.
    pub retry_after: Option<Duration>,
}

impl UnitRun {
    /// A file that never got a running child: it could not be started, or
    /// ptest failed while running it. Reported as ERROR with `reason`.
    pub fn not_started(index: usize, slot: Slot, attempt: u32, reason: String) -> UnitRun {
        let log = LogFile {
            path: PathBuf::new(),
            bytes: 0,
            kept: false,
        };
        UnitRun {
            index,
            slot,
            attempt,
            started_at: SystemTime::now(),
            duration: Duration::ZERO,
            status: ChildStatus::SpawnFailed { reason },
            leaked: 0,
            usage: None,
            stdout: log.clone(),
            stderr: log,
            protocol: Protocol::ExitCode,
            report: ParsedReport::None,
            output_error: None,
            spawned: false,
            retry_after: None,
        }
    }
}

// Why a planned file is skipped without starting (its own `skip`, or a
// dependency that did not pass): decided by the admission queue.
pub use crate::plan::queue::SkipCause;

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
        /// Index into `Plan::entries`.
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
        /// Index into `Plan::entries`.
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
        /// Index into `Plan::entries`.
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
        /// Index into `Plan::entries`.
        index: usize,
        /// The multiple of the threshold it passed (time since it started).
        elapsed: Duration,
    },
    /// A file will not run.
    NotRun {
        /// Index into `Plan::entries`.
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
    /// The run directory's lock: while the outcome lives, no other ptest
    /// prunes the run directory (reports are still written into it after
    /// the run). `None` when there is no run directory.
    pub lock: Option<std::sync::Arc<rundir::RunLock>>,
}

impl RunOutcome {
    /// The outcome of a run that started nothing (e.g. an empty shard).
    pub fn empty() -> RunOutcome {
        RunOutcome {
            run_id: new_run_id(),
            run_dir: PathBuf::new(),
            started_at: SystemTime::now(),
            wall: Duration::ZERO,
            interrupted: None,
            bailed_out: None,
            lock: None,
        }
    }
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

/// Runs the plan, calling `on_event` for every [`RunEvent`] on the calling
/// thread. Returns when every started file has finished (or been stopped).
pub use dispatch::{run, run_with};

/// Runs one unit synchronously (see [`session`]).
pub use session::{run_one, Session};
