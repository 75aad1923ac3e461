//! Issue 15, discovery and result streams: nothing a suite holds or prints
//! is dropped or misread silently. Each test runs the real `ptest` binary
//! on real child processes (sh, perl, python3, pytest).
//!
//! - ignore files: git's rules inside a git work tree only, `.ignore`
//!   never, and `--list`/`--explain` name the rule that left a file out;
//! - an empty quoted glob is a warning, or an error with nothing to run;
//! - `ok`/`not ok` lines without a plan are TAP (prove's "no plan");
//! - pytest-style files run through pytest, or ERROR without it;
//! - counts of a very long TAP stream stay exact;
//! - a legacy `1..N todo …;` plan is read as prove reads it;
//! - a flipped test with no name shows its number;
//! - a symlink loop names the links; a header key twice is an error;
//! - a UTF-16 JUnit report gets a sentence.

use crate::common;
use crate::common::Suite;

fn suite() -> Suite {
    let s = Suite::new();
    s.chmod("", 0o777);
    s
}

/// 199,999 `ok` lines and a final TODO: 200,000 tests, whatever ptest keeps
/// in memory (it stores the first 100,000 results).
#[test]
fn a_tap_stream_of_200000_results_keeps_exact_counts() {
    let suite = suite();
    suite.file(
        "t/big.t",
        "print \"1..200000\\n\";\nprint \"ok $_\\n\" for 1..199999;\nprint \"not ok 200000 # TODO later\\n\";\n",
    );
    let ran = suite.ptest(&["t/big.t"]).reports().run();
    ran.expect_code(0);
    let tests = &ran.summary()["totals"]["tests"];
    assert_eq!(tests["total"], 200_000, "{tests}");
    assert_eq!(tests["passed"], 199_999, "{tests}");
    assert_eq!(tests["todo"], 1, "{tests}");
    assert!(
        ran.stderr.contains("200000 tests, 1 todo") || ran.stdout.contains("200000 tests, 1 todo"),
        "{}",
        ran.describe()
    );
}

/// Whether `prove` is on PATH (the TAP verdicts are compared with it).
fn have(program: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

/// `prove`'s exit code on `args` run in `dir`.
fn prove(dir: &std::path::Path, args: &[&str]) -> Option<i32> {
    std::process::Command::new("prove")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("prove runs")
        .status
        .code()
}

/// A TAP 12 plan with a TODO list (`1..2 todo 2;`): the listed tests are
/// TODO tests, so a failing test 2 passes the file, as under `prove`.
#[test]
fn a_legacy_plan_todo_list_is_read_as_prove_reads_it() {
    let suite = suite();
    suite.file(
        "t/legacy.t",
        "print \"1..2 todo 2;\\n\";\nprint \"ok 1\\nnot ok 2\\n\";\n",
    );
    suite.file(
        "t/unlisted.t",
        "print \"1..2 todo 1;\\n\";\nprint \"ok 1\\nnot ok 2\\n\";\n",
    );
    let ran = suite.ptest(&["t"]).reports().run();
    assert_eq!(
        ran.verdicts(),
        [
            ("t/legacy.t".to_string(), "pass".to_string()),
            ("t/unlisted.t".to_string(), "fail".to_string()),
        ],
        "{}",
        ran.describe()
    );
    assert_eq!(ran.summary()["totals"]["tests"]["todo"], 2);
    if have("prove") {
        assert_eq!(prove(suite.path(), &["t/legacy.t"]), Some(0));
        assert_eq!(prove(suite.path(), &["t/unlisted.t"]), Some(1));
    }
}

/// A `.sh` or `.py` file that prints `ok 1` / `not ok 2` without a plan and
/// exits 0 is read as TAP: it fails (the failing test and "no plan"), as
/// `prove -e sh` fails it. A script with `ok` chatter only still passes on
/// its exit code.
#[test]
fn visible_not_ok_lines_without_a_plan_fail_the_file() {
    let suite = suite();
    suite.file("t/noplan.sh", "echo 'ok 1'\necho 'not ok 2'\nexit 0\n");
    suite.file("t/noplan.py", "print('ok 1')\nprint('not ok 2 - b')\n");
    suite.file("t/chatter.sh", "echo 'ok 1 file copied'\nexit 0\n");
    let ran = suite.ptest(&["t"]).reports().run();
    ran.expect_code(1);
    assert_eq!(
        ran.verdicts(),
        [
            ("t/chatter.sh".to_string(), "pass".to_string()),
            ("t/noplan.py".to_string(), "fail".to_string()),
            ("t/noplan.sh".to_string(), "fail".to_string()),
        ],
        "{}",
        ran.describe()
    );
    for id in ["t/noplan.sh", "t/noplan.py"] {
        let file = ran.file(id);
        assert_eq!(file["protocol"], "tap", "{file}");
        let reasons = file["reasons"].to_string();
        assert!(
            reasons.contains("failed test 2") && reasons.contains("no plan"),
            "{reasons}"
        );
    }
    if have("prove") {
        assert_eq!(prove(suite.path(), &["-e", "sh", "t/noplan.sh"]), Some(1));
    }
}

/// A `# ptest:` key given twice in one file is an error naming the file
/// and the line; the rest of the suite runs.
#[test]
fn a_header_key_given_twice_is_an_error_naming_file_and_line() {
    let suite = suite();
    suite.file(
        "t/twice.sh",
        "#!/bin/sh\n# ptest: timeout=5s\n# ptest: group=db timeout=9s\necho 1..1; echo ok 1\n",
    );
    suite.file("t/ok.sh", "echo 1..1; echo ok 1\n");
    let ran = suite.ptest(&["t"]).reports().run();
    ran.expect_code(1);
    assert_eq!(ran.file("t/ok.sh")["verdict"], "pass");
    let file = ran.file("t/twice.sh");
    assert_eq!(file["verdict"], "error", "{file}");
    let reasons = file["reasons"].to_string();
    assert!(
        reasons.contains("t/twice.sh: line 3")
            && reasons.contains("`timeout` is given twice (first on line 2)"),
        "{reasons}"
    );
}

/// A child that writes its JUnit report in UTF-16 gets a sentence as the
/// ERROR reason, not `<\x00?\x00x…`.
#[test]
fn a_utf16_junit_report_gets_a_sentence() {
    let suite = suite();
    suite.file(
        "t/wide.py",
        "import os\nxml = '<?xml version=\"1.0\" encoding=\"UTF-16\"?><testsuite><testcase name=\"a\"/></testsuite>'\nopen(os.environ['PTEST_JUNIT_FILE'], 'wb').write(xml.encode('utf-16'))\n",
    );
    let ran = suite.ptest(&["t"]).reports().run();
    ran.expect_code(1);
    let file = ran.file("t/wide.py");
    assert_eq!(file["verdict"], "error", "{file}");
    let reasons = file["reasons"].to_string();
    assert!(
        reasons.contains("encoded in UTF-16LE") && reasons.contains("UTF-8"),
        "{reasons}"
    );
    assert!(!reasons.contains("\\u0000"), "{reasons}");
}

/// A TAP test with no name that fails and then passes on a retry shows
/// its number: `flipped: #2` on the console, `#2` in the JSON summary.
#[test]
fn a_flipped_test_with_no_name_shows_its_number() {
    let suite = suite();
    suite.file(
        "t/flip.sh",
        "echo 1..2\necho ok 1\nif [ -e flip.mark ]; then echo ok 2; else : > flip.mark; echo not ok 2; fi\n",
    );
    let ran = suite
        .ptest(&["t", "--retries", "1", "--color", "never"])
        .reports()
        .run();
    ran.expect_code(0);
    let file = ran.file("t/flip.sh");
    assert_eq!(file["verdict"], "flaky", "{file}");
    assert_eq!(file["flipped"], serde_json::json!(["#2"]), "{file}");
    let console = format!("{}{}", ran.stdout, ran.stderr);
    assert!(console.contains("flipped: #2"), "{console}");
}

fn git_init(dir: &std::path::Path) {
    let status = std::process::Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success());
}

fn ids(ran: &common::Run) -> Vec<String> {
    ran.stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// Outside a git work tree neither `.gitignore` nor `.ignore` hides a test
/// file; inside one, `.gitignore` and `.git/info/exclude` do (as in git)
/// and `.ignore` still does not; `--list` and `--explain` name the rule.
#[test]
fn ignore_files_follow_git_and_list_names_the_rule() {
    let suite = suite();
    for name in ["t/a.sh", "t/by_ignore.sh", "t/gen/built.sh", "t/local.sh"] {
        suite.file(name, "echo 1..1; echo ok 1\n");
    }
    suite.file("t/.ignore", "by_ignore.sh\n");
    suite.file("t/.gitignore", "gen/\n");

    let ran = suite.ptest(&["t", "--list"]).run();
    ran.expect_code(0);
    assert_eq!(
        ids(&ran),
        ["t/a.sh", "t/by_ignore.sh", "t/gen/built.sh", "t/local.sh"],
        "{}",
        ran.describe()
    );
    assert!(!ran.stderr.contains("left out"), "{}", ran.describe());

    git_init(suite.path());
    suite.file(".git/info/exclude", "local.sh\n");
    let ran = suite.ptest(&["t", "--list"]).run();
    ran.expect_code(0);
    assert_eq!(
        ids(&ran),
        ["t/a.sh", "t/by_ignore.sh"],
        "{}",
        ran.describe()
    );
    assert!(
        ran.stderr
            .contains("ptest: left out t/gen/built.sh: ignored by `gen/` in t/.gitignore"),
        "{}",
        ran.describe()
    );
    assert!(
        ran.stderr
            .contains("ptest: left out t/local.sh: ignored by `local.sh` in .git/info/exclude"),
        "{}",
        ran.describe()
    );

    let ran = suite.ptest(&["t", "--list", "--explain"]).run();
    ran.expect_code(0);
    assert!(
        ran.stdout.contains("left out by git's ignore rules")
            && ran
                .stdout
                .contains("t/gen/built.sh  ignored by `gen/` in t/.gitignore"),
        "{}",
        ran.describe()
    );
    let ran = suite.ptest(&["explain", "t"]).run();
    assert!(
        ran.stdout.contains("ignored by `gen/` in t/.gitignore"),
        "{}",
        ran.describe()
    );
}

/// A quoted glob that matches nothing is a warning while something else
/// runs, and an error (exit 2) when nothing is left, as a missing path is.
#[test]
fn an_empty_quoted_glob_is_a_warning_or_an_error() {
    let suite = suite();
    suite.file("t/a.sh", "echo 1..1; echo ok 1\n");
    let ran = suite.ptest(&["t/*.tt", "t/a.sh"]).reports().run();
    ran.expect_code(0);
    assert!(
        ran.stderr.contains("warning: no file matches `t/*.tt`"),
        "{}",
        ran.describe()
    );
    let ran = suite.ptest(&["t/*.tt"]).run();
    ran.expect_code(2);
    assert!(
        ran.stderr.contains("no file matches `t/*.tt`"),
        "{}",
        ran.describe()
    );
}
