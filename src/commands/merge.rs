//! `ptest merge SUMMARY…`: combines the `--json` summaries of several
//! shards into one report, one exit code and (with `--history`) one
//! history update.
//!
//! Named `combine` so it is not mistaken for the [`crate::aggregate`] stage,
//! which turns one run's events into its summary; the combining itself is
//! [`crate::aggregate::shards::combine`].

use super::{write_all_reports, CliError, Exit, ReportPaths};
use crate::aggregate::shards;
use crate::config::settings::MergeSettings;
use crate::history;
use crate::outcome::RunSummary;
use crate::report::console::{err_line, out, render_summary, ConsoleOptions, Palette};
use crate::report::json;
use crate::report::views::{merge_notes, render_failures};

/// Combines the summaries `settings` name, prints the failures and the
/// summary, writes the reports and returns the exit code.
pub fn exec(settings: &MergeSettings) -> Result<Exit, CliError> {
    if let Some(queue) = &settings.queue {
        // `--queue`: what the shared work queue recorded, not summary files.
        let (summary, warnings) = crate::queue::merge::merged(queue)?;
        for warning in &warnings {
            err_line(&format!("ptest: warning: {warning}"));
        }
        let mut notes = String::new();
        if let Some(incomplete) = &summary.incomplete {
            notes.push_str(&format!("Incomplete: {incomplete}\n"));
        }
        return conclude(settings, summary, notes);
    }
    let mut inputs = Vec::with_capacity(settings.inputs.len());
    for path in &settings.inputs {
        let summary = json::read_summary(path)?;
        inputs.push((path.clone(), summary));
    }
    let combined = shards::combine(inputs)?;
    for warning in &combined.warnings {
        err_line(&format!("ptest: warning: {warning}"));
    }
    let notes = merge_notes(&combined);
    conclude(settings, combined.summary, notes)
}

/// What every merge does with its summary: the history, the console, the
/// reports and the exit code.
fn conclude(
    settings: &MergeSettings,
    summary: RunSummary,
    mut notes: String,
) -> Result<Exit, CliError> {
    if let Some(path) = &settings.history {
        // Fold the shards' results into a history so CI keeps learning;
        // files that cannot be read here get no content hash.
        let files = summary
            .files
            .iter()
            .map(|f| (f.id.as_str(), f.path.as_path()));
        let hashes = history::hash_files(files);
        // A repeat run: one history run per iteration, as `ptest --repeat`.
        match super::run::repeat::record_iterations(&path.value, &summary, &hashes) {
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
    notes.push_str(&super::run::repeat::note(&summary));
    let options = ConsoleOptions::detect(settings.color.value, false, false);
    let palette = Palette::new(options.color);
    out(&render_failures(&summary, &palette));
    out(&render_summary(&summary, &palette, &notes));
    let exit = write_all_reports(
        &summary,
        &ReportPaths {
            junit: settings.junit.as_deref(),
            json: settings.json.as_deref(),
            html: settings.html.as_deref(),
            trace: settings.trace.as_deref(),
            ci: &settings.ci,
            fallback: None,
        },
    );
    Ok(exit)
}
