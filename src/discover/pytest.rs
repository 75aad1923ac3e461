//! pytest-style Python files: found in discovery, run through pytest.
//!
//! A file that pytest would collect — named `test_*.py` or `*_test.py`,
//! defining `test…` functions (`def` or `async def` at column 0) or
//! `Test…` classes (pytest's default `python_files`, `python_functions`
//! and `python_classes`) — does nothing when run as a script: Python
//! defines the functions and exits 0. Such a file must not pass silently,
//! so it gets the built-in pytest runner ([`PYTEST_COMMAND`], per-test
//! results through the JUnit report at `{junit}`), or, when `python3`
//! cannot import pytest, an ERROR with [`HINT`].
//!
//! A file that runs a test runner itself (`unittest.main(` or
//! `pytest.main(` under an `if __name__ == "__main__":` guard) stays a
//! script: running it already runs its tests, and its exit code says how
//! they went. A `[[runner]]` with a `command` matching the file, or
//! `--exec`, replaces all of this.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The built-in pytest runner's command template (see
/// [`crate::unit::Runner::Command`]).
pub(crate) const PYTEST_COMMAND: [&str; 8] = [
    "python3",
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "--junitxml={junit}",
    "{file}",
];

/// Where the built-in pytest runner comes from, for `--explain`.
pub(crate) const SOURCE: &str = "built-in pytest runner (pytest-style file)";

/// What an ERROR pytest-style file says when pytest cannot be imported.
pub(crate) const HINT: &str =
    "pytest-style file: install pytest (python3 -m pip install pytest) or declare a [[runner]] for it";

/// How long the one `python3 -c "import pytest"` of a run may take.
const PROBE_LIMIT: Duration = Duration::from_secs(60);

/// Whether pytest collects a file by this name: `test_*.py` or `*_test.py`.
pub(crate) fn has_pytest_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let Some(stem) = name.strip_suffix(".py") else {
        return false;
    };
    (stem.starts_with("test_") && stem.len() > 5) || (stem.ends_with("_test") && stem.len() > 5)
}

/// Whether a file's text is pytest-style: it defines a `test…` function
/// or a `Test…` class at column 0, and does not run a test runner itself.
pub(crate) fn is_pytest_style(text: &[u8]) -> bool {
    let text = String::from_utf8_lossy(text);
    let mut defines_tests = false;
    let mut main_guard = false;
    let mut calls_runner = false;
    for line in text.lines() {
        let code = line.split('#').next().unwrap_or("");
        if defines_test(code) {
            defines_tests = true;
        }
        if code.starts_with("if ") && code.contains("__name__") && code.contains("__main__") {
            main_guard = true;
        }
        if code.contains("unittest.main(") || code.contains("pytest.main(") {
            calls_runner = true;
        }
    }
    defines_tests && !(main_guard && calls_runner)
}

/// `def test…(`, `async def test…(` or `class Test…` at column 0.
fn defines_test(line: &str) -> bool {
    let ident_follows = |rest: &str, prefix: &str| {
        rest.strip_prefix(prefix).is_some_and(|after| {
            after
                .chars()
                .next()
                .is_some_and(|c| c == '(' || c == ':' || c == '_' || c.is_alphanumeric())
        })
    };
    let def = line.strip_prefix("async ").unwrap_or(line);
    if let Some(rest) = def.strip_prefix("def ") {
        return ident_follows(rest.trim_start(), "test");
    }
    line.strip_prefix("class ")
        .is_some_and(|rest| ident_follows(rest.trim_start(), "Test"))
}

/// Whether `python3` can import pytest, asked once per discovery and then
/// remembered.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    answer: OnceLock<Result<(), String>>,
}

impl Probe {
    /// `Ok` when `python3 -c "import pytest"` succeeds, else why not.
    pub fn available(&self) -> &Result<(), String> {
        self.answer.get_or_init(probe)
    }
}

/// Runs `python3 -c "import pytest"` (stdin, stdout and stderr null),
/// killing it after [`PROBE_LIMIT`].
fn probe() -> Result<(), String> {
    let mut child = Command::new("python3")
        .args(["-c", "import pytest"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("cannot start python3: {err}"))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(format!(
                    "python3 cannot import pytest: `python3 -c \"import pytest\"` {status}"
                ))
            }
            Ok(None) if start.elapsed() > PROBE_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`python3 -c \"import pytest\"` took more than {}s",
                    PROBE_LIMIT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(err) => return Err(format!("cannot wait for python3: {err}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytest_names_are_test_prefix_or_test_suffix() {
        for yes in ["t/test_ab.py", "ab_test.py", "test_x.py"] {
            assert!(has_pytest_name(Path::new(yes)), "{yes}");
        }
        for no in [
            "t/ab.py",
            "test_.py",
            "_test.py",
            "test_ab.pyc",
            "testab.py",
        ] {
            assert!(!has_pytest_name(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn test_functions_and_classes_at_column_zero_are_pytest_style() {
        assert!(is_pytest_style(
            b"import os\n\ndef test_b():\n    assert 0\n"
        ));
        assert!(is_pytest_style(b"async def test_io():\n    pass\n"));
        assert!(is_pytest_style(
            b"class TestDb:\n    def test_a(self): pass\n"
        ));
        assert!(is_pytest_style(
            b"import unittest\nclass TestX(unittest.TestCase):\n    pass\n"
        ));
        // Nested or helper definitions, comments and plain scripts are not.
        assert!(!is_pytest_style(b"def helper():\n    def test_x(): pass\n"));
        assert!(!is_pytest_style(b"# def test_x():\nprint('ok 1')\n"));
        // pytest's prefixes, not whole words: `Tester`, `tested` count.
        assert!(is_pytest_style(b"class Tester:\n    pass\n"));
        assert!(is_pytest_style(b"def tested(): pass\n"));
        assert!(!is_pytest_style(b"assert 1 + 1 == 2\n"));
        assert!(!is_pytest_style(b"class Helper:\n    pass\n"));
    }

    #[test]
    fn a_file_that_runs_its_own_runner_stays_a_script() {
        let unittest = b"import unittest\nclass TestX(unittest.TestCase):\n    def test_a(self): pass\n\nif __name__ == \"__main__\":\n    unittest.main()\n";
        assert!(!is_pytest_style(unittest));
        let pytest = b"import pytest, sys\ndef test_a(): pass\nif __name__ == '__main__':\n    sys.exit(pytest.main([__file__]))\n";
        assert!(!is_pytest_style(pytest));
        // A runner call without the guard, or the guard without a runner,
        // does not make it a script.
        assert!(is_pytest_style(
            b"def test_a(): pass\nif __name__ == '__main__':\n    test_a()\n"
        ));
    }
}
