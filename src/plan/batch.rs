//! Packing the files of a batched runner (`[[runner]]` `batch = true`)
//! into batches: several files started by one child.
//!
//! # Which files share a batch
//!
//! Only files whose runner batches them ([`UnitSettings::batch`]), that
//! are not skipped and take no part in a `depends-on` (as dependency or
//! dependent: the queue tracks those one file at a time). A batch never
//! mixes files that differ in anything but their quarantine and `slow`
//! settings: runner command, working directory, environment, protocol,
//! timeout, retries, exclusive, group, weight, `--repeat` iteration and
//! batch target all agree within a batch, so the batch is admitted, timed
//! and started as any of its files would be.
//!
//! # How many, and which
//!
//! Per set of files that may share a batch, with `j` slots and expected
//! durations known (history, `--durations`, or the suite's estimate):
//! at least `k = max(j, ⌈sum / batch-target⌉)` batches (at most one per
//! file), filled longest file first into the batch with the least expected
//! work (LPT), ties by id. So there are at least as many batches as slots,
//! a file longer than a batch's share ends up alone, and batches are about
//! as long as each other. Of the counts `k ..= k + 2j`, the one whose
//! batches, each costing [`START_COST`] more, end soonest when started
//! longest first on `j` slots beside the rest of the plan is taken (two
//! long files and a set of short ones on two slots: two batches, one after
//! each long file, not one that keeps a slot busy after the other is idle). When nothing is known about any file, file size in
//! bytes stands for the work and `k = min(files, 2j)` (more, smaller
//! batches hedge against sizes that mislead). A batch of one file is no
//! batch: the file stays a plain unit.
//!
//! # Indices
//!
//! A plan's runnable units are its entries (`0..entries.len()`) followed
//! by its batches (`entries.len() + b`); [`Plan::unit`], [`Plan::members`]
//! and [`Plan::expected_of`] answer for both, so the dispatcher and the
//! admission queue treat them alike. A file inside a batch is *held* in
//! the queue: it starts only on its own, if its batch does not report it
//! (see [`crate::aggregate::split`]).
//!
//! [`UnitSettings::batch`]: crate::unit::UnitSettings::batch

use super::Plan;
use crate::unit::{Unit, UnitId, UnitKind, UnitSettings};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Several files of one batched runner, started as one child.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The unit that starts them: a [`UnitKind::Batch`].
    pub unit: Unit,
    /// Its files, as indices into [`Plan::entries`], in the order they go
    /// on the command line (plan order).
    pub members: Vec<usize>,
    /// The sum of its files' expected durations, when known.
    pub expected: Option<Duration>,
}

impl Plan {
    /// How many runnable units the plan holds: its entries, then its
    /// batches (see the module docs).
    pub fn units(&self) -> usize {
        self.entries.len() + self.batches.len()
    }

    /// Runnable unit `index`: an entry's file, or a batch.
    ///
    /// # Panics
    ///
    /// When `index` is not below [`Plan::units`].
    pub fn unit(&self, index: usize) -> &Unit {
        match index.checked_sub(self.entries.len()) {
            None => &self.entries[index].file,
            Some(b) => &self.batches[b].unit,
        }
    }

    /// The entries runnable unit `index` reports results for: itself for
    /// an entry, its files for a batch.
    pub fn members(&self, index: usize) -> Vec<usize> {
        match index.checked_sub(self.entries.len()) {
            None => vec![index],
            Some(b) => self
                .batches
                .get(b)
                .map_or_else(Vec::new, |batch| batch.members.clone()),
        }
    }

    /// The expected duration of runnable unit `index`.
    pub fn expected_of(&self, index: usize) -> Option<Duration> {
        match index.checked_sub(self.entries.len()) {
            None => self.entries.get(index).and_then(|e| e.expected),
            Some(b) => self.batches.get(b).and_then(|batch| batch.expected),
        }
    }

    /// The batch entry `index` is held in, if any.
    pub fn batch_of(&self, index: usize) -> Option<usize> {
        self.batches.iter().position(|b| b.members.contains(&index))
    }

    /// Packs the files of batched runners into [`Plan::batches`] (see the
    /// module docs); replaces any earlier packing.
    pub fn pack_batches(&mut self) {
        self.batches.clear();
        let involved = self.in_dependencies();
        let mut sets: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            let s = &e.file.settings;
            let batchable = s.batch.is_some()
                && s.skip.is_none()
                && s.depends_on.is_empty()
                && !involved.contains(&i)
                && matches!(e.file.kind, UnitKind::File { .. });
            if batchable {
                sets.entry(key(&e.file)).or_default().push(i);
            }
        }
        let jobs = self.jobs.max(1);
        for members in sets.into_values() {
            for bin in self.pack(&members, jobs) {
                if bin.len() > 1 {
                    let batch = self.batch(bin);
                    self.batches.push(batch);
                }
            }
        }
    }

    /// Entries some other entry depends on.
    fn in_dependencies(&self) -> BTreeSet<usize> {
        match &self.dependencies {
            Ok(deps) => deps.iter().flatten().copied().collect(),
            Err(_) => (0..self.entries.len()).collect(),
        }
    }

    /// `members` (entries that may share a batch) dealt into batches,
    /// each in plan order.
    fn pack(&self, members: &[usize], jobs: usize) -> Vec<Vec<usize>> {
        let known = members.iter().all(|&i| self.entries[i].expected.is_some());
        let target = self.entries[members[0]]
            .file
            .settings
            .batch
            .unwrap_or(crate::config::rules::DEFAULT_BATCH_TARGET)
            .max(Duration::from_millis(1));
        let work = |i: usize| -> u128 {
            match (known, self.entries[i].expected) {
                (true, Some(d)) => d.as_micros(),
                (true, None) | (false, _) => u128::from(self.entries[i].file.size),
            }
        };
        let n = members.len();
        let mut sorted = members.to_vec();
        sorted.sort_by(|&a, &b| {
            work(b)
                .cmp(&work(a))
                .then_with(|| self.entries[a].file.id.cmp(&self.entries[b].file.id))
        });
        let bins = if known {
            let sum: u128 = members.iter().map(|&i| work(i)).sum();
            let by_target = sum.div_ceil(target.as_micros()).max(1);
            let least = jobs
                .max(usize::try_from(by_target).unwrap_or(usize::MAX))
                .clamp(1, n);
            // The rest of the plan shares the slots: the batches are
            // chosen to finish with it, each paying one start.
            let mut mine = vec![false; self.entries.len()];
            for &i in members {
                mine[i] = true;
            }
            let others: Vec<u128> = self
                .entries
                .iter()
                .zip(&mine)
                .filter(|(_, mine)| !**mine)
                .map(|(e, _)| e.expected.map_or(0, |d| d.as_micros()))
                .collect();
            let start = START_COST.as_micros();
            let most = least.saturating_add(jobs.saturating_mul(2)).min(n);
            let mut best: Option<(u128, Bins)> = None;
            for k in least..=most {
                let bins = deal(&sorted, k, work);
                let mut loads = others.clone();
                loads.extend(bins.iter().map(|(load, _)| load + start));
                let span = makespan(loads, jobs);
                if best.as_ref().is_none_or(|(b, _)| span < *b) {
                    best = Some((span, bins));
                }
            }
            best.map_or_else(Vec::new, |(_, bins)| bins)
        } else {
            deal(&sorted, jobs.saturating_mul(2).clamp(1, n), work)
        };
        bins.into_iter()
            .map(|(_, mut bin)| {
                bin.sort_unstable();
                bin
            })
            .filter(|bin| !bin.is_empty())
            .collect()
    }

    /// The batch unit of `members` (at least two entries, plan order).
    fn batch(&self, members: Vec<usize>) -> Batch {
        let first = &self.entries[members[0]].file;
        let paths = members
            .iter()
            .map(|&i| self.entries[i].file.path().to_path_buf())
            .collect();
        let mut settings = first.settings.clone();
        settings.quarantine = false;
        settings.quarantine_tests.clear();
        let id = format!("{} (batch of {})", first.id, members.len());
        let unit = Unit {
            id: UnitId::new(id),
            kind: UnitKind::Batch {
                paths,
                runner: first.runner().clone(),
            },
            cwd: first.cwd.clone(),
            env: first.env.clone(),
            protocol: first.protocol,
            size: members.iter().map(|&i| self.entries[i].file.size).sum(),
            settings,
        };
        let expected = members
            .iter()
            .map(|&i| self.entries[i].expected)
            .sum::<Option<Duration>>();
        Batch {
            unit,
            members,
            expected,
        }
    }
}

/// What one more child of a batched runner is taken to cost (interpreter
/// start, imports, collection) when choosing how many batches to make:
/// pytest with a plugin or two takes 0.3–1 s before its first test.
pub const START_COST: Duration = Duration::from_millis(500);

/// Batches being filled: each one's work so far and its files.
type Bins = Vec<(u128, Vec<usize>)>;

/// `sorted` (longest first) dealt into `k` batches, each file into the
/// batch with the least work so far (LPT), ties to the first batch.
fn deal(sorted: &[usize], k: usize, work: impl Fn(usize) -> u128) -> Bins {
    use std::cmp::Reverse;
    let k = k.max(1);
    let mut bins: Bins = vec![(0, Vec::new()); k];
    // The lightest batch (least work, then lowest index) on top.
    let mut lightest: std::collections::BinaryHeap<Reverse<(u128, usize)>> =
        (0..k).map(|b| Reverse((0, b))).collect();
    for &i in sorted {
        let Some(Reverse((load, b))) = lightest.pop() else {
            break;
        };
        let load = load + work(i).max(1);
        bins[b].0 = load;
        bins[b].1.push(i);
        lightest.push(Reverse((load, b)));
    }
    bins
}

/// When the last of `loads` ends on `slots` slots, each started longest
/// first on the slot that frees first (as the dispatcher starts them).
fn makespan(mut loads: Vec<u128>, slots: usize) -> u128 {
    loads.sort_unstable_by(|a, b| b.cmp(a));
    let mut ends = std::collections::BinaryHeap::new();
    for _ in 0..slots.max(1) {
        ends.push(std::cmp::Reverse(0u128));
    }
    let mut last = 0;
    for load in loads {
        let std::cmp::Reverse(free) = ends.pop().unwrap_or(std::cmp::Reverse(0));
        let end = free + load;
        last = last.max(end);
        ends.push(std::cmp::Reverse(end));
    }
    last
}

/// What files must agree on to share a batch (see the module docs).
fn key(unit: &Unit) -> String {
    let s = &unit.settings;
    let settings = UnitSettings {
        timeout: s.timeout,
        retries: s.retries,
        exclusive: s.exclusive,
        group: s.group.clone(),
        weight: s.weight,
        batch: s.batch,
        iteration: s.iteration,
        ..UnitSettings::default()
    };
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}",
        unit.runner(),
        unit.cwd,
        unit.env,
        unit.protocol,
        settings
    )
}

/// The `--list --explain` / `--dry-run` lines that show the batches:
/// `Batches: 2 (8 files)` and one line per batch with its expected time
/// and files. Empty when the plan has none.
pub fn render_batches(plan: &Plan) -> String {
    if plan.batches.is_empty() {
        return String::new();
    }
    let files: usize = plan.batches.iter().map(|b| b.members.len()).sum();
    let mut out = format!(
        "Batches: {} ({files} files, one child each)\n",
        plan.batches.len()
    );
    for (n, batch) in plan.batches.iter().enumerate() {
        let expected = batch
            .expected
            .map_or_else(|| "?".to_string(), crate::util::duration::format_duration);
        let ids: Vec<&str> = batch
            .members
            .iter()
            .map(|&i| plan.entries[i].file.id.as_str())
            .collect();
        out.push_str(&format!(
            "  batch {} ({} files, expected {expected}): {}\n",
            n + 1,
            batch.members.len(),
            ids.join(" ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Expectations, PlanOptions};
    use crate::unit::Runner;

    fn pytest_file(name: &str, size: u64) -> Unit {
        let launcher = Runner::Command {
            argv: vec!["pytest".into(), "{files}".into()],
        };
        let mut unit = Unit::file(name.into(), name.into(), launcher, None, size);
        unit.settings.batch = Some(Duration::from_secs(5));
        unit
    }

    #[test]
    fn unknown_files_pack_by_size_into_twice_the_slots_and_a_batch_lists_its_files() {
        let files: Vec<Unit> = (0..8)
            .map(|i| pytest_file(&format!("t/test_{i}.py"), 100 + i))
            .collect();
        let plan = Plan::build(files, &Expectations::new(), &PlanOptions::new(2));
        assert_eq!(plan.batches.len(), 4, "{:?}", plan.batches);
        let mut covered: Vec<usize> = plan
            .batches
            .iter()
            .flat_map(|b| b.members.clone())
            .collect();
        covered.sort_unstable();
        assert_eq!(covered, (0..8).collect::<Vec<_>>(), "every file once");
        let batch = plan.entries.len();
        let argv = plan.unit(batch).argv().unwrap();
        assert_eq!(argv.len(), 1 + plan.members(batch).len(), "{argv:?}");
        assert_eq!(plan.units(), 12);
    }

    #[test]
    fn files_that_differ_in_a_constraint_never_share_a_batch() {
        // Three files per variant, one slot: each variant alone would make
        // one batch of two (and a file alone), never mixing variants.
        type Change = fn(&mut UnitSettings);
        let variants: [Change; 8] = [
            |_| {},
            |s| s.timeout = Some(Duration::from_secs(3)),
            |s| s.retries = Some(2),
            |s| s.exclusive = true,
            |s| s.group = Some("db".into()),
            |s| s.weight = 2,
            |s| s.batch = Some(Duration::from_secs(9)),
            |s| s.iteration = Some(2),
        ];
        let mut files = Vec::new();
        for (v, change) in variants.iter().enumerate() {
            for i in 0..3 {
                let mut file = pytest_file(&format!("t/test_{v}_{i}.py"), 100);
                change(&mut file.settings);
                files.push(file);
            }
        }
        let plan = Plan::build(files, &Expectations::new(), &PlanOptions::new(1));
        for batch in &plan.batches {
            let variants: BTreeSet<&str> = batch
                .members
                .iter()
                .map(|&m| &plan.entries[m].file.id.as_str()[7..8])
                .collect();
            assert_eq!(variants.len(), 1, "{}", render_batches(&plan));
        }
        assert_eq!(plan.batches.len(), 8, "{}", render_batches(&plan));
    }

    /// When the rest of the plan bounds the run whatever the batches do,
    /// the fewest batches win: each one more is one more start.
    #[test]
    fn the_fewest_batches_when_the_count_does_not_change_the_end() {
        let mut files = vec![Unit::file(
            "t/long.sh".into(),
            "t/long.sh".into(),
            Runner::Command {
                argv: vec!["sh".into(), "{file}".into()],
            },
            None,
            1,
        )];
        files.extend((0..20).map(|i| pytest_file(&format!("t/test_{i:02}.py"), 1)));
        let mut expected = Expectations::new();
        expected.insert_recorded("t/long.sh", Duration::from_secs(100));
        for i in 0..20 {
            expected.insert_recorded(format!("t/test_{i:02}.py"), Duration::from_millis(100));
        }
        let plan = Plan::build(files, &expected, &PlanOptions::new(2));
        assert_eq!(plan.batches.len(), 2, "{}", render_batches(&plan));
    }

    /// Two long files and twenty short ones on two slots: the short ones
    /// make two batches, one after each long file, instead of one batch
    /// that runs after either long file while the other slot idles.
    #[test]
    fn batches_are_chosen_to_finish_with_the_long_files() {
        let mut files: Vec<Unit> = vec![
            pytest_file("t/test_big1.py", 1),
            pytest_file("t/test_big2.py", 1),
        ];
        files.extend((0..20).map(|i| pytest_file(&format!("t/test_{i:02}.py"), 1)));
        let mut expected = Expectations::new();
        expected.insert_recorded("t/test_big1.py", Duration::from_secs(4));
        expected.insert_recorded("t/test_big2.py", Duration::from_millis(3900));
        for i in 0..20 {
            expected.insert_recorded(format!("t/test_{i:02}.py"), Duration::from_millis(190));
        }
        let plan = Plan::build(files, &expected, &PlanOptions::new(2));
        let sizes: Vec<usize> = plan.batches.iter().map(|b| b.members.len()).collect();
        assert_eq!(sizes, vec![10, 10], "{}", render_batches(&plan));
        let loads: Vec<u128> = (0..plan.units())
            .filter(|&u| plan.batch_of(u).is_none() || u >= plan.entries.len())
            .filter_map(|u| plan.expected_of(u).map(|d| d.as_micros()))
            .collect();
        assert!(
            makespan(loads, 2) <= 6_000_000,
            "the two slots should end together: {}",
            render_batches(&plan)
        );
    }

    #[test]
    fn makespan_starts_the_longest_first_on_the_slot_that_frees_first() {
        assert_eq!(makespan(vec![4, 4, 2, 2], 2), 6);
        assert_eq!(makespan(vec![3, 3, 3], 2), 6);
        assert_eq!(makespan(vec![5, 1, 1, 1, 1, 1], 2), 5);
        assert_eq!(makespan(vec![], 2), 0);
    }

    #[test]
    fn deal_puts_each_file_in_the_lightest_batch_ties_to_the_first() {
        let work = |i: usize| [5u128, 4, 3, 2][i];
        let bins = deal(&[0, 1, 2, 3], 2, work);
        assert_eq!(bins, vec![(7, vec![0, 3]), (7, vec![1, 2])]);
        let bins = deal(&[0, 1], 3, work);
        assert_eq!(bins, vec![(5, vec![0]), (4, vec![1]), (0, vec![])]);
    }
}
