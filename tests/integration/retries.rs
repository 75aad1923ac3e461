//! Retries against the real binary: which attempts are retried, FLAKY and
//! its exit codes, what the child is told, where a retry goes in the
//! queue, delays and backoff, dependents, the JSON attempts (and `ptest
//! merge`), the history's flips, and the Surefire elements of the JUnit
//! report read back with junitparser.

use crate::common::{text, Event, Run, Suite};
use serde_json::Value;
use std::process::Command;

/// A shell file (or body) that fails while `PTEST_ATTEMPT` is below
/// `passes_on`.
fn fails_until(passes_on: u32) -> String {
    format!("echo \"attempt $PTEST_ATTEMPT\"\n[ \"$PTEST_ATTEMPT\" -ge {passes_on} ] || exit 1\n")
}

/// A copy of the last run's summary (the next run removes it).
fn keep_summary(s: &Suite, name: &str) -> std::path::PathBuf {
    let kept = s.meta().join(name);
    std::fs::copy(s.meta().join("summary.json"), &kept).expect("copy the summary");
    kept
}

fn run(s: &Suite, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--no-history", "--color", "never"]);
    s.run_reports(&all)
}

/// The attempts' verdicts of file `id`, first first.
fn attempt_verdicts(run: &Run, id: &str) -> Vec<String> {
    run.file(id)["attempt_results"]
        .as_array()
        .map(|a| a.iter().map(|r| text(&r["verdict"])).collect())
        .unwrap_or_default()
}

/// The `start` events of `file`, in order.
fn starts<'a>(timeline: &'a [Event], file: &str) -> Vec<&'a Event> {
    timeline
        .iter()
        .filter(|e| e.what == "start" && e.file == file)
        .collect()
}

fn ends<'a>(timeline: &'a [Event], file: &str) -> Vec<&'a Event> {
    timeline
        .iter()
        .filter(|e| e.what == "end" && e.file == file)
        .collect()
}

fn position(timeline: &[Event], e: &Event) -> usize {
    timeline
        .iter()
        .position(|x| x == e)
        .expect("in the timeline")
}

#[test]
fn failed_then_passed_is_flaky_and_exits_zero_unless_flaky_fail() {
    let s = Suite::new();
    s.file("t/flaky.sh", &fails_until(2))
        .file("t/ok.sh", "exit 0\n");
    let out = run(&s, &["t", "--retries", "2"]);
    out.expect_code(0);
    assert_eq!(text(&out.file("t/flaky.sh")["verdict"]), "flaky");
    assert_eq!(out.file("t/flaky.sh")["attempts"], 2);
    assert_eq!(attempt_verdicts(&out, "t/flaky.sh"), ["fail", "pass"]);
    assert_eq!(out.file("t/ok.sh")["attempts"], 1);
    assert!(out.file("t/ok.sh").get("attempt_results").is_none());
    assert_eq!(out.summary()["totals"]["files"]["flaky"], 1);
    assert!(out.stdout.contains("FLAKY 2/3"), "{}", out.describe());
    assert!(out.stdout.contains("1 flaky"), "{}", out.describe());
    assert!(out.stdout.contains("Result: PASS"), "{}", out.describe());

    run(&s, &["t", "--retries", "2", "--flaky-fail"]).expect_code(1);
    s.config("[run]\nretries = 1\nflaky-result = \"fail\"\n");
    let out = run(&s, &["t"]);
    out.expect_code(1);
    assert_eq!(out.summary()["flaky_fails"], true);
    s.config("[run]\nflaky-result = \"pass\"\n");
    let out = s
        .ptest(&["t", "--no-history"])
        .env("PTEST_RETRIES", "1")
        .reports()
        .run();
    out.expect_code(0);
    assert_eq!(text(&out.file("t/flaky.sh")["verdict"]), "flaky");
    let out = s
        .ptest(&["t", "--no-history", "--retries", "1"])
        .env("PTEST_FLAKY_FAIL", "1")
        .run();
    out.expect_code(1);
}

#[test]
fn without_retries_a_failure_is_final_and_retries_zero_changes_nothing() {
    let s = Suite::new();
    s.file("t/flaky.sh", &fails_until(2));
    let out = run(&s, &["t"]);
    out.expect_code(1);
    assert_eq!(out.file("t/flaky.sh")["attempts"], 1);
    assert!(!out.stdout.contains("1/1"), "{}", out.describe());
    assert!(!out.stderr.contains("retries"), "{}", out.describe());
}

#[test]
fn failing_on_every_attempt_fails_and_keeps_every_attempts_logs() {
    let s = Suite::new();
    s.file(
        "t/broken.sh",
        "echo \"out $PTEST_ATTEMPT\"\necho \"err $PTEST_ATTEMPT\" >&2\nexit 1\n",
    );
    let out = run(&s, &["t", "--retries", "2"]);
    out.expect_code(1);
    let f = out.file("t/broken.sh");
    assert_eq!(text(&f["verdict"]), "fail");
    assert_eq!(f["attempts"], 3);
    assert!(out.stdout.contains("FAIL 3/3"), "{}", out.describe());
    let attempts = f["attempt_results"].as_array().expect("attempts");
    for (i, a) in attempts.iter().enumerate() {
        let n = i + 1;
        assert_eq!(a["number"], n);
        assert_eq!(text(&a["verdict"]), "fail");
        assert!(a["duration"].as_f64().is_some());
        assert_eq!(text(&a["reasons"][0]), "exited with status 1");
        assert_eq!(text(&a["stderr_tail"]), format!("err {n}\n"));
        let log = s.path().join(text(&a["stderr_log"]));
        assert!(
            log.ends_with(format!("t%2Fbroken.sh.{n}.stderr")),
            "{log:?}"
        );
        assert_eq!(std::fs::read_to_string(&log).unwrap(), format!("err {n}\n"));
    }
}

#[test]
fn a_failed_attempts_logs_are_kept_when_a_later_one_passes() {
    let s = Suite::new();
    s.file("t/flaky.sh", &fails_until(2));
    let out = run(&s, &["t", "--retries", "1"]);
    out.expect_code(0);
    let first = &out.file("t/flaky.sh")["attempt_results"][0];
    let log = s.path().join(text(&first["stdout_log"]));
    assert_eq!(std::fs::read_to_string(log).unwrap(), "attempt 1\n");
    assert_eq!(text(&first["stdout_tail"]), "attempt 1\n");
}

#[test]
fn the_child_is_told_its_attempt_and_how_many_there_may_be() {
    let s = Suite::new();
    let record = |name: &str| {
        format!(
            "echo \"$PTEST_ATTEMPT/$PTEST_TOTAL_ATTEMPTS\" >> '{}/{name}'\nexit 1\n",
            s.meta().display()
        )
    };
    s.file("t/a.sh", &record("a"))
        .file("t/b.sh", &record("b"))
        .config("[[override]]\npattern = \"t/b.sh\"\nretries = 1\n");
    run(&s, &["t", "--retries", "2"]).expect_code(1);
    let read = |name: &str| std::fs::read_to_string(s.meta().join(name)).unwrap();
    assert_eq!(read("a"), "1/3\n2/3\n3/3\n");
    assert_eq!(read("b"), "1/2\n2/2\n", "the file's own retries win");
}

#[test]
fn a_header_sets_a_files_retries() {
    let s = Suite::new();
    s.file("t/a.sh", &format!("# ptest: retries=1\n{}", fails_until(2)));
    let out = run(&s, &["t"]);
    out.expect_code(0);
    assert_eq!(text(&out.file("t/a.sh")["verdict"]), "flaky");
}

#[test]
fn a_retry_starts_before_files_ranked_after_it() {
    let s = Suite::new();
    s.logged("t/a.sh", &fails_until(2))
        .logged("t/b.sh", "")
        .logged("t/c.sh", "");
    let out = run(
        &s,
        &["t", "--retries", "1", "-j", "1", "--order", "lexical"],
    );
    out.expect_code(0);
    let timeline = s.timeline();
    let order: Vec<(&str, &str)> = timeline
        .iter()
        .map(|e| (e.what.as_str(), e.file.as_str()))
        .collect();
    assert_eq!(
        order[..4],
        [
            ("start", "t/a.sh"),
            ("start", "t/a.sh"),
            ("end", "t/a.sh"),
            ("start", "t/b.sh"),
        ],
        "a (which fails before `log end`) is retried before b starts: {order:?}"
    );
}

#[test]
fn a_retry_delay_leaves_the_slot_to_others_and_is_honoured() {
    let s = Suite::new();
    s.logged("t/a.sh", "exit 1").logged("t/b.sh", "");
    let out = run(
        &s,
        &[
            "t",
            "--retries",
            "1",
            "--retry-delay",
            "400ms",
            "-j",
            "1",
            "--order",
            "lexical",
        ],
    );
    out.expect_code(1);
    let timeline = s.timeline();
    let a = starts(&timeline, "t/a.sh");
    let b = starts(&timeline, "t/b.sh");
    assert_eq!(a.len(), 2);
    assert!(
        position(&timeline, b[0]) < position(&timeline, a[1]),
        "b runs while a waits: {timeline:?}"
    );
    let gap = a[1].ns - a[0].ns;
    assert!(gap >= 400_000_000, "a's retry came after {gap} ns");
}

#[test]
fn exponential_backoff_doubles_the_delay_between_retries() {
    let s = Suite::new();
    s.logged("t/a.sh", "exit 1");
    let out = run(
        &s,
        &[
            "t",
            "--retries",
            "2",
            "--retry-delay",
            "400ms",
            "--retry-backoff",
            "exponential",
        ],
    );
    out.expect_code(1);
    let timeline = s.timeline();
    let a = starts(&timeline, "t/a.sh");
    assert_eq!(a.len(), 3);
    // Equal jitter: retry k waits between half and all of 400ms × 2^(k-1).
    let (first, second) = (a[1].ns - a[0].ns, a[2].ns - a[1].ns);
    assert!(first >= 200_000_000, "first retry after {first} ns");
    assert!(second >= 400_000_000, "second retry after {second} ns");
}

#[test]
fn timeouts_are_retried_and_errors_and_bail_outs_are_not() {
    let s = Suite::new();
    s.file(
        "t/slow.sh",
        "[ \"$PTEST_ATTEMPT\" -ge 2 ] || sleep 30\necho quick\n",
    )
    .executable("t/cannot-start", "#!/nonexistent/interpreter\n")
    .file(
        "t/bail.t",
        "#!/bin/sh\necho 1..2\necho ok 1\necho 'Bail out! gone'\n",
    );
    let out = run(
        &s,
        &[
            "t/slow.sh",
            "t/cannot-start",
            "--retries",
            "2",
            "--timeout",
            "1s",
            "--grace",
            "200ms",
        ],
    );
    out.expect_code(1);
    assert_eq!(text(&out.file("t/slow.sh")["verdict"]), "flaky");
    assert_eq!(attempt_verdicts(&out, "t/slow.sh"), ["timeout", "pass"]);
    assert_eq!(text(&out.file("t/cannot-start")["verdict"]), "error");
    assert_eq!(out.file("t/cannot-start")["attempts"], 1);

    let out = run(&s, &["t/bail.t", "--retries", "2"]);
    out.expect_code(1);
    assert_eq!(
        out.file("t/bail.t")["attempts"],
        1,
        "a bail-out stops the run"
    );
}

#[test]
fn dependents_wait_for_the_last_attempt() {
    let s = Suite::new();
    s.logged("t/a.sh", &fails_until(2))
        .logged("t/b.sh", "")
        .config("[[override]]\npattern = \"t/b.sh\"\ndepends-on = [\"t/a.sh\"]\n");
    let out = run(&s, &["t", "--retries", "1", "-j", "2"]);
    out.expect_code(0);
    let timeline = s.timeline();
    let a_end = ends(&timeline, "t/a.sh");
    let b = starts(&timeline, "t/b.sh");
    assert_eq!((a_end.len(), b.len()), (1, 1), "{timeline:?}");
    assert!(
        position(&timeline, a_end[0]) < position(&timeline, b[0]),
        "b starts after a's passing attempt: {timeline:?}"
    );

    // Failing on every attempt: the dependent is skipped, once.
    s.file("t/a.sh", "exit 1\n");
    let out = run(&s, &["t", "--retries", "1", "-j", "2"]);
    out.expect_code(1);
    assert_eq!(text(&out.file("t/b.sh")["verdict"]), "skip");
    assert_eq!(out.file("t/a.sh")["attempts"], 2);
}

#[test]
fn fail_fast_counts_only_final_failures() {
    let s = Suite::new();
    s.file("t/a.sh", &fails_until(2)).file("t/b.sh", "exit 0\n");
    let out = run(
        &s,
        &[
            "t",
            "--retries",
            "1",
            "--fail-fast",
            "-j",
            "1",
            "--order",
            "lexical",
        ],
    );
    out.expect_code(0);
    assert_eq!(
        out.verdicts(),
        [
            ("t/a.sh".to_string(), "flaky".to_string()),
            ("t/b.sh".to_string(), "pass".to_string())
        ]
    );
}

#[test]
fn tap_files_name_the_tests_that_flipped() {
    let s = Suite::new();
    s.file(
        "t/flip.t",
        "#!/bin/sh\necho 1..2\necho 'ok 1 - steady'\n[ \"$PTEST_ATTEMPT\" = 1 ] && echo 'not ok 2 - flips' || echo 'ok 2 - flips'\n",
    );
    let out = run(&s, &["t", "--retries", "1"]);
    out.expect_code(0);
    let f = out.file("t/flip.t");
    assert_eq!(f["flipped"], serde_json::json!(["flips"]));
    assert_eq!(
        text(&f["attempt_results"][0]["failed_cases"][0]["name"]),
        "flips"
    );
    assert_eq!(out.summary()["totals"]["tests"]["flaky"], 1);
    assert!(out.stdout.contains("flipped: flips"), "{}", out.describe());
    assert!(
        out.stdout.contains("1 flaky (1 test)"),
        "{}",
        out.describe()
    );
}

#[test]
fn explain_shows_the_retry_settings_and_their_sources() {
    let s = Suite::new();
    s.file("t/a.sh", "exit 0\n")
        .config("[run]\nretries = 2\nretry-backoff = \"exponential\"\n");
    let out = s
        .ptest(&["t", "--list", "--explain", "--retry-delay", "1s"])
        .env("PTEST_FLAKY_FAIL", "true")
        .run();
    out.expect_code(0);
    for want in [
        "retries",
        "ptest.toml:2 [run]",
        "retry-delay",
        "command line",
        "exponential",
        "flaky-result",
        "environment PTEST_FLAKY_FAIL",
        "retry-max-delay",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.describe());
    }
}

#[test]
fn merge_keeps_the_attempts_and_reads_version_2() {
    let s = Suite::new();
    s.file("t/flaky.sh", &fails_until(2));
    let out = run(&s, &["t", "--retries", "1"]);
    out.expect_code(0);
    let shard = keep_summary(&s, "shard.json");
    let merged = s.meta().join("merged.json");
    let m = s.run(&[
        "merge",
        shard.to_str().unwrap(),
        "--json",
        merged.to_str().unwrap(),
    ]);
    m.expect_code(0);
    let back: Value = serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    assert_eq!(back["version"], 3);
    assert_eq!(back["totals"]["files"]["flaky"], 1);
    assert_eq!(
        back["files"][0]["attempt_results"],
        out.file("t/flaky.sh")["attempt_results"]
    );

    // A version-2 summary (no attempts) still merges.
    let v2 = include_str!("../data/summary-v2.json").replace("\"version\": 3", "\"version\": 2");
    let old = s.meta().join("old.json");
    std::fs::write(&old, v2).unwrap();
    let m = s.run(&[
        "merge",
        old.to_str().unwrap(),
        "--json",
        merged.to_str().unwrap(),
    ]);
    // Read and merged: exit 2 only because shards 1, 3 and 4 are missing.
    m.expect_code(2);
    assert!(!m.output().contains("cannot read"), "{}", m.describe());
    let back: Value = serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    assert_eq!(back["totals"]["files"]["flaky"], 0);
    assert_eq!(back["totals"]["files"]["failed"], 1);
}

#[test]
fn merge_with_flaky_fail_fails() {
    let s = Suite::new();
    s.file("t/flaky.sh", &fails_until(2));
    run(&s, &["t", "--retries", "1", "--flaky-fail"]).expect_code(1);
    let shard = keep_summary(&s, "shard.json");
    let m = s.run(&["merge", shard.to_str().unwrap()]);
    m.expect_code(1);
}

#[test]
fn a_pass_after_a_retry_is_a_flip_in_report_flaky() {
    let s = Suite::new();
    s.file("t/flaky.sh", &fails_until(2))
        .file("t/broken.sh", "exit 1\n")
        .file("t/ok.sh", "exit 0\n");
    for _ in 0..2 {
        s.run(&["t", "--retries", "2", "--color", "never"])
            .expect_code(1);
    }
    let history = s.json(".ptest/history.json");
    let runs = &history["files"]["t/flaky.sh"]["runs"];
    assert_eq!(runs[0]["attempts"], serde_json::json!(["fail", "pass"]));
    let report = s.run(&["report", "flaky", "--json"]);
    report.expect_code(0);
    let json: Value = serde_json::from_str(&report.stdout).expect("JSON");
    let files: Vec<(String, u64)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (text(&f["file"]), f["attempts_needed"].as_u64().unwrap_or(1)))
        .collect();
    assert_eq!(
        files,
        [("t/flaky.sh".to_string(), 2)],
        "broken is not flaky"
    );
    let table = s.run(&["report", "flaky"]);
    assert!(table.stdout.contains("TRIES"), "{}", table.describe());
}

/// What junitparser reads: per suite, per case, the Surefire elements
/// (tag, attributes, system-out, system-err, stackTrace).
const READER: &str = r#"
import json, sys
import junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
out = {}
TAGS = ("flakyFailure", "flakyError", "rerunFailure", "rerunError")
for suite in xml:
    for case in suite:
        runs = []
        for e in case._elem:
            if e.tag in TAGS:
                child = lambda t: next((g.text for g in e if g.tag == t), None)
                runs.append({"tag": e.tag, "message": e.get("message"), "type": e.get("type"),
                             "out": child("system-out"), "err": child("system-err"),
                             "stack": child("stackTrace")})
        out[suite.name + "::" + case.name] = {
            "passed": case.is_passed,
            "results": [type(r).__name__ for r in case.result],
            "runs": runs,
        }
print(json.dumps(out))
"#;

fn read_junit(path: &std::path::Path) -> Value {
    let out = Command::new("python3")
        .args(["-c", READER])
        .arg(path)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "junitparser (pip install junitparser): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn junit_has_surefire_flaky_and_rerun_elements_with_each_attempts_output() {
    let s = Suite::new();
    s.file(
        "t/flip.t",
        "#!/bin/sh\necho 1..2\necho 'ok 1 - steady'\nif [ \"$PTEST_ATTEMPT\" = 1 ]; then echo 'not ok 2 - flips'; echo '# cold cache'; else echo 'ok 2 - flips'; fi\n",
    )
    .file(
        "t/broken.sh",
        "echo \"err $PTEST_ATTEMPT\" >&2\nexit 1\n",
    )
    .file(
        "t/slow.sh",
        "[ \"$PTEST_ATTEMPT\" -ge 2 ] || { echo 'about to hang'; sleep 30; }\n",
    );
    let out = run(
        &s,
        &["t", "--retries", "2", "--timeout", "1s", "--grace", "200ms"],
    );
    out.expect_code(1);
    let got = read_junit(&s.meta().join("junit.xml"));

    let flip = &got["t/flip.t::flips"];
    assert_eq!(flip["passed"], true, "{got:#}");
    assert_eq!(flip["runs"].as_array().unwrap().len(), 1);
    let run = &flip["runs"][0];
    assert_eq!(run["tag"], "flakyFailure");
    assert_eq!(run["message"], "not ok 2 - flips");
    assert_eq!(run["type"], "tap");
    assert!(text(&run["out"]).contains("not ok 2 - flips"), "{run}");
    assert!(text(&run["stack"]).contains("cold cache"), "{run}");
    assert_eq!(got["t/flip.t::steady"]["runs"], serde_json::json!([]));

    let broken = &got["t/broken.sh::t/broken.sh"];
    assert_eq!(broken["results"], serde_json::json!(["Failure"]));
    let reruns = broken["runs"].as_array().unwrap();
    assert_eq!(reruns.len(), 2, "{broken}");
    for (i, r) in reruns.iter().enumerate() {
        assert_eq!(r["tag"], "rerunFailure");
        assert_eq!(r["type"], "exit-code");
        assert_eq!(r["message"], "exited with status 1");
        assert_eq!(text(&r["err"]), format!("err {}\n", i + 1));
    }

    let slow = &got["t/slow.sh::t/slow.sh"];
    assert_eq!(slow["passed"], true, "{got:#}");
    assert_eq!(slow["runs"][0]["tag"], "flakyError");
    assert_eq!(slow["runs"][0]["type"], "timeout");
    assert!(text(&slow["runs"][0]["message"]).contains("timed out"));
    assert_eq!(text(&slow["runs"][0]["out"]), "about to hang\n");
}

/// A fixed summary of a FLAKY TAP file with two attempts, written by the
/// library, must equal `tests/data/summary-v3-attempts.json` (the
/// attempts' schema, as the README documents it) and read back the same.
#[test]
fn the_attempts_schema_equals_the_fixed_file() {
    use ptest::aggregate::flaky::add_attempt;
    use ptest::outcome::ChildStatus;
    use ptest::outcome::{UnitSummary, Verdict};
    use ptest::parse::{CaseResult, CaseStatus, Protocol};
    use ptest::testing::SummaryFixture;
    use std::time::Duration;

    let attempt = |n: u32, status: CaseStatus| {
        let mut f = UnitSummary::not_run("t/cache.t".into(), "t/cache.t".into(), "");
        f.verdict = match status {
            CaseStatus::Fail => Verdict::Fail,
            _ => Verdict::Pass,
        };
        f.reasons = match status {
            CaseStatus::Fail => vec!["failed test 1".into()],
            _ => Vec::new(),
        };
        f.protocol = Some(Protocol::Tap);
        f.status = Some(ChildStatus::Exited {
            code: i32::from(status == CaseStatus::Fail),
        });
        f.duration = Some(Duration::from_millis(u64::from(n) * 5));
        f.started_at = Some(1_795_410_233.0 + f64::from(n));
        f.worker = Some(n as usize - 1);
        f.attempts = n;
        f.cpu = Some(Duration::from_millis(4));
        f.max_rss = Some(1 << 20);
        f.cases = vec![CaseResult {
            number: Some(1),
            name: "reads the cache".into(),
            status,
            reason: None,
            diagnostics: String::new(),
            line: (status == CaseStatus::Fail).then(|| "not ok 1 - reads the cache".into()),
            duration: None,
            ..Default::default()
        }];
        if status == CaseStatus::Fail {
            f.stdout_log = Some(".ptest/runs/r/logs/t%2Fcache.t.1.stdout".into());
            f.stdout_tail = "1..1\nnot ok 1 - reads the cache\n".into();
        }
        f
    };
    let file = add_attempt(attempt(1, CaseStatus::Fail), attempt(2, CaseStatus::Pass));
    let summary = SummaryFixture::new(vec![file])
        .run_id("1795410233128-6218")
        .build();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    ptest::report::json::write_summary(&summary, &path).unwrap();
    let got: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let want: Value =
        serde_json::from_str(include_str!("../data/summary-v3-attempts.json")).unwrap();
    assert_eq!(got, want, "got:\n{got:#}");
    assert_eq!(ptest::report::json::read_summary(&path).unwrap(), summary);
}

#[test]
fn ctrl_c_drops_a_retry_waiting_for_its_delay_and_retries_nothing_it_stops() {
    use crate::common::wait_for_path;
    use std::time::{Duration, Instant};
    let s = Suite::new();
    // a fails at once and waits 60s for its retry; b hangs until stopped.
    s.file(
        "t/a.sh",
        &format!("touch '{}/a.failed'\nexit 1\n", s.meta().display()),
    )
    .file(
        "t/b.sh",
        &format!("touch '{}/b.started'\nsleep 300\n", s.meta().display()),
    );
    let running = s
        .ptest(&[
            "t",
            "-j",
            "2",
            "--retries",
            "2",
            "--retry-delay",
            "60s",
            "--grace",
            "200ms",
            "--no-history",
        ])
        .reports()
        .spawn();
    for f in ["a.failed", "b.started"] {
        if !wait_for_path(&s.meta().join(f), Duration::from_secs(20)) {
            running.signal(libc::SIGKILL);
            panic!("{f} never written: {}", running.wait().describe());
        }
    }
    // Let the dispatcher see a's end before the signal.
    std::thread::sleep(Duration::from_millis(300));
    running.signal(libc::SIGINT);
    let sent = Instant::now();
    let run = running.wait();
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "{}",
        run.describe()
    );
    run.expect_code(130);
    assert_eq!(
        run.verdicts(),
        [
            ("t/a.sh".to_string(), "fail".to_string()),
            ("t/b.sh".to_string(), "interrupted".to_string())
        ],
        "a keeps its failed attempt, not NOT RUN"
    );
    assert_eq!(run.file("t/a.sh")["attempts"], 1);
    assert_eq!(
        run.file("t/b.sh")["attempts"],
        1,
        "an interrupted file is not retried"
    );
}

#[test]
fn the_bound_counts_every_attempt_of_a_retried_file() {
    let s = Suite::new();
    // A slow failing first attempt, a quick passing second one.
    s.file(
        "t/slow-then-quick.sh",
        "[ \"$PTEST_ATTEMPT\" -ge 2 ] && exit 0\nsleep 1\nexit 1\n",
    )
    .file("t/ok.sh", "exit 0\n");
    let out = run(&s, &["t", "--retries", "1", "-j", "2"]);
    out.expect_code(0);
    let bound = out
        .stdout
        .lines()
        .find(|l| l.starts_with("Bound:"))
        .unwrap_or_else(|| panic!("no Bound line\n{}", out.describe()));
    // The file's attempts took over a second together: the bound says so,
    // and the wall time is close to it (not "50x" a few milliseconds).
    let ratio: f64 = bound
        .split("wall is ")
        .nth(1)
        .and_then(|r| r.split('x').next())
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("{bound}"));
    assert!(ratio < 2.0, "{bound}\n{}", out.describe());
}
