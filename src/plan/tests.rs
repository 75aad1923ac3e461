use super::order::SplitMix64;
use super::*;
use crate::unit::{Runner, Unit};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn tf(id: &str, size: u64) -> Unit {
    Unit::file(id.into(), PathBuf::from(id), Runner::Direct, None, size)
}

fn s(secs: f64) -> Duration {
    Duration::from_secs_f64(secs)
}

/// Files named `ids` (size 100) with recorded durations `known`.
fn suite(ids: &[&str], known: &[(&str, f64)]) -> (Vec<Unit>, Expectations) {
    let files = ids.iter().map(|id| tf(id, 100)).collect();
    let mut e = Expectations::new();
    for &(id, secs) in known {
        e.insert_recorded(id, s(secs));
    }
    (files, e)
}

fn ids(plan: &Plan) -> Vec<&str> {
    plan.entries.iter().map(|e| e.file.id.as_str()).collect()
}

fn options(jobs: usize, order: Order, shard: Option<Shard>) -> PlanOptions {
    PlanOptions {
        jobs,
        order,
        shard,
        ..PlanOptions::new(jobs)
    }
}

fn shuffle<T>(rng: &mut SplitMix64, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
}

/// A random suite: up to 60 files; durations heavy-tailed, sometimes with
/// unknown files, sometimes with none known at all.
fn random_suite(rng: &mut SplitMix64) -> (Vec<Unit>, Expectations) {
    let n = rng.below(61) as usize;
    let mode = rng.below(3);
    let mut files = Vec::new();
    let mut e = Expectations::new();
    for i in 0..n {
        let id = format!("t/{:03}-{}.t", rng.below(1000), i);
        files.push(tf(&id, rng.below(10_000)));
        let known = match mode {
            0 => false,
            1 => true,
            _ => rng.below(4) != 0,
        };
        if known {
            e.insert_recorded(id, pareto(rng));
            if rng.below(10) == 0 {
                e.mark_failed(files[i].id.clone());
            }
        }
    }
    (files, e)
}

/// Pareto(alpha = 1.5, scale 0.1 s), capped at 600 s, in whole milliseconds.
fn pareto(rng: &mut SplitMix64) -> Duration {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
    let secs = (0.1 / (1.0 - u).powf(1.0 / 1.5)).min(600.0);
    Duration::from_millis((secs * 1000.0) as u64)
}

// ---------------------------------------------------------------- shards

#[test]
fn every_file_is_in_exactly_one_shard() {
    let mut rng = SplitMix64::new(7);
    for _ in 0..300 {
        let (files, e) = random_suite(&mut rng);
        let count = 1 + rng.below(8) as usize;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut hash_split = None;
        for index in 1..=count {
            let shard = Shard { index, count };
            let plan = Plan::build(files.clone(), &e, &options(2, Order::Lpt, Some(shard)));
            let info = plan.shard.as_ref().unwrap();
            assert_eq!(info.counts[index - 1], plan.entries.len());
            assert_eq!(info.counts.iter().sum::<usize>(), files.len());
            hash_split.get_or_insert(info.hash_split);
            assert_eq!(Some(info.hash_split), hash_split);
            let total: Duration = plan.entries.iter().filter_map(|e| e.expected).sum();
            assert_eq!(info.totals[index - 1], total);
            for entry in plan.entries {
                *seen.entry(entry.file.id.into()).or_default() += 1;
            }
        }
        assert_eq!(seen.len(), files.len(), "every file somewhere");
        assert!(seen.values().all(|&n| n == 1), "no file twice: {seen:?}");
    }
}

#[test]
fn same_inputs_give_the_same_shards_in_any_input_order() {
    let mut rng = SplitMix64::new(11);
    for _ in 0..200 {
        let (files, e) = random_suite(&mut rng);
        let count = 1 + rng.below(6) as usize;
        let index = 1 + rng.below(count as u64) as usize;
        let opts = options(3, Order::FailedFirst, Some(Shard { index, count }));
        let first = Plan::build(files.clone(), &e, &opts);
        let mut shuffled = files.clone();
        shuffle(&mut rng, &mut shuffled);
        let second = Plan::build(shuffled, &e, &opts);
        assert_eq!(first, second);
    }
}

#[test]
fn lpt_bin_packing_is_balanced_on_a_heavy_tailed_suite() {
    let mut rng = SplitMix64::new(2024);
    let mut checked = 0;
    for _ in 0..50 {
        let items: Vec<(String, Option<Duration>)> = (0..100)
            .map(|i| (format!("t/{i:03}.t"), Some(pareto(&mut rng))))
            .collect();
        let refs: Vec<(&str, Option<Duration>)> =
            items.iter().map(|(id, d)| (id.as_str(), *d)).collect();
        for count in [2, 3, 4] {
            let part = partition(&refs, count);
            let total: Duration = refs.iter().filter_map(|(_, d)| *d).sum();
            let longest = refs.iter().filter_map(|(_, d)| *d).max().unwrap();
            let mean = total.as_secs_f64() / count as f64;
            let max = part.totals.iter().max().unwrap().as_secs_f64();
            assert_eq!(part.totals.iter().sum::<Duration>(), total);
            // No partition can beat the longest file; below that, LPT must
            // come within 2% of perfect balance.
            if longest.as_secs_f64() <= mean {
                checked += 1;
                assert!(
                    max / mean <= 1.02,
                    "max/mean = {} with {count} shards",
                    max / mean
                );
            } else {
                assert_eq!(max, longest.as_secs_f64(), "the longest file alone");
            }
        }
    }
    assert!(checked > 50, "the property was exercised ({checked} cases)");
}

#[test]
fn lpt_bin_packing_follows_the_documented_rule() {
    let items = [
        ("a", Some(s(5.0))),
        ("b", Some(s(4.0))),
        ("c", Some(s(3.0))),
        ("d", Some(s(3.0))),
        ("e", Some(s(2.0))),
        ("f", Some(s(2.0))),
    ];
    let part = partition(&items, 2);
    // a→0 (5); b→1 (4); c→1 (7); d→0 (8); e→1 (9); f→0 (10)
    assert_eq!(part.bins, vec![0, 1, 1, 0, 1, 0]);
    assert_eq!(part.totals, vec![s(10.0), s(9.0)]);
    assert_eq!(part.counts, vec![3, 3]);
    assert!(!part.hash_split);
}

#[test]
fn hash_split_is_balanced_by_count_when_nothing_is_known() {
    let mut rng = SplitMix64::new(3);
    for n in 0..80 {
        let names: Vec<String> = (0..n)
            .map(|i| format!("t/{}.t", rng.next_u64() % 100_000 + i))
            .collect();
        let items: Vec<(&str, Option<Duration>)> =
            names.iter().map(|id| (id.as_str(), None)).collect();
        for count in 1..=7 {
            let part = partition(&items, count);
            assert!(part.hash_split);
            let (lo, hi) = (
                part.counts.iter().min().unwrap(),
                part.counts.iter().max().unwrap(),
            );
            assert!(hi - lo <= 1, "counts {:?}", part.counts);
            assert_eq!(part.counts.iter().sum::<usize>(), n as usize);
        }
    }
}

#[test]
fn hash_split_uses_a_stable_hash() {
    // Pinned so that a change of hash (which would reshuffle every CI's
    // shards between ptest versions) is noticed.
    let items = [("a.t", None), ("b.t", None), ("c.t", None), ("d.t", None)];
    let part = partition(&items, 2);
    let again = partition(&[items[3], items[1], items[0], items[2]], 2);
    let shard_of = |p: &Partition, order: &[usize]| -> Vec<usize> {
        let mut v = vec![0; 4];
        for (pos, &i) in order.iter().enumerate() {
            v[i] = p.bins[pos];
        }
        v
    };
    assert_eq!(
        shard_of(&part, &[0, 1, 2, 3]),
        shard_of(&again, &[3, 1, 0, 2])
    );
    assert_eq!(part.bins, expected_pinned_bins());
}

fn expected_pinned_bins() -> Vec<usize> {
    // Computed from BLAKE3: sort by first 8 bytes (LE) of blake3(id).
    let mut keyed: Vec<(u64, &str)> = ["a.t", "b.t", "c.t", "d.t"]
        .iter()
        .map(|id| {
            let h = blake3::hash(id.as_bytes());
            (
                u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap()),
                *id,
            )
        })
        .collect();
    keyed.sort();
    let mut bins = vec![0; 4];
    for (n, (_, id)) in keyed.iter().enumerate() {
        let i = ["a.t", "b.t", "c.t", "d.t"]
            .iter()
            .position(|x| x == id)
            .unwrap();
        bins[i] = n % 2;
    }
    bins
}

#[test]
fn shard_plan_records_all_totals_and_a_fingerprint() {
    let (files, e) = suite(
        &["a", "b", "c", "d"],
        &[("a", 8.0), ("b", 4.0), ("c", 4.0), ("d", 1.0)],
    );
    let p1 = Plan::build(
        files.clone(),
        &e,
        &options(1, Order::Lpt, Some("1/2".parse().unwrap())),
    );
    let p2 = Plan::build(
        files.clone(),
        &e,
        &options(1, Order::Lpt, Some("2/2".parse().unwrap())),
    );
    assert_eq!(ids(&p1), vec!["a", "d"]);
    assert_eq!(ids(&p2), vec!["b", "c"]);
    let (i1, i2) = (p1.shard.unwrap(), p2.shard.unwrap());
    assert_eq!(i1.totals, vec![s(9.0), s(8.0)]);
    assert_eq!(i1.totals, i2.totals);
    assert_eq!(i1.fingerprint, i2.fingerprint);
    assert_eq!(i1.fingerprint.len(), 12);
    // The whole partition, the same on both shards.
    assert_eq!(i1.planned, vec![vec!["a", "d"], vec!["b", "c"]]);
    assert_eq!(i1.planned, i2.planned);
    // Different durations, different fingerprint.
    let mut e2 = e.clone();
    e2.insert_recorded("d", s(2.0));
    let p3 = Plan::build(
        files,
        &e2,
        &options(1, Order::Lpt, Some("1/2".parse().unwrap())),
    );
    assert_ne!(p3.shard.unwrap().fingerprint, i1.fingerprint);
}

#[test]
fn more_shards_than_files_gives_empty_shards() {
    let (files, e) = suite(&["a", "b"], &[("a", 1.0), ("b", 2.0)]);
    let plan = Plan::build(
        files,
        &e,
        &options(1, Order::Lpt, Some("4/4".parse().unwrap())),
    );
    assert!(plan.entries.is_empty());
    assert_eq!(plan.shard.unwrap().counts, vec![1, 1, 0, 0]);
}

#[test]
fn failed_files_do_not_change_the_partition() {
    let (files, mut e) = suite(&["a", "b", "c"], &[("a", 3.0), ("b", 2.0), ("c", 2.0)]);
    let before = Plan::build(
        files.clone(),
        &e,
        &options(1, Order::FailedFirst, Some("2/2".parse().unwrap())),
    );
    e.mark_failed("c");
    let after = Plan::build(
        files,
        &e,
        &options(1, Order::FailedFirst, Some("2/2".parse().unwrap())),
    );
    assert_eq!(ids(&after), vec!["c", "b"]);
    let mut a: Vec<&str> = ids(&before);
    a.sort();
    assert_eq!(a, vec!["b", "c"]);
}

// ----------------------------------------------------------------- order

#[test]
fn failed_first_then_longest_first() {
    let (files, mut e) = suite(
        &["a", "b", "c", "d", "e"],
        &[("a", 1.0), ("b", 5.0), ("c", 3.0), ("d", 2.0), ("e", 4.0)],
    );
    e.mark_failed("a");
    e.mark_failed("d");
    let plan = Plan::build(files.clone(), &e, &options(2, Order::FailedFirst, None));
    assert_eq!(ids(&plan), vec!["d", "a", "b", "e", "c"]);
    assert_eq!(
        plan.failed_last_time
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        vec!["a", "d"]
    );
    let plan = Plan::build(files.clone(), &e, &options(2, Order::Lpt, None));
    assert_eq!(ids(&plan), vec!["b", "e", "c", "d", "a"]);
    let plan = Plan::build(files, &e, &options(2, Order::Lexical, None));
    assert_eq!(ids(&plan), vec!["a", "b", "c", "d", "e"]);
}

#[test]
fn ties_are_broken_by_id() {
    let (files, e) = suite(&["c", "a", "b"], &[("a", 1.0), ("b", 1.0), ("c", 1.0)]);
    let plan = Plan::build(files, &e, &options(2, Order::Lpt, None));
    assert_eq!(ids(&plan), vec!["a", "b", "c"]);
}

#[test]
fn lpt_order_is_sorted_on_random_suites() {
    let mut rng = SplitMix64::new(5);
    for _ in 0..200 {
        let (files, e) = random_suite(&mut rng);
        let plan = Plan::build(files.clone(), &e, &options(4, Order::FailedFirst, None));
        assert_eq!(plan.entries.len(), files.len());
        let keys: Vec<(bool, Option<Duration>)> = plan
            .entries
            .iter()
            .map(|p| {
                (
                    !plan.failed_last_time.contains(p.file.id.as_str()),
                    p.expected,
                )
            })
            .collect();
        for w in keys.windows(2) {
            assert!(w[0].0 <= w[1].0, "failed files first");
            if w[0].0 == w[1].0 {
                if let (Some(a), Some(b)) = (w[0].1, w[1].1) {
                    assert!(a >= b, "longest first");
                }
            }
        }
    }
}

#[test]
fn random_order_is_deterministic_for_a_seed() {
    let names: Vec<String> = (0..30).map(|i| format!("t/{i:02}.t")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (files, e) = suite(&refs, &[]);
    let a = Plan::build(
        files.clone(),
        &e,
        &options(2, Order::Random(Some(42)), None),
    );
    let mut reversed = files.clone();
    reversed.reverse();
    let b = Plan::build(reversed, &e, &options(2, Order::Random(Some(42)), None));
    let c = Plan::build(
        files.clone(),
        &e,
        &options(2, Order::Random(Some(43)), None),
    );
    assert_eq!(ids(&a), ids(&b));
    assert_ne!(ids(&a), ids(&c));
    assert_ne!(ids(&a), refs, "actually shuffled");
    let mut sorted = ids(&a);
    sorted.sort();
    assert_eq!(sorted, refs, "a permutation");
    assert_eq!(a.order, Order::Random(Some(42)));

    // Without a seed, one is drawn, recorded, and reproduces the order.
    let drawn = Plan::build(files.clone(), &e, &options(2, Order::Random(None), None));
    let Order::Random(Some(seed)) = drawn.order else {
        panic!("seed not recorded: {:?}", drawn.order);
    };
    let again = Plan::build(files, &e, &options(2, Order::Random(Some(seed)), None));
    assert_eq!(ids(&drawn), ids(&again));
    assert!(render_dry_run(&drawn).contains(&format!("--order random:{seed}")));
}

/// Users replay a run with `--order random:SEED`: the generator and the
/// shuffle must give the same order for a seed in every version. These are
/// SplitMix64's published reference outputs.
#[test]
fn the_seeded_generator_is_splitmix64() {
    let mut rng = SplitMix64::new(0);
    let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
    assert_eq!(
        first,
        [
            0xE220_A839_7B1D_CDAF,
            0x6E78_9E6A_A1B9_65F4,
            0x06C4_5D18_8009_454F
        ]
    );
    let mut rng = SplitMix64::new(1_234_567);
    let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
    assert_eq!(
        first,
        [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423
        ]
    );
    let mut rng = SplitMix64::new(42);
    let below: Vec<u64> = [10, 10, 1000, 1_000_000, 3].map(|n| rng.below(n)).to_vec();
    assert_eq!(below, [7, 1, 278, 344_190, 0]);
}

#[test]
fn random_order_for_a_seed_is_pinned() {
    let names: Vec<String> = (0..10).map(|i| format!("t/{i:02}.t")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (files, e) = suite(&refs, &[("t/03.t", 9.0)]);
    let order = |seed| {
        let plan = Plan::build(
            files.clone(),
            &e,
            &options(2, Order::Random(Some(seed)), None),
        );
        ids(&plan)
            .iter()
            .map(|id| id[2..4].to_string())
            .collect::<Vec<_>>()
    };
    // Durations and failures play no part in a random order.
    assert_eq!(
        order(42),
        ["08", "03", "06", "05", "04", "00", "09", "02", "01", "07"]
    );
    assert_eq!(
        order(0),
        ["04", "09", "02", "05", "01", "07", "06", "00", "03", "08"]
    );
}

#[test]
fn drawn_seeds_are_short_and_vary() {
    let mut seeds = BTreeSet::new();
    for _ in 0..1000 {
        let Order::Random(Some(seed)) = order::resolve(Order::Random(None)) else {
            panic!("no seed drawn");
        };
        assert!(seed < 1_000_000, "seed {seed} is not short");
        seeds.insert(seed);
    }
    assert!(seeds.len() > 1, "every draw gave seed {seeds:?}");
    for o in [
        Order::FailedFirst,
        Order::Lpt,
        Order::Lexical,
        Order::Random(Some(5)),
    ] {
        assert_eq!(order::resolve(o), o);
    }
}

#[test]
fn order_round_trips_through_display() {
    for o in [
        Order::FailedFirst,
        Order::Lpt,
        Order::Lexical,
        Order::Random(None),
        Order::Random(Some(7)),
    ] {
        assert_eq!(o.to_string().parse::<Order>(), Ok(o));
    }
}

// ------------------------------------------------------------- estimates

#[test]
fn new_files_are_estimated_high_and_start_early() {
    let known: Vec<(String, f64)> = (1..=10).map(|i| (format!("k{i:02}"), i as f64)).collect();
    let known_refs: Vec<(&str, f64)> = known.iter().map(|(id, d)| (id.as_str(), *d)).collect();
    let mut all: Vec<&str> = known_refs.iter().map(|(id, _)| *id).collect();
    all.push("new");
    let (files, e) = suite(&all, &known_refs);
    let plan = Plan::build(files, &e, &options(2, Order::FailedFirst, None));
    let pos = plan
        .entries
        .iter()
        .position(|p| p.file.id == "new")
        .unwrap();
    // p90 of 1..=10 is 9s: after k10, and after k09 (tie, broken by id).
    assert_eq!(pos, 2);
    let new = &plan.entries[pos];
    assert_eq!(new.source, EstimateSource::Estimated);
    assert_eq!(new.expected, Some(s(9.0)), "p90 of 1..=10");
}

#[test]
fn with_nothing_known_bigger_files_go_first() {
    let files = vec![tf("a", 10), tf("b", 3000), tf("c", 200)];
    let plan = Plan::build(
        files,
        &Expectations::new(),
        &options(2, Order::FailedFirst, None),
    );
    assert_eq!(ids(&plan), vec!["b", "c", "a"]);
    assert!(plan
        .entries
        .iter()
        .all(|p| p.source == EstimateSource::Unknown && p.expected.is_none()));
    assert_eq!(plan.predicted_wall(), Duration::ZERO);
}

#[test]
fn imported_durations_win_over_history_and_history_fills_the_rest() {
    let mut history = crate::history::History::empty();
    let run = |id: &str, secs: f64, verdict| {
        let mut f = crate::outcome::UnitSummary::not_run(id.into(), id.into(), "");
        f.verdict = verdict;
        f.duration = Some(s(secs));
        f
    };
    let summary = crate::testing::SummaryFixture::new(vec![
        run("a", 1.0, crate::outcome::Verdict::Pass),
        run("b", 2.0, crate::outcome::Verdict::Fail),
    ])
    .build();
    history.record(&summary, &Default::default());
    let mut imported = ImportedDurations::new();
    imported.insert("./a", s(10.0));
    imported.insert("c", s(3.0));
    let e = Expectations::from_history(&history).with_imported(imported);
    assert_eq!(e.known("a"), Some((s(10.0), EstimateSource::Imported)));
    assert_eq!(e.known("b"), Some((s(2.0), EstimateSource::History)));
    assert_eq!(e.known("c"), Some((s(3.0), EstimateSource::Imported)));
    assert_eq!(e.known("d"), None);
    assert!(e.failed_last_time("b"));
    assert!(!e.failed_last_time("a"));
    let resolved = e.resolve(&[tf("a", 1), tf("b", 1), tf("d", 1)]);
    assert_eq!(resolved[2].source, EstimateSource::Estimated);
    assert_eq!(resolved[2].expected, Some(s(10.0)));
    assert!(resolved[1].failed_last_time);
}

// ------------------------------------------------------------- analytics

#[test]
fn lower_bound_is_the_larger_of_share_and_longest() {
    let (files, e) = suite(
        &["a", "b", "c", "d"],
        &[("a", 10.0), ("b", 2.0), ("c", 2.0), ("d", 2.0)],
    );
    let plan = Plan::build(files.clone(), &e, &options(2, Order::Lpt, None));
    assert_eq!(plan.total_expected(), s(16.0));
    assert_eq!(plan.lower_bound(), s(10.0));
    let plan = Plan::build(files.clone(), &e, &options(1, Order::Lpt, None));
    assert_eq!(plan.lower_bound(), s(16.0));
    let (files, e) = suite(
        &["a", "b", "c", "d"],
        &[("a", 4.0), ("b", 4.0), ("c", 4.0), ("d", 3.0)],
    );
    let plan = Plan::build(files, &e, &options(3, Order::Lpt, None));
    assert_eq!(plan.lower_bound(), s(5.0));
    assert_eq!(plan.predicted_wall(), s(7.0));
    assert_eq!(Plan::lexical(Vec::new(), 0).lower_bound(), Duration::ZERO);
}

#[test]
fn lpt_beats_lexical_when_slow_files_sort_last() {
    let mut ids_: Vec<String> = (0..8).map(|i| format!("a{i}")).collect();
    ids_.push("z_slow".into());
    let refs: Vec<&str> = ids_.iter().map(String::as_str).collect();
    let mut known: Vec<(&str, f64)> = refs[..8].iter().map(|id| (*id, 1.0)).collect();
    known.push(("z_slow", 8.0));
    let (files, e) = suite(&refs, &known);
    let lexical = Plan::build(files.clone(), &e, &options(2, Order::Lexical, None));
    let lpt = Plan::build(files, &e, &options(2, Order::Lpt, None));
    assert_eq!(lexical.predicted_wall(), s(12.0), "4 + 8 in one slot");
    assert_eq!(lpt.predicted_wall(), s(8.0), "z alone, the rest beside it");
    assert_eq!(lpt.lower_bound(), s(8.0));
}

#[test]
fn predicted_wall_is_never_below_the_lower_bound() {
    let mut rng = SplitMix64::new(99);
    for _ in 0..200 {
        let (files, e) = random_suite(&mut rng);
        let jobs = 1 + rng.below(8) as usize;
        for order in [Order::Lpt, Order::Lexical, Order::Random(Some(1))] {
            let plan = Plan::build(files.clone(), &e, &options(jobs, order, None));
            assert!(plan.predicted_wall() >= plan.lower_bound());
            if jobs == 1 {
                assert_eq!(plan.predicted_wall(), plan.total_expected());
            }
        }
    }
}

#[test]
fn warns_about_files_that_bound_the_run() {
    let (files, e) = suite(&["a", "b", "c"], &[("a", 30.0), ("b", 5.0), ("c", 5.0)]);
    // 4 jobs on 3 files: 3 slots, so the share is 40 s / 3.
    let plan = Plan::build(files, &e, &options(4, Order::Lpt, None));
    let warnings = plan.warnings();
    assert_eq!(
        warnings,
        vec![PlanWarning::BoundsRun {
            id: "a".into(),
            expected: s(30.0),
            share: s(40.0) / 3
        }]
    );
    assert!(warnings[0].to_string().contains("consider splitting it"));
    let (files, e) = suite(&["a", "b", "c"], &[("a", 5.0), ("b", 5.0), ("c", 5.0)]);
    assert!(Plan::build(files, &e, &options(2, Order::Lpt, None))
        .warnings()
        .is_empty());
}

// --------------------------------------------------------------- dry run

#[test]
fn dry_run_lists_files_in_dispatch_order_with_aligned_columns() {
    let (files, mut e) = suite(
        &["t/quick.t", "t/slow-one.t", "t/new.t", "t/x.t"],
        &[("t/quick.t", 0.5), ("t/slow-one.t", 42.0), ("t/x.t", 3.0)],
    );
    e.mark_failed("t/x.t");
    let plan = Plan::build(files, &e, &options(2, Order::FailedFirst, None));
    let text = render_dry_run(&plan);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "#  expected  source     file");
    assert_eq!(
        lines[1],
        "1      3.0s  history    t/x.t  (failed last time)"
    );
    // The new file gets p90 of the known (42s) and ties are broken by id.
    assert_eq!(lines[2], "2     42.0s  estimated  t/new.t");
    assert_eq!(lines[3], "3     42.0s  history    t/slow-one.t");
    assert_eq!(lines[4], "4     500ms  history    t/quick.t");
    assert!(text.contains("\nfiles:           4\n"), "{text}");
    assert!(text.contains("\nsum of expected: 1m27s\n"), "{text}");
    assert!(text.contains("\njobs:            2\n"), "{text}");
    assert!(text.contains("\npredicted wall:  45.0s\n"), "{text}");
    assert!(text.contains("\nlower bound:     43.8s\n"), "{text}");
    assert!(text.contains("\norder:           failed-first\n"), "{text}");
    assert!(
        !text.lines().any(|l| l.ends_with(' ')),
        "no trailing spaces"
    );
}

#[test]
fn dry_run_shows_this_shard_next_to_the_others_and_warnings() {
    let (files, e) = suite(
        &["a", "b", "c", "d", "e"],
        &[("a", 12.0), ("b", 6.0), ("c", 6.0), ("d", 5.0), ("e", 4.0)],
    );
    let plan = Plan::build(
        files,
        &e,
        &options(1, Order::Lpt, Some("2/3".parse().unwrap())),
    );
    // a→1 (12); b→2 (6); c→3 (6); d→2 (11); e→3 (10)
    assert_eq!(ids(&plan), vec!["b", "d"]);
    let text = render_dry_run(&plan);
    assert!(
        text.contains("shard 2/3:       11.0s (others: 12.0s, 10.0s)\n"),
        "{text}"
    );
    assert!(text.contains("partition:"), "{text}");

    let (files, e) = suite(&["a", "b", "c"], &[("a", 30.0), ("b", 1.0), ("c", 1.0)]);
    let text = render_dry_run(&Plan::build(files, &e, &options(2, Order::Lpt, None)));
    assert!(text.contains("warnings:\n  a (expected 30.0s)"), "{text}");

    let files = vec![tf("a", 1), tf("b", 1), tf("c", 1)];
    let text = render_dry_run(&Plan::build(
        files,
        &Expectations::new(),
        &options(1, Order::Lpt, Some("1/2".parse().unwrap())),
    ));
    assert!(text.contains("split by id hash"), "{text}");
    assert!(
        text.contains("(others: 1)") || text.contains("(others: 2)"),
        "{text}"
    );
    assert!(text.contains("        ?  unknown"), "{text}");
    assert!(
        text.contains("\npredicted wall:  unknown (no durations known)\n"),
        "{text}"
    );
}

// ---------------------------------------------------- --durations import

fn parse(text: &str) -> Result<ImportedDurations, DurationsError> {
    ImportedDurations::parse(text, Path::new("durations.xml"))
}

#[test]
fn imports_junit_suites_with_a_file_attribute() {
    let d = parse(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="first" file="./t/a.t" time="12.5" tests="2">
    <testcase name="one" time="1.0"/>
    <testcase name="two" time="2.0"></testcase>
  </testsuite>
  <testsuite name="second" file="t/b.t" tests="2">
    <testcase name="one" time="0.25"/>
    <testcase name="two" time="0.5"><failure message="x">boom</failure></testcase>
  </testsuite>
</testsuites>"#,
    )
    .unwrap();
    assert_eq!(d.get("t/a.t"), Some(s(12.5)));
    assert_eq!(d.get("./t/a.t"), Some(s(12.5)));
    assert_eq!(
        d.get("t/b.t"),
        Some(s(0.75)),
        "sum of cases without suite time"
    );
    assert_eq!(
        d.get("first"),
        None,
        "the file attribute wins over the name"
    );
}

#[test]
fn imports_junit_cases_by_file_or_classname() {
    // pytest style: one suite for the whole run, classes named by module.
    let d = parse(
        r#"<testsuites><testsuite name="pytest" time="9.0">
  <testcase classname="tests.test_db" name="a" time="1.5"/>
  <testcase classname="tests.test_db.TestConn" name="b" time="2.5"/>
  <testcase classname="tests.test_dbx" name="c" time="100"/>
  <testcase file="tests/test_web.py" classname="whatever" name="d" time="0.5"/>
  <testcase file="tests/test_web.py" classname="whatever" name="e" time="0.25"/>
  <testcase name="no-time"/>
</testsuite></testsuites>"#,
    )
    .unwrap();
    assert_eq!(
        d.get("tests/test_db.py"),
        Some(s(4.0)),
        "module and its classes"
    );
    assert_eq!(d.get("tests/test_web.py"), Some(s(0.75)));
    assert_eq!(d.get("tests/test_api.py"), None);
    assert_eq!(d.get("pytest"), Some(s(9.0)));
}

#[test]
fn junit_suite_time_wins_over_case_times_for_the_same_name() {
    // One suite per file named by id, cases classed by the same id (as TAP
    // converters do): the suite time (with setup) is the file's time.
    let d = parse(
        r#"<testsuites>
  <testsuite name="t/a.t" time="3.0"><testcase classname="t/a.t" name="x" time="1.0"/></testsuite>
  <testsuite name="t/b.t" time="0.5"><testcase name="y"/></testsuite>
  <testsuite name="t/c.t"><testcase name="z" time="0.125"/></testsuite>
</testsuites>"#,
    )
    .unwrap();
    assert_eq!(d.get("t/a.t"), Some(s(3.0)));
    assert_eq!(d.get("t/b.t"), Some(s(0.5)));
    assert_eq!(d.get("t/c.t"), Some(s(0.125)));
}

#[test]
fn imports_a_json_object_of_seconds() {
    let d = ImportedDurations::parse(
        r#"{"./t/a.t": 1.5, "t/b.t": 0, "t\\c.t": 2}"#,
        Path::new("d.json"),
    )
    .unwrap();
    assert_eq!(d.get("t/a.t"), Some(s(1.5)));
    assert_eq!(d.get("t/b.t"), Some(Duration::ZERO));
    assert_eq!(d.get("t/c.t"), Some(s(2.0)));
    assert_eq!(d.len(), 3);
}

#[test]
fn imports_a_ptest_json_summary() {
    let d = ImportedDurations::parse(
        r#"{"version": 1, "run_id": "x", "files": [
            {"id": "t/a.t", "verdict": "pass", "duration": 2.25},
            {"id": "t/b.t", "verdict": "not-run"}
        ]}"#,
        Path::new("summary.json"),
    )
    .unwrap();
    assert_eq!(d.get("t/a.t"), Some(s(2.25)));
    assert_eq!(d.get("t/b.t"), None);
    assert_eq!(d.len(), 1);
}

#[test]
fn bad_durations_files_name_the_file_and_the_problem() {
    let cases: &[(&str, &str)] = &[
        ("", "empty"),
        ("hello", "neither JUnit XML nor JSON"),
        ("{\"a.t\": ", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ("{\"a.t\": -1}", "`a.t`"),
        ("{\"a.t\": \"fast\"}", "not a number of seconds"),
        (
            "{\"version\": 1, \"files\": {}}",
            "\"files\" is not an array",
        ),
        (
            "{\"version\": 1, \"files\": [{\"duration\": 1}]}",
            "files[0] has no \"id\"",
        ),
        (
            "{\"version\": 1, \"files\": [{\"id\": \"a\", \"duration\": \"x\"}]}",
            "files[0] (a)",
        ),
        (
            "<testsuites><testsuite name=\"a\"></testcase></testsuites>",
            "not valid XML",
        ),
        ("<testsuites><testsuite name=\"a\" time=\"1\">", "truncated"),
        ("<testsuite name=\"a\" time=\"1,5\"/>", "invalid time `1,5`"),
        ("<html><body/></html>", "not a JUnit report"),
    ];
    for (text, needle) in cases {
        let err = ImportedDurations::parse(text, Path::new("ci/durations.dat")).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("ci/durations.dat"), "{message}");
        let full = format!(
            "{message}: {}",
            std::error::Error::source(&err)
                .map(|e| e.to_string())
                .unwrap_or_default()
        );
        assert!(full.contains(needle), "{text:?}: {full}");
    }
}

#[test]
fn loads_from_disk_and_reports_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.json");
    std::fs::write(&path, "\u{feff}{\"a.t\": 1}").unwrap();
    assert_eq!(
        ImportedDurations::load(&path).unwrap().get("a.t"),
        Some(s(1.0))
    );
    let missing = dir.path().join("nope.xml");
    let err = ImportedDurations::load(&missing).unwrap_err();
    assert!(matches!(err, DurationsError::Read { .. }));
    assert!(err.to_string().contains("nope.xml"));
    std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
    assert!(ImportedDurations::load(&path)
        .unwrap_err()
        .to_string()
        .contains("not UTF-8"));
}

#[test]
fn slots_are_capped_at_the_number_of_files() {
    assert_eq!(crate::plan::slots(10_000, 50), 50);
    assert_eq!(crate::plan::slots(4, 50), 4);
    assert_eq!(crate::plan::slots(0, 50), 1);
    assert_eq!(crate::plan::slots(8, 0), 1);
    let (files, e) = suite(&["a", "b", "c"], &[]);
    assert_eq!(
        Plan::build(files.clone(), &e, &options(10_000, Order::Lpt, None)).jobs,
        3
    );
    assert_eq!(Plan::lexical(files, 10_000).jobs, 3);
}

/// Found while writing the `durations` fuzz target: huge times added up
/// overflowed `Duration` (a panic). A single time over a year is now an
/// error naming it; sums of allowed times add up without a panic.
#[test]
fn durations_huge_times_are_errors_and_sums_do_not_overflow() {
    for text in [
        r#"<testsuite name="s"><testcase classname="a" name="x" time="1e19"/><testcase classname="a" name="y" time="1e19"/></testsuite>"#,
        r#"{"pkg.mod.A": 1e19, "pkg.mod.B": 1e19}"#,
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("more than a year"), "{err}");
    }
    let year = 31_536_000u64;
    let xml = format!(
        r#"<testsuite name="s" file="f.t"><testcase name="x" time="{year}"/><testcase name="y" time="{year}"/></testsuite>"#
    );
    assert_eq!(
        parse(&xml).unwrap().get("f.t"),
        Some(Duration::from_secs(2 * year))
    );
}

/// Found while writing the `durations` fuzz target: each test case walked
/// every open element to find its suite, quadratic in the nesting depth.
#[test]
fn durations_deeply_nested_test_cases_take_linear_time() {
    let depth = 100_000;
    let cases = 100_000;
    let mut xml = String::from(r#"<testsuite name="outer"><testsuite name="s">"#);
    xml.push_str(&"<g>".repeat(depth));
    xml.push_str(&r#"<testcase time="0.5"/>"#.repeat(cases));
    xml.push_str(&"</g>".repeat(depth));
    xml.push_str(r#"</testsuite><testcase classname="c" time="1"/></testsuite>"#);
    let d = parse(&xml).unwrap();
    assert_eq!(d.get("s"), Some(Duration::from_secs(cases as u64 / 2)));
    assert_eq!(d.get("c"), Some(Duration::from_secs(1)));
    assert_eq!(
        d.get("outer"),
        None,
        "the outer suite has no time of its own"
    );
}

#[test]
fn constraints_shape_the_prediction_the_bound_and_the_order() {
    let (mut files, e) = suite(
        &["t/a", "t/b", "t/c", "t/d", "t/x"],
        &[
            ("t/a", 4.0),
            ("t/b", 4.0),
            ("t/c", 4.0),
            ("t/d", 4.0),
            ("t/x", 10.0),
        ],
    );
    files[4].settings.exclusive = true;
    let plan = Plan::build(files.clone(), &e, &options(2, Order::Lpt, None));
    assert_eq!(
        plan.predicted_wall(),
        s(18.0),
        "10 alone, then 4 x 4s on 2 slots"
    );
    assert_eq!(plan.lower_bound(), s(18.0));
    assert!(render_dry_run(&plan).contains("lower bound:     18.0s (exclusive 10.0s + sum/jobs)"));

    files[4].settings.exclusive = false;
    for f in &mut files[..4] {
        f.settings.group = Some("db".into());
    }
    let mut opts = options(4, Order::Lpt, None);
    opts.groups = BTreeMap::from([("db".to_string(), 2)]);
    let plan = Plan::build(files.clone(), &e, &opts);
    assert_eq!(
        plan.predicted_wall(),
        s(10.0),
        "two db files at a time beside x"
    );
    assert_eq!(plan.lower_bound(), s(10.0));

    // A short file with a long chain behind it goes first.
    let (mut files, e) = suite(
        &["t/a", "t/b", "t/c"],
        &[("t/a", 1.0), ("t/b", 5.0), ("t/c", 3.0)],
    );
    files[1].settings.depends_on = vec![crate::unit::UnitId::new("t/a".into())];
    let plan = Plan::build(files, &e, &options(2, Order::Lpt, None));
    assert_eq!(
        ids(&plan),
        ["t/a", "t/b", "t/c"],
        "a (1s) has a 6s path: first, not last"
    );
    assert_eq!(plan.check(), Ok(()));
    assert_eq!(plan.predicted_wall(), s(6.0));
}

#[test]
fn cpu_times_known_bound_the_prediction_by_the_cores() {
    let (files, mut e) = suite(&["t/a", "t/b", "t/c", "t/d"], &[]);
    for id in ["t/a", "t/b", "t/c", "t/d"] {
        e.insert_recorded(id, s(2.0));
        e.insert_resources(id, Some(s(2.0)), None);
    }
    let mut plan = Plan::build(files, &e, &options(4, Order::Lpt, None));
    plan.cores = 2;
    assert_eq!(plan.predicted_wall(), s(4.0), "4 jobs but 2 cores");
    assert_eq!(plan.lower_bound(), s(4.0));
}

/// Issue 15, item 9: with `depends-on`, every shard of every split holds
/// whole dependency chains (its plan checks), every file is on exactly one
/// shard, and the partition does not depend on the input order; with
/// durations and without.
#[test]
fn dependency_chains_stay_on_one_shard() {
    let mut rng = SplitMix64::new(15);
    let mut chained = 0;
    for _ in 0..200 {
        let (mut files, e) = random_suite(&mut rng);
        files.sort_by(|a, b| a.id.cmp(&b.id));
        // Each file may depend on up to two earlier files: a DAG.
        for i in 1..files.len() {
            for _ in 0..rng.below(3) {
                if rng.below(3) == 0 {
                    let dep = files[rng.below(i as u64) as usize].id.clone();
                    files[i].settings.depends_on.push(dep);
                    chained += 1;
                }
            }
        }
        let count = 1 + rng.below(6) as usize;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut fingerprints = BTreeSet::new();
        for index in 1..=count {
            let opts = options(2, Order::Lpt, Some(Shard { index, count }));
            let plan = Plan::build(files.clone(), &e, &opts);
            assert_eq!(plan.check(), Ok(()), "shard {index}/{count}");
            let mut shuffled = files.clone();
            shuffle(&mut rng, &mut shuffled);
            assert_eq!(Plan::build(shuffled, &e, &opts), plan);
            let info = plan.shard.as_ref().unwrap();
            assert_eq!(info.counts[index - 1], plan.entries.len());
            fingerprints.insert(info.fingerprint.clone());
            for entry in plan.entries {
                *seen.entry(entry.file.id.into()).or_default() += 1;
            }
        }
        assert_eq!(fingerprints.len(), 1, "every shard plans one partition");
        assert_eq!(seen.len(), files.len(), "every file somewhere");
        assert!(seen.values().all(|&n| n == 1), "no file twice: {seen:?}");
    }
    assert!(chained > 500, "dependencies were exercised ({chained})");
}

#[test]
fn a_dependency_chain_is_one_bin_of_the_lpt_packing() {
    // a(1) <- b(1) <- c(1) weigh 3 together; d(2.5) and e(2) alone.
    let (mut files, e) = suite(
        &["a", "b", "c", "d", "e"],
        &[("a", 1.0), ("b", 1.0), ("c", 1.0), ("d", 2.5), ("e", 2.0)],
    );
    files[1].settings.depends_on = vec![crate::unit::UnitId::new("a".into())];
    files[2].settings.depends_on = vec![crate::unit::UnitId::new("b".into())];
    let plan = Plan::build(
        files,
        &e,
        &options(1, Order::Lpt, Some("1/2".parse().unwrap())),
    );
    let info = plan.shard.unwrap();
    // {a,b,c} (3) → 1; d (2.5) → 2; e (2) → 2.
    assert_eq!(info.planned, vec![vec!["a", "b", "c"], vec!["d", "e"]]);
    assert_eq!(info.totals, vec![s(3.0), s(4.5)]);
}
