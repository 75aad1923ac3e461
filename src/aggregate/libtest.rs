//! The verdict of one libtest test (`ptest cargo`: `BIN --exact NAME
//! --nocapture`) or of a whole libtest binary (a `[[runner]]` with
//! `protocol = "libtest"`), from its parsed output
//! ([`crate::parse::libtest`]). The rule: **a pass needs libtest's own
//! report** (`test NAME ... ok` and the `test result:` line) **and exit
//! status 0**; anything less is not a pass:
//!
//! * killed by a signal: FAIL (`killed by SIGABRT`), after the panic if
//!   one was printed;
//! * a non-zero exit status: FAIL. Status 101 is libtest's own for a
//!   failed test, so with libtest's report of a failure the panic (or
//!   `test NAME failed`) is the reason; 101 without that report (a test
//!   that called `process::exit(101)`) and any other status say so;
//! * no libtest output at all with exit status 0: ERROR (not a libtest
//!   binary);
//! * exit status 0 before libtest's `test result:` line: FAIL, naming the
//!   test libtest never reported (a test that called `process::exit(0)`
//!   before its assertions);
//! * the binary ran no test: ERROR. libtest exits 0 when `--exact NAME`
//!   names no test, so a test renamed or removed since the listing would
//!   otherwise pass;
//! * a failing test: FAIL, its panic (`panicked at src/lib.rs:10:5:
//!   MESSAGE`) the reason, else `test NAME failed`;
//! * ignored (under `--run-ignored` it is not): SKIP.

use super::reason::{self, Labels};
use crate::outcome::ChildStatus;
use crate::outcome::Verdict;
use crate::parse::libtest::LibtestReport;
use crate::parse::{CaseResult, CaseStatus};

/// libtest's exit status when a test failed.
const LIBTEST_FAILED: i32 = 101;

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
    let no_output = report.summary.is_none() && report.running.is_none() && report.cases.is_empty();
    let exit = exit_problem(status, failed, report);
    if failed || exit.is_some() {
        reasons.extend(report.panics.iter().map(|p| p.reason()));
    }
    if let Some(problem) = exit {
        reasons.push(problem);
        return Verdict::Fail;
    }
    if no_output && !failed {
        reasons.push(
            "no libtest output (`running N tests`, `test result:`): not a Rust test binary?"
                .to_string(),
        );
        return Verdict::Error;
    }
    if report.summary.is_none() && !failed {
        reasons.push(format!("the test process exited 0 {}", unreported(report)));
        return Verdict::Fail;
    }
    let ran = report
        .summary
        .map(|c| c.total())
        .or(report.running)
        .unwrap_or(report.cases.len() as u64);
    if ran == 0 && !failed {
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

/// What libtest left unsaid when the process ended before its `test
/// result:` line: `without libtest reporting `NAME``, or how many of the
/// tests it announced it reported.
fn unreported(report: &LibtestReport) -> String {
    let names: Vec<String> = report
        .unreported
        .iter()
        .map(|name| format!("`{name}`"))
        .collect();
    if !names.is_empty() {
        return format!(
            "without libtest reporting {} (no `test result:` line)",
            names.join(", ")
        );
    }
    match report.running {
        Some(n) if (report.cases.len() as u64) < n => format!(
            "after libtest reported {} of the {n} test{} it ran (no `test result:` line)",
            report.cases.len(),
            if n == 1 { "" } else { "s" }
        ),
        _ => "without libtest's `test result:` line".to_string(),
    }
}

/// The per-test results of a libtest attempt.
pub(super) fn cases(report: Option<&LibtestReport>) -> Vec<CaseResult> {
    report.map(|r| r.cases.clone()).unwrap_or_default()
}

/// A non-zero exit status or a signal, as a reason; `None` for status 0,
/// for a stop decided by ptest (judged elsewhere), and for status 101 when
/// libtest reported the failure (`failed`) itself.
fn exit_problem(status: &ChildStatus, failed: bool, report: &LibtestReport) -> Option<String> {
    match status {
        ChildStatus::Exited { code: 0 } => None,
        // libtest's own status for a failed test: the panic says why.
        ChildStatus::Exited {
            code: LIBTEST_FAILED,
        } if failed => None,
        ChildStatus::Exited { code } => {
            let every_test_reported = report.unreported.is_empty()
                && (report.summary.is_some()
                    || report
                        .running
                        .is_some_and(|n| report.cases.len() as u64 >= n));
            Some(match (every_test_reported, *code) {
                (true, LIBTEST_FAILED) => format!(
                    "exited with status {LIBTEST_FAILED}, but libtest reported no failing test"
                ),
                (true, code) => format!("exited with status {code}"),
                (false, code) => format!("exited with status {code} {}", unreported(report)),
            })
        }
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
    fn an_exit_before_libtest_reports_the_test_is_not_a_pass() {
        // `process::exit(101)` inside the test: no panic, no FAILED line,
        // no `test result:` line.
        let started = "\nrunning 1 test\ntest tests::exits ... ";
        let (v, reasons) = verdict(started, "", ChildStatus::Exited { code: 101 });
        assert_eq!(v, Verdict::Fail);
        assert_eq!(
            reasons,
            ["exited with status 101 without libtest reporting `tests::exits` (no `test result:` line)"]
        );
        // `process::exit(0)` before the assertion.
        let (v, reasons) = verdict(started, "", OK);
        assert_eq!(v, Verdict::Fail);
        assert_eq!(
            reasons,
            ["the test process exited 0 without libtest reporting `tests::exits` (no `test result:` line)"]
        );
        // The test's own output after its name changes nothing.
        let chatty = "running 1 test\ntest tests::exits ... about to leave\n";
        assert_eq!(verdict(chatty, "", OK).0, Verdict::Fail);
        // A whole binary that ends half-way.
        let half = "running 3 tests\ntest a ... ok\ntest b ... ok\n";
        let (v, reasons) = verdict(half, "", OK);
        assert_eq!(v, Verdict::Fail);
        assert_eq!(
            reasons,
            ["the test process exited 0 after libtest reported 2 of the 3 tests it ran (no `test result:` line)"]
        );
        // 101 after a complete report that failed nothing.
        let pass = "running 1 test\ntest a ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        let (v, reasons) = verdict(pass, "", ChildStatus::Exited { code: 101 });
        assert_eq!(v, Verdict::Fail);
        assert!(reasons[0].contains("no failing test"), "{reasons:?}");
        // 101 with libtest's own failure report: the panic is the reason.
        let failed = "running 1 test\ntest a ... FAILED\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        let (v, reasons) = verdict(failed, "", ChildStatus::Exited { code: 101 });
        assert_eq!(v, Verdict::Fail);
        assert!(!reasons.iter().any(|r| r.contains("101")), "{reasons:?}");
    }

    proptest::proptest! {
        /// The cargo verdict rule: a non-zero exit status is never a pass,
        /// and neither is an exit before libtest's report of the test.
        #[test]
        fn a_pass_needs_exit_0_and_libtests_report(
            out: Vec<u8>,
            err: Vec<u8>,
            code in proptest::prop_oneof![proptest::strategy::Just(0), proptest::strategy::Just(101), 1..256i32],
        ) {
            let report = parse(&out, &err);
            let mut reasons = Vec::new();
            let v = judge(Some(&report), &ChildStatus::Exited { code }, &mut reasons);
            if v == Verdict::Pass {
                proptest::prop_assert_eq!(code, 0);
                proptest::prop_assert!(report.summary.is_some());
                proptest::prop_assert!(report.unreported.is_empty());
                proptest::prop_assert!(reasons.is_empty());
            }
        }

        /// A test that started and ended the process before its status:
        /// whatever it printed (short of libtest's own lines) and however
        /// it exited, not a pass.
        #[test]
        fn a_started_test_that_never_reports_is_never_a_pass(
            name in "[a-z_:]{1,30}",
            said in "[ -~\n]{0,80}",
            code in proptest::prop_oneof![proptest::strategy::Just(0), proptest::strategy::Just(101), 1..256i32],
        ) {
            proptest::prop_assume!(!said.contains("test result: "));
            let out = format!("\nrunning 1 test\ntest {name} ... {said}");
            let report = parse(out.as_bytes(), b"");
            let mut reasons = Vec::new();
            let v = judge(Some(&report), &ChildStatus::Exited { code }, &mut reasons);
            proptest::prop_assert_ne!(v, Verdict::Pass, "{:?}", reasons);
            proptest::prop_assert_ne!(v, Verdict::Skip, "{:?}", reasons);
        }
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
