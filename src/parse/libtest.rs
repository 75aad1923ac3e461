//! libtest's own output: what a Rust test binary prints when it runs one
//! test (`BIN --exact NAME --nocapture`, as `ptest cargo` starts it).
//!
//! On stdout:
//!
//! ```text
//! running 1 test
//! test tests::adds ... ok
//!
//! test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 4 filtered out; finished in 0.00s
//! ```
//!
//! A test line's status is `ok`, `FAILED` or `ignored` (`ignored, REASON`
//! with `#[ignore = "REASON"]`). With `--nocapture` and one test thread
//! libtest prints `test NAME ... ` before the test runs, so the test's own
//! output may stand between the name and the status; the status is then
//! the first later line that ends in one, and otherwise the `test result:`
//! counts decide.
//!
//! On stderr, a panic (with `--nocapture` it is not captured):
//!
//! ```text
//! thread 'tests::fails' panicked at src/lib.rs:10:5:
//! assertion `left == right` failed
//! note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
//! ```
//!
//! (before Rust 1.73: `thread 'NAME' panicked at 'MESSAGE', src/lib.rs:10:5`).
//! Both forms give a [`Panic`] with its location and message.
//!
//! A binary run whole (a `[[runner]]` with `protocol = "libtest"`, e.g.
//! `BIN` or `BIN --test-threads 1`) prints `running 12 tests`, one `test
//! NAME ... STATUS` line per test (`test NAME - should panic ... ok` for a
//! `#[should_panic]` test: NAME is the part before ` - `) and, as it
//! captures each test's output, the failures' panics on stdout:
//!
//! ```text
//! failures:
//!
//! ---- tests::fails stdout ----
//!
//! thread 'tests::fails' panicked at src/lib.rs:10:5:
//! boom
//!
//!
//! failures:
//!     tests::fails
//!
//! test result: FAILED. 11 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
//! ```
//!
//! Each `---- NAME stdout ----` section is that test's captured output: its
//! panics count as the test's (on its thread), like those on stderr.
//!
//! [`parse`] is pure: bytes in, a [`LibtestReport`] out; output that is
//! not libtest's is a report with nothing in it, judged by the merge stage.

use super::{CaseResult, CaseStatus};

/// What one run of a libtest binary printed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LibtestReport {
    /// `running N tests`: how many tests libtest said it would run.
    pub running: Option<u64>,
    /// One result per `test NAME ... STATUS` line.
    pub cases: Vec<CaseResult>,
    /// The `test result:` line's counts.
    pub summary: Option<Counts>,
    /// Panics found on stderr, in order.
    pub panics: Vec<Panic>,
    /// Tests whose `test NAME ... ` line libtest printed (with
    /// `--nocapture`, before the test ran) but never finished with a
    /// status, and that no `test result:` line accounts for: the process
    /// ended inside them (a test that called `process::exit`).
    pub unreported: Vec<String>,
}

impl LibtestReport {
    /// Records that the run was asked for test `name` (`BIN --exact NAME`,
    /// as `ptest cargo` starts it): when the process ended before libtest's
    /// `test result:` line without a `test NAME ... STATUS` line for it,
    /// `name` joins [`LibtestReport::unreported`]. (libtest prints a test's
    /// name only when it finishes, unless it runs on the main thread.)
    pub fn expect(&mut self, name: &str) {
        let reported = self.cases.iter().any(|c| c.name == name);
        if self.summary.is_none() && !reported && !self.unreported.iter().any(|n| n == name) {
            self.unreported.push(name.to_string());
        }
    }
}

/// The counts of a `test result:` line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// `N passed`.
    pub passed: u64,
    /// `N failed`.
    pub failed: u64,
    /// `N ignored`.
    pub ignored: u64,
    /// `N measured` (benchmarks).
    pub measured: u64,
    /// `N filtered out`.
    pub filtered_out: u64,
}

impl Counts {
    /// Tests that ran or were ignored (not filtered out).
    pub fn total(&self) -> u64 {
        self.passed + self.failed + self.ignored + self.measured
    }
}

/// One `thread '…' panicked at …` on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    /// The thread's name (a test's thread is named after the test).
    pub thread: String,
    /// `src/lib.rs:10:5`, when printed.
    pub location: Option<String>,
    /// The panic message (several lines joined by `\n`; may be empty).
    pub message: String,
}

impl Panic {
    /// `panicked at src/lib.rs:10:5: MESSAGE` (the message's first lines).
    pub fn reason(&self) -> String {
        let message: Vec<&str> = self.message.lines().take(MESSAGE_LINES).collect();
        let message = message.join(" / ");
        match (&self.location, message.is_empty()) {
            (Some(at), true) => format!("panicked at {at}"),
            (Some(at), false) => format!("panicked at {at}: {message}"),
            (None, true) => "panicked".to_string(),
            (None, false) => format!("panicked: {message}"),
        }
    }
}

/// Lines of a panic message kept in a failure reason.
const MESSAGE_LINES: usize = 4;

/// Parses a libtest binary's stdout and stderr (see the module docs).
pub fn parse(stdout: &[u8], stderr: &[u8]) -> LibtestReport {
    let stdout = String::from_utf8_lossy(stdout);
    let mut report = LibtestReport::default();
    let mut pending: Option<String> = None;
    // Captured output of failed tests: (test name, its lines).
    let mut sections: Vec<(String, Vec<&str>)> = Vec::new();
    let mut in_section = false;
    let mut unfinished: Vec<String> = Vec::new();
    for line in stdout.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(name) = section_head(line) {
            sections.push((name.to_string(), Vec::new()));
            in_section = true;
            continue;
        }
        if in_section {
            if line == "failures:" || line.starts_with("test result: ") {
                in_section = false;
            } else if let Some((_, lines)) = sections.last_mut() {
                lines.push(line);
                continue;
            }
        }
        if let Some(n) = running(line) {
            report.running = Some(n);
        } else if let Some(rest) = line.strip_prefix("test result: ") {
            report.summary = counts(rest);
        } else if let Some((name, rest)) = test_line(line) {
            match status_of(rest) {
                Some((status, reason)) => report.cases.push(case(name, status, reason)),
                None => {
                    // A test started before the last one reported a
                    // status we could read.
                    unfinished.extend(pending.take());
                    pending = Some(name.to_string());
                }
            }
        } else if let Some(name) = &pending {
            if let Some((status, reason)) = trailing_status(line) {
                report.cases.push(case(name, status, reason));
                pending = None;
            }
        }
    }
    if let Some(name) = pending {
        let status = match report.summary {
            Some(c) if c.failed > 0 => Some(CaseStatus::Fail),
            Some(c) if c.passed > 0 => Some(CaseStatus::Pass),
            Some(c) if c.ignored > 0 => Some(CaseStatus::Skip),
            Some(_) | None => None,
        };
        match status {
            Some(status) => report.cases.push(case(&name, status, None)),
            None => unfinished.push(name),
        }
    }
    if report.summary.is_none() {
        report.unreported = unfinished;
    }
    report.panics = panics(&String::from_utf8_lossy(stderr));
    for (name, lines) in &sections {
        report
            .panics
            .extend(panics(&lines.join("\n")).into_iter().map(|mut p| {
                // A captured panic on a thread of its own is still the test's.
                if p.thread != *name && !report.cases.iter().any(|c| c.name == p.thread) {
                    p.thread = name.clone();
                }
                p
            }));
    }
    attach_panics(&mut report);
    report
}

/// A failing case gets its panic (the one on its thread, else the first)
/// as its line and diagnostics, which reports show as the failure.
fn attach_panics(report: &mut LibtestReport) {
    for case in report.cases.iter_mut().filter(|c| c.status.is_failure()) {
        let panic = report
            .panics
            .iter()
            .find(|p| p.thread == case.name)
            .or(report.panics.first());
        if let Some(panic) = panic {
            case.line = Some(panic.reason());
            case.diagnostics = match &panic.location {
                Some(at) => format!("panicked at {at}:\n{}", panic.message),
                None => panic.message.clone(),
            };
        }
    }
}

fn case(name: &str, status: CaseStatus, reason: Option<String>) -> CaseResult {
    CaseResult {
        number: None,
        name: name.to_string(),
        status,
        reason,
        diagnostics: String::new(),
        line: status
            .is_failure()
            .then(|| format!("test {name} ... FAILED")),
        duration: None,
        ..Default::default()
    }
}

/// `running 1 test` / `running 3 tests`.
fn running(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("running ")?;
    let n = rest
        .strip_suffix(" tests")
        .or_else(|| rest.strip_suffix(" test"))?;
    n.parse().ok()
}

/// `test NAME ... REST` → (NAME, REST); `test NAME - should panic ...
/// REST` too.
fn test_line(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("test ")?;
    let (name, status) = rest.split_once(" ... ")?;
    let name = name.strip_suffix(" - should panic").unwrap_or(name);
    Some((name, status))
}

/// `---- NAME stdout ----` → NAME: a failed test's captured output follows.
fn section_head(line: &str) -> Option<&str> {
    line.strip_prefix("---- ")?.strip_suffix(" stdout ----")
}

/// A status word: `ok`, `FAILED`, `ignored`, `ignored, REASON` (libtest,
/// `#[ignore = "REASON"]`), `ignored (REASON)` (libtest-mimic, a trial
/// ignored when it ran).
fn status_of(text: &str) -> Option<(CaseStatus, Option<String>)> {
    match text.trim() {
        "ok" => Some((CaseStatus::Pass, None)),
        "FAILED" => Some((CaseStatus::Fail, None)),
        "ignored" => Some((CaseStatus::Skip, None)),
        other => {
            let reason = other.strip_prefix("ignored, ").or_else(|| {
                other
                    .strip_prefix("ignored (")
                    .and_then(|r| r.strip_suffix(')'))
            })?;
            Some((CaseStatus::Skip, Some(reason.to_string())))
        }
    }
}

/// A status at the end of a line the test's own output started.
fn trailing_status(line: &str) -> Option<(CaseStatus, Option<String>)> {
    ["ok", "FAILED", "ignored"]
        .iter()
        .find_map(|word| line.strip_suffix(word).and_then(|_| status_of(word)))
}

/// `ok. 1 passed; 0 failed; 0 ignored; 0 measured; 2 filtered out; finished in 0.00s`.
fn counts(rest: &str) -> Option<Counts> {
    let (_, numbers) = rest.split_once(". ")?;
    let mut counts = Counts::default();
    for part in numbers.split(';') {
        let part = part.trim();
        let Some((n, what)) = part.split_once(' ') else {
            continue;
        };
        let Ok(n) = n.parse::<u64>() else { continue };
        match what {
            "passed" => counts.passed = n,
            "failed" => counts.failed = n,
            "ignored" => counts.ignored = n,
            "measured" => counts.measured = n,
            "filtered out" => counts.filtered_out = n,
            _ => {}
        }
    }
    Some(counts)
}

/// `T' panicked at REST` or, since Rust 1.89, `T' (ID) panicked at REST`
/// (the thread's id) → (T, REST).
fn panic_head(text: &str) -> Option<(&str, &str)> {
    let (thread, rest) = text.split_once("' ")?;
    let rest = match rest.strip_prefix('(') {
        Some(id) => {
            let (digits, after) = id.split_once(") ")?;
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            after
        }
        None => rest,
    };
    Some((thread, rest.strip_prefix("panicked at ")?))
}

/// Every `thread 'T' panicked at …` on stderr, with its message.
fn panics(stderr: &str) -> Vec<Panic> {
    let mut found = Vec::new();
    let mut lines = stderr.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("thread '") else {
            continue;
        };
        let Some((thread, rest)) = panic_head(rest) else {
            continue;
        };
        let panic = match rest.strip_prefix('\'') {
            // Before Rust 1.73: `panicked at 'MESSAGE', LOCATION`.
            Some(old) => match old.rsplit_once("', ") {
                Some((message, at)) => Panic {
                    thread: thread.to_string(),
                    location: Some(at.to_string()),
                    message: message.to_string(),
                },
                None => Panic {
                    thread: thread.to_string(),
                    location: None,
                    message: old.to_string(),
                },
            },
            None => {
                let mut message = Vec::new();
                while let Some(next) = lines.peek() {
                    if next.starts_with("note: ")
                        || next.starts_with("stack backtrace:")
                        || next.starts_with("thread '")
                    {
                        break;
                    }
                    message.push(*next);
                    lines.next();
                }
                Panic {
                    thread: thread.to_string(),
                    location: Some(rest.trim_end_matches(':').to_string()),
                    message: message.join("\n").trim_end().to_string(),
                }
            }
        };
        found.push(panic);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSED: &str = "\nrunning 1 test\ntest tests::adds ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 4 filtered out; finished in 0.00s\n\n";

    #[test]
    fn a_passing_test_has_its_case_and_counts() {
        let r = parse(PASSED.as_bytes(), b"");
        assert_eq!(r.running, Some(1));
        assert_eq!(r.cases.len(), 1);
        assert_eq!(r.cases[0].name, "tests::adds");
        assert_eq!(r.cases[0].status, CaseStatus::Pass);
        let c = r.summary.unwrap();
        assert_eq!(
            (c.passed, c.failed, c.filtered_out, c.total()),
            (1, 0, 4, 1)
        );
        assert!(r.panics.is_empty());
    }

    #[test]
    fn a_panic_gives_its_location_and_message() {
        let out = "\nrunning 1 test\ntest tests::fails ... FAILED\n\nfailures:\n\nfailures:\n    tests::fails\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        let err = "\nthread 'tests::fails' panicked at src/lib.rs:10:5:\nassertion `left == right` failed\n  left: 1\n right: 2\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        let r = parse(out.as_bytes(), err.as_bytes());
        assert_eq!(r.cases[0].status, CaseStatus::Fail);
        assert_eq!(
            r.cases[0].line.as_deref(),
            Some(r.panics[0].reason().as_str())
        );
        assert!(r.cases[0]
            .diagnostics
            .starts_with("panicked at src/lib.rs:10:5:\nassertion"));
        assert_eq!(r.summary.unwrap().failed, 1);
        assert_eq!(r.panics.len(), 1);
        let p = &r.panics[0];
        assert_eq!(p.thread, "tests::fails");
        assert_eq!(p.location.as_deref(), Some("src/lib.rs:10:5"));
        assert_eq!(
            p.message,
            "assertion `left == right` failed\n  left: 1\n right: 2"
        );
        assert_eq!(
            p.reason(),
            "panicked at src/lib.rs:10:5: assertion `left == right` failed /   left: 1 /  right: 2"
        );
    }

    #[test]
    fn a_thread_id_after_the_name_is_read_past() {
        let err = "thread 'tests::panics' (5312) panicked at calc/src/lib.rs:28:9:\nboom at the disco\nstack backtrace:\n   0: x\n";
        let p = &parse(b"", err.as_bytes()).panics[0];
        assert_eq!(p.thread, "tests::panics");
        assert_eq!(
            p.reason(),
            "panicked at calc/src/lib.rs:28:9: boom at the disco"
        );
    }

    #[test]
    fn the_old_panic_format_is_read_too() {
        let err = "thread 'main' panicked at 'boom', src/main.rs:2:5\n";
        let p = &parse(b"", err.as_bytes()).panics[0];
        assert_eq!(
            (p.message.as_str(), p.location.as_deref()),
            ("boom", Some("src/main.rs:2:5"))
        );
        assert_eq!(p.reason(), "panicked at src/main.rs:2:5: boom");
    }

    #[test]
    fn output_between_name_and_status_is_skipped() {
        let out = "running 1 test\ntest slow ... hello from the test\nmore ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.00s\n";
        let r = parse(out.as_bytes(), b"");
        assert_eq!(r.cases.len(), 1);
        assert_eq!(
            (r.cases[0].name.as_str(), r.cases[0].status),
            ("slow", CaseStatus::Pass)
        );
        let out = "running 1 test\ntest quiet ... said nothing useful\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        let r = parse(out.as_bytes(), b"");
        assert_eq!(r.cases[0].status, CaseStatus::Fail);
    }

    #[test]
    fn ignored_with_a_reason_and_zero_tests() {
        let out = "running 1 test\ntest db ... ignored, needs a database\n\ntest result: ok. 0 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        let r = parse(out.as_bytes(), b"");
        assert_eq!(r.cases[0].status, CaseStatus::Skip);
        assert_eq!(r.cases[0].reason.as_deref(), Some("needs a database"));
        let mimic = "running 1 test\ntest t/win.t ... ignored (skipped: Windows-only checks)\n\ntest result: ok. 0 passed; 0 failed; 1 ignored; 0 measured; 15 filtered out; finished in 0.24s\n";
        let r = parse(mimic.as_bytes(), b"");
        assert_eq!(r.cases[0].status, CaseStatus::Skip);
        assert_eq!(
            r.cases[0].reason.as_deref(),
            Some("skipped: Windows-only checks")
        );
        let none = "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 5 filtered out; finished in 0.00s\n";
        let r = parse(none.as_bytes(), b"");
        assert_eq!((r.running, r.summary.unwrap().total()), (Some(0), 0));
        assert!(r.cases.is_empty());
    }

    /// What `BIN` prints when run whole: many tests, output captured, the
    /// failures' panics in `---- NAME stdout ----` sections.
    const WHOLE: &str = "
running 5 tests
test tests::adds ... ok
test tests::db ... ignored, needs a database
test tests::fails ... FAILED
test tests::panics - should panic ... ok
test tests::boom ... FAILED

failures:

---- tests::fails stdout ----
some output of the test
thread 'tests::fails' panicked at src/lib.rs:10:5:
assertion `left == right` failed
  left: 1
 right: 2
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- tests::boom stdout ----

thread '<unnamed>' panicked at src/lib.rs:20:9:
boom in a thread


failures:
    tests::boom
    tests::fails

test result: FAILED. 2 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s

";

    #[test]
    fn a_binary_run_whole_gives_a_case_per_test_with_its_panic() {
        let r = parse(WHOLE.as_bytes(), b"");
        assert_eq!(r.running, Some(5));
        let cases: Vec<(&str, CaseStatus)> = r
            .cases
            .iter()
            .map(|c| (c.name.as_str(), c.status))
            .collect();
        assert_eq!(
            cases,
            [
                ("tests::adds", CaseStatus::Pass),
                ("tests::db", CaseStatus::Skip),
                ("tests::fails", CaseStatus::Fail),
                ("tests::panics", CaseStatus::Pass),
                ("tests::boom", CaseStatus::Fail),
            ]
        );
        assert_eq!(r.cases[1].reason.as_deref(), Some("needs a database"));
        let fails = &r.cases[2];
        assert_eq!(
            fails.line.as_deref(),
            Some("panicked at src/lib.rs:10:5: assertion `left == right` failed /   left: 1 /  right: 2")
        );
        assert!(fails
            .diagnostics
            .starts_with("panicked at src/lib.rs:10:5:\nassertion"));
        assert_eq!(
            r.cases[4].line.as_deref(),
            Some("panicked at src/lib.rs:20:9: boom in a thread")
        );
        let c = r.summary.unwrap();
        assert_eq!((c.passed, c.failed, c.ignored, c.total()), (2, 2, 1, 5));
        assert_eq!(r.panics.len(), 2);
    }

    #[test]
    fn what_is_not_libtest_output_gives_an_empty_report() {
        let r = parse(b"hello\nworld\n\xff\xfe", b"oops\n");
        assert_eq!(r, LibtestReport::default());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_without_panicking(out: Vec<u8>, err: Vec<u8>) {
            let _ = parse(&out, &err);
        }

        #[test]
        fn a_test_line_round_trips(name in "[a-z_:]{1,30}", ok: bool) {
            let text = format!("running 1 test\ntest {name} ... {}\n", if ok { "ok" } else { "FAILED" });
            let r = parse(text.as_bytes(), b"");
            proptest::prop_assert_eq!(r.cases.len(), 1);
            proptest::prop_assert_eq!(&r.cases[0].name, &name);
            proptest::prop_assert_eq!(r.cases[0].status.is_failure(), !ok);
        }
    }
}
