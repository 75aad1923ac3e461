//! The `--junit` report: a [`RunSummary`] as JUnit XML.
//!
//! The format, for users, is `docs/formats.md` ("JUnit XML"); this is how
//! the code produces it and why.
//!
//! # Mapping
//!
//! - The root is `<testsuites name="ptest">` with the totals of all suites
//!   and `time` = the run's wall time.
//! - Units with a suite name (`ptest cargo`: the test binary's id) share
//!   one `<testsuite>` of that name, one `<testcase>` per test (see
//!   `junit::suites`).
//! - Every other file in [`RunSummary::files`] becomes one `<testsuite>`, whatever
//!   its verdict (NOT RUN, TIMEOUT and ERROR files included), with
//!   `name` and `file` = the file id, `time` = the file's duration and
//!   `timestamp` = its start (RFC 3339, UTC).
//! - Every [`CaseResult`] becomes one `<testcase>` with `classname` and `file`
//!   = the file id, `name` = the case name (`test N` when empty) and `time` =
//!   the case's duration, or the file's duration when the suite has a single
//!   test case.
//!   - `Fail` → `<failure type="tap">` (`type="exit-code"` for exit-code
//!     files, `type="junit"` for files that wrote their own JUnit report);
//!     `message` is the raw TAP line (`not ok 3 - adds`) or the JUnit
//!     summary line (`FAIL name: message`), the body is that line followed by
//!     the test's diagnostics. For exit-code files the message is the file's
//!     reasons (`exited with status 1`).
//!   - `Skip` → `<skipped message="reason">`; `TodoFail` →
//!     `<skipped message="TODO: reason">`; `Pass` and `TodoPass` pass.
//! - **Names are unique within a suite** (GitLab keeps only the first of
//!   several test cases with the same name): the first case keeps its name,
//!   later ones with the same name get ` (2)`, ` (3)`, … appended (skipping
//!   suffixes already in use). Suffixes rather than TAP numbers keep names
//!   stable across runs when tests are added earlier in a file, so CI history
//!   ("failing since") keeps working.
//! - **File-level outcomes** get one extra test case named
//!   [`FILE_CASE_NAME`] (`(file)`). That name is reserved in every suite: a
//!   real test called `(file)` is always written as `(file) (2)`.
//!   - FAIL with no failing test case (no plan, wrong count, `Bail out!`,
//!     non-zero exit or crash with all tests ok): `<failure>` whose `type` is
//!     the protocol (`tap`, `exit-code` or `junit`) and whose `message` joins the
//!     file's reasons with `; `. A FAIL with failing test cases gets no
//!     `(file)` case: its failures already count, and the file's reasons are
//!     added to the body of its first failing case.
//!   - TIMEOUT: `<error type="timeout">`; ERROR (cannot start, output
//!     unreadable): `<error type="error">`. Always added, even next to failing
//!     cases of a partial TAP stream, so the timeout or error is counted and
//!     shown.
//!   - INTERRUPTED (started, then stopped by Ctrl-C/SIGTERM):
//!     `<error type="interrupted">`, like a timeout: the file never
//!     finished, and a cancelled CI job must not show it as green. The tests
//!     it had reported so far are kept.
//!   - NOT RUN: `<skipped message="not run: …">`.
//!   - SKIP with no test case (`1..0 # SKIP reason`): `<skipped>` with the
//!     reason.
//!   - PASS (or FLAKY) with no test case: a passing `(file)` case. Every
//!     unit has at least one `<testcase>`, so `tests` counts every unit.
//! - **Output**: a failing file's `stdout_tail` / `stderr_tail` go to the
//!   `<system-out>` / `<system-err>` of the test case that carries the file's
//!   outcome (the `(file)` case, else the first failing case). They are also
//!   appended to that case's `<failure>`/`<error>` body, because GitLab and
//!   the GitHub reporters (dorny/test-reporter, mikepenz/action-junit-report)
//!   only show that body, never `<system-out>`; Jenkins shows both.
//!   Output is never put on the `<testsuite>`: Jenkins would repeat it under
//!   every passing test of the file.
//! - **`--repeat` runs**: one `<testsuite>` per iteration, named
//!   `t/a.sh [iteration 2]` (so CI tools that key suites by name keep them
//!   apart) with a `<property name="iteration" value="2"/>`; its test cases
//!   keep the file id as `classname`, so a dashboard counts every
//!   iteration as one more run of the same test.
//! - **Text is always valid XML 1.0**: ANSI escape sequences, control
//!   characters other than newline, C1 controls and U+FFFE/U+FFFF are
//!   removed, tabs are expanded to spaces (quick-junit would drop them), and
//!   carriage returns become newlines. Attribute values (`message`) are kept
//!   on one line.
//! - **Retries**: the earlier attempts of a retried file become
//!   `<flakyFailure>`/`<flakyError>` (the test passed in the end) or
//!   `<rerunFailure>`/`<rerunError>` (it still failed), Surefire's
//!   convention: see `junit::reruns`.
//! - **Quarantine**: a `ptest.quarantined` property, and a quarantined
//!   failure kept as `<skipped message="quarantined: …">` (see
//!   `junit::quarantine`).

mod quarantine;

mod suites;

use crate::aggregate::quarantine::{case_quarantined, excuses_own};
use crate::aggregate::{file_case, FileCase};
use crate::atomic::{write_atomically, AtomicWriteError};
use crate::outcome::{RunSummary, UnitSummary, Verdict};
use crate::parse::{CaseResult, CaseStatus, Protocol};
use crate::util::time::rfc3339;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite, XmlString};
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

mod reruns;

/// Name of the extra test case that carries a file-level outcome (a broken
/// TAP stream, a bad exit status with all tests ok, a timeout, an error, a
/// file that was not run or skipped as a whole).
pub const FILE_CASE_NAME: &str = "(file)";

/// Why the JUnit report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum JunitWriteError {
    /// The directory to hold the report could not be created.
    #[error("cannot create directory {} for the JUnit report", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The report could not be written.
    #[error("cannot write JUnit report {}", path.display())]
    Write {
        /// The report file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The report could not be turned into XML.
    #[error("cannot serialize the JUnit report for {}", path.display())]
    Serialize {
        /// The report file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: quick_junit::SerializeError,
    },
}

/// Builds the JUnit report of a run (see the [module docs](self) for the
/// mapping).
pub fn junit_report(summary: &RunSummary) -> Report {
    let mut report = Report::new("ptest");
    report.set_time(summary.wall);
    for suite in suites::suites(summary) {
        report.add_test_suite(suite);
    }
    report
}

/// Writes the JUnit report of `summary` to `path`.
///
/// Parent directories are created; the file is written to a temporary file in
/// the same directory and renamed into place.
pub fn write_junit(summary: &RunSummary, path: &Path) -> Result<(), JunitWriteError> {
    let report = junit_report(summary);
    // Streamed into the file rather than built as one string first.
    write_atomically(path, |out| report.serialize(out).map_err(io::Error::other)).map_err(|e| {
        match e {
            AtomicWriteError::CreateDir { dir, source } => {
                JunitWriteError::CreateDir { dir, source }
            }
            AtomicWriteError::Write { path, source } => JunitWriteError::Write { path, source },
        }
    })
}

/// The file-level outcome that needs a [`FILE_CASE_NAME`] test case.
struct FileOutcome {
    status: TestCaseStatus,
    /// Whether the file's output tails belong to it.
    carries_output: bool,
}

fn file_outcome(file: &UnitSummary) -> Option<FileOutcome> {
    let mut reasons = file.reasons.clone();
    if !file.stopped.is_empty() && excuses_own(file) {
        reasons.push(format!(
            "quarantined, but it kept {} from running: {}",
            file.stopped.len(),
            file.stopped.join(", ")
        ));
    }
    let reasons = one_line(&reasons.join("; "));
    let non_success = |kind, ty: &str| {
        let mut status = TestCaseStatus::non_success(kind);
        status.set_type(ty).set_message(if reasons.is_empty() {
            file.verdict.label().to_lowercase()
        } else {
            reasons.clone()
        });
        let body = file_context(file, false);
        if !body.is_empty() {
            status.set_description(body);
        }
        Some(FileOutcome {
            status,
            carries_output: true,
        })
    };
    // Whether there is a `(file)` case, and how it ended, is decided once
    // for every report (`Totals` counts the same case).
    match file_case(file)? {
        FileCase::Errored => non_success(
            NonSuccessKind::Error,
            match file.verdict {
                Verdict::Timeout => "timeout",
                // An error, not a skip: the file started and never
                // finished, and a cancelled CI job must not show it green.
                Verdict::Interrupted => "interrupted",
                _ => "error",
            },
        ),
        // No failing case, or every failing case is quarantined (written as
        // skipped) while the file still fails the run: a crash, a bad plan,
        // a `Bail out!`, or a failure that kept other units from running.
        // The `(file)` case carries that failure, so the report is not green.
        FileCase::Failed => non_success(NonSuccessKind::Failure, protocol_type(file.protocol)),
        // A passing unit with no case gets its `(file)` case below.
        FileCase::Passed => None,
        FileCase::Skipped if file.verdict == Verdict::NotRun => {
            let message = if reasons.starts_with("not run") {
                reasons
            } else if reasons.is_empty() {
                "not run".to_string()
            } else {
                format!("not run: {reasons}")
            };
            let mut status = TestCaseStatus::skipped();
            status.set_message(message);
            Some(FileOutcome {
                status,
                carries_output: true,
            })
        }
        FileCase::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(if reasons.is_empty() {
                "skipped".to_string()
            } else {
                reasons
            });
            Some(FileOutcome {
                status,
                carries_output: true,
            })
        }
    }
}

fn protocol_type(protocol: Option<Protocol>) -> &'static str {
    match protocol {
        Some(Protocol::ExitCode) => "exit-code",
        Some(Protocol::Junit) => "junit",
        Some(Protocol::Libtest) => "libtest",
        Some(Protocol::Tap) | None => "tap",
    }
}

fn file_suite(file: &UnitSummary) -> TestSuite {
    let id = one_line(&file.id);
    let mut suite = match file.iteration {
        Some(k) => TestSuite::new(format!("{id} [iteration {k}]")),
        None => TestSuite::new(id.as_str()),
    };
    if let Some(k) = file.iteration {
        suite.add_property(quick_junit::Property::new("iteration", k.to_string()));
    }
    if let Some(d) = file.duration {
        suite.set_time(d);
    }
    if let Some(t) = file.started_at.and_then(epoch_secs_to_time) {
        suite
            .extra
            .insert(XmlString::new("timestamp"), XmlString::new(rfc3339(t)));
    }
    suite
        .extra
        .insert(XmlString::new("file"), XmlString::new(id.as_str()));

    let outcome = file_outcome(file);
    let total_cases = file.cases.len() + usize::from(outcome.is_some());
    let single_case_time = if total_cases == 1 {
        file.duration
    } else {
        None
    };

    // The case that carries the file's outcome and output: the `(file)` case,
    // else the first failing case that is not quarantined (a quarantined
    // one is written as skipped), else the first failing case.
    let keys = crate::parse::case_keys(&file.cases);
    let primary = match &outcome {
        Some(_) => None,
        None if file.verdict.is_failure() => file
            .cases
            .iter()
            .zip(&keys)
            .position(|(c, key)| c.status.is_failure() && !case_quarantined(file, key))
            .or_else(|| file.cases.iter().position(|c| c.status.is_failure())),
        None => None,
    };

    // `(file)` is reserved even when unused, so a test of that name is
    // called `(file) (2)` in every run, not only in failing ones.
    let mut used: HashSet<String> = HashSet::from([FILE_CASE_NAME.to_string()]);
    let mut output_placed = false;
    quarantine::mark_suite(file, &mut suite);
    let mut reruns = reruns::Reruns::of(file);
    // An exit-code file's one case is the file: its reruns go there.
    let exit_case = outcome.is_none()
        && primary.is_none()
        && file.protocol == Some(Protocol::ExitCode)
        && file.cases.len() == 1;
    for (index, case) in file.cases.iter().enumerate() {
        let name = unique_name(&mut used, case_name(case, index));
        let is_primary = primary == Some(index);
        let mut status = case_status(file, case, is_primary);
        reruns.add_case(index, &mut status);
        if is_primary || exit_case {
            reruns.add_file_level(&mut status);
        }
        let mut tc = TestCase::new(name, status);
        tc.set_classname(id.as_str());
        tc.extra
            .insert(XmlString::new("file"), XmlString::new(id.as_str()));
        if let Some(d) = case.duration.or(single_case_time) {
            tc.set_time(d);
        }
        if is_primary {
            output_placed = set_output(&mut tc, file);
        }
        quarantine::mark_case(file, keys.get(index).map(String::as_str), &mut tc);
        suite.add_test_case(tc);
    }
    if let Some(mut outcome) = outcome {
        reruns.add_file_level(&mut outcome.status);
        let mut tc = TestCase::new(FILE_CASE_NAME, outcome.status);
        tc.set_classname(id.as_str());
        tc.extra
            .insert(XmlString::new("file"), XmlString::new(id.as_str()));
        if let Some(d) = single_case_time {
            tc.set_time(d);
        }
        if outcome.carries_output {
            output_placed = set_output(&mut tc, file);
        }
        quarantine::mark_case(file, None, &mut tc);
        suite.add_test_case(tc);
    }
    if reruns.has_file_level() {
        // A file that passed in the end after failing as a whole.
        let mut status = TestCaseStatus::success();
        reruns.add_file_level(&mut status);
        let mut tc = TestCase::new(FILE_CASE_NAME, status);
        tc.set_classname(id.as_str());
        tc.extra
            .insert(XmlString::new("file"), XmlString::new(id.as_str()));
        suite.add_test_case(tc);
    }
    if suite.test_cases.is_empty() {
        // Every unit appears in the report: one that passed with no test
        // case of its own (a libtest binary whose test printed no line, a
        // JUnit report without cases) is one passing `(file)` case.
        let status = if file.verdict.is_failure() {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_type(protocol_type(file.protocol));
            status
        } else {
            TestCaseStatus::success()
        };
        let mut tc = TestCase::new(FILE_CASE_NAME, status);
        tc.set_classname(id.as_str());
        tc.extra
            .insert(XmlString::new("file"), XmlString::new(id.as_str()));
        if let Some(d) = file.duration {
            tc.set_time(d);
        }
        suite.add_test_case(tc);
    }
    if !output_placed {
        // Output with no failing case to attach it to (a file that passed
        // while keeping its tails): keep it on the suite rather than lose it.
        if !file.stdout_tail.is_empty() {
            suite.set_system_out(clean_text(&file.stdout_tail));
        }
        if !file.stderr_tail.is_empty() {
            suite.set_system_err(clean_text(&file.stderr_tail));
        }
    }
    suite
}

/// Puts the file's output tails on `tc`. Returns whether there was any.
fn set_output(tc: &mut TestCase, file: &UnitSummary) -> bool {
    if !file.stdout_tail.is_empty() {
        tc.set_system_out(clean_text(&file.stdout_tail));
    }
    if !file.stderr_tail.is_empty() {
        tc.set_system_err(clean_text(&file.stderr_tail));
    }
    !file.stdout_tail.is_empty() || !file.stderr_tail.is_empty()
}

fn case_name(case: &CaseResult, index: usize) -> String {
    let name = one_line(&case.name);
    if name.trim().is_empty() {
        format!("test {}", case.number.unwrap_or(index as u64 + 1))
    } else {
        name
    }
}

/// `name`, or `name (2)`, `name (3)`, … — the first one not in `used`.
fn unique_name(used: &mut HashSet<String>, name: String) -> String {
    // Compare the names as they will be written.
    let name = XmlString::new(&name).into_string();
    if used.insert(name.clone()) {
        return name;
    }
    let mut k = 2usize;
    loop {
        let candidate = format!("{name} ({k})");
        if used.insert(candidate.clone()) {
            return candidate;
        }
        k += 1;
    }
}

fn case_status(file: &UnitSummary, case: &CaseResult, is_primary: bool) -> TestCaseStatus {
    match case.status {
        CaseStatus::Pass | CaseStatus::TodoPass => TestCaseStatus::success(),
        CaseStatus::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(match case.reason.as_deref().map(one_line) {
                Some(r) if !r.is_empty() => r,
                _ => "skipped".to_string(),
            });
            s
        }
        CaseStatus::TodoFail => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(match case.reason.as_deref().map(one_line) {
                Some(r) if !r.is_empty() => format!("TODO: {r}"),
                _ => "TODO".to_string(),
            });
            s
        }
        CaseStatus::Fail => {
            let exit_code_case = file.protocol == Some(Protocol::ExitCode)
                || (case.line.is_none() && case.number.is_none());
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let mut body = String::new();
            if exit_code_case {
                let reasons = one_line(&file.reasons.join("; "));
                s.set_type("exit-code").set_message(if reasons.is_empty() {
                    "failed".to_string()
                } else {
                    reasons
                });
            } else {
                let line = match &case.line {
                    Some(l) => l.clone(),
                    None => {
                        let n = case.number.map(|n| format!(" {n}")).unwrap_or_default();
                        if case.name.is_empty() {
                            format!("not ok{n}")
                        } else {
                            format!("not ok{n} - {}", case.name)
                        }
                    }
                };
                s.set_type(protocol_type(file.protocol))
                    .set_message(one_line(&line));
                body.push_str(line.trim_end());
                if !case.diagnostics.is_empty() {
                    body.push('\n');
                    body.push_str(case.diagnostics.trim_end());
                }
            }
            if is_primary {
                let context = file_context(file, !exit_code_case);
                if !context.is_empty() {
                    if !body.is_empty() {
                        body.push_str("\n\n");
                    }
                    body.push_str(&context);
                }
            }
            if !body.is_empty() {
                s.set_description(clean_text(&body));
            }
            s
        }
    }
}

/// The file's verdict and reasons, then its output tails, for the body of
/// the test case that carries the file's outcome.
fn file_context(file: &UnitSummary, with_verdict_line: bool) -> String {
    let mut out = String::new();
    if with_verdict_line {
        out.push_str(&format!("{} {}", file.id, file.verdict.label()));
        if !file.reasons.is_empty() {
            out.push_str(": ");
            out.push_str(&file.reasons.join("; "));
        }
    } else {
        out.push_str(&file.reasons.join("\n"));
    }
    for (label, tail) in [("stdout", &file.stdout_tail), ("stderr", &file.stderr_tail)] {
        if tail.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&format!("--- {label} (last lines) ---\n"));
        out.push_str(tail.trim_end());
    }
    clean_text(&out)
}

/// Seconds since the Unix epoch as a time, if representable.
/// Rounded to the millisecond, the precision of the `timestamp` attribute
/// (`1795409198.123` is stored as `…198.12299…`).
fn epoch_secs_to_time(secs: f64) -> Option<SystemTime> {
    let millis = (secs * 1000.0).round();
    if !millis.is_finite() || millis < 0.0 || millis > u64::MAX as f64 {
        return None;
    }
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(millis as u64))
}

/// `s` cleaned ([`clean_text`]) and on one line, for attribute values:
/// line breaks become spaces, blanks around them go.
fn one_line(s: &str) -> String {
    clean_text(s)
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Makes `s` safe and readable as XML 1.0 text.
///
/// Removes ANSI escape sequences (CSI, OSC and two-byte escapes), control
/// characters other than `\n`, C1 controls and the non-characters U+FFFE and
/// U+FFFF; turns `\r\n` and lone `\r` into `\n`; expands tabs to the next
/// multiple of 8 columns. The result contains only characters that
/// quick-junit's [`XmlString`] keeps as they are, so nothing is lost after
/// this point (its own ANSI stripper would otherwise swallow all text after
/// an unterminated escape sequence).
pub(crate) fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut column = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => skip_escape(&mut chars),
            '\n' => {
                out.push('\n');
                column = 0;
            }
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                    column = 0;
                }
            }
            '\t' => {
                let spaces = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => {}
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// Skips the rest of an escape sequence whose ESC was just read.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek().copied() {
        // CSI: parameters and intermediates, then one final byte.
        Some('[') => {
            chars.next();
            while let Some(&c) = chars.peek() {
                if ('\u{20}'..='\u{3f}').contains(&c) {
                    chars.next();
                } else {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        chars.next();
                    }
                    break;
                }
            }
        }
        // OSC (and DCS, SOS, PM, APC strings): up to BEL or ESC \, or the end
        // of the line if unterminated, so a stray opener cannot eat the rest.
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            while let Some(&c) = chars.peek() {
                match c {
                    '\x07' => {
                        chars.next();
                        break;
                    }
                    '\x1b' => {
                        chars.next();
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                    '\n' => break,
                    _ => {
                        chars.next();
                    }
                }
            }
        }
        // A two-character escape (ESC 7, ESC c, ESC ( B is close enough).
        Some(c) if ('\u{20}'..='\u{7e}').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::ChildStatus;

    // ---- building summaries by hand -------------------------------------

    fn case(number: u64, name: &str, status: CaseStatus) -> CaseResult {
        CaseResult {
            number: Some(number),
            name: name.to_string(),
            status,
            reason: None,
            diagnostics: String::new(),
            line: None,
            duration: None,
            ..Default::default()
        }
    }

    fn failing(number: u64, name: &str, diagnostics: &str) -> CaseResult {
        CaseResult {
            diagnostics: diagnostics.to_string(),
            line: Some(format!("not ok {number} - {name}")),
            ..case(number, name, CaseStatus::Fail)
        }
    }

    fn with_reason(mut c: CaseResult, reason: &str) -> CaseResult {
        c.reason = Some(reason.to_string());
        c
    }

    fn file(id: &str, verdict: Verdict, reasons: &[&str], cases: Vec<CaseResult>) -> UnitSummary {
        let mut f = UnitSummary::not_run(id.into(), id.into(), "");
        f.verdict = verdict;
        f.reasons = reasons.iter().map(|r| r.to_string()).collect();
        f.protocol = Some(Protocol::Tap);
        f.status = Some(ChildStatus::Exited { code: 0 });
        f.duration = Some(Duration::from_millis(1250));
        f.started_at = Some(1_795_409_198.123);
        f.worker = Some(0);
        f.attempts = 1;
        f.cases = cases;
        f
    }

    fn exit_file(id: &str, verdict: Verdict, status: CaseStatus, reasons: &[&str]) -> UnitSummary {
        let mut f = file(
            id,
            verdict,
            reasons,
            vec![CaseResult {
                number: None,
                name: id.to_string(),
                status,
                reason: (status == CaseStatus::Skip).then(|| reasons.join("; ")),
                diagnostics: String::new(),
                line: None,
                duration: Some(Duration::from_millis(1250)),
                ..Default::default()
            }],
        );
        f.protocol = Some(Protocol::ExitCode);
        f
    }

    fn summary(files: Vec<UnitSummary>) -> RunSummary {
        crate::testing::SummaryFixture::new(files)
            .run_id("r1")
            .wall(Duration::from_millis(3500))
            .build()
    }

    // ---- reading the XML back -------------------------------------------

    /// Serializes, checks the text is valid XML 1.0 character data, and
    /// parses it back with quick-junit's reader.
    fn round_trip(s: &RunSummary) -> (String, Report) {
        let xml = junit_report(s).to_string().expect("serialize");
        assert_xml_chars(&xml);
        let back = Report::deserialize_from_str(&xml).expect("parse back");
        (xml, back)
    }

    fn assert_xml_chars(xml: &str) {
        for (i, c) in xml.char_indices() {
            let ok = matches!(c, '\t' | '\n' | '\r')
                || ('\u{20}'..='\u{d7ff}').contains(&c)
                || ('\u{e000}'..='\u{fffd}').contains(&c)
                || c >= '\u{10000}';
            assert!(ok, "character {c:?} at byte {i} is not allowed in XML 1.0");
        }
    }

    fn only_suite(r: &Report) -> &TestSuite {
        assert_eq!(r.test_suites.len(), 1, "one suite per file");
        &r.test_suites[0]
    }

    fn counts(s: &TestSuite) -> (usize, usize, usize, usize) {
        (s.tests, s.failures, s.errors, s.skipped)
    }

    fn names(s: &TestSuite) -> Vec<&str> {
        s.test_cases.iter().map(|c| c.name.as_str()).collect()
    }

    fn non_success(c: &TestCase) -> (NonSuccessKind, &str, &str, &str) {
        match &c.status {
            TestCaseStatus::NonSuccess {
                kind,
                message,
                ty,
                description,
                ..
            } => (
                *kind,
                message.as_deref().unwrap_or(""),
                ty.as_deref().unwrap_or(""),
                description.as_deref().unwrap_or(""),
            ),
            other => panic!(
                "{}: expected failure or error, got {other:?}",
                c.name.as_str()
            ),
        }
    }

    fn skipped_message(c: &TestCase) -> &str {
        match &c.status {
            TestCaseStatus::Skipped { message, .. } => message.as_deref().unwrap_or(""),
            other => panic!("{}: expected skipped, got {other:?}", c.name.as_str()),
        }
    }

    fn is_success(c: &TestCase) -> bool {
        matches!(c.status, TestCaseStatus::Success { .. })
    }

    // ---- tests -----------------------------------------------------------

    #[test]
    fn passing_tap_file() {
        let f = file(
            "t/pass.t",
            Verdict::Pass,
            &[],
            vec![
                case(1, "one", CaseStatus::Pass),
                case(2, "two", CaseStatus::Pass),
            ],
        );
        let (xml, r) = round_trip(&summary(vec![f]));
        assert_eq!(r.name.as_ref().map(|n| n.as_str()), Some("ptest"));
        assert_eq!((r.tests, r.failures, r.errors, r.skipped), (2, 0, 0, 0));
        assert_eq!(r.time, Some(Duration::from_millis(3500)));
        let s = only_suite(&r);
        assert_eq!(s.name.as_str(), "t/pass.t");
        assert_eq!(counts(s), (2, 0, 0, 0));
        assert_eq!(s.time, Some(Duration::from_millis(1250)));
        assert_eq!(names(s), ["one", "two"]);
        assert_eq!(s.extra.get("file").map(|v| v.as_str()), Some("t/pass.t"));
        assert_eq!(
            s.timestamp.map(|t| t.timestamp_millis()),
            Some(1_795_409_198_123)
        );
        assert!(s.test_cases.iter().all(is_success));
        for c in &s.test_cases {
            assert_eq!(c.classname.as_ref().map(|n| n.as_str()), Some("t/pass.t"));
            // Case durations unknown and the file has two cases: no time.
            assert_eq!(c.time, None);
        }
        assert!(
            xml.contains(r#"<testsuites name="ptest" tests="2""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"timestamp="2026-11-23T04:46:38.123Z" file="t/pass.t""#),
            "{xml}"
        );
        assert_eq!(xml.matches(r#"file="t/pass.t""#).count(), 3, "{xml}");
        assert!(!xml.contains("(file)"), "{xml}");
    }

    #[test]
    fn tap_failures_skips_and_todos() {
        let mut slow = case(1, "slow", CaseStatus::Pass);
        slow.duration = Some(Duration::from_millis(40));
        let f = file(
            "t/mixed.t",
            Verdict::Fail,
            &["failed test 2", "exited with status 1"],
            vec![
                slow,
                failing(2, "adds", "  got: 1\n  expected: 2"),
                with_reason(case(3, "net", CaseStatus::Skip), "no network"),
                with_reason(case(4, "later", CaseStatus::TodoFail), "not done"),
                with_reason(case(5, "lucky", CaseStatus::TodoPass), "not done"),
                case(6, "", CaseStatus::Skip),
            ],
        );
        let mut f = f;
        f.stderr_tail = "#   Failed test 'adds'\n".into();
        let (xml, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(counts(s), (6, 1, 0, 3));
        assert_eq!(
            names(s),
            ["slow", "adds", "net", "later", "lucky", "test 6"]
        );
        assert_eq!(s.test_cases[0].time, Some(Duration::from_millis(40)));

        let (kind, message, ty, body) = non_success(&s.test_cases[1]);
        assert_eq!(kind, NonSuccessKind::Failure);
        assert_eq!(message, "not ok 2 - adds");
        assert_eq!(ty, "tap");
        assert!(
            body.starts_with("not ok 2 - adds\n  got: 1\n  expected: 2\n\n"),
            "{body}"
        );
        assert!(
            body.contains("t/mixed.t FAIL: failed test 2; exited with status 1"),
            "{body}"
        );
        assert!(
            body.contains("--- stderr (last lines) ---\n#   Failed test 'adds'"),
            "{body}"
        );
        assert_eq!(
            s.test_cases[1].system_err.as_ref().map(|e| e.as_str()),
            // (quick-junit's reader trims text; the file keeps the newline)
            Some("#   Failed test 'adds'")
        );
        assert!(
            xml.contains("<system-err>#   Failed test &apos;adds&apos;\n</system-err>"),
            "{xml}"
        );
        assert_eq!(skipped_message(&s.test_cases[2]), "no network");
        assert_eq!(skipped_message(&s.test_cases[3]), "TODO: not done");
        assert!(is_success(&s.test_cases[4]));
        assert_eq!(skipped_message(&s.test_cases[5]), "skipped");
        // A FAIL with a failing case needs no `(file)` case.
        assert!(!xml.contains("(file)"), "{xml}");
        assert!(s.system_err.is_none(), "output belongs to the failing case");
    }

    #[test]
    fn exit_code_failure() {
        let mut f = exit_file(
            "tests/run.sh",
            Verdict::Fail,
            CaseStatus::Fail,
            &["exited with status 3"],
        );
        f.stdout_tail = "starting\nboom\n".into();
        let (_, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(counts(s), (1, 1, 0, 0));
        let c = &s.test_cases[0];
        assert_eq!(c.name.as_str(), "tests/run.sh");
        assert_eq!(c.time, Some(Duration::from_millis(1250)));
        let (kind, message, ty, body) = non_success(c);
        assert_eq!(kind, NonSuccessKind::Failure);
        assert_eq!((message, ty), ("exited with status 3", "exit-code"));
        assert!(
            body.starts_with("exited with status 3\n\n--- stdout (last lines) ---\nstarting\nboom"),
            "{body}"
        );
        assert_eq!(
            c.system_out.as_ref().map(|o| o.as_str()),
            Some("starting\nboom")
        );
    }

    #[test]
    fn exit_code_skip_77() {
        let f = exit_file(
            "tests/gpu.sh",
            Verdict::Skip,
            CaseStatus::Skip,
            &["skipped: exited with status 77"],
        );
        let (_, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(counts(s), (1, 0, 0, 1));
        assert_eq!(
            skipped_message(&s.test_cases[0]),
            "skipped: exited with status 77"
        );
    }

    #[test]
    fn tap_file_failing_without_failing_case_gets_file_case() {
        let mut f = file(
            "t/noplan.t",
            Verdict::Fail,
            &["no plan", "killed by SIGSEGV"],
            vec![case(1, "a", CaseStatus::Pass)],
        );
        f.status = Some(ChildStatus::Signaled {
            signal: 11,
            name: "SIGSEGV".into(),
        });
        f.stderr_tail = "Segmentation fault\n".into();
        let (_, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(counts(s), (2, 1, 0, 0));
        assert_eq!(names(s), ["a", FILE_CASE_NAME]);
        let file_case = &s.test_cases[1];
        let (kind, message, ty, body) = non_success(file_case);
        assert_eq!(kind, NonSuccessKind::Failure);
        assert_eq!((message, ty), ("no plan; killed by SIGSEGV", "tap"));
        assert!(body.contains("no plan\nkilled by SIGSEGV"), "{body}");
        assert!(body.contains("Segmentation fault"), "{body}");
        assert_eq!(
            file_case.system_err.as_ref().map(|e| e.as_str()),
            Some("Segmentation fault")
        );
        // Two test cases: neither gets the file's duration.
        assert_eq!(file_case.time, None);
        assert!(is_success(&s.test_cases[0]));
    }

    #[test]
    fn junit_protocol_failures_and_exit_status() {
        let report = crate::parse::junit::parse_bytes(
            br#"<testsuite><testcase classname="m" name="ok"/><testcase classname="m" name="bad" time="0.25"><failure message="boom">trace</failure></testcase><testcase name="later"><skipped message="no db"/></testcase></testsuite>"#,
            "t/py.sh",
        )
        .unwrap();
        let mut f = file(
            "t/py.sh",
            Verdict::Fail,
            &["failed test: m.bad", "exited with status 1"],
            report.cases,
        );
        f.protocol = Some(Protocol::Junit);
        f.status = Some(ChildStatus::Exited { code: 1 });
        // All cases pass, but the exit status is bad: a `(file)` case.
        let mut g = file(
            "t/exit.sh",
            Verdict::Fail,
            &["exited with status 3"],
            vec![case(1, "fine", CaseStatus::Pass)],
        );
        g.protocol = Some(Protocol::Junit);
        g.status = Some(ChildStatus::Exited { code: 3 });
        let (_, r) = round_trip(&summary(vec![f, g]));
        let s = &r.test_suites[0];
        assert_eq!(counts(s), (3, 1, 0, 1));
        assert_eq!(names(s), ["m.ok", "m.bad", "later"]);
        assert_eq!(s.test_cases[1].time, Some(Duration::from_millis(250)));
        let (kind, message, ty, body) = non_success(&s.test_cases[1]);
        assert_eq!(kind, NonSuccessKind::Failure);
        assert_eq!((message, ty), ("FAIL m.bad: boom", "junit"));
        assert!(body.starts_with("FAIL m.bad: boom\nboom\ntrace"), "{body}");
        assert_eq!(skipped_message(&s.test_cases[2]), "no db");

        let s = &r.test_suites[1];
        assert_eq!(names(s), ["fine", FILE_CASE_NAME]);
        let (kind, message, ty, _) = non_success(&s.test_cases[1]);
        assert_eq!(kind, NonSuccessKind::Failure);
        assert_eq!((message, ty), ("exited with status 3", "junit"));
    }

    #[test]
    fn timeout_is_an_error_even_next_to_failures() {
        let mut f = file(
            "t/hang.t",
            Verdict::Timeout,
            &["timed out after 30s"],
            vec![case(1, "ok one", CaseStatus::Pass), failing(2, "bad", "")],
        );
        f.status = Some(ChildStatus::TimedOut {
            after: Duration::from_secs(30),
        });
        let (_, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(counts(s), (3, 1, 1, 0));
        assert_eq!(names(s), ["ok one", "bad", FILE_CASE_NAME]);
        let (kind, message, ty, _) = non_success(&s.test_cases[2]);
        assert_eq!(kind, NonSuccessKind::Error);
        assert_eq!((message, ty), ("timed out after 30s", "timeout"));
        // The failing case keeps its own body only.
        let (_, _, _, body) = non_success(&s.test_cases[1]);
        assert_eq!(body, "not ok 2 - bad");
    }

    #[test]
    fn error_file_alone_gets_the_file_duration() {
        let mut f = file(
            "t/noexec.t",
            Verdict::Error,
            &["cannot start: permission denied"],
            vec![],
        );
        f.status = Some(ChildStatus::SpawnFailed {
            reason: "permission denied".into(),
        });
        let (_, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(counts(s), (1, 0, 1, 0));
        let c = &s.test_cases[0];
        assert_eq!(c.name.as_str(), FILE_CASE_NAME);
        assert_eq!(c.time, Some(Duration::from_millis(1250)));
        let (kind, message, ty, _) = non_success(c);
        assert_eq!(kind, NonSuccessKind::Error);
        assert_eq!((message, ty), ("cannot start: permission denied", "error"));
    }

    #[test]
    fn not_run_files_are_skipped() {
        let bailed = UnitSummary::not_run(
            "t/b.t".into(),
            "t/b.t".into(),
            "not run: an earlier file bailed out",
        );
        let mut stopped = UnitSummary::not_run(
            "t/c.t".into(),
            "t/c.t".into(),
            "stopped: the run was interrupted",
        );
        stopped.stdout_tail = "half".into();
        let (xml, r) = round_trip(&summary(vec![bailed, stopped]));
        assert_eq!((r.tests, r.failures, r.errors, r.skipped), (2, 0, 0, 2));
        let b = &r.test_suites[0];
        assert_eq!(counts(b), (1, 0, 0, 1));
        assert_eq!(b.test_cases[0].name.as_str(), FILE_CASE_NAME);
        assert_eq!(
            skipped_message(&b.test_cases[0]),
            "not run: an earlier file bailed out"
        );
        assert_eq!(b.time, None);
        assert_eq!(b.test_cases[0].time, None);
        let c = &r.test_suites[1];
        assert_eq!(
            skipped_message(&c.test_cases[0]),
            "not run: stopped: the run was interrupted"
        );
        assert_eq!(
            c.test_cases[0].system_out.as_ref().map(|o| o.as_str()),
            Some("half")
        );
        // No start time: no timestamp attribute on those suites.
        assert!(!xml.contains("timestamp="), "{xml}");
    }

    #[test]
    fn interrupted_files_are_errors_and_keep_their_cases() {
        let f = file(
            "t/slow.t",
            Verdict::Interrupted,
            &["stopped by ptest: the run was interrupted"],
            vec![case(1, "first", CaseStatus::Pass)],
        );
        let (_, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(counts(s), (2, 0, 1, 0));
        assert_eq!(s.test_cases[0].name.as_str(), "first");
        let (kind, message, ty, _) = non_success(&s.test_cases[1]);
        assert_eq!(kind, NonSuccessKind::Error);
        assert_eq!(
            (message, ty),
            ("stopped by ptest: the run was interrupted", "interrupted")
        );
    }

    #[test]
    fn skip_all_file() {
        let f = file(
            "t/win32.t",
            Verdict::Skip,
            &["skipped: not on Windows"],
            vec![],
        );
        let (_, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(counts(s), (1, 0, 0, 1));
        assert_eq!(s.test_cases[0].name.as_str(), FILE_CASE_NAME);
        assert_eq!(skipped_message(&s.test_cases[0]), "skipped: not on Windows");
    }

    #[test]
    fn duplicate_names_are_made_unique() {
        let dup_file = || {
            file(
                "t/dup.t",
                Verdict::Fail,
                &["no plan"],
                vec![
                    case(1, "same", CaseStatus::Pass),
                    case(2, "same", CaseStatus::Pass),
                    case(3, "same (2)", CaseStatus::Pass),
                    case(4, "same", CaseStatus::Pass),
                    case(5, "(file)", CaseStatus::Pass),
                    case(6, "", CaseStatus::Pass),
                    case(7, "test 6", CaseStatus::Pass),
                    case(8, "a\x1b[31m", CaseStatus::Pass),
                    case(9, "a", CaseStatus::Pass),
                ],
            )
        };
        let f = dup_file();
        let (_, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(
            names(s),
            [
                "same",
                "same (2)",
                "same (2) (2)",
                "same (3)",
                "(file) (2)",
                "test 6",
                "test 6 (2)",
                "a",
                "a (2)",
                FILE_CASE_NAME,
            ]
        );
        let unique: HashSet<_> = names(s).into_iter().collect();
        assert_eq!(unique.len(), s.test_cases.len());
        // Deterministic.
        let (_, again) = round_trip(&summary(vec![dup_file()]));
        assert_eq!(names(only_suite(&again)), names(s));
    }

    #[test]
    fn control_bytes_in_output_and_names_stay_valid_xml() {
        let nasty = "red \x1b[31mERR\x1b[0m\tcol\r\nnul[\0] bell[\x07] vt[\x0b] del[\x7f] c1[\u{85}\u{9b}]\
                     nonchars[\u{fffe}\u{ffff}] osc[\x1b]0;title\x07] stray osc \x1b]8;;\nafter\nlone esc \x1b";
        let mut f = file(
            "t/ctl\x01.t",
            Verdict::Fail,
            &["failed test 1", "bad\u{ffff}reason"],
            vec![CaseResult {
                diagnostics: format!("diag {nasty}"),
                line: Some("not ok 1 - x\x02y".into()),
                ..case(1, "x\x02y\u{fffe}", CaseStatus::Fail)
            }],
        );
        f.stdout_tail = nasty.into();
        f.stderr_tail = nasty.into();
        let (xml, r) = round_trip(&summary(vec![f]));
        let s = only_suite(&r);
        assert_eq!(s.name.as_str(), "t/ctl.t");
        let c = &s.test_cases[0];
        assert_eq!(c.name.as_str(), "xy");
        let expected =
            "red ERR col\nnul[] bell[] vt[] del[] c1[]nonchars[] osc[] stray osc \nafter\nlone esc";
        assert!(
            xml.contains(&format!("<system-out>{expected} </system-out>")),
            "{xml}"
        );
        assert_eq!(c.system_out.as_ref().map(|o| o.as_str()), Some(expected));
        assert_eq!(c.system_err.as_ref().map(|o| o.as_str()), Some(expected));
        let (_, message, _, body) = non_success(c);
        assert_eq!(message, "not ok 1 - xy");
        assert!(body.contains("badreason"), "{body}");
        assert!(
            body.contains("after"),
            "text after an unterminated escape is kept: {body}"
        );
        assert!(!xml.contains('\u{1b}'));
    }

    #[test]
    fn attribute_values_are_cleaned_and_on_one_line() {
        let error = file(
            "t/err\n.t",
            Verdict::Error,
            &[
                "cannot read output:\u{ffff} bad\x1b[1m bytes",
                "second\r\nline",
            ],
            vec![],
        );
        let skips = file(
            "t/skips.t",
            Verdict::Pass,
            &[],
            vec![
                with_reason(
                    case(1, "a", CaseStatus::Skip),
                    "needs\u{fffe} \x1b[31mroot\x1b[0m",
                ),
                with_reason(case(2, "b", CaseStatus::TodoFail), "multi\nline\x00"),
            ],
        );
        let (xml, r) = round_trip(&summary(vec![error, skips]));
        let e = &r.test_suites[0];
        assert_eq!(e.name.as_str(), "t/err .t");
        let (_, message, _, body) = non_success(&e.test_cases[0]);
        assert_eq!(message, "cannot read output: bad bytes; second line");
        assert_eq!(body, "cannot read output: bad bytes\nsecond\nline");
        let s = &r.test_suites[1];
        assert_eq!(skipped_message(&s.test_cases[0]), "needs root");
        assert_eq!(skipped_message(&s.test_cases[1]), "TODO: multi line");
        assert!(!xml.contains("&#10;") && !xml.contains("&#13;"), "{xml}");
    }

    #[test]
    fn clean_text_output_is_kept_verbatim_by_quick_junit() {
        let inputs = [
            "plain",
            "\x1b[1;31mbold red\x1b[0m and \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
            "tab\there\tand\tthere",
            "\x1b(Bcharset",
            "unterminated \x1b[12",
            "ünïcödé ✓ 🎉 \u{a0}",
        ];
        for input in inputs {
            let cleaned = clean_text(input);
            assert_eq!(XmlString::new(&cleaned).as_str(), cleaned, "{input:?}");
        }
        assert_eq!(
            clean_text("a\tb\n12345678\tc"),
            "a       b\n12345678        c"
        );
        assert_eq!(clean_text("x\r\ny\rz"), "x\ny\nz");
        assert_eq!(
            clean_text("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ ok"),
            "link ok"
        );
    }

    #[test]
    fn suites_follow_summary_order_and_totals_add_up() {
        let files = vec![
            file(
                "a.t",
                Verdict::Pass,
                &[],
                vec![case(1, "x", CaseStatus::Pass)],
            ),
            file(
                "b.t",
                Verdict::Fail,
                &["failed test 1"],
                vec![failing(1, "y", "")],
            ),
            file("c.t", Verdict::Error, &["cannot read output: gone"], vec![]),
        ];
        let (_, r) = round_trip(&summary(files));
        let suite_names: Vec<_> = r.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(suite_names, ["a.t", "b.t", "c.t"]);
        assert_eq!((r.tests, r.failures, r.errors, r.skipped), (3, 1, 1, 0));
    }

    #[test]
    fn write_junit_is_atomic_and_creates_directories() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("reports/junit/out.xml");
        let s = summary(vec![file(
            "a.t",
            Verdict::Pass,
            &[],
            vec![case(1, "x", CaseStatus::Pass)],
        )]);
        write_junit(&s, &path).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{text}"
        );
        let back = Report::deserialize_from_str(&text).expect("parse");
        assert_eq!(
            (back.tests, back.failures, back.errors, back.skipped),
            (1, 0, 0, 0)
        );
        assert_eq!(back.test_suites[0].name.as_str(), "a.t");
        let listing: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(listing, [std::ffi::OsString::from("out.xml")]);

        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").expect("touch");
        let err = write_junit(&s, &blocker.join("x.xml")).expect_err("parent is a file");
        assert!(matches!(err, JunitWriteError::CreateDir { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&blocker.display().to_string()),
            "{err}"
        );
    }
}
