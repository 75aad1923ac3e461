//! The real `ptest` binary on the bundled sample suites: verdicts, exit
//! codes, and the JUnit report read back by a real consumer (junitparser).

use crate::common::{repo, text, Run, Suite};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

/// The rows of the first Markdown table in `readme` whose header starts
/// with `| file |`: each row's cells, backticks stripped.
fn table(readme: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(repo().join(readme)).expect("README");
    let mut lines = text.lines().skip_while(|l| !l.starts_with("| file |"));
    lines.next().expect("a | file | table");
    lines
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect()
        })
        .collect()
}

/// A temporary suite holding a copy of `sample-suites/NAME`, so file ids are
/// the same as from the repository root.
fn copy_of(name: &str) -> Suite {
    let s = Suite::new();
    let rel = format!("sample-suites/{name}");
    s.copy(&repo().join(&rel), &rel);
    s
}

fn run(s: &Suite, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--no-history", "--color", "never"]);
    s.ptest(&all).env("CI", "true").reports().run()
}

#[test]
fn demo_suite_matches_its_readme() {
    let s = copy_of("demo");
    let out = run(&s, &["sample-suites/demo", "-j", "8"]);
    out.expect_code(0);
    let mut want: BTreeMap<String, (String, String)> = BTreeMap::new();
    for row in table("sample-suites/demo/README.md") {
        let protocol = match row[2].as_str() {
            "TAP" => "tap",
            "exit code" => "exit-code",
            other => panic!("README protocol {other:?}"),
        };
        // The README: every file passes except windows-only.t, which skips.
        let verdict = if row[0] == "perl/windows-only.t" {
            "skip"
        } else {
            "pass"
        };
        want.insert(
            format!("sample-suites/demo/{}", row[0]),
            (verdict.to_string(), protocol.to_string()),
        );
    }
    assert_eq!(want.len(), 16, "the README's table");
    let got: BTreeMap<String, (String, String)> = out.summary()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (text(&f["id"]), (text(&f["verdict"]), text(&f["protocol"]))))
        .collect();
    assert_eq!(got, want);
    let files = &out.summary()["totals"]["files"];
    assert_eq!(
        (
            files["total"].as_u64(),
            files["passed"].as_u64(),
            files["skipped"].as_u64()
        ),
        (Some(16), Some(15), Some(1))
    );
    assert!(out.stdout.contains("Result: PASS"), "{}", out.describe());
}

#[test]
fn failure_modes_verdicts_and_junit_match_the_readme() {
    let s = copy_of("failure-modes");
    let out = run(
        &s,
        &[
            "sample-suites/failure-modes",
            "-j",
            "6",
            // Long enough for python3 and the 40 MB file on a loaded
            // machine; the two hang files take it plus the grace period.
            "--timeout",
            "10s",
            "--grace",
            "300ms",
            "--exclude",
            "bail-out.t",
        ],
    );
    out.expect_code(1);
    let summary = out.summary();
    // Every row but bail-out.t (excluded) and not-executable.dat (a test
    // only when named) is in the run, with the README's verdict.
    let want: BTreeMap<String, String> = table("sample-suites/failure-modes/README.md")
        .into_iter()
        .filter(|r| r[0] != "bail-out.t" && r[0] != "not-executable.dat")
        .map(|r| {
            (
                format!("sample-suites/failure-modes/{}", r[0]),
                r[1].to_lowercase(),
            )
        })
        .collect();
    let got: BTreeMap<String, String> = out.verdicts().into_iter().collect();
    assert_eq!(got, want);
    let count = |v: &str| want.values().filter(|w| *w == v).count() as u64;
    let files = &summary["totals"]["files"];
    for (field, verdict) in [
        ("passed", "pass"),
        ("failed", "fail"),
        ("skipped", "skip"),
        ("timed_out", "timeout"),
        ("errored", "error"),
    ] {
        assert_eq!(
            files[field].as_u64(),
            Some(count(verdict)),
            "totals.files.{field}"
        );
    }
    let xml = s.meta().join("junit.xml");
    // Every discovered file is a suite; counts per suite as junitparser reads them.
    let script = r#"
import json, sys
try:
    import junitparser
except ImportError:
    sys.exit("junitparser is not installed: run `pip install junitparser` (bash .ci/run does)")
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
out = {}
for suite in xml:
    cases = list(suite)
    out[suite.name] = {
        "tests": len(cases),
        "failures": sum(1 for c in cases for r in c.result if isinstance(r, junitparser.Failure)),
        "errors": sum(1 for c in cases for r in c.result if isinstance(r, junitparser.Error)),
        "skipped": sum(1 for c in cases for r in c.result if isinstance(r, junitparser.Skipped)),
        "names": [c.name for c in cases],
    }
print(json.dumps(out))
"#;
    let py = Command::new("python3")
        .args(["-c", script, xml.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("python3");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let suites: Value = serde_json::from_slice(&py.stdout).unwrap();
    let files = summary["files"].as_array().unwrap();
    assert_eq!(suites.as_object().unwrap().len(), files.len());
    for f in files {
        let id = f["id"].as_str().unwrap();
        let s = &suites[id];
        assert!(s.is_object(), "{id} missing from JUnit");
        let names: Vec<&str> = s["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            names.len(),
            "{id}: duplicate case names {names:?}"
        );
        let failing_cases = f["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .count() as u64;
        let n = |k: &str| s[k].as_u64().unwrap();
        assert!(
            n("tests") >= f["cases"].as_array().unwrap().len() as u64,
            "{id}: {s}"
        );
        let bad = n("failures") + n("errors");
        match f["verdict"].as_str().unwrap() {
            "pass" => assert_eq!(bad, 0, "{id}"),
            "fail" => assert!(s["failures"].as_u64().unwrap() >= 1, "{id}: {s}"),
            "timeout" | "error" => assert!(s["errors"].as_u64().unwrap() >= 1, "{id}: {s}"),
            "skip" => assert!(s["skipped"].as_u64().unwrap() >= 1, "{id}: {s}"),
            other => panic!("{id}: unexpected verdict {other}"),
        }
        // Failing TAP cases are counted one for one.
        assert!(n("failures") >= failing_cases, "{id}");
    }
}

#[test]
fn bail_out_stops_starting_files_and_reports_the_rest_as_not_run() {
    let s = copy_of("failure-modes");
    // -j 1 and lexical order: bail-out.t runs before the other files.
    let out = run(
        &s,
        &[
            "sample-suites/failure-modes/bail-out.t",
            "sample-suites/failure-modes/pass.t",
            "sample-suites/failure-modes/pass.sh",
            "-j",
            "1",
            "--order",
            "lexical",
        ],
    );
    out.expect_code(1);
    let want: Vec<(String, String)> = [
        ("sample-suites/failure-modes/bail-out.t", "fail"),
        ("sample-suites/failure-modes/pass.sh", "not-run"),
        ("sample-suites/failure-modes/pass.t", "not-run"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(out.verdicts(), want);
    assert_eq!(
        out.summary()["bail_out"]["file"],
        "sample-suites/failure-modes/bail-out.t"
    );
    assert!(out.stdout.contains("Bail out!"), "{}", out.describe());
}

#[test]
fn flaky_suite_with_retries_matches_its_readme() {
    let s = copy_of("flaky");
    let out = run(
        &s,
        &[
            "sample-suites/flaky",
            "--retries",
            "2",
            "--timeout",
            "2s",
            "--grace",
            "300ms",
            "-j",
            "4",
        ],
    );
    out.expect_code(1);
    let rows = table("sample-suites/flaky/README.md");
    assert_eq!(rows.len(), 7, "the README's table");
    let want: BTreeMap<String, (String, u64, String)> = rows
        .into_iter()
        .map(|r| {
            (
                format!("sample-suites/flaky/{}", r[0]),
                (
                    r[1].to_lowercase(),
                    r[2].parse().expect("attempts"),
                    r[3].clone(),
                ),
            )
        })
        .collect();
    let got: BTreeMap<String, (String, u64, String)> = out.summary()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let flipped: Vec<String> = f["flipped"]
                .as_array()
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default();
            let flipped = if flipped.is_empty() {
                "-".to_string()
            } else {
                flipped.join(", ")
            };
            (
                text(&f["id"]),
                (
                    text(&f["verdict"]),
                    f["attempts"].as_u64().unwrap(),
                    flipped,
                ),
            )
        })
        .collect();
    assert_eq!(got, want, "{}", out.describe());
    let totals = &out.summary()["totals"];
    assert_eq!(totals["files"]["flaky"], 4);
    assert_eq!(totals["tests"]["flaky"], 1);
    assert!(
        out.stdout.contains("FLAKY 2/3") && out.stdout.contains("FAIL 3/3"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout.contains("4 flaky (1 test)"),
        "{}",
        out.describe()
    );
}
