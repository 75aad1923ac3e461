//! Integration tests for ptest's run state: live run directories are never
//! pruned, children die with ptest, and the `.ptest` state directory
//! (`--state-dir`, `.gitignore`, read-only fallbacks, history left alone by
//! `--list`/`--dry-run`). Real `ptest` binary, real sh children, one temp
//! dir per test, handshakes through files with deadlines instead of sleeps.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A temporary directory holding a suite; ptest runs with it as cwd.
struct Suite {
    dir: tempfile::TempDir,
}

impl Suite {
    fn new() -> Suite {
        Suite {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating parent directories).
    fn file(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        p
    }

    /// `ptest ARGS` in the suite, with a clean environment.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ptest"));
        c.args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .env("CI", "true")
            .env_remove("PERL5LIB")
            .env_remove("HARNESS_ACTIVE");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PTEST") {
                c.env_remove(key);
            }
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run ptest")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits until `path` exists and is not empty, up to `limit`.
fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Waits for `child` to exit, up to `limit`; kills it and panics after.
fn wait_child(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("ptest did not finish within {limit:?}");
}

/// Whether `pid` is running (not gone, not a zombie).
fn alive(pid: u32) -> bool {
    ptest::run::process::is_running(pid)
}

/// The repro: a slow failing file keeps its run directory while ten
/// quick runs in the same directory prune old runs, and still fails.
#[test]
fn a_live_run_is_never_pruned() {
    let s = Suite::new();
    let started = s.path().join("started");
    let go = s.path().join("go");
    s.file(
        "slow/slow.sh",
        &format!(
            "echo 1..1\necho started > '{}'\necho 'some output'\ni=0\nwhile [ ! -e '{}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\necho 'not ok 1 - slow'\n",
            started.display(),
            go.display()
        ),
    );
    s.file("quick/q.sh", "echo 1..1\necho ok 1\n");
    let mut slow = s
        .cmd(&["slow", "--json", "slow.json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start slow ptest");
    assert!(
        wait_for(&started, Duration::from_secs(30)),
        "the slow file never started"
    );
    for _ in 0..10 {
        let out = s.run(&["quick", "-q"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    std::fs::write(&go, "go").expect("write go");
    let status = wait_child(&mut slow, Duration::from_secs(60));
    let out = slow.wait_with_output().expect("output");
    let stdout = text(&out.stdout);
    assert_eq!(status.code(), Some(1), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("FAIL"), "{stdout}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(s.path().join("slow.json")).expect("slow.json"),
    )
    .expect("json");
    let file = &summary["files"][0];
    assert_eq!(file["verdict"], "fail", "{summary:#}");
    let log = file["stdout_log"]
        .as_str()
        .unwrap_or_else(|| panic!("no stdout_log: {summary:#}"));
    let log_text = std::fs::read_to_string(s.path().join(log)).expect("the slow run's log");
    assert!(log_text.contains("not ok 1"), "{log_text}");
    let run_dir = s.path().join(".ptest/runs").join(
        summary["run_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no run_id: {summary:#}")),
    );
    assert!(run_dir.join("logs").is_dir(), "the slow run's directory is gone");
}

/// Output that vanished while the child ran is never a PASS.
#[test]
fn a_removed_log_makes_the_file_an_error() {
    let s = Suite::new();
    s.file(
        "t/vanish.sh",
        "echo 1..1\necho ok 1\nrm -f \"$PTEST_TMPDIR\"/../../logs/.w*.stdout\n",
    );
    let out = s.run(&["t", "--json", "s.json"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("s.json")).expect("json"))
            .expect("json");
    let file = &summary["files"][0];
    assert_eq!(file["verdict"], "error", "{summary:#}");
    assert!(
        file.to_string().contains("was removed while the file ran"),
        "{summary:#}"
    );
}

/// Reads a pid written by a test file, waiting for it up to 30 s.
fn read_pid(path: &Path) -> u32 {
    assert!(
        wait_for(path, Duration::from_secs(30)),
        "{} never written",
        path.display()
    );
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).expect("pid file");
        if let Ok(pid) = text.trim().parse() {
            return pid;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "bad pid {text:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until `pid` is gone (or a zombie), up to `limit`.
fn gone_within(pid: u32, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// ptest killed with SIGKILL takes its running tests (and what they started
/// in their process group) with it.
#[test]
fn children_die_with_a_killed_ptest() {
    let s = Suite::new();
    let child_pid = s.path().join("child.pid");
    let grandchild_pid = s.path().join("grandchild.pid");
    s.file(
        "t/sleeper.sh",
        &format!(
            "sleep 60 &\necho $! > '{}.tmp' && mv '{0}.tmp' '{0}'\necho $$ > '{}.tmp' && mv '{1}.tmp' '{1}'\nwait\n",
            grandchild_pid.display(),
            child_pid.display()
        ),
    );
    let mut ptest = s
        .cmd(&["t", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ptest");
    let child = read_pid(&child_pid);
    let grandchild = read_pid(&grandchild_pid);
    assert!(alive(child) && alive(grandchild));
    ptest.kill().expect("SIGKILL ptest");
    ptest.wait().expect("reap ptest");
    let child_gone = gone_within(child, Duration::from_secs(10));
    let grandchild_gone = gone_within(grandchild, Duration::from_secs(10));
    for pid in [child, grandchild] {
        if alive(pid) {
            // SAFETY: kill(2) on a pid this test's suite started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
    assert!(child_gone, "the test file ({child}) outlived ptest");
    assert!(grandchild_gone, "its child ({grandchild}) outlived ptest");
}
