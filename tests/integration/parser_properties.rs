//! Property tests for ptest's parsers (TAP, JUnit, history, durations):
//! arbitrary and structured-but-random input never panics and gives bounded,
//! self-consistent output. The stable-toolchain companion of the cargo-fuzz
//! targets in `fuzz/` (see `fuzz/README.md`); case counts keep the whole
//! file to a few seconds.

use proptest::collection::vec;
use proptest::prelude::*;
use ptest::history::{self, History, MAX_RUNS};
use ptest::outcome::{RunSummary, UnitSummary, Verdict};
use ptest::parse::junit::{self, JunitReport};
use ptest::parse::tap::{self, TapReport, MAX_CASE_DIAGNOSTICS_BYTES, MAX_PROBLEMS};
use ptest::parse::{CaseResult, CaseStatus, Protocol};
use ptest::plan::ImportedDurations;
use ptest::testing::SummaryFixture;
use std::collections::HashMap;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;

// ---------------------------------------------------------------- TAP

/// Invariants of any TAP report read from `input`.
fn check_tap(input: &[u8], report: &TapReport) {
    let lines = input.split(|&b| b == b'\n').count();
    assert_eq!(
        report.tests_run,
        report.cases.len() as u64 + report.omitted_cases
    );
    assert!(report.cases.len() <= lines);
    assert!(report.problems.len() <= MAX_PROBLEMS + 3);
    for case in &report.cases {
        // Invalid bytes decode to 3-byte replacement characters.
        assert!(case.name.len() <= 3 * input.len());
        assert!(case.diagnostics.len() <= MAX_CASE_DIAGNOSTICS_BYTES + 64);
    }
    // Streaming through a tiny buffer changes nothing.
    let small = tap::parse_reader(BufReader::with_capacity(3, input)).unwrap();
    assert_eq!(&small, report);
}

/// Whether a top-level line is exactly `not ok`.
fn has_bare_not_ok(input: &str) -> bool {
    input.split('\n').enumerate().any(|(i, l)| {
        let l = l.strip_suffix('\r').unwrap_or(l);
        let l = if i == 0 {
            l.strip_prefix('\u{feff}').unwrap_or(l)
        } else {
            l
        };
        l == "not ok"
    })
}

/// One TAP-like line: test points, plans, directives, subtests, YAML, noise.
fn tap_line() -> impl Strategy<Value = String> {
    let body = prop_oneof![
        Just("ok".to_string()),
        Just("not ok".to_string()),
        (any::<bool>(), 0u64..6, "[a-z {}#\\\\-]{0,12}")
            .prop_map(|(ok, n, d)| format!("{}ok {n} {d}", if ok { "" } else { "not " })),
        "(not )?ok [0-9]{0,2} - [a-z]{0,4} # (SKIP|TODO|skip|todo|time=)[a-z0-9.]{0,6}",
        (0u64..5).prop_map(|n| format!("1..{n}")),
        Just("1..0 # SKIP nothing".to_string()),
        Just("TAP version 13".to_string()),
        Just("TAP version 14".to_string()),
        "# Subtest: [a-z]{0,5}",
        "# [a-z ]{0,10}",
        Just("---".to_string()),
        Just("...".to_string()),
        Just("duration_ms: 12".to_string()),
        Just("}".to_string()),
        "Bail out! [a-z]{0,5}",
        "[ -~]{0,20}",
    ];
    (0usize..4, body).prop_map(|(level, body)| format!("{}{body}", "    ".repeat(level)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tap_arbitrary_bytes(input in vec(any::<u8>(), 0..2048)) {
        let report = tap::parse_reader(input.as_slice()).unwrap();
        check_tap(&input, &report);
    }

    #[test]
    fn tap_like_lines(lines in vec(tap_line(), 0..40), crlf in any::<bool>()) {
        let input = lines.join(if crlf { "\r\n" } else { "\n" });
        let report = tap::parse_str(&input);
        check_tap(input.as_bytes(), &report);
        if has_bare_not_ok(&input) {
            prop_assert!(
                report.bail_out.is_some()
                    || !report.problems.is_empty()
                    || report.cases.iter().any(|c| c.status == CaseStatus::Fail),
                "a top-level `not ok` was read as passing: {report:?}"
            );
        }
    }
}

// ---------------------------------------------------------------- JUnit

const JUNIT_FILE: &str = "tests/test_db.py";

/// Invariants of any JUnit report.
fn check_junit(report: &JunitReport) {
    assert_eq!(
        report.total(),
        report.cases.len() as u64 + report.omitted_cases
    );
    for case in &report.cases {
        assert!(matches!(
            case.status,
            CaseStatus::Pass | CaseStatus::Fail | CaseStatus::Skip
        ));
        assert_eq!(case.line.is_some(), case.status == CaseStatus::Fail);
        assert!(case.diagnostics.len() <= junit::MAX_CASE_DIAGNOSTICS_BYTES + 64);
    }
}

/// Text as XML writes it, with a few entities and a CDATA now and then.
fn xml_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 .:=\n]{0,16}",
        Just("a &lt;b&gt; &amp; &#10;&#x41;".to_string()),
        Just("<![CDATA[<raw> & ]]>".to_string()),
    ]
}

/// What a generated `<testcase>` holds.
#[derive(Debug, Clone)]
struct GenCase {
    name: String,
    classname: Option<String>,
    time: Option<String>,
    /// 0 failure, 1 error, 2 skipped, 3 system-out, 4 system-err, 5 properties.
    children: Vec<(u8, String)>,
}

impl GenCase {
    fn xml(&self) -> String {
        let mut s = format!("<testcase name=\"{}\"", self.name);
        if let Some(c) = &self.classname {
            s.push_str(&format!(" classname=\"{c}\""));
        }
        if let Some(t) = &self.time {
            s.push_str(&format!(" time=\"{t}\""));
        }
        s.push('>');
        for (kind, text) in &self.children {
            let tag = [
                "failure",
                "error",
                "skipped",
                "system-out",
                "system-err",
                "properties",
            ][usize::from(*kind)];
            s.push_str(&format!("<{tag} message=\"m &amp; n\">{text}</{tag}>"));
        }
        s.push_str("</testcase>");
        s
    }

    fn status(&self) -> CaseStatus {
        if self.children.iter().any(|(k, _)| *k <= 1) {
            CaseStatus::Fail
        } else if self.children.iter().any(|(k, _)| *k == 2) {
            CaseStatus::Skip
        } else {
            CaseStatus::Pass
        }
    }
}

fn gen_case() -> impl Strategy<Value = GenCase> {
    (
        "[a-z_. ]{0,8}",
        proptest::option::of(prop_oneof![
            Just("tests.test_db".to_string()),
            Just("tests.test_db.TestUser".to_string()),
            "[a-z.]{0,8}"
        ]),
        proptest::option::of("[0-9.,]{0,5}(s|ms)?"),
        vec((0u8..6, xml_text()), 0..3),
    )
        .prop_map(|(name, classname, time, children)| GenCase {
            name,
            classname,
            time,
            children,
        })
}

/// Suites (possibly nested) of test cases: (xml, cases in document order).
fn gen_suites() -> impl Strategy<Value = (String, Vec<GenCase>)> {
    let leaf = vec(gen_case(), 0..4).prop_map(|cases| {
        let xml = cases.iter().map(GenCase::xml).collect::<String>();
        (
            format!("<testsuite name=\"s\" tests=\"99\">{xml}</testsuite>"),
            cases,
        )
    });
    leaf.prop_recursive(3, 12, 3, |inner| {
        vec(inner, 0..3).prop_map(|parts| {
            let (xml, cases): (Vec<String>, Vec<Vec<GenCase>>) = parts.into_iter().unzip();
            (
                format!("<testsuite name=\"outer\">{}</testsuite>", xml.concat()),
                cases.concat(),
            )
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn junit_arbitrary_bytes(input in vec(any::<u8>(), 0..2048)) {
        let whole = junit::parse_bytes(&input, JUNIT_FILE);
        let small = junit::parse_reader(BufReader::with_capacity(3, input.as_slice()), JUNIT_FILE);
        prop_assert_eq!(&whole, &small);
        if let Ok(report) = whole {
            check_junit(&report);
        }
    }

    #[test]
    fn junit_generated_reports((suites, cases) in gen_suites(), wrap in any::<bool>()) {
        let xml = if wrap {
            format!("<?xml version=\"1.0\"?><testsuites>{suites}</testsuites>")
        } else {
            suites
        };
        let report = junit::parse_bytes(xml.as_bytes(), JUNIT_FILE).unwrap();
        check_junit(&report);
        let statuses: Vec<CaseStatus> = report.cases.iter().map(|c| c.status).collect();
        let expected: Vec<CaseStatus> = cases.iter().map(GenCase::status).collect();
        prop_assert_eq!(statuses, expected);
        // Cutting the document short is an error, never a panic or a report.
        let cut = &xml.as_bytes()[..xml.len() / 2];
        if !cases.is_empty() {
            prop_assert!(junit::parse_bytes(cut, JUNIT_FILE).is_err());
        }
    }
}

// ---------------------------------------------------------------- history

fn run_summary() -> RunSummary {
    let mut file = UnitSummary::not_run("t/prop.t".into(), "t/prop.t".into(), "prop");
    file.verdict = Verdict::Pass;
    file.protocol = Some(Protocol::Tap);
    file.duration = Some(Duration::from_millis(250));
    file.started_at = None;
    file.cases = vec![CaseResult {
        number: Some(1),
        name: "a".into(),
        status: CaseStatus::Pass,
        reason: None,
        diagnostics: String::new(),
        line: None,
        duration: None,
        ..Default::default()
    }];
    SummaryFixture::new(vec![file])
        .run_id("prop")
        .started_at("2026-01-01T00:00:00.000Z")
        .jobs(1)
        .build()
}

/// Loads `content` as a history file, updates it with one run and loads
/// the result; checks what must always hold.
fn check_history(content: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    std::fs::write(&path, content).unwrap();
    let loaded = History::load(&path).expect("content is never an I/O error");
    if loaded.warning.is_some() {
        assert!(loaded.history.is_empty());
        assert!(!path.exists(), "a bad file is moved aside");
        std::fs::write(&path, content).unwrap();
    }
    for (_, file) in loaded.history.files() {
        assert!(file.runs.len() <= MAX_RUNS);
    }
    let warning = history::update(&path, &run_summary(), &HashMap::new()).unwrap();
    if loaded.warning.is_none() {
        assert_eq!(warning, None, "update rejected what load accepted");
    }
    let after = History::load(&path).unwrap();
    assert_eq!(after.warning, None, "update wrote what load cannot read");
    assert!(after.history.file("t/prop.t").is_some());
    for (id, file) in after.history.files() {
        assert!(file.runs.len() <= MAX_RUNS);
        assert!(id == "t/prop.t" || loaded.history.file(id).is_some());
    }
}

/// JSON shaped like a history file, with wrong types and extra keys mixed in.
fn history_json() -> impl Strategy<Value = String> {
    let num = prop_oneof![
        (0u64..4_000_000_000).prop_map(|n| n.to_string()),
        Just("-1".to_string()),
        Just("1.5".to_string()),
        Just("1e400".to_string()),
        Just("null".to_string()),
        Just("\"7\"".to_string()),
    ];
    let verdict = prop_oneof![
        Just("\"pass\""),
        Just("\"fail\""),
        Just("\"timeout\""),
        Just("\"not-run\""),
        Just("\"bogus\""),
        Just("3"),
    ];
    let run = (num.clone(), num.clone(), verdict).prop_map(|(at, d, v)| {
        format!("{{\"at\":{at},\"duration\":{d},\"verdict\":{v},\"hash\":\"abc\"}}")
    });
    let case = ("[pfstux]{0,14}", vec(num.clone(), 0..4), num.clone()).prop_map(|(s, d, seen)| {
        format!(
            "{{\"statuses\":\"{s}\",\"durations\":[{}],\"last_seen\":{seen}}}",
            d.join(",")
        )
    });
    let file = (
        vec(run, 0..13),
        num.clone(),
        vec(("[a-z#]{0,4}", case), 0..3),
    )
        .prop_map(|(runs, flips, cases)| {
            let cases: Vec<String> = cases
                .into_iter()
                .map(|(name, c)| format!("\"{name}\":{c}"))
                .collect();
            format!(
                "{{\"runs\":[{}],\"flips\":{flips},\"cases\":{{{}}}}}",
                runs.join(","),
                cases.join(",")
            )
        });
    (
        prop_oneof![Just("1"), Just("1"), Just("2"), Just("1.0"), Just("null")],
        vec(("[a-z/.]{1,6}", file), 0..4),
        any::<bool>(),
    )
        .prop_map(|(version, files, extra)| {
            let files: Vec<String> = files
                .into_iter()
                .map(|(id, f)| format!("\"{id}\":{f}"))
                .collect();
            let extra = if extra {
                ",\"other\":[1,{\"x\":null}]"
            } else {
                ""
            };
            format!(
                "{{\"version\":{version},\"files\":{{{}}}{extra}}}",
                files.join(",")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn history_arbitrary_bytes(input in vec(any::<u8>(), 0..512)) {
        check_history(&input);
    }

    #[test]
    fn history_shaped_json(json in history_json()) {
        check_history(json.as_bytes());
    }
}

// ---------------------------------------------------------------- durations

fn check_durations(text: &str) {
    if let Ok(imported) = ImportedDurations::parse(text, Path::new("durations")) {
        assert!(imported.len() <= text.len());
        for (key, _) in imported.iter() {
            let _ = imported.get(key);
            let _ = imported.get(&format!("{}.py", key.replace('.', "/")));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn durations_arbitrary_text(text in "\\PC{0,300}", bytes in vec(any::<u8>(), 0..512)) {
        check_durations(&text);
        check_durations(&String::from_utf8_lossy(&bytes));
        check_durations(&format!("<{text}"));
        check_durations(&format!("{{{text}"));
    }

    #[test]
    // Times up to a year, the most a file may be expected to take (larger
    // ones are an error, covered by the arbitrary-text property).
    fn durations_json_maps(entries in vec(("[a-z./\\\\ ]{1,8}", 0.0f64..3.1e7), 0..8)) {
        let body: Vec<String> = entries
            .iter()
            .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
            .collect();
        let text = format!("{{{}}}", body.join(","));
        let imported = ImportedDurations::parse(&text, Path::new("d.json")).unwrap();
        prop_assert!(imported.len() <= entries.len());
        check_durations(&text);
    }

    #[test]
    fn durations_junit_reports(
        (suites, _) in gen_suites(),
        times in vec(prop_oneof![Just("1e19"), Just("0.5"), Just("-1"), Just("x")], 0..3),
    ) {
        let mut xml = suites;
        for t in times {
            xml = xml.replacen("<testcase ", &format!("<testcase file=\"f.t\" time=\"{t}\" "), 1);
        }
        check_durations(&xml);
    }
}
