//! Snapshot tests of what ptest prints: the console's file line, failure
//! details and summary, the `--list` table, the `--dry-run` plan, and the
//! notes under a run's or a merge's summary.
//!
//! Each view is rendered from fixed data (a [`SummaryFixture`], a plan of
//! fixed files and durations), without colour, and compared with the
//! committed `snapshots/integration__console_output__views__*.snap` file.
//! A change to the output shows up as a diff to review: `cargo insta
//! review` (or `INSTA_UPDATE=always cargo test --test integration views`
//! without cargo-insta) accepts it. With `CI` set, insta writes nothing and a mismatch or a
//! missing snapshot fails the test.

use ptest::outcome::ChildStatus;
use ptest::outcome::{RunSummary, UnitSummary, Verdict};
use ptest::parse::{CaseResult, CaseStatus, Protocol};
use ptest::plan::{self, Expectations, ImportedDurations, Order, Plan, PlanOptions};
use ptest::report::console::{render_details, render_file_line, render_summary, Palette};
use ptest::report::views;
use ptest::testing::{case, SummaryFixture};
use ptest::unit::{Runner, Unit};
use std::path::PathBuf;
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn file(id: &str, verdict: Verdict, duration: u64, cases: Vec<CaseResult>) -> UnitSummary {
    let mut f = UnitSummary::not_run(id.into(), id.into(), "");
    f.verdict = verdict;
    f.reasons = Vec::new();
    f.protocol = Some(Protocol::Tap);
    f.status = Some(ChildStatus::Exited { code: 0 });
    f.duration = Some(ms(duration));
    f.started_at = Some(1_795_409_198.5);
    f.worker = Some(0);
    f.attempts = 1;
    f.cases = cases;
    f
}

/// A passing file, a failing TAP file with output, a timeout, a skip and a
/// file that never ran.
fn mixed_files() -> Vec<UnitSummary> {
    let pass = file(
        "t/pass.t",
        Verdict::Pass,
        820,
        vec![
            case(1, "one", CaseStatus::Pass),
            case(2, "two", CaseStatus::Pass),
        ],
    );
    let mut fail = file(
        "t/fail.t",
        Verdict::Fail,
        1_250,
        vec![
            case(1, "adds", CaseStatus::Pass),
            case(2, "subtracts", CaseStatus::Fail),
        ],
    );
    fail.cases[1].diagnostics =
        "#   Failed test 'subtracts'\n#          got: 1\n#     expected: 2".into();
    fail.reasons = vec!["failed tests 2".into()];
    fail.status = Some(ChildStatus::Exited { code: 1 });
    fail.stdout_tail = "1..2\nok 1 - adds\nnot ok 2 - subtracts\n".into();
    fail.stderr_tail = "#   Failed test 'subtracts'\n".into();
    let mut timeout = file("t/hang.sh", Verdict::Timeout, 2_000, Vec::new());
    timeout.protocol = Some(Protocol::ExitCode);
    timeout.reasons = vec!["timed out after 2.0s".into()];
    timeout.status = Some(ChildStatus::TimedOut {
        after: Duration::from_secs(2),
    });
    let mut skip = file("t/windows.t", Verdict::Skip, 31, Vec::new());
    skip.reasons = vec!["skipped: Windows-only checks".into()];
    let not_run = UnitSummary::not_run(
        "t/later.t".into(),
        "t/later.t".into(),
        "an earlier file bailed out",
    );
    vec![pass, fail, timeout, skip, not_run]
}

fn mixed_summary() -> RunSummary {
    SummaryFixture::new(mixed_files())
        .jobs(2)
        .wall(ms(2_400))
        .build()
}

#[test]
fn file_lines() {
    let palette = Palette::new(false);
    let lines: String = mixed_files()
        .iter()
        .map(|f| render_file_line(f, &palette))
        .collect();
    insta::assert_snapshot!(lines);
}

#[test]
fn failure_details() {
    let palette = Palette::new(false);
    let failing = &mixed_files()[1];
    insta::assert_snapshot!(render_details(failing, &palette));
}

#[test]
fn summary_of_a_mixed_run() {
    let palette = Palette::new(false);
    insta::assert_snapshot!(render_summary(&mixed_summary(), &palette, ""));
}

#[test]
fn summary_of_an_interrupted_run() {
    let palette = Palette::new(false);
    let mut files = mixed_files();
    files[2].verdict = Verdict::Interrupted;
    files[2].status = Some(ChildStatus::Interrupted);
    files[2].reasons = vec!["interrupted".into()];
    let summary = SummaryFixture::new(files)
        .wall(ms(2_400))
        .interrupted(true)
        .build();
    insta::assert_snapshot!(render_summary(&summary, &palette, ""));
}

fn test_file(id: &str, runner: Runner, protocol: Option<Protocol>, size: u64) -> Unit {
    Unit::file(id.to_string(), PathBuf::from(id), runner, protocol, size)
}

fn perl() -> Runner {
    Runner::Interpreter {
        program: "perl".into(),
        args: Vec::new(),
    }
}

/// Six files of known durations (one unknown), of every runner kind.
fn files() -> Vec<Unit> {
    vec![
        test_file("t/a.t", perl(), Some(Protocol::Tap), 100),
        test_file(
            "t/taint.t",
            Runner::Interpreter {
                program: "perl".into(),
                args: vec!["-T".into()],
            },
            Some(Protocol::Tap),
            200,
        ),
        test_file(
            "tests/b.sh",
            Runner::Interpreter {
                program: "sh".into(),
                args: Vec::new(),
            },
            None,
            300,
        ),
        test_file("tests/run-me", Runner::Direct, None, 400),
        test_file(
            "tests/notes.txt",
            Runner::Unrunnable {
                reason: "not executable and no known extension".into(),
            },
            None,
            50,
        ),
        test_file("tests/new.t", perl(), Some(Protocol::Tap), 600),
    ]
}

fn expectations() -> Expectations {
    let mut imported = ImportedDurations::new();
    for (id, ms_) in [
        ("t/a.t", 3_000),
        ("t/taint.t", 1_200),
        ("tests/b.sh", 800),
        ("tests/run-me", 2_500),
        ("tests/notes.txt", 10),
    ] {
        imported.insert(id, ms(ms_));
    }
    Expectations::new().with_imported(imported)
}

fn plan(shard: Option<&str>) -> Plan {
    let options = PlanOptions {
        jobs: 2,
        order: Order::Lpt,
        shard: shard.map(|s| s.parse().expect("a shard")),
        ..PlanOptions::new(2)
    };
    Plan::build(files(), &expectations(), &options)
}

#[test]
fn list_table() {
    let plan = plan(None);
    assert_eq!(views::list_shard_line(&plan), None);
    insta::assert_snapshot!(views::render_list(&plan));
}

#[test]
fn list_of_a_shard() {
    let plan = plan(Some("2/3"));
    let text = format!(
        "{}\n{}",
        views::list_shard_line(&plan).expect("a shard line"),
        views::render_list(&plan)
    );
    insta::assert_snapshot!(text);
}

#[test]
fn dry_run() {
    insta::assert_snapshot!(plan::render_dry_run(&plan(None)));
}

#[test]
fn dry_run_of_a_shard() {
    insta::assert_snapshot!(plan::render_dry_run(&plan(Some("1/2"))));
}

#[test]
fn bound_note() {
    let plan = plan(None);
    let summary = mixed_summary();
    insta::assert_snapshot!(views::schedule_note(&plan, &summary));
}

#[test]
fn empty_shard_note() {
    let many = plan(Some("3/3"));
    let few = Plan::build(
        files()[..2].to_vec(),
        &expectations(),
        &PlanOptions {
            jobs: 2,
            order: Order::Lpt,
            shard: Some("3/3".parse().expect("a shard")),
            ..PlanOptions::new(2)
        },
    );
    assert_eq!(views::empty_shard_note(&plan(None)), None);
    assert!(!many.entries.is_empty());
    insta::assert_snapshot!(views::empty_shard_note(&few).expect("a note"));
}

#[test]
fn merge_failure_listing() {
    let palette = Palette::new(false);
    insta::assert_snapshot!(views::render_failures(&mixed_summary(), &palette));
}
