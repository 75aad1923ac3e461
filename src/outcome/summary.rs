//! The run summary: what `--json` writes and `ptest merge` reads.

use super::UnitSummary;
use crate::unit::UnitNoun;
use crate::util::time as serde_time;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Version of the JSON summary schema written by `--json`.
///
/// Version 2 added `partition` (sharded runs) and `incomplete` (merged
/// summaries); version 1 summaries are still read (both fields absent).
/// `files[].cpu` and `files[].max_rss` were added within version 2: they
/// are optional, so readers of version 2 (which ignore fields they do not
/// know) read them unchanged, and summaries without them still read.
/// So were `files[].quarantined`, `files[].quarantined_tests` and
/// `totals.*.quarantined` (see [`crate::aggregate::quarantine`]), likewise optional.
///
/// Version 3 added retries: `files[].attempt_results` (every attempt of a
/// file that ran more than once), `files[].flipped`, the `flaky` verdict,
/// `totals.files.flaky`, `totals.tests.flaky` and `flaky_fails`. Versions 1
/// and 2 are still read (the new fields absent).
///
/// Added within version 3, optional like `cpu` within version 2 (so every
/// version-3 reader reads them, and summaries without them still read):
/// `files[].offset` and `files[].attempt_results[].offset` (start, seconds
/// after the run's start), `files[].shard` (the shard K it ran on),
/// `files[].expected` (the planned duration) and `files[].command`: what
/// the HTML timeline and the `--trace` export are drawn from. `ptest
/// merge` fills `offset` and `shard` in for summaries written without them
/// (see [`crate::aggregate::shards`]).
pub const SUMMARY_VERSION: u32 = 3;

/// File counts by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitTotals {
    /// All files.
    pub total: usize,
    /// PASS.
    pub passed: usize,
    /// FAIL.
    pub failed: usize,
    /// SKIP.
    pub skipped: usize,
    /// TIMEOUT.
    pub timed_out: usize,
    /// ERROR.
    pub errored: usize,
    /// NOT RUN.
    pub not_run: usize,
    /// INTERRUPTED (absent from summaries written before this verdict existed).
    #[serde(default)]
    pub interrupted: usize,
    /// Of the failed, timed-out and errored files, those whose failure
    /// quarantine excused (absent from older summaries).
    #[serde(default)]
    pub quarantined: usize,
    /// FLAKY: failed, then passed on a retry (absent before version 3).
    #[serde(default)]
    pub flaky: usize,
}

/// Test counts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestTotals {
    /// All tests.
    pub total: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
    /// TODO (expected failures, and unexpected passes).
    pub todo: usize,
    /// Of the failed tests, those that are quarantined (absent from older
    /// summaries).
    #[serde(default)]
    pub quarantined: usize,
    /// Tests that failed in an earlier attempt and passed in the last
    /// (counted among `passed`; absent before version 3).
    #[serde(default)]
    pub flaky: usize,
}

/// Totals over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Files by verdict.
    pub files: UnitTotals,
    /// Tests by status.
    pub tests: TestTotals,
}

/// A `Bail out!` that stopped the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BailOut {
    /// The file that bailed out.
    pub file: String,
    /// Its reason.
    pub reason: String,
}

/// How a suite was split into shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitKind {
    /// LPT bin packing by expected duration.
    Duration,
    /// By a stable hash of the file id (no duration was known).
    Hash,
}

/// The partition a shard was cut from: what `ptest merge` checks shards
/// against (see [`crate::aggregate::shards`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionRecord {
    /// 12 hex digits summarising the partition's inputs (ids, expected
    /// durations, shard count, split kind); equal on every shard of a split.
    pub fingerprint: String,
    /// How the files were split.
    pub split: SplitKind,
    /// The ids planned on every shard, shard 1 first, each sorted by id.
    pub shards: Vec<Vec<String>>,
}

/// The result of a whole run: what `--json` writes and `ptest merge` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[must_use]
pub struct RunSummary {
    /// Schema version ([`SUMMARY_VERSION`]).
    pub version: u32,
    /// The run id.
    pub run_id: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Worker slots.
    pub jobs: usize,
    /// Wall time of the run.
    #[serde(with = "serde_time::secs")]
    pub wall: Duration,
    /// The shard run, as `K/N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Sharded runs: the whole partition this shard was cut from (absent in
    /// summaries older than version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionRecord>,
    /// Merged summaries: why not every planned file ran on a shard, e.g.
    /// `missing shard 2`; absent when nothing is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    /// Whether ptest was interrupted.
    pub interrupted: bool,
    /// The bail out that stopped the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bail_out: Option<BailOut>,
    /// Totals.
    pub totals: Totals,
    /// Every planned file, sorted by id (and iteration, in a repeat run).
    pub files: Vec<UnitSummary>,
    /// `--repeat` / `--until-fail` runs: each file's failure rate and
    /// duration spread over its iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<RepeatReport>,
    /// Whether FLAKY files fail the run (`--flaky-fail`); absent when not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flaky_fails: bool,
    /// What its units are called in console output (`"test"` for `ptest
    /// cargo`); absent: files.
    #[serde(default, skip_serializing_if = "UnitNoun::is_file")]
    pub units: UnitNoun,
}

/// What a repeat run came to (`repeat` in the JSON summary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatReport {
    /// Iterations planned per file (`--repeat N`, or the `--until-fail`
    /// cap).
    pub planned: u32,
    /// The highest iteration that ran (started and ended on its own).
    pub iterations: u32,
    /// Whether the run stopped at the first failing iteration
    /// (`--until-fail`).
    pub until_fail: bool,
    /// One row per file, highest failure rate first (ties by id).
    pub files: Vec<RepeatRow>,
}

/// One file's iterations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatRow {
    /// The file id.
    pub file: String,
    /// Iterations that ran to a verdict (PASS, FAIL, SKIP, TIMEOUT,
    /// ERROR; not NOT RUN or INTERRUPTED).
    pub runs: u32,
    /// Those that failed (FAIL, TIMEOUT, ERROR).
    pub failures: u32,
    /// `failures / runs` (0 when nothing ran).
    pub failure_rate: f64,
    /// The iterations that failed, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_iterations: Vec<u32>,
    /// Shortest duration of an iteration that ran to its end (PASS, FAIL,
    /// TIMEOUT), in seconds; absent when none did.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub min: Option<Duration>,
    /// Their median (the mean of the middle two of an even count).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub median: Option<Duration>,
    /// The longest.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub max: Option<Duration>,
}
