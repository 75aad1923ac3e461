//! Integration tests of the "JUnit XML written by the child" protocol: the
//! real `ptest` binary on temporary suites whose tests write a JUnit report
//! to `$PTEST_JUNIT_FILE`.

use crate::common::{file_in as file, Suite};
use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde_json::Value;
use std::process::Command;

fn cases(f: &Value) -> Vec<(String, String)> {
    f["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or("").to_string(),
                c["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

const MIXED_SH: &str = r#"# The path is absolute and fresh: the test may change directory first.
case "$PTEST_JUNIT_FILE" in /*) ;; *) echo "not absolute: $PTEST_JUNIT_FILE" >&2; exit 9;; esac
[ -e "$PTEST_JUNIT_FILE" ] && { echo "stale report" >&2; exit 9; }
cd /
cat > "$PTEST_JUNIT_FILE" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="mixed" tests="2" failures="1">
    <testcase classname="calc" name="adds" time="0.5"/>
    <testcase classname="calc" name="divides" time="1,234.5">
      <failure message="expected 2, got 3">trace &amp; more<![CDATA[ <raw> ]]></failure>
    </testcase>
  </testsuite>
</testsuites>
XML
# TAP on stdout is not read when the test wrote a JUnit report.
echo "1..1"
echo "ok 1 - only in TAP"
echo "something on stderr" >&2
exit 1
"#;

const REPORT_PY: &str = r#"import os, sys
import xml.etree.ElementTree as ET

path = os.environ["PTEST_JUNIT_FILE"]
if os.path.exists(path):
    sys.exit("stale report at " + path)
suites = ET.Element("testsuites")
suite = ET.SubElement(suites, "testsuite", name="report")
ET.SubElement(suite, "testcase", classname="t.report", name="test_one", time="0.01")
case = ET.SubElement(suite, "testcase", classname="t.report.TestX", name="test_two")
ET.SubElement(case, "system-out").text = "hello <world> & co"
ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
"#;

#[test]
fn tests_that_write_junit_reports() {
    let suite = Suite::new();
    let dir = suite.path();
    suite.file("t/mixed.sh", MIXED_SH);
    suite.file("t/report.py", REPORT_PY);
    suite.file(
        "t/garbage.sh",
        "printf '<testsuite><testcase name=\"x\">' > \"$PTEST_JUNIT_FILE\"\nexit 0\n",
    );
    suite.file(
        "t/skipped.sh",
        "echo '<testsuite><testcase name=\"a\"><skipped message=\"no db\"/></testcase></testsuite>' > \"$PTEST_JUNIT_FILE\"\n",
    );
    // Writes nothing (or an empty file): the exit code decides, as before.
    suite.file("t/plain.sh", ": > \"$PTEST_JUNIT_FILE\"\nexit 0\n");
    suite.file("t/tap.sh", "echo 1..2; echo ok 1; echo ok 2\n");

    let out = suite.run(&[
        "t",
        "-j",
        "3",
        "--json",
        "summary.json",
        "--junit",
        "out.xml",
    ]);
    out.expect_code(1);
    let s = suite.json("summary.json");

    let mixed = file(&s, "t/mixed.sh");
    assert_eq!(mixed["verdict"], "fail", "{mixed:#}");
    assert_eq!(mixed["protocol"], "junit");
    assert_eq!(
        mixed["reasons"],
        serde_json::json!(["failed test: calc.divides", "exited with status 1"])
    );
    assert_eq!(
        cases(mixed),
        [
            ("calc.adds".to_string(), "pass".to_string()),
            ("calc.divides".to_string(), "fail".to_string())
        ]
    );
    let divides = &mixed["cases"][1];
    assert_eq!(divides["line"], "FAIL calc.divides: expected 2, got 3");
    assert_eq!(
        divides["diagnostics"],
        "expected 2, got 3\ntrace & more <raw>"
    );
    assert_eq!(divides["duration"], 1234.5);
    assert_eq!(mixed["cases"][0]["duration"], 0.5);

    let report = file(&s, "t/report.py");
    assert_eq!(report["verdict"], "pass", "{report:#}");
    assert_eq!(report["protocol"], "junit");
    assert_eq!(
        cases(report),
        [
            ("test_one".to_string(), "pass".to_string()),
            ("TestX.test_two".to_string(), "pass".to_string())
        ]
    );

    let garbage = file(&s, "t/garbage.sh");
    assert_eq!(garbage["verdict"], "error", "{garbage:#}");
    assert_eq!(garbage["protocol"], "junit");
    let reason = garbage["reasons"][0].as_str().expect("reason");
    assert!(
        reason.starts_with(
            "cannot read JUnit report written by the test: the XML ends with 2 element(s) still open"
        ),
        "{reason}"
    );

    let skipped = file(&s, "t/skipped.sh");
    assert_eq!(skipped["verdict"], "skip", "{skipped:#}");
    assert_eq!(
        skipped["reasons"][0],
        "skipped: its only test was skipped (no db)"
    );

    let plain = file(&s, "t/plain.sh");
    assert_eq!(plain["verdict"], "pass");
    assert_eq!(plain["protocol"], "exit-code");
    let tap = file(&s, "t/tap.sh");
    assert_eq!(tap["protocol"], "tap");

    let totals = &s["totals"];
    assert_eq!(totals["files"]["failed"], 1);
    assert_eq!(totals["files"]["errored"], 1);
    assert_eq!(totals["files"]["skipped"], 1);
    assert_eq!(totals["files"]["passed"], 3);

    // Reports of files that may have failed are kept next to the logs; those
    // of passing files are removed.
    let run_id = s["run_id"].as_str().expect("run_id");
    let junit_dir = dir.join(".ptest/runs").join(run_id).join("junit");
    let mut left: Vec<String> = std::fs::read_dir(&junit_dir)
        .expect("junit dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["t%2Fgarbage.sh.1.xml", "t%2Fmixed.sh.1.xml"]);
    assert!(reason.contains("t%2Fgarbage.sh.1.xml"), "{reason}");

    // The console shows the failing case and the error.
    let stdout = &out.stdout;
    assert!(
        stdout.contains("FAIL calc.divides: expected 2, got 3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cannot read JUnit report written by the test"),
        "{stdout}"
    );

    // Our own JUnit output carries the per-case results.
    let xml = std::fs::read_to_string(dir.join("out.xml")).expect("out.xml");
    let r = Report::deserialize_from_str(&xml).expect("our JUnit parses");
    let suite = |id: &str| {
        r.test_suites
            .iter()
            .find(|s| s.name.as_str() == id)
            .unwrap_or_else(|| panic!("no suite {id} in {xml}"))
    };
    let m = suite("t/mixed.sh");
    assert_eq!((m.tests, m.failures, m.errors, m.skipped), (2, 1, 0, 0));
    match &m.test_cases[1].status {
        TestCaseStatus::NonSuccess {
            kind, message, ty, ..
        } => {
            assert_eq!(*kind, NonSuccessKind::Failure);
            assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("junit"));
            assert_eq!(
                message.as_ref().map(|t| t.as_str()),
                Some("FAIL calc.divides: expected 2, got 3")
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    let p = suite("t/report.py");
    assert_eq!((p.tests, p.failures, p.errors, p.skipped), (2, 0, 0, 0));
    let g = suite("t/garbage.sh");
    assert_eq!((g.tests, g.failures, g.errors, g.skipped), (1, 0, 1, 0));
    let k = suite("t/skipped.sh");
    assert_eq!((k.tests, k.failures, k.errors, k.skipped), (1, 0, 0, 1));
    assert_eq!((r.tests, r.failures, r.errors), (9, 1, 1));
}

#[test]
fn bad_exit_status_fails_even_when_every_case_passed() {
    let suite = Suite::new();
    let dir = suite.path();
    suite.file(
        "t/crash.sh",
        "echo '<testsuite><testcase name=\"a\"/></testsuite>' > \"$PTEST_JUNIT_FILE\"\nkill -SEGV $$\n",
    );
    suite.file(
        "t/exit.sh",
        "echo '<testsuite><testcase name=\"a\"/></testsuite>' > \"$PTEST_JUNIT_FILE\"\nexit 4\n",
    );
    suite.file(
        "t/empty.sh",
        "echo '<testsuites/>' > \"$PTEST_JUNIT_FILE\"\n",
    );
    let out = suite.run(&["t", "--json", "summary.json", "--keep-logs"]);
    out.expect_code(1);
    let s = suite.json("summary.json");
    let crash = file(&s, "t/crash.sh");
    assert_eq!(crash["verdict"], "fail");
    assert_eq!(crash["reasons"][0], "killed by SIGSEGV");
    let exit = file(&s, "t/exit.sh");
    assert_eq!(exit["verdict"], "fail");
    assert_eq!(exit["reasons"], serde_json::json!(["exited with status 4"]));
    assert_eq!(cases(exit), [("a".to_string(), "pass".to_string())]);
    let empty = file(&s, "t/empty.sh");
    assert_eq!(empty["verdict"], "pass");
    assert_eq!(empty["protocol"], "junit");
    assert_eq!(empty["cases"], serde_json::json!([]));
    // --keep-logs keeps every report.
    let run_id = s["run_id"].as_str().expect("run_id");
    let junit_dir = dir.join(".ptest/runs").join(run_id).join("junit");
    assert!(junit_dir.join("t%2Fempty.sh.1.xml").is_file());
}

/// pytest through `--exec`. pytest is a prerequisite (`.ci/run` installs
/// it): without it this test fails rather than passing silently.
#[test]
fn pytest_junitxml_through_exec() {
    let probe = Command::new("python3")
        .args(["-c", "import pytest"])
        .output()
        .expect("python3 runs");
    assert!(
        probe.status.success(),
        "pytest is not installed (`python3 -m pip install pytest`, or run bash .ci/run): {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let suite = Suite::new();
    suite.file(
        "py/test_sample.py",
        "import pytest\n\n\
         def test_ok():\n    assert 1 + 1 == 2\n\n\
         def test_bad():\n    assert 1 + 1 == 3\n\n\
         @pytest.mark.skip(reason='not today')\ndef test_later():\n    pass\n\n\
         class TestGroup:\n    def test_inner(self):\n        pass\n",
    );
    // As the README shows it.
    let exec = r#"sh -c "exec python3 -m pytest -q --junitxml=\"\$PTEST_JUNIT_FILE\" \"\$0\"""#;
    let out = suite.run(&[
        "py/test_sample.py",
        "--exec",
        exec,
        "--json",
        "summary.json",
    ]);
    out.expect_code(1);
    let s = suite.json("summary.json");
    let f = file(&s, "py/test_sample.py");
    assert_eq!(f["protocol"], "junit", "{f:#}");
    assert_eq!(f["verdict"], "fail");
    let mut got = cases(f);
    got.sort();
    assert_eq!(
        got,
        [
            ("TestGroup.test_inner".to_string(), "pass".to_string()),
            ("test_bad".to_string(), "fail".to_string()),
            ("test_later".to_string(), "skip".to_string()),
            ("test_ok".to_string(), "pass".to_string()),
        ]
    );
    assert_eq!(f["reasons"][0], "failed test: test_bad");
}
