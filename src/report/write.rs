//! Writing the report files a command was asked for (`--junit`, `--json`,
//! `--html`, `--trace`).

use super::{html, json, junit, trace};
use crate::outcome::RunSummary;
use std::path::Path;

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The JUnit XML report.
    #[error(transparent)]
    Junit(#[from] junit::JunitWriteError),
    /// The JSON summary.
    #[error(transparent)]
    Json(#[from] json::JsonError),
    /// The HTML report.
    #[error(transparent)]
    Html(#[from] html::HtmlError),
    /// The Chrome trace.
    #[error(transparent)]
    Trace(#[from] trace::TraceError),
}

/// Writes `--junit` and `--json` (both are attempted even if one fails;
/// the JUnit error is the one returned when both fail).
pub fn write_reports(
    summary: &RunSummary,
    junit_path: Option<&Path>,
    json_path: Option<&Path>,
) -> Result<(), ReportError> {
    let junit_result = junit_path.map(|p| junit::write_junit(summary, p));
    let json_result = json_path.map(|p| json::write_summary(summary, p));
    if let Some(r) = junit_result {
        r?;
    }
    if let Some(r) = json_result {
        r?;
    }
    Ok(())
}

/// Writes `--html` and `--trace`, views of the summary (both are attempted
/// even if one fails; the HTML error is the one returned when both fail).
pub fn write_views(
    summary: &RunSummary,
    html_path: Option<&Path>,
    trace_path: Option<&Path>,
) -> Result<(), ReportError> {
    let html_result = html_path.map(|p| html::write_html(summary, p));
    let trace_result = trace_path.map(|p| trace::write_trace(summary, p));
    if let Some(r) = html_result {
        r?;
    }
    if let Some(r) = trace_result {
        r?;
    }
    Ok(())
}
