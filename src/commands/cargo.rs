//! `ptest cargo`: build the test binaries, list their tests, make one unit
//! per test ([`crate::cargo`]), apply `[[override]]`s to the test ids, then
//! the pipeline every run shares ([`super::run::run_units`]).

use super::run::{discover_options, print_warnings, run_units};
use super::{CliError, Exit};
use crate::cargo::{self, BuildOptions, Filters};
use crate::config::cli::CargoArgs;
use crate::config::settings::Settings;
use crate::report::console::err_line;

/// Builds, lists and runs the tests `args` select; returns the exit code.
/// A build that fails is an error (exit 2) after cargo's diagnostics.
pub fn exec(settings: &Settings, args: &CargoArgs) -> Result<Exit, CliError> {
    if let Some(option) = file_option(args) {
        return Err(cargo::CargoError::FileOption { option }.into());
    }
    print_warnings(settings);
    let options = build_options(args);
    let built = cargo::build(&options).map_err(cargo::CargoError::from)?;
    let sysroot_lib = cargo::env::sysroot_lib();
    let listed = cargo::list(&built, &options.cargo, sysroot_lib.as_deref())
        .map_err(cargo::CargoError::from)?;
    let mut units = cargo::units(&listed, &filters(args));
    crate::discover::apply_rules_by_id(&mut units, &discover_options(settings)?);
    if units.is_empty() {
        err_line(&format!(
            "ptest: no tests found in {} test binar{}{}",
            listed.len(),
            if listed.len() == 1 { "y" } else { "ies" },
            if filters(args) == Filters::default() {
                ""
            } else {
                " matching the filters"
            }
        ));
        return Ok(Exit::NoTests);
    }
    run_units(settings, units)
}

/// The first option given that only means something for test files
/// (hidden from `ptest cargo --help`, refused here rather than ignored).
fn file_option(args: &CargoArgs) -> Option<&'static str> {
    let run = &args.run;
    [
        (!run.include.is_empty(), "--include"),
        (!run.exclude.is_empty(), "--exclude"),
        (run.exec.is_some(), "--exec"),
        (!run.perl_include.is_empty(), "-I"),
        (run.no_lib, "--no-lib"),
    ]
    .into_iter()
    .find_map(|(given, option)| given.then_some(option))
}

/// cargo's switches, as given.
fn build_options(args: &CargoArgs) -> BuildOptions {
    BuildOptions {
        cargo: BuildOptions::default_cargo(),
        packages: args.packages.clone(),
        workspace: args.workspace,
        release: args.release,
        features: args.features.clone(),
        all_features: args.all_features,
        no_default_features: args.no_default_features,
        target_dir: args.target_dir.clone(),
        manifest_path: args.manifest_path.clone(),
    }
}

/// libtest's filters: the positional FILTERs (before or after `--`).
fn filters(args: &CargoArgs) -> Filters {
    let patterns: Vec<String> = args
        .run
        .paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    Filters {
        patterns,
        exact: args.exact,
        skip: args.skip.clone(),
        run_ignored: args.run_ignored.unwrap_or_default(),
    }
}
