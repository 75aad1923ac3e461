//! Fixtures for tests: a builder for [`RunSummary`] values, so unit tests
//! and integration tests do not each spell out every field.
//!
//! Not part of ptest's stable interface; it is public only so that the
//! integration tests in `tests/` can use it too.

use crate::outcome::{BailOut, PartitionRecord, RunSummary, Totals, UnitSummary, SUMMARY_VERSION};
use crate::parse::{CaseResult, CaseStatus};
use std::time::Duration;

/// Builds a [`RunSummary`] with plain defaults (version [`SUMMARY_VERSION`],
/// run id `run`, 2 jobs, 1 s wall, no shard, not interrupted, no bail out);
/// the totals are always computed from the files.
///
/// ```
/// let s = ptest::testing::SummaryFixture::new(Vec::new()).jobs(4).build();
/// assert_eq!(s.jobs, 4);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SummaryFixture {
    summary: RunSummary,
}

impl SummaryFixture {
    /// A summary of `files` with the defaults above.
    pub fn new(files: Vec<UnitSummary>) -> SummaryFixture {
        SummaryFixture {
            summary: RunSummary {
                version: SUMMARY_VERSION,
                run_id: "run".into(),
                started_at: "2026-11-23T04:46:38.000Z".into(),
                jobs: 2,
                wall: Duration::from_secs(1),
                shard: None,
                partition: None,
                incomplete: None,
                interrupted: false,
                bail_out: None,
                totals: Totals::default(),
                files,
                repeat: None,
                flaky_fails: false,
                units: crate::unit::UnitNoun::File,
            },
        }
    }

    /// Sets the run id.
    pub fn run_id(mut self, id: &str) -> SummaryFixture {
        self.summary.run_id = id.into();
        self
    }

    /// Sets the start time (RFC 3339 text, not checked).
    pub fn started_at(mut self, at: &str) -> SummaryFixture {
        self.summary.started_at = at.into();
        self
    }

    /// Sets the number of worker slots.
    pub fn jobs(mut self, jobs: usize) -> SummaryFixture {
        self.summary.jobs = jobs;
        self
    }

    /// Sets the wall time.
    pub fn wall(mut self, wall: Duration) -> SummaryFixture {
        self.summary.wall = wall;
        self
    }

    /// Sets the shard label (`K/N`).
    pub fn shard(mut self, shard: Option<&str>) -> SummaryFixture {
        self.summary.shard = shard.map(str::to_string);
        self
    }

    /// Records the partition a shard was cut from.
    pub fn partition(mut self, partition: PartitionRecord) -> SummaryFixture {
        self.summary.partition = Some(partition);
        self
    }

    /// Marks the run interrupted.
    pub fn interrupted(mut self, yes: bool) -> SummaryFixture {
        self.summary.interrupted = yes;
        self
    }

    /// Records a `Bail out!` of `file` with `reason`.
    pub fn bail_out(mut self, file: &str, reason: &str) -> SummaryFixture {
        self.summary.bail_out = Some(BailOut {
            file: file.into(),
            reason: reason.into(),
        });
        self
    }

    /// The summary, with totals counted from its files.
    pub fn build(mut self) -> RunSummary {
        self.summary.totals = Totals::of(&self.summary.files);
        self.summary
    }
}

/// A test case numbered `number` as TAP reports it: a failing one keeps
/// its `not ok N - name` line, nothing else is set.
pub fn case(number: u64, name: &str, status: CaseStatus) -> CaseResult {
    CaseResult {
        number: Some(number),
        name: name.to_string(),
        status,
        reason: None,
        diagnostics: String::new(),
        line: (status == CaseStatus::Fail).then(|| format!("not ok {number} - {name}")),
        duration: None,
        ..Default::default()
    }
}
