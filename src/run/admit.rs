//! What the dispatcher asks before it starts a unit: the [`Admit`] trait.
//!
//! The dispatcher (`run::dispatch`, [`crate::run::run_with`]) owns slots and processes; which
//! unit may start and what follows a finished one it asks an admission
//! queue. A plain run asks the pure, local [`Queue`]; a run on a shared
//! work queue (`--queue`, [`crate::queue`]) asks one whose ready, leased
//! and done units live on a server, changed by atomic scripts. Both answer
//! through this trait, so the dispatcher has one code path.

use crate::plan::queue::{Finish, Follow, Queue, Room};
use std::time::Duration;

/// An admission queue as the dispatcher sees it. Indices are plan indices.
/// The methods mean what [`Queue`]'s methods of the same name mean.
pub trait Admit {
    /// The unit that may start now given `room`, if any; it counts as
    /// started.
    fn admit(&mut self, room: Room) -> Option<usize>;
    /// Slots unit `index` takes.
    fn weight(&self, index: usize) -> usize;
    /// The group slot unit `index` holds while it runs.
    fn group_slot(&self, index: usize) -> Option<u32>;
    /// Unit `index` finished its last attempt like `outcome`: what follows.
    fn finished(&mut self, index: usize, outcome: Finish) -> Vec<Follow>;
    /// Unit `index` failed and will run again once readmitted.
    fn retry_later(&mut self, index: usize);
    /// Unit `index`'s retry delay has passed: it may start again.
    fn readmit(&mut self, index: usize);
    /// Unit `index`, held inside a batch that did not report it, runs on
    /// its own (see [`crate::plan::batch`]). The default treats it as a
    /// retry without delay: a queue that never holds units needs no more.
    fn run_alone(&mut self, index: usize) {
        self.retry_later(index);
        self.readmit(index);
    }
    /// What follows that nobody has been told yet (skips at the start).
    fn take_follows(&mut self) -> Vec<Follow>;
    /// The units this run was to start but did not (they are NOT RUN).
    fn take_unstarted(&mut self) -> Vec<usize>;
    /// Whether nothing more will ever start and nothing runs.
    fn is_exhausted(&self) -> bool;
    /// Whether starting has been stopped.
    fn is_stopped(&self) -> bool;
    /// Stops all further starts.
    fn stop(&mut self);
    /// Units running now.
    fn running(&self) -> usize;
    /// When nothing may start now but someone else may change that (a
    /// shared queue: another machine finishes a dependency or frees a
    /// group slot), how long to wait before asking again. `None` (a local
    /// queue): what cannot start now while nothing runs never will.
    fn poll(&self) -> Option<Duration> {
        None
    }
}

impl Admit for Queue {
    fn run_alone(&mut self, index: usize) {
        Queue::run_alone(self, index);
    }
    fn admit(&mut self, room: Room) -> Option<usize> {
        Queue::admit(self, room)
    }
    fn weight(&self, index: usize) -> usize {
        Queue::weight(self, index)
    }
    fn group_slot(&self, index: usize) -> Option<u32> {
        Queue::group_slot(self, index)
    }
    fn finished(&mut self, index: usize, outcome: Finish) -> Vec<Follow> {
        Queue::finished(self, index, outcome)
    }
    fn retry_later(&mut self, index: usize) {
        Queue::retry_later(self, index);
    }
    fn readmit(&mut self, index: usize) {
        Queue::readmit(self, index);
    }
    fn take_follows(&mut self) -> Vec<Follow> {
        Queue::take_follows(self)
    }
    fn take_unstarted(&mut self) -> Vec<usize> {
        Queue::take_unstarted(self).collect()
    }
    fn is_exhausted(&self) -> bool {
        Queue::is_exhausted(self)
    }
    fn is_stopped(&self) -> bool {
        Queue::is_stopped(self)
    }
    fn stop(&mut self) {
        Queue::stop(self);
    }
    fn running(&self) -> usize {
        Queue::running(self)
    }
}
