//! Writing the report files a command was asked for (`--junit`, `--json`).

use super::{json, junit};
use crate::merge::RunSummary;
use std::path::Path;

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The JUnit XML report.
    #[error(transparent)]
    Junit(#[from] junit::JunitError),
    /// The JSON summary.
    #[error(transparent)]
    Json(#[from] json::JsonError),
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
