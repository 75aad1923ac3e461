//! The admission queue: which planned unit may start now, and what follows
//! when one finishes. No clock and no processes: the dispatcher in
//! [`crate::run`] asks it with real slots and children, and [`simulate`]
//! asks it with expected durations (the plan's predicted wall time and the
//! console's ETA), so the rule is written once.
//!
//! # The rules
//!
//! Units are ranked by their position in the order the queue was built
//! with (plan order: longest expected path to the end first). Among the
//! units whose constraints allow them to start, the best-ranked starts
//! (dynamic list scheduling keeps Graham's guarantee).
//!
//! * **Dependencies** (a DAG of indices, [`Admission::depends_on`]): a unit
//!   is ready when every dependency finished with [`Finish::Passed`]; when
//!   one did not pass, the unit and, recursively, its own dependents are
//!   skipped ([`Follow::Skip`] with [`SkipCause::Dependency`]). A
//!   dependency that is not in the queue counts as passed.
//! * **Skip** ([`Admission::skip`]): never starts; reported at once
//!   ([`Queue::take_follows`]) and its dependents are skipped.
//! * **Exclusive**: once an exclusive unit is ready, nothing else starts;
//!   it starts when nothing runs and takes every slot. Exclusive units
//!   without dependencies are ready at the start, so they run first, in
//!   rank order (longest first), before the parallel phase.
//! * **Groups** (`max-threads = N`): a counting semaphore per group; a full
//!   group only holds back its own members. Each running member holds a
//!   group slot, `0..N-1`, unique among the running members
//!   ([`Queue::group_slot`]).
//! * **Weight**: a unit takes `weight` slots (capped at the run's slots).
//!   A unit that does not fit in the free slots waits, and units ranked
//!   after it do not overtake it (so a heavy unit cannot starve).
//! * **Memory budget**: a unit starts only if the expected peak memory of
//!   the running units plus its own fits the budget, or nothing runs; like
//!   weight, it is not overtaken.
//! * **Load**: the dispatcher passes [`Room::may_start_more`] (false while
//!   the load average is above `--load-limit`); then nothing starts unless
//!   nothing runs.
//! * **Retries** ([`Queue::retry_later`], [`Queue::readmit`]): a unit
//!   that failed and will run again frees what it holds and waits (the
//!   dispatcher holds its delay); readmitted, it goes to the front of the
//!   queue — ahead of every unit not retried, retries among themselves in
//!   the order they were readmitted — still under its group, exclusive,
//!   weight and memory constraints. Its dependents stay blocked until its
//!   final attempt ([`Queue::finished`]). A unit retried but not started
//!   again when the run stops is not [unstarted](Queue::take_unstarted):
//!   it has a result, its last attempt.
//! * **Stop**: a `Bail out!` ([`Finish::BailedOut`]) or [`Queue::stop`]
//!   (Ctrl-C, `--fail-fast`, the global timeout) stops all further starts.
//!
//! # Cost
//!
//! Ready units wait in binary heaps by rank: one for units without a
//! group, one per group, one for exclusive units. Admitting a unit looks at
//! the top of each (O(groups)) and pops one (O(log n)); finishing one
//! touches its dependents only. Without constraints that is one heap pop
//! per start.

use crate::outcome::SkipCause;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// How a unit finished, as far as admission cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// It passed: its dependents may start.
    Passed,
    /// It did not pass (failed, timed out, errored, was skipped or
    /// stopped): its dependents are skipped.
    NotPassed,
    /// It printed `Bail out!`: nothing more may start (and it did not pass).
    BailedOut,
}

/// What follows from a finished unit (or from building the queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// The run bails out: no unit starts from now on. Returned for every
    /// bailing unit (the first one is the one reported).
    BailOut,
    /// Unit `index` will not start: it is skipped.
    Skip {
        /// The unit.
        index: usize,
        /// Why.
        cause: SkipCause,
    },
}

/// What the queue needs to know about one unit to admit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// Slots it takes (0 counts as 1; capped at [`Limits::slots`]).
    pub weight: usize,
    /// Nothing else runs while it does.
    pub exclusive: bool,
    /// Its group, an index into [`Limits::groups`].
    pub group: Option<usize>,
    /// Units (indices) that must pass before it starts.
    pub depends_on: Vec<usize>,
    /// Never start it.
    pub skip: bool,
    /// Its expected peak memory in bytes (for [`Limits::memory`]).
    pub memory: u64,
    /// It is inside a batch (another unit of the queue): it starts only
    /// once [`Queue::run_alone`] asks for it.
    pub held: bool,
}

impl Default for Admission {
    /// No constraints: one slot, no group, no dependency.
    fn default() -> Admission {
        Admission {
            weight: 1,
            exclusive: false,
            group: None,
            depends_on: Vec::new(),
            skip: false,
            memory: 0,
            held: false,
        }
    }
}

/// The run-wide limits the queue admits against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Slots of the run (an exclusive unit takes them all).
    pub slots: usize,
    /// Max-threads of each group, by group index.
    pub groups: Vec<usize>,
    /// Memory budget in bytes for the expected peaks of running units.
    pub memory: Option<u64>,
}

impl Limits {
    /// `slots` slots, no group, no memory budget.
    pub fn slots(slots: usize) -> Limits {
        Limits {
            slots: slots.max(1),
            groups: Vec::new(),
            memory: None,
        }
    }
}

/// What the dispatcher can offer right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    /// Free slots.
    pub free_slots: usize,
    /// False while starting more would overload the machine
    /// (`--load-limit`): then a unit starts only when nothing runs.
    pub may_start_more: bool,
}

impl Room {
    /// `free_slots` free, no load limit.
    pub fn slots(free_slots: usize) -> Room {
        Room {
            free_slots,
            may_start_more: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not in this queue.
    Absent,
    /// Waiting for dependencies.
    Waiting,
    /// In a ready heap.
    Ready,
    Running,
    /// Failed, to run again once readmitted.
    Retrying,
    /// Inside a batch: neither ready nor counted as remaining until
    /// [`Queue::run_alone`].
    Held,
    Done,
    Skipped,
}

/// Ranks of units never retried start here; readmitted retries get the
/// ranks below it, so they come first.
const FIRST_RANK: usize = usize::MAX / 2;

/// One unit as the queue tracks it.
#[derive(Debug, Clone)]
struct Entry {
    rank: usize,
    state: State,
    weight: usize,
    exclusive: bool,
    group: Option<usize>,
    memory: u64,
    /// Dependencies not passed yet.
    unmet: usize,
    dependents: Vec<usize>,
    group_slot: Option<u32>,
    /// Whether it ran at least once and was retried.
    retried: bool,
}

impl Entry {
    const ABSENT: Entry = Entry {
        rank: usize::MAX,
        state: State::Absent,
        weight: 1,
        exclusive: false,
        group: None,
        memory: 0,
        unmet: 0,
        dependents: Vec::new(),
        group_slot: None,
        retried: false,
    };
}

type Heap = BinaryHeap<Reverse<(usize, usize)>>;

/// A group's semaphore and its ready members.
#[derive(Debug, Clone)]
struct Group {
    cap: usize,
    used: usize,
    /// Free group slots, lowest first.
    free: BinaryHeap<Reverse<u32>>,
    ready: Heap,
}

/// Which planned units may start. Units are indices into
/// [`super::Plan::entries`].
#[derive(Debug, Clone)]
pub struct Queue {
    entries: Vec<Entry>,
    /// Indices in rank order.
    order: Vec<usize>,
    ready: Heap,
    exclusive: Heap,
    groups: Vec<Group>,
    limits: Limits,
    running: usize,
    /// Exclusive units running (0 or 1).
    exclusive_running: usize,
    memory_in_use: u64,
    /// Units neither started nor skipped.
    remaining: usize,
    /// Set by a bail-out or [`Queue::stop`]: nothing more starts.
    stopped: bool,
    outbox: Vec<Follow>,
    /// The rank the next readmitted retry gets.
    next_retry_rank: usize,
}

impl Queue {
    /// A queue of `units` without constraints, to start in the order given.
    pub fn new(units: impl IntoIterator<Item = usize>) -> Queue {
        Queue::constrained(
            units.into_iter().map(|i| (i, Admission::default())),
            Limits::slots(usize::MAX),
        )
    }

    /// A queue of every entry of a plan with `entries` entries, in plan
    /// order, without constraints.
    pub fn in_plan_order(entries: usize) -> Queue {
        Queue::new(0..entries)
    }

    /// A queue of `units` (index and constraints), ranked in the order
    /// given, admitted against `limits`. Units skipped from the start are
    /// reported by [`Queue::take_follows`].
    pub fn constrained(
        units: impl IntoIterator<Item = (usize, Admission)>,
        limits: Limits,
    ) -> Queue {
        let slots = limits.slots.max(1);
        let groups = limits
            .groups
            .iter()
            .map(|&cap| {
                let cap = cap.clamp(1, slots.min(u32::MAX as usize));
                Group {
                    cap,
                    used: 0,
                    free: (0..cap as u32).map(Reverse).collect(),
                    ready: Heap::new(),
                }
            })
            .collect();
        let mut q = Queue {
            entries: Vec::new(),
            order: Vec::new(),
            ready: Heap::new(),
            exclusive: Heap::new(),
            groups,
            limits,
            running: 0,
            exclusive_running: 0,
            memory_in_use: 0,
            remaining: 0,
            stopped: false,
            outbox: Vec::new(),
            next_retry_rank: 0,
        };
        let units: Vec<(usize, Admission)> = units.into_iter().collect();
        let size = units.iter().map(|(i, _)| i + 1).max().unwrap_or(0);
        q.entries = vec![Entry::ABSENT; size];
        for (rank, (index, a)) in units.iter().enumerate() {
            let weight = if a.exclusive {
                slots
            } else {
                a.weight.clamp(1, slots)
            };
            q.entries[*index] = Entry {
                rank: FIRST_RANK + rank,
                state: if a.held { State::Held } else { State::Waiting },
                weight,
                exclusive: a.exclusive,
                group: a.group.filter(|&g| g < q.groups.len()),
                memory: a.memory,
                unmet: 0,
                dependents: Vec::new(),
                group_slot: None,
                retried: false,
            };
            q.order.push(*index);
        }
        for (index, a) in &units {
            for &dep in &a.depends_on {
                if q.entries.get(dep).is_some_and(|e| e.state != State::Absent) && dep != *index {
                    q.entries[dep].dependents.push(*index);
                    q.entries[*index].unmet += 1;
                }
            }
        }
        q.remaining = units.iter().filter(|(_, a)| !a.held).count();
        for (index, a) in &units {
            if a.skip && q.entries[*index].state == State::Waiting {
                q.skip(*index, SkipCause::Asked);
            }
        }
        for i in 0..q.order.len() {
            let index = q.order[i];
            if q.entries[index].state == State::Waiting && q.entries[index].unmet == 0 {
                q.make_ready(index);
            }
        }
        q
    }

    /// The unit that may start now with `free_slots` slots free (no load
    /// limit), if any; it counts as started.
    pub fn next_ready(&mut self, free_slots: usize) -> Option<usize> {
        self.admit(Room::slots(free_slots))
    }

    /// The unit that may start now given `room`, if any (see the module
    /// docs for the rules); it counts as started and holds
    /// [`Queue::weight`] slots until [`Queue::finished`].
    pub fn admit(&mut self, room: Room) -> Option<usize> {
        if self.stopped || room.free_slots == 0 || self.exclusive_running > 0 {
            return None;
        }
        if let Some(&Reverse((_, index))) = self.exclusive.peek() {
            if self.running > 0 || room.free_slots < self.limits.slots {
                return None;
            }
            self.exclusive.pop();
            self.start(index);
            return Some(index);
        }
        if self.running > 0 && !room.may_start_more {
            return None;
        }
        // The best-ranked top among the ungrouped units and the groups
        // with room.
        let mut best = self.ready.peek().map(|&Reverse(top)| (top, None));
        for (g, group) in self.groups.iter().enumerate() {
            if group.used >= group.cap {
                continue;
            }
            if let Some(&Reverse(top)) = group.ready.peek() {
                if best.is_none_or(|(b, _)| top < b) {
                    best = Some((top, Some(g)));
                }
            }
        }
        let ((_, index), class) = best?;
        let entry = &self.entries[index];
        if entry.weight > room.free_slots {
            return None;
        }
        if let Some(budget) = self.limits.memory {
            if self.running > 0 && self.memory_in_use.saturating_add(entry.memory) > budget {
                return None;
            }
        }
        match class {
            None => self.ready.pop(),
            Some(g) => self.groups[g].ready.pop(),
        };
        self.start(index);
        Some(index)
    }

    /// Unit `index` finished with `outcome`: what follows (in order: a
    /// bail-out, then the dependents skipped because of it).
    pub fn finished(&mut self, index: usize, outcome: Finish) -> Vec<Follow> {
        self.release(index, State::Done);
        match outcome {
            Finish::Passed => self.release_dependents(index),
            Finish::NotPassed => self.skip_dependents(index),
            Finish::BailedOut => {
                self.stopped = true;
                self.outbox.push(Follow::BailOut);
                self.skip_dependents(index);
            }
        }
        self.take_follows()
    }

    /// Unit `index` (running) failed and will run again: it frees its
    /// slots, group slot and memory and waits, neither finished nor ready,
    /// until [`Queue::readmit`]. Its dependents stay blocked.
    pub fn retry_later(&mut self, index: usize) {
        if self.release(index, State::Retrying) {
            self.remaining += 1;
            self.entries[index].retried = true;
        }
    }

    /// Unit `index`, waiting for a retry, may start again: at the front of
    /// the queue (see the module docs).
    pub fn readmit(&mut self, index: usize) {
        if self
            .entries
            .get(index)
            .is_some_and(|e| e.state == State::Retrying)
        {
            self.entries[index].rank = self.next_retry_rank;
            self.next_retry_rank += 1;
            self.make_ready(index);
        }
    }

    /// Held unit `index` (inside a batch that did not report it) runs on
    /// its own: it becomes ready at the front of the queue, like a
    /// readmitted retry.
    pub fn run_alone(&mut self, index: usize) {
        if self
            .entries
            .get(index)
            .is_some_and(|e| e.state == State::Held)
        {
            self.remaining += 1;
            self.entries[index].rank = self.next_retry_rank;
            self.next_retry_rank += 1;
            self.make_ready(index);
        }
    }

    /// Frees what running unit `index` holds and puts it in `state`.
    /// Returns whether it was running (or held in a batch, which holds
    /// nothing).
    fn release(&mut self, index: usize, state: State) -> bool {
        let Some(entry) = self.entries.get_mut(index) else {
            return false;
        };
        if entry.state == State::Held {
            entry.state = state;
            return true;
        }
        if entry.state != State::Running {
            return false;
        }
        entry.state = state;
        self.running -= 1;
        self.exclusive_running -= usize::from(entry.exclusive);
        self.memory_in_use = self.memory_in_use.saturating_sub(entry.memory);
        if let Some(g) = entry.group {
            let group = &mut self.groups[g];
            group.used -= 1;
            if let Some(slot) = entry.group_slot.take() {
                group.free.push(Reverse(slot));
            }
        }
        true
    }

    /// What followed without a finished unit: the units skipped when the
    /// queue was built (their own settings, or a skipped dependency).
    pub fn take_follows(&mut self) -> Vec<Follow> {
        std::mem::take(&mut self.outbox)
    }

    /// Nothing more starts (the run was interrupted or is stopping).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Whether the queue was stopped.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Whether no unit will start any more: every unit started or was
    /// skipped, or the queue stopped.
    pub fn is_exhausted(&self) -> bool {
        self.stopped || self.remaining == 0
    }

    /// How many admitted units have not finished.
    pub fn running(&self) -> usize {
        self.running
    }

    /// Slots unit `index` takes while it runs (every slot for an exclusive
    /// unit).
    pub fn weight(&self, index: usize) -> usize {
        self.entries.get(index).map_or(1, |e| e.weight)
    }

    /// The group slot unit `index` holds while it runs, if it is in a
    /// group.
    pub fn group_slot(&self, index: usize) -> Option<u32> {
        self.entries.get(index).and_then(|e| e.group_slot)
    }

    /// The units that never started and were not skipped, in rank order
    /// (they will not start any more). Retried units waiting to run again
    /// are dropped, not listed: their last attempt is their result.
    pub fn take_unstarted(&mut self) -> std::vec::IntoIter<usize> {
        let mut unstarted = Vec::new();
        for &index in &self.order {
            let entry = &mut self.entries[index];
            if matches!(entry.state, State::Waiting | State::Ready | State::Retrying) {
                entry.state = State::Done;
                if !entry.retried {
                    unstarted.push(index);
                }
            }
        }
        self.ready.clear();
        self.exclusive.clear();
        for group in &mut self.groups {
            group.ready.clear();
        }
        self.remaining = 0;
        unstarted.into_iter()
    }

    fn make_ready(&mut self, index: usize) {
        let entry = &mut self.entries[index];
        entry.state = State::Ready;
        let key = Reverse((entry.rank, index));
        match (entry.exclusive, entry.group) {
            (true, _) => self.exclusive.push(key),
            (false, Some(g)) => self.groups[g].ready.push(key),
            (false, None) => self.ready.push(key),
        }
    }

    fn start(&mut self, index: usize) {
        let entry = &mut self.entries[index];
        entry.state = State::Running;
        self.running += 1;
        self.exclusive_running += usize::from(entry.exclusive);
        self.remaining -= 1;
        self.memory_in_use = self.memory_in_use.saturating_add(entry.memory);
        if let Some(g) = entry.group {
            let group = &mut self.groups[g];
            group.used += 1;
            entry.group_slot = group.free.pop().map(|Reverse(slot)| slot);
        }
    }

    fn release_dependents(&mut self, index: usize) {
        let dependents = self
            .entries
            .get(index)
            .map(|e| e.dependents.clone())
            .unwrap_or_default();
        for d in dependents {
            let entry = &mut self.entries[d];
            if entry.state == State::Waiting {
                entry.unmet -= 1;
                if entry.unmet == 0 {
                    self.make_ready(d);
                }
            }
        }
    }

    /// Skips `index` for `cause`, then its waiting dependents, recursively.
    fn skip(&mut self, index: usize, cause: SkipCause) {
        self.entries[index].state = State::Skipped;
        self.remaining -= 1;
        self.outbox.push(Follow::Skip { index, cause });
        self.skip_dependents(index);
    }

    fn skip_dependents(&mut self, index: usize) {
        let mut stack = vec![index];
        while let Some(from) = stack.pop() {
            let dependents = self
                .entries
                .get(from)
                .map(|e| e.dependents.clone())
                .unwrap_or_default();
            for d in dependents {
                if self.entries[d].state == State::Waiting {
                    self.entries[d].state = State::Skipped;
                    self.remaining -= 1;
                    self.outbox.push(Follow::Skip {
                        index: d,
                        cause: SkipCause::Dependency(from),
                    });
                    stack.push(d);
                }
            }
        }
    }
}

/// The wall time of dispatching `queue` on `slots` slots if every unit
/// takes `duration(index)` and passes: a discrete-event simulation of the
/// dispatcher, asking the queue what may start whenever slots free.
/// `running` are the times still needed by units already running (they
/// hold a slot each).
pub fn simulate(
    mut queue: Queue,
    slots: usize,
    running: impl IntoIterator<Item = Duration>,
    mut duration: impl FnMut(usize) -> Duration,
) -> Duration {
    let slots = slots.max(1);
    // Busy units by the time they end, with the unit (`None`: it was
    // running before the simulation began).
    let mut busy: BinaryHeap<Reverse<(Duration, Option<usize>)>> =
        running.into_iter().map(|d| Reverse((d, None))).collect();
    let mut free = slots.saturating_sub(busy.len());
    let mut now = Duration::ZERO;
    let mut wall = busy.iter().map(|Reverse((end, _))| *end).max();
    loop {
        while let Some(index) = queue.next_ready(free) {
            free = free.saturating_sub(queue.weight(index));
            let end = now + duration(index);
            wall = wall.max(Some(end));
            busy.push(Reverse((end, Some(index))));
        }
        let Some(Reverse((end, unit))) = busy.pop() else {
            break;
        };
        now = end;
        match unit {
            Some(index) => {
                free += queue.weight(index);
                queue.finished(index, Finish::Passed);
            }
            None => free += 1,
        }
        free = free.min(slots);
    }
    wall.unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_start_in_order_while_slots_are_free() {
        let mut q = Queue::new([2, 0, 1]);
        assert_eq!(q.next_ready(0), None, "no free slot");
        assert_eq!(q.next_ready(2), Some(2));
        assert_eq!(q.next_ready(1), Some(0));
        assert!(!q.is_exhausted());
        assert_eq!(q.finished(2, Finish::Passed), []);
        assert_eq!(q.next_ready(1), Some(1));
        assert_eq!(q.next_ready(1), None);
        assert!(q.is_exhausted());
    }

    #[test]
    fn a_bail_out_stops_every_further_start() {
        let mut q = Queue::in_plan_order(4);
        assert_eq!(q.next_ready(2), Some(0));
        assert_eq!(q.next_ready(1), Some(1));
        assert_eq!(q.finished(0, Finish::BailedOut), [Follow::BailOut]);
        assert_eq!(q.next_ready(2), None);
        assert!(q.is_exhausted());
        assert_eq!(q.finished(1, Finish::BailedOut), [Follow::BailOut]);
        assert_eq!(q.take_unstarted().collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn stop_leaves_the_rest_unstarted() {
        let mut q = Queue::in_plan_order(3);
        assert_eq!(q.next_ready(1), Some(0));
        q.stop();
        assert_eq!(q.next_ready(1), None);
        assert_eq!(q.take_unstarted().collect::<Vec<_>>(), [1, 2]);
    }

    fn secs(list: &[u64]) -> impl Fn(usize) -> Duration + '_ {
        |i| Duration::from_secs(list[i])
    }

    #[test]
    fn the_simulation_is_list_scheduling_in_queue_order() {
        let d = [2, 2, 2, 30];
        let wall = simulate(Queue::in_plan_order(4), 2, [], secs(&d));
        assert_eq!(wall, Duration::from_secs(32), "30 starts when a 2 ends");
        let wall = simulate(Queue::new([3, 0, 1, 2]), 2, [], secs(&d));
        assert_eq!(wall, Duration::from_secs(30), "longest first");
        let wall = simulate(Queue::in_plan_order(4), 1, [], secs(&d));
        assert_eq!(wall, Duration::from_secs(36));
        assert_eq!(simulate(Queue::new([]), 3, [], secs(&d)), Duration::ZERO);
    }

    #[test]
    fn running_units_hold_their_slots_until_they_end() {
        let d = [4, 4];
        let running = [Duration::from_secs(1), Duration::from_secs(3)];
        let wall = simulate(Queue::in_plan_order(2), 2, running, secs(&d));
        assert_eq!(wall, Duration::from_secs(7), "1+4 and 3+4");
        let wall = simulate(Queue::new([]), 2, running, secs(&d));
        assert_eq!(wall, Duration::from_secs(3));
    }

    fn unit() -> Admission {
        Admission::default()
    }

    /// Admits while `free` slots last.
    fn drain(q: &mut Queue, mut free: usize) -> Vec<usize> {
        std::iter::from_fn(|| {
            let index = q.next_ready(free)?;
            free -= q.weight(index);
            Some(index)
        })
        .collect()
    }

    #[test]
    fn exclusive_units_run_first_alone_in_rank_order() {
        let excl = Admission {
            exclusive: true,
            ..unit()
        };
        let units = [(0, unit()), (1, excl.clone()), (2, unit()), (3, excl)];
        let mut q = Queue::constrained(units, Limits::slots(4));
        assert_eq!(q.next_ready(4), Some(1), "the first exclusive unit");
        assert_eq!(q.weight(1), 4, "it takes every slot");
        assert_eq!(
            q.next_ready(4),
            None,
            "nothing beside it, whatever it is told"
        );
        assert_eq!(q.finished(1, Finish::Passed), []);
        assert_eq!(q.next_ready(3), None, "the next needs every slot free");
        assert_eq!(q.next_ready(4), Some(3));
        assert_eq!(q.next_ready(4), None);
        q.finished(3, Finish::Passed);
        assert_eq!(drain(&mut q, 4), [0, 2], "then the parallel phase");
    }

    #[test]
    fn an_exclusive_unit_that_becomes_ready_waits_for_the_others_to_end() {
        let excl = Admission {
            exclusive: true,
            depends_on: vec![0],
            ..unit()
        };
        let units = [(0, unit()), (1, excl), (2, unit()), (3, unit())];
        let mut q = Queue::constrained(units, Limits::slots(2));
        assert_eq!(drain(&mut q, 2), [0, 2]);
        q.finished(0, Finish::Passed);
        assert_eq!(q.next_ready(1), None, "3 must not start beside 1");
        q.finished(2, Finish::Passed);
        assert_eq!(q.next_ready(2), Some(1));
        q.finished(1, Finish::Passed);
        assert_eq!(q.next_ready(2), Some(3));
    }

    #[test]
    fn a_full_group_holds_back_only_its_members_and_hands_out_group_slots() {
        let db = Admission {
            group: Some(0),
            ..unit()
        };
        let units = [(0, db.clone()), (1, db.clone()), (2, db), (3, unit())];
        let limits = Limits {
            groups: vec![2],
            ..Limits::slots(4)
        };
        let mut q = Queue::constrained(units, limits);
        assert_eq!(drain(&mut q, 4), [0, 1, 3], "2 waits for a group slot");
        assert_eq!((q.group_slot(0), q.group_slot(1)), (Some(0), Some(1)));
        assert_eq!(q.group_slot(3), None);
        q.finished(0, Finish::Passed);
        assert_eq!(q.next_ready(2), Some(2));
        assert_eq!(q.group_slot(2), Some(0), "the freed group slot");
    }

    #[test]
    fn a_heavy_unit_takes_its_slots_and_is_not_overtaken() {
        let heavy = Admission {
            weight: 3,
            ..unit()
        };
        let huge = Admission {
            weight: 99,
            ..unit()
        };
        let units = [(0, unit()), (1, heavy), (2, unit()), (3, huge)];
        let mut q = Queue::constrained(units, Limits::slots(4));
        assert_eq!(q.next_ready(4), Some(0));
        assert_eq!(q.next_ready(3), Some(1));
        assert_eq!(q.weight(1), 3);
        assert_eq!(q.next_ready(0), None);
        q.finished(0, Finish::Passed);
        assert_eq!(q.next_ready(1), Some(2));
        q.finished(1, Finish::Passed);
        assert_eq!(q.weight(3), 4, "capped at the run's slots");
        assert_eq!(q.next_ready(3), None, "3 needs 4 slots");
        q.finished(2, Finish::Passed);
        assert_eq!(q.next_ready(4), Some(3));
    }

    #[test]
    fn dependents_start_after_their_dependencies_pass() {
        let after = |deps: Vec<usize>| Admission {
            depends_on: deps,
            ..unit()
        };
        // 2 needs 0 and 1; 3 needs 2.
        let units = [
            (2, after(vec![0, 1])),
            (3, after(vec![2])),
            (0, unit()),
            (1, unit()),
        ];
        let mut q = Queue::constrained(units, Limits::slots(4));
        assert_eq!(drain(&mut q, 4), [0, 1]);
        q.finished(0, Finish::Passed);
        assert_eq!(q.next_ready(4), None, "1 has not passed yet");
        q.finished(1, Finish::Passed);
        assert_eq!(drain(&mut q, 4), [2]);
        q.finished(2, Finish::Passed);
        assert_eq!(drain(&mut q, 4), [3]);
        assert!(q.is_exhausted());
    }

    #[test]
    fn a_dependency_that_did_not_pass_skips_its_dependents_recursively() {
        let after = |deps: Vec<usize>| Admission {
            depends_on: deps,
            ..unit()
        };
        let units = [
            (0, unit()),
            (1, after(vec![0])),
            (2, after(vec![1])),
            (3, unit()),
        ];
        let mut q = Queue::constrained(units, Limits::slots(2));
        assert_eq!(drain(&mut q, 2), [0, 3]);
        let follows = q.finished(0, Finish::NotPassed);
        assert_eq!(
            follows,
            [
                Follow::Skip {
                    index: 1,
                    cause: SkipCause::Dependency(0)
                },
                Follow::Skip {
                    index: 2,
                    cause: SkipCause::Dependency(1)
                }
            ]
        );
        assert!(
            q.is_exhausted(),
            "3 still runs but nothing is left to start"
        );
        q.finished(3, Finish::Passed);
        assert_eq!(
            q.take_unstarted().count(),
            0,
            "skipped units are not unstarted"
        );
    }

    #[test]
    fn a_unit_asked_to_skip_never_starts_and_neither_do_its_dependents() {
        let skip = Admission {
            skip: true,
            ..unit()
        };
        let after = Admission {
            depends_on: vec![0],
            ..unit()
        };
        let mut q = Queue::constrained([(0, skip), (1, after), (2, unit())], Limits::slots(2));
        assert_eq!(
            q.take_follows(),
            [
                Follow::Skip {
                    index: 0,
                    cause: SkipCause::Asked
                },
                Follow::Skip {
                    index: 1,
                    cause: SkipCause::Dependency(0)
                }
            ]
        );
        assert_eq!(drain(&mut q, 2), [2]);
        assert!(q.is_exhausted());
    }

    #[test]
    fn the_memory_budget_admits_only_what_fits_unless_nothing_runs() {
        let mem = |gb: u64| Admission {
            memory: gb << 30,
            ..unit()
        };
        let units = [(0, mem(3)), (1, mem(2)), (2, mem(1)), (3, mem(9))];
        let limits = Limits {
            memory: Some(4 << 30),
            ..Limits::slots(4)
        };
        let mut q = Queue::constrained(units, limits);
        assert_eq!(
            drain(&mut q, 4),
            [0],
            "3 + 2 > 4: 1 waits, and 2 does not overtake it"
        );
        q.finished(0, Finish::Passed);
        assert_eq!(drain(&mut q, 4), [1, 2]);
        q.finished(1, Finish::Passed);
        assert_eq!(q.next_ready(4), None, "1 + 9 > 4");
        q.finished(2, Finish::Passed);
        assert_eq!(q.next_ready(4), Some(3), "alone it may exceed the budget");
    }

    #[test]
    fn under_a_load_limit_a_unit_starts_only_when_nothing_runs() {
        let mut q = Queue::in_plan_order(3);
        let busy = Room {
            free_slots: 3,
            may_start_more: false,
        };
        assert_eq!(q.admit(busy), Some(0), "nothing runs: start anyway");
        assert_eq!(q.admit(busy), None);
        assert_eq!(q.admit(Room::slots(2)), Some(1));
        assert_eq!(q.running(), 2);
    }

    #[test]
    fn the_simulation_honours_exclusive_groups_weights_and_dependencies() {
        let d = [4, 4, 4, 4, 10];
        let excl = Admission {
            exclusive: true,
            ..unit()
        };
        let units = [
            (4, excl),
            (0, unit()),
            (1, unit()),
            (2, unit()),
            (3, unit()),
        ];
        let wall = simulate(Queue::constrained(units, Limits::slots(2)), 2, [], secs(&d));
        assert_eq!(
            wall,
            Duration::from_secs(18),
            "10 alone, then 4 x 4 on 2 slots"
        );

        let db = Admission {
            group: Some(0),
            ..unit()
        };
        let units = (0..4).map(|i| (i, db.clone()));
        let limits = Limits {
            groups: vec![1],
            ..Limits::slots(4)
        };
        let wall = simulate(Queue::constrained(units, limits), 4, [], secs(&d));
        assert_eq!(
            wall,
            Duration::from_secs(16),
            "max-threads 1: one after another"
        );

        let chain = [
            (0, unit()),
            (
                1,
                Admission {
                    depends_on: vec![0],
                    ..unit()
                },
            ),
        ];
        let wall = simulate(Queue::constrained(chain, Limits::slots(2)), 2, [], secs(&d));
        assert_eq!(wall, Duration::from_secs(8), "a chain runs in sequence");

        let heavy = [
            (
                0,
                Admission {
                    weight: 2,
                    ..unit()
                },
            ),
            (1, unit()),
            (2, unit()),
        ];
        let wall = simulate(Queue::constrained(heavy, Limits::slots(2)), 2, [], secs(&d));
        assert_eq!(
            wall,
            Duration::from_secs(8),
            "the heavy one holds both slots"
        );
    }

    #[test]
    fn a_retry_goes_to_the_front_and_its_dependents_wait_for_its_last_attempt() {
        let after = Admission {
            depends_on: vec![1],
            ..unit()
        };
        let units = [(0, unit()), (1, unit()), (2, after), (3, unit())];
        let mut q = Queue::constrained(units, Limits::slots(2));
        assert_eq!(drain(&mut q, 2), [0, 1]);
        q.retry_later(1);
        assert_eq!(q.running(), 1, "the retried unit frees its slot");
        assert!(!q.is_exhausted());
        assert_eq!(q.next_ready(1), Some(3), "not readmitted yet: 3 may start");
        q.finished(0, Finish::Passed);
        q.readmit(1);
        assert_eq!(q.next_ready(1), Some(1), "the retry first");
        assert_eq!(q.next_ready(1), None, "2 still waits for 1");
        assert_eq!(q.finished(1, Finish::Passed), []);
        assert_eq!(q.next_ready(1), Some(2));
    }

    #[test]
    fn retries_come_before_every_unit_not_retried_in_the_order_readmitted() {
        let mut q = Queue::in_plan_order(5);
        assert_eq!(drain(&mut q, 2), [0, 1]);
        q.retry_later(1);
        q.retry_later(0);
        q.readmit(1);
        q.readmit(0);
        assert_eq!(drain(&mut q, 3), [1, 0, 2]);
    }

    #[test]
    fn a_retry_keeps_its_group_and_weight_constraints() {
        let db = Admission {
            group: Some(0),
            ..unit()
        };
        let heavy = Admission {
            weight: 2,
            ..unit()
        };
        let units = [(0, db.clone()), (1, db), (2, heavy), (3, unit())];
        let limits = Limits {
            groups: vec![1],
            ..Limits::slots(3)
        };
        let mut q = Queue::constrained(units, limits);
        assert_eq!(drain(&mut q, 3), [0, 2]);
        q.retry_later(0);
        q.readmit(0);
        assert_eq!(q.next_ready(1), Some(0), "its group slot is free again");
        assert_eq!(q.group_slot(0), Some(0));
        q.retry_later(2);
        q.readmit(2);
        assert_eq!(
            q.next_ready(1),
            None,
            "2 needs two slots and is not overtaken"
        );
        q.finished(0, Finish::NotPassed);
        assert_eq!(q.next_ready(2), Some(2));
    }

    #[test]
    fn a_retry_not_started_before_the_stop_is_not_unstarted() {
        let mut q = Queue::in_plan_order(3);
        assert_eq!(drain(&mut q, 2), [0, 1]);
        q.retry_later(0);
        q.retry_later(1);
        q.readmit(1);
        q.stop();
        assert_eq!(q.next_ready(2), None);
        assert_eq!(q.take_unstarted().collect::<Vec<_>>(), [2]);
    }
}
