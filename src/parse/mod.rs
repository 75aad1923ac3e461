//! Turning one finished child into per-test results.
//!
//! Parsers never spawn processes: they read bytes (a file written by the
//! child, or a string in tests). Bad output is a result, not a crash: a
//! malformed TAP stream yields [`tap::TapReport::problems`] that make the file
//! fail, a malformed JUnit report written by the test is a
//! [`junit::JunitParseError`] that makes it an ERROR, and the run goes on.

pub mod junit;
pub mod libtest;
pub mod tap;

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Duration;

/// A result protocol: how a unit's results are read.
///
/// A unit may name the protocol it speaks ([`crate::unit::Unit::protocol`]);
/// every finished attempt records the one its results were read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// The Test Anything Protocol on stdout.
    Tap,
    /// Only the exit status: 0 passes, anything else fails.
    ExitCode,
    /// A JUnit XML report the test wrote to `PTEST_JUNIT_FILE` (preferred
    /// over TAP on stdout, which is then not read).
    Junit,
    /// A Rust test binary's libtest output for one test (`ptest cargo`,
    /// see [`libtest`]).
    Libtest,
}

/// The outcome of one test inside a file.
///
/// The default is [`CaseStatus::Pass`] (so that [`CaseResult`] can be
/// built with `..Default::default()`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseStatus {
    /// `ok`.
    #[default]
    Pass,
    /// `not ok` without a TODO directive.
    Fail,
    /// `ok # SKIP reason`.
    Skip,
    /// `not ok # TODO reason`: an expected failure; does not fail the file.
    TodoFail,
    /// `ok # TODO reason`: a TODO test that unexpectedly passed.
    TodoPass,
}

impl CaseStatus {
    /// Whether this result makes its file fail.
    pub fn is_failure(self) -> bool {
        match self {
            CaseStatus::Fail => true,
            CaseStatus::Pass | CaseStatus::Skip | CaseStatus::TodoFail | CaseStatus::TodoPass => {
                false
            }
        }
    }
}

/// Test results counted by status: those a parser read but did not keep
/// in memory ([`tap::TapReport::omitted`], [`junit::JunitReport::omitted`]),
/// so that totals stay exact however long a stream is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCounts {
    /// Passed.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Skipped.
    pub skipped: u64,
    /// TODO (expected failures and unexpected passes).
    pub todo: u64,
}

impl CaseCounts {
    /// All of them.
    pub fn total(&self) -> u64 {
        self.passed + self.failed + self.skipped + self.todo
    }

    /// Whether there are none.
    pub fn is_zero(&self) -> bool {
        self.total() == 0
    }

    /// Counts one more result with `status`.
    pub fn add(&mut self, status: CaseStatus) {
        match status {
            CaseStatus::Pass => self.passed += 1,
            CaseStatus::Fail => self.failed += 1,
            CaseStatus::Skip => self.skipped += 1,
            CaseStatus::TodoFail | CaseStatus::TodoPass => self.todo += 1,
        }
    }
}

/// One test result inside a file (one TAP test point, or the whole file for
/// exit-code files).
///
/// Build one with `..Default::default()` for the fields that do not
/// matter (a passing, unnamed, unlocated case).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The test number as printed (`ok 3`), or its position when unnumbered.
    pub number: Option<u64>,
    /// The description after the number, without a leading `- `. May be empty.
    pub name: String,
    /// Pass, fail, skip or TODO.
    pub status: CaseStatus,
    /// The reason given with a SKIP or TODO directive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Diagnostics that belong to this test: a YAML block and `#` comment lines
    /// that follow it (without the leading `#`), newline-separated. For JUnit
    /// reports, the failure's message and text and the test's output.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub diagnostics: String,
    /// The raw TAP line, kept for failing tests so reports can show it. For
    /// JUnit reports, a one-line summary (`FAIL name: message`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// Time spent, when the protocol reports it (e.g. TAP YAML `duration_ms`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::util::time::opt_secs"
    )]
    pub duration: Option<Duration>,
    /// Where the test is in the source, when its report says so (JUnit
    /// `<testcase file=… line=…>`). Locations a failure only prints in its
    /// text (`at t/x.t line 12`, `panicked at src/lib.rs:7:5`) are found
    /// where they are used ([`crate::report::github::locate`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
}

/// A test's place in the source, as its report gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    /// The source file, relative to where ptest runs when it can tell
    /// (see [`junit`]), else as the report wrote it.
    pub file: String,
    /// Its 1-based line, when the report gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// The key of every case, in order: the trimmed name, `#N` when unnamed,
/// `NAME #N` for a repeated name. The one test-key rule: the history keys
/// its `cases` by it too (`crate::history::UnitHistory::record`).
pub fn case_keys(cases: &[CaseResult]) -> Vec<String> {
    let mut seen = HashSet::new();
    cases
        .iter()
        .enumerate()
        .map(|(position, case)| {
            let number = case.number.unwrap_or(position as u64 + 1);
            let name = case.name.trim();
            let mut key = if name.is_empty() {
                format!("#{number}")
            } else {
                name.to_string()
            };
            if seen.contains(&key) {
                key = format!("{key} #{number}");
            }
            seen.insert(key.clone());
            key
        })
        .collect()
}
