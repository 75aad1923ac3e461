use super::*;
use crate::outcome::UnitSummary;
use crate::parse::CaseResult;
use crate::unit::{Runner, Unit};
use std::fs;
use std::path::Path;

fn file(id: &str, verdict: Verdict, secs: Option<f64>, at: u64) -> UnitSummary {
    let mut f = UnitSummary::not_run(id.into(), id.into(), "");
    f.reasons.clear();
    f.verdict = verdict;
    f.attempts = 1;
    f.duration = secs.map(Duration::from_secs_f64);
    f.started_at = Some(at as f64 + 0.25);
    f.protocol = Some(Protocol::Tap);
    f
}

fn summary(files: Vec<UnitSummary>) -> RunSummary {
    crate::testing::SummaryFixture::new(files)
        .started_at("2026-01-01T00:00:00.000Z")
        .build()
}

fn case(number: u64, name: &str, status: CaseStatus, ms: Option<u64>) -> CaseResult {
    CaseResult {
        number: Some(number),
        name: name.into(),
        status,
        reason: None,
        diagnostics: String::new(),
        line: None,
        duration: ms.map(Duration::from_millis),
        ..Default::default()
    }
}

fn no_hashes() -> HashMap<String, String> {
    HashMap::new()
}

const T0: u64 = 1_764_000_000;

/// A history where `id` ran once per duration, in order, all with `hash`.
fn runs(id: &str, secs: &[f64], hash: Option<&str>) -> History {
    let mut h = History::empty();
    for (i, s) in secs.iter().enumerate() {
        let mut hashes = HashMap::new();
        if let Some(hash) = hash {
            hashes.insert(id.to_string(), hash.to_string());
        }
        h.record(
            &summary(vec![file(id, Verdict::Pass, Some(*s), T0 + i as u64)]),
            &hashes,
        );
    }
    h
}

fn secs(d: Option<Duration>) -> Option<f64> {
    d.map(|d| d.as_secs_f64())
}

#[test]
fn round_trips_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/.ptest/history.json");
    let mut f = file("t/a.t", Verdict::Fail, Some(1.5), T0);
    f.cases = vec![
        case(1, "first", CaseStatus::Pass, Some(20)),
        case(2, "second", CaseStatus::Fail, None),
    ];
    let run = summary(vec![
        f,
        file("t/b.t", Verdict::Timeout, Some(30.0), T0),
        file("t/c.t", Verdict::Error, None, T0),
    ]);
    let hashes = HashMap::from([("t/a.t".to_string(), "ab".repeat(32))]);
    assert_eq!(update(&path, &run, &hashes).unwrap(), None);

    let mut expected = History::empty();
    expected.record(&run, &hashes);
    let loaded = History::load(&path).unwrap();
    assert_eq!(loaded.warning, None);
    assert_eq!(loaded.history, expected);

    let a = loaded.history.file("t/a.t").unwrap();
    assert_eq!(a.runs[0].hash.as_deref(), Some("abababababababab"));
    assert_eq!(a.runs[0].at, T0);
    assert_eq!(a.cases["first"].statuses, "p");
    assert_eq!(a.cases["first"].durations, vec![Some(0.02)]);
    assert_eq!(a.cases["second"].statuses(), vec![CaseStatus::Fail]);
    assert!(loaded.history.failed_last_time("t/a.t"));
    assert_eq!(secs(loaded.history.expected("t/b.t")), Some(30.0));
    assert_eq!(loaded.history.expected("t/c.t"), None);

    let text = fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["files"]["t/b.t"]["runs"][0]["verdict"], "timeout");
    assert_eq!(json["files"]["t/b.t"]["runs"][0]["duration"], 30.0);
    assert!(json["files"]["t/c.t"]["runs"][0].get("duration").is_none());
    let names: Vec<String> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"history.json.lock".to_string()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
}

#[test]
fn missing_file_is_an_empty_history_without_warning() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = History::load(&dir.path().join("history.json")).unwrap();
    assert!(loaded.history.is_empty());
    assert_eq!(loaded.warning, None);
}

fn corrupt_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("history.json.corrupt-"))
        .collect();
    v.sort();
    v
}

fn assert_set_aside(bytes: &[u8], why: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    fs::write(&path, bytes).unwrap();
    let loaded = History::load(&path).unwrap();
    assert!(loaded.history.is_empty());
    let warning = loaded.warning.expect("a warning");
    let aside = corrupt_files(dir.path());
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(fs::read(&aside[0]).unwrap(), bytes, "old bytes kept");
    assert!(!path.exists(), "the bad file was moved, not copied");
    assert!(warning.contains(&path.display().to_string()), "{warning}");
    assert!(
        warning.contains(&aside[0].display().to_string()),
        "{warning}"
    );
    assert!(warning.contains(why), "{warning}");
}

#[test]
fn corrupt_file_is_set_aside_with_a_warning() {
    assert_set_aside(b"{ this is not json", "not valid JSON");
    assert_set_aside(b"", "not valid JSON");
    assert_set_aside(b"[1, 2, 3]", "no \"version\"");
    assert_set_aside(
        br#"{"version": 1, "files": {"a.t": {"runs": "nope"}}}"#,
        "does not match",
    );
}

#[test]
fn read_only_load_leaves_a_corrupt_file_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    fs::write(&path, b"{ not json").unwrap();
    let loaded = History::load_read_only(&path).unwrap();
    assert!(loaded.history.is_empty());
    let warning = loaded.warning.expect("a warning");
    assert!(warning.contains("not valid JSON"), "{warning}");
    assert_eq!(fs::read(&path).unwrap(), b"{ not json", "left as is");
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no lock file, nothing set aside: {names:?}");
}

#[test]
fn truncated_file_is_set_aside() {
    let h = runs("t/a.t", &[1.0, 2.0, 3.0], Some("abc"));
    let full = serde_json::to_vec(&DocForTest {
        version: 1,
        files: &h.files,
    })
    .unwrap();
    assert_set_aside(&full[..full.len() / 2], "not valid JSON");
}

#[derive(serde::Serialize)]
struct DocForTest<'a> {
    version: u32,
    files: &'a BTreeMap<String, UnitHistory>,
}

#[test]
fn future_version_is_set_aside() {
    assert_set_aside(br#"{"version": 2, "files": {}}"#, "newer ptest");
    assert_set_aside(br#"{"version": 0, "files": {}}"#, "unsupported");
}

#[test]
fn update_over_a_corrupt_file_sets_it_aside_and_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    fs::write(&path, b"garbage").unwrap();
    let run = summary(vec![file("a.t", Verdict::Pass, Some(1.0), T0)]);
    let warning = update(&path, &run, &no_hashes()).unwrap();
    assert!(warning.is_some_and(|w| w.contains("corrupt-")));
    assert_eq!(corrupt_files(dir.path()).len(), 1);
    let loaded = History::load(&path).unwrap();
    assert_eq!(loaded.warning, None);
    assert_eq!(secs(loaded.history.expected("a.t")), Some(1.0));
}

#[test]
fn unreadable_history_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    fs::create_dir(&path).unwrap(); // reading a directory fails
    let err = History::load(&path).unwrap_err();
    assert!(matches!(err, HistoryError::Read { .. }));
    assert!(err.to_string().contains("history.json"), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn keeps_only_the_last_runs() {
    let all: Vec<f64> = (1..=15).map(f64::from).collect();
    let h = runs("a.t", &all, None);
    let kept: Vec<f64> = h
        .file("a.t")
        .unwrap()
        .runs
        .iter()
        .map(|r| secs(r.duration).unwrap())
        .collect();
    assert_eq!(kept, (6..=15).map(f64::from).collect::<Vec<_>>());
    assert_eq!(kept.len(), MAX_RUNS);
}

#[test]
fn case_statuses_are_capped_too() {
    let mut h = History::empty();
    for i in 0..13 {
        let mut f = file("a.t", Verdict::Pass, Some(1.0), T0 + i);
        let status = if i % 2 == 0 {
            CaseStatus::Pass
        } else {
            CaseStatus::Fail
        };
        f.cases = vec![case(1, "x", status, Some(i * 10))];
        h.record(&summary(vec![f]), &no_hashes());
    }
    let c = &h.file("a.t").unwrap().cases["x"];
    assert_eq!(c.statuses, "fpfpfpfpfp");
    assert_eq!(c.durations.len(), MAX_RUNS);
    assert_eq!(c.durations[0], Some(0.03));
    assert_eq!(c.last_seen, T0 + 12);
}

#[test]
fn median_ignores_one_outlier_and_is_not_the_last_sample() {
    let h = runs(
        "a.t",
        &[2.0, 2.1, 1.9, 2.0, 2.0, 2.2, 1.8, 2.0, 2.0, 100.0],
        None,
    );
    assert_eq!(secs(h.expected("a.t")), Some(2.0));
    let h = runs("a.t", &[1.0, 1.0, 1.0, 50.0], None);
    assert_eq!(secs(h.expected("a.t")), Some(1.0));
    let h = runs("a.t", &[100.0, 1.0, 1.0], None);
    assert_eq!(secs(h.expected("a.t")), Some(1.0));
    let h = runs("a.t", &[1.0, 3.0], None);
    assert_eq!(secs(h.expected("a.t")), Some(2.0));
    assert_eq!(h.expected("unknown.t"), None);
}

#[test]
fn runs_of_the_current_content_weigh_more() {
    let mut h = runs("a.t", &[10.0; 6], Some("old"));
    // An edit made the file fast: three runs of the new content outweigh
    // six of the old (9 > 6), where a plain median would still say 10s;
    // two runs tie (6 = 6) and the median lands halfway.
    for i in 0..3 {
        let hashes = HashMap::from([("a.t".to_string(), "new".to_string())]);
        h.record(
            &summary(vec![file("a.t", Verdict::Pass, Some(1.0), T0 + 100 + i)]),
            &hashes,
        );
        let want = [10.0, 5.5, 1.0][i as usize];
        assert_eq!(
            secs(h.expected("a.t")),
            Some(want),
            "after {} new runs",
            i + 1
        );
    }
    // A single outlier with new content does not move a long stable record.
    let mut h = runs("b.t", &[5.0; 9], Some("v1"));
    let hashes = HashMap::from([("b.t".to_string(), "v2".to_string())]);
    h.record(
        &summary(vec![file("b.t", Verdict::Pass, Some(60.0), T0 + 100)]),
        &hashes,
    );
    assert_eq!(secs(h.expected("b.t")), Some(5.0));
}

#[test]
fn not_run_records_nothing_and_timeout_records_its_duration() {
    let mut h = History::empty();
    h.record(
        &summary(vec![
            file("a.t", Verdict::NotRun, None, T0),
            file("b.t", Verdict::Timeout, Some(30.0), T0),
        ]),
        &no_hashes(),
    );
    assert!(h.file("a.t").is_none());
    assert_eq!(secs(h.expected("b.t")), Some(30.0));
    assert!(h.failed_last_time("b.t"));
    // A NOT RUN later leaves the earlier record alone.
    h.record(
        &summary(vec![file("b.t", Verdict::NotRun, None, T0 + 1)]),
        &no_hashes(),
    );
    assert_eq!(h.file("b.t").unwrap().runs.len(), 1);
}

#[test]
fn failed_last_time_looks_at_the_newest_run_only() {
    let mut h = History::empty();
    for (i, v) in [Verdict::Fail, Verdict::Pass].into_iter().enumerate() {
        h.record(
            &summary(vec![file("a.t", v, Some(1.0), T0 + i as u64)]),
            &no_hashes(),
        );
    }
    assert!(!h.failed_last_time("a.t"));
    h.record(
        &summary(vec![file("a.t", Verdict::Error, None, T0 + 5)]),
        &no_hashes(),
    );
    assert!(h.failed_last_time("a.t"));
    assert!(!h.failed_last_time("never.t"));
}

#[test]
fn flips_count_changes_between_pass_and_fail() {
    let mut h = History::empty();
    let verdicts = [
        Verdict::Pass,
        Verdict::Fail,    // flip
        Verdict::Skip,    // ignored
        Verdict::Timeout, // still failing: no flip
        Verdict::Error,   // ignored
        Verdict::Pass,    // flip
        Verdict::Pass,
        Verdict::Fail, // flip
    ];
    // One content hash: flips are counted inside a hash (as the report does).
    let hashes = HashMap::from([("a.t".to_string(), "ab".repeat(32))]);
    for (i, v) in verdicts.into_iter().enumerate() {
        h.record(
            &summary(vec![file("a.t", v, Some(1.0), T0 + i as u64)]),
            &hashes,
        );
    }
    assert_eq!(h.file("a.t").unwrap().flips, 3);
}

/// One attempt of a retried run.
fn attempt(number: u32, verdict: Verdict) -> crate::outcome::AttemptRecord {
    let mut f = file("a.t", verdict, Some(1.0), T0);
    f.attempts = number;
    crate::outcome::AttemptRecord::of(&f)
}

#[test]
fn recorded_flips_follow_the_flaky_reports_rule() {
    let v1 = HashMap::from([("a.t".to_string(), "v1".repeat(8))]);
    let v2 = HashMap::from([("a.t".to_string(), "v2".repeat(8))]);
    let mut h = History::empty();
    let record = |h: &mut History,
                  verdict: Verdict,
                  attempts: &[Verdict],
                  hashes: &HashMap<String, String>,
                  at: u64| {
        let mut f = file("a.t", verdict, Some(1.0), at);
        f.attempts = attempts.len().max(1) as u32;
        f.attempt_results = attempts
            .iter()
            .enumerate()
            .map(|(i, v)| attempt(i as u32 + 1, *v))
            .collect();
        h.record(&summary(vec![f]), hashes);
    };
    // A pass after a retry is a flip inside the run.
    record(
        &mut h,
        Verdict::Flaky,
        &[Verdict::Fail, Verdict::Pass],
        &v1,
        T0,
    );
    assert_eq!(h.file("a.t").unwrap().flips, 1);
    // An edit that breaks it is a change, not a flip; its fix (back to
    // v1's content) is compared with v1's last outcome, a pass.
    record(&mut h, Verdict::Fail, &[], &v2, T0 + 1);
    record(&mut h, Verdict::Pass, &[], &v1, T0 + 2);
    assert_eq!(h.file("a.t").unwrap().flips, 1);
    // Unknown content never flips.
    record(&mut h, Verdict::Fail, &[], &no_hashes(), T0 + 3);
    assert_eq!(h.file("a.t").unwrap().flips, 1);
    // The report counts the same flips over the same runs.
    let report = crate::history::flaky::flaky(&h, 1);
    let entry = report
        .files
        .iter()
        .find(|e| e.file == "a.t")
        .expect("flaky");
    assert_eq!(entry.flips, h.file("a.t").unwrap().flips);
}

#[test]
fn cases_are_keyed_by_name_and_pruned_when_gone() {
    let mut h = History::empty();
    let mut f = file("a.t", Verdict::Pass, Some(1.0), T0);
    f.cases = vec![
        case(1, "same", CaseStatus::Pass, None),
        case(2, "same", CaseStatus::Skip, None),
        case(3, "", CaseStatus::TodoFail, None),
        case(4, "old", CaseStatus::TodoPass, None),
    ];
    h.record(&summary(vec![f]), &no_hashes());
    let cases = &h.file("a.t").unwrap().cases;
    let keys: Vec<&str> = cases.keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["#3", "old", "same", "same #2"]);
    assert_eq!(cases["#3"].statuses, "t");
    assert_eq!(cases["old"].statuses, "u");
    assert!(cases["same"].durations.is_empty() || all_unknown(&cases["same"].durations));

    // "old" disappears; once its last run leaves the window it is dropped.
    for i in 1..=MAX_RUNS as u64 {
        let mut f = file("a.t", Verdict::Pass, Some(1.0), T0 + i);
        f.cases = vec![case(1, "same", CaseStatus::Pass, None)];
        h.record(&summary(vec![f]), &no_hashes());
        let present = h.file("a.t").unwrap().cases.contains_key("old");
        assert_eq!(present, (i as usize) < MAX_RUNS, "after {i} runs");
    }

    // Exit-code files' single case is the file itself: not recorded.
    let mut f = file("b.sh", Verdict::Pass, Some(1.0), T0);
    f.protocol = Some(Protocol::ExitCode);
    f.cases = vec![case(1, "b.sh", CaseStatus::Pass, None)];
    h.record(&summary(vec![f]), &no_hashes());
    assert!(h.file("b.sh").unwrap().cases.is_empty());
}

#[test]
fn files_not_run_for_90_days_are_dropped() {
    let mut h = History::empty();
    h.record(
        &summary(vec![file("gone.t", Verdict::Pass, Some(1.0), T0)]),
        &no_hashes(),
    );
    h.record(
        &summary(vec![file(
            "kept.t",
            Verdict::Pass,
            Some(1.0),
            T0 + 89 * 86_400,
        )]),
        &no_hashes(),
    );
    assert!(h.file("gone.t").is_some());
    h.record(
        &summary(vec![file(
            "new.t",
            Verdict::Pass,
            Some(1.0),
            T0 + 91 * 86_400,
        )]),
        &no_hashes(),
    );
    assert!(h.file("gone.t").is_none());
    assert!(h.file("kept.t").is_some());
}

#[test]
fn hashes_readable_files_with_blake3() {
    let dir = tempfile::tempdir().unwrap();
    let mk = |name: &str, content: Option<&[u8]>| {
        let path = dir.path().join(name);
        if let Some(c) = content {
            fs::write(&path, c).unwrap();
        }
        Unit::file(name.into(), path, Runner::Direct, None, 0)
    };
    let files = [
        mk("a.t", Some(b"hello")),
        mk("b.t", Some(b"world")),
        mk("missing.t", None),
    ];
    let hashes = hash_files(files.iter().map(|f| (f.id.as_str(), f.path())));
    assert_eq!(hashes.len(), 2);
    assert_eq!(hashes["a.t"], blake3::hash(b"hello").to_hex().to_string());
    assert_eq!(hashes["a.t"].len(), 64);
    assert_ne!(hashes["a.t"], hashes["b.t"]);
}

#[test]
fn a_test_binary_is_keyed_by_size_and_mtime_once_for_all_its_tests() {
    use crate::unit::ContentKey;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("calc-0a1b");
    fs::write(&bin, b"binary").unwrap();
    let units = [
        ("calc tests::a", ContentKey::Stamp(&bin)),
        ("calc tests::b", ContentKey::Stamp(&bin)),
    ];
    let first = hash_contents(units);
    assert_eq!(first.len(), 2);
    assert_eq!(first["calc tests::a"], first["calc tests::b"]);
    assert_ne!(
        first["calc tests::a"],
        blake3::hash(b"binary").to_hex().to_string()
    );
    assert_eq!(hash_contents(units), first);
    fs::write(&bin, b"relinked binary").unwrap();
    assert_ne!(
        hash_contents(units)["calc tests::a"],
        first["calc tests::a"]
    );
}

/// Each writer records its own files `count` times, plus a shared file.
fn write_many(path: &Path, tag: &str, count: u64) {
    for i in 0..count {
        let run = summary(vec![
            file(&format!("{tag}.t"), Verdict::Pass, Some(i as f64), T0 + i),
            file("shared.t", Verdict::Pass, Some(1.0), T0 + i),
        ]);
        update(path, &run, &no_hashes()).unwrap();
    }
}

fn assert_all_writers_present(path: &Path, tags: &[String], count: u64) {
    let loaded = History::load(path).unwrap();
    assert_eq!(loaded.warning, None);
    for tag in tags {
        let runs = &loaded.history.file(&format!("{tag}.t")).unwrap().runs;
        let got: Vec<f64> = runs.iter().map(|r| secs(r.duration).unwrap()).collect();
        let want: Vec<f64> = (0..count).map(|i| i as f64).collect();
        assert_eq!(got, want, "runs of {tag}");
    }
    let shared = loaded.history.file("shared.t").unwrap();
    assert_eq!(shared.runs.len(), MAX_RUNS);
}

#[test]
fn concurrent_threads_never_lose_updates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".ptest/history.json");
    let tags: Vec<String> = (0..4).map(|k| format!("thread{k}")).collect();
    std::thread::scope(|s| {
        for tag in &tags {
            let path = &path;
            s.spawn(move || write_many(path, tag, 8));
        }
    });
    assert_all_writers_present(&path, &tags, 8);
    let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

const CHILD_PATH: &str = "PTEST_HISTORY_TEST_CHILD_PATH";
const CHILD_TAG: &str = "PTEST_HISTORY_TEST_CHILD_TAG";

/// The writer half of `concurrent_processes_never_lose_updates`: does
/// nothing unless started by it.
#[test]
fn child_process_writer() {
    if let (Ok(path), Ok(tag)) = (std::env::var(CHILD_PATH), std::env::var(CHILD_TAG)) {
        write_many(Path::new(&path), &tag, 8);
    }
}

#[test]
fn concurrent_processes_never_lose_updates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    let exe = std::env::current_exe().unwrap();
    let tags: Vec<String> = (0..3).map(|k| format!("process{k}")).collect();
    let children: Vec<_> = tags
        .iter()
        .map(|tag| {
            std::process::Command::new(&exe)
                .args(["--exact", "history::tests::child_process_writer", "--quiet"])
                .env(CHILD_PATH, &path)
                .env(CHILD_TAG, tag)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_all_writers_present(&path, &tags, 8);
}

#[test]
fn update_with_a_bad_entry_midway_sets_the_file_aside_and_keeps_this_run() {
    // Valid JSON and version; the second entry does not match the format.
    // A bad `at` is seen by the first, light pass; a bad verdict only while
    // the new file is being written.
    let bad_at: &[u8] = br#"{"version":1,"files":{"a.t":{"runs":[{"at":1764000000,"verdict":"pass"}]},"b.t":{"runs":[{"at":"soon","verdict":"pass"}]}}}"#;
    let bad_verdict: &[u8] = br#"{"version":1,"files":{"a.t":{"runs":[{"at":1764000000,"verdict":"pass"}]},"b.t":{"runs":[{"at":1764000000,"verdict":"maybe"}]}}}"#;
    for bad in [bad_at, bad_verdict] {
        bad_entry_case(bad);
    }
}

fn bad_entry_case(bad: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    fs::write(&path, bad).unwrap();
    let run = summary(vec![file("c.t", Verdict::Fail, Some(2.0), T0)]);
    let warning = update(&path, &run, &no_hashes()).unwrap();
    assert!(warning.is_some_and(|w| w.contains("does not match")));
    let aside = corrupt_files(dir.path());
    assert_eq!(aside.len(), 1);
    assert_eq!(fs::read(&aside[0]).unwrap(), bad.to_vec(), "old bytes kept");
    let loaded = History::load(&path).unwrap();
    assert_eq!(loaded.warning, None);
    assert!(loaded.history.file("a.t").is_none(), "started again");
    assert!(loaded.history.failed_last_time("c.t"));
    // No temporary file is left behind.
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn update_streams_other_files_through_and_expires_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    let first = summary(vec![
        file("old.t", Verdict::Pass, Some(1.0), T0),
        file("kept.t", Verdict::Pass, Some(3.0), T0 + 50 * 86_400),
    ]);
    update(&path, &first, &no_hashes()).unwrap();
    let second = summary(vec![file(
        "new.t",
        Verdict::Pass,
        Some(5.0),
        T0 + 100 * 86_400,
    )]);
    update(&path, &second, &no_hashes()).unwrap();
    let loaded = History::load(&path).unwrap().history;
    assert!(loaded.file("old.t").is_none(), "not run for 100 days");
    assert_eq!(secs(loaded.expected("kept.t")), Some(3.0));
    assert_eq!(secs(loaded.expected("new.t")), Some(5.0));
    // The streamed file equals what the in-memory history gives.
    let mut expected = History::empty();
    expected.record(&first, &no_hashes());
    expected.record(&second, &no_hashes());
    assert_eq!(loaded, expected);
}

/// Found by fuzzing (`fuzz/`, target `history`): one run recorded with a
/// clock far in the future made every later run expire at once, so nothing
/// was recorded any more.
#[test]
fn a_run_recorded_in_the_future_does_not_expire_later_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.json");
    let future = unix_now() + 50 * 365 * 86_400;
    fs::write(
        &path,
        format!(r#"{{"version":1,"files":{{"skewed.t":{{"runs":[{{"at":{future},"verdict":"pass"}}]}}}}}}"#),
    )
    .unwrap();
    let now = unix_now();
    let run = summary(vec![file("now.t", Verdict::Pass, Some(1.0), now)]);
    assert_eq!(update(&path, &run, &no_hashes()).unwrap(), None);
    let loaded = History::load(&path).unwrap().history;
    assert!(
        loaded.file("now.t").is_some(),
        "this run's file was dropped"
    );
    assert!(loaded.file("skewed.t").is_some());

    let mut in_memory = History::load(&path).unwrap().history;
    in_memory.record(&run, &no_hashes());
    assert_eq!(in_memory.file("now.t").map(|f| f.runs.len()), Some(2));
}
