//! Quarantine: failures that are reported but do not fail the run.
//!
//! A unit is quarantined as a whole (`quarantine = true` in an
//! `[[override]]` or its header, a `[quarantine] files` glob, or
//! `--quarantine-flaky`), or only some of its tests are (`[quarantine]
//! tests = ["t/db.t::connects twice"]`, or `--quarantine-flaky` for a
//! flaky test). The verdict is left alone: a quarantined file that failed
//! is still FAIL (TIMEOUT, ERROR) in every report; what changes is whether
//! that failure counts against the run ([`UnitSummary::fails_run`]).
//!
//! A quarantine entry excuses exactly what it names, the named file's or
//! test's own failure, and nothing that failure did to other units. A
//! failure is **excused** ([`excused`]) when
//!
//! * the whole file is quarantined and its verdict is FAIL, TIMEOUT or
//!   ERROR (whatever made it fail: the file's failure is its own); or
//! * some of its tests are quarantined, its verdict is FAIL, at least one
//!   test failed, every failing test is a quarantined one, and nothing
//!   else went wrong: no TAP problem or `Bail out!`
//!   ([`UnitSummary::faults`]), no signal, and an exit status the failing
//!   tests explain ([`exit_explained`]). A file that also failed for a
//!   test that is not quarantined, crashed, missed its plan, numbered its
//!   tests out of sequence, timed out or errored is a real failure;
//!
//! and in both cases the failure **stopped nothing else**
//! ([`UnitSummary::stopped`]): a file whose `Bail out!` left other files
//! NOT RUN, or whose failure made files that depend on it SKIP, fails the
//! run however it is quarantined ([`link_stops`] finds them).
//!
//! # Test ids
//!
//! A test is named as `ptest report flaky` names it: `FILE::KEY`, where
//! `KEY` is the test's name as the history keys it ([`crate::parse::case_keys`]): its
//! trimmed name, `#N` for an unnamed test (its number), and `NAME #N` for
//! the second test of the same name in one file.

use crate::outcome::UnitRun;
use crate::outcome::{UnitSummary, Verdict};
use crate::parse::case_keys;
use crate::unit::Unit;

/// What the run quarantines in one unit, taken from its settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quarantine {
    /// The whole unit.
    pub file: bool,
    /// Test keys (see the module docs) inside it.
    pub tests: Vec<String>,
}

impl Quarantine {
    /// Whether nothing is quarantined.
    pub fn is_empty(&self) -> bool {
        !self.file && self.tests.is_empty()
    }

    /// Marks `summary` with this quarantine: the file flag, and the keys of
    /// its tests that are quarantined (those that ran, in order; a listed
    /// test the file did not report is left out).
    pub fn mark(&self, summary: &mut UnitSummary) {
        summary.quarantined = self.file;
        if self.tests.is_empty() {
            return;
        }
        summary.quarantined_tests = case_keys(&summary.cases)
            .into_iter()
            .filter(|key| self.tests.contains(key))
            .collect();
    }
}

/// Whether the test keyed `key` is quarantined: the whole file is, or the
/// key is listed.
pub fn case_quarantined(file: &UnitSummary, key: &str) -> bool {
    file.quarantined || file.quarantined_tests.iter().any(|k| k == key)
}

/// Whether the file's failure is excused by quarantine (see the module
/// docs): its own failure is one quarantine covers ([`excuses_own`]) and
/// it stopped no other unit. False for a file that did not fail.
pub fn excused(file: &UnitSummary) -> bool {
    excuses_own(file) && file.stopped.is_empty()
}

/// Whether quarantine covers the file's own failure, leaving aside what
/// it did to other units (see the module docs).
pub fn excuses_own(file: &UnitSummary) -> bool {
    match file.verdict {
        Verdict::Fail => file.quarantined || only_quarantined_tests_failed(file),
        Verdict::Timeout | Verdict::Error => file.quarantined,
        Verdict::Pass | Verdict::Flaky | Verdict::Skip | Verdict::NotRun | Verdict::Interrupted => {
            false
        }
    }
}

fn only_quarantined_tests_failed(file: &UnitSummary) -> bool {
    if file.quarantined_tests.is_empty() || !file.faults.is_empty() {
        return false;
    }
    let failing: Vec<String> = file
        .cases
        .iter()
        .zip(case_keys(&file.cases))
        .filter(|(case, _)| case.status.is_failure())
        .map(|(_, key)| key)
        .collect();
    !failing.is_empty()
        && failing
            .iter()
            .all(|key| file.quarantined_tests.contains(key))
        && exit_explained(file, failing.len())
}

/// Whether the file's exit status is what `failing` failed tests explain,
/// so that it adds no failure of its own: status 0; for TAP and JUnit
/// files, a status from 1 to the number of failing tests (Test::More exits
/// with that number, capped at 254; most other harnesses exit 1); for a
/// libtest unit, libtest's 101; for an exit-code file any exit or signal
/// (its one test *is* its exit). A signal is never explained otherwise,
/// nor is anything but an exit. A summary without a status (written
/// before statuses were recorded) explains itself.
pub fn exit_explained(file: &UnitSummary, failing: usize) -> bool {
    use crate::outcome::ChildStatus;
    use crate::parse::Protocol;
    let Some(status) = &file.status else {
        return true;
    };
    match (status, file.protocol) {
        (ChildStatus::Exited { code: 0 }, _) => true,
        (ChildStatus::Exited { .. } | ChildStatus::Signaled { .. }, Some(Protocol::ExitCode)) => {
            failing > 0
        }
        (ChildStatus::Exited { code }, Some(Protocol::Libtest)) => failing > 0 && *code == 101,
        (ChildStatus::Exited { code }, Some(Protocol::Tap | Protocol::Junit) | None) => {
            let most = failing.min(254);
            usize::try_from(*code).is_ok_and(|code| code >= 1 && code <= most)
        }
        (
            ChildStatus::Signaled { .. }
            | ChildStatus::TimedOut { .. }
            | ChildStatus::GlobalTimeout { .. }
            | ChildStatus::Interrupted
            | ChildStatus::SpawnFailed { .. },
            _,
        ) => false,
    }
}

/// Fills in [`UnitSummary::stopped`] from every unit's
/// [`UnitSummary::stopped_by`]: each file lists the units its failure kept
/// from running, in id order. Recomputed from scratch (idempotent), so a
/// merge of shards can call it again on the combined files.
pub fn link_stops(files: &mut [UnitSummary]) {
    let mut stopped: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for f in files.iter() {
        if let Some(by) = &f.stopped_by {
            stopped.entry(by.clone()).or_default().push(f.id.clone());
        }
    }
    for f in files.iter_mut() {
        f.stopped = stopped.remove(&f.id).unwrap_or_default();
        f.stopped.sort();
        f.stopped.dedup();
    }
}

/// Whether quarantine (as `unit`'s settings ask it) excuses the failure
/// of its finished attempt `run`: what the dispatcher asks for
/// `--max-fail`. False at once when nothing is quarantined.
pub fn excuses(unit: &Unit, run: &UnitRun) -> bool {
    let q = Quarantine {
        file: unit.settings.quarantine,
        tests: unit.settings.quarantine_tests.clone(),
    };
    if q.is_empty() {
        return false;
    }
    let mut summary = super::judge(unit.id.to_string(), unit.path().to_path_buf(), run);
    q.mark(&mut summary);
    // What it stops is not known yet; a bail-out stops the run anyway.
    excuses_own(&summary)
}

/// Whether a failing case of `file` is not quarantined (so that it shows
/// the failure on its own, in every report).
pub fn has_unquarantined_failure(file: &UnitSummary) -> bool {
    let keys = case_keys(&file.cases);
    file.cases
        .iter()
        .zip(&keys)
        .any(|(c, key)| c.status.is_failure() && !case_quarantined(file, key))
}

/// Failing tests of `file` that are quarantined.
pub fn quarantined_failing_tests(file: &UnitSummary) -> usize {
    file.cases
        .iter()
        .zip(case_keys(&file.cases))
        .filter(|(case, key)| case.status.is_failure() && case_quarantined(file, key))
        .count()
}

/// Whether a whole-file quarantine looks unneeded: the file is
/// quarantined and passed (worth un-quarantining).
pub fn passing_while_quarantined(file: &UnitSummary) -> bool {
    file.quarantined && file.verdict == Verdict::Pass
}

impl UnitSummary {
    /// Whether this file makes the run fail: it failed, timed out or
    /// errored, and quarantine does not excuse it ([`excused`]).
    pub fn fails_run(&self) -> bool {
        self.verdict.is_failure() && !excused(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{CaseResult, CaseStatus};
    use crate::testing::case;

    fn file(verdict: Verdict, cases: Vec<CaseResult>) -> UnitSummary {
        let mut f = UnitSummary::not_run("t/a.t".into(), "t/a.t".into(), "");
        f.verdict = verdict;
        f.cases = cases;
        f
    }

    #[test]
    fn keys_follow_the_history_rule() {
        let mut unnamed = case(3, "  ", CaseStatus::Pass);
        unnamed.number = None;
        let cases = vec![
            case(1, " adds ", CaseStatus::Pass),
            case(2, "adds", CaseStatus::Fail),
            unnamed,
        ];
        assert_eq!(case_keys(&cases), ["adds", "adds #2", "#3"]);
    }

    #[test]
    fn a_quarantined_file_excuses_fail_timeout_and_error_only() {
        for (verdict, want) in [
            (Verdict::Fail, true),
            (Verdict::Timeout, true),
            (Verdict::Error, true),
            (Verdict::Pass, false),
            (Verdict::Skip, false),
            (Verdict::NotRun, false),
            (Verdict::Interrupted, false),
        ] {
            let mut f = file(verdict, Vec::new());
            assert!(!excused(&f), "{verdict:?} not quarantined");
            f.quarantined = true;
            assert_eq!(excused(&f), want, "{verdict:?}");
            assert_eq!(f.fails_run(), verdict.is_failure() && !want);
        }
    }

    #[test]
    fn listed_tests_excuse_a_fail_only_when_they_are_all_that_failed() {
        let cases = || {
            vec![
                case(1, "flips", CaseStatus::Fail),
                case(2, "solid", CaseStatus::Pass),
            ]
        };
        let q = Quarantine {
            file: false,
            tests: vec!["flips".into(), "not reported".into()],
        };
        let mut f = file(Verdict::Fail, cases());
        q.mark(&mut f);
        assert_eq!(f.quarantined_tests, ["flips"]);
        assert!(excused(&f) && !f.fails_run());
        assert_eq!(quarantined_failing_tests(&f), 1);

        let mut both = file(Verdict::Fail, cases());
        both.cases[1].status = CaseStatus::Fail;
        q.mark(&mut both);
        assert!(!excused(&both) && both.fails_run());

        // A bad plan with every test passing is not a quarantined test's doing.
        let mut plan = file(Verdict::Fail, cases());
        plan.cases[0].status = CaseStatus::Pass;
        q.mark(&mut plan);
        assert!(plan.fails_run());

        // A timeout is never excused by a test-level entry.
        let mut timeout = file(Verdict::Timeout, cases());
        q.mark(&mut timeout);
        assert!(timeout.fails_run());
    }
}
