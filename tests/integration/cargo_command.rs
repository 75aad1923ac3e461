//! `ptest cargo` on a real workspace: `tests/fixtures/cargo-ws` (two
//! packages, no dependencies) built with the real cargo once per test
//! binary into one shared target directory under `CARGO_TARGET_TMPDIR`;
//! every run below rebuilds nothing, so it costs the listing and the tests.
//!
//! ptest runs in a fresh suite directory (its `.ptest/` goes there) with
//! `--manifest-path` pointing at the fixture.
//!
//! The attempt-dependent test (`calc tests::flaky`, which fails when
//! `PTEST_ATTEMPT=1`) FAILs on its one attempt, and is FLAKY under
//! `--retries 1`.

use crate::common;
use crate::common::{text, Suite};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// Every test of the fixture, by id.
const ALL: [&str; 11] = [
    "app::bin/app tests::greets",
    "app::cli runs_the_binary",
    "app::cli sees_the_build_scripts_out_dir",
    "app::cli tmpdir_is_set",
    "calc tests::adds",
    "calc tests::fails",
    "calc tests::flaky",
    "calc tests::ignored",
    "calc tests::knows_its_package",
    "calc tests::panics",
    "calc tests::slow",
];

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cargo-ws/Cargo.toml")
}

fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cargo-ws-target")
}

/// Builds the fixture once (later `cargo test --no-run` runs are fresh).
fn built() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["test", "--no-run", "--quiet", "--manifest-path"])
            .arg(manifest())
            .arg("--target-dir")
            .arg(target_dir())
            .status()
            .expect("run cargo");
        assert!(status.success(), "the fixture workspace does not build");
    });
}

/// `ptest cargo --manifest-path … --target-dir … ARGS` in `suite`.
fn ptest_cargo(suite: &Suite, args: &[&str], reports: bool) -> common::Run {
    built();
    let mut all: Vec<String> = vec![
        "cargo".into(),
        "--manifest-path".into(),
        manifest().display().to_string(),
        "--target-dir".into(),
        target_dir().display().to_string(),
    ];
    if reports {
        // Before ARGS, which may hold `--` (what follows are filters).
        let meta = suite.meta();
        all.extend([
            "--json".into(),
            meta.join("summary.json").display().to_string(),
            "--junit".into(),
            meta.join("junit.xml").display().to_string(),
        ]);
    }
    all.extend(args.iter().map(|a| a.to_string()));
    suite.ptest(&all).run()
}

fn ids(summary: &Value) -> BTreeSet<String> {
    common::verdicts_in(summary)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn every_test_runs_in_its_own_process_with_its_verdict() {
    let suite = Suite::new();
    let run = ptest_cargo(&suite, &["-j", "2"], true);
    run.expect_code(1);
    let verdicts = run.verdicts();
    let want: Vec<(String, String)> = [
        ("app::bin/app tests::greets", "pass"),
        ("app::cli runs_the_binary", "pass"),
        ("app::cli sees_the_build_scripts_out_dir", "pass"),
        ("app::cli tmpdir_is_set", "pass"),
        ("calc tests::adds", "pass"),
        ("calc tests::fails", "fail"),
        ("calc tests::flaky", "fail"),
        ("calc tests::ignored", "skip"),
        ("calc tests::knows_its_package", "pass"),
        ("calc tests::panics", "fail"),
        ("calc tests::slow", "pass"),
    ]
    .iter()
    .map(|(id, v)| (id.to_string(), v.to_string()))
    .collect();
    assert_eq!(verdicts, want, "{}", run.describe());
    let summary = run.summary();
    assert_eq!(summary["totals"]["files"]["passed"], 7);
    assert_eq!(summary["totals"]["files"]["failed"], 3);
    let panics = run.file("calc tests::panics");
    assert_eq!(panics["protocol"], "libtest");
    assert_eq!(panics["suite"], "calc");
    let reason = text(&panics["reasons"][0]);
    assert!(
        reason.starts_with("panicked at calc/src/lib.rs:")
            && reason.ends_with(": boom at the disco"),
        "{reason}"
    );
    let fails = text(&run.file("calc tests::fails")["reasons"][0]);
    assert!(fails.contains("arithmetic is broken"), "{fails}");
    assert!(text(&run.file("calc tests::ignored")["reasons"][0]).contains("ignored"));
    // CARGO_BIN_EXE_app, CARGO_MANIFEST_DIR as the cwd, CARGO_PKG_*,
    // OUT_DIR and a build script's rustc-env: the tests that check them
    // passed.
    assert!(
        run.stdout.contains("boom at the disco"),
        "{}",
        run.describe()
    );
}

#[test]
fn a_retried_rust_test_that_passes_on_its_second_attempt_is_flaky() {
    let suite = Suite::new();
    let run = ptest_cargo(
        &suite,
        &["--retries", "1", "--", "tests::flaky", "adds"],
        true,
    );
    run.expect_code(0);
    let flaky = run.file("calc tests::flaky");
    assert_eq!(flaky["verdict"], "flaky", "{}", run.describe());
    assert_eq!(flaky["attempts"], 2);
    assert_eq!(flaky["attempt_results"][0]["verdict"], "fail");
    assert_eq!(run.file("calc tests::adds")["attempts"], 1);
    assert!(run.stdout.contains("FLAKY 2/2"), "{}", run.describe());
    let fail = ptest_cargo(
        &suite,
        &["--retries", "1", "--flaky-fail", "--", "tests::flaky"],
        true,
    );
    fail.expect_code(1);
}

#[test]
fn junit_has_one_testsuite_per_binary_and_a_testcase_per_test() {
    let suite = Suite::new();
    let run = ptest_cargo(&suite, &["-j", "2"], true);
    let xml = run.junit_text();
    let suites: Vec<&str> = xml
        .match_indices("<testsuite name=\"")
        .map(|(i, m)| {
            let rest = &xml[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(suites, ["app::bin/app", "app::cli", "calc"], "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 11, "{xml}");
    assert!(
        xml.contains(r#"<testcase name="tests::panics" classname="calc""#),
        "{xml}"
    );
    assert!(xml.contains(r#"name="calc" tests="7""#), "{xml}");
}

#[test]
fn filters_select_tests_as_libtest_does_and_passing_ones_exit_0() {
    let suite = Suite::new();
    let run = ptest_cargo(&suite, &["--", "adds", "greets"], true);
    run.expect_code(0);
    assert_eq!(
        ids(run.summary()),
        BTreeSet::from([
            "app::bin/app tests::greets".to_string(),
            "calc tests::adds".into()
        ])
    );
    let exact = ptest_cargo(&suite, &["--exact", "tests::adds", "tests::fa"], true);
    exact.expect_code(0);
    assert_eq!(
        ids(exact.summary()),
        BTreeSet::from(["calc tests::adds".to_string()])
    );
    // Every calc test path with an `a` in it is left out.
    let skip = ptest_cargo(&suite, &["-p", "calc", "--skip", "a"], true);
    assert_eq!(
        ids(skip.summary()),
        BTreeSet::from(["calc tests::ignored".to_string(), "calc tests::slow".into()])
    );
}

#[test]
fn a_build_failure_shows_cargos_diagnostics_and_exits_2() {
    let suite = Suite::new();
    let run = ptest_cargo(&suite, &["--features", "calc/broken"], false);
    run.expect_code(2);
    assert!(
        run.stderr.contains("the `broken` feature does not build"),
        "{}",
        run.describe()
    );
    assert!(
        run.stderr.contains("ptest: error: the build failed"),
        "{}",
        run.describe()
    );
}

#[test]
fn two_shards_partition_the_tests_exactly() {
    let suite = Suite::new();
    let one = ptest_cargo(&suite, &["--shard", "1/2"], true);
    let one = ids(one.summary());
    let two = ptest_cargo(&suite, &["--shard", "2/2"], true);
    let two = ids(two.summary());
    assert!(one.is_disjoint(&two), "{one:?} {two:?}");
    let union: BTreeSet<String> = one.union(&two).cloned().collect();
    let all: BTreeSet<String> = ALL.iter().map(|s| s.to_string()).collect();
    assert_eq!(union, all);
    assert!(!one.is_empty() && !two.is_empty());
}

#[test]
fn run_ignored_only_and_all() {
    let suite = Suite::new();
    let only = ptest_cargo(&suite, &["--run-ignored", "only"], true);
    only.expect_code(0);
    assert_eq!(
        only.verdicts(),
        [("calc tests::ignored".to_string(), "pass".to_string())]
    );
    let all = ptest_cargo(
        &suite,
        &["--run-ignored", "all", "-p", "calc", "ignored", "adds"],
        true,
    );
    all.expect_code(0);
    assert_eq!(
        all.verdicts(),
        [
            ("calc tests::adds".to_string(), "pass".to_string()),
            ("calc tests::ignored".to_string(), "pass".to_string())
        ]
    );
}

#[test]
fn list_prints_the_tests_without_running_them() {
    let suite = Suite::new();
    let run = ptest_cargo(&suite, &["--list"], false);
    run.expect_code(0);
    for id in ALL {
        assert!(run.stdout.contains(id), "{id}\n{}", run.describe());
    }
    assert!(run.stdout.contains("libtest"), "{}", run.describe());
    assert!(!suite.path().join(".ptest/runs").exists());
}

#[test]
fn overrides_match_test_ids() {
    let suite = Suite::new();
    suite.config("[[override]]\npattern = \"calc *slow\"\ntimeout = \"300ms\"\n");
    let run = ptest_cargo(&suite, &["-p", "calc", "slow", "adds"], true);
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            ("calc tests::adds".to_string(), "pass".to_string()),
            ("calc tests::slow".to_string(), "timeout".to_string())
        ],
        "{}",
        run.describe()
    );
}

#[test]
fn the_second_run_knows_the_durations_from_the_history() {
    let suite = Suite::new();
    ptest_cargo(&suite, &["-p", "calc", "slow", "adds"], false).expect_code(0);
    let history = suite.json(".ptest/history.json");
    let files = &history["files"];
    assert!(files.get("calc tests::slow").is_some(), "{history:#}");
    let dry = ptest_cargo(&suite, &["-p", "calc", "slow", "adds", "--dry-run"], false);
    dry.expect_code(0);
    // Slowest first.
    let slow = dry.stdout.find("calc tests::slow").unwrap();
    let adds = dry.stdout.find("calc tests::adds").unwrap();
    assert!(slow < adds, "{}", dry.describe());
}

#[test]
fn the_console_calls_rust_tests_tests_not_files() {
    let suite = Suite::new();
    let run = ptest_cargo(&suite, &["-j", "2", "--", "tests::adds", "slow"], true);
    run.expect_code(0);
    let out = &run.stdout;
    assert!(
        out.contains("Running 2 tests on 2 jobs"),
        "{}",
        run.describe()
    );
    assert!(out.contains("\nSlowest tests:\n"), "{}", run.describe());
    assert!(
        out.contains("\nTests:  2 passed, 2 total\n"),
        "{}",
        run.describe()
    );
    assert!(out.contains(" in tests"), "{}", run.describe());
    assert!(!out.contains("Files:"), "{}", run.describe());
    assert!(!out.contains("files"), "{}", run.describe());
    assert!(!out.contains("longest file"), "{}", run.describe());
    assert_eq!(run.summary()["units"], "test");
}

#[test]
fn list_dry_run_and_explain_show_each_tests_command() {
    let suite = Suite::new();
    let list = ptest_cargo(&suite, &["--list", "--", "tests::adds"], false);
    list.expect_code(0);
    let line = list
        .stdout
        .lines()
        .find(|l| l.starts_with("calc tests::adds"))
        .unwrap_or_else(|| panic!("{}", list.describe()));
    assert!(!line.contains("(direct)"), "{line}");
    assert!(line.contains(" --exact tests::adds --nocapture"), "{line}");
    // The binary by its file name (calc-HASH), not its whole path.
    assert!(line.contains("  calc-"), "{line}");
    assert!(!line.contains("/deps/"), "{line}");
    let explain = ptest_cargo(&suite, &["--list", "--explain", "--", "tests::adds"], false);
    explain.expect_code(0);
    let command = explain
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("command "))
        .unwrap_or_else(|| panic!("{}", explain.describe()));
    assert!(command.contains("/deps/calc-"), "{command}");
    assert!(command.contains("ptest cargo"), "{command}");
    let dry = ptest_cargo(&suite, &["--dry-run", "--", "tests::adds"], false);
    dry.expect_code(0);
    assert!(dry.stdout.contains("tests:"), "{}", dry.describe());
    assert!(!dry.stdout.contains("files:"), "{}", dry.describe());
}

#[test]
fn options_for_test_files_are_refused_and_not_in_the_help() {
    let suite = Suite::new();
    for option in [
        &["--exec", "perl"][..],
        &["-I", "lib"],
        &["--include", "*.t"],
    ] {
        let mut args = vec!["cargo"];
        args.extend(option);
        let run = suite.ptest(&args).run();
        run.expect_code(2);
        assert!(
            run.stderr
                .contains(&format!("{} chooses or starts test files", option[0])),
            "{}",
            run.describe()
        );
    }
    let help = suite.ptest(&["cargo", "--help"]).run();
    help.expect_code(0);
    for hidden in ["--exec", "--include", "--exclude", "--no-lib"] {
        assert!(
            !help.stdout.contains(hidden),
            "{hidden} in\n{}",
            help.stdout
        );
    }
    assert!(help.stdout.contains("cargo test --doc"), "{}", help.stdout);
}

/// `process::exit` inside a test (`--features calc/exits`): status 101
/// with no panic, no `FAILED` and no `test result:` line is a FAIL, and so
/// are status 3 and status 0 before the assertion: libtest never reported
/// the test. In the JSON summary, the history and the JUnit report alike.
#[test]
fn a_test_that_exits_before_libtest_reports_it_is_not_a_pass() {
    let suite = Suite::new();
    let run = ptest_cargo(
        &suite,
        &["--features", "calc/exits", "-p", "calc", "--", "exits::"],
        true,
    );
    run.expect_code(1);
    let want: Vec<(String, String)> = [
        ("calc exits::exit_0_before_the_assertion", "fail"),
        ("calc exits::exit_101", "fail"),
        ("calc exits::exit_3", "fail"),
        ("calc exits::passes", "pass"),
    ]
    .iter()
    .map(|(id, v)| (id.to_string(), v.to_string()))
    .collect();
    assert_eq!(run.verdicts(), want, "{}", run.describe());
    let reason = |id: &str| text(&run.file(id)["reasons"][0]);
    assert_eq!(
        reason("calc exits::exit_101"),
        "exited with status 101 without libtest reporting `exits::exit_101` (no `test result:` line)"
    );
    assert_eq!(
        reason("calc exits::exit_0_before_the_assertion"),
        "the test process exited 0 without libtest reporting `exits::exit_0_before_the_assertion` (no `test result:` line)"
    );
    assert!(
        reason("calc exits::exit_3").starts_with("exited with status 3 "),
        "{}",
        run.describe()
    );
    let history = suite.json(".ptest/history.json");
    for id in [
        "calc exits::exit_101",
        "calc exits::exit_0_before_the_assertion",
    ] {
        assert_eq!(
            history["files"][id]["runs"][0]["verdict"], "fail",
            "{id}: {history:#}"
        );
    }
}

/// The fixture's `calc` test binary built with `--features exits` (its
/// path, from cargo's JSON messages).
fn exits_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                .args(["test", "--no-run", "--quiet", "--message-format=json"])
                .args(["--features", "calc/exits", "-p", "calc", "--lib"])
                .arg("--manifest-path")
                .arg(manifest())
                .arg("--target-dir")
                .arg(target_dir())
                .output()
                .expect("run cargo");
            assert!(out.status.success(), "the fixture workspace does not build");
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .find_map(|m| m["executable"].as_str().map(PathBuf::from))
                .expect("cargo names the test executable")
        })
        .clone()
}

/// A `[[runner]]` with `protocol = "libtest"` running a real Rust test
/// binary: a test that ends the process (status 0 or 101) before libtest
/// reports it is not a pass there either, nor is a whole binary that
/// stops before its `test result:` line.
#[test]
fn a_libtest_runner_does_not_pass_a_binary_that_exits_before_reporting() {
    let suite = Suite::new();
    let binary = exits_binary();
    let bin = binary.display();
    for (file, args) in [
        ("t/exit0.rt", "--exact exits::exit_0_before_the_assertion"),
        ("t/exit101.rt", "--exact exits::exit_101"),
        ("t/passes.rt", "--exact exits::passes"),
        ("t/whole.rt", "--test-threads 1 exits::"),
    ] {
        suite.file(file, &format!("exec '{bin}' {args}\n"));
    }
    suite.config(
        "[[runner]]\npattern = \"*.rt\"\ncommand = [\"sh\", \"{file}\"]\nprotocol = \"libtest\"\n",
    );
    let run = suite.run_reports(&["t"]);
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            ("t/exit0.rt".to_string(), "fail".to_string()),
            ("t/exit101.rt".to_string(), "fail".to_string()),
            ("t/passes.rt".to_string(), "pass".to_string()),
            ("t/whole.rt".to_string(), "fail".to_string()),
        ],
        "{}",
        run.describe()
    );
    let reason = |id: &str| text(&run.file(id)["reasons"][0]);
    assert!(
        reason("t/exit0.rt").starts_with("the test process exited 0 "),
        "{}",
        run.describe()
    );
    assert!(
        reason("t/exit101.rt").starts_with("exited with status 101 "),
        "{}",
        run.describe()
    );
    assert!(
        // With one test thread libtest names a test as it starts it.
        reason("t/whole.rt")
            .contains("without libtest reporting `exits::exit_0_before_the_assertion`"),
        "{}",
        run.describe()
    );
}

/// Every test in every report (issue 15, item 4): tests that ended their
/// process before libtest reported them have no parsed case, and still
/// count in JSON `totals.tests` and have a `<testcase>` in `--junit`, as
/// the console counts them.
#[test]
fn tests_without_a_libtest_case_are_in_every_report() {
    let suite = Suite::new();
    let run = ptest_cargo(
        &suite,
        &["--features", "calc/exits", "-p", "calc", "--", "exits::"],
        true,
    );
    run.expect_code(1);
    assert!(
        run.stdout.contains("Tests:  1 passed, 3 failed, 4 total"),
        "{}",
        run.describe()
    );
    let totals = &run.summary()["totals"]["tests"];
    assert_eq!(
        (totals["total"].as_u64(), totals["failed"].as_u64()),
        (Some(4), Some(3)),
        "{totals}"
    );
    let xml = run.junit_text();
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
    assert!(
        xml.contains(r#"<testsuites name="ptest" tests="4" skipped="0" failures="3""#),
        "{xml}"
    );
    for name in [
        "exits::exit_101",
        "exits::exit_0_before_the_assertion",
        "exits::exit_3",
        "exits::passes",
    ] {
        assert!(
            xml.contains(&format!(r#"<testcase name="{name}" classname="calc""#)),
            "{name}\n{xml}"
        );
    }
}

/// After `--`, libtest's `--exact`, `--skip PATTERN`, `--ignored` and
/// `--include-ignored` mean what they mean to libtest and nextest (they
/// were filters: `-- --exact NAME` ran every test whose path contains
/// NAME); libtest's other options are refused, not read as filters.
#[test]
fn libtest_options_after_the_double_dash_are_options_not_filters() {
    let suite = Suite::new();
    let exact = ptest_cargo(&suite, &["--", "--exact", "tests::adds", "tests::fa"], true);
    exact.expect_code(0);
    assert_eq!(
        ids(exact.summary()),
        BTreeSet::from(["calc tests::adds".to_string()]),
        "{}",
        exact.describe()
    );
    let skip = ptest_cargo(&suite, &["-p", "calc", "--", "--skip", "a"], true);
    assert_eq!(
        ids(skip.summary()),
        BTreeSet::from(["calc tests::ignored".to_string(), "calc tests::slow".into()]),
        "{}",
        skip.describe()
    );
    let skip_eq = ptest_cargo(
        &suite,
        &[
            "-p",
            "calc",
            "--",
            "--skip=a",
            "--exact",
            "--skip",
            "tests::slow",
        ],
        true,
    );
    // With --exact, `a` names no whole path: only tests::slow is left out.
    let want: BTreeSet<String> = ALL
        .iter()
        .filter(|id| id.starts_with("calc ") && **id != "calc tests::slow")
        .map(|id| id.to_string())
        .collect();
    assert_eq!(ids(skip_eq.summary()), want, "{}", skip_eq.describe());
    let only = ptest_cargo(&suite, &["--", "--ignored"], true);
    only.expect_code(0);
    assert_eq!(
        only.verdicts(),
        [("calc tests::ignored".to_string(), "pass".to_string())],
        "{}",
        only.describe()
    );
    let all = ptest_cargo(
        &suite,
        &["-p", "calc", "--", "--include-ignored", "ignored", "adds"],
        true,
    );
    all.expect_code(0);
    assert_eq!(
        all.verdicts(),
        [
            ("calc tests::adds".to_string(), "pass".to_string()),
            ("calc tests::ignored".to_string(), "pass".to_string())
        ],
        "{}",
        all.describe()
    );
    let threads = ptest_cargo(&suite, &["--", "--test-threads=1", "adds"], false);
    threads.expect_code(2);
    assert!(
        threads.stderr.contains("`--test-threads=1` after `--`"),
        "{}",
        threads.describe()
    );
}

/// Target selection as `cargo test` takes it: `--bin NAME`, `--bins`,
/// `--lib`, `--test NAME`, `--tests`, `--example NAME`, `--examples` (a
/// binary's name was only a test-path filter and found nothing).
#[test]
fn target_selection_picks_the_test_binaries() {
    let suite = Suite::new();
    let run = |args: &[&str]| {
        let mut all = vec!["--list"];
        all.extend(args);
        let run = ptest_cargo(&suite, &all, false);
        run.expect_code(0);
        let listed: BTreeSet<String> = run
            .stdout
            .lines()
            .filter(|l| l.starts_with("app") || l.starts_with("calc"))
            .filter_map(|l| l.split("  ").next().map(|id| id.trim().to_string()))
            .collect();
        (listed, run.describe())
    };
    let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let (bin, why) = run(&["--bin", "app"]);
    assert_eq!(bin, set(&["app::bin/app tests::greets"]), "{why}");
    let (bins, why) = run(&["--bins"]);
    assert_eq!(bins, set(&["app::bin/app tests::greets"]), "{why}");
    let (test, why) = run(&["--test", "cli"]);
    let cli = set(&[
        "app::cli runs_the_binary",
        "app::cli sees_the_build_scripts_out_dir",
        "app::cli tmpdir_is_set",
    ]);
    assert_eq!(test, cli, "{why}");
    let (tests, why) = run(&["--tests"]);
    assert!(cli.is_subset(&tests), "{why}");
    assert!(!tests.iter().any(|id| id.contains("example")), "{why}");
    let (lib, why) = run(&["--lib", "-p", "calc"]);
    assert_eq!(lib.len(), 7, "{why}");
    assert!(lib.iter().all(|id| id.starts_with("calc ")), "{why}");
    let (example, why) = run(&["--example", "demo"]);
    assert_eq!(
        example,
        set(&["app::example/demo tests::demo_works"]),
        "{why}"
    );
    let (examples, why) = run(&["--examples"]);
    assert_eq!(
        examples,
        set(&["app::example/demo tests::demo_works"]),
        "{why}"
    );
    // And it runs: the selected binary's test passes.
    let ran = ptest_cargo(&suite, &["--bin", "app"], true);
    ran.expect_code(0);
    assert_eq!(
        ran.verdicts(),
        [("app::bin/app tests::greets".to_string(), "pass".to_string())]
    );
}
