//! Console output: one aligned line per finished file, details for failing
//! files, a progress bar on a terminal, and the final summary.
//!
//! Colors on a terminal unless `NO_COLOR` is set (`--color always`: always,
//! `never`: never; `CI` does not matter); no progress bar when
//! stdout/stderr are not terminals or `CI` is set.
//! On a terminal every line is fitted to its width: printed lines wrap
//! ([`fit::wrap`]), the progress line is cut ([`super::progress`]).

use super::fit;
use super::progress::{Model, Progress};
use crate::config::cli::ColorWhen;
use crate::config::format_duration;
use crate::merge::{FileSummary, RunSummary, Verdict};
use crate::parse::CaseStatus;
use crate::plan::Plan;
use crate::run::RunEvent;
use console::Style;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Failures and the summary only.
    Quiet,
    /// A line per file, details for failures, the summary.
    Normal,
    /// Also the output of passing files.
    Verbose,
}

/// Console settings, resolved from flags and the environment.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleOptions {
    /// Use ANSI colors.
    pub color: bool,
    /// Draw a live progress bar.
    pub progress: bool,
    /// How much to print.
    pub verbosity: Verbosity,
}

impl ConsoleOptions {
    /// Resolves `--color`, `-q`/`-v`, the terminal and `NO_COLOR`/`CI`.
    pub fn detect(color: ColorWhen, quiet: bool, verbose: bool) -> ConsoleOptions {
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        let color = match color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => tty && !no_color,
        };
        ConsoleOptions {
            color,
            progress: tty && std::io::stderr().is_terminal() && !ci,
            verbosity: if quiet {
                Verbosity::Quiet
            } else if verbose {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            },
        }
    }
}

/// The styles used for each part of the output.
#[derive(Debug, Clone)]
pub struct Palette {
    pass: Style,
    fail: Style,
    skip: Style,
    dim: Style,
    bold: Style,
}

impl Palette {
    /// Styles that emit color only when `color` is true.
    pub fn new(color: bool) -> Palette {
        let s = |style: Style| style.force_styling(color);
        Palette {
            pass: s(Style::new().green()),
            fail: s(Style::new().red().bold()),
            skip: s(Style::new().yellow()),
            dim: s(Style::new().dim()),
            bold: s(Style::new().bold()),
        }
    }

    fn verdict(&self, v: Verdict) -> &Style {
        match v {
            Verdict::Pass => &self.pass,
            Verdict::Fail | Verdict::Timeout | Verdict::Error => &self.fail,
            Verdict::Skip => &self.skip,
            Verdict::NotRun => &self.dim,
        }
    }
}

/// Width of the verdict column (`NOT RUN`).
const LABEL_WIDTH: usize = 7;

/// Live console reporter, fed with run events.
pub struct Console {
    options: ConsoleOptions,
    palette: Palette,
    /// The live progress bar, from the start of the run until its end or
    /// an interrupt.
    progress: Option<Progress>,
    /// What the progress bar starts from (taken when it starts).
    model: Option<Model>,
    ids: Vec<String>,
    /// The plan's predicted wall time, when it has expectations.
    predicted: Option<Duration>,
    running: BTreeMap<usize, Instant>,
}

impl Console {
    /// A reporter for `plan`.
    pub fn new(options: ConsoleOptions, plan: &Plan) -> Console {
        Console {
            options,
            palette: Palette::new(options.color),
            progress: None,
            model: Some(Model::new(
                plan.entries.iter().map(|e| e.file.id.clone()).collect(),
                plan.entries.iter().map(|e| e.expected).collect(),
                plan.jobs,
            )),
            ids: plan.entries.iter().map(|e| e.file.id.clone()).collect(),
            predicted: plan
                .entries
                .iter()
                .any(|e| e.expected.is_some())
                .then(|| plan.predicted_wall()),
            running: BTreeMap::new(),
        }
    }

    /// Prints through the progress bar (if any) so it is not torn.
    fn print(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        let text = text.strip_suffix('\n').unwrap_or(text);
        match &self.progress {
            Some(progress) => progress.suspend(|| out(&format!("{text}\n"))),
            None => out(&format!("{text}\n")),
        }
    }

    /// Handles one event; `finished` is the merged summary of a file that
    /// just finished or was marked not run.
    pub fn on_event(&mut self, event: &RunEvent, finished: Option<&FileSummary>) {
        match event {
            RunEvent::RunStarted { jobs, total, .. } => {
                if self.options.verbosity != Verbosity::Quiet {
                    let expected = self
                        .predicted
                        .map(|p| format!(", expected to take {}", format_duration(p)))
                        .unwrap_or_default();
                    self.print(&format!(
                        "{}",
                        self.palette.dim.apply_to(format!(
                            "Running {total} file{} on {jobs} job{}{expected}",
                            plural(*total),
                            plural(*jobs)
                        ))
                    ));
                }
                if let (true, Some(model)) = (self.options.progress, self.model.take()) {
                    self.progress = Some(Progress::start(model, self.options.color));
                }
            }
            RunEvent::FileStarted { index, .. } => {
                let now = Instant::now();
                self.running.insert(*index, now);
                self.update_progress(|m| m.started(*index, now));
            }
            RunEvent::FileFinished(run) => {
                self.running.remove(&run.index);
                let failed = finished.is_some_and(|f| f.verdict.is_failure());
                let now = Instant::now();
                self.update_progress(|m| m.finished(run.index, failed, now));
                if let Some(summary) = finished {
                    self.print_file(summary);
                }
                if let Some(progress) = &self.progress {
                    progress.advance();
                }
            }
            RunEvent::BailOut { index, reason } => {
                let id = self.ids.get(*index).cloned().unwrap_or_default();
                self.print(&format!(
                    "{} {id}: Bail out! {reason} — starting no more files",
                    self.palette.fail.apply_to("BAIL OUT")
                ));
            }
            RunEvent::Interrupted { signal } => {
                // No bar from here on: what is left is stopping files, and
                // a bar redrawn under the echoed ^C leaves copies behind.
                if let Some(progress) = self.progress.take() {
                    progress.clear();
                }
                self.print(&format!(
                    "{} ({}) — stopping {} running file{}; press Ctrl-C again to kill them now",
                    self.palette.fail.apply_to("Interrupted"),
                    crate::run::process::signal_name(*signal),
                    self.running.len(),
                    plural(self.running.len())
                ));
            }
            RunEvent::NotRun { index, .. } => {
                self.update_progress(|m| m.not_run(*index));
                if let Some(progress) = &self.progress {
                    progress.advance();
                }
            }
        }
    }

    fn update_progress(&self, change: impl FnOnce(&mut Model)) {
        if let Some(progress) = &self.progress {
            progress.update(change);
        }
    }

    fn print_file(&self, f: &FileSummary) {
        let show = match self.options.verbosity {
            Verbosity::Quiet => f.verdict.is_failure(),
            Verbosity::Normal | Verbosity::Verbose => true,
        };
        if !show {
            return;
        }
        let mut text = render_file_line(f, &self.palette);
        if f.verdict.is_failure() || f.leaked > 0 {
            text.push_str(&render_details(f, &self.palette));
        } else if self.options.verbosity == Verbosity::Verbose {
            text.push_str(&render_output(f, &self.palette, true));
        }
        self.print(&text);
    }

    /// Clears the progress bar and prints the final summary.
    pub fn finish(&mut self, summary: &RunSummary, extra: &str) {
        if let Some(progress) = self.progress.take() {
            progress.clear();
        }
        out(&render_summary(summary, &self.palette, extra));
    }
}

/// Writes to stdout, ignoring errors: when the reader went away
/// (`ptest | head`), the run goes on and still writes its reports, history
/// and exit code; only the console output is lost. On a terminal, long
/// lines are wrapped to its width ([`fit::wrap`]); elsewhere (a pipe, a CI
/// log) they are written as they are.
pub fn out(text: &str) {
    use std::io::Write;
    let text = match fit::stdout_width() {
        Some(width) => fit::wrap(text, width),
        None => text.to_string(),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Writes a line to stderr, ignoring errors, wrapped to the width of a
/// terminal (see [`out`]).
pub fn err_line(text: &str) {
    use std::io::Write;
    let text = match fit::stderr_width() {
        Some(width) => fit::wrap(text, width),
        None => text.to_string(),
    };
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Counts of a file's tests, e.g. `12 tests, 1 failed, 2 skipped`.
fn case_counts(f: &FileSummary) -> String {
    let total = f.cases.len();
    if total == 0 {
        return String::new();
    }
    let count = |s: CaseStatus| f.cases.iter().filter(|c| c.status == s).count();
    let failed = count(CaseStatus::Fail);
    let skipped = count(CaseStatus::Skip);
    let todo = count(CaseStatus::TodoFail) + count(CaseStatus::TodoPass);
    let mut parts = vec![format!("{total} test{}", plural(total))];
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} skipped"));
    }
    if todo > 0 {
        parts.push(format!("{todo} todo"));
    }
    parts.join(", ")
}

/// One aligned line: verdict, duration, id, test counts.
pub fn render_file_line(f: &FileSummary, p: &Palette) -> String {
    let label = format!("{:<LABEL_WIDTH$}", f.verdict.label());
    let duration = f.duration.map(format_duration).unwrap_or_default();
    let mut counts = case_counts(f);
    if counts.is_empty() || (f.verdict != Verdict::Pass && !f.reasons.is_empty()) {
        if let Some(first) = f.reasons.first() {
            counts = if counts.is_empty() {
                first.clone()
            } else {
                format!("{counts} · {first}")
            };
        }
    }
    format!(
        "{} {:>7}  {}  {}\n",
        p.verdict(f.verdict).apply_to(label),
        duration,
        f.id,
        p.dim.apply_to(counts)
    )
}

/// For a failing file: every reason, the failing TAP lines with their
/// diagnostics, and the tail of its output.
pub fn render_details(f: &FileSummary, p: &Palette) -> String {
    let mut out = String::new();
    // The line already shows the first reason of a file that did not pass.
    let shown = usize::from(f.verdict != Verdict::Pass);
    for reason in f.reasons.iter().skip(shown) {
        let style = if f.verdict.is_failure() {
            &p.fail
        } else {
            &p.skip
        };
        out.push_str(&format!("        {}\n", style.apply_to(reason)));
    }
    let failing: Vec<_> = f
        .cases
        .iter()
        .filter(|c| c.status.is_failure() && c.line.is_some())
        .collect();
    for case in failing.iter().take(10) {
        if let Some(line) = &case.line {
            out.push_str(&format!("        {}\n", p.fail.apply_to(line)));
        }
        for d in case.diagnostics.lines().take(8) {
            out.push_str(&format!("          {}\n", p.dim.apply_to(d)));
        }
    }
    if failing.len() > 10 {
        out.push_str(&format!(
            "        … and {} more failing tests\n",
            failing.len() - 10
        ));
    }
    if f.verdict.is_failure() {
        out.push_str(&render_output(f, p, false));
    }
    out
}

/// The tail of a file's stderr and stdout, in a gutter.
fn render_output(f: &FileSummary, p: &Palette, read_logs: bool) -> String {
    let mut out = String::new();
    let tail = |kept: &str, log: &Option<std::path::PathBuf>| -> String {
        if !kept.is_empty() || !read_logs {
            return kept.to_string();
        }
        log.as_ref()
            .map(|path| crate::run::logs::tail(path, 8 * 1024, 40))
            .unwrap_or_default()
    };
    for (name, text, log) in [
        ("stdout", tail(&f.stdout_tail, &f.stdout_log), &f.stdout_log),
        ("stderr", tail(&f.stderr_tail, &f.stderr_log), &f.stderr_log),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        let shown = &lines[lines.len().saturating_sub(20)..];
        let where_ = log
            .as_ref()
            .map(|l| format!(" ({})", l.display()))
            .unwrap_or_default();
        out.push_str(&format!(
            "        {}\n",
            p.dim
                .apply_to(format!("── {name}, last {} lines{where_}", shown.len()))
        ));
        for line in shown {
            out.push_str(&format!("        {} {line}\n", p.dim.apply_to("│")));
        }
    }
    out
}

/// The final summary: failures again, the slowest files, totals, timing.
/// `extra` lines (e.g. the plan's lower bound) are added to the timing part.
pub fn render_summary(s: &RunSummary, p: &Palette, extra: &str) -> String {
    let mut out = String::from("\n");
    let bad: Vec<&FileSummary> = s.files.iter().filter(|f| f.verdict.is_failure()).collect();
    if !bad.is_empty() {
        out.push_str(&format!("{}\n", p.bold.apply_to("Failures:")));
        for f in &bad {
            out.push_str(&format!(
                "  {} {}  {}\n",
                p.verdict(f.verdict)
                    .apply_to(format!("{:<LABEL_WIDTH$}", f.verdict.label())),
                f.id,
                p.dim.apply_to(f.reasons.join("; "))
            ));
        }
        out.push('\n');
    }
    let mut timed: Vec<&FileSummary> = s.files.iter().filter(|f| f.duration.is_some()).collect();
    timed.sort_by(|a, b| b.duration.cmp(&a.duration).then(a.id.cmp(&b.id)));
    if timed.len() > 1 {
        out.push_str(&format!("{}\n", p.bold.apply_to("Slowest files:")));
        for f in timed.iter().take(5) {
            out.push_str(&format!(
                "  {:>7}  {}\n",
                f.duration.map(format_duration).unwrap_or_default(),
                f.id
            ));
        }
        out.push('\n');
    }
    let t = &s.totals;
    let mut files = vec![format!("{} passed", t.files.passed)];
    for (n, what) in [
        (t.files.failed, "failed"),
        (t.files.timed_out, "timed out"),
        (t.files.errored, "errored"),
        (t.files.skipped, "skipped"),
        (t.files.not_run, "not run"),
    ] {
        if n > 0 {
            files.push(format!("{n} {what}"));
        }
    }
    out.push_str(&format!(
        "Files:  {} ({} total)\n",
        files.join(", "),
        t.files.total
    ));
    let mut tests = vec![format!("{} passed", t.tests.passed)];
    for (n, what) in [
        (t.tests.failed, "failed"),
        (t.tests.skipped, "skipped"),
        (t.tests.todo, "todo"),
    ] {
        if n > 0 {
            tests.push(format!("{n} {what}"));
        }
    }
    out.push_str(&format!(
        "Tests:  {} ({} total)\n",
        tests.join(", "),
        t.tests.total
    ));
    let busy = s.total_file_time();
    let wall = s.wall.max(Duration::from_millis(1));
    let speedup = busy.as_secs_f64() / wall.as_secs_f64();
    let efficiency = speedup / s.jobs.max(1) as f64 * 100.0;
    out.push_str(&format!(
        "Time:   {} wall, {} in files, {:.1}x speedup, {:.0}% parallel efficiency on {} job{}\n",
        format_duration(s.wall),
        format_duration(busy),
        speedup,
        efficiency,
        s.jobs,
        plural(s.jobs)
    ));
    out.push_str(extra);
    if let Some(b) = &s.bail_out {
        out.push_str(&format!(
            "{}\n",
            p.fail
                .apply_to(format!("Bailed out in {}: {}", b.file, b.reason))
        ));
    }
    let result = if s.interrupted {
        p.fail.apply_to("INTERRUPTED")
    } else if s.has_failures() {
        p.fail.apply_to("FAIL")
    } else {
        p.pass.apply_to("PASS")
    };
    out.push_str(&format!("Result: {result}\n"));
    out
}
