//! Settings resolved once, each value with where it came from.
//!
//! Every run-wide setting is looked up in a list of [`Layer`]s, highest
//! precedence first, and falls back to a built-in default:
//!
//! ```text
//! command line  >  PTEST_* environment  >  [profile.NAME]  >  [run]  >  built-in default
//! ```
//!
//! Each layer holds only what it sets (every field an `Option`), tagged
//! with its [`Source`]; `ptest.toml` ([`super::file`]) gives the last two
//! layers. The result is plain data ([`Settings`], [`MergeSettings`])
//! whose [`Sourced`] fields say where each value came from, so `ptest
//! explain` is a printout of data, not a second resolver.
//!
//! The profile is `--profile NAME`, else `PTEST_PROFILE`, else `ci` when
//! `CI=true` and the file has a `[profile.ci]`; naming a profile the file
//! does not have is an error listing the ones it has, and naming one with
//! no `ptest.toml` at all is an error too.
//!
//! Environment variables for the children (`env` tables, `--env
//! KEY=VALUE`) are merged across layers name by name: a higher layer's
//! value for a name wins, other names are kept.
//!
//! Per-invocation values (paths, `--list`, `--shard`, …) come only from
//! the command line and are plain fields.

use super::cli::{HistoryArgs, MergeArgs, ReportArgs, ReportCommand, RunArgs};
use super::file::{self, ConfigError, ConfigFile};
use super::layer::{Layer, Source, Sourced};
use super::quarantine::Rate;
use super::rules::Rules;
use super::Jobs;
use crate::util::backoff::{Backoff, DEFAULT_MAX_DELAY};
use crate::util::limits::{self, LoadLimit};
use crate::util::{color::ColorWhen, order::Order, shard::Shard};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The state directory used when none is given.
pub const DEFAULT_STATE_DIR: &str = ".ptest";
/// The environment variable naming the state directory.
pub const STATE_DIR_ENV: &str = "PTEST_STATE_DIR";
/// The grace period between SIGTERM and SIGKILL when none is given.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);
/// A running file is reported SLOW after this long, and at each multiple
/// (`--slow`).
pub const DEFAULT_SLOW: Duration = Duration::from_secs(60);
/// `--min-runs` when none is given: two runs are the fewest that can flip.
pub const DEFAULT_MIN_RUNS: usize = 2;
/// `--top` when none is given.
pub const DEFAULT_TOP: usize = 10;
/// The environment variable naming the config file.
pub const CONFIG_ENV: &str = "PTEST_CONFIG";
/// The environment variable naming the profile.
pub const PROFILE_ENV: &str = "PTEST_PROFILE";

/// A setting that cannot be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// `--queue` and its settings are not usable.
    #[error(transparent)]
    Queue(#[from] crate::queue::QueueConfigError),
    /// An environment variable is set but empty where a value is needed.
    #[error("{name} is set but empty (unset it or give a value)")]
    EmptyEnv {
        /// The variable.
        name: &'static str,
    },
    /// `ptest.toml` cannot be found, read or used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An environment variable holds a value that does not parse.
    #[error("{name}: {problem}")]
    BadEnv {
        /// The variable.
        name: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
    /// `--shard auto` found no shard in the CI's variables.
    #[error(transparent)]
    ShardEnv(#[from] super::ci::ShardEnvError),
}

/// `Some(value)` from the command line, for a field clap left `None`/empty/false.
fn given<T>(value: Option<T>) -> Option<Sourced<T>> {
    value.map(Sourced::cli)
}

fn flag(set: bool) -> Option<Sourced<bool>> {
    set.then(|| Sourced::cli(true))
}

fn list<T: Clone>(values: &[T]) -> Option<Sourced<Vec<T>>> {
    (!values.is_empty()).then(|| Sourced::cli(values.to_vec()))
}

impl Layer {
    /// What the command line of a run sets.
    pub fn from_run_args(args: &RunArgs) -> Layer {
        Layer {
            jobs: given(args.jobs),
            timeout: given(args.timeout),
            grace: given(args.grace),
            order: given(args.order),
            state_dir: given(args.state_dir.clone()),
            history: given(args.history.clone()),
            no_history: flag(args.no_history),
            include: list(&args.include),
            exclude: list(&args.exclude),
            exec: given(args.exec.clone()),
            perl_include: list(&args.perl_include),
            no_lib: flag(args.no_lib),
            keep_logs: flag(args.keep_logs),
            quiet: flag(args.quiet),
            verbose: flag(args.verbose),
            color: given(args.color),
            global_timeout: given(args.global_timeout),
            fail_fast: flag(args.fail_fast),
            max_fail: given(args.max_fail),
            slow: given(args.slow),
            load_limit: given(args.load_limit),
            mem_budget: given(args.mem_budget),
            quarantine_flaky: given(args.quarantine_flaky),
            retries: given(args.retries),
            retry_delay: given(args.retry_delay),
            retry_backoff: given(args.retry_backoff),
            retry_max_delay: given(args.retry_max_delay),
            flaky_fail: flag(args.flaky_fail),
            junit: given(args.junit.clone()),
            json: given(args.json.clone()),
            env: args
                .env
                .iter()
                .map(|(name, value)| (name.clone(), Sourced::cli(value.clone())))
                .collect(),
        }
    }

    /// What the command line of `ptest merge` sets.
    pub fn from_merge_args(args: &MergeArgs) -> Layer {
        Layer {
            history: given(args.history.clone()),
            color: given(args.color),
            ..Layer::default()
        }
    }

    /// What the command line of `ptest report flaky|slow` sets.
    pub fn from_report_args(args: &HistoryArgs, jobs: Option<Jobs>) -> Layer {
        Layer {
            jobs: given(jobs),
            state_dir: given(args.state_dir.clone()),
            history: given(args.history.clone()),
            ..Layer::default()
        }
    }

    /// What the environment sets, read through `var` (`std::env::var_os`
    /// for the process): `PTEST_STATE_DIR`. An empty value is kept and
    /// rejected only if it is the one used (as clap did: a command-line
    /// `--state-dir` hides it).
    pub fn from_env(var: &dyn Fn(&str) -> Option<OsString>) -> Layer {
        Layer {
            state_dir: var(STATE_DIR_ENV)
                .map(|v| Sourced::new(PathBuf::from(v), Source::Env(STATE_DIR_ENV))),
            ..Layer::default()
        }
    }

    /// What the environment sets for the run-wide limits:
    /// `PTEST_GLOBAL_TIMEOUT`, `PTEST_SLOW`, `PTEST_FAIL_FAST` (`1`/`true` or
    /// `0`/`false`), `PTEST_MAX_FAIL`, `PTEST_LOAD_LIMIT`,
    /// `PTEST_MEM_BUDGET`, and for retries: `PTEST_RETRIES`,
    /// `PTEST_RETRY_DELAY`, `PTEST_RETRY_BACKOFF`, `PTEST_FLAKY_FAIL`
    /// (`1`/`true`/`fail` or `0`/`false`/`pass`). An empty variable is unset; a bad value is an
    /// error naming the variable.
    pub fn limits_from_env(var: &dyn Fn(&str) -> Option<OsString>) -> Result<Layer, SettingsError> {
        fn read<T>(
            var: &dyn Fn(&str) -> Option<OsString>,
            name: &'static str,
            parse: impl Fn(&str) -> Result<T, String>,
        ) -> Result<Option<Sourced<T>>, SettingsError> {
            let Some(value) = var(name).filter(|v| !v.is_empty()) else {
                return Ok(None);
            };
            let text = value.to_string_lossy();
            parse(&text)
                .map(|v| Some(Sourced::new(v, Source::Env(name))))
                .map_err(|problem| SettingsError::BadEnv { name, problem })
        }
        let text = |e: &dyn std::fmt::Display| e.to_string();
        Ok(Layer {
            global_timeout: read(var, "PTEST_GLOBAL_TIMEOUT", |t| {
                super::parse_duration(t).map_err(|e| text(&e))
            })?,
            slow: read(var, "PTEST_SLOW", |t| {
                super::parse_duration(t).map_err(|e| text(&e))
            })?,
            fail_fast: read(var, "PTEST_FAIL_FAST", |t| match t {
                "1" | "true" | "yes" => Ok(true),
                "0" | "false" | "no" => Ok(false),
                other => Err(format!(
                    "invalid value `{other}`: expected 1, true, 0 or false"
                )),
            })?,
            max_fail: read(var, "PTEST_MAX_FAIL", |t| {
                limits::parse_count(t).map_err(|e| text(&e))
            })?,
            load_limit: read(var, "PTEST_LOAD_LIMIT", |t| {
                limits::parse_load(t).map_err(|e| text(&e))
            })?,
            mem_budget: read(var, "PTEST_MEM_BUDGET", |t| {
                limits::parse_size(t).map_err(|e| text(&e))
            })?,
            retries: read(var, "PTEST_RETRIES", |t| {
                t.parse::<u32>()
                    .map_err(|_| format!("invalid value `{t}`: expected a number of retries"))
            })?,
            retry_delay: read(var, "PTEST_RETRY_DELAY", |t| {
                super::parse_duration(t).map_err(|e| text(&e))
            })?,
            retry_backoff: read(var, "PTEST_RETRY_BACKOFF", |t| t.parse::<Backoff>())?,
            flaky_fail: read(var, "PTEST_FLAKY_FAIL", |t| match t {
                "1" | "true" | "yes" | "fail" => Ok(true),
                "0" | "false" | "no" | "pass" => Ok(false),
                other => Err(format!(
                    "invalid value `{other}`: expected 1, true, 0 or false"
                )),
            })?,
            ..Layer::default()
        })
    }
}

/// The first layer that sets a field, else `default`.
fn pick<T: Clone>(
    layers: &[Layer],
    field: impl Fn(&Layer) -> &Option<Sourced<T>>,
    default: T,
) -> Sourced<T> {
    layers
        .iter()
        .find_map(|layer| field(layer).clone())
        .unwrap_or_else(|| Sourced::default_value(default))
}

/// The first layer that sets an optional field, else `None` by default.
fn optional<T: Clone>(
    layers: &[Layer],
    field: impl Fn(&Layer) -> &Option<Sourced<T>>,
) -> Sourced<Option<T>> {
    layers
        .iter()
        .find_map(|layer| field(layer).clone())
        .map(|v| v.map(Some))
        .unwrap_or_else(|| Sourced::default_value(None))
}

/// Everything a test run needs to know, resolved once.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Directories, files or globs (empty: the default test directory).
    pub paths: Vec<PathBuf>,
    /// Worker slots asked for (capped later at the number of files).
    pub jobs: Sourced<Jobs>,
    /// Per-file timeout; `None`: no timeout (`--timeout 0` is none too).
    pub timeout: Sourced<Option<Duration>>,
    /// Between SIGTERM and SIGKILL.
    pub grace: Sourced<Duration>,
    /// Dispatch order.
    pub order: Sourced<Order>,
    /// Where ptest keeps run directories and the history.
    pub state_dir: Sourced<PathBuf>,
    /// The history file; `None` with `--no-history`.
    pub history: Sourced<Option<PathBuf>>,
    /// Only walked files matching these globs are tests.
    pub include: Sourced<Vec<String>>,
    /// Files matching these globs are left out.
    pub exclude: Sourced<Vec<String>>,
    /// Run every file through this command line (`--exec`).
    pub exec: Sourced<Option<String>>,
    /// `-I` directories for `PERL5LIB`.
    pub perl_include: Sourced<Vec<PathBuf>>,
    /// Do not add `lib`, `blib/lib`, `blib/arch` to `PERL5LIB`.
    pub no_lib: Sourced<bool>,
    /// Keep the logs of passing files.
    pub keep_logs: Sourced<bool>,
    /// Print only failures and the summary.
    pub quiet: Sourced<bool>,
    /// Print the output of passing files too.
    pub verbose: Sourced<bool>,
    /// When to use color.
    pub color: Sourced<ColorWhen>,
    /// Run only this shard.
    pub shard: Option<Shard>,
    /// `--shard auto`: the CI variables the shard was read from.
    pub shard_from: Option<super::ci::CiShard>,
    /// GitHub Actions output and the Markdown summary.
    pub ci: super::ci::CiOutputs,
    /// Seed expected durations from this file.
    pub durations: Option<PathBuf>,
    /// Write a JUnit XML report here.
    pub junit: Sourced<Option<PathBuf>>,
    /// Write the JSON summary here.
    pub json: Sourced<Option<PathBuf>>,
    /// Write the HTML report here (`--html`).
    pub html: Option<PathBuf>,
    /// Write the Chrome trace here (`--trace`).
    pub trace: Option<PathBuf>,
    /// Extra attempts after a failure or timeout, for files whose own
    /// settings do not say.
    pub retries: Sourced<u32>,
    /// The base delay before a retry.
    pub retry_delay: Sourced<Duration>,
    /// How the delay grows between retries.
    pub retry_backoff: Sourced<Backoff>,
    /// The longest delay exponential backoff waits.
    pub retry_max_delay: Sourced<Duration>,
    /// Whether a FLAKY file fails the run.
    pub flaky_fail: Sourced<bool>,
    /// The slow-file threshold of `--slow` (default [`DEFAULT_SLOW`]);
    /// `None`: never report a file as slow (set to 0).
    pub slow: Sourced<Option<Duration>>,
    /// The whole run's timeout; `None`: none.
    pub global_timeout: Sourced<Option<Duration>>,
    /// Stop starting files after the first failure.
    pub fail_fast: Sourced<bool>,
    /// Stop starting files after this many failures.
    pub max_fail: Sourced<Option<u32>>,
    /// Do not start a file while the 1-minute load average is above this.
    pub load_limit: Sourced<Option<LoadLimit>>,
    /// Do not start a file while the expected peak memory would pass this
    /// (bytes).
    pub mem_budget: Sourced<Option<u64>>,
    /// Quarantine, for this run, the files and tests the history shows
    /// flipping at or above this rate (`--quarantine-flaky`).
    pub quarantine_flaky: Sourced<Option<Rate>>,
    /// Variables given to every child, by name.
    pub env: BTreeMap<String, Sourced<String>>,
    /// `[groups.NAME] max-threads`: at most that many files of the group
    /// run at once.
    pub groups: BTreeMap<String, u32>,
    /// `[[runner]]` and `[[override]]` rules, for discovery.
    pub rules: Rules,
    /// The config file read, if any.
    pub config: Option<PathBuf>,
    /// The profile used, if any, and who chose it.
    pub profile: Option<Sourced<String>>,
    /// What is worth telling before the run (unknown keys in `ptest.toml`).
    pub warnings: Vec<String>,
    /// Print the files and exit (`--list`).
    pub list: bool,
    /// With `--list`: each file's resolved settings and their sources.
    pub explain: bool,
    /// Print the plan and exit (`--dry-run`).
    pub dry_run: bool,
    /// Run only the files whose last recorded run failed (`--failed`).
    pub failed: bool,
    /// Run every selected file this many times (`--repeat N`; with
    /// `--until-fail`, the cap).
    pub repeat: Option<u32>,
    /// Repeat until a file fails (`--until-fail`).
    pub until_fail: bool,
    /// `--queue`: take work from a shared work queue (see [`crate::queue`]).
    pub queue: Option<crate::queue::QueueSettings>,
}

impl Settings {
    /// How many failures stop the starting of files: 1 with `--fail-fast`,
    /// else `--max-fail`, else none.
    pub fn stop_after_failures(&self) -> Option<u32> {
        if self.fail_fast.value {
            Some(1)
        } else {
            self.max_fail.value
        }
    }

    /// Resolves a run's settings from its command line and the process
    /// environment.
    pub fn from_args(args: &RunArgs) -> Result<Settings, SettingsError> {
        Settings::resolve(args, &|name| std::env::var_os(name))
    }

    /// Resolves a run's settings from its command line and an environment
    /// read through `var`, with `ptest.toml` searched for from the working
    /// directory.
    pub fn resolve(
        args: &RunArgs,
        var: &dyn Fn(&str) -> Option<OsString>,
    ) -> Result<Settings, SettingsError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Settings::resolve_in(args, var, &cwd)
    }

    /// [`Settings::resolve`] with `ptest.toml` searched for from `cwd`.
    pub fn resolve_in(
        args: &RunArgs,
        var: &dyn Fn(&str) -> Option<OsString>,
        cwd: &Path,
    ) -> Result<Settings, SettingsError> {
        let config = load_config(args, var, cwd)?;
        let mut layers = vec![
            Layer::from_run_args(args),
            Layer::from_env(var),
            Layer::limits_from_env(var)?,
        ];
        let profile = select_profile(args, var, config.as_ref(), cwd)?;
        if let Some(config) = &config {
            if let Some(name) = &profile {
                if let Some((_, layer)) = config.profiles.get(&name.value) {
                    layers.push(layer.clone());
                }
            }
            layers.push(config.run.clone());
        }
        let mut settings = Settings::from_layers(args, &layers)?;
        let table = config
            .as_ref()
            .map(|c| (c.path.as_path(), c.queue.as_slice()));
        settings.queue = crate::queue::QueueSettings::resolve(&args.queue, table, var)?;
        if let Some(config) = config {
            settings.groups = config.groups;
            settings.rules = config.rules;
            settings.warnings = config.warnings;
            settings.config = Some(config.path);
        }
        settings.profile = profile;
        if args.shard == Some(super::ci::ShardArg::Auto) {
            let found = super::ci::shard_from_env(var)?;
            settings.shard = Some(found.shard);
            settings.shard_from = Some(found);
        }
        settings.ci = super::ci::CiOutputs::resolve(
            super::ci::CiOutputs::flag(args.ci.github, args.ci.no_github),
            args.ci.markdown.clone(),
            var,
        );
        Ok(settings)
    }

    /// Folds `layers` (highest precedence first) over the defaults.
    fn from_layers(args: &RunArgs, layers: &[Layer]) -> Result<Settings, SettingsError> {
        let state_dir = state_dir(layers)?;
        let history = history_path(layers, &state_dir);
        Ok(Settings {
            paths: args.paths.clone(),
            jobs: pick(layers, |l| &l.jobs, Jobs::Auto),
            timeout: layers
                .iter()
                .find_map(|l| l.timeout.clone())
                .map(|t| t.map(|d| Some(d).filter(|d| !d.is_zero())))
                .unwrap_or_else(|| Sourced::default_value(None)),
            grace: pick(layers, |l| &l.grace, DEFAULT_GRACE),
            order: pick(layers, |l| &l.order, Order::default()),
            state_dir,
            history,
            include: pick(layers, |l| &l.include, Vec::new()),
            exclude: pick(layers, |l| &l.exclude, Vec::new()),
            exec: layers
                .iter()
                .find_map(|l| l.exec.clone())
                .map(|e| e.map(Some))
                .unwrap_or_else(|| Sourced::default_value(None)),
            perl_include: pick(layers, |l| &l.perl_include, Vec::new()),
            no_lib: pick(layers, |l| &l.no_lib, false),
            keep_logs: pick(layers, |l| &l.keep_logs, false),
            quiet: pick(layers, |l| &l.quiet, false),
            verbose: pick(layers, |l| &l.verbose, false),
            color: pick(layers, |l| &l.color, ColorWhen::Auto),
            shard: match args.shard {
                Some(super::ci::ShardArg::Fixed(shard)) => Some(shard),
                Some(super::ci::ShardArg::Auto) | None => None,
            },
            shard_from: None,
            ci: super::ci::CiOutputs::default(),
            durations: args.durations.clone(),
            junit: optional(layers, |l| &l.junit),
            json: optional(layers, |l| &l.json),
            html: args.html.clone(),
            trace: args.trace.clone(),
            retries: pick(layers, |l| &l.retries, 0),
            retry_delay: pick(layers, |l| &l.retry_delay, Duration::ZERO),
            retry_backoff: pick(layers, |l| &l.retry_backoff, Backoff::Fixed),
            retry_max_delay: pick(layers, |l| &l.retry_max_delay, DEFAULT_MAX_DELAY),
            flaky_fail: pick(layers, |l| &l.flaky_fail, false),
            slow: pick(layers, |l| &l.slow, DEFAULT_SLOW).map(|d| Some(d).filter(|d| !d.is_zero())),
            global_timeout: optional(layers, |l| &l.global_timeout)
                .map(|t| t.filter(|d| !d.is_zero())),
            fail_fast: pick(layers, |l| &l.fail_fast, false),
            max_fail: optional(layers, |l| &l.max_fail),
            load_limit: optional(layers, |l| &l.load_limit),
            mem_budget: optional(layers, |l| &l.mem_budget),
            quarantine_flaky: optional(layers, |l| &l.quarantine_flaky),
            env: merged_env(layers),
            groups: BTreeMap::new(),
            rules: Rules::default(),
            config: None,
            profile: None,
            warnings: Vec::new(),
            list: args.list,
            explain: args.explain,
            dry_run: args.dry_run,
            failed: args.failed,
            repeat: args.repeat,
            until_fail: args.until_fail,
            queue: None,
        })
    }
}

/// The state directory: the first layer that sets it, else `.ptest`; an
/// empty `PTEST_STATE_DIR` is an error when it is the one used.
fn state_dir(layers: &[Layer]) -> Result<Sourced<PathBuf>, SettingsError> {
    let state_dir = pick(layers, |l| &l.state_dir, PathBuf::from(DEFAULT_STATE_DIR));
    if let (true, Source::Env(name)) = (state_dir.value.as_os_str().is_empty(), &state_dir.source) {
        return Err(SettingsError::EmptyEnv { name });
    }
    Ok(state_dir)
}

/// Every layer's variables, a higher layer's value winning name by name.
fn merged_env(layers: &[Layer]) -> BTreeMap<String, Sourced<String>> {
    let mut env = BTreeMap::new();
    for layer in layers.iter().rev() {
        for (name, value) in &layer.env {
            env.insert(name.clone(), value.clone());
        }
    }
    env
}

/// Finds and reads `ptest.toml` (see [`file::locate`]).
fn load_config(
    args: &RunArgs,
    var: &dyn Fn(&str) -> Option<OsString>,
    cwd: &Path,
) -> Result<Option<ConfigFile>, SettingsError> {
    let from_env = var(CONFIG_ENV).filter(|v| !v.is_empty()).map(PathBuf::from);
    let given = match (&args.config, &from_env) {
        (Some(path), _) => Some((path.as_path(), "--config")),
        (None, Some(path)) => Some((path.as_path(), CONFIG_ENV)),
        (None, None) => None,
    };
    match file::locate(given, cwd)? {
        Some(path) => Ok(Some(ConfigFile::load(&path)?)),
        None => Ok(None),
    }
}

/// `--profile`, else `PTEST_PROFILE`, else `ci` under `CI=true` when the
/// file has it. Naming a profile when no `ptest.toml` was found (searched
/// from `cwd`) is an error, as naming one the file lacks is.
fn select_profile(
    args: &RunArgs,
    var: &dyn Fn(&str) -> Option<OsString>,
    config: Option<&ConfigFile>,
    cwd: &Path,
) -> Result<Option<Sourced<String>>, SettingsError> {
    let asked = match (&args.profile, var(PROFILE_ENV).filter(|v| !v.is_empty())) {
        (Some(name), _) => Some(Sourced::cli(name.clone())),
        (None, Some(name)) => Some(Sourced::new(
            name.to_string_lossy().into_owned(),
            Source::Env(PROFILE_ENV),
        )),
        (None, None) => None,
    };
    let given_by = |source: &Source| match source {
        Source::Cli => "--profile".to_string(),
        other => other.to_string(),
    };
    let Some(config) = config else {
        return match asked {
            Some(name) => Err(ConfigError::UnknownProfile {
                given_by: given_by(&name.source),
                name: name.value,
                known: format!(
                    "there is no ptest.toml in {} or any parent directory (nor a --config or {CONFIG_ENV} file) to define it",
                    cwd.display()
                ),
            }
            .into()),
            None => Ok(None),
        };
    };
    if let Some(name) = asked {
        if config.profiles.contains_key(&name.value) {
            return Ok(Some(name));
        }
        let known = if config.profiles.is_empty() {
            format!("{} defines no profiles", config.path.display())
        } else {
            let names: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
            format!("{} defines: {}", config.path.display(), names.join(", "))
        };
        return Err(ConfigError::UnknownProfile {
            given_by: given_by(&name.source),
            name: name.value,
            known,
        }
        .into());
    }
    let ci = var("CI").is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    Ok((ci && config.profiles.contains_key("ci"))
        .then(|| Sourced::new("ci".to_string(), Source::Env("CI"))))
}

/// `--no-history` wins; else `--history`; else `history.json` in the
/// state directory (with the state directory's source).
fn history_path(layers: &[Layer], state_dir: &Sourced<PathBuf>) -> Sourced<Option<PathBuf>> {
    if let Some(off) = layers
        .iter()
        .find_map(|l| l.no_history.clone())
        .filter(|off| off.value)
    {
        return off.map(|_| None);
    }
    history_file(layers, state_dir).map(Some)
}

/// `--history`, else `history.json` in the state directory.
fn history_file(layers: &[Layer], state_dir: &Sourced<PathBuf>) -> Sourced<PathBuf> {
    match layers.iter().find_map(|l| l.history.clone()) {
        Some(path) => path,
        None => state_dir.clone().map(|dir| dir.join("history.json")),
    }
}

/// Which report `ptest report` prints, with the options only it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportKind {
    /// `ptest report flaky`.
    Flaky {
        /// List only entries with at least this many runs (`--min-runs`).
        min_runs: usize,
    },
    /// `ptest report slow`.
    Slow {
        /// List this many files and tests (`--top`).
        top: usize,
        /// The slots the bound is computed for (`-j`).
        jobs: Sourced<Jobs>,
    },
    /// `ptest report html|trace`: a view of JSON summaries (the history
    /// is not read).
    View {
        /// HTML or trace.
        format: ViewFormat,
        /// The summaries, merged when there are several.
        inputs: Vec<PathBuf>,
        /// Where to write the view.
        output: PathBuf,
    },
}

/// What `ptest report html|trace` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewFormat {
    /// The HTML report.
    Html,
    /// The Chrome trace-event file.
    Trace,
}

/// Everything `ptest report flaky|slow` needs to know, resolved once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSettings {
    /// Which report.
    pub kind: ReportKind,
    /// The history file read (never written).
    pub history: Sourced<PathBuf>,
    /// Print JSON instead of a table.
    pub json: bool,
}

impl ReportSettings {
    /// Resolves a report's settings from its command line and the process
    /// environment.
    pub fn from_args(args: &ReportArgs) -> Result<ReportSettings, SettingsError> {
        ReportSettings::resolve(args, &|name| std::env::var_os(name))
    }

    /// Resolves a report's settings from its command line and an
    /// environment read through `var`: the history file as a run finds it
    /// (`--history` > `--state-dir` > `PTEST_STATE_DIR` > `.ptest`).
    pub fn resolve(
        args: &ReportArgs,
        var: &dyn Fn(&str) -> Option<OsString>,
    ) -> Result<ReportSettings, SettingsError> {
        let view = |format: ViewFormat, a: &crate::config::cli::ViewArgs| {
            // A view of summaries reads no history: none is resolved.
            Ok(ReportSettings {
                kind: ReportKind::View {
                    format,
                    inputs: a.inputs.clone(),
                    output: a.output.clone(),
                },
                history: Sourced::default_value(PathBuf::new()),
                json: false,
            })
        };
        let (common, jobs, min_runs, top) = match &args.report {
            ReportCommand::Flaky(a) => (&a.history, None, a.min_runs, None),
            ReportCommand::Slow(a) => (&a.history, a.jobs, None, Some(a.top)),
            ReportCommand::Html(a) => return view(ViewFormat::Html, a),
            ReportCommand::Trace(a) => return view(ViewFormat::Trace, a),
        };
        let layers = [Layer::from_report_args(common, jobs), Layer::from_env(var)];
        let state_dir = state_dir(&layers)?;
        let kind = match top {
            None => ReportKind::Flaky {
                min_runs: min_runs.map_or(DEFAULT_MIN_RUNS, |n| n as usize),
            },
            Some(top) => ReportKind::Slow {
                top: top.map_or(DEFAULT_TOP, |n| n as usize),
                jobs: pick(&layers, |l| &l.jobs, Jobs::Auto),
            },
        };
        Ok(ReportSettings {
            kind,
            history: history_file(&layers, &state_dir),
            json: common.json,
        })
    }
}

/// Everything `ptest merge` needs to know, resolved once.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeSettings {
    /// The shard summaries to combine.
    pub inputs: Vec<PathBuf>,
    /// Write a combined JUnit XML report here.
    pub junit: Option<PathBuf>,
    /// Write a combined JSON summary here.
    pub json: Option<PathBuf>,
    /// Write an HTML report of the combined summary here.
    pub html: Option<PathBuf>,
    /// Write a Chrome trace of the combined summary here.
    pub trace: Option<PathBuf>,
    /// Fold the shards' results into this history file (only when given:
    /// `ptest merge` has no default history).
    pub history: Option<Sourced<PathBuf>>,
    /// When to use color.
    pub color: Sourced<ColorWhen>,
    /// GitHub Actions output and the Markdown summary.
    pub ci: super::ci::CiOutputs,
    /// `--queue`: merge what a shared work queue recorded instead of
    /// summary files.
    pub queue: Option<crate::queue::QueueSettings>,
}

impl MergeSettings {
    /// Resolves `ptest merge`'s settings from its command line (no
    /// environment variable applies to a merge today).
    pub fn from_args(args: &MergeArgs) -> Result<MergeSettings, SettingsError> {
        let layers = [Layer::from_merge_args(args)];
        let var = |name: &str| std::env::var_os(name);
        Ok(MergeSettings {
            inputs: args.inputs.clone(),
            junit: args.junit.clone(),
            json: args.json.clone(),
            html: args.html.clone(),
            trace: args.trace.clone(),
            history: layers.iter().find_map(|l| l.history.clone()),
            color: pick(&layers, |l| &l.color, ColorWhen::Auto),
            ci: super::ci::CiOutputs::resolve(
                super::ci::CiOutputs::flag(args.ci.github, args.ci.no_github),
                args.ci.markdown.clone(),
                &|name| std::env::var_os(name),
            ),
            queue: crate::queue::QueueSettings::resolve(&args.queue, None, &var)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::cli::{Cli, Command};
    use clap::Parser;

    fn run_args(argv: &[&str]) -> RunArgs {
        let mut full = vec!["ptest"];
        full.extend_from_slice(argv);
        Cli::try_parse_from(full).expect("parses").run
    }

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    fn state_env(name: &str) -> Option<OsString> {
        (name == STATE_DIR_ENV).then(|| OsString::from("from-env"))
    }

    #[test]
    fn nothing_given_is_every_default() {
        let s = Settings::resolve(&run_args(&[]), &no_env).unwrap();
        assert_eq!(s.jobs, Sourced::default_value(Jobs::Auto));
        assert_eq!(s.timeout, Sourced::default_value(None));
        assert_eq!(s.grace, Sourced::default_value(Duration::from_secs(2)));
        assert_eq!(s.order, Sourced::default_value(Order::FailedFirst));
        assert_eq!(s.state_dir, Sourced::default_value(PathBuf::from(".ptest")));
        assert_eq!(
            s.history,
            Sourced::default_value(Some(PathBuf::from(".ptest/history.json")))
        );
        assert_eq!(s.color, Sourced::default_value(ColorWhen::Auto));
        assert_eq!(s.exec, Sourced::default_value(None));
        for flag in [&s.no_lib, &s.keep_logs, &s.quiet, &s.verbose] {
            assert_eq!(flag, &Sourced::default_value(false));
        }
    }

    #[test]
    fn the_command_line_sets_and_says_so() {
        let args = run_args(&[
            "-j",
            "3",
            "--timeout",
            "30s",
            "--grace",
            "0",
            "--order",
            "lpt",
            "--color",
            "never",
            "--exec",
            "perl -T",
            "-I",
            "inc",
            "--include",
            "*.t",
            "-q",
            "--keep-logs",
        ]);
        let s = Settings::resolve(&args, &no_env).unwrap();
        assert_eq!(s.jobs, Sourced::cli(Jobs::Count(3)));
        assert_eq!(s.timeout, Sourced::cli(Some(Duration::from_secs(30))));
        assert_eq!(s.grace, Sourced::cli(Duration::ZERO));
        assert_eq!(s.order, Sourced::cli(Order::Lpt));
        assert_eq!(s.color, Sourced::cli(ColorWhen::Never));
        assert_eq!(s.exec, Sourced::cli(Some("perl -T".to_string())));
        assert_eq!(s.perl_include, Sourced::cli(vec![PathBuf::from("inc")]));
        assert_eq!(s.include, Sourced::cli(vec!["*.t".to_string()]));
        assert_eq!(s.quiet, Sourced::cli(true));
        assert_eq!(s.keep_logs, Sourced::cli(true));
        assert_eq!(s.verbose, Sourced::default_value(false));
    }

    #[test]
    fn a_zero_timeout_is_no_timeout_from_where_it_was_given() {
        let s = Settings::resolve(&run_args(&["--timeout", "0"]), &no_env).unwrap();
        assert_eq!(s.timeout, Sourced::cli(None));
    }

    #[test]
    fn the_command_line_beats_the_environment_which_beats_the_default() {
        let s = Settings::resolve(&run_args(&[]), &state_env).unwrap();
        assert_eq!(
            s.state_dir,
            Sourced::new(PathBuf::from("from-env"), Source::Env(STATE_DIR_ENV))
        );
        // The history follows the state directory, and says where that came from.
        assert_eq!(
            s.history,
            Sourced::new(
                Some(PathBuf::from("from-env/history.json")),
                Source::Env(STATE_DIR_ENV)
            )
        );
        let s = Settings::resolve(&run_args(&["--state-dir", "cli"]), &state_env).unwrap();
        assert_eq!(s.state_dir, Sourced::cli(PathBuf::from("cli")));
        assert_eq!(
            s.history,
            Sourced::cli(Some(PathBuf::from("cli/history.json")))
        );
    }

    #[test]
    fn history_defaults_to_the_state_dir_unless_given_or_off() {
        let s = Settings::resolve(&run_args(&["--state-dir", "/var/x"]), &no_env).unwrap();
        assert_eq!(s.history.value, Some(PathBuf::from("/var/x/history.json")));
        let args = run_args(&["--state-dir", "s", "--history", "h.json"]);
        let s = Settings::resolve(&args, &state_env).unwrap();
        assert_eq!(s.history, Sourced::cli(Some(PathBuf::from("h.json"))));
        let args = run_args(&["--history", "h.json", "--no-history"]);
        let s = Settings::resolve(&args, &no_env).unwrap();
        assert_eq!(s.history, Sourced::cli(None));
    }

    #[test]
    fn an_empty_state_dir_variable_is_an_error_naming_it() {
        let empty = |name: &str| (name == STATE_DIR_ENV).then(OsString::new);
        let err = Settings::resolve(&run_args(&[]), &empty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "PTEST_STATE_DIR is set but empty (unset it or give a value)"
        );
        // Not an error when the command line gives the directory.
        let s = Settings::resolve(&run_args(&["--state-dir", "d"]), &empty).unwrap();
        assert_eq!(s.state_dir, Sourced::cli(PathBuf::from("d")));
    }

    #[test]
    fn a_lower_layer_fills_only_what_higher_ones_leave() {
        let args = run_args(&["-j", "2"]);
        let lower = Layer {
            jobs: Some(Sourced::new(Jobs::Count(9), Source::Env("X"))),
            grace: Some(Sourced::new(Duration::from_secs(5), Source::Env("X"))),
            ..Layer::default()
        };
        let s = Settings::from_layers(&args, &[Layer::from_run_args(&args), lower]).unwrap();
        assert_eq!(s.jobs, Sourced::cli(Jobs::Count(2)));
        assert_eq!(
            s.grace,
            Sourced::new(Duration::from_secs(5), Source::Env("X"))
        );
        assert_eq!(s.order.source, Source::Default);
    }

    fn report_args(argv: &[&str]) -> ReportArgs {
        let mut full = vec!["ptest", "report"];
        full.extend_from_slice(argv);
        match Cli::try_parse_from(full).expect("parses").command {
            Some(Command::Report(args)) => args,
            other => panic!("not a report: {other:?}"),
        }
    }

    #[test]
    fn reports_find_the_history_as_a_run_does() {
        let r = ReportSettings::resolve(&report_args(&["flaky"]), &no_env).unwrap();
        assert_eq!(
            r,
            ReportSettings {
                kind: ReportKind::Flaky { min_runs: 2 },
                history: Sourced::default_value(PathBuf::from(".ptest/history.json")),
                json: false,
            }
        );
        let r = ReportSettings::resolve(&report_args(&["slow"]), &state_env).unwrap();
        assert_eq!(
            r.history,
            Sourced::new(
                PathBuf::from("from-env/history.json"),
                Source::Env(STATE_DIR_ENV)
            )
        );
        assert_eq!(
            r.kind,
            ReportKind::Slow {
                top: 10,
                jobs: Sourced::default_value(Jobs::Auto)
            }
        );
        let args = report_args(&[
            "slow",
            "--state-dir",
            "s",
            "-j",
            "3",
            "--top",
            "4",
            "--json",
        ]);
        let r = ReportSettings::resolve(&args, &state_env).unwrap();
        assert_eq!(r.history, Sourced::cli(PathBuf::from("s/history.json")));
        assert_eq!(
            r.kind,
            ReportKind::Slow {
                top: 4,
                jobs: Sourced::cli(Jobs::Count(3))
            }
        );
        assert!(r.json);
        let args = report_args(&["flaky", "--history", "h.json", "--min-runs", "5"]);
        let r = ReportSettings::resolve(&args, &state_env).unwrap();
        assert_eq!(r.history, Sourced::cli(PathBuf::from("h.json")));
        assert_eq!(r.kind, ReportKind::Flaky { min_runs: 5 });
        let empty = |name: &str| (name == STATE_DIR_ENV).then(OsString::new);
        let err = ReportSettings::resolve(&report_args(&["slow"]), &empty);
        assert!(
            matches!(
                err,
                Err(SettingsError::EmptyEnv {
                    name: STATE_DIR_ENV
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn the_run_wide_limits_come_from_the_command_line_then_the_environment() {
        let s = Settings::resolve(&run_args(&[]), &no_env).unwrap();
        assert_eq!(s.global_timeout, Sourced::default_value(None));
        assert_eq!(s.fail_fast, Sourced::default_value(false));
        assert_eq!(s.stop_after_failures(), None);
        assert_eq!(s.load_limit, Sourced::default_value(None));
        assert_eq!(s.mem_budget, Sourced::default_value(None));
        let args = run_args(&[
            "--global-timeout",
            "10m",
            "--max-fail",
            "3",
            "--load-limit",
            "2.5",
            "--mem-budget",
            "2G",
        ]);
        let env = |name: &str| match name {
            "PTEST_MEM_BUDGET" => Some(OsString::from("512M")),
            "PTEST_FAIL_FAST" => Some(OsString::from("1")),
            _ => None,
        };
        let s = Settings::resolve(&args, &env).unwrap();
        assert_eq!(
            s.global_timeout,
            Sourced::cli(Some(Duration::from_secs(600)))
        );
        assert_eq!(s.max_fail, Sourced::cli(Some(3)));
        assert_eq!(s.load_limit.value.map(LoadLimit::get), Some(2.5));
        assert_eq!(s.mem_budget, Sourced::cli(Some(2 << 30)));
        assert_eq!(
            s.fail_fast,
            Sourced::new(true, Source::Env("PTEST_FAIL_FAST"))
        );
        assert_eq!(s.stop_after_failures(), Some(1), "--fail-fast wins");
        let s = Settings::resolve(&run_args(&[]), &env).unwrap();
        assert_eq!(
            s.mem_budget,
            Sourced::new(Some(512 << 20), Source::Env("PTEST_MEM_BUDGET"))
        );
        let bad = |name: &str| (name == "PTEST_MAX_FAIL").then(|| OsString::from("many"));
        let err = Settings::resolve(&run_args(&[]), &bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "PTEST_MAX_FAIL: invalid count `many`: expected a whole number of at least 1"
        );
    }

    #[test]
    fn merge_settings_take_the_command_line() {
        let cli = Cli::try_parse_from(["ptest", "merge", "a.json", "--history", "h.json"]).unwrap();
        let Some(Command::Merge(args)) = cli.command else {
            panic!("not a merge")
        };
        let m = MergeSettings::from_args(&args).unwrap();
        assert_eq!(m.inputs, vec![PathBuf::from("a.json")]);
        assert_eq!(m.history, Some(Sourced::cli(PathBuf::from("h.json"))));
        assert_eq!(m.color, Sourced::default_value(ColorWhen::Auto));
    }
}
