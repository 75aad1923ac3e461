//! The libtest parser (`ptest cargo`) on arbitrary stdout and stderr: the
//! input is split at its first NUL byte into the two.
//!
//! Checks: no panic; at most one case per stdout line and one panic per
//! stderr line; every failing case that got a panic carries it as its line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptest::parse::libtest;

fuzz_target!(|data: &[u8]| {
    let (stdout, stderr) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let report = libtest::parse(stdout, stderr);
    assert!(report.cases.len() <= stdout.split(|&b| b == b'\n').count());
    assert!(report.panics.len() <= stderr.split(|&b| b == b'\n').count());
    if !report.panics.is_empty() {
        for case in report.cases.iter().filter(|c| c.status.is_failure()) {
            assert!(case.line.is_some());
        }
    }
});
