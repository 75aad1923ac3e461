//! The `ptest` command: parse the arguments, resolve the settings, run one
//! subcommand of [`ptest::commands`], exit with its code. Nothing else
//! happens here.

use clap::Parser;
use ptest::commands::{self, CliError, Exit};
use ptest::config::cli::{Cli, Command};
use ptest::config::settings::{MergeSettings, ReportSettings, Settings};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors
            // to stderr (exit 2).
            let _ = err.print();
            return if err.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Passed.into()
            };
        }
    };
    let result = match cli.command {
        Some(Command::Merge(args)) => MergeSettings::from_args(&args)
            .map_err(CliError::from)
            .and_then(|settings| commands::merge::exec(&settings)),
        Some(Command::Report(args)) => ReportSettings::from_args(&args)
            .map_err(CliError::from)
            .and_then(|settings| commands::report::exec(&settings)),
        Some(Command::Explain(args)) => Settings::from_args(&args)
            .map_err(CliError::from)
            .and_then(|settings| commands::explain::exec(&settings)),
        Some(Command::Cargo(args)) => Settings::from_args(&args.run)
            .map_err(CliError::from)
            .and_then(|settings| commands::cargo::exec(&settings, &args)),
        Some(Command::Completions(args)) => commands::completions::completions(args.shell),
        Some(Command::Man) => commands::completions::man(),
        None => Settings::from_args(&cli.run)
            .map_err(CliError::from)
            .and_then(|settings| commands::run::exec(&settings)),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(err) => {
            err.print();
            err.exit().into()
        }
    }
}
