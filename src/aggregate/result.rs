//! The result of a run, or of a merge of shard summaries: one pure rule
//! ([`run_result`]) that the exit code ([`crate::commands::Exit`]), the
//! console's `Result:` line and `ptest merge` all use.
//!
//! A run passes only when every planned unit's final verdict passes it
//! ([`unit_passes`]):
//!
//! * PASS, and SKIP unless another unit's failure made it skip
//!   ([`UnitSummary::stopped_by`]);
//! * FLAKY, unless `--flaky-fail` (a quarantined flaky file still passes);
//! * FAIL, TIMEOUT or ERROR only when quarantine excuses it and it stopped
//!   nothing else ([`super::quarantine::excused`]);
//! * never NOT RUN or INTERRUPTED: work that did not run is not a pass,
//!   whatever stopped it (a bail-out, the global timeout, `--max-fail`).
//!
//! Then the first that applies: an interrupted run (Ctrl-C, SIGTERM) is
//! [`RunResult::Interrupted`]; a merge missing shards is
//! [`RunResult::Incomplete`]; a unit that does not pass makes it
//! [`RunResult::Fail`]; else [`RunResult::Pass`].

use crate::outcome::{RunSummary, UnitSummary, Verdict};

/// What a run (or a merge of shards) comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunResult {
    /// Every unit passes the run.
    Pass,
    /// Some unit does not.
    Fail,
    /// Not every planned unit was reported (a merge missing shards).
    Incomplete,
    /// ptest was interrupted (Ctrl-C, SIGTERM), or a merged shard was.
    Interrupted,
}

/// Whether unit `f`'s final verdict lets the run pass (see the module
/// docs); `flaky_fails` is `--flaky-fail`.
pub fn unit_passes(f: &UnitSummary, flaky_fails: bool) -> bool {
    match f.verdict {
        Verdict::Pass => true,
        Verdict::Skip => f.stopped_by.is_none(),
        Verdict::Flaky => !flaky_fails || f.quarantined,
        Verdict::Fail | Verdict::Timeout | Verdict::Error => super::quarantine::excused(f),
        Verdict::NotRun | Verdict::Interrupted => false,
    }
}

/// The result of a run whose units ended as `files` (see the module docs).
pub fn run_result(
    files: &[UnitSummary],
    flaky_fails: bool,
    interrupted: bool,
    incomplete: bool,
) -> RunResult {
    if interrupted {
        RunResult::Interrupted
    } else if incomplete {
        RunResult::Incomplete
    } else if files.iter().all(|f| unit_passes(f, flaky_fails)) {
        RunResult::Pass
    } else {
        RunResult::Fail
    }
}

impl RunSummary {
    /// The run's result ([`run_result`]).
    pub fn result(&self) -> RunResult {
        run_result(
            &self.files,
            self.flaky_fails,
            self.interrupted,
            self.incomplete.is_some(),
        )
    }
}

#[cfg(test)]
mod tests {
    //! The exit-code rule as properties: a run exits 0 only if every unit's
    //! final verdict is pass, skip, an allowed flaky or a quarantined
    //! failure that excused nothing else; and `ptest merge` of the run cut
    //! into two summaries comes to the same exit code.

    use super::*;
    use crate::aggregate::quarantine::link_stops;
    use crate::commands::Exit;
    use crate::outcome::ChildStatus;
    use crate::parse::{CaseStatus, Protocol};
    use crate::testing::{case, SummaryFixture};
    use proptest::prelude::*;

    /// One generated unit, before its id and links are set.
    #[derive(Debug, Clone)]
    struct Gen {
        verdict: Verdict,
        quarantined: bool,
        /// Per case: failed?, quarantined?
        cases: Vec<(bool, bool)>,
        fault: bool,
        status: ChildStatus,
        /// Index (mod the unit count) of the unit that stopped this one.
        stopped_by: Option<usize>,
    }

    fn verdict() -> impl Strategy<Value = Verdict> {
        prop_oneof![
            Just(Verdict::Pass),
            Just(Verdict::Fail),
            Just(Verdict::Skip),
            Just(Verdict::Timeout),
            Just(Verdict::Error),
            Just(Verdict::NotRun),
            Just(Verdict::Interrupted),
            Just(Verdict::Flaky),
        ]
    }

    fn status() -> impl Strategy<Value = ChildStatus> {
        prop_oneof![
            (0i32..12).prop_map(|code| ChildStatus::Exited { code }),
            Just(ChildStatus::Exited { code: 255 }),
            Just(ChildStatus::Signaled {
                signal: 11,
                name: "SIGSEGV".into(),
            }),
        ]
    }

    fn unit() -> impl Strategy<Value = Gen> {
        (
            verdict(),
            prop::bool::weighted(0.3),
            prop::collection::vec((any::<bool>(), any::<bool>()), 0..5),
            prop::bool::weighted(0.2),
            status(),
            prop::option::weighted(0.2, 0usize..8),
        )
            .prop_map(
                |(verdict, quarantined, cases, fault, status, stopped_by)| Gen {
                    verdict,
                    quarantined,
                    cases,
                    fault,
                    status,
                    stopped_by,
                },
            )
    }

    /// The units as summaries: ids `t/N.sh`, linked stops (a unit never
    /// stops itself).
    fn summaries(gens: &[Gen]) -> Vec<UnitSummary> {
        let id = |i: usize| format!("t/{i:02}.sh");
        let mut files: Vec<UnitSummary> = gens
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut f = UnitSummary::not_run(id(i), id(i).into(), "");
                f.verdict = g.verdict;
                f.reasons.clear();
                f.protocol = Some(Protocol::Tap);
                f.status = Some(g.status.clone());
                f.quarantined = g.quarantined;
                f.cases = g
                    .cases
                    .iter()
                    .enumerate()
                    .map(|(n, &(failed, _))| {
                        let status = if failed {
                            CaseStatus::Fail
                        } else {
                            CaseStatus::Pass
                        };
                        case(n as u64 + 1, &format!("c{n}"), status)
                    })
                    .collect();
                f.quarantined_tests = g
                    .cases
                    .iter()
                    .enumerate()
                    .filter(|(_, &(_, q))| q)
                    .map(|(n, _)| format!("c{n}"))
                    .collect();
                if g.fault {
                    f.faults = vec!["Bail out!".into()];
                }
                f.stopped_by = g
                    .stopped_by
                    .map(|s| s % gens.len())
                    .filter(|&s| s != i)
                    .map(id);
                f
            })
            .collect();
        link_stops(&mut files);
        files
    }

    /// The rule, written out from the issue, case by case.
    fn passes_spec(g: &Gen, f: &UnitSummary, flaky_fails: bool) -> bool {
        let stopped_nothing = f.stopped.is_empty();
        match g.verdict {
            Verdict::Pass => true,
            Verdict::Skip => g.stopped_by.is_none() || f.stopped_by.is_none(),
            Verdict::Flaky => !flaky_fails || g.quarantined,
            Verdict::NotRun | Verdict::Interrupted => false,
            Verdict::Timeout | Verdict::Error => g.quarantined && stopped_nothing,
            Verdict::Fail => {
                let failing: Vec<&(bool, bool)> = g.cases.iter().filter(|c| c.0).collect();
                let tests_only = !failing.is_empty()
                    && failing.iter().all(|c| c.1)
                    && !g.fault
                    && match g.status {
                        ChildStatus::Exited { code } => {
                            code == 0 || (code >= 1 && code as usize <= failing.len())
                        }
                        _ => false,
                    };
                stopped_nothing && (g.quarantined || tests_only)
            }
        }
    }

    proptest! {
        #[test]
        fn exit_zero_only_when_every_unit_passes_the_run(
            gens in prop::collection::vec(unit(), 1..8),
            flaky_fails in any::<bool>(),
            interrupted in prop::bool::weighted(0.1),
        ) {
            let files = summaries(&gens);
            let want = !interrupted
                && gens.iter().zip(&files).all(|(g, f)| passes_spec(g, f, flaky_fails));
            let mut summary = SummaryFixture::new(files).interrupted(interrupted).build();
            summary.flaky_fails = flaky_fails;
            let exit = Exit::of_summary(&summary, true);
            prop_assert_eq!(exit == Exit::Passed, want, "{:?}", exit);
            if interrupted {
                prop_assert_eq!(exit, Exit::Interrupted);
            }
            // A failure that stopped another unit is never excused.
            for f in &summary.files {
                if !f.stopped.is_empty() {
                    prop_assert!(!crate::aggregate::quarantine::excused(f));
                }
            }
            // The console says what the exit code says.
            let text = crate::report::console::render_summary(
                &summary,
                &crate::report::console::Palette::new(false),
                "",
            );
            let last = text.lines().last().unwrap_or_default().to_string();
            prop_assert_eq!(last.starts_with("Result: PASS"), want, "{}", last);
        }

        #[test]
        fn a_merge_of_the_run_cut_in_two_exits_the_same(
            gens in prop::collection::vec(unit(), 2..8),
            cut in 1usize..7,
            flaky_fails in any::<bool>(),
        ) {
            let files = summaries(&gens);
            let cut = cut.min(files.len() - 1);
            let mut whole = SummaryFixture::new(files.clone()).build();
            whole.flaky_fails = flaky_fails;
            let part = |files: &[UnitSummary]| {
                let mut s = SummaryFixture::new(files.to_vec()).build();
                s.flaky_fails = flaky_fails;
                s
            };
            let combined = crate::aggregate::shards::combine(vec![
                ("a.json".into(), part(&files[..cut])),
                ("b.json".into(), part(&files[cut..])),
            ])
            .expect("combine");
            prop_assert_eq!(
                Exit::of_summary(&combined.summary, true),
                Exit::of_summary(&whole, true)
            );
            prop_assert_eq!(combined.summary.totals, whole.totals);
        }
    }
}
