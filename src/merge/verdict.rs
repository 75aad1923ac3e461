//! The verdict rules: one finished child → one [`FileSummary`].
//!
//! TAP files are judged as `prove` judges them: any failing test, a missing
//! plan, a plan/count mismatch, out-of-sequence numbers, `Bail out!`, or a
//! non-zero exit status fail the file; a failing TODO test does not;
//! `1..0 # SKIP` skips it. Exit-code files pass on 0, skip on 77 (the
//! Automake convention) and fail otherwise.
//!
//! Files that wrote a JUnit report (`PTEST_JUNIT_FILE`) are judged on it:
//!
//! * any failing test case (`<failure>` or `<error>`) fails the file
//!   (`failed tests: a, b`, naming up to
//!   [`super::reason::MAX_NAMED_FAILURES`]);
//! * a non-zero exit status fails it even when every case passed, and so
//!   does a signal; there is no exit status 77 rule: a report says what was
//!   skipped;
//! * when no case passed or was a TODO (pytest's xfail/xpass), at least one
//!   was skipped and none failed, the file is SKIP; otherwise (including a
//!   report with no cases) it is PASS;
//! * a report that cannot be read (not XML, not JUnit, truncated) makes the
//!   file an ERROR, whatever its exit status.
//!
//! [`decide`] is the one place these rules live: a pure function of one
//! finished attempt (plain data, no I/O), used by the run (which logs to
//! keep; later, whether to retry) and by the summary ([`judge`]). Log tails
//! are read by the caller (the [`super::Merger`]), not here.

use super::reason::{self, Labels};
use super::{FileSummary, Verdict};
use crate::parse::junit::JunitReport;
use crate::parse::{CaseResult, CaseStatus, Protocol};
use crate::run::{ChildStatus, FileRun};
use crate::util::time as serde_time;
use std::path::PathBuf;

/// Exit status that marks an exit-code test as skipped (Automake convention).
pub const SKIP_EXIT_CODE: i32 = 77;

/// What the verdict rules decide about one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Judgement {
    /// The verdict.
    pub verdict: Verdict,
    /// Why the verdict is not a plain PASS, one reason per entry.
    pub reasons: Vec<String>,
}

impl Judgement {
    /// Whether nothing about the attempt needs looking at: it passed or
    /// was skipped, exited with status 0 and left no process behind. Its
    /// logs need not be kept.
    pub fn is_clean(&self, run: &FileRun) -> bool {
        let passed = match self.verdict {
            Verdict::Pass | Verdict::Skip => true,
            Verdict::Fail
            | Verdict::Timeout
            | Verdict::Error
            | Verdict::NotRun
            | Verdict::Interrupted => false,
        };
        passed && matches!(run.status, ChildStatus::Exited { code: 0 }) && run.leaked == 0
    }
}

/// Judges one finished attempt (see the module docs). Pure: reads nothing
/// but `run`.
pub fn decide(run: &FileRun) -> Judgement {
    let mut reasons = Vec::new();
    let verdict = match (&run.status, run.output_error.as_ref()) {
        (ChildStatus::SpawnFailed { reason }, _) => {
            // Discovery's reasons for a unit that never got a child are
            // whole sentences (`cannot read t/x.sh: permission denied`).
            reasons.push(if run.spawned {
                format!("cannot start: {reason}")
            } else {
                reason.clone()
            });
            Verdict::Error
        }
        (ChildStatus::Interrupted, _) => {
            reasons.push("stopped by ptest: the run was interrupted".to_string());
            Verdict::Interrupted
        }
        (ChildStatus::TimedOut { after }, _) => {
            reasons.push(format!(
                "timed out after {}",
                crate::config::format_duration(*after)
            ));
            Verdict::Timeout
        }
        (ChildStatus::GlobalTimeout { after }, _) => {
            reasons.push(format!(
                "stopped by ptest: the global timeout ({}) expired",
                crate::config::format_duration(*after)
            ));
            Verdict::Timeout
        }
        (_, Some(err)) => {
            reasons.push(format!("cannot read output: {err}"));
            Verdict::Error
        }
        (status @ (ChildStatus::Exited { .. } | ChildStatus::Signaled { .. }), None) => {
            match (run.protocol, &run.tap, &run.junit) {
                (Protocol::Junit, _, Some(junit)) => match &junit.report {
                    Ok(report) => judge_junit(report, status, &mut reasons),
                    Err(err) => {
                        let kept = if junit.kept {
                            format!(" (kept as {})", junit.path.display())
                        } else {
                            String::new()
                        };
                        reasons.push(format!(
                            "cannot read JUnit report written by the test: {err}{kept}"
                        ));
                        Verdict::Error
                    }
                },
                (Protocol::Tap, Some(tap), _) => judge_tap(tap, status, &mut reasons),
                (Protocol::Junit, _, None) => {
                    reasons.push(format!(
                        "protocol junit: the test wrote no JUnit report to PTEST_JUNIT_FILE ({})",
                        describe_exit(status)
                    ));
                    Verdict::Error
                }
                (Protocol::Tap, None, _) | (Protocol::ExitCode, _, _) => {
                    let (verdict, reason) = judge_exit(status);
                    reasons.extend(reason);
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
    Judgement { verdict, reasons }
}

/// Judges one finished file into its summary: [`decide`], and the per-test
/// results. The log tails are left empty for the caller to fill.
pub fn judge(id: String, path: PathBuf, run: &FileRun) -> FileSummary {
    let Judgement { verdict, reasons } = decide(run);
    let cases = cases(&id, run);
    FileSummary {
        id,
        path,
        verdict,
        reasons,
        protocol: Some(run.protocol),
        status: Some(run.status.clone()),
        duration: run.spawned.then_some(run.duration),
        started_at: run.spawned.then(|| serde_time::unix_secs(run.started_at)),
        worker: Some(run.slot.index()),
        attempts: run.attempt,
        leaked: run.leaked,
        cpu: run.usage.map(|u| u.cpu),
        max_rss: run.usage.map(|u| u.max_rss),
        cases,
        stdout_log: run.stdout.kept.then(|| run.stdout.path.clone()),
        stderr_log: run.stderr.kept.then(|| run.stderr.path.clone()),
        stdout_tail: String::new(),
        stderr_tail: String::new(),
    }
}

/// The per-test results of an attempt, read the way [`decide`] reads them;
/// an exit-code file is one case named after the file.
fn cases(id: &str, run: &FileRun) -> Vec<CaseResult> {
    match (&run.status, run.output_error.as_ref()) {
        (ChildStatus::SpawnFailed { .. }, _) => Vec::new(),
        (
            ChildStatus::Interrupted
            | ChildStatus::TimedOut { .. }
            | ChildStatus::GlobalTimeout { .. },
            _,
        ) => partial_cases(run),
        (_, Some(_)) => Vec::new(),
        (status @ (ChildStatus::Exited { .. } | ChildStatus::Signaled { .. }), None) => {
            match (run.protocol, &run.tap, &run.junit) {
                (Protocol::Junit, _, Some(junit)) => match &junit.report {
                    Ok(report) => report.cases.clone(),
                    Err(_) => Vec::new(),
                },
                (Protocol::Tap, Some(tap), _) => tap.cases.clone(),
                (Protocol::Tap, None, _)
                | (Protocol::ExitCode, _, _)
                | (Protocol::Junit, _, None) => vec![exit_case(id, status, run)],
            }
        }
    }
}

/// The results a stopped file (timed out or interrupted) had reported so far.
fn partial_cases(run: &FileRun) -> Vec<CaseResult> {
    match (&run.tap, run.junit.as_ref().map(|j| &j.report)) {
        (_, Some(Ok(report))) => report.cases.clone(),
        (Some(tap), None | Some(Err(_))) => tap.cases.clone(),
        (None, None | Some(Err(_))) => Vec::new(),
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
    let failing = || {
        tap.cases
            .iter()
            .enumerate()
            .filter(|(_, c)| c.status.is_failure())
    };
    let count = failing().count() as u64;
    if count > 0 {
        let numbers = failing().map(|(i, c)| c.number.unwrap_or(i as u64 + 1).to_string());
        reasons.push(reason::failed_tests(numbers, count, Labels::Numbers));
        failed = true;
    }
    if !tap.problems.is_empty() {
        reasons.extend(reason::capped_problems(&tap.problems));
        failed = true;
    }
    if bad_exit(status, reasons) {
        failed = true;
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

fn judge_junit(report: &JunitReport, status: &ChildStatus, reasons: &mut Vec<String>) -> Verdict {
    let mut failed = false;
    if report.failed > 0 {
        let names = report
            .cases
            .iter()
            .filter(|c| c.status.is_failure())
            .map(|c| {
                if c.name.trim().is_empty() {
                    format!("test {}", c.number.unwrap_or_default())
                } else {
                    c.name.clone()
                }
            });
        reasons.push(reason::failed_tests(names, report.failed, Labels::Names));
        failed = true;
    }
    if bad_exit(status, reasons) {
        failed = true;
    }
    if report.omitted_cases > 0 {
        reasons.push(format!(
            "{} more test cases were read but not stored (limit {})",
            report.omitted_cases,
            crate::parse::junit::MAX_STORED_CASES
        ));
    }
    if failed {
        return Verdict::Fail;
    }
    if report.passed == 0 && report.todo == 0 && report.skipped > 0 {
        let first = report
            .cases
            .iter()
            .find_map(|c| c.reason.as_deref().filter(|r| !r.trim().is_empty()));
        let all = if report.skipped == 1 {
            "its only test was skipped".to_string()
        } else {
            format!("all {} tests were skipped", report.skipped)
        };
        reasons.insert(
            0,
            match first {
                Some(reason) => format!("skipped: {all} ({reason})"),
                None => format!("skipped: {all}"),
            },
        );
        return Verdict::Skip;
    }
    Verdict::Pass
}

/// For files whose results come from their output (TAP, JUnit): a non-zero
/// exit status or a signal fails the file even when every test passed, as
/// prove judges it. Adds the reason; returns whether the exit was bad.
fn bad_exit(status: &ChildStatus, reasons: &mut Vec<String>) -> bool {
    match status {
        ChildStatus::Exited { code: 0 } => false,
        ChildStatus::Exited { code } => {
            reasons.push(format!("exited with status {code}"));
            true
        }
        ChildStatus::Signaled { name, .. } => {
            reasons.push(format!("killed by {name}"));
            true
        }
        ChildStatus::TimedOut { .. }
        | ChildStatus::GlobalTimeout { .. }
        | ChildStatus::Interrupted
        | ChildStatus::SpawnFailed { .. } => true,
    }
}

/// `exited with status 0`, `killed by SIGSEGV`: what the child did.
fn describe_exit(status: &ChildStatus) -> String {
    match status {
        ChildStatus::Exited { code } => format!("it exited with status {code}"),
        ChildStatus::Signaled { name, .. } => format!("it was killed by {name}"),
        ChildStatus::TimedOut { .. } => "it timed out".to_string(),
        ChildStatus::GlobalTimeout { .. } => "it was stopped by the global timeout".to_string(),
        ChildStatus::Interrupted => "it was interrupted".to_string(),
        ChildStatus::SpawnFailed { reason } => format!("it could not start: {reason}"),
    }
}

/// An exit-code file's verdict and its reason.
fn judge_exit(status: &ChildStatus) -> (Verdict, Option<String>) {
    match status {
        ChildStatus::Exited { code: 0 } => (Verdict::Pass, None),
        ChildStatus::Exited {
            code: SKIP_EXIT_CODE,
        } => (
            Verdict::Skip,
            Some(format!("skipped: exited with status {SKIP_EXIT_CODE}")),
        ),
        ChildStatus::Exited { code } => (Verdict::Fail, Some(format!("exited with status {code}"))),
        ChildStatus::Signaled { name, .. } => (Verdict::Fail, Some(format!("killed by {name}"))),
        ChildStatus::TimedOut { .. }
        | ChildStatus::GlobalTimeout { .. }
        | ChildStatus::Interrupted
        | ChildStatus::SpawnFailed { .. } => (Verdict::Error, None),
    }
}

/// The one case of an exit-code file: named after the file, with the skip
/// reason when it was skipped.
fn exit_case(id: &str, status: &ChildStatus, run: &FileRun) -> CaseResult {
    let (verdict, reason) = judge_exit(status);
    let case_status = match verdict {
        Verdict::Pass => CaseStatus::Pass,
        Verdict::Skip => CaseStatus::Skip,
        Verdict::Fail
        | Verdict::Timeout
        | Verdict::Error
        | Verdict::NotRun
        | Verdict::Interrupted => CaseStatus::Fail,
    };
    CaseResult {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::junit::{self, JunitError};
    use crate::run::{JunitFile, LogFile};
    use crate::unit::Slot;
    use std::time::{Duration, SystemTime};

    fn run_with(status: ChildStatus, report: Result<JunitReport, JunitError>) -> FileRun {
        let log = |name: &str| LogFile {
            path: PathBuf::from("/nonexistent/ptest-test-logs").join(name),
            bytes: 0,
            kept: false,
        };
        FileRun {
            index: 0,
            slot: Slot::new(0),
            attempt: 1,
            started_at: SystemTime::UNIX_EPOCH,
            duration: Duration::from_millis(5),
            status,
            leaked: 0,
            usage: None,
            stdout: log("out"),
            stderr: log("err"),
            protocol: Protocol::Junit,
            tap: None,
            junit: Some(JunitFile {
                path: PathBuf::from("/tmp/run/junit/t%2Fa.sh.1.xml"),
                kept: true,
                report,
            }),
            output_error: None,
            spawned: true,
        }
    }

    fn report(xml: &str) -> JunitReport {
        junit::parse_bytes(xml.as_bytes(), "t/a.sh").unwrap()
    }

    fn judged(status: ChildStatus, xml: &str) -> FileSummary {
        judge(
            "t/a.sh".into(),
            "t/a.sh".into(),
            &run_with(status, Ok(report(xml))),
        )
    }

    const EXIT0: ChildStatus = ChildStatus::Exited { code: 0 };

    #[test]
    fn junit_failing_case_fails_the_file() {
        let f = judged(
            ChildStatus::Exited { code: 1 },
            r#"<testsuite><testcase name="a"/><testcase name="b"><failure message="m"/></testcase></testsuite>"#,
        );
        assert_eq!(f.verdict, Verdict::Fail);
        assert_eq!(f.reasons, ["failed test: b", "exited with status 1"]);
        assert_eq!(f.protocol, Some(Protocol::Junit));
        assert_eq!(f.cases.len(), 2);
        assert_eq!(f.cases[1].line.as_deref(), Some("FAIL b: m"));

        // A failing case fails the file even when the test exits 0.
        let f = judged(
            EXIT0,
            r#"<testsuite><testcase name="b"><error/></testcase></testsuite>"#,
        );
        assert_eq!(
            (f.verdict, f.reasons.as_slice()),
            (Verdict::Fail, &["failed test: b".to_string()][..])
        );
    }

    #[test]
    fn junit_failures_are_named_up_to_a_limit() {
        let mut xml = String::from("<testsuite>");
        for i in 1..=7 {
            xml.push_str(&format!("<testcase name=\"t{i}\"><failure/></testcase>"));
        }
        xml.push_str("</testsuite>");
        let f = judged(EXIT0, &xml);
        assert_eq!(
            f.reasons,
            ["failed tests: t1, t2, t3, t4, t5, … and 2 more"]
        );
        let f = judged(
            EXIT0,
            "<testsuite><testcase name=\"x\"><failure/></testcase><testcase><failure/></testcase></testsuite>",
        );
        assert_eq!(f.reasons, ["failed tests: x, test 2"]);
    }

    #[test]
    fn junit_bad_exit_or_signal_fails_even_when_all_cases_pass() {
        let xml = r#"<testsuite><testcase name="a"/></testsuite>"#;
        let f = judged(ChildStatus::Exited { code: 2 }, xml);
        assert_eq!(
            (f.verdict, f.reasons.clone()),
            (Verdict::Fail, vec!["exited with status 2".to_string()])
        );
        // No exit status 77 rule for JUnit reports.
        let f = judged(
            ChildStatus::Exited {
                code: SKIP_EXIT_CODE,
            },
            xml,
        );
        assert_eq!(f.verdict, Verdict::Fail);
        let f = judged(
            ChildStatus::Signaled {
                signal: 9,
                name: "SIGKILL".into(),
            },
            xml,
        );
        assert_eq!(
            (f.verdict, f.reasons.clone()),
            (Verdict::Fail, vec!["killed by SIGKILL".to_string()])
        );
    }

    #[test]
    fn junit_pass_and_skip_rules() {
        let f = judged(EXIT0, "<testsuites/>");
        assert_eq!((f.verdict, f.cases.len()), (Verdict::Pass, 0));
        assert!(f.reasons.is_empty());

        let f = judged(
            EXIT0,
            r#"<testsuite><testcase name="a"/><testcase name="b"><skipped/></testcase></testsuite>"#,
        );
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(f.reasons.is_empty());

        let f = judged(
            EXIT0,
            r#"<testsuite><testcase name="a"><skipped/></testcase><testcase name="b"><skipped message="no db"/></testcase></testsuite>"#,
        );
        assert_eq!(f.verdict, Verdict::Skip);
        assert_eq!(f.reasons, ["skipped: all 2 tests were skipped (no db)"]);

        let f = judged(
            EXIT0,
            r#"<testsuite><testcase name="a"><skipped/></testcase></testsuite>"#,
        );
        assert_eq!(f.verdict, Verdict::Skip);
        assert_eq!(f.reasons, ["skipped: its only test was skipped"]);

        // Skipped cases and a bad exit status: FAIL, not SKIP.
        let f = judged(
            ChildStatus::Exited { code: 1 },
            r#"<testsuite><testcase name="a"><skipped/></testcase></testsuite>"#,
        );
        assert_eq!(f.verdict, Verdict::Fail);
    }

    #[test]
    fn unreadable_junit_report_is_an_error() {
        let err = junit::parse_bytes(b"<testsuite><testcase>", "t/a.sh").unwrap_err();
        let f = judge("t/a.sh".into(), "t/a.sh".into(), &run_with(EXIT0, Err(err)));
        assert_eq!(f.verdict, Verdict::Error);
        assert_eq!(
            f.reasons,
            ["cannot read JUnit report written by the test: the XML ends with 2 element(s) still open: truncated? (kept as /tmp/run/junit/t%2Fa.sh.1.xml)"]
        );
        assert!(f.cases.is_empty());
    }

    #[test]
    fn interrupted_file_is_interrupted_not_not_run() {
        let run = run_with(
            ChildStatus::Interrupted,
            Ok(report(r#"<testsuite><testcase name="a"/></testsuite>"#)),
        );
        let f = judge("t/a.sh".into(), "t/a.sh".into(), &run);
        assert_eq!(f.verdict, Verdict::Interrupted);
        assert_eq!(f.reasons, ["stopped by ptest: the run was interrupted"]);
        assert_eq!((f.attempts, f.cases.len()), (1, 1));
        assert!(f.duration.is_some());
        assert!(!f.verdict.ran() && !f.verdict.is_recorded() && !f.verdict.is_failure());
    }

    #[test]
    fn junit_xfail_only_report_passes() {
        let f = judged(
            EXIT0,
            r#"<testsuite><testcase name="a"><skipped type="pytest.xfail"/></testcase><testcase name="b"><skipped/></testcase></testsuite>"#,
        );
        assert_eq!(f.verdict, Verdict::Pass);
        assert!(f.reasons.is_empty());
    }

    #[test]
    fn the_run_keeps_logs_unless_an_attempt_is_clean() {
        let exit_code = |status: ChildStatus| {
            let mut run = run_with(status, Ok(report("<testsuites/>")));
            run.protocol = Protocol::ExitCode;
            run.junit = None;
            run
        };
        let run = exit_code(EXIT0);
        assert!(decide(&run).is_clean(&run));
        // Skipped by exit status 77: the verdict is SKIP, the logs are kept.
        let run = exit_code(ChildStatus::Exited {
            code: SKIP_EXIT_CODE,
        });
        let judged = decide(&run);
        assert_eq!(judged.verdict, Verdict::Skip);
        assert!(!judged.is_clean(&run));
        let mut run = exit_code(EXIT0);
        run.leaked = 1;
        assert_eq!(decide(&run).verdict, Verdict::Pass);
        assert!(!decide(&run).is_clean(&run));
    }

    #[test]
    fn timed_out_file_keeps_its_junit_cases() {
        let run = run_with(
            ChildStatus::TimedOut {
                after: Duration::from_secs(1),
            },
            Ok(report(r#"<testsuite><testcase name="a"/></testsuite>"#)),
        );
        let f = judge("t/a.sh".into(), "t/a.sh".into(), &run);
        assert_eq!(f.verdict, Verdict::Timeout);
        assert_eq!(f.cases.len(), 1);
    }
}
