//! Listing each test binary's tests (`BIN --list --format terse`, then
//! `--ignored` for the ignored ones; in parallel across binaries, from the
//! package root, with the test environment) and turning them into units:
//! one per test, filtered as libtest filters (`FILTER…` substrings of the
//! test path, `--exact`, `--skip`), ignored tests chosen by
//! [`RunIgnored`].

use super::build::{Built, TestBinary};
use super::env::test_env;
use crate::parse::Protocol;
use crate::unit::{Unit, UnitId, UnitKind, UnitSettings};
use rayon::prelude::*;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Which tests run with respect to `#[ignore]` (`--run-ignored`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum RunIgnored {
    /// Tests that are not ignored run; ignored ones are reported SKIP.
    #[default]
    Default,
    /// Only ignored tests run (with `--ignored`).
    Only,
    /// Every test runs, ignored ones with `--ignored`.
    All,
}

/// Which tests become units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// `FILTER…`: a test runs when its path contains one (or, with
    /// `exact`, is one); none: every test.
    pub patterns: Vec<String>,
    /// `--exact`: patterns and skips match whole test paths.
    pub exact: bool,
    /// `--skip PATTERN`: tests whose path contains one (or is one) do not
    /// run.
    pub skip: Vec<String>,
    /// `--run-ignored`.
    pub run_ignored: RunIgnored,
}

impl Filters {
    fn matches(&self, pattern: &str, name: &str) -> bool {
        if self.exact {
            name == pattern
        } else {
            name.contains(pattern)
        }
    }

    /// Whether test `name` is selected (before `--run-ignored`).
    pub fn selects(&self, name: &str) -> bool {
        (self.patterns.is_empty() || self.patterns.iter().any(|p| self.matches(p, name)))
            && !self.skip.iter().any(|s| self.matches(s, name))
    }
}

/// One test of a binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedTest {
    /// Its path (`tests::adds`).
    pub name: String,
    /// `#[ignore]`d.
    pub ignored: bool,
}

/// A binary with its tests and the environment they run with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The binary.
    pub binary: TestBinary,
    /// Its tests in the order listed.
    pub tests: Vec<ListedTest>,
    /// The environment of its tests ([`test_env`]).
    pub env: Vec<(OsString, OsString)>,
}

/// Why a binary's tests could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The binary could not be started.
    #[error("cannot list the tests of {binary_id} ({})", path.display())]
    Spawn {
        /// The binary id.
        binary_id: String,
        /// The executable.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// `--list` failed.
    #[error("listing the tests of {binary_id} ({}) failed ({status}): {stderr}", path.display())]
    Failed {
        /// The binary id.
        binary_id: String,
        /// The executable.
        path: PathBuf,
        /// How it ended.
        status: std::process::ExitStatus,
        /// What it printed on stderr.
        stderr: String,
    },
}

/// Lists every binary's tests, binaries in parallel.
pub fn list(
    built: &Built,
    cargo: &OsString,
    sysroot_lib: Option<&Path>,
) -> Result<Vec<Listed>, ListError> {
    built
        .binaries
        .par_iter()
        .map(|binary| {
            let env = test_env(binary, built, cargo, sysroot_lib);
            let all = list_one(binary, &env, false)?;
            let ignored = list_one(binary, &env, true)?;
            let tests = all
                .into_iter()
                .map(|name| ListedTest {
                    ignored: ignored.contains(&name),
                    name,
                })
                .collect();
            Ok(Listed {
                binary: binary.clone(),
                tests,
                env,
            })
        })
        .collect()
}

/// `BIN --list --format terse [--ignored]`: the names of its tests
/// (benchmarks left out).
fn list_one(
    binary: &TestBinary,
    env: &[(OsString, OsString)],
    ignored: bool,
) -> Result<Vec<String>, ListError> {
    let mut command = Command::new(&binary.executable);
    command.args(["--list", "--format", "terse"]);
    if ignored {
        command.arg("--ignored");
    }
    let output = command
        .current_dir(binary.package.root())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .map_err(|source| ListError::Spawn {
            binary_id: binary.binary_id.clone(),
            path: binary.executable.clone(),
            source,
        })?;
    if !output.status.success() {
        return Err(ListError::Failed {
            binary_id: binary.binary_id.clone(),
            path: binary.executable.clone(),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(parse_terse(&String::from_utf8_lossy(&output.stdout)))
}

/// `NAME: test` lines (`NAME: benchmark` ones are left out).
pub fn parse_terse(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// A unit's id: `BINARY-ID TEST-PATH` (see [`crate::cargo`]).
pub fn unit_id(binary_id: &str, test: &str) -> String {
    format!("{binary_id} {test}")
}

/// One unit per selected test: started from the package root with the
/// test environment, read as libtest. Under [`RunIgnored::Default`] an
/// ignored test is a unit that is not run (SKIP, as `cargo test` reports
/// it ignored).
pub fn units(listed: &[Listed], filters: &Filters) -> Vec<Unit> {
    let mut units = Vec::new();
    for binary in listed {
        for test in &binary.tests {
            if !filters.selects(&test.name) {
                continue;
            }
            let (run, with_ignored) = match (filters.run_ignored, test.ignored) {
                (RunIgnored::Default, false) | (RunIgnored::All, false) => (true, false),
                (RunIgnored::Default, true) => (false, false),
                (RunIgnored::Only, false) => continue,
                (RunIgnored::Only, true) | (RunIgnored::All, true) => (true, true),
            };
            let mut settings = UnitSettings {
                sources: sources(&binary.env),
                ..UnitSettings::default()
            };
            if !run {
                settings.skip = Some("ignored (run it with --run-ignored only|all)".to_string());
            }
            units.push(Unit {
                id: UnitId::new(unit_id(&binary.binary.binary_id, &test.name)),
                kind: UnitKind::CargoTest {
                    binary: binary.binary.executable.clone(),
                    binary_id: binary.binary.binary_id.clone(),
                    name: test.name.clone(),
                    ignored: with_ignored,
                },
                cwd: Some(binary.binary.package.root().to_path_buf()),
                env: binary.env.clone(),
                protocol: Some(Protocol::Libtest),
                size: 0,
                settings,
            });
        }
    }
    units
}

/// Where a cargo test's command and environment come from, for
/// `--explain`.
fn sources(env: &[(OsString, OsString)]) -> Vec<(String, String)> {
    let mut sources = vec![(
        "runner".to_string(),
        "ptest cargo (a test of a cargo test binary)".to_string(),
    )];
    sources.extend(env.iter().map(|(name, _)| {
        (
            format!("env.{}", name.to_string_lossy()),
            "cargo (the environment cargo test gives it)".to_string(),
        )
    }));
    sources
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cargo::build::Package;

    fn listed() -> Vec<Listed> {
        let package = Package {
            id: "x".into(),
            name: "lib".into(),
            version: "0.1.0".into(),
            manifest_path: "/w/lib/Cargo.toml".into(),
            authors: Vec::new(),
            description: None,
            homepage: None,
            repository: None,
            license: None,
        };
        let binary = TestBinary {
            binary_id: "lib".into(),
            executable: "/w/target/debug/deps/lib-1".into(),
            kind: "lib".into(),
            target_name: "lib".into(),
            package,
            bin_exes: Vec::new(),
            out_dir: None,
            linked_paths: Vec::new(),
            script_env: Vec::new(),
        };
        let tests = [
            ("tests::adds", false),
            ("tests::slow", true),
            ("tests::adds_more", false),
        ]
        .map(|(name, ignored)| ListedTest {
            name: name.into(),
            ignored,
        })
        .to_vec();
        vec![Listed {
            binary,
            tests,
            env: Vec::new(),
        }]
    }

    fn ids(filters: &Filters) -> Vec<(String, bool)> {
        units(&listed(), filters)
            .into_iter()
            .map(|u| (u.id.to_string(), u.settings.skip.is_some()))
            .collect()
    }

    #[test]
    fn terse_lists_leave_out_benchmarks() {
        let text = "a::b: test\nc: benchmark\nd: test\n";
        assert_eq!(parse_terse(text), ["a::b", "d"]);
    }

    #[test]
    fn filters_and_run_ignored_choose_the_units() {
        let all = ids(&Filters::default());
        assert_eq!(
            all,
            [
                ("lib tests::adds".to_string(), false),
                ("lib tests::slow".to_string(), true),
                ("lib tests::adds_more".to_string(), false)
            ]
        );
        let adds = Filters {
            patterns: vec!["adds".into()],
            ..Filters::default()
        };
        assert_eq!(ids(&adds).len(), 2);
        let exact = Filters {
            patterns: vec!["tests::adds".into()],
            exact: true,
            ..Filters::default()
        };
        assert_eq!(ids(&exact).len(), 1);
        let skip = Filters {
            skip: vec!["more".into()],
            ..Filters::default()
        };
        assert_eq!(ids(&skip).len(), 2);
        let only = Filters {
            run_ignored: RunIgnored::Only,
            ..Filters::default()
        };
        let units = units(&listed(), &only);
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].argv().unwrap().last().unwrap(), "--ignored");
        let every = Filters {
            run_ignored: RunIgnored::All,
            ..Filters::default()
        };
        assert!(ids(&every).iter().all(|(_, skipped)| !skipped));
        assert_eq!(units[0].cwd.as_deref(), Some(Path::new("/w/lib")));
    }
}
