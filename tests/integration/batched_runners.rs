//! Batched runners (`[[runner]]` `batch = true`): the real `ptest` binary
//! running pytest on `sample-suites/pytest`, and Jest on
//! `sample-suites/jest`, with batching on and off.

use crate::common::{repo, text, Run, Suite};
use std::collections::BTreeSet;

/// The README's pytest recipe, batched.
const BATCHED_PYTEST: &str = r#"
[[runner]]
pattern = "*.py"
command = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml={junit}", "{files}"]
protocol = "junit"
batch = true
"#;

/// The `| file | verdict |` rows of the pytest sample suite's README.
fn expected_table() -> Vec<(String, String)> {
    readme_table("pytest")
}

/// The `| file | verdict |` rows of `sample-suites/NAME/README.md`.
fn readme_table(name: &str) -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(repo().join("sample-suites").join(name).join("README.md")).unwrap();
    let mut lines = readme.lines().skip_while(|l| !l.starts_with("| file |"));
    lines.next().expect("a | file | table");
    let mut rows: Vec<(String, String)> = lines
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (
                cells[0].trim_matches('`').to_string(),
                cells[1].to_lowercase(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// A copy of the pytest sample suite, with batching on or off.
fn suite(batch: bool) -> Suite {
    sample("pytest", batch)
}

/// A copy of `sample-suites/NAME` in `NAME/`, with batching on or off; its
/// `node_modules` (installed by `.ci/run`) is linked, not copied.
fn sample(name: &str, batch: bool) -> Suite {
    let s = Suite::new();
    let from = repo().join("sample-suites").join(name);
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        let file = entry.file_name();
        let to = std::path::Path::new(name).join(&file);
        match file.to_str() {
            Some(".ptest") => {}
            Some("node_modules") => {
                std::fs::create_dir_all(s.path().join(name)).unwrap();
                std::os::unix::fs::symlink(entry.path(), s.path().join(&to)).unwrap();
            }
            _ => {
                s.copy(&entry.path(), to.to_str().unwrap());
            }
        }
    }
    if !batch {
        let toml = s
            .read(&format!("{name}/ptest.toml"))
            .replace("batch = true\n", "");
        s.file(format!("{name}/ptest.toml"), &toml);
    }
    s
}

fn run(s: &Suite, args: &[&str]) -> Run {
    run_in(s, "pytest", args)
}

fn run_in(s: &Suite, dir: &str, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--no-history", "--color", "never"]);
    s.ptest(&all).cwd(dir).reports().run()
}

/// Every JUnit `<testcase>` as (name, result): `pass`, `failure`,
/// `error` or `skipped`.
fn junit_cases(xml: &str) -> BTreeSet<(String, String)> {
    let mut cases = BTreeSet::new();
    for chunk in xml.split("<testcase ").skip(1) {
        let name = chunk
            .split("name=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("")
            .to_string();
        let body = chunk.split("</testcase>").next().unwrap_or("");
        let head_closed = chunk.split('>').next().is_some_and(|h| h.ends_with('/'));
        let result = if head_closed {
            "pass"
        } else if body.contains("<failure") {
            "failure"
        } else if body.contains("<error") {
            "error"
        } else if body.contains("<skipped") {
            "skipped"
        } else {
            "pass"
        };
        cases.insert((name, result.to_string()));
    }
    cases
}

/// (file, verdict) rows, owned, in the order given.
fn rows(rows: &[(&str, &str)]) -> Vec<(String, String)> {
    rows.iter()
        .map(|(f, v)| (f.to_string(), v.to_string()))
        .collect()
}

fn verdicts(out: &Run) -> Vec<(String, String)> {
    let mut got = out.verdicts();
    got.sort();
    got
}

#[test]
fn batched_and_unbatched_runs_agree_with_the_readme() {
    let want = expected_table();
    assert_eq!(want.len(), 6, "the README's table: {want:?}");
    let on = run(&suite(true), &["-j", "1"]);
    let off = run(&suite(false), &["-j", "1"]);
    on.expect_code(1);
    off.expect_code(1);
    assert_eq!(verdicts(&on), want, "batched\n{}", on.describe());
    assert_eq!(
        verdicts(&off),
        want,
        "one file per process\n{}",
        off.describe()
    );
    // The batched run did batch: --dry-run lists the batches, and the
    // passing files share their batch's log.
    let dry = suite(true)
        .ptest(&["-j", "1", "--dry-run", "--no-history"])
        .cwd("pytest")
        .run();
    assert!(dry.stdout.contains("Batches: "), "{}", dry.describe());
    // The same JUnit cases, with the same results.
    let cases_on = junit_cases(on.junit_text());
    let cases_off = junit_cases(off.junit_text());
    assert!(
        cases_on.contains(&("test_wrong_sum".to_string(), "failure".to_string())),
        "{cases_on:?}"
    );
    assert!(cases_on.len() >= 10, "{cases_on:?}");
    assert_eq!(cases_on, cases_off);
    // The crash is found and named: it ran alone after its batch died.
    let crash = on.file("tests/test_crash.py");
    let reasons = crash["reasons"].to_string();
    assert!(reasons.contains("SIGABRT"), "{reasons}");
    assert!(reasons.contains("ran alone: its batch of"), "{reasons}");
    assert_eq!(text(&on.file("tests/test_fails.py")["verdict"]), "fail");
}

#[test]
fn a_batch_that_times_out_loses_none_of_its_files() {
    let s = Suite::new();
    s.file("ptest.toml", BATCHED_PYTEST);
    // Nothing is known yet: batches are packed by size, two for one slot;
    // the small hanging file shares the batch of one of the others.
    let pad = "# padding\n".repeat(20);
    s.file(
        "test_a.py",
        &format!("{pad}def test_a():\n    assert True\n"),
    );
    s.file(
        "test_b.py",
        &format!("{pad}def test_b():\n    assert True\n"),
    );
    s.file(
        "test_hang.py",
        "import time\n\ndef test_hang():\n    time.sleep(600)\n",
    );
    let out = s
        .ptest(&[
            ".",
            "-j",
            "1",
            "--timeout",
            "3s",
            "--no-history",
            "--color",
            "never",
        ])
        .reports()
        .run();
    out.expect_code(1);
    assert_eq!(
        verdicts(&out),
        rows(&[
            ("test_a.py", "pass"),
            ("test_b.py", "pass"),
            ("test_hang.py", "timeout"),
        ]),
        "{}",
        out.describe()
    );
    let reasons = out.file("test_hang.py")["reasons"].to_string();
    assert!(reasons.contains("timed out"), "{reasons}");
    assert!(
        reasons.contains("ran alone: its batch of 2 files timed out"),
        "{reasons}"
    );
}

#[test]
fn batch_true_without_files_in_the_command_is_a_config_error() {
    let s = Suite::new();
    s.file(
        "ptest.toml",
        "[[runner]]\npattern = \"*.py\"\ncommand = [\"python3\", \"{file}\"]\nbatch = true\n",
    );
    s.file("test_a.py", "print('hi')\n");
    let out = s.run(&["--no-history"]);
    out.expect_code(2);
    assert!(out.stderr.contains("{files}"), "{}", out.describe());
}

/// Shards, `--failed`, `--repeat` and quarantine keep working per file with
/// batching on: every file on exactly one shard with its README verdict,
/// `--failed` runs only the files that failed, `--repeat 2` has every file
/// twice, and a quarantined file in a batch is excused alone (the crash and
/// the hang beside it still fail the run).
#[test]
fn shards_failed_repeat_and_quarantine_work_per_file_with_batching() {
    let want = expected_table();
    let s = suite(true);
    let mut sharded = Vec::new();
    for k in 1..=2 {
        let out = run(&s, &["-j", "1", "--shard", &format!("{k}/2")]);
        assert!(matches!(out.code, Some(0 | 1)), "{}", out.describe());
        sharded.extend(out.verdicts());
    }
    sharded.sort();
    assert_eq!(sharded, want, "the two shards together");

    let first = s
        .ptest(&["-j", "1", "--color", "never"])
        .cwd("pytest")
        .run();
    first.expect_code(1);
    let failed = s
        .ptest(&["-j", "2", "--failed", "--color", "never"])
        .cwd("pytest")
        .reports()
        .run();
    let mut again: Vec<String> = failed.verdicts().into_iter().map(|(id, _)| id).collect();
    again.sort();
    let mut failing: Vec<String> = want
        .iter()
        .filter(|(_, v)| v != "pass")
        .map(|(id, _)| id.clone())
        .collect();
    failing.sort();
    assert_eq!(again, failing, "--failed: {}", failed.describe());

    let repeated = run(&s, &["-j", "2", "--repeat", "2"]);
    let mut twice = verdicts(&repeated);
    twice.dedup();
    assert_eq!(twice, want, "{}", repeated.describe());
    assert_eq!(repeated.verdicts().len(), 2 * want.len());

    let q = suite(true);
    let toml = q.read("pytest/ptest.toml");
    q.file(
        "pytest/ptest.toml",
        &format!("{toml}\n[quarantine]\nfiles = [\"tests/test_fails.py\"]\n"),
    );
    let out = run(&q, &["-j", "1"]);
    out.expect_code(1);
    assert_eq!(verdicts(&out), want, "{}", out.describe());
    assert_eq!(out.file("tests/test_fails.py")["quarantined"], true);
    assert_ne!(out.file("tests/test_math.py")["quarantined"], true);
}

/// A batch that writes a clean report and then dies (a signal, or a
/// non-zero exit with no failing case) is no pass for its files: each runs
/// again alone, and the file at fault is the one that fails.
#[test]
fn a_batch_that_dies_after_a_clean_report_is_no_pass() {
    for (ending, verdict, why, alone, b) in [
        (
            "os.kill(os.getpid(), signal.SIGSEGV)",
            "fail",
            "was killed by SIGSEGV after writing its report",
            "SIGSEGV",
            "pass",
        ),
        (
            "os._exit(3)",
            "fail",
            "exited with code 3",
            "exited with status 3",
            "pass",
        ),
        // test_b's failure must not hide test_exit's crash at exit.
        (
            "os._exit(3)",
            "fail",
            "exited with code 3",
            "exited with status 3",
            "fail",
        ),
    ] {
        let s = Suite::new();
        s.file("ptest.toml", BATCHED_PYTEST);
        // Packed by size for one slot (two batches): test_a alone, test_b
        // with test_exit.
        let pad = |n: usize| "# padding\n".repeat(n);
        s.file(
            "test_a.py",
            &format!("{}def test_a():\n    assert True\n", pad(40)),
        );
        s.file(
            "test_b.py",
            &format!(
                "{}def test_b():\n    assert {}\n",
                pad(38),
                if b == "pass" { "True" } else { "False" }
            ),
        );
        s.file(
            "test_exit.py",
            &format!(
                "import atexit, os, signal\n\ndef test_exit():\n    atexit.register(lambda: {ending})\n"
            ),
        );
        let out = s
            .ptest(&[".", "-j", "1", "--no-history", "--color", "never"])
            .reports()
            .run();
        out.expect_code(1);
        assert_eq!(
            verdicts(&out),
            rows(&[
                ("test_a.py", "pass"),
                ("test_b.py", b),
                ("test_exit.py", verdict),
            ]),
            "{ending}: {}",
            out.describe()
        );
        for file in ["test_b.py", "test_exit.py"] {
            let reasons = out.file(file)["reasons"].to_string();
            assert!(
                reasons.contains(&format!("ran alone: its batch of 2 files {why}")),
                "{ending}: {file}: {reasons}"
            );
        }
        // Alone, its own end is its reason too.
        let reasons = out.file("test_exit.py")["reasons"].clone();
        let own: Vec<&str> = reasons
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str())
            .filter(|r| !r.starts_with("ran alone"))
            .collect();
        assert!(own.iter().any(|r| r.contains(alone)), "{ending}: {reasons}");
    }
}

/// The second costly-start runner of the docs' recipes: Jest with
/// jest-junit (`addFileAttribute`), batched and not, agrees with its
/// README file by file and case by case; the crash is found alone.
#[test]
fn jest_batched_and_unbatched_runs_agree_with_the_readme() {
    let jest = repo().join("sample-suites/jest/node_modules/jest/bin/jest.js");
    assert!(
        jest.exists(),
        "Jest is not installed: run `npm ci` in sample-suites/jest (.ci/run does)"
    );
    let want = readme_table("jest");
    assert_eq!(want.len(), 5, "the README's table: {want:?}");
    let on = run_in(&sample("jest", true), "jest", &["-j", "1"]);
    let off = run_in(&sample("jest", false), "jest", &["-j", "1"]);
    on.expect_code(1);
    off.expect_code(1);
    assert_eq!(verdicts(&on), want, "batched\n{}", on.describe());
    assert_eq!(
        verdicts(&off),
        want,
        "one file per process\n{}",
        off.describe()
    );
    let dry = sample("jest", true)
        .ptest(&["-j", "1", "--dry-run", "--no-history"])
        .cwd("jest")
        .run();
    assert!(
        dry.stdout.contains("Batches: 2 (4 files"),
        "{}",
        dry.describe()
    );
    let cases_on = junit_cases(on.junit_text());
    assert!(
        cases_on.contains(&("fails".to_string(), "failure".to_string())),
        "{cases_on:?}"
    );
    assert!(cases_on.len() >= 8, "{cases_on:?}");
    assert_eq!(cases_on, junit_cases(off.junit_text()));
    let reasons = on.file("tests/crash.test.js")["reasons"].to_string();
    assert!(reasons.contains("SIGABRT"), "{reasons}");
    assert!(reasons.contains("ran alone: its batch of"), "{reasons}");
}
