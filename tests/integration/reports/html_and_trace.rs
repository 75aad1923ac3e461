//! `--html`, `--trace`, `ptest merge --html/--trace` and `ptest report
//! html|trace`, on real runs; the HTML report is opened in headless
//! Chromium (Debian's `chromium`, installed by `.ci/run`) and its DOM read
//! back after its script ran.
//!
//! `PTEST_UPDATE_SCREENSHOT=1 cargo test --test integration html_and_trace` also writes
//! the screenshot to `docs/img/report.png` (shown in the README).

use crate::common::Suite;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

/// A failing TAP file whose name needs escaping in HTML and JS.
const ODD: &str = "t/odd </script> \"q\" é.t";

/// Twelve files on three slots: passes of several lengths, a TAP failure
/// with diagnostics (under an odd name), an exit-code failure, a file that
/// fails once then passes (FLAKY with --retries 1) and a skip.
fn suite() -> Suite {
    let s = Suite::new();
    for (i, ms) in [450, 300, 250, 200, 180, 150, 120].iter().enumerate() {
        s.file(
            format!("t/pass{i}.sh"),
            &format!("sleep {}\necho ok\n", *ms as f64 / 1000.0),
        );
    }
    s.file(
        ODD,
        "print qq{1..3\\nok 1 - opens\\nnot ok 2 - reads the header\\n#   Failed test 'reads the header'\\n#   at t/odd.t line 12.\\n#          got: 'v1'\\n#     expected: 'v2'\\nok 3 - closes\\n};\nselect(undef,undef,undef,0.2);\n",
    )
    .file(
        "t/exit.sh",
        "sleep 0.1\necho 'connecting to db' >&2\necho 'db: connection refused' >&2\nexit 3\n",
    )
    .file(
        "t/flaky.sh",
        "sleep 0.1\n[ \"$PTEST_ATTEMPT\" = 1 ] && { echo 'first attempt fails' >&2; exit 1; }\nexit 0\n",
    )
    .file("t/skip.sh", "exit 77\n")
    .file("t/quick.sh", "exit 0\n");
    s
}

fn chromium() -> &'static str {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's `chromium` (.ci/run does)"
    );
    CHROMIUM
}

/// Runs headless Chromium on `page` (with `hash`), returning the DOM after
/// the page's script ran; with `screenshot`, saves one there too.
fn browse(page: &Path, hash: &str, screenshot: Option<&Path>) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let url = format!("file://{}{hash}", page.display());
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--window-size=1280,900",
        "--virtual-time-budget=5000",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()));
    match screenshot {
        Some(path) => cmd.arg(format!("--screenshot={}", path.display())),
        None => cmd.arg("--dump-dom"),
    };
    let out = cmd.arg(&url).output().expect("chromium starts");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of the element with `id="ID"`, up to its first `<`.
fn text_of(dom: &str, id: &str) -> String {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the DOM"));
    let start = at + dom[at..].find('>').unwrap_or(0) + 1;
    dom[start..].split('<').next().unwrap_or("").to_string()
}

/// The value of attribute `attr` on the element with `id="ID"`.
fn attr_of(dom: &str, id: &str, attr: &str) -> String {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let tag_start = dom[..at].rfind('<').unwrap_or(0);
    let tag = &dom[tag_start..tag_start + dom[tag_start..].find('>').unwrap_or(0)];
    let key = format!("{attr}=\"");
    let v = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {attr} on #{id}: {tag}"));
    tag[v + key.len()..]
        .split('"')
        .next()
        .unwrap_or("")
        .to_string()
}

/// How many attempts the summary records (one per file that ran once).
fn attempts(summary: &Value) -> usize {
    summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["offset"].is_number())
        .map(|f| f["attempt_results"].as_array().map_or(1, Vec::len))
        .sum()
}

#[test]
fn chromium_renders_the_report_of_a_run() {
    let s = suite();
    let page = s.path().join(".suite/report.html");
    let trace = s.path().join(".suite/trace.json");
    let run = s
        .ptest(&[
            "t",
            "-j",
            "3",
            "--retries",
            "1",
            "--html",
            page.to_str().unwrap(),
            "--trace",
            trace.to_str().unwrap(),
        ])
        .reports()
        .deadline(std::time::Duration::from_secs(120))
        .run();
    run.expect_code(1);
    let summary = run.summary();
    let bars = attempts(summary);
    // 12 files, the failing ones retried once each: 15 attempts.
    assert_eq!(bars, 15, "{summary:#}");

    let dom = browse(&page, "", None);
    assert!(dom.contains("data-ready=\"true\""), "the script ran");
    assert_eq!(text_of(&dom, "count-fail"), "2");
    assert_eq!(text_of(&dom, "count-flaky"), "1");
    assert_eq!(text_of(&dom, "count-pass"), "8");
    assert_eq!(text_of(&dom, "count-skip"), "1");
    assert_eq!(text_of(&dom, "verdict"), "FAILED");
    // One lane per slot, one bar per attempt.
    assert_eq!(attr_of(&dom, "timeline", "data-lanes"), "3");
    assert_eq!(attr_of(&dom, "timeline", "data-bars"), bars.to_string());
    assert_eq!(dom.matches("class=\"bar v-").count(), bars);
    assert_eq!(dom.matches("<g class=\"lane\"").count(), 3);
    assert_eq!(
        dom.matches(" bound\" data-i=").count(),
        1,
        "one bar marked as bounding"
    );
    // Failures come with reasons, failing lines and output tails; the odd
    // name is text, not markup.
    let failures = &dom[dom.find("id=\"failures\"").expect("failures")..];
    let failures = &failures[..failures.find("id=\"flaky-section\"").expect("end")];
    assert!(
        failures.contains("t/odd &lt;/script&gt; \"q\" é.t"),
        "{failures}"
    );
    assert!(failures.contains("failed test 2"), "{failures}");
    assert!(
        failures.contains("not ok 2 - reads the header"),
        "{failures}"
    );
    assert!(failures.contains("expected: 'v2'"), "{failures}");
    assert!(failures.contains("db: connection refused"), "{failures}");
    assert!(failures.contains("exited with status 3"), "{failures}");
    let flaky = &dom[dom.find("id=\"flaky\"").expect("flaky")..];
    assert!(flaky.contains("t/flaky.sh"), "{flaky}");
    assert_eq!(attr_of(&dom, "files", "data-matches"), "12");

    // The filter in the link narrows the lists; #file= selects a file.
    let dom = browse(&page, "#filter=pass", None);
    assert_eq!(attr_of(&dom, "files", "data-matches"), "7");
    assert_eq!(attr_of(&dom, "failures", "data-count"), "0");
    let dom = browse(&page, "#verdict=fail,flaky", None);
    assert_eq!(attr_of(&dom, "files", "data-matches"), "3");
    let dom = browse(&page, "#file=t%2Fexit.sh", None);
    let selected = &dom[dom.find("id=\"selected\"").expect("selected")..];
    let selected = &selected[..selected.find("id=\"failures-section\"").expect("end")];
    assert!(
        selected.contains("t/exit.sh") && selected.contains("Command: sh t/exit.sh"),
        "{selected}"
    );
    assert!(
        dom.contains("class=\"bar v-fail sel\"") || dom.contains("class=\"bar v-fail bound sel\"")
    );

    // A screenshot, kept in the README when asked.
    let dir = tempfile::tempdir().expect("tempdir");
    let shot = match std::env::var_os("PTEST_UPDATE_SCREENSHOT") {
        Some(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/img/report.png"),
        None => dir.path().join("report.png"),
    };
    if let Some(parent) = shot.parent() {
        std::fs::create_dir_all(parent).expect("screenshot directory");
    }
    browse(&page, "", Some(&shot));
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );

    // The trace of the same run: one complete event per attempt, none
    // overlapping on a thread, every thread named.
    check_trace(&std::fs::read_to_string(&trace).expect("trace"), bars, &[1]);
}

/// Checks a trace: `events` complete events with the args, no two on one
/// (pid, tid) overlapping, each thread and process named, pids as given.
fn check_trace(text: &str, events: usize, pids: &[u64]) {
    let value: Value = serde_json::from_str(text).expect("the trace is JSON");
    let all = value["traceEvents"].as_array().expect("traceEvents");
    let complete: Vec<&Value> = all.iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(complete.len(), events);
    let mut threads: BTreeMap<(u64, u64), Vec<(u64, u64)>> = BTreeMap::new();
    for e in &complete {
        for key in ["id", "verdict", "attempt", "expected", "command"] {
            assert!(e["args"].get(key).is_some(), "{key} in {e}");
        }
        let n = |k: &str| e[k].as_u64().unwrap_or_else(|| panic!("{k} in {e}"));
        threads
            .entry((n("pid"), n("tid")))
            .or_default()
            .push((n("ts"), n("ts") + n("dur")));
    }
    for ((pid, tid), spans) in &mut threads {
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[0].1 <= w[1].0, "overlap on pid {pid} tid {tid}: {w:?}");
        }
        let named = |name: &str, with_tid: bool| {
            all.iter().any(|e| {
                e["ph"] == "M"
                    && e["name"] == name
                    && e["pid"] == *pid
                    && (!with_tid || e["tid"] == *tid)
            })
        };
        assert!(named("thread_name", true) && named("process_name", false));
    }
    let seen: std::collections::BTreeSet<u64> = threads.keys().map(|(p, _)| *p).collect();
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), pids);
}

#[test]
fn merged_shards_are_one_page_and_one_trace_and_report_rebuilds_them() {
    let s = suite();
    let mut inputs = Vec::new();
    for k in 1..=2 {
        let json = s.path().join(format!(".suite/shard{k}.json"));
        s.ptest(&[
            "t",
            "-j",
            "2",
            "--shard",
            &format!("{k}/2"),
            "--json",
            json.to_str().unwrap(),
        ])
        .deadline(std::time::Duration::from_secs(120))
        .run();
        inputs.push(json.to_str().unwrap().to_string());
    }
    let html = s.path().join(".suite/merged.html");
    let trace = s.path().join(".suite/merged-trace.json");
    let merged = s.path().join(".suite/merged.json");
    let mut args = vec!["merge".to_string()];
    args.extend(inputs.iter().cloned());
    for a in [
        "--json",
        merged.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ] {
        args.push(a.into());
    }
    args.extend(["--trace".into(), trace.to_str().unwrap().into()]);
    s.run(&args).expect_code(1);
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let bars = attempts(&summary);
    assert_eq!(bars, 12, "one attempt per file without retries");
    let shards: std::collections::BTreeSet<u64> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["shard"].as_u64())
        .collect();
    assert_eq!(shards.into_iter().collect::<Vec<_>>(), vec![1, 2]);
    check_trace(&std::fs::read_to_string(&trace).unwrap(), bars, &[1, 2]);

    // `ptest report html|trace` of the same shards writes the same files.
    let again = s.path().join(".suite/again.html");
    let again_trace = s.path().join(".suite/again-trace.json");
    let mut report = vec!["report".to_string(), "html".into()];
    report.extend(inputs.iter().cloned());
    report.extend(["-o".into(), again.to_str().unwrap().into()]);
    s.run(&report).expect_code(0);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&html).unwrap()
    );
    let mut report = vec!["report".to_string(), "trace".into()];
    report.extend(inputs.iter().cloned());
    report.extend(["-o".into(), again_trace.to_str().unwrap().into()]);
    s.run(&report).expect_code(0);
    assert_eq!(
        std::fs::read(&again_trace).unwrap(),
        std::fs::read(&trace).unwrap()
    );

    // Shards as lanes: two per shard at most (-j 2), all drawn.
    let dom = browse(&html, "", None);
    let lanes: usize = attr_of(&dom, "timeline", "data-lanes").parse().unwrap();
    assert!((3..=4).contains(&lanes), "{lanes} lanes");
    assert_eq!(dom.matches("class=\"bar v-").count(), bars);
    assert!(
        dom.contains(">1 · slot 0<") && dom.contains(">2 · slot 0<"),
        "lane labels"
    );
}

#[test]
fn report_html_of_a_missing_summary_fails_naming_it() {
    let s = Suite::new();
    let out = s.path().join("r.html");
    let run = s.run(&["report", "html", "nope.json", "-o", out.to_str().unwrap()]);
    run.expect_code(2);
    assert!(run.stderr.contains("nope.json"), "{}", run.describe());
    assert!(!out.exists());
}
