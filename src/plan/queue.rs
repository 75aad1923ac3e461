//! The admission queue: which planned unit may start now, and what follows
//! when one finishes. No clock and no processes: the dispatcher in
//! [`crate::run`] asks it with real slots and children, and [`simulate`]
//! asks it with expected durations (the plan's predicted wall time and the
//! console's ETA), so the rule is written once.
//!
//! The rule today: units start in plan order, one slot each, as long as a
//! slot is free; a `Bail out!` stops all further starts, and so does
//! [`Queue::stop`] (Ctrl-C).
//!
//! # Where the constraints to come go
//!
//! * **Retries**: [`Queue::finished`] with a failing outcome puts the unit
//!   back at the front of `pending` (a [`Follow`] says so).
//! * **Dependencies** (a DAG): in-degree counts per unit; a unit is ready
//!   when its count is zero; a finished unit decrements its dependents, or,
//!   when it failed, skips them (more [`Follow`]s).
//! * **Groups** (`max-threads = N`): a counting semaphore per group, taken
//!   in [`Queue::next_ready`] and given back in [`Queue::finished`].
//! * **Weight** and **exclusive**: a unit needs `weight` free slots (an
//!   exclusive unit needs all of them); `next_ready` already receives the
//!   number of free slots for this.
//! * **Memory budget**: a second counter beside the free slots.
//!
//! `next_ready` then returns the first pending unit whose constraints allow
//! it, in plan order (dynamic list scheduling keeps Graham's guarantee).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

/// How a unit finished, as far as admission cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It ran to an end (or could not start); nothing follows from it.
    Finished,
    /// It printed `Bail out!`: nothing more may start.
    BailedOut,
}

/// What follows from a finished unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// The run bails out: no unit starts from now on. Returned for every
    /// bailing unit (the first one is the one reported).
    BailOut,
}

/// Which planned units may start, in plan order. Units are indices into
/// [`super::Plan::entries`].
#[derive(Debug, Clone)]
pub struct Queue {
    /// Units not started yet, the next one first.
    pending: VecDeque<usize>,
    /// Set by a bail-out or [`Queue::stop`]: nothing more starts.
    stopped: bool,
}

impl Queue {
    /// A queue of `units`, to start in the order given.
    pub fn new(units: impl IntoIterator<Item = usize>) -> Queue {
        Queue {
            pending: units.into_iter().collect(),
            stopped: false,
        }
    }

    /// A queue of every entry of a plan with `entries` entries, in plan order.
    pub fn in_plan_order(entries: usize) -> Queue {
        Queue::new(0..entries)
    }

    /// The unit that may start now with `free_slots` slots free, if any;
    /// it counts as started.
    pub fn next_ready(&mut self, free_slots: usize) -> Option<usize> {
        if self.stopped || free_slots == 0 {
            return None;
        }
        self.pending.pop_front()
    }

    /// Unit `index` finished with `outcome`: what follows.
    pub fn finished(&mut self, index: usize, outcome: Outcome) -> Vec<Follow> {
        // Which unit it was matters once dependents and retries exist.
        let _ = index;
        match outcome {
            Outcome::Finished => Vec::new(),
            Outcome::BailedOut => {
                self.stopped = true;
                vec![Follow::BailOut]
            }
        }
    }

    /// Nothing more starts (the run was interrupted).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Whether no unit will start any more: every unit started, or the
    /// queue stopped.
    pub fn is_exhausted(&self) -> bool {
        self.stopped || self.pending.is_empty()
    }

    /// The units that never started, in plan order (emptying the queue).
    pub fn take_unstarted(&mut self) -> impl Iterator<Item = usize> + '_ {
        self.pending.drain(..)
    }
}

/// The wall time of dispatching `queue` on `slots` slots if every unit
/// takes `duration(index)`: a discrete-event simulation of the dispatcher,
/// asking the queue what may start whenever a slot frees. `running` are the
/// times still needed by units already running (they hold a slot each).
pub fn simulate(
    mut queue: Queue,
    slots: usize,
    running: impl IntoIterator<Item = Duration>,
    mut duration: impl FnMut(usize) -> Duration,
) -> Duration {
    let slots = slots.max(1);
    // Busy slots by the time they free, with the unit they run (`None`: it
    // was running before the simulation began).
    let mut busy: BinaryHeap<Reverse<(Duration, Option<usize>)>> =
        running.into_iter().map(|d| Reverse((d, None))).collect();
    let mut now = Duration::ZERO;
    let mut wall = busy.iter().map(|Reverse((end, _))| *end).max();
    loop {
        while busy.len() < slots {
            let Some(index) = queue.next_ready(slots - busy.len()) else {
                break;
            };
            let end = now + duration(index);
            wall = wall.max(Some(end));
            busy.push(Reverse((end, Some(index))));
        }
        let Some(Reverse((end, unit))) = busy.pop() else {
            break;
        };
        now = end;
        if let Some(index) = unit {
            queue.finished(index, Outcome::Finished);
        }
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
        assert_eq!(q.finished(2, Outcome::Finished), []);
        assert_eq!(q.next_ready(1), Some(1));
        assert_eq!(q.next_ready(1), None);
        assert!(q.is_exhausted());
    }

    #[test]
    fn a_bail_out_stops_every_further_start() {
        let mut q = Queue::in_plan_order(4);
        assert_eq!(q.next_ready(2), Some(0));
        assert_eq!(q.next_ready(1), Some(1));
        assert_eq!(q.finished(0, Outcome::BailedOut), [Follow::BailOut]);
        assert_eq!(q.next_ready(2), None);
        assert!(q.is_exhausted());
        assert_eq!(q.finished(1, Outcome::BailedOut), [Follow::BailOut]);
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
}
