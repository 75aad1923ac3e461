//! A worker slot: spawns one child at a time, waits for it, cleans up its
//! process group, reads its output, and reports back to the dispatcher.

use super::{process, ChildStatus, FileRun, LogFile};
use crate::discover::Protocol;
use crate::parse::{tap, ProtocolUsed};
use std::ffi::OsString;
use std::fs::File;
use std::io::BufReader;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant, SystemTime};

/// One file to run.
#[derive(Debug)]
pub(crate) struct Job {
    pub index: usize,
    pub attempt: u32,
    pub argv: Vec<OsString>,
    pub env: Vec<(&'static str, OsString)>,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
    pub tmpdir: PathBuf,
    pub protocol: Protocol,
    pub grace: Duration,
}

/// What workers (and the signal thread) tell the dispatcher.
#[derive(Debug)]
pub(crate) enum Msg {
    /// The child is running in process group `pgid`.
    Spawned { index: usize, pgid: u32 },
    /// The child finished and its output was read.
    Done(Box<FileRun>),
    /// ptest received a signal.
    Signal(i32),
}

/// The worker loop: runs jobs until the job channel closes.
pub(crate) fn work(worker: usize, jobs: Receiver<Job>, done: Sender<Msg>) {
    for job in jobs {
        let run = run_job(worker, job, &done);
        if done.send(Msg::Done(Box::new(run))).is_err() {
            break;
        }
    }
}

fn run_job(worker: usize, job: Job, done: &Sender<Msg>) -> FileRun {
    let started_at = SystemTime::now();
    let start = Instant::now();
    let mut run = FileRun {
        index: job.index,
        worker,
        attempt: job.attempt,
        started_at,
        duration: Duration::ZERO,
        status: ChildStatus::Exited { code: 0 },
        leaked: 0,
        stdout: LogFile {
            path: job.stdout.clone(),
            bytes: 0,
        },
        stderr: LogFile {
            path: job.stderr.clone(),
            bytes: 0,
        },
        protocol: ProtocolUsed::ExitCode,
        tap: None,
        output_error: None,
    };
    let spawned = spawn(&job).and_then(|mut child| {
        let pgid = child.id();
        // The dispatcher needs the group to enforce timeouts and Ctrl-C.
        let _ = done.send(Msg::Spawned {
            index: job.index,
            pgid,
        });
        let status = child.wait();
        run.duration = start.elapsed();
        run.leaked = process::kill_leftovers(pgid, job.grace);
        status
    });
    let _ = std::fs::remove_dir_all(&job.tmpdir);
    match spawned {
        Ok(status) => {
            run.status = match (status.code(), status.signal()) {
                (Some(code), _) => ChildStatus::Exited { code },
                (None, Some(signal)) => ChildStatus::Signaled {
                    signal,
                    name: process::signal_name(signal),
                },
                (None, None) => ChildStatus::Exited { code: -1 },
            };
        }
        Err(err) => {
            run.duration = start.elapsed();
            run.status = ChildStatus::SpawnFailed {
                reason: spawn_error(&job, &err),
            };
            return run;
        }
    }
    run.stdout.bytes = file_len(&job.stdout);
    run.stderr.bytes = file_len(&job.stderr);
    read_results(&job, &mut run);
    run
}

fn spawn(job: &Job) -> std::io::Result<std::process::Child> {
    std::fs::create_dir_all(&job.tmpdir)?;
    let stdout = File::create(&job.stdout)?;
    let stderr = File::create(&job.stderr)?;
    let (program, args) = job
        .argv
        .split_first()
        .ok_or_else(|| std::io::Error::other("empty command line"))?;
    Command::new(program)
        .args(args)
        .envs(job.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .spawn()
}

/// A spawn error with the program named and, for a missing interpreter in a
/// `#!` line, a hint.
fn spawn_error(job: &Job, err: &std::io::Error) -> String {
    let program = job
        .argv
        .first()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hint = if err.kind() == std::io::ErrorKind::NotFound
        && std::path::Path::new(&program).is_file()
    {
        " (the interpreter named in its #! line is missing?)"
    } else {
        ""
    };
    format!("{program}: {err}{hint}")
}

fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Reads the child's stdout through the TAP parser when the protocol calls
/// for it. For `Auto`, output that has no plan and no version line is not
/// TAP, and the exit code decides.
fn read_results(job: &Job, run: &mut FileRun) {
    if job.protocol == Protocol::Auto && run.stdout.bytes == 0 {
        return;
    }
    let file = match File::open(&job.stdout) {
        Ok(f) => f,
        Err(err) => {
            run.output_error = Some(format!("{}: {err}", job.stdout.display()));
            return;
        }
    };
    match tap::parse_reader(BufReader::with_capacity(64 * 1024, file)) {
        Ok(report) => {
            if job.protocol == Protocol::Tap || report.looks_like_tap() {
                run.protocol = ProtocolUsed::Tap;
                run.tap = Some(report);
            }
        }
        Err(err) => run.output_error = Some(format!("{}: {err}", job.stdout.display())),
    }
}
