//! One finished attempt of one unit, as the run reports it: how the child
//! ended, its logs, what was read from its output.
//!
//! Filled in by [`crate::run`]'s workers, judged by [`crate::aggregate`].

use super::ChildStatus;
use crate::parse::junit::{JunitParseError, JunitReport};
use crate::parse::libtest::LibtestReport;
use crate::parse::tap::TapReport;
use crate::parse::Protocol;
use crate::unit::Slot;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// One finished attempt of one file: status, logs and parsed output.
#[derive(Debug, Clone)]
pub struct UnitRun {
    /// Index into [`Plan::entries`](crate::plan::Plan::entries).
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
    /// Why this file ran on its own although its runner batches files
    /// (its batch crashed, timed out or left it without results); shown
    /// with its verdict's reasons.
    pub note: Option<String>,
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
            note: None,
        }
    }
}

/// A log file written by a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFile {
    /// Where it is (when kept).
    pub path: PathBuf,
    /// How many bytes the child wrote.
    pub bytes: u64,
    /// Whether the log was kept. Logs of files that plainly passed are
    /// discarded unless `--keep-logs` (`crate::run::RunOptions::keep_logs`) is set.
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
    /// plainly passed (unless `--keep-logs` (`crate::run::RunOptions::keep_logs`) is set) and kept, like
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
