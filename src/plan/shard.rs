//! Splitting a suite into shards: LPT bin packing, or a stable hash split
//! when no duration is known. See the [module docs](super) for the rules.

use super::order::weight;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
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

/// Splits `(id, expected)` items into `count` shards (at least 1), each
/// item on its own: [`partition_together`] with no two items tied.
pub fn partition(items: &[(&str, Option<Duration>)], count: usize) -> Partition {
    let singles: Vec<usize> = (0..items.len()).collect();
    partition_together(items, &singles, count)
}

/// Splits `(id, expected)` items into `count` shards (at least 1), keeping
/// the items that share a label in `together` (one per item, e.g. the
/// connected components of the `depends-on` graph) on one shard: each such
/// set is one bin item, with the sum of its members' durations and, as its
/// name, its smallest id.
///
/// When any item has an expected duration: LPT bin packing (longest first,
/// ties by name; each into the least-loaded shard, ties to the lowest index;
/// unknown durations count as zero). Otherwise: sorted by a stable hash of
/// the name (ties by name), each into the shard with the fewest files (ties
/// to the lowest index), which for single items is dealing them
/// round-robin. The result does not depend on the order of `items`.
pub fn partition_together(
    items: &[(&str, Option<Duration>)],
    together: &[usize],
    count: usize,
) -> Partition {
    let count = count.max(1);
    let mut bins = vec![0; items.len()];
    let mut totals = vec![Duration::ZERO; count];
    let mut counts = vec![0; count];
    let hash_split = items.iter().all(|(_, d)| d.is_none());

    // The sets kept together: (name, total weight, members).
    let mut sets: BTreeMap<usize, (&str, Duration, Vec<usize>)> = BTreeMap::new();
    for (i, (id, expected)) in items.iter().enumerate() {
        let label = together.get(i).copied().unwrap_or(usize::MAX - i);
        let set = sets
            .entry(label)
            .or_insert((*id, Duration::ZERO, Vec::new()));
        set.0 = set.0.min(*id);
        set.1 += weight(*expected);
        set.2.push(i);
    }
    let mut sets: Vec<(&str, Duration, Vec<usize>)> = sets.into_values().collect();

    if hash_split {
        sets.sort_by_key(|&(name, _, _)| (stable_hash(name), name));
        let mut sizes: BinaryHeap<Reverse<(usize, usize)>> =
            (0..count).map(|k| Reverse((0, k))).collect();
        for (_, _, members) in sets {
            let Some(Reverse((size, k))) = sizes.pop() else {
                break;
            };
            for &i in &members {
                bins[i] = k;
            }
            counts[k] += members.len();
            sizes.push(Reverse((size + members.len(), k)));
        }
    } else {
        sets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let mut loads: BinaryHeap<Reverse<(Duration, usize)>> =
            (0..count).map(|k| Reverse((Duration::ZERO, k))).collect();
        for (_, total, members) in sets {
            let Some(Reverse((load, k))) = loads.pop() else {
                break;
            };
            let load = load + total;
            for &i in &members {
                bins[i] = k;
            }
            totals[k] = load;
            counts[k] += members.len();
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
/// count, the split kind (`hash` or `duration`), the sorted ids with the
/// expected durations used for packing (in nanoseconds), and the sets of
/// two or more items kept together (`together`, as for
/// [`partition_together`]; with none, the hash is the one of a plain
/// [`partition`]).
pub(super) fn fingerprint(
    items: &[(&str, Option<Duration>)],
    together: &[usize],
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
    let mut sets: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (i, (id, _)) in items.iter().enumerate() {
        let label = together.get(i).copied().unwrap_or(usize::MAX - i);
        sets.entry(label).or_default().push(id);
    }
    let mut sets: Vec<Vec<&str>> = sets.into_values().filter(|s| s.len() > 1).collect();
    for set in &mut sets {
        set.sort_unstable();
    }
    sets.sort();
    for set in sets {
        hasher.update(b"together");
        for id in set {
            hasher.update(format!("\t{}\t{id}", id.len()).as_bytes());
        }
        hasher.update(b"\n");
    }
    hasher.finalize().to_hex()[..12].to_string()
}
