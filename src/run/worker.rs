//! A worker slot: spawns one child at a time, waits for it, cleans up its
//! process group, reads its output, and reports back to the dispatcher.
//!
//! Each slot owns a scratch directory (`tmp/w<N>`, given to children as
//! `PTEST_TMPDIR` and emptied between files) and a pair of scratch log
//! names (`logs/.w<N>.stdout`, `.stderr`). A log is renamed to its final
//! name (`logs/<id>.<attempt>.stdout`) only when it is worth keeping: when
//! the file may have failed, or `keep_logs` is set.
//!
//! Every attempt writes to new files (new inodes): the scratch name is
//! unlinked and created afresh (`O_EXCL`), never truncated and reused. A
//! process an earlier file left behind (a daemon that left its process
//! group, so it survived the clean-up) may still hold that file's
//! descriptor; with a reused file it would write at its old offset into
//! the next file's output on the slot and could overwrite a `not ok`. With
//! a new inode it can only reach the earlier file's own (finished) log.
//! And only what a log held when the child ended and its group was cleaned
//! up is read as its result: bytes that arrive later are ignored.
//!
//! A child may also write a JUnit XML report to the path in
//! `PTEST_JUNIT_FILE` (see [`super::JunitFile`]). When it wrote one (a
//! non-empty file), that report is its result and stdout is not read as TAP;
//! otherwise stdout is read as before.

use super::launcher::CommandSpec;
use super::watchdog::Watchdog;
use super::{process, RunOptions};
use crate::outcome::ChildStatus;
use crate::outcome::{JunitFile, LogFile, ParsedReport, UnitRun};
use crate::parse::junit::JunitParseError;
use crate::parse::{junit, tap, Protocol};
use crate::unit::{Slot, Unit};
use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant, SystemTime};

/// One file to run.
#[derive(Debug)]
pub(crate) struct Job {
    pub index: usize,
    /// The file id (names the cases of a JUnit report it writes).
    pub file_id: String,
    pub attempt: u32,
    /// What to start, and where its logs go.
    pub spec: CommandSpec,
    /// The protocol the unit names, if it names one.
    pub protocol: Option<Protocol>,
    pub grace: Duration,
    pub keep_logs: bool,
}

impl Job {
    /// Attempt `attempt` at `unit` (plan index `index`), started as `spec`,
    /// with the run's grace period and log keeping.
    pub fn new(
        index: usize,
        unit: &Unit,
        attempt: u32,
        spec: CommandSpec,
        options: &RunOptions,
    ) -> Job {
        Job {
            index,
            file_id: unit.id.to_string(),
            attempt,
            spec,
            protocol: unit.protocol,
            grace: options.grace,
            // A batch's logs and JUnit report are kept whatever happened:
            // each of its files refers to them.
            keep_logs: options.keep_logs || unit.span() > 1,
        }
    }
}

/// What workers (and the signal thread) tell the dispatcher.
#[derive(Debug)]
pub(crate) enum Msg {
    /// The child is running in process group `pgid`.
    Spawned { index: usize, pgid: u32 },
    /// The child finished and its output was read.
    Done(Box<UnitRun>),
    /// ptest received a signal.
    Signal(i32),
}

/// A worker slot's reusable files.
#[derive(Debug)]
pub(crate) struct Scratch {
    pub tmpdir: PathBuf,
    /// `tmpdir` made absolute (`PTEST_TMPDIR`), so a test that changes
    /// directory still finds it.
    pub tmpdir_env: PathBuf,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl Scratch {
    /// Scratch paths for `slot` in `run_dir`.
    pub fn new(run_dir: &Path, slot: Slot) -> Scratch {
        let tmpdir = run_dir.join("tmp").join(format!("w{slot}"));
        Scratch {
            tmpdir_env: std::path::absolute(&tmpdir).unwrap_or_else(|_| tmpdir.clone()),
            tmpdir,
            stdout: run_dir.join("logs").join(format!(".w{slot}.stdout")),
            stderr: run_dir.join("logs").join(format!(".w{slot}.stderr")),
        }
    }

    /// Removes the scratch directory and the scratch logs (when the slot
    /// is done for good).
    pub fn remove(&self) {
        let _ = std::fs::remove_dir_all(&self.tmpdir);
        let _ = std::fs::remove_file(&self.stdout);
        let _ = std::fs::remove_file(&self.stderr);
    }
}

/// The worker loop: runs jobs until the job channel closes.
pub(crate) fn work(
    slot: Slot,
    scratch: Scratch,
    watchdog: &Watchdog,
    jobs: Receiver<Job>,
    done: Sender<Msg>,
) {
    for job in jobs {
        let run = run_caught(slot, &scratch, watchdog, job, &done);
        if done.send(Msg::Done(Box::new(run))).is_err() {
            break;
        }
    }
    scratch.remove();
}

/// Runs one job in `slot` (see [`work`]); a panic in ptest's own code
/// becomes an ERROR for this file instead of taking the caller down, so
/// nobody waits for this file forever.
pub(crate) fn run_caught(
    slot: Slot,
    scratch: &Scratch,
    watchdog: &Watchdog,
    job: Job,
    done: &Sender<Msg>,
) -> UnitRun {
    let (index, attempt) = (job.index, job.attempt);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_job(slot, scratch, watchdog, job, done)
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        UnitRun::not_started(
            index,
            slot,
            attempt,
            format!("internal error in ptest: {what}"),
        )
    })
}

fn run_job(
    slot: Slot,
    scratch: &Scratch,
    watchdog: &Watchdog,
    job: Job,
    done: &Sender<Msg>,
) -> UnitRun {
    let started_at = SystemTime::now();
    let start = Instant::now();
    let mut run = UnitRun {
        index: job.index,
        slot,
        attempt: job.attempt,
        started_at,
        duration: Duration::ZERO,
        status: ChildStatus::Exited { code: 0 },
        leaked: 0,
        usage: None,
        stdout: LogFile {
            path: job.spec.stdout.clone(),
            bytes: 0,
            kept: false,
        },
        stderr: LogFile {
            path: job.spec.stderr.clone(),
            bytes: 0,
            kept: false,
        },
        protocol: Protocol::ExitCode,
        report: ParsedReport::None,
        output_error: None,
        spawned: false,
        retry_after: None,
        note: None,
    };
    if let Err(reason) = remove_stale(&job.spec.junit) {
        run.status = ChildStatus::SpawnFailed { reason };
        return run;
    }
    // The logs first: with no room for them (a full disk, a read-only
    // state directory) the child is not started, and the file is an ERROR
    // saying so, not a FAIL from a child whose every `echo` failed.
    let logs = match open_logs(scratch) {
        Ok(logs) => logs,
        Err(reason) => {
            run.status = ChildStatus::SpawnFailed { reason };
            return run;
        }
    };
    run.spawned = true;
    let mut handles: Option<LogHandles> = None;
    let spawned = spawn(scratch, &job, logs, &mut handles).and_then(|child| {
        let pgid = child.id();
        // Should ptest die from here on, the watchdog kills the group.
        watchdog.guard(slot.index(), pgid);
        // The dispatcher needs the group to enforce timeouts and Ctrl-C.
        let _ = done.send(Msg::Spawned {
            index: job.index,
            pgid,
        });
        let status = process::wait_with_usage(pgid).map(|(status, usage)| {
            run.usage = Some(usage);
            status
        });
        // The child is reaped: the handle must not wait for it again.
        drop(child);
        run.duration = start.elapsed();
        run.leaked = process::kill_leftovers(pgid, job.grace);
        watchdog.release(slot.index());
        status
    });
    empty_dir(&scratch.tmpdir);
    match spawned {
        Ok(status) => {
            run.status = match (status.code(), status.signal()) {
                (Some(code), _) => ChildStatus::Exited { code },
                (None, Some(signal)) => ChildStatus::Signaled {
                    signal,
                    name: crate::util::signal::signal_name(signal),
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
    let Some(handles) = handles else {
        run.output_error = Some("internal error: the log handles were not kept".to_string());
        return run;
    };
    // Sizes from the open handles; a log whose path no longer names the file
    // the child wrote (removed, replaced) is lost output: an ERROR.
    let checked = [
        check_log(&scratch.stdout, &handles.stdout),
        check_log(&scratch.stderr, &handles.stderr),
    ];
    let [stdout_bytes, stderr_bytes] = checked.each_ref().map(|c| c.as_ref().map_or(0, |n| *n));
    run.stdout.bytes = stdout_bytes;
    run.stderr.bytes = stderr_bytes;
    match (read_junit(&job), job.protocol) {
        (None, Some(Protocol::Libtest)) => read_libtest(handles, &mut run),
        (Some(junit), _) => {
            run.protocol = Protocol::Junit;
            run.report = ParsedReport::Junit(junit);
        }
        (None, _) => read_results(&job, handles.stdout, &mut run),
    }
    if let Some(lost) = checked.into_iter().find_map(Result::err) {
        run.output_error = Some(lost);
    }
    // The verdict itself is decided again in the summary, where the
    // dispatcher may have changed the status (timeout, Ctrl-C).
    let keep = job.keep_logs || !crate::aggregate::decide(&run).is_clean(&run);
    if keep {
        for (from, log) in [
            (&scratch.stdout, &mut run.stdout),
            (&scratch.stderr, &mut run.stderr),
        ] {
            if log.bytes == 0 {
                continue;
            }
            match std::fs::rename(from, &log.path) {
                Ok(()) => log.kept = true,
                Err(err) => {
                    run.output_error.get_or_insert(format!(
                        "cannot keep the log {}: {err}",
                        log.path.display()
                    ));
                }
            }
        }
    }
    match &mut run.report {
        ParsedReport::Junit(junit) if keep => junit.kept = true,
        ParsedReport::Junit(_)
        | ParsedReport::None
        | ParsedReport::Tap(_)
        | ParsedReport::Libtest(_) => {
            let _ = std::fs::remove_file(&job.spec.junit);
        }
    }
    run
}

/// Removes a JUnit report left at `path` (by an earlier attempt), so that
/// the child starts without one.
fn remove_stale(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(format!(
            "cannot remove the stale JUnit report {}: {err}",
            path.display()
        )),
    }
}

/// Reads the JUnit report the child wrote, if it wrote one: a missing or
/// empty file is no report.
///
/// Reading never blocks: the path is opened with `O_NONBLOCK` (a FIFO the
/// child left there would otherwise block `open` until a writer comes,
/// forever, deaf to Ctrl-C), and what is not a regular file once opened
/// (`fstat`: a FIFO, a device, a directory, a symlink to one) is refused
/// unread, which makes the file an ERROR naming what it found.
fn read_junit(job: &Job) -> Option<JunitFile> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = &job.spec.junit;
    let refused = |message: String| {
        Some(JunitFile {
            path: path.clone(),
            kept: false,
            report: Err(JunitParseError::Read { message }),
        })
    };
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path);
    let file = match opened {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(err) => return refused(format!("cannot open {}: {err}", path.display())),
    };
    match file.metadata() {
        Ok(meta) if meta.is_file() && meta.len() == 0 => return None,
        Ok(meta) if meta.is_file() => {}
        Ok(meta) => {
            return refused(format!(
                "{} is not a regular file but {}: not read",
                path.display(),
                file_kind(&meta)
            ))
        }
        Err(err) => return refused(format!("cannot examine {}: {err}", path.display())),
    }
    let report = junit::parse_reader(BufReader::with_capacity(64 * 1024, file), &job.file_id);
    Some(JunitFile {
        path: path.clone(),
        kept: false,
        report,
    })
}

/// What a file that is not a regular file is, in words (`a FIFO`).
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "something else"
    }
}

/// Handles on the log files a child writes, kept open by the worker so the
/// output can be read back (and checked) after it exits.
struct LogHandles {
    stdout: File,
    stderr: File,
}

/// The size of the log the child wrote through `handle`, or why its output
/// is lost: the path `path` no longer names that file (removed or
/// replaced while the child ran).
fn check_log(path: &Path, handle: &File) -> Result<u64, String> {
    use std::os::unix::fs::MetadataExt;
    let lost = |why: String| format!("output lost: the log {} {why}", path.display());
    let ours = handle
        .metadata()
        .map_err(|e| lost(format!("cannot be examined: {e}")))?;
    match std::fs::metadata(path) {
        Ok(now) if now.dev() == ours.dev() && now.ino() == ours.ino() => {
            // No room left to write (the disk filled up while the file
            // ran): its output may be cut anywhere, and its failures may
            // be ptest's lack of room, not its own.
            check_room(handle).map_err(|err| {
                format!(
                    "{}; the file's output may be incomplete",
                    cannot_write_logs(path, &err)
                )
            })?;
            Ok(ours.len())
        }
        Ok(_) => Err(lost("was replaced while the file ran".to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(lost(
            "was removed while the file ran (was the run directory deleted?)".to_string(),
        )),
        Err(e) => Err(lost(format!("cannot be examined: {e}"))),
    }
}

/// Creates a new log file at `path` for one attempt: whatever the name held
/// before (an earlier file's log, possibly still open in a process that
/// file left behind) is unlinked first, and the file is created with
/// `O_EXCL`, so it is a new inode no earlier process holds. Read-write, so
/// the same handle can be read back after the child exits.
fn fresh_log(path: &Path) -> std::io::Result<File> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
}

/// Creates the attempt's log files (see [`fresh_log`]) and checks there is
/// room to write them ([`check_room`]), or says why ptest cannot write its
/// logs, with the OS reason and the path.
fn open_logs(scratch: &Scratch) -> Result<LogHandles, String> {
    let open = |path: &Path| {
        fresh_log(path)
            .and_then(|file| check_room(&file).map(|()| file))
            .map_err(|err| cannot_write_logs(path, &err))
    };
    Ok(LogHandles {
        stdout: open(&scratch.stdout)?,
        stderr: open(&scratch.stderr)?,
    })
}

/// The reason given when ptest cannot write a file's log at `path`.
fn cannot_write_logs(path: &Path, err: &std::io::Error) -> String {
    format!("ptest could not write the log {}: {err}", path.display())
}

/// Whether the file system holding `file` has room for more of it: no
/// free block left (`fstatvfs`: the blocks this user may use; root may also
/// use the reserved ones) is `ENOSPC`. Asking the file system costs one
/// system call and writes nothing (writing a byte at the next block
/// boundary and cutting it back, which also caught quotas, cost 6% of a
/// run of 2,000 trivial files).
fn check_room(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: fstatvfs(2) fills the struct it is given for an open
    // descriptor; nothing else is shared.
    let rc = unsafe { libc::fstatvfs(file.as_raw_fd(), stats.as_mut_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fstatvfs returned 0, so it filled the struct.
    let stats = unsafe { stats.assume_init() };
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    let root = unsafe { libc::geteuid() } == 0;
    let free = if root { stats.f_bfree } else { stats.f_bavail };
    if free == 0 {
        return Err(std::io::Error::from_raw_os_error(libc::ENOSPC));
    }
    Ok(())
}

/// Starts the child with its stdout and stderr on `logs` (kept in
/// `handles`, to be read back).
fn spawn(
    scratch: &Scratch,
    job: &Job,
    logs: LogHandles,
    handles: &mut Option<LogHandles>,
) -> std::io::Result<std::process::Child> {
    if !scratch.tmpdir.is_dir() {
        std::fs::create_dir_all(&scratch.tmpdir)?;
    }
    let LogHandles { stdout, stderr } = logs;
    // Keep handles to read the output back without reopening the files.
    *handles = Some(LogHandles {
        stdout: stdout.try_clone()?,
        stderr: stderr.try_clone()?,
    });
    let spec = &job.spec;
    let (program, args) = spec
        .argv
        .split_first()
        .ok_or_else(|| std::io::Error::other("empty command line"))?;
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .env("PTEST_TMPDIR", &scratch.tmpdir_env)
        .envs(spec.extra_env.iter().map(|(k, v)| (k, v)));
    if let Some(dir) = &spec.cwd {
        command.current_dir(dir);
    }
    command
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .spawn()
}

/// Empties the scratch directory for the next file (cheap when it is
/// already empty, the common case).
fn empty_dir(dir: &Path) {
    let Ok(mut entries) = std::fs::read_dir(dir) else {
        return;
    };
    if entries.next().is_some() {
        let _ = std::fs::remove_dir_all(dir);
        let _ = std::fs::create_dir_all(dir);
    }
}

/// A spawn error with the program named and, for a missing interpreter in a
/// `#!` line, the interpreter named.
fn spawn_error(job: &Job, err: &std::io::Error) -> String {
    let program = job
        .spec
        .argv
        .first()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    if err.kind() == std::io::ErrorKind::NotFound && Path::new(&program).is_file() {
        let shebang = crate::unit::shebang_line(Path::new(&program));
        if let Some(interpreter) = shebang.as_deref().and_then(|l| l.split_whitespace().next()) {
            return format!("{program}: its #! interpreter `{interpreter}` was not found");
        }
    }
    format!("{program}: {err}")
}

/// Reads the child's stdout through the TAP parser when the protocol calls
/// for it. Without a protocol named, output that has no plan and no version
/// line is not TAP, and the exit code decides; a unit that names the exit
/// code is judged on its exit code, one that names a JUnit report and
/// wrote none is an ERROR (see `aggregate::verdict`).
fn read_results(job: &Job, mut file: File, run: &mut UnitRun) {
    let forced = match job.protocol {
        Some(Protocol::Tap) => true,
        None => false,
        Some(Protocol::ExitCode) => return,
        // Read by `read_libtest`.
        Some(Protocol::Libtest) => return,
        // Named junit and wrote none: judged as such (an ERROR).
        Some(Protocol::Junit) => {
            run.protocol = Protocol::Junit;
            return;
        }
    };
    if !forced && run.stdout.bytes == 0 {
        return;
    }
    let path = run.stdout.path.clone();
    if let Err(err) = file.seek(SeekFrom::Start(0)) {
        run.output_error = Some(format!("{}: {err}", path.display()));
        return;
    }
    // Only what the log held when the child ended: a process it left
    // behind may still write, and that is not this file's result.
    let ended = std::io::Read::take(file, run.stdout.bytes);
    match tap::parse_reader(BufReader::with_capacity(64 * 1024, ended)) {
        Ok(report) => {
            if forced || report.looks_like_tap() {
                run.protocol = Protocol::Tap;
                run.report = ParsedReport::Tap(report);
            }
        }
        Err(err) => run.output_error = Some(format!("{}: {err}", path.display())),
    }
}

/// The most of each log a libtest binary's output is read from (one test's
/// result lines and its panic come first; a test that prints more is cut).
const LIBTEST_READ_LIMIT: u64 = 8 << 20;

/// Reads a libtest binary's stdout (results) and stderr (panics) through
/// the libtest parser.
fn read_libtest(handles: LogHandles, run: &mut UnitRun) {
    use std::io::Read;
    run.protocol = Protocol::Libtest;
    // Only what each log held when the child ended (see `read_results`).
    let mut read = |mut file: File, path: &Path, len: u64| -> Option<Vec<u8>> {
        let mut bytes = Vec::new();
        let result = file.seek(SeekFrom::Start(0)).and_then(|_| {
            file.take(len.min(LIBTEST_READ_LIMIT))
                .read_to_end(&mut bytes)
        });
        match result {
            Ok(_) => Some(bytes),
            Err(err) => {
                run.output_error = Some(format!("{}: {err}", path.display()));
                None
            }
        }
    };
    let stdout_path = run.stdout.path.clone();
    let stderr_path = run.stderr.path.clone();
    let (stdout_len, stderr_len) = (run.stdout.bytes, run.stderr.bytes);
    let Some(stdout) = read(handles.stdout, &stdout_path, stdout_len) else {
        return;
    };
    let Some(stderr) = read(handles.stderr, &stderr_path, stderr_len) else {
        return;
    };
    run.report = ParsedReport::Libtest(crate::parse::libtest::parse(&stdout, &stderr));
}
