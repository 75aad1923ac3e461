//! Regression tests for misread results and rough edges of verdicts and the
//! summary: bats class names, pytest xfail/xpass, capped failure reasons,
//! INTERRUPTED files, grouped NOT RUN lines and the summary wording. Each
//! test runs the real `ptest` binary on real sh/python3 files in its own
//! temporary directory.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Suite {
    dir: tempfile::TempDir,
}

impl Suite {
    fn new() -> Suite {
        Suite {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self, rel: &str, text: &str) -> &Suite {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        self
    }

    /// `ptest ARGS` in the suite, with a clean environment for the children.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ptest"));
        c.args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .env("CI", "true")
            .env("NO_COLOR", "1")
            .env_remove("PERL5LIB")
            .env_remove("HARNESS_ACTIVE");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PTEST_") {
                c.env_remove(key);
            }
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run ptest")
    }

    fn json(&self, name: &str) -> Value {
        let text = std::fs::read_to_string(self.path().join(name))
            .unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
        serde_json::from_str(&text).expect("valid JSON")
    }

    fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name))
            .unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn file<'a>(summary: &'a Value, id: &str) -> &'a Value {
    summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in summary: {summary}"))
}

/// Waits until `path` exists, at most `limit`.
fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

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
    let out = s.run(&["t", "--json", "s.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let summary = s.json("s.json");
    let names: Vec<&str> = file(&summary, "t/x.sh")["cases"]
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
    let out = s.run(&["t", "--json", "s.json"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let summary = s.json("s.json");
    let xfail = file(&summary, "t/xfail.sh");
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
    assert!(line("t/tap.sh").ends_with("2 tests, 1 todo passed"), "{text}");
    assert!(
        text.contains("Tests:  1 passed, 1 todo, 2 todo passed (4 total)"),
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
    let out = s.run(&["t", "--json", "s.json", "--junit", "j.xml"]);
    assert_eq!(out.status.code(), Some(1));
    let want = "failed tests 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, … and 24,990 more";
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("FAIL") && l.contains("t/many.sh"))
        .unwrap_or_else(|| panic!("no FAIL line:\n{text}"));
    assert!(line.ends_with(want), "{line}");
    assert!(
        text.lines().all(|l| l.len() < 400),
        "a console line is too long"
    );
    let summary = s.json("s.json");
    assert_eq!(file(&summary, "t/many.sh")["reasons"], serde_json::json!([want]));
    let junit = s.text("j.xml");
    assert!(junit.contains(want), "JUnit message is not the capped reason");
    assert!(
        !junit.contains("11, 13, 15, 17, 19, 21"),
        "a JUnit message names failures past the cap"
    );
}
