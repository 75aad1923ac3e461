//! `ptest merge --queue URL --queue-run ID`: waits for the run to end
//! (bounded by `--queue-timeout`), then builds one summary from what the
//! queue recorded: every planned unit exactly once, a unit no machine
//! finished NOT RUN with the reason.

use super::config::QueueSettings;
use super::seed::QueuedPlan;
use super::store::Store;
use super::QueueError;
use crate::outcome::{BailOut, RunSummary, Totals, UnitSummary, SUMMARY_VERSION};
use crate::report::console::err_line;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// How often the merge looks whether the run has ended.
const WAIT_POLL: Duration = Duration::from_millis(250);

/// The merged summary of the queue run and warnings to print.
pub fn merged(queue: &QueueSettings) -> Result<(RunSummary, Vec<String>), QueueError> {
    let mut store = Store::new(queue)?;
    store.ping().map_err(QueueError::Unreachable)?;
    let start = Instant::now();
    let mut warnings = Vec::new();
    let mut said = false;
    loop {
        let status = match store.status() {
            Ok(Some(status)) => status,
            Ok(None) => {
                return Err(QueueError::NoRun {
                    url: queue.shown(),
                    run: queue.run.clone(),
                })
            }
            Err(err) if start.elapsed() < queue.timeout => {
                if !said {
                    err_line(&format!("ptest: warning: {err}; waiting"));
                    said = true;
                }
                std::thread::sleep(WAIT_POLL);
                continue;
            }
            Err(err) => return Err(QueueError::Unreachable(err)),
        };
        let over =
            status.leased == 0 && (status.stopped.is_some() || status.ready + status.waiting == 0);
        if over {
            break;
        }
        if start.elapsed() >= queue.timeout {
            warnings.push(format!(
                "stopped waiting after --queue-timeout {}: {} unit{} still leased, {} ready, {} waiting for dependencies",
                crate::util::duration::format_duration(queue.timeout),
                status.leased,
                if status.leased == 1 { "" } else { "s" },
                status.ready,
                status.waiting
            ));
            break;
        }
        std::thread::sleep(WAIT_POLL);
    }
    let recorded = store.recorded().map_err(QueueError::Unreachable)?;
    let text = recorded.plan.clone().ok_or_else(|| QueueError::NoRun {
        url: queue.shown(),
        run: queue.run.clone(),
    })?;
    let plan: QueuedPlan =
        serde_json::from_str(&text).map_err(|e| QueueError::BadPlan(e.to_string()))?;
    let stopped = recorded
        .state
        .values()
        .any(|s| s == "bail")
        .then(|| bail_of(&recorded));

    let mut files: Vec<Option<UnitSummary>> = vec![None; plan.units.len()];
    let mut unfinished = Vec::new();
    // Results first, so a dependency's verdict is known for its dependents.
    for (i, u) in plan.units.iter().enumerate() {
        if let Some(json) = recorded.done.get(&i) {
            match serde_json::from_str::<UnitSummary>(json) {
                Ok(summary) => files[i] = Some(summary),
                Err(e) => warnings.push(format!(
                    "{}: its result on the queue cannot be read ({e}); it is NOT RUN here",
                    u.id
                )),
            }
        }
    }
    let mut out = Vec::with_capacity(plan.units.len());
    for (i, u) in plan.units.iter().enumerate() {
        let path = PathBuf::from(&u.path);
        let summary = match (files[i].take(), recorded.state.get(&i).map(String::as_str)) {
            (Some(summary), _) => summary,
            (None, Some("skip:asked")) => UnitSummary::skipped(
                u.id.clone(),
                path,
                u.skip_reason
                    .as_deref()
                    .filter(|r| !r.is_empty())
                    .unwrap_or("skipped by its settings"),
            ),
            (None, Some(state)) if state.starts_with("skip:") => {
                let dep: Option<usize> = state["skip:".len()..].parse().ok();
                let dep_id = dep
                    .and_then(|d| plan.units.get(d))
                    .map_or("?", |d| d.id.as_str());
                let verdict = dep.and_then(|d| {
                    out.get(d).map(|f: &UnitSummary| f.verdict).or_else(|| {
                        recorded
                            .done
                            .get(&d)
                            .and_then(|j| serde_json::from_str::<UnitSummary>(j).ok())
                            .map(|f| f.verdict)
                    })
                });
                UnitSummary::skipped(
                    u.id.clone(),
                    path,
                    &crate::aggregate::reason::dependency(dep_id, verdict),
                )
            }
            (None, _) => {
                let mut reason = match recorded.leases.get(&i) {
                    Some(token) => format!(
                        "no machine finished it: leased by {} when the merge stopped waiting",
                        token.split('#').next().unwrap_or(token)
                    ),
                    None if stopped.is_some() => "not run: the run bailed out".to_string(),
                    None => "no machine finished it (still on the queue)".to_string(),
                };
                if let Some(n) = recorded.expired.get(&i) {
                    reason.push_str(&format!(
                        "; its lease expired {n} time{}",
                        if *n == 1 { "" } else { "s" }
                    ));
                }
                if stopped.is_none() {
                    unfinished.push(u.id.clone());
                }
                UnitSummary::not_run(u.id.clone(), path, &reason)
            }
        };
        out.push(summary);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    let expired: u32 = recorded.expired.values().sum();
    if expired > 0 {
        warnings.push(format!(
            "{expired} lease{} expired during the run (a machine died or lost the server); those units went back on the queue",
            if expired == 1 { "" } else { "s" }
        ));
    }
    if recorded.ignored_acks > 0 {
        warnings.push(format!(
            "{} result{} from expired leases {} ignored, so nothing is counted twice",
            recorded.ignored_acks,
            if recorded.ignored_acks == 1 { "" } else { "s" },
            if recorded.ignored_acks == 1 {
                "was"
            } else {
                "were"
            },
        ));
    }
    let jobs = recorded
        .machines
        .values()
        .filter_map(|info| serde_json::from_str::<serde_json::Value>(info).ok())
        .filter_map(|v| v.get("slots").and_then(serde_json::Value::as_u64))
        .sum::<u64>();
    let seeded = SystemTime::UNIX_EPOCH + Duration::from_millis(plan.seeded_at_ms);
    let wall = recorded
        .ended
        .map(|e| Duration::from_millis(e.saturating_sub(plan.seeded_at_ms)))
        .unwrap_or_default();
    let incomplete = (!unfinished.is_empty()).then(|| {
        format!(
            "{} planned unit{} no machine finished: {}",
            unfinished.len(),
            if unfinished.len() == 1 { "" } else { "s" },
            unfinished.join(", ")
        )
    });
    let summary = RunSummary {
        version: SUMMARY_VERSION,
        run_id: format!("queue-{}", queue.run),
        started_at: crate::util::time::rfc3339(seeded),
        jobs: usize::try_from(jobs).unwrap_or(usize::MAX).max(1),
        wall,
        shard: None,
        partition: None,
        incomplete,
        interrupted: out
            .iter()
            .any(|f| f.verdict == crate::outcome::Verdict::Interrupted),
        bail_out: stopped.flatten(),
        totals: Totals::of(&out),
        files: out,
        repeat: None,
        flaky_fails: false,
        units: Default::default(),
    };
    Ok((summary, warnings))
}

/// The bail out recorded (`ID\nREASON` in a `bail` unit's summary).
fn bail_of(recorded: &super::store::Recorded) -> Option<BailOut> {
    let (&i, _) = recorded.state.iter().find(|(_, s)| s.as_str() == "bail")?;
    let summary: UnitSummary = serde_json::from_str(recorded.done.get(&i)?).ok()?;
    Some(BailOut {
        reason: summary.reasons.first().cloned().unwrap_or_default(),
        file: summary.id,
    })
}
