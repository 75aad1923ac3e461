//! The per-unit record: everything known about one unit after the run.

use super::{AttemptRecord, ChildStatus, Verdict};
use crate::parse::{CaseResult, Protocol};
use crate::util::time as serde_time;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Everything known about one file after the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitSummary {
    /// The file id (path relative to where ptest ran).
    pub id: String,
    /// The path used to start it (in JSON as id text, so that a name that
    /// is not UTF-8 survives: see [`crate::util::id`]).
    #[serde(with = "crate::util::id::serde_path")]
    pub path: PathBuf,
    /// The verdict.
    pub verdict: Verdict,
    /// Why the verdict is not PASS, one reason per entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Of the reasons, those no quarantined test excuses because they are
    /// about the file's stream as a whole: a TAP `Bail out!` and TAP
    /// problems (no plan, a wrong count, out-of-sequence numbers). See
    /// [`crate::aggregate::quarantine`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
    /// How results were read (absent when the file never ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// How the child ended (absent when the file never ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ChildStatus>,
    /// Wall time of the child.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub duration: Option<Duration>,
    /// Start time, as seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<f64>,
    /// Worker slot it ran in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<usize>,
    /// Start, as seconds after the run started (the run of its shard, in a
    /// merged summary); absent when it never started.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub offset: Option<Duration>,
    /// The shard K (of `K/N`) it was planned on; absent in runs without
    /// `--shard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<usize>,
    /// How long the plan expected it to take; absent when nothing was known.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub expected: Option<Duration>,
    /// The command line it was started with (shell-quoted); absent when it
    /// never started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Attempts made.
    pub attempts: u32,
    /// Processes left behind in its process group, killed by ptest.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub leaked: usize,
    /// CPU time (user + system) of the last attempt's child and the
    /// processes it waited for (`wait4`'s rusage); absent when it never ran.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub cpu: Option<Duration>,
    /// Peak resident memory in bytes of the last attempt's child (or the
    /// largest process it waited for); absent when it never ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rss: Option<u64>,
    /// Per-test results.
    pub cases: Vec<CaseResult>,
    /// The stdout log, if kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout_log: Option<PathBuf>,
    /// The stderr log, if kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_log: Option<PathBuf>,
    /// The suite its results are reported under (`ptest cargo`: the test
    /// binary's id); absent: its own, named by its id. See
    /// [`crate::unit::Unit::suite`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// The last lines of stdout, for files that did not pass.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stdout_tail: String,
    /// The last lines of stderr, for files that did not pass.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr_tail: String,
    /// The whole file is quarantined: its failure does not fail the run
    /// (see [`crate::aggregate::quarantine`]); absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub quarantined: bool,
    /// Keys of its tests that are quarantined (see [`crate::aggregate::quarantine`]);
    /// absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quarantined_tests: Vec<String>,
    /// Which iteration of a `--repeat` run this entry is (1-based); absent
    /// in a plain run. A repeat run has one entry per iteration of a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iteration: Option<u32>,
    /// Every attempt, first first, when the file ran more than once
    /// (version 3; see [`crate::aggregate::flaky`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempt_results: Vec<AttemptRecord>,
    /// Tests that failed in an earlier attempt and passed in the last
    /// (version 3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flipped: Vec<String>,
    /// A unit kept from running by another's failure: the file whose
    /// `Bail out!` left it NOT RUN, or the dependency whose failure made it
    /// SKIP. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    /// The units this file's failure kept from running (those whose
    /// [`UnitSummary::stopped_by`] names it), by id: a failure that stopped
    /// other work is never excused by quarantine ([`crate::aggregate::quarantine::excused`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stopped: Vec<String>,
    /// Tests read but not kept in `cases` (a stream of more than
    /// [`crate::parse::tap::MAX_STORED_CASES`] results), by status: counted
    /// in every total; absent when none.
    #[serde(default, skip_serializing_if = "crate::parse::CaseCounts::is_zero")]
    pub omitted: crate::parse::CaseCounts,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl UnitSummary {
    /// A summary for a file skipped without starting (verdict SKIP).
    pub fn skipped(id: String, path: PathBuf, reason: &str) -> UnitSummary {
        UnitSummary {
            verdict: Verdict::Skip,
            ..UnitSummary::not_run(id, path, reason)
        }
    }

    /// A summary for a file that never ran.
    pub fn not_run(id: String, path: PathBuf, reason: &str) -> UnitSummary {
        UnitSummary {
            reasons: vec![reason.to_string()],
            ..UnitSummary::new(id, path, Verdict::NotRun)
        }
    }

    /// A summary with `verdict` and nothing else known yet: no reason, no
    /// run, no case.
    pub fn new(id: String, path: PathBuf, verdict: Verdict) -> UnitSummary {
        UnitSummary {
            id,
            path,
            verdict,
            reasons: Vec::new(),
            faults: Vec::new(),
            protocol: None,
            status: None,
            duration: None,
            started_at: None,
            worker: None,
            offset: None,
            shard: None,
            expected: None,
            command: None,
            attempts: 0,
            leaked: 0,
            cpu: None,
            max_rss: None,
            cases: Vec::new(),
            stdout_log: None,
            stderr_log: None,
            suite: None,
            stdout_tail: String::new(),
            stderr_tail: String::new(),
            quarantined: false,
            quarantined_tests: Vec::new(),
            iteration: None,
            attempt_results: Vec::new(),
            flipped: Vec::new(),
            stopped_by: None,
            stopped: Vec::new(),
            omitted: crate::parse::CaseCounts::default(),
        }
    }
}

impl UnitSummary {
    /// The time its children ran: the sum over every attempt of a retried
    /// file, else its duration; `None` when no child ran.
    pub fn time_spent(&self) -> Option<Duration> {
        if self.attempt_results.is_empty() {
            self.duration
        } else {
            Some(self.attempt_results.iter().filter_map(|a| a.duration).sum())
        }
    }
}
