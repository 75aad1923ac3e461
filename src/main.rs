//! The `ptest` command: parse arguments, then discover → plan → run → merge
//! → report. All behaviour lives in the library; this file wires the stages
//! together and turns outcomes into exit codes.

use clap::Parser;
use ptest::config::cli::{Cli, Command, MergeArgs, RunArgs};
use ptest::config::format_duration;
use ptest::discover::{self, DiscoverOptions};
use ptest::history::{self, History};
use ptest::merge::{shards, Merger, RunSummary};
use ptest::parse::Protocol;
use ptest::plan::{self, Expectations, ImportedDurations, Plan, PlanOptions};
use ptest::report::console::{
    err_line, out, render_details, render_file_line, render_summary, Palette,
};
use ptest::report::console::{Console, ConsoleOptions};
use ptest::report::{escape, json, junit};
use ptest::run::{self, RunEvent, RunOptions};
use ptest::unit::Launcher;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes (see the README).
mod exit {
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NO_TESTS: u8 = 4;
    pub const INTERRUPTED: u8 = 130;
}

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
            err_line(&format!("ptest: error: {}", chain(&err)));
            ExitCode::from(exit::USAGE)
        }
    }
}

/// A library error and its causes (e.g. the OS reason) on one line.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
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
        err_line(&format!(
            "ptest: no test files found in {where_} (looked for .t, .sh, .bash, .py and executable files{})",
            if args.include.is_empty() { "" } else { " matching --include" }
        ));
        return Ok(ExitCode::from(exit::NO_TESTS));
    }
    let jobs = args.jobs.resolve();

    // History and imported durations feed the plan; neither changes a verdict.
    let history_path = (!args.no_history).then(|| args.history_path());
    let mut expectations = Expectations::new();
    if let Some(path) = &history_path {
        // --list and --dry-run change nothing on disk: a bad history stays.
        let loaded = if args.list || args.dry_run {
            History::load_read_only(path)
        } else {
            History::load(path)
        };
        match loaded {
            Ok(loaded) => {
                if let Some(warning) = loaded.warning {
                    err_line(&format!("ptest: warning: {warning}"));
                }
                expectations = Expectations::from_history(&loaded.history);
            }
            Err(err) => err_line(&format!(
                "ptest: warning: {}; planning without history",
                causes(&err)
            )),
        }
    }
    if let Some(path) = &args.durations {
        expectations = expectations.with_imported(ImportedDurations::load(path)?);
    }
    let plan_options = PlanOptions {
        jobs,
        order: args.order,
        shard: args.shard,
    };
    let plan = Plan::build(files, &expectations, &plan_options);

    if args.dry_run {
        out(&plan::render_dry_run(&plan));
        return Ok(ExitCode::SUCCESS);
    }
    if args.list {
        print_list(&plan);
        return Ok(ExitCode::SUCCESS);
    }
    if plan.entries.is_empty() {
        // Only possible with --shard: more shards than this one has files for.
        if let Some(info) = &plan.shard {
            let total: usize = info.counts.iter().sum();
            out(&format!(
                "Shard {} has no files ({total} file{} across {} shards): nothing to run.\n",
                info.shard,
                if total == 1 { "" } else { "s" },
                info.shard.count
            ));
        }
        let summary = Merger::new(&plan)
            .with_shard(args.shard.map(|s| s.to_string()))
            .finish(&run::RunOutcome::empty());
        write_reports(&summary, args.junit.as_deref(), args.json.as_deref())?;
        return Ok(ExitCode::SUCCESS);
    }

    let console_options = ConsoleOptions::detect(args.color, args.quiet, args.verbose);
    let mut console = Console::new(console_options, &plan);
    let mut merger = Merger::new(&plan).with_shard(args.shard.map(|s| s.to_string()));
    let state = run::rundir::prepare_state_dir(&args.state_dir);
    if let Some(warning) = &state.warning {
        err_line(&format!("ptest: warning: {warning}"));
    }
    let mut run_options = RunOptions::new(jobs, state.runs_root);
    // `--timeout 0` means no timeout (as with timeout(1)), not "stop at once".
    run_options.timeout = args.timeout.filter(|t| !t.is_zero());
    run_options.grace = args.grace;
    run_options.shard = args.shard.map(|s| s.to_string());
    // -v prints passing files' output, which lives in their logs.
    run_options.keep_logs = args.keep_logs || args.verbose;
    run_options.perl_lib = perl_lib(&args);

    let outcome = run::run(&plan, &run_options, |event: RunEvent| {
        let finished = merger.observe(&event);
        console.on_event(&event, finished);
    })?;
    let summary = merger.finish(&outcome);

    let mut notes = schedule_note(&plan, &summary);
    if let Err(err) = json::write_summary(&summary, &outcome.run_dir.join("summary.json")) {
        notes.push_str(&format!("warning: {err}\n"));
    }
    if let Some(path) = &history_path {
        notes.push_str(&record_history(path, &plan, &summary));
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
        err_line(&format!("ptest: error: {}", chain(&err)));
    }
    Ok(ExitCode::from(code))
}

/// Folds this run into the history, except for a shard: every shard of a
/// split must plan from the same history, so a sharded run only reads it and
/// `ptest merge --history` records the shards' results. Returns the note or
/// warning to print (possibly empty).
fn record_history(path: &Path, plan: &Plan, summary: &RunSummary) -> String {
    if plan.shard.is_some() {
        return format!(
            "History: unchanged (sharded run); record the shards with `ptest merge … --history {}`\n",
            path.display()
        );
    }
    let files = plan
        .entries
        .iter()
        .map(|e| (e.file.id.as_str(), e.file.path()));
    match history::update(path, summary, &history::hash_files(files)) {
        Ok(Some(warning)) => format!("warning: {warning}\n"),
        Ok(None) => String::new(),
        Err(err) => format!("warning: history not saved: {}\n", causes(&err)),
    }
}

/// Directories for PERL5LIB: `-I` ones, then `lib`, `blib/lib` and
/// `blib/arch` when they exist (as `prove -l`/`-b` and yath do), unless
/// `--no-lib`.
fn perl_lib(args: &RunArgs) -> Vec<PathBuf> {
    let mut dirs = args.perl_include.clone();
    if !args.no_lib {
        dirs.extend(
            ["lib", "blib/lib", "blib/arch"]
                .iter()
                .map(PathBuf::from)
                .filter(|d| d.is_dir()),
        );
    }
    dirs
}

/// The timing line under the summary: wall time against the lower bound of
/// this run's durations, and against what the plan predicted.
fn schedule_note(plan: &Plan, summary: &RunSummary) -> String {
    let durations: Vec<std::time::Duration> =
        summary.files.iter().filter_map(|f| f.duration).collect();
    if durations.len() < 2 {
        return String::new();
    }
    let slots = plan.jobs.min(durations.len()).max(1) as u32;
    let sum: std::time::Duration = durations.iter().sum();
    let longest = durations.iter().max().copied().unwrap_or_default();
    let bound = (sum / slots).max(longest);
    let mut note = format!(
        "Bound:  {} lower bound max(sum/jobs, longest); wall is {:.2}x of it",
        format_duration(bound),
        summary.wall.as_secs_f64() / bound.as_secs_f64().max(1e-6)
    );
    if plan.entries.iter().any(|e| e.expected.is_some()) {
        note.push_str(&format!(
            "; plan predicted {}",
            format_duration(plan.predicted_wall())
        ));
    }
    if let Some(info) = &plan.shard {
        note.push_str(&format!("; shard {}", info.shard));
    }
    note.push('\n');
    note
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

/// `--list`: one line per file with its runner and protocol (only this
/// shard's files with `--shard`, followed by the shards' planned totals).
fn print_list(plan: &Plan) {
    if let Some(info) = &plan.shard {
        let totals: Vec<String> = info
            .totals
            .iter()
            .zip(&info.counts)
            .enumerate()
            .map(|(i, (t, n))| {
                let mark = if i + 1 == info.shard.index { "*" } else { "" };
                let files = format!("{n} file{}", if *n == 1 { "" } else { "s" });
                if info.hash_split {
                    format!("{}{mark}: {files}", i + 1)
                } else {
                    format!("{}{mark}: {files}, {}", i + 1, format_duration(*t))
                }
            })
            .collect();
        err_line(&format!(
            "shard {} of a {} split ({}) — {}",
            info.shard,
            if info.hash_split {
                "hash"
            } else {
                "duration-balanced"
            },
            totals.join(" · "),
            if info.hash_split {
                "duration unknown: no file has a recorded or imported duration"
            } else {
                "planned durations"
            }
        ));
    }
    // Names are escaped and aligned by display width (see report::escape).
    let width = plan
        .entries
        .iter()
        .map(|e| escape::width(&e.file.id))
        .max()
        .unwrap_or(0);
    // Sorted by id for reading and diffing; --dry-run shows the start order.
    let mut entries: Vec<_> = plan.entries.iter().collect();
    entries.sort_by(|a, b| a.file.id.cmp(&b.file.id));
    for entry in entries {
        let f = &entry.file;
        let runner = match f.launcher() {
            Launcher::Direct => "(direct)".to_string(),
            Launcher::Interpreter { program, args } if args.is_empty() => program.clone(),
            Launcher::Interpreter { program, args } => format!("{program} {}", args.join(" ")),
            Launcher::Unrunnable { reason } => format!("cannot run: {reason}"),
        };
        let protocol = match f.protocol {
            Some(Protocol::Tap) => "tap",
            Some(Protocol::ExitCode) => "exit-code",
            Some(Protocol::Junit) => "junit",
            None => "tap-or-exit-code",
        };
        out(&format!(
            "{}  {:<16}  {}\n",
            escape::pad(&f.id, width),
            protocol,
            escape::for_terminal(&runner)
        ));
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
        err_line(&format!("ptest: warning: {warning}"));
    }
    let notes = merge_notes(&combined);
    let summary = combined.summary;
    if let Some(path) = &args.history {
        // Fold the shards' results into a history so CI keeps learning;
        // files that cannot be read here get no content hash.
        let files = summary
            .files
            .iter()
            .map(|f| (f.id.as_str(), f.path.as_path()));
        if let Some(warning) = history::update(path, &summary, &history::hash_files(files))? {
            err_line(&format!("ptest: warning: {warning}"));
        }
    }
    let options = ConsoleOptions::detect(args.color, false, false);
    let palette = Palette::new(options.color);
    for file in summary.files.iter().filter(|f| f.verdict.is_failure()) {
        out(&render_file_line(file, &palette));
        out(&render_details(file, &palette));
    }
    out(&render_summary(&summary, &palette, &notes));
    let written = write_reports(&summary, args.junit.as_deref(), args.json.as_deref());
    // The same precedence as a run: interrupted > incomplete/usage > failed.
    let code = if summary.interrupted {
        exit::INTERRUPTED
    } else if written.is_err() || summary.incomplete.is_some() {
        exit::USAGE
    } else if summary.has_failures() {
        exit::FAILED
    } else {
        0
    };
    if let Err(err) = written {
        err_line(&format!("ptest: error: {}", chain(&err)));
    }
    Ok(ExitCode::from(code))
}

/// The merge's notes under the summary: missing shards, and the planned
/// files no shard reported (named, up to [`NAMED_NOT_RUN`]).
fn merge_notes(combined: &shards::Combined) -> String {
    let mut notes = String::new();
    if !combined.missing_shards.is_empty() {
        let list: Vec<String> = combined
            .missing_shards
            .iter()
            .map(|k| k.to_string())
            .collect();
        notes.push_str(&format!(
            "Missing shard{}: {} ({})\n",
            if list.len() == 1 { "" } else { "s" },
            list.join(", "),
            if combined.partition.is_some() {
                "their files are NOT RUN in this report"
            } else {
                "their files are not in this report: the summaries record no partition"
            }
        ));
    }
    let ids = &combined.not_run_anywhere;
    if !ids.is_empty() {
        let named: Vec<&str> = ids.iter().take(NAMED_NOT_RUN).map(String::as_str).collect();
        let more = ids.len().saturating_sub(NAMED_NOT_RUN);
        notes.push_str(&format!(
            "Not run on any shard: {} file{}: {}{}\n",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            named.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    notes
}

/// How many files that ran on no shard `ptest merge` names on the console.
const NAMED_NOT_RUN: usize = 10;
