//! The TAP parser on arbitrary bytes.
//!
//! Checks: no panic; the report is bounded (cases, problems, diagnostics);
//! `tests_run == cases.len() + omitted_cases`; reading through a tiny buffer
//! gives the same report as reading the whole slice; and a top-level line
//! that is exactly `not ok` always makes the report failing (a `Fail` case,
//! a problem, or a bail out).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptest::parse::tap::{self, MAX_CASE_DIAGNOSTICS_BYTES, MAX_EXTRA_FAILURES, MAX_LINE_BYTES};
use ptest::parse::tap::{MAX_PROBLEMS, MAX_STORED_CASES, MAX_TOTAL_DIAGNOSTICS_BYTES};
use ptest::parse::CaseStatus;
use std::io::BufReader;

/// Room for the `[diagnostics truncated]` marker and its newline.
const MARKER: usize = 64;
/// Problem messages are clipped to 1 KiB (private `MAX_MESSAGE_BYTES`);
/// end-of-stream ones are short. Generous on purpose.
const MAX_PROBLEM_BYTES: usize = 4 * 1024;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = tap::parse_reader(data) else {
        panic!("reading a slice cannot fail");
    };
    let lines = data.split(|&b| b == b'\n').count();

    assert_eq!(
        report.tests_run,
        report.cases.len() as u64 + report.omitted_cases
    );
    assert!(report.cases.len() <= lines);
    assert!(report.cases.len() <= MAX_STORED_CASES + MAX_EXTRA_FAILURES);
    assert!(
        report.problems.len() <= MAX_PROBLEMS + 3,
        "{:?}",
        report.problems
    );
    assert!(report.problems.iter().all(|p| p.len() <= MAX_PROBLEM_BYTES));
    let mut diagnostics = 0;
    for case in &report.cases {
        assert!(case.name.len() <= MAX_LINE_BYTES);
        assert!(case
            .reason
            .as_ref()
            .is_none_or(|r| r.len() <= MAX_LINE_BYTES));
        assert!(case.line.as_ref().is_none_or(|l| l.len() <= MAX_LINE_BYTES));
        assert!(case.diagnostics.len() <= MAX_CASE_DIAGNOSTICS_BYTES + MARKER);
        diagnostics += case.diagnostics.len();
    }
    assert!(diagnostics <= MAX_TOTAL_DIAGNOSTICS_BYTES + MARKER * report.cases.len());

    // Streaming: a 3-byte buffer must not change anything.
    let small = tap::parse_reader(BufReader::with_capacity(3, data)).ok();
    assert_eq!(small.as_ref(), Some(&report));

    // A top-level `not ok` is never lost.
    let has_not_ok = data.split(|&b| b == b'\n').enumerate().any(|(i, line)| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = if i == 0 {
            line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line)
        } else {
            line
        };
        line == b"not ok"
    });
    if has_not_ok {
        let failing = report.bail_out.is_some()
            || !report.problems.is_empty()
            || report.cases.iter().any(|c| c.status == CaseStatus::Fail);
        assert!(failing, "`not ok` read as passing: {report:?}");
    }
});
