//! `ptest report flaky|slow`: reports read from the recorded history; and
//! `ptest report html|trace`: views of JSON summaries written earlier.
//!
//! The history is read with [`History::load_read_only`]: a report never
//! changes it, not even to set a corrupt file aside (the next run does).
//! The findings are pure functions of the history
//! ([`crate::history::flaky`], [`crate::history::slow`]); the text and the
//! JSON are views ([`crate::report::history_views`]).
//!
//! Exit codes: 0 with a report (even one that finds nothing flaky); 4 when
//! there is no history to read (the file is missing, or it could not be
//! used: the warning says why); 2 when it cannot be read at all.

use super::{CliError, Exit};
use crate::aggregate::shards;
use crate::config::settings::{ReportKind, ReportSettings, ViewFormat};
use crate::history::{flaky, slow, History};
use crate::report::console::{err_line, out};
use crate::report::json;
use crate::report::write::write_views;
use crate::report::{history_views, wrap};
use std::path::{Path, PathBuf};

/// Why a report (or `--failed`) has nothing to read.
#[derive(Debug, thiserror::Error)]
pub enum ReportHistoryError {
    /// The history file does not exist.
    #[error("no history at {}: run ptest first", path.display())]
    NoHistory {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The history file exists but could not be used (corrupt, newer).
    #[error("no usable history at {} (see the warning above): run ptest to start a new one", path.display())]
    Unusable {
        /// The history file.
        path: PathBuf,
    },
    /// The report could not be encoded as JSON.
    #[error("cannot encode the {report} report as JSON")]
    Encode {
        /// `flaky` or `slow`.
        report: &'static str,
        /// What went wrong.
        #[source]
        source: serde_json::Error,
    },
}

impl ReportHistoryError {
    /// 4 when there is no history to read (nothing to report), else 2.
    pub fn exit(&self) -> Exit {
        match self {
            ReportHistoryError::NoHistory { .. } | ReportHistoryError::Unusable { .. } => {
                Exit::NoTests
            }
            ReportHistoryError::Encode { .. } => Exit::Usage,
        }
    }
}

/// Reads the history at `path` without changing it. A missing file, or
/// one that cannot be used (after printing the same warning a run gives),
/// is a [`ReportHistoryError`]; an empty history is returned as it is.
fn load_history(path: &Path) -> Result<History, CliError> {
    if !path.try_exists().unwrap_or(true) {
        return Err(ReportHistoryError::NoHistory {
            path: path.to_path_buf(),
        }
        .into());
    }
    let loaded = History::load_read_only(path)?;
    if let Some(warning) = &loaded.warning {
        err_line(&format!("ptest: warning: {warning}"));
        return Err(ReportHistoryError::Unusable {
            path: path.to_path_buf(),
        }
        .into());
    }
    Ok(loaded.history)
}

/// Prints the report `settings` ask for.
pub fn exec(settings: &ReportSettings) -> Result<Exit, CliError> {
    if let ReportKind::View {
        format,
        inputs,
        output,
    } = &settings.kind
    {
        return exec_view(*format, inputs, output);
    }
    let path = &settings.history.value;
    let history = load_history(path)?;
    let width = wrap::stdout_width();
    let text = match &settings.kind {
        ReportKind::Flaky { min_runs } => {
            let report = flaky::flaky(&history, *min_runs);
            if settings.json {
                history_views::flaky_json(&report, path).map_err(|source| {
                    ReportHistoryError::Encode {
                        report: "flaky",
                        source,
                    }
                })?
            } else {
                history_views::render_flaky(&report, unix_now(), width)
            }
        }
        ReportKind::View { .. } => String::new(),
        ReportKind::Slow { top, jobs } => {
            let report = slow::slow(&history, *top, jobs.value.resolve());
            if settings.json {
                history_views::slow_json(&report, path).map_err(|source| {
                    ReportHistoryError::Encode {
                        report: "slow",
                        source,
                    }
                })?
            } else {
                history_views::render_slow(&report, width)
            }
        }
    };
    if settings.json {
        print_unwrapped(&text);
    } else {
        out(&text);
    }
    Ok(Exit::Passed)
}

/// `ptest report html|trace`: the view of the summaries at `inputs` (one
/// as it is, several merged as `ptest merge` merges them) written to
/// `output`. Exit 0 when written, whatever the summaries' verdicts.
fn exec_view(format: ViewFormat, inputs: &[PathBuf], output: &Path) -> Result<Exit, CliError> {
    let mut read = Vec::with_capacity(inputs.len());
    for path in inputs {
        read.push((path.clone(), json::read_summary(path)?));
    }
    let summary = match read.len() {
        1 => read.pop().map(|(_, s)| shards::with_offsets(s)),
        _ => {
            let combined = shards::combine(read)?;
            for warning in &combined.warnings {
                err_line(&format!("ptest: warning: {warning}"));
            }
            Some(combined.summary)
        }
    };
    let Some(summary) = summary else {
        return Err(shards::CombineError::NoInputs.into());
    };
    match format {
        ViewFormat::Html => write_views(&summary, Some(output), None)?,
        ViewFormat::Trace => write_views(&summary, None, Some(output))?,
    }
    Ok(Exit::Passed)
}

/// Writes JSON to stdout as it is: never wrapped to a terminal's width
/// (that would break it), errors ignored as [`out`] does.
fn print_unwrapped(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
