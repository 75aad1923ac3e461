//! What `ptest report flaky` and `ptest report slow` print, as pure
//! functions of their reports ([`FlakyReport`], [`SlowReport`]): a table
//! for people, fitted to the terminal, or a versioned JSON document.
//!
//! # Tables
//!
//! Numbers come first, in right-aligned columns of fixed width, and the
//! file or test id last, escaped ([`escape::for_terminal`]). When a row is
//! wider than the terminal, the id wraps inside its own column
//! ([`wrap::wrap`]), so every number stays in its column.
//!
//! # JSON (version [`REPORT_VERSION`])
//!
//! `ptest report flaky --json` and `ptest report slow --json`: their
//! schemas are written once, in `docs/formats.md`.

use super::{escape, wrap};
use crate::history::flaky::{FlakyEntry, FlakyReport};
use crate::history::slow::{SlowFile, SlowReport, SlowTest, Spread};
use crate::history::MAX_RUNS;
use crate::util::duration::format_duration;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// Version of the JSON documents `ptest report … --json` prints.
pub const REPORT_VERSION: u32 = 1;

/// The narrowest id column a row is wrapped to.
const MIN_ID_COLUMNS: usize = 16;

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `prefix` then `id`, the id wrapped inside its column when the row is
/// wider than `width`; when that column would be narrower than
/// [`MIN_ID_COLUMNS`], the id goes on the lines below, indented by 4.
pub(super) fn row(prefix: &str, id: &str, width: Option<usize>) -> String {
    let id = escape::for_terminal(id);
    let column = wrap::width(prefix);
    let Some(w) = width.filter(|w| column + wrap::width(&id) > *w) else {
        return format!("{prefix}{id}\n");
    };
    let (first, indent) = if w.saturating_sub(column) >= MIN_ID_COLUMNS {
        (prefix.to_string(), column)
    } else {
        (format!("{}\n    ", prefix.trim_end()), 4)
    };
    let lines = wrap::wrap(&id, w.saturating_sub(indent).max(1));
    let fitted = lines.replace('\n', &format!("\n{}", " ".repeat(indent)));
    format!("{first}{fitted}\n")
}

/// How long before `now` `at` was: `45s ago`, `12m ago`, `3h ago`, `5d ago`.
fn ago(now: u64, at: u64) -> String {
    let secs = now.saturating_sub(at);
    match secs {
        0..60 => format!("{secs}s ago"),
        60..3600 => format!("{}m ago", secs / 60),
        3600..86_400 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86_400),
    }
}

fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

fn flaky_table(
    title: &str,
    what: &str,
    entries: &[FlakyEntry],
    now: u64,
    width: Option<usize>,
) -> String {
    // The attempts column only when some entry needed a retry to pass.
    let tries = entries.iter().any(|e| e.attempts_needed > 1);
    let tries_head = if tries {
        format!("{:>5}  ", "TRIES")
    } else {
        String::new()
    };
    let mut text = format!(
        "{title}\n{:>6}  {:>5}  {:>4}  {tries_head}{:<10}  {what}\n",
        "RATE", "FLIPS", "RUNS", "LAST FAIL"
    );
    for e in entries {
        let last = e
            .last_failure
            .map_or_else(|| "-".to_string(), |at| ago(now, at));
        let tries = if tries {
            format!("{:>5}  ", e.attempts_needed)
        } else {
            String::new()
        };
        let prefix = format!(
            "{:>6}  {:>5}  {:>4}  {tries}{last:<10}  ",
            percent(e.flip_rate),
            e.flips,
            e.runs
        );
        text.push_str(&row(&prefix, &e.id(), width));
    }
    text
}

/// `ptest report flaky`: the flaky files, then the flaky tests, each with
/// flip rate, flips, runs and how long ago it last failed (from `now`,
/// Unix seconds); rows fitted to `width` columns when given.
pub fn render_flaky(report: &FlakyReport, now: u64, width: Option<usize>) -> String {
    fitted(flaky_text(report, now, width), width)
}

fn flaky_text(report: &FlakyReport, now: u64, width: Option<usize>) -> String {
    let how = format!("flips under one content hash, over the last {MAX_RUNS} runs");
    if report.files.is_empty() && report.tests.is_empty() {
        let mut text = format!(
            "No flaky files or tests in {} with history ({how}).\n",
            plural(report.files_seen, "file")
        );
        text.push_str(&below_note(report));
        return text;
    }
    let mut sections = Vec::new();
    if !report.files.is_empty() {
        let title = format!(
            "Flaky files ({} of {}; {how}):",
            report.files.len(),
            plural(report.files_seen, "file")
        );
        sections.push(flaky_table(&title, "FILE", &report.files, now, width));
    }
    if !report.tests.is_empty() {
        let title = format!("Flaky tests ({}):", report.tests.len());
        sections.push(flaky_table(&title, "TEST", &report.tests, now, width));
    }
    let mut text = sections.join("\n");
    text.push_str(&below_note(report));
    text
}

fn below_note(report: &FlakyReport) -> String {
    let n = report.below_min_runs;
    if n == 0 {
        return String::new();
    }
    format!(
        "{n} more {} flipped in fewer than {} runs (--min-runs {}): not listed.\n",
        if n == 1 {
            "file or test"
        } else {
            "files or tests"
        },
        report.min_runs,
        report.min_runs
    )
}

fn trend(spread: &Spread) -> String {
    match spread.trend {
        Some(t) if t > 0.0 => format!("+{}", percent(t)),
        Some(t) => percent(t),
        None => "-".to_string(),
    }
}

fn spread_prefix(s: &Spread) -> String {
    format!(
        "{:>7} {:>7} {:>7} {:>7} {:>6}",
        format_duration(s.median),
        format_duration(s.p95),
        format_duration(s.max),
        format_duration(s.last),
        trend(s)
    )
}

const SPREAD_HEADER: &str = " MEDIAN     P95     MAX    LAST  TREND";

fn slow_files(report: &SlowReport, width: Option<usize>) -> String {
    let mut text = format!(
        "Slowest files ({} of {} timed; over their last {MAX_RUNS} runs):\n{SPREAD_HEADER}  SHARE  FILE\n",
        report.files.len(),
        report.files_timed
    );
    for SlowFile {
        file,
        spread,
        share,
        ..
    } in &report.files
    {
        let prefix = format!("{}  {:>5}  ", spread_prefix(spread), percent(*share));
        text.push_str(&row(&prefix, file, width));
    }
    text
}

fn slow_tests(report: &SlowReport, width: Option<usize>) -> String {
    let mut text = format!(
        "Slowest tests ({} of {} timed):\n{SPREAD_HEADER}  TEST\n",
        report.tests.len(),
        report.tests_timed
    );
    for SlowTest { file, test, spread } in &report.tests {
        let prefix = format!("{}  ", spread_prefix(spread));
        text.push_str(&row(&prefix, &format!("{file}::{test}"), width));
    }
    text
}

/// `ptest report slow`: the slowest files (and tests, when any has a
/// duration) with median, p95, max, last, trend and share; then the suite's
/// total, its lower bound at `-j`, and a line for each file that alone
/// bounds the run.
pub fn render_slow(report: &SlowReport, width: Option<usize>) -> String {
    fitted(slow_text(report, width), width)
}

fn slow_text(report: &SlowReport, width: Option<usize>) -> String {
    if report.files.is_empty() {
        return "No durations recorded in the history.\n".to_string();
    }
    let mut text = slow_files(report, width);
    if !report.tests.is_empty() {
        text.push('\n');
        text.push_str(&slow_tests(report, width));
    }
    let jobs = u32::try_from(report.jobs).unwrap_or(u32::MAX).max(1);
    let per_slot = report.total / jobs;
    text.push_str(&format!(
        "\nTotal:  {} of median time in {}; at -j {} no run ends before {} (max(sum/jobs, longest)).\n",
        format_duration(report.total),
        plural(report.files_timed, "file"),
        report.jobs,
        format_duration(report.bound)
    ));
    for id in &report.bounding {
        let median = report
            .files
            .iter()
            .find(|f| &f.file == id)
            .map(|f| format!(" (median {})", format_duration(f.spread.median)))
            .unwrap_or_default();
        text.push_str(&format!(
            "{}{median} alone bounds the run at -j {}: above sum/jobs = {}: split it.\n",
            escape::for_terminal(id),
            report.jobs,
            format_duration(per_slot)
        ));
    }
    text
}

/// Every line of `text` wrapped to `width` when given (titles, notes);
/// rows already fit and are left as they are.
pub(super) fn fitted(text: String, width: Option<usize>) -> String {
    match width {
        Some(w) => wrap::wrap(&text, w),
        None => text,
    }
}

#[derive(Serialize)]
struct FlakyDoc<'a> {
    version: u32,
    report: &'static str,
    history: String,
    window: usize,
    min_runs: usize,
    files_seen: usize,
    below_min_runs: usize,
    files: &'a [FlakyEntry],
    tests: &'a [FlakyEntry],
}

/// `ptest report flaky --json` (see the module docs), read from `history`.
pub fn flaky_json(report: &FlakyReport, history: &Path) -> Result<String, serde_json::Error> {
    let doc = FlakyDoc {
        version: REPORT_VERSION,
        report: "flaky",
        history: history.display().to_string(),
        window: MAX_RUNS,
        min_runs: report.min_runs,
        files_seen: report.files_seen,
        below_min_runs: report.below_min_runs,
        files: &report.files,
        tests: &report.tests,
    };
    serde_json::to_string_pretty(&doc).map(|s| s + "\n")
}

#[derive(Serialize)]
struct SlowDoc<'a> {
    version: u32,
    report: &'static str,
    history: String,
    window: usize,
    jobs: usize,
    top: usize,
    files_timed: usize,
    tests_timed: usize,
    #[serde(with = "crate::util::time::secs")]
    total: Duration,
    #[serde(with = "crate::util::time::secs")]
    bound: Duration,
    bounding: &'a [String],
    files: &'a [SlowFile],
    tests: &'a [SlowTest],
}

/// `ptest report slow --json` (see the module docs), read from `history`.
pub fn slow_json(report: &SlowReport, history: &Path) -> Result<String, serde_json::Error> {
    let doc = SlowDoc {
        version: REPORT_VERSION,
        report: "slow",
        history: history.display().to_string(),
        window: MAX_RUNS,
        jobs: report.jobs,
        top: report.top,
        files_timed: report.files_timed,
        tests_timed: report.tests_timed,
        total: report.total,
        bound: report.bound,
        bounding: &report.bounding,
        files: &report.files,
        tests: &report.tests,
    };
    serde_json::to_string_pretty(&doc).map(|s| s + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_for_people() {
        let now = 1_000_000;
        assert_eq!(ago(now, now - 45), "45s ago");
        assert_eq!(ago(now, now - 600), "10m ago");
        assert_eq!(ago(now, now - 3 * 3600), "3h ago");
        assert_eq!(ago(now, now - 5 * 86_400), "5d ago");
        assert_eq!(ago(now, now + 10), "0s ago");
    }

    #[test]
    fn a_long_id_wraps_inside_its_column() {
        let text = row(
            "  50%  ",
            "t/a-very-long-directory-name/and-a-long-file-name.t",
            Some(30),
        );
        for line in text.lines() {
            assert!(wrap::width(line) <= 30, "{line:?}");
        }
        assert!(
            text.lines().skip(1).all(|l| l.starts_with("       ")),
            "{text}"
        );
        assert_eq!(row("x ", "t/\x1b.t", None), "x t/\\x1b.t\n");
        // No room for a column: the id goes below.
        let text = row(&format!("{:>20}  ", "50%"), "t/some/file.t", Some(30));
        assert_eq!(text, "                 50%\n    t/some/file.t\n");
    }
}
