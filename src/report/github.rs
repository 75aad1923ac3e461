//! GitHub Actions workflow commands: `::error`/`::warning` annotations for
//! failing and flaky files, and `::group::` folds for long output.
//!
//! Everything here is a function of a [`RunSummary`] (a run's own or a
//! merged one), so a `ptest merge` job annotates the failures of every
//! shard.
//!
//! ## Annotations
//!
//! One `::error` per failing test that has a location, else one per
//! failing file; one `::warning` per FLAKY file. A failing test's location
//! is, in this order ([`case_location`]):
//!
//! * its own file and line, when its report gives them
//!   ([`CaseResult::location`]: JUnit `<testcase file=… line=…>`);
//! * else the first found in its diagnostics and line ([`locate`]):
//!   * a Rust panic: `panicked at src/lib.rs:12:5` (and the older
//!     `panicked at 'msg', src/lib.rs:12:5`);
//!   * Perl's Test::More: `at t/x.t line 12`;
//!   * `path:line` as pytest, JUnit reporters and compilers print it
//!     (`tests/test_db.py:12: AssertionError`);
//! * else its own file without a line (JUnit `file` alone, as jest-junit
//!   writes it).
//!
//! When no failing test has one, the file's output tails are searched the
//! same way ([`locate`]); without a location there either, the annotation
//! points at the test file itself.
//!
//! GitHub shows at most [`MAX_ANNOTATIONS`] annotations of a kind per
//! step; ptest keeps errors and warnings within that one cap: the
//! [`MAX_ANNOTATIONS`]` - 1` most useful (failures that fail the run before
//! excused ones, located ones first, then flaky files), then one that says
//! how many more there are and where the full report is.
//!
//! ## Escaping
//!
//! As the workflow-command rules require ([`escape_data`],
//! [`escape_property`]): in the message `%`, CR and LF become `%25`,
//! `%0D`, `%0A`; in a property (`file=`, `title=`) `:` and `,` also become
//! `%3A` and `%2C`.

use crate::outcome::{RunSummary, UnitSummary, Verdict};
use crate::parse::CaseResult;

/// GitHub shows at most this many error (and warning) annotations per
/// step.
pub const MAX_ANNOTATIONS: usize = 10;

/// Lines of a failure's message kept in its annotation.
const MESSAGE_LINES: usize = 12;

/// The message text of a workflow command, escaped: `%` → `%25`, CR →
/// `%0D`, LF → `%0A`.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// A property value of a workflow command (`file=`, `title=`), escaped as
/// [`escape_data`] and also `:` → `%3A`, `,` → `%2C`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Where in the source a failure happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The source file, as the failure printed it.
    pub file: String,
    /// Its 1-based line.
    pub line: u32,
    /// Its 1-based column, when given.
    pub col: Option<u32>,
}

/// The first source location in `text`: a Rust panic's, then Perl's `at
/// FILE line N`, then `FILE:N` (see the [module docs](self)).
pub fn locate(text: &str) -> Option<Location> {
    panic_location(text)
        .or_else(|| perl_location(text))
        .or_else(|| colon_location(text))
}

/// `panicked at src/lib.rs:12:5` or `panicked at 'msg', src/lib.rs:12:5`.
fn panic_location(text: &str) -> Option<Location> {
    for (at, _) in text.match_indices("panicked at ") {
        let rest = &text[at + "panicked at ".len()..];
        let rest = match rest.strip_prefix('\'') {
            // Before Rust 1.73: the message first, then `', FILE:L:C`.
            Some(_) => &rest[rest.find("', ")? + 3..],
            None => rest,
        };
        let token = rest.split_whitespace().next()?.trim_end_matches(':');
        if let Some(loc) = path_line_col(token) {
            return Some(loc);
        }
    }
    None
}

/// Test::More's `at t/x.t line 12.`
fn perl_location(text: &str) -> Option<Location> {
    for (at, _) in text.match_indices(" at ") {
        let rest = &text[at + 4..];
        let Some((file, after)) = rest.split_once(" line ") else {
            continue;
        };
        if file.is_empty() || file.contains(char::is_whitespace) {
            continue;
        }
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(line) = digits.parse::<u32>() {
            if line > 0 {
                return Some(Location {
                    file: file.to_string(),
                    line,
                    col: None,
                });
            }
        }
    }
    None
}

/// `tests/test_db.py:12: AssertionError`, `src/x.c:3:7: error`: the first
/// whitespace-separated word that is a path with an extension followed by
/// `:LINE`.
fn colon_location(text: &str) -> Option<Location> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c| matches!(c, '(' | ')' | '"' | '\'' | ',')))
        .find_map(path_line_col)
}

/// `FILE:LINE[:COL][:]` where FILE has an extension and is not a URL.
fn path_line_col(token: &str) -> Option<Location> {
    let token = token.trim_end_matches(':');
    let parts: Vec<&str> = token.split(':').collect();
    let number = |s: &str| s.parse::<u32>().ok().filter(|n| *n > 0);
    let (file, line, col) = match parts.as_slice() {
        [.., l, c] if parts.len() >= 3 && number(l).is_some() && number(c).is_some() => {
            (parts[..parts.len() - 2].join(":"), *l, number(c))
        }
        [.., l] if parts.len() >= 2 && number(l).is_some() => {
            (parts[..parts.len() - 1].join(":"), *l, None)
        }
        _ => return None,
    };
    let file = file.as_str();
    let line: u32 = line.parse().ok().filter(|l| *l > 0)?;
    let name = file.rsplit('/').next().unwrap_or(file);
    let has_extension = name
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && !ext.is_empty());
    if file.contains("://") || !has_extension || file.contains(char::is_whitespace) {
        return None;
    }
    Some(Location {
        file: file.to_string(),
        line,
        col,
    })
}

/// One annotation before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// `error` or `warning`.
    pub level: Level,
    /// The file it points at (a source location, or the test file).
    pub file: String,
    /// The line, when known.
    pub line: Option<u32>,
    /// The column, when known.
    pub col: Option<u32>,
    /// The title GitHub shows in bold.
    pub title: String,
    /// The message (several lines allowed).
    pub message: String,
}

/// The kind of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `::error`.
    Error,
    /// `::warning`.
    Warning,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

impl Annotation {
    /// The workflow command line, escaped (without a newline).
    pub fn command(&self) -> String {
        let mut props = Vec::new();
        if !self.file.is_empty() {
            props.push(format!("file={}", escape_property(&self.file)));
        }
        if let Some(line) = self.line {
            props.push(format!("line={line}"));
        }
        if let Some(col) = self.col {
            props.push(format!("col={col}"));
        }
        props.push(format!("title={}", escape_property(&self.title)));
        format!(
            "::{} {}::{}",
            self.level.command(),
            props.join(","),
            escape_data(&self.message)
        )
    }
}

/// Where a failing test failed (see the [module docs](self)): its own
/// file and line, else the first location in its diagnostics and line,
/// else its own file without a line. `None` when nothing says.
pub fn case_location(case: &CaseResult) -> Option<Place> {
    let own = case.location.as_ref();
    let text = locate(&case_text(case)).map(|loc| Place {
        file: loc.file,
        line: Some(loc.line),
        col: loc.col,
    });
    match (own, text) {
        // The failing line inside the test (pytest's `tests/test_x.py:8:
        // AssertionError`) says more than the line the test starts on:
        // the text's place wins when it is in the case's own file.
        (Some(own), Some(text))
            if own.file.ends_with(&text.file) || text.file.ends_with(&own.file) =>
        {
            Some(Place {
                file: own.file.clone(),
                ..text
            })
        }
        (Some(own), _) if own.line.is_some() => Some(Place {
            file: own.file.clone(),
            line: own.line,
            col: None,
        }),
        (_, Some(text)) => Some(text),
        (Some(own), None) => Some(Place {
            file: own.file.clone(),
            line: None,
            col: None,
        }),
        (None, None) => None,
    }
}

/// The place an annotation points at: a file, with a line and column when
/// known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The source file.
    pub file: String,
    /// Its 1-based line, when known.
    pub line: Option<u32>,
    /// Its 1-based column, when known.
    pub col: Option<u32>,
}

/// A failing test's text to search for its location: diagnostics first.
fn case_text(case: &CaseResult) -> String {
    let mut text = case.diagnostics.clone();
    if let Some(line) = &case.line {
        text.push('\n');
        text.push_str(line);
    }
    text
}

/// The name of a file in titles: its id, with its iteration in a repeat run.
fn file_name(f: &UnitSummary) -> String {
    match f.iteration {
        Some(i) => format!("{} (iteration {i})", f.id),
        None => f.id.clone(),
    }
}

/// The verdict label, with the attempts of a retried file (`FAIL 3/3`).
fn label(f: &UnitSummary) -> String {
    if f.attempts > 1 {
        format!("{} {}/{}", f.verdict.label(), f.attempts, f.attempts)
    } else {
        f.verdict.label().to_string()
    }
}

fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines[..lines.len().min(n)].join("\n");
    if lines.len() > n {
        out.push_str(&format!("\n… {} more lines", lines.len() - n));
    }
    out
}

/// The annotations of one failing file: one per failing test with a
/// location, else one for the file.
fn failure_annotations(f: &UnitSummary, excused: bool) -> Vec<Annotation> {
    // A quarantined failure does not fail the run: a warning.
    let level = if excused {
        Level::Warning
    } else {
        Level::Error
    };
    let quarantined = if excused { " (quarantined)" } else { "" };
    let mut out = Vec::new();
    for case in f.cases.iter().filter(|c| c.status.is_failure()) {
        let Some(loc) = case_location(case) else {
            continue;
        };
        let test = if case.name.is_empty() || case.name == f.id {
            String::new()
        } else {
            format!(": {}", case.name)
        };
        let mut message = case.line.clone().unwrap_or_default();
        if !case.diagnostics.is_empty() {
            if !message.is_empty() {
                message.push('\n');
            }
            message.push_str(&case.diagnostics);
        }
        out.push(Annotation {
            level,
            file: loc.file,
            line: loc.line,
            col: loc.col,
            title: format!("{} {}{test}{quarantined}", label(f), file_name(f)),
            message: first_lines(&message, MESSAGE_LINES),
        });
    }
    if !out.is_empty() {
        return out;
    }
    let tails = format!("{}\n{}", f.stderr_tail, f.stdout_tail);
    let loc = locate(&tails);
    let mut message = f.reasons.join("\n");
    for case in f.cases.iter().filter(|c| c.status.is_failure()) {
        if let Some(line) = &case.line {
            message.push('\n');
            message.push_str(line);
        }
    }
    let tail = match loc {
        // The panic message is on the lines around the location.
        Some(_) => tails.trim(),
        None => f.stderr_tail.trim(),
    };
    if !tail.is_empty() {
        let lines: Vec<&str> = tail.lines().collect();
        message.push_str("\n\n");
        message.push_str(&lines[lines.len().saturating_sub(6)..].join("\n"));
    }
    let (file, line, col) = match loc {
        Some(l) => (l.file, Some(l.line), l.col),
        None => (f.id.clone(), None, None),
    };
    vec![Annotation {
        level,
        file,
        line,
        col,
        title: format!("{} {}{quarantined}", label(f), file_name(f)),
        message: first_lines(message.trim(), MESSAGE_LINES),
    }]
}

/// The warning for a FLAKY file: which attempts failed, which tests
/// flipped.
fn flaky_annotation(f: &UnitSummary) -> Annotation {
    let mut message = f.reasons.join("\n");
    if !f.flipped.is_empty() {
        message.push_str(&format!("\nflipped: {}", f.flipped.join(", ")));
    }
    let failed: Vec<String> = f
        .attempt_results
        .iter()
        .filter(|a| a.verdict != Verdict::Pass)
        .map(|a| format!("attempt {}: {}", a.number, a.reasons.join("; ")))
        .collect();
    if !failed.is_empty() {
        message.push('\n');
        message.push_str(&failed.join("\n"));
    }
    Annotation {
        level: Level::Warning,
        file: f.id.clone(),
        line: None,
        col: None,
        title: format!("FLAKY {}", file_name(f)),
        message: first_lines(message.trim(), MESSAGE_LINES),
    }
}

/// Every annotation of `summary`, most useful first: failures that fail
/// the run (located ones first), failures quarantine excuses, then FLAKY
/// files (warnings; errors when `--flaky-fail` makes them fail the run).
pub fn all_annotations(summary: &RunSummary) -> Vec<Annotation> {
    let mut failing: Vec<(bool, bool, Annotation)> = Vec::new();
    for f in &summary.files {
        if f.verdict.is_failure() {
            let excused = !summary.fails_run(f);
            for a in failure_annotations(f, excused) {
                failing.push((excused, a.line.is_none(), a));
            }
        }
    }
    // Stable: summary order within each rank.
    failing.sort_by_key(|(excused, unlocated, _)| (*excused, *unlocated));
    let mut out: Vec<Annotation> = failing.into_iter().map(|(_, _, a)| a).collect();
    for f in summary.files.iter().filter(|f| f.verdict == Verdict::Flaky) {
        let mut a = flaky_annotation(f);
        if summary.fails_run(f) {
            a.level = Level::Error;
        }
        out.push(a);
    }
    out
}

/// The annotation lines for `summary`, within [`MAX_ANNOTATIONS`]: the
/// first `MAX_ANNOTATIONS - 1` of [`all_annotations`], then one that counts
/// the rest and points at `full_report` (e.g. `the job summary`).
pub fn annotations(summary: &RunSummary, full_report: &str) -> Vec<String> {
    let all = all_annotations(summary);
    if all.len() <= MAX_ANNOTATIONS {
        return all.iter().map(Annotation::command).collect();
    }
    let keep = MAX_ANNOTATIONS - 1;
    let rest = &all[keep..];
    let errors = rest.iter().filter(|a| a.level == Level::Error).count();
    let warnings = rest.len() - errors;
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(format!("{errors} more failure{}", plural(errors)));
    }
    if warnings > 0 {
        parts.push(format!("{warnings} more flaky file{}", plural(warnings)));
    }
    let more = Annotation {
        level: if errors > 0 {
            Level::Error
        } else {
            Level::Warning
        },
        file: String::new(),
        line: None,
        col: None,
        title: format!("ptest: {} not annotated", parts.join(" and ")),
        message: format!(
            "GitHub shows at most {MAX_ANNOTATIONS} annotations per step; {} {} not shown here. The full report: {full_report}.",
            parts.join(" and "),
            if rest.len() == 1 { "is" } else { "are" }
        ),
    };
    all[..keep]
        .iter()
        .chain(std::iter::once(&more))
        .map(Annotation::command)
        .collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `text` folded in the log between `::group::TITLE` and `::endgroup::`.
pub fn group(title: &str, text: &str) -> String {
    let mut out = format!("::group::{}\n", escape_data(title));
    out.push_str(text);
    if !text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("::endgroup::\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_workflow_command_rules_say() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("t/a,b:c%\n.t"), "t/a%2Cb%3Ac%25%0A.t");
    }

    #[test]
    fn finds_locations_of_each_kind() {
        let loc = |f: &str, l: u32, c: Option<u32>| {
            Some(Location {
                file: f.into(),
                line: l,
                col: c,
            })
        };
        assert_eq!(
            locate("thread 'main' panicked at src/lib.rs:12:5:\nboom"),
            loc("src/lib.rs", 12, Some(5))
        );
        assert_eq!(
            locate("thread 'x' panicked at 'boom, really', src/a.rs:3:9\n"),
            loc("src/a.rs", 3, Some(9))
        );
        assert_eq!(
            locate("  Failed test 'sum'\n  at t/x.t line 12.\n"),
            loc("t/x.t", 12, None)
        );
        assert_eq!(
            locate("tests/test_db.py:41: AssertionError"),
            loc("tests/test_db.py", 41, None)
        );
        assert_eq!(locate("see http://example.com:80 now"), None);
        assert_eq!(locate("ratio 3:4 at noon"), None);
        assert_eq!(locate("exited with status 1"), None);
    }
}

#[cfg(test)]
mod snapshots {
    use super::*;
    use crate::report::ci::sample_summary;

    #[test]
    fn annotations_of_every_kind_of_file() {
        let lines = annotations(&sample_summary(), "the job summary");
        insta::assert_snapshot!(lines.join("\n"));
    }

    #[test]
    fn at_most_ten_with_a_count_of_the_rest() {
        use crate::outcome::{UnitSummary, Verdict};
        let files: Vec<UnitSummary> = (0..14)
            .map(|i| {
                let id = format!("t/f{i:02}.t");
                let mut f = UnitSummary::not_run(id.clone(), id.into(), "exited with status 1");
                f.verdict = if i < 12 {
                    Verdict::Fail
                } else {
                    Verdict::Flaky
                };
                f
            })
            .collect();
        let s = crate::testing::SummaryFixture::new(files).build();
        let lines = annotations(&s, "the job summary");
        assert_eq!(lines.len(), MAX_ANNOTATIONS);
        assert!(
            lines[8].starts_with("::error file=t/f08.t,"),
            "{}",
            lines[8]
        );
        assert_eq!(
            lines[9],
            "::error title=ptest%3A 3 more failures and 2 more flaky files not annotated::GitHub shows at most 10 annotations per step; 3 more failures and 2 more flaky files are not shown here. The full report: the job summary."
        );
    }
}

#[cfg(test)]
mod case_locations {
    use super::*;
    use crate::parse::{CaseStatus, SourceLocation};
    use crate::testing::case;

    fn place(file: &str, line: Option<u32>, col: Option<u32>) -> Option<Place> {
        Some(Place {
            file: file.into(),
            line,
            col,
        })
    }

    #[test]
    fn own_location_then_panic_then_tap_then_path_line_then_own_file() {
        let text = "tests/test_a.py:7: AssertionError\n  at t/x.t line 12.\nthread 'main' panicked at src/lib.rs:3:5:";
        let mut c = case(2, "test_bad", CaseStatus::Fail);
        c.diagnostics = text.into();
        c.location = Some(SourceLocation {
            file: "tests/test_a.py".into(),
            line: Some(5),
        });
        assert_eq!(case_location(&c), place("tests/test_a.py", Some(5), None));
        // The failing line in the case's own file beats where the test
        // starts.
        c.diagnostics = "tests/test_a.py:7: AssertionError".into();
        assert_eq!(case_location(&c), place("tests/test_a.py", Some(7), None));
        c.diagnostics = text.into();
        // A file without a line: the text's locations, in their order.
        c.location.as_mut().unwrap().line = None;
        assert_eq!(case_location(&c), place("src/lib.rs", Some(3), Some(5)));
        c.diagnostics = text.lines().take(2).collect::<Vec<_>>().join("\n");
        assert_eq!(case_location(&c), place("t/x.t", Some(12), None));
        c.diagnostics = text.lines().take(1).collect();
        assert_eq!(case_location(&c), place("tests/test_a.py", Some(7), None));
        // Nothing in the text: the case's own file, without a line.
        c.diagnostics.clear();
        assert_eq!(case_location(&c), place("tests/test_a.py", None, None));
        c.location = None;
        assert_eq!(case_location(&c), None);
    }
}
