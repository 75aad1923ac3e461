//! Snapshot tests of what `ptest report flaky` and `ptest report slow`
//! print: the tables (as they are, and fitted to a narrow terminal) and
//! the JSON documents, rendered from a fixed history written in the
//! documented format and read back with `History::load_read_only`.
//!
//! Review a change with `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test --test integration flaky_and_slow_views`),
//! as for `console_output/views.rs`.

use ptest::history::{flaky, slow, History};
use ptest::report::history_views::{flaky_json, render_flaky, render_slow, slow_json};
use serde_json::{json, Value};
use std::path::Path;

const T0: u64 = 1_764_000_000;
/// "Now" for the `LAST FAIL` column: a day after the first run.
const NOW: u64 = T0 + 86_400;

/// Runs from `p`/`f`/`t` letters (pass, fail, timeout) with hash digits,
/// one every hour from [`T0`], with these durations.
fn entry(spec: &str, secs: &[f64]) -> Value {
    let runs: Vec<Value> = spec
        .split_whitespace()
        .zip(secs)
        .enumerate()
        .map(|(i, (w, d))| {
            let verdict = match &w[..1] {
                "p" => "pass",
                "f" => "fail",
                _ => "timeout",
            };
            json!({ "at": T0 + 3600 * i as u64, "duration": d, "verdict": verdict, "hash": w[1..].repeat(16) })
        })
        .collect();
    json!({ "runs": runs })
}

fn fixture() -> History {
    let mut db = entry("p1 f1 p1 p1 f1 p1", &[12.0, 30.0, 12.5, 11.0, 30.0, 14.0]);
    db["cases"] = json!({
        "connects": { "statuses": "pfppfp", "durations": [0.25, 0.3, 0.25, 0.2, 0.3, 0.31], "last_seen": T0 + 5 * 3600 },
        "queries": { "statuses": "pppppp", "durations": [2.0, 2.5, 2.0, 2.1, 2.4, 2.2], "last_seen": T0 + 5 * 3600 }
    });
    let doc = json!({
        "version": 1,
        "files": {
            "t/db.t": db,
            "t/net/a-rather-long-directory-name/with-a-long-file-name.sh": entry("p1 t1 p1 p1", &[3.0, 9.0, 3.5, 2.5]),
            "t/broken.t": entry("f1 f1 f1", &[0.5, 0.5, 0.5]),
            "t/fixed.t": entry("f1 f1 p2 p2", &[1.0, 1.0, 0.8, 0.9]),
            "t/quick.t": entry("p1 p1 p1", &[0.05, 0.04, 0.06]),
        }
    });
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("history.json");
    std::fs::write(&path, doc.to_string()).expect("write the history");
    let loaded = History::load_read_only(&path).expect("reads");
    assert_eq!(loaded.warning, None);
    loaded.history
}

const PATH: &str = ".ptest/history.json";

#[test]
fn flaky_table() {
    let report = flaky::flaky(&fixture(), ptest::config::settings::DEFAULT_MIN_RUNS);
    insta::assert_snapshot!(render_flaky(&report, NOW, None));
}

#[test]
fn flaky_table_on_a_narrow_terminal() {
    let report = flaky::flaky(&fixture(), ptest::config::settings::DEFAULT_MIN_RUNS);
    insta::assert_snapshot!(render_flaky(&report, NOW, Some(60)));
}

#[test]
fn flaky_table_with_min_runs() {
    let report = flaky::flaky(&fixture(), 5);
    insta::assert_snapshot!(render_flaky(&report, NOW, None));
}

#[test]
fn flaky_json_document() {
    let report = flaky::flaky(&fixture(), ptest::config::settings::DEFAULT_MIN_RUNS);
    insta::assert_snapshot!(flaky_json(&report, Path::new(PATH)).expect("encodes"));
}

#[test]
fn slow_table() {
    let report = slow::slow(&fixture(), ptest::config::settings::DEFAULT_TOP, 4);
    insta::assert_snapshot!(render_slow(&report, None));
}

#[test]
fn slow_table_top_two_on_a_narrow_terminal() {
    let report = slow::slow(&fixture(), 2, 4);
    insta::assert_snapshot!(render_slow(&report, Some(60)));
}

#[test]
fn slow_json_document() {
    let report = slow::slow(&fixture(), 3, 4);
    insta::assert_snapshot!(slow_json(&report, Path::new(PATH)).expect("encodes"));
}

#[test]
fn empty_reports() {
    let empty = History::empty();
    let text = render_flaky(&flaky::flaky(&empty, 2), NOW, None)
        + &render_slow(&slow::slow(&empty, 10, 4), None);
    insta::assert_snapshot!(text);
}
