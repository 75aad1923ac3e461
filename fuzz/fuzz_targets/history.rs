//! The history reader (`History::load`) and updater (`history::update`) on
//! an arbitrary `history.json`.
//!
//! Both are file-based (they lock, rename and replace the file), so each
//! input is written to a fresh directory (under /dev/shm when it exists).
//! Checks: no panic and no error (bad content is never an I/O error); a file
//! that is not understood is set aside byte for byte, with a warning; a
//! file that loads keeps at most `MAX_RUNS` runs per entry; a file `load`
//! accepts, `update` accepts too (no warning); what `update` writes always
//! loads again, holds the run just recorded and no file id that was not
//! there before.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptest::history::{self, History, MAX_RUNS};
use ptest::outcome::{UnitSummary, RunSummary, Totals, Verdict};
use ptest::parse::{CaseResult, CaseStatus, ProtocolUsed};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

const RECORDED: &str = "t/fuzz.t";

fn scratch() -> PathBuf {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    base.join(format!("ptest-fuzz-history-{}", std::process::id()))
}

fn case(number: u64, name: &str, status: CaseStatus) -> CaseResult {
    CaseResult {
        number: Some(number),
        name: name.to_string(),
        status,
        reason: None,
        diagnostics: String::new(),
        line: None,
        duration: Some(Duration::from_millis(number * 10)),
    }
}

fn summary() -> RunSummary {
    let file = UnitSummary {
        verdict: Verdict::Fail,
        protocol: Some(ProtocolUsed::Tap),
        duration: Some(Duration::from_millis(1500)),
        started_at: None, // now: older runs may expire, this one must not
        cases: vec![
            case(1, "connects", CaseStatus::Pass),
            case(2, "", CaseStatus::Fail),
        ],
        ..UnitSummary::not_run(RECORDED.into(), RECORDED.into(), "fuzz")
    };
    let files = vec![file];
    RunSummary {
        version: 1,
        run_id: "fuzz".into(),
        started_at: "2026-01-01T00:00:00.000Z".into(),
        jobs: 1,
        wall: Duration::from_secs(2),
        shard: None,
        interrupted: false,
        bail_out: None,
        totals: Totals::of(&files),
        files,
    }
}

fn ids(history: &History) -> BTreeSet<String> {
    history.files().map(|(id, _)| id.to_string()).collect()
}

fn check_bounded(history: &History) {
    for (_, file) in history.files() {
        assert!(file.runs.len() <= MAX_RUNS);
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = scratch();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join("history.json");
    std::fs::write(&path, data).expect("write input");

    // load
    let loaded = History::load(&path).expect("bad content is not an I/O error");
    let before = match &loaded.warning {
        None => {
            assert_eq!(
                std::fs::read(&path).ok().as_deref(),
                Some(data),
                "a good file is left alone"
            );
            check_bounded(&loaded.history);
            Some(ids(&loaded.history))
        }
        Some(warning) => {
            assert!(loaded.history.is_empty());
            assert!(!path.exists(), "a bad file is moved aside: {warning}");
            let aside: Vec<_> = std::fs::read_dir(&dir).expect("list").flatten().collect();
            assert_eq!(aside.len(), 2, "the file and its lock: {aside:?}");
            let moved = aside
                .iter()
                .find(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
                .expect("a .corrupt- copy");
            assert_eq!(std::fs::read(moved.path()).ok().as_deref(), Some(data));
            std::fs::write(&path, data).expect("write input again");
            None
        }
    };

    // update
    let warning = history::update(&path, &summary(), &HashMap::new()).expect("update");
    if before.is_some() {
        assert_eq!(warning, None, "update rejected a file that load accepted");
    }
    let after = History::load(&path).expect("reload");
    assert_eq!(after.warning, None, "update wrote a file load cannot read");
    check_bounded(&after.history);
    let recorded = after.history.file(RECORDED).expect("the run just recorded");
    assert_eq!(recorded.runs.last().map(|r| r.verdict), Some(Verdict::Fail));
    if let Some(mut before) = before {
        before.insert(RECORDED.to_string());
        assert!(
            ids(&after.history).is_subset(&before),
            "update invented file ids"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
});
