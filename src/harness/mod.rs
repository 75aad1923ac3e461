//! File-based tests inside `cargo test`: a [`Suite`] of files becomes
//! [libtest-mimic](https://docs.rs/libtest-mimic) trials, one per file,
//! for a `[[test]]` target with `harness = false`.
//!
//! ```no_run
//! // tests/scripts.rs, with `[[test]] name = "scripts" harness = false`
//! use std::time::Duration;
//!
//! fn main() -> std::process::ExitCode {
//!     ptest::harness::Suite::new("tests/scripts/*.t")
//!         .runner("perl")
//!         .timeout(Duration::from_secs(30))
//!         .run()
//! }
//! ```
//!
//! Finding the files, and running the trials without a `main` (the names
//! are file ids; `--logfile` only keeps libtest's report out of the way):
//!
//! ```
//! use ptest::harness::Suite;
//!
//! let suite = Suite::new("sample-suites/demo/shell/*.sh").config(None);
//! let ids: Vec<String> = suite.units()?.iter().map(|u| u.id.to_string()).collect();
//! assert_eq!(
//!     ids,
//!     ["sample-suites/demo/shell/arith.sh", "sample-suites/demo/shell/strings-tap.sh"]
//! );
//! let log = std::env::temp_dir().join(format!("ptest-doctest-{}.log", std::process::id()));
//! let args = libtest_mimic::Arguments::from_iter(
//!     ["doctest", "--logfile", &log.to_string_lossy()],
//! );
//! let conclusion = libtest_mimic::run(&args, suite.state_dir(std::env::temp_dir().join("ptest-doctest")).trials());
//! assert_eq!((conclusion.num_passed, conclusion.num_failed), (2, 0));
//! # let _ = std::fs::remove_file(log);
//! # Ok::<(), ptest::harness::HarnessError>(())
//! ```
//!
//! Then `cargo test --test scripts` runs every `.t` file, and libtest's
//! command line works as for any test target: `-- FILTER`, `--exact`,
//! `--skip`, `--list` (`--format terse`), `--ignored`,
//! `--include-ignored`, `--test-threads N`. So does
//! `cargo nextest run`, which lists the trials with `--list --format terse`
//! and runs each one in a process of its own with `--exact NAME`.
//!
//! # What a trial is
//!
//! - **Its name** is the file's ptest id: its path relative to the working
//!   directory (cargo runs a test target from its package root), e.g.
//!   `tests/scripts/basic.t`. The files are found by ptest's own
//!   discovery ([`crate::discover`]): directories are walked, globs are
//!   matched, `ptest.toml` (found upwards from the working directory, or
//!   [`Suite::config`]) chooses runners and per-file settings through its
//!   `[[runner]]` and `[[override]]` tables, and `# ptest:` header lines
//!   are read. [`Suite::runner`] (like `ptest --exec`) starts every file
//!   with one command instead.
//! - **A file with `skip`** (header or override) is an ignored trial;
//!   `--ignored` / `--include-ignored` run it anyway.
//! - **Running it** goes through ptest's executor
//!   ([`crate::run::Session`]): its own process group, stdout and stderr
//!   written to log files under `.ptest/runs/<run id>/` (or
//!   [`Suite::state_dir`]), the timeout (the file's own, else
//!   [`Suite::timeout`]: SIGTERM to the group, [`Suite::grace`], SIGKILL),
//!   leftover processes killed, the `PTEST_*` environment, TAP on stdout or
//!   the JUnit report the file wrote to `PTEST_JUNIT_FILE` parsed.
//! - **The verdict** is ptest's ([`crate::aggregate::judge`]): PASS passes
//!   the trial, SKIP (`1..0 # SKIP`, exit status 77, every JUnit case
//!   skipped) makes it ignored at run time with the reason, anything else
//!   (FAIL, TIMEOUT, ERROR) fails it with the message ptest's console
//!   prints for that file: the verdict line with the first reason, the
//!   other reasons, the failing TAP lines and the tail of its output with
//!   the kept log's path. [`Suite::check`] replaces this rule, e.g. to
//!   expect a failure.
//!
//! Trials run on libtest-mimic's threads (`--test-threads`); each running
//! file holds a slot of its own (`PTEST_WORKER`, its `PTEST_TMPDIR`, its
//! scratch logs), and logs are named after the file id. One run directory
//! serves the whole suite; it is created when the first trial starts, so
//! `--list` writes nothing. Under nextest every trial is its own process
//! and so its own run directory (`PTEST_WORKER` is then always 0).
//!
//! What `ptest` itself adds and the harness does not: ordering by recorded
//! durations, history, retries, groups and exclusive files, dependencies,
//! shards, JUnit/JSON reports. Use `ptest` (or `cargo nextest`'s own
//! features) for those.

mod outcome;

pub use outcome::{default_check, TrialOutcome};

use crate::config::file::{self as config_file, ConfigError, ConfigFile};
use crate::discover::{self, DiscoverError, DiscoverOptions};
use crate::parse::Protocol;
use crate::run::{RunError, RunOptions, Session};
use crate::unit::Unit;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Decides a trial from its file's outcome (see [`Suite::check`]).
pub type Check = dyn Fn(&TrialOutcome) -> Result<Completion, Failed> + Send + Sync;

/// Changes a unit before it becomes a trial (see [`Suite::adjust`]).
pub type Adjust = dyn Fn(&mut Unit) + Send + Sync;

/// Which `ptest.toml` to read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ConfigChoice {
    /// Search upwards from the working directory, as `ptest` does.
    Search,
    /// This file.
    File(PathBuf),
    /// None.
    Ignore,
}

/// Files that become libtest-mimic trials (see the module docs). Built
/// with chained calls; nothing is read until [`Suite::units`],
/// [`Suite::trials`] or [`Suite::run`].
#[derive(Clone)]
#[must_use]
pub struct Suite {
    discover: DiscoverOptions,
    runner: Option<String>,
    protocol: Option<Protocol>,
    timeout: Option<Duration>,
    grace: Duration,
    jobs: Option<usize>,
    state_dir: PathBuf,
    keep_logs: bool,
    config: ConfigChoice,
    check: Arc<Check>,
    adjust: Option<Arc<Adjust>>,
}

impl std::fmt::Debug for Suite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Suite")
            .field("discover", &self.discover)
            .field("runner", &self.runner)
            .field("protocol", &self.protocol)
            .field("timeout", &self.timeout)
            .field("state_dir", &self.state_dir)
            .finish_non_exhaustive()
    }
}

/// Why a suite's files could not be found.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A path, glob or the runner command is wrong.
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    /// `ptest.toml` cannot be read or is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The paths and globs match no file.
    #[error("no test files match {0}")]
    NoFiles(String),
}

impl Suite {
    /// A suite of the files `path` names: a directory (walked: files with a
    /// known runner, `.t`, `.sh`, `.py`, … or executable), a file, or a
    /// glob such as `tests/data/*.t` (every matching file). Relative to the
    /// working directory, which is the package root under `cargo test`.
    pub fn new(path: impl Into<PathBuf>) -> Suite {
        Suite {
            discover: DiscoverOptions::new(vec![path.into()]),
            runner: None,
            protocol: None,
            timeout: None,
            grace: Duration::from_secs(2),
            jobs: None,
            state_dir: PathBuf::from(".ptest"),
            keep_logs: false,
            config: ConfigChoice::Search,
            check: Arc::new(default_check),
            adjust: None,
        }
    }

    /// Adds another directory, file or glob.
    pub fn path(mut self, path: impl Into<PathBuf>) -> Suite {
        self.discover.paths.push(path.into());
        self
    }

    /// Only walked files matching this glob are tests (like `--include`).
    pub fn include(mut self, glob: &str) -> Suite {
        self.discover.include.push(glob.to_string());
        self
    }

    /// Leaves out files matching this glob (like `--exclude`).
    pub fn exclude(mut self, glob: &str) -> Suite {
        self.discover.exclude.push(glob.to_string());
        self
    }

    /// Starts every file with this command, split like a shell would
    /// (like `ptest --exec`): `"perl -w"` runs `perl -w FILE`; a command
    /// with `{file}` (and `{junit}`, the report path in
    /// `PTEST_JUNIT_FILE`) is a template, e.g.
    /// `"python3 -m pytest {file} --junitxml={junit}"`. Without it the
    /// runner is chosen per file as `ptest` chooses it.
    pub fn runner(mut self, command: &str) -> Suite {
        self.runner = Some(command.to_string());
        self
    }

    /// Reads every file's results with this protocol instead of detecting
    /// it (JUnit report, else TAP when stdout looks like TAP, else the exit
    /// status).
    pub fn protocol(mut self, protocol: Protocol) -> Suite {
        self.protocol = Some(protocol);
        self
    }

    /// The timeout of a file that sets none of its own (header or
    /// `[[override]]`); none by default.
    pub fn timeout(mut self, timeout: Duration) -> Suite {
        self.timeout = Some(timeout);
        self
    }

    /// Time between SIGTERM and SIGKILL when a file times out (2 s).
    pub fn grace(mut self, grace: Duration) -> Suite {
        self.grace = grace;
        self
    }

    /// Gives every file this environment variable (before its own).
    pub fn env(mut self, name: &str, value: &str) -> Suite {
        self.discover
            .env
            .push((name.to_string(), value.to_string()));
        self
    }

    /// The number of slots (`PTEST_JOBS`); by default `--test-threads`
    /// (or the number of CPUs) under [`Suite::run`], the number of files
    /// under [`Suite::trials`]. More files never run at once than there are
    /// slots.
    pub fn jobs(mut self, jobs: usize) -> Suite {
        self.jobs = Some(jobs.max(1));
        self
    }

    /// Where run directories go: `DIR/runs/<run id>/` (`.ptest` by
    /// default; e.g. `env!("CARGO_TARGET_TMPDIR")` keeps them in
    /// `target/`). The last 10 runs are kept.
    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Suite {
        self.state_dir = dir.into();
        self
    }

    /// Keeps the logs of files that passed too.
    pub fn keep_logs(mut self, keep: bool) -> Suite {
        self.keep_logs = keep;
        self
    }

    /// Reads this `ptest.toml` instead of searching for one; `None` reads
    /// none.
    pub fn config(mut self, path: Option<&Path>) -> Suite {
        self.config = match path {
            Some(path) => ConfigChoice::File(path.to_path_buf()),
            None => ConfigChoice::Ignore,
        };
        self
    }

    /// Decides each trial from its file's [`TrialOutcome`] instead of
    /// [`default_check`]: `Ok(Completion::Completed)` passes it,
    /// `Ok(Completion::Ignored { .. })` reports it ignored, `Err` fails it
    /// with the message.
    pub fn check(
        mut self,
        check: impl Fn(&TrialOutcome) -> Result<Completion, Failed> + Send + Sync + 'static,
    ) -> Suite {
        self.check = Arc::new(check);
        self
    }

    /// Changes every unit after discovery, before it becomes a trial: e.g.
    /// a timeout, environment or protocol of its own
    /// (`unit.settings.timeout = …`), as a header would.
    pub fn adjust(mut self, adjust: impl Fn(&mut Unit) + Send + Sync + 'static) -> Suite {
        self.adjust = Some(Arc::new(adjust));
        self
    }

    /// The files, as ptest's discovery finds them (sorted by id), with the
    /// suite's runner, protocol and environment applied.
    pub fn units(&self) -> Result<Vec<Unit>, HarnessError> {
        let mut options = self.discover.clone();
        if let Some(command) = &self.runner {
            options.exec = Some(discover::split_exec(command)?);
        }
        if let Some(config) = self.config_file()? {
            options.rules = config.rules;
        }
        let mut units = match discover::discover(&options) {
            // The suite's own message for "nothing found" (one glob or
            // several paths).
            Err(DiscoverError::GlobMatchedNothing(_)) => Vec::new(),
            found => found?,
        };
        if units.is_empty() {
            let shown: Vec<String> = options
                .paths
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect();
            return Err(HarnessError::NoFiles(shown.join(", ")));
        }
        for unit in &mut units {
            if let Some(protocol) = self.protocol {
                unit.protocol = Some(protocol);
            }
            if let Some(adjust) = &self.adjust {
                adjust(unit);
            }
        }
        Ok(units)
    }

    fn config_file(&self) -> Result<Option<ConfigFile>, HarnessError> {
        let path = match &self.config {
            ConfigChoice::Ignore => return Ok(None),
            ConfigChoice::File(path) => {
                config_file::locate(Some((path, "Suite::config")), Path::new("."))?
            }
            ConfigChoice::Search => {
                let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                config_file::locate(None, &cwd)?
            }
        };
        Ok(path.map(|p| ConfigFile::load(&p)).transpose()?)
    }

    /// One trial per file (see the module docs), or why there are none.
    pub fn try_trials(&self) -> Result<Vec<Trial>, HarnessError> {
        let units = self.units()?;
        let jobs = self.jobs.unwrap_or(units.len()).max(1);
        let shared = Arc::new(Shared {
            options: self.run_options(jobs),
            session: OnceLock::new(),
            check: Arc::clone(&self.check),
        });
        Ok(units
            .into_iter()
            .map(|unit| {
                let ignored = unit.settings.skip.is_some();
                let shared = Arc::clone(&shared);
                Trial::ignorable_test(unit.id.to_string(), move || shared.run(&unit))
                    .with_ignored_flag(ignored)
            })
            .collect())
    }

    /// [`Suite::try_trials`], with an error turned into one failing trial
    /// named `ptest::harness` that says what is wrong, for mixing with
    /// other trials.
    pub fn trials(&self) -> Vec<Trial> {
        self.try_trials().unwrap_or_else(|err| {
            let message = error_chain(&err);
            vec![Trial::test("ptest::harness", move || Err(message.into()))]
        })
    }

    /// Parses libtest's command line, runs the trials and returns the exit
    /// code for `main` (101 when a trial failed, as libtest).
    pub fn run(self) -> std::process::ExitCode {
        let args = Arguments::from_args();
        let suite = match (self.jobs, args.test_threads) {
            (None, Some(threads)) => self.jobs(threads),
            (None, None) => {
                let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
                self.jobs(cpus)
            }
            (Some(_), _) => self,
        };
        libtest_mimic::run(&args, suite.trials()).exit_code()
    }

    fn run_options(&self, jobs: usize) -> RunOptions {
        let runs_root = self.state_dir.join("runs");
        let mut options = RunOptions::new(jobs, runs_root);
        options.run_id = unique_run_id();
        options.timeout = self.timeout;
        options.grace = self.grace;
        options.handle_signals = false;
        options.keep_logs = self.keep_logs;
        options
    }
}

/// What every trial of one suite shares: the session, started by the
/// first trial that runs.
struct Shared {
    options: RunOptions,
    session: OnceLock<Result<Session, String>>,
    check: Arc<Check>,
}

impl Shared {
    fn run(&self, unit: &Unit) -> Result<Completion, Failed> {
        let session = self
            .session
            .get_or_init(|| start_session(&self.options))
            .as_ref()
            .map_err(|err| Failed::from(err.as_str()))?;
        let start = Instant::now();
        let run = session.run_one(unit);
        let outcome = TrialOutcome::of(unit, &run, start.elapsed(), session.run_dir());
        (self.check)(&outcome)
    }
}

fn start_session(options: &RunOptions) -> Result<Session, String> {
    let prepared = crate::run::rundir::prepare_state_dir(
        options.runs_root.parent().unwrap_or(Path::new(".ptest")),
    );
    let mut options = options.clone();
    options.runs_root = prepared.runs_root;
    Session::start(&options).map_err(|err: RunError| error_chain(&err))
}

/// A run id unique in this process too (several suites may start in the
/// same millisecond).
fn unique_run_id() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{}-h{n}", crate::util::id::new_run_id())
}

/// An error and its causes, `: `-separated.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
