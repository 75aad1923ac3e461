//! Integration tests for discovery's hard cases, against the real `ptest`
//! binary: file names that are not UTF-8 or hold control characters,
//! directories and files that cannot be read, and quoted globs.
//!
//! Permission tests need an unprivileged user: when the tests run as root,
//! ptest is started through `setpriv` (or `runuser`) as `nobody`, in a temp
//! dir that user can write to.

use crate::common::Suite;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// A suite whose root `nobody` may write to too (see the module docs).
fn suite() -> Suite {
    let s = Suite::new();
    s.chmod("", 0o777);
    s
}

/// A path made of raw bytes, so that it may be invalid UTF-8.
fn bytes(rel: &[u8]) -> &OsStr {
    OsStr::from_bytes(rel)
}

const PASS: &str = "echo 1..1; echo ok 1\n";
const FAIL: &str = "echo 1..1; echo 'not ok 1'\n";

#[test]
fn names_that_are_not_utf8_get_distinct_ids_and_every_report_is_written() {
    let suite = suite();
    suite.file(bytes(b"t/a\xFF.sh"), PASS);
    suite.file(bytes(b"t/a\xFE.sh"), FAIL);
    // A valid name that spells the escape of the first one.
    suite.file(bytes(b"t/a%FF.sh"), PASS);
    let ran = suite.run_reports(&["t"]);
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    let summary = ran.summary();
    let mut got = ran.verdicts();
    got.sort();
    assert_eq!(
        got,
        [
            ("t/a%25FF.sh".to_string(), "pass".to_string()),
            ("t/a%FE.sh".to_string(), "fail".to_string()),
            ("t/a%FF.sh".to_string(), "pass".to_string()),
        ]
    );
    // The path reads back as the same bytes, so `ptest merge` can hash it.
    let paths: Vec<&str> = summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(paths.contains(&"t/a%FE.sh"), "{paths:?}");
    let junit = ran.junit_text();
    assert!(junit.contains("t/a%FE.sh") && junit.contains("t/a%FF.sh"));
    let history = suite.read(".ptest/history.json");
    for id in ["t/a%FE.sh", "t/a%FF.sh", "t/a%25FF.sh"] {
        assert!(history.contains(id), "{id} not in history");
        assert!(ran.stdout.contains(id), "{id} not on the console");
    }
    let runs: Vec<_> = std::fs::read_dir(suite.path().join(".ptest/runs"))
        .expect("runs")
        .collect();
    assert_eq!(runs.len(), 1);
    let run_dir = runs[0].as_ref().expect("entry").path();
    assert!(
        run_dir.join("summary.json").is_file(),
        "run summary written"
    );
}

#[test]
fn unreadable_directories_are_errors_and_the_rest_still_runs() {
    let suite = suite();
    suite.file("t/ok.sh", PASS);
    suite.file("t/unsearchable/x.sh", PASS);
    suite.file("t/unlistable/y.sh", PASS);
    suite.chmod("t/unsearchable", 0o644);
    suite.chmod("t/unlistable", 0o311);
    let Some(ptest) = suite.ptest(&["t"]).reports().unprivileged() else {
        return;
    };
    let ran = ptest.run();
    // Let the temp dir be removed whatever happened.
    suite.chmod("t/unsearchable", 0o755);
    suite.chmod("t/unlistable", 0o755);
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.verdicts(),
        [
            ("t/ok.sh".to_string(), "pass".to_string()),
            ("t/unlistable".to_string(), "error".to_string()),
            ("t/unsearchable".to_string(), "error".to_string()),
        ]
    );
    let unlistable = ran.file("t/unlistable")["reasons"].to_string();
    assert!(
        unlistable.contains("cannot list directory: permission denied"),
        "{unlistable}"
    );
    let unsearchable = ran.file("t/unsearchable")["reasons"].to_string();
    assert!(
        unsearchable.contains("cannot search directory: permission denied")
            && unsearchable.contains("1 entry"),
        "{unsearchable}"
    );
}

#[test]
fn a_named_file_under_an_unsearchable_directory_says_why() {
    let suite = suite();
    suite.file("t/ok.sh", PASS);
    suite.file("t/closed/x.sh", PASS);
    suite.chmod("t/closed", 0o644);
    let ran = suite
        .ptest(&["t/closed/x.sh", "t/ok.sh"])
        .reports()
        .unprivileged()
        .map(|ptest| ptest.run());
    suite.chmod("t/closed", 0o755);
    let Some(ran) = ran else { return };
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    assert!(!ran.stderr.contains("path not found"), "{}", ran.stderr);
    assert_eq!(
        ran.verdicts(),
        [
            ("t/closed/x.sh".to_string(), "error".to_string()),
            ("t/ok.sh".to_string(), "pass".to_string()),
        ]
    );
    let reason = ran.file("t/closed/x.sh")["reasons"].to_string();
    assert!(
        reason.contains("cannot access t/closed/x.sh: permission denied"),
        "{reason}"
    );
}

#[test]
fn an_unreadable_test_file_is_an_error_not_a_failure() {
    let suite = suite();
    suite.file("t/ok.sh", PASS);
    suite.file_mode("t/secret.sh", PASS, 0o200);
    let Some(ptest) = suite.ptest(&["t"]).reports().unprivileged() else {
        return;
    };
    let ran = ptest.run();
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.verdicts(),
        [
            ("t/ok.sh".to_string(), "pass".to_string()),
            ("t/secret.sh".to_string(), "error".to_string()),
        ]
    );
    let secret = ran.file("t/secret.sh");
    // Discovery's sentence stands alone (no "cannot start: cannot read"),
    // and a file no child ran for has no duration (no "ERROR 0ms" line, no
    // place among the timed files).
    assert_eq!(
        secret["reasons"],
        serde_json::json!(["cannot read t/secret.sh: permission denied"]),
        "{secret:#}"
    );
    assert!(secret.get("duration").is_none(), "{secret:#}");
    let line = ran
        .stdout
        .lines()
        .find(|l| l.contains("t/secret.sh") && l.starts_with("ERROR"))
        .expect("the file's console line");
    assert!(!line.contains("0ms"), "{line}");
}

#[test]
fn a_quoted_glob_keeps_files_that_are_not_executable() {
    let suite = suite();
    suite.executable(
        "bin/bats",
        "#!/bin/sh\n[ \"$1\" = --tap ] && shift\nexec sh \"$1\"\n",
    );
    suite.executable("test/a.bats", &format!("#!/bin/sh\n{PASS}"));
    suite.file("test/b.bats", FAIL);
    let listed = suite.run(&["test/*.bats", "--exec", "bin/bats --tap", "--list"]);
    assert_eq!(listed.code, Some(0), "{}", listed.stderr);
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", listed.stdout);
    assert!(
        lines.iter().all(|l| l.ends_with("bin/bats --tap")),
        "{lines:?}"
    );

    let ran = suite.run_reports(&["test/*.bats", "--exec", "bin/bats --tap"]);
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.verdicts(),
        [
            ("test/a.bats".to_string(), "pass".to_string()),
            ("test/b.bats".to_string(), "fail".to_string()),
        ]
    );

    // Without a runner the non-executable one is an ERROR, not dropped.
    let ran = suite.run_reports(&["test/*.bats"]);
    assert_eq!(
        ran.verdicts(),
        [
            ("test/a.bats".to_string(), "pass".to_string()),
            ("test/b.bats".to_string(), "error".to_string()),
        ]
    );
}

#[test]
fn control_characters_in_names_are_shown_escaped_and_columns_line_up() {
    let suite = suite();
    suite.file("t/a\x1b[31mred\nline.sh", FAIL);
    suite.file("t/日本.sh", PASS);
    suite.file("t/b.sh", PASS);
    let ran = suite.run_reports(&["t", "--color", "never"]);
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    assert!(
        !ran.stdout.contains('\x1b'),
        "raw escape on the console:\n{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains(r"t/a\x1b[31mred\nline.sh"),
        "{}",
        ran.stdout
    );
    // Every line of the summary's failure list holds the whole name.
    assert!(
        ran.stdout
            .lines()
            .any(|l| l.starts_with("  FAIL") && l.contains(r"red\nline.sh")),
        "{}",
        ran.stdout
    );
    // The id itself is unchanged: JSON escapes it its own way.
    let ids: Vec<String> = ran.verdicts().into_iter().map(|(id, _)| id).collect();
    assert!(
        ids.contains(&"t/a\x1b[31mred\nline.sh".to_string()),
        "{ids:?}"
    );

    let listed = suite.run(&["t", "--list"]);
    let columns: Vec<usize> = listed
        .stdout
        .lines()
        .map(|line| {
            let at = line.find("tap-or-exit-code").expect("protocol column");
            unicode_columns(&line[..at])
        })
        .collect();
    assert_eq!(columns.len(), 3, "{}", listed.stdout);
    assert!(
        columns.windows(2).all(|w| w[0] == w[1]),
        "{}",
        listed.stdout
    );
    assert!(!listed.stdout.contains('\x1b') && listed.stdout.lines().count() == 3);
}

/// Display columns of plain text (test-side: ASCII 1, CJK 2).
fn unicode_columns(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if ('\u{3000}'..='\u{9fff}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}
