//! `--slow`: a live SLOW line when a running file passes the threshold and
//! again at each multiple; the file's final line is marked; nothing under
//! `-q`; `--slow 0` turns it off.

mod common;

use common::Suite;

fn suite() -> Suite {
    let s = Suite::new();
    s.file("t/sleepy.sh", "sleep 1\n");
    s.file("t/quick.sh", "exit 0\n");
    s
}

/// The lines of `stdout` starting with `SLOW`, as (elapsed, id).
fn slow_lines(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter(|l| l.starts_with("SLOW"))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[1].to_string(), w[2].to_string())
        })
        .collect()
}

#[test]
fn a_file_past_the_threshold_gets_a_slow_line_at_each_multiple_in_order() {
    let s = suite();
    let run = s.run(&["t", "-j", "2", "--slow", "300ms"]);
    run.expect_code(0);
    let lines = slow_lines(&run.stdout);
    let marks: Vec<&str> = lines.iter().map(|(e, _)| e.as_str()).collect();
    assert!(
        lines.iter().all(|(_, id)| id == "t/sleepy.sh"),
        "{}",
        run.describe()
    );
    assert_eq!(
        &marks[..3],
        [">300ms", ">600ms", ">900ms"],
        "{}",
        run.describe()
    );
    let sleepy = run.stdout.find(">900ms").unwrap();
    let last = run
        .stdout
        .lines()
        .find(|l| l.starts_with("PASS") && l.contains("t/sleepy.sh"))
        .unwrap_or_else(|| panic!("no PASS line\n{}", run.describe()));
    assert!(last.ends_with("[slow]"), "{last:?}");
    assert!(
        run.stdout.find(last).unwrap() > sleepy,
        "{}",
        run.describe()
    );
    let quick = run
        .stdout
        .lines()
        .find(|l| l.contains("t/quick.sh"))
        .unwrap();
    assert!(!quick.contains("[slow]"), "{quick:?}");
}

#[test]
fn quiet_runs_and_a_zero_threshold_print_no_slow_line() {
    let s = suite();
    let run = s.run(&["t", "--slow", "300ms", "-q"]);
    run.expect_code(0);
    assert_eq!(slow_lines(&run.stdout), [], "{}", run.describe());
    let run = s.run(&["t", "--slow", "0"]);
    run.expect_code(0);
    assert_eq!(slow_lines(&run.stdout), [], "{}", run.describe());
    assert!(!run.stdout.contains("[slow]"), "{}", run.describe());
}

#[test]
fn the_threshold_comes_from_ptest_toml_too() {
    let s = suite();
    s.config("[run]\nslow = \"400ms\"\n");
    let run = s.run(&["t"]);
    run.expect_code(0);
    let lines = slow_lines(&run.stdout);
    assert_eq!(
        lines.first().map(|(e, _)| e.as_str()),
        Some(">400ms"),
        "{}",
        run.describe()
    );
}
