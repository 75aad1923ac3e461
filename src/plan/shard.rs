//! Splitting a suite into shards: LPT bin packing, or a stable hash split
//! when no duration is known. See the [module docs](super) for the rules.

use super::order::weight;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// A partition of files into shards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// For each input item (in input order), its shard, 0-based.
    pub bins: Vec<usize>,
    /// Expected total of every shard.
    pub totals: Vec<Duration>,
    /// Number of files in every shard.
    pub counts: Vec<usize>,
    /// Whether the split was by hash (no item had a duration).
    pub hash_split: bool,
}

/// Splits `(id, expected)` items into `count` shards (at least 1).
///
/// When any item has an expected duration: LPT bin packing (longest first,
/// ties by id; each into the least-loaded shard, ties to the lowest index;
/// unknown durations count as zero). Otherwise: sorted by a stable hash of
/// the id (ties by id) and dealt round-robin. The result does not depend on
/// the order of `items`.
pub fn partition(items: &[(&str, Option<Duration>)], count: usize) -> Partition {
    let count = count.max(1);
    let mut bins = vec![0; items.len()];
    let mut totals = vec![Duration::ZERO; count];
    let mut counts = vec![0; count];
    let hash_split = items.iter().all(|(_, d)| d.is_none());

    let mut indices: Vec<usize> = (0..items.len()).collect();
    if hash_split {
        indices.sort_by_key(|&i| (stable_hash(items[i].0), items[i].0));
        for (n, &i) in indices.iter().enumerate() {
            bins[i] = n % count;
            counts[n % count] += 1;
        }
    } else {
        indices.sort_by(|&a, &b| {
            weight(items[b].1)
                .cmp(&weight(items[a].1))
                .then_with(|| items[a].0.cmp(items[b].0))
        });
        let mut loads: BinaryHeap<Reverse<(Duration, usize)>> =
            (0..count).map(|k| Reverse((Duration::ZERO, k))).collect();
        for i in indices {
            let Some(Reverse((load, k))) = loads.pop() else {
                break;
            };
            let load = load + weight(items[i].1);
            bins[i] = k;
            totals[k] = load;
            counts[k] += 1;
            loads.push(Reverse((load, k)));
        }
    }
    Partition {
        bins,
        totals,
        counts,
        hash_split,
    }
}

impl Partition {
    /// The ids of every shard's items, shard 1 first, each list sorted.
    /// `items` must be the slice this partition was made from.
    pub fn members(&self, items: &[(&str, Option<Duration>)]) -> Vec<Vec<String>> {
        let mut shards = vec![Vec::new(); self.totals.len()];
        for ((id, _), &bin) in items.iter().zip(&self.bins) {
            if let Some(ids) = shards.get_mut(bin) {
                ids.push(id.to_string());
            }
        }
        for ids in &mut shards {
            ids.sort();
        }
        shards
    }
}

/// The first 8 bytes of the BLAKE3 hash of `id`, little-endian.
fn stable_hash(id: &str) -> u64 {
    let hash = blake3::hash(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_le_bytes(first)
}

/// 12 hex digits of a BLAKE3 hash over the partition's inputs: the shard
/// count, the split kind (`hash` or `duration`) and the sorted ids with the
/// expected durations used for packing (in nanoseconds).
pub(super) fn fingerprint(
    items: &[(&str, Option<Duration>)],
    count: usize,
    hash_split: bool,
) -> String {
    let mut sorted: Vec<&(&str, Option<Duration>)> = items.iter().collect();
    sorted.sort();
    let split = if hash_split { "hash" } else { "duration" };
    let mut hasher = blake3::Hasher::new();
    hasher.update(format!("ptest-partition-v2 {count} {split}\n").as_bytes());
    for (id, expected) in sorted {
        let nanos = expected.map_or_else(|| "-".to_string(), |d| d.as_nanos().to_string());
        hasher.update(format!("{}\t{id}\t{nanos}\n", id.len()).as_bytes());
    }
    hasher.finalize().to_hex()[..12].to_string()
}
