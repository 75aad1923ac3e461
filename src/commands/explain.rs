//! `ptest explain FILE…`: each file's resolved runner, protocol and
//! settings, and the run-wide settings, with where each came from (see
//! [`crate::report::explain`]). `ptest --list --explain` prints the same
//! for every file of the run.

use super::{run::discover_options, CliError, Exit};
use crate::config::settings::Settings;
use crate::discover;
use crate::report::console::{err_line, out};
use crate::report::explain::render;

/// Discovers the files `settings` names and prints their explanation.
pub fn exec(settings: &Settings) -> Result<Exit, CliError> {
    super::run::print_warnings(settings);
    let mut options = discover_options(settings)?;
    options.find_ignored = true;
    let found = discover::discover_report(&options)?;
    for warning in &found.warnings {
        err_line(&format!("ptest: warning: {warning}"));
    }
    let ignored =
        (!found.ignored.is_empty()).then(|| crate::report::explain::render_ignored(&found.ignored));
    if found.units.is_empty() {
        err_line("ptest: no test files found");
        if let Some(text) = ignored {
            out(&text);
        }
        return Ok(Exit::NoTests);
    }
    out(&render(settings, &found.units));
    if let Some(text) = ignored {
        out(&text);
    }
    Ok(Exit::Passed)
}
