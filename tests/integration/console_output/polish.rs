//! Console polish (issue 17): what a new user tripped on. Each test runs
//! the real binary on real child processes and reads what it printed.

use crate::common::{Run, Suite};
use std::path::PathBuf;
use std::process::Command;

/// The labels a file line can start with.
const LABELS: [&str; 9] = [
    "PASS",
    "FAIL",
    "SKIP",
    "TIMEOUT",
    "ERROR",
    "NOT RUN",
    "INTERRUPTED",
    "FLAKY",
    "QUARANTINED",
];

/// The per-file lines of a run (not the details under them, not the
/// summary).
fn file_lines(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| LABELS.iter().any(|label| l.starts_with(label)))
        .collect()
}

/// Where the id (`t/…`) starts in a line.
fn id_column(line: &str) -> usize {
    line.find(" t/").map_or(usize::MAX, |i| i + 1)
}

#[test]
fn every_label_keeps_the_duration_and_id_columns_in_place() {
    let s = Suite::new();
    s.config(
        "[[override]]\npattern = \"t/f_long.sh\"\ntimeout = \"60s\"\n\n\
         [quarantine]\nfiles = [\"t/d_quarantined.sh\"]\n",
    )
    .file("t/a_pass.sh", "exit 0\n")
    .file("t/b_fail.sh", "echo broken >&2\nexit 1\n")
    .file("t/c_flaky.sh", "[ \"$PTEST_ATTEMPT\" -gt 1 ]\n")
    .file("t/d_quarantined.sh", "exit 1\n")
    .file("t/e_hang.sh", "exec sleep 30\n")
    .file("t/f_long.sh", "exec sleep 30\n");
    let run = s.run_reports(&[
        "t",
        "-j",
        "6",
        "--retries",
        "2",
        "--timeout",
        "1s",
        "--global-timeout",
        "8s",
        "--grace",
        "200ms",
    ]);
    run.expect_code(1);
    let lines = file_lines(&run);
    for label in [
        "PASS ",
        "FAIL 1/3 ",
        "FAIL 3/3 ",
        "FLAKY 2/3 ",
        "QUARANTINED FAIL ",
        "TIMEOUT 1/3 ",
        "TIMEOUT 3/3 ",
        "INTERRUPTED ",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(label)),
            "no {label:?} line:\n{}",
            run.stdout
        );
    }
    // Every id in one column, every duration ending in one column.
    let column = id_column(lines[0]);
    for line in &lines {
        assert_eq!(id_column(line), column, "{line:?} in\n{}", run.stdout);
        if !line.starts_with("NOT RUN") {
            assert!(
                line[..column - 2].ends_with(|c: char| c.is_ascii_alphanumeric()),
                "the duration does not end its column: {line:?}"
            );
        }
    }
    // The summary's failure list is aligned too.
    let failures: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| *l != "Failures:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(failures.len() >= 2, "{}", run.stdout);
    let column = id_column(failures[0]);
    for line in &failures {
        assert_eq!(id_column(line), column, "{line:?} in\n{}", run.stdout);
    }
}

#[test]
fn quiet_still_shows_flaky_files() {
    let s = Suite::new();
    s.file("t/flaky.sh", "[ \"$PTEST_ATTEMPT\" -gt 1 ]\n")
        .file("t/ok.sh", "exit 0\n");
    let run = s.run(&["t", "-q", "--retries", "1"]);
    run.expect_code(0);
    let lines = file_lines(&run);
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(lines[0].starts_with("FLAKY 2/2 "), "{}", run.stdout);
    assert!(lines[0].contains("t/flaky.sh"), "{}", run.stdout);
    // -q still leaves out the passing file and the retry line.
    assert!(!run.stdout.contains("t/ok.sh"), "{}", run.stdout);
    assert!(!run.stdout.contains("retrying"), "{}", run.stdout);
}

#[test]
fn repeat_failures_name_their_iterations() {
    let s = Suite::new();
    s.file(
        "t/flaky.sh",
        "echo 1..2\necho ok 1\n\
         if [ $((PTEST_ITERATION % 3)) -eq 0 ]; then echo 'not ok 2'; else echo ok 2; fi\n",
    )
    .file(
        "t/odd.sh",
        "echo 1..1\nif [ $((PTEST_ITERATION % 2)) -eq 1 ]; then echo 'not ok 1'; exit 1; fi\necho ok 1\n",
    );
    let run = s.run(&["t", "--repeat", "7", "-j", "2"]);
    run.expect_code(1);
    let failures: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| *l != "Failures:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    // One line per file and way of failing, naming the iterations.
    assert_eq!(failures.len(), 2, "{}", run.stdout);
    let flaky = failures
        .iter()
        .find(|l| l.contains("t/flaky.sh"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(flaky.ends_with("[iterations 3, 6]"), "{flaky}");
    let odd = failures
        .iter()
        .find(|l| l.contains("t/odd.sh"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(odd.ends_with("[iterations 1, 3, 5, 7]"), "{odd}");
}

#[test]
fn the_totals_read_as_a_sentence() {
    let s = Suite::new();
    s.file(
        "t/flips.sh",
        "echo 1..1\nif [ \"$PTEST_ATTEMPT\" -gt 1 ]; then echo 'ok 1 - cache'; else echo 'not ok 1 - cache'; fi\n",
    );
    let run = s.run(&["t", "--retries", "1"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("\nFiles:  1 flaky (1 test), 1 total\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\nTests:  1 passed, 1 total\n"),
        "{}",
        run.stdout
    );

    let s = Suite::new();
    s.file("t/bad.sh", "echo 1..2\necho not ok 1\necho not ok 2\n");
    let run = s.run(&["t"]);
    run.expect_code(1);
    // No `0 passed`, and the total is one more item of the list.
    assert!(
        run.stdout
            .contains("\nFiles:  1 failed, 1 total\nTests:  2 failed, 2 total\n"),
        "{}",
        run.stdout
    );
}

/// `ptest cargo` on the fixture workspace (built once, in the target
/// directory tests/cargo.rs uses too).
fn ptest_cargo(suite: &Suite, env: &[(&str, &str)], args: &[&str]) -> Run {
    let manifest =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cargo-ws/Cargo.toml");
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cargo-ws-target");
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["test", "--no-run", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("run cargo");
    assert!(status.success(), "the fixture workspace does not build");
    let mut all: Vec<String> = vec![
        "cargo".into(),
        "--manifest-path".into(),
        manifest.display().to_string(),
        "--target-dir".into(),
        target.display().to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    let mut cmd = suite.ptest(&all);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    cmd.run()
}

#[test]
fn a_rust_panic_is_shown_once_with_its_location_and_survives_a_long_backtrace() {
    let suite = Suite::new();
    let run = ptest_cargo(
        &suite,
        &[("RUST_BACKTRACE", "full")],
        &["--", "tests::panics"],
    );
    run.expect_code(1);
    let out = &run.stdout;
    let live: &str = out.split("\nFailures:\n").next().unwrap_or_default();
    // The file line has the panic with its location; the details do not
    // repeat it as a test line or diagnostics.
    let line = live
        .lines()
        .find(|l| l.starts_with("FAIL"))
        .unwrap_or_else(|| panic!("{}", run.describe()));
    assert!(
        line.contains("panicked at calc/src/lib.rs:") || line.contains("panicked at src/lib.rs:"),
        "{line}"
    );
    assert!(line.contains("boom at the disco"), "{line}");
    assert_eq!(
        live.matches("boom at the disco").count(),
        2,
        "once on the line, once in the output where it happened:\n{}",
        run.describe()
    );
    // The long backtrace did not push the `panicked at` line out.
    assert!(
        live.contains("the panic and the last 20 lines"),
        "{}",
        run.describe()
    );
    assert!(
        live.lines()
            .any(|l| l.contains("│ thread 'tests::panics'") && l.contains("panicked at")),
        "{}",
        run.describe()
    );
    // libtest's boilerplate is gone from the output.
    for boilerplate in [
        "running 1 test",
        "test result:",
        "│ failures:",
        "note: run with `RUST_BACKTRACE=1`",
    ] {
        assert!(
            !live.contains(boilerplate),
            "{boilerplate}: {}",
            run.describe()
        );
    }
}

#[test]
fn cargo_log_paths_have_no_spaces_or_colons() {
    let suite = Suite::new();
    let run = ptest_cargo(&suite, &[], &["--", "tests::fails"]);
    run.expect_code(1);
    let headers: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("── std"))
        .collect();
    assert!(!headers.is_empty(), "{}", run.describe());
    for header in headers {
        let path = header
            .rsplit_once(" (")
            .map(|(_, p)| p.trim_end_matches(')'))
            .unwrap_or_else(|| panic!("no log path: {header}"));
        assert!(
            path.ends_with("/calc+tests~fails.1.stdout")
                || path.ends_with("/calc+tests~fails.1.stderr"),
            "{path}"
        );
        assert!(!path.contains([' ', ':']), "{path}");
        assert!(suite.path().join(path).is_file(), "{path} is not the log");
    }
}

#[test]
fn nothing_found_names_the_default_directory_it_looked_in() {
    let s = Suite::new();
    s.file("t/README", "not a test\n");
    let run = s.run::<&str>(&[]);
    run.expect_code(4);
    assert!(
        run.stderr
            .contains("no test files found in the default test directory, t/ ("),
        "{}",
        run.describe()
    );
}

#[test]
fn ptest_cargo_failed_says_tests() {
    let suite = Suite::new();
    ptest_cargo(&suite, &[], &["--", "tests::fails", "tests::adds"]).expect_code(1);
    let run = ptest_cargo(
        &suite,
        &[],
        &["--failed", "--", "tests::fails", "tests::adds"],
    );
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("--failed: running 1 test that did not pass in its last recorded run"),
        "{}",
        run.describe()
    );
}

#[test]
fn a_timeout_line_shows_one_number() {
    use ptest::outcome::ChildStatus;
    use ptest::outcome::{UnitSummary, Verdict};
    use ptest::report::console::{render_file_line, Palette};
    use std::time::Duration;
    let mut f = UnitSummary::not_run("t/h.sh".into(), "t/h.sh".into(), "");
    f.verdict = Verdict::Timeout;
    f.status = Some(ChildStatus::TimedOut {
        after: Duration::from_secs(1),
    });
    f.reasons = vec!["timed out after 1.0s".into()];
    f.duration = Some(Duration::from_millis(999));
    let line = render_file_line(&f, &Palette::new(false));
    assert_eq!(line, "TIMEOUT    1.0s  t/h.sh  timed out after 1.0s\n");
    // A child that outlived its grace period: the time it really took.
    f.duration = Some(Duration::from_millis(3400));
    let line = render_file_line(&f, &Palette::new(false));
    assert!(line.starts_with("TIMEOUT    3.4s  t/h.sh"), "{line}");
}

#[test]
fn dry_run_does_not_call_a_file_long_for_its_timeout() {
    let s = Suite::new();
    s.file("t/hang.sh", "exec sleep 30\n");
    for i in 0..3 {
        s.file(format!("t/ok{i}.sh"), "exit 0\n");
    }
    s.run(&["t", "-j", "2", "--timeout", "1s", "--grace", "100ms"])
        .expect_code(1);
    let run = s.run(&["t", "-j", "2", "--timeout", "1s", "--dry-run"]);
    run.expect_code(0);
    assert!(
        !run.stdout.contains("consider splitting"),
        "{}",
        run.describe()
    );
    let row = run
        .stdout
        .lines()
        .find(|l| l.contains("t/hang.sh"))
        .unwrap_or_else(|| panic!("{}", run.describe()));
    assert!(
        row.ends_with("(timed out: expected is only its timeout)"),
        "{row}"
    );
}

#[test]
fn a_pattern_that_matches_nothing_is_a_warning_naming_it() {
    let s = Suite::new();
    s.config(
        "[[override]]\npattern = \"t/net_*.sh\"\ntimeout = \"5s\"\n\n\
         [[override]]\npattern = \"t/a.sh\"\ntimeout = \"5s\"\n\n\
         [quarantine]\nfiles = [\"t/gone.t\"]\n",
    )
    .file("t/a.sh", "exit 0\n");
    let run = s.run(&["t"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains(
            "ptest: warning: ptest.toml:1 [[override]] \"t/net_*.sh\" matches none of the 1 file found"
        ),
        "{}",
        run.describe()
    );
    assert!(
        run.stderr
            .contains("ptest: warning: ptest.toml:10 [quarantine] \"t/gone.t\" matches none"),
        "{}",
        run.describe()
    );
    assert!(!run.stderr.contains("\"t/a.sh\""), "{}", run.describe());
    // A run of named files leaves patterns out on purpose: no warning.
    let run = s.run(&["t/a.sh"]);
    assert!(!run.stderr.contains("matches none"), "{}", run.describe());
}
