//! The live `SLOW` line of `--slow`, printed above the progress bar the
//! moment a running file passes the threshold and again at each multiple,
//! aligned with the file lines:
//!
//! ```text
//! SLOW    >1m00s  t/db.t
//! SLOW    >2m00s  t/db.t
//! PASS    2m14s  t/db.t  12 tests  [slow]
//! ```
//!
//! As nextest does, the line is shown at the normal and verbose levels and
//! not under `-q` (which prints failures and the summary only); on a
//! terminal it is yellow, in a CI log plain. The file's final line is
//! marked `[slow]`.

use super::console::{Palette, DURATION_WIDTH, LABEL_WIDTH};
use crate::report::escape::for_terminal;
use crate::util::duration::format_duration;
use std::time::Duration;

/// `SLOW    >600ms  t/a.sh`: file `id` has run for `elapsed`.
pub fn render_slow_line(id: &str, elapsed: Duration, p: &Palette) -> String {
    let label = format!("{:<LABEL_WIDTH$}", "SLOW");
    let elapsed = format!(">{}", format_duration(elapsed));
    format!(
        "{} {:>DURATION_WIDTH$}  {}",
        p.skip.apply_to(label),
        elapsed,
        for_terminal(id)
    )
}

/// Marks a rendered file line (ending in a newline) as slow: `… [slow]`.
pub fn mark_line(line: &mut String, p: &Palette) {
    let end = line.find('\n').unwrap_or(line.len());
    line.insert_str(end, &format!("  {}", p.dim.apply_to("[slow]")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slow_line_is_aligned_with_the_file_lines() {
        let p = Palette::new(false);
        assert_eq!(
            render_slow_line("t/a.sh", Duration::from_millis(600), &p),
            "SLOW     >600ms  t/a.sh"
        );
        assert_eq!(
            render_slow_line("t/db.t", Duration::from_secs(120), &p),
            "SLOW     >2m00s  t/db.t"
        );
    }

    #[test]
    fn a_marked_line_keeps_its_newline_and_details() {
        let p = Palette::new(false);
        let mut line = "PASS     1.2s  t/a.sh  3 tests\n  more\n".to_string();
        mark_line(&mut line, &p);
        assert_eq!(line, "PASS     1.2s  t/a.sh  3 tests  [slow]\n  more\n");
    }
}
