//! The verdict rules: one finished child → one [`UnitSummary`].
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
//! are read by the caller (the [`super::Aggregator`]), not here.

use super::reason::{self, Labels};
use crate::outcome::ChildStatus;
use crate::outcome::{JunitFile, ParsedReport, UnitRun};
use crate::outcome::{UnitSummary, Verdict};
use crate::parse::junit::JunitReport;
use crate::parse::{CaseResult, CaseStatus, Protocol};
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
    /// The reasons of a FAIL that are about the stream as a whole, not
    /// about one of its tests nor the exit status: a TAP `Bail out!` and
    /// the TAP problems (no plan, a wrong count, out-of-sequence numbers).
    /// No quarantined test excuses them ([`super::quarantine`]).
    pub faults: Vec<String>,
}

impl Judgement {
    /// Whether nothing about the attempt needs looking at: it passed or
    /// was skipped, exited with status 0 and left no process behind. Its
    /// logs need not be kept.
    pub fn is_clean(&self, run: &UnitRun) -> bool {
        let passed = match self.verdict {
            Verdict::Pass | Verdict::Skip | Verdict::Flaky => true,
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
pub fn decide(run: &UnitRun) -> Judgement {
    let mut reasons = Vec::new();
    let mut faults = Vec::new();
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
                crate::util::duration::format_duration(*after)
            ));
            Verdict::Timeout
        }
        // Stopped by the run, not by its own timeout: not the file's own
        // failure (the run fails for the work it did not finish), so it is
        // not recorded in the history, as a flip or as a duration.
        (ChildStatus::GlobalTimeout { after }, _) => {
            reasons.push(format!(
                "stopped by ptest: the global timeout ({}) expired",
                crate::util::duration::format_duration(*after)
            ));
            Verdict::Interrupted
        }
        (_, Some(err)) => {
            reasons.push(format!("cannot read output: {err}"));
            Verdict::Error
        }
        (status @ (ChildStatus::Exited { .. } | ChildStatus::Signaled { .. }), None) => {
            match (run.protocol, &run.report) {
                (Protocol::Junit, ParsedReport::Junit(junit)) => match &junit.report {
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
                (Protocol::Tap, ParsedReport::Tap(tap)) => {
                    judge_tap(tap, status, &mut reasons, &mut faults)
                }
                (Protocol::Libtest, report) => {
                    super::libtest::judge(report.libtest(), status, &mut reasons)
                }
                (
                    Protocol::Junit,
                    ParsedReport::None | ParsedReport::Tap(_) | ParsedReport::Libtest(_),
                ) => {
                    reasons.push(format!(
                        "protocol junit: the test wrote no JUnit report to PTEST_JUNIT_FILE ({})",
                        describe_exit(status)
                    ));
                    Verdict::Error
                }
                (
                    Protocol::Tap,
                    ParsedReport::None | ParsedReport::Junit(_) | ParsedReport::Libtest(_),
                )
                | (Protocol::ExitCode, _) => {
                    let (verdict, reason) = judge_exit(status);
                    reasons.extend(reason);
                    verdict
                }
            }
        }
    };
    if let Some(note) = &run.note {
        reasons.push(note.clone());
    }
    if run.leaked > 0 {
        reasons.push(format!(
            "left {} process{} running after it exited (killed)",
            run.leaked,
            if run.leaked == 1 { "" } else { "es" }
        ));
    }
    Judgement {
        verdict,
        reasons,
        faults,
    }
}

/// Judges one finished file into its summary: [`decide`], and the per-test
/// results. The log tails are left empty for the caller to fill.
pub fn judge(id: String, path: PathBuf, run: &UnitRun) -> UnitSummary {
    let Judgement {
        verdict,
        reasons,
        faults,
    } = decide(run);
    let cases = cases(&id, run);
    let omitted = omitted_cases(run);
    UnitSummary {
        reasons,
        faults,
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
        omitted,
        // Everything else (shard, expected, tails, quarantine, attempts'
        // results, …) is filled in later by the aggregator.
        ..UnitSummary::new(id, path, verdict)
    }
}

/// The results [`cases`] read from the same report but that its parser
/// did not keep in memory, by status.
fn omitted_cases(run: &UnitRun) -> crate::parse::CaseCounts {
    match &run.report {
        ParsedReport::Junit(JunitFile {
            report: Ok(report), ..
        }) => report.omitted(),
        ParsedReport::Tap(tap) if run.protocol == Protocol::Tap => tap.omitted,
        ParsedReport::Junit(JunitFile { report: Err(_), .. })
        | ParsedReport::Tap(_)
        | ParsedReport::None
        | ParsedReport::Libtest(_) => crate::parse::CaseCounts::default(),
    }
}

/// The per-test results of an attempt, read the way [`decide`] reads them;
/// an exit-code file is one case named after the file.
fn cases(id: &str, run: &UnitRun) -> Vec<CaseResult> {
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
            match (run.protocol, &run.report) {
                (Protocol::Junit, ParsedReport::Junit(junit)) => match &junit.report {
                    Ok(report) => report.cases.clone(),
                    Err(_) => Vec::new(),
                },
                (Protocol::Tap, ParsedReport::Tap(tap)) => tap.cases.clone(),
                (Protocol::Libtest, report) => super::libtest::cases(report.libtest()),
                (
                    Protocol::Tap,
                    ParsedReport::None | ParsedReport::Junit(_) | ParsedReport::Libtest(_),
                )
                | (Protocol::ExitCode, _)
                | (
                    Protocol::Junit,
                    ParsedReport::None | ParsedReport::Tap(_) | ParsedReport::Libtest(_),
                ) => vec![exit_case(id, status, run)],
            }
        }
    }
}

/// The results a stopped file (timed out or interrupted) had reported so far.
fn partial_cases(run: &UnitRun) -> Vec<CaseResult> {
    match &run.report {
        ParsedReport::Junit(JunitFile {
            report: Ok(report), ..
        }) => report.cases.clone(),
        ParsedReport::Tap(tap) => tap.cases.clone(),
        ParsedReport::Junit(JunitFile { report: Err(_), .. })
        | ParsedReport::None
        | ParsedReport::Libtest(_) => Vec::new(),
    }
}

fn judge_tap(
    tap: &crate::parse::tap::TapReport,
    status: &ChildStatus,
    reasons: &mut Vec<String>,
    faults: &mut Vec<String>,
) -> Verdict {
    let mut failed = false;
    if let Some(reason) = &tap.bail_out {
        let text = if reason.is_empty() {
            "Bail out!".to_string()
        } else {
            format!("Bail out! {reason}")
        };
        faults.push(text.clone());
        reasons.push(text);
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
        let problems = reason::capped_problems(&tap.problems);
        faults.extend(problems.iter().cloned());
        reasons.extend(problems);
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
fn exit_case(id: &str, status: &ChildStatus, run: &UnitRun) -> CaseResult {
    let (verdict, reason) = judge_exit(status);
    let case_status = match verdict {
        Verdict::Pass | Verdict::Flaky => CaseStatus::Pass,
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
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::LogFile;
    use crate::parse::junit::{self, JunitParseError};
    use crate::unit::Slot;
    use std::time::{Duration, SystemTime};

    fn run_with(status: ChildStatus, report: Result<JunitReport, JunitParseError>) -> UnitRun {
        let log = |name: &str| LogFile {
            path: PathBuf::from("/nonexistent/ptest-test-logs").join(name),
            bytes: 0,
            kept: false,
        };
        UnitRun {
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
            report: ParsedReport::Junit(JunitFile {
                path: PathBuf::from("/tmp/run/junit/t%2Fa.sh.1.xml"),
                kept: true,
                report,
            }),
            output_error: None,
            spawned: true,
            retry_after: None,
            note: None,
        }
    }

    fn report(xml: &str) -> JunitReport {
        junit::parse_bytes(xml.as_bytes(), "t/a.sh").unwrap()
    }

    fn judged(status: ChildStatus, xml: &str) -> UnitSummary {
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
            run.report = ParsedReport::None;
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

    /// A finished TAP file whose output was `text`.
    fn tap_run(status: ChildStatus, text: &str) -> UnitRun {
        UnitRun {
            protocol: Protocol::Tap,
            report: ParsedReport::Tap(crate::parse::tap::parse_str(text)),
            ..run_with(status, Ok(report("<testsuites/>")))
        }
    }

    fn judge_run(run: &UnitRun) -> UnitSummary {
        judge("t/a.sh".into(), "t/a.sh".into(), run)
    }

    /// Points both logs at files in `dir` holding `out` and `err`.
    fn with_logs(mut run: UnitRun, dir: &std::path::Path, out: &str, err: &str) -> UnitRun {
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            LogFile {
                path,
                bytes: text.len() as u64,
                kept: true,
            }
        };
        run.stdout = write("out", out);
        run.stderr = write("err", err);
        run
    }

    #[test]
    fn only_files_that_did_not_pass_or_skip_keep_their_output_tails() {
        let dir = tempfile::tempdir().unwrap();
        // 4 KiB in 20 lines: within the 8 KiB / 40 lines a tail keeps.
        let out: String = (0..20)
            .map(|i| format!("{i:02} {}\n", "o".repeat(197)))
            .collect();
        let err = "boom\n";
        let tail = |status: ChildStatus, text: &str| {
            let run = with_logs(tap_run(status, text), dir.path(), &out, err);
            let mut f = judge_run(&run);
            crate::aggregate::read_tails(&mut f, &run);
            (f.verdict, f.stdout_tail, f.stderr_tail)
        };
        let (verdict, stdout, stderr) = tail(EXIT0, "1..1\nnot ok 1\n");
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!((stdout.as_str(), stderr.as_str()), (out.as_str(), err));
        for (text, verdict) in [
            ("1..1\nok 1\n", Verdict::Pass),
            ("1..0 # SKIP no db\n", Verdict::Skip),
        ] {
            assert_eq!(
                tail(EXIT0, text),
                (verdict, String::new(), String::new()),
                "{text:?}"
            );
        }
        let (verdict, stdout, _) = tail(ChildStatus::Interrupted, "1..1\nok 1\n");
        assert_eq!(
            (verdict, stdout.as_str()),
            (Verdict::Interrupted, out.as_str())
        );
    }

    #[test]
    fn leaked_processes_are_a_reason_with_the_right_plural() {
        for (leaked, reasons) in [
            (0, vec![]),
            (1, vec!["left 1 process running after it exited (killed)"]),
            (2, vec!["left 2 processes running after it exited (killed)"]),
        ] {
            let run = UnitRun {
                leaked,
                ..tap_run(EXIT0, "1..1\nok 1\n")
            };
            let f = judge_run(&run);
            assert_eq!((f.verdict, f.leaked), (Verdict::Pass, leaked));
            assert_eq!(f.reasons, reasons, "leaked {leaked}");
        }
    }

    #[test]
    fn tap_failures_problems_and_bail_outs_fail_the_file() {
        let f = judge_run(&tap_run(
            EXIT0,
            "1..3\nok 1\nnot ok 2\nnot ok 3 # TODO later\n",
        ));
        assert_eq!(
            (f.verdict, f.reasons.as_slice()),
            (Verdict::Fail, &["failed test 2".to_string()][..])
        );
        assert_eq!(f.cases.len(), 3);

        let f = judge_run(&tap_run(EXIT0, "1..2\nok 1\n"));
        assert_eq!(f.verdict, Verdict::Fail);
        assert_eq!(f.reasons, ["planned 2 tests but ran 1"]);

        let f = judge_run(&tap_run(EXIT0, "1..2\nok 1\nBail out! no db\n"));
        assert_eq!(
            (f.verdict, f.reasons.as_slice()),
            (Verdict::Fail, &["Bail out! no db".to_string()][..])
        );
        let f = judge_run(&tap_run(EXIT0, "1..2\nBail out!\n"));
        assert_eq!(f.reasons, ["Bail out!"]);

        // A failing TODO test passes; a bad exit status fails a clean stream.
        let f = judge_run(&tap_run(EXIT0, "1..2\nok 1\nnot ok 2 # TODO later\n"));
        assert_eq!((f.verdict, f.reasons.len()), (Verdict::Pass, 0));
        let f = judge_run(&tap_run(ChildStatus::Exited { code: 3 }, "1..1\nok 1\n"));
        assert_eq!(
            (f.verdict, f.reasons.as_slice()),
            (Verdict::Fail, &["exited with status 3".to_string()][..])
        );
        let signal = ChildStatus::Signaled {
            signal: 6,
            name: "SIGABRT".into(),
        };
        let f = judge_run(&tap_run(signal, "1..1\nok 1\n"));
        assert_eq!(
            (f.verdict, f.reasons.as_slice()),
            (Verdict::Fail, &["killed by SIGABRT".to_string()][..])
        );
    }

    #[test]
    fn unnumbered_failing_tap_cases_are_named_by_position() {
        let case = |number: Option<u64>, status: CaseStatus| CaseResult {
            number,
            name: String::new(),
            status,
            reason: None,
            diagnostics: String::new(),
            line: None,
            duration: None,
            ..Default::default()
        };
        let mut run = tap_run(EXIT0, "1..4\n");
        let ParsedReport::Tap(tap) = &mut run.report else {
            panic!("tap_run reads TAP");
        };
        tap.cases = vec![
            case(None, CaseStatus::Fail),
            case(None, CaseStatus::Pass),
            case(None, CaseStatus::Fail),
            case(Some(9), CaseStatus::Fail),
        ];
        tap.tests_run = 4;
        tap.problems.clear();
        let f = judge_run(&run);
        assert_eq!(f.verdict, Verdict::Fail);
        assert_eq!(f.reasons, ["failed tests 1, 3, 9"]);
    }

    #[test]
    fn skip_all_plan_skips_only_a_file_without_tests() {
        let f = judge_run(&tap_run(EXIT0, "1..0 # SKIP no database\n"));
        assert_eq!(
            (f.verdict, f.reasons.as_slice()),
            (Verdict::Skip, &["skipped: no database".to_string()][..])
        );
        let f = judge_run(&tap_run(EXIT0, "1..0\n"));
        assert_eq!(
            (f.verdict, f.reasons.as_slice()),
            (Verdict::Skip, &["skipped".to_string()][..])
        );
        // 1..0 with a bad exit status is a failure, not a skip.
        let f = judge_run(&tap_run(ChildStatus::Exited { code: 1 }, "1..0 # SKIP x\n"));
        assert_eq!(f.verdict, Verdict::Fail);
    }

    #[test]
    fn stopped_files_keep_the_results_they_reported() {
        let timeout = ChildStatus::TimedOut {
            after: Duration::from_secs(2),
        };
        let f = judge_run(&tap_run(
            timeout.clone(),
            "1..3\nok 1 - first\nok 2 - second\n",
        ));
        assert_eq!(f.verdict, Verdict::Timeout);
        assert_eq!(f.reasons, ["timed out after 2.0s"]);
        let names: Vec<&str> = f.cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["first", "second"]);

        // An interrupted file keeps the cases of the report it wrote, JUnit
        // or TAP; an unreadable JUnit report has none.
        let mut run = run_with(
            ChildStatus::Interrupted,
            Ok(report(r#"<testsuite><testcase name="j"/></testsuite>"#)),
        );
        let f = judge_run(&run);
        assert_eq!(
            f.cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["j"]
        );
        let err = junit::parse_bytes(b"<testsuite><testcase>", "t/a.sh").unwrap_err();
        run.report = ParsedReport::Tap(crate::parse::tap::parse_str("ok 1 - t\n"));
        let f = judge_run(&run);
        assert_eq!(
            f.cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["t"]
        );
        run.report = ParsedReport::Junit(JunitFile {
            path: PathBuf::from("/tmp/run/junit/t%2Fa.sh.1.xml"),
            kept: true,
            report: Err(err.clone()),
        });
        assert!(judge_run(&run).cases.is_empty());
        let f = judge_run(&run_with(timeout, Err(err)));
        assert_eq!((f.verdict, f.cases.len()), (Verdict::Timeout, 0));
    }

    #[test]
    fn exit_code_files_pass_skip_on_77_and_fail_otherwise() {
        let exit = |status: ChildStatus| {
            let run = UnitRun {
                protocol: Protocol::ExitCode,
                report: ParsedReport::None,
                ..run_with(status, Ok(report("<testsuites/>")))
            };
            judge_run(&run)
        };
        let f = exit(EXIT0);
        assert_eq!((f.verdict, f.reasons.len()), (Verdict::Pass, 0));
        assert_eq!(f.cases.len(), 1);
        assert_eq!(
            (
                f.cases[0].name.as_str(),
                f.cases[0].status,
                f.cases[0].reason.as_deref()
            ),
            ("t/a.sh", CaseStatus::Pass, None)
        );
        assert_eq!(f.cases[0].duration, Some(Duration::from_millis(5)));

        let f = exit(ChildStatus::Exited {
            code: SKIP_EXIT_CODE,
        });
        assert_eq!(f.verdict, Verdict::Skip);
        assert_eq!(f.reasons, ["skipped: exited with status 77"]);
        assert_eq!(
            (f.cases[0].status, f.cases[0].reason.as_deref()),
            (CaseStatus::Skip, Some("skipped: exited with status 77"))
        );

        let f = exit(ChildStatus::Exited { code: 1 });
        assert_eq!(f.verdict, Verdict::Fail);
        assert_eq!(f.reasons, ["exited with status 1"]);
        // A failing case does not repeat the exit status as a skip reason.
        assert_eq!(
            (f.cases[0].status, f.cases[0].reason.as_deref()),
            (CaseStatus::Fail, None)
        );
    }

    #[test]
    fn omitted_junit_cases_are_a_reason() {
        let mut r = report(r#"<testsuite><testcase name="a"/></testsuite>"#);
        r.omitted_cases = 3;
        let f = judge_run(&run_with(EXIT0, Ok(r)));
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(
            f.reasons,
            [format!(
                "3 more test cases were read but not stored (limit {})",
                junit::MAX_STORED_CASES
            )]
        );
    }

    #[test]
    fn junit_skip_reason_is_the_first_non_blank_one() {
        let f = judged(
            EXIT0,
            r#"<testsuite><testcase name="a"><skipped message="  "/></testcase><testcase name="b"><skipped message="no db"/></testcase></testsuite>"#,
        );
        assert_eq!(f.verdict, Verdict::Skip);
        assert_eq!(f.reasons, ["skipped: all 2 tests were skipped (no db)"]);
        // Only TODO cases (xfail): PASS, not SKIP.
        let f = judged(
            EXIT0,
            r#"<testsuite><testcase name="a"><skipped type="pytest.xfail"/></testcase></testsuite>"#,
        );
        assert_eq!(f.verdict, Verdict::Pass);
    }
}
