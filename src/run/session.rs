//! Running single units on demand, synchronously, from any thread: the
//! entry point for callers that schedule units themselves (the
//! [`crate::harness`] runs one unit per libtest-mimic trial, on
//! libtest-mimic's threads).
//!
//! A [`Session`] is what a run shares: one run directory (created, locked
//! and pruned like a run's), one watchdog process (if the caller dies, it
//! kills the running groups), the launcher's shared part, and a pool of
//! `jobs` slots. [`Session::run_one`] takes a free slot (waiting for one
//! when every slot is busy), so a unit's scratch directory
//! (`tmp/w<slot>`, `PTEST_TMPDIR`), its scratch logs and its watchdog entry
//! are its own while it runs, and `PTEST_WORKER` is unique among running
//! units as in a run. The unit then goes through the worker's own code
//! (spawn in its own process group, output to files, wait, reap leftovers,
//! parse TAP or JUnit) while the calling thread enforces its timeout as the
//! dispatcher does: SIGTERM to the group, the grace period, SIGKILL.
//!
//! What a session does not do, unlike [`super::run`]: order, constraints
//! (groups, exclusive, dependencies), retries, fail-fast, a global timeout,
//! signal handling (Ctrl-C kills the caller; the watchdog then kills the
//! running groups). Every unit runs as attempt 1.

use super::deadline::Clock;
use super::launcher::Launcher;
use super::watchdog::Watchdog;
use super::worker::{self, Job, Msg, Scratch};
use super::{process, rundir, RunError, RunOptions};
use crate::outcome::UnitRun;
use crate::unit::{Slot, Unit};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A run directory, a watchdog and a pool of slots for running single
/// units (see the module docs). Shareable between threads.
#[derive(Debug)]
pub struct Session {
    options: RunOptions,
    run_dir: rundir::RunDir,
    watchdog: Watchdog,
    launch: Launcher,
    /// Busy flags, by slot number.
    busy: Mutex<Vec<bool>>,
    freed: Condvar,
}

impl Session {
    /// Prepares the run directory `options.runs_root/options.run_id`
    /// (pruning old runs to `options.keep_runs`) and starts the watchdog,
    /// with `options.jobs` slots. Also makes this process a child
    /// subreaper (Linux), as a run does, so that processes a test leaves
    /// behind are reaped.
    pub fn start(options: &RunOptions) -> Result<Session, RunError> {
        let run_dir = rundir::prepare(&options.runs_root, &options.run_id, options.keep_runs)
            .map_err(|source| RunError::RunDir {
                path: options.runs_root.join(&options.run_id),
                source,
            })?;
        process::become_subreaper();
        let slots = options.jobs.max(1);
        let watchdog = Watchdog::start(slots).map_err(RunError::Watchdog)?;
        Ok(Session {
            launch: Launcher::new(options, &run_dir.path, slots),
            options: options.clone(),
            run_dir,
            watchdog,
            busy: Mutex::new(vec![false; slots]),
            freed: Condvar::new(),
        })
    }

    /// The run directory: logs of units that did not pass are kept in
    /// `logs/`.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir.path
    }

    /// Runs `unit` once, on the calling thread, in the first free slot
    /// (waiting for one), and returns how it went, its output parsed.
    /// [`UnitRun::index`] is 0. A unit that cannot be started comes back
    /// as [`UnitRun::not_started`] with the reason.
    pub fn run_one(&self, unit: &Unit) -> UnitRun {
        let slot = self.take_slot();
        let run = self.run_in(unit, slot);
        self.give_back(slot);
        run
    }

    fn take_slot(&self) -> Slot {
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(index) = busy.iter().position(|b| !b) {
                busy[index] = true;
                return Slot::new(index);
            }
            busy = self
                .freed
                .wait(busy)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn give_back(&self, slot: Slot) {
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(flag) = busy.get_mut(slot.index()) {
            *flag = false;
        }
        self.freed.notify_one();
    }

    fn run_in(&self, unit: &Unit, slot: Slot) -> UnitRun {
        let attempt = 1;
        let spec = match self.launch.command(unit, slot, attempt, None) {
            Ok(spec) => spec,
            Err(reason) => return UnitRun::not_started(0, slot, attempt, reason),
        };
        let job = Job::new(0, unit, attempt, spec, &self.options);
        let scratch = Scratch::new(&self.run_dir.path, slot);
        let limits = Limits {
            timeout: unit.settings.timeout.or(self.options.timeout),
            grace: self.options.grace,
        };
        let (tx, rx) = mpsc::channel::<Msg>();
        let watchdog = &self.watchdog;
        let run = std::thread::scope(|scope| {
            let scratch = &scratch;
            let spawned = std::thread::Builder::new()
                .name(format!("ptest-one-{slot}"))
                .spawn_scoped(scope, move || {
                    let run = worker::run_caught(slot, scratch, watchdog, job, &tx);
                    let _ = tx.send(Msg::Done(Box::new(run)));
                });
            match spawned {
                Ok(_) => supervise(&rx, limits, slot),
                Err(err) => UnitRun::not_started(
                    0,
                    slot,
                    attempt,
                    format!("internal error in ptest: cannot start a thread: {err}"),
                ),
            }
        });
        scratch.remove();
        run
    }
}

/// Runs one unit in a session of its own (see [`Session`]): the run
/// directory stays, unlocked, when this returns.
pub fn run_one(unit: &Unit, options: &RunOptions) -> Result<UnitRun, RunError> {
    Ok(Session::start(options)?.run_one(unit))
}

/// A unit's time limits.
#[derive(Debug, Clone, Copy)]
struct Limits {
    timeout: Option<Duration>,
    grace: Duration,
}

/// Waits for the unit's worker, stopping its group when its timeout
/// expires (SIGTERM, then SIGKILL after the grace period), as the
/// dispatcher does ([`Clock`]); a stopped unit is reported TIMEOUT.
fn supervise(rx: &Receiver<Msg>, limits: Limits, slot: Slot) -> UnitRun {
    let mut clock = Clock::start(limits.timeout);
    loop {
        let message = match clock.deadline() {
            Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match message {
            Ok(Msg::Spawned { pgid, .. }) => clock.spawned(pgid, limits.grace),
            Ok(Msg::Done(mut run)) => {
                clock.finish();
                clock.mark(&mut run.status);
                return *run;
            }
            // No signal handlers in a session: nothing sends these.
            Ok(Msg::Signal(_)) => {}
            Err(RecvTimeoutError::Timeout) => clock.enforce(Instant::now(), limits.grace),
            Err(RecvTimeoutError::Disconnected) => {
                return UnitRun::not_started(
                    0,
                    slot,
                    1,
                    "internal error in ptest: the worker thread stopped unexpectedly".to_string(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{self, DiscoverOptions};
    use crate::outcome::ChildStatus;

    fn unit(dir: &Path, name: &str, body: &str) -> Unit {
        std::fs::write(dir.join(name), body).unwrap();
        let found = discover::discover(&DiscoverOptions::new(vec![dir.join(name)])).unwrap();
        found.into_iter().next().unwrap()
    }

    fn options(dir: &Path, jobs: usize) -> RunOptions {
        let mut options = RunOptions::new(jobs, dir.join("runs"));
        options.handle_signals = false;
        options.grace = Duration::from_millis(300);
        options
    }

    #[test]
    fn a_unit_runs_and_its_tap_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::start(&options(dir.path(), 1)).unwrap();
        let unit = unit(
            dir.path(),
            "a.sh",
            "echo 1..2; echo ok 1; echo 'not ok 2'\n",
        );
        let run = session.run_one(&unit);
        assert_eq!(run.status, ChildStatus::Exited { code: 0 });
        let tap = run.report.tap().expect("read as TAP");
        assert_eq!(tap.cases.len(), 2);
        assert!(run.stdout.kept, "a failing file keeps its log");
        assert!(run.stdout.path.starts_with(session.run_dir()));
    }

    #[test]
    fn a_timeout_stops_the_group_even_when_it_ignores_sigterm() {
        let dir = tempfile::tempdir().unwrap();
        let mut unit = unit(dir.path(), "hang.sh", "trap '' TERM\nsleep 30\n");
        unit.settings.timeout = Some(Duration::from_millis(200));
        let start = Instant::now();
        let run = run_one(&unit, &options(dir.path(), 1)).unwrap();
        assert_eq!(
            run.status,
            ChildStatus::TimedOut {
                after: Duration::from_millis(200)
            }
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn concurrent_callers_get_slots_of_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::start(&options(dir.path(), 2)).unwrap();
        let body = "echo \"$PTEST_WORKER $PTEST_TMPDIR\"; sleep 0.2; exit 1\n";
        let units: Vec<Unit> = (0..4)
            .map(|i| unit(dir.path(), &format!("t{i}.sh"), body))
            .collect();
        let runs: Vec<UnitRun> = std::thread::scope(|scope| {
            let handles: Vec<_> = units
                .iter()
                .map(|u| scope.spawn(|| session.run_one(u)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut seen: Vec<String> = runs
            .iter()
            .map(|r| std::fs::read_to_string(&r.stdout.path).unwrap())
            .collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 2, "two slots, each with its own tmp: {seen:?}");
        assert!(runs.iter().all(|r| r.slot.index() < 2));
    }
}
