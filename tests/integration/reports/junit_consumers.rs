//! The JUnit report as a real consumer reads it.
//!
//! Writes the report of a summary that has every kind of file in it and reads
//! it back with Python's `junitparser` (on top of the standard library's
//! expat parser, which rejects characters that are not allowed in XML). The
//! per-suite counts it sees must be the ones ptest computed and the ones the
//! mapping promises.
//!
//! Needs `python3` with `junitparser` (`pip install junitparser`); the test
//! fails, rather than passes silently, when it is missing.

use ptest::outcome::ChildStatus;
use ptest::outcome::{RunSummary, UnitSummary, Verdict};
use ptest::parse::{CaseResult, CaseStatus, Protocol};
use ptest::report::junit::{junit_report, write_junit, FILE_CASE_NAME};
use ptest::testing::{case, SummaryFixture};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn file(id: &str, verdict: Verdict, reasons: &[&str], cases: Vec<CaseResult>) -> UnitSummary {
    let mut f = UnitSummary::not_run(id.into(), id.into(), "");
    f.verdict = verdict;
    f.reasons = reasons.iter().map(|r| r.to_string()).collect();
    f.protocol = Some(Protocol::Tap);
    f.status = Some(ChildStatus::Exited { code: 0 });
    f.duration = Some(Duration::from_millis(750));
    f.started_at = Some(1_795_409_198.5);
    f.worker = Some(0);
    f.attempts = 1;
    f.cases = cases;
    f
}

fn exit_code_file(id: &str, verdict: Verdict, status: CaseStatus, reason: &str) -> UnitSummary {
    let mut f = file(
        id,
        verdict,
        &[reason],
        vec![CaseResult {
            number: None,
            name: id.to_string(),
            status,
            reason: (status == CaseStatus::Skip).then(|| reason.to_string()),
            diagnostics: String::new(),
            line: None,
            duration: Some(Duration::from_millis(750)),
            ..Default::default()
        }],
    );
    f.protocol = Some(Protocol::ExitCode);
    f
}

/// One file of each kind, with expected (tests, failures, errors, skipped).
fn mixed() -> (RunSummary, Vec<(&'static str, [usize; 4])>) {
    let mut files = Vec::new();
    let mut expected = Vec::new();

    files.push(file(
        "t/01-pass.t",
        Verdict::Pass,
        &[],
        vec![
            case(1, "loads", CaseStatus::Pass),
            case(2, "works", CaseStatus::Pass),
            case(3, "lucky todo", CaseStatus::TodoPass),
        ],
    ));
    expected.push(("t/01-pass.t", [3, 0, 0, 0]));

    let mut failing = file(
        "t/02-fail.t",
        Verdict::Fail,
        &["failed tests 2, 4", "exited with status 2"],
        vec![
            case(1, "ok", CaseStatus::Pass),
            CaseResult {
                diagnostics: "  ---\n  got: 1\n  expected: 2\n  ...".into(),
                ..case(2, "adds", CaseStatus::Fail)
            },
            CaseResult {
                reason: Some("no network".into()),
                ..case(3, "fetches", CaseStatus::Skip)
            },
            case(4, "", CaseStatus::Fail),
            CaseResult {
                reason: Some("later".into()),
                ..case(5, "todo", CaseStatus::TodoFail)
            },
        ],
    );
    failing.status = Some(ChildStatus::Exited { code: 2 });
    failing.stderr_tail = "#   Failed test 'adds'\n#   at t/02-fail.t line 9.\n".into();
    files.push(failing);
    expected.push(("t/02-fail.t", [5, 2, 0, 2]));

    let mut exit_fail = exit_code_file(
        "tests/03-exit.sh",
        Verdict::Fail,
        CaseStatus::Fail,
        "exited with status 1",
    );
    exit_fail.status = Some(ChildStatus::Exited { code: 1 });
    exit_fail.stdout_tail = "checking\nFAILED: 3 != 4\n".into();
    files.push(exit_fail);
    expected.push(("tests/03-exit.sh", [1, 1, 0, 0]));

    files.push(exit_code_file(
        "tests/04-skip77.sh",
        Verdict::Skip,
        CaseStatus::Skip,
        "skipped: exited with status 77",
    ));
    expected.push(("tests/04-skip77.sh", [1, 0, 0, 1]));

    let mut timeout = file(
        "t/05-hang.t",
        Verdict::Timeout,
        &["timed out after 10s"],
        vec![
            case(1, "starts", CaseStatus::Pass),
            case(2, "bad", CaseStatus::Fail),
        ],
    );
    timeout.status = Some(ChildStatus::TimedOut {
        after: Duration::from_secs(10),
    });
    files.push(timeout);
    expected.push(("t/05-hang.t", [3, 1, 1, 0]));

    let mut error = file(
        "t/06-noexec.t",
        Verdict::Error,
        &["cannot start: permission denied (os error 13)"],
        vec![],
    );
    error.status = Some(ChildStatus::SpawnFailed {
        reason: "permission denied (os error 13)".into(),
    });
    files.push(error);
    expected.push(("t/06-noexec.t", [1, 0, 1, 0]));

    files.push(UnitSummary::not_run(
        "t/07-notrun.t".into(),
        "t/07-notrun.t".into(),
        "not run: an earlier file bailed out",
    ));
    expected.push(("t/07-notrun.t", [1, 0, 0, 1]));

    files.push(file(
        "t/08-skipall.t",
        Verdict::Skip,
        &["skipped: needs a GPU"],
        vec![],
    ));
    expected.push(("t/08-skipall.t", [1, 0, 0, 1]));

    let mut noplan = file(
        "t/09-noplan.t",
        Verdict::Fail,
        &["no plan", "killed by SIGSEGV"],
        vec![case(1, "first", CaseStatus::Pass)],
    );
    noplan.status = Some(ChildStatus::Signaled {
        signal: 11,
        name: "SIGSEGV".into(),
    });
    files.push(noplan);
    expected.push(("t/09-noplan.t", [2, 1, 0, 0]));

    files.push(file(
        "t/10-dups.t",
        Verdict::Pass,
        &[],
        vec![
            case(1, "same", CaseStatus::Pass),
            case(2, "same", CaseStatus::Pass),
            case(3, "same", CaseStatus::Skip),
            case(4, FILE_CASE_NAME, CaseStatus::Pass),
        ],
    ));
    expected.push(("t/10-dups.t", [4, 0, 0, 1]));

    let nasty = "\x1b[31mred\x1b[0m nul[\0] bell[\x07] ff[\x0c] nonchar[\u{fffe}\u{ffff}] \
                 osc[\x1b]0;title\x07] tab[\t]\r\nend\n";
    let mut control = file(
        "t/11-control.t",
        Verdict::Fail,
        &["failed test 1"],
        vec![CaseResult {
            diagnostics: nasty.into(),
            ..case(1, "name with \x01 control", CaseStatus::Fail)
        }],
    );
    control.stdout_tail = nasty.into();
    control.stderr_tail = nasty.into();
    files.push(control);
    expected.push(("t/11-control.t", [1, 1, 0, 0]));

    let summary = SummaryFixture::new(files)
        .run_id("consumers")
        .jobs(3)
        .wall(Duration::from_millis(12_345))
        .build();
    (summary, expected)
}

/// Reads the report with junitparser and prints what it saw as JSON.
const READER: &str = r#"
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped

xml = JUnitXml.fromfile(sys.argv[1])
out = {"root": {k: int(xml._elem.get(k)) for k in ("tests", "failures", "errors", "skipped")},
       "name": xml._elem.get("name"), "suites": []}
for suite in xml:
    counted = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    cases = []
    for case in suite:
        counted["tests"] += 1
        kinds = []
        for r in case.result:
            if isinstance(r, Failure):
                counted["failures"] += 1; kinds.append("failure")
            elif isinstance(r, Error):
                counted["errors"] += 1; kinds.append("error")
            elif isinstance(r, Skipped):
                counted["skipped"] += 1; kinds.append("skipped")
        cases.append({
            "name": case.name,
            "classname": case.classname,
            "file": case._elem.get("file"),
            "kinds": kinds,
            "messages": [r.message for r in case.result],
            "types": [r.type for r in case.result],
            "texts": [r.text for r in case.result],
            "system_out": case.system_out,
            "system_err": case.system_err,
        })
    out["suites"].append({
        "name": suite.name,
        "file": suite._elem.get("file"),
        "timestamp": suite.timestamp,
        "attrs": {"tests": suite.tests, "failures": suite.failures,
                  "errors": suite.errors, "skipped": suite.skipped},
        "counted": counted,
        "cases": cases,
    })
print(json.dumps(out))
"#;

fn require_junitparser() {
    let probe = Command::new("python3")
        .args(["-c", "import junitparser"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "python3 cannot import junitparser, which this test needs to read the JUnit report \
             as CI tools do: run `pip install junitparser`\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "cannot run python3 ({e}); this test needs python3 with junitparser \
             (`pip install junitparser`)"
        ),
    }
}

fn read_with_junitparser(path: &Path) -> Value {
    let out = Command::new("python3")
        .arg("-c")
        .arg(READER)
        .arg(path)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "junitparser could not read {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reader prints JSON")
}

fn counts(v: &Value) -> [usize; 4] {
    ["tests", "failures", "errors", "skipped"].map(|k| {
        v[k].as_u64()
            .unwrap_or_else(|| panic!("{k} missing in {v}")) as usize
    })
}

#[test]
fn junitparser_sees_what_ptest_computed() {
    require_junitparser();
    let (summary, expected) = mixed();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("reports/junit.xml");
    write_junit(&summary, &path).expect("write report");

    let seen = read_with_junitparser(&path);
    let ours = junit_report(&summary);

    assert_eq!(seen["name"], "ptest");
    let suites = seen["suites"].as_array().expect("suites");
    assert_eq!(suites.len(), summary.files.len(), "one suite per file");

    let mut total = [0usize; 4];
    for ((suite, (id, want)), built) in suites.iter().zip(&expected).zip(&ours.test_suites) {
        assert_eq!(suite["name"], *id);
        assert_eq!(suite["file"], *id, "file attribute of {id}");
        let attrs = counts(&suite["attrs"]);
        let counted = counts(&suite["counted"]);
        assert_eq!(
            counted, *want,
            "{id}: test cases as junitparser counts them"
        );
        assert_eq!(attrs, *want, "{id}: testsuite attributes");
        assert_eq!(
            [built.tests, built.failures, built.errors, built.skipped],
            *want,
            "{id}: counts in ptest's report"
        );
        for (t, n) in total.iter_mut().zip(want) {
            *t += n;
        }

        let cases = suite["cases"].as_array().expect("cases");
        let names: HashSet<&str> = cases.iter().filter_map(|c| c["name"].as_str()).collect();
        assert_eq!(
            names.len(),
            cases.len(),
            "{id}: case names must be unique: {cases:?}"
        );
        for c in cases {
            assert_eq!(c["classname"], *id);
            assert_eq!(c["file"], *id);
        }
        if *id != "t/07-notrun.t" {
            assert_eq!(suite["timestamp"], "2026-11-23T04:46:38.500Z", "{id}");
        }
    }
    assert_eq!(counts(&seen["root"]), total, "root totals");

    // Spot checks of what a reader shows.
    let case_of = |suite: usize, name: &str| -> Value {
        suites[suite]["cases"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == name).cloned())
            .unwrap_or_else(|| panic!("no case {name} in {}", suites[suite]))
    };
    let adds = case_of(1, "adds");
    assert_eq!(adds["kinds"][0], "failure");
    assert_eq!(adds["messages"][0], "not ok 2 - adds");
    assert_eq!(adds["types"][0], "tap");
    let text = adds["texts"][0].as_str().unwrap_or_default();
    assert!(
        text.contains("expected: 2") && text.contains("Failed test 'adds'"),
        "{text}"
    );
    assert!(case_of(1, "test 4")["kinds"][0] == "failure");
    assert_eq!(case_of(1, "todo")["messages"][0], "TODO: later");

    let exit = case_of(2, "tests/03-exit.sh");
    assert_eq!(exit["types"][0], "exit-code");
    assert_eq!(exit["messages"][0], "exited with status 1");
    assert!(
        exit["texts"][0]
            .as_str()
            .unwrap_or_default()
            .contains("FAILED: 3 != 4"),
        "GitLab shows only the failure text: the output must be in it: {exit}"
    );
    assert!(exit["system_out"]
        .as_str()
        .unwrap_or_default()
        .contains("FAILED: 3 != 4"));

    let hang = case_of(4, FILE_CASE_NAME);
    assert_eq!(
        (&hang["kinds"][0], &hang["types"][0]),
        (&"error".into(), &"timeout".into())
    );
    assert_eq!(case_of(5, FILE_CASE_NAME)["types"][0], "error");
    assert_eq!(
        case_of(6, FILE_CASE_NAME)["messages"][0],
        "not run: an earlier file bailed out"
    );
    assert_eq!(
        case_of(7, FILE_CASE_NAME)["messages"][0],
        "skipped: needs a GPU"
    );
    assert_eq!(
        case_of(8, FILE_CASE_NAME)["messages"][0],
        "no plan; killed by SIGSEGV"
    );
    for name in ["same", "same (2)", "same (3)", "(file) (2)"] {
        case_of(9, name);
    }

    let control = &suites[10]["cases"][0];
    assert_eq!(control["name"], "name with  control");
    let out = control["system_out"].as_str().unwrap_or_default();
    assert!(
        out.contains("red nul[] bell[] ff[] nonchar[] osc[] tab[  "),
        "{out:?}"
    );
    assert!(out.contains("\nend"), "{out:?}");
}
