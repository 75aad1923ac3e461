//! Integration tests: the real `ptest` binary on small suites made of real
//! sh / perl / python3 files in temporary directories.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

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
    fn file(&self, rel: &str, text: &str) -> &Suite {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        self
    }

    fn executable(&self, rel: &str, text: &str) -> &Suite {
        use std::os::unix::fs::PermissionsExt;
        self.file(rel, text);
        let p = self.path().join(rel);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        self
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ptest"));
        c.args(args)
            .current_dir(self.path())
            .env_remove("NO_COLOR")
            .env("CI", "true");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run ptest")
    }

    /// Runs with `--json` and returns (exit code, summary, stdout).
    fn run_json(&self, args: &[&str]) -> (i32, Value, String) {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--json", "summary.json"]);
        let out = self.run(&all);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let text = std::fs::read_to_string(self.path().join("summary.json")).unwrap_or_else(|e| {
            panic!(
                "no summary.json ({e})\nstdout:\n{stdout}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (
            out.status.code().unwrap_or(-1),
            serde_json::from_str(&text).unwrap(),
            stdout,
        )
    }
}

fn verdicts(summary: &Value) -> Vec<(String, String)> {
    summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn file<'a>(summary: &'a Value, id: &str) -> &'a Value {
    summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in summary: {summary:#}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether a process is still running (not gone, not a zombie).
fn alive(pid: i32) -> bool {
    u32::try_from(pid).is_ok_and(ptest::run::process::is_running)
}

fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() && std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn passing_suite_exits_zero_with_per_language_runners() {
    let s = Suite::new();
    s.file("tests/a.sh", "echo hello\n")
        .file(
            "tests/b.t",
            "print qq{1..2\\nok 1 - one\\nok 2 - two\\n};\n",
        )
        .file("tests/sub/c.py", "import sys\nsys.exit(0)\n")
        .file("tests/d.bash", "[[ 1 == 1 ]]\n")
        .executable("tests/e", "#!/bin/sh\nexit 0\n")
        .file("tests/notes.txt", "not a test\n");
    let (code, summary, _) = s.run_json(&["-j", "3"]);
    assert_eq!(code, 0, "{summary:#}");
    let ids: Vec<String> = verdicts(&summary).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        [
            "tests/a.sh",
            "tests/b.t",
            "tests/d.bash",
            "tests/e",
            "tests/sub/c.py"
        ]
    );
    assert!(verdicts(&summary).iter().all(|(_, v)| v == "pass"));
    assert_eq!(summary["version"], 2);
    assert_eq!(summary["totals"]["files"]["passed"], 5);
}

#[test]
fn failing_file_exits_one_and_shows_output_tail() {
    let s = Suite::new();
    s.file("t/ok.sh", "exit 0\n")
        .file("t/bad.sh", "echo 'something broke here' >&2\nexit 3\n");
    let (code, summary, stdout) = s.run_json(&[]);
    assert_eq!(code, 1);
    let bad = file(&summary, "t/bad.sh");
    assert_eq!(bad["verdict"], "fail");
    assert_eq!(bad["reasons"][0], "exited with status 3");
    assert!(bad["stderr_tail"]
        .as_str()
        .unwrap()
        .contains("something broke here"));
    assert!(stdout.contains("something broke here"), "{stdout}");
    assert!(stdout.contains("Failures:"), "{stdout}");
    // Failing files keep their logs; passing files' logs are removed.
    let log = PathBuf::from(bad["stderr_log"].as_str().unwrap());
    assert!(s.path().join(&log).exists(), "{log:?}");
    assert!(file(&summary, "t/ok.sh").get("stdout_log").is_none());
}

#[test]
fn tap_results_are_parsed_per_test() {
    let s = Suite::new();
    s.file(
        "t/mixed.t",
        "print qq{1..4\\nok 1 - good\\nnot ok 2 - bad\\nok 3 # SKIP no db\\nnot ok 4 - later # TODO not done\\n}; exit 1;\n",
    );
    let (code, summary, stdout) = s.run_json(&[]);
    assert_eq!(code, 1);
    let f = file(&summary, "t/mixed.t");
    assert_eq!(f["verdict"], "fail");
    assert_eq!(f["protocol"], "tap");
    let statuses: Vec<&str> = f["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass", "fail", "skip", "todo-fail"]);
    assert!(stdout.contains("not ok 2 - bad"), "{stdout}");
}

#[test]
fn sh_file_printing_tap_is_read_as_tap() {
    let s = Suite::new();
    s.file(
        "tests/tap.sh",
        "echo 1..2; echo ok 1; echo 'not ok 2 - nope'\n",
    );
    let (code, summary, _) = s.run_json(&[]);
    assert_eq!(code, 1);
    let f = file(&summary, "tests/tap.sh");
    assert_eq!(f["protocol"], "tap");
    assert_eq!(f["cases"].as_array().unwrap().len(), 2);
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let s = Suite::new();
    // The test starts a grandchild that would outlive it, then hangs.
    s.file(
        "tests/hang.sh",
        "sleep 300 & echo $! > grandchild.pid\necho $$ > child.pid\nsleep 300\n",
    );
    let start = Instant::now();
    let (code, summary, _) = s.run_json(&["--timeout", "500ms", "--grace", "200ms"]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(code, 1);
    let f = file(&summary, "tests/hang.sh");
    assert_eq!(f["verdict"], "timeout");
    assert!(f["reasons"][0]
        .as_str()
        .unwrap()
        .contains("timed out after 500ms"));
    for pidfile in ["child.pid", "grandchild.pid"] {
        let pid: i32 = std::fs::read_to_string(s.path().join(pidfile))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!alive(pid), "{pidfile} ({pid}) still running");
    }
}

#[test]
fn processes_left_behind_are_killed_and_reported() {
    let s = Suite::new();
    s.file(
        "tests/leaky.sh",
        "sleep 300 & echo $! > leaked.pid\necho 1..1\necho ok 1\n",
    );
    let start = Instant::now();
    let (code, summary, stdout) = s.run_json(&[]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(code, 0, "a leak alone does not fail the file");
    let f = file(&summary, "tests/leaky.sh");
    assert_eq!(f["leaked"], 1);
    assert!(stdout.contains("left 1 process running"), "{stdout}");
    let pid: i32 = std::fs::read_to_string(s.path().join("leaked.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!alive(pid), "leaked process {pid} still running");
}

#[test]
fn interrupt_stops_children_writes_reports_and_exits_130() {
    let s = Suite::new();
    s.file("tests/a_quick.sh", "echo done > quick.done\n");
    for i in 0..4 {
        s.file(
            &format!("tests/slow{i}.sh"),
            &format!("sleep 300 & echo $! > gc{i}.pid\nsleep 300\n"),
        );
    }
    let child = s
        .cmd(&[
            "-j",
            "2",
            "--order",
            "lexical",
            "--json",
            "summary.json",
            "--grace",
            "300ms",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_for(
        &s.path().join("quick.done"),
        Duration::from_secs(10)
    ));
    assert!(wait_for(&s.path().join("gc0.pid"), Duration::from_secs(10)));
    assert!(wait_for(&s.path().join("gc1.pid"), Duration::from_secs(10)));
    std::thread::sleep(Duration::from_millis(100));
    // SAFETY: sending SIGINT to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let start = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(130));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["interrupted"], true);
    let vs = verdicts(&summary);
    assert_eq!(vs.len(), 5, "every file is in the report");
    assert_eq!(vs[0], ("tests/a_quick.sh".to_string(), "pass".to_string()));
    // Running at Ctrl-C: INTERRUPTED; never started: NOT RUN.
    assert!(vs[1..3].iter().all(|(_, v)| v == "interrupted"), "{vs:?}");
    assert!(vs[3..].iter().all(|(_, v)| v == "not-run"), "{vs:?}");
    // The interrupted run is recorded: what finished is in the history.
    let history: Value = serde_json::from_str(
        &std::fs::read_to_string(s.path().join(".ptest/history.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        history["files"]["tests/a_quick.sh"]["runs"][0]["verdict"],
        "pass"
    );
    assert!(history["files"].get("tests/slow3.sh").is_none());
    for i in 0..2 {
        let pid: i32 = std::fs::read_to_string(s.path().join(format!("gc{i}.pid")))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!alive(pid), "grandchild {pid} still running");
    }
    assert!(
        !s.path().join("gc2.pid").exists(),
        "no new file started after Ctrl-C"
    );
}

#[test]
fn children_get_the_ptest_environment() {
    let s = Suite::new();
    s.file(
        "tests/env.sh",
        "env | grep -E '^(PTEST|HARNESS_ACTIVE)' | sort > env.txt\ntest -d \"$PTEST_TMPDIR\" && touch \"$PTEST_TMPDIR/x\"\n",
    );
    // Three files for three slots: slots are capped at the number of files.
    s.file("tests/z1.sh", "true\n")
        .file("tests/z2.sh", "true\n");
    let out = s.run(&["-j", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let env = std::fs::read_to_string(s.path().join("env.txt")).unwrap();
    for needle in [
        "PTEST=1\n",
        "PTEST_FILE=tests/env.sh\n",
        "PTEST_WORKER=0\n",
        "PTEST_JOBS=3\n",
        "PTEST_PARALLEL=1\n",
        "PTEST_ATTEMPT=1\n",
        "PTEST_TOTAL_ATTEMPTS=1\n",
        "HARNESS_ACTIVE=1\n",
    ] {
        assert!(env.contains(needle), "missing {needle:?} in\n{env}");
    }
    assert!(env.contains("PTEST_RUN_ID="));
    assert!(env.contains("PTEST_TMPDIR="));
}

#[test]
fn file_that_cannot_start_is_an_error_and_the_run_goes_on() {
    let s = Suite::new();
    s.executable("tests/badshebang", "#!/no/such/interpreter\n")
        .file("tests/fine.sh", "exit 0\n")
        .file("data.bin", "x");
    let (code, summary, _) = s.run_json(&["tests", "data.bin"]);
    assert_eq!(code, 1);
    let bad = file(&summary, "tests/badshebang");
    assert_eq!(bad["verdict"], "error");
    let reason = bad["reasons"][0].as_str().unwrap();
    assert!(reason.contains("cannot start"), "{reason}");
    assert!(
        reason.contains("`/no/such/interpreter` was not found"),
        "{reason}"
    );
    let data = file(&summary, "data.bin");
    assert_eq!(data["verdict"], "error");
    assert!(data["reasons"][0]
        .as_str()
        .unwrap()
        .contains("no runner for extension `.bin`"));
    assert_eq!(file(&summary, "tests/fine.sh")["verdict"], "pass");
}

#[test]
fn missing_path_is_a_usage_error_naming_it() {
    let s = Suite::new();
    let out = s.run(&["no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/dir"), "{}", stderr(&out));
}

#[test]
fn no_default_directory_is_a_usage_error() {
    let s = Suite::new();
    let out = s.run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("tests/ or t/"), "{}", stderr(&out));
}

#[test]
fn empty_directory_exits_four() {
    let s = Suite::new();
    s.file("tests/README", "nothing to run\n");
    let out = s.run(&["tests"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("no test files found in tests"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_values_are_usage_errors_naming_the_value() {
    let s = Suite::new();
    s.file("tests/a.sh", "exit 0\n");
    for (args, needle) in [
        (vec!["-j", "0"], "`0`"),
        (vec!["--timeout", "forever"], "`forever`"),
        (vec!["--exclude", "a[b"], "a[b"),
        (vec!["tests/[x"], "[x"),
    ] {
        let out = s.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn globs_includes_excludes_gitignore_and_hidden_files() {
    let s = Suite::new();
    s.file("tests/a.sh", "exit 0\n")
        .file("tests/deep/b.sh", "exit 0\n")
        .file("tests/deep/c.t", "print qq{1..1\\nok 1\\n};\n")
        .file("tests/.hidden/d.sh", "exit 1\n")
        .file("tests/ignored/e.sh", "exit 1\n")
        .file("tests/.gitignore", "ignored/\n");
    let list = |args: &[&str]| -> Vec<String> {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        list(&["tests", "--list"]),
        ["tests/a.sh", "tests/deep/b.sh", "tests/deep/c.t"]
    );
    assert_eq!(
        list(&["tests/**/*.sh", "--list"]),
        ["tests/a.sh", "tests/deep/b.sh"]
    );
    assert_eq!(
        list(&["tests", "--include", "*.t", "--list"]),
        ["tests/deep/c.t"]
    );
    assert_eq!(
        list(&["tests", "--exclude", "tests/deep/**", "--list"]),
        ["tests/a.sh"]
    );
    let out = s.run(&["tests", "--list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("tests/deep/c.t") && text.contains("perl"),
        "{text}"
    );
}

#[test]
fn exec_runs_every_file_through_a_command() {
    let s = Suite::new();
    s.file("t/one.t", "ignored content\n");
    let (code, summary, _) = s.run_json(&["--exec", "sh -c 'echo 1..1; echo ok 1 - $0'"]);
    assert_eq!(code, 0, "{summary:#}");
    let f = file(&summary, "t/one.t");
    assert_eq!(f["cases"][0]["name"], "t/one.t");
}

#[test]
fn color_only_when_asked_and_never_with_no_color() {
    let s = Suite::new();
    s.file("tests/a.sh", "exit 1\n");
    let plain = s.run(&[]);
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('\x1b'));
    let colored = s.run(&["--color", "always"]);
    assert!(String::from_utf8_lossy(&colored.stdout).contains('\x1b'));
    let no_color = s.cmd(&[]).env("NO_COLOR", "1").output().unwrap();
    assert!(!String::from_utf8_lossy(&no_color.stdout).contains('\x1b'));
}

#[test]
fn run_directory_keeps_only_recent_runs() {
    let s = Suite::new();
    s.file("tests/a.sh", "exit 0\n");
    for _ in 0..12 {
        assert_eq!(s.run(&["-q"]).status.code(), Some(0));
    }
    let runs = std::fs::read_dir(s.path().join(".ptest/runs"))
        .unwrap()
        .count();
    assert_eq!(runs, 10);
}

#[test]
fn perl_tests_find_lib_like_prove_dash_l() {
    let s = Suite::new();
    s.file("lib/My/Mod.pm", "package My::Mod; sub answer { 42 } 1;\n")
        .file("extra/Other.pm", "package Other; sub name { 'other' } 1;\n")
        .file(
            "t/uses-lib.t",
            "use Test::More tests => 1; use My::Mod; is(My::Mod::answer(), 42);\n",
        )
        .file(
            "t/uses-extra.t",
            "use Test::More tests => 1; use Other; is(Other::name(), 'other');\n",
        );
    let (code, summary, _) = s.run_json(&["t/uses-lib.t"]);
    assert_eq!(code, 0, "{summary:#}");
    let (code, _, _) = s.run_json(&["t/uses-lib.t", "--no-lib"]);
    assert_eq!(code, 1, "without lib/ the module is not found");
    let (code, summary, _) = s.run_json(&["t/uses-extra.t", "-I", "extra"]);
    assert_eq!(code, 0, "{summary:#}");
}

#[test]
fn taint_mode_tests_run_like_prove() {
    let s = Suite::new();
    s.file("lib/Tainted.pm", "package Tainted; sub ok { 1 } 1;\n").file(
        "t/taint.t",
        "#!perl -T\nuse strict; use Test::More tests => 2;\nok(${^TAINT}, 'taint mode on');\nuse Tainted; ok(Tainted::ok(), 'lib found under -T');\n",
    );
    let (code, summary, _) = s.run_json(&["t"]);
    assert_eq!(code, 0, "{summary:#}");
    assert_eq!(
        file(&summary, "t/taint.t")["cases"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn closed_stdout_does_not_stop_the_run() {
    let s = Suite::new();
    for i in 0..6 {
        s.file(&format!("tests/t{i}.sh"), "sleep 0.05\necho some output\n");
    }
    // Like `ptest | head -1`: the reader goes away before ptest is done.
    let mut child = s
        .cmd(&["-j", "2", "--json", "summary.json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut stderr_text = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr_text).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr_text}");
    assert!(!stderr_text.contains("panicked"), "{stderr_text}");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["totals"]["files"]["passed"], 6);
}
