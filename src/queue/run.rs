//! One machine's part of a queue run: connect, seed or wait for the seed,
//! check the checkout, take work until the queue is empty, push the
//! results, write this machine's reports (only what it ran).

use super::admit::{Link, Remote, Renewer, Tokens};
use super::config::QueueSettings;
use super::seed::{self, QueuedPlan};
use super::store::Store;
use super::QueueError;
use crate::aggregate::Aggregator;
use crate::commands::{CliError, Exit};
use crate::config::settings::Settings;
use crate::outcome::RunEvent;
use crate::outcome::{Totals, Verdict};
use crate::plan::Plan;
use crate::report::console::{err_line, Console, ConsoleOptions};
use crate::report::write::write_reports;
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the seed lock is held: the seeding machine puts the plan on
/// the queue well within it; if it dies first, another machine seeds.
const SEED_LOCK: Duration = Duration::from_secs(30);

/// This machine's name on the queue: host name and process id.
pub fn machine_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    format!("{host}:{}", std::process::id())
}

/// Runs this machine's part of the queue run of `plan` (built and checked
/// by the caller) on `jobs` slots.
pub fn exec(
    settings: &Settings,
    queue: &QueueSettings,
    plan: &Plan,
    jobs: usize,
) -> Result<Exit, CliError> {
    if settings.repeat.is_some() || settings.until_fail || settings.shard.is_some() {
        return Err(QueueError::Unsupported("--repeat, --until-fail and --shard").into());
    }
    if settings.mem_budget.value.is_some() {
        err_line("ptest: warning: --mem-budget is not applied to a --queue run");
    }
    let machine = machine_name();
    let mut store = Store::new(queue).map_err(QueueError::from)?;
    store.ping().map_err(QueueError::Unreachable)?;
    let hashes = crate::history::hash_contents(
        plan.entries
            .iter()
            .map(|e| (e.file.id.as_str(), e.file.content_key())),
    );
    let queued = seed_or_wait(&mut store, plan, &hashes, &machine)?;
    let remote_of = seed::check(&queued, plan, &hashes)?;
    let slots = crate::plan::slots(jobs, plan.entries.len()).max(1);
    let info = serde_json::json!({ "slots": slots }).to_string();
    store
        .register(&machine, &info)
        .map_err(QueueError::Unreachable)?;
    err_line(&format!(
        "ptest: queue {} run {}: {} units, this machine {machine} with {slots} slot{}{}",
        queue.shown(),
        queue.run,
        queued.units.len(),
        if slots == 1 { "" } else { "s" },
        if queued.seeded_by == machine {
            " (seeded the plan)".to_string()
        } else {
            format!(" (plan seeded by {})", queued.seeded_by)
        },
    ));

    let tokens: Tokens = Arc::new(Mutex::new(Default::default()));
    let renewer = Renewer::start(
        Store::new(queue).map_err(QueueError::from)?,
        Arc::clone(&tokens),
        queue.lease,
    );
    let link = Rc::new(RefCell::new(Link::new(
        store,
        machine.clone(),
        queue.lease,
        Arc::clone(&tokens),
    )));
    let weights = plan
        .entries
        .iter()
        .map(|e| match e.file.settings.exclusive {
            true => slots,
            false => usize::try_from(e.file.settings.weight).unwrap_or(1),
        })
        .collect();
    let mut admission = Remote::new(Rc::clone(&link), remote_of.clone(), weights, slots);

    let console_options = ConsoleOptions::detect(
        settings.color.value,
        settings.quiet.value,
        settings.verbose.value,
    );
    let mut console = Console::new(console_options, plan)
        .with_retries(plan, settings.retries.value)
        .with_queue(queue.shown());
    let mut merger = Aggregator::new(plan).with_flaky_fails(settings.flaky_fail.value);
    let state = crate::run::rundir::prepare_state_dir(&settings.state_dir.value);
    if let Some(warning) = &state.warning {
        err_line(&format!("ptest: warning: {warning}"));
    }
    let options = crate::commands::run::run_options(settings, jobs, state.runs_root);
    let mut ran: HashSet<String> = HashSet::new();
    // Holds the run directory's lock until the reports are written.
    let completed = {
        let link = Rc::clone(&link);
        // The callback runs on the dispatcher's thread, never while the
        // admission holds the link: it acknowledges each final attempt.
        crate::run::run_with(plan, &options, &mut admission, |event: RunEvent| {
            let finished = merger.observe(&event);
            if let (RunEvent::UnitFinished(run), Some(summary)) = (&event, finished) {
                if let (None, Some(&index)) = (run.retry_after, remote_of.get(run.index)) {
                    if summary.verdict == Verdict::Interrupted {
                        // Stopped by Ctrl-C here: not a result. Its lease
                        // is no longer renewed, so it runs elsewhere.
                        link.borrow_mut().abandon(index);
                        return console.on_event(&event, finished);
                    }
                    ran.insert(summary.id.clone());
                    let passed = matches!(summary.verdict, Verdict::Pass | Verdict::Flaky);
                    let bail = run.report.tap().and_then(|t| t.bail_out.clone());
                    let (label, reason) = match (&bail, passed) {
                        (Some(reason), _) => ("bail", format!("{}\n{reason}", summary.id)),
                        (None, true) => ("pass", String::new()),
                        (None, false) => ("fail", String::new()),
                    };
                    let json = serde_json::to_string(summary).unwrap_or_default();
                    link.borrow_mut()
                        .ack(index, &summary.id, label, json, &reason);
                }
            }
            console.on_event(&event, finished);
        })?
    };
    // Push what the server has not recorded yet, renewing meanwhile.
    let unrecorded = link.borrow_mut().flush_until(queue.timeout);
    drop(renewer);
    let link = link.borrow();

    let outcome = &completed.outcome;
    let mut summary = merger.finish(outcome);
    summary
        .files
        .retain(|f| ran.contains(&f.id) && !link.ignored.contains(&f.id));
    summary.totals = Totals::of(&summary.files);
    summary.jobs = slots;
    let mut notes = String::new();
    let mut missing = Vec::new();
    if !link.ignored.is_empty() {
        notes.push_str(&format!(
            "Queue: {} result{} not counted (the lease had expired; the queue runs {} elsewhere): {}\n",
            link.ignored.len(),
            if link.ignored.len() == 1 { "" } else { "s" },
            if link.ignored.len() == 1 { "it" } else { "them" },
            link.ignored.join(", ")
        ));
    }
    if !unrecorded.is_empty() {
        missing.push(format!(
            "{} result{} could not be recorded on the queue (kept in this machine's --json): {}",
            unrecorded.len(),
            if unrecorded.len() == 1 { "" } else { "s" },
            unrecorded.join(", ")
        ));
    }
    if let Some(reason) = &link.gave_up {
        missing.push(format!("this machine stopped taking work: {reason}"));
    }
    if !missing.is_empty() {
        let text = missing.join("; ");
        err_line(&format!("ptest: error: {text}"));
        summary.incomplete = Some(text);
    }
    notes.push_str(&format!(
        "Queue: this machine ran {} of {} units; `ptest merge --queue {} --queue-run {}` reports the whole run\n",
        summary.files.len(),
        plan.entries.len(),
        queue.shown(),
        queue.run
    ));
    console.finish(&summary, &notes);
    let written = write_reports(
        &summary,
        settings.junit.value.as_deref(),
        settings.json.value.as_deref(),
    );
    let exit = Exit::of_summary(&summary, written.is_ok());
    if let Err(err) = written {
        CliError::from(err).print();
    }
    Ok(exit)
}

/// Seeds the run or waits for the machine that does; returns the plan on
/// the queue.
fn seed_or_wait(
    store: &mut Store,
    plan: &Plan,
    hashes: &std::collections::HashMap<String, String>,
    machine: &str,
) -> Result<QueuedPlan, QueueError> {
    let deadline = Instant::now() + store.settings().timeout;
    loop {
        if let Some(text) = store.plan().map_err(QueueError::Unreachable)? {
            return serde_json::from_str(&text).map_err(|e| QueueError::BadPlan(e.to_string()));
        }
        if store
            .try_seed_lock(machine, SEED_LOCK)
            .map_err(QueueError::Unreachable)?
        {
            let now = store.server_time_ms().map_err(QueueError::Unreachable)?;
            let (queued, units, caps) = seed::seed_of(plan, hashes, machine, now)?;
            store
                .seed(&queued, &units, &caps)
                .map_err(QueueError::Unreachable)?;
            continue;
        }
        if Instant::now() > deadline {
            return Err(QueueError::NoSeed {
                waited: crate::util::duration::format_duration(store.settings().timeout),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
