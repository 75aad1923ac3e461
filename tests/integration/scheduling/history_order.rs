//! History, slowest-first order, `--durations`, shards and `ptest merge`
//! through the real binary, each test in its own temporary directory; and
//! the CI recipe from the README end to end.

use crate::common::{text, Run, Suite};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Four files of different sizes (bigger sorts later by name, so neither
/// size nor id order gives the orders the tests expect).
fn suite() -> Suite {
    let s = Suite::new();
    s.file("tests/a_fast.sh", "exit 0\n#########################\n")
        .file("tests/b_fast.sh", "exit 0\n##################\n")
        .file("tests/c_mid.sh", "exit 0\n###########\n")
        .file("tests/z_slow.sh", "exit 0\n####\n");
    s
}

/// One dry-run row: (file, source).
fn dry_run(s: &Suite, extra: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["--dry-run", "-j", "2"];
    args.extend(extra);
    let run = s.run(&args);
    run.expect_code(0);
    dry_rows(&run)
}

fn dry_rows(run: &Run) -> Vec<(String, String)> {
    run.stdout
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[3].to_string(), w[2].to_string())
        })
        .collect()
}

fn rows(want: &[(&str, &str)]) -> Vec<(String, String)> {
    want.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A history in which each file has one passing run of `secs`.
fn history(durations: &[(&str, f64)]) -> Value {
    let files: serde_json::Map<String, Value> = durations
        .iter()
        .map(|(id, secs)| {
            (
                id.to_string(),
                json!({"runs": [{"at": 1_796_154_083u64, "duration": secs, "verdict": "pass", "hash": "0000000000000000"}]}),
            )
        })
        .collect();
    json!({"version": 1, "files": files})
}

#[test]
fn recorded_history_orders_the_next_run_slowest_first() {
    let s = suite();
    s.history(&history(&[
        ("tests/a_fast.sh", 0.05),
        ("tests/b_fast.sh", 0.06),
        ("tests/c_mid.sh", 0.2),
        ("tests/z_slow.sh", 0.6),
    ]));
    assert_eq!(
        dry_run(&s, &[]),
        rows(&[
            ("tests/z_slow.sh", "history"),
            ("tests/c_mid.sh", "history"),
            ("tests/b_fast.sh", "history"),
            ("tests/a_fast.sh", "history"),
        ])
    );
    // Lexical order stays available.
    let lexical: Vec<String> = dry_run(&s, &["--order", "lexical"])
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(
        lexical,
        [
            "tests/a_fast.sh",
            "tests/b_fast.sh",
            "tests/c_mid.sh",
            "tests/z_slow.sh"
        ]
    );
}

#[test]
fn a_real_run_is_recorded_and_its_durations_give_the_next_order() {
    let s = suite();
    // Before any history: unknown durations, biggest file first.
    assert_eq!(
        dry_run(&s, &[]),
        rows(&[
            ("tests/a_fast.sh", "unknown"),
            ("tests/b_fast.sh", "unknown"),
            ("tests/c_mid.sh", "unknown"),
            ("tests/z_slow.sh", "unknown"),
        ])
    );
    let run = s.run(&["-j", "2"]);
    run.expect_code(0);
    let history = run.history.as_ref().expect("history written");
    assert_eq!(history["version"], 1);
    let files = history["files"].as_object().expect("files");
    assert_eq!(files.len(), 4, "{history:#}");
    // The order the recorded durations imply (slowest first, ties by id).
    let mut implied: Vec<(f64, String)> = files
        .iter()
        .map(|(id, f)| {
            (
                f["runs"][0]["duration"].as_f64().expect("duration"),
                id.clone(),
            )
        })
        .collect();
    implied.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let got: Vec<String> = dry_run(&s, &[]).into_iter().map(|r| r.0).collect();
    let want: Vec<String> = implied.into_iter().map(|(_, id)| id).collect();
    assert_eq!(got, want);
}

#[test]
fn failed_files_go_first_next_time() {
    let s = suite();
    s.file("tests/b_fast.sh", "exit 1\n");
    s.run(&["-j", "2"]).expect_code(1);
    let run = s.run(&["--dry-run", "-j", "2"]);
    let first = run.stdout.lines().nth(1).expect("a first row");
    assert!(
        first.ends_with("tests/b_fast.sh  (failed last time)"),
        "{}",
        run.stdout
    );
}

#[test]
fn corrupt_history_is_set_aside_with_a_warning() {
    let s = suite();
    s.file(".ptest/history.json", "{ not json");
    let run = s.run(&["-j", "2"]);
    run.expect_code(0);
    assert!(
        run.output().contains("history.json.corrupt-"),
        "{}",
        run.describe()
    );
    let aside: Vec<String> = std::fs::read_dir(s.path().join(".ptest"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("history.json.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(s.read(&format!(".ptest/{}", aside[0])), "{ not json");
    // A fresh, valid history of this run was written.
    let fresh = run.history.as_ref().expect("history");
    assert_eq!(fresh["version"], 1);
    assert_eq!(fresh["files"].as_object().map(|f| f.len()), Some(4));
}

#[test]
fn durations_file_seeds_the_plan_and_bad_files_are_named() {
    let s = suite();
    s.file(
        "d.json",
        r#"{"tests/c_mid.sh": 9.0, "./tests/z_slow.sh": 0.1, "tests/b_fast.sh": 3.0}"#,
    );
    // Without --durations size decides (a, b, c, z); with it, the imported
    // durations do, and the unknown file is estimated at the high end of
    // the known ones (9 s, a tie with c_mid broken by id).
    assert_eq!(
        dry_run(&s, &["--durations", "d.json", "--no-history"]),
        rows(&[
            ("tests/a_fast.sh", "estimated"),
            ("tests/c_mid.sh", "imported"),
            ("tests/b_fast.sh", "imported"),
            ("tests/z_slow.sh", "imported"),
        ])
    );
    s.file("bad.json", "[1, 2");
    let run = s.run(&["--durations", "bad.json"]);
    run.expect_code(2);
    assert!(run.output().contains("bad.json"), "{}", run.describe());
}

fn seven() -> Suite {
    let s = Suite::new();
    for i in 0..7 {
        s.file(
            format!("tests/t{i}.sh"),
            "echo \"$PTEST_SHARD\" > \"shard-$(basename \"$PTEST_FILE\")\"\n",
        );
    }
    s
}

#[test]
fn shards_cover_every_file_exactly_once_and_merge_back() {
    let s = seven();
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let run = s.run(&["--shard", &shard, "--list", "--no-history"]);
        run.expect_code(0);
        let ids = run.first_words();
        total += ids.len();
        seen.extend(ids);
        // Same inputs, same shard.
        let again = s.run(&["--shard", &shard, "--list", "--no-history"]);
        assert_eq!(run.stdout, again.stdout);
    }
    assert_eq!(total, 7);
    assert_eq!(seen.len(), 7);

    for k in 1..=3 {
        let shard = format!("{k}/3");
        let json = format!("s{k}.json");
        s.run(&["--shard", &shard, "--json", &json, "--no-history"])
            .expect_code(0);
        let summary: Value = serde_json::from_str(&s.read(&json)).unwrap();
        assert_eq!(summary["shard"], shard);
        // PTEST_SHARD is the shard each file ran in.
        for f in summary["files"].as_array().unwrap() {
            let name = text(&f["id"]).replace("tests/", "");
            assert_eq!(s.read(&format!("shard-{name}")).trim(), shard);
        }
    }
    let run = s.run(&[
        "merge", "s1.json", "s2.json", "s3.json", "--json", "all.json", "--junit", "all.xml",
    ]);
    run.expect_code(0);
    let all: Value = serde_json::from_str(&s.read("all.json")).unwrap();
    let ids: Vec<String> = all["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| text(&f["id"]))
        .collect();
    let want: Vec<String> = (0..7).map(|i| format!("tests/t{i}.sh")).collect();
    assert_eq!(ids, want);
    assert_eq!(all["totals"]["files"]["passed"], 7);
    let xml = s.read("all.xml");
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("merged JUnit parses");
    let suites: Vec<&str> = report.test_suites.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(suites, want.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!((report.tests, report.failures, report.errors), (7, 0, 0));

    // A missing shard is named and fails the merge; a file twice is refused.
    let run = s.run(&["merge", "s1.json", "s3.json"]);
    run.expect_code(2);
    assert!(
        run.output().contains("Missing shard: 2"),
        "{}",
        run.describe()
    );
    let mut copy: Value = serde_json::from_str(&s.read("s1.json")).unwrap();
    copy["shard"] = Value::Null;
    s.file("copy.json", &copy.to_string());
    let run = s.run(&["merge", "s1.json", "copy.json"]);
    run.expect_code(2);
    assert!(
        run.output().contains("reported twice"),
        "{}",
        run.describe()
    );
}

#[test]
fn two_of_three_shards_are_empty_and_exit_zero_with_a_note() {
    let s = Suite::new();
    s.file("tests/only.sh", "exit 0\n");
    let mut empty = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let json = format!("e{k}.json");
        let run = s.run(&["--shard", &shard, "--json", &json, "--no-history"]);
        run.expect_code(0);
        let summary: Value = serde_json::from_str(&s.read(&json)).unwrap();
        let n = summary["files"].as_array().unwrap().len();
        if run.output().contains("has no files") {
            assert_eq!(n, 0, "{}", run.describe());
            empty.push(k);
        } else {
            assert_eq!(n, 1, "{}", run.describe());
        }
    }
    assert_eq!(empty.len(), 2, "exactly two empty shards: {empty:?}");
    s.run(&["merge", "e1.json", "e2.json", "e3.json"])
        .expect_code(0);
}

#[test]
fn many_concurrent_runs_contend_for_the_history_and_keep_every_file() {
    const WRITERS: usize = 6;
    let s = Suite::new();
    for w in 0..WRITERS {
        // Every file of every run waits for all the others: the runs finish,
        // and write the history, at the same moment.
        s.logged(&format!("w{w}/t.sh"), &format!("barrier all {WRITERS}"));
    }
    let running: Vec<_> = (0..WRITERS)
        .map(|w| s.ptest(&[format!("w{w}"), "-q".into()]).spawn())
        .collect();
    for r in running {
        r.wait().expect_code(0);
    }
    let history: Value = serde_json::from_str(&s.read(".ptest/history.json")).unwrap();
    let ids: BTreeSet<String> = history["files"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let want: BTreeSet<String> = (0..WRITERS).map(|w| format!("w{w}/t.sh")).collect();
    assert_eq!(ids, want);
}

/// The README's CI recipe: a JUnit report from one run seeds the durations
/// of the next; every shard computes the same partition; the shards' JSON
/// merge back, and `merge --history` records them.
#[test]
fn ci_recipe_end_to_end() {
    let s = Suite::new();
    // Far apart, so a loaded machine's noise in the measured times cannot
    // change the partition (every LPT choice below has a 0.4 s margin).
    for (name, secs) in [("a", "0.05"), ("b", "1.6"), ("c", "0.8"), ("d", "1.2")] {
        s.file(format!("t/{name}.sh"), &format!("sleep {secs}\n"));
    }
    s.run(&["t", "-j", "2", "--junit", "r.xml", "--no-history"])
        .expect_code(0);
    // The next run imports every file's duration from the report.
    let run = s.run(&["t", "--dry-run", "--durations", "r.xml", "--no-history"]);
    run.expect_code(0);
    let sources: BTreeSet<String> = dry_rows(&run).into_iter().map(|r| r.1).collect();
    assert_eq!(sources, BTreeSet::from(["imported".to_string()]));
    assert_eq!(dry_rows(&run)[0].0, "t/b.sh", "{}", run.stdout);
    // Duration-balanced shards, the same partition fingerprint on each.
    let mut prints = BTreeSet::new();
    let mut listed = Vec::new();
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let dry = s.run(&[
            "t",
            "--dry-run",
            "--shard",
            &shard,
            "--durations",
            "r.xml",
            "--no-history",
        ]);
        dry.expect_code(0);
        let line = dry
            .stdout
            .lines()
            .find(|l| l.starts_with("partition:"))
            .expect("partition line");
        prints.insert(line.to_string());
        let list = s.run(&[
            "t",
            "--list",
            "--shard",
            &shard,
            "--durations",
            "r.xml",
            "--no-history",
        ]);
        list.expect_code(0);
        assert!(
            list.stderr
                .contains(&format!("shard {shard} of a duration-balanced split")),
            "{}",
            list.describe()
        );
        assert!(list.stderr.contains("2 files"), "{}", list.describe());
        listed.extend(list.first_words());
        let json = format!("s{k}.json");
        s.run(&[
            "t",
            "--shard",
            &shard,
            "--durations",
            "r.xml",
            "--json",
            &json,
            "--no-history",
        ])
        .expect_code(0);
    }
    assert_eq!(prints.len(), 1, "{prints:?}");
    listed.sort();
    assert_eq!(listed, ["t/a.sh", "t/b.sh", "t/c.sh", "t/d.sh"]);
    // LPT on the imported durations: b (1.6 s) + a (0.05 s) against
    // d (1.2 s) + c (0.8 s).
    let shard_of = |id: &str| {
        (1..=2)
            .find(|k| {
                let v: Value = serde_json::from_str(&s.read(&format!("s{k}.json"))).unwrap();
                v["files"].as_array().unwrap().iter().any(|f| f["id"] == id)
            })
            .unwrap_or_else(|| panic!("{id} in no shard"))
    };
    assert_eq!(shard_of("t/b.sh"), shard_of("t/a.sh"));
    assert_eq!(shard_of("t/d.sh"), shard_of("t/c.sh"));
    assert_ne!(shard_of("t/b.sh"), shard_of("t/d.sh"));
    let run = s.run(&[
        "merge",
        "s1.json",
        "s2.json",
        "--junit",
        "all.xml",
        "--history",
        "h.json",
    ]);
    run.expect_code(0);
    let h: Value = serde_json::from_str(&s.read("h.json")).unwrap();
    let ids: Vec<&String> = h["files"].as_object().unwrap().keys().collect();
    assert_eq!(ids, ["t/a.sh", "t/b.sh", "t/c.sh", "t/d.sh"]);
    assert_eq!(s.read("all.xml").matches("<testsuite ").count(), 4);
}
