//! The Markdown summary: `--markdown PATH` and the GitHub job summary
//! (`$GITHUB_STEP_SUMMARY`), for any CI or a pull-request comment.
//!
//! A function of a [`RunSummary`] (a run's own or a merged one): the
//! result and totals, the failures with their reasons, failing test lines,
//! diagnostics and output tails (each folded in a `<details>`), the flaky
//! and quarantined files, the slowest files and the bound line.
//!
//! GitHub refuses a job summary over 1 MiB per step; [`render`] stops
//! adding failures before `limit` bytes and ends with a note saying how
//! many were left out and where the full report is.
//!
//! File names are shown as code spans (backticks chosen longer than any
//! run inside the name), table cells escape `|`, and output goes in fences
//! longer than any backtick run in it, so no name or output can break the
//! page.

use crate::outcome::{RunSummary, UnitSummary, Verdict};
use crate::util::duration::format_duration;
use std::time::Duration;

/// GitHub's limit on one step's job summary.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// Lines of each output tail shown for a failure.
const TAIL_LINES: usize = 30;
/// Slowest files listed.
const SLOWEST: usize = 10;

/// What [`render`] needs besides the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// The most bytes the page may take (its truncation note included).
    pub limit: usize,
    /// Where the full report is, for the truncation note (e.g. `the JSON
    /// summary s.json`).
    pub full_report: String,
}

impl Default for MarkdownOptions {
    fn default() -> MarkdownOptions {
        MarkdownOptions {
            // Room for what an earlier command of the step appended.
            limit: STEP_SUMMARY_LIMIT - 16 * 1024,
            full_report: "the JSON summary (--json)".into(),
        }
    }
}

/// `text` as an inline code span that no backtick in it can end.
pub fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let longest = longest_run(&text, '`');
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// A table cell: `|` escaped, on one line.
fn cell(text: &str) -> String {
    text.replace(['\n', '\r'], " ").replace('|', "\\|")
}

/// Text outside code: characters Markdown or HTML would read escaped.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text inside an HTML element (`<summary>`), where Markdown is not read.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

fn longest_run(text: &str, ch: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == ch { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// `text` in a fenced block no line of it can close.
fn fence(text: &str) -> String {
    let ticks = "`".repeat(longest_run(text, '`').max(2) + 1);
    let mut out = format!("{ticks}text\n{text}");
    if !text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&ticks);
    out.push('\n');
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The result word, with the exit code's precedence.
fn result(s: &RunSummary) -> &'static str {
    if s.interrupted {
        "❌ INTERRUPTED"
    } else if s.incomplete.is_some() {
        "❌ INCOMPLETE"
    } else if s.has_failures() {
        "❌ FAIL"
    } else {
        "✅ PASS"
    }
}

/// The name of a file, with its iteration in a repeat run.
fn name(f: &UnitSummary) -> String {
    match f.iteration {
        Some(i) => format!("{} (iteration {i})", code(&f.id)),
        None => code(&f.id),
    }
}

fn headline(s: &RunSummary) -> String {
    let t = &s.totals.files;
    let noun = s.units.plural();
    let failing = s.files.iter().filter(|f| s.fails_run(f)).count();
    let mut line = format!("## ptest: {}", result(s));
    if failing > 0 {
        line.push_str(&format!(" — {failing} of {} {noun} failed", t.total));
    } else {
        line.push_str(&format!(" — {} {noun}", t.total));
    }
    if let Some(shard) = &s.shard {
        line.push_str(&format!(" (shard {shard})"));
    }
    line.push_str("\n\n");
    if let Some(why) = &s.incomplete {
        line.push_str(&format!("> **Incomplete:** {}\n\n", plain(why)));
    }
    if let Some(b) = &s.bail_out {
        line.push_str(&format!(
            "> **Bailed out** in {}: {}\n\n",
            code(&b.file),
            plain(&b.reason)
        ));
    }
    line
}

fn totals(s: &RunSummary) -> String {
    let f = &s.totals.files;
    let t = &s.totals.tests;
    let files_title = s.units.title();
    let per_test = matches!(s.units, crate::unit::UnitNoun::Test);
    let mut out = if per_test {
        format!("| | {files_title} |\n|---|---:|\n")
    } else {
        format!("| | {files_title} | Tests |\n|---|---:|---:|\n")
    };
    let rows: [(&str, usize, Option<usize>); 10] = [
        ("Passed", f.passed, Some(t.passed)),
        ("Failed", f.failed, Some(t.failed)),
        ("Timed out", f.timed_out, None),
        ("Errored", f.errored, None),
        ("Flaky", f.flaky, Some(t.flaky)),
        ("Skipped", f.skipped, Some(t.skipped)),
        ("Quarantined", f.quarantined, Some(t.quarantined)),
        ("Interrupted", f.interrupted, None),
        ("Not run", f.not_run, None),
        ("Todo", 0, Some(t.todo)),
    ];
    for (label, files, tests) in rows {
        if files == 0 && tests.unwrap_or(0) == 0 {
            continue;
        }
        let tests = tests.map(|n| n.to_string()).unwrap_or_default();
        if per_test {
            out.push_str(&format!("| {label} | {files} |\n"));
        } else {
            out.push_str(&format!("| {label} | {files} | {tests} |\n"));
        }
    }
    if per_test {
        out.push_str(&format!("| **Total** | **{}** |\n\n", f.total));
    } else {
        out.push_str(&format!(
            "| **Total** | **{}** | **{}** |\n\n",
            f.total, t.total
        ));
    }
    out
}

/// `max(sum / slots, longest)` of the files' times, and what sets it; the
/// slots of a merged summary are every shard's.
pub fn bound(s: &RunSummary) -> Option<(Duration, String)> {
    let timed: Vec<(&UnitSummary, Duration)> = s
        .files
        .iter()
        .filter_map(|f| f.time_spent().map(|d| (f, d)))
        .collect();
    if timed.len() < 2 {
        return None;
    }
    let shards = match (&s.shard, &s.partition) {
        (None, Some(p)) => p.shards.len().max(1),
        _ => 1,
    };
    let slots = (s.jobs * shards).min(timed.len()).max(1);
    let sum: Duration = timed.iter().map(|(_, d)| *d).sum();
    let (longest, d) = timed
        .iter()
        .max_by(|(a, da), (b, db)| da.cmp(db).then(b.id.cmp(&a.id)))
        .copied()?;
    let share = sum / slots as u32;
    Some(if d >= share {
        (
            d,
            format!("longest {}: {}", s.units.singular(), code(&longest.id)),
        )
    } else {
        (
            share,
            format!(
                "{} of {} time over {slots} slot{}",
                format_duration(sum),
                s.units.singular(),
                plural(slots)
            ),
        )
    })
}

fn timing(s: &RunSummary) -> String {
    let mut out = format!(
        "**Time:** {} wall, {} in {} on {} job{}",
        format_duration(s.wall),
        format_duration(s.total_file_time()),
        s.units.plural(),
        s.jobs,
        plural(s.jobs)
    );
    if let Some((b, how)) = bound(s) {
        out.push_str(&format!(
            "  \n**Bound:** {} lower bound ({how}); wall is {:.2}x of it",
            format_duration(b),
            s.wall.as_secs_f64() / b.as_secs_f64().max(1e-6)
        ));
    }
    out.push_str("\n\n");
    out
}

fn verdict_label(f: &UnitSummary) -> String {
    if f.attempts > 1 {
        format!("{} {}/{}", f.verdict.label(), f.attempts, f.attempts)
    } else {
        f.verdict.label().to_string()
    }
}

/// One failing file: its line, folded details.
fn failure(f: &UnitSummary) -> String {
    let reason = f.reasons.first().map(String::as_str).unwrap_or("");
    let head = format!(
        "<b>{}</b> <code>{}</code>{} — {}",
        verdict_label(f),
        html(&f.id),
        f.iteration
            .map(|i| format!(" (iteration {i})"))
            .unwrap_or_default(),
        html(reason)
    );
    let mut out = String::new();
    for r in f.reasons.iter().skip(1) {
        out.push_str(&format!("- {}\n", plain(r)));
    }
    if f.reasons.len() > 1 {
        out.push('\n');
    }
    // An exit-code file's one case is the file itself: nothing to add.
    let failing: Vec<_> = f
        .cases
        .iter()
        .filter(|c| c.status.is_failure() && (c.line.is_some() || c.name != f.id))
        .collect();
    if !failing.is_empty() {
        let mut text = String::new();
        for case in failing.iter().take(10) {
            text.push_str(case.line.as_deref().unwrap_or(&case.name));
            text.push('\n');
            for d in case.diagnostics.lines().take(8) {
                text.push_str(&format!("  {d}\n"));
            }
        }
        if failing.len() > 10 {
            text.push_str(&format!(
                "… and {} more failing tests\n",
                failing.len() - 10
            ));
        }
        out.push_str(&fence(&text));
        out.push('\n');
    }
    for (what, tail, log) in [
        ("stderr", &f.stderr_tail, &f.stderr_log),
        ("stdout", &f.stdout_tail, &f.stdout_log),
    ] {
        if tail.trim().is_empty() {
            continue;
        }
        let lines: Vec<&str> = tail.lines().collect();
        let shown = &lines[lines.len().saturating_sub(TAIL_LINES)..];
        let log = log
            .as_ref()
            .map(|p| format!(" ({})", code(&p.display().to_string())))
            .unwrap_or_default();
        out.push_str(&format!(
            "{what}, last {} line{}{log}:\n\n",
            shown.len(),
            plural(shown.len())
        ));
        out.push_str(&fence(&shown.join("\n")));
        out.push('\n');
    }
    if out.is_empty() {
        return format!("{head}\n\n");
    }
    format!("<details><summary>{head}</summary>\n\n{out}</details>\n\n")
}

fn flaky(s: &RunSummary) -> String {
    let files: Vec<&UnitSummary> = s
        .files
        .iter()
        .filter(|f| f.verdict == Verdict::Flaky)
        .collect();
    if files.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "### Flaky ({}{})\n\n| {} | Attempts | Flipped tests | |\n|---|---:|---|---|\n",
        files.len(),
        if s.flaky_fails {
            ": they fail the run"
        } else {
            ""
        },
        s.units.title().trim_end_matches('s'),
    );
    for f in files {
        let mut flipped: Vec<String> = f.flipped.iter().map(|t| code(t)).collect();
        if flipped.is_empty() {
            flipped.push("–".into());
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&name(f)),
            f.attempts,
            cell(&flipped.join(", ")),
            cell(&plain(&f.reasons.join("; ")))
        ));
    }
    out.push('\n');
    out
}

fn quarantined(s: &RunSummary) -> String {
    let files: Vec<&UnitSummary> = s
        .files
        .iter()
        .filter(|f| f.quarantined || !f.quarantined_tests.is_empty())
        .collect();
    if files.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "### Quarantined ({})\n\nTheir failures do not fail the run.\n\n| {} | Verdict | Tests |\n|---|---|---|\n",
        files.len(),
        s.units.title().trim_end_matches('s'),
    );
    for f in files {
        let tests: Vec<String> = f.quarantined_tests.iter().map(|t| code(t)).collect();
        let tests = if f.quarantined {
            "whole file".to_string()
        } else {
            tests.join(", ")
        };
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(&name(f)),
            f.verdict.label(),
            cell(&tests)
        ));
    }
    out.push('\n');
    out
}

fn unfinished(s: &RunSummary) -> String {
    let t = &s.totals.files;
    let mut parts = Vec::new();
    if t.interrupted > 0 {
        parts.push(format!("{} interrupted", s.units.count(t.interrupted)));
    }
    if t.not_run > 0 {
        parts.push(format!("{} not run", s.units.count(t.not_run)));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!("**Unfinished:** {}\n\n", parts.join(", "))
}

fn slowest(s: &RunSummary) -> String {
    let mut timed: Vec<(&UnitSummary, Duration)> = s
        .files
        .iter()
        .filter(|f| f.verdict.ran())
        .filter_map(|f| f.duration.map(|d| (f, d)))
        .collect();
    if timed.len() < 2 {
        return String::new();
    }
    timed.sort_by(|(a, da), (b, db)| db.cmp(da).then(a.id.cmp(&b.id)));
    let mut out = format!(
        "### Slowest {}\n\n| Duration | {} |\n|---:|---|\n",
        s.units.plural(),
        s.units.title().trim_end_matches('s'),
    );
    for (f, d) in timed.iter().take(SLOWEST) {
        out.push_str(&format!(
            "| {} | {} |\n",
            format_duration(*d),
            cell(&name(f))
        ));
    }
    out.push('\n');
    out
}

/// The Markdown summary of `s`, at most `options.limit` bytes (see the
/// [module docs](self)).
pub fn render(s: &RunSummary, options: &MarkdownOptions) -> String {
    let head = headline(s) + &totals(s) + &timing(s);
    let tail = flaky(s) + &quarantined(s) + &unfinished(s) + &slowest(s);
    let failures: Vec<&UnitSummary> = s.files.iter().filter(|f| s.fails_run(f)).collect();
    let mut out = head;
    // The sections after the failures are short: they go before a cut.
    let note = |left: usize| {
        format!(
            "> **Truncated:** {left} more failure{} not shown (GitHub takes at most 1 MiB per step). The full report: {}.\n\n",
            plural(left),
            plain(&options.full_report)
        )
    };
    if !failures.is_empty() {
        out.push_str(&format!("### Failures ({})\n\n", failures.len()));
    }
    let reserve = tail.len() + note(failures.len()).len();
    for (i, f) in failures.iter().enumerate() {
        let block = failure(f);
        if out.len() + block.len() + reserve > options.limit {
            out.push_str(&note(failures.len() - i));
            break;
        }
        out.push_str(&block);
    }
    if out.len() + tail.len() <= options.limit {
        out.push_str(&tail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_fences_cannot_be_closed_by_their_text() {
        assert_eq!(code("t/a.t"), "`t/a.t`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(fence("x ``` y"), "````text\nx ``` y\n````\n");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(plain("<b>*x*</b>"), "&lt;b&gt;\\*x\\*&lt;/b&gt;");
    }
}

#[cfg(test)]
mod snapshots {
    use super::*;
    use crate::report::ci::sample_summary;

    #[test]
    fn summary_of_every_kind_of_file() {
        let options = MarkdownOptions {
            limit: usize::MAX,
            full_report: "the JSON summary s.json".into(),
        };
        insta::assert_snapshot!(render(&sample_summary(), &options));
    }

    #[test]
    fn truncates_failures_before_the_limit_with_a_note() {
        let s = sample_summary();
        let whole = render(
            &s,
            &MarkdownOptions {
                limit: usize::MAX,
                full_report: "x".into(),
            },
        );
        let limit = whole.len() - 200;
        let options = MarkdownOptions {
            limit,
            full_report: "the JSON summary s.json".into(),
        };
        let cut = render(&s, &options);
        assert!(cut.len() <= limit, "{} > {limit}", cut.len());
        assert!(cut.contains("> **Truncated:** "), "{cut}");
        assert!(
            cut.contains("The full report: the JSON summary s.json."),
            "{cut}"
        );
        // The short sections after the failures are kept.
        assert!(cut.contains("### Flaky (1)"), "{cut}");
        assert!(cut.contains("### Slowest files"), "{cut}");
    }
}
