//! Text views more than one command prints, as pure functions of plain
//! data (a [`Plan`], a [`RunSummary`], a merge's [`Combined`]), so they are
//! tested on fixtures and reviewed as snapshots:
//!
//! * the `--list` table ([`render_list`]) and its shard line
//!   ([`list_shard_line`]);
//! * the `Bound:` line under a run's summary ([`schedule_note`]);
//! * the line for a shard with no files ([`empty_shard_note`]);
//! * what `ptest merge` prints: its failures ([`render_failures`]) and
//!   its notes ([`merge_notes`]).

use super::console::{render_details, render_file_line_in, shown_label, Palette};
use super::escape;
use crate::aggregate::shards::Combined;
use crate::outcome::{RunSummary, UnitSummary};
use crate::parse::Protocol;
use crate::plan::Plan;
use crate::util::duration::format_duration;
use std::time::Duration;

/// How many files that ran on no shard `ptest merge` names on the console.
pub const NAMED_NOT_RUN: usize = 10;

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The timing line under the summary: wall time against the lower bound of
/// this run's durations, and against what the plan predicted. Empty with
/// fewer than two timed files. With scheduling constraints or CPU times the
/// bound is the plan's constrained one ([`Plan::bound`]) and says what sets
/// it. A retried file counts with all its attempts: they ran one after
/// another.
pub fn schedule_note(plan: &Plan, summary: &RunSummary) -> String {
    let durations: Vec<Duration> = summary
        .files
        .iter()
        .filter_map(UnitSummary::time_spent)
        .collect();
    if durations.len() < 2 {
        return String::new();
    }
    let by_id: std::collections::HashMap<&str, &UnitSummary> =
        summary.files.iter().map(|f| (f.id.as_str(), f)).collect();
    let of = |i: usize| by_id.get(plan.entries[i].file.id.as_str()).copied();
    let constrained = plan.bound(
        |i| of(i).and_then(UnitSummary::time_spent),
        |i| of(i).and_then(|f| f.cpu),
    );
    let (bound, how) = if constrained.constrained {
        (constrained.value, constrained.describe_with(summary.units))
    } else {
        let slots = plan.jobs.min(durations.len()).max(1) as u32;
        let sum: Duration = durations.iter().sum();
        let longest = durations.iter().max().copied().unwrap_or_default();
        (
            (sum / slots).max(longest),
            constrained.describe_with(summary.units),
        )
    };
    let mut note = format!(
        "Bound:  {} lower bound {how}; wall is {:.2}x of it",
        format_duration(bound),
        summary.wall.as_secs_f64() / bound.as_secs_f64().max(1e-6)
    );
    if plan.entries.iter().any(|e| e.expected.is_some()) {
        note.push_str(&format!(
            "; plan predicted {}",
            format_duration(plan.predicted_wall())
        ));
    }
    if let Some(info) = &plan.shard {
        note.push_str(&format!("; shard {}", info.shard));
    }
    note.push('\n');
    note
}

/// What a shard with no files prints (more shards than files); `None`
/// without a shard.
pub fn empty_shard_note(plan: &Plan) -> Option<String> {
    let info = plan.shard.as_ref()?;
    let total: usize = info.counts.iter().sum();
    Some(format!(
        "Shard {} has no files ({total} file{} across {} shards): nothing to run.\n",
        info.shard,
        plural(total),
        info.shard.count
    ))
}

/// `--list` with `--shard`: the line (for stderr) naming the split and the
/// shards' planned totals; `None` without a shard.
pub fn list_shard_line(plan: &Plan) -> Option<String> {
    let info = plan.shard.as_ref()?;
    let totals: Vec<String> = info
        .totals
        .iter()
        .zip(&info.counts)
        .enumerate()
        .map(|(i, (t, n))| {
            let mark = if i + 1 == info.shard.index { "*" } else { "" };
            let files = format!("{n} file{}", plural(*n));
            if info.hash_split {
                format!("{}{mark}: {files}", i + 1)
            } else {
                format!("{}{mark}: {files}, {}", i + 1, format_duration(*t))
            }
        })
        .collect();
    Some(format!(
        "shard {} of a {} split ({}) — {}",
        info.shard,
        if info.hash_split {
            "hash"
        } else {
            "duration-balanced"
        },
        totals.join(" · "),
        if info.hash_split {
            "duration unknown: no file has a recorded or imported duration"
        } else {
            "planned durations"
        }
    ))
}

/// `--list`: one line per file with its protocol and runner (only this
/// shard's files with `--shard`), sorted by id for reading and diffing
/// (`--dry-run` shows the start order). Names are escaped and aligned by
/// display width (see [`escape`]).
pub fn render_list(plan: &Plan) -> String {
    let width = plan
        .entries
        .iter()
        .map(|e| escape::width(&e.file.id))
        .max()
        .unwrap_or(0);
    let mut entries: Vec<_> = plan.entries.iter().collect();
    entries.sort_by(|a, b| a.file.id.cmp(&b.file.id));
    let mut text = String::new();
    for entry in entries {
        let f = &entry.file;
        let runner = f.runner_text();
        let protocol = match f.protocol {
            Some(Protocol::Tap) => "tap",
            Some(Protocol::ExitCode) => "exit-code",
            Some(Protocol::Junit) => "junit",
            Some(Protocol::Libtest) => "libtest",
            None => "tap-or-exit-code",
        };
        let selected = f
            .settings
            .sources
            .iter()
            .find(|(key, _)| key == crate::plan::SELECTED_KEY)
            .map_or_else(String::new, |(_, why)| {
                format!("  (selected {})", escape::for_terminal(why))
            });
        text.push_str(&format!(
            "{}  {:<16}  {}{selected}\n",
            escape::pad(&f.id, width),
            protocol,
            escape::for_terminal(&runner)
        ));
    }
    text
}

/// `ptest merge`'s listing of failing files: each one's line and details,
/// as a run prints them.
pub fn render_failures(summary: &RunSummary, palette: &Palette) -> String {
    let failing: Vec<_> = summary
        .files
        .iter()
        .filter(|f| f.verdict.is_failure())
        .collect();
    let width = failing
        .iter()
        .map(|f| shown_label(f).len())
        .max()
        .unwrap_or(0);
    failing
        .iter()
        .map(|file| {
            render_file_line_in(file, file.verdict.label(), width, palette)
                + &render_details(file, palette)
        })
        .collect()
}

/// The merge's notes under the summary: missing shards, and the planned
/// files no shard reported (named, up to [`NAMED_NOT_RUN`]).
pub fn merge_notes(combined: &Combined) -> String {
    let mut notes = String::new();
    if !combined.missing_shards.is_empty() {
        let list: Vec<String> = combined
            .missing_shards
            .iter()
            .map(|k| k.to_string())
            .collect();
        notes.push_str(&format!(
            "Missing shard{}: {} ({})\n",
            plural(list.len()),
            list.join(", "),
            if combined.partition.is_some() {
                "their files are NOT RUN in this report"
            } else {
                "their files are not in this report: the summaries record no partition"
            }
        ));
    }
    let ids = &combined.not_run_anywhere;
    if !ids.is_empty() {
        let named: Vec<&str> = ids.iter().take(NAMED_NOT_RUN).map(String::as_str).collect();
        let more = ids.len().saturating_sub(NAMED_NOT_RUN);
        notes.push_str(&format!(
            "Not run on any shard: {} file{}: {}{}\n",
            ids.len(),
            plural(ids.len()),
            named.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    notes
}
