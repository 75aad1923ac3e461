//! `--repeat N` (and `--until-fail`): the plan holds every selected unit N
//! times, as iterations, and the admission queue keeps a unit's iterations
//! from ever running at once. Nothing in the dispatcher knows about it.
//!
//! # Order: spread
//!
//! The entries are iteration-major: iteration 1 of every unit (in the
//! plan's own order: failed-first, longest first, …), then iteration 2 of
//! every unit, and so on. So every unit runs once before any runs twice,
//! a stop (`--until-fail`, `--fail-fast`, Ctrl-C) leaves whole rounds
//! behind, and the slots stay busy with different units.
//!
//! # Never the same unit twice at once
//!
//! Each repeated unit without a group gets an implicit group of its own
//! with max-threads 1 (a counting semaphore of the queue; the child does
//! not see it: no `PTEST_GROUP`). A unit has one group only, so a unit in
//! a `[groups.NAME]` group keeps that group, and during a repeat run that
//! group runs one member at a time (max-threads 1): its cap still holds
//! and no member overlaps itself, at the cost of that group's
//! parallelism. An `exclusive` unit runs alone anyway.
//!
//! # Dependencies
//!
//! Iteration `k` of a unit depends on iteration `k` of its dependencies:
//! each round is the plan's DAG again.

use super::Plan;
use std::collections::BTreeMap;

impl Plan {
    /// The plan with every entry `times` times (at least once), iterations
    /// numbered from 1 in each entry's [`crate::unit::UnitSettings::iteration`],
    /// ordered iteration-major (see the module docs).
    pub fn repeat(mut self, times: u32) -> Plan {
        let times = times.max(1);
        let base = std::mem::take(&mut self.entries);
        let n = base.len();
        self.entries = (1..=times)
            .flat_map(|k| {
                base.iter().map(move |e| {
                    let mut e = e.clone();
                    e.file.settings.iteration = Some(k);
                    e
                })
            })
            .collect();
        self.dependencies = self.dependencies.map(|deps| {
            (0..times as usize)
                .flat_map(|k| {
                    deps.iter()
                        .map(move |list| list.iter().map(|&j| k * n + j).collect())
                })
                .collect()
        });
        self.pack_batches();
        self
    }

    /// How many iterations the plan holds (0 when it is not a repeat run).
    pub fn iterations(&self) -> u32 {
        self.entries
            .iter()
            .filter_map(|e| e.file.settings.iteration)
            .max()
            .unwrap_or(0)
    }
}

/// For the admission queue of `plan` whose named groups are `names` (with
/// max-threads `caps`): per entry, the implicit group that keeps its
/// iterations apart (`None`: it needs none), and the caps with the
/// implicit groups appended and every named group holding a repeated unit
/// cut to 1 (see the module docs).
pub(super) fn exclusion(
    plan: &Plan,
    names: &[String],
    mut caps: Vec<usize>,
) -> (Vec<Option<usize>>, Vec<usize>) {
    let mut implicit: BTreeMap<&str, usize> = BTreeMap::new();
    let mut groups = Vec::with_capacity(plan.entries.len());
    for e in &plan.entries {
        let s = &e.file.settings;
        if s.iteration.is_none() || s.exclusive {
            groups.push(None);
            continue;
        }
        if let Some(named) = s.group.as_deref() {
            if let Ok(g) = names.binary_search_by(|n| n.as_str().cmp(named)) {
                caps[g] = 1;
            }
            groups.push(None);
            continue;
        }
        let next = names.len() + implicit.len();
        let g = *implicit.entry(e.file.id.as_str()).or_insert(next);
        if g == next {
            caps.push(1);
        }
        groups.push(Some(g));
    }
    (groups, caps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::queue::Finish;
    use crate::unit::{Runner, Unit};

    fn unit(id: &str) -> Unit {
        Unit::file(id.into(), id.into(), Runner::Direct, None, 0)
    }

    fn ids(plan: &Plan) -> Vec<(String, u32)> {
        plan.entries
            .iter()
            .map(|e| {
                (
                    e.file.id.to_string(),
                    e.file.settings.iteration.unwrap_or(0),
                )
            })
            .collect()
    }

    #[test]
    fn every_unit_runs_once_before_any_runs_twice() {
        let plan = Plan::lexical(vec![unit("a"), unit("b")], 2).repeat(3);
        let want: Vec<(String, u32)> = [1, 2, 3]
            .iter()
            .flat_map(|&k| [("a".to_string(), k), ("b".to_string(), k)])
            .collect();
        assert_eq!(ids(&plan), want);
        assert_eq!(plan.iterations(), 3);
        assert_eq!(Plan::lexical(vec![unit("a")], 1).iterations(), 0);
    }

    #[test]
    fn a_unit_never_runs_beside_its_own_iterations() {
        let plan = Plan::lexical(vec![unit("a"), unit("b")], 4).repeat(2);
        let mut q = plan.queue(None).unwrap();
        assert_eq!(q.next_ready(4), Some(0), "a #1");
        assert_eq!(q.next_ready(3), Some(1), "b #1");
        assert_eq!(q.next_ready(2), None, "a #2 and b #2 wait");
        q.finished(1, Finish::Passed);
        assert_eq!(q.next_ready(3), Some(3), "b #2 once b #1 ended");
        q.finished(0, Finish::NotPassed);
        assert_eq!(q.next_ready(2), Some(2), "a #2 runs after a failure too");
    }

    #[test]
    fn a_named_group_runs_one_at_a_time_and_rounds_keep_their_dependencies() {
        let mut db = unit("db");
        db.settings.group = Some("pg".into());
        let mut other = unit("other");
        other.settings.group = Some("pg".into());
        let mut after = unit("after");
        after.settings.depends_on = vec![crate::unit::UnitId::new("db".into())];
        let mut plan = Plan::lexical(vec![after, db, other], 3);
        plan.groups.insert("pg".into(), 2);
        let plan = plan.repeat(2);
        assert_eq!(
            plan.dependencies.as_ref().unwrap()[3],
            [4],
            "after #2 needs db #2"
        );
        let mut q = plan.queue(None).unwrap();
        assert_eq!(q.next_ready(3), Some(1), "db #1; after #1 waits for it");
        assert_eq!(
            q.next_ready(2),
            None,
            "other #1 waits: pg runs one at a time"
        );
        q.finished(1, Finish::Passed);
        assert_eq!(q.next_ready(3), Some(0), "after #1");
        assert_eq!(q.next_ready(2), Some(2), "other #1");
    }
}
