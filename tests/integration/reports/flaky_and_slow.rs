//! `ptest report flaky|slow` and `ptest --failed`, against the real binary:
//! histories produced by real runs of files that flip on a counter, and
//! histories written here in the documented format (README, "History").

use crate::common;
use crate::common::{Run, Suite};
use serde_json::{json, Value};

const T0: u64 = 1_764_000_000;

/// A file that fails on every other run (counter in `.suite/`).
const FLIP: &str = "n=$(cat .suite/flip.count 2>/dev/null || echo 0)\necho $((n + 1)) > .suite/flip.count\n[ $((n % 2)) -eq 0 ]\n";

/// A TAP file whose second test fails on the second run of every three.
const TAP_FLIP: &str = "n=$(cat .suite/tap.count 2>/dev/null || echo 0)\necho $((n + 1)) > .suite/tap.count\necho 1..2\necho 'ok 1 - stable'\nif [ $((n % 3)) -eq 1 ]; then echo 'not ok 2 - connects'; else echo 'ok 2 - connects'; fi\n";

fn report_json(suite: &Suite, args: &[&str]) -> Value {
    let run = suite.run(args);
    run.expect_code(0);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e})\n{}", run.describe()))
}

/// (id, flip rate, flips, runs) of a flaky report's `files` or `tests`.
fn rows(report: &Value, list: &str) -> Vec<(String, f64, u64, u64)> {
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {report:#}"))
        .iter()
        .map(|e| {
            let id = match e["test"].as_str() {
                Some(test) => format!("{}::{test}", common::text(&e["file"])),
                None => common::text(&e["file"]),
            };
            let n = |k: &str| e[k].as_u64().unwrap_or_else(|| panic!("{k} in {e}"));
            (
                id,
                e["flip_rate"].as_f64().expect("a rate"),
                n("flips"),
                n("runs"),
            )
        })
        .collect()
}

#[test]
fn flaky_files_and_tests_from_real_runs_but_not_broken_or_fixed_ones() {
    let suite = Suite::new();
    suite
        .file("t/flip.sh", FLIP)
        .file("t/tap.sh", TAP_FLIP)
        .file("t/broken.sh", "exit 1\n")
        .file("t/fixed.sh", "exit 1\n")
        .file("t/stable.sh", "exit 0\n");
    for run in 0..4 {
        if run == 2 {
            // An edit fixes it: its failures came with another content hash.
            suite.file("t/fixed.sh", "# fixed\nexit 0\n");
        }
        suite.run(&["t", "-j", "2"]).expect_code(1);
    }
    let report = report_json(&suite, &["report", "flaky", "--json"]);
    assert_eq!(
        rows(&report, "files"),
        vec![
            ("t/flip.sh".to_string(), 1.0, 3, 4),
            ("t/tap.sh".to_string(), 0.6667, 2, 4),
        ]
    );
    assert_eq!(
        rows(&report, "tests"),
        vec![("t/tap.sh::connects".to_string(), 0.6667, 2, 4)]
    );
    assert_eq!(
        (
            &report["version"],
            &report["report"],
            &report["history"],
            &report["files_seen"]
        ),
        (
            &json!(1),
            &json!("flaky"),
            &json!(".ptest/history.json"),
            &json!(5)
        )
    );
    let last = common::text(&report["files"][0]["last_failure"]);
    assert!(last.ends_with('Z') && last.len() == 24, "{last}");

    let run = suite.run(&["report", "flaky"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "Flaky files (2 of 5 files; flips under one content hash, over the last 10 runs):",
            "  RATE  FLIPS  RUNS  LAST FAIL   FILE",
            lines[2]
        ]
    );
    assert!(lines[2].starts_with("  100%      3     4  ") && lines[2].ends_with("  t/flip.sh"));
    assert!(run.stdout.contains("Flaky tests (1):\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("broken") && !run.stdout.contains("fixed"));
}

/// A history entry from letters (`p` pass, `f` fail) and hashes (digits):
/// `"p1 f1 p2"`, one run every 100 s from [`T0`], each taking `secs`.
fn entry(spec: &str, secs: f64) -> Value {
    let runs: Vec<Value> = spec
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            let verdict = if w.starts_with('p') { "pass" } else { "fail" };
            json!({
                "at": T0 + 100 * i as u64,
                "duration": secs,
                "verdict": verdict,
                "hash": w[1..].repeat(16),
            })
        })
        .collect();
    json!({ "runs": runs })
}

fn history(files: &[(&str, Value)]) -> Value {
    let files: serde_json::Map<String, Value> = files
        .iter()
        .map(|(id, e)| (id.to_string(), e.clone()))
        .collect();
    json!({ "version": 1, "files": files })
}

#[test]
fn a_prepared_history_broken_changed_then_fixed_and_min_runs() {
    let suite = Suite::new();
    suite.history(&history(&[
        ("t/broken.t", entry("f1 f1 f1 f1", 1.0)),
        ("t/fixed.t", entry("f1 f1 p2 p2", 1.0)),
        ("t/short.t", entry("p1 f1", 1.0)),
        ("t/often.t", entry("p1 f1 p1 f1 p1", 1.0)),
        ("t/rare.t", entry("p1 p1 p1 p1 f1", 1.0)),
    ]));
    let before = suite.read(".ptest/history.json");
    let report = report_json(&suite, &["report", "flaky", "--json"]);
    assert_eq!(
        rows(&report, "files"),
        vec![
            ("t/often.t".to_string(), 1.0, 4, 5),
            ("t/short.t".to_string(), 1.0, 1, 2),
            ("t/rare.t".to_string(), 0.25, 1, 5),
        ]
    );
    assert_eq!(
        report["files"][2]["last_failure"],
        "2025-11-24T16:06:40.000Z"
    );
    let report = report_json(&suite, &["report", "flaky", "--json", "--min-runs", "3"]);
    assert_eq!(
        rows(&report, "files"),
        vec![
            ("t/often.t".to_string(), 1.0, 4, 5),
            ("t/rare.t".to_string(), 0.25, 1, 5),
        ]
    );
    assert_eq!(
        (&report["min_runs"], &report["below_min_runs"]),
        (&json!(3), &json!(1))
    );
    let run = suite.run(&["report", "flaky", "--min-runs", "3"]);
    assert!(
        run.stdout.ends_with(
            "1 more file or test flipped in fewer than 3 runs (--min-runs 3): not listed.\n"
        ),
        "{}",
        run.describe()
    );
    // A report only reads the history.
    assert_eq!(suite.read(".ptest/history.json"), before);

    let none = Suite::new();
    none.history(&history(&[("t/broken.t", entry("f1 f1", 1.0))]));
    let run = none.run(&["report", "flaky"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "No flaky files or tests in 1 file with history (flips under one content hash, over the last 10 runs).\n"
    );
}

#[test]
fn slow_lists_the_top_files_and_flags_the_one_that_bounds_the_run() {
    let suite = Suite::new();
    let mut big = entry("p1 p1 p1", 10.0);
    big["runs"][2]["duration"] = json!(13.0);
    let mut with_tests = entry("p1 p1", 2.0);
    with_tests["cases"] = json!({
        "connects": { "statuses": "pp", "durations": [1.5, 1.25], "last_seen": T0 + 100 }
    });
    suite.history(&history(&[
        ("t/big.t", big),
        ("t/db.t", with_tests),
        ("t/a.t", entry("p1", 1.0)),
        ("t/b.t", entry("p1", 1.0)),
    ]));
    let report = report_json(
        &suite,
        &["report", "slow", "--json", "--top", "2", "-j", "2"],
    );
    let files: Vec<(String, f64, f64, f64, bool)> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                common::text(&f["file"]),
                f["median"].as_f64().expect("median"),
                f["last"].as_f64().expect("last"),
                f["share"].as_f64().expect("share"),
                f["bounds_run"].as_bool().expect("bounds_run"),
            )
        })
        .collect();
    assert_eq!(
        files,
        vec![
            ("t/big.t".to_string(), 10.0, 13.0, 0.7143, true),
            ("t/db.t".to_string(), 2.0, 2.0, 0.1429, false),
        ]
    );
    assert_eq!(report["files"][0]["trend"], json!(0.3));
    assert_eq!(
        (
            &report["jobs"],
            &report["top"],
            &report["files_timed"],
            &report["total"]
        ),
        (&json!(2), &json!(2), &json!(4), &json!(14.0))
    );
    assert_eq!(report["bounding"], json!(["t/big.t"]));
    assert_eq!(report["tests"][0]["test"], "connects");
    assert_eq!(report["tests"][0]["median"], json!(1.375));

    let run = suite.run(&["report", "slow", "--top", "2", "-j", "2"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("  10.0s   12.7s   13.0s   13.0s   +30%    71%  t/big.t\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "t/big.t (median 10.0s) alone bounds the run at -j 2: above sum/jobs = 7.0s: split it.\n"
        ),
        "{}",
        run.stdout
    );
    // With enough slots' worth of work per slot, nothing is flagged.
    let run = suite.run(&["report", "slow", "-j", "1"]);
    assert!(!run.stdout.contains("bounds the run"), "{}", run.stdout);
}

#[test]
fn no_history_is_exit_4_and_a_corrupt_one_warns_and_stays() {
    let suite = Suite::new();
    for report in ["flaky", "slow"] {
        let run = suite.run(&["report", report]);
        run.expect_code(4);
        assert_eq!(
            run.stderr,
            "ptest: error: no history at .ptest/history.json: run ptest first\n"
        );
    }
    let run = suite
        .ptest(&["report", "slow"])
        .env("PTEST_STATE_DIR", "elsewhere")
        .run();
    run.expect_code(4);
    assert!(
        run.stderr.contains("no history at elsewhere/history.json"),
        "{}",
        run.stderr
    );

    // (Not in .ptest/: the suite builder reads that history as JSON.)
    suite.file("state/history.json", "{ not json");
    let run = suite.run(&["report", "flaky", "--state-dir", "state"]);
    run.expect_code(4);
    assert!(
        run.stderr.starts_with(
            "ptest: warning: history file state/history.json could not be used: it is not valid JSON"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with("ptest: error: no usable history at state/history.json (see the warning above): run ptest to start a new one\n"),
        "{}",
        run.stderr
    );
    assert_eq!(suite.read("state/history.json"), "{ not json");
    let entries: Vec<_> = std::fs::read_dir(suite.path().join("state"))
        .expect("the state dir")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("history.json")]);
}

/// (id, verdict) of the files that ran, by id.
fn ran(run: &Run) -> Vec<(String, String)> {
    let mut v = run.verdicts();
    v.sort();
    v
}

#[test]
fn failed_reruns_only_what_did_not_pass_last_time() {
    let suite = Suite::new();
    suite
        .file("t/ok.sh", "exit 0\n")
        .file("t/bad.sh", "exit 1\n")
        .file("t/slow.sh", "sleep 2\n");
    let run = suite.run(&["t", "--failed"]);
    run.expect_code(4);
    assert_eq!(
        run.stderr,
        "ptest: error: no history at .ptest/history.json: run ptest first\n"
    );

    suite.run(&["t", "--timeout", "1s"]).expect_code(1);
    let run = suite.run_reports(&["t", "--failed"]);
    run.expect_code(1);
    assert_eq!(
        ran(&run),
        vec![
            ("t/bad.sh".to_string(), "fail".to_string()),
            ("t/slow.sh".to_string(), "pass".to_string())
        ]
    );
    assert!(
        run.stderr.contains(
            "ptest: --failed: running 2 files that did not pass in their last recorded run"
        ),
        "{}",
        run.stderr
    );
    // slow.sh passed this time; bad.sh is fixed now.
    suite.file("t/bad.sh", "exit 0\n");
    let run = suite.run_reports(&["t", "--failed"]);
    run.expect_code(0);
    assert_eq!(
        ran(&run),
        vec![("t/bad.sh".to_string(), "pass".to_string())]
    );
    let run = suite.run(&["t", "--failed"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "No failures recorded in the last run: nothing to run.\n"
    );
    assert_eq!(run.stderr, "");
}

/// Every unit appears in every report, whatever happened to it: a file
/// that passed with no test case of its own (a JUnit report without
/// cases), one skipped without starting, one that could not start and
/// exit-code files each count in JSON `totals.tests` and have a
/// `<testcase>` in `--junit`; `ptest merge` keeps them.
#[test]
fn units_without_test_cases_are_in_every_report() {
    let s = Suite::new();
    s.executable("t/pass.sh", "#!/bin/sh\nexit 0\n");
    s.executable("t/fail.sh", "#!/bin/sh\nexit 1\n");
    s.file("t/skipped.sh", "#!/bin/sh\nexit 0\n");
    s.file(
        "t/empty.ju",
        "echo '<testsuite name=\"empty\" tests=\"0\"></testsuite>' > \"$1\"\n",
    );
    s.file("t/broken.nx", "never started\n");
    s.config(concat!(
        "[[runner]]\npattern = \"*.ju\"\ncommand = [\"sh\", \"{file}\", \"{junit}\"]\nprotocol = \"junit\"\n",
        "[[runner]]\npattern = \"*.nx\"\ncommand = [\"/nonexistent/ptest-runner\", \"{file}\"]\n",
        "[[override]]\npattern = \"t/skipped.sh\"\nskip = \"not today\"\n",
    ));
    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    let verdicts = run.verdicts();
    assert_eq!(verdicts.len(), 5, "{}", run.describe());
    let empty = run.file("t/empty.ju");
    assert_eq!(empty["verdict"], "pass", "{}", run.describe());
    assert_eq!(empty["cases"].as_array().map(Vec::len), Some(0));
    let tests = &run.summary()["totals"]["tests"];
    assert_eq!(tests["total"], 5, "{tests}");
    assert_eq!(
        (&tests["passed"], &tests["failed"], &tests["skipped"]),
        (&Value::from(2), &Value::from(2), &Value::from(1)),
        "{tests}"
    );
    let xml = run.junit_text();
    assert!(
        xml.contains(r#"<testsuites name="ptest" tests="5""#),
        "{xml}"
    );
    for (id, _) in &verdicts {
        assert!(
            xml.contains(&format!(r#"classname="{id}""#)),
            "{id} has no testcase:\n{xml}"
        );
    }
    assert!(run.stdout.contains(", 5 total"), "{}", run.describe());

    // `ptest merge` of that summary: the same totals, the same test cases.
    let kept = tempfile::tempdir().unwrap();
    let summary = kept.path().join("shard.json");
    std::fs::copy(s.meta().join("summary.json"), &summary).unwrap();
    let merged_json = kept.path().join("merged.json");
    let merged_xml = kept.path().join("merged.xml");
    let m = s.run(&[
        "merge",
        summary.to_str().unwrap(),
        "--json",
        merged_json.to_str().unwrap(),
        "--junit",
        merged_xml.to_str().unwrap(),
    ]);
    m.expect_code(1);
    let back: Value =
        serde_json::from_str(&std::fs::read_to_string(&merged_json).unwrap()).unwrap();
    assert_eq!(&back["totals"]["tests"], tests, "{}", m.describe());
    let xml = std::fs::read_to_string(&merged_xml).unwrap();
    assert!(
        xml.contains(r#"<testsuites name="ptest" tests="5""#),
        "{xml}"
    );
    assert!(!m.output().contains("do not match"), "{}", m.describe());
}

/// A unit whose cases do not show how it ended (all ok, then a non-zero
/// exit; ok, then a timeout; a quarantined failing test beside a crash)
/// has a `(file)` test in JUnit, and the JSON totals, the console and
/// `ptest merge` count that same test: every report counts alike.
#[test]
fn a_file_level_failure_beside_cases_is_counted_in_every_report() {
    let s = Suite::new();
    s.executable(
        "t/exit.sh",
        "#!/bin/sh\necho 1..2\necho ok 1\necho ok 2\nexit 3\n",
    );
    s.executable(
        "t/hang.sh",
        "#!/bin/sh\n# ptest: timeout=1s\necho 1..2\necho ok 1\nexec sleep 30\n",
    );
    s.executable(
        "t/crash.sh",
        "#!/bin/sh\necho 1..2\necho 'not ok 1 - known'\necho ok 2\nkill -SEGV $$\n",
    );
    s.executable("t/ok.sh", "#!/bin/sh\necho 1..1\necho ok 1\n");
    s.config("[quarantine]\ntests = [\"t/crash.sh::known\"]\n");
    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    let tests = run.summary()["totals"]["tests"].clone();
    // 6 cases, plus one (file) test for each of exit.sh, hang.sh, crash.sh.
    assert_eq!(tests["total"], 9, "{tests}\n{}", run.describe());
    assert_eq!(tests["failed"], 4, "{tests}\n{}", run.describe());
    let xml = run.junit_text();
    assert!(
        xml.contains(r#"<testsuites name="ptest" tests="9""#),
        "{xml}"
    );
    assert_eq!(
        xml.matches(r#"<testcase name="(file)""#).count(),
        3,
        "{xml}"
    );
    assert!(run.stdout.contains(", 9 total"), "{}", run.describe());

    let kept = tempfile::tempdir().unwrap();
    let summary = kept.path().join("shard.json");
    std::fs::copy(s.meta().join("summary.json"), &summary).unwrap();
    let merged = kept.path().join("merged.json");
    let m = s.run(&[
        "merge",
        summary.to_str().unwrap(),
        "--json",
        merged.to_str().unwrap(),
    ]);
    m.expect_code(1);
    let back: Value = serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    assert_eq!(back["totals"]["tests"], tests, "{}", m.describe());
}
