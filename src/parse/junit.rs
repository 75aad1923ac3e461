//! Reading a JUnit XML report that a test wrote itself (to the path in
//! `PTEST_JUNIT_FILE`), leniently: what pytest (`--junitxml`), jest-junit,
//! go-junit-report, Maven Surefire and most other tools write.
//!
//! # What is read
//!
//! * The root is `<testsuites>`, a bare `<testsuite>` (or, leniently, a bare
//!   `<testcase>`); suites may nest. Every `<testcase>` anywhere in the
//!   document is one [`CaseResult`], in document order; suites only group
//!   them and are otherwise ignored (their counts are not trusted).
//! * A `<testcase>` with a `<failure>` or `<error>` child is
//!   [`CaseStatus::Fail`]; else one with a `<skipped>` child is
//!   [`CaseStatus::Skip`] (reason: its `message`, else its text); else it is
//!   [`CaseStatus::Pass`]. pytest's expected failures are TODO tests, as
//!   TAP's `# TODO`: `<skipped type="pytest.xfail">` is
//!   [`CaseStatus::TodoFail`], and `<skipped message="xfail-marked test
//!   passes unexpectedly">` (how pytest writes an unexpected pass of an
//!   xfail test when it records one) is [`CaseStatus::TodoPass`]. Current
//!   pytest writes a non-strict xpass as a plain passing case (nothing marks
//!   it) and a strict one as a `<failure>`: those stay a pass and a failure. Other children (Surefire's `<flakyFailure>`,
//!   `<rerunFailure>`, `<properties>`, …) are ignored.
//! * `time` is seconds: `"1.5"`, `"1,234.5"` (`,` as thousands separator
//!   when a `.` is present or exactly three digits follow it; as decimal
//!   separator otherwise: `"1,5"`), `"1.5s"`, `"250ms"`. A missing, empty,
//!   negative or unreadable time is `None`, never an error.
//! * Entities (`&lt;`, `&#10;`, `&#x41;`) and CDATA are decoded in text and
//!   attributes; an unknown entity (`&nbsp;`) is kept as written, bytes that
//!   are not UTF-8 are replaced, and a lone `&` is kept.
//!
//! # Names
//!
//! A case's [`CaseResult::name`] is built from `classname` and `name` so that
//! names are unique within a file and stable across runs, without repeating
//! the file the case belongs to (`file` is the test file's id):
//!
//! * no `classname` (or an empty one): `name`;
//! * `classname` equal to `file` (`tests/test_db.py`), to its base name
//!   (`test_db.py`; bats writes `classname="x.bats"`), to its module form
//!   (`tests.test_db`, as pytest writes it) or to a dotted tail of it
//!   (`test_db`, as pytest writes it when its root directory is `tests/`):
//!   `name`;
//! * `name` equal to `classname`, or starting with it followed by a space,
//!   `.`, `:` or `/` (jest-junit repeats the describe block in both): `name`;
//! * `classname` under the module form or one of its tails
//!   (`tests.test_db.TestUser`, `test_db.TestUser`): the rest, a dot, `name`
//!   (`TestUser.test_login`);
//! * otherwise `classname.name` (go-junit-report: `pkg.TestFoo`).
//!
//! # Where a case is
//!
//! [`CaseResult::location`] comes from the `<testcase>`'s `file` and `line`
//! attributes (pytest writes both with `-o junit_family=xunit1`; jest-junit
//! and others write `file` only); without `file` there is none. `line` is
//! read leniently: not a number, or 0, is no line. pytest counts lines
//! from 0 (a `def` on line 5 is `line="4"`), so in a report whose
//! `<testsuites>` is named `pytest tests` or whose `<testsuite>` is named
//! `pytest` a line is one more than written. A `file` that names the test
//! file from another root — a tail of its id (`test_db.py` from a `tests/`
//! rootdir) or a path that ends with it (`/ci/repo/tests/test_db.py`) — is
//! stored as the test file's id, so that it is relative to where ptest
//! runs; any other is kept as written.
//!
//! # What a failing case carries
//!
//! * [`CaseResult::line`]: one line, `FAIL name: message` for `<failure>`,
//!   `ERROR name: message` for `<error>` (the message, else the first line of
//!   the element's text; at most [`MAX_LINE_CHARS`] characters).
//! * [`CaseResult::diagnostics`]: each failure's `message` (unless its text
//!   already contains it) and text, then
//!   the case's `<system-out>` and `<system-err>`, at most
//!   [`MAX_CASE_DIAGNOSTICS_BYTES`] per case and
//!   [`MAX_TOTAL_DIAGNOSTICS_BYTES`] for the whole report. Passing and skipped
//!   cases carry no diagnostics (their output stays in the logs).
//!
//! # Bounds
//!
//! A report is read as a stream and never held whole: at most
//! [`MAX_REPORT_BYTES`] are read (a larger report is an error), and after
//! [`MAX_STORED_CASES`] cases only failing ones are stored (up to
//! [`MAX_EXTRA_FAILURES`] more); the others are only counted
//! ([`JunitReport::omitted_cases`]). Counts by status always cover every case
//! read.
//!
//! # Errors
//!
//! XML that is not well-formed, a document whose root is not a JUnit element,
//! an empty or truncated document, and a report that is too large are
//! [`JunitParseError`]s (values, never panics), so the caller can report the file
//! as broken and go on.

use super::{CaseResult, CaseStatus, SourceLocation};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::BufRead;
use std::time::Duration;

/// Cases stored in [`JunitReport::cases`] before only failing ones are kept.
pub const MAX_STORED_CASES: usize = 100_000;
/// Failing cases still stored after [`MAX_STORED_CASES`].
pub const MAX_EXTRA_FAILURES: usize = 10_000;
/// Cap on one case's [`CaseResult::diagnostics`].
pub const MAX_CASE_DIAGNOSTICS_BYTES: usize = 8 * 1024;
/// Cap on the diagnostics of all cases of one report together.
pub const MAX_TOTAL_DIAGNOSTICS_BYTES: usize = 8 * 1024 * 1024;
/// Cap on a skip reason and on the text kept from one attribute.
const MAX_ATTR_BYTES: usize = 4 * 1024;
/// Cap on the message shown in [`CaseResult::line`], in characters.
pub const MAX_LINE_CHARS: usize = 200;
/// The largest report read; a larger one is [`JunitParseError::TooLarge`].
pub const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;
/// Appended to diagnostics that hit a cap.
const TRUNCATED: &str = "[diagnostics truncated]";
/// The `type` pytest gives the `<skipped>` of an expected failure (xfail).
const PYTEST_XFAIL: &str = "pytest.xfail";
/// The `message` pytest gives the `<skipped>` of an xfail test that passed.
const PYTEST_XPASS: &str = "xfail-marked test passes unexpectedly";

/// What a `<skipped>` element stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SkipKind {
    /// A test that did not run.
    Skipped,
    /// An expected failure (pytest xfail): a TODO test that failed.
    ExpectedFailure,
    /// An xfail test that passed (pytest xpass): a TODO test that passed.
    UnexpectedPass,
}

impl SkipKind {
    /// From the `<skipped>` element's `type` and `message` attributes.
    fn of(kind: Option<&str>, message: Option<&str>) -> SkipKind {
        match (kind.map(str::trim), message.map(str::trim)) {
            (_, Some(PYTEST_XPASS)) => SkipKind::UnexpectedPass,
            (Some(PYTEST_XFAIL), _) => SkipKind::ExpectedFailure,
            _ => SkipKind::Skipped,
        }
    }
}

/// Everything read from one JUnit report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JunitReport {
    /// The test cases in document order (see the [module docs](self) for
    /// names and bounds).
    pub cases: Vec<CaseResult>,
    /// Passing test cases read, stored or not.
    pub passed: u64,
    /// Failing test cases (`<failure>` or `<error>`) read, stored or not.
    pub failed: u64,
    /// Skipped test cases read, stored or not.
    pub skipped: u64,
    /// TODO test cases (pytest's xfail and xpass) read, stored or not.
    pub todo: u64,
    /// Test cases read but not stored in `cases`, to bound memory.
    pub omitted_cases: u64,
}

impl JunitReport {
    /// Every test case read: `passed + failed + skipped + todo`.
    pub fn total(&self) -> u64 {
        self.passed + self.failed + self.skipped + self.todo
    }

    /// The test cases read but not stored in `cases`, by status (the
    /// counts by status minus what `cases` holds).
    pub fn omitted(&self) -> super::CaseCounts {
        let mut stored = super::CaseCounts::default();
        for case in &self.cases {
            stored.add(case.status);
        }
        super::CaseCounts {
            passed: self.passed.saturating_sub(stored.passed),
            failed: self.failed.saturating_sub(stored.failed),
            skipped: self.skipped.saturating_sub(stored.skipped),
            todo: self.todo.saturating_sub(stored.todo),
        }
    }
}

/// Why a JUnit report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JunitParseError {
    /// Reading the bytes failed.
    #[error("read error: {message}")]
    Read {
        /// The operating system's reason.
        message: String,
    },
    /// The XML is not well-formed.
    #[error("not well-formed XML near byte {position}: {message}")]
    Xml {
        /// Byte offset where reading stopped.
        position: u64,
        /// The XML parser's complaint.
        message: String,
    },
    /// The document has no element at all.
    #[error("no XML element in it")]
    Empty,
    /// The root element is not a JUnit one.
    #[error(
        "not a JUnit report: the root element is <{root}>, expected <testsuites> or <testsuite>"
    )]
    NotJunit {
        /// The root element's name.
        root: String,
    },
    /// The document ends before its elements are closed.
    #[error("the XML ends with {open} element(s) still open: truncated?")]
    Truncated {
        /// Elements still open at the end.
        open: usize,
    },
    /// The report is not in UTF-8 (or ASCII): UTF-16 or UTF-32, by its
    /// byte-order mark or its first bytes.
    #[error(
        "the report is encoded in {encoding}; ptest reads JUnit reports in UTF-8: make the test write UTF-8 (e.g. `iconv -f {encoding} -t UTF-8`)"
    )]
    Encoding {
        /// The encoding found, e.g. `UTF-16LE`.
        encoding: &'static str,
    },
    /// The report is larger than [`MAX_REPORT_BYTES`].
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
}

/// The name of the encoding when a document's first bytes are UTF-32 or
/// UTF-16 (a byte-order mark, or `<` and `?` as wide characters): those
/// would otherwise read as `<\x00?\x00x…` garbage.
fn wide_encoding(head: &[u8]) -> Option<&'static str> {
    const PATTERNS: [(&[u8], &str); 8] = [
        (&[0xFF, 0xFE, 0, 0], "UTF-32LE"),
        (&[0, 0, 0xFE, 0xFF], "UTF-32BE"),
        (&[b'<', 0, 0, 0], "UTF-32LE"),
        (&[0, 0, 0, b'<'], "UTF-32BE"),
        (&[0xFF, 0xFE], "UTF-16LE"),
        (&[0xFE, 0xFF], "UTF-16BE"),
        (&[b'<', 0], "UTF-16LE"),
        (&[0, b'<'], "UTF-16BE"),
    ];
    PATTERNS
        .iter()
        .find(|(prefix, _)| head.starts_with(prefix))
        .map(|(_, name)| *name)
}

/// Parses a JUnit report from bytes. `file` is the id of the test file that
/// wrote it, used to shorten case names (see the [module docs](self)).
pub fn parse_bytes(bytes: &[u8], file: &str) -> Result<JunitReport, JunitParseError> {
    parse_reader(bytes, file)
}

/// The part of a batch's JUnit report that belongs to `file` (one of the
/// batch's files): the cases for which `mine` says yes, given each case's
/// owner key (its `file` attribute, else its `classname`,
/// else its `name`). Names and counts are as if `file` had written only
/// those cases.
pub fn parse_bytes_where(
    bytes: &[u8],
    file: &str,
    mine: &dyn Fn(&str) -> bool,
) -> Result<JunitReport, JunitParseError> {
    let mut state = State::new(file);
    state.keep = Some(mine);
    parse_with(bytes, state, MAX_REPORT_BYTES)
}

/// Which of `files` (test file ids, as in a batch) a case whose owner key
/// is `key` belongs to: the file whose id, base name or path tail equals
/// the key (a `file` attribute), or whose module form (`tests.test_db`) or
/// one of its dotted tails (`test_db`) is the key or starts it followed by
/// `.` (a pytest `classname`, `tests.test_db.TestUser`, or the `name` of
/// a collection error). The longest match wins, so `a/test_x.py` and
/// `b/test_x.py` are told apart when the key says which; a tie goes to
/// the first file.
pub fn case_owner(key: &str, files: &[&str]) -> Option<usize> {
    let key = key.trim();
    if key.is_empty() {
        return None;
    }
    let key_path = key.strip_prefix("./").unwrap_or(key);
    let mut best: Option<(usize, usize)> = None;
    for (i, file) in files.iter().enumerate() {
        let mut score = 0;
        // A path: equal, or one ends with the other at a `/`.
        if key_path == *file
            || file.ends_with(&format!("/{key_path}"))
            || key_path.ends_with(&format!("/{file}"))
        {
            score = key_path.len().min(file.len()) + 1;
        }
        let module = module_form(file);
        let tails =
            std::iter::successors(Some(module.as_str()), |m| m.split_once('.').map(|(_, r)| r))
                .filter(|m| !m.is_empty());
        for tail in tails {
            let under = key
                .strip_prefix(tail)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
            if under {
                score = score.max(tail.len());
                break;
            }
        }
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, i));
        }
    }
    best.map(|(_, i)| i)
}

/// The key [`case_owner`] routes a case by: its `file` attribute, else its
/// `classname`, else its `name` (pytest names a collection error's case
/// after its module, with an empty `classname`).
fn case_key(attrs: &Attrs) -> String {
    [&attrs.file, &attrs.classname, &attrs.name]
        .into_iter()
        .flatten()
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
        .unwrap_or("")
        .to_string()
}

/// Parses a JUnit report from a reader, as a stream (see the
/// [module docs](self) for what is read and how much is kept).
pub fn parse_reader<R: BufRead>(reader: R, file: &str) -> Result<JunitReport, JunitParseError> {
    parse_limited(reader, file, MAX_REPORT_BYTES)
}

/// [`parse_reader`] reading at most `limit` bytes.
fn parse_limited<R: BufRead>(
    reader: R,
    file: &str,
    limit: u64,
) -> Result<JunitReport, JunitParseError> {
    parse_with(reader, State::new(file), limit)
}

/// Reads a report into `state`, at most `limit` bytes.
fn parse_with<R: BufRead>(
    mut reader: R,
    mut state: State<'_>,
    limit: u64,
) -> Result<JunitReport, JunitParseError> {
    let head = reader.fill_buf().map_err(|e| JunitParseError::Read {
        message: e.to_string(),
    })?;
    if let Some(encoding) = wide_encoding(head) {
        return Err(JunitParseError::Encoding { encoding });
    }
    // One byte more than the limit tells a report of exactly the limit from a
    // larger one.
    let mut xml = Reader::from_reader(reader.take(limit.saturating_add(1)));
    let config = xml.config_mut();
    config.allow_dangling_amp = true;
    config.check_comments = false;
    config.trim_text(false);
    let too_large = |xml: &Reader<std::io::Take<R>>| xml.get_ref().limit() == 0;

    let mut buf = Vec::with_capacity(8 * 1024);
    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) if too_large(&xml) => return Err(JunitParseError::TooLarge { limit }),
            Err(quick_xml::Error::Io(e)) => {
                return Err(JunitParseError::Read {
                    message: e.to_string(),
                })
            }
            Err(e) => {
                return Err(JunitParseError::Xml {
                    position: xml.error_position(),
                    message: e.to_string(),
                })
            }
        };
        match event {
            Event::Start(e) => state.start(&e, false)?,
            Event::Empty(e) => state.start(&e, true)?,
            Event::End(_) => state.end(),
            // Text is decoded only where it is kept.
            Event::Text(t) if state.capturing() => state.text(&String::from_utf8_lossy(&t)),
            Event::CData(t) if state.capturing() => state.text(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) if state.capturing() => {
                state.text(&resolve_entity(&String::from_utf8_lossy(&r.into_inner())));
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {}
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if too_large(&xml) {
        return Err(JunitParseError::TooLarge { limit });
    }
    state.finish()
}

/// The text an entity reference stands for: predefined entities and
/// character references are resolved, anything else is kept as written.
fn resolve_entity(name: &str) -> String {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number
            .strip_prefix('x')
            .or_else(|| number.strip_prefix('X'))
        {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        };
        if let Some(ch) = code.and_then(char::from_u32).filter(|&c| c != '\0') {
            return ch.to_string();
        }
    } else if let Some(text) = quick_xml::escape::resolve_xml_entity(name) {
        return text.to_string();
    }
    format!("&{name};")
}

/// Replaces entity references in an attribute value (raw, as written).
fn unescape_lenient(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // An entity name is at most 32 bytes: looking further for its `;`
        // would make a value full of `&`s quadratic.
        let window = &after.as_bytes()[..after.len().min(33)];
        match window.iter().position(|&b| b == b';') {
            Some(semi)
                if semi > 0 && !after[..semi].contains(|c: char| c.is_whitespace() || c == '&') =>
            {
                out.push_str(&resolve_entity(&after[..semi]));
                rest = &after[semi + 1..];
            }
            Some(_) | None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses a JUnit `time` attribute leniently (see the [module docs](self)).
pub fn parse_time(raw: &str) -> Option<Duration> {
    let text = raw.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n.trim_end(), 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n.trim_end(), 1.0)
    } else {
        (text, 1.0)
    };
    if number.is_empty() {
        return None;
    }
    let number = match (number.contains('.'), number.matches(',').count()) {
        (_, 0) => number.to_string(),
        (true, _) => number.replace(',', ""),
        (false, 1) => {
            let after = number.rsplit(',').next().unwrap_or("");
            if after.len() == 3 {
                number.replace(',', "")
            } else {
                number.replace(',', ".")
            }
        }
        (false, _) => number.replace(',', ""),
    };
    let seconds = number.parse::<f64>().ok()? * scale;
    if seconds.is_finite() && seconds >= 0.0 {
        Duration::try_from_secs_f64(seconds).ok()
    } else {
        None
    }
}

/// `tests/test_db.py` → `tests.test_db`: how pytest and other JUnit
/// writers name a test file's module.
pub(crate) fn module_form(id: &str) -> String {
    let (dir, name) = match id.rsplit_once('/') {
        Some((dir, name)) => (Some(dir), name),
        None => (None, id),
    };
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    match dir {
        Some(dir) => format!("{}.{stem}", dir.replace('/', ".")),
        None => stem.to_string(),
    }
}

/// A case's name from its `classname` and `name` (see the
/// [module docs](self)).
fn case_name(name: &str, classname: Option<&str>, file: &str, module: &str) -> String {
    let name = name.trim();
    let class = match classname.map(str::trim) {
        Some(c) if !c.is_empty() => c,
        Some(_) | None => return name.to_string(),
    };
    if name.is_empty() {
        return class.to_string();
    }
    // `tests.test_db`, then `test_db`: longest first.
    let tails = || {
        std::iter::successors(Some(module), |m| m.split_once('.').map(|(_, rest)| rest))
            .filter(|m| !m.is_empty())
    };
    let base = file.rsplit_once('/').map_or(file, |(_, base)| base);
    if class == file || class == base || tails().any(|m| m == class) {
        return name.to_string();
    }
    if let Some(rest) = name.strip_prefix(class) {
        if rest.is_empty() || rest.starts_with([' ', '.', ':', '/']) {
            return name.to_string();
        }
    }
    let under = tails().find_map(|m| {
        class
            .strip_prefix(m)
            .and_then(|r| r.strip_prefix('.'))
            .filter(|r| !r.is_empty())
    });
    match under {
        Some(rest) => format!("{rest}.{name}"),
        None => format!("{class}.{name}"),
    }
}

/// Whether a `<testsuites>` or `<testsuite>` named `name` is pytest's
/// (`<testsuites name="pytest tests">`, `<testsuite name="pytest">`),
/// whose `line` attributes count from 0.
fn is_pytest_suite(element: &[u8], name: &str) -> bool {
    match element {
        b"testsuites" => name == "pytest tests",
        b"testsuite" => name == "pytest",
        _ => false,
    }
}

/// A case's [`SourceLocation`] from its `file` and `line` attributes (see
/// the [module docs](self)); `id` is the test file's id.
fn case_location(
    file: Option<&str>,
    line: Option<&str>,
    id: &str,
    zero_based: bool,
) -> Option<SourceLocation> {
    let file = file.map(str::trim).filter(|f| !f.is_empty())?;
    let path = file.strip_prefix("./").unwrap_or(file);
    // The report's path is relative to its writer's root (pytest's
    // rootdir), which may be above or below where ptest runs.
    let file =
        if path == id || id.ends_with(&format!("/{path}")) || path.ends_with(&format!("/{id}")) {
            id
        } else {
            file
        };
    let line = line
        .and_then(|l| l.trim().parse::<u32>().ok())
        .and_then(|l| {
            if zero_based {
                l.checked_add(1)
            } else {
                Some(l)
            }
        })
        .filter(|l| *l > 0);
    Some(SourceLocation {
        file: file.to_string(),
        line,
    })
}

/// Appends `text` to `out` while `out` is below `cap` bytes; returns whether
/// anything was cut.
fn push_capped(out: &mut String, text: &str, cap: usize) -> bool {
    let room = cap.saturating_sub(out.len());
    if text.len() <= room {
        out.push_str(text);
        return false;
    }
    let mut cut = room;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    out.push_str(&text[..cut]);
    true
}

/// `text` on one line, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let mut line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > max {
        line = line.chars().take(max).collect::<String>() + "…";
    }
    line
}

/// The child element of a `<testcase>` whose text is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Failure,
    Error,
    Skipped,
    SystemOut,
    SystemErr,
}

/// Text being collected from a [`Part`].
struct Capture {
    part: Part,
    /// Depth of the element.
    depth: usize,
    message: Option<String>,
    /// For `<skipped>`: what it stands for.
    skip: SkipKind,
    text: String,
    truncated: bool,
}

/// The `<testcase>` being read.
struct OpenCase {
    depth: usize,
    name: String,
    /// What it is routed by in a batch's report (see [`case_key`]).
    key: String,
    time: Option<Duration>,
    /// From its `file` and `line` attributes.
    location: Option<SourceLocation>,
    /// `<failure>` (false) or `<error>` (true), and its one-line summary.
    failure: Option<(bool, String)>,
    /// The first `<skipped>`: what it stands for and its reason.
    skipped: Option<(SkipKind, Option<String>)>,
    /// Failure messages and texts.
    details: String,
    output: String,
    truncated: bool,
}

struct State<'f> {
    file: &'f str,
    module: String,
    /// Whether `line` attributes count from 0 (pytest's do).
    zero_based_lines: bool,
    depth: usize,
    root_seen: bool,
    case: Option<OpenCase>,
    capture: Option<Capture>,
    report: JunitReport,
    /// Cases read so far (numbers them).
    read: u64,
    diagnostics_bytes: usize,
    /// In a batch's report, which cases are this file's (by their key).
    keep: Option<&'f dyn Fn(&str) -> bool>,
}

impl<'f> State<'f> {
    fn new(file: &'f str) -> State<'f> {
        State {
            file,
            module: module_form(file),
            zero_based_lines: false,
            depth: 0,
            root_seen: false,
            case: None,
            capture: None,
            report: JunitReport::default(),
            read: 0,
            diagnostics_bytes: 0,
            keep: None,
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), JunitParseError> {
        let local = e.local_name();
        let element = local.as_ref();
        if !self.root_seen {
            self.root_seen = true;
            if !matches!(element, b"testsuites" | b"testsuite" | b"testcase") {
                return Err(JunitParseError::NotJunit {
                    root: one_line(&String::from_utf8_lossy(element), 60),
                });
            }
        }
        if matches!(element, b"testsuites" | b"testsuite") && self.case.is_none() {
            let name = Attrs::of(e).name.unwrap_or_default();
            self.zero_based_lines |= is_pytest_suite(element, &name);
        }
        self.depth += 1;
        let part = match element {
            b"failure" => Some(Part::Failure),
            b"error" => Some(Part::Error),
            b"skipped" => Some(Part::Skipped),
            b"system-out" => Some(Part::SystemOut),
            b"system-err" => Some(Part::SystemErr),
            _ => None,
        };
        match (element == b"testcase", part, &self.case, &self.capture) {
            // A new test case (nested test cases are ignored).
            (true, _, None, _) => {
                let attrs = Attrs::of(e);
                self.case = Some(OpenCase {
                    depth: self.depth,
                    key: case_key(&attrs),
                    name: case_name(
                        attrs.name.as_deref().unwrap_or(""),
                        attrs.classname.as_deref(),
                        self.file,
                        &self.module,
                    ),
                    time: attrs.time.as_deref().and_then(parse_time),
                    location: case_location(
                        attrs.file.as_deref(),
                        attrs.line.as_deref(),
                        self.file,
                        self.zero_based_lines,
                    ),
                    failure: None,
                    skipped: None,
                    details: String::new(),
                    output: String::new(),
                    truncated: false,
                });
            }
            // A result or output element of the open test case.
            (false, Some(part), Some(_), None) => {
                let (message, skip) = match part {
                    Part::Failure | Part::Error | Part::Skipped => {
                        let attrs = Attrs::of(e);
                        let skip = SkipKind::of(attrs.kind.as_deref(), attrs.message.as_deref());
                        (attrs.message, skip)
                    }
                    Part::SystemOut | Part::SystemErr => (None, SkipKind::Skipped),
                };
                self.capture = Some(Capture {
                    part,
                    depth: self.depth,
                    message,
                    skip,
                    text: String::new(),
                    truncated: false,
                });
            }
            // Suites, properties, markup inside a failure's text, …
            (true, _, Some(_), _)
            | (false, None, _, _)
            | (false, Some(_), None, _)
            | (false, Some(_), Some(_), Some(_)) => {}
        }
        if empty {
            self.end();
        }
        Ok(())
    }

    /// Whether text is being collected.
    fn capturing(&self) -> bool {
        self.capture.is_some()
    }

    fn text(&mut self, text: &str) {
        if let Some(capture) = &mut self.capture {
            let cap = match capture.part {
                Part::Skipped => MAX_ATTR_BYTES,
                Part::Failure | Part::Error | Part::SystemOut | Part::SystemErr => {
                    MAX_CASE_DIAGNOSTICS_BYTES
                }
            };
            let text = text.replace("\r\n", "\n").replace('\r', "\n");
            capture.truncated |= push_capped(&mut capture.text, &text, cap);
        }
    }

    fn end(&mut self) {
        if self.capture.as_ref().is_some_and(|c| c.depth == self.depth) {
            if let (Some(capture), Some(case)) = (self.capture.take(), self.case.as_mut()) {
                case.add(capture);
            }
        } else if self.case.as_ref().is_some_and(|c| c.depth == self.depth) {
            if let Some(case) = self.case.take() {
                self.store(case);
            }
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn store(&mut self, case: OpenCase) {
        if self.keep.is_some_and(|mine| !mine(&case.key)) {
            return;
        }
        self.read += 1;
        let status = match (&case.failure, &case.skipped) {
            (Some(_), _) => {
                self.report.failed += 1;
                CaseStatus::Fail
            }
            (None, Some((SkipKind::Skipped, _))) => {
                self.report.skipped += 1;
                CaseStatus::Skip
            }
            (None, Some((SkipKind::ExpectedFailure, _))) => {
                self.report.todo += 1;
                CaseStatus::TodoFail
            }
            (None, Some((SkipKind::UnexpectedPass, _))) => {
                self.report.todo += 1;
                CaseStatus::TodoPass
            }
            (None, None) => {
                self.report.passed += 1;
                CaseStatus::Pass
            }
        };
        let stored = self.report.cases.len();
        let failing = status.is_failure();
        if stored >= MAX_STORED_CASES
            && !(failing && stored - MAX_STORED_CASES < MAX_EXTRA_FAILURES)
        {
            self.report.omitted_cases += 1;
            return;
        }
        let mut diagnostics = String::new();
        let mut line = None;
        if let Some((is_error, message)) = &case.failure {
            let label = if *is_error { "ERROR" } else { "FAIL" };
            let shown = if case.name.is_empty() {
                format!("test {}", self.read)
            } else {
                one_line(&case.name, MAX_LINE_CHARS)
            };
            line = Some(if message.is_empty() {
                format!("{label} {shown}")
            } else {
                format!("{label} {shown}: {message}")
            });
            let mut text = case.details.trim_end().to_string();
            if !case.output.is_empty() {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(case.output.trim_end());
            }
            let room = MAX_TOTAL_DIAGNOSTICS_BYTES.saturating_sub(self.diagnostics_bytes);
            let cut = push_capped(
                &mut diagnostics,
                &text,
                room.min(MAX_CASE_DIAGNOSTICS_BYTES),
            );
            if cut || case.truncated {
                if !diagnostics.is_empty() {
                    diagnostics.push('\n');
                }
                diagnostics.push_str(TRUNCATED);
            }
            self.diagnostics_bytes += diagnostics.len();
        }
        self.report.cases.push(CaseResult {
            number: Some(self.read),
            name: case.name,
            status,
            reason: case
                .skipped
                .and_then(|(_, reason)| reason)
                .filter(|_| !failing),
            diagnostics,
            line,
            duration: case.time,
            location: case.location,
        });
    }

    fn finish(self) -> Result<JunitReport, JunitParseError> {
        if !self.root_seen {
            return Err(JunitParseError::Empty);
        }
        if self.depth > 0 {
            return Err(JunitParseError::Truncated { open: self.depth });
        }
        Ok(self.report)
    }
}

impl OpenCase {
    /// Takes in a finished child element.
    fn add(&mut self, capture: Capture) {
        self.truncated |= capture.truncated;
        let message = capture.message.unwrap_or_default();
        let message = message.trim();
        let text = capture.text.trim_matches('\n').trim_end();
        match capture.part {
            Part::Failure | Part::Error => {
                if self.failure.is_none() {
                    let summary = if message.is_empty() {
                        text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
                    } else {
                        message
                    };
                    self.failure = Some((
                        capture.part == Part::Error,
                        one_line(summary, MAX_LINE_CHARS),
                    ));
                }
                // The message is often repeated in the text (pytest's
                // `E   assert …` lines): then the text alone.
                let message = if text.contains(message) { "" } else { message };
                for piece in [message, text] {
                    if piece.is_empty() {
                        continue;
                    }
                    if !self.details.is_empty() {
                        self.details.push('\n');
                    }
                    self.truncated |=
                        push_capped(&mut self.details, piece, MAX_CASE_DIAGNOSTICS_BYTES);
                }
            }
            Part::Skipped => {
                if self.skipped.is_none() {
                    let reason = if message.is_empty() { text } else { message };
                    let reason = reason.trim();
                    self.skipped = Some((
                        capture.skip,
                        (!reason.is_empty()).then(|| reason.to_string()),
                    ));
                }
            }
            Part::SystemOut | Part::SystemErr => {
                if text.trim().is_empty() {
                    return;
                }
                let label = if capture.part == Part::SystemOut {
                    "--- system-out ---\n"
                } else {
                    "--- system-err ---\n"
                };
                if !self.output.is_empty() {
                    self.output.push('\n');
                }
                self.truncated |= push_capped(&mut self.output, label, MAX_CASE_DIAGNOSTICS_BYTES)
                    || push_capped(&mut self.output, text, MAX_CASE_DIAGNOSTICS_BYTES);
            }
        }
    }
}

/// The attributes of a JUnit element that matter here.
#[derive(Default)]
struct Attrs {
    name: Option<String>,
    classname: Option<String>,
    /// The test file (pytest's `junit_family=xunit1`, Jest, …).
    file: Option<String>,
    time: Option<String>,
    message: Option<String>,
    /// The `type` attribute.
    kind: Option<String>,
    /// The test's line in `file` (pytest's `junit_family=xunit1`, …).
    line: Option<String>,
}

impl Attrs {
    /// Reads the attributes leniently: duplicates are allowed, and reading
    /// stops at the first malformed one.
    fn of(start: &BytesStart<'_>) -> Attrs {
        let mut attrs = Attrs::default();
        for attr in start.attributes().with_checks(false) {
            let Ok(attr) = attr else { break };
            let slot = match attr.key.local_name().as_ref() {
                b"name" => &mut attrs.name,
                b"classname" => &mut attrs.classname,
                b"file" => &mut attrs.file,
                b"time" => &mut attrs.time,
                b"message" => &mut attrs.message,
                b"type" => &mut attrs.kind,
                b"line" => &mut attrs.line,
                _ => continue,
            };
            let raw = String::from_utf8_lossy(&attr.value);
            let mut value = unescape_lenient(&raw);
            if value.len() > MAX_ATTR_BYTES {
                let mut cut = MAX_ATTR_BYTES;
                while !value.is_char_boundary(cut) {
                    cut -= 1;
                }
                value.truncate(cut);
                value.push('…');
            }
            *slot = Some(value);
        }
        attrs
    }
}

#[cfg(test)]
mod tests;
