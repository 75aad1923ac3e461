//! The JSON summary's schema, as the README documents it: a fixed summary
//! written by the library must equal a fixed expected file (so renaming a
//! field both ways still fails), and a real run fills every field: each kind
//! of `status`, `worker`, `attempts`, `started_at`, `wall`, `jobs`, `shard`,
//! `totals.tests`, and the output tail limits (40 lines, 8 KiB).

use crate::common::{text, Suite};
use ptest::outcome::ChildStatus;
use ptest::outcome::{PartitionRecord, RunSummary, SplitKind, UnitSummary, Verdict};
use ptest::outcome::{RepeatReport, RepeatRow};
use ptest::parse::{CaseResult, CaseStatus, Protocol};
use ptest::testing::SummaryFixture;
use serde_json::Value;
use std::time::Duration;

fn fixed_summary() -> RunSummary {
    let mut f = UnitSummary::not_run("t/a.t".into(), "t/a.t".into(), "");
    f.verdict = Verdict::Fail;
    f.reasons = vec!["failed test 2".into()];
    f.protocol = Some(Protocol::Tap);
    f.status = Some(ChildStatus::Exited { code: 1 });
    f.duration = Some(Duration::from_millis(12));
    f.started_at = Some(1_795_410_233.25);
    f.worker = Some(3);
    f.attempts = 1;
    f.leaked = 1;
    f.cases = vec![
        CaseResult {
            number: Some(1),
            name: "first".into(),
            status: CaseStatus::Skip,
            reason: Some("no db".into()),
            diagnostics: String::new(),
            line: None,
            duration: None,
            ..Default::default()
        },
        CaseResult {
            number: Some(2),
            name: "second".into(),
            status: CaseStatus::Fail,
            reason: None,
            diagnostics: "  at t/a.t line 5.".into(),
            line: Some("not ok 2 - second".into()),
            duration: Some(Duration::from_millis(5)),
            ..Default::default()
        },
    ];
    f.stdout_log = Some(".ptest/runs/r/logs/t%2Fa.t.1.stdout".into());
    f.suite = Some("t".into());
    f.stdout_tail = "not ok 2 - second\n".into();
    f.stderr_tail = "oops\n".into();
    f.quarantined_tests = vec!["second".into()];
    f.iteration = Some(2);
    let mut not_run = UnitSummary::not_run("t/b.t".into(), "t/b.t".into(), "not run");
    not_run.quarantined = true;
    let summary = SummaryFixture::new(vec![f, not_run])
        .run_id("1795410233128-6218")
        .jobs(8)
        .wall(Duration::from_millis(4020))
        .shard(Some("2/4"))
        .partition(PartitionRecord {
            fingerprint: "0123456789ab".into(),
            split: SplitKind::Duration,
            shards: vec![
                vec!["t/x.t".into()],
                vec!["t/a.t".into(), "t/b.t".into()],
                vec![],
                vec!["t/c.t".into()],
            ],
        })
        .bail_out("t/db.t", "database went away")
        .build();
    RunSummary {
        repeat: Some(RepeatReport {
            planned: 3,
            iterations: 2,
            until_fail: true,
            files: vec![RepeatRow {
                file: "t/a.t".into(),
                runs: 2,
                failures: 1,
                failure_rate: 0.5,
                failed_iterations: vec![2],
                min: Some(Duration::from_millis(10)),
                median: Some(Duration::from_millis(11)),
                max: Some(Duration::from_millis(12)),
            }],
        }),
        ..summary
    }
}

#[test]
fn written_summary_equals_the_fixed_schema_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    ptest::report::json::write_summary(&fixed_summary(), &path).unwrap();
    let got: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let want: Value = serde_json::from_str(include_str!("../../data/summary-v2.json")).unwrap();
    assert_eq!(got, want, "got:\n{got:#}");
    // And it reads back to the same summary.
    assert_eq!(
        ptest::report::json::read_summary(&path).unwrap(),
        fixed_summary()
    );
}

#[test]
fn a_real_run_fills_every_field() {
    let s = Suite::new();
    s.file("tests/exited.sh", "exit 2\n")
        .file("tests/signaled.sh", "kill -9 $$\n")
        .file("tests/hang.sh", "exec sleep 300\n")
        .executable("tests/spawn", "#!/no/such/interpreter\n")
        .file(
            "tests/many-lines.sh",
            "i=0; while [ $i -lt 100 ]; do echo line $i; i=$((i+1)); done; exit 1\n",
        )
        .file(
            "tests/long-lines.sh",
            "i=0; while [ $i -lt 10 ]; do printf '%02000d\\n' $i; i=$((i+1)); done >&2; exit 1\n",
        )
        .file(
            "tests/tap.t",
            "print qq{1..3\\nok 1\\nok 2 # SKIP x\\nnot ok 3 # TODO y\\n};\n",
        );
    let run = s
        .ptest(&[
            "tests",
            "-j",
            "3",
            "--timeout",
            "2s",
            "--grace",
            "100ms",
            "--shard",
            "1/1",
        ])
        .reports()
        .run();
    run.expect_code(1);
    let sum = run.summary();
    assert_eq!(sum["version"], 3);
    assert_eq!(sum["jobs"], 3);
    assert_eq!(sum["shard"], "1/1");
    // One shard of one: every file is planned on it.
    assert_eq!(sum["partition"]["shards"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        sum["partition"]["shards"][0].as_array().map(Vec::len),
        Some(7),
        "{sum:#}"
    );
    assert_eq!(text(&sum["partition"]["fingerprint"]).len(), 12, "{sum:#}");
    assert_eq!(sum["interrupted"], false);
    assert!(sum["wall"].as_f64().is_some_and(|w| w > 0.0), "{sum:#}");
    assert!(text(&sum["started_at"]).ends_with('Z'), "{sum:#}");
    let status = |id: &str| run.file(id)["status"].clone();
    assert_eq!(
        status("tests/exited.sh"),
        serde_json::json!({"kind": "exited", "code": 2})
    );
    assert_eq!(
        status("tests/signaled.sh"),
        serde_json::json!({"kind": "signaled", "signal": 9, "name": "SIGKILL"})
    );
    assert_eq!(status("tests/hang.sh")["kind"], "timed-out");
    assert_eq!(status("tests/hang.sh")["after"], 2.0);
    assert_eq!(status("tests/spawn")["kind"], "spawn-failed");
    assert!(text(&status("tests/spawn")["reason"]).contains("/no/such/interpreter"));
    for f in sum["files"].as_array().unwrap() {
        assert_eq!(f["attempts"], 1, "{f:#}");
        assert!(f["worker"].as_u64().is_some_and(|w| w < 3), "{f:#}");
        assert!(f["started_at"].as_f64().is_some_and(|t| t > 1.0e9), "{f:#}");
        assert!(f["duration"].as_f64().is_some(), "{f:#}");
    }
    let t = &sum["totals"]["tests"];
    // tap.t: pass, skip, todo; four failing exit-code files one case each;
    // the timed-out and unstartable files have none and count as one
    // failed test each (issue 15: every unit in every report; they were
    // left out before).
    assert_eq!(t["total"], 9, "{t}");
    assert_eq!(t["failed"], 6, "{t}");
    assert_eq!(
        (
            t["passed"].as_u64(),
            t["skipped"].as_u64(),
            t["todo"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{t}"
    );
    // Tails: the last 40 lines, at most 8 KiB.
    let many = text(&run.file("tests/many-lines.sh")["stdout_tail"]);
    let want: String = std::iter::once("[… earlier output omitted …]\n".to_string())
        .chain((60..100).map(|i| format!("line {i}\n")))
        .collect();
    assert_eq!(many, want);
    let long = text(&run.file("tests/long-lines.sh")["stderr_tail"]);
    assert!(
        long.len() <= 8192 + 64 && long.len() > 6000,
        "{} bytes",
        long.len()
    );
    assert!(
        long.starts_with("[… earlier output omitted …]\n"),
        "{long:.80}"
    );
    assert!(long.ends_with(&format!("{:02000}\n", 9)));
}
