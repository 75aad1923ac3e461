//! `--repeat N` and `--until-fail` against the real binary: every file runs
//! N times, never beside itself, iterations are numbered for the child
//! (`PTEST_ITERATION`) and in every report (JSON, JUnit, history), the
//! stress table gives each file's failure rate and duration spread, and
//! `--until-fail` stops at the first failing iteration.

use crate::common;
use crate::common::{text, Event, Suite};
use serde_json::Value;

/// The body of a file that fails on iteration `k` only (and logs its
/// iteration and its end either way).
fn failing_on(k: u32) -> String {
    format!(
        "log \"iter$PTEST_ITERATION\"\nif [ \"$PTEST_ITERATION\" = {k} ]; then echo \"failed on $PTEST_ITERATION\" >&2; log end; exit 1; fi"
    )
}

/// Start/end events of `file`, in timeline order.
fn starts_and_ends<'a>(timeline: &'a [Event], file: &str) -> Vec<&'a str> {
    timeline
        .iter()
        .filter(|e| e.file == file && (e.what == "start" || e.what == "end"))
        .map(|e| e.what.as_str())
        .collect()
}

fn entries<'a>(summary: &'a Value, id: &str) -> Vec<&'a Value> {
    summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["id"] == id)
        .collect()
}

fn row<'a>(summary: &'a Value, id: &str) -> &'a Value {
    summary["repeat"]["files"]
        .as_array()
        .unwrap_or_else(|| panic!("no repeat report: {summary:#}"))
        .iter()
        .find(|r| r["file"] == id)
        .unwrap_or_else(|| panic!("{id} not in the repeat report: {summary:#}"))
}

#[test]
fn repeat_runs_every_file_n_times_never_beside_itself() {
    let s = Suite::new();
    s.logged("t/a.sh", "sleep 0.2");
    s.logged("t/b.sh", "sleep 0.2");
    s.logged("t/c.sh", "sleep 0.1");
    let run = s.run_reports(&["t", "-j", "3", "--repeat", "3"]);
    run.expect_code(0);
    for id in ["t/a.sh", "t/b.sh", "t/c.sh"] {
        let events = starts_and_ends(&run.timeline, id);
        assert_eq!(
            events,
            ["start", "end", "start", "end", "start", "end"],
            "{id} ran 3 times, one after another\n{:#?}",
            run.timeline
        );
        let iterations: Vec<u64> = entries(run.summary(), id)
            .iter()
            .map(|f| f["iteration"].as_u64().unwrap_or(0))
            .collect();
        assert_eq!(iterations, [1, 2, 3], "{id}");
        assert_eq!(row(run.summary(), id)["runs"], 3);
        assert_eq!(row(run.summary(), id)["failure_rate"], 0.0);
    }
    assert!(
        common::max_overlap(&run.timeline) >= 2,
        "the slots were used"
    );
    assert_eq!(run.summary()["totals"]["files"]["total"], 9);
    assert_eq!(run.summary()["repeat"]["planned"], 3);
    assert_eq!(run.summary()["repeat"]["iterations"], 3);
    assert_eq!(run.summary()["repeat"]["until_fail"], false);
    assert!(
        run.stdout
            .contains("Running 3 files × 3 iterations on 3 jobs"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains("Repeat: 3 iterations of 3 files."));
    let history = run.history.as_ref().expect("a history");
    assert_eq!(
        history["files"]["t/a.sh"]["runs"].as_array().map(Vec::len),
        Some(3),
        "every iteration is recorded"
    );
}

#[test]
fn a_file_failing_on_one_iteration_has_a_failure_rate_of_one_in_three() {
    let s = Suite::new();
    s.logged("t/flaky.sh", &failing_on(2));
    s.logged("t/ok.sh", "true");
    let run = s.run_reports(&["t", "-j", "2", "--repeat", "3"]);
    run.expect_code(1);
    let flaky = row(run.summary(), "t/flaky.sh");
    assert_eq!(
        (flaky["runs"].as_u64(), flaky["failures"].as_u64()),
        (Some(3), Some(1))
    );
    let rate = flaky["failure_rate"].as_f64().unwrap();
    assert!((rate - 1.0 / 3.0).abs() < 1e-9, "{rate}");
    assert_eq!(flaky["failed_iterations"], serde_json::json!([2]));
    for key in ["min", "median", "max"] {
        assert!(flaky[key].as_f64().is_some(), "{key}: {flaky:#}");
    }
    assert_eq!(row(run.summary(), "t/ok.sh")["failures"], 0);
    assert_eq!(
        run.summary()["repeat"]["files"][0]["file"],
        "t/flaky.sh",
        "worst first"
    );
    let verdicts: Vec<String> = entries(run.summary(), "t/flaky.sh")
        .iter()
        .map(|f| text(&f["verdict"]))
        .collect();
    assert_eq!(verdicts, ["pass", "fail", "pass"]);
    // The children saw their iteration; the failing one kept its own log.
    let iters: Vec<&str> = run
        .timeline
        .iter()
        .filter(|e| e.file == "t/flaky.sh" && e.what.starts_with("iter"))
        .map(|e| e.what.as_str())
        .collect();
    assert_eq!(iters, ["iter1", "iter2", "iter3"]);
    let failing = entries(run.summary(), "t/flaky.sh")[1];
    let log = text(&failing["stderr_log"]);
    assert!(log.ends_with("t%2Fflaky.sh%i2.1.stderr"), "{failing:#}");
    // The history learnt that it flipped: pass, fail, pass.
    let history = &run.history.as_ref().expect("a history")["files"]["t/flaky.sh"];
    assert_eq!(history["runs"].as_array().map(Vec::len), Some(3));
    assert_eq!(history["flips"], 2, "{history:#}");
    // The table, and JUnit: one suite per iteration, with its property.
    let table = run
        .stdout
        .lines()
        .find(|l| l.contains("t/flaky.sh (failed: 2)"));
    let table = table.unwrap_or_else(|| panic!("no table row\n{}", run.describe()));
    assert!(table.contains("33%"), "{table}");
    let junit = run.junit_text();
    assert!(
        junit.contains("name=\"t/flaky.sh [iteration 2]\""),
        "{junit}"
    );
    assert!(
        junit.contains("<property name=\"iteration\" value=\"2\"/>"),
        "{junit}"
    );
    assert_eq!(junit.matches("<testsuite ").count(), 6, "{junit}");
}

#[test]
fn until_fail_stops_after_the_first_failing_iteration() {
    let s = Suite::new();
    s.logged("t/flaky.sh", &failing_on(3));
    let run = s.run_reports(&["t", "--until-fail"]);
    run.expect_code(1);
    assert_eq!(
        starts_and_ends(&run.timeline, "t/flaky.sh").len(),
        6,
        "3 iterations ran, then none\n{}",
        run.describe()
    );
    let report = &run.summary()["repeat"];
    assert_eq!(report["until_fail"], true);
    assert_eq!(report["iterations"], 3);
    assert_eq!(report["planned"], 100);
    assert_eq!(
        entries(run.summary(), "t/flaky.sh").len(),
        3,
        "the iterations never started are not listed"
    );
    assert!(
        run.stdout.contains(
            "Until fail: stopped after 3 iterations of 1 file (at most 100): a file failed."
        ),
        "{}",
        run.describe()
    );
    // The cap is announced as a bound, and the stop names --until-fail.
    assert!(
        run.stdout
            .contains("Running 1 file until a file fails (at most 100 iterations) on "),
        "{}",
        run.describe()
    );
    assert!(!run.stdout.contains("× 100"), "{}", run.describe());
    let stop = run.stdout.lines().find(|l| l.starts_with("STOP"));
    let stop = stop.unwrap_or_else(|| panic!("no STOP line\n{}", run.describe()));
    assert!(stop.contains("--until-fail"), "{stop}");
    assert!(!stop.contains("--fail-fast"), "{stop}");
}

#[test]
fn slowest_files_of_a_repeat_run_lists_each_file_once() {
    let s = Suite::new();
    s.logged("t/a.sh", "sleep 0.3");
    s.logged("t/b.sh", "sleep 0.1");
    let run = s.run_reports(&["t", "-j", "2", "--repeat", "3"]);
    run.expect_code(0);
    let text = &run.stdout;
    let start = text
        .find("Slowest files (slowest iteration of each):")
        .unwrap_or_else(|| panic!("no slowest files\n{}", run.describe()));
    let section: Vec<&str> = text[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(section.len(), 2, "{section:#?}");
    assert!(section[0].ends_with("t/a.sh"), "{section:#?}");
    assert!(section[1].ends_with("t/b.sh"), "{section:#?}");
}

#[test]
fn until_fail_without_a_failure_runs_to_its_cap_and_passes() {
    let s = Suite::new();
    s.logged("t/a.sh", "true");
    s.logged("t/b.sh", "true");
    let run = s.run_reports(&["t", "--until-fail", "--repeat", "4", "-j", "2"]);
    run.expect_code(0);
    assert_eq!(
        starts_and_ends(&run.timeline, "t/a.sh").len(),
        8,
        "{}\n{:#?}",
        run.describe(),
        run.timeline
    );
    assert_eq!(run.summary()["repeat"]["iterations"], 4);
    assert!(
        run.stdout
            .contains("Until fail: 4 iterations of 2 files ran without a failure (at most 4)."),
        "{}",
        run.describe()
    );
}

#[test]
fn repeat_refuses_a_shard_and_a_zero_count() {
    let s = Suite::new();
    s.logged("t/a.sh", "true");
    let both: [&[&str]; 2] = [
        &["t", "--repeat", "2", "--shard", "1/2"],
        &["t", "--until-fail", "--shard", "1/2"],
    ];
    for args in both {
        let run = s.run(args);
        run.expect_code(2);
        assert!(
            run.stderr.contains("cannot be used with"),
            "{}",
            run.describe()
        );
    }
    s.run(&["t", "--repeat", "0"]).expect_code(2);
}

#[test]
fn a_plain_run_tells_the_child_it_is_iteration_one_and_reports_no_repeat() {
    let s = Suite::new();
    s.logged("t/a.sh", "log \"iter$PTEST_ITERATION\"");
    let run = s.run_reports(&["t"]);
    run.expect_code(0);
    assert!(
        run.timeline.iter().any(|e| e.what == "iter1"),
        "{:#?}",
        run.timeline
    );
    assert!(run.summary().get("repeat").is_none());
    assert!(run.file("t/a.sh").get("iteration").is_none());
}

/// What junitparser (as CI tools read JUnit) sees: per suite its name,
/// `iteration` property and failure count.
const READ_SUITES: &str = r#"
import json, sys
from junitparser import JUnitXml
xml = JUnitXml.fromfile(sys.argv[1])
out = []
for suite in xml:
    props = {p.name: p.value for p in suite.properties()}
    out.append([suite.name, props.get("iteration"), suite.failures])
print(json.dumps(out))
"#;

#[test]
fn junit_consumers_read_one_suite_per_iteration() {
    let s = Suite::new();
    s.logged("t/flaky.sh", &failing_on(2));
    let run = s.run_reports(&["t", "--repeat", "3"]);
    run.expect_code(1);
    let out = std::process::Command::new("python3")
        .args(["-c", READ_SUITES])
        .arg(s.meta().join("junit.xml"))
        .output()
        .expect("python3 with junitparser (pip install junitparser)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        seen,
        serde_json::json!([
            ["t/flaky.sh [iteration 1]", "1", 0],
            ["t/flaky.sh [iteration 2]", "2", 1],
            ["t/flaky.sh [iteration 3]", "3", 0]
        ])
    );
}

/// What must survive a merge of one entry: its iteration, verdict, every
/// attempt and the quarantine mark.
fn kept(f: &Value) -> Value {
    serde_json::json!([
        f["id"],
        f["iteration"],
        f["verdict"],
        f["attempts"],
        f["attempt_results"],
        f["quarantined"]
    ])
}

#[test]
fn merge_of_a_repeat_run_keeps_every_iteration_attempt_and_quarantine() {
    let s = Suite::new();
    s.config("[quarantine]\nfiles = [\"t/q.sh\"]\n");
    s.logged("t/flaky.sh", &failing_on(2));
    // Fails its first attempt in every iteration: FLAKY 2/2 each time.
    s.logged(
        "t/retried.sh",
        "[ \"$PTEST_ATTEMPT\" = 1 ] && exit 1; exit 0",
    );
    s.logged("t/q.sh", "exit 1");
    let run = s.run_reports(&["t", "-j", "2", "--repeat", "3", "--retries", "1"]);
    run.expect_code(1);
    let input = s.meta().join("repeat.json");
    std::fs::copy(s.meta().join("summary.json"), &input).expect("copy the summary");
    let merged = s.meta().join("merged.json");
    let history = s.meta().join("merged-history.json");
    let m = s.run(&[
        "merge",
        input.to_str().unwrap(),
        "--json",
        merged.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
    ]);
    m.expect_code(1);
    assert!(!m.output().contains("reported twice"), "{}", m.describe());
    let back = s.json(".suite/merged.json");
    let before = run.summary();
    let entries = |v: &Value| -> Vec<Value> {
        v["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(kept)
            .collect()
    };
    assert_eq!(entries(&back), entries(before));
    assert_eq!(back["files"].as_array().map(Vec::len), Some(9));
    assert_eq!(back["repeat"], before["repeat"]);
    assert_eq!(back["totals"], before["totals"]);
    let retried = entries(&back)
        .into_iter()
        .filter(|e| e[0] == "t/retried.sh")
        .map(|e| (e[2].clone(), e[3].clone()))
        .collect::<Vec<_>>();
    assert_eq!(retried, vec![("flaky".into(), 2.into()); 3]);
    assert!(
        m.stdout.contains("Repeat: 3 iterations of 3 files."),
        "{}",
        m.describe()
    );
    // The history got one run per iteration, as the run itself records.
    let h = s.json(".suite/merged-history.json");
    assert_eq!(
        h["files"]["t/flaky.sh"]["runs"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(h["files"]["t/flaky.sh"]["flips"], 2);

    // The same iteration twice is still a duplicate, named with its iteration.
    let twice = s.run(&["merge", input.to_str().unwrap(), input.to_str().unwrap()]);
    twice.expect_code(2);
    assert!(
        twice
            .stderr
            .contains("`t/flaky.sh [iteration 1]` is reported twice"),
        "{}",
        twice.describe()
    );
}
