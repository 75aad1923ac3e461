//! Recorded durations and outcomes (`.ptest/history.json`).
//!
//! After every run ptest folds the [`RunSummary`] into a small JSON file so
//! that the next run can start the slowest files first, split shards by
//! duration, and put files that failed last time at the front. The history
//! never changes a verdict: it only informs the [`crate::plan`].
//!
//! # File format (version [`HISTORY_VERSION`])
//!
//! The file's schema, field by field, is written once, for users and
//! code alike, in `docs/formats.md` ("History"). [`MAX_RUNS`] runs are kept
//! per file; cases not seen in them, and files not run for 90 days
//! (counted from the newest run in the history), are dropped.
//!
//! # Expected durations
//!
//! [`History::expected`] is a weighted median of the recorded durations, so
//! one slow outlier (a loaded CI machine) does not move it. Runs whose
//! content hash equals the newest run's hash weigh three times as much as
//! runs of an older version of the file: after an edit that made a file
//! much faster or slower, the estimate follows after about three runs instead
//! of six, while a single outlier still cannot move it on its own.
//!
//! # Concurrency and crashes
//!
//! [`update`] is the only writer. It takes an exclusive lock on the sidecar
//! `history.json.lock`, re-reads the file under the lock, folds the run in,
//! writes a temporary file in the same directory, fsyncs it, renames it over
//! the history and fsyncs the directory. Two ptest processes finishing at
//! once therefore serialise, and neither loses the other's runs; a crash
//! leaves either the old or the new file, never a torn one.
//!
//! A file that cannot be understood (not JSON, truncated, wrong shape, or
//! written by a newer ptest) is renamed to `history.json.corrupt-<unix time>`
//! and ptest starts a new history, with a warning naming both paths. Only
//! real I/O failures (e.g. permission denied) are errors. `--list` and
//! `--dry-run` read the history with [`History::load_read_only`], which
//! leaves a bad file where it is.

pub mod flaky;
pub mod slow;
mod store;
mod stream;

pub use store::{hash_contents, hash_files, update, Loaded};

use crate::outcome::{RunSummary, UnitSummary, Verdict};
use crate::parse::{CaseStatus, Protocol};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// Version of the history file schema written by this ptest.
pub const HISTORY_VERSION: u32 = 1;

/// How many runs are kept per file (and statuses per test case).
pub const MAX_RUNS: usize = 10;

/// Weight of a run whose content hash matches the newest run's, relative to
/// a run of an older version of the file.
const CURRENT_CONTENT_WEIGHT: u32 = 3;

/// Files whose newest run is this much older than the history's newest run
/// are dropped.
const EXPIRE_AFTER_SECS: u64 = 90 * 86_400;

/// Hex digits of the content hash kept per run.
const HASH_DIGITS: usize = 16;

/// Why the history file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The history file exists but could not be read.
    #[error("cannot read history file {path}")]
    Read {
        /// The history file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The history file (or its temporary file) could not be written.
    #[error("cannot write history file {path}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The directory for the history file could not be created.
    #[error("cannot create history directory {path}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock history file {path}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// A corrupt history file could not be renamed out of the way.
    #[error("cannot move corrupt history file {path} aside to {to}")]
    SetAside {
        /// The corrupt history file.
        path: PathBuf,
        /// Where it was to be moved.
        to: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The history could not be encoded as JSON.
    #[error("cannot encode history file {path}")]
    Encode {
        /// The history file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: serde_json::Error,
    },
}

/// Recorded runs of every file. See the module docs for the file format
/// (read and written only through [`History::load`] and [`update`], which
/// add the `version`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    files: BTreeMap<String, UnitHistory>,
}

/// Everything recorded about one file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitHistory {
    /// The last [`MAX_RUNS`] runs, in the order they were recorded (oldest
    /// first).
    pub runs: Vec<RunRecord>,
    /// Changes between pass and fail since the file was first recorded, by
    /// the flaky report's rule ([`flaky::new_flips`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flips: u32,
    /// Per test case, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cases: BTreeMap<String, CaseHistory>,
}

/// Files whose newest run is older than this are dropped:
/// [`EXPIRE_AFTER_SECS`] before the newest run, recorded (`history_newest`)
/// or in this run. A recorded run later than both this run and the clock
/// (written while the clock was wrong) counts as now: otherwise it would
/// expire every file recorded after it, this run's included.
fn expiry_cutoff(history_newest: Option<u64>, run_newest: Option<u64>, now: u64) -> u64 {
    let ceiling = run_newest.map_or(now, |r| r.max(now));
    history_newest
        .map(|n| n.min(ceiling))
        .max(run_newest)
        .map_or(0, |n| n.saturating_sub(EXPIRE_AFTER_SECS))
}

/// When a file started, in whole seconds (`now` when unknown).
fn started_secs(file: &UnitSummary, now: u64) -> u64 {
    file.started_at
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| s as u64)
        .unwrap_or(now)
}

impl UnitHistory {
    /// Adds one finished run of this file (never a NOT RUN one): its
    /// [`RunRecord`] (with the first 16 digits of `hash`), the flip count,
    /// and its test cases; then drops runs beyond [`MAX_RUNS`] and cases none
    /// of the kept runs reported.
    pub fn record(&mut self, file: &UnitSummary, hash: Option<&String>, now: u64) {
        let at = started_secs(file, now);
        let record = RunRecord {
            at,
            duration: file.duration,
            verdict: file.verdict,
            hash: hash.map(|h| h.chars().take(HASH_DIGITS).collect()),
            cpu: file.cpu,
            max_rss: file.max_rss,
            attempts: file.attempt_results.iter().map(|a| a.verdict).collect(),
            flipped: file.flipped.iter().map(|n| n.trim().to_string()).collect(),
        };
        let flips = flaky::new_flips(&self.runs, &record);
        self.flips = self.flips.saturating_add(flips);
        self.runs.push(record);
        let excess = self.runs.len().saturating_sub(MAX_RUNS);
        self.runs.drain(..excess);

        if file.protocol != Some(Protocol::ExitCode) {
            // The one test-key rule (quarantine matches by it too); a key
            // that still repeats after `NAME #N` is recorded once.
            let keys = crate::parse::case_keys(&file.cases);
            let mut seen = HashSet::new();
            for (case, key) in file.cases.iter().zip(keys) {
                if !seen.insert(key.clone()) {
                    continue;
                }
                self.cases
                    .entry(key)
                    .or_default()
                    .push(case.status, case.duration, at);
            }
        }
        let oldest = self.runs.iter().map(|r| r.at).min().unwrap_or(at);
        self.cases.retain(|_, c| c.last_seen >= oldest);
    }

    /// When the file last ran.
    pub fn newest(&self) -> Option<u64> {
        self.runs.iter().map(|r| r.at).max()
    }

    /// Whether it ran at or after `cutoff` (older files expire).
    fn is_recent(&self, cutoff: u64) -> bool {
        self.newest().is_some_and(|at| at >= cutoff)
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One recorded run of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Start time, whole seconds since the Unix epoch.
    pub at: u64,
    /// Wall time; `None` when no child ran. A lower bound for TIMEOUT.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::util::time::opt_secs"
    )]
    pub duration: Option<Duration>,
    /// The verdict (never NOT RUN).
    pub verdict: Verdict,
    /// The first 16 hex digits of the BLAKE3 hash of the file's content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// CPU time (user + system) of the child and what it waited for.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::util::time::opt_secs"
    )]
    pub cpu: Option<Duration>,
    /// Peak resident memory in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rss: Option<u64>,
    /// Each attempt's verdict, first first, when the file ran more than
    /// once in this run (`--retries`); absent otherwise and in histories
    /// written before retries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Verdict>,
    /// The tests (history keys) that failed in an earlier attempt and
    /// passed in the last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flipped: Vec<String>,
}

/// The recent results of one test case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseHistory {
    /// One letter per run, oldest first: `p` pass, `f` fail, `s` skip,
    /// `t` TODO failed, `u` TODO passed.
    pub statuses: String,
    /// Seconds per status (same length as `statuses`), `None` when unknown.
    /// Empty when no duration is known.
    #[serde(default, skip_serializing_if = "all_unknown")]
    pub durations: Vec<Option<f64>>,
    /// The `at` of the last run that reported this case.
    pub last_seen: u64,
}

fn all_unknown(v: &[Option<f64>]) -> bool {
    v.iter().all(Option::is_none)
}

impl CaseHistory {
    /// The recorded statuses, oldest first (unknown letters are skipped).
    pub fn statuses(&self) -> Vec<CaseStatus> {
        self.statuses.chars().filter_map(status_from_char).collect()
    }

    fn push(&mut self, status: CaseStatus, duration: Option<Duration>, at: u64) {
        // Keep `durations` aligned with `statuses`, whatever was read.
        let len = self.statuses.chars().count();
        self.durations.resize(len, None);
        self.statuses.push(status_char(status));
        self.durations
            .push(duration.map(|d| (d.as_secs_f64() * 1e6).round() / 1e6));
        let excess = self.statuses.chars().count().saturating_sub(MAX_RUNS);
        if excess > 0 {
            self.statuses = self.statuses.chars().skip(excess).collect();
            self.durations.drain(..excess);
        }
        if all_unknown(&self.durations) {
            // Stored that way on disk: keep memory and disk identical.
            self.durations.clear();
        }
        self.last_seen = self.last_seen.max(at);
    }
}

fn status_char(status: CaseStatus) -> char {
    match status {
        CaseStatus::Pass => 'p',
        CaseStatus::Fail => 'f',
        CaseStatus::Skip => 's',
        CaseStatus::TodoFail => 't',
        CaseStatus::TodoPass => 'u',
    }
}

fn status_from_char(c: char) -> Option<CaseStatus> {
    match c {
        'p' => Some(CaseStatus::Pass),
        'f' => Some(CaseStatus::Fail),
        's' => Some(CaseStatus::Skip),
        't' => Some(CaseStatus::TodoFail),
        'u' => Some(CaseStatus::TodoPass),
        _ => None,
    }
}

/// `Some(true)` for a pass, `Some(false)` for a failure, `None` when the
/// verdict says nothing about flakiness.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl History {
    /// A history with nothing recorded.
    pub fn empty() -> History {
        History::default()
    }

    /// Reads a history file without taking the lock. A missing file is an
    /// empty history; a corrupt or newer file is set aside (under the lock)
    /// and an empty history returned with a warning. See the module docs.
    pub fn load(path: &std::path::Path) -> Result<Loaded, HistoryError> {
        store::load(path)
    }

    /// Reads the history file at `path` without changing anything on disk
    /// (for `--list` and `--dry-run`): a file that cannot be understood is
    /// left where it is and gives an empty history with a warning; only a
    /// real run sets it aside ([`History::load`]).
    pub fn load_read_only(path: &std::path::Path) -> Result<Loaded, HistoryError> {
        store::load_read_only(path)
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The recorded files, by id.
    pub fn files(&self) -> impl Iterator<Item = (&str, &UnitHistory)> {
        self.files.iter().map(|(id, h)| (id.as_str(), h))
    }

    /// What is recorded about one file.
    pub fn file(&self, id: &str) -> Option<&UnitHistory> {
        self.files.get(id)
    }

    /// Folds one run into the history.
    ///
    /// NOT RUN files record nothing. Every other file gets a [`RunRecord`]
    /// (with its content hash from `hashes`, keyed by file id, when present)
    /// and its test cases are recorded; then old runs, cases and files are
    /// pruned (see the module docs).
    pub fn record(&mut self, summary: &RunSummary, hashes: &HashMap<String, String>) {
        let now = unix_now();
        let mut run_newest = None;
        for file in &summary.files {
            if !file.verdict.is_recorded() {
                continue;
            }
            run_newest = run_newest.max(Some(started_secs(file, now)));
            self.files
                .entry(file.id.clone())
                .or_default()
                .record(file, hashes.get(&file.id), now);
        }
        self.expire(run_newest, now);
    }

    /// Drops files not run for [`EXPIRE_AFTER_SECS`] before the newest run
    /// (see [`expiry_cutoff`]).
    fn expire(&mut self, run_newest: Option<u64>, now: u64) {
        let newest = self.files.values().filter_map(UnitHistory::newest).max();
        let cutoff = expiry_cutoff(newest, run_newest, now);
        self.files.retain(|_, h| h.is_recent(cutoff));
    }

    /// The expected duration of a file: the weighted median of its recorded
    /// durations (see the module docs), or `None` when no duration is
    /// recorded.
    pub fn expected(&self, id: &str) -> Option<Duration> {
        let file = self.files.get(id)?;
        let newest_hash = file.runs.last().and_then(|r| r.hash.as_deref());
        let samples: Vec<(Duration, u32)> = file
            .runs
            .iter()
            .filter_map(|r| {
                let weight = match (newest_hash, r.hash.as_deref()) {
                    (Some(newest), Some(hash)) if newest == hash => CURRENT_CONTENT_WEIGHT,
                    _ => 1,
                };
                r.duration.map(|d| (d, weight))
            })
            .collect();
        weighted_median(samples)
    }

    /// Whether every recorded duration of the file is that of a TIMEOUT:
    /// [`History::expected`] is then only its timeout, a lower bound.
    pub fn only_timed_out(&self, id: &str) -> bool {
        let Some(file) = self.files.get(id) else {
            return false;
        };
        let mut timed = file.runs.iter().filter(|r| r.duration.is_some()).peekable();
        timed.peek().is_some() && timed.all(|r| r.verdict == Verdict::Timeout)
    }

    /// The median CPU time of the file's recorded runs.
    pub fn expected_cpu(&self, id: &str) -> Option<Duration> {
        let file = self.files.get(id)?;
        let samples = file
            .runs
            .iter()
            .filter_map(|r| r.cpu.map(|c| (c, 1)))
            .collect();
        weighted_median(samples)
    }

    /// The highest peak memory of the file's recorded runs (a budget
    /// should plan for the worst recent run, not a typical one).
    pub fn expected_rss(&self, id: &str) -> Option<u64> {
        self.files
            .get(id)?
            .runs
            .iter()
            .filter_map(|r| r.max_rss)
            .max()
    }

    /// Whether the file's last recorded run failed, timed out or errored.
    pub fn failed_last_time(&self, id: &str) -> bool {
        self.files
            .get(id)
            .and_then(|f| f.runs.last())
            .is_some_and(|r| r.verdict.is_failure())
    }
}

/// The weighted median: the smallest sample at which the cumulative weight
/// reaches half the total; the mean of two samples when it lands exactly
/// between them.
fn weighted_median(mut samples: Vec<(Duration, u32)>) -> Option<Duration> {
    samples.sort();
    let total: u64 = samples.iter().map(|&(_, w)| u64::from(w)).sum();
    let mut cumulative = 0u64;
    for (i, &(d, w)) in samples.iter().enumerate() {
        cumulative += u64::from(w);
        if 2 * cumulative == total {
            if let Some(&(next, _)) = samples.get(i + 1) {
                return Some((d + next) / 2);
            }
            return Some(d);
        }
        if 2 * cumulative > total {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests;
