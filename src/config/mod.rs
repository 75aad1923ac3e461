//! Settings: the command line, `ptest.toml`, value parsers, and how they
//! combine.
//!
//! | module | owns |
//! |---|---|
//! | [`cli`] | the command line (clap) |
//! | [`file`](mod@file) | finding and checking `ptest.toml`, its errors and warnings |
//! | [`value`] | one check per kind of value, shared by the file and headers |
//! | [`rules`] | `[[runner]]`, `[[override]]` and the per-file keys |
//! | [`quarantine`] | `[quarantine]` (files and tests whose failures do not fail the run), the `--quarantine-flaky` rate |
//! | [`settings`] | the layers folded into [`settings::Settings`] with sources |
//!
//! Parsing never does I/O: [`cli::Cli`] is pure data produced by clap, and
//! value parsers here ([`parse_duration`], [`parse_jobs`]) are plain
//! functions, so bad values become usage errors naming the value. clap sets
//! no defaults: [`settings`] resolves command line > `PTEST_*` environment >
//! profile > `[run]` > built-in default once, into a
//! [`settings::Settings`] that records where each value came from.

pub mod ci;
pub mod cli;
pub mod file;
pub mod layer;
pub mod quarantine;
pub mod rules;
pub mod settings;
pub mod value;

pub use crate::util::{color::ColorWhen, order::Order};

// The duration syntax lives in `crate::util::duration`; these names stay
// here because settings are where durations are parsed.
pub use crate::util::duration::{
    format_duration, parse_duration, DurationError, DurationProblem, MAX_DURATION,
};

/// A value on the command line that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not a duration (see [`parse_duration`]).
    #[error(transparent)]
    Duration(#[from] DurationError),
    /// Not a positive number of jobs or `auto`.
    #[error("invalid job count `{0}`: expected a number of at least 1, or `auto`")]
    Jobs(String),
    /// Not `NAME=VALUE`.
    #[error("invalid variable `{0}`: expected NAME=VALUE")]
    EnvPair(String),
    /// A variable ptest sets for every child itself.
    #[error("invalid variable `{0}`: {1}")]
    EnvName(String, String),
}

/// The variables ptest sets for every child it starts (see the launcher in
/// [`crate::run`] and the environment table in `docs/test-files.md`): `env` and `--env`
/// may not set them, since the child's value would silently win over
/// ptest's own.
pub const CHILD_VARIABLES: &[&str] = &[
    "PTEST",
    "PTEST_RUN_ID",
    "PTEST_FILE",
    "PTEST_WORKER",
    "PTEST_JOBS",
    "PTEST_PARALLEL",
    "PTEST_ATTEMPT",
    "PTEST_TOTAL_ATTEMPTS",
    "PTEST_ITERATION",
    "PTEST_JUNIT_FILE",
    "PTEST_SHARD",
    "PTEST_GROUP",
    "PTEST_GROUP_SLOT",
    "PTEST_TMPDIR",
    "HARNESS_ACTIVE",
];

/// Why `name` cannot be the name of a variable given to tests (`env`,
/// `env.NAME`, `--env`): empty, holding `=` or NUL (the rest would become
/// a second variable), or one of [`CHILD_VARIABLES`]. `None`: it can.
pub fn env_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("a variable name cannot be empty".into())
    } else if name.contains('=') {
        Some(format!("a variable name cannot contain `=` (in `{name}`)"))
    } else if name.contains('\0') {
        Some(format!(
            "a variable name cannot contain a NUL byte (in {name:?})"
        ))
    } else if CHILD_VARIABLES.contains(&name) {
        Some(format!(
            "{name} is set by ptest for every test and cannot be overridden"
        ))
    } else {
        None
    }
}

/// Parses `--env` values: `NAME=VALUE` (the value may be empty or contain
/// `=`); a name [`env_name_problem`] refuses is an error.
pub fn parse_env_pair(text: &str) -> Result<(String, String), ValueError> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
            if let Some(problem) = env_name_problem(name) {
                return Err(ValueError::EnvName(text.to_string(), problem));
            }
            Ok((name.to_string(), value.to_string()))
        }
        Some(_) | None => Err(ValueError::EnvPair(text.to_string())),
    }
}

/// The number of worker slots: a positive number, or `auto` (available cores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jobs {
    /// As many as there are cores available.
    Auto,
    /// Exactly this many.
    Count(usize),
}

impl Jobs {
    /// The resolved number of slots.
    pub fn resolve(self) -> usize {
        match self {
            Jobs::Auto => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            Jobs::Count(n) => n,
        }
    }
}

/// Parses `-j` values: `auto` or a number ≥ 1.
pub fn parse_jobs(text: &str) -> Result<Jobs, ValueError> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(Jobs::Auto);
    }
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Jobs::Count(n)),
        _ => Err(ValueError::Jobs(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_parse() {
        assert_eq!(parse_jobs("8"), Ok(Jobs::Count(8)));
        assert_eq!(parse_jobs("auto"), Ok(Jobs::Auto));
        assert!(Jobs::Auto.resolve() >= 1);
        assert!(parse_jobs("0").unwrap_err().to_string().contains("`0`"));
        assert!(parse_jobs("-2").is_err());
        assert!(parse_jobs("many").is_err());
    }

    #[test]
    fn env_pairs_split_at_the_first_equals_sign() {
        assert_eq!(parse_env_pair("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert_eq!(parse_env_pair("A="), Ok(("A".into(), String::new())));
        assert!(parse_env_pair("A").is_err());
        assert!(parse_env_pair("=x").is_err());
    }
}
