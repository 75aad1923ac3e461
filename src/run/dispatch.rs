//! The dispatcher: the single owner of run state.
//!
//! It hands planned files to free worker slots in plan order, receives
//! spawn and completion messages, enforces per-file timeouts (SIGTERM to the
//! group, then SIGKILL after the grace period), and reacts to SIGINT/SIGTERM
//! by starting nothing more and stopping every running group.

use super::watchdog::Watchdog;
use super::worker::{self, Job, Msg};
use super::{
    process, rundir, ChildStatus, FileRun, NotRunReason, RunError, RunEvent, RunOptions, RunOutcome,
};
use crate::plan::Plan;
use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Why ptest is stopping a running child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Timeout,
    Interrupt,
}

/// A file that has been handed to a worker.
#[derive(Debug)]
struct Running {
    worker: usize,
    pgid: Option<u32>,
    started: Instant,
    stop: Option<Stop>,
    /// When to send SIGKILL (set once SIGTERM was sent).
    kill_at: Option<Instant>,
}

/// Runs the plan. See the module docs.
pub fn run(
    plan: &Plan,
    options: &RunOptions,
    mut on_event: impl FnMut(RunEvent),
) -> Result<RunOutcome, RunError> {
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
        Some(watch_signals(tx.clone())?)
    } else {
        None
    };

    // Worker slots, each a thread with its own job channel.
    let slot_count = jobs.min(plan.entries.len().max(1));
    let watchdog = Arc::new(Watchdog::start(slot_count).map_err(RunError::Watchdog)?);
    let mut slots: Vec<Sender<Job>> = Vec::with_capacity(jobs);
    let mut handles = Vec::with_capacity(jobs);
    for w in 0..slot_count {
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let done = tx.clone();
        let scratch = worker::Scratch::new(&run_dir, w);
        let watchdog = Arc::clone(&watchdog);
        handles.push(
            std::thread::Builder::new()
                .name(format!("ptest-worker-{w}"))
                .spawn(move || worker::work(w, scratch, &watchdog, job_rx, done))
                .map_err(RunError::Worker)?,
        );
        slots.push(job_tx);
    }
    drop(tx);

    on_event(RunEvent::RunStarted {
        run_id: options.run_id.clone(),
        run_dir: run_dir.clone(),
        jobs,
        total: plan.entries.len(),
    });

    let mut free: Vec<usize> = (0..slots.len()).rev().collect();
    let mut running: HashMap<usize, Running> = HashMap::new();
    let mut next = 0usize;
    let mut interrupted: Option<i32> = None;
    let mut bailed_out: Option<(usize, String)> = None;
    let total_attempts = OsString::from("1");
    let jobs_env = OsString::from(jobs.to_string());
    let parallel_env = OsString::from(if jobs > 1 { "1" } else { "0" });
    // Absolute once, so a test that changes directory keeps them; used for
    // PERL5LIB and, under taint mode, as -I switches.
    let perl_lib: Vec<std::path::PathBuf> = options
        .perl_lib
        .iter()
        .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.clone()))
        .collect();
    let perl5lib = perl5lib(&perl_lib);
    // Where children may write JUnit reports: reported relative like the
    // logs, given to children as an absolute path so that a test that
    // changes directory still writes where ptest reads.
    let junit_dir = run_dir.join("junit");
    let junit_env_dir = std::path::absolute(&junit_dir).unwrap_or_else(|_| junit_dir.clone());

    // If the loop fails or panics (a bug, or a panicking event callback),
    // no child may outlive ptest: stop every running group, then report.
    let looped =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<(), RunError> {
            loop {
                // Start files while slots are free and nothing asked us to stop.
                while interrupted.is_none() && bailed_out.is_none() && next < plan.entries.len() {
                    let Some(&w) = free.last() else { break };
                    let index = next;
                    next += 1;
                    let entry = &plan.entries[index];
                    let stem = rundir::log_stem(&entry.file.id, 1);
                    let stdout = run_dir.join("logs").join(format!("{stem}.stdout"));
                    let stderr = run_dir.join("logs").join(format!("{stem}.stderr"));
                    let junit_name = format!("{stem}.xml");
                    let junit = junit_dir.join(&junit_name);
                    let Some(mut argv) = entry.file.argv() else {
                        // Nothing to start: report it as an ERROR right away.
                        let reason = match &entry.file.runner {
                            crate::discover::Runner::Unrunnable { reason } => reason.clone(),
                            crate::discover::Runner::Direct
                            | crate::discover::Runner::Interpreter { .. } => {
                                "no command".to_string()
                            }
                        };
                        on_event(RunEvent::FileStarted {
                            index,
                            worker: w,
                            attempt: 1,
                        });
                        on_event(RunEvent::FileFinished(Box::new(FileRun::not_started(
                            index, w, 1, reason,
                        ))));
                        continue;
                    };
                    add_taint_includes(&mut argv, &perl_lib);
                    let mut env: Vec<(&'static str, OsString)> = vec![
                        ("PTEST", "1".into()),
                        ("PTEST_RUN_ID", options.run_id.clone().into()),
                        ("PTEST_FILE", entry.file.id.clone().into()),
                        ("PTEST_WORKER", w.to_string().into()),
                        ("PTEST_JOBS", jobs_env.clone()),
                        ("PTEST_PARALLEL", parallel_env.clone()),
                        ("PTEST_ATTEMPT", "1".into()),
                        ("PTEST_TOTAL_ATTEMPTS", total_attempts.clone()),
                        ("HARNESS_ACTIVE", "1".into()),
                        ("PTEST_JUNIT_FILE", junit_env_dir.join(&junit_name).into()),
                    ];
                    if let Some(shard) = &options.shard {
                        env.push(("PTEST_SHARD", shard.into()));
                    }
                    if let Some(value) = &perl5lib {
                        env.push(("PERL5LIB", value.clone()));
                    }
                    let job = Job {
                        index,
                        file_id: entry.file.id.clone(),
                        attempt: 1,
                        argv,
                        env,
                        stdout,
                        stderr,
                        junit,
                        protocol: entry.file.protocol,
                        grace: options.grace,
                        keep_logs: options.keep_logs,
                    };
                    if slots[w].send(job).is_err() {
                        return Err(RunError::Worker(std::io::Error::other(
                            "a worker thread stopped unexpectedly",
                        )));
                    }
                    free.pop();
                    running.insert(
                        index,
                        Running {
                            worker: w,
                            pgid: None,
                            started: Instant::now(),
                            stop: None,
                            kill_at: None,
                        },
                    );
                    on_event(RunEvent::FileStarted {
                        index,
                        worker: w,
                        attempt: 1,
                    });
                }

                let done_starting =
                    interrupted.is_some() || bailed_out.is_some() || next >= plan.entries.len();
                if running.is_empty() && done_starting {
                    break;
                }

                let wait = next_deadline(&running, options.timeout)
                    .map(|at| at.saturating_duration_since(Instant::now()))
                    .unwrap_or(Duration::from_secs(3600));
                match rx.recv_timeout(wait) {
                    Ok(Msg::Spawned { index, pgid }) => {
                        if let Some(r) = running.get_mut(&index) {
                            r.pgid = Some(pgid);
                            if r.stop.is_some() {
                                terminate(r, options.grace);
                            }
                        }
                    }
                    Ok(Msg::Done(mut file_run)) => {
                        if let Some(r) = running.remove(&file_run.index) {
                            free.push(r.worker);
                            // A child ptest stopped is reported for why it was stopped.
                            match (r.stop, &file_run.status) {
                                (_, ChildStatus::SpawnFailed { .. }) | (None, _) => {}
                                (Some(Stop::Timeout), _) => {
                                    file_run.status = ChildStatus::TimedOut {
                                        after: options.timeout.unwrap_or_default(),
                                    }
                                }
                                (Some(Stop::Interrupt), _) => {
                                    file_run.status = ChildStatus::Interrupted
                                }
                            }
                        }
                        let bail = file_run.tap.as_ref().and_then(|t| t.bail_out.clone());
                        let index = file_run.index;
                        on_event(RunEvent::FileFinished(file_run));
                        if let (Some(reason), None) = (bail, &bailed_out) {
                            bailed_out = Some((index, reason.clone()));
                            on_event(RunEvent::BailOut { index, reason });
                        }
                    }
                    Ok(Msg::Signal(signal)) => {
                        if interrupted.is_none() {
                            interrupted = Some(signal);
                            on_event(RunEvent::Interrupted { signal });
                            for r in running.values_mut() {
                                r.stop = Some(Stop::Interrupt);
                                terminate(r, options.grace);
                            }
                        } else {
                            // A second signal: no more patience.
                            for r in running.values_mut() {
                                if let Some(pgid) = r.pgid {
                                    process::signal_group(pgid, libc::SIGKILL);
                                }
                            }
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        let now = Instant::now();
                        for r in running.values_mut() {
                            if let Some(kill_at) = r.kill_at {
                                if now >= kill_at {
                                    if let Some(pgid) = r.pgid {
                                        process::signal_group(pgid, libc::SIGKILL);
                                    }
                                    r.kill_at = None;
                                }
                            } else if r.stop.is_none()
                                && options.timeout.is_some_and(|t| now >= r.started + t)
                            {
                                r.stop = Some(Stop::Timeout);
                                terminate(r, options.grace);
                            }
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        return Err(RunError::Worker(std::io::Error::other(
                            "worker threads stopped unexpectedly",
                        )));
                    }
                }
            }
            Ok(())
        }));
    let failed = !matches!(looped, Ok(Ok(())));
    if failed {
        for r in running.values() {
            if let Some(pgid) = r.pgid {
                process::signal_group(pgid, libc::SIGKILL);
            }
        }
    }
    match looped {
        Ok(Ok(())) => {}
        Ok(Err(err)) => return Err(err),
        Err(panic) => std::panic::resume_unwind(panic),
    }

    // Files never started.
    let reason = if interrupted.is_some() {
        NotRunReason::Interrupted
    } else {
        NotRunReason::BailOut
    };
    for index in next..plan.entries.len() {
        on_event(RunEvent::NotRun { index, reason });
    }
    drop(slots);
    for h in handles {
        let _ = h.join();
    }
    // Every group is gone: the watchdog exits and is reaped.
    drop(watchdog);
    if let Some(handle) = signals {
        handle.close();
    }
    Ok(RunOutcome {
        run_id: options.run_id.clone(),
        run_dir,
        started_at,
        wall: start.elapsed(),
        interrupted,
        bailed_out,
        lock: Some(std::sync::Arc::new(prepared.lock)),
    })
}

/// Taint mode (`perl -T`) ignores `PERL5LIB`, so the (absolute) library
/// directories go on the command line as `-I` switches instead, as `prove`
/// does.
fn add_taint_includes(argv: &mut Vec<OsString>, dirs: &[std::path::PathBuf]) {
    let tainted = argv.first().is_some_and(|p| p == "perl")
        && argv.iter().skip(1).any(|a| a == "-T" || a == "-t");
    if !tainted {
        return;
    }
    for (i, dir) in dirs.iter().enumerate() {
        let mut switch = OsString::from("-I");
        switch.push(dir);
        argv.insert(1 + i, switch);
    }
}

/// `PERL5LIB` with `dirs` in front of the inherited value.
fn perl5lib(dirs: &[std::path::PathBuf]) -> Option<OsString> {
    if dirs.is_empty() {
        return None;
    }
    let mut paths = dirs.to_vec();
    if let Some(old) = std::env::var_os("PERL5LIB") {
        paths.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(paths).ok()
}

/// Sends SIGTERM to a running child's group and schedules SIGKILL.
fn terminate(r: &mut Running, grace: Duration) {
    if let Some(pgid) = r.pgid {
        if r.kill_at.is_none() {
            process::signal_group(pgid, libc::SIGTERM);
            r.kill_at = Some(Instant::now() + grace);
        }
    }
}

/// The earliest instant at which the dispatcher must act on its own.
fn next_deadline(running: &HashMap<usize, Running>, timeout: Option<Duration>) -> Option<Instant> {
    running
        .values()
        .filter_map(|r| match (r.kill_at, r.stop, timeout) {
            (Some(kill_at), _, _) => Some(kill_at),
            (None, None, Some(t)) => Some(r.started + t),
            (None, Some(_), _) | (None, None, None) => None,
        })
        .min()
}

/// Forwards SIGINT and SIGTERM to the dispatcher.
fn watch_signals(tx: Sender<Msg>) -> Result<signal_hook::iterator::Handle, RunError> {
    let mut signals = signal_hook::iterator::Signals::new([libc::SIGINT, libc::SIGTERM])
        .map_err(RunError::Signals)?;
    let handle = signals.handle();
    std::thread::Builder::new()
        .name("ptest-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if tx.send(Msg::Signal(signal)).is_err() {
                    break;
                }
            }
        })
        .map_err(RunError::Worker)?;
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{DiscoverOptions, TestFile};

    fn files(dir: &std::path::Path, scripts: &[(&str, &str)]) -> Vec<TestFile> {
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
                if matches!(event, RunEvent::FileFinished(_)) {
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
            if let RunEvent::FileStarted { index, .. } = event {
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
