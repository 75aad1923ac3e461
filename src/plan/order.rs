//! Sorting entries into dispatch order, and the seeded shuffle.

use super::{Order, PlannedUnit};
use std::cmp::Ordering;
use std::time::{Duration, SystemTime};

/// A tiny, fast, well-mixed 64-bit generator (SplitMix64). The same seed
/// gives the same sequence on every platform and version.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Seeds drawn when none is given are below this, so they are short to type.
const DRAWN_SEED_LIMIT: u64 = 1_000_000;

/// `Random(None)` becomes `Random(Some(seed))` with a seed drawn from the
/// clock and process id; other orders are returned unchanged.
pub(super) fn resolve(order: Order) -> Order {
    match order {
        Order::Random(None) => {
            let nanos = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos() as u64;
            let mut rng = SplitMix64::new(nanos ^ (u64::from(std::process::id()) << 32));
            Order::Random(Some(rng.next_u64() % DRAWN_SEED_LIMIT))
        }
        other => other,
    }
}

/// Longest priority first (the expected duration, or with dependencies the
/// longest expected path to the end); known before unknown; among unknowns,
/// biggest file first; then by id.
fn longest_first(a: &Ranked, b: &Ranked) -> Ordering {
    let by_expected = match (a.2, b.2) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => b.0.file.size.cmp(&a.0.file.size),
    };
    by_expected.then_with(|| by_id(&a.0, &b.0))
}

/// An entry, whether it failed last time, and its priority.
pub(super) type Ranked = (PlannedUnit, bool, Option<Duration>);

fn by_id(a: &PlannedUnit, b: &PlannedUnit) -> Ordering {
    a.file
        .id
        .cmp(&b.file.id)
        .then_with(|| a.file.path().cmp(b.file.path()))
}

/// Sorts `(entry, failed last time, priority)` triples into dispatch
/// order. `order` must be resolved (a `Random` without a seed is shuffled
/// with seed 0).
pub(super) fn sort(entries: &mut [Ranked], order: Order) {
    match order {
        Order::FailedFirst => {
            entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| longest_first(a, b)))
        }
        Order::Lpt => entries.sort_by(longest_first),
        Order::Lexical => entries.sort_by(|a, b| by_id(&a.0, &b.0)),
        Order::Random(seed) => {
            entries.sort_by(|a, b| by_id(&a.0, &b.0));
            let mut rng = SplitMix64::new(seed.unwrap_or(0));
            for i in (1..entries.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                entries.swap(i, j);
            }
        }
    }
}

/// Expected duration as used in sums (unknown counts as zero).
pub(super) fn weight(expected: Option<Duration>) -> Duration {
    expected.unwrap_or(Duration::ZERO)
}
