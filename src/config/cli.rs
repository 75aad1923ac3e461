//! The command line (clap derive). Pure data: no I/O happens while parsing.

pub use super::ci::ShardArg;
use super::{parse_duration, parse_env_pair, parse_jobs, Jobs};
pub use crate::util::color::ColorWhen;
use crate::util::order::Order;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// ptest: run test files in parallel, each in its own process.
#[derive(Debug, Parser)]
#[command(
    name = "ptest",
    version,
    about = "Run test files in parallel, each in its own process, and report what happened.",
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  ptest ./tests -j 8\n  ptest t --junit report.xml --json summary.json\n  ptest 'tests/**/*.sh' --timeout 30s\n  ptest tests --shard 2/4 --json shard2.json\n  ptest merge shard*.json --junit all.xml"
)]
pub struct Cli {
    /// A subcommand; without one, ptest runs tests.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options for running tests.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Combine the --json summaries of several shards into one report.
    Merge(MergeArgs),
    /// Reports read from the recorded history: flaky or slow files and tests.
    Report(ReportArgs),
    /// Print each file's resolved runner, protocol and settings, and the run-wide settings, each with where it came from.
    Explain(Box<RunArgs>),
    /// Build a cargo workspace's tests and run each Rust test in its own process (doctests are not run: use `cargo test --doc`).
    Cargo(Box<CargoArgs>),
    /// Print a shell completion script (e.g. `ptest completions bash > /etc/bash_completion.d/ptest`).
    Completions(CompletionsArgs),
    /// Print ptest's man page (roff; `ptest man | man -l -`).
    Man,
}

/// Options for `ptest completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Options for `ptest cargo`: cargo's build switches, libtest's filters,
/// and every option of a run.
#[derive(Debug, Args)]
#[command(
    mut_arg("include", |a| a.hide(true)),
    mut_arg("exclude", |a| a.hide(true)),
    mut_arg("exec", |a| a.hide(true)),
    mut_arg("perl_include", |a| a.hide(true)),
    mut_arg("no_lib", |a| a.hide(true)),
    mut_arg("paths", |a| a
        .value_name("FILTER")
        .help("Run only tests whose path contains a FILTER (as libtest; `--` before them is allowed)")),
    after_help = "Builds with `cargo test --no-run`, lists each test binary's tests and runs one test per process: \
ids are `BINARY-ID TEST-PATH` (`crate`, `crate::bin/NAME`, `crate::TEST`, `crate::example/NAME`), \
which `[[override]]` patterns in ptest.toml match.\n\
Doctests are not run: run them with `cargo test --doc`.\n\n\
Examples:\n  ptest cargo -j 8\n  ptest cargo --workspace --junit report.xml -- parser::\n  ptest cargo -p mycrate --run-ignored all --shard 1/2"
)]
pub struct CargoArgs {
    /// Options of a run (`-j`, `--shard`, `--json`, `--junit`, `--timeout`, `--list`, …).
    #[command(flatten)]
    pub run: RunArgs,

    /// Build and test only this package (repeatable).
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,

    /// Test every package of the workspace.
    #[arg(long)]
    pub workspace: bool,

    /// Build in release mode.
    #[arg(long)]
    pub release: bool,

    /// Features to activate (space- or comma-separated; repeatable).
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub features: Vec<String>,

    /// Activate all features.
    #[arg(long)]
    pub all_features: bool,

    /// Do not activate the `default` feature.
    #[arg(long)]
    pub no_default_features: bool,

    /// Where cargo puts build artifacts.
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,

    /// The workspace's or package's Cargo.toml.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,

    /// FILTERs and --skip patterns match whole test paths.
    #[arg(long)]
    pub exact: bool,

    /// Leave out tests whose path contains PATTERN (repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub skip: Vec<String>,

    /// Which #[ignore] tests run: default (none; reported SKIP), only, all.
    #[arg(long, value_name = "WHICH", value_enum)]
    pub run_ignored: Option<crate::cargo::RunIgnored>,

    /// Test only the package's library (as `cargo test --lib`).
    #[arg(long, help_heading = "Target selection")]
    pub lib: bool,

    /// Test all binaries.
    #[arg(long, help_heading = "Target selection")]
    pub bins: bool,

    /// Test only the named binary (repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Target selection")]
    pub bin: Vec<String>,

    /// Test all integration tests.
    #[arg(long, help_heading = "Target selection")]
    pub tests: bool,

    /// Test only the named integration test (repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Target selection")]
    pub test: Vec<String>,

    /// Test all examples.
    #[arg(long, help_heading = "Target selection")]
    pub examples: bool,

    /// Test only the named example (repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Target selection")]
    pub example: Vec<String>,

    /// Test all benches (their #[test]s).
    #[arg(long, help_heading = "Target selection")]
    pub benches: bool,

    /// Test only the named bench target (repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Target selection")]
    pub bench: Vec<String>,

    /// Test all targets (as `cargo test --all-targets`).
    #[arg(long, help_heading = "Target selection")]
    pub all_targets: bool,
}

impl CargoArgs {
    /// The target-selection switches given, as `cargo test` takes them
    /// (`--lib`, `--bin NAME`, …); none: cargo's default targets.
    pub fn target_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (given, flag) in [
            (self.lib, "--lib"),
            (self.bins, "--bins"),
            (self.tests, "--tests"),
            (self.examples, "--examples"),
            (self.benches, "--benches"),
            (self.all_targets, "--all-targets"),
        ] {
            if given {
                args.push(flag.to_string());
            }
        }
        for (names, flag) in [
            (&self.bin, "--bin"),
            (&self.test, "--test"),
            (&self.example, "--example"),
            (&self.bench, "--bench"),
        ] {
            for name in names {
                args.extend([flag.to_string(), name.clone()]);
            }
        }
        args
    }
}

/// Options for a test run (grouped under headings in `--help`).
#[derive(Debug, Args)]
#[command(
    mut_arg("paths", |a| a.help_heading("Selection")),
    mut_arg("include", |a| a.help_heading("Selection")),
    mut_arg("exclude", |a| a.help_heading("Selection")),
    mut_arg("failed", |a| a.help_heading("Selection")),
    mut_arg("list", |a| a.help_heading("Selection")),
    mut_arg("explain", |a| a.help_heading("Selection")),
    mut_arg("shard", |a| a.help_heading("Selection")),
    mut_arg("config", |a| a.help_heading("Selection")),
    mut_arg("profile", |a| a.help_heading("Selection")),
    mut_arg("jobs", |a| a.help_heading("Scheduling")),
    mut_arg("order", |a| a.help_heading("Scheduling")),
    mut_arg("dry_run", |a| a.help_heading("Scheduling")),
    mut_arg("load_limit", |a| a.help_heading("Scheduling")),
    mut_arg("mem_budget", |a| a.help_heading("Scheduling")),
    mut_arg("durations", |a| a.help_heading("Scheduling")),
    mut_arg("history", |a| a.help_heading("Scheduling")),
    mut_arg("no_history", |a| a.help_heading("Scheduling")),
    mut_arg("state_dir", |a| a.help_heading("Scheduling")),
    mut_arg("global_timeout", |a| a.help_heading("Scheduling")),
    mut_arg("fail_fast", |a| a.help_heading("Scheduling")),
    mut_arg("max_fail", |a| a.help_heading("Scheduling")),
    mut_arg("repeat", |a| a.help_heading("Scheduling")),
    mut_arg("until_fail", |a| a.help_heading("Scheduling")),
    mut_arg("exec", |a| a.help_heading("Scheduling")),
    mut_arg("perl_include", |a| a.help_heading("Scheduling")),
    mut_arg("no_lib", |a| a.help_heading("Scheduling")),
    mut_arg("env", |a| a.help_heading("Scheduling")),
    mut_arg("timeout", |a| a.help_heading("Scheduling")),
    mut_arg("grace", |a| a.help_heading("Scheduling")),
    mut_arg("slow", |a| a.help_heading("Scheduling")),
    mut_arg("retries", |a| a.help_heading("Retries")),
    mut_arg("retry_delay", |a| a.help_heading("Retries")),
    mut_arg("retry_backoff", |a| a.help_heading("Retries")),
    mut_arg("retry_max_delay", |a| a.help_heading("Retries")),
    mut_arg("flaky_fail", |a| a.help_heading("Retries")),
    mut_arg("quarantine_flaky", |a| a.help_heading("Retries")),
    mut_arg("verbose", |a| a.help_heading("Output")),
    mut_arg("quiet", |a| a.help_heading("Output")),
    mut_arg("color", |a| a.help_heading("Output")),
    mut_arg("keep_logs", |a| a.help_heading("Output")),
    mut_arg("junit", |a| a.help_heading("Reports")),
    mut_arg("json", |a| a.help_heading("Reports")),
    mut_arg("html", |a| a.help_heading("Reports")),
    mut_arg("trace", |a| a.help_heading("Reports")),
    mut_arg("github", |a| a.help_heading("Reports")),
    mut_arg("no_github", |a| a.help_heading("Reports")),
    mut_arg("markdown", |a| a.help_heading("Reports")),
    mut_arg("queue_url", |a| a.help_heading("Work queue")),
    mut_arg("queue_run", |a| a.help_heading("Work queue")),
    mut_arg("queue_lease", |a| a.help_heading("Work queue")),
    mut_arg("queue_timeout", |a| a.help_heading("Work queue")),
    mut_arg("queue_ttl", |a| a.help_heading("Work queue")),
)]
pub struct RunArgs {
    /// Directories (walked recursively), files, or quoted globs. Default: tests/, else t/.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Worker slots: a number or `auto` (available cores). Default: auto.
    #[arg(short = 'j', long, value_name = "N|auto", value_parser = parse_jobs)]
    pub jobs: Option<Jobs>,

    /// Per-file timeout, e.g. 500ms, 30s, 5m, 1h30m; 0 means none.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Grace period between SIGTERM and SIGKILL when stopping a file (0: SIGKILL at once). Default: 2s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub grace: Option<Duration>,

    /// Only walked files matching GLOB are tests (repeatable). A GLOB without `/` matches the file name.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Leave out files matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Run every file through CMD (e.g. `--exec 'perl -Ilib'`), like prove --exec.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,

    /// Add DIR to PERL5LIB for the tests (repeatable), like prove -I.
    #[arg(short = 'I', value_name = "DIR")]
    pub perl_include: Vec<PathBuf>,

    /// Do not add lib/ (and blib/lib, blib/arch) to PERL5LIB when they exist.
    #[arg(long)]
    pub no_lib: bool,

    /// Write a JUnit XML report to PATH.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,

    /// Write the JSON summary to PATH.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Write a self-contained HTML report (timeline, failures, flaky and slowest files) to PATH.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,

    /// Write a Chrome trace-event file (for Perfetto or chrome://tracing) of the run to PATH.
    #[arg(long, value_name = "PATH")]
    pub trace: Option<PathBuf>,

    /// Print the files that would run, with runner and protocol, and exit.
    #[arg(long)]
    pub list: bool,

    /// With --list: print each file's resolved command, protocol and settings, and where each came from.
    #[arg(long, requires = "list")]
    pub explain: bool,

    /// Read this config file instead of looking for ptest.toml here and in the parent directories. Default: $PTEST_CONFIG.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Use [profile.NAME] of the config file. Default: $PTEST_PROFILE, else `ci` when CI=true and the file has one.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Set NAME=VALUE in every test's environment (repeatable; beats `env` in the config file).
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_env_pair)]
    pub env: Vec<(String, String)>,

    /// Print the plan (order, expected durations, predicted wall time) and exit.
    #[arg(long)]
    pub dry_run: bool,

    /// Run shard K of N (1-based), split by recorded durations; `auto`: from the CI's variables (GitLab, CircleCI, Buildkite, Azure, Bitbucket, or PTEST_SHARD_INDEX/PTEST_SHARD_TOTAL).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<ShardArg>,

    /// Dispatch order: failed-first (default), lpt, lexical, random, random:SEED.
    #[arg(long, value_name = "ORDER")]
    pub order: Option<Order>,

    /// Where ptest keeps its state (run directories, history). Default: $PTEST_STATE_DIR, else .ptest in the working directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// History file of recorded durations and outcomes. Default: history.json in the state directory.
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,

    /// Neither read nor write the history file.
    #[arg(long)]
    pub no_history: bool,

    /// Seed expected durations from a JUnit XML report or a JSON {"path": seconds} file.
    #[arg(long, value_name = "FILE")]
    pub durations: Option<PathBuf>,

    /// Keep the logs of passing files too (only failing files' logs are kept by default).
    #[arg(long)]
    pub keep_logs: bool,

    /// Show the output of every file, not only failing ones.
    #[arg(short, long)]
    pub verbose: bool,

    /// Only print failures and the final summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// When to use color. Default: auto.
    #[arg(long, value_name = "WHEN")]
    pub color: Option<ColorWhen>,

    /// Run only the files that failed, timed out or errored in their last recorded run (the history).
    #[arg(long, conflicts_with = "no_history")]
    pub failed: bool,

    /// Run each selected file N times (spread over the slots, never one file twice at once), then print each file's failure rate and duration spread.
    #[arg(long, value_name = "N", value_parser = crate::util::limits::parse_count, conflicts_with = "shard")]
    pub repeat: Option<u32>,

    /// Repeat the selected files until one fails, then start no more (at most --repeat N iterations; default 100).
    #[arg(long, conflicts_with = "shard")]
    pub until_fail: bool,

    /// Stop starting files after the first failure; running files finish, the rest are NOT RUN.
    #[arg(long)]
    pub fail_fast: bool,

    /// Stop starting files after N failures (--fail-fast is --max-fail 1).
    #[arg(long, value_name = "N", value_parser = crate::util::limits::parse_count)]
    pub max_fail: Option<u32>,

    /// Time limit for the whole run: then running files are stopped (INTERRUPTED), the rest NOT RUN (0: none).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub global_timeout: Option<Duration>,

    /// Print a SLOW line when a running file passes DURATION, and again at each multiple (0: never). Default: 60s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub slow: Option<Duration>,

    /// Do not start a file while the 1-minute load average is above L, unless nothing runs (like make -l).
    #[arg(long, value_name = "L", value_parser = crate::util::limits::parse_load)]
    pub load_limit: Option<crate::util::limits::LoadLimit>,

    /// Run a file that failed or timed out up to N more times; a file that passes on a later attempt is FLAKY.
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,

    /// Wait this long before a retry (default 0: as soon as a slot is free).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub retry_delay: Option<Duration>,

    /// How the delay grows between retries: fixed (default) or exponential (doubling, with jitter, capped at --retry-max-delay).
    #[arg(long, value_name = "HOW")]
    pub retry_backoff: Option<crate::util::backoff::Backoff>,

    /// The longest delay exponential backoff waits (default 30s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub retry_max_delay: Option<Duration>,

    /// A FLAKY file (failed, then passed on a retry) fails the run (flaky-result = "fail").
    #[arg(long)]
    pub flaky_fail: bool,

    /// Do not start a file while the expected peak memory of the running files plus its own would exceed SIZE (e.g. 512M, 2G), unless nothing runs.
    #[arg(long, value_name = "SIZE", value_parser = crate::util::limits::parse_size)]
    pub mem_budget: Option<u64>,

    /// Quarantine for this run the files and tests the history shows flipping at or above RATE (e.g. 0.2 or 20%).
    #[arg(long, value_name = "RATE", value_parser = crate::config::quarantine::parse_rate)]
    pub quarantine_flaky: Option<crate::config::quarantine::Rate>,

    /// CI output options (`--github`, `--no-github`, `--markdown`).
    #[command(flatten)]
    pub ci: CiArgs,

    /// The shared work queue (`--queue`, `--queue-run`, …).
    #[command(flatten)]
    pub queue: crate::queue::QueueArgs,
}

/// GitHub Actions output and the Markdown summary, for a run and a merge.
#[derive(Debug, Args, Default)]
pub struct CiArgs {
    /// Write GitHub Actions annotations, log groups and the job summary ($GITHUB_STEP_SUMMARY). Default: on when GITHUB_ACTIONS=true.
    #[arg(long, overrides_with = "no_github")]
    pub github: bool,

    /// Do not write GitHub Actions output, even under GITHUB_ACTIONS=true.
    #[arg(long)]
    pub no_github: bool,

    /// Write a Markdown summary (totals, failures, flaky, slowest) to PATH, for any CI or a pull-request comment.
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
}

/// Options for `ptest merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard summaries written with --json.
    #[arg(value_name = "SUMMARY", required_unless_present = "queue_url")]
    pub inputs: Vec<PathBuf>,

    /// Write a combined JUnit XML report to PATH.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,

    /// Write a combined JSON summary to PATH.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Write a self-contained HTML report of the combined summary to PATH.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,

    /// Write a Chrome trace-event file of the combined summary (shards as processes) to PATH.
    #[arg(long, value_name = "PATH")]
    pub trace: Option<PathBuf>,

    /// Fold the shards' durations and outcomes into this history file.
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,

    /// When to use color. Default: auto.
    #[arg(long, value_name = "WHEN")]
    pub color: Option<ColorWhen>,

    /// CI output options (`--github`, `--no-github`, `--markdown`).
    #[command(flatten)]
    pub ci: CiArgs,
    /// The shared work queue to merge (`--queue`, `--queue-run`, `--queue-timeout`).
    #[command(flatten)]
    pub queue: crate::queue::QueueArgs,
}

/// `ptest report flaky|slow`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which report.
    #[command(subcommand)]
    pub report: ReportCommand,
}

/// The reports read from the history.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Files and tests that both passed and failed with the same content, by flip rate.
    Flaky(FlakyArgs),
    /// The slowest files and tests: median, p95, max, trend, share of the suite's time.
    Slow(SlowArgs),
    /// An HTML report of JSON summaries written earlier (several are merged as `ptest merge` does).
    Html(ViewArgs),
    /// A Chrome trace-event file of JSON summaries written earlier.
    Trace(ViewArgs),
}

/// Options for `ptest report html|trace`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// JSON summaries (`--json`, `summary.json`, `ptest merge --json`).
    #[arg(value_name = "SUMMARY", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Where to write it.
    #[arg(short = 'o', long = "output", value_name = "PATH", required = true)]
    pub output: PathBuf,
}

/// Options every report takes.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The history file to read. Default: history.json in the state directory.
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,

    /// Where ptest keeps its state. Default: $PTEST_STATE_DIR, else .ptest in the working directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Print the report as JSON (a versioned schema, see docs/formats.md).
    #[arg(long)]
    pub json: bool,
}

/// Options for `ptest report flaky`.
#[derive(Debug, Args)]
pub struct FlakyArgs {
    /// History and output options.
    #[command(flatten)]
    pub history: HistoryArgs,

    /// List only files and tests with at least N runs that passed or failed. Default: 2.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub min_runs: Option<u32>,
}

/// Options for `ptest report slow`.
#[derive(Debug, Args)]
pub struct SlowArgs {
    /// History and output options.
    #[command(flatten)]
    pub history: HistoryArgs,

    /// List the N slowest files (and tests). Default: 10.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub top: Option<u32>,

    /// The worker slots to check the bound for: a number or `auto` (available cores). Default: auto.
    #[arg(short = 'j', long, value_name = "N|auto", value_parser = parse_jobs)]
    pub jobs: Option<Jobs>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_everyday_commands() {
        let cli = Cli::try_parse_from(["ptest", "./tests", "-j", "8", "--timeout", "30s"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.run.paths, vec![PathBuf::from("./tests")]);
        assert_eq!(cli.run.jobs, Some(Jobs::Count(8)));
        assert_eq!(cli.run.timeout, Some(Duration::from_secs(30)));
        let cli = Cli::try_parse_from(["ptest", "merge", "a.json", "b.json", "--junit", "x.xml"])
            .unwrap();
        match cli.command {
            Some(Command::Merge(m)) => assert_eq!(m.inputs.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_ptest_cargo_with_run_options_and_filters() {
        let cli = Cli::try_parse_from([
            "ptest",
            "cargo",
            "-p",
            "a",
            "--release",
            "-j",
            "3",
            "--shard",
            "1/2",
            "--run-ignored",
            "all",
            "word",
            "--",
            "x::y",
        ])
        .unwrap();
        let Some(Command::Cargo(args)) = cli.command else {
            panic!("not cargo")
        };
        assert_eq!(args.packages, ["a"]);
        assert!(args.release);
        assert_eq!(args.run.jobs, Some(Jobs::Count(3)));
        assert_eq!(args.run.paths, ["word", "x::y"].map(PathBuf::from));
        assert_eq!(args.run_ignored, Some(crate::cargo::RunIgnored::All));
    }

    #[test]
    fn parses_the_reports() {
        let cli =
            Cli::try_parse_from(["ptest", "report", "slow", "--top", "3", "-j", "4"]).unwrap();
        let Some(Command::Report(ReportArgs {
            report: ReportCommand::Slow(slow),
        })) = cli.command
        else {
            panic!("not report slow")
        };
        assert_eq!((slow.top, slow.jobs), (Some(3), Some(Jobs::Count(4))));
        let cli =
            Cli::try_parse_from(["ptest", "report", "flaky", "--json", "--min-runs", "5"]).unwrap();
        let Some(Command::Report(ReportArgs {
            report: ReportCommand::Flaky(flaky),
        })) = cli.command
        else {
            panic!("not report flaky")
        };
        assert_eq!((flaky.min_runs, flaky.history.json), (Some(5), true));
        for bad in [
            ["ptest", "report", "slow", "--top", "0"],
            ["ptest", "report", "flaky", "--min-runs", "x"],
        ] {
            let err = Cli::try_parse_from(bad).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation, "{err}");
        }
        let err = Cli::try_parse_from(["ptest", "--failed", "--no-history"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn bad_values_are_usage_errors_naming_the_value() {
        for (args, needle) in [
            (vec!["ptest", "-j", "0"], "`0`"),
            (vec!["ptest", "--timeout", "soon"], "`soon`"),
            (vec!["ptest", "--shard", "5/4"], "`5/4`"),
            (vec!["ptest", "--order", "fast"], "`fast`"),
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
            assert!(err.to_string().contains(needle), "{err}");
        }
    }
}
