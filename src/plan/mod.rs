//! Deciding the order in which files start, and which files this machine runs.
//!
//! The dispatcher in [`crate::run`] starts `plan.entries` in order, the next
//! one whenever a slot frees (dynamic list scheduling), as the admission
//! [`queue`] decides; the predicted wall time simulates the same queue. Starting the longest
//! files first (LPT) keeps a slow file from starting last and running alone
//! at the end; splitting shards by duration keeps CI machines finishing
//! together.
//!
//! # Expected durations
//!
//! Every file gets an expected duration ([`Expectations`]), from, in order of
//! precedence:
//!
//! 1. **Imported** (`--durations FILE`, see [`ImportedDurations`]): when the
//!    file is listed there. Imported durations win because they were asked
//!    for explicitly, and because a durations file shared by every CI
//!    machine is what makes shard partitions agree (local histories may
//!    differ between machines).
//! 2. **History** ([`crate::history::History::expected`]): the weighted
//!    median of the file's recent runs.
//! 3. **Estimated**: a file with neither gets the 90th percentile (nearest
//!    rank) of the known expected durations of the files in this suite, so
//!    that new files start early rather than last: a new file is more likely
//!    to be slow than a typical one is, and starting it early costs little.
//! 4. **Unknown**: when no file of the suite has any duration, nothing is
//!    estimated (`expected` is `None`); files are then dispatched biggest
//!    file first (size in bytes, a weak proxy for work), and shards are split
//!    by a stable hash of the file id (balanced by count).
//!
//! Whether a file failed last time comes from the history only.
//!
//! # Order ([`Order`])
//!
//! * `failed-first` (default): files that failed last time first (longest
//!   first among them), then the rest longest expected first.
//! * `lpt`: longest expected first.
//! * `lexical`: by id.
//! * `random[:SEED]`: a shuffle determined by the seed; without one a seed
//!   is drawn and recorded in [`Plan::order`] (shown by the dry run) so the
//!   run can be repeated.
//!
//! Ties are broken by file id, and the input order of the files never
//! matters: the same inputs give the same plan.
//!
//! # Shards (`--shard K/N`)
//!
//! Every machine computes the same partition of the whole suite and keeps
//! part `K`. The partition is LPT bin packing: files sorted by expected
//! duration (longest first, ties by id), each assigned to the least-loaded
//! shard (ties: lowest shard). When no duration is known at all, files are
//! sorted by a stable hash of their id (BLAKE3, stable across versions and
//! platforms) and dealt round-robin, so shard sizes differ by at most one
//! file. The partition only depends on the file ids and their expected
//! durations: **all shards must see the same durations** (the same
//! `--durations` file, or the same history file), or they may disagree and
//! run some files twice and others not at all. [`ShardInfo::fingerprint`]
//! summarises the partition's inputs; equal fingerprints on every shard mean
//! they agree. That is also why a sharded run reads the history but never
//! writes it (`ptest merge --history` does): otherwise shards run one after
//! another would plan from different histories. [`ShardInfo::planned`]
//! holds the whole partition, which each shard's JSON summary records so
//! that `ptest merge` can check the shards against each other.
//!
//! Files linked by `depends-on` (a connected component of the dependency
//! graph, edges taken both ways) are one item of the split: with durations,
//! one bin item weighing the sum of its files (ties by its smallest id);
//! with none, hashed by its smallest id and put on the shard with the fewest
//! files so far (ties: lowest shard), which for single files is dealing
//! them round-robin. A dependency is therefore always on its dependents'
//! shard. The fingerprint covers these sets too.
//!
//! Failed-first only changes the order within a shard, never the partition.

pub mod batch;
mod bound;
mod deps;
mod dryrun;
mod durations;
mod estimate;
mod order;
pub mod queue;
mod repeat;
mod shard;

#[cfg(test)]
mod tests;

pub use batch::{render_batches, Batch};
pub use bound::{Bound, BoundItem};
pub use deps::{select_dependencies, PlanError, SelectedDependency, SELECTED_KEY};
pub use dryrun::render_dry_run;
pub use durations::{DurationsError, ImportedDurations};
pub use estimate::{Expectation, Expectations};
pub use shard::{partition, partition_together, Partition};
// Plain values shared with the settings and merge; defined in `crate::util`.
pub use crate::util::{order::Order, shard::Shard};

use crate::unit::Unit;
use crate::util::duration::format_duration;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Where a file's expected duration comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EstimateSource {
    /// Nothing is known about any file of the suite: no expected duration;
    /// files start biggest (in bytes) first and shards are split by hash.
    Unknown,
    /// Recorded durations in the history file.
    History,
    /// Imported with `--durations`.
    Imported,
    /// Not known for this file: the 90th percentile of the suite's known
    /// durations.
    Estimated,
}

impl EstimateSource {
    /// A short lowercase label: `history`, `imported`, `estimated`, `unknown`.
    pub fn label(self) -> &'static str {
        match self {
            EstimateSource::Unknown => "unknown",
            EstimateSource::History => "history",
            EstimateSource::Imported => "imported",
            EstimateSource::Estimated => "estimated",
        }
    }
}

/// One file in the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedUnit {
    /// The file.
    pub file: Unit,
    /// How long it is expected to take.
    pub expected: Option<Duration>,
    /// Where `expected` comes from.
    pub source: EstimateSource,
    /// Expected CPU time (user + system), when the history knows it.
    pub expected_cpu: Option<Duration>,
    /// Expected peak memory in bytes (the 90th percentile of the known
    /// files for a file without data), for `--mem-budget`.
    pub expected_rss: Option<u64>,
}

/// What the plan knows about the shard it was cut for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardInfo {
    /// This machine's shard.
    pub shard: Shard,
    /// Planned (expected) total of every shard, shard 1 first.
    pub totals: Vec<Duration>,
    /// Number of files in every shard, shard 1 first.
    pub counts: Vec<usize>,
    /// Whether the split was by hash because no duration was known.
    pub hash_split: bool,
    /// 12 hex digits summarising the partition's inputs (file ids, expected
    /// durations, shard count, split kind): equal on every shard when they
    /// agree.
    pub fingerprint: String,
    /// The ids of every shard's files (shard 1 first, each sorted by id):
    /// the whole partition, so `ptest merge` can tell which files ran on no
    /// shard and whether two shards were cut from the same partition.
    pub planned: Vec<Vec<String>>,
}

/// The files to run, in dispatch order, and the parallelism.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Number of slots: the jobs asked for, at most one per planned
    /// file (see [`slots`]).
    pub jobs: usize,
    /// Files in the order they are started (with `--shard`, only this
    /// shard's files).
    pub entries: Vec<PlannedUnit>,
    /// The order used; `Random` always carries the seed actually used.
    pub order: Order,
    /// The shard this plan was cut for, if any.
    pub shard: Option<ShardInfo>,
    /// Ids of the files whose last recorded run failed.
    pub failed_last_time: BTreeSet<String>,
    /// Files whose expected duration is only their timeout (every
    /// recorded run timed out): a lower bound, not a reason to call them
    /// long.
    pub timed_out: BTreeSet<String>,
    /// Max-threads per group (`[groups.NAME] max-threads`); a group a
    /// file names that is not here has max-threads 1.
    pub groups: BTreeMap<String, u32>,
    /// CPU cores of the machine (for the CPU part of the lower bound).
    pub cores: usize,
    /// Each entry's dependencies as entry indices, or why they are not a
    /// DAG over the run's files (see [`Plan::check`]).
    pub dependencies: Result<Vec<Vec<usize>>, PlanError>,
    /// Files of batched runners packed into batches, each run by one
    /// child; runnable unit `entries.len() + b` is batch `b` (see
    /// [`batch`](mod@batch)).
    pub batches: Vec<Batch>,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan {
            jobs: 0,
            entries: Vec::new(),
            order: Order::default(),
            shard: None,
            failed_last_time: BTreeSet::new(),
            timed_out: BTreeSet::new(),
            groups: BTreeMap::new(),
            cores: 1,
            dependencies: Ok(Vec::new()),
            batches: Vec::new(),
        }
    }
}

/// How to build a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// Number of slots (at least 1 is used).
    pub jobs: usize,
    /// Dispatch order.
    pub order: Order,
    /// Run only this shard.
    pub shard: Option<Shard>,
    /// Max-threads per group (from `Settings::groups`).
    pub groups: BTreeMap<String, u32>,
}

impl PlanOptions {
    /// `jobs` slots, the default order, no shard, no groups.
    pub fn new(jobs: usize) -> PlanOptions {
        PlanOptions {
            jobs,
            order: Order::default(),
            shard: None,
            groups: BTreeMap::new(),
        }
    }
}

/// The cores of this machine (1 when unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Something about the plan worth telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanWarning {
    /// One file is expected to take longer than the whole suite divided by
    /// the number of slots, so the run cannot finish before it does.
    BoundsRun {
        /// The file.
        id: String,
        /// Its expected duration.
        expected: Duration,
        /// Sum of expected durations divided by jobs.
        share: Duration,
    },
}

impl std::fmt::Display for PlanWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanWarning::BoundsRun {
                id,
                expected,
                share,
            } => write!(
                f,
                "{id} (expected {}) takes longer than the whole suite spread over all slots ({}): it bounds the run; consider splitting it",
                format_duration(*expected),
                format_duration(*share)
            ),
        }
    }
}

/// Slots for `files` files when `jobs` were asked for: at least 1,
/// at most one per file (more would only idle, and would tell children and
/// the summary a parallelism that never happens).
pub fn slots(jobs: usize, files: usize) -> usize {
    jobs.clamp(1, files.max(1))
}

/// Files shorter than this never trigger [`PlanWarning::BoundsRun`].
const BOUNDS_RUN_MIN: Duration = Duration::from_secs(1);

impl Plan {
    /// A plan that runs files in the given (lexical) order with no estimates.
    pub fn lexical(files: Vec<Unit>, jobs: usize) -> Plan {
        let mut plan = Plan {
            jobs: slots(jobs, files.len()),
            entries: files
                .into_iter()
                .map(|file| PlannedUnit {
                    file,
                    expected: None,
                    source: EstimateSource::Unknown,
                    expected_cpu: None,
                    expected_rss: None,
                })
                .collect(),
            order: Order::Lexical,
            cores: cores(),
            ..Plan::default()
        };
        plan.resolve_dependencies();
        plan
    }

    /// Builds the plan: estimates every file, keeps this shard's files (see
    /// the module docs), and orders them. Deterministic for given inputs
    /// (and seed), whatever the order of `files`.
    pub fn build(mut files: Vec<Unit>, expectations: &Expectations, options: &PlanOptions) -> Plan {
        files.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.path().cmp(b.path())));
        let resolved = expectations.resolve(&files);
        let mut entries: Vec<order::Ranked> = files
            .into_iter()
            .zip(resolved)
            .map(|(file, e)| {
                (
                    PlannedUnit {
                        file,
                        expected: e.expected,
                        source: e.source,
                        expected_cpu: e.cpu,
                        expected_rss: e.rss,
                    },
                    e.failed_last_time,
                    e.expected,
                )
            })
            .collect();

        let shard = options.shard.map(|shard| {
            let items: Vec<(&str, Option<Duration>)> = entries
                .iter()
                .map(|(e, _, _)| (e.file.id.as_str(), e.expected))
                .collect();
            // A file and everything linked to it by `depends-on` run on one
            // shard: a dependency on another shard could never pass first.
            let units: Vec<&Unit> = entries.iter().map(|(e, _, _)| &e.file).collect();
            let together = deps::components(&units);
            let part = partition_together(&items, &together, shard.count);
            let fingerprint = shard::fingerprint(&items, &together, shard.count, part.hash_split);
            let planned = part.members(&items);
            let mine = shard.index.wrapping_sub(1);
            let mut bins = part.bins.iter();
            entries.retain(|_| bins.next() == Some(&mine));
            ShardInfo {
                shard,
                totals: part.totals,
                counts: part.counts,
                hash_split: part.hash_split,
                fingerprint,
                planned,
            }
        });

        prioritise_chains(&mut entries);
        let order = order::resolve(options.order);
        order::sort(&mut entries, order);
        let failed_last_time = entries
            .iter()
            .filter(|(_, failed, _)| *failed)
            .map(|(e, _, _)| e.file.id.to_string())
            .collect();
        let timed_out = entries
            .iter()
            .filter(|(e, _, _)| {
                e.source == EstimateSource::History && expectations.only_timed_out(&e.file.id)
            })
            .map(|(e, _, _)| e.file.id.to_string())
            .collect();
        let mut plan = Plan {
            jobs: slots(options.jobs, entries.len()),
            entries: entries.into_iter().map(|(e, _, _)| e).collect(),
            order,
            shard,
            failed_last_time,
            timed_out,
            groups: options.groups.clone(),
            cores: cores(),
            dependencies: Ok(Vec::new()),
            batches: Vec::new(),
        };
        plan.resolve_dependencies();
        plan.pack_batches();
        plan
    }

    /// Resolves the entries' `depends-on` ids to entry indices.
    fn resolve_dependencies(&mut self) {
        let units: Vec<&Unit> = self.entries.iter().map(|e| &e.file).collect();
        self.dependencies = deps::resolve(&units);
    }

    /// Whether the plan can run: its dependencies form a DAG over the
    /// files of the run. Checked before anything starts.
    pub fn check(&self) -> Result<(), PlanError> {
        self.dependencies.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    /// The admission queue for this plan: every entry in plan order with
    /// its constraints, on the plan's slots, with the memory budget
    /// `memory` (bytes) if any. Fails when [`Plan::check`] does.
    pub fn queue(&self, memory: Option<u64>) -> Result<queue::Queue, PlanError> {
        let dependencies = self.dependencies.as_ref().map_err(Clone::clone)?;
        let constrained = self
            .entries
            .iter()
            .any(|e| e.file.settings != crate::unit::UnitSettings::default())
            || memory.is_some();
        if !constrained {
            return Ok(queue::Queue::in_plan_order(self.entries.len()));
        }
        let (names, caps) = self.group_table();
        let (apart, caps) = repeat::exclusion(self, &names, caps);
        let admission = |i: usize| {
            let s = &self.entries[i].file.settings;
            let group = s
                .group
                .as_deref()
                .and_then(|g| names.binary_search_by(|n| n.as_str().cmp(g)).ok())
                .or(apart[i]);
            queue::Admission {
                weight: usize::try_from(s.weight).unwrap_or(usize::MAX),
                exclusive: s.exclusive,
                group,
                depends_on: dependencies.get(i).cloned().unwrap_or_default(),
                skip: s.skip.is_some(),
                memory: self.entries[i].expected_rss.unwrap_or(0),
                held: false,
            }
        };
        // A batch takes the rank of its first file; its files are held.
        let mut held = vec![None; self.entries.len()];
        for (b, batch) in self.batches.iter().enumerate() {
            for &m in &batch.members {
                held[m] = Some(b);
            }
        }
        let mut admissions = Vec::with_capacity(self.units());
        for (i, batch) in held.iter().enumerate() {
            match *batch {
                None => admissions.push((i, admission(i))),
                Some(b) => {
                    if self.batches[b].members.first() == Some(&i) {
                        let mut a = admission(i);
                        a.memory = self.batches[b]
                            .members
                            .iter()
                            .map(|&m| self.entries[m].expected_rss.unwrap_or(0))
                            .max()
                            .unwrap_or(0);
                        admissions.push((self.entries.len() + b, a));
                    }
                    let mut a = admission(i);
                    a.held = true;
                    admissions.push((i, a));
                }
            }
        }
        let limits = queue::Limits {
            slots: self.jobs.max(1),
            groups: caps,
            memory,
        };
        Ok(queue::Queue::constrained(admissions, limits))
    }

    /// Every group named by a file or defined in [`Plan::groups`], sorted,
    /// with its max-threads (1 when not defined).
    fn group_table(&self) -> (Vec<String>, Vec<usize>) {
        let mut names: BTreeSet<&str> = self.groups.keys().map(String::as_str).collect();
        names.extend(
            self.entries
                .iter()
                .filter_map(|e| e.file.settings.group.as_deref()),
        );
        let caps = names
            .iter()
            .map(|n| self.groups.get(*n).map_or(1, |&c| c as usize))
            .collect();
        (names.into_iter().map(String::from).collect(), caps)
    }

    /// Max-threads of `group` (1 when it is not defined).
    pub fn group_cap(&self, group: &str) -> u32 {
        self.groups.get(group).copied().unwrap_or(1)
    }

    /// Sum of the entries' expected durations (unknown counts as zero).
    pub fn total_expected(&self) -> Duration {
        self.entries.iter().filter_map(|e| e.expected).sum()
    }

    /// No schedule on `jobs` slots can finish sooner than this:
    /// `max(sum / jobs, longest)` over the expected durations (unknown
    /// counts as zero).
    pub fn lower_bound(&self) -> Duration {
        self.bound(
            |i| self.entries[i].expected,
            |i| self.entries[i].expected_cpu,
        )
        .value
    }

    /// The lower bound of a run of this plan's entries if entry `i` takes
    /// `duration(i)` and uses `cpu(i)` (see [`Bound`]): with the plan's
    /// constraints, slots and cores.
    pub fn bound(
        &self,
        duration: impl Fn(usize) -> Option<Duration>,
        cpu: impl Fn(usize) -> Option<Duration>,
    ) -> Bound {
        let no_deps = Vec::new();
        let deps = self.dependencies.as_ref().unwrap_or(&no_deps);
        let items: Vec<BoundItem> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| BoundItem {
                duration: duration(i).unwrap_or(Duration::ZERO),
                cpu: cpu(i),
                weight: e.file.settings.weight.max(1),
                exclusive: e.file.settings.exclusive,
                group: e.file.settings.group.clone(),
                skip: e.file.settings.skip.is_some(),
                depends_on: deps.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        bound::lower_bound(&items, self.jobs, self.cores, |g| self.group_cap(g))
    }

    /// Sum of expected durations divided by the number of slots.
    fn share(&self) -> Duration {
        let jobs = u32::try_from(self.jobs.max(1)).unwrap_or(u32::MAX);
        self.total_expected() / jobs
    }

    /// What its units are called in console output (`files`, or `tests`
    /// when every unit is one test).
    pub fn noun(&self) -> crate::unit::UnitNoun {
        crate::unit::UnitNoun::of(self.entries.iter().map(|e| &e.file))
    }

    /// The wall time if every file takes exactly its expected duration
    /// (unknown counts as zero) and the dispatcher starts `entries` on
    /// `jobs` slots as the admission [`queue`] lets it.
    pub fn predicted_wall(&self) -> Duration {
        let queue = self
            .queue(None)
            .unwrap_or_else(|_| queue::Queue::in_plan_order(self.entries.len()));
        let wall = queue::simulate(queue, self.jobs, [], |index| {
            order::weight(self.expected_of(index))
        });
        // The CPUs cannot do more than `cores` seconds of work per second.
        wall.max(self.cpu_share())
    }

    /// Expected CPU time of the files the history knows, over the cores.
    fn cpu_share(&self) -> Duration {
        let cpu: Duration = self.entries.iter().filter_map(|e| e.expected_cpu).sum();
        cpu / u32::try_from(self.cores.max(1)).unwrap_or(u32::MAX)
    }

    /// Files whose expected duration alone exceeds `sum / jobs` (and at
    /// least 1 s), longest first: each bounds the run.
    pub fn warnings(&self) -> Vec<PlanWarning> {
        if self.entries.len() < 2 {
            return Vec::new();
        }
        let share = self.share();
        let mut bounding: Vec<&PlannedUnit> = self
            .entries
            .iter()
            .filter(|e| e.expected.is_some_and(|d| d > share && d >= BOUNDS_RUN_MIN))
            // Its timeout is not how long it takes.
            .filter(|e| !self.timed_out.contains(e.file.id.as_str()))
            .collect();
        bounding.sort_by(|a, b| {
            b.expected
                .cmp(&a.expected)
                .then_with(|| a.file.id.cmp(&b.file.id))
        });
        bounding
            .into_iter()
            .map(|e| PlanWarning::BoundsRun {
                id: e.file.id.to_string(),
                expected: e.expected.unwrap_or_default(),
                share,
            })
            .collect()
    }
}

/// With dependencies, a file's priority is the longest expected path from
/// it to the end (its own duration plus its longest chain of dependents),
/// so a long chain starts early. Without dependencies, nothing changes.
fn prioritise_chains(entries: &mut [order::Ranked]) {
    if entries
        .iter()
        .all(|(e, _, _)| e.file.settings.depends_on.is_empty())
    {
        return;
    }
    let units: Vec<&Unit> = entries.iter().map(|(e, _, _)| &e.file).collect();
    let Ok(dependencies) = deps::resolve(&units) else {
        return; // refused by `Plan::check`
    };
    let own: Vec<Duration> = entries
        .iter()
        .map(|(e, _, _)| order::weight(e.expected))
        .collect();
    let paths = deps::critical_paths(&dependencies, &own);
    for ((e, _, priority), path) in entries.iter_mut().zip(paths) {
        if e.expected.is_some() {
            *priority = Some(path);
        }
    }
}
