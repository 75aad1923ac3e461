//! Writing the CI outputs of a run or a merge ([`CiOutputs`]): GitHub
//! annotations on stdout ([`super::github`]), the Markdown summary
//! ([`super::markdown`]) appended to `$GITHUB_STEP_SUMMARY` and written
//! to `--markdown PATH`.

use super::{github, markdown};
use crate::atomic::{write_atomically, AtomicWriteError};
use crate::config::ci::CiOutputs;
use crate::merge::RunSummary;
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
