//! Issue 15, discovery: nothing passes or disappears silently.
//!
//! - a pytest-style file (`test_*.py`, `*_test.py` defining test functions
//!   or `Test` classes) runs through the built-in pytest runner, per-test
//!   results from its JUnit report; a `[[runner]]` overrides it; without
//!   pytest it is ERROR with a hint; a file that runs its own runner, or
//!   a plain script, stays a script;
//! - symlinks to directories are followed; a symlink loop is a warning
//!   naming the looping link, never a hang; a file reached through a
//!   symlinked directory and directly runs once.
//!
//! Each test runs the real `ptest` binary on real `python3`, `pytest` and
//! `sh`.

use crate::common::{text, Run, Suite};

/// A pytest-style file with one passing and one failing test.
const FAILING: &str = "import os\n\n\ndef test_a():\n    assert os.sep == \"/\"\n\n\ndef test_b():\n    assert 1 + 1 == 3\n";

/// (name, status) of a file's cases in the JSON summary.
fn cases(run: &Run, id: &str) -> Vec<(String, String)> {
    run.file(id)["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("no cases for {id}\n{}", run.describe()))
        .iter()
        .map(|c| (text(&c["name"]), text(&c["status"])))
        .collect()
}

fn pair(name: &str, status: &str) -> (String, String) {
    (name.to_string(), status.to_string())
}

#[test]
fn pytest_style_files_run_through_pytest_and_scripts_stay_scripts() {
    let s = Suite::new();
    s.file("t/test_ab.py", FAILING);
    s.file(
        "t/ok_test.py",
        "import asyncio\n\n\nclass TestMath:\n    def test_adds(self):\n        assert 1 + 1 == 2\n\n\nasync def helper():\n    return 1\n",
    );
    // A script named like a test file: no test functions, runs as before.
    s.file(
        "t/test_script.py",
        "assert 1 + 1 == 2\nprint('script ok')\n",
    );
    // A file that runs its own runner stays a script: its exit code says.
    s.file(
        "t/test_own_main.py",
        "import unittest\n\n\nclass TestX(unittest.TestCase):\n    def test_a(self):\n        self.assertEqual(1, 2)\n\n\nif __name__ == \"__main__\":\n    unittest.main()\n",
    );
    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            pair("t/ok_test.py", "pass"),
            pair("t/test_ab.py", "fail"),
            pair("t/test_own_main.py", "fail"),
            pair("t/test_script.py", "pass"),
        ],
        "{}",
        run.describe()
    );
    assert_eq!(
        cases(&run, "t/test_ab.py"),
        [pair("test_a", "pass"), pair("test_b", "fail")]
    );
    assert_eq!(
        cases(&run, "t/ok_test.py"),
        [pair("TestMath.test_adds", "pass")]
    );
    assert_eq!(text(&run.file("t/test_ab.py")["protocol"]), "junit");
    assert!(
        run.junit_text().contains("name=\"test_b\""),
        "{}",
        run.junit_text()
    );
    assert!(
        run.stdout.contains("failed test: test_b"),
        "{}",
        run.describe()
    );

    // --list shows the pytest command; --explain names its source.
    let list = s.run(&["t", "--list"]);
    list.expect_code(0);
    let line = |id: &str| {
        list.stdout
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} not listed\n{}", list.describe()))
            .to_string()
    };
    assert!(
        line("t/test_ab.py ").contains("python3 -m pytest"),
        "{}",
        list.stdout
    );
    assert!(
        !line("t/test_script.py").contains("pytest"),
        "{}",
        list.stdout
    );
    assert!(
        !line("t/test_own_main.py").contains("pytest"),
        "{}",
        list.stdout
    );
    let explain = s.run(&["explain", "t/test_ab.py"]);
    explain.expect_code(0);
    let command = explain
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("command"))
        .unwrap_or_else(|| panic!("no command row\n{}", explain.describe()));
    assert!(
        command.contains("pytest") && command.contains("built-in pytest runner"),
        "{}",
        explain.stdout
    );
}

#[test]
fn a_runner_that_matches_overrides_the_built_in_pytest_runner() {
    let s = Suite::new();
    s.file("t/test_y.py", FAILING);
    s.file("t/custom/test_x.py", FAILING);
    // The runner runs the files it matches as scripts, and says so.
    s.config(
        "[[runner]]\npattern = \"t/custom/*.py\"\ncommand = [\"python3\", \"-c\", \"print('custom runner')\", \"{file}\"]\n",
    );
    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            pair("t/custom/test_x.py", "pass"),
            pair("t/test_y.py", "fail")
        ],
        "{}",
        run.describe()
    );
    assert_eq!(
        cases(&run, "t/test_y.py"),
        [pair("test_a", "pass"), pair("test_b", "fail")]
    );
    let explain = s.run(&["explain", "t/custom/test_x.py", "t/test_y.py"]);
    explain.expect_code(0);
    let commands: Vec<&str> = explain
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("command"))
        .collect();
    assert_eq!(commands.len(), 2, "{}", explain.stdout);
    assert!(
        commands[0].contains("custom runner") && commands[0].contains("[[runner]]"),
        "{}",
        explain.stdout
    );
    assert!(
        commands[1].contains("built-in pytest runner"),
        "{}",
        explain.stdout
    );
}

#[test]
fn without_pytest_a_pytest_style_file_is_error_with_a_hint() {
    let s = Suite::new();
    s.file("t/test_ab.py", FAILING);
    s.file("t/plain.py", "print('plain ok')\n");
    // A `pytest` module first on the path that cannot be imported: python3
    // exists, pytest does not.
    s.file(
        ".suite/nopytest/pytest.py",
        "raise ImportError('hidden by the test')\n",
    );
    let hidden = s.path().join(".suite/nopytest");
    let check = std::process::Command::new("python3")
        .args(["-c", "import pytest"])
        .env("PYTHONPATH", &hidden)
        .output()
        .expect("python3 runs");
    assert!(!check.status.success(), "pytest is still importable");

    let run = s
        .ptest(&["t"])
        .env("PYTHONPATH", &hidden.to_string_lossy())
        .reports()
        .run();
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [pair("t/plain.py", "pass"), pair("t/test_ab.py", "error")],
        "{}",
        run.describe()
    );
    let hint =
        "pytest-style file: install pytest (python3 -m pip install pytest) or declare a [[runner]] for it";
    assert!(run.stdout.contains(hint), "{}", run.describe());
    assert!(
        run.junit_text().contains("install pytest"),
        "{}",
        run.junit_text()
    );
}

#[test]
fn symlinked_directories_are_walked_and_a_loop_names_its_link() {
    use std::os::unix::fs::symlink;
    let s = Suite::new();
    s.file("t/sub/a.sh", "echo 1..1\necho ok 1\n");
    s.file("shared/s.sh", "echo 1..1\necho 'not ok 1 - shared fails'\n");
    let t = s.path().join("t");
    // A loop, a symlinked directory of tests, and a second way into t/sub.
    symlink("..", t.join("sub/loop")).expect("symlink");
    symlink("../shared", t.join("linked")).expect("symlink");
    symlink("sub", t.join("alias")).expect("symlink");

    let run = s
        .ptest(&["t"])
        .deadline(std::time::Duration::from_secs(60))
        .reports()
        .run();
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [pair("t/linked/s.sh", "fail"), pair("t/sub/a.sh", "pass")],
        "{}",
        run.describe()
    );
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("symlink loop"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.describe());
    assert!(
        warnings[0].contains("t/sub/loop") && warnings[0].contains("points back to t"),
        "{}",
        run.describe()
    );

    // --list says the same, before the list.
    let list = s.run(&["t", "--list"]);
    list.expect_code(0);
    assert!(
        list.stderr.contains("symlink loop: t/sub/loop"),
        "{}",
        list.describe()
    );
    assert!(list.stdout.contains("t/linked/s.sh"), "{}", list.describe());
}
