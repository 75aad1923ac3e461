//! Stopping one running child on time, shared by the dispatcher
//! ([`super::run`]) and a session's single-unit runner ([`super::session`]):
//! its timeout, then SIGTERM to its process group, the grace period, then
//! SIGKILL — each to the child's pid and to its descendants too, found
//! through `/proc` wherever they moved (another process group, `setsid`), and the status it is reported with ([`Clock::mark`]).
//!
//! A [`Clock`] is plain state with no thread or timer: its owner waits
//! until [`Clock::deadline`], then calls [`Clock::enforce`]. A child asked
//! to stop before its group is known gets SIGTERM when it is
//! ([`Clock::spawned`]).

use super::process;

use crate::outcome::ChildStatus;
use std::time::{Duration, Instant};

/// Why ptest is stopping a running child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// Its own timeout (this long) expired.
    Timeout(Duration),
    /// The run's global timeout (this long) expired.
    GlobalTimeout(Duration),
    /// ptest got SIGINT or SIGTERM.
    Interrupt,
}

/// One running child's time limit and how far stopping it has gone.
#[derive(Debug)]
pub(super) struct Clock {
    /// Its process group, once the worker spawned it.
    pgid: Option<u32>,
    /// When it was handed to a worker.
    started: Instant,
    /// Its timeout: the unit's own, else the run's.
    timeout: Option<Duration>,
    stop: Option<Stop>,
    /// When to send SIGKILL (set once SIGTERM was sent).
    kill_at: Option<Instant>,
    /// The child's descendants seen when it was signalled (see
    /// [`process::signal_tree`]): they still get SIGKILL after their parent
    /// died and they were re-parented to ptest.
    tree: Vec<process::Proc>,
}

impl Clock {
    /// A child handed to a worker now, with `timeout`.
    pub(super) fn start(timeout: Option<Duration>) -> Clock {
        Clock {
            pgid: None,
            started: Instant::now(),
            timeout,
            stop: None,
            kill_at: None,
            tree: Vec::new(),
        }
    }

    /// When it was handed to a worker.
    pub(super) fn started(&self) -> Instant {
        self.started
    }

    /// Whether ptest is stopping it (for any reason).
    pub(super) fn stopping(&self) -> bool {
        self.stop.is_some()
    }

    /// Its process group is known; one already asked to stop gets SIGTERM
    /// now.
    pub(super) fn spawned(&mut self, pgid: u32, grace: Duration) {
        self.pgid = Some(pgid);
        if self.stop.is_some() {
            self.terminate(grace);
        }
    }

    /// Stops it for `why` (which replaces an earlier reason): SIGTERM now
    /// unless sent already, SIGKILL after `grace`.
    pub(super) fn stop(&mut self, why: Stop, grace: Duration) {
        self.stop = Some(why);
        self.terminate(grace);
    }

    /// SIGKILL now to its group, the child itself and its descendants
    /// (those it has now and those seen when it was signalled before, see
    /// [`process::signal_tree`]), if its group is known.
    pub(super) fn kill(&mut self) {
        if let Some(pgid) = self.pgid {
            process::signal_tree(pgid, &mut self.tree, libc::SIGKILL);
        }
    }

    /// The child ended while ptest was stopping it: what it started and
    /// left behind outside its group (re-parented to ptest) gets SIGKILL
    /// now, since nothing will wait for its grace period any more.
    pub(super) fn finish(&mut self) {
        if self.stop.is_some() && !self.tree.is_empty() {
            self.kill();
        }
    }

    /// When its owner must next act ([`Clock::enforce`]): SIGKILL due, or
    /// its timeout; `None` when neither is pending.
    pub(super) fn deadline(&self) -> Option<Instant> {
        match (self.kill_at, self.stop, self.timeout) {
            (Some(kill_at), _, _) => Some(kill_at),
            (None, None, Some(t)) => Some(self.started + t),
            (None, Some(_), _) | (None, None, None) => None,
        }
    }

    /// At `now`: SIGKILL when the grace period is over, else SIGTERM when
    /// its timeout passed.
    pub(super) fn enforce(&mut self, now: Instant, grace: Duration) {
        if let Some(kill_at) = self.kill_at {
            if now >= kill_at {
                self.kill();
                self.kill_at = None;
            }
        } else if let (None, Some(t)) = (self.stop, self.timeout) {
            if now >= self.started + t {
                self.stop(Stop::Timeout(t), grace);
            }
        }
    }

    /// Marks the status of the child that ended as why ptest stopped it,
    /// when it did (a child that never started keeps its own).
    pub(super) fn mark(&self, status: &mut ChildStatus) {
        match (self.stop, &status) {
            (_, ChildStatus::SpawnFailed { .. }) | (None, _) => {}
            (Some(Stop::Timeout(after)), _) => *status = ChildStatus::TimedOut { after },
            (Some(Stop::GlobalTimeout(after)), _) => *status = ChildStatus::GlobalTimeout { after },
            (Some(Stop::Interrupt), _) => *status = ChildStatus::Interrupted,
        }
    }

    /// SIGTERM to its group, the child itself and its descendants (see
    /// [`process::signal_tree`]) and SIGKILL scheduled, once; nothing
    /// before the group is known.
    fn terminate(&mut self, grace: Duration) {
        if let Some(pgid) = self.pgid {
            if self.kill_at.is_none() {
                process::signal_tree(pgid, &mut self.tree, libc::SIGTERM);
                self.kill_at = Some(Instant::now() + grace);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_the_timeout_then_the_kill() {
        let mut clock = Clock::start(Some(Duration::from_secs(5)));
        assert_eq!(
            clock.deadline(),
            Some(clock.started() + Duration::from_secs(5))
        );
        // Not spawned yet: stopping waits for the group.
        clock.enforce(
            clock.started() + Duration::from_secs(6),
            Duration::from_secs(1),
        );
        assert!(clock.stopping());
        assert_eq!(clock.deadline(), None);
        let mut status = ChildStatus::Exited { code: 0 };
        clock.mark(&mut status);
        assert_eq!(
            status,
            ChildStatus::TimedOut {
                after: Duration::from_secs(5)
            }
        );
        let failed = ChildStatus::SpawnFailed {
            reason: "no such file".into(),
        };
        let mut status = failed.clone();
        clock.mark(&mut status);
        assert_eq!(status, failed);
    }

    #[test]
    fn no_timeout_no_deadline_and_the_status_is_the_childs() {
        let clock = Clock::start(None);
        assert_eq!(clock.deadline(), None);
        let mut status = ChildStatus::Exited { code: 3 };
        clock.mark(&mut status);
        assert_eq!(status, ChildStatus::Exited { code: 3 });
    }
}
