//! Integration tests for discovery's hard cases, against the real `ptest`
//! binary: file names that are not UTF-8 or hold control characters,
//! directories and files that cannot be read, and quoted globs.
//!
//! Permission tests need an unprivileged user: when the tests run as root,
//! ptest is started through `setpriv` (or `runuser`) as `nobody`, in a temp
//! dir that user can write to.

use serde_json::Value;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);

struct Suite {
    dir: tempfile::TempDir,
}

/// What one ptest run gave back.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Suite {
    fn new() -> Suite {
        let dir = tempfile::tempdir().expect("tempdir");
        // Writable by `nobody` too (see the module docs).
        chmod(dir.path(), 0o777);
        Suite { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file under the suite, creating its directories; the name is
    /// raw bytes so that it may be invalid UTF-8.
    fn file(&self, rel: &[u8], text: &str) -> PathBuf {
        let path = self.path().join(OsStr::from_bytes(rel));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        path
    }

    fn command(&self, args: &[&str], unprivileged: bool) -> Option<Command> {
        let ptest = env!("CARGO_BIN_EXE_ptest");
        let mut cmd = if unprivileged && is_root() {
            drop_privileges()?
        } else {
            Command::new(ptest)
        };
        if unprivileged && is_root() {
            cmd.arg(ptest);
        }
        cmd.args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("CI", "true")
            .env_remove("NO_COLOR")
            .env_remove("PERL5LIB")
            .env_remove("HARNESS_ACTIVE");
        for (key, _) in std::env::vars_os() {
            if key.as_bytes().starts_with(b"PTEST_") {
                cmd.env_remove(key);
            }
        }
        Some(cmd)
    }

    /// Runs ptest (as an unprivileged user when `unprivileged`); `None`
    /// when that is asked for as root and no tool can drop privileges.
    fn try_run(&self, args: &[&str], unprivileged: bool) -> Option<Ran> {
        let mut child = self.command(args, unprivileged)?.spawn().expect("spawn");
        let started = Instant::now();
        loop {
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            if started.elapsed() > DEADLINE {
                let _ = child.kill();
                panic!("ptest {args:?} did not finish within {DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("output");
        Some(Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    fn run(&self, args: &[&str]) -> Ran {
        self.try_run(args, false).expect("run")
    }

    fn json(&self, name: &str, ran: &Ran) -> Value {
        let text = std::fs::read_to_string(self.path().join(name)).unwrap_or_else(|e| {
            panic!(
                "no {name} ({e})\nstdout:\n{}\nstderr:\n{}",
                ran.stdout, ran.stderr
            )
        });
        serde_json::from_str(&text).expect("summary is JSON")
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A command prefix that runs a program as `nobody`, if the machine has one.
fn drop_privileges() -> Option<Command> {
    let works = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .arg("true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let setpriv = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let runuser = ["-u", "nobody", "--"];
    let (program, args): (&str, &[&str]) = if works("setpriv", &setpriv) {
        ("setpriv", &setpriv)
    } else if works("runuser", &runuser) {
        ("runuser", &runuser)
    } else {
        eprintln!("skipped: running as root and neither setpriv nor runuser works");
        return None;
    };
    let mut cmd = Command::new(program);
    cmd.args(args);
    Some(cmd)
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `(id, verdict)` per file of a JSON summary.
fn verdicts(summary: &Value) -> Vec<(String, String)> {
    summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().expect("id").to_string(),
                f["verdict"].as_str().expect("verdict").to_string(),
            )
        })
        .collect()
}

fn reason_of(summary: &Value, id: &str) -> String {
    summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["id"] == id)
        .map(|f| f["reasons"].to_string())
        .unwrap_or_else(|| panic!("no file {id} in {summary}"))
}

const PASS: &str = "echo 1..1; echo ok 1\n";
const FAIL: &str = "echo 1..1; echo 'not ok 1'\n";

#[test]
fn names_that_are_not_utf8_get_distinct_ids_and_every_report_is_written() {
    let suite = Suite::new();
    suite.file(b"t/a\xFF.sh", PASS);
    suite.file(b"t/a\xFE.sh", FAIL);
    // A valid name that spells the escape of the first one.
    suite.file(b"t/a%FF.sh", PASS);
    let ran = suite.run(&["t", "--json", "s.json", "--junit", "j.xml"]);
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    let summary = suite.json("s.json", &ran);
    let mut got = verdicts(&summary);
    got.sort();
    assert_eq!(
        got,
        [
            ("t/a%25FF.sh".to_string(), "pass".to_string()),
            ("t/a%FE.sh".to_string(), "fail".to_string()),
            ("t/a%FF.sh".to_string(), "pass".to_string()),
        ]
    );
    // The path reads back as the same bytes, so `ptest merge` can hash it.
    let paths: Vec<&str> = summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(paths.contains(&"t/a%FE.sh"), "{paths:?}");
    let junit = std::fs::read_to_string(suite.path().join("j.xml")).expect("junit written");
    assert!(junit.contains("t/a%FE.sh") && junit.contains("t/a%FF.sh"));
    let history =
        std::fs::read_to_string(suite.path().join(".ptest/history.json")).expect("history");
    for id in ["t/a%FE.sh", "t/a%FF.sh", "t/a%25FF.sh"] {
        assert!(history.contains(id), "{id} not in history");
        assert!(ran.stdout.contains(id), "{id} not on the console");
    }
    let runs: Vec<_> = std::fs::read_dir(suite.path().join(".ptest/runs"))
        .expect("runs")
        .collect();
    assert_eq!(runs.len(), 1);
    let run_dir = runs[0].as_ref().expect("entry").path();
    assert!(
        run_dir.join("summary.json").is_file(),
        "run summary written"
    );
}

#[test]
fn unreadable_directories_are_errors_and_the_rest_still_runs() {
    let suite = Suite::new();
    suite.file(b"t/ok.sh", PASS);
    suite.file(b"t/unsearchable/x.sh", PASS);
    suite.file(b"t/unlistable/y.sh", PASS);
    chmod(&suite.path().join("t/unsearchable"), 0o644);
    chmod(&suite.path().join("t/unlistable"), 0o311);
    let Some(ran) = suite.try_run(&["t", "--json", "s.json"], true) else {
        return;
    };
    // Let the temp dir be removed whatever happened.
    chmod(&suite.path().join("t/unsearchable"), 0o755);
    chmod(&suite.path().join("t/unlistable"), 0o755);
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    let summary = suite.json("s.json", &ran);
    assert_eq!(
        verdicts(&summary),
        [
            ("t/ok.sh".to_string(), "pass".to_string()),
            ("t/unlistable".to_string(), "error".to_string()),
            ("t/unsearchable".to_string(), "error".to_string()),
        ]
    );
    let unlistable = reason_of(&summary, "t/unlistable");
    assert!(
        unlistable.contains("cannot list directory: permission denied"),
        "{unlistable}"
    );
    let unsearchable = reason_of(&summary, "t/unsearchable");
    assert!(
        unsearchable.contains("cannot search directory: permission denied")
            && unsearchable.contains("1 entry"),
        "{unsearchable}"
    );
}

#[test]
fn a_named_file_under_an_unsearchable_directory_says_why() {
    let suite = Suite::new();
    suite.file(b"t/ok.sh", PASS);
    suite.file(b"t/closed/x.sh", PASS);
    chmod(&suite.path().join("t/closed"), 0o644);
    let ran = suite.try_run(&["t/closed/x.sh", "t/ok.sh", "--json", "s.json"], true);
    chmod(&suite.path().join("t/closed"), 0o755);
    let Some(ran) = ran else { return };
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(!ran.stderr.contains("path not found"), "{}", ran.stderr);
    let summary = suite.json("s.json", &ran);
    assert_eq!(
        verdicts(&summary),
        [
            ("t/closed/x.sh".to_string(), "error".to_string()),
            ("t/ok.sh".to_string(), "pass".to_string()),
        ]
    );
    let reason = reason_of(&summary, "t/closed/x.sh");
    assert!(
        reason.contains("cannot access t/closed/x.sh: permission denied"),
        "{reason}"
    );
}

#[test]
fn an_unreadable_test_file_is_an_error_not_a_failure() {
    let suite = Suite::new();
    suite.file(b"t/ok.sh", PASS);
    let secret = suite.file(b"t/secret.sh", PASS);
    chmod(&secret, 0o200);
    let Some(ran) = suite.try_run(&["t", "--json", "s.json"], true) else {
        return;
    };
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    let summary = suite.json("s.json", &ran);
    assert_eq!(
        verdicts(&summary),
        [
            ("t/ok.sh".to_string(), "pass".to_string()),
            ("t/secret.sh".to_string(), "error".to_string()),
        ]
    );
    let reason = reason_of(&summary, "t/secret.sh");
    assert!(
        reason.contains("cannot read t/secret.sh: permission denied"),
        "{reason}"
    );
}

#[test]
fn a_quoted_glob_keeps_files_that_are_not_executable() {
    let suite = Suite::new();
    let runner = suite.file(
        b"bin/bats",
        "#!/bin/sh\n[ \"$1\" = --tap ] && shift\nexec sh \"$1\"\n",
    );
    chmod(&runner, 0o755);
    let executable = suite.file(b"test/a.bats", &format!("#!/bin/sh\n{PASS}"));
    chmod(&executable, 0o755);
    suite.file(b"test/b.bats", FAIL);
    let listed = suite.run(&["test/*.bats", "--exec", "bin/bats --tap", "--list"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", listed.stdout);
    assert!(
        lines.iter().all(|l| l.ends_with("bin/bats --tap")),
        "{lines:?}"
    );

    let ran = suite.run(&[
        "test/*.bats",
        "--exec",
        "bin/bats --tap",
        "--json",
        "s.json",
    ]);
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        verdicts(&suite.json("s.json", &ran)),
        [
            ("test/a.bats".to_string(), "pass".to_string()),
            ("test/b.bats".to_string(), "fail".to_string()),
        ]
    );

    // Without a runner the non-executable one is an ERROR, not dropped.
    let ran = suite.run(&["test/*.bats", "--json", "s2.json"]);
    assert_eq!(
        verdicts(&suite.json("s2.json", &ran)),
        [
            ("test/a.bats".to_string(), "pass".to_string()),
            ("test/b.bats".to_string(), "error".to_string()),
        ]
    );
}

#[test]
fn control_characters_in_names_are_shown_escaped_and_columns_line_up() {
    let suite = Suite::new();
    suite.file(b"t/a\x1b[31mred\nline.sh", FAIL);
    suite.file("t/日本.sh".as_bytes(), PASS);
    suite.file(b"t/b.sh", PASS);
    let ran = suite.run(&["t", "--color", "never", "--json", "s.json"]);
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(
        !ran.stdout.contains('\x1b'),
        "raw escape on the console:\n{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains(r"t/a\x1b[31mred\nline.sh"),
        "{}",
        ran.stdout
    );
    // Every line of the summary's failure list holds the whole name.
    assert!(
        ran.stdout
            .lines()
            .any(|l| l.starts_with("  FAIL") && l.contains(r"red\nline.sh")),
        "{}",
        ran.stdout
    );
    // The id itself is unchanged: JSON escapes it its own way.
    let ids: Vec<String> = verdicts(&suite.json("s.json", &ran))
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(
        ids.contains(&"t/a\x1b[31mred\nline.sh".to_string()),
        "{ids:?}"
    );

    let listed = suite.run(&["t", "--list"]);
    let columns: Vec<usize> = listed
        .stdout
        .lines()
        .map(|line| {
            let at = line.find("tap-or-exit-code").expect("protocol column");
            unicode_columns(&line[..at])
        })
        .collect();
    assert_eq!(columns.len(), 3, "{}", listed.stdout);
    assert!(
        columns.windows(2).all(|w| w[0] == w[1]),
        "{}",
        listed.stdout
    );
    assert!(!listed.stdout.contains('\x1b') && listed.stdout.lines().count() == 3);
}

/// Display columns of plain text (test-side: ASCII 1, CJK 2).
fn unicode_columns(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if ('\u{3000}'..='\u{9fff}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}
