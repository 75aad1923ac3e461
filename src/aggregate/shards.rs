//! Combining the JSON summaries of several runs into one (`ptest merge`).
//!
//! The usual inputs are the summaries of `--shard K/N` runs of one suite on
//! different machines; summaries of runs without `--shard` can be combined
//! too (a plain merge of runs). The result is one [`RunSummary`] that the
//! reports and the exit code are made from, plus what the caller must tell
//! the user: shards that were not given ([`Combined::missing_shards`]; the CLI
//! still writes the reports, then exits with status 2) and warnings.
//!
//! Rules:
//! - a file id in two inputs is an error ([`CombineError::Duplicate`]);
//! - all shard labels must have the same N, and each K may be given once;
//! - shards that record their partition (summary version 2) must agree on
//!   where every file belongs ([`CombineError::PartitionMismatch`]); a
//!   planned file that no input reports becomes a NOT RUN entry with the
//!   reason ([`Combined::not_run_anywhere`]), and the merged summary's
//!   `incomplete` says why (see `aggregate::partition`);
//! - files are sorted by id and the totals recomputed from them;
//! - `wall` is the maximum over the inputs (shards run side by side) and `jobs`
//!   the sum (all machines' slots, so efficiency covers the whole fleet);
//! - `started_at` is the earliest, `interrupted` true if any input was;
//! - `bail_out` is the first one in input order (others become warnings);
//! - `--repeat` summaries keep every iteration (an entry is a file and its
//!   iteration; the same iteration twice is the duplicate), and the stress
//!   report is rebuilt from all of them (see
//!   `aggregate::repeat::merged_shape`); every attempt and the quarantine
//!   mark travel with their entry unchanged;
//! - `run_id` is `merged-<run id of the first input>`, `shard` and
//!   `partition` are cleared and `version` is [`SUMMARY_VERSION`].

use super::partition;

use crate::outcome::{PartitionRecord, RunSummary, Totals, SUMMARY_VERSION};
use crate::plan::Shard;
use crate::unit::UnitNoun;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The combined summary and what the caller should report about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Combined {
    /// The merged summary.
    pub summary: RunSummary,
    /// Shard numbers K (1-based, ascending) of `K/N` not among the inputs.
    /// Empty when no input is a shard.
    pub missing_shards: Vec<usize>,
    /// Ids of the planned files no input reports (NOT RUN in the summary),
    /// sorted; only known when the shards record their partition.
    pub not_run_anywhere: Vec<String>,
    /// The partition the shards agree on, when they record one.
    pub partition: Option<PartitionRecord>,
    /// Things worth telling the user that do not stop the merge, each naming
    /// the summary file it is about.
    pub warnings: Vec<String>,
}

/// Why summaries cannot be combined.
#[derive(Debug, thiserror::Error)]
pub enum CombineError {
    /// No summaries were given.
    #[error("nothing to merge: no summaries were given")]
    NoInputs,
    /// The same file is in two summaries.
    #[error(
        "file `{id}` is reported twice, in {} and in {}: each file must come from exactly one summary (were the same shard or overlapping runs merged?)",
        first.display(),
        second.display()
    )]
    Duplicate {
        /// The file id.
        id: String,
        /// The summary that reported it first.
        first: PathBuf,
        /// The summary that reported it again.
        second: PathBuf,
    },
    /// A summary's shard label is not `K/N`.
    #[error("{} has an unusable shard label: {reason}", path.display())]
    BadShard {
        /// The summary file.
        path: PathBuf,
        /// What is wrong with the label.
        reason: String,
    },
    /// Two summaries are shards of different splits.
    #[error(
        "shard counts disagree: {} is shard {first_shard} but {} is shard {second_shard}",
        first.display(),
        second.display()
    )]
    ShardCountMismatch {
        /// The summary that set the shard count.
        first: PathBuf,
        /// Its shard label.
        first_shard: String,
        /// The summary that disagrees.
        second: PathBuf,
        /// Its shard label.
        second_shard: String,
    },
    /// A summary's partition record does not fit its shard label.
    #[error("{} has an unusable partition record: {reason}", path.display())]
    BadPartition {
        /// The summary file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Two shards were cut from different partitions of the suite.
    #[error("{0}")]
    PartitionMismatch(Box<PartitionMismatch>),
    /// The same shard was given twice.
    #[error("shard {shard} is given twice: {} and {}", first.display(), second.display())]
    SameShard {
        /// The shard label.
        shard: String,
        /// The first summary of that shard.
        first: PathBuf,
        /// The second one.
        second: PathBuf,
    },
}

/// The details of [`CombineError::PartitionMismatch`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "shards were planned from different partitions: {} (shard {first_shard}, partition {first_fingerprint}) and {} (shard {second_shard}, partition {second_fingerprint}) disagree on {}; every shard must plan from the same inputs (the same history or --durations file; sharded runs do not update the history, `ptest merge --history` does)",
    first.display(),
    second.display(),
    super::partition::name_some(files)
)]
pub struct PartitionMismatch {
    /// The summary whose partition the others are compared with.
    pub first: PathBuf,
    /// Its shard label.
    pub first_shard: String,
    /// Its partition fingerprint.
    pub first_fingerprint: String,
    /// The summary that disagrees.
    pub second: PathBuf,
    /// Its shard label.
    pub second_shard: String,
    /// Its partition fingerprint.
    pub second_fingerprint: String,
    /// Each file the two put on different shards, with both placements.
    pub files: Vec<String>,
}

/// Combines the summaries `inputs` (each with the path it was read from, used
/// in errors and warnings). See the [module docs](self) for the rules.
pub fn combine(inputs: Vec<(PathBuf, RunSummary)>) -> Result<Combined, CombineError> {
    if inputs.is_empty() {
        return Err(CombineError::NoInputs);
    }
    let mut warnings = Vec::new();
    let missing_shards = check_shards(&inputs, &mut warnings)?;
    let agreed = partition::agreed(&inputs, &mut warnings)?.cloned();
    let agreed = agreed.as_ref();

    // Files, refusing duplicates: an entry is a file and, in a `--repeat`
    // run, its iteration.
    let mut entries: HashMap<(&str, Option<u32>), usize> = HashMap::new();
    for (index, (path, summary)) in inputs.iter().enumerate() {
        for file in &summary.files {
            let key = (file.id.as_str(), file.iteration);
            if let Some(&first) = entries.get(&key) {
                return Err(CombineError::Duplicate {
                    id: match file.iteration {
                        Some(k) => format!("{} [iteration {k}]", file.id),
                        None => file.id.clone(),
                    },
                    first: inputs[first].0.clone(),
                    second: path.clone(),
                });
            }
            entries.insert(key, index);
        }
    }
    let seen: HashMap<&str, usize> = entries.iter().map(|(&(id, _), &i)| (id, i)).collect();
    let unreported = agreed
        .map(|record| partition::not_run_anywhere(record, &inputs, &seen))
        .unwrap_or_default();
    let not_run_anywhere: Vec<String> = unreported.iter().map(|f| f.id.clone()).collect();
    let incomplete = incomplete(&inputs, &missing_shards, not_run_anywhere.len(), agreed);

    for (path, summary) in &inputs {
        if summary.totals != Totals::of(&summary.files) {
            warnings.push(format!(
                "{}: its recorded totals do not match its files; the totals were recomputed",
                path.display()
            ));
        }
        if summary.interrupted {
            warnings.push(format!(
                "{}: that run was interrupted; files it did not finish are NOT RUN",
                path.display()
            ));
        }
    }

    let started_at = earliest_start(&inputs, &mut warnings);

    let mut bail_out: Option<(&Path, &crate::outcome::BailOut)> = None;
    for (path, summary) in &inputs {
        if let Some(b) = &summary.bail_out {
            match bail_out {
                None => bail_out = Some((path, b)),
                Some((first_path, _)) => warnings.push(format!(
                    "{}: also bailed out (in {}: {}); the merged summary records only the first bail out, from {}",
                    path.display(),
                    b.file,
                    b.reason,
                    first_path.display()
                )),
            }
        }
    }
    let bail_out = bail_out.map(|(_, b)| b.clone());

    let run_id = format!("merged-{}", inputs[0].1.run_id);
    let wall = inputs.iter().map(|(_, s)| s.wall).max().unwrap_or_default();
    let jobs = inputs.iter().map(|(_, s)| s.jobs).sum();
    let interrupted = inputs.iter().any(|(_, s)| s.interrupted);
    let flaky_fails = inputs.iter().any(|(_, s)| s.flaky_fails);
    let repeat = super::repeat::merged_shape(&inputs, &mut warnings);
    let units = match inputs.iter().all(|(_, s)| s.units == UnitNoun::Test) {
        true => UnitNoun::Test,
        false => UnitNoun::File,
    };

    let mut files: Vec<_> = inputs
        .into_iter()
        .flat_map(|(_, s)| with_offsets(s).files)
        .collect();
    files.extend(unreported);
    files.sort_by(|a, b| a.id.cmp(&b.id).then(a.iteration.cmp(&b.iteration)));
    super::quarantine::link_stops(&mut files);
    let repeat = repeat
        .map(|(planned, until_fail)| crate::outcome::RepeatReport::of(&files, planned, until_fail));
    let summary = RunSummary {
        version: SUMMARY_VERSION,
        run_id,
        started_at,
        jobs,
        wall,
        shard: None,
        partition: None,
        incomplete,
        interrupted,
        bail_out,
        totals: Totals::of(&files),
        files,
        repeat,
        flaky_fails,
        units,
    };
    Ok(Combined {
        summary,
        missing_shards,
        not_run_anywhere,
        partition: agreed.cloned(),
        warnings,
    })
}

/// Why the merge is incomplete, for [`RunSummary::incomplete`]: missing
/// shards, planned files their shard did not report, and what merged inputs
/// already said (`missing shard 2; 1 file not reported by its shard`).
fn incomplete(
    inputs: &[(PathBuf, RunSummary)],
    missing_shards: &[usize],
    not_run_anywhere: usize,
    agreed: Option<&PartitionRecord>,
) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if !missing_shards.is_empty() {
        let list: Vec<String> = missing_shards.iter().map(|k| k.to_string()).collect();
        parts.push(format!(
            "missing shard{} {}",
            if list.len() == 1 { "" } else { "s" },
            list.join(", ")
        ));
    }
    // Files of missing shards are counted by the part above.
    let of_missing: usize = agreed.map_or(0, |record| {
        missing_shards
            .iter()
            .filter_map(|k| record.shards.get(k - 1))
            .map(Vec::len)
            .sum()
    });
    let others = not_run_anywhere.saturating_sub(of_missing);
    if others > 0 {
        parts.push(format!(
            "{others} file{} not reported by {} shard",
            if others == 1 { "" } else { "s" },
            if others == 1 { "its" } else { "their" }
        ));
    }
    parts.extend(inputs.iter().filter_map(|(_, s)| s.incomplete.clone()));
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Checks the shard labels and returns the shard numbers not given.
fn check_shards(
    inputs: &[(PathBuf, RunSummary)],
    warnings: &mut Vec<String>,
) -> Result<Vec<usize>, CombineError> {
    // (index into inputs, parsed shard) of every sharded input.
    let mut sharded: Vec<(usize, Shard)> = Vec::new();
    for (index, (path, summary)) in inputs.iter().enumerate() {
        let Some(label) = &summary.shard else {
            continue;
        };
        let shard: Shard = label.parse().map_err(|reason| CombineError::BadShard {
            path: path.clone(),
            reason,
        })?;
        if let Some(&(first, first_shard)) = sharded.first() {
            if first_shard.count != shard.count {
                return Err(CombineError::ShardCountMismatch {
                    first: inputs[first].0.clone(),
                    first_shard: first_shard.to_string(),
                    second: path.clone(),
                    second_shard: shard.to_string(),
                });
            }
        }
        if let Some(&(first, _)) = sharded.iter().find(|(_, s)| s.index == shard.index) {
            return Err(CombineError::SameShard {
                shard: shard.to_string(),
                first: inputs[first].0.clone(),
                second: path.clone(),
            });
        }
        sharded.push((index, shard));
    }
    let Some(&(_, first_shard)) = sharded.first() else {
        return Ok(Vec::new());
    };
    let count = first_shard.count;
    for (path, summary) in inputs {
        if summary.shard.is_none() {
            warnings.push(format!(
                "{} is not a shard while other summaries are shards of {count}; its files are merged as they are",
                path.display()
            ));
        }
    }
    Ok((1..=count)
        .filter(|k| !sharded.iter().any(|(_, s)| s.index == *k))
        .collect())
}

/// `summary` with `shard` and `offset` filled in for files of a summary
/// written without them (as [`combine`] does for each input): what a view
/// of one summary (`ptest report html`) reads.
pub fn with_offsets(mut summary: RunSummary) -> RunSummary {
    fill_timing(&mut summary);
    summary
}

/// Fills in `shard` and `offset` where a summary written before those
/// fields lacks them: the shard from its label, the offsets from its own
/// start time (so each shard's timeline starts at 0).
fn fill_timing(summary: &mut RunSummary) {
    let shard = summary
        .shard
        .as_deref()
        .and_then(|label| label.parse::<Shard>().ok())
        .map(|s| s.index);
    let start = parse_rfc3339(&summary.started_at)
        .map(|(secs, nanos)| secs as f64 + f64::from(nanos) / 1e9);
    for file in &mut summary.files {
        if file.shard.is_none() {
            file.shard = shard;
        }
        if let Some(start) = start {
            super::fill_offsets(file, start);
        }
    }
}

/// The earliest `started_at` of the inputs, as written in that input.
fn earliest_start(inputs: &[(PathBuf, RunSummary)], warnings: &mut Vec<String>) -> String {
    let mut earliest: Option<((i64, u32), &str)> = None;
    for (path, summary) in inputs {
        match parse_rfc3339(&summary.started_at) {
            Some(t) => {
                if earliest.is_none_or(|(e, _)| t < e) {
                    earliest = Some((t, &summary.started_at));
                }
            }
            None => warnings.push(format!(
                "{}: cannot read its start time `{}`; it is not used for the merged start time",
                path.display(),
                summary.started_at
            )),
        }
    }
    match earliest {
        Some((_, s)) => s.to_string(),
        None => inputs
            .first()
            .map(|(_, s)| s.started_at.clone())
            .unwrap_or_default(),
    }
}

/// Parses an RFC 3339 timestamp (`2026-11-23T04:46:38.123Z`, any fraction
/// length, `Z` or a `±HH:MM` offset) into seconds since the Unix epoch and
/// nanoseconds.
fn parse_rfc3339(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    if b.len() < 20 || !b[..19].is_ascii() {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let t = &s[from..to];
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        for (i, c) in fraction.bytes().take(digits.min(9)).enumerate() {
            nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let r = rest.as_bytes();
            if r.len() != 6 || r[3] != b':' || !rest.is_ascii() {
                return None;
            }
            let sign = match r[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hh: i64 = rest[1..3].parse().ok()?;
            let mm: i64 = rest[4..6].parse().ok()?;
            if hh > 23 || mm > 59 {
                return None;
            }
            sign * (hh * 3600 + mm * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some((
        days * 86_400 + hour * 3600 + minute * 60 + second - offset,
        nanos,
    ))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::ChildStatus;
    use crate::outcome::{BailOut, UnitSummary, Verdict};
    use crate::parse::{CaseResult, CaseStatus, Protocol};
    use crate::util::time::rfc3339;
    use std::time::{Duration, SystemTime};

    fn file(id: &str, verdict: Verdict, cases: usize) -> UnitSummary {
        let mut f = UnitSummary::not_run(id.into(), id.into(), "");
        f.verdict = verdict;
        f.reasons = Vec::new();
        f.protocol = Some(Protocol::Tap);
        f.status = Some(ChildStatus::Exited { code: 0 });
        f.duration = Some(Duration::from_millis(100));
        f.attempts = 1;
        f.cases = (1..=cases as u64)
            .map(|n| CaseResult {
                number: Some(n),
                name: format!("case {n}"),
                status: if verdict == Verdict::Fail && n == 1 {
                    CaseStatus::Fail
                } else {
                    CaseStatus::Pass
                },
                reason: None,
                diagnostics: String::new(),
                line: None,
                duration: None,
                ..Default::default()
            })
            .collect();
        f
    }

    fn run(
        run_id: &str,
        shard: Option<&str>,
        started_at: &str,
        wall_ms: u64,
        jobs: usize,
        files: Vec<UnitSummary>,
    ) -> RunSummary {
        crate::testing::SummaryFixture::new(files)
            .run_id(run_id)
            .started_at(started_at)
            .jobs(jobs)
            .wall(Duration::from_millis(wall_ms))
            .shard(shard)
            .build()
    }

    fn input(path: &str, summary: RunSummary) -> (PathBuf, RunSummary) {
        (PathBuf::from(path), summary)
    }

    /// Gives every sharded input the partition its files and labels imply
    /// (as `ptest --shard` records it), with fingerprint `fp`.
    fn partitioned(mut inputs: Vec<(PathBuf, RunSummary)>, fp: &str) -> Vec<(PathBuf, RunSummary)> {
        let shards: Vec<Shard> = inputs
            .iter()
            .filter_map(|(_, s)| s.shard.as_deref().and_then(|l| l.parse().ok()))
            .collect();
        let Some(count) = shards.first().map(|s| s.count) else {
            return inputs;
        };
        let mut planned = vec![Vec::new(); count];
        for ((_, summary), shard) in inputs.iter().zip(&shards) {
            planned[shard.index - 1] = summary.files.iter().map(|f| f.id.clone()).collect();
            planned[shard.index - 1].sort();
        }
        for (_, summary) in inputs.iter_mut().filter(|(_, s)| s.shard.is_some()) {
            summary.partition = Some(PartitionRecord {
                fingerprint: fp.into(),
                split: crate::outcome::SplitKind::Duration,
                shards: planned.clone(),
            });
        }
        inputs
    }

    #[test]
    fn combines_two_shards() {
        let a = run(
            "r-a",
            Some("1/2"),
            "2026-11-23T04:46:40.000Z",
            5_000,
            4,
            vec![
                file("t/c.t", Verdict::Pass, 2),
                file("t/a.t", Verdict::Fail, 3),
            ],
        );
        let mut b = run(
            "r-b",
            Some("2/2"),
            "2026-11-23T04:46:38.500Z",
            7_250,
            2,
            vec![
                file("t/b.t", Verdict::Skip, 0),
                file("t/d.t", Verdict::Pass, 1),
            ],
        );
        b.bail_out = Some(BailOut {
            file: "t/d.t".into(),
            reason: "db down".into(),
        });
        let inputs = partitioned(vec![input("s1.json", a), input("s2.json", b)], "f");
        let combined = combine(inputs).expect("combine");
        assert!(combined.missing_shards.is_empty());
        assert!(combined.not_run_anywhere.is_empty());
        assert_eq!(combined.summary.incomplete, None);
        assert_eq!(combined.summary.partition, None);
        assert!(combined.warnings.is_empty(), "{:?}", combined.warnings);
        let s = &combined.summary;
        let ids: Vec<_> = s.files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["t/a.t", "t/b.t", "t/c.t", "t/d.t"]);
        assert_eq!(s.totals.files.total, 4);
        assert_eq!(s.totals.files.passed, 2);
        assert_eq!(s.totals.files.failed, 1);
        assert_eq!(s.totals.files.skipped, 1);
        // 6 cases, and t/b.t skipped with none counts as one test.
        assert_eq!(s.totals.tests.total, 7);
        assert_eq!(s.totals.tests.failed, 1);
        assert_eq!(s.totals, Totals::of(&s.files));
        assert_eq!(s.wall, Duration::from_millis(7_250));
        assert_eq!(s.jobs, 6, "all machines' slots");
        assert_eq!(s.started_at, "2026-11-23T04:46:38.500Z");
        assert_eq!(s.run_id, "merged-r-a");
        assert_eq!(s.shard, None);
        assert_eq!(s.version, SUMMARY_VERSION);
        assert!(!s.interrupted);
        assert_eq!(s.bail_out.as_ref().map(|b| b.file.as_str()), Some("t/d.t"));
        assert!(s.has_failures());
    }

    #[test]
    fn duplicate_file_names_both_summaries() {
        let a = run(
            "a",
            Some("1/2"),
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/x.t", Verdict::Pass, 1)],
        );
        let b = run(
            "b",
            Some("2/2"),
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/x.t", Verdict::Fail, 1)],
        );
        let err =
            combine(vec![input("out/a.json", a), input("out/b.json", b)]).expect_err("duplicate");
        match &err {
            CombineError::Duplicate { id, first, second } => {
                assert_eq!(id, "t/x.t");
                assert_eq!(first, Path::new("out/a.json"));
                assert_eq!(second, Path::new("out/b.json"));
            }
            other => panic!("expected Duplicate, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("`t/x.t`") && msg.contains("out/a.json") && msg.contains("out/b.json"),
            "{msg}"
        );
    }

    #[test]
    fn shard_counts_must_agree() {
        let a = run("a", Some("1/2"), "2026-01-01T00:00:00.000Z", 1, 1, vec![]);
        let b = run("b", Some("2/3"), "2026-01-01T00:00:00.000Z", 1, 1, vec![]);
        let err = combine(vec![input("a.json", a), input("b.json", b)]).expect_err("mismatch");
        assert!(
            matches!(err, CombineError::ShardCountMismatch { .. }),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("a.json is shard 1/2") && msg.contains("b.json is shard 2/3"),
            "{msg}"
        );
    }

    #[test]
    fn same_shard_twice_is_an_error() {
        let a = run(
            "a",
            Some("2/3"),
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/a.t", Verdict::Pass, 1)],
        );
        let b = run(
            "b",
            Some("2/3"),
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/b.t", Verdict::Pass, 1)],
        );
        let err = combine(vec![input("x.json", a), input("y.json", b)]).expect_err("same shard");
        assert!(
            matches!(&err, CombineError::SameShard { shard, .. } if shard == "2/3"),
            "{err:?}"
        );
        assert!(err.to_string().contains("x.json") && err.to_string().contains("y.json"));
    }

    #[test]
    fn bad_shard_label_is_an_error() {
        let a = run("a", Some("5/4"), "2026-01-01T00:00:00.000Z", 1, 1, vec![]);
        let err = combine(vec![input("odd.json", a)]).expect_err("bad label");
        assert!(matches!(err, CombineError::BadShard { .. }), "{err:?}");
        assert!(
            err.to_string().contains("odd.json") && err.to_string().contains("5/4"),
            "{err}"
        );
    }

    #[test]
    fn missing_shards_are_listed() {
        let one = run(
            "a",
            Some("1/4"),
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/a.t", Verdict::Pass, 1)],
        );
        let three = run(
            "b",
            Some("3/4"),
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/b.t", Verdict::Pass, 1)],
        );
        let combined =
            combine(vec![input("3.json", three), input("1.json", one)]).expect("combine");
        assert_eq!(combined.missing_shards, [2, 4]);
        assert_eq!(combined.summary.files.len(), 2);
        // The first input (by argument order) names the run.
        assert_eq!(combined.summary.run_id, "merged-b");
    }

    #[test]
    fn empty_shards_are_valid() {
        let a = run("a", Some("1/3"), "2026-01-01T00:00:00.000Z", 10, 2, vec![]);
        let b = run(
            "b",
            Some("2/3"),
            "2026-01-01T00:00:01.000Z",
            20,
            2,
            vec![file("t/a.t", Verdict::Pass, 2)],
        );
        let c = run("c", Some("3/3"), "2026-01-01T00:00:02.000Z", 30, 2, vec![]);
        let inputs = partitioned(vec![input("a", a), input("b", b), input("c", c)], "f");
        let combined = combine(inputs).expect("combine");
        assert!(combined.missing_shards.is_empty());
        assert!(combined.warnings.is_empty(), "{:?}", combined.warnings);
        assert_eq!(combined.summary.totals.files.total, 1);
        assert_eq!(combined.summary.wall, Duration::from_millis(30));

        let alone = run("z", Some("1/1"), "2026-01-01T00:00:00.000Z", 1, 1, vec![]);
        let combined = combine(partitioned(vec![input("z", alone)], "f")).expect("combine");
        assert!(combined.summary.files.is_empty());
        assert_eq!(combined.summary.totals, Totals::default());
    }

    #[test]
    fn summaries_without_offsets_get_their_shard_and_offsets_from_their_own_start() {
        // Two shards started 10 s apart: each file's offset is from its own
        // shard's start; an attempt's too; a file with an offset keeps it.
        let at = |secs: u64| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        let mut a = file("t/a.t", Verdict::Pass, 1);
        a.started_at = Some(1_795_409_200.5);
        a.worker = Some(1);
        let mut retried = file("t/r.t", Verdict::Flaky, 1);
        retried.started_at = Some(1_795_409_213.0);
        let mut first = crate::outcome::AttemptRecord::of(&retried);
        first.started_at = Some(1_795_409_211.0);
        retried.attempt_results = vec![first];
        let mut kept = file("t/k.t", Verdict::Pass, 1);
        kept.started_at = Some(1_795_409_299.0);
        kept.offset = Some(Duration::from_millis(42));
        let inputs = partitioned(
            vec![
                input(
                    "s1.json",
                    run("r1", Some("1/2"), &at(1_795_409_200), 5000, 2, vec![a]),
                ),
                input(
                    "s2.json",
                    run(
                        "r2",
                        Some("2/2"),
                        &at(1_795_409_210),
                        5000,
                        2,
                        vec![retried, kept],
                    ),
                ),
            ],
            "fp",
        );
        let merged = combine(inputs).expect("merges").summary;
        let by_id = |id: &str| merged.files.iter().find(|f| f.id == id).expect(id);
        assert_eq!(by_id("t/a.t").shard, Some(1));
        assert_eq!(by_id("t/a.t").offset, Some(Duration::from_millis(500)));
        assert_eq!(by_id("t/r.t").shard, Some(2));
        assert_eq!(by_id("t/r.t").offset, Some(Duration::from_secs(3)));
        assert_eq!(
            by_id("t/r.t").attempt_results[0].offset,
            Some(Duration::from_secs(1))
        );
        assert_eq!(by_id("t/k.t").offset, Some(Duration::from_millis(42)));
    }

    #[test]
    fn unsharded_runs_merge_plainly() {
        let a = run(
            "a",
            None,
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/a.t", Verdict::Pass, 1)],
        );
        let b = run(
            "b",
            None,
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/b.t", Verdict::Pass, 1)],
        );
        let combined = combine(vec![input("a", a), input("b", b)]).expect("combine");
        assert!(combined.missing_shards.is_empty());
        assert!(combined.warnings.is_empty(), "{:?}", combined.warnings);
        assert_eq!(combined.summary.files.len(), 2);
    }

    #[test]
    fn mixing_shards_and_plain_runs_warns() {
        let a = run(
            "a",
            Some("1/2"),
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/a.t", Verdict::Pass, 1)],
        );
        let b = run(
            "b",
            None,
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/b.t", Verdict::Pass, 1)],
        );
        let inputs = partitioned(vec![input("a.json", a), input("plain.json", b)], "f");
        let combined = combine(inputs).expect("combine");
        assert_eq!(combined.missing_shards, [2]);
        assert_eq!(
            combined.summary.incomplete.as_deref(),
            Some("missing shard 2")
        );
        assert_eq!(combined.warnings.len(), 1, "{:?}", combined.warnings);
        assert!(
            combined.warnings[0].contains("plain.json is not a shard"),
            "{:?}",
            combined.warnings
        );
    }

    #[test]
    fn interruption_bail_outs_and_bad_totals_are_reported() {
        let mut a = run(
            "a",
            None,
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/a.t", Verdict::Pass, 1)],
        );
        a.bail_out = Some(BailOut {
            file: "t/a.t".into(),
            reason: "first".into(),
        });
        let mut b = run(
            "b",
            None,
            "2026-01-01T00:00:00.000Z",
            1,
            1,
            vec![file("t/b.t", Verdict::Fail, 2)],
        );
        b.interrupted = true;
        b.bail_out = Some(BailOut {
            file: "t/b.t".into(),
            reason: "second".into(),
        });
        b.totals = Totals::default(); // hand-edited or corrupt
        let combined = combine(vec![input("a.json", a), input("b.json", b)]).expect("combine");
        let s = &combined.summary;
        assert!(s.interrupted);
        assert_eq!(
            s.bail_out.as_ref().map(|b| b.reason.as_str()),
            Some("first")
        );
        assert_eq!(s.totals.tests.total, 3);
        let w = combined.warnings.join("\n");
        assert_eq!(combined.warnings.len(), 3, "{w}");
        assert!(
            w.contains("b.json: its recorded totals do not match"),
            "{w}"
        );
        assert!(w.contains("b.json: that run was interrupted"), "{w}");
        assert!(
            w.contains("b.json: also bailed out (in t/b.t: second)"),
            "{w}"
        );
    }

    #[test]
    fn earliest_start_understands_offsets_and_fractions() {
        let a = run("a", None, "2026-11-23T05:46:38.100+01:00", 1, 1, vec![]);
        let b = run("b", None, "2026-11-23T04:46:38.2Z", 1, 1, vec![]);
        let c = run("c", None, "not a time", 1, 1, vec![]);
        let combined = combine(vec![input("b", b), input("c", c), input("a", a)]).expect("combine");
        assert_eq!(combined.summary.started_at, "2026-11-23T05:46:38.100+01:00");
        assert_eq!(combined.warnings.len(), 1);
        assert!(combined.warnings[0].starts_with("c: cannot read its start time `not a time`"));
    }

    #[test]
    fn no_inputs_is_an_error() {
        assert!(matches!(combine(Vec::new()), Err(CombineError::NoInputs)));
    }

    #[test]
    fn parse_rfc3339_inverts_the_writer() {
        for millis in [0u64, 951_782_400_000, 1_795_409_198_123, 4_102_444_799_999] {
            let t = SystemTime::UNIX_EPOCH + Duration::from_millis(millis);
            let text = rfc3339(t);
            let (secs, nanos) = parse_rfc3339(&text).expect(&text);
            assert_eq!(
                secs * 1000 + i64::from(nanos / 1_000_000),
                millis as i64,
                "{text}"
            );
        }
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some((0, 0)));
        assert_eq!(
            parse_rfc3339("1969-12-31T23:59:59.5-00:00"),
            Some((-1, 500_000_000))
        );
        for bad in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00+0100",
            "2026/01/01T00:00:00Z",
            "2026-01-01T00:00:00Zjunk",
            "2026-01-01T00:00:0éZ",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    fn record(fp: &str, shards: &[&[&str]]) -> Option<PartitionRecord> {
        Some(PartitionRecord {
            fingerprint: fp.into(),
            split: crate::outcome::SplitKind::Duration,
            shards: shards
                .iter()
                .map(|ids| ids.iter().map(|id| id.to_string()).collect())
                .collect(),
        })
    }

    fn shard_run(label: &str, ids: &[&str]) -> RunSummary {
        let files = ids.iter().map(|id| file(id, Verdict::Pass, 1)).collect();
        run(label, Some(label), "2026-01-01T00:00:00.000Z", 1, 1, files)
    }

    #[test]
    fn planned_files_no_shard_reported_are_not_run_with_a_reason() {
        let mut one = shard_run("1/3", &["t/a.t"]);
        one.partition = record("f", &[&["t/a.t", "t/b.t"], &["t/c.t"], &[]]);
        let mut three = shard_run("3/3", &[]);
        three.partition = one.partition.clone();
        let combined =
            combine(vec![input("s1.json", one), input("s3.json", three)]).expect("combine");
        assert_eq!(combined.missing_shards, [2]);
        assert_eq!(combined.not_run_anywhere, ["t/b.t", "t/c.t"]);
        let s = &combined.summary;
        let verdicts: Vec<_> = s.files.iter().map(|f| (f.id.as_str(), f.verdict)).collect();
        assert_eq!(
            verdicts,
            [
                ("t/a.t", Verdict::Pass),
                ("t/b.t", Verdict::NotRun),
                ("t/c.t", Verdict::NotRun)
            ]
        );
        assert_eq!(
            s.files[1].reasons,
            ["not run: planned on shard 1/3, but s1.json does not report it"]
        );
        assert_eq!(
            s.files[2].reasons,
            ["not run: its shard 2/3 is not among the merged summaries"]
        );
        assert_eq!(s.totals.files.not_run, 2);
        assert_eq!(
            s.incomplete.as_deref(),
            Some("missing shard 2; 1 file not reported by its shard")
        );
        assert!(combined.warnings.is_empty(), "{:?}", combined.warnings);
    }

    #[test]
    fn shards_of_different_partitions_are_refused_naming_them() {
        let mut one = shard_run("1/2", &["t/a.t"]);
        one.partition = record("aaaaaaaaaaaa", &[&["t/a.t"], &["t/b.t", "t/c.t"]]);
        let mut two = shard_run("2/2", &["t/a.t", "t/c.t"]);
        two.partition = record("bbbbbbbbbbbb", &[&["t/b.t"], &["t/a.t", "t/c.t"]]);
        let err = combine(vec![input("s1.json", one), input("s2.json", two)])
            .expect_err("different partitions");
        match &err {
            CombineError::PartitionMismatch(m) => assert_eq!(
                m.files,
                &[
                    "t/a.t (shard 1 in s1.json, shard 2 in s2.json)",
                    "t/b.t (shard 2 in s1.json, shard 1 in s2.json)"
                ]
            ),
            other => panic!("expected PartitionMismatch, got {other:?}"),
        }
        let msg = err.to_string();
        for part in [
            "s1.json (shard 1/2, partition aaaaaaaaaaaa)",
            "s2.json (shard 2/2, partition bbbbbbbbbbbb)",
            "ptest merge --history",
        ] {
            assert!(msg.contains(part), "{part}: {msg}");
        }
    }

    #[test]
    fn same_placement_with_another_fingerprint_merges_with_a_warning() {
        let mut one = shard_run("1/2", &["t/a.t"]);
        one.partition = record("aaaaaaaaaaaa", &[&["t/a.t"], &["t/b.t"]]);
        let mut two = shard_run("2/2", &["t/b.t"]);
        two.partition = record("bbbbbbbbbbbb", &[&["t/a.t"], &["t/b.t"]]);
        let combined = combine(vec![input("s1.json", one), input("s2.json", two)]).expect("ok");
        assert_eq!(combined.summary.incomplete, None);
        assert_eq!(combined.warnings.len(), 1, "{:?}", combined.warnings);
        assert!(
            combined.warnings[0].contains("s2.json") && combined.warnings[0].contains("bbbb"),
            "{:?}",
            combined.warnings
        );
    }

    #[test]
    fn old_shards_without_a_partition_merge_with_a_warning() {
        let one = shard_run("1/2", &["t/a.t"]);
        let two = shard_run("2/2", &["t/b.t"]);
        let combined = combine(vec![input("old1.json", one), input("old2.json", two)])
            .expect("old summaries still merge");
        assert_eq!(combined.summary.files.len(), 2);
        assert_eq!(combined.warnings.len(), 2, "{:?}", combined.warnings);
        assert!(combined.warnings[0].starts_with("old1.json: shard 1/2 records no partition"));
        assert_eq!(combined.partition, None);
    }

    #[test]
    fn a_partition_that_does_not_fit_the_label_is_refused() {
        let mut one = shard_run("1/2", &["t/a.t"]);
        one.partition = record("f", &[&["t/a.t"]]);
        let err = combine(vec![input("odd.json", one)]).expect_err("bad record");
        assert!(matches!(err, CombineError::BadPartition { .. }), "{err:?}");
        assert!(
            err.to_string().contains("odd.json") && err.to_string().contains("into 1 shards"),
            "{err}"
        );
    }

    #[test]
    fn mismatch_lists_are_capped() {
        let items: Vec<String> = (1..=7).map(|n| format!("t/{n}.t")).collect();
        assert_eq!(
            partition::name_some(&items),
            "t/1.t, t/2.t, t/3.t, t/4.t, t/5.t and 2 more"
        );
        assert_eq!(partition::name_some(&items[..2]), "t/1.t, t/2.t");
    }
}
