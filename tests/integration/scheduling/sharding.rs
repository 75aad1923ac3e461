//! Shards planned one after another, partitions recorded in the summaries,
//! and what `ptest merge` does with them (issue 6, item 4), through the real
//! binary.

use crate::common::{file_in, verdicts_in, Run, Suite};
use serde_json::Value;
use std::collections::BTreeMap;

/// `files[].id` → `files[].verdict` of a summary.
fn verdicts(summary: &Value) -> BTreeMap<String, String> {
    verdicts_in(summary).into_iter().collect()
}

/// A directory `skew/` of TAP shell files `f1.sh`…`f{n}.sh`, file `i`
/// sleeping `sleeps[i - 1]` seconds.
fn write_skew(s: &Suite, sleeps: &[&str]) {
    for (i, secs) in sleeps.iter().enumerate() {
        s.file(
            format!("skew/f{}.sh", i + 1),
            &format!("echo 1..1\nsleep {secs}\necho ok 1\n"),
        );
    }
}

/// Five quick passing files `t/a.sh`…`t/e.sh`.
fn quick_suite() -> Suite {
    let s = Suite::new();
    for name in ["a", "b", "c", "d", "e"] {
        s.file(format!("t/{name}.sh"), "exit 0\n");
    }
    s
}

/// Runs shard `k` of 2 of the quick suite without history, `extra`
/// arguments, and its summary into `s{k}.json`; it must pass.
fn shard(s: &Suite, k: usize, extra: &[&str]) -> Run {
    let (shard, json) = (format!("{k}/2"), format!("s{k}.json"));
    let mut args = vec!["t", "--no-history", "--shard", &shard];
    args.extend(extra);
    args.extend(["--json", &json]);
    let run = s.run(&args);
    assert_eq!(run.code, Some(0), "{}", run.output());
    run
}

#[test]
fn shards_run_one_after_another_plan_the_same_partition() {
    let s = Suite::new();
    let history = s.path().join(".ptest/history.json");
    // Record durations, then make the files take very different times: had
    // shard 1 written its new durations, shard 2 would plan another split.
    write_skew(&s, &["0.05", "0.1", "0.2", "0.3", "0.4"]);
    let seed = s.run(&["skew", "-q"]);
    assert_eq!(seed.code, Some(0), "{}", seed.output());
    let recorded = std::fs::read(&history).expect("history written by a plain run");
    write_skew(&s, &["0.4", "0.3", "0.2", "0.1", "0.05"]);

    for k in 1..=2 {
        let run = s.run(&[
            "skew",
            "--shard",
            &format!("{k}/2"),
            "--json",
            &format!("s{k}.json"),
        ]);
        assert_eq!(run.code, Some(0), "{}", run.output());
        assert!(
            run.stdout.contains("History: unchanged (sharded run)")
                && run
                    .stdout
                    .contains("ptest merge … --history .ptest/history.json"),
            "{}",
            run.output()
        );
        assert_eq!(
            std::fs::read(&history).expect("history"),
            recorded,
            "shard {k}/2 changed the history"
        );
    }

    let (s1, s2) = (s.json("s1.json"), s.json("s2.json"));
    let mut all: Vec<String> = verdicts(&s1).into_keys().collect();
    all.extend(verdicts(&s2).into_keys());
    all.sort();
    let expected: Vec<String> = (1..=5).map(|i| format!("skew/f{i}.sh")).collect();
    assert_eq!(all, expected, "every file exactly once across the shards");
    assert_eq!(s1["version"], 3);
    assert_eq!(s1["partition"], s2["partition"], "same partition recorded");
    assert_eq!(
        s1["partition"]["fingerprint"].as_str().map(str::len),
        Some(12)
    );
    assert_eq!(s1["partition"]["split"], "duration");

    let merged = s.run(&[
        "merge",
        "s1.json",
        "s2.json",
        "--history",
        ".ptest/history.json",
        "--json",
        "all.json",
    ]);
    assert_eq!(merged.code, Some(0), "{}", merged.output());
    assert!(
        merged.stdout.contains("Result: PASS"),
        "{}",
        merged.output()
    );
    assert_ne!(
        std::fs::read(&history).expect("history"),
        recorded,
        "merge --history records the shards' results"
    );
    let all = s.json("all.json");
    assert_eq!(verdicts(&all).len(), 5);
    assert!(all.get("incomplete").is_none(), "{all}");
}

#[test]
fn shards_of_different_partitions_are_refused_naming_both() {
    let s = quick_suite();
    s.file(
        "d1.json",
        r#"{"t/a.sh": 4, "t/b.sh": 3, "t/c.sh": 2, "t/d.sh": 1, "t/e.sh": 1}"#,
    );
    s.file(
        "d2.json",
        r#"{"t/a.sh": 1, "t/b.sh": 1, "t/c.sh": 1, "t/d.sh": 10, "t/e.sh": 1}"#,
    );
    for k in 1..=2 {
        shard(&s, k, &["--durations", &format!("d{k}.json")]);
    }
    let fingerprint = |name: &str| {
        s.json(name)["partition"]["fingerprint"]
            .as_str()
            .expect("fingerprint")
            .to_string()
    };
    let (f1, f2) = (fingerprint("s1.json"), fingerprint("s2.json"));
    assert_ne!(f1, f2);

    let merged = s.run(&["merge", "s1.json", "s2.json", "--json", "all.json"]);
    assert_eq!(merged.code, Some(2), "{}", merged.output());
    let err = &merged.stderr;
    for part in [
        "different partitions".to_string(),
        format!("s1.json (shard 1/2, partition {f1})"),
        format!("s2.json (shard 2/2, partition {f2})"),
        "t/a.sh (shard 1 in s1.json, shard 2 in s2.json)".to_string(),
    ] {
        assert!(err.contains(&part), "missing `{part}` in: {err}");
    }
    assert!(
        !s.path().join("all.json").exists(),
        "no report from a refused merge"
    );
}

#[test]
fn a_missing_shard_makes_its_files_not_run_and_the_result_incomplete() {
    let s = quick_suite();
    for k in 1..=2 {
        let run = shard(&s, k, &[]);
        assert!(
            !run.stdout.contains("History:"),
            "no history note with --no-history: {}",
            run.output()
        );
    }
    let s2 = s.json("s2.json");
    let shard2: Vec<String> = verdicts(&s2).into_keys().collect();
    assert!(!shard2.is_empty());

    let merged = s.run(&[
        "merge", "s1.json", "--json", "all.json", "--junit", "all.xml",
    ]);
    assert_eq!(merged.code, Some(2), "{}", merged.output());
    assert!(
        merged
            .stdout
            .contains("Result: INCOMPLETE (missing shard 2)"),
        "{}",
        merged.output()
    );
    assert!(
        !merged.stdout.contains("Result: PASS"),
        "{}",
        merged.output()
    );
    assert!(
        merged.stdout.contains("Missing shard: 2"),
        "{}",
        merged.output()
    );
    for id in &shard2 {
        assert!(
            merged.stdout.contains(id.as_str()),
            "{id}: {}",
            merged.output()
        );
    }

    let all = s.json("all.json");
    let v = verdicts(&all);
    assert_eq!(
        v.len(),
        5,
        "every planned file is in the merged summary: {v:?}"
    );
    for id in &shard2 {
        assert_eq!(v[id], "not-run", "{id}");
    }
    assert_eq!(all["incomplete"], "missing shard 2");
    assert_eq!(all["totals"]["files"]["not_run"], shard2.len());
    let file = file_in(&all, &shard2[0]);
    assert_eq!(
        file["reasons"][0],
        "not run: its shard 2/2 is not among the merged summaries"
    );
    let junit = s.read("all.xml");
    for id in &shard2 {
        assert!(junit.contains(id.as_str()), "{id} in JUnit: {junit}");
    }
}

#[test]
fn a_file_its_shard_did_not_report_is_named_and_fails_the_merge() {
    let s = quick_suite();
    for k in 1..=2 {
        shard(&s, k, &[]);
    }
    // A shard summary that lost a file (e.g. cut short or edited).
    let mut s1 = s.json("s1.json");
    let dropped = s1["files"]
        .as_array_mut()
        .expect("files")
        .pop()
        .expect("shard 1 has a file");
    let dropped = dropped["id"].as_str().expect("id").to_string();
    s.file("s1.json", &s1.to_string());

    let merged = s.run(&["merge", "s1.json", "s2.json", "--json", "all.json"]);
    assert_eq!(merged.code, Some(2), "{}", merged.output());
    assert!(
        merged
            .stdout
            .contains("Result: INCOMPLETE (1 file not reported by its shard)"),
        "{}",
        merged.output()
    );
    assert!(
        merged.stdout.contains("Not run on any shard: 1 file:") && merged.stdout.contains(&dropped),
        "{}",
        merged.output()
    );
    let all = s.json("all.json");
    assert_eq!(verdicts(&all)[&dropped], "not-run");
    let file = file_in(&all, &dropped);
    assert_eq!(
        file["reasons"][0],
        "not run: planned on shard 1/2, but s1.json does not report it"
    );
}

#[test]
fn old_summaries_without_a_partition_still_merge_with_a_warning() {
    let s = quick_suite();
    for k in 1..=2 {
        let name = format!("s{k}.json");
        shard(&s, k, &[]);
        let mut summary = s.json(&name);
        summary["version"] = 1.into();
        summary
            .as_object_mut()
            .expect("object")
            .remove("partition")
            .expect("a version 2 shard records its partition");
        s.file(&name, &summary.to_string());
    }
    let merged = s.run(&["merge", "s1.json", "s2.json"]);
    assert_eq!(merged.code, Some(0), "{}", merged.output());
    assert!(
        merged
            .stderr
            .contains("s1.json: shard 1/2 records no partition (written by an older ptest)"),
        "{}",
        merged.output()
    );
    assert!(
        merged.stdout.contains("Result: PASS"),
        "{}",
        merged.output()
    );
}

#[test]
fn an_interrupted_shard_wins_over_a_missing_one_as_in_a_run() {
    let s = quick_suite();
    shard(&s, 1, &[]);
    let mut s1 = s.json("s1.json");
    s1["interrupted"] = true.into();
    s.file("s1.json", &s1.to_string());
    let merged = s.run(&["merge", "s1.json"]);
    assert_eq!(merged.code, Some(130), "{}", merged.output());
    assert!(
        merged.stdout.contains("Result: INTERRUPTED"),
        "{}",
        merged.output()
    );
}

#[test]
fn listing_a_hash_split_says_the_duration_is_unknown() {
    let s = quick_suite();
    let run = s.run(&["t", "--no-history", "--shard", "2/3", "--list"]);
    assert_eq!(run.code, Some(0), "{}", run.output());
    let header = run
        .stderr
        .lines()
        .find(|l| l.starts_with("shard 2/3"))
        .unwrap_or_else(|| panic!("no shard header: {}", run.output()));
    assert!(header.contains("duration unknown"), "{header}");
    assert!(!header.contains("0ms"), "{header}");
    assert!(header.contains("2*: 2 files"), "{header}");
}

/// The ```toml block after `marker` in `docs/config.md`.
fn readme_toml(marker: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/config.md"))
        .expect("read docs/config.md");
    let after = &readme[readme.find(marker).expect("the marker in docs/config.md")..];
    let start = after.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = after[start..].find("```").expect("the block's end");
    after[start..start + end].to_string()
}

/// The shard command of the GitLab CI recipe (`docs/ci.md`) for shard `k`
/// of 4, without the leading `ptest`. The recipe says `--shard auto`, which
/// reads GitLab's 1-based `CI_NODE_INDEX`/`CI_NODE_TOTAL`: shard `k` of the
/// recipe's `parallel: 4` is `--shard k/4` (tests/integration/reports/ci_outputs.rs
/// checks that `--shard auto` reads those variables so).
fn readme_shard_command(k: usize) -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci.md"))
        .expect("read docs/ci.md");
    assert!(
        readme.contains("parallel: 4"),
        "the GitLab recipe runs 4 shards"
    );
    let line = readme
        .lines()
        .find(|l| l.trim_start().starts_with("- ptest t ") && l.contains("--shard auto"))
        .expect("the recipe's shard line");
    let command = line.trim().trim_start_matches("- ptest ");
    command
        .replace("--shard auto", &format!("--shard {k}/4"))
        .replace("$CI_NODE_INDEX", &k.to_string())
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Issue 15, item 9: the CI recipe (`docs/ci.md`) with the full config
/// example (`t/migrate.t` depends on `t/setup.t`), one chain more from
/// headers: every shard lists, dry-runs and runs (no exit 2), every file
/// runs exactly once over the four shards, each after its dependencies,
/// and the merge passes.
#[test]
fn the_readme_ci_recipe_with_depends_on_runs_every_file_once() {
    let s = Suite::new();
    s.config(&readme_toml("A full example:"));
    let test = |name: &str, header: &str| {
        s.file(
            format!("t/{name}.t"),
            &format!(
                "{header}open my $f, '>>', '.suite/ran' or die;\nprint $f \"$0\\n\";\nclose $f;\nprint \"1..1\\nok 1\\n\";\n"
            ),
        );
    };
    let mut all = vec!["t/setup.t".to_string(), "t/migrate.t".to_string()];
    test("setup", "");
    test("migrate", "");
    test("seed", "# ptest: depends-on=setup.t\n");
    test("report", "# ptest: depends-on=seed.t,fixtures.t\n");
    test("fixtures", "");
    all.extend(["t/seed.t", "t/report.t", "t/fixtures.t"].map(String::from));
    for name in ["a", "b", "c", "d", "e", "f", "g", "h"] {
        test(name, "");
        all.push(format!("t/{name}.t"));
    }
    all.sort();

    let mut listed = Vec::new();
    for k in 1..=4 {
        let command = readme_shard_command(k);
        assert!(
            command.iter().any(|a| a == &format!("{k}/4")),
            "{command:?}"
        );
        for mode in ["--list", "--dry-run"] {
            let mut args = command.clone();
            args.push(mode.into());
            let run = s.run(&args);
            assert_eq!(run.code, Some(0), "{mode} of shard {k}: {}", run.describe());
            if mode == "--list" {
                listed.extend(
                    run.stdout
                        .lines()
                        .filter_map(|l| l.split_whitespace().next())
                        .map(String::from),
                );
            }
        }
        let run = s.run(&command);
        assert_eq!(run.code, Some(0), "shard {k}: {}", run.describe());
    }
    listed.sort();
    assert_eq!(listed, all, "--list of the four shards: every file once");
    let ran = s.read(".suite/ran");
    let mut ran: Vec<&str> = ran.lines().collect();
    let order = ran.clone();
    ran.sort();
    assert_eq!(ran, all, "every file ran exactly once");
    let before = |a: &str, b: &str| {
        let pos = |x: &str| order.iter().position(|l| *l == x).unwrap();
        assert!(pos(a) < pos(b), "{a} before {b}: {order:?}");
    };
    before("t/setup.t", "t/migrate.t");
    before("t/setup.t", "t/seed.t");
    before("t/seed.t", "t/report.t");
    before("t/fixtures.t", "t/report.t");
    let merge = s.run(&[
        "merge",
        "shard-1.json",
        "shard-2.json",
        "shard-3.json",
        "shard-4.json",
    ]);
    assert_eq!(merge.code, Some(0), "{}", merge.describe());
}

/// Issue 15, item 14: a shard count far above the suite is refused when
/// the command line is read, quickly and in one short line (it aborted on
/// a 64 GiB allocation, or printed a 300 MB `--dry-run` line); a count
/// above the number of files still runs, with a warning naming the empty
/// shards.
#[test]
fn huge_shard_counts_are_refused_and_excess_shards_are_named() {
    let s = quick_suite();
    for (shard, extra) in [
        ("1/4294967296", None),
        ("1/100000000", Some("--dry-run")),
        ("3/1001", Some("--list")),
    ] {
        let mut args = vec!["t", "--no-history", "--shard", shard];
        args.extend(extra);
        let run = s.run(&args);
        assert_eq!(run.code, Some(2), "{}", run.describe());
        assert!(run.stderr.contains("at most 1000"), "{}", run.describe());
        assert!(
            run.stdout.len() + run.stderr.len() < 4096,
            "short output: {}",
            run.describe()
        );
    }
    let run = s.run(&["t", "--no-history", "--shard", "7/8", "--dry-run"]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert!(
        run.stderr.contains(
            "ptest: warning: --shard 7/8: 8 shards for 5 files: only 5 get any, the other 3 run nothing"
        ),
        "{}",
        run.describe()
    );
}

/// `ptest merge` does not compare the shards' CPU time with this machine's
/// cores over the longest shard's wall (it printed `CPU 3.8 of 2 cores
/// busy`): a merged summary says the CPU time spent in all, and on how
/// many shards.
#[test]
fn a_merge_says_cpu_time_in_all_not_this_machines_cores_busy() {
    let s = quick_suite();
    for k in 1..=2 {
        shard(&s, k, &[]);
    }
    let merged = s.run(&["merge", "s1.json", "s2.json"]);
    assert_eq!(merged.code, Some(0), "{}", merged.output());
    let time = merged
        .stdout
        .lines()
        .find(|l| l.starts_with("Time:"))
        .unwrap_or_else(|| panic!("no Time: line in {}", merged.output()));
    assert!(time.contains("in all, on 2 shards"), "{time}");
    assert!(!time.contains("cores busy"), "{time}");
    let one = s.run(&["merge", "s1.json"]);
    assert!(
        !one.stdout.contains("cores busy"),
        "one shard merged is not this machine's run either: {}",
        one.output()
    );
}
