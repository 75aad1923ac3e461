//! `ptest merge SUMMARY…`: combines the `--json` summaries of several
//! shards into one report, one exit code and (with `--history`) one
//! history update.
//!
//! Named `combine` so it is not mistaken for the [`crate::merge`] stage,
//! which turns one run's events into its summary; the combining itself is
//! [`crate::merge::shards::combine`].

use super::{CliError, Exit};
use crate::config::settings::MergeSettings;
use crate::history;
use crate::merge::shards;
use crate::report::ci::{full_report_hint, write_ci_outputs};
use crate::report::console::{err_line, out, render_summary, ConsoleOptions, Palette};
use crate::report::json;
use crate::report::views::{merge_notes, render_failures};
use crate::report::write::{write_reports, write_views};

/// Combines the summaries `settings` name, prints the failures and the
/// summary, writes the reports and returns the exit code.
pub fn exec(settings: &MergeSettings) -> Result<Exit, CliError> {
    let mut inputs = Vec::with_capacity(settings.inputs.len());
    for path in &settings.inputs {
        let summary = json::read_summary(path)?;
        inputs.push((path.clone(), summary));
    }
    let combined = shards::combine(inputs)?;
    for warning in &combined.warnings {
        err_line(&format!("ptest: warning: {warning}"));
    }
    let mut notes = merge_notes(&combined);
    let summary = combined.summary;
    if let Some(path) = &settings.history {
        // Fold the shards' results into a history so CI keeps learning;
        // files that cannot be read here get no content hash.
        let files = summary
            .files
            .iter()
            .map(|f| (f.id.as_str(), f.path.as_path()));
        let hashes = history::hash_files(files);
        // A repeat run: one history run per iteration, as `ptest --repeat`.
        match super::stress::record_iterations(&path.value, &summary, &hashes) {
            Some(recorded) => recorded
                .lines()
                .for_each(|line| err_line(&format!("ptest: {line}"))),
            None => {
                if let Some(warning) = history::update(&path.value, &summary, &hashes)? {
                    err_line(&format!("ptest: warning: {warning}"));
                }
            }
        }
    }
    notes.push_str(&super::stress::note(&summary));
    let options = ConsoleOptions::detect(settings.color.value, false, false);
    let palette = Palette::new(options.color);
    out(&render_failures(&summary, &palette));
    out(&render_summary(&summary, &palette, &notes));
    let written = write_reports(
        &summary,
        settings.junit.as_deref(),
        settings.json.as_deref(),
    );
    let views = write_views(
        &summary,
        settings.html.as_deref(),
        settings.trace.as_deref(),
    );
    let hint = full_report_hint(
        &settings.ci,
        settings.json.as_deref(),
        settings.junit.as_deref(),
        None,
    );
    let ci = write_ci_outputs(&summary, &settings.ci, &hint);
    let exit = Exit::of_summary(&summary, written.is_ok() && views.is_ok() && ci.is_ok());
    if let Err(err) = written {
        CliError::from(err).print();
    }
    if let Err(err) = views {
        CliError::from(err).print();
    }
    if let Err(err) = ci {
        CliError::from(err).print();
    }
    Ok(exit)
}
