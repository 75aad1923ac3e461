//! Deciding the order in which files start, and which files this machine runs.
//!
//! The dispatcher in [`crate::run`] starts `plan.entries` in order, the next
//! one whenever a slot frees (dynamic list scheduling).

use crate::discover::TestFile;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Where a file's expected duration comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EstimateSource {
    /// Nothing is known; the file is scheduled in lexical order.
    Unknown,
    /// Recorded durations in the history file.
    History,
    /// Imported with `--durations`.
    Imported,
    /// Guessed from other files' durations or the file size.
    Estimated,
}

/// One file in the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedFile {
    /// The file.
    pub file: TestFile,
    /// How long it is expected to take.
    pub expected: Option<Duration>,
    /// Where `expected` comes from.
    pub source: EstimateSource,
}

/// The files to run, in dispatch order, and the parallelism.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Number of worker slots.
    pub jobs: usize,
    /// Files in the order they are started.
    pub entries: Vec<PlannedFile>,
}

impl Plan {
    /// A plan that runs files in the given (lexical) order with no estimates.
    pub fn lexical(files: Vec<TestFile>, jobs: usize) -> Plan {
        Plan {
            jobs: jobs.max(1),
            entries: files
                .into_iter()
                .map(|file| PlannedFile {
                    file,
                    expected: None,
                    source: EstimateSource::Unknown,
                })
                .collect(),
        }
    }
}

/// One shard of a suite split across machines: `index` of `count`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard (1..=count).
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Parses `K/N` with `1 <= K <= N`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("invalid shard `{s}`: expected K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The order in which files are dispatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Files that failed last time first, then longest expected first.
    #[default]
    FailedFirst,
    /// Longest expected duration first.
    Lpt,
    /// By file id.
    Lexical,
    /// Shuffled with a seed (random when not given).
    Random(Option<u64>),
}

impl std::str::FromStr for Order {
    type Err = String;

    /// Parses `lpt`, `failed-first`, `lexical`, `random` or `random:SEED`.
    fn from_str(s: &str) -> Result<Order, String> {
        match s {
            "failed-first" => Ok(Order::FailedFirst),
            "lpt" => Ok(Order::Lpt),
            "lexical" => Ok(Order::Lexical),
            "random" => Ok(Order::Random(None)),
            _ => match s.strip_prefix("random:") {
                Some(seed) => seed.parse().map(|n| Order::Random(Some(n))).map_err(|_| {
                    format!("invalid order `{s}`: the seed after `random:` must be a number")
                }),
                None => Err(format!(
                    "invalid order `{s}`: expected lpt, failed-first, lexical, random or random:SEED"
                )),
            },
        }
    }
}
