//! `ptest completions SHELL` and `ptest man`: a shell completion script
//! ([`clap_complete`]) and a roff man page ([`clap_mangen`]), both
//! generated from the clap definitions in [`crate::config::cli`], so they
//! never drift from the options.

use super::{CliError, Exit};
use crate::config::cli::Cli;
use clap::CommandFactory;
use std::io::Write;

/// Prints the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<Exit, CliError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "ptest", &mut script);
    print_bytes(&script);
    Ok(Exit::Passed)
}

/// Prints the man page (roff) to stdout.
pub fn man() -> Result<Exit, CliError> {
    let mut page = Vec::new();
    // Rendering into memory cannot fail.
    let _ = clap_mangen::Man::new(Cli::command()).render(&mut page);
    print_bytes(&page);
    Ok(Exit::Passed)
}

/// Writes to stdout, ignoring a closed pipe (`ptest man | head`).
fn print_bytes(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes);
    let _ = out.flush();
}
