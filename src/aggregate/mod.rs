//! Turning run events into verdicts, totals and one [`RunSummary`].
//!
//! Every planned file ends up in the summary exactly once: finished files
//! with their verdict, files stopped by Ctrl-C as [`Verdict::Interrupted`],
//! files that never started as [`Verdict::NotRun`].

pub mod flaky;
mod libtest;
mod partition;
pub mod quarantine;
pub mod reason;
pub mod repeat;
pub mod result;
pub mod shards;
pub mod split;
mod verdict;

pub use verdict::{decide, judge, Judgement, SKIP_EXIT_CODE};

use crate::outcome::{
    BailOut, PartitionRecord, RunSummary, SplitKind, Totals, UnitSummary, Verdict, SUMMARY_VERSION,
};
use crate::outcome::{RunEvent, RunOutcome, SkipCause, UnitRun};
use crate::parse::CaseStatus;
use crate::plan::{Plan, ShardInfo};
use crate::unit::UnitNoun;
use crate::util::logs;
use crate::util::time as serde_time;
use std::path::PathBuf;
use std::time::Duration;

/// The test that stands for a unit as a whole, beside its own test cases:
/// the `(file)` case of the JUnit report, and one more test in
/// [`Totals`]. Every report counts a unit's tests the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCase {
    /// A unit with no test case of its own that passed (PASS, FLAKY).
    Passed,
    /// A failure its cases do not show: FAIL with no failing case (a bad
    /// plan, a crash or a non-zero exit after tests that passed), or whose
    /// failing cases are all quarantined while the unit still fails the run.
    Failed,
    /// TIMEOUT, ERROR or INTERRUPTED, whatever its cases say: the unit
    /// never finished as it should.
    Errored,
    /// NOT RUN, or SKIP with no test case.
    Skipped,
}

/// Whether unit `f` has a test of its own beside its cases (see
/// [`FileCase`]), and how it ended.
pub fn file_case(f: &UnitSummary) -> Option<FileCase> {
    match f.verdict {
        Verdict::Timeout | Verdict::Error | Verdict::Interrupted => Some(FileCase::Errored),
        Verdict::Fail if !f.cases.iter().any(|c| c.status.is_failure()) => Some(FileCase::Failed),
        Verdict::Fail if !quarantine::excused(f) && !quarantine::has_unquarantined_failure(f) => {
            Some(FileCase::Failed)
        }
        Verdict::NotRun => Some(FileCase::Skipped),
        Verdict::Skip if f.cases.is_empty() => Some(FileCase::Skipped),
        Verdict::Pass | Verdict::Flaky if f.cases.is_empty() => Some(FileCase::Passed),
        Verdict::Pass | Verdict::Fail | Verdict::Skip | Verdict::Flaky => None,
    }
}

impl Totals {
    /// Counts the verdicts and cases of `files`, and each unit's own test
    /// where it has one ([`file_case`]): a unit with no case counts as one
    /// test by its verdict, and a unit whose cases do not show how it
    /// ended (a timeout after tests that passed, a crash at exit) counts
    /// one failed test more, as its `(file)` case in the JUnit report.
    pub fn of(files: &[UnitSummary]) -> Totals {
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
            if let Some(own) = file_case(f) {
                t.tests.total += 1;
                match own {
                    FileCase::Passed => t.tests.passed += 1,
                    FileCase::Skipped => t.tests.skipped += 1,
                    FileCase::Failed | FileCase::Errored => t.tests.failed += 1,
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

impl RunSummary {
    /// Sum of the files' durations (every attempt of a retried file).
    pub fn total_file_time(&self) -> Duration {
        self.files.iter().filter_map(UnitSummary::time_spent).sum()
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
    /// ([`UnitSummary::fails_run`]), or it is FLAKY under
    /// [`RunSummary::flaky_fails`] and not quarantined.
    pub fn fails_run(&self, f: &UnitSummary) -> bool {
        f.fails_run() || (self.flaky_fails && f.verdict == Verdict::Flaky && !f.quarantined)
    }
}

/// How much of each log a failing file keeps in its summary.
const TAIL_BYTES: u64 = 8 * 1024;
const TAIL_LINES: usize = 40;

/// Collects [`RunEvent`]s into a [`RunSummary`].
#[derive(Debug)]
pub struct Aggregator {
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
    done: Vec<Option<UnitSummary>>,
    jobs: usize,
    shard: Option<String>,
    partition: Option<PartitionRecord>,
    flaky_fails: bool,
    units: UnitNoun,
    /// The unit that bailed out, once one did.
    bailed: Option<usize>,
}

impl Aggregator {
    /// A merger for the files of `plan`.
    pub fn new(plan: &Plan) -> Aggregator {
        Aggregator {
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
                .map(|e| e.file.expected_case_name().map(str::to_string))
                .collect(),
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
    pub fn with_flaky_fails(mut self, flaky_fails: bool) -> Aggregator {
        self.flaky_fails = flaky_fails;
        self
    }

    /// Records the shard label shown in the summary.
    pub fn with_shard(mut self, shard: Option<String>) -> Aggregator {
        self.shard = shard;
        self
    }

    /// Takes in one event. Returns the file's summary when a file finished
    /// or was marked not run.
    pub fn observe(&mut self, event: &RunEvent) -> Option<&UnitSummary> {
        match event {
            RunEvent::UnitFinished(run) => {
                let (id, path) = self.planned.get(run.index)?.clone();
                let named = self.name_libtest_test(run);
                let mut summary = judge(id, path, named.as_ref().unwrap_or(run));
                read_tails(&mut summary, run);
                self.mark_quarantine(run.index, &mut summary);
                let slot = self.done.get_mut(run.index)?;
                let summary = match slot.take() {
                    Some(previous) if run.attempt > 1 => flaky::add_attempt(previous, summary),
                    Some(_) | None => summary,
                };
                *slot = Some(summary);
                slot.as_ref()
            }
            RunEvent::NotRun { index, reason } => {
                let (id, path) = self.planned.get(*index)?.clone();
                let text = reason::not_run(*reason);
                let mut summary = UnitSummary::not_run(id, path, &text);
                if matches!(reason, crate::outcome::NotRunReason::BailOut) {
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
                let mut summary = UnitSummary::skipped(id, path, &text);
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
            | RunEvent::UnitStarted { .. }
            | RunEvent::Stopping { .. }
            | RunEvent::Slow { .. }
            | RunEvent::Interrupted { .. } => None,
        }
    }

    /// `run` with its libtest report told which test it was asked for
    /// (so a test that ended the process unreported is named), when the
    /// unit is one libtest test; `None`: judge `run` as it is.
    fn name_libtest_test(&self, run: &UnitRun) -> Option<UnitRun> {
        let name = self.libtest_tests.get(run.index)?.as_deref()?;
        run.report.libtest()?;
        let mut named = run.clone();
        if let crate::outcome::ParsedReport::Libtest(report) = &mut named.report {
            report.expect(name);
        }
        Some(named)
    }

    /// Marks unit `index`'s summary with what it has quarantined.
    fn mark_quarantine(&self, index: usize, summary: &mut UnitSummary) {
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
        let mut files: Vec<UnitSummary> = self
            .done
            .into_iter()
            .zip(self.planned)
            .zip(&self.quarantine)
            .zip(self.iterations)
            .zip(self.suites)
            .zip(self.planned_runs)
            .map(
                |(((((done, (id, path)), q), iteration), suite), (expected, command))| {
                    let mut file = UnitSummary {
                        iteration,
                        suite,
                        ..done.unwrap_or_else(|| {
                            let mut summary = UnitSummary::not_run(id, path, "not run");
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
pub(crate) fn fill_offsets(file: &mut UnitSummary, run_start: f64) {
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
pub(crate) fn read_tails(summary: &mut UnitSummary, run: &UnitRun) {
    if summary.verdict != Verdict::Pass && summary.verdict != Verdict::Skip {
        summary.stdout_tail = logs::tail(&run.stdout.path, TAIL_BYTES, TAIL_LINES);
        summary.stderr_tail = logs::tail(&run.stderr.path, TAIL_BYTES, TAIL_LINES);
    }
}
