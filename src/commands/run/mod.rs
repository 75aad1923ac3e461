//! `ptest [PATH]…`: discover → plan → run → aggregate → report.
//!
//! The stages' options are built here from [`Settings`], each in one small
//! function ([`discover_options`], [`plan_options`], [`run_options`]), so a
//! new setting is added in one place.

pub mod quarantine;
pub mod repeat;

use super::report::ReportHistoryError;
use super::{causes, write_all_reports, CliError, Exit, ReportPaths};
use crate::aggregate::Aggregator;
use crate::config::settings::Settings;
use crate::discover::{self, DiscoverOptions};
use crate::history::{self, History};
use crate::outcome::RunSummary;
use crate::outcome::{RunEvent, RunOutcome};
use crate::plan::{self, Expectations, ImportedDurations, Plan, PlanOptions};
use crate::report::console::{err_line, out, Console, ConsoleOptions};
use crate::report::json;
use crate::report::views::{empty_shard_note, list_shard_line, render_list, schedule_note};
use crate::run::{self, RunOptions};
use crate::unit::Unit;
use std::path::{Path, PathBuf};

/// Runs the suite `settings` describe and returns the exit code; errors
/// are those that stop the run before it starts.
pub fn exec(settings: &Settings) -> Result<Exit, CliError> {
    print_warnings(settings);
    let found = discover::discover_report(&discover_options(settings)?)?;
    for warning in &found.warnings {
        err_line(&format!("ptest: warning: {warning}"));
    }
    if found.units.is_empty() {
        err_line(&no_files_message(settings));
        print_ignored(settings, &found.ignored);
        return Ok(Exit::NoTests);
    }
    let exit = run_units(settings, found.units)?;
    print_ignored(settings, &found.ignored);
    Ok(exit)
}

/// With `--list` (and `--explain`), the test-looking files git's ignore
/// rules left out, each with its rule: part of the explanation on stdout
/// with `--explain`, notes on stderr with `--list` alone (stdout stays the
/// list of what runs).
fn print_ignored(settings: &Settings, ignored: &[discover::IgnoredFile]) {
    if !settings.list || ignored.is_empty() {
        return;
    }
    if settings.explain {
        out(&crate::report::explain::render_ignored(ignored));
    } else {
        for file in ignored {
            err_line(&format!(
                "ptest: left out {}: ignored by {}",
                file.id, file.rule
            ));
        }
    }
}

/// Everything after discovery, for every command that makes units
/// (`ptest`, `ptest cargo`): `--failed`, plan, `--list`/`--dry-run`, run,
/// reports, history. `files` is not empty.
pub fn run_units(settings: &Settings, files: Vec<Unit>) -> Result<Exit, CliError> {
    let history = read_history(settings);
    let chained = files.iter().any(|f| !f.settings.depends_on.is_empty());
    // The rest of the suite, where --failed finds the dependencies it needs.
    let suite = if settings.failed && chained {
        files.clone()
    } else {
        Vec::new()
    };
    let files = if settings.failed {
        match only_failed(files, history.as_ref(), settings)? {
            Ok(failed) => failed,
            Err(note) => {
                out(&note);
                return Ok(Exit::Passed);
            }
        }
    } else {
        files
    };
    let mut files = if chained {
        with_dependencies(settings, files, suite)
    } else {
        files
    };
    if let Some(rate) = settings.quarantine_flaky.value {
        let given = settings.quarantine_flaky.source.to_string();
        let history = history.as_ref().map(|h| &h.history);
        for line in quarantine::announce(history, rate, &given, &mut files) {
            err_line(&line);
        }
    }
    if settings.list && settings.explain {
        out(&crate::report::explain::render(settings, &files));
        // How the plan packs batched runners' files (see `plan::batch`).
        let jobs = settings.jobs.value.resolve();
        let expectations = expectations(settings, history.as_ref().map(|h| &h.history))?;
        let plan = Plan::build(files, &expectations, &plan_options(settings, jobs));
        out(&plan::render_batches(&plan));
        return Ok(Exit::Passed);
    }
    for warning in setting_warnings(settings, &files) {
        err_line(&format!("ptest: warning: {warning}"));
    }
    let jobs = settings.jobs.value.resolve();
    let expectations = expectations(settings, history.as_ref().map(|h| &h.history))?;
    // Not kept in memory during the run (see `crate::history`'s streaming).
    drop(history);
    let plan = Plan::build(files, &expectations, &plan_options(settings, jobs));
    let mut plan = repeat::plan(plan, settings);
    if settings.queue.is_some() && !plan.batches.is_empty() {
        // Units on a shared queue are files: machines take them one by one
        // and a batch's unfinished files could not be held for it.
        err_line(&format!(
            "ptest: note: batch = true is not used with --queue: {} files run one per process",
            plan.batches.iter().map(|b| b.members.len()).sum::<usize>()
        ));
        plan.batches.clear();
    }
    // A file never runs beside itself: no more slots than files.
    let jobs = if plan.iterations() > 0 {
        plan.jobs
    } else {
        jobs
    };
    // A cycle or a dependency outside the run: nothing starts (exit 2).
    plan.check()?;
    if let Some(line) = too_many_shards(&plan) {
        err_line(&line);
    }

    if settings.dry_run {
        out(&plan::render_dry_run(&plan));
        out(&plan::render_batches(&plan));
        return Ok(Exit::Passed);
    }
    if settings.list {
        if let Some(line) = list_shard_line(&plan) {
            err_line(&line);
        }
        out(&render_list(&plan));
        return Ok(Exit::Passed);
    }
    if let Some(queue) = &settings.queue {
        return crate::queue::run::exec(settings, queue, &plan, jobs);
    }
    if plan.entries.is_empty() {
        // Only possible with --shard: more shards than this one has files for.
        if let Some(note) = empty_shard_note(&plan) {
            out(&note);
        }
        let summary = Aggregator::new(&plan)
            .with_shard(shard_label(settings))
            .finish(&RunOutcome::empty());
        // Every report is written, naming no file: exit 0 unless one could
        // not be written.
        return Ok(write_all_reports(&summary, &report_paths(settings, None)));
    }
    run_plan(settings, &plan, jobs)
}

/// Where a run's reports go (`--junit`, `--json`, `--html`, `--trace`, CI
/// outputs); `fallback` is the run's own `summary.json`, when there is one.
fn report_paths<'a>(settings: &'a Settings, fallback: Option<&'a Path>) -> ReportPaths<'a> {
    ReportPaths {
        junit: settings.junit.value.as_deref(),
        json: settings.json.value.as_deref(),
        html: settings.html.as_deref(),
        trace: settings.trace.as_deref(),
        ci: &settings.ci,
        fallback,
    }
}

/// Runs a non-empty plan, prints and writes what happened.
fn run_plan(settings: &Settings, plan: &Plan, jobs: usize) -> Result<Exit, CliError> {
    let console_options = ConsoleOptions::detect(
        settings.color.value,
        settings.quiet.value,
        settings.verbose.value,
    );
    let mut console = Console::new(console_options, plan)
        .with_retries(plan, settings.retries.value)
        .with_until_fail(settings.until_fail)
        .with_github(settings.ci.github);
    let mut merger = Aggregator::new(plan)
        .with_shard(shard_label(settings))
        .with_flaky_fails(settings.flaky_fail.value);
    let state = run::rundir::prepare_state_dir(&settings.state_dir.value);
    if let Some(warning) = &state.warning {
        err_line(&format!("ptest: warning: {warning}"));
    }
    let options = run_options(settings, jobs, state.runs_root);
    // Holds the run directory's lock until the reports are written.
    let completed = run::run(plan, &options, |event: RunEvent| {
        let finished = merger.observe(&event);
        console.on_event(&event, finished);
    })?;
    let outcome = &completed.outcome;
    let summary = repeat::conclude(merger.finish(outcome), settings);

    // The bound of a repeat run would ignore that a file never runs beside
    // itself (and count iterations --until-fail never started): left out.
    let mut notes = match plan.iterations() {
        0 => schedule_note(plan, &summary),
        _ => String::new(),
    };
    if let Err(err) = json::write_summary(&summary, &outcome.run_dir.join("summary.json")) {
        notes.push_str(&format!("warning: {err}\n"));
    }
    if let Some(path) = &settings.history.value {
        let recorded = repeat::record_history(path, plan, &summary);
        notes.push_str(&recorded.unwrap_or_else(|| record_history(path, plan, &summary)));
    }
    notes.push_str(&repeat::note(&summary));
    console.finish(&summary, &notes);
    let run_summary = outcome.run_dir.join("summary.json");
    let exit = write_all_reports(&summary, &report_paths(settings, Some(&run_summary)));
    Ok(exit)
}

/// Prints what resolving the settings found worth a warning (unknown keys
/// in `ptest.toml`).
pub fn print_warnings(settings: &Settings) {
    for warning in &settings.warnings {
        err_line(&format!("ptest: warning: {warning}"));
    }
}

/// Warnings about settings that do less than they seem to, one each:
/// today a group that no `[groups.NAME]` sizes.
fn setting_warnings(settings: &Settings, files: &[crate::unit::Unit]) -> Vec<String> {
    let mut warnings = Vec::new();
    // A group nobody gave a size runs one file at a time: say so once.
    let undefined: std::collections::BTreeSet<&str> = files
        .iter()
        .filter_map(|f| f.settings.group.as_deref())
        .filter(|g| !settings.groups.contains_key(*g))
        .collect();
    for group in undefined {
        let fix = match &settings.config {
            Some(path) => format!("has no [groups.{group}] max-threads in {}", path.display()),
            None => format!(
                "is not sized: there is no ptest.toml (add one with [groups.{group}] max-threads = N)"
            ),
        };
        warnings.push(format!(
            "group `{group}` {fix}: its files run one at a time"
        ));
    }
    warnings.extend(unmatched_patterns(settings, files));
    warnings
}

/// `ptest.toml:7 [[override]] "t/net_*.sh" matches none of the 4 files
/// found`: an `[[override]]` or `[quarantine]` pattern that matches no
/// unit of a run over whole directories (a run of named files leaves
/// most patterns out on purpose, so it says nothing).
fn unmatched_patterns(settings: &Settings, files: &[crate::unit::Unit]) -> Vec<String> {
    if files.is_empty() || settings.paths.iter().any(|p| !p.is_dir()) {
        return Vec::new();
    }
    let rules = &settings.rules;
    let cwd = std::env::current_dir().unwrap_or_default();
    let matches = |pattern: &str| {
        let Ok(matcher) = crate::config::file::pattern_matcher(pattern) else {
            return true; // refused when the file was read
        };
        files.iter().any(|f| {
            let absolute = cwd.join(f.path());
            let rel = absolute.strip_prefix(&rules.base).unwrap_or(&absolute);
            matcher.is_match(rel) || matcher.is_match(f.id.as_str())
        })
    };
    let noun = crate::unit::UnitNoun::of(files);
    rules
        .overrides
        .iter()
        .map(|o| (&o.pattern, &o.origin))
        .chain(rules.quarantine.iter().map(|q| (&q.pattern, &q.origin)))
        .filter(|(pattern, _)| !matches(pattern))
        .map(|(_, origin)| {
            format!(
                "{origin} matches none of the {} found: check the pattern",
                noun.count(files.len())
            )
        })
        .collect()
}

/// What discovery needs: paths, globs, `--exec`, the per-file rules and
/// the run-wide environment.
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
        rules: settings.rules.clone(),
        env: settings
            .env
            .iter()
            .map(|(name, value)| (name.clone(), value.value.clone()))
            .collect(),
        find_ignored: settings.list || settings.explain,
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
    options.slow = settings.slow.value;
    if settings.until_fail {
        options.max_fail = Some(1);
        options.until_fail = true;
    }
    options.retry = crate::util::backoff::RetryPolicy {
        retries: settings.retries.value,
        delay: settings.retry_delay.value,
        backoff: settings.retry_backoff.value,
        max_delay: settings.retry_max_delay.value,
        seed: seed_of(&options.run_id),
    };
    options
}

/// A jitter seed from the run id (FNV-1a).
fn seed_of(run_id: &str) -> u64 {
    run_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn shard_label(settings: &Settings) -> Option<String> {
    settings.shard.map(|s| s.to_string())
}

/// `ptest: no test files found in …`, naming where it looked.
fn no_files_message(settings: &Settings) -> String {
    let where_ = if settings.paths.is_empty() {
        match crate::discover::default_dir() {
            Ok(dir) => format!("the default test directory, {}/", dir.display()),
            Err(_) => "the default test directory".to_string(),
        }
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

/// The history (`None` with `--no-history` or when it cannot be read),
/// its warning printed. An unreadable history is a warning, not an error.
fn read_history(settings: &Settings) -> Option<history::Loaded> {
    let path = settings.history.value.as_ref()?;
    // --list and --dry-run change nothing on disk: a bad history stays.
    let loaded = if settings.list || settings.dry_run {
        History::load_read_only(path)
    } else {
        History::load(path)
    };
    match loaded {
        Ok(loaded) => {
            if let Some(warning) = &loaded.warning {
                err_line(&format!("ptest: warning: {warning}"));
            }
            Some(loaded)
        }
        Err(err) => {
            err_line(&format!(
                "ptest: warning: {}; planning without history",
                causes(&err)
            ));
            None
        }
    }
}

/// `--failed`: the files whose last recorded run failed, timed out or
/// errored (as pytest's `--lf`, a file keeps its last result until it runs
/// again); else the note to print (nothing to run). No history to read is
/// an error (exit 4).
fn only_failed(
    files: Vec<Unit>,
    history: Option<&history::Loaded>,
    settings: &Settings,
) -> Result<Result<Vec<Unit>, String>, CliError> {
    let path = settings
        .history
        .value
        .clone()
        .unwrap_or_else(|| settings.state_dir.value.join("history.json"));
    let loaded = match history {
        Some(loaded) if loaded.warning.is_some() => {
            return Err(ReportHistoryError::Unusable { path }.into())
        }
        Some(loaded) if !loaded.history.is_empty() => loaded,
        Some(_) | None => return Err(ReportHistoryError::NoHistory { path }.into()),
    };
    let noun = crate::unit::UnitNoun::of(&files);
    let failed: Vec<Unit> = files
        .into_iter()
        .filter(|f| loaded.history.failed_last_time(f.id.as_str()))
        .collect();
    if failed.is_empty() {
        let elsewhere = loaded
            .history
            .files()
            .filter(|(id, _)| loaded.history.failed_last_time(id))
            .count();
        return Ok(Err(if elsewhere == 0 {
            "No failures recorded in the last run: nothing to run.\n".to_string()
        } else {
            format!(
                "No failures recorded in the last run of these {} ({}): nothing to run.\n",
                noun.plural(),
                format_args!("{elsewhere} other {} failed", noun.word(elsewhere))
            )
        }));
    }
    err_line(&format!(
        "ptest: --failed: running {} that did not pass in {} last recorded run",
        noun.count(failed.len()),
        if failed.len() == 1 { "its" } else { "their" }
    ));
    Ok(Ok(failed))
}

/// `files` and, transitively, what they depend on (`depends-on`) that a
/// filter, `--failed` or the paths given left out: from `suite` (the files
/// discovered before `--failed`), else a test file found at the
/// dependency's path (discovered as a file named on the command line, so
/// `--include`/`--exclude` do not leave it out). Each one added is said on
/// stderr and marked for `--list`. What is found nowhere stays missing and
/// the plan refuses it by name (exit 2).
fn with_dependencies(settings: &Settings, files: Vec<Unit>, suite: Vec<Unit>) -> Vec<Unit> {
    let mut suite: std::collections::HashMap<String, Unit> =
        suite.into_iter().map(|u| (u.id.to_string(), u)).collect();
    let options = discover_options(settings).ok();
    let (files, added) = plan::select_dependencies(files, |dependent, id| {
        if let Some(unit) = suite.remove(id) {
            return Some(unit);
        }
        // Only files have paths; a `ptest cargo` test is found by id alone.
        if !matches!(dependent.kind, crate::unit::UnitKind::File { .. }) {
            return None;
        }
        let path = crate::util::id::decode_path(id);
        if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            return None;
        }
        let options = DiscoverOptions {
            paths: vec![path],
            ..options.clone()?
        };
        discover::discover(&options).ok()?.into_iter().next()
    });
    for dep in &added {
        err_line(&format!(
            "ptest: selected {} as a dependency of {}",
            dep.id, dep.of
        ));
    }
    files
}

/// The warning for a split into more shards than there are files (or
/// dependency chains): some shards can only be empty.
fn too_many_shards(plan: &Plan) -> Option<String> {
    let info = plan.shard.as_ref()?;
    let files: usize = info.counts.iter().sum();
    let used = info.counts.iter().filter(|&&n| n > 0).count();
    (info.shard.count > files).then(|| {
        format!(
            "ptest: warning: --shard {}: {} shards for {files} {}: only {used} get any, the other {} run nothing",
            info.shard,
            info.shard.count,
            plan.noun().word(files),
            info.shard.count - used
        )
    })
}

/// Expected durations from the history and `--durations`; neither changes
/// a verdict.
fn expectations(settings: &Settings, history: Option<&History>) -> Result<Expectations, CliError> {
    let mut expectations = Expectations::new();
    if let Some(history) = history {
        expectations = Expectations::from_history(history);
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
        .map(|e| (e.file.id.as_str(), e.file.content_key()));
    match history::update(path, summary, &history::hash_contents(files)) {
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
