//! The stress table printed after a `--repeat N` / `--until-fail` run
//! ([`RepeatReport`]): per file, iterations run, failures, failure rate and
//! the spread of durations, worst first. Numbers in right-aligned columns,
//! the id last and wrapped in its own column on a narrow terminal, as the
//! `ptest report` tables do.
//!
//! ```text
//! Repeat: 3 iterations of 2 files.
//! RUNS  FAILED   RATE     MIN  MEDIAN     MAX  FILE
//!    3       1    33%    1.0s    1.0s    1.1s  t/flaky.sh (failed: 2)
//!    3       0     0%     2ms     3ms     3ms  t/ok.sh
//! ```

use super::history_views::{fitted, row};
use crate::outcome::{RepeatReport, RepeatRow};
use crate::util::duration::format_duration;

/// Failed iterations listed after the id, at most.
const LISTED: usize = 5;

/// The stress table, fitted to `width` columns when given.
pub fn render_repeat(report: &RepeatReport, width: Option<usize>) -> String {
    let mut text = fitted(headline(report), width);
    text.push_str(&format!(
        "{:>4}  {:>6}  {:>5}  {:>6}  {:>6}  {:>6}  FILE\n",
        "RUNS", "FAILED", "RATE", "MIN", "MEDIAN", "MAX"
    ));
    for r in &report.files {
        let d = |d: Option<std::time::Duration>| d.map_or_else(|| "-".into(), format_duration);
        let prefix = format!(
            "{:>4}  {:>6}  {:>5}  {:>6}  {:>6}  {:>6}  ",
            r.runs,
            r.failures,
            format!("{:.0}%", r.failure_rate * 100.0),
            d(r.min),
            d(r.median),
            d(r.max)
        );
        text.push_str(&row(&prefix, &with_failed(r), width));
    }
    text
}

/// `Repeat: 3 iterations of 2 files.` or, for `--until-fail`, where it
/// stopped.
fn headline(report: &RepeatReport) -> String {
    let files = report.files.len();
    let files = format!("{files} file{}", if files == 1 { "" } else { "s" });
    let iterations = |n: u32| format!("{n} iteration{}", if n == 1 { "" } else { "s" });
    if !report.until_fail {
        return format!("Repeat: {} of {files}.\n", iterations(report.iterations));
    }
    if report.has_failures() {
        format!(
            "Until fail: stopped after {} of {files} (at most {}): a file failed.\n",
            iterations(report.iterations),
            report.planned
        )
    } else {
        format!(
            "Until fail: {} of {files} ran without a failure (at most {}).\n",
            iterations(report.iterations),
            report.planned
        )
    }
}

/// The id, with the iterations that failed: `t/a.sh (failed: 2, 5)`.
fn with_failed(r: &RepeatRow) -> String {
    if r.failed_iterations.is_empty() {
        return r.file.clone();
    }
    let mut listed: Vec<String> = r
        .failed_iterations
        .iter()
        .take(LISTED)
        .map(u32::to_string)
        .collect();
    if r.failed_iterations.len() > LISTED {
        listed.push("…".into());
    }
    format!("{} (failed: {})", r.file, listed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn report(until_fail: bool) -> RepeatReport {
        let ms = |n| Some(Duration::from_millis(n));
        RepeatReport {
            planned: 3,
            iterations: 3,
            until_fail,
            files: vec![
                RepeatRow {
                    file: "t/flaky.sh".into(),
                    runs: 3,
                    failures: 1,
                    failure_rate: 1.0 / 3.0,
                    failed_iterations: vec![2],
                    min: ms(1000),
                    median: ms(1040),
                    max: ms(1100),
                },
                RepeatRow {
                    file: "t/ok.sh".into(),
                    runs: 3,
                    failures: 0,
                    failure_rate: 0.0,
                    failed_iterations: vec![],
                    min: ms(2),
                    median: ms(3),
                    max: None,
                },
            ],
        }
    }

    #[test]
    fn the_table_lists_rates_and_spreads() {
        assert_eq!(
            render_repeat(&report(false), None),
            "Repeat: 3 iterations of 2 files.\n\
             RUNS  FAILED   RATE     MIN  MEDIAN     MAX  FILE\n   \
             3       1    33%    1.0s    1.0s    1.1s  t/flaky.sh (failed: 2)\n   \
             3       0     0%     2ms     3ms       -  t/ok.sh\n"
        );
    }

    #[test]
    fn until_fail_says_where_it_stopped_and_narrow_terminals_wrap_the_id() {
        let text = render_repeat(&report(true), Some(60));
        assert!(
            text.starts_with("Until fail: stopped after 3 iterations of 2 files"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
        assert!(text.contains("\n    t/flaky.sh (failed: 2)\n"), "{text}");
    }
}
