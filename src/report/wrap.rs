//! Fitting console text to the terminal's width.
//!
//! Widths are display columns (a CJK character takes two, a combining mark
//! none) with ANSI escape sequences taking none. Tabs are expanded to the
//! next multiple of 8 so that what is measured is what the terminal shows.
//!
//! Two tools: [`truncate`] for one-line status text (the progress bar),
//! where a cut is acceptable, and [`wrap`] for results, where nothing may
//! be lost: a long line continues on the next one, indented under its
//! start, broken at a space where there is one. With [`wrap_keeping_paths`]
//! (the console's results) a path (a word with a `/`) is never broken:
//! one longer than the width goes on a line of its own, whole, and the
//! terminal folds it, so that it can still be copied.

use console::AnsiCodeIterator;
use unicode_width::UnicodeWidthChar;

/// The display width of `text` (ANSI escapes excluded).
pub fn width(text: &str) -> usize {
    console::measure_text_width(text)
}

/// `text` cut to at most `max` columns, ending in `…` when cut. Escape
/// sequences after the cut are kept, so a colour is still reset.
pub fn truncate(text: &str, max: usize) -> String {
    console::truncate_str(text, max, "…").into_owned()
}

/// The width of the terminal on stdout, `None` when stdout is not one.
pub fn stdout_width() -> Option<usize> {
    console::Term::stdout()
        .size_checked()
        .map(|(_, cols)| usize::from(cols))
}

/// The width of the terminal on stderr, `None` when stderr is not one.
pub fn stderr_width() -> Option<usize> {
    console::Term::stderr()
        .size_checked()
        .map(|(_, cols)| usize::from(cols))
}

/// Every line of `text` wrapped to at most `max` columns (see the module
/// docs). A line that fits is left exactly as it is.
pub fn wrap(text: &str, max: usize) -> String {
    wrap_with(text, max, false)
}

/// [`wrap`], except that a path (a word with a `/`) is never cut: one
/// longer than the width gets a line of its own, whole, and the terminal
/// folds it, so that it can be copied (the console's results; a table
/// column keeps [`wrap`]).
pub fn wrap_keeping_paths(text: &str, max: usize) -> String {
    wrap_with(text, max, true)
}

fn wrap_with(text: &str, max: usize, keep_paths: bool) -> String {
    let max = max.max(1);
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.contains('\t') && width(line) <= max {
            out.push_str(line);
        } else {
            wrap_line(&expand_tabs(line), max, keep_paths, &mut out);
        }
    }
    out
}

/// A visible character or an escape sequence of a line.
#[derive(Clone, Copy)]
enum Piece<'a> {
    Char(char, usize),
    Escape(&'a str),
}

fn pieces(line: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    for (part, is_escape) in AnsiCodeIterator::new(line) {
        if is_escape {
            pieces.push(Piece::Escape(part));
        } else {
            pieces.extend(part.chars().map(|c| Piece::Char(c, c.width().unwrap_or(0))));
        }
    }
    pieces
}

/// Tabs replaced by spaces up to the next multiple of 8 columns.
fn expand_tabs(line: &str) -> String {
    if !line.contains('\t') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut column = 0;
    for (part, is_escape) in AnsiCodeIterator::new(line) {
        if is_escape {
            out.push_str(part);
            continue;
        }
        for c in part.chars() {
            if c == '\t' {
                let n = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', n));
                column += n;
            } else {
                out.push(c);
                column += c.width().unwrap_or(0);
            }
        }
    }
    out
}

/// Is this escape sequence a reset of all attributes (`ESC[0m`, `ESC[m`)?
fn is_reset(escape: &str) -> bool {
    escape == "\x1b[0m" || escape == "\x1b[m"
}

/// Builds the lines of one long input line.
struct Wrapper<'a> {
    max: usize,
    /// Continuation lines start with this many spaces.
    indent: usize,
    out: &'a mut String,
    /// The current output line, not yet written.
    current: Vec<Piece<'a>>,
    columns: usize,
    /// The column where `current` starts (0, or the indent).
    line_start: usize,
    /// Style sequences in force (since the last reset), replayed after a break.
    active: Vec<&'a str>,
}

impl<'a> Wrapper<'a> {
    /// Adds `piece`; `keep`: it is part of a word that must not be cut
    /// (a path).
    fn push(&mut self, piece: Piece<'a>, keep: bool) {
        match piece {
            Piece::Escape(e) => {
                if is_reset(e) {
                    self.active.clear();
                } else {
                    self.active.push(e);
                }
                self.current.push(piece);
            }
            Piece::Char(_, w) => {
                while self.columns + w > self.max && self.columns > self.indent {
                    if keep && !self.can_break() {
                        // A path is never cut: it overflows its own line.
                        break;
                    }
                    self.break_line();
                }
                self.current.push(piece);
                self.columns += w;
            }
        }
    }

    /// Whether the current line has a space after the indent to break at.
    fn can_break(&self) -> bool {
        let mut column = self.line_start;
        for piece in &self.current {
            if let Piece::Char(c, w) = piece {
                if *c == ' ' && column > self.indent {
                    return true;
                }
                column += w;
            }
        }
        false
    }

    /// Ends the current line at its last space after the indent (or here),
    /// and starts the next one with the indent, the styles in force, and
    /// what followed that space.
    fn break_line(&mut self) {
        let mut column = self.line_start;
        let mut space = None;
        for (i, piece) in self.current.iter().enumerate() {
            if let Piece::Char(c, w) = piece {
                if *c == ' ' && column > self.indent {
                    space = Some(i);
                }
                column += w;
            }
        }
        let carried = match space {
            Some(i) => {
                let rest = self.current.split_off(i + 1);
                self.current.pop();
                rest
            }
            None => Vec::new(),
        };
        self.flush();
        if !self.active.is_empty() {
            self.out.push_str("\x1b[0m");
        }
        self.out.push('\n');
        self.out.extend(std::iter::repeat_n(' ', self.indent));
        self.columns = self.indent;
        self.line_start = self.indent;
        for e in &self.active {
            self.out.push_str(e);
        }
        for piece in carried {
            if let Piece::Char(_, w) = piece {
                self.columns += w;
            }
            self.current.push(piece);
        }
    }

    fn flush(&mut self) {
        for piece in self.current.drain(..) {
            match piece {
                Piece::Char(c, _) => self.out.push(c),
                Piece::Escape(e) => self.out.push_str(e),
            }
        }
    }
}

/// For each piece, whether it belongs to a word (a run of characters
/// other than spaces) holding a `/`: a path, which is never cut, so that
/// it can be copied from the terminal.
fn paths(pieces: &[Piece<'_>]) -> Vec<bool> {
    let mut keep = vec![false; pieces.len()];
    let mut start = 0;
    let is_space = |p: &Piece<'_>| matches!(p, Piece::Char(' ', _));
    for end in 0..=pieces.len() {
        if end == pieces.len() || is_space(&pieces[end]) {
            let word = &pieces[start..end];
            if word.iter().any(|p| matches!(p, Piece::Char('/', _))) {
                keep[start..end].iter_mut().for_each(|k| *k = true);
            }
            start = end + 1;
        }
    }
    keep
}

fn wrap_line(line: &str, max: usize, keep_paths: bool, out: &mut String) {
    let pieces = pieces(line);
    let leading = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Char(c, _) => Some(*c),
            Piece::Escape(_) => None,
        })
        .take_while(|c| *c == ' ')
        .count();
    // Continue under the text, unless that leaves too little room.
    let indent = if leading + 2 <= max / 2 {
        leading + 2
    } else {
        0
    };
    let mut wrapper = Wrapper {
        max,
        indent,
        out,
        current: Vec::new(),
        columns: 0,
        line_start: 0,
        active: Vec::new(),
    };
    let keep = if keep_paths {
        paths(&pieces)
    } else {
        vec![false; pieces.len()]
    };
    for (piece, keep) in pieces.into_iter().zip(keep) {
        wrapper.push(piece, keep);
    }
    wrapper.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths(text: &str) -> Vec<usize> {
        text.lines().map(width).collect()
    }

    #[test]
    fn short_lines_are_untouched() {
        assert_eq!(wrap("abc\n\ndef\n", 10), "abc\n\ndef\n");
    }

    #[test]
    fn long_lines_break_at_spaces_with_a_hanging_indent() {
        let text = "Time:   2.0s wall, 1.0s in files, 0.5x speedup";
        let wrapped = wrap(text, 20);
        assert_eq!(
            wrapped,
            "Time:   2.0s wall,\n  1.0s in files,\n  0.5x speedup"
        );
    }

    #[test]
    fn words_longer_than_the_width_are_cut() {
        let wrapped = wrap("    │ aaaaaaaaaaaaaaaaaaaaaaaa", 10);
        assert!(widths(&wrapped).iter().all(|&w| w <= 10), "{wrapped:?}");
        assert_eq!(wrapped.replace(['\n', ' ', '│'], ""), "a".repeat(24));
    }

    #[test]
    fn escapes_take_no_room_and_styles_continue_after_a_break() {
        let text = "\x1b[31mred red red red\x1b[0m plain";
        let wrapped = wrap(text, 8);
        assert!(widths(&wrapped).iter().all(|&w| w <= 8), "{wrapped:?}");
        assert_eq!(
            console::strip_ansi_codes(&wrapped)
                .replace('\n', " ")
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["red"; 4]
                .iter()
                .copied()
                .chain(["plain"])
                .collect::<Vec<_>>()
        );
        let second = wrapped.lines().nth(1).unwrap_or_default();
        assert!(second.contains("\x1b[31m"), "{wrapped:?}");
    }

    #[test]
    fn wide_characters_and_tabs_are_measured_as_shown() {
        let wrapped = wrap("日本語のテキストです", 7);
        assert!(widths(&wrapped).iter().all(|&w| w <= 7), "{wrapped:?}");
        let wrapped = wrap("a\tb\tc", 12);
        assert!(widths(&wrapped).iter().all(|&w| w <= 12), "{wrapped:?}");
        assert!(!wrapped.contains('\t'));
    }

    #[test]
    fn paths_are_never_cut_and_long_ones_get_a_line_of_their_own() {
        let path = "(.ptest/runs/1796691171551-13596/logs/pc+tests~fails.1.stdout)";
        let text = format!("        ── stdout, last line {path}");
        let wrapped = wrap_keeping_paths(&text, 40);
        assert!(wrapped.lines().any(|l| l.trim_start() == path), "{wrapped}");
        assert!(
            wrapped
                .lines()
                .filter(|l| l.trim_start() != path)
                .all(|l| width(l) <= 40),
            "{wrapped}"
        );
        // A short path moves to the next line whole.
        let wrapped = wrap_keeping_paths("see the log at t/a.t now", 16);
        assert!(wrapped.lines().any(|l| l.contains("t/a.t")), "{wrapped}");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdefgh", 5), "abcd…");
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(width(&truncate("\x1b[1mabcdefgh\x1b[0m", 4)), 4);
    }
}
