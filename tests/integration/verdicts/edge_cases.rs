//! Regression tests for misread results and rough edges of verdicts and the
//! summary: bats class names, pytest xfail/xpass, capped failure reasons,
//! INTERRUPTED files, grouped NOT RUN lines and the summary wording. Each
//! test runs the real `ptest` binary on real sh/python3 files in its own
//! temporary directory.

use crate::common::{wait_for_path, Suite};
use std::time::{Duration, Instant};

/// A shell test that writes `xml` to `$PTEST_JUNIT_FILE`.
fn junit_writer(xml: &str) -> String {
    format!("cat > \"$PTEST_JUNIT_FILE\" <<'EOF'\n{xml}\nEOF\n")
}

#[test]
fn bats_classname_equal_to_the_base_name_is_the_file_itself() {
    let s = Suite::new();
    s.file(
        "t/x.sh",
        &junit_writer(
            r#"<testsuite><testcase classname="x.sh" name="a"/><testcase classname="x" name="b"/><testcase classname="other.sh" name="c"/></testsuite>"#,
        ),
    );
    let out = s.run_reports(&["t"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    let names: Vec<&str> = out.file("t/x.sh")["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["a", "b", "other.sh.c"]);
}

#[test]
fn pytest_xfail_is_todo_and_todo_passes_show_on_the_file_line() {
    let s = Suite::new();
    s.file(
        "t/xfail.sh",
        &junit_writer(
            r#"<testsuite><testcase classname="xfail" name="known"><skipped type="pytest.xfail" message="known bug"/></testcase><testcase classname="xfail" name="lucky"><skipped message="xfail-marked test passes unexpectedly"/></testcase></testsuite>"#,
        ),
    );
    // A TAP TODO test that passes.
    s.file(
        "t/tap.sh",
        "echo 1..2; echo 'ok 1 - fine'; echo 'ok 2 - lucky # TODO not done'\n",
    );
    let out = s.run_reports(&["t"]);
    let text = &out.stdout;
    assert_eq!(out.code, Some(0), "{text}");
    let xfail = out.file("t/xfail.sh");
    assert_eq!(xfail["verdict"], "pass", "TODO tests do not skip the file");
    let statuses: Vec<&str> = xfail["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["todo-fail", "todo-pass"]);
    assert_eq!(xfail["cases"][0]["reason"], "known bug");
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with("PASS") && l.contains(id))
            .unwrap_or_else(|| panic!("no PASS line for {id}:\n{text}"))
            .to_string()
    };
    assert!(
        line("t/xfail.sh").ends_with("2 tests, 1 todo, 1 todo passed"),
        "{text}"
    );
    assert!(
        line("t/tap.sh").ends_with("2 tests, 1 todo passed"),
        "{text}"
    );
    assert!(
        text.contains("Tests:  1 passed, 1 todo, 2 todo passed, 4 total"),
        "{text}"
    );
}

#[test]
fn many_failures_make_a_short_reason_everywhere() {
    let s = Suite::new();
    // 50,000 tests, the odd ones failing.
    s.file(
        "t/many.sh",
        "awk 'BEGIN { print \"1..50000\"; for (i = 1; i <= 50000; i++) \
         print ((i % 2) ? \"not ok \" : \"ok \") i }'\n",
    );
    // Parsing and reporting 50,000 tests takes ptest's debug build ~4 s of
    // CPU: on a starved machine that is over the default 60 s deadline.
    let out = s
        .ptest(&["t"])
        .reports()
        .deadline(Duration::from_secs(300))
        .run();
    assert_eq!(out.code, Some(1));
    let want = "failed tests 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, … and 24,990 more";
    let text = &out.stdout;
    let line = text
        .lines()
        .find(|l| l.starts_with("FAIL") && l.contains("t/many.sh"))
        .unwrap_or_else(|| panic!("no FAIL line:\n{text}"));
    assert!(line.ends_with(want), "{line}");
    assert!(
        text.lines().all(|l| l.len() < 400),
        "a console line is too long"
    );
    assert_eq!(out.file("t/many.sh")["reasons"], serde_json::json!([want]));
    let junit = out.junit_text();
    assert!(
        junit.contains(want),
        "JUnit message is not the capped reason"
    );
    assert!(
        !junit.contains("11, 13, 15, 17, 19, 21"),
        "a JUnit message names failures past the cap"
    );
}

/// The lines of `text` from the line starting with `heading` to the next
/// empty line.
fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| !l.starts_with(heading))
        .take_while(|l| !l.is_empty())
        .collect()
}

#[test]
fn files_running_at_ctrl_c_are_interrupted_and_the_rest_not_run() {
    let s = Suite::new();
    s.file("t/a_quick.sh", "echo 1..1; echo ok 1\n");
    for name in ["b_slow", "c_slow"] {
        s.file(
            format!("t/{name}.sh"),
            &format!("echo 1..2; echo 'ok 1 - first'; touch {name}.started; sleep 300\n"),
        );
    }
    s.file("t/d_never.sh", "touch d.started\n")
        .file("t/e_never.sh", "touch e.started\n");
    let child = s
        .ptest(&["t", "-j", "2", "--order", "lexical", "--grace", "300ms"])
        .reports()
        .spawn();
    for marker in ["b_slow.started", "c_slow.started"] {
        assert!(
            wait_for_path(&s.path().join(marker), Duration::from_secs(20)),
            "{marker} never appeared"
        );
    }
    child.signal(libc::SIGINT);
    let start = Instant::now();
    let out = child.wait();
    assert!(start.elapsed() < Duration::from_secs(20), "ptest hung");
    let text = &out.stdout;
    assert_eq!(out.code, Some(130), "{text}");

    let summary = out.summary();
    for id in ["t/b_slow.sh", "t/c_slow.sh"] {
        let f = out.file(id);
        assert_eq!(f["verdict"], "interrupted", "{f}");
        assert_eq!(f["attempts"], 1);
        assert_eq!(f["status"]["kind"], "interrupted");
        assert!(f["duration"].as_f64().is_some());
        assert_eq!(f["cases"][0]["status"], "pass", "partial results kept");
    }
    for id in ["t/d_never.sh", "t/e_never.sh"] {
        let f = out.file(id);
        assert_eq!(f["verdict"], "not-run", "{f}");
        assert_eq!(f["attempts"], 0);
        assert!(f.get("duration").is_none());
    }
    assert!(!s.path().join("d.started").exists());
    assert_eq!(summary["totals"]["files"]["interrupted"], 2);
    assert_eq!(summary["totals"]["files"]["not_run"], 2);

    // Console: a line per interrupted file, grouped lines, no slowest list
    // made of stopped files.
    for id in ["t/b_slow.sh", "t/c_slow.sh"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("INTERRUPTED ") && l.contains(id)),
            "no INTERRUPTED line for {id}:\n{text}"
        );
    }
    assert!(
        text.contains("Interrupted (stopped by ptest): 2 files: t/b_slow.sh, t/c_slow.sh\n"),
        "{text}"
    );
    assert!(
        text.contains("Not run (the run was interrupted): 2 files: t/d_never.sh, t/e_never.sh\n"),
        "{text}"
    );
    assert!(
        !text.contains("Slowest files"),
        "only one file ran to its end:\n{text}"
    );
    assert!(
        text.contains("Files:  1 passed, 2 interrupted, 2 not run, 5 total"),
        "{text}"
    );

    // JUnit: an error, not a pass or a skip.
    let junit = out.junit_text();
    let suite = junit
        .split("<testsuite ")
        .find(|part| part.contains("name=\"t/b_slow.sh\""))
        .expect("suite for t/b_slow.sh");
    let error = suite
        .split("<error ")
        .nth(1)
        .unwrap_or_else(|| panic!("no <error> in {suite}"));
    assert!(
        error
            .split('>')
            .next()
            .is_some_and(|attrs| attrs.contains("type=\"interrupted\"")),
        "{suite}"
    );

    // The history does not learn from a stopped file.
    let history = s.json(".ptest/history.json");
    assert!(history["files"].get("t/a_quick.sh").is_some());
    assert!(history["files"].get("t/b_slow.sh").is_none());
}

#[test]
fn bail_out_names_the_files_it_left_out_and_says_bail_out_once() {
    let s = Suite::new();
    s.file("t/a_bail.sh", "echo 1..1; echo 'Bail out! db gone'\n")
        .file("t/b.sh", "true\n")
        .file("t/c.sh", "true\n");
    let out = s.run(&["t", "-j", "1", "--order", "lexical"]);
    let text = &out.stdout;
    assert_eq!(out.code, Some(1), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("BAIL OUT"))
        .unwrap_or_else(|| panic!("no BAIL OUT line:\n{text}"));
    assert_eq!(
        line,
        "BAIL OUT t/a_bail.sh: db gone — starting no more files"
    );
    assert!(
        text.contains("Not run (an earlier file bailed out): 2 files: t/b.sh, t/c.sh\n"),
        "{text}"
    );
}

#[test]
fn slots_are_capped_at_the_number_of_files() {
    let s = Suite::new();
    for name in ["a", "b", "c"] {
        s.file(
            format!("t/{name}.sh"),
            &format!("echo \"$PTEST_JOBS $PTEST_PARALLEL\" > {name}.jobs\n"),
        );
    }
    let out = s.run_reports(&["t", "-j", "10000"]);
    let text = &out.stdout;
    assert_eq!(out.code, Some(0), "{text}");
    assert!(text.starts_with("Running 3 files on 3 jobs"), "{text}");
    assert_eq!(out.summary()["jobs"], 3);
    for name in ["a", "b", "c"] {
        assert_eq!(s.read(&format!("{name}.jobs")), "3 1\n");
    }
    let time = text
        .lines()
        .find(|l| l.starts_with("Time:"))
        .expect("Time: line");
    assert!(time.ends_with(" on 3 jobs"), "{time}");
    assert!(!text.contains("10000"), "{text}");
}

#[test]
fn one_file_gets_no_speedup_and_a_single_line_tail_says_last_line() {
    let s = Suite::new();
    s.file("t/one.sh", "echo only-line; exit 1\n");
    let out = s.run(&["t", "-j", "4"]);
    let text = &out.stdout;
    assert_eq!(out.code, Some(1), "{text}");
    assert!(!text.contains("speedup"), "{text}");
    assert!(!text.contains("efficiency"), "{text}");
    assert!(text.contains("── stdout, last line"), "{text}");
    assert!(!text.contains("last 1 lines"), "{text}");
}

#[test]
fn slowest_files_lists_only_files_that_ran_and_not_with_quiet() {
    let s = Suite::new();
    s.file("t/a.sh", "sleep 0.2\n")
        .file("t/b.sh", "sleep 0.1\n")
        .file("t/c.sh", "exit 77\n")
        .file("t/data.txt", "not a test\n");
    // Naming data.txt makes it an ERROR (no runner), at 0 ms.
    let out = s.run(&["t", "t/data.txt"]);
    let text = &out.stdout;
    assert_eq!(out.code, Some(1), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("ERROR") && l.contains("t/data.txt")),
        "{text}"
    );
    let slowest = section(text, "Slowest files:");
    assert_eq!(slowest.len(), 3, "{text}");
    assert!(slowest[1].ends_with("  t/a.sh"), "{text}");
    assert!(slowest[2].ends_with("  t/b.sh"), "{text}");

    let out = s.run(&["t", "t/data.txt", "-q"]);
    let text = &out.stdout;
    assert_eq!(out.code, Some(1), "{text}");
    assert!(!text.contains("Slowest files"), "{text}");
    assert!(text.contains("Result: FAIL"), "{text}");
}
