//! One attempt of a unit, as the JSON summary records it (`attempt_results`).

use super::{ChildStatus, UnitSummary, Verdict};
use crate::parse::{CaseResult, CaseStatus, Protocol};
use crate::util::time as serde_time;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// One attempt of a file, as the JSON summary records it.
///
/// Its fields (but `number` and `failed_cases`) are the per-attempt subset
/// of [`UnitSummary`]'s, with the same names and encodings, filled by
/// [`AttemptRecord::of`] alone. They are not one shared struct flattened
/// into both: in a file's JSON they sit between file-only fields
/// (`protocol`, `attempts`, `leaked`, `cases`, `suite`), so one embedded
/// struct would reorder the summary's keys (and five would be more code
/// than the copy). A test keeps the two encodings equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// Attempt number (1-based).
    pub number: u32,
    /// This attempt's own verdict (never FLAKY).
    pub verdict: Verdict,
    /// Why this attempt did not pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// How its child ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ChildStatus>,
    /// Wall time of its child.
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
    /// Start, as seconds after the run started (as the file's `offset`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub offset: Option<Duration>,
    /// CPU time of its child.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub cpu: Option<Duration>,
    /// Peak resident memory of its child, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rss: Option<u64>,
    /// Its stdout log, if kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout_log: Option<PathBuf>,
    /// Its stderr log, if kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_log: Option<PathBuf>,
    /// The last lines of its stdout, when it did not pass.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stdout_tail: String,
    /// The last lines of its stderr, when it did not pass.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr_tail: String,
    /// The tests that failed in it (per-test protocols).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_cases: Vec<CaseResult>,
}

impl AttemptRecord {
    /// The record of one attempt, judged alone.
    pub fn of(attempt: &UnitSummary) -> AttemptRecord {
        let per_test = attempt.protocol != Some(Protocol::ExitCode);
        AttemptRecord {
            number: attempt.attempts,
            verdict: attempt.verdict,
            reasons: attempt.reasons.clone(),
            status: attempt.status.clone(),
            duration: attempt.duration,
            started_at: attempt.started_at,
            worker: attempt.worker,
            offset: attempt.offset,
            cpu: attempt.cpu,
            max_rss: attempt.max_rss,
            stdout_log: attempt.stdout_log.clone(),
            stderr_log: attempt.stderr_log.clone(),
            stdout_tail: attempt.stdout_tail.clone(),
            stderr_tail: attempt.stderr_tail.clone(),
            failed_cases: if per_test {
                attempt
                    .cases
                    .iter()
                    .filter(|c| c.status == CaseStatus::Fail)
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}
