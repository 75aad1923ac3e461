//! Per-file rules: `[[runner]]` (how a file is started) and
//! `[[override]]` / header settings (what it asks of the run).
//!
//! These are plain data that [`super::settings::Settings`] carries to
//! discovery, which matches them against each file (see
//! `crate::discover`). The per-file keys and their checks are defined once,
//! here ([`PerFile::set`]), for both `[[override]]` tables and `ptest:`
//! header lines.

use super::value::{self, Mismatch, Raw};
use crate::parse::Protocol;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The per-file keys, as written in `[[override]]` and in headers.
pub const PER_FILE_KEYS: [&str; 10] = [
    "timeout",
    "slow",
    "retries",
    "exclusive",
    "group",
    "weight",
    "env",
    "depends-on",
    "skip",
    "quarantine",
];

/// What one `[[override]]` or one header sets for a file; `None` (or
/// empty) leaves the setting to lower rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PerFile {
    /// `timeout`.
    pub timeout: Option<Duration>,
    /// `slow`: its own `--slow` threshold (zero: never reported slow).
    pub slow: Option<Duration>,
    /// `retries`.
    pub retries: Option<u32>,
    /// `exclusive`.
    pub exclusive: Option<bool>,
    /// `group`.
    pub group: Option<String>,
    /// `weight`.
    pub weight: Option<u32>,
    /// `env` (header: `env.NAME=value`), in the order given.
    pub env: Vec<(String, String)>,
    /// `depends-on`, already joined to the directory they are relative to.
    pub depends_on: Option<Vec<PathBuf>>,
    /// `skip`: the reason.
    pub skip: Option<String>,
    /// `quarantine`.
    pub quarantine: Option<bool>,
}

/// Why a per-file key cannot be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// Not a per-file key.
    Unknown,
    /// The value does not fit the key.
    Value(Mismatch),
}

impl From<Mismatch> for KeyProblem {
    fn from(m: Mismatch) -> KeyProblem {
        KeyProblem::Value(m)
    }
}

impl PerFile {
    /// Sets `key` from `raw`; `base` is the directory `depends-on` paths
    /// are relative to. A bare header flag arrives as `Raw::Bool(true)`.
    pub fn set(&mut self, key: &str, raw: &Raw, base: &Path) -> Result<(), KeyProblem> {
        match key {
            "timeout" => self.timeout = Some(value::duration(raw)?),
            "slow" => self.slow = Some(value::duration(raw)?),
            "retries" => self.retries = Some(value::count(raw, 0)?),
            "exclusive" => self.exclusive = Some(value::flag(raw)?),
            "group" => self.group = Some(value::text(raw)?),
            "weight" => self.weight = Some(value::count(raw, 1)?),
            "env" => {
                for (name, text, _) in value::env_table(raw)? {
                    self.set_env(name, text);
                }
            }
            "depends-on" => {
                let paths = value::strings(raw)?;
                self.depends_on = Some(paths.iter().map(|p| base.join(p)).collect());
            }
            "skip" => {
                self.skip = Some(match raw {
                    Raw::Bool(true) => "skipped".to_string(),
                    other => value::text(other)?,
                })
            }
            "quarantine" => self.quarantine = Some(value::flag(raw)?),
            _ => match key.strip_prefix("env.") {
                Some(name) => {
                    if let Some(problem) = super::env_name_problem(name) {
                        return Err(KeyProblem::Value(Mismatch {
                            expected: "a variable name that is not empty, holds no `=` and is not set by ptest itself".into(),
                            found: format!("`{name}`: {problem}"),
                        }));
                    }
                    self.set_env(name.to_string(), value::text(raw)?)
                }
                None => return Err(KeyProblem::Unknown),
            },
        }
        Ok(())
    }

    fn set_env(&mut self, name: String, text: String) {
        self.env.retain(|(n, _)| *n != name);
        self.env.push((name, text));
    }

    /// The keys this sets, in [`PER_FILE_KEYS`] order (`env.NAME` for each
    /// variable).
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        let set = [
            ("timeout", self.timeout.is_some()),
            ("slow", self.slow.is_some()),
            ("retries", self.retries.is_some()),
            ("exclusive", self.exclusive.is_some()),
            ("group", self.group.is_some()),
            ("weight", self.weight.is_some()),
            ("depends-on", self.depends_on.is_some()),
            ("skip", self.skip.is_some()),
            ("quarantine", self.quarantine.is_some()),
        ];
        keys.extend(set.iter().filter(|(_, s)| *s).map(|(k, _)| k.to_string()));
        keys.extend(self.env.iter().map(|(name, _)| format!("env.{name}")));
        keys
    }
}

/// Where a file's child starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerCwd {
    /// Where ptest runs (the default).
    Invocation,
    /// The file's own directory (`cwd = "file"`); `{file}` is then the
    /// file's absolute path.
    File,
}

/// One `[[runner]]`: files matching `pattern` are started this way.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerRule {
    /// The glob, relative to the directory of `ptest.toml` (without `/`:
    /// the file name anywhere).
    pub pattern: String,
    /// The command template (`{file}`, `{junit}`); `None`: the built-in
    /// choice by extension, behind `wrapper`.
    pub command: Option<Vec<String>>,
    /// Prefix put before the command (e.g. `valgrind -q`).
    pub wrapper: Vec<String>,
    /// How results are read; `None`: `auto`.
    pub protocol: Option<Protocol>,
    /// Where the child starts.
    pub cwd: RunnerCwd,
    /// `batch = true`: several files per child (`{files}` in `command`),
    /// with the batch duration aimed at (`batch-target`, default
    /// [`DEFAULT_BATCH_TARGET`]); `None`: one file per child.
    pub batch: Option<std::time::Duration>,
    /// `ptest.toml:14 [[runner]] "*.py"`, for `ptest explain`.
    pub origin: String,
}

/// The duration a batch aims at when `batch-target` is not given: long
/// enough that a costly start (pytest's 0.25 s) is a small part of it,
/// short enough that batches balance across slots.
pub const DEFAULT_BATCH_TARGET: std::time::Duration = std::time::Duration::from_secs(5);

/// One `[[override]]`: files matching `pattern` get these settings.
#[derive(Debug, Clone, PartialEq)]
pub struct OverrideRule {
    /// The glob, as for [`RunnerRule::pattern`].
    pub pattern: String,
    /// What it sets.
    pub settings: PerFile,
    /// `ptest.toml:14 [[override]] "**/db_*"`, for `ptest explain`.
    pub origin: String,
}

/// Every per-file rule of a configuration and the directory their
/// patterns are relative to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    /// The directory of `ptest.toml` (absolute); patterns match paths
    /// relative to it.
    pub base: PathBuf,
    /// `[[runner]]`s in file order (the first match wins).
    pub runners: Vec<RunnerRule>,
    /// `[[override]]`s in file order (later matches win, key by key).
    pub overrides: Vec<OverrideRule>,
    /// `[quarantine]` entries in file order (applied before the
    /// `[[override]]`s, so an override or header can set
    /// `quarantine = false`).
    pub quarantine: Vec<super::quarantine::QuarantineRule>,
}

/// The `protocol` values, for the message when another is given.
const PROTOCOLS: &str = "one of \"exit\", \"tap\", \"junit\", \"libtest\", \"auto\"";

/// Parses a `protocol` value.
pub fn protocol(raw: &Raw) -> Result<Option<Protocol>, Mismatch> {
    match raw {
        Raw::Str(s) => match s.as_str() {
            "exit" => Ok(Some(Protocol::ExitCode)),
            "tap" => Ok(Some(Protocol::Tap)),
            "junit" => Ok(Some(Protocol::Junit)),
            "libtest" => Ok(Some(Protocol::Libtest)),
            "auto" => Ok(None),
            _ => Err(Mismatch {
                expected: PROTOCOLS.to_string(),
                found: raw.describe(),
            }),
        },
        other => Err(Mismatch {
            expected: PROTOCOLS.to_string(),
            found: other.describe(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_file_keys_set_and_check() {
        let mut s = PerFile::default();
        let base = Path::new("t");
        s.set("timeout", &Raw::Str("10s".into()), base).unwrap();
        s.set("exclusive", &Raw::Bool(true), base).unwrap();
        s.set("slow", &Raw::Str("5m".into()), base).unwrap();
        s.set("depends-on", &Raw::Str("setup.sh".into()), base)
            .unwrap();
        s.set("env.DB", &Raw::Str("x".into()), base).unwrap();
        s.set("skip", &Raw::Bool(true), base).unwrap();
        assert_eq!(s.timeout, Some(Duration::from_secs(10)));
        assert_eq!(s.slow, Some(Duration::from_secs(300)));
        assert_eq!(s.depends_on, Some(vec![PathBuf::from("t/setup.sh")]));
        assert_eq!(s.env, vec![("DB".to_string(), "x".to_string())]);
        assert_eq!(s.skip.as_deref(), Some("skipped"));
        assert_eq!(
            s.keys(),
            [
                "timeout",
                "slow",
                "exclusive",
                "depends-on",
                "skip",
                "env.DB"
            ]
        );
        assert_eq!(
            s.set("colour", &Raw::Bool(true), base),
            Err(KeyProblem::Unknown)
        );
        assert!(matches!(
            s.set("weight", &Raw::Int(0), base),
            Err(KeyProblem::Value(_))
        ));
    }
}
