//! The `ptest` command: parse arguments, then discover → plan → run → merge
//! → report. All behaviour lives in the library; this file wires the stages
//! together and turns outcomes into exit codes.

use clap::Parser;
use ptest::config::cli::{Cli, Command, MergeArgs, RunArgs};
use ptest::discover::{self, DiscoverOptions, Protocol, Runner};
use ptest::merge::{shards, Merger, RunSummary};
use ptest::plan::Plan;
use ptest::report::console::{render_details, render_file_line, render_summary, Palette};
use ptest::report::console::{Console, ConsoleOptions};
use ptest::report::{json, junit};
use ptest::run::{self, RunEvent, RunOptions};
use std::path::{Path, PathBuf};
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
    let exec = args.exec.as_deref().map(discover::split_exec).transpose()?;
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
    if let Err(err) = json::write_summary(&summary, &outcome.run_dir.join("summary.json")) {
        notes.push_str(&format!("warning: {err}\n"));
    }
    console.finish(&summary, &notes);
    let written = write_reports(&summary, args.junit.as_deref(), args.json.as_deref());

    let code = if summary.interrupted {
        exit::INTERRUPTED
    } else if written.is_err() {
        exit::USAGE
    } else if summary.has_failures() {
        exit::FAILED
    } else {
        0
    };
    if let Err(err) = written {
        eprintln!("ptest: error: {}", chain(&err));
    }
    Ok(ExitCode::from(code))
}

/// Writes `--junit` and `--json` (both are attempted even if one fails).
fn write_reports(
    summary: &RunSummary,
    junit_path: Option<&Path>,
    json_path: Option<&Path>,
) -> anyhow::Result<()> {
    let junit_result = junit_path.map(|p| junit::write_junit(summary, p));
    let json_result = json_path.map(|p| json::write_summary(summary, p));
    if let Some(r) = junit_result {
        r?;
    }
    if let Some(r) = json_result {
        r?;
    }
    Ok(())
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

/// `ptest merge`: combines shard summaries into one report and exit code.
fn merge_command(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let mut inputs = Vec::with_capacity(args.inputs.len());
    for path in &args.inputs {
        let summary = json::read_summary(path)?;
        inputs.push((path.clone(), summary));
    }
    let combined = shards::combine(inputs)?;
    for warning in &combined.warnings {
        eprintln!("ptest: warning: {warning}");
    }
    let summary = combined.summary;
    let options = ConsoleOptions::detect(args.color, false, false);
    let palette = Palette::new(options.color);
    for file in summary.files.iter().filter(|f| f.verdict.is_failure()) {
        print!("{}", render_file_line(file, &palette));
        print!("{}", render_details(file, &palette));
    }
    let mut notes = String::new();
    if !combined.missing_shards.is_empty() {
        let list: Vec<String> = combined
            .missing_shards
            .iter()
            .map(|k| k.to_string())
            .collect();
        notes.push_str(&format!(
            "Missing shard{}: {} (their files are not in this report)\n",
            if list.len() == 1 { "" } else { "s" },
            list.join(", ")
        ));
    }
    print!("{}", render_summary(&summary, &palette, &notes));
    let written = write_reports(&summary, args.junit.as_deref(), args.json.as_deref());
    let code = if written.is_err() || !combined.missing_shards.is_empty() {
        exit::USAGE
    } else if summary.interrupted {
        exit::INTERRUPTED
    } else if summary.has_failures() {
        exit::FAILED
    } else {
        0
    };
    written?;
    Ok(ExitCode::from(code))
}
