//! `ptest [PATH]…`: discover → plan → run → merge → report.
//!
//! The stages' options are built here from [`Settings`], each in one small
//! function ([`discover_options`], [`plan_options`], [`run_options`]), so a
//! new setting is added in one place.

use super::{causes, CliError, Exit};
use crate::config::settings::Settings;
use crate::discover::{self, DiscoverOptions};
use crate::history::{self, History};
use crate::merge::{Merger, RunSummary};
use crate::plan::{self, Expectations, ImportedDurations, Plan, PlanOptions};
use crate::report::console::{err_line, out, Console, ConsoleOptions};
use crate::report::json;
use crate::report::views::{empty_shard_note, list_shard_line, render_list, schedule_note};
use crate::report::write::write_reports;
use crate::run::{self, RunEvent, RunOptions};
use std::path::{Path, PathBuf};

/// Runs the suite `settings` describe and returns the exit code; errors
/// are those that stop the run before it starts.
pub fn exec(settings: &Settings) -> Result<Exit, CliError> {
    let files = discover::discover(&discover_options(settings)?)?;
    if files.is_empty() {
        err_line(&no_files_message(settings));
        return Ok(Exit::NoTests);
    }
    let jobs = settings.jobs.value.resolve();
    let expectations = expectations(settings)?;
    let plan = Plan::build(files, &expectations, &plan_options(settings, jobs));
    // A cycle or a dependency outside the run: nothing starts (exit 2).
    plan.check()?;

    if settings.dry_run {
        out(&plan::render_dry_run(&plan));
        return Ok(Exit::Passed);
    }
    if settings.list {
        if let Some(line) = list_shard_line(&plan) {
            err_line(&line);
        }
        out(&render_list(&plan));
        return Ok(Exit::Passed);
    }
    if plan.entries.is_empty() {
        // Only possible with --shard: more shards than this one has files for.
        if let Some(note) = empty_shard_note(&plan) {
            out(&note);
        }
        let summary = Merger::new(&plan)
            .with_shard(shard_label(settings))
            .finish(&run::RunOutcome::empty());
        write_reports(
            &summary,
            settings.junit.as_deref(),
            settings.json.as_deref(),
        )?;
        return Ok(Exit::Passed);
    }
    run_plan(settings, &plan, jobs)
}

/// Runs a non-empty plan, prints and writes what happened.
fn run_plan(settings: &Settings, plan: &Plan, jobs: usize) -> Result<Exit, CliError> {
    let console_options = ConsoleOptions::detect(
        settings.color.value,
        settings.quiet.value,
        settings.verbose.value,
    );
    let mut console = Console::new(console_options, plan);
    let mut merger = Merger::new(plan).with_shard(shard_label(settings));
    let state = run::rundir::prepare_state_dir(&settings.state_dir.value);
    if let Some(warning) = &state.warning {
        err_line(&format!("ptest: warning: {warning}"));
    }
    let options = run_options(settings, jobs, state.runs_root);
    let outcome = run::run(plan, &options, |event: RunEvent| {
        let finished = merger.observe(&event);
        console.on_event(&event, finished);
    })?;
    let summary = merger.finish(&outcome);

    let mut notes = schedule_note(plan, &summary);
    if let Err(err) = json::write_summary(&summary, &outcome.run_dir.join("summary.json")) {
        notes.push_str(&format!("warning: {err}\n"));
    }
    if let Some(path) = &settings.history.value {
        notes.push_str(&record_history(path, plan, &summary));
    }
    console.finish(&summary, &notes);
    let written = write_reports(
        &summary,
        settings.junit.as_deref(),
        settings.json.as_deref(),
    );
    let exit = Exit::of_summary(&summary, written.is_ok());
    if let Err(err) = written {
        CliError::from(err).print();
    }
    Ok(exit)
}

/// What discovery needs: paths, globs, `--exec`.
pub fn discover_options(settings: &Settings) -> Result<DiscoverOptions, CliError> {
    let exec = settings
        .exec
        .value
        .as_deref()
        .map(discover::split_exec)
        .transpose()?;
    Ok(DiscoverOptions {
        paths: settings.paths.clone(),
        include: settings.include.value.clone(),
        exclude: settings.exclude.value.clone(),
        exec,
    })
}

/// What the plan needs: slots, order, shard.
pub fn plan_options(settings: &Settings, jobs: usize) -> PlanOptions {
    PlanOptions {
        jobs,
        order: settings.order.value,
        shard: settings.shard,
        groups: settings.groups.clone(),
    }
}

/// What the runner needs; `runs_root` is where the state directory put
/// run directories.
pub fn run_options(settings: &Settings, jobs: usize, runs_root: PathBuf) -> RunOptions {
    let mut options = RunOptions::new(jobs, runs_root);
    options.timeout = settings.timeout.value;
    options.grace = settings.grace.value;
    options.shard = shard_label(settings);
    // -v prints passing files' output, which lives in their logs.
    options.keep_logs = settings.keep_logs.value || settings.verbose.value;
    options.perl_lib = perl_lib(settings);
    options.max_fail = settings.stop_after_failures();
    options.global_timeout = settings.global_timeout.value;
    options.load_limit = settings.load_limit.value.map(|l| l.get());
    options.mem_budget = settings.mem_budget.value;
    options
}

fn shard_label(settings: &Settings) -> Option<String> {
    settings.shard.map(|s| s.to_string())
}

/// `ptest: no test files found in …`, naming where it looked.
fn no_files_message(settings: &Settings) -> String {
    let where_ = if settings.paths.is_empty() {
        "the default test directory".to_string()
    } else {
        settings
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "ptest: no test files found in {where_} (looked for .t, .sh, .bash, .py and executable files{})",
        if settings.include.value.is_empty() {
            ""
        } else {
            " matching --include"
        }
    )
}

/// Expected durations from the history and `--durations`; neither changes
/// a verdict. An unreadable history is a warning, not an error.
fn expectations(settings: &Settings) -> Result<Expectations, CliError> {
    let mut expectations = Expectations::new();
    if let Some(path) = &settings.history.value {
        // --list and --dry-run change nothing on disk: a bad history stays.
        let loaded = if settings.list || settings.dry_run {
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
    if let Some(path) = &settings.durations {
        expectations = expectations.with_imported(ImportedDurations::load(path)?);
    }
    Ok(expectations)
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
fn perl_lib(settings: &Settings) -> Vec<PathBuf> {
    let mut dirs = settings.perl_include.value.clone();
    if !settings.no_lib.value {
        dirs.extend(
            ["lib", "blib/lib", "blib/arch"]
                .iter()
                .map(PathBuf::from)
                .filter(|d| d.is_dir()),
        );
    }
    dirs
}
