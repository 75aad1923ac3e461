//! The earlier attempts of a retried file, in Maven Surefire's convention
//! (which Jenkins, GitLab and most JUnit readers know):
//!
//! - a test case that **passed** in the last attempt gets one
//!   `<flakyFailure>` per earlier attempt in which it failed
//!   (`<flakyError>` when that attempt timed out or errored);
//! - a test case that **failed** in the last attempt keeps its
//!   `<failure>`/`<error>` (the last attempt) and gets one
//!   `<rerunFailure>` / `<rerunError>` per earlier failed attempt.
//!
//! Each element has `message` and `type` (like the `<failure>` it
//! stands for: the TAP line or JUnit summary of the test, else the
//! attempt's reasons; `type` is the protocol, `timeout` or `error`), `time`
//! (the attempt's duration), a `<stackTrace>` with the test's diagnostics
//! when there are some, and that attempt's own `<system-out>` /
//! `<system-err>` tails.
//!
//! **Where**: per test when the protocol reports tests (TAP, JUnit) and the
//! earlier attempt named the failing test; otherwise (an exit-code file, a
//! timeout, a broken TAP stream) on the file-level test case: the `(file)`
//! case when the file has one, else the failing case carrying the file's
//! outcome, else an exit-code file's one case, else a passing `(file)` case
//! added for them.

use super::{clean_text, one_line, protocol_type};
use crate::outcome::AttemptRecord;
use crate::outcome::{UnitSummary, Verdict};
use crate::parse::{CaseResult, Protocol};
use quick_junit::{NonSuccessKind, TestCaseStatus, TestRerun};
use std::collections::HashMap;

/// The reruns of one file, sorted to the test cases that carry them.
#[derive(Debug, Default)]
pub(super) struct Reruns {
    /// By index into [`UnitSummary::cases`].
    per_case: HashMap<usize, Vec<TestRerun>>,
    /// For the file-level test case.
    file_level: Vec<TestRerun>,
}

impl Reruns {
    /// The reruns of `file`'s earlier attempts (none when it ran once).
    pub(super) fn of(file: &UnitSummary) -> Reruns {
        let mut reruns = Reruns::default();
        let Some((_, earlier)) = file.attempt_results.split_last() else {
            return reruns;
        };
        let per_test = file.protocol != Some(Protocol::ExitCode);
        for attempt in earlier.iter().filter(|a| a.verdict.is_failure()) {
            let mut placed = false;
            if per_test && attempt.verdict == Verdict::Fail {
                for failed in &attempt.failed_cases {
                    if let Some(index) = file.cases.iter().position(|c| c.name == failed.name) {
                        let rerun = case_rerun(file, attempt, failed);
                        reruns.per_case.entry(index).or_default().push(rerun);
                        placed = true;
                    }
                }
            }
            if !placed {
                reruns.file_level.push(file_rerun(file, attempt));
            }
        }
        reruns
    }

    /// Adds the reruns of case `index` to `status`.
    pub(super) fn add_case(&mut self, index: usize, status: &mut TestCaseStatus) {
        if let Some(runs) = self.per_case.remove(&index) {
            status.add_reruns(runs);
        }
    }

    /// Adds the file-level reruns to `status` (once).
    pub(super) fn add_file_level(&mut self, status: &mut TestCaseStatus) {
        status.add_reruns(std::mem::take(&mut self.file_level));
    }

    /// Whether file-level reruns are still to be placed.
    pub(super) fn has_file_level(&self) -> bool {
        !self.file_level.is_empty()
    }
}

fn kind(verdict: Verdict) -> NonSuccessKind {
    match verdict {
        Verdict::Fail => NonSuccessKind::Failure,
        Verdict::Timeout
        | Verdict::Error
        | Verdict::Interrupted
        | Verdict::Pass
        | Verdict::Skip
        | Verdict::NotRun
        | Verdict::Flaky => NonSuccessKind::Error,
    }
}

/// A rerun with `attempt`'s kind, time and output.
fn base(attempt: &AttemptRecord) -> TestRerun {
    let mut rerun = TestRerun::new(kind(attempt.verdict));
    if let Some(d) = attempt.duration {
        rerun.set_time(d);
    }
    if !attempt.stdout_tail.is_empty() {
        rerun.set_system_out(clean_text(&attempt.stdout_tail));
    }
    if !attempt.stderr_tail.is_empty() {
        rerun.set_system_err(clean_text(&attempt.stderr_tail));
    }
    rerun
}

/// Test `failed` failing in `attempt`.
fn case_rerun(file: &UnitSummary, attempt: &AttemptRecord, failed: &CaseResult) -> TestRerun {
    let mut rerun = base(attempt);
    let message = match &failed.line {
        Some(line) => one_line(line),
        None => format!("attempt {} failed", attempt.number),
    };
    rerun
        .set_message(message)
        .set_type(protocol_type(file.protocol));
    if !failed.diagnostics.trim().is_empty() {
        rerun.set_stack_trace(clean_text(&failed.diagnostics));
    }
    rerun
}

/// `attempt` failing as a whole.
fn file_rerun(file: &UnitSummary, attempt: &AttemptRecord) -> TestRerun {
    let mut rerun = base(attempt);
    let reasons = one_line(&attempt.reasons.join("; "));
    let ty = match attempt.verdict {
        Verdict::Timeout => "timeout",
        Verdict::Error => "error",
        Verdict::Fail
        | Verdict::Pass
        | Verdict::Skip
        | Verdict::NotRun
        | Verdict::Interrupted
        | Verdict::Flaky => protocol_type(file.protocol),
    };
    rerun
        .set_message(if reasons.is_empty() {
            format!("attempt {} failed", attempt.number)
        } else {
            reasons
        })
        .set_type(ty);
    rerun
}
