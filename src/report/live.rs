//! Live lines and line marks: the `SLOW` line of `--slow`, printed above
//! the progress bar the moment a running file passes the threshold and
//! again at each multiple, aligned with the file lines:
//!
//! ```text
//! SLOW         >1m00s  t/db.t
//! SLOW         >2m00s  t/db.t
//! PASS          2m14s  t/db.t  12 tests  [slow]
//! ```
//!
//! As nextest does, the line is shown at the normal and verbose levels and
//! not under `-q` (which prints failures and the summary only); on a
//! terminal it is yellow, in a CI log plain. The file's final line is
//! marked `[slow]` (and, in a `--repeat` run, every file line with its
//! `[iteration K]`).

use super::console::{Palette, DURATION_WIDTH, LABEL_WIDTH};
use crate::report::escape::for_terminal;
use crate::util::duration::format_duration;
use std::time::Duration;

/// `SLOW    >600ms  t/a.sh`: file `id` has run for `elapsed`, its label
/// in a column of `width` (the run's, so the id lines up with the file
/// lines).
pub fn render_slow_line(id: &str, elapsed: Duration, width: usize, p: &Palette) -> String {
    let width = width.max(LABEL_WIDTH);
    let label = format!("{:<width$}", "SLOW");
    let elapsed = format!(">{}", format_duration(elapsed));
    format!(
        "{} {:>DURATION_WIDTH$}  {}",
        p.skip.apply_to(label),
        elapsed,
        for_terminal(id)
    )
}

/// Appends `mark` (e.g. `[slow]`, `[iteration 2]`) to the first line of a
/// rendered file line (which ends in a newline).
pub fn mark_line(line: &mut String, mark: &str, p: &Palette) {
    let end = line.find('\n').unwrap_or(line.len());
    line.insert_str(end, &format!("  {}", p.dim.apply_to(mark)));
}

/// `2 files × 3 iterations`: what a repeat run of `entries` plan entries
/// in `iterations` iterations runs.
pub fn repeat_what(entries: usize, iterations: u32) -> String {
    let files = entries / (iterations.max(1) as usize);
    format!(
        "{files} file{} × {iterations} iteration{}",
        if files == 1 { "" } else { "s" },
        if iterations == 1 { "" } else { "s" }
    )
}

/// `2 files until a file fails (at most 100 iterations)`: what an
/// `--until-fail` run of `entries` plan entries runs, `iterations` being
/// its cap (it stops at the first failure, so `× 100` would overpromise).
pub fn until_fail_what(entries: usize, iterations: u32) -> String {
    let files = entries / (iterations.max(1) as usize);
    format!(
        "{files} file{} until a file fails (at most {iterations} iteration{})",
        if files == 1 { "" } else { "s" },
        if iterations == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slow_line_is_aligned_with_the_file_lines() {
        let p = Palette::new(false);
        assert_eq!(
            render_slow_line("t/a.sh", Duration::from_millis(600), 7, &p),
            "SLOW     >600ms  t/a.sh"
        );
        assert_eq!(
            render_slow_line("t/db.t", Duration::from_secs(120), 11, &p),
            "SLOW         >2m00s  t/db.t"
        );
    }

    #[test]
    fn a_repeat_run_says_how_many_files_and_iterations() {
        assert_eq!(repeat_what(6, 3), "2 files × 3 iterations");
        assert_eq!(repeat_what(1, 1), "1 file × 1 iteration");
    }

    #[test]
    fn an_until_fail_run_names_its_cap_as_a_bound_not_a_count() {
        assert_eq!(
            until_fail_what(200, 100),
            "2 files until a file fails (at most 100 iterations)"
        );
        assert_eq!(
            until_fail_what(1, 1),
            "1 file until a file fails (at most 1 iteration)"
        );
    }

    #[test]
    fn a_marked_line_keeps_its_newline_and_details() {
        let p = Palette::new(false);
        let mut line = "PASS     1.2s  t/a.sh  3 tests\n  more\n".to_string();
        mark_line(&mut line, "[slow]", &p);
        assert_eq!(line, "PASS     1.2s  t/a.sh  3 tests  [slow]\n  more\n");
    }
}
