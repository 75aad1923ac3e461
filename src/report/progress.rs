//! The live progress line on stderr:
//!
//! ```text
//! ⠋   4s [=====>       ] 4/13 ETA 8s · 1 failed · 3 running: t/a.sh, t/b.sh, …
//! ```
//!
//! The whole line is rendered here, on every tick (10 times a second), to
//! the terminal's width at that moment, less [`SPARE`] columns: indicatif
//! pads a bar line to the width it is told, and the terminal echoes `^C`
//! after the cursor; at the real width that echo wraps, and the bar,
//! now one line up, stays in the scrollback. The bar takes a third of
//! the width (up to 40 columns, dropped below 24), the rest is cut with `…`.
//!
//! The ETA is recomputed on every tick from the time files have been
//! running, so it counts down between events. Each unfinished file is
//! expected to take its planned duration, or, when the plan has none, the
//! mean duration of the files finished so far; with neither the ETA is
//! `--`, never a made-up `0s`. Running files count for what they still
//! need and hold their slots until then; the files not started yet are
//! dispatched onto the slots in plan order by the same admission queue the
//! run uses ([`crate::plan::queue::simulate`]).

use super::wrap;
use crate::plan::queue::{self, Queue};
use console::Style;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle, TermLike};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// What the progress line knows about the run.
#[derive(Debug, Clone)]
pub struct Model {
    ids: Vec<String>,
    /// Expected duration per plan index, when the plan knows it.
    expected: Vec<Option<Duration>>,
    /// Files not finished yet (started or not).
    pending: Vec<bool>,
    running: BTreeMap<usize, Instant>,
    jobs: usize,
    failed: usize,
    /// Files finished with a duration, and the sum of those durations.
    finished: u32,
    finished_time: Duration,
}

impl Model {
    /// A model of a run of `ids` with their expected durations on `jobs` slots.
    pub fn new(ids: Vec<String>, expected: Vec<Option<Duration>>, jobs: usize) -> Model {
        Model {
            pending: vec![true; ids.len()],
            ids,
            expected,
            running: BTreeMap::new(),
            jobs: jobs.max(1),
            failed: 0,
            finished: 0,
            finished_time: Duration::ZERO,
        }
    }

    /// File `index` started at `at`.
    pub fn started(&mut self, index: usize, at: Instant) {
        self.running.insert(index, at);
    }

    /// File `index` finished at `at`.
    pub fn finished(&mut self, index: usize, failed: bool, at: Instant) {
        if let Some(started) = self.running.remove(&index) {
            self.finished += 1;
            self.finished_time = self
                .finished_time
                .saturating_add(at.saturating_duration_since(started));
        }
        if let Some(p) = self.pending.get_mut(index) {
            *p = false;
        }
        if failed {
            self.failed += 1;
        }
    }

    /// File `index`'s attempt ended and it will run again: it is pending,
    /// no longer running.
    pub fn retrying(&mut self, index: usize) {
        self.running.remove(&index);
    }

    /// File `index` will not run.
    pub fn not_run(&mut self, index: usize) {
        self.running.remove(&index);
        if let Some(p) = self.pending.get_mut(index) {
            *p = false;
        }
    }

    /// The expected time left at `now`, `None` without a basis (see the
    /// module docs).
    pub fn eta(&self, now: Instant) -> Option<Duration> {
        let mean = (self.finished > 0).then(|| self.finished_time / self.finished);
        let expected = |index: usize| self.expected.get(index).copied().flatten().or(mean);
        let mut running = Vec::with_capacity(self.running.len());
        let mut waiting = Vec::new();
        for (index, _) in self.pending.iter().enumerate().filter(|(_, p)| **p) {
            let expected = expected(index)?;
            match self.running.get(&index) {
                Some(started) => {
                    running.push(expected.saturating_sub(now.saturating_duration_since(*started)))
                }
                None => waiting.push(index),
            }
        }
        Some(queue::simulate(
            Queue::new(waiting),
            self.jobs,
            running,
            |index| expected(index).unwrap_or_default(),
        ))
    }

    /// `ETA 8s · 1 failed · 3 running: a, b, c, …`
    fn status(&self, now: Instant) -> String {
        let eta = self.eta(now).map_or_else(|| "--".to_string(), eta_text);
        let mut text = format!("ETA {eta} · ");
        if self.failed > 0 {
            text.push_str(&format!("{} failed · ", self.failed));
        }
        text.push_str(&format!("{} running", self.running.len()));
        let mut by_start: Vec<(&Instant, &usize)> =
            self.running.iter().map(|(i, t)| (t, i)).collect();
        by_start.sort();
        let names: Vec<&str> = by_start
            .iter()
            .take(3)
            .filter_map(|(_, i)| self.ids.get(**i).map(String::as_str))
            .collect();
        if !names.is_empty() {
            text.push_str(": ");
            text.push_str(&names.join(", "));
            if by_start.len() > names.len() {
                text.push_str(", …");
            }
        }
        text
    }
}

/// Whole seconds, rounded up: `<1s`, `8s`, `4m05s`, `1h02m`.
fn eta_text(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    match s {
        0 => "0s".to_string(),
        1..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s / 60) % 60),
    }
}

/// `4s`, `1m05s`: the elapsed time in whole seconds.
fn elapsed_text(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s / 60) % 60)
    }
}

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// One progress line of at most `width` columns.
pub fn render_line(
    model: &Model,
    done: u64,
    total: u64,
    elapsed: Duration,
    now: Instant,
    width: usize,
    color: bool,
) -> String {
    let style = |s: Style| s.force_styling(color);
    let cyan = style(Style::new().cyan());
    let blue = style(Style::new().blue());
    let frame = SPINNER[(elapsed.as_millis() / 100) as usize % SPINNER.len()];
    let mut line = format!("{} {:>4} ", cyan.apply_to(frame), elapsed_text(elapsed));
    if width >= 24 {
        let bar = (width / 3).clamp(5, 40);
        let filled = if total == 0 {
            bar
        } else {
            (done.min(total) as usize * bar) / total as usize
        };
        let head = usize::from(filled < bar);
        line.push_str(&format!(
            "[{}{}] ",
            cyan.apply_to(format!("{}{}", "=".repeat(filled), ">".repeat(head))),
            blue.apply_to(" ".repeat(bar - filled - head))
        ));
    }
    line.push_str(&format!("{done}/{total} {}", model.status(now)));
    wrap::truncate(&line, width)
}

/// Columns kept free right of the bar, for an echoed `^C` (see the module docs).
pub const SPARE: usize = 3;

/// The terminal on stderr, [`SPARE`] columns narrower than it is.
#[derive(Debug)]
struct BarTerm(console::Term);

impl TermLike for BarTerm {
    fn width(&self) -> u16 {
        let (_, cols) = self.0.size();
        cols.saturating_sub(SPARE as u16).max(1)
    }
    fn height(&self) -> u16 {
        self.0.size().0
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.0.write_line(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.write_str(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.0.clear_line()
    }
    fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn lock(model: &Mutex<Model>) -> MutexGuard<'_, Model> {
    model.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The live progress bar on stderr.
pub struct Progress {
    bar: ProgressBar,
    model: Arc<Mutex<Model>>,
}

impl Progress {
    /// Starts drawing a bar for `model`'s files, ticking 10 times a second.
    pub fn start(model: Model, color: bool) -> Progress {
        let total = model.ids.len() as u64;
        let model = Arc::new(Mutex::new(model));
        let target =
            ProgressDrawTarget::term_like_with_hz(Box::new(BarTerm(console::Term::stderr())), 10);
        let bar = ProgressBar::with_draw_target(Some(total), target);
        let shared = Arc::clone(&model);
        let line = move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let width = usize::from(BarTerm::width(&BarTerm(console::Term::stderr())));
            let text = render_line(
                &lock(&shared),
                state.pos(),
                state.len().unwrap_or(0),
                state.elapsed(),
                Instant::now(),
                width,
                color,
            );
            let _ = w.write_str(&text);
        };
        if let Ok(style) = ProgressStyle::with_template("{line}") {
            bar.set_style(style.with_key("line", line));
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar, model }
    }

    /// Changes the model; the steady ticker (every 100 ms) draws it.
    pub fn update(&self, change: impl FnOnce(&mut Model)) {
        change(&mut lock(&self.model));
    }

    /// One more file finished or was marked not run.
    pub fn advance(&self) {
        self.bar.inc(1);
    }

    /// Runs `f` with the bar hidden, so printed lines are not torn.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Stops ticking and erases the bar, leaving nothing in the scrollback.
    pub fn clear(self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(expected: Vec<Option<Duration>>, jobs: usize) -> Model {
        let ids = (0..expected.len()).map(|i| format!("t/{i}.sh")).collect();
        Model::new(ids, expected, jobs)
    }

    #[test]
    fn no_eta_before_there_is_a_basis() {
        let t0 = Instant::now();
        let mut m = model(vec![None, None, None], 2);
        assert_eq!(m.eta(t0), None);
        m.started(0, t0);
        m.started(1, t0);
        assert_eq!(m.eta(t0 + Duration::from_secs(1)), None);
        assert!(
            m.status(t0).starts_with("ETA -- · 2 running"),
            "{}",
            m.status(t0)
        );
        // One file took 4 s: the others are expected to take as long.
        m.finished(0, false, t0 + Duration::from_secs(4));
        assert_eq!(
            m.eta(t0 + Duration::from_secs(4)),
            Some(Duration::from_secs(4))
        );
    }

    #[test]
    fn the_eta_counts_down_while_files_run() {
        let t0 = Instant::now();
        let secs = |s| Some(Duration::from_secs(s));
        let mut m = model(vec![secs(10), secs(10)], 2);
        assert_eq!(m.eta(t0), Some(Duration::from_secs(10)));
        m.started(0, t0);
        m.started(1, t0);
        let later = m.eta(t0 + Duration::from_secs(3));
        assert_eq!(later, Some(Duration::from_secs(7)));
        assert_eq!(m.eta(t0 + Duration::from_secs(30)), Some(Duration::ZERO));
        m.finished(0, true, t0 + Duration::from_secs(9));
        m.not_run(1);
        assert_eq!(m.eta(t0 + Duration::from_secs(9)), Some(Duration::ZERO));
        assert!(m.status(t0).contains("1 failed"));
    }

    #[test]
    fn eta_is_spread_over_slots_but_at_least_the_longest() {
        let t0 = Instant::now();
        let secs = |s| Some(Duration::from_secs(s));
        // The 30 s file, last in plan order, starts when a 2 s file ends.
        let m = model(vec![secs(2), secs(2), secs(2), secs(30)], 2);
        assert_eq!(m.eta(t0), Some(Duration::from_secs(32)));
        let m = model(vec![secs(30), secs(2), secs(2), secs(2)], 2);
        assert_eq!(m.eta(t0), Some(Duration::from_secs(30)));
        let m = model(vec![secs(4); 4], 2);
        assert_eq!(m.eta(t0), Some(Duration::from_secs(8)));
    }

    #[test]
    fn eta_texts_round_up_to_seconds() {
        assert_eq!(eta_text(Duration::from_millis(200)), "1s");
        assert_eq!(eta_text(Duration::ZERO), "0s");
        assert_eq!(eta_text(Duration::from_secs(245)), "4m05s");
        assert_eq!(eta_text(Duration::from_secs(3725)), "1h02m");
    }

    #[test]
    fn the_line_fits_any_width_and_the_bar_scales() {
        let t0 = Instant::now();
        let mut m = model(vec![None; 13], 3);
        for i in 0..3 {
            m.started(i, t0);
        }
        for width in [10, 23, 24, 39, 79, 200] {
            for color in [false, true] {
                let line = render_line(&m, 4, 13, Duration::from_secs(4), t0, width, color);
                assert!(wrap::width(&line) <= width, "{width}: {line:?}");
            }
        }
        let bar_of = |width| {
            let line = render_line(&m, 0, 13, Duration::ZERO, t0, width, false);
            line.find(']').unwrap_or(0) - line.find('[').unwrap_or(0) - 1
        };
        assert_eq!(bar_of(39), 13);
        assert_eq!(bar_of(79), 26);
        assert_eq!(bar_of(200), 40);
        let narrow = render_line(&m, 4, 13, Duration::ZERO, t0, 20, false);
        assert!(!narrow.contains('['), "{narrow}");
    }
}
