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
    let units = discover::discover(&discover_options(settings)?)?;
    if units.is_empty() {
        err_line("ptest: no test files found");
        return Ok(Exit::NoTests);
    }
    out(&render(settings, &units));
    Ok(Exit::Passed)
}
