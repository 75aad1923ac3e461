//! What ptest reads from a CI's own environment: the shard of `--shard
//! auto`, and whether to write GitHub Actions output ([`CiOutputs`]).
//!
//! ## `--shard auto`
//!
//! The shard comes from the first CI whose index variable is set, in the
//! order of [`SHARD_VARIABLES`]; each CI's base was checked against its
//! documentation:
//!
//! | CI | index | total | base |
//! |---|---|---|---|
//! | ptest (GitHub matrices, anything else) | `PTEST_SHARD_INDEX` | `PTEST_SHARD_TOTAL` | 1 (as `--shard K/N`) |
//! | GitLab (`parallel:`) | `CI_NODE_INDEX` | `CI_NODE_TOTAL` | 1 |
//! | CircleCI (`parallelism:`) | `CIRCLE_NODE_INDEX` | `CIRCLE_NODE_TOTAL` | 0 |
//! | Buildkite (`parallelism:`) | `BUILDKITE_PARALLEL_JOB` | `BUILDKITE_PARALLEL_JOB_COUNT` | 0 |
//! | Azure Pipelines (`parallel:`) | `SYSTEM_JOBPOSITIONINPHASE` | `SYSTEM_TOTALJOBSINPHASE` | 1 |
//! | Bitbucket (`parallel:` steps) | `BITBUCKET_PARALLEL_STEP` | `BITBUCKET_PARALLEL_STEP_COUNT` | 0 |
//!
//! GitHub Actions has no variable of its own: a matrix sets
//! `PTEST_SHARD_INDEX`/`PTEST_SHARD_TOTAL` (see the recipe in `docs/ci.md`).
//! With none set, [`ShardEnvError::NotInCi`] names every variable looked
//! for; a value that is not a number in range names the variable and the
//! value.

use crate::util::shard::Shard;
use std::ffi::OsString;
use std::path::PathBuf;

/// `--shard K/N` or `--shard auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    /// A shard given on the command line.
    Fixed(Shard),
    /// The shard from the CI's variables ([`shard_from_env`]).
    Auto,
}

impl std::str::FromStr for ShardArg {
    type Err = String;

    /// `auto`, else `K/N` as [`Shard`] parses it.
    fn from_str(s: &str) -> Result<ShardArg, String> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(ShardArg::Auto);
        }
        s.parse::<Shard>()
            .map(ShardArg::Fixed)
            .map_err(|e| format!("{e}, or `auto` to read it from the CI's variables"))
    }
}

/// One CI's pair of shard variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardVariables {
    /// The CI's name.
    pub ci: &'static str,
    /// The variable holding this job's index.
    pub index: &'static str,
    /// The variable holding the number of jobs.
    pub total: &'static str,
    /// The index of the first job (0 or 1).
    pub base: usize,
}

/// Every CI `--shard auto` knows, in the order they are looked at.
pub const SHARD_VARIABLES: [ShardVariables; 6] = [
    ShardVariables {
        ci: "ptest",
        index: "PTEST_SHARD_INDEX",
        total: "PTEST_SHARD_TOTAL",
        base: 1,
    },
    ShardVariables {
        ci: "GitLab CI",
        index: "CI_NODE_INDEX",
        total: "CI_NODE_TOTAL",
        base: 1,
    },
    ShardVariables {
        ci: "CircleCI",
        index: "CIRCLE_NODE_INDEX",
        total: "CIRCLE_NODE_TOTAL",
        base: 0,
    },
    ShardVariables {
        ci: "Buildkite",
        index: "BUILDKITE_PARALLEL_JOB",
        total: "BUILDKITE_PARALLEL_JOB_COUNT",
        base: 0,
    },
    ShardVariables {
        ci: "Azure Pipelines",
        index: "SYSTEM_JOBPOSITIONINPHASE",
        total: "SYSTEM_TOTALJOBSINPHASE",
        base: 1,
    },
    ShardVariables {
        ci: "Bitbucket Pipelines",
        index: "BITBUCKET_PARALLEL_STEP",
        total: "BITBUCKET_PARALLEL_STEP_COUNT",
        base: 0,
    },
];

/// Why `--shard auto` found no shard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardEnvError {
    /// No CI's index variable is set.
    #[error("--shard auto: no CI shard variable is set (looked for {looked_for}); set PTEST_SHARD_INDEX and PTEST_SHARD_TOTAL (1-based), or give --shard K/N")]
    NotInCi {
        /// The variables looked for, as `INDEX/TOTAL` pairs.
        looked_for: String,
    },
    /// The index is set but the total is not.
    #[error("--shard auto: {index} is set but {total} is not")]
    MissingTotal {
        /// The index variable.
        index: &'static str,
        /// The missing total variable.
        total: &'static str,
    },
    /// A variable holds something that is not a shard.
    #[error("--shard auto: {name}=`{value}` {problem}")]
    Malformed {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// A shard read from a CI's variables, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiShard {
    /// The shard (1-based, as `--shard K/N`).
    pub shard: Shard,
    /// The variables it came from.
    pub from: ShardVariables,
    /// The index as the CI wrote it.
    pub raw_index: String,
    /// The total as the CI wrote it.
    pub raw_total: String,
}

impl CiShard {
    /// `CI_NODE_INDEX=2 CI_NODE_TOTAL=4 (GitLab CI, 1-based)`, for
    /// `--explain`.
    pub fn describe(&self) -> String {
        format!(
            "{}={} {}={} ({}, {}-based)",
            self.from.index,
            self.raw_index,
            self.from.total,
            self.raw_total,
            self.from.ci,
            self.from.base
        )
    }
}

/// The shard of `--shard auto`, from the first CI whose index variable is
/// set (see the [module docs](self)).
pub fn shard_from_env(var: &dyn Fn(&str) -> Option<OsString>) -> Result<CiShard, ShardEnvError> {
    let text = |name: &str| var(name).map(|v| v.to_string_lossy().trim().to_string());
    for vars in SHARD_VARIABLES {
        let Some(raw_index) = text(vars.index).filter(|v| !v.is_empty()) else {
            continue;
        };
        let raw_total =
            text(vars.total)
                .filter(|v| !v.is_empty())
                .ok_or(ShardEnvError::MissingTotal {
                    index: vars.index,
                    total: vars.total,
                })?;
        let total: usize = match raw_total.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                return Err(ShardEnvError::Malformed {
                    name: vars.total,
                    value: raw_total,
                    problem: "is not a number of jobs (1 or more)".into(),
                })
            }
        };
        let last = total - 1 + vars.base;
        let index: usize = match raw_index.parse() {
            Ok(n) if n >= vars.base && n <= last => n,
            _ => {
                return Err(ShardEnvError::Malformed {
                    name: vars.index,
                    value: raw_index,
                    problem: format!(
                        "is not a job index from {} to {last} ({} is {total}; {} counts from {})",
                        vars.base, vars.total, vars.ci, vars.base
                    ),
                })
            }
        };
        return Ok(CiShard {
            shard: Shard {
                index: index + 1 - vars.base,
                count: total,
            },
            from: vars,
            raw_index,
            raw_total,
        });
    }
    Err(ShardEnvError::NotInCi {
        looked_for: SHARD_VARIABLES
            .iter()
            .map(|v| format!("{}/{}", v.index, v.total))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The GitHub Actions and Markdown outputs of a run or a merge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiOutputs {
    /// Print `::error`/`::warning` annotations and `::group::` folds:
    /// `--github`, else `--no-github`, else `GITHUB_ACTIONS=true`.
    pub github: bool,
    /// Append the Markdown summary here (`$GITHUB_STEP_SUMMARY`, when
    /// [`CiOutputs::github`]).
    pub step_summary: Option<PathBuf>,
    /// Write the Markdown summary here (`--markdown PATH`).
    pub markdown: Option<PathBuf>,
}

impl CiOutputs {
    /// Resolves the outputs from `--github`/`--no-github` (`flag`),
    /// `--markdown` and the environment read through `var`.
    pub fn resolve(
        flag: Option<bool>,
        markdown: Option<PathBuf>,
        var: &dyn Fn(&str) -> Option<OsString>,
    ) -> CiOutputs {
        let in_actions = var("GITHUB_ACTIONS").is_some_and(|v| v == "true");
        let github = flag.unwrap_or(in_actions);
        let step_summary = var("GITHUB_STEP_SUMMARY")
            .filter(|v| github && !v.is_empty())
            .map(PathBuf::from);
        CiOutputs {
            github,
            step_summary,
            markdown,
        }
    }

    /// `--github` → `Some(true)`, `--no-github` → `Some(false)`.
    pub fn flag(github: bool, no_github: bool) -> Option<bool> {
        match (github, no_github) {
            (true, _) => Some(true),
            (false, true) => Some(false),
            (false, false) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).map(OsString::from)
    }

    #[test]
    fn each_ci_with_its_base() {
        for (pairs, want) in [
            (
                &[("PTEST_SHARD_INDEX", "2"), ("PTEST_SHARD_TOTAL", "3")][..],
                "2/3",
            ),
            (&[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "4")][..], "1/4"),
            (
                &[("CIRCLE_NODE_INDEX", "0"), ("CIRCLE_NODE_TOTAL", "2")][..],
                "1/2",
            ),
            (
                &[
                    ("BUILDKITE_PARALLEL_JOB", "3"),
                    ("BUILDKITE_PARALLEL_JOB_COUNT", "4"),
                ][..],
                "4/4",
            ),
            (
                &[
                    ("SYSTEM_JOBPOSITIONINPHASE", "2"),
                    ("SYSTEM_TOTALJOBSINPHASE", "2"),
                ][..],
                "2/2",
            ),
            (
                &[
                    ("BITBUCKET_PARALLEL_STEP", "1"),
                    ("BITBUCKET_PARALLEL_STEP_COUNT", "5"),
                ][..],
                "2/5",
            ),
        ] {
            let got = shard_from_env(&env(pairs)).unwrap();
            assert_eq!(got.shard.to_string(), want, "{pairs:?}");
        }
    }

    #[test]
    fn missing_and_malformed_name_the_variable() {
        let err = shard_from_env(&env(&[("CI_NODE_TOTAL", "1")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL"),
            "{text}"
        );
        let err = shard_from_env(&env(&[
            ("CIRCLE_NODE_INDEX", "2"),
            ("CIRCLE_NODE_TOTAL", "2"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("CIRCLE_NODE_INDEX=`2`"), "{err}");
        let err =
            shard_from_env(&env(&[("CI_NODE_INDEX", "x"), ("CI_NODE_TOTAL", "2")])).unwrap_err();
        assert!(err.to_string().contains("CI_NODE_INDEX=`x`"), "{err}");
        let err = shard_from_env(&env(&[("CI_NODE_INDEX", "1")])).unwrap_err();
        assert!(err.to_string().contains("CI_NODE_TOTAL is not"), "{err}");
    }

    #[test]
    fn github_output_follows_the_flags_then_the_environment() {
        let gha = env(&[("GITHUB_ACTIONS", "true"), ("GITHUB_STEP_SUMMARY", "/s.md")]);
        let on = CiOutputs::resolve(None, None, &gha);
        assert!(on.github);
        assert_eq!(on.step_summary, Some(PathBuf::from("/s.md")));
        let off = CiOutputs::resolve(Some(false), None, &gha);
        assert!(!off.github && off.step_summary.is_none());
        let forced = CiOutputs::resolve(Some(true), None, &env(&[]));
        assert!(forced.github && forced.step_summary.is_none());
    }
}
