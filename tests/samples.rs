//! The real `ptest` binary on the bundled sample suites: verdicts, exit
//! codes, and the JUnit report read back by a real consumer (junitparser).

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ptest(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ptest"))
        .args(args)
        .args(["--no-history", "--color", "never"])
        .current_dir(root())
        .env("CI", "true")
        .output()
        .expect("run ptest")
}

#[test]
fn demo_suite_passes() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("demo.json");
    let out = ptest(&[
        "sample-suites/demo",
        "-j",
        "8",
        "--json",
        json.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let files = summary["files"].as_array().unwrap();
    assert!(files.len() >= 12, "{}", files.len());
    assert!(files
        .iter()
        .all(|f| f["verdict"] == "pass" || f["verdict"] == "skip"));
    assert!(stdout.contains("Result: PASS"), "{stdout}");
}

#[test]
fn failure_modes_junit_matches_summary_per_suite() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("fm.json");
    let xml = dir.path().join("fm.xml");
    let out = ptest(&[
        "sample-suites/failure-modes",
        "-j",
        "8",
        "--timeout",
        "1s",
        "--grace",
        "300ms",
        "--exclude",
        "bail-out.t",
        "--json",
        json.to_str().unwrap(),
        "--junit",
        xml.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();

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
        let bad = s["failures"].as_u64().unwrap() + s["errors"].as_u64().unwrap();
        match f["verdict"].as_str().unwrap() {
            "pass" => assert_eq!(bad, 0, "{id}"),
            "fail" => assert!(s["failures"].as_u64().unwrap() >= 1, "{id}: {s}"),
            "timeout" | "error" => assert!(s["errors"].as_u64().unwrap() >= 1, "{id}: {s}"),
            "skip" => assert!(s["skipped"].as_u64().unwrap() >= 1, "{id}: {s}"),
            other => panic!("{id}: unexpected verdict {other}"),
        }
        // Failing TAP cases are counted one for one.
        let failing_cases = f["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .count() as u64;
        assert!(s["failures"].as_u64().unwrap() >= failing_cases, "{id}");
    }
}

#[test]
fn bail_out_stops_starting_files_and_reports_the_rest_as_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bail.json");
    // -j 1 and lexical order: bail-out.t runs before the other files.
    let out = ptest(&[
        "sample-suites/failure-modes/bail-out.t",
        "sample-suites/failure-modes/pass.t",
        "sample-suites/failure-modes/pass.sh",
        "-j",
        "1",
        "--order",
        "lexical",
        "--json",
        json.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let verdict = |id: &str| {
        summary["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .map(|f| f["verdict"].as_str().unwrap().to_string())
    };
    assert_eq!(
        verdict("sample-suites/failure-modes/bail-out.t").as_deref(),
        Some("fail")
    );
    assert_eq!(
        verdict("sample-suites/failure-modes/pass.sh").as_deref(),
        Some("not-run")
    );
    assert_eq!(
        verdict("sample-suites/failure-modes/pass.t").as_deref(),
        Some("not-run")
    );
    assert_eq!(
        summary["bail_out"]["file"],
        "sample-suites/failure-modes/bail-out.t"
    );
    assert!(stdout.contains("Bail out!"), "{stdout}");
}
