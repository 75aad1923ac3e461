//! "Verdicts are total" against the real binary (issue 15, items 1, 2 and
//! 11): a quarantine entry excuses exactly the failure it names and nothing
//! that failure did to other units, and a file stopped by the run is not
//! its own failure. Each test runs `ptest` on real sh files.

use crate::common;
use crate::common::{Run, Suite};
use serde_json::Value;

/// The `<testsuite>` element of file `id` in the JUnit report, as text.
fn junit_suite<'a>(run: &'a Run, id: &str) -> &'a str {
    let xml = run.junit_text();
    let start = xml
        .find(&format!("<testsuite name=\"{id}\""))
        .unwrap_or_else(|| panic!("no testsuite {id}\n{xml}"));
    let len = xml[start..]
        .find("</testsuite>")
        .unwrap_or_else(|| panic!("unterminated testsuite {id}\n{xml}"));
    &xml[start..start + len]
}

/// The ids listed under the console's `Failures:` heading.
fn failures(run: &Run) -> Vec<String> {
    let Some(section) = run.stdout.split("Failures:\n").nth(1) else {
        return Vec::new();
    };
    section
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(str::to_string)
        .collect()
}

/// A TAP file whose quarantined test `flaky connect` fails, `solid`
/// passes, and then `tail` happens (a crash, an odd exit, …).
fn tap_then(tail: &str) -> String {
    format!("echo 1..2\necho 'not ok 1 - flaky connect'\necho 'ok 2 - solid'\n{tail}\n")
}

#[test]
fn item1_a_quarantined_test_excuses_only_its_own_failure() {
    let s = Suite::new();
    let ids = ["crash", "noplan", "exit9", "order", "other", "fine"];
    let tests: Vec<String> = ids
        .iter()
        .map(|id| format!("\"t/{id}.sh::flaky connect\""))
        .collect();
    s.config(&format!("[quarantine]\ntests = [{}]\n", tests.join(", ")))
        // Killed by SIGSEGV after the quarantined test failed.
        .file("t/crash.sh", &tap_then("kill -SEGV $$"))
        // Fewer tests than its plan says.
        .file(
            "t/noplan.sh",
            "echo 1..3\necho 'not ok 1 - flaky connect'\necho 'ok 2 - solid'\nexit 1\n",
        )
        // One failing test does not explain exit status 9.
        .file("t/exit9.sh", &tap_then("exit 9"))
        // Tests numbered out of sequence.
        .file(
            "t/order.sh",
            "echo 1..2\necho 'not ok 1 - flaky connect'\necho 'ok 3 - solid'\nexit 1\n",
        )
        // Another test failed too.
        .file(
            "t/other.sh",
            "echo 1..2\necho 'not ok 1 - flaky connect'\necho 'not ok 2 - solid'\nexit 2\n",
        )
        // Control: only the quarantined test failed, exit 1 as Test::More
        // would (one failure).
        .file("t/fine.sh", &tap_then("exit 1"));

    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    let mut bad = failures(&run);
    bad.sort();
    assert_eq!(
        bad,
        [
            "t/crash.sh",
            "t/exit9.sh",
            "t/noplan.sh",
            "t/order.sh",
            "t/other.sh"
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Result: FAIL (1 quarantined failure)"),
        "{}",
        run.stdout
    );
    let totals = &run.summary()["totals"]["files"];
    assert_eq!(totals["quarantined"], 1, "{totals}");
    assert_eq!(
        run.file("t/crash.sh")["reasons"],
        serde_json::json!(["failed test 1", "killed by SIGSEGV"])
    );
    // JUnit: the quarantined test is skipped, the crash is a real failure
    // on the `(file)` case; the control has no `(file)` case.
    let crash = junit_suite(&run, "t/crash.sh");
    assert!(
        crash.contains(r#"failures="1""#) && crash.contains(r#"skipped="1""#),
        "{crash}"
    );
    let file_case = crash
        .split("<testcase name=\"(file)\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no (file) case\n{crash}"));
    assert!(
        file_case.contains("<failure") && file_case.contains("killed by SIGSEGV"),
        "{crash}"
    );
    for id in ["t/noplan.sh", "t/exit9.sh", "t/order.sh"] {
        let suite = junit_suite(&run, id);
        assert!(
            suite.contains(r#"failures="1""#) && suite.contains("(file)"),
            "{suite}"
        );
    }
    let fine = junit_suite(&run, "t/fine.sh");
    assert!(
        fine.contains(r#"failures="0""#) && !fine.contains("(file)"),
        "{fine}"
    );

    // The crash alone fails the run, as it would without the quarantine.
    let alone = s.run_reports(&["t/crash.sh"]);
    alone.expect_code(1);
    assert!(alone.stdout.ends_with("Result: FAIL\n"), "{}", alone.stdout);
    // The control alone passes.
    s.run_reports(&["t/fine.sh"]).expect_code(0);
}

/// Whether file `id`'s verdict in `summary` is `verdict`.
fn verdict_of<'a>(summary: &'a Value, id: &str) -> &'a Value {
    &common::file_in(summary, id)["verdict"]
}

#[test]
fn item2_a_quarantined_failure_that_stops_other_work_fails_the_run() {
    // A quarantined file that bails out: later files never start.
    let s = Suite::new();
    s.config("[quarantine]\nfiles = [\"t/a_bail.sh\"]\n")
        .file("t/a_bail.sh", "echo 1..1\necho 'Bail out! no database'\n")
        .file("t/b.sh", "exit 0\n")
        .file("t/c.sh", "exit 0\n");
    let run = s.run_reports(&["t", "-j", "1", "--order", "lexical"]);
    run.expect_code(1);
    assert!(run.stdout.ends_with("Result: FAIL\n"), "{}", run.stdout);
    assert_eq!(failures(&run), ["t/a_bail.sh"], "{}", run.stdout);
    assert!(
        run.stdout
            .contains("quarantined, but it kept 2 files from running: t/b.sh, t/c.sh"),
        "{}",
        run.stdout
    );
    assert_eq!(verdict_of(run.summary(), "t/b.sh"), "not-run");
    assert_eq!(run.file("t/b.sh")["stopped_by"], "t/a_bail.sh");
    assert_eq!(
        run.file("t/a_bail.sh")["stopped"],
        serde_json::json!(["t/b.sh", "t/c.sh"])
    );
    assert_eq!(run.summary()["totals"]["files"]["quarantined"], 0);
    let bail = junit_suite(&run, "t/a_bail.sh");
    assert!(
        bail.contains(r#"failures="1""#) && bail.contains("kept 2 from running"),
        "{bail}"
    );

    // A quarantined dependency: its dependents SKIP, and the run fails.
    let s = Suite::new();
    s.config(
        "[quarantine]\nfiles = [\"t/setup.sh\"]\n\n[[override]]\npattern = \"t/use.sh\"\ndepends-on = [\"t/setup.sh\"]\n",
    )
    .file("t/setup.sh", "exit 1\n")
    .file("t/use.sh", "exit 0\n")
    .file("t/free.sh", "exit 0\n");
    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    assert_eq!(verdict_of(run.summary(), "t/use.sh"), "skip");
    assert_eq!(run.file("t/use.sh")["stopped_by"], "t/setup.sh");
    assert_eq!(failures(&run), ["t/setup.sh"], "{}", run.stdout);
    let setup = junit_suite(&run, "t/setup.sh");
    assert!(setup.contains(r#"failures="1""#), "{setup}");

    // `ptest merge` of that summary comes to the same result.
    let shard = s.path().join("shard.json");
    std::fs::copy(s.meta().join("summary.json"), &shard).expect("copy the summary");
    let merge = s.run(&["merge", &shard.display().to_string()]);
    merge.expect_code(1);
    assert!(merge.stdout.contains("Result: FAIL"), "{}", merge.stdout);

    // A quarantined file running into the global timeout: the run fails.
    let s = Suite::new();
    s.config("[quarantine]\nfiles = [\"t/a_slow.sh\"]\n")
        .file("t/a_slow.sh", "exec sleep 30\n")
        .file("t/b.sh", "exit 0\n");
    let run = s.run_reports(&[
        "t",
        "-j",
        "1",
        "--order",
        "lexical",
        "--global-timeout",
        "1s",
        "--grace",
        "200ms",
    ]);
    run.expect_code(1);
    assert_eq!(verdict_of(run.summary(), "t/b.sh"), "not-run");
    assert!(run.stdout.ends_with("Result: FAIL\n"), "{}", run.stdout);
}

#[test]
fn item11_a_file_stopped_by_the_global_timeout_is_not_its_own_failure() {
    let s = Suite::new();
    // Passes quickly, unless `.suite/hang` exists (the file's content, and
    // so its content hash, stays the same).
    s.file(
        "t/slow.sh",
        "if [ -f .suite/hang ]; then exec sleep 30; fi\nexit 0\n",
    );
    for _ in 0..3 {
        s.run(&["t"]).expect_code(0);
    }
    s.file(".suite/hang", "");
    let run = s.run_reports(&["t", "--global-timeout", "1s", "--grace", "200ms"]);
    // The run still fails: it did not finish its work.
    run.expect_code(1);
    assert!(run.stdout.ends_with("Result: FAIL\n"), "{}", run.stdout);
    let f = run.file("t/slow.sh");
    assert_eq!(f["verdict"], "interrupted", "{f:#}");
    assert_eq!(
        f["reasons"][0],
        "stopped by ptest: the global timeout (1.0s) expired"
    );
    assert!(
        run.stdout
            .contains("Interrupted (stopped by ptest): 1 file: t/slow.sh"),
        "{}",
        run.stdout
    );
    let junit = junit_suite(&run, "t/slow.sh");
    assert!(junit.contains(r#"type="interrupted""#), "{junit}");

    // The history knows only the three runs it passed: no TIMEOUT, no
    // flip, no 1-second duration sample.
    let history = s.json(".ptest/history.json");
    let runs = history["files"]["t/slow.sh"]["runs"]
        .as_array()
        .unwrap_or_else(|| panic!("{history:#}"));
    assert_eq!(runs.len(), 3, "{history:#}");
    assert!(
        runs.iter()
            .all(|r| r["verdict"] == "pass" && r["duration"].as_f64().is_some_and(|d| d < 0.9)),
        "{history:#}"
    );
    let report = s.run(&["report", "flaky", "--json"]);
    report.expect_code(0);
    let json: Value = serde_json::from_str(&report.stdout).expect("JSON");
    assert_eq!(json["files"], serde_json::json!([]), "{json:#}");

    // --quarantine-flaky finds nothing to quarantine.
    std::fs::remove_file(s.meta().join("hang")).expect("remove the marker");
    let run = s.run(&["t", "--quarantine-flaky", "0.01"]);
    run.expect_code(0);
    assert!(!run.stderr.contains("quarantined"), "{}", run.stderr);
}
