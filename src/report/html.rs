//! `--html PATH`: one self-contained HTML page of a run (or of a merged
//! summary): verdict counts, wall, lower bound and efficiency, the shards,
//! a timeline of every attempt on its slot, failures first with their
//! reasons, failing tests, diagnostics and output tails, flaky, retried
//! and quarantined files, the slowest files, and every file in a
//! filterable list.
//!
//! The page is a function of the [`RunSummary`]: [`ReportData`] is a
//! compact view of it (passing tests are counted, not listed; details are
//! kept for the files that did not simply pass), embedded as one JSON blob
//! in a `<script type="application/json">` element, and the page's own
//! script (`html/report.js`, inline with `html/report.css`) draws it. No
//! network: it opens from `file://` and from a CI artifact.
//!
//! Escaping: the blob is JSON with `<`, `>`, `&`, U+2028 and U+2029
//! written as `\uXXXX` escapes ([`embed_json`]), so no file name or output
//! can close the script element; the script puts every text into the page
//! with `textContent`, never as markup.

use super::timeline::{bound, Timeline};
use crate::atomic::{write_atomically, AtomicWriteError};
use crate::outcome::{RunSummary, UnitSummary, Verdict};
use crate::parse::CaseStatus;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = include_str!("html/report.html");
const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// Why the HTML report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// The directory to hold it could not be created.
    #[error("cannot create directory {} for the HTML report", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The file could not be written.
    #[error("cannot write the HTML report {}", path.display())]
    Write {
        /// The report file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// What the page shows, as embedded in it. Durations are seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportData {
    /// The run as a whole.
    pub run: RunInfo,
    /// Lanes of the timeline: `[shard K or null, slot]`, sorted.
    pub lanes: Vec<(Option<usize>, usize)>,
    /// Bars of the timeline: `[file index, attempt, verdict, lane index,
    /// start ms, duration ms]`.
    pub bars: Vec<(usize, u32, Verdict, usize, u64, u64)>,
    /// Index in `files` of the file whose last attempt ended last.
    pub bounded_by: Option<usize>,
    /// Every file, in the summary's order (by id).
    pub files: Vec<FileEntry>,
}

/// The run's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// The run id.
    pub run_id: String,
    /// Start (RFC 3339).
    pub started_at: String,
    /// Worker slots (merged: every shard's).
    pub jobs: usize,
    /// Wall time.
    pub wall: f64,
    /// `K/N` of a shard's own summary.
    pub shard: Option<String>,
    /// Why a merge is incomplete.
    pub incomplete: Option<String>,
    /// Whether Ctrl-C or SIGTERM stopped it.
    pub interrupted: bool,
    /// The `Bail out!` that stopped it: `[file, reason]`.
    pub bail_out: Option<(String, String)>,
    /// Whether FLAKY fails the run.
    pub flaky_fails: bool,
    /// `files` or `tests`.
    pub units: &'static str,
    /// Totals, as in the JSON summary.
    pub totals: crate::outcome::Totals,
    /// `max(sum/slots, longest)` over the files' time spent.
    pub bound: f64,
    /// Whether the longest file sets the bound.
    pub bound_longest: bool,
    /// Sum of the files' time spent.
    pub busy: f64,
    /// `busy / (jobs × wall)`.
    pub efficiency: f64,
    /// The shards whose files the summary holds.
    pub shards: Vec<ShardInfo>,
    /// Whether the run fails (a file fails it).
    pub failed: bool,
}

/// One shard of the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShardInfo {
    /// K, or null for files of an unsharded run.
    pub k: Option<usize>,
    /// Files it ran.
    pub files: usize,
    /// Slots seen on it.
    pub slots: usize,
    /// When its last attempt ended, after its start.
    pub end: f64,
}

/// One file. Short keys keep a 10,000-file page small; absent: empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileEntry {
    /// Id.
    pub id: String,
    /// Verdict.
    pub v: Verdict,
    /// Time spent (every attempt), seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d: Option<f64>,
    /// Attempts.
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub a: u32,
    /// Tests.
    #[serde(skip_serializing_if = "is_zero")]
    pub n: usize,
    /// Failed tests.
    #[serde(skip_serializing_if = "is_zero")]
    pub nf: usize,
    /// Shard K.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s: Option<usize>,
    /// Iteration of a `--repeat` run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub it: Option<u32>,
    /// Quarantined (the file, or some of its tests).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub q: bool,
    /// Why the verdict is not a plain pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub r: Vec<String>,
    /// Details, for files that did not simply pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<Details>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

/// What the page shows of a file that did not simply pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Details {
    /// Failing tests (the last attempt's).
    pub cases: Vec<CaseEntry>,
    /// Last lines of stdout.
    pub out: String,
    /// Last lines of stderr.
    pub err: String,
    /// Every attempt, when it ran more than once.
    pub attempts: Vec<AttemptEntry>,
    /// Tests that failed, then passed.
    pub flipped: Vec<String>,
    /// Its quarantined tests.
    pub quarantined_tests: Vec<String>,
    /// Its command line.
    pub command: Option<String>,
    /// Expected duration.
    pub expected: Option<f64>,
    /// Kept logs.
    pub logs: Vec<String>,
}

/// One failing test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseEntry {
    /// Its name.
    pub name: String,
    /// The failing line (TAP) or summary (JUnit).
    pub line: Option<String>,
    /// Diagnostics.
    pub diag: String,
}

/// One attempt of a retried file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptEntry {
    /// Number.
    pub n: u32,
    /// Its own verdict.
    pub v: Verdict,
    /// Its reasons.
    pub r: Vec<String>,
    /// Its duration.
    pub d: Option<f64>,
    /// Its failing tests.
    pub cases: Vec<CaseEntry>,
    /// Its output tails.
    pub out: String,
    /// Its stderr tail.
    pub err: String,
}

fn secs(d: std::time::Duration) -> f64 {
    // Milliseconds are enough on a page and keep it small.
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn case_entry(c: &crate::parse::CaseResult) -> CaseEntry {
    CaseEntry {
        name: c.name.clone(),
        line: c.line.clone(),
        diag: c.diagnostics.clone(),
    }
}

fn details(f: &UnitSummary) -> Option<Details> {
    let simple = matches!(f.verdict, Verdict::Pass | Verdict::Skip | Verdict::NotRun)
        && f.attempt_results.is_empty()
        && f.quarantined_tests.is_empty()
        && !f.quarantined;
    if simple {
        return None;
    }
    Some(Details {
        cases: f
            .cases
            .iter()
            .filter(|c| c.status == CaseStatus::Fail)
            .map(case_entry)
            .collect(),
        out: f.stdout_tail.clone(),
        err: f.stderr_tail.clone(),
        attempts: f
            .attempt_results
            .iter()
            .map(|a| AttemptEntry {
                n: a.number,
                v: a.verdict,
                r: a.reasons.clone(),
                d: a.duration.map(secs),
                cases: a.failed_cases.iter().map(case_entry).collect(),
                out: a.stdout_tail.clone(),
                err: a.stderr_tail.clone(),
            })
            .collect(),
        flipped: f.flipped.clone(),
        quarantined_tests: f.quarantined_tests.clone(),
        command: f.command.clone(),
        expected: f.expected.map(secs),
        logs: [&f.stdout_log, &f.stderr_log]
            .into_iter()
            .flatten()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
    })
}

impl ReportData {
    /// The page's data for `summary`.
    pub fn of(summary: &RunSummary) -> ReportData {
        let timeline = Timeline::of(summary);
        let b = bound(summary);
        let mut shards: BTreeMap<Option<usize>, ShardInfo> = BTreeMap::new();
        for f in &summary.files {
            let entry = shards.entry(f.shard).or_insert(ShardInfo {
                k: f.shard,
                files: 0,
                slots: 0,
                end: 0.0,
            });
            entry.files += 1;
        }
        for lane in &timeline.lanes {
            if let Some(s) = shards.get_mut(&lane.shard) {
                s.slots += 1;
            }
        }
        for bar in &timeline.bars {
            let shard = timeline.lanes.get(bar.lane).and_then(|l| l.shard);
            if let Some(s) = shards.get_mut(&shard) {
                s.end = s.end.max(secs(bar.end()));
            }
        }
        ReportData {
            run: RunInfo {
                run_id: summary.run_id.clone(),
                started_at: summary.started_at.clone(),
                jobs: summary.jobs,
                wall: secs(summary.wall),
                shard: summary.shard.clone(),
                incomplete: summary.incomplete.clone(),
                interrupted: summary.interrupted,
                bail_out: summary
                    .bail_out
                    .as_ref()
                    .map(|b| (b.file.clone(), b.reason.clone())),
                flaky_fails: summary.flaky_fails,
                units: summary.units.plural(),
                totals: summary.totals,
                bound: secs(b.value),
                bound_longest: b.longest,
                busy: secs(b.busy),
                efficiency: (b.efficiency * 1000.0).round() / 1000.0,
                shards: shards.into_values().collect(),
                failed: summary.has_failures() || summary.interrupted,
            },
            lanes: timeline.lanes.iter().map(|l| (l.shard, l.slot)).collect(),
            bars: timeline
                .bars
                .iter()
                .map(|b| {
                    (
                        b.file,
                        b.attempt,
                        b.verdict,
                        b.lane,
                        millis(b.start),
                        millis(b.duration),
                    )
                })
                .collect(),
            bounded_by: timeline.bounded_by,
            files: summary
                .files
                .iter()
                .map(|f| FileEntry {
                    id: f.id.clone(),
                    v: f.verdict,
                    d: f.time_spent().map(secs),
                    a: f.attempts,
                    n: f.cases.len(),
                    nf: f
                        .cases
                        .iter()
                        .filter(|c| c.status == CaseStatus::Fail)
                        .count(),
                    s: f.shard,
                    it: f.iteration,
                    q: f.quarantined || !f.quarantined_tests.is_empty(),
                    r: f.reasons.clone(),
                    x: details(f),
                })
                .collect(),
        }
    }
}

/// `json` made safe inside a `<script>` element: `<`, `>` and `&` (which
/// only occur inside JSON strings) as `\u003c`, `\u003e`, `\u0026`, and
/// U+2028 / U+2029 as escapes too. The text still parses to the same value.
pub fn embed_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The whole page for `summary`.
pub fn render(summary: &RunSummary) -> String {
    let data = ReportData::of(summary);
    // Serialising plain data with string keys cannot fail.
    let json = serde_json::to_string(&data).unwrap_or_else(|_| "null".to_string());
    let blob = embed_json(&json);
    let mut page = String::with_capacity(TEMPLATE.len() + STYLE.len() + SCRIPT.len() + blob.len());
    // Each placeholder is replaced once, in order, and nothing inserted is
    // scanned again: a file name that reads `{{script}}` stays text.
    let mut rest = TEMPLATE;
    for (marker, value) in [
        ("{{style}}", STYLE),
        ("{{data}}", blob.as_str()),
        ("{{script}}", SCRIPT),
    ] {
        match rest.split_once(marker) {
            Some((before, after)) => {
                page.push_str(before);
                page.push_str(value);
                rest = after;
            }
            None => break,
        }
    }
    page.push_str(rest);
    page
}

/// Writes the HTML report of `summary` to `path` (atomically, creating
/// parent directories).
pub fn write_html(summary: &RunSummary, path: &Path) -> Result<(), HtmlError> {
    let page = render(summary);
    write_atomically(path, |out| out.write_all(page.as_bytes())).map_err(|e| match e {
        AtomicWriteError::CreateDir { dir, source } => HtmlError::CreateDir { dir, source },
        AtomicWriteError::Write { path, source } => HtmlError::Write { path, source },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::AttemptRecord;
    use crate::parse::{CaseResult, Protocol};
    use crate::testing::SummaryFixture;
    use std::time::Duration;

    const ODD: &str = "t/</script><script>alert(1)</script>\"'&\u{2028}é💥.t";

    fn ran(id: &str, slot: usize, start_ms: u64, ms: u64, verdict: Verdict) -> UnitSummary {
        let mut f = UnitSummary::not_run(id.into(), id.into(), "");
        f.verdict = verdict;
        f.reasons = Vec::new();
        f.protocol = Some(Protocol::Tap);
        f.attempts = 1;
        f.worker = Some(slot);
        f.offset = Some(Duration::from_millis(start_ms));
        f.duration = Some(Duration::from_millis(ms));
        f.cases = vec![crate::testing::case(1, "first", CaseStatus::Pass)];
        f
    }

    fn sample() -> RunSummary {
        let pass = ran("t/a.t", 0, 0, 300, Verdict::Pass);
        let mut fail = ran(ODD, 1, 0, 250, Verdict::Fail);
        fail.reasons = vec!["failed test 2".into()];
        fail.cases.push(CaseResult {
            line: Some("not ok 2 - </script> & co".into()),
            diagnostics: "  got: 1\n  expected: 2".into(),
            ..crate::testing::case(2, "second </script>", CaseStatus::Fail)
        });
        fail.stdout_tail = "1..2\nok 1\nnot ok 2\n".into();
        fail.command = Some("perl 't/x.t'".into());
        let mut flaky = ran("t/f.t", 1, 300, 40, Verdict::Flaky);
        flaky.attempts = 2;
        flaky.reasons = vec!["passed on attempt 2 after failing on attempt 1".into()];
        flaky.flipped = vec!["first".into()];
        let mut first = AttemptRecord::of(&ran("t/f.t", 0, 310, 20, Verdict::Fail));
        first.reasons = vec!["failed test 1".into()];
        flaky.attempt_results = vec![
            first,
            AttemptRecord {
                number: 2,
                ..AttemptRecord::of(&ran("t/f.t", 1, 350, 40, Verdict::Pass))
            },
        ];
        let skipped = UnitSummary::skipped("t/s.t".into(), "t/s.t".into(), "no db");
        SummaryFixture::new(vec![pass, fail, flaky, skipped])
            .run_id("r42")
            .jobs(2)
            .wall(Duration::from_millis(400))
            .build()
    }

    #[test]
    fn the_data_of_a_sample_run() {
        let data = ReportData::of(&sample());
        insta::assert_snapshot!(serde_json::to_string_pretty(&data).expect("encode"));
    }

    #[test]
    fn odd_names_cannot_close_the_script_and_read_back_unchanged() {
        let page = render(&sample());
        // The page has exactly the template's script elements.
        assert_eq!(page.matches("</script>").count(), 2, "{page}");
        assert!(!page.contains("alert(1)</"));
        assert!(!page.contains('\u{2028}'));
        let start = page.find("id=\"ptest-data\">").expect("data element") + 16;
        let end = start + page[start..].find("</script>").expect("end");
        let back: serde_json::Value = serde_json::from_str(&page[start..end]).expect("json");
        let want = serde_json::to_value(ReportData::of(&sample())).expect("value");
        assert_eq!(back, want);
        let odd = back["files"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["id"] == ODD))
            .expect("the odd name reads back unchanged");
        assert_eq!(odd["x"]["cases"][0]["name"], "second </script>");
    }

    #[test]
    fn the_template_parts_cannot_end_their_own_elements_early() {
        assert!(!STYLE.contains("</"), "report.css");
        assert!(!SCRIPT.contains("</script"), "report.js");
        assert!(!SCRIPT.contains("http://") && !SCRIPT.contains("https://"));
        assert!(!TEMPLATE.contains("http://") && !TEMPLATE.contains("https://"));
        for marker in ["{{style}}", "{{data}}", "{{script}}"] {
            assert_eq!(TEMPLATE.matches(marker).count(), 1, "{marker}");
        }
    }

    #[test]
    fn a_name_that_reads_like_a_placeholder_stays_text() {
        let mut s = sample();
        s.files[0].id = "t/{{script}}.t".into();
        let page = render(&s);
        assert_eq!(page.matches("t/{{script}}.t").count(), 1);
        assert_eq!(
            page.matches("function ").count(),
            SCRIPT.matches("function ").count()
        );
    }
}
