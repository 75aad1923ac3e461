//! The verdict rules: one finished child → one [`FileSummary`].
//!
//! TAP files are judged as `prove` judges them: any failing test, a missing
//! plan, a plan/count mismatch, out-of-sequence numbers, `Bail out!`, or a
//! non-zero exit status fail the file; a failing TODO test does not;
//! `1..0 # SKIP` skips it. Exit-code files pass on 0, skip on 77 (the
//! Automake convention) and fail otherwise.

use super::{serde_time, FileSummary, Verdict};
use crate::parse::{CaseResult, CaseStatus, ProtocolUsed};
use crate::run::{logs, ChildStatus, FileRun};
use std::path::PathBuf;

/// Exit status that marks an exit-code test as skipped (Automake convention).
pub const SKIP_EXIT_CODE: i32 = 77;

/// How much of each log a failing file keeps in its summary.
const TAIL_BYTES: u64 = 8 * 1024;
const TAIL_LINES: usize = 40;

/// Judges one finished file.
pub fn judge(id: String, path: PathBuf, run: &FileRun) -> FileSummary {
    let mut reasons = Vec::new();
    let mut cases: Vec<CaseResult> = Vec::new();
    let verdict = match (&run.status, run.output_error.as_ref()) {
        (ChildStatus::SpawnFailed { reason }, _) => {
            reasons.push(format!("cannot start: {reason}"));
            Verdict::Error
        }
        (ChildStatus::Interrupted, _) => {
            reasons.push("stopped: the run was interrupted".to_string());
            Verdict::NotRun
        }
        (ChildStatus::TimedOut { after }, _) => {
            reasons.push(format!(
                "timed out after {}",
                crate::config::format_duration(*after)
            ));
            if let Some(tap) = &run.tap {
                cases = tap.cases.clone();
            }
            Verdict::Timeout
        }
        (_, Some(err)) => {
            reasons.push(format!("cannot read output: {err}"));
            Verdict::Error
        }
        (status @ (ChildStatus::Exited { .. } | ChildStatus::Signaled { .. }), None) => {
            match (run.protocol, &run.tap) {
                (ProtocolUsed::Tap, Some(tap)) => {
                    cases = tap.cases.clone();
                    judge_tap(tap, status, &mut reasons)
                }
                (ProtocolUsed::Tap, None) | (ProtocolUsed::ExitCode, _) => {
                    let (verdict, case) = judge_exit(&id, status, run, &mut reasons);
                    cases.push(case);
                    verdict
                }
            }
        }
    };
    if run.leaked > 0 {
        reasons.push(format!(
            "left {} process{} running after it exited (killed)",
            run.leaked,
            if run.leaked == 1 { "" } else { "es" }
        ));
    }
    let keep_tail = verdict != Verdict::Pass && verdict != Verdict::Skip;
    let (stdout_tail, stderr_tail) = if keep_tail {
        (
            logs::tail(&run.stdout.path, TAIL_BYTES, TAIL_LINES),
            logs::tail(&run.stderr.path, TAIL_BYTES, TAIL_LINES),
        )
    } else {
        (String::new(), String::new())
    };
    FileSummary {
        id,
        path,
        verdict,
        reasons,
        protocol: Some(run.protocol),
        status: Some(run.status.clone()),
        duration: Some(run.duration),
        started_at: Some(serde_time::unix_secs(run.started_at)),
        worker: Some(run.worker),
        attempts: run.attempt,
        leaked: run.leaked,
        cases,
        stdout_log: run.stdout.kept.then(|| run.stdout.path.clone()),
        stderr_log: run.stderr.kept.then(|| run.stderr.path.clone()),
        stdout_tail,
        stderr_tail,
    }
}

fn judge_tap(
    tap: &crate::parse::tap::TapReport,
    status: &ChildStatus,
    reasons: &mut Vec<String>,
) -> Verdict {
    let mut failed = false;
    if let Some(reason) = &tap.bail_out {
        reasons.push(if reason.is_empty() {
            "Bail out!".to_string()
        } else {
            format!("Bail out! {reason}")
        });
        failed = true;
    }
    let failing: Vec<String> = tap
        .cases
        .iter()
        .enumerate()
        .filter(|(_, c)| c.status.is_failure())
        .map(|(i, c)| c.number.unwrap_or(i as u64 + 1).to_string())
        .collect();
    if !failing.is_empty() {
        reasons.push(format!(
            "failed test{} {}",
            if failing.len() == 1 { "" } else { "s" },
            failing.join(", ")
        ));
        failed = true;
    }
    for problem in &tap.problems {
        reasons.push(problem.clone());
        failed = true;
    }
    match status {
        ChildStatus::Exited { code: 0 } => {}
        ChildStatus::Exited { code } => {
            reasons.push(format!("exited with status {code}"));
            failed = true;
        }
        ChildStatus::Signaled { name, .. } => {
            reasons.push(format!("killed by {name}"));
            failed = true;
        }
        ChildStatus::TimedOut { .. }
        | ChildStatus::Interrupted
        | ChildStatus::SpawnFailed { .. } => {
            failed = true;
        }
    }
    if failed {
        return Verdict::Fail;
    }
    if let Some(reason) = tap.plan.as_ref().and_then(|p| p.skip_all.clone()) {
        if tap.cases.is_empty() {
            reasons.push(if reason.is_empty() {
                "skipped".to_string()
            } else {
                format!("skipped: {reason}")
            });
            return Verdict::Skip;
        }
    }
    Verdict::Pass
}

fn judge_exit(
    id: &str,
    status: &ChildStatus,
    run: &FileRun,
    reasons: &mut Vec<String>,
) -> (Verdict, CaseResult) {
    let (verdict, case_status, reason) = match status {
        ChildStatus::Exited { code: 0 } => (Verdict::Pass, CaseStatus::Pass, None),
        ChildStatus::Exited {
            code: SKIP_EXIT_CODE,
        } => (
            Verdict::Skip,
            CaseStatus::Skip,
            Some(format!("skipped: exited with status {SKIP_EXIT_CODE}")),
        ),
        ChildStatus::Exited { code } => (
            Verdict::Fail,
            CaseStatus::Fail,
            Some(format!("exited with status {code}")),
        ),
        ChildStatus::Signaled { name, .. } => (
            Verdict::Fail,
            CaseStatus::Fail,
            Some(format!("killed by {name}")),
        ),
        ChildStatus::TimedOut { .. }
        | ChildStatus::Interrupted
        | ChildStatus::SpawnFailed { .. } => (Verdict::Error, CaseStatus::Fail, None),
    };
    if let Some(r) = &reason {
        reasons.push(r.clone());
    }
    let case = CaseResult {
        number: None,
        name: id.to_string(),
        status: case_status,
        reason: if case_status == CaseStatus::Skip {
            reason
        } else {
            None
        },
        diagnostics: String::new(),
        line: None,
        duration: Some(run.duration),
    };
    (verdict, case)
}
