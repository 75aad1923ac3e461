//! The watchdog: one small process per run that kills every running test's
//! process group when ptest dies, however it dies (even by SIGKILL, which
//! no handler can catch).
//!
//! At the start of a run ptest forks once. The child (the watchdog) keeps
//! the read end of a pipe and a table with one entry per worker slot;
//! workers write a fixed 8-byte record `(slot, pgid)` into the pipe when
//! they start a child and `(slot, 0)` once its group is gone. Writes that
//! small are atomic on a pipe, so workers need no lock. When the pipe
//! reports end-of-file — ptest closed it at the end of the run, or the
//! kernel closed it because ptest died — the watchdog sends SIGKILL to every
//! group still in its table and exits. After a normal run the table is
//! empty and it just exits.
//!
//! Why not `PR_SET_PDEATHSIG` in a `pre_exec` hook: any `pre_exec` hook
//! makes the standard library fork the whole (multi-threaded) ptest process
//! for every child instead of using `posix_spawn`, which measured 2.4 times
//! slower on 500 `exit 0` files, and it only covers the direct child, not
//! the processes it starts in its group.
//!
//! The watchdog runs in its own process group (so Ctrl-C at the terminal
//! does not reach it), ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT, closes
//! every other file descriptor, and between fork and exit calls only
//! async-signal-safe functions (no allocation: the table is allocated before
//! the fork).
//!
//! It also kills each child by its pid (the group's id), so a child that
//! moved itself into another group dies too. What it cannot catch: a
//! process the child started that left its group (`setsid`, a daemon) —
//! the watchdog is not their ancestor, and ptest, their subreaper, is dead
//! — and a child ptest was killed while starting, before its record was
//! written (a window of microseconds). ptest uses no cgroup.

use std::fs::File;
use std::io::Write;
use std::os::fd::FromRawFd;

/// The handle ptest keeps on its watchdog. Dropping it ends the watchdog
/// (which kills any group still registered) and reaps it.
#[derive(Debug)]
pub(crate) struct Watchdog {
    pipe: Option<File>,
    pid: libc::pid_t,
}

impl Watchdog {
    /// Forks the watchdog for `slots` worker slots. Errors when the pipe or
    /// the fork fails; the caller runs without a watchdog then.
    pub fn start(slots: usize) -> std::io::Result<Watchdog> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 writes two descriptors into `fds`.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let [read_fd, write_fd] = fds;
        // Allocated before the fork: the child must not allocate.
        let mut table = vec![0u32; slots.max(1)];
        // SAFETY: the child only runs `watch`, which calls async-signal-safe
        // functions and never returns.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            let err = std::io::Error::last_os_error();
            // SAFETY: closing descriptors we own.
            unsafe {
                libc::close(read_fd);
                libc::close(write_fd);
            }
            return Err(err);
        }
        if pid == 0 {
            // SAFETY: in the forked child; see `watch`.
            unsafe { watch(read_fd, write_fd, &mut table) }
        }
        // SAFETY: the parent does not use the read end; the write end is
        // ours alone from here on.
        let pipe = unsafe {
            libc::close(read_fd);
            File::from_raw_fd(write_fd)
        };
        Ok(Watchdog {
            pipe: Some(pipe),
            pid,
        })
    }

    /// Records that slot `slot` runs a child in process group `pgid`.
    pub fn guard(&self, slot: usize, pgid: u32) {
        self.send(slot, pgid);
    }

    /// Records that slot `slot` no longer has a running group.
    pub fn release(&self, slot: usize) {
        self.send(slot, 0);
    }

    fn send(&self, slot: usize, pgid: u32) {
        let Ok(slot) = u32::try_from(slot) else {
            return;
        };
        let mut record = [0u8; 8];
        record[..4].copy_from_slice(&slot.to_ne_bytes());
        record[4..].copy_from_slice(&pgid.to_ne_bytes());
        if let Some(mut pipe) = self.pipe.as_ref() {
            // One write of 8 bytes is atomic on a pipe. If the watchdog is
            // gone there is nothing better to do than to run on.
            let _ = pipe.write_all(&record);
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.pipe.take());
        let mut status = 0;
        // SAFETY: waiting for our own child, which exits on end-of-file.
        unsafe {
            while libc::waitpid(self.pid, &mut status, 0) < 0
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
            {}
        }
    }
}

/// The watchdog's body, in the forked child. Never returns.
///
/// # Safety
///
/// Must only be called in a child just forked from ptest; uses only
/// async-signal-safe calls and does not allocate.
unsafe fn watch(read_fd: libc::c_int, write_fd: libc::c_int, table: &mut [u32]) -> ! {
    libc::close(write_fd);
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        libc::signal(signal, libc::SIG_IGN);
    }
    libc::setpgid(0, 0);
    // Keep only the pipe, as descriptor 0: holding the caller's other
    // descriptors (its stdout pipe, a lock) would keep them open.
    libc::dup2(read_fd, 0);
    #[cfg(target_os = "linux")]
    let closed = libc::syscall(libc::SYS_close_range, 1u32, u32::MAX, 0u32) == 0;
    #[cfg(not(target_os = "linux"))]
    let closed = false;
    if !closed {
        for fd in 1..1024 {
            libc::close(fd);
        }
    }
    let mut record = [0u8; 8];
    'records: loop {
        let mut filled = 0usize;
        while filled < record.len() {
            let rest = &mut record[filled..];
            let n = libc::read(0, rest.as_mut_ptr().cast(), rest.len());
            if n > 0 {
                filled += n as usize;
            } else if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            } else {
                break 'records;
            }
        }
        let slot = u32::from_ne_bytes([record[0], record[1], record[2], record[3]]);
        let pgid = u32::from_ne_bytes([record[4], record[5], record[6], record[7]]);
        if let Some(entry) = table.get_mut(slot as usize) {
            *entry = pgid;
        }
    }
    for &pgid in table.iter() {
        if pgid > 1 && pgid <= i32::MAX as u32 {
            libc::kill(-(pgid as libc::pid_t), libc::SIGKILL);
            // The child itself (its pid is the group's id), should it have
            // moved to another group.
            libc::kill(pgid as libc::pid_t, libc::SIGKILL);
        }
    }
    libc::_exit(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};

    fn gone_within(pid: u32, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if !super::super::process::is_running(pid) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn closing_the_pipe_kills_registered_groups_only() {
        let spawn = || {
            std::process::Command::new("sleep")
                .arg("30")
                .process_group(0)
                .spawn()
                .unwrap()
        };
        let (mut kept, mut released) = (spawn(), spawn());
        let dog = Watchdog::start(2).unwrap();
        dog.guard(0, kept.id());
        dog.guard(1, released.id());
        dog.release(1);
        drop(dog);
        // Reap the killed one so it does not linger as a zombie.
        let status = kept.wait().unwrap();
        assert!(status.code().is_none(), "killed by a signal: {status:?}");
        assert!(!gone_within(released.id(), Duration::from_millis(200)));
        released.kill().unwrap();
        released.wait().unwrap();
    }
}
