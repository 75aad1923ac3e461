//! ptest's core promises, proven with real processes: files really run in
//! parallel at `-j N` (barrier files: each waits for its peers, with a
//! deadline), never at `-j 1`, never two on one `PTEST_WORKER`; and Ctrl-C /
//! SIGTERM / SIGHUP stop the run cleanly (exit 130, reports still written, no
//! process left behind, SIGKILL after `--grace`, a second Ctrl-C at once).

use crate::common::{
    alive, max_overlap, pid_in, text, wait_for_file, wait_until, Event, Running, Suite,
    VERDICT_OF_RUNNING_AT_INTERRUPT,
};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Asserts that no two files that overlap in the timeline share a worker.
fn assert_workers_never_shared(timeline: &[Event]) {
    let mut running: Vec<&Event> = Vec::new();
    for e in timeline {
        match e.what.as_str() {
            "start" => {
                if let Some(other) = running.iter().find(|r| r.worker == e.worker) {
                    panic!(
                        "{} started on worker {} while {} still ran there\n{timeline:#?}",
                        e.file, e.worker, other.file
                    );
                }
                running.push(e);
            }
            "end" => running.retain(|r| r.file != e.file),
            _ => {}
        }
    }
}

#[test]
fn files_overlap_at_j_n_each_on_its_own_worker() {
    let s = Suite::new();
    for i in 0..3 {
        // Each file waits until all three are running: this can only pass
        // when three files run at the same time.
        s.logged(&format!("tests/t{i}.sh"), "barrier all 3");
    }
    let run = s.run_reports(&["-j", "3"]);
    run.expect_code(0);
    assert_eq!(max_overlap(&run.timeline), 3, "{:#?}", run.timeline);
    let workers: BTreeSet<String> = run.timeline.iter().map(|e| e.worker.clone()).collect();
    assert_eq!(
        workers,
        ["0", "1", "2"].map(String::from).into(),
        "{:#?}",
        run.timeline
    );
    assert_workers_never_shared(&run.timeline);
}

#[test]
fn a_barrier_that_cannot_be_met_fails_the_file_instead_of_hanging() {
    // The harness's own check: a lone file never meets a peer, and the
    // barrier (or the timeout) ends it instead of the run hanging.
    let s = Suite::new();
    s.logged("tests/t0.sh", "barrier all 2");
    let run = s
        .ptest(&["-j", "2", "--timeout", "1s", "--grace", "100ms"])
        .reports()
        .run();
    run.expect_code(1);
    assert_eq!(run.file("tests/t0.sh")["verdict"], "timeout");
}

#[test]
fn files_never_overlap_at_j_1() {
    let s = Suite::new();
    for i in 0..4 {
        s.logged(&format!("tests/t{i}.sh"), "sleep 0.05");
    }
    let run = s.run_reports(&["-j", "1"]);
    run.expect_code(0);
    let kinds: Vec<&str> = run.timeline.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(kinds, ["start", "end"].repeat(4), "{:#?}", run.timeline);
    for pair in run.timeline.chunks(2) {
        assert_eq!(pair[0].file, pair[1].file, "{:#?}", run.timeline);
    }
    assert!(run.timeline.iter().all(|e| e.worker == "0"));
}

#[test]
fn at_j_2_at_most_two_run_and_workers_are_never_shared() {
    let s = Suite::new();
    for i in 0..8 {
        s.logged(
            &format!("tests/t{i}.sh"),
            &format!("sleep 0.0{}", i % 3 + 1),
        );
    }
    let run = s.run_reports(&["-j", "2"]);
    run.expect_code(0);
    assert_eq!(run.timeline.len(), 16);
    assert!(max_overlap(&run.timeline) <= 2, "{:#?}", run.timeline);
    assert_workers_never_shared(&run.timeline);
    let workers: BTreeSet<String> = run.timeline.iter().map(|e| e.worker.clone()).collect();
    assert!(workers.iter().all(|w| w == "0" || w == "1"), "{workers:?}");
    // The summary's worker is the one the file saw.
    for e in run.timeline.iter().filter(|e| e.what == "start") {
        assert_eq!(run.file(&e.file)["worker"].to_string(), e.worker);
    }
}

const DEADLINE: Duration = Duration::from_secs(20);

/// A quick file and four slow ones that leave a grandchild: at `-j 2` in
/// lexical order, slow0 and slow1 are running when the signal comes.
fn interrupt_suite() -> Suite {
    let s = Suite::new();
    s.file("tests/a_quick.sh", "echo done > quick.done\n");
    for i in 0..4 {
        s.file(
            format!("tests/slow{i}.sh"),
            &format!("sleep 300 & echo $! > gc{i}.pid\nsleep 300\n"),
        );
    }
    s
}

fn interrupt_with(signal: i32) {
    let s = interrupt_suite();
    let running = s
        .ptest(&["-j", "2", "--order", "lexical", "--grace", "300ms"])
        .reports()
        .spawn();
    for f in ["quick.done", "gc0.pid", "gc1.pid"] {
        assert!(
            wait_for_file(&s.path().join(f), DEADLINE),
            "{f} never written"
        );
    }
    running.signal(signal);
    let sent = Instant::now();
    let run = running.wait();
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "{}",
        run.describe()
    );
    run.expect_code(130);
    assert_eq!(run.summary()["interrupted"], true);
    let want: Vec<(String, String)> = [
        ("tests/a_quick.sh", "pass"),
        ("tests/slow0.sh", VERDICT_OF_RUNNING_AT_INTERRUPT),
        ("tests/slow1.sh", VERDICT_OF_RUNNING_AT_INTERRUPT),
        ("tests/slow2.sh", "not-run"),
        ("tests/slow3.sh", "not-run"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(run.verdicts(), want);
    assert_eq!(run.summary()["totals"]["files"]["total"], 5);
    // JUnit is still written, with every file in it.
    let junit = run
        .junit
        .as_deref()
        .expect("JUnit written after the signal");
    assert_eq!(junit.matches("<testsuite ").count(), 5, "{junit}");
    // What finished is in the history; what did not finish is not.
    let history = run.history.as_ref().expect("history written");
    assert_eq!(
        history["files"]["tests/a_quick.sh"]["runs"][0]["verdict"],
        "pass"
    );
    assert!(
        history["files"].get("tests/slow3.sh").is_none(),
        "{history:#}"
    );
    for i in 0..2 {
        let pid = pid_in(&s, &format!("gc{i}.pid"));
        assert!(!alive(pid), "grandchild {pid} still running");
    }
    assert!(
        !s.path().join("gc2.pid").exists(),
        "a file started after the signal"
    );
}

#[test]
fn ctrl_c_stops_children_writes_reports_and_exits_130() {
    interrupt_with(libc::SIGINT);
}

#[test]
fn sigterm_stops_children_writes_reports_and_exits_130() {
    interrupt_with(libc::SIGTERM);
}

/// A closed terminal or a dropped ssh session (issue 15, item 15): SIGHUP
/// is handled like SIGTERM, not a death with exit 129 and no reports.
#[test]
fn sighup_stops_children_writes_reports_and_exits_130() {
    interrupt_with(libc::SIGHUP);
}

/// A file whose whole process group ignores SIGTERM.
const IGNORES_TERM: &str = "trap '' TERM\nsleep 300 & echo $! > gc.pid\nlog ready\nwait\n";

/// Starts ptest with `--grace GRACE` on one file that ignores SIGTERM and
/// returns once that file is running.
fn stubborn_run(s: &Suite, grace: &str) -> Running {
    s.logged("tests/stubborn.sh", IGNORES_TERM);
    let running = s.ptest(&["--grace", grace]).reports().spawn();
    assert!(
        wait_until(DEADLINE, || running
            .timeline()
            .iter()
            .any(|e| e.what == "ready")),
        "the file never got ready"
    );
    running
}

#[test]
fn a_child_ignoring_sigterm_gets_sigkill_after_the_grace_period() {
    let s = Suite::new();
    let running = stubborn_run(&s, "1500ms");
    running.signal(libc::SIGINT);
    let sent = Instant::now();
    let run = running.wait();
    let took = sent.elapsed();
    run.expect_code(130);
    assert!(
        took >= Duration::from_millis(1400),
        "killed before the grace period: {took:?}"
    );
    assert!(
        took < Duration::from_secs(10),
        "{took:?}\n{}",
        run.describe()
    );
    assert!(!alive(pid_in(&s, "gc.pid")), "the grandchild survived");
    assert_eq!(
        run.file("tests/stubborn.sh")["verdict"],
        VERDICT_OF_RUNNING_AT_INTERRUPT
    );
    assert!(run.junit.is_some(), "{}", run.describe());
}

#[test]
fn a_second_ctrl_c_kills_at_once() {
    let s = Suite::new();
    let running = stubborn_run(&s, "120s");
    running.signal(libc::SIGINT);
    assert!(
        wait_until(DEADLINE, || running
            .stdout_so_far()
            .contains("press Ctrl-C again")),
        "no notice of the first Ctrl-C: {}",
        running.stdout_so_far()
    );
    running.signal(libc::SIGINT);
    let sent = Instant::now();
    let run = running.wait();
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "{}",
        run.describe()
    );
    run.expect_code(130);
    assert!(!alive(pid_in(&s, "gc.pid")), "the grandchild survived");
    assert_eq!(
        text(&run.file("tests/stubborn.sh")["id"]),
        "tests/stubborn.sh"
    );
}
