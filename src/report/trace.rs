//! `--trace PATH`: the run as a Chrome trace-event file, which Perfetto
//! (`ui.perfetto.dev`) and `chrome://tracing` open.
//!
//! A function of the [`RunSummary`] through its [`Timeline`]: each shard is
//! a process (`pid` = K of `K/N`, 1 for a run without `--shard`), each slot
//! a thread (`tid` = slot index) named by `process_name` / `thread_name`
//! metadata events, and each attempt one complete event (`"ph": "X"`, `ts`
//! and `dur` in microseconds after its run's start) named by the file id,
//! with `id`, `verdict`, `attempt`, `expected` (seconds, or null) and
//! `command` in its `args`.

use super::timeline::{Lane, Timeline};
use crate::atomic::{write_atomically, AtomicWriteError};
use crate::outcome::RunSummary;
use serde_json::{json, Value};
use std::io;
use std::path::{Path, PathBuf};

/// Why the trace could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The directory to hold it could not be created.
    #[error("cannot create directory {} for the trace", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The file could not be written.
    #[error("cannot write the trace {}", path.display())]
    Write {
        /// The trace file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// The process id of a lane's shard: K, or 1 without shards; 0 for the
/// unsharded lanes of a merge that also has shards (so they stay apart).
fn pid(lane: &Lane, any_shard: bool) -> usize {
    match lane.shard {
        Some(k) => k,
        None if any_shard => 0,
        None => 1,
    }
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The trace of `summary` as a JSON value (`{"traceEvents": [...], ...}`).
pub fn trace(summary: &RunSummary) -> Value {
    let timeline = Timeline::of(summary);
    let any_shard = timeline.lanes.iter().any(|l| l.shard.is_some());
    let mut events = Vec::with_capacity(timeline.bars.len() + timeline.lanes.len() * 2 + 4);
    let mut last_pid = None;
    for lane in &timeline.lanes {
        let pid = pid(lane, any_shard);
        if last_pid != Some(pid) {
            last_pid = Some(pid);
            let name = match (lane.shard, &summary.shard) {
                (Some(k), Some(label)) if label.starts_with(&format!("{k}/")) => {
                    format!("shard {label}")
                }
                (Some(k), _) => format!("shard {k}"),
                (None, _) => format!("ptest run {}", summary.run_id),
            };
            events.push(
                json!({"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
                "args": {"name": name}}),
            );
            events.push(
                json!({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0,
                "args": {"sort_index": pid}}),
            );
        }
        events.push(
            json!({"ph": "M", "name": "thread_name", "pid": pid, "tid": lane.slot,
            "args": {"name": format!("slot {}", lane.slot)}}),
        );
        events.push(
            json!({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": lane.slot,
            "args": {"sort_index": lane.slot}}),
        );
    }
    for bar in &timeline.bars {
        let Some(file) = summary.files.get(bar.file) else {
            continue;
        };
        let Some(lane) = timeline.lanes.get(bar.lane) else {
            continue;
        };
        events.push(json!({
            "name": file.id,
            "cat": bar.verdict.label().to_lowercase(),
            "ph": "X",
            "ts": micros(bar.start),
            "dur": micros(bar.duration),
            "pid": pid(lane, any_shard),
            "tid": lane.slot,
            "args": {
                "id": file.id,
                "verdict": bar.verdict.label(),
                "attempt": bar.attempt,
                "expected": file.expected.map(|d| d.as_secs_f64()),
                "command": file.command,
            },
        }));
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "run_id": summary.run_id,
            "started_at": summary.started_at,
            "jobs": summary.jobs,
            "wall": summary.wall.as_secs_f64(),
        },
    })
}

/// Writes the trace of `summary` to `path` (atomically, creating parent
/// directories).
pub fn write_trace(summary: &RunSummary, path: &Path) -> Result<(), TraceError> {
    let value = trace(summary);
    write_atomically(path, |out| {
        serde_json::to_writer(&mut *out, &value).map_err(io::Error::from)?;
        out.write_all(b"\n")
    })
    .map_err(|e| match e {
        AtomicWriteError::CreateDir { dir, source } => TraceError::CreateDir { dir, source },
        AtomicWriteError::Write { path, source } => TraceError::Write { path, source },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::AttemptRecord;
    use crate::outcome::{UnitSummary, Verdict};
    use crate::testing::SummaryFixture;
    use std::time::Duration;

    fn ran(id: &str, slot: usize, start_ms: u64, ms: u64, verdict: Verdict) -> UnitSummary {
        let mut f = UnitSummary::not_run(id.into(), id.into(), "");
        f.verdict = verdict;
        f.reasons = Vec::new();
        f.attempts = 1;
        f.worker = Some(slot);
        f.offset = Some(Duration::from_millis(start_ms));
        f.duration = Some(Duration::from_millis(ms));
        f.expected = Some(Duration::from_millis(ms + 10));
        f.command = Some(format!("sh {id}"));
        f
    }

    /// A sharded run of three files: one retried (FAIL on slot 1, then
    /// PASS on slot 0) and an odd name.
    fn sample() -> RunSummary {
        let a = ran("t/a.sh", 0, 0, 300, Verdict::Pass);
        let mut b = ran("t/b.t", 1, 0, 100, Verdict::Flaky);
        b.attempts = 2;
        b.attempt_results = vec![
            AttemptRecord::of(&ran("t/b.t", 1, 0, 100, Verdict::Fail)),
            AttemptRecord {
                number: 2,
                ..AttemptRecord::of(&ran("t/b.t", 0, 300, 50, Verdict::Pass))
            },
        ];
        let odd = ran("t/</script>\"é.sh", 1, 120, 200, Verdict::Fail);
        let mut files = vec![a, b, odd];
        for f in &mut files {
            f.shard = Some(2);
        }
        SummaryFixture::new(files)
            .run_id("r1")
            .jobs(2)
            .shard(Some("2/3"))
            .wall(Duration::from_millis(400))
            .build()
    }

    #[test]
    fn the_trace_of_a_sample_run() {
        insta::assert_snapshot!(serde_json::to_string_pretty(&trace(&sample())).expect("encode"));
    }

    #[test]
    fn no_two_events_on_one_thread_overlap_and_every_thread_is_named() {
        let value = trace(&sample());
        let events = value["traceEvents"].as_array().expect("events");
        let complete: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(complete.len(), 4, "one event per attempt");
        let mut spans: Vec<(u64, u64, u64, u64)> = complete
            .iter()
            .map(|e| {
                let n = |k: &str| e[k].as_u64().expect(k);
                (n("pid"), n("tid"), n("ts"), n("ts") + n("dur"))
            })
            .collect();
        spans.sort();
        for w in spans.windows(2) {
            if (w[0].0, w[0].1) == (w[1].0, w[1].1) {
                assert!(w[0].3 <= w[1].2, "overlap on one thread: {w:?}");
            }
        }
        for (pid, tid, _, _) in &spans {
            assert!(events.iter().any(|e| e["ph"] == "M"
                && e["name"] == "thread_name"
                && e["pid"] == *pid
                && e["tid"] == *tid));
        }
        assert!(events
            .iter()
            .any(|e| e["name"] == "process_name" && e["args"]["name"] == "shard 2/3"));
    }

    #[test]
    fn written_trace_reads_back_as_json() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("deep/trace.json");
        write_trace(&sample(), &path).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        let back: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(back, trace(&sample()));
    }
}
