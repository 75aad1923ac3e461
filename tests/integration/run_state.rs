//! Integration tests for ptest's run state: live run directories are never
//! pruned, children die with ptest, and the `.ptest` state directory
//! (`--state-dir`, `.gitignore`, read-only fallbacks, history left alone by
//! `--list`/`--dry-run`). Real `ptest` binary, real sh children, one temp
//! dir per test, handshakes through files with deadlines instead of sleeps.

use crate::common::{alive, is_root, wait_for_file, wait_until, Suite};
use std::path::Path;
use std::time::Duration;

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
    let slow = s.ptest(&["slow", "--json", "slow.json"]).spawn();
    assert!(
        wait_for_file(&started, Duration::from_secs(30)),
        "the slow file never started"
    );
    for _ in 0..10 {
        let out = s.run(&["quick", "-q"]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
    }
    std::fs::write(&go, "go").expect("write go");
    let out = slow.wait();
    let stdout = &out.stdout;
    assert_eq!(out.code, Some(1), "{stdout}\n{}", out.stderr);
    assert!(stdout.contains("FAIL"), "{stdout}");
    let summary = s.json("slow.json");
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
    let out = s.run_reports(&["t"]);
    let stdout = &out.stdout;
    assert_eq!(out.code, Some(1), "{stdout}");
    let summary = out.summary();
    let file = &summary["files"][0];
    assert_eq!(file["verdict"], "error", "{summary:#}");
    assert!(
        file.to_string().contains("was removed while the file ran"),
        "{summary:#}"
    );
}

/// Issue 15, item 6: a daemon left by a passing file (it left its process
/// group, so the clean-up does not kill it) still holds that file's stdout.
/// When it writes while the next file runs on the same slot, it must not
/// land in that file's output: there, at its old offset (10), it would
/// overwrite `not ok 2` with `ok 2 - x` and turn a FAIL into a PASS.
#[test]
fn a_daemon_left_by_an_earlier_file_cannot_rewrite_the_next_files_log() {
    let s = Suite::new();
    let started = s.path().join("b.started");
    let wrote = s.path().join("daemon.wrote");
    let detached = s.path().join("daemon.detached");
    // Exactly 10 bytes of output, then a daemon that waits for b to have
    // written its output and writes 9 bytes through a's descriptor. a waits
    // (bounded) until the daemon runs in its own session, so that on a
    // loaded machine a does not end while the daemon is still in its group
    // (where the clean-up would rightly kill it).
    s.file(
        "t/a_daemon.sh",
        &format!(
            "printf '1..1\\nok 1\\n'\nsetsid sh -c ': > \"{detached}\"; i=0; while [ ! -e \"{started}\" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; printf \"ok 2 - x\\n\"; : > \"{wrote}\"' &\ni=0; while [ ! -e '{detached}' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n",
            started = started.display(),
            wrote = wrote.display(),
            detached = detached.display(),
        ),
    );
    // b fails its second test, then waits (bounded) for the daemon's write.
    s.file(
        "t/b_fails.sh",
        &format!(
            "printf '1..2\\nok 1\\nnot ok 2\\n'\n: > '{started}'\ni=0; while [ ! -e '{wrote}' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n[ -e '{wrote}' ] || echo 'the daemon never wrote' >&2\n",
            started = started.display(),
            wrote = wrote.display(),
        ),
    );
    let out = s.run_reports(&["t", "-j", "1", "--order", "lexical"]);
    assert!(wrote.exists(), "the daemon never wrote: {}", out.describe());
    assert_eq!(
        out.verdicts(),
        [
            ("t/a_daemon.sh".to_string(), "pass".to_string()),
            ("t/b_fails.sh".to_string(), "fail".to_string()),
        ],
        "{}",
        out.describe()
    );
    out.expect_code(1);
    let b = out.file("t/b_fails.sh");
    let log = b["stdout_log"]
        .as_str()
        .unwrap_or_else(|| panic!("no stdout_log: {b:#}"));
    let text = std::fs::read_to_string(s.path().join(log)).expect("b's kept log");
    assert_eq!(text, "1..2\nok 1\nnot ok 2\n", "b's log was rewritten");
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
    let ptest = s.ptest(&["t", "-q"]).spawn();
    let child = s.wait_pid("child.pid", Duration::from_secs(30));
    let grandchild = s.wait_pid("grandchild.pid", Duration::from_secs(30));
    assert!(alive(child) && alive(grandchild));
    ptest.signal(libc::SIGKILL);
    ptest.wait();
    let child_gone = wait_until(Duration::from_secs(10), || !alive(child));
    let grandchild_gone = wait_until(Duration::from_secs(10), || !alive(grandchild));
    for pid in [child, grandchild] {
        if alive(pid) {
            // SAFETY: kill(2) on a pid this test's suite started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
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
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let ignore = s.read(".ptest/.gitignore");
    assert_eq!(ignore, "*\n");
}

#[test]
fn state_dir_comes_from_the_flag_or_the_environment() {
    let s = Suite::new();
    s.file("t/a.sh", "exit 0\n");
    let out = s.run(&["t", "-q", "--state-dir", "flag-state"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let out = s
        .ptest(&["t", "-q"])
        .env("PTEST_STATE_DIR", "env-state")
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
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
    let stderr = &out.stderr;
    assert_eq!(out.code, Some(1), "{stderr}");
    let summary = s.read("s.json");
    assert!(summary.contains("\"fail\""), "{summary}");
    let all = out.output();
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
/// root and `setpriv` (or `runuser`) can drop to an unprivileged user.
#[test]
fn a_read_only_working_directory_still_runs() {
    if !is_root() {
        eprintln!("skipped: needs root and setpriv");
        return;
    }
    let s = Suite::new();
    s.file("t/a.sh", "echo 1..1\necho ok 1\n");
    s.chmod("", 0o755).chmod("t", 0o755);
    let Some(ptest) = s.ptest(&["t"]).env("TMPDIR", "/tmp").unprivileged() else {
        return;
    };
    let out = ptest.run();
    let stderr = &out.stderr;
    if stderr.contains("setpriv:") {
        eprintln!("skipped: setpriv cannot drop privileges here: {stderr}");
        return;
    }
    assert_eq!(out.code, Some(0), "{stderr}");
    assert!(stderr.contains("cannot create state directory"), "{stderr}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert!(out.stdout.contains("PASS"));
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
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
}

/// `--list` and `--dry-run` leave a corrupt history (and everything else)
/// as it is; a real run sets it aside.
#[test]
fn list_and_dry_run_change_nothing_on_disk() {
    let s = Suite::new();
    s.file("t/a.sh", "exit 0\n");
    s.file(".ptest/history.json", "{ not json");
    for flag in ["--list", "--dry-run"] {
        let out = s.run(&["t", flag]);
        let stderr = &out.stderr;
        assert_eq!(out.code, Some(0), "{flag}: {stderr}");
        assert!(stderr.contains("could not be used"), "{flag}: {stderr}");
        assert_eq!(names(&s.path().join(".ptest")), ["history.json"], "{flag}");
        assert_eq!(s.read(".ptest/history.json"), "{ not json");
    }
    let out = s.run(&["t", "-q"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let left = names(&s.path().join(".ptest"));
    assert!(
        left.iter().any(|n| n.starts_with("history.json.corrupt-")),
        "{left:?}"
    );
}
