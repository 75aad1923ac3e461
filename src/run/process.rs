//! Process-group operations: signalling a group, finding and killing what a
//! child left behind, and signal names.

use std::time::{Duration, Instant};

/// Sends `signal` to every process in group `pgid`. Returns false when the
/// group no longer exists.
pub fn signal_group(pgid: u32, signal: i32) -> bool {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return false;
    };
    if pgid <= 1 {
        return false;
    }
    // SAFETY: kill(2) with a negative pid signals a process group; no memory
    // is shared with the callee.
    unsafe { libc::kill(-pgid, signal) == 0 }
}

/// Whether any process (zombies included) is still in group `pgid`.
pub fn group_exists(pgid: u32) -> bool {
    signal_group(pgid, 0)
}

/// Counts the live (non-zombie) processes in group `pgid` by reading
/// `/proc`. Falls back to 1 when `/proc` is unavailable and the group exists.
pub fn count_group(pgid: u32) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return usize::from(group_exists(pgid));
    };
    let mut count = 0;
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Format: pid (comm) state ppid pgrp ...; comm may contain spaces
        // and parentheses, so split after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let _ppid = fields.next();
        let pgrp = fields.next().and_then(|p| p.parse::<u32>().ok());
        if pgrp == Some(pgid) && state != Some("Z") && state != Some("X") {
            count += 1;
        }
    }
    count
}

/// Whether process `pid` exists and is not a zombie (Linux: reads `/proc`).
pub fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next();
        state != Some("Z") && state != Some("X")
    })
}

/// A process found in `/proc`: its pid and start time (clock ticks since
/// boot), which together name it even after the pid is reused.
pub type Proc = (u32, u64);

/// `(pid, ppid, pgrp, starttime)` of every live (non-zombie) process, from
/// `/proc/<pid>/stat` (Linux; empty elsewhere).
fn processes() -> Vec<(u32, u32, u32, u64)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut all = Vec::new();
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if let Some((ppid, pgrp, start)) = stat_of(pid) {
            all.push((pid, ppid, pgrp, start));
        }
    }
    all
}

/// `(ppid, pgrp, starttime)` of live process `pid`, `None` when it is gone
/// or a zombie.
fn stat_of(pid: u32) -> Option<(u32, u32, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt
    // cminflt majflt cmajflt utime stime cutime cstime priority nice
    // num_threads itrealvalue starttime: comm may hold spaces and
    // parentheses, so split after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if matches!(fields.first(), Some(&"Z") | Some(&"X") | None) {
        return None;
    }
    let ppid = fields.get(1)?.parse().ok()?;
    let pgrp = fields.get(2)?.parse().ok()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((ppid, pgrp, start))
}

/// The live descendants of `pid` (children, their children, …), whatever
/// process group or session they moved to.
pub fn descendants(pid: u32) -> Vec<Proc> {
    let all = processes();
    let mut found: Vec<Proc> = Vec::new();
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        for &(p, ppid, _, start) in &all {
            if ppid == parent && !found.iter().any(|&(f, _)| f == p) {
                found.push((p, start));
                parents.push(p);
            }
        }
    }
    found
}

/// Sends `signal` to everything a child started, as far as ptest can find
/// it: the child's process group `pgid`, the child itself (pid `pgid`,
/// which may have moved to another group), its descendants now (found by
/// their parent links in `/proc`, whatever group or session they are in)
/// and those remembered in `known` from an earlier call that still run
/// (orphans re-parented to ptest, a child subreaper, once their parent
/// died). Descendants found now are added to `known`; a remembered pid is
/// only signalled while its start time still matches, so a reused pid is
/// never hit. A descendant that leads a process group gets the signal for
/// its group too.
pub fn signal_tree(pgid: u32, known: &mut Vec<Proc>, signal: i32) {
    for found in descendants(pgid) {
        if !known.contains(&found) {
            known.push(found);
        }
    }
    signal_group(pgid, signal);
    signal_pid(pgid, signal);
    known.retain(|&(pid, start)| match stat_of(pid) {
        Some((_, pgrp, now)) if now == start => {
            signal_pid(pid, signal);
            if pgrp == pid {
                signal_group(pid, signal);
            }
            true
        }
        Some(_) | None => false,
    });
}

/// Sends `signal` to process `pid` alone.
fn signal_pid(pid: u32, signal: i32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 1 {
        return false;
    }
    // SAFETY: kill(2) with a positive pid; no memory is shared.
    unsafe { libc::kill(pid, signal) == 0 }
}

/// Reaps any exited members of group `pgid` that were re-parented to us
/// (ptest is a child subreaper on Linux). Never blocks.
pub fn reap_group(pgid: u32) {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return;
    };
    loop {
        let mut status = 0;
        // SAFETY: waitpid on a process group with WNOHANG; `status` is a
        // valid out-pointer.
        let r = unsafe { libc::waitpid(-pgid, &mut status, libc::WNOHANG) };
        if r <= 0 {
            break;
        }
    }
}

/// After a child exited: kills whatever it left in its process group
/// (SIGTERM, up to `grace`, then SIGKILL) and returns how many live
/// processes there were.
pub fn kill_leftovers(pgid: u32, grace: Duration) -> usize {
    reap_group(pgid);
    if !group_exists(pgid) {
        return 0;
    }
    let count = count_group(pgid);
    if count == 0 {
        // Only zombies (not ours to reap): nothing is running.
        return 0;
    }
    signal_group(pgid, libc::SIGTERM);
    let deadline = Instant::now() + grace.min(Duration::from_secs(1));
    while Instant::now() < deadline {
        reap_group(pgid);
        if !group_exists(pgid) || count_group(pgid) == 0 {
            return count;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    signal_group(pgid, libc::SIGKILL);
    std::thread::sleep(Duration::from_millis(5));
    reap_group(pgid);
    count
}

/// Waits for child `pid` to exit (retrying on EINTR) and returns its exit
/// status and what it used: user + system CPU time and peak RSS
/// (`wait4(2)`; Linux reports `ru_maxrss` in KiB).
pub fn wait_with_usage(
    pid: u32,
) -> std::io::Result<(std::process::ExitStatus, crate::outcome::Usage)> {
    use std::os::unix::process::ExitStatusExt;
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value of the plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on our own child; both out-pointers are valid.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            let time = |t: libc::timeval| {
                Duration::from_secs(t.tv_sec.max(0) as u64)
                    + Duration::from_micros(t.tv_usec.max(0) as u64)
            };
            let cpu = time(usage.ru_utime) + time(usage.ru_stime);
            let max_rss = (usage.ru_maxrss.max(0) as u64).saturating_mul(RSS_UNIT);
            return Ok((
                std::process::ExitStatus::from_raw(status),
                crate::outcome::Usage { cpu, max_rss },
            ));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Bytes per unit of `ru_maxrss`: KiB on Linux and the BSDs, bytes on macOS.
#[cfg(target_os = "macos")]
const RSS_UNIT: u64 = 1;
#[cfg(not(target_os = "macos"))]
const RSS_UNIT: u64 = 1024;

/// Makes this process adopt orphaned descendants (Linux), so processes a
/// test leaves behind are re-parented to ptest, which reaps them, instead of
/// piling up as zombies under an init that does not reap.
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER, 1) only sets a process flag.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_kills_a_leftover_process_group() {
        use std::os::unix::process::CommandExt;
        // A shell that leaves a sleeping grandchild in its group and exits.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & exit 0"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = child.id();
        child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(kill_leftovers(pgid, Duration::from_millis(200)), 1);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(count_group(pgid), 0);
        assert_eq!(kill_leftovers(pgid, Duration::from_millis(200)), 0);
    }
}
