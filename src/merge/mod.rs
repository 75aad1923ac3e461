//! Turning run events into verdicts, totals and one [`RunSummary`].
//!
//! Every planned file ends up in the summary exactly once: finished files
//! with their verdict, files stopped by Ctrl-C as [`Verdict::Interrupted`],
//! files that never started as [`Verdict::NotRun`].

pub mod attempts;
mod libtest;
mod partition;
pub mod quarantine;
pub mod reason;
pub mod repeat;
pub mod result;
pub mod shards;
mod verdict;

use crate::util::time as serde_time;
pub use verdict::{decide, judge, Judgement, SKIP_EXIT_CODE};

use crate::parse::{CaseResult, CaseStatus, Protocol};
use crate::plan::{Plan, ShardInfo};
use crate::run::{logs, ChildStatus, RunEvent, RunOutcome, SkipCause};
use crate::unit::{Slot, UnitNoun};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Version of the JSON summary schema written by `--json`.
///
/// Version 2 added `partition` (sharded runs) and `incomplete` (merged
/// summaries); version 1 summaries are still read (both fields absent).
/// `files[].cpu` and `files[].max_rss` were added within version 2: they
/// are optional, so readers of version 2 (which ignore fields they do not
/// know) read them unchanged, and summaries without them still read.
/// So were `files[].quarantined`, `files[].quarantined_tests` and
/// `totals.*.quarantined` (see [`quarantine`]), likewise optional.
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
/// (see [`shards`]).
pub const SUMMARY_VERSION: u32 = 3;

/// The verdict for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every test passed (or was skipped / TODO).
    Pass,
    /// A test failed, the TAP stream was broken, or the exit status was bad.
    Fail,
    /// The whole file was skipped (`1..0 # SKIP`, or exit code 77).
    Skip,
    /// Stopped after the per-file timeout.
    Timeout,
    /// Could not be started or its output could not be read.
    Error,
    /// Never started (an earlier file bailed out, or the run was interrupted).
    NotRun,
    /// Started, then stopped by ptest because of the run, not of itself:
    /// the run was interrupted (Ctrl-C, SIGTERM) or its global timeout
    /// expired. It has a duration and an attempt, but no result of its
    /// own; the history does not record it, and the run fails.
    Interrupted,
    /// Failed or timed out, then passed on a retry (see [`attempts`]). The
    /// run passes unless `--flaky-fail`.
    Flaky,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 8] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Skip,
        Verdict::Timeout,
        Verdict::Error,
        Verdict::NotRun,
        Verdict::Interrupted,
        Verdict::Flaky,
    ];

    /// The label used on the console and in reports.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
            Verdict::Timeout => "TIMEOUT",
            Verdict::Error => "ERROR",
            Verdict::NotRun => "NOT RUN",
            Verdict::Interrupted => "INTERRUPTED",
            Verdict::Flaky => "FLAKY",
        }
    }

    /// Whether this verdict makes the run fail. (An interrupted run fails
    /// as a whole: see [`RunSummary::interrupted`].)
    pub fn is_failure(self) -> bool {
        match self {
            Verdict::Fail | Verdict::Timeout | Verdict::Error => true,
            Verdict::Pass
            | Verdict::Skip
            | Verdict::NotRun
            | Verdict::Interrupted
            | Verdict::Flaky => false,
        }
    }

    /// Whether the file ran to an end of its own, so that its duration
    /// means something (PASS, FAIL, TIMEOUT): the files listed as slowest
    /// and whose times the speedup is computed from.
    pub fn ran(self) -> bool {
        match self {
            Verdict::Pass | Verdict::Fail | Verdict::Timeout | Verdict::Flaky => true,
            Verdict::Skip | Verdict::Error | Verdict::NotRun | Verdict::Interrupted => false,
        }
    }

    /// Whether the history records this verdict: everything but NOT RUN
    /// and INTERRUPTED (a stopped file's duration and partial results say
    /// nothing about the file).
    pub fn is_recorded(self) -> bool {
        match self {
            Verdict::NotRun | Verdict::Interrupted => false,
            Verdict::Pass
            | Verdict::Fail
            | Verdict::Skip
            | Verdict::Timeout
            | Verdict::Error
            | Verdict::Flaky => true,
        }
    }
}

/// Everything known about one file after the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    /// The file id (path relative to where ptest ran).
    pub id: String,
    /// The path used to start it (in JSON as id text, so that a name that
    /// is not UTF-8 survives: see [`crate::discover::id`]).
    #[serde(with = "crate::discover::id::serde_path")]
    pub path: PathBuf,
    /// The verdict.
    pub verdict: Verdict,
    /// Why the verdict is not PASS, one reason per entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Of the reasons, those no quarantined test excuses because they are
    /// about the file's stream as a whole: a TAP `Bail out!` and TAP
    /// problems (no plan, a wrong count, out-of-sequence numbers). See
    /// [`quarantine`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
    /// How results were read (absent when the file never ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// How the child ended (absent when the file never ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ChildStatus>,
    /// Wall time of the child.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub duration: Option<Duration>,
    /// Start time, as seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<f64>,
    /// Worker slot it ran in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<usize>,
    /// Start, as seconds after the run started (the run of its shard, in a
    /// merged summary); absent when it never started.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub offset: Option<Duration>,
    /// The shard K (of `K/N`) it was planned on; absent in runs without
    /// `--shard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<usize>,
    /// How long the plan expected it to take; absent when nothing was known.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub expected: Option<Duration>,
    /// The command line it was started with (shell-quoted); absent when it
    /// never started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Attempts made.
    pub attempts: u32,
    /// Processes left behind in its process group, killed by ptest.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub leaked: usize,
    /// CPU time (user + system) of the last attempt's child and the
    /// processes it waited for (`wait4`'s rusage); absent when it never ran.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time::opt_secs"
    )]
    pub cpu: Option<Duration>,
    /// Peak resident memory in bytes of the last attempt's child (or the
    /// largest process it waited for); absent when it never ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rss: Option<u64>,
    /// Per-test results.
    pub cases: Vec<CaseResult>,
    /// The stdout log, if kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout_log: Option<PathBuf>,
    /// The stderr log, if kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_log: Option<PathBuf>,
    /// The suite its results are reported under (`ptest cargo`: the test
    /// binary's id); absent: its own, named by its id. See
    /// [`crate::unit::Unit::suite`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// The last lines of stdout, for files that did not pass.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stdout_tail: String,
    /// The last lines of stderr, for files that did not pass.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr_tail: String,
    /// The whole file is quarantined: its failure does not fail the run
    /// (see [`quarantine`]); absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub quarantined: bool,
    /// Keys of its tests that are quarantined (see [`quarantine`]);
    /// absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quarantined_tests: Vec<String>,
    /// Which iteration of a `--repeat` run this entry is (1-based); absent
    /// in a plain run. A repeat run has one entry per iteration of a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iteration: Option<u32>,
    /// Every attempt, first first, when the file ran more than once
    /// (version 3; see [`attempts`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempt_results: Vec<attempts::AttemptRecord>,
    /// Tests that failed in an earlier attempt and passed in the last
    /// (version 3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flipped: Vec<String>,
    /// A unit kept from running by another's failure: the file whose
    /// `Bail out!` left it NOT RUN, or the dependency whose failure made it
    /// SKIP. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    /// The units this file's failure kept from running (those whose
    /// [`FileSummary::stopped_by`] names it), by id: a failure that stopped
    /// other work is never excused by quarantine ([`quarantine::excused`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stopped: Vec<String>,
    /// Tests read but not kept in `cases` (a stream of more than
    /// [`crate::parse::tap::MAX_STORED_CASES`] results), by status: counted
    /// in every total; absent when none.
    #[serde(default, skip_serializing_if = "crate::parse::CaseCounts::is_zero")]
    pub omitted: crate::parse::CaseCounts,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl FileSummary {
    /// A summary for a file skipped without starting (verdict SKIP).
    pub fn skipped(id: String, path: PathBuf, reason: &str) -> FileSummary {
        FileSummary {
            verdict: Verdict::Skip,
            ..FileSummary::not_run(id, path, reason)
        }
    }

    /// A summary for a file that never ran.
    pub fn not_run(id: String, path: PathBuf, reason: &str) -> FileSummary {
        FileSummary {
            id,
            path,
            verdict: Verdict::NotRun,
            reasons: vec![reason.to_string()],
            faults: Vec::new(),
            protocol: None,
            status: None,
            duration: None,
            started_at: None,
            worker: None,
            offset: None,
            shard: None,
            expected: None,
            command: None,
            attempts: 0,
            leaked: 0,
            cpu: None,
            max_rss: None,
            cases: Vec::new(),
            stdout_log: None,
            stderr_log: None,
            suite: None,
            stdout_tail: String::new(),
            stderr_tail: String::new(),
            quarantined: false,
            quarantined_tests: Vec::new(),
            iteration: None,
            attempt_results: Vec::new(),
            flipped: Vec::new(),
            stopped_by: None,
            stopped: Vec::new(),
            omitted: crate::parse::CaseCounts::default(),
        }
    }
}

/// File counts by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTotals {
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
    pub files: FileTotals,
    /// Tests by status.
    pub tests: TestTotals,
}

impl Totals {
    /// Counts the verdicts and cases of `files`. A file with no case
    /// counts as one test, by its verdict: PASS and FLAKY passed, SKIP and
    /// NOT RUN skipped, anything else failed (as its `(file)` test case in
    /// the JUnit report).
    pub fn of(files: &[FileSummary]) -> Totals {
        let mut t = Totals::default();
        for f in files {
            t.files.total += 1;
            match f.verdict {
                Verdict::Pass => t.files.passed += 1,
                Verdict::Fail => t.files.failed += 1,
                Verdict::Skip => t.files.skipped += 1,
                Verdict::Timeout => t.files.timed_out += 1,
                Verdict::Error => t.files.errored += 1,
                Verdict::NotRun => t.files.not_run += 1,
                Verdict::Interrupted => t.files.interrupted += 1,
                Verdict::Flaky => t.files.flaky += 1,
            }
            t.files.quarantined += usize::from(quarantine::excused(f));
            t.tests.quarantined += quarantine::quarantined_failing_tests(f);
            t.tests.flaky += f.flipped.len();
            if f.cases.is_empty() {
                // A unit with no test case of its own (an exit that
                // libtest never reported, a file that could not start or
                // never ran) is still one test: every unit is counted.
                t.tests.total += 1;
                match f.verdict {
                    Verdict::Pass | Verdict::Flaky => t.tests.passed += 1,
                    Verdict::Skip | Verdict::NotRun => t.tests.skipped += 1,
                    Verdict::Fail | Verdict::Timeout | Verdict::Error | Verdict::Interrupted => {
                        t.tests.failed += 1
                    }
                }
            }
            for c in &f.cases {
                t.tests.total += 1;
                match c.status {
                    CaseStatus::Pass => t.tests.passed += 1,
                    CaseStatus::Fail => t.tests.failed += 1,
                    CaseStatus::Skip => t.tests.skipped += 1,
                    CaseStatus::TodoFail | CaseStatus::TodoPass => t.tests.todo += 1,
                }
            }
            let omitted = f.omitted;
            t.tests.total += omitted.total() as usize;
            t.tests.passed += omitted.passed as usize;
            t.tests.failed += omitted.failed as usize;
            t.tests.skipped += omitted.skipped as usize;
            t.tests.todo += omitted.todo as usize;
        }
        t
    }
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
/// against (see [`shards`]).
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

impl PartitionRecord {
    /// The record of the partition `info` describes.
    pub fn of(info: &ShardInfo) -> PartitionRecord {
        PartitionRecord {
            fingerprint: info.fingerprint.clone(),
            split: if info.hash_split {
                SplitKind::Hash
            } else {
                SplitKind::Duration
            },
            shards: info.planned.clone(),
        }
    }
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
    pub files: Vec<FileSummary>,
    /// `--repeat` / `--until-fail` runs: each file's failure rate and
    /// duration spread over its iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<repeat::RepeatReport>,
    /// Whether FLAKY files fail the run (`--flaky-fail`); absent when not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flaky_fails: bool,
    /// What its units are called in console output (`"test"` for `ptest
    /// cargo`); absent: files.
    #[serde(default, skip_serializing_if = "UnitNoun::is_file")]
    pub units: UnitNoun,
}

impl FileSummary {
    /// The time its children ran: the sum over every attempt of a retried
    /// file, else its duration; `None` when no child ran.
    pub fn time_spent(&self) -> Option<Duration> {
        if self.attempt_results.is_empty() {
            self.duration
        } else {
            Some(self.attempt_results.iter().filter_map(|a| a.duration).sum())
        }
    }
}

impl RunSummary {
    /// Sum of the files' durations (every attempt of a retried file).
    pub fn total_file_time(&self) -> Duration {
        self.files.iter().filter_map(FileSummary::time_spent).sum()
    }

    /// Whether the run fails ([`result::RunResult::Fail`] by
    /// [`result::run_result`], leaving aside an interruption or a missing
    /// shard): a file fails it ([`RunSummary::fails_run`]), or a unit did
    /// not run or was stopped.
    pub fn has_failures(&self) -> bool {
        result::run_result(&self.files, self.flaky_fails, false, false) == result::RunResult::Fail
    }

    /// Whether file `f` makes this run fail: it failed, timed out or
    /// errored and quarantine does not excuse it
    /// ([`FileSummary::fails_run`]), or it is FLAKY under
    /// [`RunSummary::flaky_fails`] and not quarantined.
    pub fn fails_run(&self, f: &FileSummary) -> bool {
        f.fails_run() || (self.flaky_fails && f.verdict == Verdict::Flaky && !f.quarantined)
    }
}

/// How much of each log a failing file keeps in its summary.
const TAIL_BYTES: u64 = 8 * 1024;
const TAIL_LINES: usize = 40;

/// One attempt at a unit, as judged: a unit's result is the list of its
/// attempts (one today; with retries, a unit whose attempts disagree is
/// flaky).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// Attempt number (1-based).
    pub number: u32,
    /// The slot it ran in.
    pub slot: Slot,
    /// Its verdict.
    pub verdict: Verdict,
    /// Its wall time.
    pub duration: Duration,
}

/// Collects [`RunEvent`]s into a [`RunSummary`].
#[derive(Debug)]
pub struct Merger {
    planned: Vec<(String, PathBuf)>,
    /// Each planned unit's suite ([`crate::unit::Unit::suite`]).
    suites: Vec<Option<String>>,
    /// The one libtest test each planned unit runs (`ptest cargo`), if any.
    libtest_tests: Vec<Option<String>>,
    /// Each planned file's own skip reason (`skip` in its settings).
    skip_reasons: Vec<Option<String>>,
    /// What each planned file has quarantined, by plan index.
    quarantine: Vec<quarantine::Quarantine>,
    /// Each planned entry's iteration (`--repeat`), if any.
    iterations: Vec<Option<u32>>,
    /// Each planned entry's expected duration and command line.
    planned_runs: Vec<(Option<Duration>, Option<String>)>,
    /// Every unit's attempts so far, by plan index.
    attempts: Vec<Vec<Attempt>>,
    done: Vec<Option<FileSummary>>,
    jobs: usize,
    shard: Option<String>,
    partition: Option<PartitionRecord>,
    flaky_fails: bool,
    units: UnitNoun,
    /// The unit that bailed out, once one did.
    bailed: Option<usize>,
}

impl Merger {
    /// A merger for the files of `plan`.
    pub fn new(plan: &Plan) -> Merger {
        Merger {
            planned: plan
                .entries
                .iter()
                .map(|e| (e.file.id.to_string(), e.file.path().to_path_buf()))
                .collect(),
            skip_reasons: plan
                .entries
                .iter()
                .map(|e| e.file.settings.skip.clone())
                .collect(),
            quarantine: plan
                .entries
                .iter()
                .map(|e| quarantine::Quarantine {
                    file: e.file.settings.quarantine,
                    tests: e.file.settings.quarantine_tests.clone(),
                })
                .collect(),
            iterations: plan
                .entries
                .iter()
                .map(|e| e.file.settings.iteration)
                .collect(),
            suites: plan
                .entries
                .iter()
                .map(|e| e.file.suite().map(str::to_string))
                .collect(),
            planned_runs: plan
                .entries
                .iter()
                .map(|e| {
                    let command = e.file.argv().ok().map(|argv| {
                        shell_words::join(argv.iter().map(|a| a.to_string_lossy().into_owned()))
                    });
                    (e.expected, command)
                })
                .collect(),
            libtest_tests: plan
                .entries
                .iter()
                .map(|e| match &e.file.kind {
                    crate::unit::UnitKind::CargoTest { name, .. } => Some(name.clone()),
                    crate::unit::UnitKind::File { .. } => None,
                })
                .collect(),
            attempts: vec![Vec::new(); plan.entries.len()],
            done: vec![None; plan.entries.len()],
            jobs: plan.jobs,
            shard: None,
            partition: plan.shard.as_ref().map(PartitionRecord::of),
            flaky_fails: false,
            units: plan.noun(),
            bailed: None,
        }
    }

    /// Whether FLAKY files fail the run (`--flaky-fail`).
    pub fn with_flaky_fails(mut self, flaky_fails: bool) -> Merger {
        self.flaky_fails = flaky_fails;
        self
    }

    /// Records the shard label shown in the summary.
    pub fn with_shard(mut self, shard: Option<String>) -> Merger {
        self.shard = shard;
        self
    }

    /// Takes in one event. Returns the file's summary when a file finished
    /// or was marked not run.
    pub fn observe(&mut self, event: &RunEvent) -> Option<&FileSummary> {
        match event {
            RunEvent::FileFinished(run) => {
                let (id, path) = self.planned.get(run.index)?.clone();
                let named = self.name_libtest_test(run);
                let mut summary = judge(id, path, named.as_ref().unwrap_or(run));
                read_tails(&mut summary, run);
                self.mark_quarantine(run.index, &mut summary);
                self.attempts.get_mut(run.index)?.push(Attempt {
                    number: run.attempt,
                    slot: run.slot,
                    verdict: summary.verdict,
                    duration: run.duration,
                });
                let slot = self.done.get_mut(run.index)?;
                let summary = match slot.take() {
                    Some(previous) if run.attempt > 1 => attempts::add_attempt(previous, summary),
                    Some(_) | None => summary,
                };
                *slot = Some(summary);
                slot.as_ref()
            }
            RunEvent::NotRun { index, reason } => {
                let (id, path) = self.planned.get(*index)?.clone();
                let text = reason::not_run(*reason);
                let mut summary = FileSummary::not_run(id, path, &text);
                if matches!(reason, crate::run::NotRunReason::BailOut) {
                    summary.stopped_by = self.bailed.and_then(|b| self.id_of(b));
                }
                self.mark_quarantine(*index, &mut summary);
                let slot = self.done.get_mut(*index)?;
                *slot = Some(summary);
                slot.as_ref()
            }
            RunEvent::Skipped { index, cause } => {
                let (id, path) = self.planned.get(*index)?.clone();
                let text = self.skip_reason(*index, *cause);
                let mut summary = FileSummary::skipped(id, path, &text);
                summary.stopped_by = self.skipped_for(*cause);
                self.mark_quarantine(*index, &mut summary);
                let slot = self.done.get_mut(*index)?;
                *slot = Some(summary);
                slot.as_ref()
            }
            RunEvent::BailOut { index, .. } => {
                self.bailed.get_or_insert(*index);
                None
            }
            RunEvent::RunStarted { .. }
            | RunEvent::FileStarted { .. }
            | RunEvent::Stopping { .. }
            | RunEvent::Slow { .. }
            | RunEvent::Interrupted { .. } => None,
        }
    }

    /// `run` with its libtest report told which test it was asked for
    /// (so a test that ended the process unreported is named), when the
    /// unit is one libtest test; `None`: judge `run` as it is.
    fn name_libtest_test(&self, run: &crate::run::FileRun) -> Option<crate::run::FileRun> {
        let name = self.libtest_tests.get(run.index)?.as_deref()?;
        run.libtest.as_ref()?;
        let mut named = run.clone();
        if let Some(report) = named.libtest.as_mut() {
            report.expect(name);
        }
        Some(named)
    }

    /// Marks unit `index`'s summary with what it has quarantined.
    fn mark_quarantine(&self, index: usize, summary: &mut FileSummary) {
        if let Some(q) = self.quarantine.get(index) {
            q.mark(summary);
        }
    }

    /// Why unit `index` is skipped: its own reason, or its dependency and
    /// what became of it (`dependency t/setup.sh failed`).
    fn skip_reason(&self, index: usize, cause: SkipCause) -> String {
        match cause {
            SkipCause::Asked => match self.skip_reasons.get(index).cloned().flatten() {
                Some(reason) if !reason.is_empty() => reason,
                Some(_) | None => "skipped by its settings".to_string(),
            },
            SkipCause::Dependency(dep) => {
                let id = self.planned.get(dep).map_or("?", |(id, _)| id.as_str());
                let verdict = self
                    .done
                    .get(dep)
                    .and_then(|d| d.as_ref())
                    .map(|d| d.verdict);
                reason::dependency(id, verdict)
            }
        }
    }

    /// The id of planned unit `index`.
    fn id_of(&self, index: usize) -> Option<String> {
        self.planned.get(index).map(|(id, _)| id.clone())
    }

    /// The dependency whose failure made a unit skip for `cause`: none for
    /// a skip the unit's own settings ask, nor for a dependency that was
    /// itself skipped (a chain of skips the user asked for).
    fn skipped_for(&self, cause: SkipCause) -> Option<String> {
        match cause {
            SkipCause::Asked => None,
            SkipCause::Dependency(dep) => {
                let verdict = self
                    .done
                    .get(dep)
                    .and_then(|d| d.as_ref())
                    .map(|d| d.verdict);
                match verdict {
                    Some(Verdict::Skip) => None,
                    Some(
                        Verdict::Pass
                        | Verdict::Fail
                        | Verdict::Timeout
                        | Verdict::Error
                        | Verdict::NotRun
                        | Verdict::Interrupted
                        | Verdict::Flaky,
                    )
                    | None => self.id_of(dep),
                }
            }
        }
    }

    /// The attempts made at unit `index` so far, first first.
    pub fn attempts(&self, index: usize) -> &[Attempt] {
        self.attempts.get(index).map_or(&[], Vec::as_slice)
    }

    /// The summary of the run. Files without a result are NOT RUN.
    pub fn finish(self, outcome: &RunOutcome) -> RunSummary {
        let bail_out = outcome.bailed_out.as_ref().map(|(index, reason)| BailOut {
            file: self
                .planned
                .get(*index)
                .map(|(id, _)| id.clone())
                .unwrap_or_default(),
            reason: reason.clone(),
        });
        let run_start = serde_time::unix_secs(outcome.started_at);
        let shard = self
            .shard
            .as_deref()
            .and_then(|label| label.parse::<crate::plan::Shard>().ok())
            .map(|s| s.index);
        let mut files: Vec<FileSummary> = self
            .done
            .into_iter()
            .zip(self.planned)
            .zip(&self.quarantine)
            .zip(self.iterations)
            .zip(self.suites)
            .zip(self.planned_runs)
            .map(
                |(((((done, (id, path)), q), iteration), suite), (expected, command))| {
                    let mut file = FileSummary {
                        iteration,
                        suite,
                        ..done.unwrap_or_else(|| {
                            let mut summary = FileSummary::not_run(id, path, "not run");
                            q.mark(&mut summary);
                            summary
                        })
                    };
                    file.shard = shard;
                    file.expected = expected;
                    if file.attempts > 0 {
                        file.command = command;
                    }
                    fill_offsets(&mut file, run_start);
                    file
                },
            )
            .collect();
        files.sort_by(|a, b| a.id.cmp(&b.id).then(a.iteration.cmp(&b.iteration)));
        quarantine::link_stops(&mut files);
        RunSummary {
            version: SUMMARY_VERSION,
            run_id: outcome.run_id.clone(),
            started_at: serde_time::rfc3339(outcome.started_at),
            jobs: self.jobs,
            wall: outcome.wall,
            shard: self.shard,
            partition: self.partition,
            incomplete: None,
            interrupted: outcome.interrupted.is_some(),
            bail_out,
            totals: Totals::of(&files),
            files,
            repeat: None,
            flaky_fails: self.flaky_fails,
            units: self.units,
        }
    }
}

/// Sets the `offset` of a file and of its attempts from their `started_at`
/// and the run's start (both Unix seconds); an offset already set stays.
pub(crate) fn fill_offsets(file: &mut FileSummary, run_start: f64) {
    let offset = |started_at: Option<f64>| {
        started_at
            .map(|t| t - run_start)
            .filter(|secs| secs.is_finite())
            .map(|secs| Duration::from_secs_f64(secs.max(0.0)))
    };
    if file.offset.is_none() {
        file.offset = offset(file.started_at);
    }
    for attempt in &mut file.attempt_results {
        if attempt.offset.is_none() {
            attempt.offset = offset(attempt.started_at);
        }
    }
}

/// Fills in the output tails of a file that did not pass or skip (its
/// logs are kept for it), read from its logs; judging never reads files.
pub(crate) fn read_tails(summary: &mut FileSummary, run: &crate::run::FileRun) {
    if summary.verdict != Verdict::Pass && summary.verdict != Verdict::Skip {
        summary.stdout_tail = logs::tail(&run.stdout.path, TAIL_BYTES, TAIL_LINES);
        summary.stderr_tail = logs::tail(&run.stderr.path, TAIL_BYTES, TAIL_LINES);
    }
}
