//! Scheduling constraints, proven from the timestamps the test files log:
//! no overlap where a constraint forbids it, overlap where it allows it
//! (barriers make the allowed overlap certain, so a scheduler that ran
//! everything one at a time fails these tests), plus the run-wide stops
//! (`--fail-fast`, `--max-fail`, `--global-timeout`), dependency errors and
//! the resources recorded per file.
//!
//! Per-file settings come from a real `ptest.toml` ([`run_constrained`]
//! writes one `[[override]]` per file and `[groups.NAME] max-threads = N`)
//! or from the files' own `# ptest: …` headers ([`in_headers`]), and the
//! real `ptest` binary runs the suite through `tests/integration/common`'s builder; the
//! results are read from its JSON summary and the timeline the test files
//! log.

use crate::common;
use crate::common::{max_overlap, Event, Suite};
use ptest::discover::{self, DiscoverOptions};
use ptest::outcome::Verdict;
use ptest::plan::{Expectations, Plan, PlanError, PlanOptions};
use ptest::run::{self, RunError, RunOptions};
use ptest::unit::UnitId;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// One per-file setting (an `[[override]]` key in `ptest.toml`, or a word
/// of a `# ptest:` header).
#[derive(Debug, Clone)]
enum Set {
    Exclusive,
    Group(&'static str),
    Weight(u32),
    /// Ids (`t/NAME`): in `ptest.toml` they are relative to its directory,
    /// the suite's root; in a header, [`in_headers`] makes them relative to
    /// the file.
    DependsOn(&'static [&'static str]),
    Skip(&'static str),
    Timeout(Duration),
    /// Not a setting but recorded data: the expected peak memory (the
    /// history's `max_rss`), for `--mem-budget`; written to
    /// `.ptest/history.json` with its documented schema.
    ExpectedRss(u64),
}

impl Set {
    /// The `[[override]]` line.
    fn toml(&self) -> Option<String> {
        match self {
            Set::Exclusive => Some("exclusive = true".into()),
            Set::Group(g) => Some(format!("group = {g:?}")),
            Set::Weight(w) => Some(format!("weight = {w}")),
            Set::DependsOn(deps) => Some(format!("depends-on = {deps:?}")),
            Set::Skip(reason) => Some(format!("skip = {reason:?}")),
            Set::Timeout(t) => Some(format!("timeout = \"{}ms\"", t.as_millis())),
            Set::ExpectedRss(_) => None,
        }
    }

    /// The header word for the file `id`.
    fn header(&self, id: &str) -> Option<String> {
        match self {
            Set::Exclusive => Some("exclusive".into()),
            Set::Group(g) => Some(format!("group={g}")),
            Set::Weight(w) => Some(format!("weight={w}")),
            Set::DependsOn(deps) => {
                let dir = Path::new(id).parent().expect("a directory");
                let rel: Vec<String> = deps
                    .iter()
                    .map(|d| {
                        let d = Path::new(d);
                        assert_eq!(d.parent(), Some(dir), "{d:?}: only siblings of {id}");
                        d.file_name()
                            .expect("a name")
                            .to_string_lossy()
                            .into_owned()
                    })
                    .collect();
                Some(format!("depends-on={}", rel.join(",")))
            }
            Set::Skip(reason) => Some(format!("skip={reason:?}")),
            Set::Timeout(t) => Some(format!("timeout={}ms", t.as_millis())),
            Set::ExpectedRss(_) => None,
        }
    }
}

/// What a constrained run produced.
struct Constrained {
    /// The `--json` summary.
    summary: Value,
    timeline: Vec<Event>,
}

impl Constrained {
    fn verdict(&self, id: &str) -> (Verdict, Vec<String>) {
        let f = common::file_in(&self.summary, id);
        let verdict = serde_json::from_value(f["verdict"].clone())
            .unwrap_or_else(|e| panic!("{id}: verdict {}: {e}", f["verdict"]));
        let reasons = f["reasons"]
            .as_array()
            .map(|r| r.iter().map(common::text).collect())
            .unwrap_or_default();
        (verdict, reasons)
    }
}

/// Writes the settings `set` into the files' own headers instead of
/// `ptest.toml`: a `# ptest: …` line put first in each file (by id).
fn in_headers(suite: &Suite, set: &[(&str, Set)]) {
    for (id, setting) in set {
        let word = setting.header(id).expect("a header setting");
        let text = suite.read(id);
        suite.file(id, &format!("# ptest: {word}\n{text}"));
    }
}

/// Where a test's per-file settings are written.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// `[[override]]` sections of `ptest.toml`.
    Config,
    /// `# ptest: …` headers in the files ([`in_headers`]).
    Header,
}

/// Both places, for tests that prove a setting acts from either.
const BOTH: [Via; 2] = [Via::Config, Via::Header];

/// [`run_constrained`] with the settings `set` written `via` ptest.toml or
/// the files' headers (`[groups.*]` is always in ptest.toml).
fn run_via(
    suite: &Suite,
    via: Via,
    jobs: usize,
    groups: &[(&str, u32)],
    set: &[(&str, Set)],
    args: &[&str],
) -> Constrained {
    eprintln!("per-file settings via {via:?}");
    match via {
        Via::Config => run_constrained(suite, jobs, groups, set, args),
        Via::Header => {
            in_headers(suite, set);
            run_constrained(suite, jobs, groups, &[], args)
        }
    }
}

/// Runs the files under `t/` of `suite` with the real binary on `jobs`
/// slots in lexical order, with `groups` (name, max-threads) and the
/// per-file settings `set` (by id, `t/NAME`) written to `ptest.toml` (one
/// `[[override]]` per setting, its `pattern` the id), expected peak memory
/// written to the history, and `args` added to the command line.
fn run_constrained(
    suite: &Suite,
    jobs: usize,
    groups: &[(&str, u32)],
    set: &[(&str, Set)],
    args: &[&str],
) -> Constrained {
    let mut toml = String::new();
    for (name, threads) in groups {
        toml.push_str(&format!("[groups.{name}]\nmax-threads = {threads}\n\n"));
    }
    let mut recorded = serde_json::Map::new();
    for (id, setting) in set {
        match (setting.toml(), setting) {
            (Some(line), _) => {
                toml.push_str(&format!("[[override]]\npattern = {id:?}\n{line}\n\n"))
            }
            (None, Set::ExpectedRss(bytes)) => {
                let run = json!({ "at": 1764000000, "duration": 0.1, "verdict": "pass", "max_rss": bytes });
                recorded.insert(id.to_string(), json!({ "runs": [run] }));
            }
            (None, other) => panic!("{other:?} has no ptest.toml form"),
        }
    }
    suite.config(&toml);
    if !recorded.is_empty() {
        suite.history(&json!({ "version": 1, "files": recorded }));
    }
    let jobs = jobs.to_string();
    let mut argv = vec!["t", "-j", &jobs, "--order", "lexical"];
    argv.extend_from_slice(args);
    let run = suite.ptest(&argv).reports().run();
    assert!(
        matches!(run.code, Some(0 | 1)),
        "the run takes place\n{}",
        run.describe()
    );
    Constrained {
        summary: run.summary().clone(),
        timeline: run.timeline,
    }
}

/// (start, end) of each file's run, by id, from the timeline.
fn intervals(timeline: &[Event]) -> BTreeMap<String, (u128, u128)> {
    let mut spans: BTreeMap<String, (u128, u128)> = BTreeMap::new();
    for e in timeline {
        let span = spans.entry(e.file.clone()).or_insert((u128::MAX, 0));
        match e.what.as_str() {
            "start" => span.0 = e.ns,
            "end" => span.1 = e.ns,
            _ => {}
        }
    }
    spans
}

fn overlap(a: (u128, u128), b: (u128, u128)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The timeline restricted to the files `ids`.
fn only(timeline: &[Event], ids: &[&str]) -> Vec<Event> {
    timeline
        .iter()
        .filter(|e| ids.contains(&e.file.as_str()))
        .cloned()
        .collect()
}

#[test]
fn an_exclusive_file_runs_first_and_alone_while_the_others_overlap() {
    for via in BOTH {
        let suite = Suite::new();
        suite.logged("t/a.sh", "barrier ab 2");
        suite.logged("t/b.sh", "barrier ab 2");
        suite.logged("t/c.sh", "sleep 0.2");
        suite.logged("t/x_exclusive.sh", "sleep 0.4");
        let run = run_via(
            &suite,
            via,
            3,
            &[],
            &[("t/x_exclusive.sh", Set::Exclusive)],
            &[],
        );
        let spans = intervals(&run.timeline);
        let x = spans["t/x_exclusive.sh"];
        for (id, span) in &spans {
            if id != "t/x_exclusive.sh" {
                assert!(!overlap(x, *span), "{id} ran beside the exclusive file");
                assert!(
                    span.0 >= x.1,
                    "{id} started before the exclusive phase ended"
                );
            }
        }
        assert!(max_overlap(&run.timeline) >= 2, "a and b overlap");
        assert_eq!(run.summary["totals"]["files"]["passed"], 4);
    }
}

#[test]
fn a_group_with_max_threads_1_runs_one_member_at_a_time_beside_other_files() {
    for via in BOTH {
        let suite = Suite::new();
        for n in 1..=3 {
            suite.logged(&format!("t/db{n}.sh"), "sleep 0.2");
        }
        // `free` must meet a db file at the barrier: the other slots keep
        // running other files while the group is busy.
        suite.logged("t/db0.sh", "barrier mix 2");
        suite.logged("t/free.sh", "barrier mix 2");
        let set: Vec<(&str, Set)> = ["t/db0.sh", "t/db1.sh", "t/db2.sh", "t/db3.sh"]
            .into_iter()
            .map(|id| (id, Set::Group("db")))
            .collect();
        let run = run_via(&suite, via, 4, &[("db", 1)], &set, &[]);
        let db = only(
            &run.timeline,
            &["t/db0.sh", "t/db1.sh", "t/db2.sh", "t/db3.sh"],
        );
        assert_eq!(max_overlap(&db), 1, "two db files ran at once: {db:?}");
        assert!(max_overlap(&run.timeline) >= 2);
        assert_eq!(run.summary["totals"]["files"]["passed"], 5);
    }
}

#[test]
fn group_slots_are_unique_among_running_members() {
    for via in BOTH {
        let suite = Suite::new();
        let body = "log slot$PTEST_GROUP_SLOT\nlog group-$PTEST_GROUP\nn=${PTEST_FILE#t/g}\nbarrier pair$((${n%.sh} / 2)) 2\nsleep 0.1";
        for n in 0..4 {
            suite.logged(&format!("t/g{n}.sh"), body);
        }
        let set: Vec<(&str, Set)> = ["t/g0.sh", "t/g1.sh", "t/g2.sh", "t/g3.sh"]
            .into_iter()
            .map(|id| (id, Set::Group("pg")))
            .collect();
        // g0 and g1 meet at barrier pair0, g2 and g3 at pair1 — impossible
        // unless two members run at once; never three (max-threads 2).
        let run = run_via(&suite, via, 4, &[("pg", 2)], &set, &[]);
        assert_eq!(
            run.summary["totals"]["files"]["passed"], 4,
            "{:?}",
            run.summary["files"]
        );
        assert_eq!(max_overlap(&run.timeline), 2);
        let spans = intervals(&run.timeline);
        let slot_of = |id: &str| {
            run.timeline
                .iter()
                .find(|e| e.file == id && e.what.starts_with("slot"))
                .map(|e| e.what.clone())
                .unwrap_or_else(|| panic!("{id} logged no group slot"))
        };
        for a in spans.keys() {
            assert!(
                run.timeline
                    .iter()
                    .any(|e| e.file == *a && e.what == "group-pg"),
                "{a}: PTEST_GROUP is not pg"
            );
            assert!(["slot0", "slot1"].contains(&slot_of(a).as_str()));
            for b in spans.keys().filter(|b| *b > a) {
                if overlap(spans[a], spans[b]) {
                    assert_ne!(slot_of(a), slot_of(b), "{a} and {b} share a group slot");
                }
            }
        }
    }
}

#[test]
fn a_heavy_file_takes_its_slots_and_light_ones_share() {
    for via in BOTH {
        let suite = Suite::new();
        suite.logged("t/a_heavy.sh", "sleep 0.3");
        suite.logged("t/b.sh", "barrier bc 2");
        suite.logged("t/c.sh", "barrier bc 2");
        let run = run_via(
            &suite,
            via,
            2,
            &[],
            &[("t/a_heavy.sh", Set::Weight(2))],
            &[],
        );
        let spans = intervals(&run.timeline);
        let heavy = spans["t/a_heavy.sh"];
        assert!(!overlap(heavy, spans["t/b.sh"]) && !overlap(heavy, spans["t/c.sh"]));
        assert_eq!(max_overlap(&run.timeline), 2, "b and c overlap");
    }
}

#[test]
fn dependents_start_after_their_dependency_passed_and_overlap_each_other() {
    let suite = Suite::new();
    suite.logged("t/setup.sh", "barrier early 2");
    suite.logged("t/unrelated.sh", "barrier early 2");
    suite.logged("t/use1.sh", "barrier uses 2");
    suite.logged("t/use2.sh", "barrier uses 2");
    const SETUP: &[&str] = &["t/setup.sh"];
    let set = [
        ("t/use1.sh", Set::DependsOn(SETUP)),
        ("t/use2.sh", Set::DependsOn(SETUP)),
    ];
    // Said in the files' headers (`depends-on=setup.sh`, relative to the
    // file), not in ptest.toml.
    in_headers(&suite, &set);
    let run = run_constrained(&suite, 3, &[], &[], &[]);
    let spans = intervals(&run.timeline);
    for user in ["t/use1.sh", "t/use2.sh"] {
        assert!(
            spans[user].0 >= spans["t/setup.sh"].1,
            "{user} started before setup ended"
        );
    }
    assert!(overlap(spans["t/use1.sh"], spans["t/use2.sh"]));
    assert!(overlap(spans["t/setup.sh"], spans["t/unrelated.sh"]));
    assert_eq!(run.summary["totals"]["files"]["passed"], 4);
}

#[test]
fn depends_on_is_relative_to_ptest_toml_in_the_config_and_to_the_file_in_a_header() {
    // ptest runs in the suite's root; the config and the files are in
    // proj/: `t/setup.sh` in proj/ptest.toml and `setup.sh` in the header
    // of proj/t/use2.sh both name proj/t/setup.sh.
    let suite = Suite::new();
    suite.logged("proj/t/setup.sh", "barrier early 2");
    suite.logged("proj/t/unrelated.sh", "barrier early 2");
    suite.logged("proj/t/use1.sh", "barrier uses 2");
    suite.logged("proj/t/use2.sh", "barrier uses 2");
    in_headers(
        &suite,
        &[("proj/t/use2.sh", Set::DependsOn(&["proj/t/setup.sh"]))],
    );
    suite.file(
        "proj/ptest.toml",
        "[[override]]\npattern = \"t/use1.sh\"\ndepends-on = [\"t/setup.sh\"]\n",
    );
    let run = suite
        .ptest(&["--config", "proj/ptest.toml", "proj/t", "-j", "3"])
        .reports()
        .run();
    run.expect_code(0);
    let spans = intervals(&run.timeline);
    for user in ["proj/t/use1.sh", "proj/t/use2.sh"] {
        assert!(
            spans[user].0 >= spans["proj/t/setup.sh"].1,
            "{user} started before setup ended"
        );
    }
    assert!(overlap(spans["proj/t/use1.sh"], spans["proj/t/use2.sh"]));
    assert!(overlap(
        spans["proj/t/setup.sh"],
        spans["proj/t/unrelated.sh"]
    ));
    assert_eq!(run.summary()["totals"]["files"]["passed"], 4);
}

#[test]
fn a_cycle_or_a_missing_dependency_from_the_config_and_headers_exits_2_naming_the_files() {
    let suite = Suite::new();
    suite.logged("t/a.sh", "");
    suite.logged("t/b.sh", "");
    in_headers(&suite, &[("t/b.sh", Set::DependsOn(&["t/a.sh"]))]);
    suite.config("[[override]]\npattern = \"t/a.sh\"\ndepends-on = [\"t/b.sh\"]\n");
    let run = suite.run(&["t"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "ptest: error: dependency cycle: t/b.sh -> t/a.sh -> t/b.sh\n"
    );
    assert!(run.timeline.is_empty(), "nothing starts");

    suite.config("[[override]]\npattern = \"t/a.sh\"\ndepends-on = [\"t/setup.sh\"]\n");
    let run = suite.run(&["t"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "ptest: error: t/a.sh depends on t/setup.sh, which is not in this run (not found, excluded, or on another shard)\n"
    );
    assert!(run.timeline.is_empty(), "nothing starts");
}

#[test]
fn a_failed_dependency_skips_its_dependents_recursively_with_the_reason() {
    let suite = Suite::new();
    suite.logged("t/setup.sh", "exit 1");
    suite.logged("t/mid.sh", "");
    suite.logged("t/leaf.sh", "");
    suite.logged("t/other.sh", "");
    let set = [
        ("t/mid.sh", Set::DependsOn(&["t/setup.sh"])),
        ("t/leaf.sh", Set::DependsOn(&["t/mid.sh"])),
    ];
    let run = run_constrained(&suite, 2, &[], &set, &[]);
    assert_eq!(
        run.verdict("t/mid.sh"),
        (
            Verdict::Skip,
            vec!["dependency t/setup.sh failed".to_string()]
        )
    );
    assert_eq!(
        run.verdict("t/leaf.sh"),
        (
            Verdict::Skip,
            vec!["dependency t/mid.sh was skipped".to_string()]
        )
    );
    assert_eq!(run.verdict("t/setup.sh").0, Verdict::Fail);
    assert_eq!(run.verdict("t/other.sh").0, Verdict::Pass);
    let started: Vec<&str> = run.timeline.iter().map(|e| e.file.as_str()).collect();
    assert!(!started.contains(&"t/mid.sh") && !started.contains(&"t/leaf.sh"));
}

#[test]
fn a_file_asked_to_skip_never_starts_and_a_per_file_timeout_beats_the_run_wide_one() {
    for via in BOTH {
        let suite = Suite::new();
        suite.logged("t/gpu.sh", "");
        suite.logged("t/slow.sh", "sleep 20");
        suite.logged("t/ok.sh", "sleep 0.5");
        let set = [
            ("t/gpu.sh", Set::Skip("needs a GPU")),
            ("t/slow.sh", Set::Timeout(Duration::from_millis(300))),
        ];
        let run = run_via(
            &suite,
            via,
            3,
            &[],
            &set,
            &["--timeout", "30s", "--grace", "100ms"],
        );
        assert_eq!(
            run.verdict("t/gpu.sh"),
            (Verdict::Skip, vec!["needs a GPU".to_string()])
        );
        assert!(run.timeline.iter().all(|e| e.file != "t/gpu.sh"));
        let (verdict, reasons) = run.verdict("t/slow.sh");
        assert_eq!(verdict, Verdict::Timeout);
        assert_eq!(reasons[0], "timed out after 300ms");
        assert_eq!(
            run.verdict("t/ok.sh").0,
            Verdict::Pass,
            "the run-wide 30s applies"
        );
    }
}

#[test]
fn the_memory_budget_keeps_big_files_apart_but_lets_small_ones_share() {
    let suite = Suite::new();
    suite.logged("t/big1.sh", "sleep 0.2");
    suite.logged("t/big2.sh", "sleep 0.2");
    const M: u64 = 1 << 20;
    let set = [
        ("t/big1.sh", Set::ExpectedRss(600 * M)),
        ("t/big2.sh", Set::ExpectedRss(600 * M)),
    ];
    let run = run_constrained(&suite, 2, &[], &set, &["--mem-budget", "1000M"]);
    assert_eq!(max_overlap(&run.timeline), 1, "600M + 600M > 1000M");

    let suite = Suite::new();
    suite.logged("t/big1.sh", "barrier both 2");
    suite.logged("t/big2.sh", "barrier both 2");
    let run = run_constrained(&suite, 2, &[], &set, &["--mem-budget", "2000M"]);
    assert_eq!(max_overlap(&run.timeline), 2);
    assert_eq!(run.summary["totals"]["files"]["passed"], 2);
}

#[test]
fn a_cycle_or_a_missing_dependency_stops_the_run_before_anything_starts() {
    let suite = Suite::new();
    suite.logged("t/a.sh", "");
    suite.logged("t/b.sh", "");
    let mut files =
        discover::discover(&DiscoverOptions::new(vec![suite.path().join("t")])).expect("discover");
    let ids: Vec<UnitId> = files.iter().map(|f| f.id.clone()).collect();
    files[0].settings.depends_on = vec![ids[1].clone()];
    files[1].settings.depends_on = vec![ids[0].clone()];
    let plan = Plan::build(files.clone(), &Expectations::new(), &PlanOptions::new(2));
    let err = plan.check().unwrap_err();
    assert_eq!(
        err,
        PlanError::Cycle {
            files: vec![ids[0].to_string(), ids[1].to_string(), ids[0].to_string()]
        }
    );
    assert_eq!(
        err.to_string(),
        format!("dependency cycle: {0} -> {1} -> {0}", ids[0], ids[1])
    );
    let options = RunOptions::new(2, suite.meta().join("runs"));
    let result = run::run(&plan, &options, |_| panic!("nothing may start"));
    assert!(matches!(
        result,
        Err(RunError::Plan(PlanError::Cycle { .. }))
    ));
    let cli = ptest::commands::CliError::from(err);
    assert_eq!(cli.exit().code(), 2);

    files[1].settings.depends_on = vec![UnitId::new("t/setup.sh".into())];
    files[0].settings.depends_on.clear();
    let plan = Plan::build(files, &Expectations::new(), &PlanOptions::new(2));
    assert_eq!(
        plan.check().unwrap_err().to_string(),
        format!("{} depends on t/setup.sh, which is not in this run (not found, excluded, or on another shard)", ids[1])
    );
    assert!(suite.timeline().is_empty());
}

/// Every file is in the JSON summary and the JUnit report; those never
/// started carry `reason` in both.
fn assert_not_run_everywhere(run: &common::Run, ids: &[&str], reason: &str) {
    for id in ids {
        let f = run.file(id);
        assert_eq!(f["verdict"], "not-run", "{id}");
        assert_eq!(f["reasons"][0], reason, "{id}");
    }
    let junit = run.junit.as_deref().expect("a JUnit report");
    let message = format!("<skipped message=\"{reason}\"");
    assert_eq!(junit.matches(&message).count(), ids.len(), "{junit}");
}

#[test]
fn fail_fast_stops_starting_files_after_the_first_failure() {
    let suite = Suite::new();
    suite.logged("t/a.sh", "exit 1");
    suite.logged("t/b.sh", "");
    suite.logged("t/c.sh", "");
    let run = suite.run_reports(&["t", "-j", "1", "--order", "lexical", "--fail-fast"]);
    run.expect_code(1);
    assert_eq!(run.summary()["totals"]["files"]["total"], 3);
    assert_eq!(run.file("t/a.sh")["verdict"], "fail");
    assert_not_run_everywhere(
        &run,
        &["t/b.sh", "t/c.sh"],
        "not run: the run stopped starting files after 1 failure (--fail-fast/--max-fail)",
    );
}

#[test]
fn max_fail_lets_running_files_finish_and_counts_every_file() {
    let suite = Suite::new();
    suite.logged("t/a.sh", "exit 1");
    suite.logged("t/b.sh", "barrier ab 2\nexit 1");
    suite.logged("t/c.sh", "barrier ab 2\nsleep 0.3");
    suite.logged("t/d.sh", "");
    suite.logged("t/e.sh", "");
    // a fails alone; b and c run together; b's failure is the second:
    // c, already running, finishes; d and e never start.
    let run = suite.run_reports(&["t", "-j", "2", "--order", "lexical", "--max-fail", "2"]);
    run.expect_code(1);
    assert_eq!(run.summary()["totals"]["files"]["total"], 5);
    assert_eq!(
        run.file("t/c.sh")["verdict"],
        "pass",
        "running files finish"
    );
    assert_not_run_everywhere(
        &run,
        &["t/d.sh", "t/e.sh"],
        "not run: the run stopped starting files after 2 failures (--fail-fast/--max-fail)",
    );
}

#[test]
fn the_global_timeout_stops_running_files_as_interrupted_and_writes_the_reports() {
    let suite = Suite::new();
    suite.logged("t/a.sh", "sleep 30");
    suite.logged("t/b.sh", "sleep 30");
    suite.logged("t/c.sh", "");
    let run = suite.run_reports(&[
        "t",
        "-j",
        "2",
        "--order",
        "lexical",
        "--global-timeout",
        "1s",
        "--grace",
        "200ms",
    ]);
    run.expect_code(1);
    assert!(run.elapsed < Duration::from_secs(15), "{:?}", run.elapsed);
    for id in ["t/a.sh", "t/b.sh"] {
        let f = run.file(id);
        assert_eq!(f["verdict"], "interrupted", "{id}");
        assert_eq!(
            f["reasons"][0],
            "stopped by ptest: the global timeout (1.0s) expired"
        );
    }
    assert_not_run_everywhere(
        &run,
        &["t/c.sh"],
        "not run: the global timeout (1.0s) expired",
    );
}

#[test]
fn cpu_time_and_peak_memory_are_recorded_per_file() {
    let suite = Suite::new();
    // ~60 MB touched; ~0.3 s of CPU.
    suite.logged(
        "t/alloc.sh",
        "perl -e '$x = q(x) x (60 * 1024 * 1024); print length($x), qq(\\n)'",
    );
    suite.logged("t/spin.sh", "perl -e '1 while (times)[0] < 0.3'");
    suite.logged("t/idle.sh", "sleep 0.2");
    let run = suite.run_reports(&["t", "-j", "3"]);
    run.expect_code(0);
    let rss = |id: &str| {
        run.file(id)["max_rss"]
            .as_u64()
            .unwrap_or_else(|| panic!("{id}: no max_rss"))
    };
    let cpu = |id: &str| {
        run.file(id)["cpu"]
            .as_f64()
            .unwrap_or_else(|| panic!("{id}: no cpu"))
    };
    assert!(rss("t/alloc.sh") >= 50 << 20, "{}", rss("t/alloc.sh"));
    assert!(rss("t/idle.sh") < 50 << 20, "{}", rss("t/idle.sh"));
    assert!(cpu("t/spin.sh") >= 0.25, "{}", cpu("t/spin.sh"));
    assert!(cpu("t/idle.sh") < 0.25, "{}", cpu("t/idle.sh"));
    let wall = run.file("t/spin.sh")["duration"]
        .as_f64()
        .expect("a duration");
    assert!(
        cpu("t/spin.sh") <= wall + 0.05,
        "one process cannot use more CPU than wall time"
    );
    let history = run.history.as_ref().expect("a history");
    let recorded = &history["files"]["t/alloc.sh"]["runs"][0];
    assert!(
        recorded["max_rss"].as_u64().is_some_and(|b| b >= 50 << 20),
        "{recorded}"
    );
    assert!(recorded["cpu"].as_f64().is_some(), "{recorded}");
}

/// The files that started, in the order they started.
fn started(suite: &Suite) -> Vec<String> {
    suite
        .timeline()
        .into_iter()
        .filter(|e| e.what == "start")
        .map(|e| e.file)
        .collect()
}

/// Issue 15, item 10: naming one file, filtering with `--include` or
/// `--exclude`, or rerunning with `--failed` selects what the selected
/// files depend on (transitively), says so, and `--list` marks it; the
/// chain runs in order and the run passes instead of exiting 2.
#[test]
fn selecting_a_file_selects_what_it_depends_on() {
    let suite = Suite::new();
    suite.logged("t/setup.sh", "");
    suite.logged("t/seed.sh", "");
    suite.logged("t/migrate.sh", "test -e .suite/broken && exit 1\nexit 0");
    suite.logged("t/other.sh", "");
    suite.config(
        "[[override]]\npattern = \"t/migrate.sh\"\ndepends-on = [\"t/seed.sh\"]\n\n\
         [[override]]\npattern = \"t/seed.sh\"\ndepends-on = [\"t/setup.sh\"]\n",
    );
    let chain = ["t/setup.sh", "t/seed.sh", "t/migrate.sh"];
    let clear = || {
        let _ = std::fs::remove_file(suite.meta().join("timeline"));
    };

    // One file on the command line.
    let list = suite.run(&["t/migrate.sh", "--list", "--no-history"]);
    list.expect_code(0);
    assert!(
        list.stdout.lines().any(|l| l.starts_with("t/seed.sh")
            && l.ends_with("(selected as a dependency of t/migrate.sh)")),
        "{}",
        list.describe()
    );
    assert!(
        list.stdout.lines().any(|l| l.starts_with("t/setup.sh")
            && l.ends_with("(selected as a dependency of t/seed.sh)")),
        "{}",
        list.describe()
    );
    assert!(!list.stdout.contains("t/other.sh"), "{}", list.describe());
    clear();
    let run = suite.run(&["t/migrate.sh", "--no-history"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("ptest: selected t/seed.sh as a dependency of t/migrate.sh"),
        "{}",
        run.describe()
    );
    assert_eq!(started(&suite), chain, "{}", run.describe());

    // A filter that leaves the dependencies out.
    for filter in [vec!["--include", "migrate*"], vec!["--exclude", "t/se*"]] {
        clear();
        let mut args = vec!["t", "--no-history"];
        args.extend(&filter);
        let run = suite.run(&args);
        run.expect_code(0);
        let ran = started(&suite);
        let in_chain: Vec<&String> = ran.iter().filter(|f| chain.contains(&f.as_str())).collect();
        assert_eq!(in_chain, chain, "{filter:?}: {}", run.describe());
        // `--exclude t/se*` keeps t/other.sh; `--include` does not.
        let others = usize::from(filter[0] == "--exclude");
        assert_eq!(ran.len(), 3 + others, "{filter:?}: {ran:?}");
    }

    // --failed: only t/migrate.sh failed last time; its chain reruns.
    suite.file(".suite/broken", "");
    suite.run(&["t"]).expect_code(1);
    std::fs::remove_file(suite.meta().join("broken")).unwrap();
    clear();
    let run = suite.run(&["t", "--failed"]);
    run.expect_code(0);
    assert_eq!(started(&suite), chain, "{}", run.describe());
}
