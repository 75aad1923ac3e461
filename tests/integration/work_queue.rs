//! `--queue`: several real ptest processes share one real `redis-server`
//! (started here on a free loopback port with a temporary directory).

use crate::common::{self, wait_until, Running, Suite};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A redis-server of its own, stopped on drop.
struct Redis {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    persist: bool,
}

impl Redis {
    fn start(persist: bool) -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut r = Redis {
            port,
            dir: tempfile::tempdir().expect("temp dir"),
            child: None,
            persist,
        };
        r.launch();
        r
    }

    fn launch(&mut self) {
        let mut cmd = Command::new("redis-server");
        cmd.args([
            "--port",
            &self.port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(match self.persist {
            true => ["--appendonly", "yes", "--appendfsync", "always"],
            false => ["--appendonly", "no", "--appendfsync", "no"],
        })
        .arg("--dir")
        .arg(self.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .expect("redis-server must be installed (apt-get install redis-server)");
        self.child = Some(child);
        let port = self.port;
        assert!(
            wait_until(Duration::from_secs(10), || ping(port)),
            "redis-server on port {port} did not answer"
        );
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 16];
    s.write_all(b"PING\r\n").is_ok()
        && s.read(&mut buf)
            .is_ok_and(|n| buf[..n].starts_with(b"+PONG"))
}

/// A machine: `ptest t -j 2 --queue URL --queue-run RUN --json mN.json`.
fn machine(suite: &Suite, redis: &Redis, run: &str, n: usize, extra: &[&str]) -> Running {
    let json = suite.meta().join(format!("m{n}.json"));
    let mut args: Vec<String> = [
        "t",
        "-j",
        "2",
        "--no-history",
        "--color",
        "never",
        "--queue",
        &redis.url(),
        "--queue-run",
        run,
        "--json",
        &json.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    suite.ptest(&args).spawn()
}

fn merge(suite: &Suite, redis: &Redis, run: &str, json: &Path) -> common::Run {
    suite.run(&[
        "merge",
        "--color",
        "never",
        "--queue",
        &redis.url(),
        "--queue-run",
        run,
        "--queue-timeout",
        "30s",
        "--json",
        &json.display().to_string(),
    ])
}

/// Verdicts by file id.
fn verdicts(summary: &Value) -> BTreeMap<String, String> {
    summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap_or("?").to_string(),
                f["verdict"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("json")
}

/// How often each file logged `what`.
fn counts(suite: &Suite, what: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in suite.timeline().into_iter().filter(|e| e.what == what) {
        *counts.entry(e.file).or_insert(0) += 1;
    }
    counts
}

fn meta(suite: &Suite, name: &str) -> PathBuf {
    suite.meta().join(name)
}

#[test]
fn three_machines_run_every_file_once_and_merge_like_a_plain_run() {
    let redis = Redis::start(false);
    let suite = Suite::new();
    for i in 0..12 {
        suite.logged(
            &format!("t/f{i:02}.sh"),
            &format!("sleep 0.{}\necho ok", i % 4 + 1),
        );
    }
    suite.logged("t/fails.sh", "exit 1");
    suite.file("t/late.sh", "# ptest: depends-on=fails.sh\nexit 0\n");
    let machines: Vec<Running> = (1..=3)
        .map(|n| machine(&suite, &redis, "r3", n, &[]))
        .collect();
    let codes: Vec<Option<i32>> = machines.into_iter().map(|m| m.wait().code).collect();
    assert!(
        codes.iter().all(|c| matches!(c, Some(0) | Some(1))),
        "{codes:?}"
    );
    let starts = counts(&suite, "start");
    assert_eq!(starts.len(), 13, "{starts:?}");
    assert!(
        starts.values().all(|&n| n == 1),
        "a file ran twice: {starts:?}"
    );

    let merged = merge(&suite, &redis, "r3", &meta(&suite, "all.json"));
    merged.expect_code(1);
    let all = read_json(&meta(&suite, "all.json"));
    assert!(all.get("incomplete").is_none(), "{}", merged.describe());

    let plain = suite.run(&[
        "t",
        "--no-history",
        "--json",
        &meta(&suite, "plain.json").display().to_string(),
    ]);
    plain.expect_code(1);
    assert_eq!(
        verdicts(&all),
        verdicts(&read_json(&meta(&suite, "plain.json")))
    );
    assert_eq!(verdicts(&all)["t/late.sh"], "skip");

    // The machines' own summaries merge like shards: each file once.
    let parts: Vec<String> = (1..=3)
        .map(|n| meta(&suite, &format!("m{n}.json")).display().to_string())
        .collect();
    let ran: usize = parts
        .iter()
        .map(|p| {
            read_json(Path::new(p))["files"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .sum();
    assert_eq!(ran, 13, "the machines' summaries hold what they ran");
    let mut args = vec!["merge".to_string(), "--color".into(), "never".into()];
    args.extend(parts);
    suite.run(&args).expect_code(1);
}

#[test]
fn a_killed_machine_s_files_run_elsewhere_once() {
    let redis = Redis::start(false);
    let suite = Suite::new();
    for i in 0..6 {
        suite.logged(&format!("t/f{i}.sh"), "sleep 1.5");
    }
    let lease = ["--queue-lease", "2s"];
    let doomed = machine(&suite, &redis, "rk", 1, &lease);
    assert!(
        wait_until(Duration::from_secs(20), || counts(&suite, "start").len()
            >= 2),
        "the first machine started nothing"
    );
    doomed.signal(libc::SIGKILL);
    let _ = doomed.wait();
    let others: Vec<Running> = (2..=3)
        .map(|n| machine(&suite, &redis, "rk", n, &lease))
        .collect();
    for m in others {
        let run = m.wait();
        assert_eq!(run.code, Some(0), "{}", run.describe());
    }
    let ends = counts(&suite, "end");
    assert_eq!(ends.len(), 6, "{ends:?}");
    assert!(ends.values().all(|&n| n == 1), "{ends:?}");
    let merged = merge(&suite, &redis, "rk", &meta(&suite, "all.json"));
    merged.expect_code(0);
    assert!(merged.stderr.contains("expired"), "{}", merged.describe());
    let all = read_json(&meta(&suite, "all.json"));
    assert_eq!(all["totals"]["files"]["passed"], 6);
}

#[test]
fn the_run_survives_the_server_going_away_for_a_few_seconds() {
    let mut redis = Redis::start(true);
    let suite = Suite::new();
    for i in 0..8 {
        suite.logged(&format!("t/f{i}.sh"), "sleep 1");
    }
    let m = machine(&suite, &redis, "ro", 1, &["--queue-lease", "20s"]);
    assert!(
        wait_until(Duration::from_secs(20), || counts(&suite, "start").len()
            >= 2),
        "nothing started"
    );
    redis.stop();
    std::thread::sleep(Duration::from_secs(3));
    redis.launch();
    let run = m.wait();
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert!(
        run.stderr.contains("results are kept"),
        "{}",
        run.describe()
    );
    let merged = merge(&suite, &redis, "ro", &meta(&suite, "all.json"));
    merged.expect_code(0);
    let all = read_json(&meta(&suite, "all.json"));
    assert_eq!(all["totals"]["files"]["passed"], 8, "{}", merged.describe());
}

#[test]
fn a_machine_with_a_changed_file_is_refused() {
    let redis = Redis::start(false);
    let a = Suite::new();
    let b = Suite::new();
    for s in [&a, &b] {
        s.file("t/same.sh", "exit 0\n");
    }
    a.file("t/changed.sh", "exit 0\n");
    b.file("t/changed.sh", "exit 1\n");
    let first = machine(&a, &redis, "rc", 1, &[]).wait();
    assert_eq!(first.code, Some(0), "{}", first.describe());
    let refused = machine(&b, &redis, "rc", 2, &[]).wait();
    assert_eq!(refused.code, Some(2), "{}", refused.describe());
    assert!(
        refused.stderr.contains("t/changed.sh (contents differ)")
            && !refused.stderr.contains("t/same.sh"),
        "{}",
        refused.describe()
    );
}

#[test]
fn group_max_threads_is_global_and_dependencies_cross_machines() {
    let redis = Redis::start(false);
    let suite = Suite::new();
    suite.config("[groups.db]\nmax-threads = 1\n");
    for i in 0..4 {
        suite.logged(&format!("t/db{i}.sh"), "# ptest: group=db\nsleep 0.4");
    }
    suite.logged("t/a_first.sh", "sleep 1\ntouch \"$SUITE_META/first-done\"");
    suite.logged(
        "t/b_after.sh",
        "# ptest: depends-on=a_first.sh\ntest -e \"$SUITE_META/first-done\"",
    );
    let machines: Vec<Running> = (1..=2)
        .map(|n| machine(&suite, &redis, "rg", n, &[]))
        .collect();
    for m in machines {
        let run = m.wait();
        assert_eq!(run.code, Some(0), "{}", run.describe());
    }
    let timeline = suite.timeline();
    let mut spans: Vec<(u128, u128)> = Vec::new();
    for i in 0..4 {
        let id = format!("t/db{i}.sh");
        let at = |what: &str| {
            timeline
                .iter()
                .find(|e| e.file == id && e.what == what)
                .map(|e| e.ns)
                .unwrap_or_else(|| panic!("{id} has no {what}"))
        };
        spans.push((at("start"), at("end")));
    }
    spans.sort();
    for w in spans.windows(2) {
        assert!(
            w[0].1 <= w[1].0,
            "group db overlapped across machines: {spans:?}"
        );
    }
    let merged = merge(&suite, &redis, "rg", &meta(&suite, "all.json"));
    merged.expect_code(0);
    assert_eq!(
        verdicts(&read_json(&meta(&suite, "all.json")))["t/b_after.sh"],
        "pass"
    );
}

#[test]
fn many_short_files_lose_no_lease_to_a_cut_short_call() {
    // Each finished child interrupts ptest; a socket read with a timeout is
    // not restarted then. Such a call must be sent again, not turned into a
    // lost lease (which would stall the machine for the whole lease).
    let redis = Redis::start(false);
    let suite = Suite::new();
    for i in 0..400 {
        suite.file(format!("t/x{i:03}.sh"), "exit 0\n");
    }
    let run = machine(&suite, &redis, "rm", 1, &["--queue-lease", "120s"]).wait();
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert!(!run.stderr.contains("warning"), "{}", run.describe());
    assert!(run.elapsed < Duration::from_secs(100), "{}", run.describe());
    let merged = merge(&suite, &redis, "rm", &meta(&suite, "all.json"));
    merged.expect_code(0);
    assert_eq!(
        read_json(&meta(&suite, "all.json"))["totals"]["files"]["passed"],
        400
    );
}

/// A batched runner on a shared queue: units there are files, so its files
/// run one per process (said once), each with its own verdict.
#[test]
fn batched_runners_run_one_file_per_process_on_a_queue() {
    let redis = Redis::start(false);
    let s = Suite::new();
    s.config(
        r#"
[[runner]]
pattern = "*.sh"
command = ["sh", "-c", "for f; do sh \"$f\" || exit 1; done", "batch", "{files}"]
batch = true
"#,
    );
    // Six files for two slots, packed by size: four units, two of them
    // batches of two, were it not for the queue.
    for name in ["a", "b", "c", "d", "e"] {
        s.file(format!("t/{name}.sh"), "exit 0\n");
    }
    s.file("t/fails.sh", "exit 1\n");
    let out = machine(&s, &redis, "rb", 1, &[]).wait();
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stderr
            .contains("batch = true is not used with --queue: 4 files run one per process"),
        "{}",
        out.describe()
    );
    // One machine's share of the queue, not a plan of its own.
    assert!(
        out.stdout.contains(&format!(
            "Running up to 6 files from the queue {} on 2 jobs\n",
            redis.url()
        )),
        "{}",
        out.describe()
    );
    let summary = read_json(&meta(&s, "m1.json"));
    let got = verdicts(&summary);
    let want: BTreeMap<String, String> = [
        ("t/a.sh", "pass"),
        ("t/b.sh", "pass"),
        ("t/c.sh", "pass"),
        ("t/d.sh", "pass"),
        ("t/e.sh", "pass"),
        ("t/fails.sh", "fail"),
    ]
    .iter()
    .map(|(f, v)| (f.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want, "{}", out.describe());
}
