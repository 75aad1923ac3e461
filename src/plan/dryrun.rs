//! The plain-text plan printed by `--dry-run`.

use super::{Order, Plan};
use crate::util::duration::format_duration;
use std::fmt::Write;

/// Renders the plan as plain text: one line per file in dispatch order
/// (position, expected duration, its source, id; `failed last time` marked),
/// then the totals, predictions, shard and warnings. No color; no trailing
/// spaces; ends with a newline.
///
/// ```text
///   #  expected  source     file
///   1     42.0s  history    tests/slow.t  (failed last time)
///   2      9.8s  estimated  tests/new.t
///
/// files:           2
/// sum of expected: 51.8s
/// jobs:            2
/// predicted wall:  42.0s
/// lower bound:     42.0s
/// order:           failed-first
/// ```
pub fn render_dry_run(plan: &Plan) -> String {
    let mut out = String::new();
    let rows: Vec<[String; 4]> = plan
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut id = e.file.id.to_string();
            if plan.timed_out.contains(e.file.id.as_str()) {
                id.push_str("  (timed out: expected is only its timeout)");
            } else if plan.failed_last_time.contains(e.file.id.as_str()) {
                id.push_str("  (failed last time)");
            }
            [
                (i + 1).to_string(),
                e.expected.map_or_else(|| "?".to_string(), format_duration),
                e.source.label().to_string(),
                id,
            ]
        })
        .collect();
    let noun = plan.noun();
    let header = ["#", "expected", "source", noun.singular()];
    let width = |col: usize| {
        rows.iter()
            .map(|r| r[col].chars().count())
            .chain([header[col].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for row in std::iter::once(header.map(String::from)).chain(rows) {
        let _ = writeln!(
            out,
            "{:>w0$}  {:>w1$}  {:<w2$}  {}",
            row[0], row[1], row[2], row[3]
        );
    }
    if plan.entries.is_empty() {
        out.push_str("(no files)\n");
    }
    out.push('\n');

    let known = plan.entries.is_empty() || plan.entries.iter().any(|e| e.expected.is_some());
    let or_unknown = |d| {
        if known {
            format_duration(d)
        } else {
            "unknown (no durations known)".to_string()
        }
    };
    let mut summary: Vec<(String, String)> = vec![
        (noun.plural().into(), plan.entries.len().to_string()),
        ("sum of expected".into(), or_unknown(plan.total_expected())),
        ("jobs".into(), plan.jobs.to_string()),
        ("predicted wall".into(), or_unknown(plan.predicted_wall())),
        ("lower bound".into(), {
            let bound = plan.bound(
                |i| plan.entries[i].expected,
                |i| plan.entries[i].expected_cpu,
            );
            if bound.constrained && known {
                format!("{} ({})", format_duration(bound.value), bound.describe())
            } else {
                or_unknown(bound.value)
            }
        }),
    ];
    let order = match plan.order {
        Order::Random(Some(_)) => format!("{} (repeat with --order {})", plan.order, plan.order),
        other => other.to_string(),
    };
    summary.push(("order".into(), order));
    if let Some(info) = &plan.shard {
        let mine = info.shard.index.wrapping_sub(1);
        let (this, others): (String, Vec<String>) = if info.hash_split {
            let fmt = |n: usize| format!("{n} file{}", if n == 1 { "" } else { "s" });
            (
                fmt(info.counts.get(mine).copied().unwrap_or(0)),
                info.counts
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != mine)
                    .map(|(_, &n)| n.to_string())
                    .collect(),
            )
        } else {
            (
                format_duration(info.totals.get(mine).copied().unwrap_or_default()),
                info.totals
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != mine)
                    .map(|(_, &d)| format_duration(d))
                    .collect(),
            )
        };
        let mut line = this;
        if !others.is_empty() {
            let _ = write!(line, " (others: {})", others.join(", "));
        }
        if info.hash_split {
            line.push_str("; split by id hash: no durations known");
        }
        summary.push((format!("shard {}", info.shard), line));
        summary.push((
            "partition".into(),
            format!("{} (must be the same on every shard)", info.fingerprint),
        ));
    }
    let label_width = summary
        .iter()
        .map(|(k, _)| k.chars().count() + 1)
        .max()
        .unwrap_or(0);
    for (label, value) in summary {
        let _ = writeln!(out, "{:<label_width$} {value}", format!("{label}:"));
    }
    let warnings = plan.warnings();
    if !warnings.is_empty() {
        out.push_str("warnings:\n");
        for w in warnings {
            let _ = writeln!(out, "  {w}");
        }
    }
    out
}
