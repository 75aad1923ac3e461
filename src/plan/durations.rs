//! Importing expected durations (`--durations FILE`).
//!
//! Three formats are read, told apart by content:
//!
//! * **JSON object** `{"tests/a.t": 12.5, "./tests/b.t": 0.8}`: seconds per
//!   file.
//! * **ptest `--json` summary**: an object with `"version"` and
//!   `"files": [{"id": …, "duration": …}]`; files without a duration (NOT
//!   RUN) are skipped.
//! * **JUnit XML**:
//!   * a `<testsuite>` with a `file` attribute gives that file its `time`
//!     (or, without `time`, the sum of its test cases' times);
//!   * otherwise every `<testcase>` adds its `time` to its `file`
//!     attribute, else its `classname`, else the enclosing suite's `name`;
//!   * a `<testsuite>` with a `name` and a `time` gives that name its time;
//!     where that name also collects test-case times, the suite's time wins
//!     (it includes setup and teardown).
//!
//! Keys are normalised: surrounding whitespace, `\` → `/`, and leading `./`
//! removed. A file id is looked up exactly first; failing that, in "module"
//! form, for reports that name test classes rather than files (pytest's
//! `classname`): `tests/test_db.py` becomes `tests.test_db`, and the times
//! of the key `tests.test_db` and of every key under it
//! (`tests.test_db.TestX`) are added up.
//!
//! Sums of times saturate at [`Duration::MAX`] instead of overflowing.

use crate::parse::junit::module_form;
use crate::util::duration::MAX_DURATION;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a durations file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum DurationsError {
    /// The file could not be read.
    #[error("cannot read durations file {path}")]
    Read {
        /// The durations file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The file looks like JSON but does not parse.
    #[error("durations file {path} is not valid JSON")]
    Json {
        /// The durations file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The file looks like XML but does not parse.
    ///
    /// The parser's complaint is part of the message, not a `source`:
    /// quick-xml's errors print their own cause, so a cause chain would
    /// say the same thing twice.
    #[error("durations file {path} is not valid XML (near byte {position}): {cause}")]
    Xml {
        /// The durations file.
        path: PathBuf,
        /// Byte offset where reading stopped.
        position: u64,
        /// The parser's complaint.
        cause: quick_xml::Error,
    },
    /// The file parses but does not hold durations in a known shape.
    #[error("durations file {path}: {problem}")]
    Invalid {
        /// The durations file.
        path: PathBuf,
        /// What is wrong, for people.
        problem: String,
    },
}

/// Expected durations by file (or class) name, as imported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedDurations {
    by_key: BTreeMap<String, Duration>,
}

/// Removes surrounding whitespace and leading `./`, and turns `\` into `/`.
pub(crate) fn normalize(path: &str) -> String {
    let path = path.trim().replace('\\', "/");
    let mut rest = path.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r;
    }
    rest.to_string()
}

/// Non-negative finite seconds up to [`MAX_DURATION`], or what is wrong
/// with them (to follow the value in a message).
fn seconds(v: f64) -> Result<Duration, &'static str> {
    if !v.is_finite() {
        Err("is not a finite number of seconds")
    } else if v < 0.0 {
        Err("is negative: expected seconds >= 0")
    } else if v > MAX_DURATION.as_secs_f64() {
        Err("is more than a year (31536000 seconds), the most a file may be expected to take")
    } else {
        Duration::try_from_secs_f64(v).map_err(|_| "is not a number of seconds")
    }
}

/// A JSON value as seconds (see [`seconds`]).
fn json_seconds(v: &serde_json::Value) -> Result<Duration, &'static str> {
    v.as_f64()
        .ok_or("is not a number of seconds")
        .and_then(seconds)
}

impl ImportedDurations {
    /// Nothing imported.
    pub fn new() -> ImportedDurations {
        ImportedDurations::default()
    }

    /// Reads a durations file (see the module docs for the formats).
    pub fn load(path: &Path) -> Result<ImportedDurations, DurationsError> {
        let bytes = std::fs::read(path).map_err(|source| DurationsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| DurationsError::Invalid {
            path: path.to_path_buf(),
            problem: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        })?;
        ImportedDurations::parse(&text, path)
    }

    /// Parses the text of a durations file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<ImportedDurations, DurationsError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        match text.trim_start().chars().next() {
            Some('<') => parse_junit(text, origin),
            Some('{') | Some('[') => parse_json(text, origin),
            None => Err(invalid(origin, "the file is empty")),
            Some(_) => Err(invalid(
                origin,
                "neither JUnit XML nor JSON (expected `<` or `{` first)",
            )),
        }
    }

    /// Sets the duration of `key` (normalised), replacing any earlier one.
    pub fn insert(&mut self, key: &str, duration: Duration) {
        self.by_key.insert(normalize(key), duration);
    }

    fn add(&mut self, key: &str, duration: Duration) {
        let total = self.by_key.entry(normalize(key)).or_default();
        *total = total.saturating_add(duration);
    }

    /// The imported duration of a file id: exact (normalised) match first,
    /// then the module form (see the module docs).
    pub fn get(&self, id: &str) -> Option<Duration> {
        let id = normalize(id);
        if let Some(&d) = self.by_key.get(&id) {
            return Some(d);
        }
        let module = module_form(&id);
        let mut sum: Option<Duration> = None;
        for (key, &d) in self.by_key.range(module.clone()..) {
            let Some(rest) = key.strip_prefix(module.as_str()) else {
                break;
            };
            if rest.is_empty() || rest.starts_with('.') {
                let total = sum.get_or_insert(Duration::ZERO);
                *total = total.saturating_add(d);
            }
        }
        sum
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether nothing was imported.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Every key and its duration, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Duration)> {
        self.by_key.iter().map(|(k, &d)| (k.as_str(), d))
    }
}

fn invalid(origin: &Path, problem: impl Into<String>) -> DurationsError {
    DurationsError::Invalid {
        path: origin.to_path_buf(),
        problem: problem.into(),
    }
}

fn parse_json(text: &str, origin: &Path) -> Result<ImportedDurations, DurationsError> {
    use serde_json::Value;
    let value: Value = serde_json::from_str(text).map_err(|source| DurationsError::Json {
        path: origin.to_path_buf(),
        source,
    })?;
    let Value::Object(map) = value else {
        return Err(invalid(
            origin,
            "expected a JSON object: {\"path\": seconds, …} or a ptest --json summary",
        ));
    };
    let mut out = ImportedDurations::new();
    if let (Some(_), Some(files)) = (map.get("version"), map.get("files")) {
        let Value::Array(files) = files else {
            return Err(invalid(origin, "\"files\" is not an array"));
        };
        for (i, file) in files.iter().enumerate() {
            let id = file
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(origin, format!("files[{i}] has no \"id\" string")))?;
            match file.get("duration") {
                None | Some(Value::Null) => {}
                Some(v) => {
                    let d = json_seconds(v).map_err(|problem| {
                        invalid(origin, format!("files[{i}] ({id}): duration {v} {problem}"))
                    })?;
                    out.insert(id, d);
                }
            }
        }
    } else {
        for (key, v) in &map {
            let d = json_seconds(v).map_err(|problem| {
                invalid(origin, format!("the value for `{key}`, {v}, {problem}"))
            })?;
            out.insert(key, d);
        }
    }
    Ok(out)
}

/// The attributes of a JUnit element that matter here.
#[derive(Default)]
struct Attrs {
    name: Option<String>,
    file: Option<String>,
    classname: Option<String>,
    time: Option<String>,
}

/// An open `<testsuite>`.
struct Suite {
    /// `file` attribute, if any.
    file: Option<String>,
    name: Option<String>,
    time: Option<Duration>,
    /// Sum of the times of its test cases (for suites with `file`).
    case_sum: Option<Duration>,
}

enum Open {
    Suite(Suite),
    Other,
}

fn parse_junit(text: &str, origin: &Path) -> Result<ImportedDurations, DurationsError> {
    let mut reader = Reader::from_str(text);
    let xml_error = |reader: &Reader<&[u8]>, cause: quick_xml::Error| DurationsError::Xml {
        path: origin.to_path_buf(),
        position: reader.buffer_position(),
        cause,
    };
    let mut open: Vec<Open> = Vec::new();
    // Positions in `open` of the open suites, innermost last: a test case
    // finds its suite without walking every open element (quadratic for
    // deeply nested input).
    let mut suites: Vec<usize> = Vec::new();
    let mut suite_times = ImportedDurations::new();
    let mut case_times = ImportedDurations::new();
    let mut elements = 0usize;

    loop {
        let event = reader.read_event().map_err(|e| xml_error(&reader, e))?;
        let (start, is_empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                if let Some(Open::Suite(suite)) = open.pop() {
                    suites.pop();
                    close_suite(suite, &mut suite_times);
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let element = start.local_name().as_ref().to_vec();
        let attrs = read_attrs(&start).map_err(|e| xml_error(&reader, e))?;
        let time = match &attrs.time {
            Some(t) => Some(
                t.trim()
                    .parse::<f64>()
                    .map_err(|_| "is not a number of seconds")
                    .and_then(seconds)
                    .map_err(|problem| {
                        let what = String::from_utf8_lossy(&element).into_owned();
                        let name = attrs.name.as_deref().unwrap_or("");
                        invalid(
                            origin,
                            format!("invalid time `{t}` on <{what} name=\"{name}\">: it {problem}"),
                        )
                    })?,
            ),
            None => None,
        };
        let opened = match element.as_slice() {
            b"testsuite" => {
                elements += 1;
                Open::Suite(Suite {
                    file: attrs.file,
                    name: attrs.name,
                    time,
                    case_sum: None,
                })
            }
            b"testcase" => {
                elements += 1;
                let suite = match suites.last().and_then(|&i| open.get_mut(i)) {
                    Some(Open::Suite(s)) => Some(s),
                    Some(Open::Other) | None => None,
                };
                match (suite, time) {
                    (_, None) => {}
                    (Some(suite), Some(t)) if suite.file.is_some() => {
                        let sum = suite.case_sum.get_or_insert(Duration::ZERO);
                        *sum = sum.saturating_add(t);
                    }
                    (suite, Some(t)) => {
                        let key = attrs
                            .file
                            .or(attrs.classname)
                            .or_else(|| suite.and_then(|s| s.name.clone()));
                        if let Some(key) = key {
                            case_times.add(&key, t);
                        }
                    }
                }
                Open::Other
            }
            _ => Open::Other,
        };
        if is_empty {
            if let Open::Suite(suite) = opened {
                close_suite(suite, &mut suite_times);
            }
        } else {
            if let Open::Suite(_) = opened {
                suites.push(open.len());
            }
            open.push(opened);
        }
    }
    if !open.is_empty() {
        return Err(invalid(
            origin,
            format!(
                "the XML ends with {} element(s) still open: truncated?",
                open.len()
            ),
        ));
    }
    if elements == 0 {
        return Err(invalid(
            origin,
            "no <testsuite> or <testcase> elements: not a JUnit report",
        ));
    }
    for (key, d) in suite_times.by_key {
        case_times.by_key.insert(key, d);
    }
    Ok(case_times)
}

/// Records a finished `<testsuite>`'s time under its `file`, else its name.
fn close_suite(suite: Suite, suite_times: &mut ImportedDurations) {
    match (suite.file, suite.name) {
        (Some(file), _) => {
            if let Some(t) = suite.time.or(suite.case_sum) {
                suite_times.add(&file, t);
            }
        }
        (None, Some(name)) => {
            if let Some(t) = suite.time {
                suite_times.add(&name, t);
            }
        }
        (None, None) => {}
    }
}

fn read_attrs(start: &BytesStart<'_>) -> Result<Attrs, quick_xml::Error> {
    let mut attrs = Attrs::default();
    for attr in start.attributes() {
        let attr = attr.map_err(quick_xml::Error::from)?;
        let slot = match attr.key.local_name().as_ref() {
            b"name" => &mut attrs.name,
            b"file" => &mut attrs.file,
            b"classname" => &mut attrs.classname,
            b"time" => &mut attrs.time,
            _ => continue,
        };
        *slot = Some(
            attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)?
                .into_owned(),
        );
    }
    Ok(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        let err = ImportedDurations::parse(text, Path::new("d")).unwrap_err();
        let mut message = err.to_string();
        let mut cause = std::error::Error::source(&err);
        while let Some(c) = cause {
            message.push_str(&format!(": {c}"));
            cause = c.source();
        }
        message
    }

    #[test]
    fn huge_and_negative_values_say_what_is_wrong() {
        assert_eq!(
            error("{\"a.t\": 1e308}"),
            "durations file d: the value for `a.t`, 1e+308, is more than a year \
             (31536000 seconds), the most a file may be expected to take"
        );
        assert_eq!(
            error("{\"a.t\": -0.5}"),
            "durations file d: the value for `a.t`, -0.5, is negative: expected seconds >= 0"
        );
        assert_eq!(
            error("<testsuite><testcase name=\"x\" time=\"1e308\"/></testsuite>"),
            "durations file d: invalid time `1e308` on <testcase name=\"x\">: it is more than a \
             year (31536000 seconds), the most a file may be expected to take"
        );
        assert_eq!(
            error("<testsuite><testcase name=\"x\" time=\"inf\"/></testsuite>"),
            "durations file d: invalid time `inf` on <testcase name=\"x\">: it is not a finite \
             number of seconds"
        );
        let year = ImportedDurations::parse("{\"a.t\": 31536000}", Path::new("d"));
        assert_eq!(
            year.map(|d| d.get("a.t")).ok().flatten(),
            Some(MAX_DURATION)
        );
    }

    #[test]
    fn a_malformed_xml_file_says_its_problem_once() {
        let message = error("<testsuite><testcase name=\"a\" time=\"1\"></testsuite");
        assert_eq!(
            message,
            "durations file d is not valid XML (near byte 50): syntax error: tag not closed: \
             `>` not found before end of input"
        );
    }
}
