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
    assert!(
        run_dir.join("logs").is_dir(),
        "the slow run's directory is gone"
    );
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

/// Names of the entries in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_new_state_dir_is_git_ignored() {
    let s = Suite::new();
    s.file("t/a.sh", "exit 0\n");
    let out = s.run(&["t", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ignore = std::fs::read_to_string(s.path().join(".ptest/.gitignore")).expect(".gitignore");
    assert_eq!(ignore, "*\n");
}

#[test]
fn state_dir_comes_from_the_flag_or_the_environment() {
    let s = Suite::new();
    s.file("t/a.sh", "exit 0\n");
    let out = s.run(&["t", "-q", "--state-dir", "flag-state"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = s
        .cmd(&["t", "-q"])
        .env("PTEST_STATE_DIR", "env-state")
        .output()
        .expect("ptest");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for dir in ["flag-state", "env-state"] {
        let state = s.path().join(dir);
        assert_eq!(
            names(&state),
            [".gitignore", "history.json", "history.json.lock", "runs"],
            "{dir}"
        );
        assert_eq!(names(&state.join("runs")).len(), 1, "{dir}");
    }
    assert!(!s.path().join(".ptest").exists());
}

/// A state dir that cannot be created (under a regular file: fails for root
/// too): the run goes on, its files in a temporary dir, history not saved,
/// each said in one warning line with the OS reason.
#[test]
fn an_unusable_state_dir_still_runs_and_says_why() {
    let s = Suite::new();
    s.file("t/a.sh", "exit 0\n");
    s.file("t/b.sh", "exit 1\n");
    s.file("blocker", "a regular file\n");
    let out = s.run(&["t", "--state-dir", "blocker/state", "--json", "s.json"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let summary = std::fs::read_to_string(s.path().join("s.json")).expect("summary");
    assert!(summary.contains("\"fail\""), "{summary}");
    let all = format!("{}{stderr}", text(&out.stdout));
    let state_line: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("cannot create state directory"))
        .collect();
    assert_eq!(state_line.len(), 1, "{all}");
    assert!(state_line[0].contains("Not a directory"), "{all}");
    assert!(state_line[0].contains("instead"), "{all}");
    let history_line = all
        .lines()
        .find(|l| l.contains("history not saved"))
        .unwrap_or_else(|| panic!("no history warning: {all}"));
    assert!(history_line.contains("Not a directory"), "{all}");
}

/// The same with a really read-only working directory, when this runs as
/// root and `setpriv` can drop to an unprivileged user.
#[test]
fn a_read_only_working_directory_still_runs() {
    // SAFETY: geteuid(2) has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let setpriv = Command::new("setpriv").arg("--version").output();
    if !root || setpriv.is_err() {
        eprintln!("skipped: needs root and setpriv");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let s = Suite::new();
    s.file("t/a.sh", "echo 1..1\necho ok 1\n");
    let mode = std::fs::Permissions::from_mode(0o755);
    for dir in [s.path().to_path_buf(), s.path().join("t")] {
        std::fs::set_permissions(&dir, mode.clone()).expect("chmod");
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_ptest"))
        .arg("t")
        .current_dir(s.path())
        .stdin(Stdio::null())
        .env("CI", "true")
        .env("TMPDIR", "/tmp");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PTEST") {
            c.env_remove(key);
        }
    }
    let out = c.output().expect("setpriv ptest");
    let stderr = text(&out.stderr);
    if stderr.contains("setpriv:") {
        eprintln!("skipped: setpriv cannot drop privileges here: {stderr}");
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("cannot create state directory"), "{stderr}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert!(text(&out.stdout).contains("PASS"));
    assert!(!s.path().join(".ptest").exists());
}

#[test]
fn ptest_tmpdir_is_absolute() {
    let s = Suite::new();
    s.file(
        "t/cd.sh",
        "case \"$PTEST_TMPDIR\" in /*) ;; *) echo \"relative: $PTEST_TMPDIR\"; exit 1;; esac\ncd / && [ -d \"$PTEST_TMPDIR\" ] && touch \"$PTEST_TMPDIR/x\"\n",
    );
    let out = s.run(&["t"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `--list` and `--dry-run` leave a corrupt history (and everything else)
/// as it is; a real run sets it aside.
#[test]
fn list_and_dry_run_change_nothing_on_disk() {
    let s = Suite::new();
    s.file("t/a.sh", "exit 0\n");
    let history = s.file(".ptest/history.json", "{ not json");
    for flag in ["--list", "--dry-run"] {
        let out = s.run(&["t", flag]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{flag}: {stderr}");
        assert!(stderr.contains("could not be used"), "{flag}: {stderr}");
        assert_eq!(names(&s.path().join(".ptest")), ["history.json"], "{flag}");
        assert_eq!(
            std::fs::read_to_string(&history).expect("history"),
            "{ not json"
        );
    }
    let out = s.run(&["t", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let left = names(&s.path().join(".ptest"));
    assert!(
        left.iter().any(|n| n.starts_with("history.json.corrupt-")),
        "{left:?}"
    );
}
