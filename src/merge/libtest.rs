//! The verdict of one libtest test (`ptest cargo`: `BIN --exact NAME
//! --nocapture`), from its parsed output ([`crate::parse::libtest`]):
//!
//! * killed by a signal: FAIL (`killed by SIGABRT`), after the panic if
//!   one was printed;
//! * the binary ran no test: ERROR. libtest exits 0 when `--exact NAME`
//!   names no test, so a test renamed or removed since the listing would
//!   otherwise pass;
//! * a failing test: FAIL, its panic (`panicked at src/lib.rs:10:5:
//!   MESSAGE`) the reason, else `test NAME failed`;
//! * a non-zero exit status with the test passing (a test that called
//!   `process::exit`): FAIL;
//! * ignored (under `--run-ignored` it is not): SKIP;
//! * no libtest output at all with exit status 0: ERROR (not a libtest
//!   binary).

use super::reason::{self, Labels};
use super::Verdict;
use crate::parse::libtest::LibtestReport;
use crate::parse::{CaseResult, CaseStatus};
use crate::run::ChildStatus;

/// Judges one libtest attempt; adds the reasons.
pub(super) fn judge(
    report: Option<&LibtestReport>,
    status: &ChildStatus,
    reasons: &mut Vec<String>,
) -> Verdict {
    let empty = LibtestReport::default();
    let report = report.unwrap_or(&empty);
    let failing: Vec<&CaseResult> = report
        .cases
        .iter()
        .filter(|c| c.status.is_failure())
        .collect();
    let failed = !failing.is_empty() || report.summary.is_some_and(|c| c.failed > 0);
    let exit = exit_problem(status);
    if failed || exit.is_some() {
        reasons.extend(report.panics.iter().map(|p| p.reason()));
    }
    if let Some(problem) = exit {
        reasons.push(problem);
        return Verdict::Fail;
    }
    let ran = report
        .summary
        .map(|c| c.total())
        .or(report.running)
        .unwrap_or(report.cases.len() as u64);
    if report.summary.is_none() && report.running.is_none() && report.cases.is_empty() {
        reasons.push(
            "no libtest output (`running N tests`, `test result:`): not a Rust test binary?"
                .to_string(),
        );
        return Verdict::Error;
    }
    if ran == 0 {
        reasons.push(
            "the binary ran 0 tests: no test has this exact name (renamed or removed since it was listed?)"
                .to_string(),
        );
        return Verdict::Error;
    }
    if failed {
        if report.panics.is_empty() {
            let names = failing.iter().map(|c| c.name.clone());
            let count = failing.len().max(1) as u64;
            reasons.push(reason::failed_tests(names, count, Labels::Names));
        }
        return Verdict::Fail;
    }
    let all_ignored =
        !report.cases.is_empty() && report.cases.iter().all(|c| c.status == CaseStatus::Skip);
    if all_ignored
        || report
            .summary
            .is_some_and(|c| c.ignored > 0 && c.passed == 0)
    {
        let why = report.cases.iter().find_map(|c| c.reason.clone());
        reasons.push(match why {
            Some(why) => format!("ignored: {why}"),
            None => "ignored".to_string(),
        });
        return Verdict::Skip;
    }
    Verdict::Pass
}

/// The per-test results of a libtest attempt.
pub(super) fn cases(report: Option<&LibtestReport>) -> Vec<CaseResult> {
    report.map(|r| r.cases.clone()).unwrap_or_default()
}

/// A non-zero exit status or a signal, as a reason.
fn exit_problem(status: &ChildStatus) -> Option<String> {
    match status {
        ChildStatus::Exited { code: 0 } => None,
        // libtest's own status for a failed test: the panic says why.
        ChildStatus::Exited { code: 101 } => None,
        ChildStatus::Exited { code } => Some(format!("exited with status {code}")),
        ChildStatus::Signaled { name, .. } => Some(format!("killed by {name}")),
        ChildStatus::TimedOut { .. }
        | ChildStatus::GlobalTimeout { .. }
        | ChildStatus::Interrupted
        | ChildStatus::SpawnFailed { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::libtest::parse;

    fn verdict(out: &str, err: &str, status: ChildStatus) -> (Verdict, Vec<String>) {
        let mut reasons = Vec::new();
        let report = parse(out.as_bytes(), err.as_bytes());
        (judge(Some(&report), &status, &mut reasons), reasons)
    }

    const OK: ChildStatus = ChildStatus::Exited { code: 0 };

    #[test]
    fn pass_fail_skip_and_zero_tests() {
        let pass = "running 1 test\ntest a ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        assert_eq!(verdict(pass, "", OK), (Verdict::Pass, vec![]));
        let fail = "running 1 test\ntest a ... FAILED\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        let err =
            "thread 'a' panicked at src/lib.rs:3:9:\nboom\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            verdict(fail, err, ChildStatus::Exited { code: 101 }),
            (
                Verdict::Fail,
                vec!["panicked at src/lib.rs:3:9: boom".to_string()]
            )
        );
        let (v, reasons) = verdict(fail, "", ChildStatus::Exited { code: 101 });
        assert_eq!(v, Verdict::Fail);
        assert!(reasons[0].contains('a'), "{reasons:?}");
        let ignored = "running 1 test\ntest a ... ignored, slow\n\ntest result: ok. 0 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        assert_eq!(
            verdict(ignored, "", OK),
            (Verdict::Skip, vec!["ignored: slow".to_string()])
        );
        let none = "running 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 3 filtered out; finished in 0.00s\n";
        let (v, reasons) = verdict(none, "", OK);
        assert_eq!(v, Verdict::Error);
        assert!(reasons[0].contains("ran 0 tests"), "{reasons:?}");
    }

    #[test]
    fn a_bad_exit_or_no_output_is_not_a_pass() {
        let pass = "running 1 test\ntest a ... ok\n";
        let (v, reasons) = verdict(pass, "", ChildStatus::Exited { code: 3 });
        assert_eq!(
            (v, reasons),
            (Verdict::Fail, vec!["exited with status 3".to_string()])
        );
        let (v, _) = verdict("hello\n", "", OK);
        assert_eq!(v, Verdict::Error);
        let signaled = ChildStatus::Signaled {
            signal: 6,
            name: "SIGABRT".into(),
        };
        let (v, reasons) = verdict("running 1 test\n", "", signaled);
        assert_eq!(
            (v, reasons),
            (Verdict::Fail, vec!["killed by SIGABRT".to_string()])
        );
    }
}
