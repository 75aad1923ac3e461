//! A layer of settings and where each value came from.
//!
//! [`Sourced`] pairs a value with its [`Source`]; a [`Layer`] is what one
//! of the command line, the environment, a profile or `[run]` sets.
//! [`super::settings`] stacks the layers (command line > `PTEST_*`
//! environment > profile > `[run]` > default); [`super::file`] fills the
//! profile and `[run]` layers in. Both import this file and not each other.

use super::quarantine::Rate;
use super::Jobs;
use crate::util::backoff::Backoff;
use crate::util::limits::LoadLimit;
use crate::util::{color::ColorWhen, order::Order};
use std::path::PathBuf;
use std::time::Duration;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Given on the command line.
    Cli,
    /// Read from this environment variable.
    Env(&'static str),
    /// Set in a `[profile.NAME]` of `ptest.toml`.
    Profile {
        /// The config file.
        file: PathBuf,
        /// 1-based line of the key.
        line: usize,
        /// The profile.
        name: String,
    },
    /// Set in `[run]` of `ptest.toml`.
    File {
        /// The config file.
        file: PathBuf,
        /// 1-based line of the key.
        line: usize,
    },
    /// Nothing set it: ptest's built-in default.
    Default,
}

impl std::fmt::Display for Source {
    /// `command line`, `environment PTEST_STATE_DIR`,
    /// `ptest.toml:3 [profile.ci]`, `ptest.toml:2 [run]`, `default`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Cli => f.write_str("command line"),
            Source::Env(name) => write!(f, "environment {name}"),
            Source::Profile { file, line, name } => {
                write!(f, "{}:{line} [profile.{name}]", file.display())
            }
            Source::File { file, line } => write!(f, "{}:{line} [run]", file.display()),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

impl<T> Sourced<T> {
    /// `value` from `source`.
    pub fn new(value: T, source: Source) -> Sourced<T> {
        Sourced { value, source }
    }

    /// The value from the command line.
    pub fn cli(value: T) -> Sourced<T> {
        Sourced::new(value, Source::Cli)
    }

    /// The built-in default.
    pub fn default_value(value: T) -> Sourced<T> {
        Sourced::new(value, Source::Default)
    }

    /// The same source with the value mapped.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sourced<U> {
        Sourced::new(f(self.value), self.source)
    }
}

/// What one layer (command line, environment, a profile, `[run]`) sets;
/// `None` leaves the setting to the layers below.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    /// `-j`.
    pub jobs: Option<Sourced<Jobs>>,
    /// `--timeout` (zero: none).
    pub timeout: Option<Sourced<Duration>>,
    /// `--grace`.
    pub grace: Option<Sourced<Duration>>,
    /// `--order`.
    pub order: Option<Sourced<Order>>,
    /// `--state-dir`.
    pub state_dir: Option<Sourced<PathBuf>>,
    /// `--history`.
    pub history: Option<Sourced<PathBuf>>,
    /// `--no-history`.
    pub no_history: Option<Sourced<bool>>,
    /// `--include` (all of them; a layer's list replaces lower ones).
    pub include: Option<Sourced<Vec<String>>>,
    /// `--exclude`.
    pub exclude: Option<Sourced<Vec<String>>>,
    /// `--exec`.
    pub exec: Option<Sourced<String>>,
    /// `-I`.
    pub perl_include: Option<Sourced<Vec<PathBuf>>>,
    /// `--no-lib`.
    pub no_lib: Option<Sourced<bool>>,
    /// `--keep-logs`.
    pub keep_logs: Option<Sourced<bool>>,
    /// `-q`.
    pub quiet: Option<Sourced<bool>>,
    /// `-v`.
    pub verbose: Option<Sourced<bool>>,
    /// `--color`.
    pub color: Option<Sourced<ColorWhen>>,
    /// `--junit`.
    pub junit: Option<Sourced<PathBuf>>,
    /// `--json`.
    pub json: Option<Sourced<PathBuf>>,
    /// `--retries`: extra attempts after a failure or timeout.
    pub retries: Option<Sourced<u32>>,
    /// `--retry-delay`.
    pub retry_delay: Option<Sourced<Duration>>,
    /// `--retry-backoff`.
    pub retry_backoff: Option<Sourced<Backoff>>,
    /// `--retry-max-delay`.
    pub retry_max_delay: Option<Sourced<Duration>>,
    /// `--flaky-fail` / `flaky-result = "fail"` (true) or `"pass"` (false).
    pub flaky_fail: Option<Sourced<bool>>,
    /// `--slow` / `slow` (zero: never).
    pub slow: Option<Sourced<Duration>>,
    /// `--global-timeout` (zero: none).
    pub global_timeout: Option<Sourced<Duration>>,
    /// `--fail-fast`.
    pub fail_fast: Option<Sourced<bool>>,
    /// `--max-fail`.
    pub max_fail: Option<Sourced<u32>>,
    /// `--load-limit`.
    pub load_limit: Option<Sourced<LoadLimit>>,
    /// `--mem-budget`, in bytes.
    pub mem_budget: Option<Sourced<u64>>,
    /// `--quarantine-flaky`.
    pub quarantine_flaky: Option<Sourced<Rate>>,
    /// `--env NAME=VALUE` / `env` tables: variables for every child.
    pub env: Vec<(String, Sourced<String>)>,
}
