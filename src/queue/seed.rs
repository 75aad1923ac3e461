//! The plan on the queue: what the first machine puts there
//! ([`QueuedPlan`], with the admission table the scripts use), and the
//! check every machine makes that its own discovery gives the same units.

use super::QueueError;
use crate::plan::Plan;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Version of [`QueuedPlan`]'s encoding.
pub const PLAN_VERSION: u32 = 1;

/// One planned unit as the queue keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedUnit {
    /// The unit id.
    pub id: String,
    /// Its path (for reports).
    pub path: String,
    /// Content hash of the file (blake3) or of the binary's stamp.
    pub hash: String,
    /// Why it never runs, when its settings skip it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
}

/// The plan as the seeding machine put it on the queue: units in plan
/// order (longest expected path first); a unit's queue index is its
/// position here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedPlan {
    /// [`PLAN_VERSION`].
    pub version: u32,
    /// The machine that seeded it.
    pub seeded_by: String,
    /// Server time of the seed, ms since the epoch.
    pub seeded_at_ms: u64,
    /// The units.
    pub units: Vec<QueuedUnit>,
}

/// One unit's row in the admission table (see `scripts::SEED`).
#[derive(Debug, Serialize)]
struct Row {
    w: usize,
    x: bool,
    g: i64,
    r: usize,
    deps: Vec<usize>,
    skip: String,
}

/// The seed of `plan`: the plan, the admission table and the group caps,
/// each as JSON. `hashes` maps unit ids to content hashes.
pub fn seed_of(
    plan: &Plan,
    hashes: &HashMap<String, String>,
    machine: &str,
    now_ms: u64,
) -> Result<(String, String, String), QueueError> {
    let deps = plan
        .dependencies
        .as_ref()
        .map_err(|e| QueueError::Plan(e.to_string()))?;
    let mut names: BTreeSet<&str> = plan.groups.keys().map(String::as_str).collect();
    names.extend(
        plan.entries
            .iter()
            .filter_map(|e| e.file.settings.group.as_deref()),
    );
    let names: Vec<&str> = names.into_iter().collect();
    let caps: Vec<u32> = names.iter().map(|n| plan.group_cap(n)).collect();

    // A unit skipped by its settings, and recursively its dependents.
    let mut skip: Vec<String> = plan
        .entries
        .iter()
        .map(|e| {
            e.file
                .settings
                .skip
                .as_ref()
                .map_or(String::new(), |_| "asked".into())
        })
        .collect();
    loop {
        let mut changed = false;
        for (i, d) in deps.iter().enumerate() {
            if skip[i].is_empty() {
                if let Some(&dep) = d
                    .iter()
                    .find(|&&dep| !skip.get(dep).is_none_or(String::is_empty))
                {
                    skip[i] = dep.to_string();
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let rows: Vec<Row> = plan
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let s = &e.file.settings;
            Row {
                w: usize::try_from(s.weight).unwrap_or(1).max(1),
                x: s.exclusive,
                g: s.group
                    .as_deref()
                    .and_then(|g| names.iter().position(|n| *n == g))
                    .map_or(-1, |g| g as i64),
                r: i,
                deps: deps.get(i).cloned().unwrap_or_default(),
                skip: skip[i].clone(),
            }
        })
        .collect();
    let queued = QueuedPlan {
        version: PLAN_VERSION,
        seeded_by: machine.to_string(),
        seeded_at_ms: now_ms,
        units: plan
            .entries
            .iter()
            .map(|e| QueuedUnit {
                id: e.file.id.to_string(),
                path: e.file.path().display().to_string(),
                hash: hashes.get(e.file.id.as_str()).cloned().unwrap_or_default(),
                skip_reason: e.file.settings.skip.clone(),
            })
            .collect(),
    };
    Ok((json(&queued)?, json(&rows)?, json(&caps)?))
}

fn json<T: Serialize>(value: &T) -> Result<String, QueueError> {
    serde_json::to_string(value).map_err(|e| QueueError::Plan(e.to_string()))
}

/// Checks that `plan` (this machine's discovery, hashed as `hashes`) has
/// the queue's units with the same contents; returns each plan entry's
/// queue index.
pub fn check(
    queued: &QueuedPlan,
    plan: &Plan,
    hashes: &HashMap<String, String>,
) -> Result<Vec<usize>, QueueError> {
    let index: HashMap<&str, usize> = queued
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    let mut differ = Vec::new();
    let mut remote_of = Vec::with_capacity(plan.entries.len());
    for e in &plan.entries {
        let id = e.file.id.as_str();
        match index.get(id) {
            None => differ.push(format!("{id} (only here)")),
            Some(&i) => {
                let here = hashes.get(id).map(String::as_str).unwrap_or("");
                if queued.units[i].hash != here {
                    differ.push(format!("{id} (contents differ)"));
                }
                remote_of.push(i);
            }
        }
    }
    let here: BTreeSet<&str> = plan.entries.iter().map(|e| e.file.id.as_str()).collect();
    for u in &queued.units {
        if !here.contains(u.id.as_str()) {
            differ.push(format!("{} (only on the queue)", u.id));
        }
    }
    if differ.is_empty() {
        Ok(remote_of)
    } else {
        Err(QueueError::Mismatch {
            seeded_by: queued.seeded_by.clone(),
            count: differ.len(),
            files: differ.into_iter().take(20).collect::<Vec<_>>().join(", "),
        })
    }
}
