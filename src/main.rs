//! The `ptest` command: parse arguments, then discover → plan → run → merge
//! → report. All behaviour lives in the library; this file wires the stages
//! together and turns outcomes into exit codes.

use clap::Parser;
use ptest::config::cli::{Cli, Command, MergeArgs, RunArgs};
use ptest::discover::{self, DiscoverOptions, Protocol, Runner};
use ptest::merge::Merger;
use ptest::plan::Plan;
use ptest::report::console::{Console, ConsoleOptions};
use ptest::run::{self, RunEvent, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes (see the README).
mod exit {
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NO_TESTS: u8 = 4;
    pub const INTERRUPTED: u8 = 130;
}

/// Where ptest keeps its state, relative to the working directory.
const STATE_DIR: &str = ".ptest";

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors
            // to stderr (exit 2).
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { exit::USAGE } else { 0 });
        }
    };
    let result = match cli.command {
        Some(Command::Merge(args)) => merge_command(args),
        None => run_command(cli.run),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("ptest: error: {}", chain(&err));
            ExitCode::from(exit::USAGE)
        }
    }
}

/// `error: cause: cause` on one line.
fn chain(err: &anyhow::Error) -> String {
    err.chain()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

fn run_command(args: RunArgs) -> anyhow::Result<ExitCode> {
    let exec = args
        .exec
        .as_deref()
        .map(discover::split_exec)
        .transpose()?;
    let options = DiscoverOptions {
        paths: args.paths.clone(),
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        exec,
    };
    let files = discover::discover(&options)?;
    if files.is_empty() {
        let where_ = if args.paths.is_empty() {
            "the default test directory".to_string()
        } else {
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        eprintln!(
            "ptest: no test files found in {where_} (looked for .t, .sh, .bash, .py and executable files{})",
            if args.include.is_empty() { "" } else { " matching --include" }
        );
        return Ok(ExitCode::from(exit::NO_TESTS));
    }
    let jobs = args.jobs.resolve();
    let plan = Plan::lexical(files, jobs);

    if args.list {
        print_list(&plan);
        return Ok(ExitCode::SUCCESS);
    }

    let console_options = ConsoleOptions::detect(args.color, args.quiet, args.verbose);
    let mut console = Console::new(console_options, &plan);
    let mut merger = Merger::new(&plan).with_shard(args.shard.map(|s| s.to_string()));
    let mut run_options = RunOptions::new(jobs, PathBuf::from(STATE_DIR).join("runs"));
    run_options.timeout = args.timeout;
    run_options.grace = args.grace;
    run_options.shard = args.shard.map(|s| s.to_string());
    // -v prints passing files' output, which lives in their logs.
    run_options.keep_logs = args.keep_logs || args.verbose;

    let outcome = run::run(&plan, &run_options, |event: RunEvent| {
        let finished = merger.observe(&event);
        console.on_event(&event, finished);
    })?;
    let summary = merger.finish(&outcome);

    let mut notes = String::new();
    let summary_path = outcome.run_dir.join("summary.json");
    if let Err(err) = write_json(&summary, &summary_path) {
        notes.push_str(&format!("warning: {err}\n"));
    }
    if let Some(path) = &args.json {
        write_json(&summary, path)?;
    }
    console.finish(&summary, &notes);

    let code = if summary.interrupted {
        exit::INTERRUPTED
    } else if summary.has_failures() {
        exit::FAILED
    } else {
        0
    };
    Ok(ExitCode::from(code))
}

fn write_json(summary: &ptest::merge::RunSummary, path: &std::path::Path) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(summary)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// `--list`: one line per file with its runner and protocol.
fn print_list(plan: &Plan) {
    let width = plan
        .entries
        .iter()
        .map(|e| e.file.id.len())
        .max()
        .unwrap_or(0);
    for entry in &plan.entries {
        let f = &entry.file;
        let runner = match &f.runner {
            Runner::Direct => "(direct)".to_string(),
            Runner::Interpreter { program, args } if args.is_empty() => program.clone(),
            Runner::Interpreter { program, args } => format!("{program} {}", args.join(" ")),
            Runner::Unrunnable { reason } => format!("cannot run: {reason}"),
        };
        let protocol = match f.protocol {
            Protocol::Tap => "tap",
            Protocol::Auto => "tap-or-exit-code",
        };
        println!("{:<width$}  {:<16}  {}", f.id, protocol, runner);
    }
}

fn merge_command(_args: MergeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("ptest merge is not available yet")
}
