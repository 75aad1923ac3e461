//! Quarantine against the real binary (issue 8, "History-based
//! detection"): where it comes from (`quarantine = true` in an override or
//! a header, the `[quarantine]` list of globs and `FILE::TEST` ids,
//! `--quarantine-flaky RATE` from the history), the exit code (quarantined
//! failures alone → 0, with a real failure → 1), the console, the JSON
//! fields, the JUnit report read back with junitparser, and `ptest merge`.

use crate::common;
use crate::common::{text, Run, Suite};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// A TAP file whose test `flips` fails and `solid` passes.
const TAP_ONE_FAILS: &str =
    "echo 1..2\necho 'not ok 1 - flips'\necho 'ok 2 - solid'\necho boom >&2\nexit 1\n";

/// A file that fails on every other run (counter in `.suite/`).
const FLIP: &str = "n=$(cat .suite/flip.count 2>/dev/null || echo 0)\necho $((n + 1)) > .suite/flip.count\n[ $((n % 2)) -eq 1 ]\n";

fn lines_with<'a>(run: &'a Run, needle: &str) -> Vec<&'a str> {
    run.stdout.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn an_override_quarantine_alone_passes_the_run_and_is_reported() {
    let s = Suite::new();
    s.config("[[override]]\npattern = \"t/net_*.sh\"\nquarantine = true\n")
        .file("t/net_down.sh", "echo no network >&2\nexit 1\n")
        .file("t/ok.sh", "exit 0\n");
    let run = s.run_reports(&["t"]);
    run.expect_code(0);
    // The verdict column is wide enough for the long label, the duration
    // stays in its column (issue 17): ids stay aligned.
    let line = lines_with(&run, "t/net_down.sh")[0];
    assert!(line.starts_with("QUARANTINED FAIL "), "{line}");
    assert!(line.contains("ms  t/net_down.sh  "), "{line}");
    let ok = lines_with(&run, "t/ok.sh")[0];
    assert_eq!(
        line.find("t/net_down.sh"),
        ok.find("t/ok.sh"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Quarantined failures (reported, not failing the run):\n  FAIL    t/net_down.sh  exited with status 1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Quarantined: 1 file failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("Result: PASS (1 quarantined failure)\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stderr.contains("not implemented"), "{}", run.stderr);
    let f = run.file("t/net_down.sh");
    assert_eq!(
        (&f["verdict"], &f["quarantined"]),
        (&"fail".into(), &true.into())
    );
    assert!(run.file("t/ok.sh").get("quarantined").is_none());
    let totals = &run.summary()["totals"];
    assert_eq!(totals["files"]["failed"], 1);
    assert_eq!(totals["files"]["quarantined"], 1);
    assert_eq!(totals["tests"]["quarantined"], 1);
}

#[test]
fn a_header_quarantine_with_a_real_failure_still_fails_the_run() {
    let s = Suite::new();
    s.file("t/flaky.sh", "# ptest: quarantine\nexit 1\n")
        .file("t/real.sh", "exit 1\n");
    let run = s.run_reports(&["t"]);
    run.expect_code(1);
    assert!(
        run.stdout
            .ends_with("Result: FAIL (1 quarantined failure)\n"),
        "{}",
        run.stdout
    );
    // Only the real failure is under "Failures:".
    let failures = run.stdout.split("Failures:\n").nth(1).unwrap_or_default();
    let failures = failures.split("\n\n").next().unwrap_or_default();
    assert!(
        failures.contains("t/real.sh") && !failures.contains("t/flaky.sh"),
        "{failures}"
    );
    assert_eq!(run.file("t/flaky.sh")["quarantined"], true);
    // ptest explain shows where the quarantine came from.
    let explain = s.run(&["explain", "t/flaky.sh"]);
    explain.expect_code(0);
    let row = explain
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("quarantine "))
        .unwrap_or_else(|| panic!("{}", explain.stdout));
    assert!(
        row.contains("true") && row.contains("header t/flaky.sh:1"),
        "{row}"
    );
}

#[test]
fn the_quarantine_list_takes_globs_and_test_ids_and_explain_names_the_entry() {
    let s = Suite::new();
    s.config(
        "[quarantine]\nfiles = [\"t/net_*.sh\"]\ntests = [\"t/db.sh::flips\", \"t/other.sh::flips\"]\n",
    )
    .file("t/net_a.sh", "exit 1\n")
    .file("t/db.sh", TAP_ONE_FAILS)
    .file("t/other.sh", "echo 1..2\necho 'not ok 1 - flips'\necho 'not ok 2 - solid'\n");
    let run = s.run_reports(&["t"]);
    // t/other.sh fails a test that is not quarantined: a real failure.
    run.expect_code(1);
    assert_eq!(run.file("t/net_a.sh")["quarantined"], true);
    let db = run.file("t/db.sh");
    assert!(db.get("quarantined").is_none(), "{db:#}");
    assert_eq!(db["quarantined_tests"], serde_json::json!(["flips"]));
    assert_eq!(db["verdict"], "fail");
    assert!(lines_with(&run, "t/db.sh")[0].starts_with("QUARANTINED FAIL "));
    assert!(lines_with(&run, "t/other.sh")[0].starts_with("FAIL "));
    let totals = &run.summary()["totals"];
    assert_eq!(totals["files"]["quarantined"], 2, "{totals}");
    // net_a (its one case), db's flips, other's flips.
    assert_eq!(totals["tests"]["quarantined"], 3, "{totals}");

    // Without the file that really fails, the run passes.
    let run = s.run_reports(&["t/net_a.sh", "t/db.sh"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .ends_with("Result: PASS (2 quarantined failures)\n"),
        "{}",
        run.stdout
    );

    let explain = s.run(&["explain", "t/db.sh", "t/net_a.sh"]);
    explain.expect_code(0);
    assert!(
        explain
            .stdout
            .contains("ptest.toml:3 [quarantine] \"t/db.sh::flips\""),
        "{}",
        explain.stdout
    );
    assert!(
        explain
            .stdout
            .contains("ptest.toml:2 [quarantine] \"t/net_*.sh\""),
        "{}",
        explain.stdout
    );
}

#[test]
fn a_bad_quarantine_entry_is_a_config_error_naming_file_and_line() {
    let s = Suite::new();
    s.config("[quarantine]\nfiles = [\n  \"t/ok.sh\",\n  \"t/[oops\",\n]\n")
        .file("t/ok.sh", "exit 0\n");
    let run = s.run(&["t"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("ptest.toml:4: invalid pattern `t/[oops`"),
        "{}",
        run.stderr
    );
    s.config("[quarantine]\ntests = [\"t/ok.sh\"]\n");
    let run = s.run(&["t"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("ptest.toml:2: `quarantine.tests`: expected a test id FILE::TEST"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_quarantined_timeout_is_excused_but_a_passing_one_is_noted() {
    let s = Suite::new();
    s.config("[quarantine]\nfiles = [\"hang.sh\", \"fine.sh\"]\n")
        .file("t/hang.sh", "exec sleep 30\n")
        .file("t/fine.sh", "exit 0\n");
    let run = s.run_reports(&["t", "--timeout", "1s", "--grace", "100ms"]);
    run.expect_code(0);
    assert!(
        lines_with(&run, "t/hang.sh")[0].starts_with("QUARANTINED TIMEOUT "),
        "{}",
        run.stdout
    );
    assert!(
        lines_with(&run, "t/fine.sh")[0].starts_with("PASS "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Quarantined but passing: t/fine.sh: consider un-quarantining"),
        "{}",
        run.stdout
    );
    assert_eq!(run.file("t/hang.sh")["verdict"], "timeout");
}

/// Reads a JUnit report with junitparser: per test case, its result kinds,
/// messages, texts and `ptest.quarantined` properties.
const READER: &str = r#"
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped

xml = JUnitXml.fromfile(sys.argv[1])
out = {"root": {k: int(xml._elem.get(k)) for k in ("tests", "failures", "errors", "skipped")}, "cases": {}}
for suite in xml:
    suite_props = {p.name: p.value for p in suite.properties()}
    for case in suite:
        props = {p.get("name"): p.get("value") for p in case._elem.iter("property")}
        kinds = []
        for r in case.result:
            kinds.append({Failure: "failure", Error: "error", Skipped: "skipped"}[type(r)])
        out["cases"][suite.name + "::" + case.name] = {
            "kinds": kinds,
            "messages": [r.message for r in case.result],
            "texts": [r.text for r in case.result],
            "quarantined": props.get("ptest.quarantined"),
            "suite_quarantined": suite_props.get("ptest.quarantined"),
        }
print(json.dumps(out))
"#;

fn read_with_junitparser(path: &Path) -> Value {
    let out = Command::new("python3")
        .arg("-c")
        .arg(READER)
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}); this test needs python3 with junitparser")
        });
    assert!(
        out.status.success(),
        "junitparser could not read {} (pip install junitparser):\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reader prints JSON")
}

#[test]
fn junitparser_sees_a_quarantined_failure_as_skipped_with_the_property() {
    let s = Suite::new();
    s.config("[quarantine]\nfiles = [\"t/net.sh\"]\ntests = [\"t/db.sh::flips\"]\n")
        .file("t/net.sh", "echo the network is down\nexit 3\n")
        .file("t/db.sh", TAP_ONE_FAILS);
    let run = s.run_reports(&["t"]);
    run.expect_code(0);
    let seen = read_with_junitparser(&s.meta().join("junit.xml"));
    // Nothing counts as failed: CI stays green.
    assert_eq!(seen["root"]["failures"], 0, "{seen:#}");
    assert_eq!(seen["root"]["errors"], 0, "{seen:#}");
    assert_eq!(seen["root"]["skipped"], 2, "{seen:#}");
    let net = &seen["cases"]["t/net.sh::t/net.sh"];
    assert_eq!(net["kinds"], serde_json::json!(["skipped"]), "{seen:#}");
    assert_eq!(
        net["messages"],
        serde_json::json!(["quarantined: exited with status 3"])
    );
    assert!(
        text(&net["texts"][0]).contains("the network is down"),
        "{net:#}"
    );
    assert_eq!(
        (&net["quarantined"], &net["suite_quarantined"]),
        (&"true".into(), &"true".into())
    );
    let flips = &seen["cases"]["t/db.sh::flips"];
    assert_eq!(flips["kinds"], serde_json::json!(["skipped"]), "{seen:#}");
    assert_eq!(
        flips["messages"],
        serde_json::json!(["quarantined: not ok 1 - flips"])
    );
    assert!(text(&flips["texts"][0]).contains("boom"), "{flips:#}");
    assert_eq!(flips["quarantined"], "true");
    assert_eq!(flips["suite_quarantined"], Value::Null);
    let solid = &seen["cases"]["t/db.sh::solid"];
    assert_eq!(
        (&solid["kinds"], &solid["quarantined"]),
        (&serde_json::json!([]), &Value::Null)
    );
}

#[test]
fn quarantine_flaky_quarantines_the_flipping_file_and_not_the_broken_one() {
    let s = Suite::new();
    s.file("t/flip.sh", FLIP)
        .file("t/broken.sh", "exit 1\n")
        .file("t/stable.sh", "exit 0\n");
    // Four recorded runs: flip.sh f p f p, broken.sh f f f f; the fifth
    // run, flip.sh fails again, quarantined.
    for _ in 0..4 {
        s.run(&["t"]).expect_code(1);
    }
    let run = s.run_reports(&["t", "--quarantine-flaky", "50%"]);
    run.expect_code(1);
    let announced: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("quarantined for this run"))
        .collect();
    assert_eq!(
        announced,
        ["ptest: quarantined for this run: t/flip.sh (flip rate 100% over 4 runs, at or above 50%)"],
        "{}",
        run.stderr
    );
    assert_eq!(run.file("t/flip.sh")["quarantined"], true);
    assert_eq!(run.file("t/flip.sh")["verdict"], "fail");
    assert!(run.file("t/broken.sh").get("quarantined").is_none());

    // Only the flipping file failing: exit 0. As a config key too.
    s.run(&["t/flip.sh"]).expect_code(0);
    s.config("[run]\nquarantine-flaky = 0.5\n");
    let run = s.run_reports(&["t/flip.sh", "t/stable.sh"]);
    assert!(run.stderr.contains("at or above 50%"), "{}", run.stderr);
    run.expect_code(0);
    assert_eq!(run.file("t/flip.sh")["verdict"], "fail");

    // Nothing flips that often: one calm line.
    let run = s.run(&["t/stable.sh", "--quarantine-flaky", "1.0"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("no file or test of this run flips that often"),
        "{}",
        run.stderr
    );
    let bad = s.run(&["t", "--quarantine-flaky", "2"]);
    bad.expect_code(2);
    assert!(bad.stderr.contains("invalid rate `2`"), "{}", bad.stderr);
}

#[test]
fn merge_keeps_the_flag_and_applies_the_same_exit_rule() {
    let s = Suite::new();
    s.config("[quarantine]\nfiles = [\"t/q.sh\"]\n")
        .file("t/q.sh", "exit 1\n")
        .file("t/ok.sh", "exit 0\n")
        .file("t/real.sh", "exit 1\n");
    let meta = s.meta();
    let shard = |k: u32, paths: &[&str]| {
        let json = meta.join(format!("s{k}.json")).display().to_string();
        let mut args: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        args.extend([
            "--shard".into(),
            format!("{k}/2"),
            "--json".into(),
            json.clone(),
        ]);
        let _ = s.run(&args);
        json
    };
    let (one, two) = (
        shard(1, &["t/q.sh", "t/ok.sh"]),
        shard(2, &["t/q.sh", "t/ok.sh"]),
    );
    let junit = meta.join("merged.xml").display().to_string();
    let json = meta.join("merged.json").display().to_string();
    let merged = s.run(&["merge", &one, &two, "--json", &json, "--junit", &junit]);
    merged.expect_code(0);
    assert!(
        merged
            .stdout
            .contains("Result: PASS (1 quarantined failure)"),
        "{}",
        merged.output()
    );
    let summary = s.json(".suite/merged.json");
    let q = common::file_in(&summary, "t/q.sh");
    assert_eq!(
        (&q["verdict"], &q["quarantined"]),
        (&"fail".into(), &true.into())
    );
    assert_eq!(summary["totals"]["files"]["quarantined"], 1);
    assert!(s
        .read(".suite/merged.xml")
        .contains("quarantined: exited with status 1"));

    // With a real failure in a shard, the merge fails.
    let (one, two) = (
        shard(1, &["t/q.sh", "t/real.sh"]),
        shard(2, &["t/q.sh", "t/real.sh"]),
    );
    let merged = s.run(&["merge", &one, &two]);
    merged.expect_code(1);
    assert!(
        merged
            .stdout
            .contains("Result: FAIL (1 quarantined failure)"),
        "{}",
        merged.output()
    );
}

#[test]
fn a_quarantined_failure_does_not_stop_a_fail_fast_run() {
    let s = Suite::new();
    s.config("[quarantine]\nfiles = [\"t/a_q.sh\"]\ntests = [\"t/b_db.sh::flips\"]\n")
        .file("t/a_q.sh", "exit 1\n")
        .file("t/b_db.sh", TAP_ONE_FAILS)
        .file("t/c_ok.sh", "exit 0\n");
    let run = s.run_reports(&["t", "-j", "1", "--order", "lexical", "--fail-fast"]);
    run.expect_code(0);
    assert_eq!(
        run.verdicts(),
        [
            ("t/a_q.sh".to_string(), "fail".to_string()),
            ("t/b_db.sh".to_string(), "fail".to_string()),
            ("t/c_ok.sh".to_string(), "pass".to_string()),
        ]
    );
}
