//! The dispatcher: the single owner of run state.
//!
//! It owns the slots (one worker thread each), the running children, their
//! timeouts and ptest's signals. Which unit starts next it asks the
//! admission queue ([`crate::plan::queue`], built from the plan's
//! constraints); what to start, the launcher ([`super::launcher`]). It
//! receives spawn and completion messages, enforces per-file timeouts (the
//! unit's own, else the run's: SIGTERM to the group, then SIGKILL after the
//! grace period) and the global timeout, reads the load average for
//! `--load-limit`, counts failures for `--fail-fast`/`--max-fail`, and
//! acts on ptest's own signals (SIGINT/SIGTERM/SIGHUP) as `super::signals`
//! decides: start nothing more and stop every running group.
//!
//! Retries: a unit whose attempt failed or timed out, with attempts left
//! (1 + its `retries`), runs again unless the run is stopping. The queue
//! puts it back at the front ([`Queue::retry_later`]); its delay
//! ([`crate::util::backoff::RetryPolicy::delay`]) is held here, and once it
//! has passed the unit is readmitted. Only a unit's last attempt counts
//! for `--max-fail` and for its dependents.
//!
//! A unit of weight `w` holds `w` slots: it runs in the first, the others
//! stay idle until it ends.
//!
//! With `--slow`, a running unit's next mark (a multiple of the threshold)
//! is one more deadline: when it passes, [`RunEvent::Slow`] is reported
//! (see `super::slow`).

use super::admit::Admit;
use super::deadline::{Clock, Stop};
use super::launcher::Launcher;
use super::signals::{self, Response};
use super::watchdog::Watchdog;
use super::worker::{self, Job, Msg};
use super::{process, rundir, CompletedRun, RunError, RunOptions};
use crate::aggregate::split::Piece;
use crate::outcome::NotRunReason;
use crate::outcome::{RunEvent, RunOutcome, UnitRun};
use crate::plan::queue::{Finish, Follow, Room};
use crate::plan::Plan;
use crate::unit::Slot;
use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// A file that has been handed to a worker.
#[derive(Debug)]
struct Running {
    /// The slot it runs in.
    slot: Slot,
    /// Further slots it holds (weight > 1).
    held: Vec<Slot>,
    /// Its timeout and how far stopping it has gone.
    clock: Clock,
    /// Its `--slow` threshold: the unit's own, else the run's (`None`:
    /// never slow).
    slow: Option<Duration>,
    /// The next `--slow` mark, counted from `started` (see `super::slow`).
    slow_at: Option<Duration>,
}

/// How often the load average is read again while it holds files back.
const LOAD_POLL: Duration = Duration::from_millis(500);

/// Runs the plan. See the module docs.
pub fn run(
    plan: &Plan,
    options: &RunOptions,
    on_event: impl FnMut(RunEvent),
) -> Result<CompletedRun, RunError> {
    let mut queue = plan.queue(options.mem_budget)?;
    run_with(plan, options, &mut queue, on_event)
}

/// Runs the plan, asking `queue` what may start (a shared work queue's
/// admission, see [`crate::queue`]; [`run`] asks the plan's own queue).
pub fn run_with(
    plan: &Plan,
    options: &RunOptions,
    queue: &mut dyn Admit,
    on_event: impl FnMut(RunEvent),
) -> Result<CompletedRun, RunError> {
    let started_at = SystemTime::now();
    let start = Instant::now();
    let prepared = rundir::prepare(&options.runs_root, &options.run_id, options.keep_runs)
        .map_err(|source| RunError::RunDir {
            path: options.runs_root.join(&options.run_id),
            source,
        })?;
    let run_dir = prepared.path.clone();
    process::become_subreaper();
    let jobs = crate::plan::slots(options.jobs, plan.entries.len());
    let (tx, rx) = mpsc::channel::<Msg>();
    let signals = if options.handle_signals {
        Some(signals::watch(tx.clone())?)
    } else {
        None
    };
    let slot_count = jobs.min(plan.entries.len().max(1));
    let watchdog = Arc::new(Watchdog::start(slot_count).map_err(RunError::Watchdog)?);
    let (slots, handles) = start_workers(slot_count, &run_dir, &watchdog, &tx)?;
    drop(tx);

    let mut d = Dispatcher {
        plan,
        options,
        launch: Launcher::new(options, &run_dir, jobs),
        queue,
        free: (0..slots.len()).rev().map(Slot::new).collect(),
        slots,
        running: HashMap::new(),
        interrupted: None,
        bailed_out: None,
        stopping: None,
        failures: 0,
        needs_verdict: options.max_fail.is_some()
            || plan
                .entries
                .iter()
                .any(|e| !e.file.settings.depends_on.is_empty()),
        global_deadline: options.global_timeout.map(|t| start + t),
        next_attempt: vec![1; plan.units()],
        delayed: Vec::new(),
        notes: HashMap::new(),
        on_event,
    };
    (d.on_event)(RunEvent::RunStarted {
        run_id: options.run_id.clone(),
        run_dir: run_dir.clone(),
        jobs,
        total: plan.entries.len(),
    });
    // If the loop fails or panics (a bug, or a panicking event callback),
    // no child may outlive ptest: stop every running group, then report.
    let skipped = d.queue.take_follows();
    d.follow(skipped);
    let looped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| d.dispatch(&rx)));
    if !matches!(looped, Ok(Ok(()))) {
        for r in d.running.values_mut() {
            r.clock.kill();
        }
    }
    match looped {
        Ok(Ok(())) => {}
        Ok(Err(err)) => return Err(err),
        Err(panic) => std::panic::resume_unwind(panic),
    }

    // Files never started.
    let reason = match (d.interrupted, d.stopping) {
        (Some(_), _) => NotRunReason::Interrupted,
        (None, Some(reason)) => reason,
        (None, None) => NotRunReason::BailOut,
    };
    for unit in d.queue.take_unstarted() {
        for index in plan.members(unit) {
            (d.on_event)(RunEvent::NotRun { index, reason });
        }
    }
    drop(d.slots);
    for h in handles {
        let _ = h.join();
    }
    // Every group is gone: the watchdog exits and is reaped.
    drop(watchdog);
    if let Some(handle) = signals {
        handle.close();
    }
    Ok(CompletedRun {
        outcome: RunOutcome {
            run_id: options.run_id.clone(),
            run_dir,
            started_at,
            wall: start.elapsed(),
            interrupted: d.interrupted,
            bailed_out: d.bailed_out,
        },
        lock: Some(std::sync::Arc::new(prepared.lock)),
    })
}

/// Each slot's job channel (by slot number) and worker thread.
type Workers = (Vec<Sender<Job>>, Vec<JoinHandle<()>>);

/// Starts one worker thread per slot, each with its own job channel.
fn start_workers(
    count: usize,
    run_dir: &std::path::Path,
    watchdog: &Arc<Watchdog>,
    done: &Sender<Msg>,
) -> Result<Workers, RunError> {
    let mut slots = Vec::with_capacity(count);
    let mut handles = Vec::with_capacity(count);
    for index in 0..count {
        let slot = Slot::new(index);
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let done = done.clone();
        let scratch = worker::Scratch::new(run_dir, slot);
        let watchdog = Arc::clone(watchdog);
        handles.push(
            std::thread::Builder::new()
                .name(format!("ptest-worker-{index}"))
                .spawn(move || worker::work(slot, scratch, &watchdog, job_rx, done))
                .map_err(RunError::Worker)?,
        );
        slots.push(job_tx);
    }
    Ok((slots, handles))
}

/// The run state the dispatch loop owns.
struct Dispatcher<'a, F> {
    plan: &'a Plan,
    options: &'a RunOptions,
    launch: Launcher,
    queue: &'a mut dyn Admit,
    /// Each slot's job channel, by slot number.
    slots: Vec<Sender<Job>>,
    /// Free slots; the last one is used next.
    free: Vec<Slot>,
    /// Running units by plan index.
    running: HashMap<usize, Running>,
    interrupted: Option<i32>,
    bailed_out: Option<(usize, String)>,
    /// Why no more files start (fail-fast, max-fail, global timeout).
    stopping: Option<NotRunReason>,
    /// Files that failed so far (FAIL, TIMEOUT, ERROR).
    failures: u32,
    /// Whether a finished file's verdict matters here (dependencies or
    /// `--max-fail`); otherwise it is left to the summary.
    needs_verdict: bool,
    global_deadline: Option<Instant>,
    /// The attempt each unit starts with next (1-based), by plan index.
    next_attempt: Vec<u32>,
    /// Retries waiting for their delay: when, and the unit.
    delayed: Vec<(Instant, usize)>,
    /// Files of a batch that run alone, and why (for their result).
    notes: HashMap<usize, String>,
    on_event: F,
}

impl<F: FnMut(RunEvent)> Dispatcher<'_, F> {
    /// Starts what may start, waits for what happens next, until every
    /// started unit has finished and nothing more will start.
    fn dispatch(&mut self, rx: &Receiver<Msg>) -> Result<(), RunError> {
        loop {
            self.readmit_due();
            self.start_ready()?;
            if self.running.is_empty() {
                if self.queue.is_exhausted() {
                    return Ok(());
                }
                if self.delayed.is_empty() && self.queue.poll().is_none() {
                    // Nothing runs and nothing may start: the constraints
                    // can never be met. Stop rather than wait forever.
                    self.stop_starting(NotRunReason::Unschedulable);
                    continue;
                }
                // Only retries waiting for their delay: wait below (a
                // signal still comes through).
            }
            let mut wait = self
                .next_deadline()
                .map(|at| at.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(3600));
            if self.options.load_limit.is_some() && !self.queue.is_exhausted() {
                wait = wait.min(LOAD_POLL);
            }
            if let Some(poll) = self.queue.poll() {
                wait = wait.min(poll);
            }
            match rx.recv_timeout(wait) {
                Ok(Msg::Spawned { index, pgid }) => {
                    if let Some(r) = self.running.get_mut(&index) {
                        r.clock.spawned(pgid, self.options.grace);
                    }
                }
                Ok(Msg::Done(file_run)) => self.finished(file_run),
                Ok(Msg::Signal(signal)) => self.signal(signal),
                Err(RecvTimeoutError::Timeout) => self.enforce_deadlines(),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(RunError::Worker(std::io::Error::other(
                        "worker threads stopped unexpectedly",
                    )));
                }
            }
        }
    }

    /// Whether the load average allows starting one more file.
    fn load_allows(&self) -> bool {
        match self.options.load_limit {
            None => true,
            Some(limit) => load_average().is_none_or(|load| load <= limit),
        }
    }

    /// Starts units while the queue lets one start in the free slots.
    fn start_ready(&mut self) -> Result<(), RunError> {
        while !self.free.is_empty() {
            let room = Room {
                free_slots: self.free.len(),
                may_start_more: self.queue.running() == 0 || self.load_allows(),
            };
            let Some(index) = self.queue.admit(room) else {
                break;
            };
            let weight = self.queue.weight(index).clamp(1, self.free.len());
            let at = self.free.len() - weight;
            let mut held = self.free.split_off(at);
            let Some(slot) = held.pop() else {
                break;
            };
            let plan = self.plan;
            let unit = plan.unit(index);
            let attempt = self.next_attempt[index];
            let group_slot = self.queue.group_slot(index);
            let spec = match self.launch.command(unit, slot, attempt, group_slot) {
                Ok(spec) => spec,
                Err(reason) => {
                    // Nothing to start: report it as an ERROR right away.
                    self.free.extend(held);
                    self.free.push(slot);
                    self.started(index, slot, attempt);
                    let run = UnitRun::not_started(index, slot, attempt, reason);
                    self.split(Box::new(run));
                    continue;
                }
            };
            let job = Job::new(index, unit, attempt, spec, self.options);
            if self.slots[slot.index()].send(job).is_err() {
                return Err(RunError::Worker(std::io::Error::other(
                    "a worker thread stopped unexpectedly",
                )));
            }
            // A unit's own threshold beats the run's; zero turns it off.
            // A batch is not one file: its files are not reported slow.
            let slow = match unit.settings.slow {
                Some(own) => Some(own).filter(|d| !d.is_zero()),
                None => self.options.slow,
            }
            .filter(|_| unit.span() == 1);
            // The timeout is per file: a batch has each file's.
            let timeout = unit
                .settings
                .timeout
                .or(self.options.timeout)
                .map(|t| t.saturating_mul(unit.span()));
            self.running.insert(
                index,
                Running {
                    slot,
                    held,
                    clock: Clock::start(timeout),
                    slow,
                    slow_at: slow,
                },
            );
            self.started(index, slot, attempt);
        }
        Ok(())
    }

    /// Reports that unit `index` started: each file it runs.
    fn started(&mut self, index: usize, slot: Slot, attempt: u32) {
        for member in self.plan.members(index) {
            (self.on_event)(RunEvent::UnitStarted {
                index: member,
                slot,
                attempt: self.next_attempt.get(member).copied().unwrap_or(attempt),
            });
        }
    }

    /// Concludes each file of a finished unit (see
    /// [`crate::aggregate::split`]); a file left without a result runs again
    /// on its own.
    fn split(&mut self, file_run: Box<UnitRun>) {
        let index = file_run.index;
        let mut dissolved = true;
        for piece in crate::aggregate::split::split(self.plan, file_run) {
            match piece {
                Piece::Done(run) => {
                    dissolved &= run.index != index;
                    self.conclude(run);
                }
                Piece::Alone {
                    index: member,
                    reason,
                } if !self.queue.is_stopped() => {
                    self.notes.insert(member, reason);
                    self.queue.run_alone(member);
                }
                Piece::Alone {
                    index: member,
                    reason,
                } => {
                    // The run is stopping: the file has no result.
                    let slot = Slot::new(0);
                    let attempt = self.next_attempt[member];
                    let mut run = UnitRun::not_started(member, slot, attempt, reason);
                    run.status = crate::outcome::ChildStatus::Interrupted;
                    self.conclude(Box::new(run));
                }
            }
        }
        if dissolved {
            // The batch itself has no result of its own.
            self.queue.finished(index, Finish::Passed);
        }
    }

    /// A worker reports a finished unit: free its slots, then conclude it.
    fn finished(&mut self, mut file_run: Box<UnitRun>) {
        if let Some(mut r) = self.running.remove(&file_run.index) {
            r.clock.finish();
            self.free.extend(r.held);
            self.free.push(r.slot);
            // A child ptest stopped is reported for why it was stopped.
            r.clock.mark(&mut file_run.status);
        }
        if let Some(note) = self.notes.remove(&file_run.index) {
            file_run.note = Some(note);
        }
        self.split(file_run);
    }

    /// Readmits the retries whose delay has passed.
    fn readmit_due(&mut self) {
        if self.delayed.is_empty() {
            return;
        }
        let now = Instant::now();
        let queue = &mut self.queue;
        self.delayed.retain(|&(at, index)| {
            let due = at <= now;
            if due {
                queue.readmit(index);
            }
            !due
        });
    }

    /// Whether an attempt that ended with `verdict` is retried (when the
    /// unit has attempts left): it failed or timed out, and the run is not
    /// stopping (Ctrl-C, bail-out, the global timeout, `--max-fail`).
    fn retries(&self, verdict: crate::outcome::Verdict) -> bool {
        use crate::outcome::Verdict;
        let again = match verdict {
            Verdict::Fail | Verdict::Timeout => true,
            Verdict::Pass
            | Verdict::Skip
            | Verdict::Error
            | Verdict::NotRun
            | Verdict::Interrupted
            | Verdict::Flaky => false,
        };
        again && !self.queue.is_stopped()
    }

    /// Tells the queue how a unit ended, reports it and what follows.
    fn conclude(&mut self, mut file_run: Box<UnitRun>) {
        let bail = file_run.report.tap().and_then(|t| t.bail_out.clone());
        let index = file_run.index;
        let may_retry = bail.is_none()
            && file_run.attempt < self.launch.total_attempts(&self.plan.entries[index].file);
        let verdict =
            (self.needs_verdict || may_retry).then(|| crate::aggregate::decide(&file_run).verdict);
        if may_retry && verdict.is_some_and(|v| self.retries(v)) {
            let next = file_run.attempt + 1;
            let delay = self.options.retry.delay(index, next);
            self.next_attempt[index] = next;
            self.queue.retry_later(index);
            if delay.is_zero() {
                self.queue.readmit(index);
            } else {
                self.delayed.push((Instant::now() + delay, index));
            }
            file_run.retry_after = Some(delay);
            (self.on_event)(RunEvent::UnitFinished(file_run));
            return;
        }
        let outcome = match (&bail, verdict) {
            (Some(_), _) => Finish::BailedOut,
            (None, Some(crate::outcome::Verdict::Pass) | None) => Finish::Passed,
            (None, Some(_)) => Finish::NotPassed,
        };
        // A failure quarantine excuses does not count towards --max-fail.
        let failed = verdict.is_some_and(crate::outcome::Verdict::is_failure)
            && self
                .plan
                .entries
                .get(index)
                .is_none_or(|e| !crate::aggregate::quarantine::excuses(&e.file, &file_run));
        let follows = self.queue.finished(index, outcome);
        (self.on_event)(RunEvent::UnitFinished(file_run));
        for follow in &follows {
            if let (Follow::BailOut, Some(reason), None) = (follow, &bail, &self.bailed_out) {
                self.bailed_out = Some((index, reason.clone()));
                (self.on_event)(RunEvent::BailOut {
                    index,
                    reason: reason.clone(),
                });
            }
        }
        self.follow(follows);
        if failed {
            self.failures += 1;
            if self
                .options
                .max_fail
                .is_some_and(|max| self.failures >= max)
            {
                let reason = if self.options.until_fail {
                    NotRunReason::UntilFail
                } else {
                    NotRunReason::MaxFail(self.failures)
                };
                self.stop_starting(reason);
            }
        }
    }

    /// Reports the units the queue skipped.
    fn follow(&mut self, follows: Vec<Follow>) {
        for follow in follows {
            match follow {
                Follow::Skip { index, cause } => {
                    (self.on_event)(RunEvent::Skipped { index, cause })
                }
                Follow::BailOut => {}
            }
        }
    }

    /// No more files start, for `reason` (the first reason stays).
    fn stop_starting(&mut self, reason: NotRunReason) {
        if self.stopping.is_none() && self.interrupted.is_none() && !self.queue.is_stopped() {
            self.stopping = Some(reason);
            (self.on_event)(RunEvent::Stopping { reason });
        }
        self.queue.stop();
    }

    /// ptest got SIGINT, SIGTERM or SIGHUP: does what [`signals::respond`]
    /// says.
    fn signal(&mut self, signal: i32) {
        match signals::respond(self.interrupted) {
            Response::Interrupt => {
                self.interrupted = Some(signal);
                self.queue.stop();
                (self.on_event)(RunEvent::Interrupted { signal });
                for r in self.running.values_mut() {
                    r.clock.stop(Stop::Interrupt, self.options.grace);
                }
            }
            Response::Kill => {
                for r in self.running.values_mut() {
                    r.clock.kill();
                }
            }
        }
    }

    /// The global timeout, then per file: SIGKILL after the grace period,
    /// SIGTERM after the timeout.
    fn enforce_deadlines(&mut self) {
        let now = Instant::now();
        if let (Some(at), Some(limit)) = (self.global_deadline, self.options.global_timeout) {
            if now >= at {
                self.global_deadline = None;
                self.stop_starting(NotRunReason::GlobalTimeout(limit));
                for r in self.running.values_mut() {
                    if !r.clock.stopping() {
                        r.clock.stop(Stop::GlobalTimeout(limit), self.options.grace);
                    }
                }
            }
        }
        for r in self.running.values_mut() {
            r.clock.enforce(now, self.options.grace);
        }
        self.report_slow(now);
    }

    /// Reports the running units that passed their next `--slow` mark.
    fn report_slow(&mut self, now: Instant) {
        let mut slow = Vec::new();
        for (&index, r) in &mut self.running {
            let elapsed = now.saturating_duration_since(r.clock.started());
            let Some(threshold) = r.slow else {
                continue;
            };
            if !r.clock.stopping() && r.slow_at.is_some_and(|at| elapsed >= at) {
                let (reached, next) = super::slow::marks(threshold, elapsed);
                r.slow_at = next;
                slow.extend(reached.map(|elapsed| (index, elapsed)));
            }
        }
        slow.sort();
        for (index, elapsed) in slow {
            (self.on_event)(RunEvent::Slow { index, elapsed });
        }
    }

    /// The earliest instant at which the dispatcher must act on its own.
    fn next_deadline(&self) -> Option<Instant> {
        self.running
            .values()
            .filter_map(|r| r.clock.deadline())
            .chain(
                self.running
                    .values()
                    .filter(|r| !r.clock.stopping())
                    .filter_map(|r| r.slow_at.map(|at| r.clock.started() + at)),
            )
            .chain(self.global_deadline)
            .chain(self.delayed.iter().map(|(at, _)| *at))
            .min()
    }
}

/// The 1-minute load average (`getloadavg(3)`), `None` when unknown.
fn load_average() -> Option<f64> {
    let mut load = [0f64; 1];
    // SAFETY: getloadavg writes at most `nelem` (1) doubles into `load`.
    let n = unsafe { libc::getloadavg(load.as_mut_ptr(), 1) };
    (n == 1).then_some(load[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::DiscoverOptions;
    use crate::unit::Unit;

    fn files(dir: &std::path::Path, scripts: &[(&str, &str)]) -> Vec<Unit> {
        for (name, body) in scripts {
            std::fs::write(dir.join(name), body).unwrap();
        }
        crate::discover::discover(&DiscoverOptions::new(vec![dir.to_path_buf()])).unwrap()
    }

    #[test]
    fn a_panicking_callback_leaves_no_child_behind() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("slow.pid");
        let files = files(
            dir.path(),
            &[
                ("a_fast.sh", "sleep 0.3\n"),
                (
                    "b_slow.sh",
                    &format!("echo $$ > {}\nsleep 60\n", pidfile.display()),
                ),
            ],
        );
        let plan = Plan::lexical(files, 2);
        let mut options = RunOptions::new(2, dir.path().join("runs"));
        options.handle_signals = false;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(&plan, &options, |event| {
                if matches!(event, RunEvent::UnitFinished(_)) {
                    panic!("reporter bug");
                }
            })
        }));
        assert!(result.is_err(), "the panic propagates");
        let pid: u32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !process::is_running(pid),
            "the slow child ({pid}) was left running"
        );
    }

    #[test]
    fn dispatch_starts_files_in_plan_order() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(
            dir.path(),
            &[
                ("a.sh", "exit 0\n"),
                ("b.sh", "exit 0\n"),
                ("c.sh", "exit 0\n"),
            ],
        );
        let mut plan = Plan::lexical(files, 1);
        plan.entries.reverse();
        let mut options = RunOptions::new(1, dir.path().join("runs"));
        options.handle_signals = false;
        let mut started = Vec::new();
        run(&plan, &options, |event| {
            if let RunEvent::UnitStarted { index, .. } = event {
                started.push(
                    plan.entries[index]
                        .file
                        .id
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .to_string(),
                );
            }
        })
        .unwrap();
        assert_eq!(started, ["c.sh", "b.sh", "a.sh"]);
    }
}
