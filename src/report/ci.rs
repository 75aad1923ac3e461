//! Writing the CI outputs of a run or a merge ([`CiOutputs`]): GitHub
//! annotations on stdout ([`super::github`]), the Markdown summary
//! ([`super::markdown`]) appended to `$GITHUB_STEP_SUMMARY` and written
//! to `--markdown PATH`.

use super::{github, markdown};
use crate::atomic::{write_atomically, AtomicWriteError};
use crate::config::ci::CiOutputs;
use crate::outcome::RunSummary;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A CI output that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CiReportError {
    /// `--markdown PATH` could not be written.
    #[error("cannot write Markdown summary {}", path.display())]
    Markdown {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// `$GITHUB_STEP_SUMMARY` could not be appended to.
    #[error("cannot append the job summary to {} ($GITHUB_STEP_SUMMARY)", path.display())]
    StepSummary {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// Where the full report of a run is, for the notes that say something
/// was left out: the files written, else the run directory's summary.
pub fn full_report_hint(
    outputs: &CiOutputs,
    json: Option<&Path>,
    junit: Option<&Path>,
    fallback: Option<&Path>,
) -> String {
    let mut places = Vec::new();
    if outputs.step_summary.is_some() {
        places.push("the job summary".to_string());
    }
    if let Some(p) = &outputs.markdown {
        places.push(format!("the Markdown summary {}", p.display()));
    }
    if let Some(p) = json {
        places.push(format!("the JSON summary {}", p.display()));
    }
    if let Some(p) = junit {
        places.push(format!("the JUnit report {}", p.display()));
    }
    if places.is_empty() {
        if let Some(p) = fallback {
            places.push(format!("the JSON summary {}", p.display()));
        }
    }
    if places.is_empty() {
        "the log above".to_string()
    } else {
        places.join(", ")
    }
}

/// Prints the annotations and writes the summaries `outputs` asks for.
/// Every output is attempted; the first error is returned.
pub fn write_ci_outputs(
    summary: &RunSummary,
    outputs: &CiOutputs,
    full_report: &str,
) -> Result<(), CiReportError> {
    if outputs.github {
        let lines = github::annotations(summary, full_report);
        if !lines.is_empty() {
            super::console::out(&(lines.join("\n") + "\n"));
        }
    }
    let mut first_error = None;
    if let Some(path) = &outputs.step_summary {
        let options = markdown::MarkdownOptions {
            full_report: full_report.to_string(),
            ..markdown::MarkdownOptions::default()
        };
        let text = markdown::render(summary, &options);
        if let Err(source) = append(path, &text) {
            first_error.get_or_insert(CiReportError::StepSummary {
                path: path.clone(),
                source,
            });
        }
    }
    if let Some(path) = &outputs.markdown {
        // No GitHub limit applies to a file: everything is kept.
        let options = markdown::MarkdownOptions {
            limit: usize::MAX,
            full_report: full_report.to_string(),
        };
        let text = markdown::render(summary, &options);
        let written = write_atomically(path, |out| out.write_all(text.as_bytes()));
        if let Err(e) = written {
            let (path, source) = match e {
                AtomicWriteError::CreateDir { dir, source } => (dir, source),
                AtomicWriteError::Write { path, source } => (path, source),
            };
            first_error.get_or_insert(CiReportError::Markdown { path, source });
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Appends `text` to `path` (created when missing), as GitHub expects of
/// `$GITHUB_STEP_SUMMARY`.
fn append(path: &Path, text: &str) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// A summary with one of everything the CI writers show, for their
/// snapshot tests.
#[cfg(test)]
pub(crate) fn sample_summary() -> RunSummary {
    use crate::outcome::{UnitSummary, Verdict};
    use crate::parse::{CaseStatus, Protocol};
    use crate::testing::{case, SummaryFixture};
    use std::time::Duration;

    let ran = |id: &str, verdict: Verdict, ms: u64| {
        let mut f = UnitSummary::not_run(id.into(), id.into(), "");
        f.reasons.clear();
        f.verdict = verdict;
        f.duration = Some(Duration::from_millis(ms));
        f.attempts = 1;
        f.protocol = Some(Protocol::Tap);
        f
    };
    let mut tap = ran("t/sum.t", Verdict::Fail, 1200);
    tap.reasons = vec!["failed test 2".into()];
    let mut failing = case(2, "adds, then carries", CaseStatus::Fail);
    failing.diagnostics =
        "  Failed test 'adds, then carries'\n  at t/sum.t line 12.\n         got: 3\n    expected: 4".into();
    tap.cases = vec![case(1, "adds", CaseStatus::Pass), failing];
    tap.stderr_tail = "# Looks like you failed 1 test of 2.\n".into();
    tap.stderr_log = Some("runs/1/logs/t%2Fsum.t.1.stderr".into());

    let mut rust = ran("tests/parse.rs::odd`name|x", Verdict::Fail, 300);
    rust.protocol = Some(Protocol::Libtest);
    rust.reasons = vec!["exited with status 101".into()];
    rust.stderr_tail =
        "thread 'odd' panicked at src/parse.rs:41:9:\n100% wrong: left == right\nnote: run with `RUST_BACKTRACE=1`\n".into();

    let mut timeout = ran("t/slow.sh", Verdict::Timeout, 5000);
    timeout.protocol = Some(Protocol::ExitCode);
    timeout.reasons = vec!["timed out after 5.0s".into()];
    timeout.attempts = 2;

    let mut flaky = ran("t/net.t", Verdict::Flaky, 800);
    flaky.reasons = vec!["passed on attempt 2 after failing on attempt 1".into()];
    flaky.attempts = 2;
    flaky.flipped = vec!["connects".into()];
    flaky.cases = vec![case(1, "connects", CaseStatus::Pass)];

    let mut quarantined = ran("t/legacy.t", Verdict::Fail, 100);
    quarantined.reasons = vec!["failed test 1".into()];
    quarantined.quarantined = true;
    quarantined.cases = vec![case(1, "old api", CaseStatus::Fail)];

    let mut passes = ran("t/ok.t", Verdict::Pass, 2500);
    passes.cases = vec![case(1, "fine", CaseStatus::Pass)];
    let skipped = UnitSummary::skipped("t/skip.t".into(), "t/skip.t".into(), "no database");
    SummaryFixture::new(vec![
        tap,
        rust,
        timeout,
        flaky,
        quarantined,
        passes,
        skipped,
    ])
    .jobs(4)
    .wall(Duration::from_millis(5400))
    .build()
}
