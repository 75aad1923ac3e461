//! The lower bound of a run under its constraints: no schedule can finish
//! sooner, whatever the order.
//!
//! For the files that run (skipped ones take no time), with `E` the sum of
//! the exclusive files' durations (they run alone, one after another):
//!
//! ```text
//! bound = max( E + max( Σ d·w / jobs,            weighted slot time
//!                       longest d,
//!                       max over groups Σ d / max-threads,
//!                       Σ cpu / cores ),          CPU time, when known
//!              longest dependency chain Σ d )
//! ```
//!
//! Without constraints and CPU times it is the classic
//! `max(sum / jobs, longest)`.

use std::time::Duration;

/// One file as the bound sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundItem {
    /// How long it takes.
    pub duration: Duration,
    /// Its CPU time, when known.
    pub cpu: Option<Duration>,
    /// Slots it takes.
    pub weight: u32,
    /// It runs alone.
    pub exclusive: bool,
    /// Its group.
    pub group: Option<String>,
    /// It does not run.
    pub skip: bool,
    /// Indices of the items it waits for.
    pub depends_on: Vec<usize>,
}

/// Which term of the bound is the largest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// The slot time spread over the slots.
    Slots,
    /// The longest file.
    Longest,
    /// A group's files over its max-threads.
    Group(String),
    /// The CPU time over the cores.
    Cpu,
    /// The longest dependency chain.
    Chain,
}

/// A lower bound and what sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// No schedule finishes sooner.
    pub value: Duration,
    /// The exclusive files' sum, included in `value` (zero without them).
    pub exclusive: Duration,
    /// The term that sets `value`.
    pub limit: Limit,
    /// Whether any constraint or CPU time entered the bound (otherwise it
    /// is `max(sum/jobs, longest)`).
    pub constrained: bool,
}

impl Bound {
    /// `max(sum/jobs, longest)` or, e.g., `exclusive 4.0s + group db`.
    pub fn describe(&self) -> String {
        self.describe_with(crate::unit::UnitNoun::File)
    }

    /// [`Bound::describe`], naming the units (`longest test` for a run of
    /// Rust tests).
    pub fn describe_with(&self, noun: crate::unit::UnitNoun) -> String {
        if !self.constrained {
            return "max(sum/jobs, longest)".to_string();
        }
        let term = match &self.limit {
            Limit::Slots => "sum/jobs".to_string(),
            Limit::Longest => format!("longest {}", noun.singular()),
            Limit::Group(g) => format!("group {g} sum/max-threads"),
            Limit::Cpu => "cpu/cores".to_string(),
            Limit::Chain => return "longest dependency chain".to_string(),
        };
        if self.exclusive.is_zero() {
            term
        } else {
            format!(
                "exclusive {} + {term}",
                crate::util::duration::format_duration(self.exclusive)
            )
        }
    }
}

/// The bound of `items` on `jobs` slots and `cores` cores, with
/// `cap(group)` the max-threads of a group.
pub fn lower_bound(
    items: &[BoundItem],
    jobs: usize,
    cores: usize,
    cap: impl Fn(&str) -> u32,
) -> Bound {
    let jobs = u32::try_from(jobs.max(1)).unwrap_or(u32::MAX);
    let cores = u32::try_from(cores.max(1)).unwrap_or(u32::MAX);
    let runs = |i: &&BoundItem| !i.skip;
    let exclusive: Duration = items
        .iter()
        .filter(runs)
        .filter(|i| i.exclusive)
        .map(|i| i.duration)
        .sum();
    let parallel: Vec<&BoundItem> = items.iter().filter(runs).filter(|i| !i.exclusive).collect();
    let slot_time: Duration = parallel
        .iter()
        .map(|i| i.duration * i.weight.clamp(1, jobs))
        .sum();
    let mut terms = vec![
        (slot_time / jobs, Limit::Slots),
        (
            parallel
                .iter()
                .map(|i| i.duration)
                .max()
                .unwrap_or_default(),
            Limit::Longest,
        ),
    ];
    let mut groups: std::collections::BTreeMap<&str, Duration> = Default::default();
    for i in &parallel {
        if let Some(g) = &i.group {
            *groups.entry(g.as_str()).or_default() += i.duration;
        }
    }
    for (g, sum) in groups {
        let threads = cap(g).clamp(1, jobs);
        terms.push((sum / threads, Limit::Group(g.to_string())));
    }
    let cpu_known = parallel.iter().any(|i| i.cpu.is_some());
    if cpu_known {
        let cpu: Duration = parallel.iter().filter_map(|i| i.cpu).sum();
        terms.push((cpu / cores, Limit::Cpu));
    }
    // The first of the largest: ties go to the plainer explanation.
    let (best, limit) = terms
        .into_iter()
        .fold((Duration::ZERO, Limit::Slots), |acc, t| {
            if t.0 > acc.0 {
                t
            } else {
                acc
            }
        });
    let chain = longest_chain(items);
    let constrained = !exclusive.is_zero()
        || cpu_known
        || items
            .iter()
            .any(|i| i.group.is_some() || i.weight > 1 || i.skip || !i.depends_on.is_empty());
    if chain > exclusive + best {
        return Bound {
            value: chain,
            exclusive: Duration::ZERO,
            limit: Limit::Chain,
            constrained,
        };
    }
    Bound {
        value: exclusive + best,
        exclusive,
        limit,
        constrained,
    }
}

/// The longest sum of durations along a dependency chain (items in any
/// order; a cycle is cut where it closes).
fn longest_chain(items: &[BoundItem]) -> Duration {
    if items.iter().all(|i| i.depends_on.is_empty()) {
        return Duration::ZERO;
    }
    // Memoised depth-first: the longest chain ending at each item.
    let mut memo: Vec<Option<Duration>> = vec![None; items.len()];
    let mut on_path = vec![false; items.len()];
    fn visit(
        i: usize,
        items: &[BoundItem],
        memo: &mut [Option<Duration>],
        on_path: &mut [bool],
    ) -> Duration {
        if let Some(d) = memo[i] {
            return d;
        }
        if on_path[i] {
            return Duration::ZERO;
        }
        on_path[i] = true;
        let before = items[i]
            .depends_on
            .iter()
            .filter(|&&d| d < items.len())
            .map(|&d| visit(d, items, memo, on_path))
            .max()
            .unwrap_or_default();
        on_path[i] = false;
        let d = before
            + if items[i].skip {
                Duration::ZERO
            } else {
                items[i].duration
            };
        memo[i] = Some(d);
        d
    }
    (0..items.len())
        .map(|i| visit(i, items, &mut memo, &mut on_path))
        .max()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(secs: u64) -> BoundItem {
        BoundItem {
            duration: Duration::from_secs(secs),
            cpu: None,
            weight: 1,
            exclusive: false,
            group: None,
            skip: false,
            depends_on: Vec::new(),
        }
    }

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn without_constraints_it_is_sum_over_jobs_or_the_longest() {
        let b = lower_bound(&[item(4), item(4), item(4), item(4)], 2, 2, |_| 1);
        assert_eq!(
            (b.value, b.limit.clone(), b.constrained),
            (s(8), Limit::Slots, false)
        );
        assert_eq!(b.describe(), "max(sum/jobs, longest)");
        let b = lower_bound(&[item(1), item(9)], 4, 4, |_| 1);
        assert_eq!((b.value, b.limit), (s(9), Limit::Longest));
    }

    #[test]
    fn the_longest_term_names_the_units() {
        let b = Bound {
            value: s(9),
            exclusive: Duration::ZERO,
            limit: Limit::Longest,
            constrained: true,
        };
        assert_eq!(b.describe(), "longest file");
        assert_eq!(b.describe_with(crate::unit::UnitNoun::Test), "longest test");
    }

    #[test]
    fn an_exclusive_phase_adds_its_sum_and_a_group_its_sum_over_max_threads() {
        let mut excl = item(5);
        excl.exclusive = true;
        let db = |secs| BoundItem {
            group: Some("db".into()),
            ..item(secs)
        };
        let items = [excl, db(3), db(3), db(3), db(3), item(1)];
        let b = lower_bound(&items, 4, 4, |_| 1);
        assert_eq!(
            b.value,
            s(5 + 12),
            "5 alone, then the four db files one at a time"
        );
        assert_eq!(b.describe(), "exclusive 5.0s + group db sum/max-threads");
        let b = lower_bound(&items, 4, 4, |_| 2);
        assert_eq!(b.value, s(5 + 6));
    }

    #[test]
    fn weights_cpu_and_chains_raise_the_bound() {
        let heavy = BoundItem {
            weight: 4,
            ..item(4)
        };
        assert_eq!(lower_bound(&[heavy, item(4)], 4, 4, |_| 1).value, s(5));
        let busy = |secs| BoundItem {
            cpu: Some(s(secs)),
            ..item(secs)
        };
        let b = lower_bound(&[busy(4), busy(4), busy(4), busy(4)], 8, 2, |_| 1);
        assert_eq!((b.value, b.limit), (s(8), Limit::Cpu), "8 jobs, 2 cores");
        let chain = [
            item(2),
            BoundItem {
                depends_on: vec![0],
                ..item(3)
            },
            item(1),
        ];
        let b = lower_bound(&chain, 4, 4, |_| 1);
        assert_eq!((b.value, b.limit), (s(5), Limit::Chain));
    }
}
