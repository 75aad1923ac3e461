use super::*;
use std::io::BufReader;

fn parse(text: &str, file: &str) -> JunitReport {
    match parse_bytes(text.as_bytes(), file) {
        Ok(report) => report,
        Err(err) => panic!("{err}\n{text}"),
    }
}

fn names(report: &JunitReport) -> Vec<&str> {
    report.cases.iter().map(|c| c.name.as_str()).collect()
}

fn statuses(report: &JunitReport) -> Vec<CaseStatus> {
    report.cases.iter().map(|c| c.status).collect()
}

const PYTEST: &str = r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="0.123" timestamp="2026-01-02T03:04:05.678901+00:00" hostname="ci"><testcase classname="tests.test_db" name="test_ok" time="0.001" /><testcase classname="tests.test_db.TestUser" name="test_login" time="0.002"><failure message="assert 1 == 2">def test_login():
&gt;       assert 1 == 2
E       assert 1 == 2

tests/test_db.py:5: AssertionError</failure><system-out>connecting to db
</system-out></testcase><testcase classname="tests.test_db" name="test_skip" time="0.000"><skipped type="pytest.skip" message="no database">tests/test_db.py:8: no database</skipped></testcase><testcase classname="tests.test_db" name="test_err" time="0.003"><error message="failed on setup with &quot;RuntimeError: boom&quot;">@pytest.fixture
def db():
&gt;   raise RuntimeError("boom")
E   RuntimeError: boom</error></testcase></testsuite></testsuites>"#;

#[test]
fn pytest_report() {
    let r = parse(PYTEST, "tests/test_db.py");
    assert_eq!(
        names(&r),
        ["test_ok", "TestUser.test_login", "test_skip", "test_err"]
    );
    assert_eq!(
        statuses(&r),
        [
            CaseStatus::Pass,
            CaseStatus::Fail,
            CaseStatus::Skip,
            CaseStatus::Fail
        ]
    );
    assert_eq!((r.passed, r.failed, r.skipped, r.total()), (1, 2, 1, 4));
    assert_eq!(r.omitted_cases, 0);
    let numbers: Vec<_> = r.cases.iter().map(|c| c.number).collect();
    assert_eq!(numbers, [Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(r.cases[0].duration, Some(Duration::from_millis(1)));
    assert_eq!(r.cases[0].line, None);
    assert!(r.cases[0].diagnostics.is_empty());

    let login = &r.cases[1];
    assert_eq!(
        login.line.as_deref(),
        Some("FAIL TestUser.test_login: assert 1 == 2")
    );
    assert!(
        login
            .diagnostics
            // The message is in the text already: not repeated.
            .starts_with("def test_login():\n>       assert 1 == 2\n"),
        "{}",
        login.diagnostics
    );
    assert!(login
        .diagnostics
        .contains("tests/test_db.py:5: AssertionError"));
    assert!(login
        .diagnostics
        .ends_with("--- system-out ---\nconnecting to db"));
    assert_eq!(login.reason, None);

    assert_eq!(r.cases[2].reason.as_deref(), Some("no database"));
    assert!(r.cases[2].line.is_none());

    let err = &r.cases[3];
    assert_eq!(
        err.line.as_deref(),
        Some("ERROR test_err: failed on setup with \"RuntimeError: boom\"")
    );
    assert!(err.diagnostics.contains("E   RuntimeError: boom"));
}

/// What pytest writes with `-o junit_family=xunit1` (file and a 0-based
/// line on each case), run from a `tests/` rootdir: `file` is relative to
/// it. The second test's `def` is on line 5, written as `line="4"`.
const PYTEST_XUNIT1: &str = r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="2" skipped="0" tests="3" time="0.032" timestamp="2026-12-08T01:40:11.675421+00:00" hostname="vm"><testcase classname="test_a" name="test_ok" file="test_a.py" line="0" time="0.000" /><testcase classname="test_a" name="test_bad" file="test_a.py" line="4" time="0.001"><failure message="assert 1 == 2">def test_bad():
        x = 1
&gt;       assert x == 2
E       assert 1 == 2

test_a.py:7: AssertionError</failure></testcase><testcase classname="test_a" name="test_odd" file="./helpers/x.py" line="n/a" time="0.001"><failure message="no">helpers/x.py:3: AssertionError</failure></testcase></testsuite></testsuites>"#;

#[test]
fn pytest_file_and_line_become_the_case_location() {
    let r = parse(PYTEST_XUNIT1, "tests/test_a.py");
    let at = |file: &str, line: Option<u32>| {
        Some(SourceLocation {
            file: file.into(),
            line,
        })
    };
    let locations: Vec<_> = r.cases.iter().map(|c| c.location.clone()).collect();
    assert_eq!(
        locations,
        [
            // Relative to pytest's rootdir: the test file's id; 0-based.
            at("tests/test_a.py", Some(1)),
            at("tests/test_a.py", Some(5)),
            // Another file is kept as written; a line that is not a
            // number is dropped.
            at("./helpers/x.py", None),
        ]
    );
    // Without pytest's markers a line is 1-based, and 0 means none; a
    // path longer than the id is the id; no file, no location.
    let other = r#"<testsuite name="jest tests"><testcase name="a" file="/ci/repo/t/a.test.js" line="12"/><testcase name="b" file="t/a.test.js" line="0"/><testcase name="c" line="3"/><testcase name="d" file="  "/></testsuite>"#;
    let r = parse(other, "t/a.test.js");
    let locations: Vec<_> = r.cases.iter().map(|c| c.location.clone()).collect();
    assert_eq!(
        locations,
        [
            at("t/a.test.js", Some(12)),
            at("t/a.test.js", None),
            None,
            None
        ]
    );
    // The xunit2 report (pytest's default) has neither attribute.
    assert!(parse(PYTEST, "tests/test_db.py")
        .cases
        .iter()
        .all(|c| c.location.is_none()));
}

#[test]
fn jest_junit_report() {
    let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="3" failures="1" errors="0" time="1.234">
  <testsuite name="Calculator" errors="0" failures="1" skipped="1" timestamp="2026-01-01T00:00:00" time="0.5" tests="3">
    <testcase classname="Calculator adds" name="Calculator adds" time="0.002">
    </testcase>
    <testcase classname="Calculator divides" name="Calculator divides" time="0.003">
      <failure>Error: expect(received).toBe(expected) // Object.is equality

Expected: 2
Received: 3
    at Object.&lt;anonymous&gt; (calc.test.js:10:5)</failure>
    </testcase>
    <testcase classname="Calculator" name="Calculator later" time="0">
      <skipped/>
    </testcase>
  </testsuite>
</testsuites>
"#;
    let r = parse(text, "web/calc.sh");
    assert_eq!(
        names(&r),
        ["Calculator adds", "Calculator divides", "Calculator later"]
    );
    assert_eq!(
        statuses(&r),
        [CaseStatus::Pass, CaseStatus::Fail, CaseStatus::Skip]
    );
    let div = &r.cases[1];
    assert_eq!(
        div.line.as_deref(),
        Some(
            "FAIL Calculator divides: Error: expect(received).toBe(expected) // Object.is equality"
        )
    );
    assert!(div
        .diagnostics
        .contains("at Object.<anonymous> (calc.test.js:10:5)"));
    assert_eq!(r.cases[2].reason, None);
    assert_eq!(r.cases[2].duration, Some(Duration::ZERO));
}

#[test]
fn go_junit_report() {
    let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"3\" failures=\"1\">\n\t<testsuite name=\"example.com/pkg\" tests=\"3\" failures=\"1\" errors=\"0\" id=\"0\" hostname=\"h\" time=\"0.010\">\n\t\t<properties>\n\t\t\t<property name=\"go.version\" value=\"go1.22.1\"></property>\n\t\t</properties>\n\t\t<testcase name=\"TestAdd\" classname=\"example.com/pkg\" time=\"0.000\"></testcase>\n\t\t<testcase name=\"TestSub\" classname=\"example.com/pkg\" time=\"0.010\">\n\t\t\t<failure message=\"Failed\"><![CDATA[    sub_test.go:12: got 1, want 2]]></failure>\n\t\t</testcase>\n\t\t<testcase name=\"TestSkip\" classname=\"example.com/pkg\" time=\"0.000\">\n\t\t\t<skipped message=\"Skipped\"><![CDATA[    skip_test.go:5: not on CI]]></skipped>\n\t\t</testcase>\n\t\t<system-out><![CDATA[ok  \texample.com/pkg\t0.010s]]></system-out>\n\t</testsuite>\n</testsuites>\n";
    let r = parse(text, "go/run.sh");
    assert_eq!(
        names(&r),
        [
            "example.com/pkg.TestAdd",
            "example.com/pkg.TestSub",
            "example.com/pkg.TestSkip"
        ]
    );
    assert_eq!(
        r.cases[1].line.as_deref(),
        Some("FAIL example.com/pkg.TestSub: Failed")
    );
    assert_eq!(
        r.cases[1].diagnostics,
        "Failed\n    sub_test.go:12: got 1, want 2"
    );
    assert_eq!(r.cases[1].duration, Some(Duration::from_millis(10)));
    assert_eq!(r.cases[2].reason.as_deref(), Some("Skipped"));
}

#[test]
fn bare_testsuite_and_testcase_roots() {
    let r = parse(
        r#"<testsuite name="x" tests="2"><testcase name="a"/><testcase name="b"><failure/></testcase></testsuite>"#,
        "t/x.sh",
    );
    assert_eq!(names(&r), ["a", "b"]);
    assert_eq!(statuses(&r), [CaseStatus::Pass, CaseStatus::Fail]);
    assert_eq!(r.cases[1].line.as_deref(), Some("FAIL b"));
    assert_eq!(r.cases[1].diagnostics, "");

    let r = parse(r#"<testcase name="lonely"/>"#, "t/x.sh");
    assert_eq!(names(&r), ["lonely"]);

    let r = parse(r#"<testsuites/>"#, "t/x.sh");
    assert!(r.cases.is_empty());
    assert_eq!(r.total(), 0);
}

#[test]
fn nested_suites_are_flattened_in_document_order() {
    let text = r#"<testsuites>
      <testsuite name="outer">
        <testcase name="first"/>
        <testsuite name="inner">
          <testsuite name="innermost"><testcase name="deep"><skipped message="later"/></testcase></testsuite>
          <testcase name="middle"><error message="boom"/></testcase>
        </testsuite>
        <testcase name="last"/>
      </testsuite>
      <testsuite name="second"><testcase name="other"/></testsuite>
    </testsuites>"#;
    let r = parse(text, "t/x.sh");
    assert_eq!(names(&r), ["first", "deep", "middle", "last", "other"]);
    assert_eq!(
        statuses(&r),
        [
            CaseStatus::Pass,
            CaseStatus::Skip,
            CaseStatus::Fail,
            CaseStatus::Pass,
            CaseStatus::Pass
        ]
    );
    assert_eq!(r.cases[2].line.as_deref(), Some("ERROR middle: boom"));
}

#[test]
fn odd_times() {
    let ms = |n: u64| Some(Duration::from_millis(n));
    for (raw, want) in [
        ("1.5", ms(1500)),
        (" 1.5 ", ms(1500)),
        ("1,234.5", ms(1_234_500)),
        ("1,234", ms(1_234_000)),
        ("1,5", ms(1500)),
        ("1.5s", ms(1500)),
        ("2 s", ms(2000)),
        ("250ms", ms(250)),
        ("0", Some(Duration::ZERO)),
        ("1e-3", ms(1)),
        ("", None),
        ("   ", None),
        ("s", None),
        ("-1", None),
        ("NaN", None),
        ("inf", None),
        ("1e400", None),
        ("abc", None),
        ("1.2.3", None),
    ] {
        assert_eq!(parse_time(raw), want, "{raw:?}");
    }
    let r = parse(
        r#"<testsuite><testcase name="a" time=""/><testcase name="b"/><testcase name="c" time="fast"/><testcase name="d" time="1,234.5"/></testsuite>"#,
        "t/x.sh",
    );
    let times: Vec<_> = r.cases.iter().map(|c| c.duration).collect();
    assert_eq!(times, [None, None, None, ms(1_234_500)]);
}

#[test]
fn entities_and_cdata() {
    let text = "<testsuite name=\"s\">\
        <testcase classname=\"A&amp;B\" name=\"x &lt; y &#x41;&#66; &nbsp;\">\
        <failure message=\"expected &quot;a&quot;&#10;got &apos;b&apos;\">\
        line &amp; more &#233;t&#xE9;<![CDATA[ raw <tag> & stuff ]]>&unknown; lone & amp\
        </failure></testcase>\
        <testcase name=\"cdata\"><skipped><![CDATA[reason with <angle>]]></skipped></testcase>\
        </testsuite>";
    let r = parse(text, "t/x.sh");
    assert_eq!(r.cases[0].name, "A&B.x < y AB &nbsp;");
    assert_eq!(
        r.cases[0].line.as_deref(),
        Some("FAIL A&B.x < y AB &nbsp;: expected \"a\" got 'b'")
    );
    assert_eq!(
        r.cases[0].diagnostics,
        "expected \"a\"\ngot 'b'\nline & more été raw <tag> & stuff &unknown; lone & amp"
    );
    assert_eq!(r.cases[1].reason.as_deref(), Some("reason with <angle>"));
}

#[test]
fn crlf_and_invalid_utf8_are_tolerated() {
    let mut bytes = b"<testsuite>\r\n<testcase name=\"caf".to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(b"\"><failure>one\r\ntwo\rthree</failure></testcase></testsuite>");
    let r = parse_bytes(&bytes, "t/x.sh").unwrap();
    assert_eq!(r.cases[0].name, "caf\u{fffd}\u{fffd}");
    assert_eq!(r.cases[0].diagnostics, "one\ntwo\nthree");
}

#[test]
fn naming_rule() {
    let file = "tests/test_db.py";
    let module = "tests.test_db";
    for (class, name, want) in [
        (None, "test_a", "test_a"),
        (Some(""), "test_a", "test_a"),
        (Some("  "), "test_a", "test_a"),
        (Some("tests/test_db.py"), "test_a", "test_a"),
        (Some("tests.test_db"), "test_a", "test_a"),
        (Some("tests.test_db.TestX"), "test_a", "TestX.test_a"),
        (Some("tests.test_dbx"), "test_a", "tests.test_dbx.test_a"),
        (Some("test_db"), "test_a", "test_a"),
        (Some("test_db.py"), "test_a", "test_a"),
        (Some("db.py"), "test_a", "db.py.test_a"),
        (Some("test_db.TestX"), "test_a", "TestX.test_a"),
        (Some("test_dbx.TestX"), "test_a", "test_dbx.TestX.test_a"),
        (Some("other.test_db"), "test_a", "other.test_db.test_a"),
        (Some("other.mod"), "test_a", "other.mod.test_a"),
        (Some("Suite does"), "Suite does", "Suite does"),
        (Some("Suite"), "Suite does x", "Suite does x"),
        (Some("Suite"), "Suite::x", "Suite::x"),
        (Some("Test"), "TestFoo", "Test.TestFoo"),
        (Some("pkg"), "", "pkg"),
        (None, "  spaced  ", "spaced"),
    ] {
        assert_eq!(
            case_name(name, class, file, module),
            want,
            "{class:?} {name:?}"
        );
    }
    // bats: `classname` is the file's base name, extension included.
    for (file, class) in [("t/x.sh", "x.sh"), ("t/x.sh", "x"), ("x.sh", "x.sh")] {
        assert_eq!(
            case_name("a", Some(class), file, &module_form(file)),
            "a",
            "{file} {class}"
        );
    }
    assert_eq!(module_form("tests/test_db.py"), "tests.test_db");
    assert_eq!(module_form("run"), "run");
    assert_eq!(module_form("a/.hidden"), "a..hidden");
}

#[test]
fn malformed_reports_are_errors_not_panics() {
    type Check = fn(&JunitParseError) -> bool;
    let cases: [(&str, Check); 9] = [
        ("", |e| matches!(e, JunitParseError::Empty)),
        ("   \n", |e| matches!(e, JunitParseError::Empty)),
        ("this is not xml", |e| matches!(e, JunitParseError::Empty)),
        (
            "<html><body/></html>",
            |e| matches!(e, JunitParseError::NotJunit { root } if root == "html"),
        ),
        ("<testsuite><testcase name=\"a\">", |e| {
            matches!(e, JunitParseError::Truncated { open: 2 })
        }),
        ("<testsuite><testcase></testsuite>", |e| {
            matches!(e, JunitParseError::Xml { .. })
        }),
        (
            "<testsuite><testcase name=\"a\"/></testsuite></testsuites>",
            |e| matches!(e, JunitParseError::Xml { .. }),
        ),
        ("<testsuite><<<>>></testsuite>", |e| {
            matches!(e, JunitParseError::Xml { .. })
        }),
        ("<testsuite><!-- unterminated", |e| {
            matches!(e, JunitParseError::Xml { .. })
        }),
    ];
    for (text, check) in cases {
        match parse_bytes(text.as_bytes(), "t/x.sh") {
            Ok(r) => panic!("{text:?} parsed: {r:?}"),
            Err(e) => {
                assert!(check(&e), "{text:?}: {e:?}");
                assert!(!e.to_string().is_empty());
            }
        }
    }
    let err = parse_bytes(b"<testsuite><testcase></testsuite>", "t/x.sh").unwrap_err();
    assert!(
        err.to_string().starts_with("not well-formed XML near byte"),
        "{err}"
    );
    // Random bytes never panic.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..200 {
        let mut bytes = b"<testsuite><testcase name=\"a\">".to_vec();
        for _ in 0..64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let alphabet = b"<>/&;\"'=ab !?[]-\n\xff";
            bytes.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        let _ = parse_bytes(&bytes, "t/x.sh");
    }
}

#[test]
fn streams_through_a_small_buffer() {
    let reader = BufReader::with_capacity(7, PYTEST.as_bytes());
    let r = parse_reader(reader, "tests/test_db.py").unwrap();
    assert_eq!(r, parse(PYTEST, "tests/test_db.py"));
}

#[test]
fn too_large_report_is_an_error() {
    let text = PYTEST.as_bytes();
    let limit = text.len() as u64 - 10;
    assert_eq!(
        parse_limited(text, "tests/test_db.py", limit),
        Err(JunitParseError::TooLarge { limit })
    );
    assert!(parse_limited(text, "tests/test_db.py", text.len() as u64).is_ok());
}

#[test]
fn huge_report_is_bounded() {
    let extra = 5usize;
    let mut text = String::with_capacity((MAX_STORED_CASES + 100) * 24);
    text.push_str("<testsuites><testsuite>");
    for i in 0..MAX_STORED_CASES + extra {
        text.push_str(&format!("<testcase name=\"t{i}\"/>"));
    }
    text.push_str("<testcase name=\"late\"><failure message=\"m\"/></testcase>");
    text.push_str("<testcase name=\"late skip\"><skipped/></testcase>");
    text.push_str("</testsuite></testsuites>");
    let r = parse(&text, "t/x.sh");
    assert_eq!(r.cases.len(), MAX_STORED_CASES + 1);
    assert_eq!(r.omitted_cases, extra as u64 + 1);
    assert_eq!(r.passed, (MAX_STORED_CASES + extra) as u64);
    assert_eq!((r.failed, r.skipped), (1, 1));
    let last = r.cases.last().unwrap();
    assert_eq!(
        (last.name.as_str(), last.number),
        ("late", Some(MAX_STORED_CASES as u64 + extra as u64 + 1))
    );
}

#[test]
fn huge_texts_are_bounded() {
    let big = "x".repeat(1024 * 1024);
    let text = format!(
        "<testsuite><testcase name=\"a\"><failure message=\"{}\">{big}</failure><system-out>{big}</system-out></testcase>\
         <testcase name=\"b\"><skipped>{big}</skipped></testcase>\
         <testcase name=\"c\"><system-out>{big}</system-out></testcase></testsuite>",
        "m".repeat(100_000)
    );
    let r = parse(&text, "t/x.sh");
    let a = &r.cases[0];
    assert!(
        a.diagnostics.len() <= MAX_CASE_DIAGNOSTICS_BYTES + 64,
        "{}",
        a.diagnostics.len()
    );
    assert!(a.diagnostics.ends_with(TRUNCATED));
    assert!(a.line.as_ref().unwrap().chars().count() <= MAX_LINE_CHARS + 20);
    assert!(r.cases[1].reason.as_ref().unwrap().len() <= MAX_ATTR_BYTES);
    // Passing cases keep no output.
    assert!(r.cases[2].diagnostics.is_empty());
}

#[test]
fn total_diagnostics_are_bounded() {
    let body = "y".repeat(MAX_CASE_DIAGNOSTICS_BYTES);
    let count = MAX_TOTAL_DIAGNOSTICS_BYTES / MAX_CASE_DIAGNOSTICS_BYTES + 10;
    let mut text = String::from("<testsuite>");
    for i in 0..count {
        text.push_str(&format!(
            "<testcase name=\"t{i}\"><failure>{body}</failure></testcase>"
        ));
    }
    text.push_str("</testsuite>");
    let r = parse(&text, "t/x.sh");
    let total: usize = r.cases.iter().map(|c| c.diagnostics.len()).sum();
    assert!(
        total <= MAX_TOTAL_DIAGNOSTICS_BYTES + count * (TRUNCATED.len() + 1),
        "{total}"
    );
    assert_eq!(r.failed, count as u64);
    assert!(r.cases.last().unwrap().line.is_some());
}

/// What pytest 9 writes for xfail, strict xpass, imperative xfail and skip
/// (`-o junit_family=xunit1`), plus the `<skipped>` older pytest versions
/// write for an xpass.
const PYTEST_XFAIL: &str = r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="3" tests="5" time="0.045" timestamp="2026-12-01T19:35:31.714179+00:00" hostname="vm"><testcase classname="test_x" name="test_xfail" file="test_x.py" line="1" time="0.001"><skipped type="pytest.xfail" message="known bug" /></testcase><testcase classname="test_x" name="test_xpass" file="test_x.py" line="4" time="0.000" /><testcase classname="test_x" name="test_xpass_strict" file="test_x.py" line="7" time="0.000"><failure message="[XPASS(strict)] strict one">[XPASS(strict)] strict one</failure></testcase><testcase classname="test_x" name="test_imperative" file="test_x.py" line="10" time="0.000"><skipped type="pytest.xfail" message="imperative reason" /></testcase><testcase classname="test_x" name="test_skip" file="test_x.py" line="12" time="0.000"><skipped type="pytest.skip" message="plain skip">/tmp/vx/test_x.py:13: plain skip</skipped></testcase><testcase classname="test_x" name="test_old_xpass"><skipped message="xfail-marked test passes unexpectedly"/></testcase></testsuite></testsuites>"#;

#[test]
fn pytest_xfail_is_todo() {
    let r = parse(PYTEST_XFAIL, "test_x.py");
    assert_eq!(
        statuses(&r),
        [
            CaseStatus::TodoFail,
            CaseStatus::Pass,
            CaseStatus::Fail,
            CaseStatus::TodoFail,
            CaseStatus::Skip,
            CaseStatus::TodoPass,
        ]
    );
    assert_eq!((r.passed, r.failed, r.skipped, r.todo), (1, 1, 1, 3));
    assert_eq!(r.total(), 6);
    let reasons: Vec<Option<&str>> = r.cases.iter().map(|c| c.reason.as_deref()).collect();
    assert_eq!(
        reasons,
        [
            Some("known bug"),
            None,
            None,
            Some("imperative reason"),
            Some("plain skip"),
            Some("xfail-marked test passes unexpectedly"),
        ]
    );
}

/// Found while writing the `junit` fuzz target: every `&` of an attribute
/// searched the whole rest of the value for a `;`, so a long value of `&`s
/// took quadratic time (minutes for a few MB). Only the next 33 bytes are
/// looked at now, which is all an entity may use.
#[test]
fn many_ampersands_in_an_attribute_take_linear_time() {
    let amps = "&".repeat(2 * 1024 * 1024);
    let text = format!(r#"<testsuite><testcase name="{amps}&lt;;"/></testsuite>"#);
    let r = parse(&text, "t/x.sh");
    assert_eq!(r.passed, 1);
    assert!(r.cases[0].name.starts_with("&&&"));
    assert!(r.cases[0].name.len() <= MAX_ATTR_BYTES + '…'.len_utf8());
    // Entities still resolve, also right after a run of `&`s.
    let r = parse(r#"<testcase name="&&amp;&#x41;&bogus;&&lt;"/>"#, "t/x.sh");
    assert_eq!(r.cases[0].name, "&&A&bogus;&<");
}

#[test]
fn wide_encodings_are_named_not_read_as_garbage() {
    let xml =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><testsuite><testcase name=\"a\"/></testsuite>";
    let utf16le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(xml.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let no_bom_be: Vec<u8> = xml.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (bytes, name) in [(utf16le, "UTF-16LE"), (no_bom_be, "UTF-16BE")] {
        let err = parse_bytes(&bytes, "t/x.sh").unwrap_err();
        assert_eq!(err, JunitParseError::Encoding { encoding: name });
        let text = err.to_string();
        assert!(text.contains(&format!("encoded in {name}")), "{text}");
        assert!(!text.contains('\0'), "{text}");
    }
    // UTF-8 with a byte-order mark is still read.
    let bom = [&[0xEF, 0xBB, 0xBF][..], xml.as_bytes()].concat();
    assert_eq!(parse_bytes(&bom, "t/x.sh").map(|r| r.total()), Ok(1));
}

#[test]
fn a_batch_report_is_split_by_file_attribute_or_module_path() {
    let files = ["tests/test_a.py", "tests/sub/test_a.py", "tests/test_b.py"];
    assert_eq!(case_owner("tests.test_a", &files), Some(0));
    assert_eq!(case_owner("tests.sub.test_a.TestX", &files), Some(1));
    assert_eq!(case_owner("test_b", &files), Some(2));
    assert_eq!(case_owner("tests/test_b.py", &files), Some(2));
    assert_eq!(case_owner("other.module", &files), None);
    let xml = r#"<testsuite><testcase classname="tests.test_a" name="t1"/>
<testcase classname="tests.test_b" name="t2"><failure message="no"/></testcase>
<testcase classname="" name="tests.test_b"><error message="collection"/></testcase></testsuite>"#;
    let mine = |key: &str| case_owner(key, &files) == Some(2);
    let b = parse_bytes_where(xml.as_bytes(), "tests/test_b.py", &mine).unwrap();
    assert_eq!((b.total(), b.failed), (2, 2));
    assert_eq!(b.cases[0].name, "t2");
}
