//! Issue 15's runner items, each proven on the real `ptest` binary with
//! real children: what a test leaves where ptest reads (a FIFO at
//! `PTEST_JUNIT_FILE`), tests that leave their process group, report paths
//! that are not regular files, and a state directory that cannot be
//! written. Every wait is bounded: a hang fails the test instead of
//! hanging it.

use crate::common;
use crate::common::Suite;
use std::time::Duration;

/// The reasons of file `id` in the run's JSON summary, joined.
fn reasons(run: &common::Run, id: &str) -> String {
    run.file(id)["reasons"].to_string()
}

/// Issue 15, item 12: a FIFO at `PTEST_JUNIT_FILE` used to block ptest's
/// worker in `open(2)` forever. It is opened without blocking, found not
/// to be a regular file, and that file is an ERROR saying so; the run
/// ends.
#[test]
fn a_fifo_at_ptest_junit_file_is_an_error_not_a_hang() {
    let s = Suite::new();
    s.file(
        "t/fifo.sh",
        "mkfifo \"$PTEST_JUNIT_FILE\" || exit 7\necho 1..1\necho ok 1\n",
    );
    s.file("t/plain.sh", "echo 1..1\necho ok 1\n");
    let run = s
        .ptest(&["t", "-j", "2"])
        .reports()
        .deadline(Duration::from_secs(30))
        .run();
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            ("t/fifo.sh".to_string(), "error".to_string()),
            ("t/plain.sh".to_string(), "pass".to_string()),
        ],
        "{}",
        run.describe()
    );
    let why = reasons(&run, "t/fifo.sh");
    assert!(why.contains("is not a regular file but a FIFO"), "{why}");
}

/// Issue 15: `sample-suites/failure-modes` works as typed, without
/// `--timeout`: its hanging samples (which sleep 600 s) carry their own
/// `# ptest: timeout=` header, so the directory ends in seconds with both
/// of them TIMEOUT.
#[test]
fn the_failure_modes_suite_ends_without_a_timeout_option() {
    let s = Suite::new();
    s.copy(
        &common::repo().join("sample-suites/failure-modes"),
        "sample-suites/failure-modes",
    );
    let run = s
        .ptest(&[
            "sample-suites/failure-modes",
            "--exclude",
            "bail-out.t",
            "-j",
            "4",
            "--no-history",
        ])
        .reports()
        .deadline(Duration::from_secs(90))
        .run();
    run.expect_code(1);
    for hang in ["hang.sh", "hang-ignores-sigterm.sh"] {
        let id = format!("sample-suites/failure-modes/{hang}");
        assert_eq!(run.file(&id)["verdict"], "timeout", "{}", run.describe());
    }
}

/// Reads everything written into the FIFO at `path`, on a thread (opening
/// a FIFO for reading blocks until a writer comes).
fn drain_fifo(path: &std::path::Path) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| format!("read error: {e}"));
        let _ = tx.send(text);
    });
    rx
}

/// Issue 15, item 16: `--json`, `--junit` and `--history` on what is not a
/// regular file are written through, never renamed over or moved aside: a
/// FIFO stays a FIFO (and its reader gets the report), a symlink to
/// `/proc/self/fd/1` stays a symlink (and the report reaches ptest's
/// stdout), a symlink to a regular file stays a link and its target is
/// replaced, and (as root, where a device node can be made) a character
/// device like `/dev/null` used as the history is left as it is.
#[test]
fn reports_on_fifos_devices_and_symlinks_are_written_through_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let s = Suite::new();
    s.file("t/a.sh", "echo 1..1\necho ok 1\n");
    s.file("target.xml", "old\n");
    let dir = s.path();
    let fifo = dir.join("summary.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    std::os::unix::fs::symlink("/proc/self/fd/1", dir.join("stdout.link")).expect("symlink");
    std::os::unix::fs::symlink("target.xml", dir.join("junit.link")).expect("symlink");
    let device = dir.join("null");
    let have_device = std::process::Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if !have_device {
        eprintln!("not root (cannot mknod): the device part is skipped");
    }
    let reader = drain_fifo(&fifo);
    let history = if have_device { "null" } else { "history.json" };
    let run = s
        .ptest(&[
            "t",
            "--json",
            "summary.fifo",
            "--junit",
            "stdout.link",
            "--history",
            history,
        ])
        .deadline(Duration::from_secs(30))
        .run();
    let kind = |p: &str| std::fs::symlink_metadata(dir.join(p)).map(|m| m.file_type());
    assert!(
        kind("summary.fifo").is_ok_and(|k| k.is_fifo()),
        "the FIFO was replaced: {:?}\n{}",
        kind("summary.fifo"),
        run.describe()
    );
    assert!(
        kind("stdout.link").is_ok_and(|k| k.is_symlink()),
        "the symlink was replaced\n{}",
        run.describe()
    );
    run.expect_code(0);
    let json = reader
        .recv_timeout(Duration::from_secs(10))
        .expect("the FIFO's reader got the summary");
    let summary: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    assert_eq!(summary["files"][0]["verdict"], "pass", "{json}");
    assert!(
        run.stdout.contains("<testsuites"),
        "the JUnit report did not reach stdout\n{}",
        run.describe()
    );
    if have_device {
        assert!(
            kind("null").is_ok_and(|k| k.is_char_device()),
            "the device was replaced or moved: {:?}",
            kind("null")
        );
        let names: Vec<String> = std::fs::read_dir(dir)
            .expect("read the suite")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("null"))
            .collect();
        assert_eq!(names, ["null"], "nothing set aside or locked beside it");
    }
    // A symlink to a regular file: the target is replaced, the link stays.
    let run = s
        .ptest(&["t", "--junit", "junit.link", "--no-history"])
        .deadline(Duration::from_secs(30))
        .run();
    run.expect_code(0);
    assert!(kind("junit.link").is_ok_and(|k| k.is_symlink()));
    assert!(
        s.read("target.xml").contains("<testsuites"),
        "{}",
        run.describe()
    );
}

/// A Perl test that escapes its process group: it forks a grandchild that
/// makes a group of its own, then moves itself into that group, and both
/// sleep for 10 minutes. Their pids go to `child.pid` and `gc.pid`.
fn escaping_test(s: &Suite) {
    let dir = s.path().display().to_string();
    s.file(
        "t/escape.t",
        &format!(
            r#"use strict;
my $dir = '{dir}';
sub put {{ my ($name, $pid) = @_; open my $f, '>', "$dir/$name.tmp" or die; print $f $pid; close $f; rename "$dir/$name.tmp", "$dir/$name" or die }}
print "1..1\n";
my $gc = fork // die "fork: $!";
if (!$gc) {{ setpgrp(0, 0) or die "setpgrp: $!"; put('gc.pid', $$); sleep 600; exit 0 }}
for (1..300) {{ last if -e "$dir/gc.pid"; select(undef, undef, undef, 0.05) }}
setpgrp(0, $gc) or die "cannot join the grandchild's group: $!";
put('child.pid', $$);
sleep 600;
"#
        ),
    );
}

/// Issue 15, item 13: a test that moved itself into another process group
/// used to escape `--timeout` (SIGTERM to its old, now empty, group hit
/// nothing and ptest waited for it forever). Now the child's pid and every
/// descendant ptest can find are signalled: the file is TIMEOUT and both
/// processes are gone.
#[test]
fn a_test_that_leaves_its_process_group_still_times_out_and_dies() {
    let s = Suite::new();
    escaping_test(&s);
    let run = s
        .ptest(&["t", "--timeout", "1s", "--grace", "300ms"])
        .reports()
        .deadline(Duration::from_secs(40))
        .run();
    let (child, gc) = (
        common::pid_in(&s, "child.pid"),
        common::pid_in(&s, "gc.pid"),
    );
    let gone = common::wait_until(Duration::from_secs(10), || {
        !common::alive(child) && !common::alive(gc)
    });
    for pid in [child, gc] {
        if common::alive(pid) {
            // SAFETY: kill(2) on a pid this test's suite started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
    assert!(
        gone,
        "child {child} or grandchild {gc} survived\n{}",
        run.describe()
    );
    run.expect_code(1);
    assert_eq!(run.file("t/escape.t")["verdict"], "timeout");
}

/// Issue 15, item 13: when ptest dies by SIGKILL, the watchdog kills the
/// running child even though it moved into another process group (by its
/// pid). Its grandchild, in a group of its own that ptest never learnt
/// about, is out of reach (README: what survives); the test kills it.
#[test]
fn a_killed_ptest_takes_a_test_that_left_its_group_with_it() {
    let s = Suite::new();
    escaping_test(&s);
    let ptest = s
        .ptest(&["t", "-q"])
        .deadline(Duration::from_secs(40))
        .spawn();
    let child = s.wait_pid("child.pid", Duration::from_secs(30));
    let gc = s.wait_pid("gc.pid", Duration::from_secs(30));
    ptest.signal(libc::SIGKILL);
    ptest.wait();
    let gone = common::wait_until(Duration::from_secs(10), || !common::alive(child));
    for pid in [child, gc] {
        if common::alive(pid) {
            // SAFETY: kill(2) on a pid this test's suite started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
    assert!(gone, "the child {child} outlived a killed ptest");
}

/// A tmpfs mounted on a directory, unmounted (lazily) on drop.
struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Issue 15: a full disk for the state directory used to make every test
/// FAIL with `exited with status 1` (its output could not be written) and
/// no hint. Now ptest says it could not write the logs, with the OS reason
/// and the path, and those files are ERROR. Simulated with a 64 KiB tmpfs,
/// filled up, as the state directory: needs root (mount); skipped with a
/// message otherwise.
#[test]
fn a_full_disk_for_the_logs_makes_files_error_saying_why() {
    if !common::is_root() {
        eprintln!("skipped: needs root to mount a small tmpfs");
        return;
    }
    let s = Suite::new();
    s.file("t/a.sh", "echo 1..1\necho ok 1\n");
    s.file("t/b.sh", "exit 0\n");
    let state = s.path().join("state");
    std::fs::create_dir(&state).expect("mkdir state");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&state)
        .status()
        .is_ok_and(|st| st.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    }
    let _mount = Mount(state.clone());
    // Fill it up.
    let mut filler = std::fs::File::create(state.join("filler")).expect("create filler");
    let chunk = vec![b'x'; 4096];
    let full = (0..1000).any(|_| std::io::Write::write_all(&mut filler, &chunk).is_err());
    assert!(full, "the 64 KiB tmpfs never filled");
    drop(filler);
    let run = s
        .ptest(&["t", "--state-dir", "state"])
        .reports()
        .deadline(Duration::from_secs(30))
        .run();
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            ("t/a.sh".to_string(), "error".to_string()),
            ("t/b.sh".to_string(), "error".to_string()),
        ],
        "{}",
        run.describe()
    );
    let why = reasons(&run, "t/a.sh");
    assert!(why.contains("ptest could not write the log"), "{why}");
    assert!(why.contains("No space left on device"), "{why}");
    assert!(why.contains("state/runs/"), "{why}");
}
