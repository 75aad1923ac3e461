//! The JUnit reader on arbitrary bytes.
//!
//! Checks: no panic; counts are consistent (`cases.len() + omitted_cases ==
//! total`, per-status counts cover the stored cases, exactly when nothing
//! was omitted); cases are numbered 1, 2, … in order; names, lines and
//! diagnostics are bounded; and reading through a tiny buffer gives the
//! same result (report or error) as reading the whole slice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptest::parse::junit::{self, MAX_CASE_DIAGNOSTICS_BYTES, MAX_EXTRA_FAILURES};
use ptest::parse::junit::{MAX_LINE_CHARS, MAX_STORED_CASES, MAX_TOTAL_DIAGNOSTICS_BYTES};
use ptest::parse::CaseStatus;
use std::io::BufReader;

/// The id of the test file that "wrote" the report (pytest-style, so names
/// get shortened).
const FILE: &str = "tests/test_db.py";
/// Room for the `[diagnostics truncated]` marker and its newline.
const MARKER: usize = 64;
/// `name` and `classname` are each capped at 4 KiB (private
/// `MAX_ATTR_BYTES`), plus `…` and a dot.
const MAX_NAME_BYTES: usize = 2 * (4 * 1024 + 3) + 1;

fuzz_target!(|data: &[u8]| {
    let whole = junit::parse_bytes(data, FILE);
    let small = junit::parse_reader(BufReader::with_capacity(3, data), FILE);
    assert_eq!(whole, small, "buffer size changed the result");
    let Ok(report) = whole else { return };

    assert_eq!(
        report.total(),
        report.cases.len() as u64 + report.omitted_cases
    );
    assert!(report.cases.len() <= MAX_STORED_CASES + MAX_EXTRA_FAILURES);
    let count = |s: CaseStatus| report.cases.iter().filter(|c| c.status == s).count() as u64;
    let (pass, fail, skip) = (
        count(CaseStatus::Pass),
        count(CaseStatus::Fail),
        count(CaseStatus::Skip),
    );
    assert_eq!(
        pass + fail + skip,
        report.cases.len() as u64,
        "only pass/fail/skip"
    );
    assert!(pass <= report.passed && fail <= report.failed && skip <= report.skipped);
    if report.omitted_cases == 0 {
        assert_eq!(
            (pass, fail, skip),
            (report.passed, report.failed, report.skipped)
        );
    }
    let mut diagnostics = 0;
    let mut last = 0;
    for case in &report.cases {
        let number = case.number.expect("JUnit cases are numbered");
        assert!(number > last, "numbers must increase");
        last = number;
        assert!(case.name.len() <= MAX_NAME_BYTES);
        assert!(case
            .reason
            .as_ref()
            .is_none_or(|r| r.len() <= MAX_NAME_BYTES));
        // `ERROR <name>: <message>`, each one-lined to MAX_LINE_CHARS + `…`.
        assert!(case
            .line
            .as_ref()
            .is_none_or(|l| l.chars().count() <= 2 * MAX_LINE_CHARS + 32));
        assert_eq!(case.line.is_some(), case.status == CaseStatus::Fail);
        assert!(case.diagnostics.len() <= MAX_CASE_DIAGNOSTICS_BYTES + MARKER);
        diagnostics += case.diagnostics.len();
    }
    assert!(diagnostics <= MAX_TOTAL_DIAGNOSTICS_BYTES + MARKER * report.cases.len());
    assert!(last <= report.total());
});
