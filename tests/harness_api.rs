//! `ptest::harness` from the outside: this target is itself a
//! `harness = false` test binary built on the API, run on a tiny fixture
//! suite with libtest's command line and with the real `cargo nextest`.
//!
//! With `HARNESS_API_FIXTURE=DIR` set, `main` changes to `DIR` and is
//! nothing but `Suite::new("t")…run()` over the fixture files in `DIR/t`
//! (written by the trials below). Without it, `main` runs the trials below,
//! each of which writes the fixture into a temporary directory and runs
//! this very binary (`current_exe`) on it — `--list`, filters, `--exact`,
//! `--ignored`, a whole run — or `cargo nextest run --test harness_api`
//! with the variable set, and checks names, results and failure messages.
//!
//! The nextest trial needs `cargo-nextest` (`.ci/run` installs it); set
//! `HARNESS_API_SKIP_NEXTEST=1` to leave it out where it is missing.

#[path = "integration/common/mod.rs"]
mod common;

use libtest_mimic::{Arguments, Failed, Trial};
use ptest::harness::Suite;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The variable that switches `main` to the fixture suite.
const FIXTURE_VAR: &str = "HARNESS_API_FIXTURE";

/// The fixture: file, body. Executable shell scripts and Perl `.t` files.
const FIXTURE: [(&str, &str); 7] = [
    ("t/pass.sh", "#!/bin/sh\necho fine\n"),
    ("t/pass.t", "print \"1..2\\nok 1\\nok 2\\n\";\n"),
    (
        "t/fail.sh",
        "#!/bin/sh\necho 'first line of output'\necho 'boom on stderr' >&2\nexit 3\n",
    ),
    (
        "t/not-ok.t",
        "print \"1..2\\nok 1 - fine\\nnot ok 2 - the answer\\n\";\n",
    ),
    (
        "t/later.sh",
        "#!/bin/sh\n# ptest: skip=\"not today\"\necho ran anyway\n",
    ),
    ("t/exit-77.sh", "#!/bin/sh\nexit 77\n"),
    ("t/hang.sh", "#!/bin/sh\n# ptest: timeout=300ms\nsleep 30\n"),
];

/// What each fixture file comes to under libtest-mimic.
const EXPECTED: [(&str, &str); 7] = [
    ("t/exit-77.sh", "ignored"),
    ("t/fail.sh", "FAILED"),
    ("t/hang.sh", "FAILED"),
    ("t/later.sh", "ignored"),
    ("t/not-ok.t", "FAILED"),
    ("t/pass.sh", "ok"),
    ("t/pass.t", "ok"),
];

fn main() -> std::process::ExitCode {
    if let Some(dir) = std::env::var_os(FIXTURE_VAR) {
        if let Err(err) = std::env::set_current_dir(&dir) {
            eprintln!("cannot change to {}: {err}", Path::new(&dir).display());
            return std::process::ExitCode::from(2);
        }
        return Suite::new("t")
            .timeout(Duration::from_secs(20))
            .grace(Duration::from_millis(300))
            .state_dir(".state")
            .config(None)
            .run();
    }
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("list::names_exactly_the_files", list_names_the_files),
        Trial::test("list::ignored_lists_the_skip_files", list_ignored),
        Trial::test("run::every_file_as_ptest_judges_it", run_all),
        Trial::test(
            "run::a_failure_shows_reason_and_output_tail",
            failure_message,
        ),
        Trial::test("run::a_tap_failure_names_the_test", tap_failure_message),
        Trial::test("run::a_timeout_stops_the_file", timeout_message),
        Trial::test("filter::substring_exact_and_skip", filters),
        Trial::test("filter::ignored_and_include_ignored", ignored_filters),
        Trial::test("api::units_are_ptest_file_ids", units_are_ids),
        Trial::test("api::a_bad_suite_is_one_failing_trial", bad_suite),
        Trial::test("nextest::runs_the_same_trials", nextest),
    ];
    libtest_mimic::run(&args, trials).exit_code()
}

// ---------------------------------------------------------------------------
// Helpers

/// A fixture suite in a temporary directory.
fn fixture() -> Result<tempfile::TempDir, Failed> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    for (name, body) in FIXTURE {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap_or(dir.path()))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(&path, body).map_err(|e| format!("{}: {e}", path.display()))?;
        if name.ends_with(".sh") {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(dir)
}

/// This binary on the fixture in `dir` with `args`.
fn harness(dir: &Path, args: &[&str]) -> Result<Output, Failed> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut cmd = Command::new(&exe);
    common::clean_env(&mut cmd);
    cmd.args(args)
        .env(FIXTURE_VAR, dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()).into())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `name → ok|FAILED|ignored` from libtest's `test NAME ... STATUS` lines.
fn results(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test "))
        .filter_map(|l| l.split_once(" ... "))
        .map(|(name, status)| {
            let word = status.split_whitespace().next().unwrap_or("").to_string();
            (name.trim().to_string(), word)
        })
        .collect()
}

fn expected(names: &[&str]) -> BTreeMap<String, String> {
    EXPECTED
        .iter()
        .filter(|(n, _)| names.contains(n))
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect()
}

fn all_names() -> Vec<&'static str> {
    EXPECTED.iter().map(|(n, _)| *n).collect()
}

fn check(what: &str, ok: bool, out: &Output) -> Result<(), Failed> {
    if ok {
        return Ok(());
    }
    Err(format!(
        "{what}\nexit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
    .into())
}

/// The failure message libtest prints for `name` (`---- NAME ----` up to
/// the next section).
fn failure_of(stdout: &str, name: &str) -> Option<String> {
    let header = format!("---- {name} ----");
    let start = stdout.find(&header)? + header.len();
    let rest = &stdout[start..];
    let end = rest
        .find("\n---- ")
        .or_else(|| rest.find("\nfailures:"))
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

// ---------------------------------------------------------------------------
// Trials

fn list_names_the_files() -> Result<(), Failed> {
    let dir = fixture()?;
    let out = harness(dir.path(), &["--list", "--format", "terse"])?;
    let listed: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    let want: Vec<String> = all_names().iter().map(|n| format!("{n}: test")).collect();
    check(
        &format!("--list should name exactly the files: {want:?}"),
        out.status.success() && listed == want,
        &out,
    )?;
    check(
        "--list must not create a run directory",
        !dir.path().join(".state").exists(),
        &out,
    )
}

fn list_ignored() -> Result<(), Failed> {
    let dir = fixture()?;
    let out = harness(dir.path(), &["--list", "--format", "terse", "--ignored"])?;
    check(
        "--list --ignored should name only t/later.sh (skip in its header)",
        out.status.success() && text(&out.stdout) == "t/later.sh: test\n",
        &out,
    )
}

fn run_all() -> Result<(), Failed> {
    let dir = fixture()?;
    let out = harness(dir.path(), &["--test-threads", "4"])?;
    let got = results(&text(&out.stdout));
    let want = expected(&all_names());
    check(
        &format!("expected {want:?}, got {got:?}"),
        got == want && out.status.code() == Some(101),
        &out,
    )?;
    let stdout = text(&out.stdout);
    check(
        "exit 77 is ignored at run time with ptest's reason",
        stdout.contains("t/exit-77.sh ... ignored (skipped: exited with status 77)"),
        &out,
    )?;
    check(
        "test result line",
        stdout.contains("3 failed; 2 ignored"),
        &out,
    )
}

fn failure_message() -> Result<(), Failed> {
    let dir = fixture()?;
    let out = harness(dir.path(), &["--exact", "t/fail.sh"])?;
    let stdout = text(&out.stdout);
    let message = failure_of(&stdout, "t/fail.sh").unwrap_or_default();
    let first = message.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let wanted = [
        "exited with status 3",
        "── stdout, last line (",
        "│ first line of output",
        "── stderr, last line (",
        "│ boom on stderr",
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|w| !message.contains(w))
        .collect();
    check(
        &format!(
            "the message should start with ptest's FAIL line and contain {missing:?}:\n{message}"
        ),
        out.status.code() == Some(101)
            && first.starts_with("FAIL")
            && first.contains("t/fail.sh")
            && missing.is_empty(),
        &out,
    )?;
    // The tail names the kept log; the log is there.
    let log = message
        .lines()
        .find_map(|l| l.split_once("── stdout, last line (").map(|(_, p)| p))
        .and_then(|p| p.strip_suffix(')'))
        .unwrap_or("");
    check(
        &format!("the kept stdout log {log:?} exists in the fixture's state dir"),
        log.starts_with(".state/runs/") && dir.path().join(log).is_file(),
        &out,
    )
}

fn tap_failure_message() -> Result<(), Failed> {
    let dir = fixture()?;
    let out = harness(dir.path(), &["--exact", "t/not-ok.t"])?;
    let message = failure_of(&text(&out.stdout), "t/not-ok.t").unwrap_or_default();
    check(
        &format!("the reason and the failing TAP line:\n{message}"),
        message.contains("failed test 2") && message.contains("not ok 2 - the answer"),
        &out,
    )
}

fn timeout_message() -> Result<(), Failed> {
    let dir = fixture()?;
    let started = std::time::Instant::now();
    let out = harness(dir.path(), &["--exact", "t/hang.sh"])?;
    let message = failure_of(&text(&out.stdout), "t/hang.sh").unwrap_or_default();
    check(
        &format!("TIMEOUT after the header's 300ms, quickly:\n{message}"),
        message.trim_start().starts_with("TIMEOUT")
            && message.contains("timed out after 300ms")
            && started.elapsed() < Duration::from_secs(10),
        &out,
    )
}

fn filters() -> Result<(), Failed> {
    let dir = fixture()?;
    for (args, names) in [
        (vec!["pass"], vec!["t/pass.sh", "t/pass.t"]),
        (vec![".t"], vec!["t/not-ok.t", "t/pass.t"]),
        (vec!["--exact", "t/pass.sh"], vec!["t/pass.sh"]),
        (vec!["--exact", "t/pass"], vec![]),
        (
            vec!["--skip", "fail", "--skip", "hang", "--skip", "not-ok"],
            vec!["t/exit-77.sh", "t/later.sh", "t/pass.sh", "t/pass.t"],
        ),
    ] {
        let out = harness(dir.path(), &args)?;
        let got = results(&text(&out.stdout));
        let want = expected(&names);
        check(
            &format!("{args:?}: expected {want:?}, got {got:?}"),
            got == want,
            &out,
        )?;
    }
    Ok(())
}

fn ignored_filters() -> Result<(), Failed> {
    let dir = fixture()?;
    let out = harness(dir.path(), &["--ignored"])?;
    let got = results(&text(&out.stdout));
    let want: BTreeMap<String, String> = [("t/later.sh".to_string(), "ok".to_string())].into();
    check(
        &format!("--ignored runs the skip file (and it passes): {got:?}"),
        got == want && out.status.success(),
        &out,
    )?;
    let out = harness(dir.path(), &["--include-ignored", ".sh", "--skip", "fail"])?;
    let got = results(&text(&out.stdout));
    let mut want = expected(&["t/exit-77.sh", "t/hang.sh", "t/pass.sh"]);
    want.insert("t/later.sh".to_string(), "ok".to_string());
    check(
        &format!("--include-ignored runs the skip file with the others: {want:?}, got {got:?}"),
        got == want,
        &out,
    )
}

fn units_are_ids() -> Result<(), Failed> {
    let dir = fixture()?;
    let pattern = dir.path().join("t/*.sh");
    let units = Suite::new(&pattern)
        .config(None)
        .units()
        .map_err(|e| e.to_string())?;
    let root = dir.path().to_string_lossy().into_owned();
    let ids: Vec<String> = units
        .iter()
        .map(|u| u.id.as_str().trim_start_matches(&root).to_string())
        .collect();
    let want = [
        "/t/exit-77.sh",
        "/t/fail.sh",
        "/t/hang.sh",
        "/t/later.sh",
        "/t/pass.sh",
    ];
    if ids != want {
        return Err(format!("ids {ids:?}, expected {want:?}").into());
    }
    let later = units.iter().find(|u| u.id.ends_with("later.sh"));
    if later.and_then(|u| u.settings.skip.as_deref()) != Some("not today") {
        return Err(format!("the header's skip reason: {later:?}").into());
    }
    let trials = Suite::new(&pattern).config(None).trials();
    let ignored: Vec<&str> = trials
        .iter()
        .filter(|t| t.has_ignored_flag())
        .map(|t| t.name())
        .collect();
    if ignored.len() != 1 || !ignored[0].ends_with("t/later.sh") {
        return Err(format!("ignored trials: {ignored:?}").into());
    }
    Ok(())
}

fn bad_suite() -> Result<(), Failed> {
    let dir = fixture()?;
    for (suite, needle) in [
        (
            Suite::new(dir.path().join("t/*.nothing")),
            "no test files match",
        ),
        (Suite::new(dir.path().join("t/[*.t")), "invalid glob"),
        (Suite::new(dir.path().join("missing")), "path not found"),
    ] {
        let trials = suite.config(None).trials();
        let names: Vec<&str> = trials.iter().map(|t| t.name()).collect();
        if names != ["ptest::harness"] {
            return Err(format!("{needle}: trials {names:?}").into());
        }
        // libtest-mimic's report of this inner run goes to a file.
        let log = dir.path().join("inner.log").to_string_lossy().into_owned();
        let args = Arguments::from_iter(["harness", "--test-threads", "1", "--logfile", &log]);
        let conclusion = libtest_mimic::run(&args, trials);
        if conclusion.num_failed != 1 {
            return Err(format!("{needle}: the trial should fail: {conclusion:?}").into());
        }
    }
    match Suite::new(dir.path().join("t/*.nothing"))
        .config(None)
        .try_trials()
    {
        Err(err) if err.to_string().contains("no test files match") => Ok(()),
        Err(err) => Err(format!("unexpected error {err}").into()),
        Ok(trials) => Err(format!("{} trials for a glob matching nothing", trials.len()).into()),
    }
}

// ---------------------------------------------------------------------------
// nextest

/// `name → PASS|FAIL|TIMEOUT…` from nextest's status lines for this binary.
fn nextest_results(stderr: &str) -> BTreeMap<String, String> {
    let marker = " ptest::harness_api ";
    stderr
        .lines()
        .filter_map(|l| {
            let (head, name) = l.split_once(marker)?;
            let status = head.split_whitespace().next()?;
            Some((name.trim().to_string(), status.to_string()))
        })
        .filter(|(name, _)| name.starts_with("t/"))
        .collect()
}

fn nextest() -> Result<(), Failed> {
    if std::env::var_os("HARNESS_API_SKIP_NEXTEST").is_some_and(|v| v == "1") {
        return Ok(());
    }
    let dir = fixture()?;
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    let mut cmd = Command::new(&cargo);
    common::clean_env(&mut cmd);
    let out = cmd
        .args([
            "nextest",
            "run",
            "--test",
            "harness_api",
            "--no-fail-fast",
            "--color",
            "never",
            "--status-level",
            "all",
            "--final-status-level",
            "none",
            "--success-output",
            "never",
            "--failure-output",
            "never",
            "--no-tests",
            "pass",
        ])
        // Built with --release: nextest must find this same build.
        .args((!cfg!(debug_assertions)).then_some("--release"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(FIXTURE_VAR, dir.path())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {} nextest: {e}", cargo.display()))?;
    let stderr = text(&out.stderr);
    if stderr.contains("no such command: `nextest`") || stderr.contains("no such subcommand") {
        return Err("cargo-nextest is not installed: install it \
             (curl -LsSf https://get.nexte.st/latest/linux | tar zxf - -C ~/.cargo/bin) \
             or set HARNESS_API_SKIP_NEXTEST=1"
            .into());
    }
    let got = nextest_results(&stderr);
    // nextest runs each trial as `--exact NAME` in a process of its own: a
    // trial libtest-mimic ignores at run time (exit 77) exits 0 there, so
    // nextest shows it as PASS; skip-header files are listed as ignored and
    // not run (SKIP).
    let want: BTreeMap<String, String> = [
        ("t/exit-77.sh", "PASS"),
        ("t/fail.sh", "FAIL"),
        ("t/hang.sh", "FAIL"),
        ("t/later.sh", "SKIP"),
        ("t/not-ok.t", "FAIL"),
        ("t/pass.sh", "PASS"),
        ("t/pass.t", "PASS"),
    ]
    .into_iter()
    .map(|(n, s)| (n.to_string(), s.to_string()))
    .collect();
    check(
        &format!("nextest results: expected {want:?}, got {got:?}"),
        got == want && out.status.code() == Some(100),
        &out,
    )
}
