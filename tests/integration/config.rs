//! `ptest.toml`, profiles, headers, runners and `ptest explain`: the real
//! binary on temporary suites (see `tests/integration/common`).
//!
//! The precedence tables of the README are tested row by row through
//! `ptest explain`, which prints each resolved value with its source; the
//! runner recipes run end to end against the real tools (`python3 -m
//! pytest`, `bats`).

use crate::common::{text, Run, Suite};

/// The `value  source` of `key` in explain's block for `section` (`Run-wide
/// settings:` or a file id).
fn explained(run: &Run, section: &str, key: &str) -> String {
    let mut in_section = false;
    for line in run.stdout.lines() {
        if !line.starts_with(' ') {
            in_section = line.trim_end_matches(':') == section.trim_end_matches(':');
            continue;
        }
        let mut words = line.split_whitespace();
        if in_section && words.next() == Some(key) {
            return words.collect::<Vec<_>>().join(" ");
        }
    }
    panic!("no {key} under {section}\n{}", run.describe())
}

fn run_wide(run: &Run, key: &str) -> String {
    explained(run, "Run-wide settings", key)
}

fn a_suite() -> Suite {
    let s = Suite::new();
    s.file("t/a.sh", "exit 0\n");
    s
}

#[test]
fn run_wide_precedence_row_by_row() {
    let s = a_suite();
    let explain = |args: &[&str], env: Option<(&str, &str)>| {
        let mut cmd = s.ptest(&[&["explain", "t/a.sh"], args].concat());
        if let Some((k, v)) = env {
            cmd = cmd.env(k, v);
        }
        let run = cmd.run();
        run.expect_code(0);
        run_wide(&run, "state-dir")
    };
    // Built-in default.
    assert_eq!(explain(&[], None), ".ptest default");
    // [run].
    s.config("[run]\nstate-dir = \"from-run\"\n\n[profile.p]\nstate-dir = \"from-profile\"\n");
    assert_eq!(explain(&[], None), "from-run ptest.toml:2 [run]");
    // The selected profile beats [run].
    assert_eq!(
        explain(&["--profile", "p"], None),
        "from-profile ptest.toml:5 [profile.p]"
    );
    // PTEST_* beats the profile.
    assert_eq!(
        explain(&["--profile", "p"], Some(("PTEST_STATE_DIR", "from-env"))),
        "from-env environment PTEST_STATE_DIR"
    );
    // The command line beats everything.
    assert_eq!(
        explain(
            &["--profile", "p", "--state-dir", "from-cli"],
            Some(("PTEST_STATE_DIR", "from-env"))
        ),
        "from-cli command line"
    );
}

#[test]
fn per_file_precedence_row_by_row() {
    let s = a_suite();
    let timeout = |s: &Suite| {
        let run = s.run(&["explain", "t/a.sh"]);
        run.expect_code(0);
        explained(&run, "t/a.sh", "timeout")
    };
    // Built-in default: the run-wide value, which is the default.
    assert_eq!(timeout(&s), "none run-wide: default");
    // Run-wide value.
    s.config("[run]\ntimeout = \"5s\"\n");
    assert_eq!(timeout(&s), "5.0s run-wide: ptest.toml:2 [run]");
    // The last matching [[override]] beats the run-wide value and earlier ones.
    s.config(
        "[run]\ntimeout = \"5s\"\n\n[[override]]\npattern = \"*.sh\"\ntimeout = \"6s\"\n\n[[override]]\npattern = \"t/a.*\"\ntimeout = \"7s\"\n\n[[override]]\npattern = \"nomatch*\"\ntimeout = \"8s\"\n",
    );
    assert_eq!(timeout(&s), "7.0s ptest.toml:8 [[override]] \"t/a.*\"");
    // The header beats every override.
    s.file(
        "t/a.sh",
        "#!/bin/sh\n# ptest: timeout=9s exclusive\nexit 0\n",
    );
    assert_eq!(timeout(&s), "9.0s header t/a.sh:2");
    let run = s.run(&["explain", "t/a.sh"]);
    assert_eq!(
        explained(&run, "t/a.sh", "exclusive"),
        "true header t/a.sh:2"
    );
    assert_eq!(explained(&run, "t/a.sh", "weight"), "1 default");
}

#[test]
fn overrides_and_headers_fill_every_per_file_key() {
    let s = Suite::new();
    s.file("t/setup.sh", "exit 0\n");
    s.file(
        "t/db_one.sh",
        "# ptest: depends-on=setup.sh weight=2 skip=\"needs a db\"\nexit 0\n",
    );
    s.config(
        "[[override]]\npattern = \"**/db_*\"\ngroup = \"db\"\nretries = 2\nquarantine = true\nenv = { DB = \"one\" }\ndepends-on = [\"t/other.sh\"]\n\n[groups.db]\nmax-threads = 1\n",
    );
    let run = s.run(&["--list", "--explain"]);
    run.expect_code(0);
    let key = |k: &str| explained(&run, "t/db_one.sh", k);
    let origin = "ptest.toml:1 [[override]] \"**/db_*\"";
    assert_eq!(key("group"), format!("db {origin}"));
    assert_eq!(key("retries"), format!("2 {origin}"));
    assert_eq!(key("quarantine"), format!("true {origin}"));
    assert_eq!(key("env.DB"), format!("one {origin}"));
    // depends-on in a header is relative to the file and beats the override's.
    assert_eq!(key("depends-on"), "t/setup.sh header t/db_one.sh:1");
    assert_eq!(key("weight"), "2 header t/db_one.sh:1");
    assert_eq!(key("skip"), "needs a db header t/db_one.sh:1");
    assert_eq!(run_wide(&run, "groups.db"), "max-threads 1 ptest.toml");
    // The other file is untouched.
    assert_eq!(explained(&run, "t/setup.sh", "group"), "none default");
}

#[test]
fn config_errors_name_file_line_key_and_expectation() {
    let s = a_suite();
    s.config("[run]\njobs = 4\ntimeout = true\n");
    let run = s.run(&["t"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "ptest: error: ptest.toml:3: `run.timeout`: expected a duration such as \"30s\", \"1m30s\" or \"500ms\", found the boolean true\n"
    );
    s.config("[run]\n\njobs = = 3\n");
    let run = s.run(&["t"]);
    run.expect_code(2);
    assert!(
        run.stderr.starts_with("ptest: error: ptest.toml:3: "),
        "{}",
        run.describe()
    );
    s.config("[[runner]]\ncommand = [\"x\"]\n");
    let run = s.run(&["t"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "ptest: error: ptest.toml:1: [[runner]] needs `pattern`\n"
    );
}

#[test]
fn unknown_keys_are_warnings_and_the_run_goes_on() {
    let s = a_suite();
    s.config("[run]\njobs = 2\njbos = 3\n");
    let run = s.run_reports(&["t"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("ptest: warning: ptest.toml:3: unknown key `jbos` in [run] (ignored)\n"),
        "{}",
        run.describe()
    );
    assert_eq!(run.summary()["jobs"], 1, "capped at the number of files");
}

#[test]
fn the_config_is_found_in_a_parent_and_named_by_config() {
    let s = a_suite();
    s.config("[run]\ntimeout = \"3s\"\n");
    s.file("sub/other.toml", "[run]\ntimeout = \"4s\"\n");
    let run = s.run(&["explain", "t/a.sh"]);
    assert_eq!(run_wide(&run, "timeout"), "3.0s ptest.toml:2 [run]");
    let run = s.run(&["explain", "t/a.sh", "--config", "sub/other.toml"]);
    assert_eq!(run_wide(&run, "timeout"), "4.0s sub/other.toml:2 [run]");
    let run = s
        .ptest(&["explain", "t/a.sh"])
        .env("PTEST_CONFIG", "sub/other.toml")
        .run();
    assert_eq!(run_wide(&run, "timeout"), "4.0s sub/other.toml:2 [run]");
    // Found from a subdirectory: patterns stay relative to the file's directory.
    s.config("[[override]]\npattern = \"t/a.sh\"\ntimeout = \"2s\"\n");
    s.file("sub/.keep", "");
    let run = s.ptest(&["explain", "../t/a.sh"]).cwd("sub").run();
    run.expect_code(0);
    assert_eq!(
        explained(&run, "../t/a.sh", "timeout"),
        "2.0s ../ptest.toml:1 [[override]] \"t/a.sh\""
    );
    let run = s.run(&["t", "--config", "missing.toml"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "ptest: error: config file missing.toml not found (given by --config)\n"
    );
}

#[test]
fn the_ci_profile_is_chosen_by_ci_true_and_only_then() {
    let s = a_suite();
    s.config("[run]\njobs = 1\n\n[profile.ci]\njobs = 2\n\n[profile.fast]\njobs = 3\n");
    let jobs = |run: &Run| {
        run.expect_code(0);
        run_wide(run, "jobs")
    };
    assert_eq!(jobs(&s.run(&["explain", "t"])), "1 ptest.toml:2 [run]");
    let ci = s.ptest(&["explain", "t"]).env("CI", "true").run();
    assert_eq!(jobs(&ci), "2 ptest.toml:5 [profile.ci]");
    assert_eq!(run_wide(&ci, "profile"), "ci environment CI");
    let not_ci = s.ptest(&["explain", "t"]).env("CI", "false").run();
    assert_eq!(jobs(&not_ci), "1 ptest.toml:2 [run]");
    // An explicit profile beats CI=true.
    let fast = s
        .ptest(&["explain", "t"])
        .env("CI", "true")
        .env("PTEST_PROFILE", "fast")
        .run();
    assert_eq!(jobs(&fast), "3 ptest.toml:8 [profile.fast]");
    // An unknown profile is an error naming the ones that exist.
    let run = s.run(&["t", "--profile", "nightly"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "ptest: error: unknown profile `nightly` (from --profile); ptest.toml defines: ci, fast\n"
    );
}

#[test]
fn env_tables_and_the_env_flag_reach_every_child() {
    let s = Suite::new();
    s.file(
        "t/env.sh",
        "echo \"$FROM_RUN $FROM_PROFILE $FROM_CLI $SHARED $FROM_HEADER\" > \"$PTEST_TMPDIR/../../../../seen\"\n[ \"$FROM_RUN $FROM_PROFILE $FROM_CLI $SHARED $FROM_HEADER\" = \"run profile cli cli header\" ]\n# ptest: env.FROM_HEADER=header\n",
    );
    s.config(
        "[run]\nenv = { FROM_RUN = \"run\", SHARED = \"run\" }\n\n[profile.p]\nenv = { FROM_PROFILE = \"profile\", SHARED = \"profile\" }\n",
    );
    let run = s.run_reports(&[
        "t",
        "--profile",
        "p",
        "--env",
        "FROM_CLI=cli",
        "--env",
        "SHARED=cli",
    ]);
    run.expect_code(0);
    assert_eq!(
        run.verdicts(),
        [("t/env.sh".to_string(), "pass".to_string())]
    );
    let explain = s.run(&["explain", "t", "--profile", "p", "--env", "SHARED=cli"]);
    assert_eq!(run_wide(&explain, "env.SHARED"), "cli command line");
    assert_eq!(
        run_wide(&explain, "env.FROM_PROFILE"),
        "profile ptest.toml:5 [profile.p]"
    );
    let bad = s.run(&["t", "--env", "NOVALUE"]);
    bad.expect_code(2);
    assert!(
        bad.stderr.contains("expected NAME=VALUE"),
        "{}",
        bad.describe()
    );
}

#[test]
fn a_malformed_header_makes_that_file_an_error_and_the_run_goes_on() {
    let s = Suite::new();
    s.file("t/bad.sh", "#!/bin/sh\n\n# ptest: timeout=soon\nexit 0\n");
    s.file("t/good.sh", "exit 0\n");
    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            ("t/bad.sh".to_string(), "error".to_string()),
            ("t/good.sh".to_string(), "pass".to_string())
        ]
    );
    let reasons = run.file("t/bad.sh")["reasons"].to_string();
    assert!(
        reasons
            .contains("t/bad.sh: line 3: malformed ptest header: `timeout`: expected a duration"),
        "{reasons}"
    );
}

#[test]
fn a_runner_with_a_wrapper_and_the_files_directory() {
    let s = Suite::new();
    s.file(
        "t/sub/where.check",
        "[ \"$(basename \"$PWD\")\" = sub ] && [ \"$WRAPPED\" = 1 ] && [ -f \"$1\" ]\n",
    );
    s.file("t/plain.sh", "[ -z \"$WRAPPED\" ]\n");
    s.config(
        "[[runner]]\npattern = \"*.check\"\nwrapper = [\"env\", \"WRAPPED=1\"]\ncommand = [\"sh\", \"{file}\", \"{file}\"]\nprotocol = \"exit\"\ncwd = \"file\"\n",
    );
    let run = s.run_reports(&["t"]);
    run.expect_code(0);
    assert_eq!(
        run.verdicts(),
        [
            ("t/plain.sh".to_string(), "pass".to_string()),
            ("t/sub/where.check".to_string(), "pass".to_string())
        ]
    );
    assert_eq!(
        text(&run.file("t/sub/where.check")["protocol"]),
        "exit-code"
    );
    let explain = s.run(&["explain", "t/sub/where.check"]);
    assert_eq!(
        explained(&explain, "t/sub/where.check", "cwd"),
        "t/sub ptest.toml:1 [[runner]] \"*.check\""
    );
}

#[test]
fn a_junit_runner_that_writes_no_report_is_an_error() {
    let s = Suite::new();
    s.file("t/quiet.x", "exit 0\n");
    s.config(
        "[[runner]]\npattern = \"*.x\"\ncommand = [\"sh\", \"{file}\"]\nprotocol = \"junit\"\n",
    );
    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [("t/quiet.x".to_string(), "error".to_string())]
    );
    assert_eq!(
        run.file("t/quiet.x")["reasons"][0],
        "protocol junit: the test wrote no JUnit report to PTEST_JUNIT_FILE (it exited with status 0)"
    );
}

/// A runner with `protocol = "libtest"`: a script printing what a Rust test
/// binary run whole prints (many tests, output captured) gives a case per
/// test, and the failure's panic is the reason.
#[test]
fn a_libtest_runner_reads_a_whole_binarys_output() {
    let s = Suite::new();
    s.file(
        "t/rust.bin",
        "cat <<'EOF'\n\nrunning 3 tests\ntest tests::adds ... ok\ntest tests::db ... ignored, needs a database\ntest tests::fails ... FAILED\n\nfailures:\n\n---- tests::fails stdout ----\n\nthread 'tests::fails' panicked at src/lib.rs:10:5:\narithmetic is broken\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\nfailures:\n    tests::fails\n\ntest result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\nEOF\nexit 101\n",
    );
    s.file(
        "t/ok.bin",
        "printf 'running 2 tests\\ntest a ... ok\\ntest b ... ok\\n\\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\\n'\n",
    );
    s.config(
        "[[runner]]\npattern = \"*.bin\"\ncommand = [\"sh\", \"{file}\"]\nprotocol = \"libtest\"\n",
    );
    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            ("t/ok.bin".to_string(), "pass".to_string()),
            ("t/rust.bin".to_string(), "fail".to_string())
        ]
    );
    let rust = run.file("t/rust.bin");
    assert_eq!(rust["protocol"], "libtest");
    assert_eq!(
        rust["reasons"][0],
        "panicked at src/lib.rs:10:5: arithmetic is broken"
    );
    let cases: Vec<(String, String)> = rust["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| (text(&c["name"]), text(&c["status"])))
        .collect();
    assert_eq!(
        cases,
        [
            ("tests::adds".to_string(), "pass".to_string()),
            ("tests::db".to_string(), "skip".to_string()),
            ("tests::fails".to_string(), "fail".to_string())
        ]
    );
    assert_eq!(
        run.file("t/ok.bin")["cases"].as_array().map(Vec::len),
        Some(2)
    );
}

/// The README's pytest recipe, against the real pytest.
#[test]
fn pytest_recipe_end_to_end() {
    let s = Suite::new();
    s.file(
        "tests/test_math.py",
        "def test_adds():\n    assert 1 + 1 == 2\n\ndef test_breaks():\n    assert 1 + 1 == 3\n",
    );
    s.file("tests/test_ok.py", "def test_fine():\n    pass\n");
    s.config(
        "[[runner]]\npattern = \"test_*.py\"\ncommand = [\"python3\", \"-m\", \"pytest\", \"-q\", \"-p\", \"no:cacheprovider\", \"{file}\", \"--junitxml={junit}\"]\nprotocol = \"junit\"\n",
    );
    let run = s.run_reports(&["tests"]);
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            ("tests/test_math.py".to_string(), "fail".to_string()),
            ("tests/test_ok.py".to_string(), "pass".to_string())
        ]
    );
    let math = run.file("tests/test_math.py");
    assert_eq!(text(&math["protocol"]), "junit");
    let cases: Vec<(String, String)> = math["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| (text(&c["name"]), text(&c["status"])))
        .collect();
    assert_eq!(cases.len(), 2, "{cases:?}");
    assert!(
        cases
            .iter()
            .any(|(n, st)| n.ends_with("test_adds") && st == "pass"),
        "{cases:?}"
    );
    assert!(
        cases
            .iter()
            .any(|(n, st)| n.ends_with("test_breaks") && st == "fail"),
        "{cases:?}"
    );
}

/// The README's bats recipe, against the real bats.
#[test]
fn bats_recipe_end_to_end() {
    let s = Suite::new();
    s.file(
        "test/math.bats",
        "@test \"adds\" {\n  [ $((1 + 1)) -eq 2 ]\n}\n\n@test \"breaks\" {\n  [ $((1 + 1)) -eq 3 ]\n}\n",
    );
    s.file("test/ok.bats", "@test \"fine\" {\n  true\n}\n");
    s.config(
        "[[runner]]\npattern = \"*.bats\"\ncommand = [\"bats\", \"--tap\", \"{file}\"]\nprotocol = \"tap\"\n",
    );
    let run = s.run_reports(&["test"]);
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            ("test/math.bats".to_string(), "fail".to_string()),
            ("test/ok.bats".to_string(), "pass".to_string())
        ]
    );
    let cases: Vec<(String, String)> = run.file("test/math.bats")["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| (text(&c["name"]), text(&c["status"])))
        .collect();
    assert_eq!(
        cases,
        [
            ("adds".to_string(), "pass".to_string()),
            ("breaks".to_string(), "fail".to_string())
        ]
    );
}

#[test]
fn reserved_keys_warn_once_naming_where_they_were_set() {
    let s = a_suite();
    s.config("[run]\nretries = 2\nslow = \"5s\"\n");
    let run = s.run(&["t"]);
    run.expect_code(0);
    // Retries are implemented: no warning for them any more.
    assert!(!run.stderr.contains("retries"), "{}", run.describe());
    // `slow` is implemented (issue 8): no warning about it any more.
    assert!(
        !run.stderr.contains("slow is not implemented yet"),
        "{}",
        run.describe()
    );
    s.config("[run]\nretries = 0\n");
    let run = s.run(&["t"]);
    assert_eq!(run.stderr, "", "{}", run.describe());
}

#[test]
fn an_unknown_key_is_warned_about_exactly_once_whatever_the_command() {
    let s = a_suite();
    s.config("[run]\njbos = 3\n\n[profile.ci]\njobs = 1\n");
    let warning = "ptest: warning: ptest.toml:2: unknown key `jbos` in [run] (ignored)\n";
    let runs = [
        s.ptest(&["t"]).reports().run(),
        s.ptest(&["t"]).env("CI", "true").run(),
        s.ptest(&["t"]).pty().run(),
        s.run(&["--dry-run", "t"]),
        s.run(&["--list", "--explain", "t"]),
        s.run(&["explain", "t/a.sh"]),
    ];
    for run in &runs {
        run.expect_code(0);
        assert_eq!(
            run.output().matches(warning).count(),
            1,
            "{}",
            run.describe()
        );
    }
}

#[test]
fn a_group_without_max_threads_is_named_in_one_warning() {
    let s = a_suite();
    s.file("t/b.sh", "# ptest: group=db\nexit 0\n")
        .file("t/c.sh", "# ptest: group=db\nexit 0\n");
    let run = s.run(&["t"]);
    run.expect_code(0);
    // No ptest.toml here: the warning does not point at one (issue 17).
    let warning = "ptest: warning: group `db` is not sized: there is no ptest.toml (add one with [groups.db] max-threads = N): its files run one at a time\n";
    assert_eq!(run.stderr.matches(warning).count(), 1, "{}", run.describe());
    // A ptest.toml without the group: named, with its path.
    s.config("[run]\njobs = 2\n");
    let run = s.run(&["t"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("group `db` has no [groups.db] max-threads in ")
            && run
                .stderr
                .contains("ptest.toml: its files run one at a time"),
        "{}",
        run.describe()
    );
    // Defined: no warning.
    s.config("[groups.db]\nmax-threads = 2\n");
    let run = s.run(&["t"]);
    run.expect_code(0);
    assert!(
        !run.stderr.contains("has no [groups."),
        "{}",
        run.describe()
    );
}

/// Issue 15, bad input: an `env` name that is empty, holds `=`, or is a
/// variable ptest sets for every child is refused wherever it is written
/// (`[run]`, a profile, an `[[override]]`, a header, `--env`), naming the
/// file, line and key; nothing runs. Before, `"A=B" = "x"` smuggled a
/// second variable and `PTEST_FILE` silently beat ptest's own value.
#[test]
fn env_names_that_are_empty_hold_equals_or_belong_to_ptest_are_refused() {
    let s = Suite::new();
    s.file("t/a.sh", "touch .suite/ran\nexit 0\n");
    for (config, key, bad) in [
        (
            "[run]\nenv = { \"A=B\" = \"x\" }\n",
            "ptest.toml:2: `run.env`",
            "`A=B`",
        ),
        (
            "[run]\nenv = { \"\" = \"x\" }\n",
            "ptest.toml:2: `run.env`",
            "cannot be empty",
        ),
        (
            "[run]\njobs = 1\n\n[profile.p]\nenv = { PTEST_JUNIT_FILE = \"/tmp/x\" }\n",
            "ptest.toml:5: `profile.p.env`",
            "PTEST_JUNIT_FILE is set by ptest",
        ),
        (
            "[[override]]\npattern = \"t/a.sh\"\nenv = { PTEST_FILE = \"x\" }\n",
            "ptest.toml:3",
            "PTEST_FILE is set by ptest",
        ),
    ] {
        s.config(config);
        let run = s.run(&["t", "--profile", "p", "--no-history"]);
        let _ = config;
        assert_eq!(run.code, Some(2), "{config}: {}", run.describe());
        assert!(
            run.stderr.contains(key) && run.stderr.contains(bad),
            "{config}: {}",
            run.describe()
        );
        assert!(!s.path().join(".suite/ran").exists(), "nothing ran");
    }
    s.config("[profile.p]\n");
    s.file(
        "t/a.sh",
        "# ptest: env.PTEST_TMPDIR=/tmp\ntouch .suite/ran\nexit 0\n",
    );
    let run = s.run(&["t", "--no-history", "--profile", "p"]);
    assert_ne!(run.code, Some(0), "{}", run.describe());
    assert!(
        run.output().contains("PTEST_TMPDIR is set by ptest"),
        "{}",
        run.describe()
    );
    assert!(!s.path().join(".suite/ran").exists(), "nothing ran");
    s.file("t/a.sh", "touch .suite/ran\nexit 0\n");
    let run = s.run(&["t", "--no-history", "--env", "PTEST_WORKER=9"]);
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(
        run.stderr.contains("PTEST_WORKER=9") && run.stderr.contains("set by ptest"),
        "{}",
        run.describe()
    );
    assert!(!s.path().join(".suite/ran").exists(), "nothing ran");
}

/// Issue 15, bad input: `--profile NAME` (or `PTEST_PROFILE`) with no
/// `ptest.toml` at all is an error, as a profile the file lacks is; before,
/// it was silently ignored and the run went on without the profile.
#[test]
fn a_profile_named_without_any_ptest_toml_is_an_error() {
    let s = Suite::new();
    s.file("t/a.sh", "touch .suite/ran\nexit 0\n");
    let run = s.run(&["t", "--profile", "fast", "--no-history"]);
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(
        run.stderr
            .contains("unknown profile `fast` (from --profile); there is no ptest.toml in"),
        "{}",
        run.describe()
    );
    let run = s
        .ptest(&["t", "--no-history"])
        .env("PTEST_PROFILE", "ci")
        .run();
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(
        run.stderr
            .contains("unknown profile `ci` (from environment PTEST_PROFILE)"),
        "{}",
        run.describe()
    );
    assert!(!s.path().join(".suite/ran").exists(), "nothing ran");
    // With the file and the profile, it runs.
    s.config("[profile.fast]\njobs = 1\n");
    let run = s.run(&["t", "--profile", "fast", "--no-history"]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
}
