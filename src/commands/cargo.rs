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
    let filters = filters(args)?;
    print_warnings(settings);
    let options = build_options(args);
    let built = cargo::build(&options).map_err(cargo::CargoError::from)?;
    let sysroot_lib = cargo::env::sysroot_lib();
    let listed = cargo::list(&built, &options.cargo, sysroot_lib.as_deref())
        .map_err(cargo::CargoError::from)?;
    let mut units = cargo::units(&listed, &filters);
    crate::discover::apply_rules_by_id(&mut units, &discover_options(settings)?);
    if units.is_empty() {
        err_line(&format!(
            "ptest: no tests found in {} test binar{}{}",
            listed.len(),
            if listed.len() == 1 { "y" } else { "ies" },
            if filters == Filters::default() {
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
        targets: args.target_args(),
    }
}

/// libtest's filters: the positional FILTERs (before or after `--`) and,
/// after `--`, libtest's own selection options, which mean there what
/// they mean to libtest and nextest: `--exact`, `--skip PATTERN`
/// (`--skip=PATTERN`), `--ignored` (only ignored tests), `--include-ignored`
/// (all tests). `--nocapture` is accepted (ptest always runs tests so);
/// any other option is refused rather than read as a filter.
fn filters(args: &CargoArgs) -> Result<Filters, cargo::CargoError> {
    let mut filters = Filters {
        patterns: Vec::new(),
        exact: args.exact,
        skip: args.skip.clone(),
        run_ignored: args.run_ignored.unwrap_or_default(),
    };
    let mut ignored: Option<(cargo::RunIgnored, &'static str)> = None;
    let mut words = args
        .run
        .paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned());
    while let Some(word) = words.next() {
        let refuse = |why: &str| cargo::CargoError::TestOption {
            option: word.clone(),
            why: why.to_string(),
        };
        match word.as_str() {
            "--exact" => filters.exact = true,
            "--skip" => match words.next() {
                Some(pattern) => filters.skip.push(pattern),
                None => return Err(refuse("it needs a PATTERN (`--skip PATTERN`)")),
            },
            "--ignored" => ignored = Some((cargo::RunIgnored::Only, "--ignored")),
            "--include-ignored" => ignored = Some((cargo::RunIgnored::All, "--include-ignored")),
            "--nocapture" | "--no-capture" => {}
            other => match other.strip_prefix("--skip=") {
                Some(pattern) => filters.skip.push(pattern.to_string()),
                None if other.starts_with('-') && other.len() > 1 => {
                    return Err(refuse(
                        "ptest cargo takes FILTERs, --exact, --skip PATTERN, --ignored and --include-ignored after `--`; libtest's other options do not apply, as each test runs in its own process (ptest's own options, such as -j, go before `--`)",
                    ))
                }
                None => filters.patterns.push(word),
            },
        }
    }
    if let Some((which, option)) = ignored {
        match args.run_ignored {
            Some(given) if given != which => {
                return Err(cargo::CargoError::TestOption {
                    option: option.to_string(),
                    why: "it contradicts --run-ignored".to_string(),
                })
            }
            Some(_) | None => filters.run_ignored = which,
        }
    }
    Ok(filters)
}
