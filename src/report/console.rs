//! Console output: one aligned line per finished file, details for failing
//! files, a progress bar on a terminal, and the final summary.
//!
//! Colors on a terminal unless `NO_COLOR` is set (`--color always`: always,
//! `never`: never; `CI` does not matter); no progress bar when
//! stdout/stderr are not terminals or `CI` is set.
//! On a terminal every line is fitted to its width: printed lines wrap
//! ([`wrap::wrap`]), the progress line is cut ([`super::progress`]).

mod quarantine;
mod rust;

use super::progress::{Model, Progress};
use super::wrap;
use crate::aggregate::result::RunResult;
use crate::outcome::RunEvent;
use crate::outcome::{RunSummary, UnitSummary, Verdict};
use crate::parse::CaseStatus;
use crate::plan::Plan;
use crate::report::escape::for_terminal;
use crate::unit::UnitNoun;
use crate::util::color::ColorWhen;
use crate::util::duration::format_duration;
use console::Style;
use std::collections::BTreeMap;
use std::ffi::OsStr;
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
        let stdout_tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR");
        let ci = std::env::var_os("CI");
        let (color, progress) = decide_color(
            color,
            stdout_tty,
            stdout_tty && std::io::stderr().is_terminal(),
            no_color.as_deref(),
            ci.as_deref(),
        );
        ConsoleOptions {
            color,
            progress,
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

/// Whether to use colours and whether to draw the progress bar, as a pure
/// function of `--color`, whether stdout (and both stdout and stderr) are
/// terminals, and the values of `NO_COLOR` and `CI` (`None` when unset).
///
/// Colours: always with `--color always`, never with `--color never`; with
/// `auto`, only on a terminal and when `NO_COLOR` is unset or empty. The
/// progress bar: only when both outputs are terminals and `CI` is unset,
/// empty, `false` or `0`.
pub fn decide_color(
    color: ColorWhen,
    stdout_tty: bool,
    both_tty: bool,
    no_color: Option<&OsStr>,
    ci: Option<&OsStr>,
) -> (bool, bool) {
    let no_color = no_color.is_some_and(|v| !v.is_empty());
    let ci = ci
        .and_then(OsStr::to_str)
        .is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    let color = match color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => stdout_tty && !no_color,
    };
    (color, both_tty && !ci)
}

/// The styles used for each part of the output.
#[derive(Debug, Clone)]
pub struct Palette {
    pass: Style,
    fail: Style,
    pub(super) skip: Style,
    pub(super) dim: Style,
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
            Verdict::Skip | Verdict::Interrupted | Verdict::Flaky => &self.skip,
            Verdict::NotRun => &self.dim,
        }
    }
}

/// The narrowest verdict column (`NOT RUN`, `TIMEOUT`); a run's console
/// widens it to the widest label it can show ([`label_column`]).
pub(super) const LABEL_WIDTH: usize = 7;
/// Width of the duration column.
pub(super) const DURATION_WIDTH: usize = 7;

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
    /// The shared work queue this machine takes its units from, as shown
    /// (`--queue`): it runs some of the plan, not all of it.
    queue: Option<String>,
    running: BTreeMap<usize, Instant>,
    /// Files reported SLOW so far (their final line says so).
    slow: std::collections::BTreeSet<usize>,
    /// Each entry's `--repeat` iteration, shown on its line.
    iterations: Vec<Option<u32>>,
    /// How many attempts each file may have (1 + its retries), by plan
    /// index; empty when nothing is retried.
    total_attempts: Vec<u32>,
    /// An `--until-fail` run: its iterations are a cap, not a count.
    until_fail: bool,
    /// What the plan's units are called (`files`, `tests`).
    noun: UnitNoun,
    /// Fold failure output in `::group::` for GitHub Actions.
    github: bool,
    /// The verdict column's width: the widest label this run can show.
    label_width: usize,
}

impl Console {
    /// A reporter for `plan`.
    pub fn new(options: ConsoleOptions, plan: &Plan) -> Console {
        Console {
            options,
            palette: Palette::new(options.color),
            progress: None,
            model: Some(Model::new(
                plan.entries
                    .iter()
                    .map(|e| for_terminal(&e.file.id).into_owned())
                    .collect(),
                plan.entries.iter().map(|e| e.expected).collect(),
                plan.jobs,
            )),
            ids: plan
                .entries
                .iter()
                .map(|e| for_terminal(&e.file.id).into_owned())
                .collect(),
            predicted: plan
                .entries
                .iter()
                .any(|e| e.expected.is_some())
                .then(|| plan.predicted_wall()),
            queue: None,
            running: BTreeMap::new(),
            slow: std::collections::BTreeSet::new(),
            iterations: plan
                .entries
                .iter()
                .map(|e| e.file.settings.iteration)
                .collect(),
            total_attempts: Vec::new(),
            until_fail: false,
            noun: plan.noun(),
            github: false,
            label_width: label_column(plan, 0),
        }
    }

    /// Folds each failure's output tail in a `::group::` (GitHub
    /// Actions), so the log shows the verdict lines and opens the output
    /// on a click.
    pub fn with_github(mut self, github: bool) -> Console {
        self.github = github;
        self
    }

    /// Announces the run as one machine's share of a work queue: `Running
    /// up to 40 files from the queue Q on 2 jobs`, with no prediction (how
    /// long this machine runs depends on the others).
    pub fn with_queue(mut self, queue: String) -> Console {
        self.queue = Some(queue);
        self.predicted = None;
        self
    }

    /// Announces the run as `--until-fail` (`until a file fails (at most
    /// N iterations)`) rather than `× N iterations`.
    pub fn with_until_fail(mut self, until_fail: bool) -> Console {
        self.until_fail = until_fail;
        self
    }

    /// Shows attempts (`FLAKY 2/3`, `FAIL 3/3`) for files of `plan` that
    /// may be retried: `retries` for the run, a file's own beating it.
    pub fn with_retries(mut self, plan: &Plan, retries: u32) -> Console {
        self.total_attempts = plan
            .entries
            .iter()
            .map(|e| e.file.settings.total_attempts(retries))
            .collect();
        self.label_width = label_column(plan, retries);
        self
    }

    /// `FLAKY 2/3` for file `index` when it may have several attempts,
    /// else the plain label.
    fn label(&self, index: usize, f: &UnitSummary) -> String {
        let total = self.total_attempts.get(index).copied().unwrap_or(1);
        crate::aggregate::flaky::label_with_attempts(f.verdict, f.attempts, total)
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
    pub fn on_event(&mut self, event: &RunEvent, finished: Option<&UnitSummary>) {
        match event {
            RunEvent::RunStarted { jobs, total, .. } => {
                if self.options.verbosity != Verbosity::Quiet {
                    let expected = self
                        .predicted
                        .map(|p| format!(", expected to take {}", format_duration(p)))
                        .unwrap_or_default();
                    let what = match self.iterations.iter().flatten().max() {
                        Some(&n) if self.until_fail => super::live::until_fail_what(*total, n),
                        Some(&n) => super::live::repeat_what(*total, n),
                        None => self.noun.count(*total),
                    };
                    let what = match &self.queue {
                        Some(queue) => format!("up to {what} from the queue {queue}"),
                        None => what,
                    };
                    self.print(&format!(
                        "{}",
                        self.palette.dim.apply_to(format!(
                            "Running {what} on {jobs} job{}{expected}",
                            plural(*jobs)
                        ))
                    ));
                }
                if let (true, Some(model)) = (self.options.progress, self.model.take()) {
                    self.progress = Some(Progress::start(model, self.options.color));
                }
            }
            RunEvent::UnitStarted { index, .. } => {
                let now = Instant::now();
                self.running.insert(*index, now);
                self.update_progress(|m| m.started(*index, now));
            }
            RunEvent::UnitFinished(run) if run.retry_after.is_some() => {
                self.running.remove(&run.index);
                self.update_progress(|m| m.retrying(run.index));
                if let (Some(summary), false) =
                    (finished, self.options.verbosity == Verbosity::Quiet)
                {
                    let total = self.total_attempts.get(run.index).copied().unwrap_or(1);
                    let label = format!("{} {}/{total}", summary.verdict.label(), run.attempt);
                    let line =
                        render_file_line_in(summary, &label, self.label_width, &self.palette);
                    self.print(&format!(
                        "{} {}",
                        line.trim_end(),
                        self.palette.dim.apply_to("· retrying")
                    ));
                }
            }
            RunEvent::UnitFinished(run) => {
                self.running.remove(&run.index);
                let failed = finished.is_some_and(UnitSummary::fails_run);
                let now = Instant::now();
                self.update_progress(|m| m.finished(run.index, failed, now));
                if let Some(summary) = finished {
                    let slow = self.slow.remove(&run.index);
                    let iteration = self.iterations.get(run.index).copied().flatten();
                    self.print_file_marked(run.index, summary, slow, iteration);
                }
                if let Some(progress) = &self.progress {
                    progress.advance();
                }
            }
            RunEvent::Slow { index, elapsed } => {
                self.slow.insert(*index);
                if self.options.verbosity != Verbosity::Quiet {
                    let id = self.ids.get(*index).map_or("", String::as_str);
                    self.print(&super::live::render_slow_line(
                        id,
                        *elapsed,
                        self.label_width,
                        &self.palette,
                    ));
                }
            }
            RunEvent::BailOut { index, reason } => {
                let id = self.ids.get(*index).cloned().unwrap_or_default();
                let reason = if reason.is_empty() {
                    String::new()
                } else {
                    format!(": {reason}")
                };
                self.print(&format!(
                    "{} {id}{reason} — starting no more {}",
                    self.palette.fail.apply_to("BAIL OUT"),
                    self.noun.plural()
                ));
            }
            RunEvent::Interrupted { signal } => {
                // No bar from here on: what is left is stopping files, and
                // a bar redrawn under the echoed ^C leaves copies behind.
                if let Some(progress) = self.progress.take() {
                    progress.clear();
                }
                self.print(&format!(
                    "{} ({}) — stopping {} running {}; press Ctrl-C again to kill them now",
                    self.palette.fail.apply_to("Interrupted"),
                    crate::util::signal::signal_name(*signal),
                    self.running.len(),
                    self.noun.word(self.running.len())
                ));
            }
            RunEvent::NotRun { index, .. } => {
                self.update_progress(|m| m.not_run(*index));
                if let Some(progress) = &self.progress {
                    progress.advance();
                }
            }
            RunEvent::Skipped { index, .. } => {
                self.update_progress(|m| m.not_run(*index));
                if let Some(summary) = finished {
                    self.print_file(*index, summary);
                }
                if let Some(progress) = &self.progress {
                    progress.advance();
                }
            }
            RunEvent::Stopping { reason } => {
                let why = crate::aggregate::reason::not_run(*reason);
                let why = why.strip_prefix("not run: ").unwrap_or(&why);
                self.print(&format!(
                    "{} {why} — starting no more {}",
                    self.palette.fail.apply_to("STOP"),
                    self.noun.plural()
                ));
            }
        }
    }

    fn update_progress(&self, change: impl FnOnce(&mut Model)) {
        if let Some(progress) = &self.progress {
            progress.update(change);
        }
    }

    fn print_file(&self, index: usize, f: &UnitSummary) {
        self.print_file_marked(index, f, false, None);
    }

    /// [`Console::print_file`], its line marked `[slow]` when the file was
    /// reported SLOW while it ran, and with its `--repeat` iteration.
    fn print_file_marked(&self, index: usize, f: &UnitSummary, slow: bool, iteration: Option<u32>) {
        let show = match self.options.verbosity {
            // A FLAKY file passed, but it is what `-q` users look for.
            Verbosity::Quiet => f.verdict.is_failure() || f.verdict == Verdict::Flaky,
            Verbosity::Normal | Verbosity::Verbose => true,
        };
        if !show {
            return;
        }
        let mut text =
            render_file_line_in(f, &self.label(index, f), self.label_width, &self.palette);
        if let Some(k) = iteration {
            super::live::mark_line(&mut text, &format!("[iteration {k}]"), &self.palette);
        }
        if slow {
            super::live::mark_line(&mut text, "[slow]", &self.palette);
        }
        if !f.flipped.is_empty() {
            text.push_str(&render_flipped(f, &self.palette));
        }
        if f.verdict.is_failure() || f.leaked > 0 {
            text.push_str(&render_details_folded(f, &self.palette, self.github));
        } else if self.options.verbosity == Verbosity::Verbose {
            text.push_str(&render_output(f, &self.palette, true));
        }
        self.print(&text);
    }

    /// Clears the progress bar and prints the final summary (without the
    /// slowest files with `-q`).
    pub fn finish(&mut self, summary: &RunSummary, extra: &str) {
        if let Some(progress) = self.progress.take() {
            progress.clear();
        }
        let parts = SummaryParts {
            slowest: self.options.verbosity != Verbosity::Quiet,
        };
        out(&render_summary_with(summary, &self.palette, extra, parts));
    }
}

/// Writes to stdout, ignoring errors: when the reader went away
/// (`ptest | head`), the run goes on and still writes its reports, history
/// and exit code; only the console output is lost. On a terminal, long
/// lines are wrapped to its width ([`wrap::wrap_keeping_paths`]: a log path
/// is never cut); elsewhere (a pipe, a CI
/// log) they are written as they are.
pub fn out(text: &str) {
    use std::io::Write;
    let text = match wrap::stdout_width() {
        Some(width) => wrap::wrap_keeping_paths(text, width),
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
    let text = match wrap::stderr_width() {
        Some(width) => wrap::wrap_keeping_paths(text, width),
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

/// Counts of a file's tests, e.g. `12 tests, 1 failed, 2 skipped, 1 todo,
/// 1 todo passed` (`todo`: expected failures; `todo passed`: TODO tests that
/// passed unexpectedly, as `prove` prints `TODO passed`).
fn case_counts(f: &UnitSummary) -> String {
    // Results a parser counted but did not keep (a very long stream).
    let omitted = f.omitted;
    let total = f.cases.len() + omitted.total() as usize;
    if total == 0 {
        return String::new();
    }
    let count = |s: CaseStatus| f.cases.iter().filter(|c| c.status == s).count();
    let failed = count(CaseStatus::Fail) + omitted.failed as usize;
    let skipped = count(CaseStatus::Skip) + omitted.skipped as usize;
    let todo = count(CaseStatus::TodoFail) + omitted.todo as usize;
    let todo_passed = count(CaseStatus::TodoPass);
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
    if todo_passed > 0 {
        parts.push(format!("{todo_passed} todo passed"));
    }
    parts.join(", ")
}

/// One aligned line: verdict, duration, id, test counts.
pub fn render_file_line(f: &UnitSummary, p: &Palette) -> String {
    render_file_line_labelled(f, f.verdict.label(), p)
}

/// `        flipped: b, c`: the tests of a FLAKY file that failed in an
/// earlier attempt and passed in the last.
pub fn render_flipped(f: &UnitSummary, p: &Palette) -> String {
    let names: Vec<String> = f
        .flipped
        .iter()
        .map(|n| for_terminal(n).into_owned())
        .collect();
    format!(
        "        {}\n",
        p.skip.apply_to(format!("flipped: {}", names.join(", ")))
    )
}

/// [`render_file_line`] with `label` for the verdict (`FLAKY 2/3`), in a
/// column just wide enough for it.
pub fn render_file_line_labelled(f: &UnitSummary, label: &str, p: &Palette) -> String {
    render_file_line_in(f, label, 0, p)
}

/// One aligned line with `label` for the verdict (`FLAKY 2/3`; an excused
/// failure's `QUARANTINED FAIL` replaces it) in a column of `width`
/// characters (at least `LABEL_WIDTH`), the duration right-aligned in
/// the next one, then the id and the counts: lines rendered with the same
/// width have their ids in one column, whatever their labels.
pub fn render_file_line_in(f: &UnitSummary, label: &str, width: usize, p: &Palette) -> String {
    let (label, style) = match quarantine::label(f) {
        Some(q) => (q, &p.skip),
        None => (label.to_string(), p.verdict(f.verdict)),
    };
    let width = width.max(LABEL_WIDTH);
    let duration = shown_duration(f).map(format_duration).unwrap_or_default();
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
        "{} {duration:>DURATION_WIDTH$}  {}  {}\n",
        style.apply_to(format!("{label:<width$}")),
        for_terminal(&f.id),
        p.dim.apply_to(for_terminal(&counts))
    )
}

/// The duration a file line shows: for a TIMEOUT that ended within
/// [`SAME_TIME`] of its limit, the limit, so that the line does not read
/// `TIMEOUT 999ms … timed out after 1.0s` (one time, two numbers); the
/// measured time otherwise (a child that outlived its grace period).
fn shown_duration(f: &UnitSummary) -> Option<Duration> {
    match (f.verdict, &f.status, f.duration) {
        (Verdict::Timeout, Some(crate::outcome::ChildStatus::TimedOut { after }), Some(took))
            if took.abs_diff(*after) < SAME_TIME =>
        {
            Some(*after)
        }
        (_, _, took) => took,
    }
}

/// How close a timed-out file's duration is to its limit to be shown as it.
const SAME_TIME: Duration = Duration::from_millis(100);

/// The widest label a file of `plan` can get on the console in a run with
/// `retries` (see [`render_file_line_in`]): `INTERRUPTED` in any run,
/// `INTERRUPTED 2/3` when a file may be retried, `QUARANTINED TIMEOUT`
/// when one is quarantined. Every file line of the run uses it, so the
/// columns do not move when a rare label appears.
pub fn label_column(plan: &Plan, retries: u32) -> usize {
    let plain = Verdict::ALL
        .iter()
        .map(|v| v.label().len())
        .max()
        .unwrap_or(0);
    let mut width = plain.max(LABEL_WIDTH);
    for e in &plan.entries {
        let s = &e.file.settings;
        let total = s.total_attempts(retries);
        if total > 1 {
            let widest = Verdict::ALL
                .iter()
                .map(|&v| crate::aggregate::flaky::label_with_attempts(v, total, total).len())
                .max()
                .unwrap_or(0);
            width = width.max(widest);
        }
        width = width.max(quarantine::widest_label(
            s.quarantine,
            !s.quarantine_tests.is_empty(),
        ));
    }
    width
}

/// The plain label [`render_file_line`] shows for `f`: its verdict's, or
/// `QUARANTINED FAIL` for an excused failure.
pub fn shown_label(f: &UnitSummary) -> String {
    quarantine::label(f).unwrap_or_else(|| f.verdict.label().to_string())
}

/// The width of a column holding each of `labels`, at least [`LABEL_WIDTH`].
fn column_of<'a>(labels: impl IntoIterator<Item = &'a str>) -> usize {
    labels
        .into_iter()
        .map(str::len)
        .max()
        .unwrap_or(0)
        .max(LABEL_WIDTH)
}

/// For a failing file: every reason, the failing TAP lines with their
/// diagnostics, and the tail of its output.
pub fn render_details(f: &UnitSummary, p: &Palette) -> String {
    render_details_folded(f, p, false)
}

/// Output tails longer than this many lines are folded under `--github`.
const FOLD_LINES: usize = 3;

/// [`render_details`], with the output tail in a `::group::` when `fold`
/// (GitHub Actions) and it is longer than [`FOLD_LINES`].
fn render_details_folded(f: &UnitSummary, p: &Palette, fold: bool) -> String {
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
    // What the file line shows; a case line that repeats it (a Rust
    // panic: `panicked at src/lib.rs:3:35: boom`) is not shown again, nor
    // the diagnostics lines it already holds.
    let on_line = f.reasons.first().filter(|_| shown > 0);
    let repeats = |text: &str| on_line.is_some_and(|r| r.contains(text.trim()));
    for case in failing.iter().take(10) {
        let Some(line) = &case.line else { continue };
        let repeated = repeats(line);
        if !repeated {
            out.push_str(&format!("        {}\n", p.fail.apply_to(line)));
        }
        for d in case
            .diagnostics
            .lines()
            .filter(|d| !repeated || !(d.trim().is_empty() || repeats(d)))
            .take(8)
        {
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
        let output = render_output(f, p, false);
        if fold && output.lines().count() > FOLD_LINES {
            let title = format!("Output of {}", for_terminal(&f.id));
            out.push_str(&super::github::group(&title, &output));
        } else {
            out.push_str(&output);
        }
    }
    out
}

/// The tail of a file's stderr and stdout, in a gutter. The output of a
/// Rust test binary loses libtest's boilerplate, and a panic's `panicked
/// at` line that a long backtrace pushed out of the tail is shown before
/// it ([`rust`]).
fn render_output(f: &UnitSummary, p: &Palette, read_logs: bool) -> String {
    let mut out = String::new();
    let tail = |kept: &str, log: &Option<std::path::PathBuf>| -> String {
        if !kept.is_empty() || !read_logs {
            return kept.to_string();
        }
        log.as_ref()
            .map(|path| crate::util::logs::tail(path, 8 * 1024, 40))
            .unwrap_or_default()
    };
    let stdout = tail(&f.stdout_tail, &f.stdout_log);
    let stderr = tail(&f.stderr_tail, &f.stderr_log);
    let libtest = f.suite.is_some() || rust::is_libtest(&stdout) || rust::is_libtest(&stderr);
    let panicked = libtest || f.reasons.iter().any(|r| r.contains("panicked at"));
    for (name, text, log) in [
        ("stdout", stdout, &f.stdout_log),
        ("stderr", stderr, &f.stderr_log),
    ] {
        let text = if libtest {
            rust::strip_libtest(&text)
        } else {
            text
        };
        if text.trim().is_empty() {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        let shown = &lines[lines.len().saturating_sub(20)..];
        let panic = if panicked {
            rust::lost_panic(shown, &text, log.as_deref())
        } else {
            None
        };
        let where_ = log
            .as_ref()
            .map(|l| format!(" ({})", l.display()))
            .unwrap_or_default();
        let last = match shown.len() {
            1 => "last line".to_string(),
            n => format!("last {n} lines"),
        };
        let what = match panic {
            Some(_) => format!("the panic and the {last}"),
            None => last,
        };
        out.push_str(&format!(
            "        {}\n",
            p.dim.apply_to(format!("── {name}, {what}{where_}"))
        ));
        let gutter = p.dim.apply_to("│");
        for line in panic.iter().flatten() {
            out.push_str(&format!("        {gutter} {line}\n"));
        }
        if panic.is_some() {
            out.push_str(&format!("        {gutter} {}\n", p.dim.apply_to("…")));
        }
        for line in shown {
            out.push_str(&format!("        {gutter} {line}\n"));
        }
    }
    out
}

/// Which optional parts [`render_summary_with`] prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryParts {
    /// The five slowest files (left out with `-q`).
    pub slowest: bool,
}

/// Files named in one grouped summary line (`Not run: …`); the rest are
/// counted (the JSON summary and JUnit report name them all).
const MAX_GROUPED_NAMES: usize = 10;

/// The final summary with every part: see [`render_summary_with`].
pub fn render_summary(s: &RunSummary, p: &Palette, extra: &str) -> String {
    render_summary_with(s, p, extra, SummaryParts { slowest: true })
}

/// The final summary: failures again, interrupted and not-run files, the
/// slowest files, totals, timing. `extra` lines (e.g. the plan's lower
/// bound) are added to the timing part.
pub fn render_summary_with(
    s: &RunSummary,
    p: &Palette,
    extra: &str,
    parts: SummaryParts,
) -> String {
    let mut out = String::from("\n");
    out.push_str(&render_failures(s, p));
    out.push_str(&quarantine::render_section(s, p));
    out.push_str(&render_unfinished(s, p));
    if parts.slowest {
        out.push_str(&render_slowest(s, p));
    }
    out.push_str(&render_totals(s));
    out.push_str(&quarantine::totals_line(s));
    out.push_str(&render_time(s));
    out.push_str(extra);
    if let Some(b) = &s.bail_out {
        out.push_str(&format!(
            "{}\n",
            p.fail.apply_to(format!(
                "Bailed out in {}: {}",
                for_terminal(&b.file),
                b.reason
            ))
        ));
    }
    // The same precedence as the exit code: interrupted, incomplete, failed.
    let result = match s.result() {
        RunResult::Interrupted => p.fail.apply_to("INTERRUPTED".to_string()),
        RunResult::Incomplete => p.fail.apply_to(format!(
            "INCOMPLETE ({})",
            s.incomplete
                .as_deref()
                .unwrap_or("not every unit was reported")
        )),
        RunResult::Fail => p.fail.apply_to("FAIL".to_string()),
        RunResult::Pass => p.pass.apply_to("PASS".to_string()),
    };
    out.push_str(&format!("Result: {result}{}\n", quarantine::result_note(s)));
    out
}

/// Iterations named in one `Failures:` line, at most.
const MAX_ITERATIONS: usize = 10;

/// `Failures:` and one line per failing file. In a `--repeat` run the
/// iterations of a file that failed the same way share a line naming
/// them: `FAIL    t/a.sh  failed test 2  [iterations 2, 5, 9]`.
fn render_failures(s: &RunSummary, p: &Palette) -> String {
    let bad: Vec<&UnitSummary> = s.files.iter().filter(|f| s.fails_run(f)).collect();
    if bad.is_empty() {
        return String::new();
    }
    // (verdict, id, why) in order of first appearance, with iterations.
    let mut lines: Vec<(&UnitSummary, String, Vec<u32>)> = Vec::new();
    for f in &bad {
        let mut why = f.reasons.join("; ");
        if let Some(note) = quarantine::stopped_note(f) {
            why.push_str(&note);
        }
        let same = lines
            .iter_mut()
            .find(|(g, w, _)| g.verdict == f.verdict && g.id == f.id && *w == why);
        match (same, f.iteration) {
            (Some((_, _, iterations)), Some(k)) => iterations.push(k),
            _ => lines.push((f, why, f.iteration.into_iter().collect())),
        }
    }
    let mut out = format!("{}\n", p.bold.apply_to("Failures:"));
    let width = column_of(bad.iter().map(|f| f.verdict.label()));
    for (f, why, iterations) in &lines {
        out.push_str(&format!(
            "  {} {}  {}{}\n",
            p.verdict(f.verdict)
                .apply_to(format!("{:<width$}", f.verdict.label())),
            for_terminal(&f.id),
            p.dim.apply_to(for_terminal(why)),
            iterations_mark(iterations, p)
        ));
    }
    out.push('\n');
    out
}

/// `  [iteration 3]`, `  [iterations 2, 5, … and 4 more]`; empty outside
/// a `--repeat` run.
fn iterations_mark(iterations: &[u32], p: &Palette) -> String {
    let mut listed: Vec<String> = iterations
        .iter()
        .take(MAX_ITERATIONS)
        .map(u32::to_string)
        .collect();
    if iterations.len() > MAX_ITERATIONS {
        listed.push(format!("… and {} more", iterations.len() - MAX_ITERATIONS));
    }
    match iterations.len() {
        0 => String::new(),
        1 => format!("  {}", p.dim.apply_to(format!("[iteration {}]", listed[0]))),
        _ => format!(
            "  {}",
            p.dim
                .apply_to(format!("[iterations {}]", listed.join(", ")))
        ),
    }
}

/// One grouped line for the files stopped by an interruption and one per
/// reason for files that never started: `Not run (an earlier file bailed
/// out): 3 files: t/c.t, t/d.t, t/e.t`.
fn render_unfinished(s: &RunSummary, p: &Palette) -> String {
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for f in &s.files {
        let label = match f.verdict {
            Verdict::Interrupted => "Interrupted (stopped by ptest)".to_string(),
            Verdict::NotRun => {
                let why = f
                    .reasons
                    .first()
                    .map(|r| r.strip_prefix("not run: ").unwrap_or(r))
                    .filter(|r| !r.is_empty() && *r != "not run");
                match why {
                    Some(why) => format!("Not run ({why})"),
                    None => "Not run".to_string(),
                }
            }
            Verdict::Pass
            | Verdict::Fail
            | Verdict::Skip
            | Verdict::Timeout
            | Verdict::Error
            | Verdict::Flaky => continue,
        };
        groups.entry(label).or_default().push(&f.id);
    }
    let mut out = String::new();
    for (label, ids) in &groups {
        let mut names = ids
            .iter()
            .take(MAX_GROUPED_NAMES)
            .map(|id| for_terminal(id))
            .collect::<Vec<_>>()
            .join(", ");
        if ids.len() > MAX_GROUPED_NAMES {
            names.push_str(&format!(
                ", … and {} more",
                crate::aggregate::reason::thousands((ids.len() - MAX_GROUPED_NAMES) as u64)
            ));
        }
        out.push_str(&format!(
            "{}: {}: {names}\n",
            p.skip.apply_to(label),
            s.units.count(ids.len())
        ));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// `Slowest files:` (`Slowest tests:`) — the five slowest of the files
/// that ran to an end (PASS, FAIL, TIMEOUT), when more than one did. In a
/// `--repeat` run each file is listed once, with its slowest iteration
/// (the header says so; the stress table gives the spread).
fn render_slowest(s: &RunSummary, p: &Palette) -> String {
    let mut timed: Vec<(&UnitSummary, Duration)> = s
        .files
        .iter()
        .filter(|f| f.verdict.ran())
        .filter_map(|f| f.duration.map(|d| (f, d)))
        .collect();
    timed.sort_by(|(a, da), (b, db)| db.cmp(da).then(a.id.cmp(&b.id)));
    let repeated = s.files.iter().any(|f| f.iteration.is_some());
    if repeated {
        // Slowest first, so the first entry of an id is its slowest.
        let mut seen = std::collections::BTreeSet::new();
        timed.retain(|(f, _)| seen.insert(f.id.as_str()));
    }
    if timed.len() < 2 {
        return String::new();
    }
    let header = if repeated {
        format!("Slowest {} (slowest iteration of each):", s.units.plural())
    } else {
        format!("Slowest {}:", s.units.plural())
    };
    let mut out = format!("{}\n", p.bold.apply_to(header));
    for (f, d) in timed.iter().take(5) {
        out.push_str(&format!(
            "  {:>DURATION_WIDTH$}  {}\n",
            format_duration(*d),
            for_terminal(&f.id)
        ));
    }
    out.push('\n');
    out
}

/// The `Files:` and `Tests:` lines (`Files:  1 passed, 1 flaky (1 test),
/// 2 total`: the counts that are not zero, then the total); only the
/// first, titled `Tests:`, when every unit is one test (the test counts
/// would repeat it).
fn render_totals(s: &RunSummary) -> String {
    let t = &s.totals;
    let mut files = Vec::new();
    if t.files.passed > 0 {
        files.push(format!("{} passed", t.files.passed));
    }
    if t.files.flaky > 0 {
        let tests = match t.tests.flaky {
            0 => String::new(),
            n => format!(" ({n} test{})", plural(n)),
        };
        files.push(format!("{} flaky{tests}", t.files.flaky));
    }
    for (n, what) in [
        (t.files.failed, "failed"),
        (t.files.timed_out, "timed out"),
        (t.files.errored, "errored"),
        (t.files.skipped, "skipped"),
        (t.files.interrupted, "interrupted"),
        (t.files.not_run, "not run"),
    ] {
        if n > 0 {
            files.push(format!("{n} {what}"));
        }
    }
    let mut out = format!("{}:  {}\n", s.units.title(), sentence(files, t.files.total));
    match s.units {
        UnitNoun::File => {}
        UnitNoun::Test => return out,
    }
    let mut tests = Vec::new();
    if t.tests.passed > 0 {
        tests.push(format!("{} passed", t.tests.passed));
    }
    for (n, what) in [(t.tests.failed, "failed"), (t.tests.skipped, "skipped")] {
        if n > 0 {
            tests.push(format!("{n} {what}"));
        }
    }
    if t.tests.todo > 0 {
        let passed = s
            .files
            .iter()
            .flat_map(|f| &f.cases)
            .filter(|c| c.status == CaseStatus::TodoPass)
            .count();
        let expected = t.tests.todo.saturating_sub(passed);
        if expected > 0 {
            tests.push(format!("{expected} todo"));
        }
        if passed > 0 {
            tests.push(format!("{passed} todo passed"));
        }
    }
    out.push_str(&format!("Tests:  {}\n", sentence(tests, t.tests.total)));
    out
}

/// `2 passed, 1 failed, 3 total`: the non-zero counts, then the total.
fn sentence(mut counts: Vec<String>, total: usize) -> String {
    counts.push(format!("{total} total"));
    counts.join(", ")
}

/// ` (CPU 1.6 of 2 cores busy)`: the CPU time of the files over the wall
/// time, when any file's CPU time is known (what the wall-based speedup
/// cannot tell: more jobs than cores only share the cores).
///
/// A merged summary (`ptest merge`: no shard of its own, files from
/// shards) ran on other machines whose cores and walls are not this
/// machine's: it says only the CPU time spent in all, and on how many
/// shards.
fn cpu_busy(s: &RunSummary, cores: usize) -> String {
    let cpu: Duration = s.files.iter().filter_map(|f| f.cpu).sum();
    if s.files.iter().all(|f| f.cpu.is_none()) || s.wall.is_zero() {
        return String::new();
    }
    if s.shard.is_none() {
        let shards: std::collections::BTreeSet<usize> =
            s.files.iter().filter_map(|f| f.shard).collect();
        if !shards.is_empty() {
            return format!(
                " (CPU {} in all, on {} shard{})",
                format_duration(cpu),
                shards.len(),
                if shards.len() == 1 { "" } else { "s" }
            );
        }
    }
    let busy = cpu.as_secs_f64() / s.wall.as_secs_f64();
    format!(
        " (CPU {busy:.1} of {cores} core{} busy)",
        if cores == 1 { "" } else { "s" }
    )
}

/// The `Time:` line. Speedup and parallel efficiency only when they mean
/// something: more than one slot and more than one file that took time.
fn render_time(s: &RunSummary) -> String {
    let busy = s.total_file_time();
    let mut out = format!(
        "Time:   {} wall, {} in {}{}",
        format_duration(s.wall),
        format_duration(busy),
        s.units.plural(),
        cpu_busy(s, crate::plan::cores())
    );
    let timed = s.files.iter().filter(|f| f.duration.is_some()).count();
    if s.jobs > 1 && timed > 1 {
        let wall = s.wall.max(Duration::from_millis(1));
        let speedup = busy.as_secs_f64() / wall.as_secs_f64();
        let efficiency = speedup / s.jobs as f64 * 100.0;
        out.push_str(&format!(
            ", {speedup:.1}x speedup, {efficiency:.0}% parallel efficiency on {} jobs",
            s.jobs
        ));
    }
    out.push('\n');
    out
}
