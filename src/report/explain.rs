//! What `ptest explain FILE…` and `ptest --list --explain` print: the
//! run-wide settings and each file's resolved command, protocol and
//! settings, each with where it came from.
//!
//! A printout of data resolved before ([`Settings`] with its sources, and
//! each [`Unit`] with its [`crate::unit::UnitSettings::sources`]); nothing
//! is resolved again here.

use super::escape;
use crate::config::{
    layer::{Source, Sourced},
    settings::Settings,
};
use crate::parse::Protocol;
use crate::unit::{Runner, Unit};
use crate::util::duration::format_duration;
use std::path::PathBuf;
use std::time::Duration;

/// One `key  value  source` row.
type Row = (String, String, String);

fn row<T>(key: &str, value: &Sourced<T>, show: impl Fn(&T) -> String) -> Row {
    (
        key.to_string(),
        show(&value.value),
        value.source.to_string(),
    )
}

fn duration_or(value: &Option<Duration>, none: &str) -> String {
    value.map_or_else(|| none.to_string(), format_duration)
}

fn path_or(value: &Option<PathBuf>, none: &str) -> String {
    value
        .as_ref()
        .map_or_else(|| none.to_string(), |p| p.display().to_string())
}

fn list(values: &[String]) -> String {
    if values.is_empty() {
        "(none)".to_string()
    } else {
        values.join(", ")
    }
}

/// The run-wide rows, in the order of the table in `docs/config.md`.
fn run_rows(s: &Settings) -> Vec<Row> {
    let mut rows = vec![
        (
            "config".to_string(),
            path_or(&s.config, "(none found)"),
            "--config, PTEST_CONFIG, or ptest.toml here or above".to_string(),
        ),
        match &s.profile {
            Some(p) => row("profile", p, String::clone),
            None => (
                "profile".into(),
                "(none)".into(),
                Source::Default.to_string(),
            ),
        },
        match (&s.shard, &s.shard_from) {
            (Some(shard), Some(from)) => (
                "shard".into(),
                shard.to_string(),
                format!("--shard auto: {}", from.describe()),
            ),
            (Some(shard), None) => ("shard".into(), shard.to_string(), "--shard".into()),
            (None, _) => ("shard".into(), "(none)".into(), Source::Default.to_string()),
        },
        row("jobs", &s.jobs, |j| match j {
            crate::config::Jobs::Auto => format!("auto ({})", j.resolve()),
            crate::config::Jobs::Count(n) => n.to_string(),
        }),
        row("timeout", &s.timeout, |t| duration_or(t, "none")),
        row("grace", &s.grace, |d| format_duration(*d)),
        row("global-timeout", &s.global_timeout, |t| {
            duration_or(t, "none")
        }),
        row("retries", &s.retries, u32::to_string),
        row("retry-delay", &s.retry_delay, |d| format_duration(*d)),
        row("retry-backoff", &s.retry_backoff, |b| b.to_string()),
        row("retry-max-delay", &s.retry_max_delay, |d| {
            format_duration(*d)
        }),
        row("flaky-result", &s.flaky_fail, |f| {
            if *f { "fail" } else { "pass" }.to_string()
        }),
        row("slow", &s.slow, |t| duration_or(t, "none")),
        row("fail-fast", &s.fail_fast, bool::to_string),
        row("max-fail", &s.max_fail, |n| {
            n.map_or("none".into(), |n| n.to_string())
        }),
        row("order", &s.order, |o| o.to_string()),
        row("include", &s.include, |v| list(v)),
        row("exclude", &s.exclude, |v| list(v)),
        row("history", &s.history, |p| path_or(p, "off")),
        row("state-dir", &s.state_dir, |p| p.display().to_string()),
        row("junit", &s.junit, |p| path_or(p, "none")),
        row("json", &s.json, |p| path_or(p, "none")),
        row("keep-logs", &s.keep_logs, bool::to_string),
        row("color", &s.color, |c| c.to_string()),
        row("load-limit", &s.load_limit, |l| {
            l.map_or("none".into(), |l| l.to_string())
        }),
        row("mem-budget", &s.mem_budget, |m| {
            m.map_or("none".into(), |m| format!("{m} bytes"))
        }),
        row("exec", &s.exec, |e| {
            e.clone().unwrap_or_else(|| "none".into())
        }),
    ];
    if s.quarantine_flaky.value.is_some() {
        rows.push(row("quarantine-flaky", &s.quarantine_flaky, |r| {
            r.map_or("none".into(), |r| r.to_string())
        }));
    }
    for (name, value) in &s.env {
        rows.push(row(&format!("env.{name}"), value, String::clone));
    }
    for (name, threads) in &s.groups {
        rows.push((
            format!("groups.{name}"),
            format!("max-threads {threads}"),
            path_or(&s.config, "ptest.toml"),
        ));
    }
    rows
}

/// Where a per-file key came from: its recorded source, else `fallback`.
fn source_of(unit: &Unit, key: &str, fallback: &str) -> String {
    unit.settings
        .sources
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map_or_else(|| fallback.to_string(), |(_, s)| s.clone())
}

fn command_text(unit: &Unit) -> String {
    match unit.argv() {
        Ok(argv) => shell_words::join(argv.iter().map(|a| a.to_string_lossy().into_owned())),
        Err(reason) => format!("cannot run: {reason}"),
    }
}

/// The rows of one file.
fn unit_rows(settings: &Settings, unit: &Unit) -> Vec<Row> {
    let builtin = match (&settings.exec.value, unit.runner()) {
        (_, Runner::Unrunnable { .. }) => "discovery".to_string(),
        (Some(_), _) => format!("--exec ({})", settings.exec.source),
        (None, _) => "built-in (by extension, #! line or executable bit)".to_string(),
    };
    let run_wide = |value: &dyn std::fmt::Display, source: &Source| -> (String, String) {
        (value.to_string(), format!("run-wide: {source}"))
    };
    let s = &unit.settings;
    let (timeout, timeout_source) = match s.timeout {
        Some(t) => (format_duration(t), source_of(unit, "timeout", "")),
        None => run_wide(
            &duration_or(&settings.timeout.value, "none"),
            &settings.timeout.source,
        ),
    };
    let (slow, slow_source) = match s.slow {
        Some(t) if t.is_zero() => ("none".to_string(), source_of(unit, "slow", "")),
        Some(t) => (format_duration(t), source_of(unit, "slow", "")),
        None => run_wide(
            &duration_or(&settings.slow.value, "none"),
            &settings.slow.source,
        ),
    };
    let (retries, retries_source) = match s.retries {
        Some(n) => (n.to_string(), source_of(unit, "retries", "")),
        None => run_wide(&settings.retries.value, &settings.retries.source),
    };
    let default = Source::Default.to_string();
    let deps: Vec<String> = s.depends_on.iter().map(|d| d.to_string()).collect();
    let mut rows = vec![
        (
            "command".to_string(),
            command_text(unit),
            source_of(unit, "runner", &builtin),
        ),
        (
            "protocol".to_string(),
            match unit.protocol {
                Some(Protocol::Tap) => "tap",
                Some(Protocol::ExitCode) => "exit",
                Some(Protocol::Junit) => "junit",
                Some(Protocol::Libtest) => "libtest",
                None => {
                    "auto (JUnit report if written, else TAP if it looks like TAP, else exit code)"
                }
            }
            .to_string(),
            source_of(unit, "runner", &builtin),
        ),
        (
            "cwd".to_string(),
            unit.cwd.as_ref().map_or_else(
                || "(where ptest runs)".to_string(),
                |d| d.display().to_string(),
            ),
            source_of(unit, "runner", &default),
        ),
        ("timeout".to_string(), timeout, timeout_source),
        ("slow".to_string(), slow, slow_source),
        ("retries".to_string(), retries, retries_source),
        (
            "exclusive".to_string(),
            s.exclusive.to_string(),
            source_of(unit, "exclusive", &default),
        ),
        (
            "group".to_string(),
            s.group.clone().unwrap_or_else(|| "none".into()),
            source_of(unit, "group", &default),
        ),
        (
            "weight".to_string(),
            s.weight.to_string(),
            source_of(unit, "weight", &default),
        ),
        (
            "depends-on".to_string(),
            list(&deps),
            source_of(unit, "depends-on", &default),
        ),
        (
            "skip".to_string(),
            s.skip.clone().unwrap_or_else(|| "no".into()),
            source_of(unit, "skip", &default),
        ),
        (
            "quarantine".to_string(),
            s.quarantine.to_string(),
            source_of(unit, "quarantine", &default),
        ),
    ];
    if !s.quarantine_tests.is_empty() {
        rows.push((
            "quarantine-tests".to_string(),
            list(&s.quarantine_tests),
            source_of(unit, "quarantine-tests", &default),
        ));
    }
    for (name, value) in &unit.env {
        let key = format!("env.{}", name.to_string_lossy());
        let fallback = settings
            .env
            .get(name.to_string_lossy().as_ref())
            .map_or_else(|| default.clone(), |v| format!("run-wide: {}", v.source));
        let source = source_of(unit, &key, &fallback);
        rows.push((key, value.to_string_lossy().into_owned(), source));
    }
    rows
}

/// `  key  value  source` lines, aligned.
fn table(rows: &[Row]) -> String {
    let key_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let value_width = rows
        .iter()
        .map(|r| escape::width(&r.1))
        .max()
        .unwrap_or(0)
        .min(48);
    let mut text = String::new();
    for (key, value, source) in rows {
        text.push_str(&format!(
            "  {key:<key_width$}  {}  {source}\n",
            escape::pad(&escape::for_terminal(value), value_width)
        ));
    }
    text
}

/// The whole explanation: run-wide settings, then every unit.
pub fn render(settings: &Settings, units: &[Unit]) -> String {
    let mut text = String::from("Run-wide settings:\n");
    text.push_str(&table(&run_rows(settings)));
    for unit in units {
        text.push_str(&format!("\n{}\n", escape::for_terminal(&unit.id)));
        text.push_str(&table(&unit_rows(settings, unit)));
    }
    text
}

/// The test-looking files git's ignore rules left out of the run, each
/// with its rule (`` `*.sh` in t/.gitignore``).
pub fn render_ignored(ignored: &[crate::discover::IgnoredFile]) -> String {
    let width = ignored
        .iter()
        .map(|f| escape::width(&f.id))
        .max()
        .unwrap_or(0);
    let mut text = String::from("left out by git's ignore rules (name them to run them):\n");
    for file in ignored {
        text.push_str(&format!(
            "  {}  ignored by {}\n",
            escape::pad(&file.id, width),
            escape::for_terminal(&file.rule)
        ));
    }
    text
}
