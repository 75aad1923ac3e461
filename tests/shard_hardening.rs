//! Shards planned one after another, partitions recorded in the summaries,
//! and what `ptest merge` does with them (issue 6, item 4), through the real
//! binary.

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one ptest invocation may take before the test gives up.
const DEADLINE: Duration = Duration::from_secs(120);

/// What one ptest invocation did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs ptest in `dir` with a clean environment and stdin closed, killing
/// it if it outlives [`DEADLINE`].
fn ptest(dir: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ptest"));
    command
        .args(args)
        .current_dir(dir)
        .env("CI", "true")
        .env_remove("PERL5LIB")
        .env_remove("HARNESS_ACTIVE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PTEST") {
            command.env_remove(&key);
        }
    }
    let mut child = command.spawn().expect("start ptest");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for ptest") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ptest {args:?} took longer than {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, value.to_string()).expect("write json");
}

/// `files[].id` → `files[].verdict` of a summary.
fn verdicts(summary: &Value) -> BTreeMap<String, String> {
    summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().expect("id").to_string(),
                f["verdict"].as_str().expect("verdict").to_string(),
            )
        })
        .collect()
}

/// A directory `skew/` of TAP shell files `f1.sh`…`f{n}.sh`, file `i`
/// sleeping `sleeps[i - 1]` seconds.
fn write_skew(dir: &Path, sleeps: &[&str]) {
    let skew = dir.join("skew");
    std::fs::create_dir_all(&skew).expect("mkdir skew");
    for (i, secs) in sleeps.iter().enumerate() {
        std::fs::write(
            skew.join(format!("f{}.sh", i + 1)),
            format!("echo 1..1\nsleep {secs}\necho ok 1\n"),
        )
        .expect("write test file");
    }
}

/// Five quick passing files `t/a.sh`…`t/e.sh`.
fn quick_suite() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("t")).expect("mkdir t");
    for name in ["a", "b", "c", "d", "e"] {
        std::fs::write(dir.path().join(format!("t/{name}.sh")), "exit 0\n").expect("write");
    }
    dir
}

#[test]
fn shards_run_one_after_another_plan_the_same_partition() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let history = root.join(".ptest/history.json");
    // Record durations, then make the files take very different times: had
    // shard 1 written its new durations, shard 2 would plan another split.
    write_skew(root, &["0.05", "0.1", "0.2", "0.3", "0.4"]);
    let seed = ptest(root, &["skew", "-q"]);
    assert_eq!(seed.code, Some(0), "{}", seed.text());
    let recorded = std::fs::read(&history).expect("history written by a plain run");
    write_skew(root, &["0.4", "0.3", "0.2", "0.1", "0.05"]);

    for k in 1..=2 {
        let run = ptest(
            root,
            &[
                "skew",
                "--shard",
                &format!("{k}/2"),
                "--json",
                &format!("s{k}.json"),
            ],
        );
        assert_eq!(run.code, Some(0), "{}", run.text());
        assert!(
            run.stdout.contains("History: unchanged (sharded run)")
                && run
                    .stdout
                    .contains("ptest merge … --history .ptest/history.json"),
            "{}",
            run.text()
        );
        assert_eq!(
            std::fs::read(&history).expect("history"),
            recorded,
            "shard {k}/2 changed the history"
        );
    }

    let (s1, s2) = (
        read_json(&root.join("s1.json")),
        read_json(&root.join("s2.json")),
    );
    let mut all: Vec<String> = verdicts(&s1).into_keys().collect();
    all.extend(verdicts(&s2).into_keys());
    all.sort();
    let expected: Vec<String> = (1..=5).map(|i| format!("skew/f{i}.sh")).collect();
    assert_eq!(all, expected, "every file exactly once across the shards");
    assert_eq!(s1["version"], 2);
    assert_eq!(s1["partition"], s2["partition"], "same partition recorded");
    assert_eq!(
        s1["partition"]["fingerprint"].as_str().map(str::len),
        Some(12)
    );
    assert_eq!(s1["partition"]["split"], "duration");

    let merged = ptest(
        root,
        &[
            "merge",
            "s1.json",
            "s2.json",
            "--history",
            ".ptest/history.json",
            "--json",
            "all.json",
        ],
    );
    assert_eq!(merged.code, Some(0), "{}", merged.text());
    assert!(merged.stdout.contains("Result: PASS"), "{}", merged.text());
    assert_ne!(
        std::fs::read(&history).expect("history"),
        recorded,
        "merge --history records the shards' results"
    );
    let all = read_json(&root.join("all.json"));
    assert_eq!(verdicts(&all).len(), 5);
    assert!(all.get("incomplete").is_none(), "{all}");
}

#[test]
fn shards_of_different_partitions_are_refused_naming_both() {
    let dir = quick_suite();
    let root = dir.path();
    std::fs::write(
        root.join("d1.json"),
        r#"{"t/a.sh": 4, "t/b.sh": 3, "t/c.sh": 2, "t/d.sh": 1, "t/e.sh": 1}"#,
    )
    .expect("write durations");
    std::fs::write(
        root.join("d2.json"),
        r#"{"t/a.sh": 1, "t/b.sh": 1, "t/c.sh": 1, "t/d.sh": 10, "t/e.sh": 1}"#,
    )
    .expect("write durations");
    for k in 1..=2 {
        let run = ptest(
            root,
            &[
                "t",
                "--no-history",
                "--shard",
                &format!("{k}/2"),
                "--durations",
                &format!("d{k}.json"),
                "--json",
                &format!("s{k}.json"),
            ],
        );
        assert_eq!(run.code, Some(0), "{}", run.text());
    }
    let fingerprint = |name: &str| {
        read_json(&root.join(name))["partition"]["fingerprint"]
            .as_str()
            .expect("fingerprint")
            .to_string()
    };
    let (f1, f2) = (fingerprint("s1.json"), fingerprint("s2.json"));
    assert_ne!(f1, f2);

    let merged = ptest(root, &["merge", "s1.json", "s2.json", "--json", "all.json"]);
    assert_eq!(merged.code, Some(2), "{}", merged.text());
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
        !root.join("all.json").exists(),
        "no report from a refused merge"
    );
}

#[test]
fn a_missing_shard_makes_its_files_not_run_and_the_result_incomplete() {
    let dir = quick_suite();
    let root = dir.path();
    for k in 1..=2 {
        let run = ptest(
            root,
            &[
                "t",
                "--no-history",
                "--shard",
                &format!("{k}/2"),
                "--json",
                &format!("s{k}.json"),
            ],
        );
        assert_eq!(run.code, Some(0), "{}", run.text());
        assert!(
            !run.stdout.contains("History:"),
            "no history note with --no-history: {}",
            run.text()
        );
    }
    let s2 = read_json(&root.join("s2.json"));
    let shard2: Vec<String> = verdicts(&s2).into_keys().collect();
    assert!(!shard2.is_empty());

    let merged = ptest(
        root,
        &[
            "merge", "s1.json", "--json", "all.json", "--junit", "all.xml",
        ],
    );
    assert_eq!(merged.code, Some(2), "{}", merged.text());
    assert!(
        merged
            .stdout
            .contains("Result: INCOMPLETE (missing shard 2)"),
        "{}",
        merged.text()
    );
    assert!(!merged.stdout.contains("Result: PASS"), "{}", merged.text());
    assert!(
        merged.stdout.contains("Missing shard: 2"),
        "{}",
        merged.text()
    );
    for id in &shard2 {
        assert!(
            merged.stdout.contains(id.as_str()),
            "{id}: {}",
            merged.text()
        );
    }

    let all = read_json(&root.join("all.json"));
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
    let file = all["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["id"] == shard2[0].as_str())
        .expect("a file of shard 2");
    assert_eq!(
        file["reasons"][0],
        "not run: its shard 2/2 is not among the merged summaries"
    );
    let junit = std::fs::read_to_string(root.join("all.xml")).expect("junit");
    for id in &shard2 {
        assert!(junit.contains(id.as_str()), "{id} in JUnit: {junit}");
    }
}

#[test]
fn a_file_its_shard_did_not_report_is_named_and_fails_the_merge() {
    let dir = quick_suite();
    let root = dir.path();
    for k in 1..=2 {
        let run = ptest(
            root,
            &[
                "t",
                "--no-history",
                "--shard",
                &format!("{k}/2"),
                "--json",
                &format!("s{k}.json"),
            ],
        );
        assert_eq!(run.code, Some(0), "{}", run.text());
    }
    // A shard summary that lost a file (e.g. cut short or edited).
    let path = root.join("s1.json");
    let mut s1 = read_json(&path);
    let dropped = s1["files"]
        .as_array_mut()
        .expect("files")
        .pop()
        .expect("shard 1 has a file");
    let dropped = dropped["id"].as_str().expect("id").to_string();
    write_json(&path, &s1);

    let merged = ptest(root, &["merge", "s1.json", "s2.json", "--json", "all.json"]);
    assert_eq!(merged.code, Some(2), "{}", merged.text());
    assert!(
        merged
            .stdout
            .contains("Result: INCOMPLETE (1 file not reported by its shard)"),
        "{}",
        merged.text()
    );
    assert!(
        merged.stdout.contains("Not run on any shard: 1 file:") && merged.stdout.contains(&dropped),
        "{}",
        merged.text()
    );
    let all = read_json(&root.join("all.json"));
    assert_eq!(verdicts(&all)[&dropped], "not-run");
    let file = all["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["id"] == dropped.as_str())
        .expect("the dropped file");
    assert_eq!(
        file["reasons"][0],
        "not run: planned on shard 1/2, but s1.json does not report it"
    );
}

#[test]
fn old_summaries_without_a_partition_still_merge_with_a_warning() {
    let dir = quick_suite();
    let root = dir.path();
    for k in 1..=2 {
        let name = format!("s{k}.json");
        let run = ptest(
            root,
            &[
                "t",
                "--no-history",
                "--shard",
                &format!("{k}/2"),
                "--json",
                &name,
            ],
        );
        assert_eq!(run.code, Some(0), "{}", run.text());
        let path = root.join(&name);
        let mut summary = read_json(&path);
        summary["version"] = 1.into();
        summary
            .as_object_mut()
            .expect("object")
            .remove("partition")
            .expect("a version 2 shard records its partition");
        write_json(&path, &summary);
    }
    let merged = ptest(root, &["merge", "s1.json", "s2.json"]);
    assert_eq!(merged.code, Some(0), "{}", merged.text());
    assert!(
        merged
            .stderr
            .contains("s1.json: shard 1/2 records no partition (written by an older ptest)"),
        "{}",
        merged.text()
    );
    assert!(merged.stdout.contains("Result: PASS"), "{}", merged.text());
}

#[test]
fn an_interrupted_shard_wins_over_a_missing_one_as_in_a_run() {
    let dir = quick_suite();
    let root = dir.path();
    let run = ptest(
        root,
        &["t", "--no-history", "--shard", "1/2", "--json", "s1.json"],
    );
    assert_eq!(run.code, Some(0), "{}", run.text());
    let path = root.join("s1.json");
    let mut s1 = read_json(&path);
    s1["interrupted"] = true.into();
    write_json(&path, &s1);
    let merged = ptest(root, &["merge", "s1.json"]);
    assert_eq!(merged.code, Some(130), "{}", merged.text());
    assert!(
        merged.stdout.contains("Result: INTERRUPTED"),
        "{}",
        merged.text()
    );
}

#[test]
fn listing_a_hash_split_says_the_duration_is_unknown() {
    let dir = quick_suite();
    let run = ptest(
        dir.path(),
        &["t", "--no-history", "--shard", "2/3", "--list"],
    );
    assert_eq!(run.code, Some(0), "{}", run.text());
    let header = run
        .stderr
        .lines()
        .find(|l| l.starts_with("shard 2/3"))
        .unwrap_or_else(|| panic!("no shard header: {}", run.text()));
    assert!(header.contains("duration unknown"), "{header}");
    assert!(!header.contains("0ms"), "{header}");
    assert!(header.contains("2*: 2 files"), "{header}");
}
