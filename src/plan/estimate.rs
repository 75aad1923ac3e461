//! Expected durations per file, from imported durations, the history, or an
//! estimate. See the [module docs](super) for the precedence.

use super::{EstimateSource, ImportedDurations};
use crate::history::History;
use crate::unit::Unit;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// What is expected of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    /// Expected duration; `None` when nothing at all is known.
    pub expected: Option<Duration>,
    /// Where it comes from.
    pub source: EstimateSource,
    /// Whether the file's last recorded run failed, timed out or errored.
    pub failed_last_time: bool,
    /// Expected CPU time (user + system), from the history; `None` when
    /// not recorded (never estimated: it only raises a lower bound).
    pub cpu: Option<Duration>,
    /// Expected peak memory in bytes, from the history; a file without
    /// data gets the 90th percentile of the known ones (`None` when none is
    /// known).
    pub rss: Option<u64>,
}

/// Known durations and failures, before estimating the files nothing is
/// known about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expectations {
    recorded: HashMap<String, Duration>,
    failed: HashSet<String>,
    /// Files whose recorded durations are all TIMEOUTs.
    timed_out: HashSet<String>,
    imported: ImportedDurations,
    cpu: HashMap<String, Duration>,
    rss: HashMap<String, u64>,
}

/// Which percentile of the known durations a file without data gets.
const NEW_FILE_PERCENTILE: usize = 90;

impl Expectations {
    /// Nothing known.
    pub fn new() -> Expectations {
        Expectations::default()
    }

    /// Expected durations and last-run failures from a history.
    pub fn from_history(history: &History) -> Expectations {
        let mut e = Expectations::new();
        for (id, _) in history.files() {
            if let Some(d) = history.expected(id) {
                e.recorded.insert(id.to_string(), d);
            }
            if history.failed_last_time(id) {
                e.failed.insert(id.to_string());
            }
            if history.only_timed_out(id) {
                e.timed_out.insert(id.to_string());
            }
            if let Some(cpu) = history.expected_cpu(id) {
                e.cpu.insert(id.to_string(), cpu);
            }
            if let Some(rss) = history.expected_rss(id) {
                e.rss.insert(id.to_string(), rss);
            }
        }
        e
    }

    /// Adds imported durations; they take precedence over the history.
    pub fn with_imported(mut self, imported: ImportedDurations) -> Expectations {
        self.imported = imported;
        self
    }

    /// Records a duration as if it came from the history.
    pub fn insert_recorded(&mut self, id: impl Into<String>, expected: Duration) {
        self.recorded.insert(id.into(), expected);
    }

    /// Records resources as if they came from the history: CPU time and
    /// peak memory in bytes.
    pub fn insert_resources(
        &mut self,
        id: impl Into<String>,
        cpu: Option<Duration>,
        rss: Option<u64>,
    ) {
        let id = id.into();
        if let Some(cpu) = cpu {
            self.cpu.insert(id.clone(), cpu);
        }
        if let Some(rss) = rss {
            self.rss.insert(id, rss);
        }
    }

    /// Marks a file as failed last time.
    pub fn mark_failed(&mut self, id: impl Into<String>) {
        self.failed.insert(id.into());
    }

    /// The known duration of a file and its source: imported first, then
    /// the history. `None` when neither knows the file.
    pub fn known(&self, id: &str) -> Option<(Duration, EstimateSource)> {
        if let Some(d) = self.imported.get(id) {
            return Some((d, EstimateSource::Imported));
        }
        self.recorded.get(id).map(|&d| (d, EstimateSource::History))
    }

    /// Whether every recorded run of the file timed out: its recorded
    /// duration is only its timeout.
    pub fn only_timed_out(&self, id: &str) -> bool {
        self.timed_out.contains(id)
    }

    /// Whether the file failed last time.
    pub fn failed_last_time(&self, id: &str) -> bool {
        self.failed.contains(id)
    }

    /// One [`Expectation`] per file, in the order of `files`. Files nothing
    /// is known about get the 90th percentile of the known files' durations
    /// ([`EstimateSource::Estimated`]), or, when no file of `files` is known,
    /// no duration at all ([`EstimateSource::Unknown`]).
    pub fn resolve(&self, files: &[Unit]) -> Vec<Expectation> {
        let known: Vec<Option<(Duration, EstimateSource)>> =
            files.iter().map(|f| self.known(&f.id)).collect();
        let mut durations: Vec<Duration> = known.iter().flatten().map(|&(d, _)| d).collect();
        let fill =
            percentile(&mut durations, NEW_FILE_PERCENTILE).map(|d| (d, EstimateSource::Estimated));
        let mut peaks: Vec<u64> = files
            .iter()
            .filter_map(|f| self.rss.get(f.id.as_str()).copied())
            .collect();
        let rss_fill = percentile(&mut peaks, NEW_FILE_PERCENTILE);
        files
            .iter()
            .zip(known)
            .map(|(file, known)| {
                let (expected, source) = match known.or(fill) {
                    Some((d, source)) => (Some(d), source),
                    None => (None, EstimateSource::Unknown),
                };
                Expectation {
                    expected,
                    source,
                    failed_last_time: self.failed_last_time(&file.id),
                    cpu: self.cpu.get(file.id.as_str()).copied(),
                    rss: self.rss.get(file.id.as_str()).copied().or(rss_fill),
                }
            })
            .collect()
    }
}

/// The nearest-rank `p`th percentile (`None` for no values).
fn percentile<T: Ord + Copy>(values: &mut [T], p: usize) -> Option<T> {
    if values.is_empty() {
        return None;
    }
    values.sort();
    let rank = (p * values.len()).div_ceil(100).max(1);
    values.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentile() {
        let mut v: Vec<Duration> = (1..=10).map(Duration::from_secs).collect();
        assert_eq!(percentile(&mut v, 90), Some(Duration::from_secs(9)));
        let mut v: Vec<Duration> = (1..=20).rev().map(Duration::from_secs).collect();
        assert_eq!(percentile(&mut v, 90), Some(Duration::from_secs(18)));
        let mut one = vec![Duration::from_secs(4)];
        assert_eq!(percentile(&mut one, 90), Some(Duration::from_secs(4)));
        assert_eq!(percentile::<Duration>(&mut [], 90), None);
    }
}
