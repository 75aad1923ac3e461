//! Issue 15's runner items, each proven on the real `ptest` binary with
//! real children: what a test leaves where ptest reads (a FIFO at
//! `PTEST_JUNIT_FILE`), tests that leave their process group, report paths
//! that are not regular files, and a state directory that cannot be
//! written. Every wait is bounded: a hang fails the test instead of
//! hanging it.

mod common;

use common::Suite;
use std::time::Duration;

/// The reasons of file `id` in the run's JSON summary, joined.
fn reasons(run: &common::Run, id: &str) -> String {
    run.file(id)["reasons"].to_string()
}

/// Issue 15, item 12: a FIFO at `PTEST_JUNIT_FILE` used to block ptest's
/// worker in `open(2)` forever. It is opened without blocking, found not
/// to be a regular file, and that file is an ERROR saying so; the run
/// ends.
#[test]
fn a_fifo_at_ptest_junit_file_is_an_error_not_a_hang() {
    let s = Suite::new();
    s.file(
        "t/fifo.sh",
        "mkfifo \"$PTEST_JUNIT_FILE\" || exit 7\necho 1..1\necho ok 1\n",
    );
    s.file("t/plain.sh", "echo 1..1\necho ok 1\n");
    let run = s
        .ptest(&["t", "-j", "2"])
        .reports()
        .deadline(Duration::from_secs(30))
        .run();
    run.expect_code(1);
    assert_eq!(
        run.verdicts(),
        [
            ("t/fifo.sh".to_string(), "error".to_string()),
            ("t/plain.sh".to_string(), "pass".to_string()),
        ],
        "{}",
        run.describe()
    );
    let why = reasons(&run, "t/fifo.sh");
    assert!(why.contains("is not a regular file but a FIFO"), "{why}");
}
