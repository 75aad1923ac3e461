//! `--slow`: a live SLOW line when a running file passes the threshold and
//! again at each multiple; the file's final line is marked; nothing under
//! `-q`; `--slow 0` turns it off.

use crate::common::Suite;

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

#[test]
fn a_known_slow_file_gets_its_own_threshold_from_its_header_or_an_override() {
    let s = Suite::new();
    // Known slow: marked at its own 2s only, never at the run's 300ms.
    s.file("t/known.sh", "# ptest: slow=2s\nsleep 1\n");
    s.file("t/offed.sh", "sleep 1\n");
    // Its own small threshold beats the run-wide one.
    s.file("t/watched.sh", "sleep 1\n");
    s.config(
        "[run]\nslow = \"300ms\"\n\n[[override]]\npattern = \"t/offed.sh\"\nslow = \"0\"\n\n[[override]]\npattern = \"t/watched.sh\"\nslow = \"400ms\"\n",
    );
    let run = s.run(&["t", "-j", "3", "--slow", "10s"]);
    run.expect_code(0);
    let lines = slow_lines(&run.stdout);
    assert!(
        lines.iter().all(|(_, id)| id == "t/watched.sh"),
        "{}",
        run.describe()
    );
    assert_eq!(
        lines.first().map(|(e, _)| e.as_str()),
        Some(">400ms"),
        "{}",
        run.describe()
    );

    // explain names each file's threshold and where it came from.
    let explain = s.run(&["explain", "t", "--slow", "10s"]);
    explain.expect_code(0);
    let row = |id: &str| -> String {
        let block = explain
            .stdout
            .split("\n\n")
            .find(|b| b.starts_with(id))
            .unwrap_or_else(|| panic!("no {id}\n{}", explain.describe()));
        block
            .lines()
            .find(|l| l.trim_start().starts_with("slow "))
            .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| panic!("no slow row for {id}\n{block}"))
    };
    assert_eq!(row("t/known.sh"), "2.0s header t/known.sh:1");
    assert!(
        row("t/offed.sh").starts_with("none ")
            && row("t/offed.sh").contains("[[override]] \"t/offed.sh\""),
        "{}",
        row("t/offed.sh")
    );
    assert!(
        row("t/watched.sh").starts_with("400ms "),
        "{}",
        row("t/watched.sh")
    );
    // A file without its own threshold shows the run's, as run-wide.
    let plain = Suite::new();
    plain.file("t/a.sh", "exit 0\n");
    let explain = plain.run(&["explain", "t/a.sh", "--slow", "10s"]);
    let block = explain
        .stdout
        .split("\n\n")
        .find(|b| b.starts_with("t/a.sh"));
    let block = block.unwrap_or_else(|| panic!("{}", explain.describe()));
    let slow = block
        .lines()
        .find(|l| l.trim_start().starts_with("slow "))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "));
    assert_eq!(
        slow.as_deref(),
        Some("slow 10.0s run-wide: command line"),
        "{block}"
    );
}
