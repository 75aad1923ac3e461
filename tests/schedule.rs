//! Issue-3 behaviour through the real binary: history, slowest-first order,
//! --durations, shards and `ptest merge`.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn ptest(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ptest"))
        .args(args)
        .current_dir(dir)
        .env("CI", "true")
        .output()
        .expect("run ptest")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A suite whose slow files sort last.
fn suite() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    for (name, secs) in [
        ("a_fast", "0.05"),
        ("b_fast", "0.05"),
        ("c_mid", "0.2"),
        ("z_slow", "0.6"),
    ] {
        std::fs::write(
            dir.path().join(format!("tests/{name}.sh")),
            format!("sleep {secs}\n"),
        )
        .unwrap();
    }
    dir
}

/// The file ids in the dry-run order.
fn dry_run_order(dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["--dry-run", "-j", "2"];
    args.extend(extra);
    let out = ptest(dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("tests/")))
        .map(str::to_string)
        .collect()
}

#[test]
fn second_run_starts_the_slowest_file_first() {
    let dir = suite();
    // Before any history: no durations known.
    let out = ptest(dir.path(), &["-j", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let history: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".ptest/history.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(history["version"], 1);
    assert_eq!(history["files"].as_object().unwrap().len(), 4);
    let order = dry_run_order(dir.path(), &[]);
    assert_eq!(
        order.first().map(String::as_str),
        Some("tests/z_slow.sh"),
        "{order:?}"
    );
    assert_eq!(
        order.get(1).map(String::as_str),
        Some("tests/c_mid.sh"),
        "{order:?}"
    );
    // Lexical order stays available.
    assert_eq!(
        dry_run_order(dir.path(), &["--order", "lexical"])
            .first()
            .map(String::as_str),
        Some("tests/a_fast.sh")
    );
}

#[test]
fn failed_files_go_first_next_time() {
    let dir = suite();
    std::fs::write(dir.path().join("tests/b_fast.sh"), "exit 1\n").unwrap();
    let out = ptest(dir.path(), &["-j", "2"]);
    assert_eq!(out.status.code(), Some(1));
    let order = dry_run_order(dir.path(), &[]);
    assert_eq!(
        order.first().map(String::as_str),
        Some("tests/b_fast.sh"),
        "{order:?}"
    );
}

#[test]
fn corrupt_history_is_set_aside_with_a_warning() {
    let dir = suite();
    std::fs::create_dir(dir.path().join(".ptest")).unwrap();
    std::fs::write(dir.path().join(".ptest/history.json"), "{ not json").unwrap();
    let out = ptest(dir.path(), &["-j", "2"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a corrupt history never changes a verdict"
    );
    let all = text(&out);
    assert!(all.contains("history.json.corrupt-"), "{all}");
    let aside: Vec<_> = std::fs::read_dir(dir.path().join(".ptest"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("history.json.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    let kept = std::fs::read_to_string(dir.path().join(".ptest").join(&aside[0])).unwrap();
    assert_eq!(kept, "{ not json");
    // A fresh, valid history was written.
    let fresh = std::fs::read_to_string(dir.path().join(".ptest/history.json")).unwrap();
    assert!(serde_json::from_str::<Value>(&fresh).is_ok());
}

#[test]
fn durations_file_seeds_the_plan_and_bad_files_are_named() {
    let dir = suite();
    std::fs::write(
        dir.path().join("d.json"),
        r#"{"tests/a_fast.sh": 9.0, "./tests/b_fast.sh": 0.1}"#,
    )
    .unwrap();
    let order = dry_run_order(dir.path(), &["--durations", "d.json", "--no-history"]);
    assert_eq!(
        order.first().map(String::as_str),
        Some("tests/a_fast.sh"),
        "{order:?}"
    );
    std::fs::write(dir.path().join("bad.json"), "[1, 2").unwrap();
    let out = ptest(dir.path(), &["--durations", "bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("bad.json"), "{}", text(&out));
}

#[test]
fn shards_cover_every_file_exactly_once_and_merge_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    for i in 0..7 {
        std::fs::write(dir.path().join(format!("tests/t{i}.sh")), "exit 0\n").unwrap();
    }
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = ptest(dir.path(), &["--shard", &shard, "--list", "--no-history"]);
        assert_eq!(out.status.code(), Some(0));
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            total += 1;
            seen.insert(line.split_whitespace().next().unwrap().to_string());
        }
        // Same inputs, same shard.
        let again = ptest(dir.path(), &["--shard", &shard, "--list", "--no-history"]);
        assert_eq!(out.stdout, again.stdout);
    }
    assert_eq!(total, 7);
    assert_eq!(seen.len(), 7);

    for k in 1..=3 {
        let shard = format!("{k}/3");
        let json = format!("s{k}.json");
        let out = ptest(
            dir.path(),
            &["--shard", &shard, "--json", &json, "--no-history"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let out = ptest(
        dir.path(),
        &[
            "merge", "s1.json", "s2.json", "s3.json", "--json", "all.json", "--junit", "all.xml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("all.json")).unwrap())
            .unwrap();
    assert_eq!(all["files"].as_array().unwrap().len(), 7);
    assert!(dir.path().join("all.xml").exists());

    // A missing shard is named and fails the merge; a file twice is refused.
    let out = ptest(dir.path(), &["merge", "s1.json", "s3.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("Missing shard: 2"), "{}", text(&out));
    std::fs::copy(dir.path().join("s1.json"), dir.path().join("copy.json")).unwrap();
    let mut copy: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("copy.json")).unwrap())
            .unwrap();
    copy["shard"] = Value::Null;
    std::fs::write(dir.path().join("copy.json"), copy.to_string()).unwrap();
    let out = ptest(dir.path(), &["merge", "s1.json", "copy.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("reported twice"), "{}", text(&out));
}

#[test]
fn an_empty_shard_exits_zero_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::write(dir.path().join("tests/only.sh"), "exit 0\n").unwrap();
    let mut empty = None;
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let json = format!("e{k}.json");
        let out = ptest(
            dir.path(),
            &["--shard", &shard, "--json", &json, "--no-history"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        if text(&out).contains("has no files") {
            empty = Some(json);
        }
    }
    let empty = empty.expect("two of three shards are empty");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(empty)).unwrap()).unwrap();
    assert_eq!(summary["files"].as_array().unwrap().len(), 0);
    let out = ptest(dir.path(), &["merge", "e1.json", "e2.json", "e3.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn concurrent_runs_keep_both_histories() {
    let dir = tempfile::tempdir().unwrap();
    for d in ["one", "two"] {
        std::fs::create_dir(dir.path().join(d)).unwrap();
        for i in 0..5 {
            std::fs::write(dir.path().join(format!("{d}/t{i}.sh")), "sleep 0.05\n").unwrap();
        }
    }
    let spawn = |d: &str| {
        Command::new(env!("CARGO_BIN_EXE_ptest"))
            .args([d, "-j", "2", "-q"])
            .current_dir(dir.path())
            .env("CI", "true")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn("one"), spawn("two"));
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let history: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".ptest/history.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        history["files"].as_object().unwrap().len(),
        10,
        "{history:#}"
    );
}
