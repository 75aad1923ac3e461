//! Checking shard summaries against the partition each one records
//! (`partition`, summary version 2), for [`super::shards::combine`].
//!
//! Every shard of a split records the whole partition it was cut from: its
//! fingerprint and the ids planned on every shard. From that, a merge can
//! tell that two shards were cut from different partitions (they disagree on
//! where some file belongs: refused, naming the files) and which planned
//! files no shard reported (they become NOT RUN entries, so every planned
//! file is in every report). Summaries without a record (older ptest) are
//! merged as before, with a warning that this check is not possible for them.

use super::shards::{CombineError, PartitionMismatch};
use crate::outcome::{PartitionRecord, RunSummary, UnitSummary};
use crate::plan::Shard;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// How many disagreeing files a [`CombineError::PartitionMismatch`] names.
pub(super) const MISMATCH_NAMED: usize = 5;

/// The partition every sharded input that records one agrees on (the first
/// such input's), or `None` when no input records one.
pub(super) fn agreed<'a>(
    inputs: &'a [(PathBuf, RunSummary)],
    warnings: &mut Vec<String>,
) -> Result<Option<&'a PartitionRecord>, CombineError> {
    // (path, shard, record) of the first input that records a partition.
    let mut reference: Option<(&Path, Shard, &PartitionRecord)> = None;
    for (path, summary) in inputs {
        let Some(shard) = shard_of(summary) else {
            continue;
        };
        let Some(record) = &summary.partition else {
            warnings.push(format!(
                "{}: shard {shard} records no partition (written by an older ptest); files that ran on no shard cannot be detected for it",
                path.display()
            ));
            continue;
        };
        if record.shards.len() != shard.count {
            return Err(CombineError::BadPartition {
                path: path.clone(),
                reason: format!(
                    "it is shard {shard} but records a partition into {} shards",
                    record.shards.len()
                ),
            });
        }
        let Some((first, first_shard, first_record)) = reference else {
            reference = Some((path, shard, record));
            continue;
        };
        let disagreements = disagreements(first_record, record, first, path);
        if !disagreements.is_empty() {
            return Err(CombineError::PartitionMismatch(Box::new(
                PartitionMismatch {
                    first: first.to_path_buf(),
                    first_shard: first_shard.to_string(),
                    first_fingerprint: first_record.fingerprint.clone(),
                    second: path.clone(),
                    second_shard: shard.to_string(),
                    second_fingerprint: record.fingerprint.clone(),
                    files: disagreements,
                },
            )));
        }
        if first_record.fingerprint != record.fingerprint {
            warnings.push(format!(
                "{}: partition fingerprint {} differs from {} in {}, but both put every file on the same shard; merged",
                path.display(),
                record.fingerprint,
                first_record.fingerprint,
                first.display()
            ));
        }
    }
    Ok(reference.map(|(_, _, record)| record))
}

/// The files of `record` that no input reports, as NOT RUN entries (path =
/// id, the only name a summary records for a file that did not run), with
/// the reason. `reported` holds every id some input reports.
pub(super) fn not_run_anywhere(
    record: &PartitionRecord,
    inputs: &[(PathBuf, RunSummary)],
    reported: &HashMap<&str, usize>,
) -> Vec<UnitSummary> {
    let count = record.shards.len();
    let holder: HashMap<usize, &Path> = inputs
        .iter()
        .filter_map(|(path, s)| shard_of(s).map(|shard| (shard.index, path.as_path())))
        .collect();
    let mut missing = Vec::new();
    for (k, ids) in record.shards.iter().enumerate() {
        let label = Shard {
            index: k + 1,
            count,
        };
        let reason = match holder.get(&(k + 1)) {
            None => format!("not run: its shard {label} is not among the merged summaries"),
            Some(path) => format!(
                "not run: planned on shard {label}, but {} does not report it",
                path.display()
            ),
        };
        for id in ids.iter().filter(|id| !reported.contains_key(id.as_str())) {
            missing.push(UnitSummary::not_run(id.clone(), PathBuf::from(id), &reason));
        }
    }
    missing
}

/// Where `a` and `b` put files differently, one description per file, by id.
fn disagreements(
    a: &PartitionRecord,
    b: &PartitionRecord,
    a_path: &Path,
    b_path: &Path,
) -> Vec<String> {
    let (a_of, b_of) = (placement(a), placement(b));
    let ids: BTreeSet<&str> = a_of.keys().chain(b_of.keys()).copied().collect();
    let place = |k: Option<&usize>| match k {
        Some(k) => format!("shard {}", k + 1),
        None => "no shard".to_string(),
    };
    ids.into_iter()
        .filter(|id| a_of.get(id) != b_of.get(id))
        .map(|id| {
            format!(
                "{id} ({} in {}, {} in {})",
                place(a_of.get(id)),
                a_path.display(),
                place(b_of.get(id)),
                b_path.display()
            )
        })
        .collect()
}

/// Each id of `record` with its shard (0-based).
fn placement(record: &PartitionRecord) -> HashMap<&str, usize> {
    record
        .shards
        .iter()
        .enumerate()
        .flat_map(|(k, ids)| ids.iter().map(move |id| (id.as_str(), k)))
        .collect()
}

/// The summary's shard, when its label is a valid `K/N`.
fn shard_of(summary: &RunSummary) -> Option<Shard> {
    summary.shard.as_deref().and_then(|l| l.parse().ok())
}

/// `a, b, c and 4 more`: at most [`MISMATCH_NAMED`] of `items`.
pub(super) fn name_some(items: &[String]) -> String {
    let named = items
        .iter()
        .take(MISMATCH_NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match items.len().saturating_sub(MISMATCH_NAMED) {
        0 => named,
        more => format!("{named} and {more} more"),
    }
}
