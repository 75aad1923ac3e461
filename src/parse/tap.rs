//! A streaming parser for the Test Anything Protocol (TAP 12, 13 and 14).
//!
//! The parser reads one line at a time ([`TapParser::feed_line`]) and keeps
//! only a bounded amount of state, so a child that prints gigabytes (or 40 MB
//! without a newline) costs a bounded amount of memory:
//!
//! * at most [`MAX_LINE_BYTES`] of any one line are kept, the rest of an
//!   over-long line is discarded while it is read;
//! * a test's diagnostics are capped at [`MAX_CASE_DIAGNOSTICS_BYTES`], all
//!   diagnostics together at [`MAX_TOTAL_DIAGNOSTICS_BYTES`];
//! * after [`MAX_STORED_CASES`] top-level results only failing ones are
//!   kept (up to [`MAX_EXTRA_FAILURES`] more); the others are counted in
//!   [`TapReport::omitted_cases`];
//! * repeated problems (e.g. thousands of out-of-sequence numbers) are
//!   summarised after [`MAX_PROBLEMS`].
//!
//! The stream is judged as `prove` (`TAP::Parser`) judges it: a missing plan,
//! a plan/count mismatch, a second plan, a plan in the middle, numbers out of
//! sequence and a misplaced `TAP version` line are [`TapReport::problems`].
//! A few decisions where TAP is ambiguous:
//!
//! * `not ok # SKIP` is a failure ([`CaseStatus::Fail`], with the SKIP reason
//!   kept): `TAP::Parser::Result::Test::is_ok` only reverses `not ok` for
//!   TODO, so `prove` counts it as failed.
//! * `# skip` is recognised as a case-insensitive prefix (`# Skipped: …`
//!   works); `# todo` must be a whole word (`# TODO: …` works, `# todos`
//!   does not). Only the first unescaped `#` can start a directive;
//!   `\#` and `\\` in descriptions are unescaped. Any other `# comment`
//!   stays in the description (as in `TAP::Parser`), except node-tap's
//!   `# time=12ms`, which becomes the case's duration. So does a top-level
//!   `duration_ms:` key in a test's YAML block.
//! * `1..N # comment` is accepted as a plan; `1..0` with anything after it
//!   skips the whole file (the reason is the text after `# SKIP`, or the
//!   whole comment, or empty).
//! * Unknown lines (`pragma +strict`, program output, indented text) are
//!   ignored and never problems; YAML blocks are accepted in any version and an
//!   unterminated YAML block is not a problem.
//! * Subtests (TAP 14 `# Subtest: name` headers, Test::More's indented
//!   headers, header-less indented streams that have a plan, and Test2's
//!   buffered `ok 1 - name {` … `}` form) are parsed recursively. The parent's
//!   test line is the case; a summary of the failing child lines goes into
//!   its diagnostics, and a parent that says `ok` over a broken child (failed
//!   test, missing or wrong plan, …) is a problem. This check is ptest's
//!   own: `prove` only reads the parent line.
//! * `Bail out!` at the start of a line (or of an indented child line) stops
//!   the parse; plan problems are not added afterwards.

use super::{CaseCounts, CaseResult, CaseStatus};
use serde::{Deserialize, Serialize};
use std::io::{self, BufRead};
use std::time::Duration;

/// How much of any one line is kept; the rest of a longer line is discarded.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Cap on one test's [`CaseResult::diagnostics`].
pub const MAX_CASE_DIAGNOSTICS_BYTES: usize = 64 * 1024;
/// Cap on the diagnostics of all tests of one stream together.
pub const MAX_TOTAL_DIAGNOSTICS_BYTES: usize = 8 * 1024 * 1024;
/// Top-level results stored in [`TapReport::cases`] before only failing
/// ones are kept.
pub const MAX_STORED_CASES: usize = 100_000;
/// Failing results still stored after [`MAX_STORED_CASES`].
pub const MAX_EXTRA_FAILURES: usize = 10_000;
/// Problems listed one by one before the rest are only counted.
pub const MAX_PROBLEMS: usize = 20;
/// Deepest subtest nesting followed; deeper lines are ignored.
const MAX_DEPTH: usize = 32;
/// Failing child lines summarised in a parent's diagnostics.
const MAX_SUMMARY_LINES: usize = 10;
/// Cap on one problem message or one summary line (they nest subtests).
const MAX_MESSAGE_BYTES: usize = 1024;
/// Appended to diagnostics that hit a cap.
const DIAG_TRUNCATED: &str = "[diagnostics truncated]";

/// The plan line of a TAP stream (`1..N`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TapPlan {
    /// Number of tests announced.
    pub count: u64,
    /// `1..0 # SKIP reason`: the reason the whole file was skipped.
    pub skip_all: Option<String>,
    /// A TAP 12 (legacy) plan's TODO list, `1..4 todo 2 3;`: the tests of
    /// these numbers are TODO tests, as `TAP::Parser` reads them (before any
    /// `TAP version 13` line only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub todo: Vec<u64>,
}

/// Everything read from one TAP stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TapReport {
    /// `TAP version N`, if present.
    pub version: Option<u32>,
    /// The plan, if present.
    pub plan: Option<TapPlan>,
    /// Top-level test points in order.
    pub cases: Vec<CaseResult>,
    /// `Bail out!` and its reason.
    pub bail_out: Option<String>,
    /// Stream errors that make the file fail as `prove` would: no plan,
    /// plan/count mismatch, out-of-sequence numbers, duplicate plan, …
    pub problems: Vec<String>,
    /// Top-level test lines read (before any `Bail out!`). Equals
    /// `cases.len() + omitted_cases`.
    #[serde(default)]
    pub tests_run: u64,
    /// Top-level results read but not stored in `cases` to bound memory
    /// (passing results after [`MAX_STORED_CASES`]; failing ones after
    /// [`MAX_EXTRA_FAILURES`] more, which also adds a problem).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted_cases: u64,
    /// The results not stored in `cases`, by status (their total is
    /// `omitted_cases`): what keeps a long stream's counts exact.
    #[serde(default, skip_serializing_if = "CaseCounts::is_zero")]
    pub omitted: CaseCounts,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TapReport {
    /// Whether the stream looked like TAP at all: a plan or version line,
    /// or a top-level `not ok` line (with or without a directive). Output
    /// with `ok` lines only and no plan may be a script's chatter; a `not
    /// ok` line is a failure report that must never end in PASS, so the
    /// stream is then judged as `prove` judges it (no plan fails it too).
    pub fn looks_like_tap(&self) -> bool {
        self.version.is_some()
            || self.plan.is_some()
            || self.omitted.failed > 0
            || self
                .cases
                .iter()
                .any(|c| matches!(c.status, CaseStatus::Fail | CaseStatus::TodoFail))
    }
}

/// Parses a whole TAP stream from a reader, one capped line at a time.
pub fn parse_reader<R: BufRead>(mut reader: R) -> io::Result<TapReport> {
    let mut parser = TapParser::new();
    let mut line = Vec::with_capacity(256);
    while read_line_capped(&mut reader, &mut line, MAX_LINE_BYTES)? {
        parser.feed_line(&line);
    }
    Ok(parser.finish())
}

/// Parses a whole TAP stream from a string.
pub fn parse_str(text: &str) -> TapReport {
    parse_reader(text.as_bytes()).unwrap_or_default()
}

/// Reads one line (without its `\n`) into `out`, keeping at most `cap` bytes
/// and discarding the rest of the line as it is read. Returns `false` at end
/// of input (nothing read).
fn read_line_capped<R: BufRead>(reader: &mut R, out: &mut Vec<u8>, cap: usize) -> io::Result<bool> {
    out.clear();
    let mut read_any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(read_any);
        }
        read_any = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let chunk = &available[..newline.unwrap_or(available.len())];
        let room = cap.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = newline.map_or(available.len(), |i| i + 1);
        reader.consume(used);
        if newline.is_some() {
            return Ok(true);
        }
    }
}

/// An incremental TAP parser: feed it lines, then [`finish`](Self::finish).
#[derive(Debug)]
pub struct TapParser {
    version: Option<u32>,
    /// `streams[0]` is the top level, `streams[k]` the open subtest at
    /// indentation `4 * k`.
    streams: Vec<Stream>,
    /// Inside a YAML block attached to the last test of `streams[level]`.
    yaml: Option<Yaml>,
    /// The previous non-blank line was a test line at this level.
    last_test_level: Option<usize>,
    bail_out: Option<String>,
    /// A plan or test line was seen at the top level.
    top_seen: bool,
    /// A line was fed (a byte-order mark is only skipped on the first).
    fed_any: bool,
    diag_budget: usize,
    cases: Vec<CaseResult>,
    omitted: CaseCounts,
}

#[derive(Debug, Clone, Copy)]
struct Yaml {
    level: usize,
    indent: usize,
}

/// One TAP stream: the top level or a subtest.
#[derive(Debug, Default)]
struct Stream {
    /// From a `# Subtest: name` header.
    name: Option<String>,
    plan: Option<TapPlan>,
    /// The plan came after tests: no tests may follow.
    late_plan: bool,
    late_plan_reported: bool,
    tests_run: u64,
    failures: u64,
    last_number: Option<u64>,
    problems: Problems,
    /// The latest test point; more diagnostics may still attach to it.
    last: Option<Pending>,
    /// A finished child stream waiting for its parent test line.
    pending_child: Option<ChildOutcome>,
    /// A TAP 14 `# Subtest: name` header waiting for its child stream.
    pending_header: Option<String>,
    /// The last test line ended with `{` (Test2 buffered subtest).
    brace_open: bool,
    /// Child streams only: failing lines, for the parent's diagnostics.
    summary: Summary,
}

#[derive(Debug)]
struct Pending {
    case: CaseResult,
    /// Failing lines of this test's subtest, for a grandparent's summary.
    sub_summary: Vec<String>,
    diag_full: bool,
}

/// What a parent needs to know about a finished child stream.
#[derive(Debug)]
struct ChildOutcome {
    name: Option<String>,
    has_plan: bool,
    tests_run: u64,
    failures: u64,
    failing: Vec<String>,
    problems: Vec<String>,
}

#[derive(Debug, Default)]
struct Problems {
    list: Vec<String>,
    dropped: u64,
}

impl Problems {
    fn push(&mut self, problem: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(clip(problem));
        } else {
            self.dropped += 1;
        }
    }

    fn into_vec(mut self, end: Vec<String>) -> Vec<String> {
        if self.dropped > 0 {
            self.list
                .push(format!("… and {} more problems", self.dropped));
        }
        self.list.extend(end);
        self.list
    }
}

#[derive(Debug, Default)]
struct Summary {
    lines: Vec<String>,
    dropped: u64,
}

impl Summary {
    fn push(&mut self, line: String) {
        if self.lines.len() < MAX_SUMMARY_LINES {
            self.lines.push(clip(line));
        } else {
            self.dropped += 1;
        }
    }

    fn into_vec(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.lines
                .push(format!("… and {} more lines", self.dropped));
        }
        self.lines
    }
}

/// One classified line.
#[derive(Debug)]
enum Token<'a> {
    Version(u32),
    Plan(TapPlan),
    Test(TestLine),
    Bail(&'a str),
    Header(Option<String>),
    Comment(&'a str),
    CloseBrace,
    Unknown,
}

#[derive(Debug)]
struct TestLine {
    ok: bool,
    number: Option<u64>,
    name: String,
    directive: Option<Directive>,
    reason: Option<String>,
    /// node-tap's `# time=…`.
    duration: Option<Duration>,
    brace: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Skip,
    Todo,
}

impl Default for TapParser {
    fn default() -> Self {
        Self::new()
    }
}

impl TapParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        TapParser {
            version: None,
            streams: vec![Stream::default()],
            yaml: None,
            last_test_level: None,
            bail_out: None,
            top_seen: false,
            fed_any: false,
            diag_budget: MAX_TOTAL_DIAGNOSTICS_BYTES,
            cases: Vec::new(),
            omitted: CaseCounts::default(),
        }
    }

    /// Top-level test lines read so far.
    pub fn tests_run(&self) -> u64 {
        self.streams[0].tests_run
    }

    /// Top-level failing tests read so far.
    pub fn failures(&self) -> u64 {
        self.streams[0].failures
    }

    /// Whether a `Bail out!` was read.
    pub fn bailed_out(&self) -> bool {
        self.bail_out.is_some()
    }

    /// Feeds one line of output (bytes, with or without its `\n` / `\r\n`).
    /// Lines longer than [`MAX_LINE_BYTES`] are truncated.
    pub fn feed_line(&mut self, line: &[u8]) {
        let mut line = line.strip_suffix(b"\n").unwrap_or(line);
        line = line.strip_suffix(b"\r").unwrap_or(line);
        line = &line[..line.len().min(MAX_LINE_BYTES)];
        let text = String::from_utf8_lossy(line);
        // Invalid bytes decode to 3-byte replacement characters: cap again.
        let mut text = &text[..floor_char_boundary(&text, MAX_LINE_BYTES)];
        if !self.fed_any {
            self.fed_any = true;
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        self.process(text);
    }

    /// Ends the stream and returns the report.
    pub fn finish(mut self) -> TapReport {
        if self.bail_out.is_none() {
            self.close_to(0);
        } else {
            self.streams.truncate(1);
        }
        self.commit_last(0);
        let bailed = self.bail_out.is_some();
        let top = self.streams.swap_remove(0);
        let mut end = if bailed {
            Vec::new()
        } else {
            end_of_stream_problems(&top)
        };
        if self.omitted.failed > 0 {
            end.push(format!(
                "{} more failing {} not listed (too many results)",
                self.omitted.failed,
                plural_word(self.omitted.failed, "test")
            ));
        }
        TapReport {
            version: self.version,
            plan: top.plan,
            cases: self.cases,
            bail_out: self.bail_out,
            problems: top.problems.into_vec(end),
            tests_run: top.tests_run,
            omitted_cases: self.omitted.total(),
            omitted: self.omitted,
        }
    }

    fn process(&mut self, line: &str) {
        if self.bail_out.is_some() {
            return;
        }
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        // `indent` counts ASCII spaces, so it is a char boundary.
        let content = line[indent..].trim_end();
        if let Some(yaml) = self.yaml {
            if self.yaml_line(yaml, line, indent, content) {
                return;
            }
        }
        if content.is_empty() {
            return;
        }
        if let Some(level) = self.last_test_level.take() {
            if indent > 4 * level && is_yaml_start(content) {
                self.yaml = Some(Yaml { level, indent });
                return;
            }
        }
        if indent % 4 != 0 || indent / 4 > MAX_DEPTH {
            return;
        }
        let level = indent / 4;
        match classify(content) {
            Token::Unknown => {}
            Token::Bail(reason) => self.bail_out = Some(reason.to_string()),
            Token::CloseBrace => {
                if level < self.streams.len() && self.streams[level].brace_open {
                    self.close_to(level);
                    let stream = &mut self.streams[level];
                    if stream.brace_open {
                        stream.brace_open = false;
                        if let Some(pending) = stream.last.as_mut() {
                            strip_brace(&mut pending.case);
                        }
                    }
                }
            }
            Token::Version(version) => {
                if level == 0 {
                    self.close_to(0);
                    self.version_line(version);
                }
            }
            Token::Header(name) => self.header_line(level, name),
            Token::Comment(text) => {
                if level < self.streams.len() {
                    self.close_to(level);
                    self.comment_line(level, text);
                }
            }
            // TAP 13 has no TODO list in the plan: TAP::Parser reads such a
            // line as unknown there.
            Token::Plan(plan) if !plan.todo.is_empty() && self.version.is_some_and(|v| v >= 13) => {
            }
            Token::Plan(plan) => {
                self.enter(level);
                self.plan_line(level, plan);
            }
            Token::Test(test) => {
                self.enter(level);
                self.test_line(level, test, content);
            }
        }
    }

    /// Handles a line inside a YAML block; `false` when the block ended
    /// without `...` and the line must be read as an ordinary line.
    fn yaml_line(&mut self, yaml: Yaml, line: &str, indent: usize, content: &str) -> bool {
        if content == "..." {
            self.yaml = None;
            return true;
        }
        if !content.is_empty() && indent < yaml.indent {
            self.yaml = None;
            return false;
        }
        if yaml.level == 0 {
            let text = line.get(yaml.indent..).unwrap_or("").trim_end();
            if let Some(pending) = self.streams[0].last.as_mut() {
                if let Some(ms) = text.strip_prefix("duration_ms:").and_then(parse_millis) {
                    pending.case.duration = Some(ms);
                }
                append_diag(pending, &mut self.diag_budget, text);
            }
        }
        true
    }

    /// Makes `streams[level]` the innermost open stream.
    fn enter(&mut self, level: usize) {
        if level < self.streams.len() {
            self.close_to(level);
        } else {
            self.open_to(level);
        }
    }

    fn open_to(&mut self, level: usize) {
        while self.streams.len() <= level {
            let parent = self.streams.last_mut().expect("top-level stream");
            // A child without a parent line is forgotten when the next starts.
            parent.pending_child = None;
            let name = parent.pending_header.take();
            self.streams.push(Stream {
                name,
                ..Stream::default()
            });
        }
    }

    /// Closes every stream deeper than `level`, handing each to its parent.
    fn close_to(&mut self, level: usize) {
        while self.streams.len() > level + 1 {
            let depth = self.streams.len() - 1;
            self.commit_last(depth);
            let child = self.streams.pop().expect("child stream");
            let outcome = finish_child(child);
            let parent_level = depth - 1;
            let parent = &mut self.streams[parent_level];
            if parent.brace_open {
                parent.brace_open = false;
                if let Some(pending) = parent.last.as_mut() {
                    strip_brace(&mut pending.case);
                }
                self.attach(parent_level, outcome, true);
            } else {
                parent.pending_child = Some(outcome);
            }
        }
    }

    fn version_line(&mut self, version: u32) {
        let top = &mut self.streams[0];
        if self.version.is_some() || self.top_seen {
            top.problems
                .push("if TAP version is present it must be the first line of output".to_string());
            return;
        }
        self.version = Some(version);
        if version < 13 {
            top.problems.push(format!(
                "explicit TAP version must be at least 13, got version {version}"
            ));
        } else if version > 14 {
            top.problems.push(format!(
                "TAP version {version} is not supported (14 is the latest known)"
            ));
        }
    }

    fn header_line(&mut self, level: usize, name: Option<String>) {
        let name = name.unwrap_or_default();
        if level >= self.streams.len() {
            // TAP 14 nests headers one level above their stream; Test::More
            // prints them as the first line of the child stream.
            let parent_has_header = level == self.streams.len()
                && self
                    .streams
                    .last()
                    .is_some_and(|s| s.pending_header.is_some());
            self.open_to(level);
            let stream = &mut self.streams[level];
            if parent_has_header {
                stream.pending_header = Some(name);
            } else {
                stream.name = Some(name);
            }
        } else {
            self.close_to(level);
            let stream = &mut self.streams[level];
            stream.pending_child = None;
            stream.pending_header = Some(name);
        }
    }

    fn comment_line(&mut self, level: usize, text: &str) {
        if level != 0 {
            return;
        }
        let stream = &mut self.streams[0];
        // Between a subtest and its parent line, comments belong to neither.
        if stream.pending_child.is_some() || stream.pending_header.is_some() {
            return;
        }
        if let Some(pending) = stream.last.as_mut() {
            append_diag(pending, &mut self.diag_budget, text);
        }
    }

    fn plan_line(&mut self, level: usize, plan: TapPlan) {
        if level == 0 {
            self.top_seen = true;
        }
        let stream = &mut self.streams[level];
        if stream.plan.is_some() {
            stream
                .problems
                .push("more than one plan found in TAP output".to_string());
            return;
        }
        stream.late_plan = stream.tests_run > 0;
        stream.plan = Some(plan);
    }

    fn test_line(&mut self, level: usize, test: TestLine, raw: &str) {
        if level == 0 {
            self.top_seen = true;
        }
        self.commit_last(level);
        let stream = &mut self.streams[level];
        stream.tests_run += 1;
        let expected = stream.tests_run;
        if let Some(found) = test.number {
            if found != expected {
                let duplicate = if stream.last_number == Some(found) {
                    " (duplicate)"
                } else {
                    ""
                };
                stream.problems.push(format!(
                    "tests out of sequence: found test {found} where test {expected} expected{duplicate}"
                ));
            }
        }
        let number = test.number.unwrap_or(expected);
        stream.last_number = Some(number);
        if stream.late_plan && !stream.late_plan_reported {
            stream.late_plan_reported = true;
            stream
                .problems
                .push("plan must be at the beginning or end of the TAP output".to_string());
        }
        // A legacy plan's TODO list makes the test a TODO test.
        let listed_todo = stream
            .plan
            .as_ref()
            .is_some_and(|plan| plan.todo.contains(&number));
        let directive = match test.directive {
            None if listed_todo => Some(Directive::Todo),
            directive => directive,
        };
        let status = match (test.ok, directive) {
            (true, None) => CaseStatus::Pass,
            (true, Some(Directive::Skip)) => CaseStatus::Skip,
            (true, Some(Directive::Todo)) => CaseStatus::TodoPass,
            (false, Some(Directive::Todo)) => CaseStatus::TodoFail,
            // prove counts `not ok # SKIP` as failed.
            (false, None | Some(Directive::Skip)) => CaseStatus::Fail,
        };
        if status.is_failure() {
            stream.failures += 1;
        }
        let keep_line = matches!(status, CaseStatus::Fail | CaseStatus::TodoPass);
        stream.last = Some(Pending {
            case: CaseResult {
                number: Some(number),
                name: test.name,
                status,
                reason: test.reason,
                diagnostics: String::new(),
                line: keep_line.then(|| raw.to_string()),
                duration: test.duration,
                ..Default::default()
            },
            sub_summary: Vec::new(),
            diag_full: false,
        });
        stream.brace_open = test.brace;
        stream.pending_header = None;
        if let Some(child) = stream.pending_child.take() {
            self.attach(level, child, false);
        }
        self.last_test_level = Some(level);
    }

    /// Attaches a finished child stream to the latest test of `level`.
    fn attach(&mut self, level: usize, child: ChildOutcome, braced: bool) {
        // Without a header or braces, only an indented stream with a plan
        // counts as a subtest (Test::More always prints one).
        if !(braced || child.name.is_some() || child.has_plan) {
            return;
        }
        let stream = &mut self.streams[level];
        let Some(pending) = stream.last.as_mut() else {
            return;
        };
        if pending.case.name.is_empty() {
            if let Some(name) = &child.name {
                pending.case.name.clone_from(name);
            }
        }
        if child.failures == 0 && child.problems.is_empty() {
            return;
        }
        let mut lines = child.failing;
        lines.extend(child.problems.iter().map(|p| format!("({p})")));
        if level == 0 {
            let mut text = String::from("subtest failed:");
            for line in &lines {
                text.push_str("\n    ");
                text.push_str(line);
            }
            append_diag(pending, &mut self.diag_budget, &text);
        }
        pending.sub_summary = lines;
        if pending.case.status == CaseStatus::Pass {
            let mut why = Vec::new();
            if child.failures > 0 {
                why.push(format!(
                    "{} of {} failed",
                    child.failures,
                    plural(child.tests_run, "test")
                ));
            }
            why.extend(child.problems);
            let number = pending.case.number.unwrap_or_default();
            let name = &pending.case.name;
            let what = if name.is_empty() {
                format!("test {number}")
            } else {
                format!("test {number} ({name})")
            };
            stream.problems.push(format!(
                "{what} is ok but its subtest failed: {}",
                why.join("; ")
            ));
        }
    }

    /// Moves the latest test of `level` to its final place.
    fn commit_last(&mut self, level: usize) {
        let Some(pending) = self.streams[level].last.take() else {
            return;
        };
        if level == 0 {
            self.store_case(pending.case);
            return;
        }
        if pending.case.status == CaseStatus::Fail {
            let summary = &mut self.streams[level].summary;
            summary.push(pending.case.line.unwrap_or_default());
            for line in pending.sub_summary {
                summary.push(format!("    {line}"));
            }
        }
    }

    fn store_case(&mut self, case: CaseResult) {
        let extra = self.cases.len().saturating_sub(MAX_STORED_CASES);
        let failing = case.status.is_failure();
        if self.cases.len() < MAX_STORED_CASES || (failing && extra < MAX_EXTRA_FAILURES) {
            self.cases.push(case);
        } else {
            self.omitted.add(case.status);
        }
    }
}

fn finish_child(mut child: Stream) -> ChildOutcome {
    let end = end_of_stream_problems(&child);
    ChildOutcome {
        name: child.name.take(),
        has_plan: child.plan.is_some(),
        tests_run: child.tests_run,
        failures: child.failures,
        failing: child.summary.into_vec(),
        problems: child.problems.into_vec(end),
    }
}

fn end_of_stream_problems(stream: &Stream) -> Vec<String> {
    match &stream.plan {
        None => vec!["no plan found in TAP output".to_string()],
        Some(plan) if plan.count != stream.tests_run => vec![format!(
            "planned {} but ran {}",
            plural(plan.count, "test"),
            stream.tests_run
        )],
        Some(_) => Vec::new(),
    }
}

fn plural(n: u64, word: &str) -> String {
    format!("{n} {}", plural_word(n, word))
}

fn plural_word(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// Appends a line to a test's diagnostics within the caps.
fn append_diag(pending: &mut Pending, budget: &mut usize, text: &str) {
    if pending.diag_full {
        return;
    }
    let diag = &mut pending.case.diagnostics;
    let sep = usize::from(!diag.is_empty());
    let room = MAX_CASE_DIAGNOSTICS_BYTES
        .saturating_sub(diag.len())
        .min(*budget);
    if sep + text.len() <= room {
        if sep == 1 {
            diag.push('\n');
        }
        diag.push_str(text);
        *budget -= sep + text.len();
        return;
    }
    pending.diag_full = true;
    let fits = floor_char_boundary(text, room.saturating_sub(sep));
    if sep == 1 {
        diag.push('\n');
    }
    diag.push_str(&text[..fits]);
    if !diag.is_empty() && !diag.ends_with('\n') {
        diag.push('\n');
    }
    diag.push_str(DIAG_TRUNCATED);
    *budget = budget.saturating_sub(sep + fits);
}

/// Shortens a message to [`MAX_MESSAGE_BYTES`].
fn clip(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        message.truncate(floor_char_boundary(&message, MAX_MESSAGE_BYTES));
        message.push('…');
    }
    message
}

/// The largest char boundary of `s` not above `max`.
fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Test2 buffered subtests end the parent line with ` {`; drop it once the
/// braces proved to be a subtest.
fn strip_brace(case: &mut CaseResult) {
    if let Some(reason) = case.reason.as_mut() {
        if let Some(rest) = reason.strip_suffix('{') {
            *reason = rest.trim_end().to_string();
            if reason.is_empty() {
                case.reason = None;
            }
            return;
        }
    }
    if let Some(rest) = case.name.strip_suffix('{') {
        case.name = rest.trim_end().to_string();
    }
}

fn is_yaml_start(content: &str) -> bool {
    content
        .strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

fn parse_millis(value: &str) -> Option<Duration> {
    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
    millis(value.parse().ok()?)
}

fn millis(ms: f64) -> Option<Duration> {
    if !ms.is_finite() || ms < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(ms / 1000.0).ok()
}

/// Classifies a line without its indentation and trailing whitespace.
fn classify(content: &str) -> Token<'_> {
    if let Some(reason) = content.strip_prefix("Bail out!") {
        return Token::Bail(reason.trim());
    }
    if let Some(comment) = content.strip_prefix('#') {
        if let Some(rest) = comment.trim_start().strip_prefix("Subtest") {
            if rest.is_empty() {
                return Token::Header(None);
            }
            if let Some(name) = rest.strip_prefix(':') {
                return Token::Header(Some(name.trim().to_string()));
            }
        }
        return Token::Comment(comment.strip_prefix(' ').unwrap_or(comment));
    }
    if content == "}" {
        return Token::CloseBrace;
    }
    if let Some(plan) = parse_plan(content) {
        return Token::Plan(plan);
    }
    if let Some(version) = parse_version(content) {
        return Token::Version(version);
    }
    match parse_test(content) {
        Some(test) => Token::Test(test),
        None => Token::Unknown,
    }
}

fn leading_digits(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

fn parse_version(content: &str) -> Option<u32> {
    let mut words = content.split_whitespace();
    let tap = words.next()?;
    let version = words.next()?;
    let number = words.next()?;
    let ok = tap.eq_ignore_ascii_case("TAP")
        && version.eq_ignore_ascii_case("version")
        && words.next().is_none()
        && !number.is_empty()
        && leading_digits(number) == number.len();
    ok.then(|| number.parse().unwrap_or(u32::MAX))
}

fn parse_plan(content: &str) -> Option<TapPlan> {
    let rest = content.strip_prefix("1..")?;
    let digits = leading_digits(rest);
    if digits == 0 {
        return None;
    }
    let count = rest[..digits].parse().unwrap_or(u64::MAX);
    let tail = rest[digits..].trim_start();
    if let Some(todo) = legacy_todo_list(tail) {
        return Some(TapPlan {
            count,
            skip_all: None,
            todo,
        });
    }
    let comment = if tail.is_empty() {
        ""
    } else {
        tail.strip_prefix('#')?.trim()
    };
    let skip_all = (count == 0).then(|| match strip_keyword(comment, "skip") {
        Some(reason) => reason.to_string(),
        None => comment.to_string(),
    });
    Some(TapPlan {
        count,
        skip_all,
        todo: Vec::new(),
    })
}

/// The numbers of a TAP 12 plan's TODO list (`todo 2 3;` after `1..N`),
/// as `TAP::Parser::Grammar` reads them: lower-case `todo`, then one or
/// more numbers each after white space; anything after them (the `;`) is
/// ignored.
fn legacy_todo_list(tail: &str) -> Option<Vec<u64>> {
    let mut rest = tail.strip_prefix("todo")?;
    let mut numbers = Vec::new();
    loop {
        let trimmed = rest.trim_start();
        let digits = leading_digits(trimmed);
        if trimmed.len() == rest.len() || digits == 0 {
            break;
        }
        numbers.push(trimmed[..digits].parse().unwrap_or(u64::MAX));
        rest = &trimmed[digits..];
    }
    (!numbers.is_empty()).then_some(numbers)
}

/// `skip reason` / `SKIP: reason` / `Skipped: reason` (a case-insensitive
/// prefix, then more letters, then an optional `:`) → `reason`.
fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let head = text.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = text[keyword.len()..].trim_start_matches(|c: char| c.is_alphabetic());
    Some(rest.strip_prefix(':').unwrap_or(rest).trim())
}

fn parse_test(content: &str) -> Option<TestLine> {
    let (ok, rest) = match content.strip_prefix("not ok") {
        Some(rest) => (false, rest),
        None => (true, content.strip_prefix("ok")?),
    };
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let rest = rest.trim_start();
    let digits = leading_digits(rest);
    let number = (digits > 0).then(|| rest[..digits].parse().unwrap_or(u64::MAX));
    let desc = rest[digits..].trim_start();
    let brace = desc == "{" || desc.ends_with(" {");
    let (desc, directive) = split_directive(desc);
    let desc = match desc.strip_prefix('-') {
        Some(after) if after.is_empty() || after.starts_with(char::is_whitespace) => {
            after.trim_start()
        }
        _ => desc,
    };
    let (directive, reason, duration) = match directive {
        Some(Annotation::Directive(directive, reason)) => (
            Some(directive),
            (!reason.is_empty()).then(|| reason.to_string()),
            None,
        ),
        Some(Annotation::Time(duration)) => (None, None, Some(duration)),
        None => (None, None, None),
    };
    Some(TestLine {
        ok,
        number,
        name: unescape(desc),
        directive,
        reason,
        duration,
        brace,
    })
}

/// What may follow the first unescaped `#` of a test line.
enum Annotation<'a> {
    /// `# SKIP reason`, `# TODO reason`.
    Directive(Directive, &'a str),
    /// node-tap's `# time=12.5ms`.
    Time(Duration),
}

/// Splits `description # DIRECTIVE reason` at the first unescaped `#`, if
/// it starts a SKIP or TODO directive (or node-tap's `# time=…`). Any other
/// `#` stays in the description, as in `TAP::Parser`.
fn split_directive(desc: &str) -> (&str, Option<Annotation<'_>>) {
    let bytes = desc.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'#' => {
                let after = desc[i + 1..].trim_start();
                let annotation = if let Some(reason) = strip_keyword(after, "skip") {
                    Some(Annotation::Directive(Directive::Skip, reason))
                } else if is_todo(after) {
                    let reason = strip_keyword(after, "todo").unwrap_or("");
                    // Test::More's todo_skip: `# TODO & SKIP reason`.
                    let reason = reason
                        .strip_prefix('&')
                        .and_then(|r| strip_keyword(r.trim_start(), "skip"))
                        .unwrap_or(reason);
                    Some(Annotation::Directive(Directive::Todo, reason))
                } else {
                    parse_node_tap_time(after).map(Annotation::Time)
                };
                return match annotation {
                    Some(a) => (desc[..i].trim_end(), Some(a)),
                    None => (desc, None),
                };
            }
            _ => i += 1,
        }
    }
    (desc, None)
}

/// node-tap's `time=12.5ms` (also `time=2s`, `time=7`: milliseconds).
fn parse_node_tap_time(comment: &str) -> Option<Duration> {
    let value = comment.strip_prefix("time=")?;
    let (number, scale) = if let Some(ms) = value.strip_suffix("ms") {
        (ms, 1.0)
    } else if let Some(s) = value.strip_suffix('s') {
        (s, 1000.0)
    } else {
        (value, 1.0)
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    millis(number.parse::<f64>().ok()? * scale)
}

fn is_todo(text: &str) -> bool {
    text.get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("todo"))
        && !text[4..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
}

/// `\#` → `#`, `\\` → `\`; other backslashes stay.
fn unescape(desc: &str) -> String {
    if !desc.contains('\\') {
        return desc.to_string();
    }
    let mut out = String::with_capacity(desc.len());
    let mut chars = desc.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.clone().next() {
                Some(next @ ('#' | '\\')) => {
                    out.push(next);
                    chars.next();
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Read};

    fn statuses(report: &TapReport) -> Vec<CaseStatus> {
        report.cases.iter().map(|c| c.status).collect()
    }

    fn names(report: &TapReport) -> Vec<&str> {
        report.cases.iter().map(|c| c.name.as_str()).collect()
    }

    fn numbers(report: &TapReport) -> Vec<u64> {
        report.cases.iter().map(|c| c.number.unwrap()).collect()
    }

    use CaseStatus::{Fail, Pass, Skip, TodoFail, TodoPass};

    #[test]
    fn passing_stream() {
        let r = parse_str("1..3\nok 1 - first\nok 2 second\nok 3 - third one\n");
        assert_eq!(
            r.plan,
            Some(TapPlan {
                count: 3,
                skip_all: None,
                todo: Vec::new()
            })
        );
        assert_eq!(statuses(&r), [Pass, Pass, Pass]);
        assert_eq!(names(&r), ["first", "second", "third one"]);
        assert_eq!(numbers(&r), [1, 2, 3]);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert!(r
            .cases
            .iter()
            .all(|c| c.line.is_none() && c.diagnostics.is_empty()));
        assert_eq!(r.tests_run, 3);
        assert!(r.looks_like_tap());
        assert_eq!(r.version, None);
        assert_eq!(r.bail_out, None);
    }

    #[test]
    fn failing_test_keeps_its_line() {
        let r = parse_str("1..2\nok 1 - fine\nnot ok 2 - broken thing\n");
        assert_eq!(statuses(&r), [Pass, Fail]);
        assert_eq!(r.cases[1].line.as_deref(), Some("not ok 2 - broken thing"));
        assert_eq!(r.cases[1].name, "broken thing");
        assert_eq!(r.cases[0].line, None);
        // A failing test is not a stream problem: the verdict counts it.
        assert!(r.problems.is_empty());
    }

    /// Input → (tests run, failing tests, problems).
    #[test]
    fn plan_and_sequence_table() {
        let table: &[(&str, u64, usize, &[&str])] = &[
            ("1..2\nok 1\nok 2\n", 2, 0, &[]),
            ("ok 1\nok 2\n1..2\n", 2, 0, &[]),
            ("ok 1\nnot ok 2\n", 2, 1, &["no plan found in TAP output"]),
            ("", 0, 0, &["no plan found in TAP output"]),
            (
                "1..5\nok 1\nok 2\nok 3\n",
                3,
                0,
                &["planned 5 tests but ran 3"],
            ),
            ("1..1\nok 1\nok 2\n", 2, 0, &["planned 1 test but ran 2"]),
            ("1..2\nok\nok\nok\n", 3, 0, &["planned 2 tests but ran 3"]),
            (
                "ok 1\nok 2\nok 3\n1..2\n",
                3,
                0,
                &["planned 2 tests but ran 3"],
            ),
            (
                "1..3\nok 1\nok 3\nok 2\n",
                3,
                0,
                &[
                    "tests out of sequence: found test 3 where test 2 expected",
                    "tests out of sequence: found test 2 where test 3 expected",
                ],
            ),
            (
                "1..2\nok 1\nok 1\n",
                2,
                0,
                &["tests out of sequence: found test 1 where test 2 expected (duplicate)"],
            ),
            (
                "1..2\nok 0\nok 1\n",
                2,
                0,
                &[
                    "tests out of sequence: found test 0 where test 1 expected",
                    "tests out of sequence: found test 1 where test 2 expected",
                ],
            ),
            ("1..3\nok\nok 2\nok\n", 3, 0, &[]),
            (
                "1..2\nok 1\n1..2\nok 2\n",
                2,
                0,
                &["more than one plan found in TAP output"],
            ),
            (
                "ok 1\n1..3\nok 2\nok 3\n",
                3,
                0,
                &["plan must be at the beginning or end of the TAP output"],
            ),
            (
                "ok 1\n1..2\n# comments after a late plan are fine\nok 2\n",
                2,
                0,
                &["plan must be at the beginning or end of the TAP output"],
            ),
            (
                "1..2\nok 1\n# a comment\nok 2\n1..2\n",
                2,
                0,
                &["more than one plan found in TAP output"],
            ),
            ("1..0 # SKIP no database\n", 0, 0, &[]),
            ("1..0\n", 0, 0, &[]),
            (
                "1..0 # SKIP nothing\nok 1\n",
                1,
                0,
                &["planned 0 tests but ran 1"],
            ),
            ("1..3 # three tests\nok\nok\nok\n", 3, 0, &[]),
            ("1..2\nok 1\nBail out! stop\n", 1, 0, &[]),
            ("ok 1\nBail out!\nok 2\n", 1, 0, &[]),
            ("TAP version 13\n1..1\nok 1\n", 1, 0, &[]),
            ("TAP version 14\n1..1\nok 1\n", 1, 0, &[]),
            (
                "1..1\nTAP version 13\nok 1\n",
                1,
                0,
                &["if TAP version is present it must be the first line of output"],
            ),
            (
                "TAP version 12\n1..1\nok 1\n",
                1,
                0,
                &["explicit TAP version must be at least 13, got version 12"],
            ),
            ("1..2\nok 1\nnot ok 2 # TODO later\n", 2, 0, &[]),
            ("1..2\nok 1\nnot ok 2 # SKIP why\n", 2, 1, &[]),
        ];
        for (input, tests_run, failing, problems) in table {
            let r = parse_str(input);
            assert_eq!(r.tests_run, *tests_run, "tests run for {input:?}");
            assert_eq!(r.cases.len() as u64, *tests_run, "cases for {input:?}");
            let failed = r.cases.iter().filter(|c| c.status.is_failure()).count();
            assert_eq!(failed, *failing, "failures for {input:?}");
            assert_eq!(r.problems, *problems, "problems for {input:?}");
        }
    }

    #[test]
    fn unnumbered_tests_get_their_position() {
        let r = parse_str("ok\nok - second\nnot ok\nok 4 - numbered\nok fifth\n1..5\n");
        assert_eq!(numbers(&r), [1, 2, 3, 4, 5]);
        assert_eq!(names(&r), ["", "second", "", "numbered", "fifth"]);
        assert_eq!(statuses(&r), [Pass, Pass, Fail, Pass, Pass]);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        // An out-of-sequence number is kept as printed.
        let r = parse_str("1..2\nok 7\nok\n");
        assert_eq!(numbers(&r), [7, 2]);
    }

    /// One test line → (status, name, reason).
    #[test]
    fn directives_table() {
        let table: &[(&str, CaseStatus, &str, Option<&str>)] = &[
            ("ok 1 - a # SKIP no network", Skip, "a", Some("no network")),
            ("ok 1 - a # skip no network", Skip, "a", Some("no network")),
            ("ok 1 # skip", Skip, "", None),
            ("ok 1 #SKIP", Skip, "", None),
            (
                "ok 1 - a # Skipped: slow machine",
                Skip,
                "a",
                Some("slow machine"),
            ),
            ("ok 1 - a # SKIP: colon", Skip, "a", Some("colon")),
            ("ok 1 - a # TODO later", TodoPass, "a", Some("later")),
            ("not ok 1 - a # todo later", TodoFail, "a", Some("later")),
            ("not ok 1 - a # TODO", TodoFail, "a", None),
            (
                "not ok 1 - a # TODO: with colon",
                TodoFail,
                "a",
                Some("with colon"),
            ),
            (
                "not ok 1 - a # TODO & SKIP not yet",
                TodoFail,
                "a",
                Some("not yet"),
            ),
            ("not ok 1 - a # SKIP why", Fail, "a", Some("why")),
            (
                "ok 1 - a # todolist is not todo",
                Pass,
                "a # todolist is not todo",
                None,
            ),
            (
                "ok 1 - a # just a comment",
                Pass,
                "a # just a comment",
                None,
            ),
            ("ok 1 - a \\# SKIP escaped", Pass, "a # SKIP escaped", None),
            (
                "ok 1 - issue \\#12 # SKIP later",
                Skip,
                "issue #12",
                Some("later"),
            ),
            ("ok 1 - back\\\\slash", Pass, "back\\slash", None),
            ("ok 1 - back\\nslash", Pass, "back\\nslash", None),
            ("not ok 1", Fail, "", None),
            ("ok 1 -", Pass, "", None),
            ("ok 1 - - dash", Pass, "- dash", None),
            ("ok 1 -dash", Pass, "-dash", None),
            ("ok - unnumbered", Pass, "unnumbered", None),
            (
                "ok 1 - name with trailing spaces   ",
                Pass,
                "name with trailing spaces",
                None,
            ),
            ("ok 1 - ünïcödé # skip ßkip", Skip, "ünïcödé", Some("ßkip")),
        ];
        for (line, status, name, reason) in table {
            let r = parse_str(&format!("1..1\n{line}\n"));
            assert_eq!(r.cases.len(), 1, "{line:?}");
            let case = &r.cases[0];
            assert_eq!(case.status, *status, "{line:?}");
            assert_eq!(case.name, *name, "{line:?}");
            assert_eq!(case.reason.as_deref(), *reason, "{line:?}");
            assert_eq!(
                case.line.is_some(),
                matches!(status, Fail | TodoPass),
                "{line:?}"
            );
            assert!(r.problems.is_empty(), "{line:?}: {:?}", r.problems);
        }
    }

    #[test]
    fn node_tap_time_comment() {
        let r = parse_str("1..4\nok 1 - fast # time=12.5ms\nnot ok 2 - slow # time=2s\nok 3 - bare # time=7\nok 4 - huge # time=1e999ms\n");
        assert_eq!(names(&r), ["fast", "slow", "bare", "huge # time=1e999ms"]);
        assert_eq!(r.cases[0].duration, Some(Duration::from_micros(12_500)));
        assert_eq!(r.cases[1].duration, Some(Duration::from_secs(2)));
        assert_eq!(r.cases[1].status, Fail);
        assert_eq!(r.cases[2].duration, Some(Duration::from_millis(7)));
        assert_eq!(r.cases[3].duration, None);
        let r = parse_str("1..1\nok 1 # time=99999999999999999999999999s\n");
        assert_eq!(r.cases[0].duration, None);
    }

    #[test]
    fn byte_order_mark_on_the_first_line() {
        let r = parse_str("\u{feff}TAP version 14\n1..1\nok 1\n");
        assert_eq!(r.version, Some(14));
        assert!(r.problems.is_empty());
        let r = parse_str("1..1\n\u{feff}ok 1\n");
        assert_eq!(r.tests_run, 0);
    }

    #[test]
    fn a_not_ok_line_makes_a_stream_tap() {
        assert!(!parse_str("ok 1\nok 2\nsome chatter\n").looks_like_tap());
        for text in [
            "ok 1\nnot ok 2\n",
            "not ok 1 # TODO later\n",
            "not ok 1 # SKIP not really\n",
        ] {
            let r = parse_str(text);
            assert!(r.looks_like_tap(), "{text:?}");
            assert!(
                r.problems.iter().any(|p| p.contains("no plan")),
                "{text:?}: {:?}",
                r.problems
            );
        }
        // An indented `not ok` under a top-level stream without a plan is
        // not a top-level result.
        assert!(!parse_str("hello\n    not ok 1\n").looks_like_tap());
    }

    #[test]
    fn legacy_plan_todo_list() {
        // TAP 12: the listed tests are TODO tests, as prove reads them.
        let r = parse_str("1..3 todo 2 3;\nok 1\nnot ok 2\nok 3\n");
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.plan.as_ref().map(|p| p.todo.clone()), Some(vec![2, 3]));
        assert_eq!(
            statuses(&r),
            [CaseStatus::Pass, CaseStatus::TodoFail, CaseStatus::TodoPass]
        );
        // Not a list: an unknown line, so no plan; not after TAP version 13.
        assert!(parse_str("1..1 todo;\nok 1\n").plan.is_none());
        assert!(parse_str("1..1 TODO 1\nok 1\n").plan.is_none());
        let r = parse_str("TAP version 13\n1..1 todo 1;\nnot ok 1\n");
        assert!(r.plan.is_none());
        assert_eq!(statuses(&r), [CaseStatus::Fail]);
    }

    #[test]
    fn failing_todo_is_not_a_failure() {
        let r = parse_str("1..3\nnot ok 1 - known bug # TODO fix\nok 2 # TODO fixed\nok 3\n");
        assert_eq!(statuses(&r), [TodoFail, TodoPass, Pass]);
        assert!(r.cases.iter().all(|c| !c.status.is_failure()));
        assert_eq!(r.cases[0].line, None);
        assert_eq!(r.cases[1].line.as_deref(), Some("ok 2 # TODO fixed"));
        assert!(r.problems.is_empty());
    }

    #[test]
    fn skip_all_plans() {
        let r = parse_str("1..0 # SKIP no database\n");
        assert_eq!(
            r.plan,
            Some(TapPlan {
                count: 0,
                skip_all: Some("no database".into()),
                todo: Vec::new()
            })
        );
        assert!(r.cases.is_empty() && r.problems.is_empty());
        assert!(r.looks_like_tap());

        let r = parse_str("1..0 # skip lower case\n");
        assert_eq!(r.plan.unwrap().skip_all.as_deref(), Some("lower case"));
        let r = parse_str("1..0 # Skipped: all of it\n");
        assert_eq!(r.plan.unwrap().skip_all.as_deref(), Some("all of it"));
        let r = parse_str("1..0\n");
        assert_eq!(r.plan.unwrap().skip_all.as_deref(), Some(""));
        let r = parse_str("1..0 # no reason keyword\n");
        assert_eq!(
            r.plan.unwrap().skip_all.as_deref(),
            Some("no reason keyword")
        );
        let r = parse_str("1..4 # SKIP only zero skips\n");
        assert_eq!(
            r.plan,
            Some(TapPlan {
                count: 4,
                skip_all: None,
                todo: Vec::new()
            })
        );
        // Not plans.
        for line in ["1..", "1..x", "1..3 tests", "2..3", " 1..3"] {
            let r = parse_str(&format!("{line}\n"));
            assert_eq!(r.plan, None, "{line:?}");
        }
    }

    #[test]
    fn bail_out_stops_the_stream() {
        let r =
            parse_str("1..4\nok 1\nnot ok 2\nBail out!  database went away  \nok 3\nok 4\n1..9\n");
        assert_eq!(r.bail_out.as_deref(), Some("database went away"));
        assert_eq!(statuses(&r), [Pass, Fail]);
        assert_eq!(r.tests_run, 2);
        assert!(r.problems.is_empty(), "{:?}", r.problems);

        let r = parse_str("ok 1\nBail out!\n");
        assert_eq!(r.bail_out.as_deref(), Some(""));
        assert!(
            r.problems.is_empty(),
            "no plan problem after a bail out: {:?}",
            r.problems
        );

        // Only at the start of a line.
        let r = parse_str("1..1\nok 1 - Bail out! is just a name\n  Bail out! two spaces\n");
        assert_eq!(r.bail_out, None);
        assert_eq!(r.cases[0].name, "Bail out! is just a name");
    }

    #[test]
    fn problems_before_a_bail_out_stay() {
        let r = parse_str("1..3\nok 1\nok 3\nBail out! x\n");
        assert_eq!(
            r.problems,
            ["tests out of sequence: found test 3 where test 2 expected"]
        );
    }

    #[test]
    fn version_line() {
        let r = parse_str("TAP version 13\n");
        assert_eq!(r.version, Some(13));
        assert!(r.looks_like_tap());
        assert_eq!(parse_str("TAP version 14\n1..0\n").version, Some(14));
        assert_eq!(parse_str("tap VERSION 14\n1..0\n").version, Some(14));
        let r = parse_str("TAP version 13\nTAP version 14\n1..0\n");
        assert_eq!(r.version, Some(13));
        assert_eq!(
            r.problems,
            ["if TAP version is present it must be the first line of output"]
        );
        let r = parse_str("TAP version 15\n1..0\n");
        assert_eq!(
            r.problems,
            ["TAP version 15 is not supported (14 is the latest known)"]
        );
        assert!(!parse_str("TAP version x\nTAP version 13 extra\n").looks_like_tap());
    }

    #[test]
    fn yaml_block_attaches_to_the_previous_test() {
        let input = "TAP version 13\n1..2\nnot ok 1 - bad\n  ---\n  message: values differ\n  duration_ms: 12.5\n  data:\n    got: 1\n    ok 7 not a test\n  ...\nok 2 - good\n  ---\n  duration_ms: \"3\"\n  ...\n";
        let r = parse_str(input);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.tests_run, 2);
        assert_eq!(
            r.cases[0].diagnostics,
            "message: values differ\nduration_ms: 12.5\ndata:\n  got: 1\n  ok 7 not a test"
        );
        assert_eq!(r.cases[0].duration, Some(Duration::from_micros(12_500)));
        assert_eq!(r.cases[1].duration, Some(Duration::from_millis(3)));
        assert_eq!(r.cases[1].diagnostics, "duration_ms: \"3\"");
    }

    #[test]
    fn yaml_edge_cases() {
        // Nested `duration_ms` is not the test's; a bad number is ignored.
        let r = parse_str("1..2\nok 1\n  ---\n  extra:\n    duration_ms: 5\n  ...\nok 2\n  ---\n  duration_ms: soon\n  ...\n");
        assert_eq!(r.cases[0].duration, None);
        assert_eq!(r.cases[1].duration, None);
        assert!(r.problems.is_empty());
        // A `---` that does not follow a test line is not YAML.
        let r = parse_str("1..1\n# note\n  ---\nok 1\n");
        assert_eq!(r.cases[0].diagnostics, "");
        // An unterminated block ends at the first less-indented line.
        let r = parse_str("1..2\nnot ok 1\n  ---\n  a: 1\nok 2\n");
        assert_eq!(r.tests_run, 2);
        assert_eq!(r.cases[0].diagnostics, "a: 1");
        assert!(r.problems.is_empty());
        // Blank lines inside the block are kept; 4-space indentation works.
        let r = parse_str("1..1\nnot ok 1\n    ---\n    a: |\n\n      b\n    ...\n");
        assert_eq!(r.cases[0].diagnostics, "a: |\n\n  b");
        assert_eq!(r.tests_run, 1);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }

    #[test]
    fn comments_attach_to_the_previous_test() {
        let r = parse_str(
            "# before any test\n1..2\nok 1 - a\n# note one\n#   Failed test 'x'\nnot ok 2 - b\n# after b\n#no space\n",
        );
        assert_eq!(r.cases[0].diagnostics, "note one\n  Failed test 'x'");
        assert_eq!(r.cases[1].diagnostics, "after b\nno space");
        assert!(r.problems.is_empty());
    }

    #[test]
    fn yaml_and_comments_combine() {
        let r = parse_str(
            "1..1\nnot ok 1\n  ---\n  a: 1\n  ...\n# Looks like you failed 1 test of 1.\n",
        );
        assert_eq!(
            r.cases[0].diagnostics,
            "a: 1\nLooks like you failed 1 test of 1."
        );
    }

    const TAP14_PASSING: &str = "TAP version 14
1..2
# Subtest: first group
    1..2
    ok 1 - inner a
    ok 2 - inner b
ok 1 - first group
ok 2 - plain
";

    #[test]
    fn tap14_subtest_passing() {
        let r = parse_str(TAP14_PASSING);
        assert_eq!(r.problems, Vec::<String>::new());
        assert_eq!(names(&r), ["first group", "plain"]);
        assert_eq!(statuses(&r), [Pass, Pass]);
        assert_eq!(r.cases[0].diagnostics, "");
        assert_eq!(r.tests_run, 2);
    }

    #[test]
    fn tap14_failing_child_with_failing_parent() {
        let r = parse_str(
            "TAP version 14\n1..1\n# Subtest: group\n    1..2\n    ok 1 - fine\n    not ok 2 - inner bad\n      ---\n      at: here\n      ...\nnot ok 1 - group\n",
        );
        assert_eq!(statuses(&r), [Fail]);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(
            r.cases[0].diagnostics,
            "subtest failed:\n    not ok 2 - inner bad"
        );
        assert_eq!(r.tests_run, 1);
    }

    #[test]
    fn ok_parent_over_broken_child_is_a_problem() {
        let r = parse_str(
            "1..1\n# Subtest: group\n    1..2\n    ok 1\n    not ok 2 - inner bad\nok 1 - group\n",
        );
        assert_eq!(statuses(&r), [Pass]);
        assert_eq!(
            r.problems,
            ["test 1 (group) is ok but its subtest failed: 1 of 2 tests failed"]
        );
        assert!(r.cases[0].diagnostics.contains("not ok 2 - inner bad"));

        let r = parse_str("1..1\n# Subtest: group\n    ok 1\n    ok 2\nok 1 - group\n");
        assert_eq!(
            r.problems,
            ["test 1 (group) is ok but its subtest failed: no plan found in TAP output"]
        );
        assert!(r.cases[0]
            .diagnostics
            .contains("(no plan found in TAP output)"));

        let r = parse_str("1..1\n# Subtest: group\n    1..3\n    ok 1\n    ok 3\nok 1\n");
        assert_eq!(
            r.problems,
            ["test 1 (group) is ok but its subtest failed: tests out of sequence: found test 3 where test 2 expected; planned 3 tests but ran 2"]
        );
        // The header names an unnamed parent.
        assert_eq!(r.cases[0].name, "group");
    }

    #[test]
    fn todo_and_skip_in_subtests() {
        // Child TODO failures do not break it; a skipped child is fine.
        let r = parse_str(
            "1..2\n# Subtest: a\n    1..1\n    not ok 1 # TODO later\nok 1 - a\n# Subtest: b\n    1..0 # SKIP no db\nok 2 - b # skip no db\n",
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(statuses(&r), [Pass, Skip]);
        // A TODO parent over a failing child is not a problem either.
        let r = parse_str("1..1\n# Subtest: a\n    1..1\n    not ok 1\nnot ok 1 - a # TODO\n");
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(statuses(&r), [TodoFail]);
    }

    const TAP14_NESTED: &str = "TAP version 14
1..2
# Subtest: outer
    1..2
    ok 1 - before
    # Subtest: inner
        1..2
        ok 1 - deep ok
        not ok 2 - deep failure
    not ok 2 - inner
    ok 3 - extra
ok 1 - outer
ok 2 - last
";

    #[test]
    fn tap14_two_levels() {
        let r = parse_str(TAP14_NESTED);
        assert_eq!(names(&r), ["outer", "last"]);
        assert_eq!(r.tests_run, 2);
        assert_eq!(
            r.problems,
            ["test 1 (outer) is ok but its subtest failed: 1 of 3 tests failed; planned 2 tests but ran 3"]
        );
        assert_eq!(
            r.cases[0].diagnostics,
            "subtest failed:\n    not ok 2 - inner\n        not ok 2 - deep failure\n    (planned 2 tests but ran 3)"
        );
    }

    #[test]
    fn nested_ok_over_broken_grandchild_propagates() {
        let r = parse_str(
            "1..1\n# Subtest: outer\n    1..1\n    # Subtest: inner\n        1..1\n        not ok 1 - deep\n    ok 1 - inner\nok 1 - outer\n",
        );
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert!(r.problems[0]
            .starts_with("test 1 (outer) is ok but its subtest failed: test 1 (inner) is ok"));

        let passing = parse_str(
            "1..1\n# Subtest: outer\n    1..1\n    # Subtest: inner\n        1..1\n        ok 1 - deep\n    ok 1 - inner\nok 1 - outer\n",
        );
        assert!(passing.problems.is_empty(), "{:?}", passing.problems);
        assert_eq!(names(&passing), ["outer"]);
    }

    const TEST_MORE: &str = "1..3
ok 1 - before
    # Subtest: with header
    ok 1 - a
    not ok 2 - b
    #   Failed test 'b'
    1..2
    # Looks like you failed 1 test of 2.
not ok 2 - with header
#   Failed test 'with header'
    # Subtest: outer
        # Subtest: inner
        ok 1 - deepest
        1..1
    ok 1 - inner
    1..1
ok 3 - outer
# Looks like you failed 1 test of 3.
";

    #[test]
    fn test_more_style_subtests() {
        let r = parse_str(TEST_MORE);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(names(&r), ["before", "with header", "outer"]);
        assert_eq!(statuses(&r), [Pass, Fail, Pass]);
        assert_eq!(
            r.cases[1].diagnostics,
            "subtest failed:\n    not ok 2 - b\n  Failed test 'with header'"
        );
        assert_eq!(r.cases[2].diagnostics, "Looks like you failed 1 test of 3.");
    }

    #[test]
    fn header_less_test_more_subtests() {
        let r = parse_str("1..2\n    ok 1 - a\n    1..1\nok 1 - first\n        ok 1 - deep\n        1..1\n    ok 1 - mid\n    1..1\nok 2 - second\n");
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(names(&r), ["first", "second"]);

        let r = parse_str("1..1\n    1..2\n    ok 1\n    not ok 2 - broken\nok 1 - parent\n");
        assert_eq!(
            r.problems,
            ["test 1 (parent) is ok but its subtest failed: 1 of 2 tests failed"]
        );

        // Indented lines without a plan or header are just output.
        let r = parse_str("1..1\n    ok 1 looks like tap\n    not ok 2\nok 1 - parent\n");
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.cases[0].diagnostics, "");
    }

    #[test]
    fn test2_buffered_subtests() {
        let r = parse_str(
            "1..2\nok 1 - buffered {\n    ok 1 - a\n    1..1\n}\nok 2 - name ends with {\n",
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(names(&r), ["buffered", "name ends with {"]);

        let r = parse_str("1..1\nok 1 - lies {\n    not ok 1 - a\n    1..1\n}\n");
        assert_eq!(
            r.problems,
            ["test 1 (lies) is ok but its subtest failed: 1 of 1 test failed"]
        );

        let r = parse_str("1..1\nnot ok 1 - todo # TODO later {\n    not ok 1\n    1..1\n}\n");
        assert_eq!(r.cases[0].reason.as_deref(), Some("later"));
        assert_eq!(statuses(&r), [TodoFail]);
        assert!(r.problems.is_empty());

        let r = parse_str("1..1\nok 1 - empty {\n}\n");
        assert_eq!(names(&r), ["empty"]);
    }

    #[test]
    fn unfinished_subtest_is_not_a_case() {
        // The child crashed before its parent line: the plan catches it.
        let r = parse_str("1..2\nok 1\n# Subtest: crashed\n    1..3\n    ok 1\n");
        assert_eq!(r.tests_run, 1);
        assert_eq!(r.problems, ["planned 2 tests but ran 1"]);
    }

    #[test]
    fn unknown_lines_are_tolerated() {
        let r = parse_str(
            "pragma +strict\nhello world\n  # two-space comment\n1..2\nokay\nok1\nnot okay\n\n\t\tok 5\nok 1 - real\n  random 2-space output\n    random 4-space output\n}\nok 2 - real too\n...\n---\n",
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(names(&r), ["real", "real too"]);
        assert!(r.cases.iter().all(|c| c.diagnostics.is_empty()));
    }

    #[test]
    fn crlf_line_endings() {
        let r =
            parse_str("TAP version 13\r\n1..2\r\nok 1 - a\r\nnot ok 2 - b # TODO x\r\n# note\r\n");
        assert_eq!(r.version, Some(13));
        assert_eq!(names(&r), ["a", "b"]);
        assert_eq!(r.cases[1].reason.as_deref(), Some("x"));
        assert_eq!(r.cases[1].diagnostics, "note");
        assert!(r.problems.is_empty());
    }

    #[test]
    fn non_utf8_bytes() {
        let input: &[u8] = b"1..2\nok 1 - caf\xe9\n\xff\xfe garbage\nnot ok 2 - \xc3\x28 bad\n";
        let r = parse_reader(input).unwrap();
        assert_eq!(names(&r), ["caf\u{FFFD}", "\u{FFFD}( bad"]);
        assert!(r.problems.is_empty());
    }

    /// Produces `size` bytes of `byte` without ever holding them.
    struct Endless {
        left: usize,
        byte: u8,
        then: &'static [u8],
    }

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.left > 0 {
                let n = buf.len().min(self.left);
                buf[..n].fill(self.byte);
                self.left -= n;
                return Ok(n);
            }
            let n = buf.len().min(self.then.len());
            buf[..n].copy_from_slice(&self.then[..n]);
            self.then = &self.then[n..];
            Ok(n)
        }
    }

    #[test]
    fn ten_megabyte_line() {
        let reader = io::Cursor::new(b"1..2\nok 1 - ".to_vec()).chain(Endless {
            left: 10 << 20,
            byte: b'x',
            then: b"\nok 2 - after\n",
        });
        let r = parse_reader(BufReader::new(reader)).unwrap();
        assert_eq!(r.tests_run, 2);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.cases[0].name.len(), MAX_LINE_BYTES - "ok 1 - ".len());
        assert_eq!(r.cases[1].name, "after");
    }

    #[test]
    fn long_line_buffer_stays_capped() {
        let mut reader = BufReader::new(Endless {
            left: 40 << 20,
            byte: b'y',
            then: b"\nnext\n",
        });
        let mut buf = Vec::new();
        assert!(read_line_capped(&mut reader, &mut buf, MAX_LINE_BYTES).unwrap());
        assert_eq!(buf.len(), MAX_LINE_BYTES);
        assert!(
            buf.capacity() <= 2 * MAX_LINE_BYTES,
            "capacity {}",
            buf.capacity()
        );
        assert!(read_line_capped(&mut reader, &mut buf, MAX_LINE_BYTES).unwrap());
        assert_eq!(buf, b"next");
        assert!(!read_line_capped(&mut reader, &mut buf, MAX_LINE_BYTES).unwrap());
        // A last line without a newline still counts.
        let mut reader: &[u8] = b"a\nb";
        assert!(read_line_capped(&mut reader, &mut buf, 10).unwrap());
        assert!(read_line_capped(&mut reader, &mut buf, 10).unwrap());
        assert_eq!(buf, b"b");
        assert!(!read_line_capped(&mut reader, &mut buf, 10).unwrap());
    }

    #[test]
    fn long_invalid_line_is_capped_after_decoding() {
        let mut parser = TapParser::new();
        let mut line = b"not ok 1 - ".to_vec();
        line.extend(std::iter::repeat_n(0xff, MAX_LINE_BYTES * 2));
        parser.feed_line(&line);
        let r = parser.finish();
        assert!(r.cases[0].name.len() <= MAX_LINE_BYTES);
        assert!(r.cases[0].line.as_ref().unwrap().len() <= MAX_LINE_BYTES);
        assert!(r.cases[0].name.starts_with('\u{FFFD}'));
    }

    #[test]
    fn diagnostics_are_capped() {
        let mut text = String::from("1..2\nnot ok 1\n");
        let comment = format!("# {}\n", "d".repeat(1000));
        for _ in 0..200 {
            text.push_str(&comment);
        }
        text.push_str("ok 2\n");
        let r = parse_str(&text);
        let diag = &r.cases[0].diagnostics;
        assert!(diag.len() <= MAX_CASE_DIAGNOSTICS_BYTES + DIAG_TRUNCATED.len() + 1);
        assert!(diag.ends_with(DIAG_TRUNCATED));
        assert_eq!(r.tests_run, 2);
    }

    #[test]
    fn repeated_problems_are_summarised() {
        let mut text = String::from("1..1\n");
        for _ in 0..1000 {
            text.push_str("1..1\n");
        }
        let r = parse_str(&text);
        assert_eq!(r.problems.len(), MAX_PROBLEMS + 2);
        assert_eq!(
            r.problems[MAX_PROBLEMS],
            format!("… and {} more problems", 1000 - MAX_PROBLEMS)
        );
        assert_eq!(r.problems[MAX_PROBLEMS + 1], "planned 1 test but ran 0");
    }

    #[test]
    fn many_cases_keep_failures() {
        let mut text = String::with_capacity(MAX_STORED_CASES * 3 + 100);
        for _ in 0..MAX_STORED_CASES + 5 {
            text.push_str("ok\n");
        }
        text.push_str("not ok\nok\n");
        let total = MAX_STORED_CASES as u64 + 7;
        text.push_str(&format!("1..{total}\n"));
        let r = parse_str(&text);
        assert_eq!(r.tests_run, total);
        assert_eq!(r.cases.len(), MAX_STORED_CASES + 1);
        assert_eq!(r.omitted_cases, 6);
        assert_eq!(r.cases.last().unwrap().status, Fail);
        assert_eq!(
            r.cases.last().unwrap().number,
            Some(MAX_STORED_CASES as u64 + 6)
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }

    #[test]
    fn too_many_failures_are_counted_not_stored() {
        let extra = MAX_EXTRA_FAILURES + 2;
        let mut text = String::with_capacity(MAX_STORED_CASES * 3 + extra * 7 + 100);
        for _ in 0..MAX_STORED_CASES {
            text.push_str("ok\n");
        }
        for _ in 0..extra {
            text.push_str("not ok\n");
        }
        let total = (MAX_STORED_CASES + extra) as u64;
        text.push_str(&format!("1..{total}\n"));
        let r = parse_str(&text);
        assert_eq!(r.tests_run, total);
        assert_eq!(r.cases.len(), MAX_STORED_CASES + MAX_EXTRA_FAILURES);
        assert_eq!(r.omitted_cases, 2);
        assert_eq!(
            r.problems,
            ["2 more failing tests not listed (too many results)"]
        );
    }

    #[test]
    fn live_counts_follow_the_stream() {
        let mut parser = TapParser::new();
        let counts = |p: &TapParser| (p.tests_run(), p.failures(), p.bailed_out());
        assert_eq!(counts(&parser), (0, 0, false));
        for line in [
            "1..5",
            "not ok 1",
            "ok 2",
            "not ok 3",
            "not ok 4 # TODO",
            "ok 5",
        ] {
            parser.feed_line(line.as_bytes());
        }
        assert_eq!(counts(&parser), (5, 2, false));
        parser.feed_line(b"Bail out!");
        assert_eq!(counts(&parser), (5, 2, true));
    }

    #[test]
    fn version_after_a_test_line_is_a_problem() {
        let r = parse_str("ok 1\nTAP version 13\n1..1\n");
        assert_eq!(r.version, None);
        assert_eq!(
            r.problems,
            ["if TAP version is present it must be the first line of output"]
        );
    }

    #[test]
    fn incremental_parser() {
        let mut parser = TapParser::default();
        parser.feed_line(b"1..3\n");
        parser.feed_line(b"ok 1\r\n");
        parser.feed_line(b"not ok 2");
        assert_eq!((parser.tests_run(), parser.failures()), (2, 1));
        parser.feed_line(b"Bail out! no more");
        assert!(parser.bailed_out());
        parser.feed_line(b"ok 3");
        assert_eq!(parser.tests_run(), 2);
        let r = parser.finish();
        assert_eq!(statuses(&r), [Pass, Fail]);
        assert_eq!(r.bail_out.as_deref(), Some("no more"));
    }

    /// A tiny deterministic generator (xorshift) for the fuzz-style test.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const PIECES: &[&[u8]] = &[
        b"ok",
        b"not ok",
        b" ",
        b"    ",
        b"  ",
        b"1..",
        b"0",
        b"1",
        b"3",
        b"99999999999999999999999",
        b"#",
        b" # SKIP",
        b" # TODO",
        b"\\",
        b"\\#",
        b"-",
        b"\n",
        b"\n",
        b"\n",
        b"\r\n",
        b"\r",
        b"---",
        b"...",
        b"Bail out!",
        b"# Subtest: x",
        b"# Subtest",
        b"{",
        b"}",
        b"TAP version 13",
        b"TAP version 4294967296",
        b"duration_ms: 1e308",
        b"duration_ms: -1",
        b" # time=1e300s",
        b" # time=.ms",
        b"\xff",
        b"\xc3",
        b"\xe2\x82",
        b"\t",
        b"\0",
        b"\xef\xbb\xbf",
    ];

    fn random_input(rng: &mut Rng) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..rng.below(300) {
            if rng.below(8) == 0 {
                out.push(rng.next() as u8);
            } else {
                out.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
        }
        out
    }

    /// Reads through a 1-byte buffer, to exercise lines split across reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..3000 {
            let input = random_input(&mut rng);
            let r = parse_reader(&input[..]).unwrap();
            assert_eq!(
                r.cases.len() as u64 + r.omitted_cases,
                r.tests_run,
                "round {round}: {input:?}"
            );
            assert!(r.cases.iter().all(|c| c.number.is_some()), "round {round}");
            if r.bail_out.is_none() && r.plan.is_none() {
                assert!(
                    r.problems
                        .iter()
                        .any(|p| p == "no plan found in TAP output"),
                    "round {round}"
                );
            }
            if round % 10 == 0 {
                let slow = parse_reader(BufReader::with_capacity(1, Trickle(&input))).unwrap();
                assert_eq!(slow, r, "round {round}: {input:?}");
            }
        }
    }

    #[test]
    fn nested_messages_are_clipped() {
        let long = "n".repeat(5000);
        let r = parse_str(&format!(
            "1..1\n# Subtest: a\n    1..1\n    # Subtest: b\n        1..1\n        not ok 1 - {long}\n    ok 1 - {long}\nok 1 - {long}\n"
        ));
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].len() <= MAX_MESSAGE_BYTES + '…'.len_utf8());
        assert!(r.problems[0].starts_with("test 1 (nnn"));
        assert!(r.cases[0].diagnostics.len() < 4 * MAX_MESSAGE_BYTES);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut text = String::new();
        for depth in 0..200 {
            text.push_str(&" ".repeat(depth * 4));
            text.push_str("# Subtest: deeper\n");
        }
        for depth in (0..200).rev() {
            text.push_str(&" ".repeat(depth * 4));
            text.push_str("1..1\n");
            text.push_str(&" ".repeat(depth * 4));
            text.push_str("ok 1\n");
        }
        let r = parse_str(&text);
        assert_eq!(r.tests_run, 1);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }
}
