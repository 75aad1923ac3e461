//! The console on a real terminal of a fixed width: the real `ptest` binary
//! runs with stdout and stderr on a pseudo-terminal (openpty, window size
//! set with TIOCSWINSZ), and everything it writes there is checked: no
//! line is wider than the terminal (ANSI sequences stripped, a `\r` starts
//! the line over, as the progress bar does), the bar was drawn, and text
//! that had to wrap is all there.

use crate::common;
use crate::common::Suite;
use std::time::Duration;

/// A suite with long names, a failing file with long, wide and tabbed
/// output lines, and files slow enough for the bar to be drawn.
fn suite() -> Suite {
    suite_starting_with("")
}

/// [`suite`] whose files all run `first` (a line of shell) first.
fn suite_starting_with(first: &str) -> Suite {
    let s = Suite::new();
    for i in 0..4 {
        s.executable(
            format!("t/a_test_file_with_a_rather_long_name_number_{i}.sh"),
            &format!(
                "#!/bin/sh\n{first}\necho 1..2\nsleep 1.2\necho ok 1 - first\necho ok 2 - second\n"
            ),
        );
    }
    s.executable(
        "t/fails.sh",
        &format!("#!/bin/sh\n{first}\n\
         echo 1..1\n\
         echo 'not ok 1 - alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike'\n\
         printf 'tab\\tseparated\\tcolumns\\tof\\toutput\\tthat\\tgo\\ton\\tand\\ton\\n' >&2\n\
         echo '日本語の出力はターミナルで二列の幅を取るので正しく数える必要があります' >&2\n\
         exit 1\n"
        ),
    );
    s
}

/// Runs ptest in the suite on a `cols`-wide terminal (24 rows); returns
/// all it wrote there and its exit code.
fn run_on_pty(s: &Suite, cols: u16, args: &[&str]) -> (String, i32) {
    let run = s
        .ptest(args)
        .pty_size(cols, 24)
        .env("TERM", "xterm-256color")
        .run();
    (run.stdout, run.code.unwrap_or(-1))
}

/// What each physical line shows: ANSI stripped, split at `\n` and `\r`.
fn segments(output: &str) -> Vec<String> {
    console::strip_ansi_codes(output)
        .split('\n')
        .flat_map(|line| line.split('\r'))
        .map(str::to_string)
        .collect()
}

/// Every line fits `cols`, but for a line holding nothing but a path (a
/// word with a `/`) longer than that: a path is never cut, so that it can
/// be copied; the terminal folds it (issue 17).
fn assert_fits(output: &str, cols: usize) {
    for segment in segments(output) {
        assert!(
            !segment.contains('\t'),
            "a tab reached the terminal: {segment:?}"
        );
        let word = segment.trim();
        if word.contains('/') && !word.contains(' ') {
            continue;
        }
        let width = console::measure_text_width(&segment);
        assert!(
            width <= cols,
            "a line of {width} columns on a {cols}-column terminal: {segment:?}\n--- output:\n{output}"
        );
    }
}

/// The words of the output, in order, with line breaks and gutters gone.
fn words(output: &str) -> String {
    console::strip_ansi_codes(output)
        .replace(['\r', '\n', '│'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_line_fits_a_40_column_terminal() {
    // No file ends before the bar was drawn with no ETA (nothing finished,
    // no history): the files wait until the test saw that frame. Without
    // this wait the frame may never come: `t/fails.sh` is planned first
    // (biggest file) and ends within milliseconds, and a busy machine may
    // schedule the bar's first tick only after that.
    let dir = suite_starting_with(r#". "$SUITE_HELPER"; wait_mark drawn"#);
    let running = dir
        .ptest(&["t", "-j", "2", "--no-history"])
        .pty_size(40, 24)
        .env("TERM", "xterm-256color")
        .spawn();
    let drawn = common::wait_until(Duration::from_secs(common::BARRIER_SECS), || {
        running.stdout_so_far().contains("ETA --")
    });
    dir.mark("drawn");
    let run = running.wait();
    let (output, code) = (run.stdout, run.code.unwrap_or(-1));
    assert_eq!(code, 1, "{output}");
    assert_fits(&output, 40);
    // The bar was drawn, with no ETA before any file finished.
    assert!(
        drawn,
        "no `ETA --` frame while no file had finished:\n{output}"
    );
    assert!(output.contains("ETA --"), "{output}");
    assert!(output.contains("0/5"), "{output}");
    // Wrapped text is all there, in order.
    let words = words(&output);
    assert!(
        words.contains(
            "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike"
        ),
        "{words}"
    );
    assert!(words.contains("Result: FAIL"), "{words}");
    // The log paths of the failing file are whole on one line, to copy.
    let logs: Vec<String> = segments(&output)
        .into_iter()
        .filter(|s| s.contains("t%2Ffails.sh"))
        .collect();
    assert!(!logs.is_empty(), "{output}");
    for line in &logs {
        let path = line.trim().trim_start_matches('(').trim_end_matches(')');
        assert!(
            path.starts_with(".ptest/runs/")
                && (path.ends_with(".1.stderr") || path.ends_with(".1.stdout")),
            "a log path cut by the wrap: {line:?}\n{output}"
        );
    }
}

#[test]
fn every_line_fits_an_80_column_terminal() {
    let dir = suite();
    let (output, code) = run_on_pty(&dir, 80, &["t", "-j", "2", "--no-history"]);
    assert_eq!(code, 1, "{output}");
    assert_fits(&output, 80);
    assert!(
        words(&output).contains("parallel efficiency on 2 jobs"),
        "{output}"
    );
    // The bar takes a third of the 77 columns it may use (3 kept for ^C).
    let bars: Vec<usize> = segments(&output)
        .iter()
        .filter(|s| s.contains("ETA"))
        .filter_map(|s| Some(s.find(']')? - s.find('[')? - 1))
        .collect();
    assert!(!bars.is_empty(), "no bar drawn:\n{output}");
    assert!(bars.iter().all(|&w| w == 25), "{bars:?}");
}

#[test]
fn the_bar_is_erased_at_the_end() {
    let dir = suite();
    let (output, _) = run_on_pty(&dir, 80, &["t", "-j", "4", "--no-history"]);
    // Whatever was drawn last on each line is what stays: no line ending
    // in a `\n` shows a bar.
    for line in console::strip_ansi_codes(&output).split('\n') {
        let shown = line.rsplit('\r').next().unwrap_or_default();
        assert!(
            !shown.contains("ETA"),
            "a bar left behind: {shown:?}\n{output}"
        );
    }
}
