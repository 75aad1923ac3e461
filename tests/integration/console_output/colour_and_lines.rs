//! The console: the colour and progress-bar decision as a pure function of
//! (`--color`, terminals, `NO_COLOR`, `CI`), then end to end on a pipe and
//! on a pseudo-terminal: per-file lines, the summary lines, `-q`, `-v`,
//! the progress bar.

use crate::common::Suite;
use ptest::config::cli::ColorWhen;
use ptest::report::console::decide_color;
use std::ffi::OsStr;

#[test]
fn colour_and_progress_decision_table() {
    let os = |s: &'static str| Some(OsStr::new(s));
    // (--color, stdout tty, both tty, NO_COLOR, CI) -> (colour, progress)
    let cases = [
        (ColorWhen::Auto, false, false, None, None, (false, false)),
        (ColorWhen::Auto, true, true, None, None, (true, true)),
        (ColorWhen::Auto, true, false, None, None, (true, false)),
        (ColorWhen::Auto, true, true, os("1"), None, (false, true)),
        (ColorWhen::Auto, true, true, os(""), None, (true, true)),
        (ColorWhen::Auto, true, true, None, os("true"), (true, false)),
        (ColorWhen::Auto, true, true, None, os("1"), (true, false)),
        (ColorWhen::Auto, true, true, None, os("false"), (true, true)),
        (ColorWhen::Auto, true, true, None, os("0"), (true, true)),
        (ColorWhen::Auto, true, true, None, os(""), (true, true)),
        (
            ColorWhen::Always,
            false,
            false,
            os("1"),
            os("true"),
            (true, false),
        ),
        (ColorWhen::Always, true, true, os("1"), None, (true, true)),
        (ColorWhen::Never, true, true, None, None, (false, true)),
        (ColorWhen::Never, false, false, None, None, (false, false)),
    ];
    for (when, tty, both, no_color, ci, want) in cases {
        assert_eq!(
            decide_color(when, tty, both, no_color, ci),
            want,
            "{when:?} tty={tty} both={both} NO_COLOR={no_color:?} CI={ci:?}"
        );
    }
}

fn suite() -> Suite {
    let s = Suite::new();
    s.file("tests/a_pass.sh", "echo passing output\n")
        .file(
            "tests/b_pass.t",
            "print qq{1..2\\nok 1 - one\\nok 2 - two\\n};\n",
        )
        .file("tests/c_fail.sh", "echo failing output\nexit 1\n");
    s
}

/// Whether `text` has an SGR colour sequence (the progress bar's line
/// clearing, `ESC [2K`, is not colour).
fn has_colour(text: &str) -> bool {
    text.contains("\x1b[0m") || text.contains("\x1b[31m") || text.contains("\x1b[32m")
}

#[test]
fn summary_lines_on_a_pipe() {
    let s = suite();
    let run = s.ptest(&["-j", "2"]).env("CI", "true").run();
    run.expect_code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "Running 3 files on 2 jobs", "{}", run.describe());
    for want in [
        "Files:  2 passed, 1 failed, 3 total",
        "Tests:  3 passed, 1 failed, 4 total",
        "Result: FAIL",
        "Failures:",
    ] {
        assert!(
            lines.contains(&want),
            "no line {want:?}\n{}",
            run.describe()
        );
    }
    let file_line = |id: &str| {
        lines
            .iter()
            .find(|l| l.split_whitespace().nth(2) == Some(id))
            .unwrap_or_else(|| panic!("no line for {id}\n{}", run.stdout))
            .to_string()
    };
    assert!(file_line("tests/a_pass.sh").starts_with("PASS "));
    assert!(file_line("tests/b_pass.t").ends_with("tests/b_pass.t  2 tests"));
    assert!(
        file_line("tests/c_fail.sh").ends_with("1 test, 1 failed · exited with status 1"),
        "{}",
        run.stdout
    );
    let time = lines
        .iter()
        .find(|l| l.starts_with("Time:"))
        .expect("Time line");
    assert!(time.contains("parallel efficiency on 2 jobs"), "{time}");
    assert!(run.stdout.contains("failing output"));
    assert!(
        !run.stdout.contains("passing output"),
        "normal mode hides passing output"
    );
    assert!(!has_colour(&run.stdout), "no colour on a pipe");
    assert!(!run.output().contains("ETA"), "no progress bar on a pipe");
}

#[test]
fn quiet_and_verbose() {
    let s = suite();
    let quiet = s.ptest(&["-q"]).env("CI", "true").run();
    quiet.expect_code(1);
    assert!(!quiet.stdout.contains("PASS "), "{}", quiet.stdout);
    assert!(
        !quiet.stdout.contains("Running 3 files"),
        "{}",
        quiet.stdout
    );
    assert!(quiet.stdout.contains("failing output"), "{}", quiet.stdout);
    assert!(quiet.stdout.contains("Result: FAIL"));
    let verbose = s.ptest(&["-v"]).env("CI", "true").run();
    verbose.expect_code(1);
    assert!(
        verbose.stdout.contains("passing output"),
        "{}",
        verbose.stdout
    );
    assert!(verbose.stdout.contains("ok 2 - two"), "{}", verbose.stdout);
    assert!(verbose.stdout.contains("Result: FAIL"));
}

#[test]
fn colour_always_on_a_pipe_never_on_a_terminal_when_asked() {
    let s = suite();
    assert!(has_colour(&s.run(&["--color", "always"]).stdout));
    let never = s.ptest(&["--color", "never"]).pty().run();
    never.expect_code(1);
    assert!(!has_colour(&never.stdout), "{:?}", never.stdout);
}

/// The bar was drawn (`N/3 ETA …`) and the last thing on its line is the
/// erase that removed it, so no bar stays in the scrollback.
fn assert_bar_drawn_then_cleared(stdout: &str) {
    assert!(stdout.contains("/3 ETA"), "no progress bar: {stdout:?}");
    let (_, after_last_erase) = stdout.rsplit_once("\r\u{1b}[2K").expect("bar erased");
    assert!(
        !after_last_erase.contains("ETA"),
        "a bar is left at the end: {stdout:?}"
    );
}

#[test]
fn terminal_gets_colour_and_a_progress_bar() {
    let s = suite();
    let run = s.ptest(&["-j", "2"]).pty().run();
    run.expect_code(1);
    assert!(has_colour(&run.stdout), "{:?}", run.stdout);
    assert_bar_drawn_then_cleared(&run.stdout);
    assert!(run.stdout.contains("running: "), "{:?}", run.stdout);
    assert!(run.stdout.contains("Files:  2 passed, 1 failed, 3 total"));
}

#[test]
fn no_color_on_a_terminal_keeps_the_bar_and_ci_drops_it() {
    let s = suite();
    let run = s.ptest(&["-j", "2"]).pty().env("NO_COLOR", "1").run();
    run.expect_code(1);
    assert!(!has_colour(&run.stdout), "{:?}", run.stdout);
    assert_bar_drawn_then_cleared(&run.stdout);
    let ci = s.ptest(&["-j", "2"]).pty().env("CI", "true").run();
    ci.expect_code(1);
    assert!(has_colour(&ci.stdout), "{:?}", ci.stdout);
    assert!(!ci.stdout.contains("ETA"), "{:?}", ci.stdout);
}
