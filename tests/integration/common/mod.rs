//! One suite builder for every integration test: write the files of a
//! suite (with their mode), a history and a `ptest.toml` into a fresh
//! temporary directory, run the real `ptest` binary there with a clean
//! environment, a null stdin and a deadline, and get back everything it
//! produced: exit code, stdout, stderr, the JSON summary, the JUnit report,
//! the history and a timeline of what the test files logged.
//!
//! A command can be adjusted before it runs ([`Ptest`]): extra environment,
//! a deadline, reports, a pseudo-terminal of a given size, a stdout nobody
//! reads, or (as root) another user. It can also be started in the
//! background ([`Ptest::spawn`]) to be signalled while the test waits for
//! marker or pid files with deadlines ([`wait_for_file`], [`wait_for_path`],
//! [`Suite::wait_pid`]); runs may overlap, each has its own output files.
//!
//! Test files log through a tiny shell helper, `. "$SUITE_HELPER"` (written
//! by [`Suite::new`]; [`Suite::logged`] adds the lines for you):
//!
//! - `log start` / `log end` append `start|end <file id> <PTEST_WORKER> <ns>`
//!   to a shared, append-only timeline file (`<ns>` is `date +%s%N`; the
//!   order of the lines is the order in which they were written);
//! - `barrier NAME N` waits until `N` files reached the barrier `NAME`, and
//!   fails the file (exit 3, with a message) after a deadline instead of
//!   hanging;
//! - `wait_mark NAME` waits until the test itself calls
//!   [`Suite::mark`]`(NAME)` (say, once it saw something on ptest's
//!   terminal), with the same deadline.

#![allow(dead_code)]

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a ptest run may take before the test kills it and fails.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);
/// How long a barrier in a test file waits for its peers.
pub const BARRIER_SECS: u64 = 30;
/// The verdict ptest gives files that were still running at Ctrl-C or
/// SIGTERM. Issue 6 changes it to `interrupted`: change it here.
pub const VERDICT_OF_RUNNING_AT_INTERRUPT: &str = "interrupted";
/// The environment variables a test must never inherit from the shell
/// that runs `cargo test` (besides every `PTEST_*`).
const STRIPPED: [&str; 5] = ["PERL5LIB", "HARNESS_ACTIVE", "CI", "NO_COLOR", "PERL5OPT"];
/// The unprivileged user [`Ptest::unprivileged`] runs ptest as.
const NOBODY: u32 = 65534;

/// A suite in its own temporary directory. Files the harness itself needs
/// (helper, timeline, reports) live in `.suite/`, which ptest never walks
/// into (hidden).
pub struct Suite {
    dir: tempfile::TempDir,
    /// How many ptest commands were started: each writes its stdout and
    /// stderr to files of its own, so that runs may overlap.
    spawned: AtomicUsize,
}

impl Default for Suite {
    fn default() -> Self {
        Suite::new()
    }
}

impl Suite {
    /// An empty suite with the logging helper in place.
    pub fn new() -> Suite {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let s = Suite {
            dir,
            spawned: AtomicUsize::new(0),
        };
        fs::create_dir_all(s.meta()).expect("create .suite");
        fs::write(s.helper(), helper_script(&s.meta())).expect("write the helper");
        s
    }

    /// The suite's root: where ptest runs.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `.suite/`, the harness's own files.
    pub fn meta(&self) -> PathBuf {
        self.path().join(".suite")
    }

    /// The shell helper's absolute path.
    pub fn helper(&self) -> PathBuf {
        self.meta().join("helper.sh")
    }

    /// Writes `text` to `rel` (parents created), mode 0644. `rel` may be
    /// any path, e.g. an `OsStr` made of bytes that are not UTF-8.
    pub fn file(&self, rel: impl AsRef<Path>, text: &str) -> &Suite {
        self.file_mode(rel, text, 0o644)
    }

    /// Writes `text` to `rel` with `mode`.
    pub fn file_mode(&self, rel: impl AsRef<Path>, text: &str, mode: u32) -> &Suite {
        let p = self.path().join(rel);
        fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        self.chmod(&p, mode)
    }

    /// Writes an executable file (mode 0755).
    pub fn executable(&self, rel: impl AsRef<Path>, text: &str) -> &Suite {
        self.file_mode(rel, text, 0o755)
    }

    /// Sets the mode of `rel` (a file or a directory; `""` is the suite's
    /// root).
    pub fn chmod(&self, rel: impl AsRef<Path>, mode: u32) -> &Suite {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path().join(rel);
        fs::set_permissions(&p, fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {:o} {}: {e}", mode, p.display()));
        self
    }

    /// Writes a shell test file that logs `start`, runs `body` (which may
    /// call `log` and `barrier`), then logs `end`.
    pub fn logged(&self, rel: &str, body: &str) -> &Suite {
        let text = format!(
            ". '{}'\nlog start\n{body}\nlog end\n",
            self.helper().display()
        );
        self.file(rel, &text)
    }

    /// Writes `.ptest/history.json`.
    pub fn history(&self, history: &Value) -> &Suite {
        self.file(".ptest/history.json", &history.to_string())
    }

    /// Writes `ptest.toml`.
    pub fn config(&self, toml: &str) -> &Suite {
        self.file("ptest.toml", toml)
    }

    /// Copies `from` (a file or a directory tree, modes kept) to `rel`.
    pub fn copy(&self, from: &Path, rel: &str) -> &Suite {
        copy_tree(from, &self.path().join(rel));
        self
    }

    /// A ptest command to adjust before running.
    pub fn ptest<S: AsRef<str>>(&self, args: &[S]) -> Ptest<'_> {
        Ptest {
            suite: self,
            args: args.iter().map(|a| a.as_ref().to_string()).collect(),
            env: Vec::new(),
            deadline: DEFAULT_DEADLINE,
            stdout: Output::File,
            user: None,
            cwd: None,
        }
    }

    /// Runs ptest with exactly `args`.
    pub fn run<S: AsRef<str>>(&self, args: &[S]) -> Run {
        self.ptest(args).run()
    }

    /// Runs ptest with `args` plus `--json` and `--junit` into `.suite/`.
    pub fn run_reports<S: AsRef<str>>(&self, args: &[S]) -> Run {
        self.ptest(args).reports().run()
    }

    /// The timeline written so far.
    pub fn timeline(&self) -> Vec<Event> {
        parse_timeline(&fs::read_to_string(self.meta().join("timeline")).unwrap_or_default())
    }

    /// Releases the test files waiting in `wait_mark NAME`.
    pub fn mark(&self, name: &str) {
        fs::write(self.meta().join(format!("mark-{name}")), "").expect("write a mark");
    }

    /// Reads a file of the suite, panicking with its name when missing.
    pub fn read(&self, rel: &str) -> String {
        let p = self.path().join(rel);
        fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    /// Reads and parses a JSON file of the suite (e.g. a `--json` summary
    /// given by name, or `.ptest/history.json`).
    pub fn json(&self, rel: &str) -> Value {
        let text = self.read(rel);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}\n{text}"))
    }

    /// Waits until a test file wrote a pid to `rel` (written whole, e.g.
    /// through a rename) and returns it; panics after `limit`.
    pub fn wait_pid(&self, rel: &str, limit: Duration) -> i32 {
        let p = self.path().join(rel);
        let mut pid = None;
        let found = wait_until(limit, || {
            pid = fs::read_to_string(&p)
                .ok()
                .and_then(|t| t.trim().parse().ok());
            pid.is_some()
        });
        assert!(found, "no pid in {} within {limit:?}", p.display());
        pid.expect("a pid")
    }
}

/// Where ptest's stdout goes.
enum Output {
    /// A file, read into [`Run::stdout`].
    File,
    /// A pseudo-terminal of (columns, rows) that stderr shares.
    Pty(u16, u16),
    /// A pipe whose reading end is closed at once, like `ptest | head -0`.
    Closed,
}

/// A ptest command being built.
pub struct Ptest<'a> {
    suite: &'a Suite,
    args: Vec<String>,
    env: Vec<(String, String)>,
    deadline: Duration,
    stdout: Output,
    /// A command that runs ptest as another user, then ptest's path.
    user: Option<Vec<String>>,
    /// Where ptest runs, relative to the suite (`None`: its root).
    cwd: Option<String>,
}

impl Ptest<'_> {
    /// Runs ptest in `rel`, a directory of the suite, instead of its root.
    pub fn cwd(mut self, rel: &str) -> Self {
        self.cwd = Some(rel.into());
        self
    }

    /// Sets a variable in ptest's (clean) environment.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Kills ptest and fails the test when it runs longer than this.
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = d;
        self
    }

    /// Adds `--json .suite/summary.json --junit .suite/junit.xml`.
    pub fn reports(mut self) -> Self {
        let meta = self.suite.meta();
        self.args.extend([
            "--json".into(),
            meta.join("summary.json").display().to_string(),
            "--junit".into(),
            meta.join("junit.xml").display().to_string(),
        ]);
        self
    }

    /// Runs ptest with stdout and stderr on one pseudo-terminal (100
    /// columns, 30 rows, `TERM=xterm`; stdin stays null); [`Run::stdout`]
    /// is what the terminal got, CR LF turned into LF.
    pub fn pty(self) -> Self {
        self.pty_size(100, 30)
    }

    /// [`Ptest::pty`] with a terminal of `cols` columns and `rows` rows.
    pub fn pty_size(mut self, cols: u16, rows: u16) -> Self {
        self.stdout = Output::Pty(cols, rows);
        self
    }

    /// Gives ptest a stdout pipe nobody reads: closed before ptest writes,
    /// as when the reader of `ptest | head -1` is gone. [`Run::stdout`] is
    /// empty.
    pub fn closed_stdout(mut self) -> Self {
        self.stdout = Output::Closed;
        self
    }

    /// When the tests run as root, runs ptest as `nobody` (through
    /// `setpriv`, else `runuser`), so that file modes are obeyed, and makes
    /// `.suite/` writable for it (the suite's root keeps its mode: a test
    /// that needs `nobody` to write there says so with [`Suite::chmod`]).
    /// As any other user, ptest runs as that user. `None` (and a "skipped"
    /// line) when root cannot drop privileges here: the caller skips.
    pub fn unprivileged(mut self) -> Option<Self> {
        if !is_root() {
            return Some(self);
        }
        let wrapper = drop_privileges()?;
        self.suite.chmod(".suite", 0o777);
        self.user = Some(wrapper);
        Some(self)
    }

    /// Starts ptest and returns at once.
    pub fn spawn(self) -> Running {
        let meta = self.suite.meta();
        for f in ["summary.json", "junit.xml", "timeline"] {
            let _ = fs::remove_file(meta.join(f));
        }
        let n = self.suite.spawned.fetch_add(1, Ordering::Relaxed);
        let (stdout, stderr) = (
            meta.join(format!("{n}.stdout")),
            meta.join(format!("{n}.stderr")),
        );
        let mut cmd = self.command(&stdout);
        let dir = match &self.cwd {
            Some(rel) => self.suite.path().join(rel),
            None => self.suite.path().to_path_buf(),
        };
        cmd.current_dir(dir);
        clean_env(&mut cmd);
        cmd.env("SUITE_HELPER", self.suite.helper());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let open = |p: &Path| fs::File::create(p).expect("create an output file");
        cmd.stdin(Stdio::null()).stderr(open(&stderr));
        match self.stdout {
            Output::File => cmd.stdout(open(&stdout)),
            Output::Pty(..) => cmd.stdout(Stdio::null()),
            Output::Closed => cmd.stdout(Stdio::piped()),
        };
        let mut child = cmd.spawn().expect("start ptest");
        drop(child.stdout.take());
        Running {
            child,
            stdout,
            stderr,
            meta,
            root: self.suite.path().to_path_buf(),
            started: Instant::now(),
            deadline: self.deadline,
            command: format!("ptest {}", shell_words_join(&self.args)),
        }
    }

    /// The command line: ptest (under the user wrapper, under the pty
    /// wrapper that copies the terminal's output to `stdout`) and its
    /// arguments.
    fn command(&self, stdout: &Path) -> Command {
        let mut argv: Vec<String> = Vec::new();
        if let Output::Pty(cols, rows) = self.stdout {
            argv.extend(["python3", "-c", PTY_SCRIPT].map(String::from));
            argv.extend([
                stdout.display().to_string(),
                cols.to_string(),
                rows.to_string(),
            ]);
        }
        argv.extend(self.user.iter().flatten().cloned());
        argv.push(env!("CARGO_BIN_EXE_ptest").to_string());
        argv.extend(self.args.iter().cloned());
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        if let Output::Pty(..) = self.stdout {
            cmd.env("TERM", "xterm");
        }
        cmd
    }

    /// Runs ptest to the end (or the deadline).
    pub fn run(self) -> Run {
        self.spawn().wait()
    }
}

/// A ptest process that is running.
pub struct Running {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    meta: PathBuf,
    root: PathBuf,
    started: Instant,
    deadline: Duration,
    command: String,
}

impl Running {
    /// ptest's process id (under a pty or another user: the wrapper's).
    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("a pid fits in i32")
    }

    /// Sends `signal` to ptest.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        let rc = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(rc, 0, "kill({}, {signal}) failed", self.pid());
    }

    /// Whether ptest has exited (and then its status).
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("try_wait")
    }

    /// The timeline written so far.
    pub fn timeline(&self) -> Vec<Event> {
        parse_timeline(&fs::read_to_string(self.meta.join("timeline")).unwrap_or_default())
    }

    /// What ptest printed on stdout so far.
    pub fn stdout_so_far(&self) -> String {
        read_lossy(&self.stdout)
    }

    /// Waits for ptest to exit; kills it and panics at the deadline.
    pub fn wait(mut self) -> Run {
        let status = loop {
            if let Some(status) = self.try_status() {
                break status;
            }
            if self.started.elapsed() > self.deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "{} still running after {:?}: killed\nstdout:\n{}\nstderr:\n{}",
                    self.command,
                    self.deadline,
                    read_lossy(&self.stdout),
                    read_lossy(&self.stderr),
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let elapsed = self.started.elapsed();
        let json = |p: PathBuf| -> Option<Value> {
            let text = fs::read_to_string(&p).ok()?;
            Some(
                serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{} is not JSON: {e}\n{text}", p.display())),
            )
        };
        Run {
            command: self.command,
            code: status.code(),
            elapsed,
            stdout: read_lossy(&self.stdout).replace("\r\n", "\n"),
            stderr: read_lossy(&self.stderr),
            summary: json(self.meta.join("summary.json")),
            junit: fs::read_to_string(self.meta.join("junit.xml")).ok(),
            // Not `json`: a test may have written a corrupt history on purpose.
            history: fs::read_to_string(self.root.join(".ptest/history.json"))
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok()),
            timeline: parse_timeline(
                &fs::read_to_string(self.meta.join("timeline")).unwrap_or_default(),
            ),
        }
    }
}

/// Waits until `cond` holds, polling; false after `limit`.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until `path` exists and is not empty.
pub fn wait_for_file(path: &Path, limit: Duration) -> bool {
    wait_until(limit, || fs::metadata(path).is_ok_and(|m| m.len() > 0))
}

/// Waits until `path` exists, even empty (a marker made by `touch`).
pub fn wait_for_path(path: &Path, limit: Duration) -> bool {
    wait_until(limit, || path.exists())
}

/// Everything one ptest run produced.
#[derive(Debug)]
pub struct Run {
    /// The command, for messages.
    pub command: String,
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// How long it took.
    pub elapsed: Duration,
    /// Standard output (CR LF turned into LF).
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The `--json` summary, when [`Ptest::reports`] asked for one and it was written.
    pub summary: Option<Value>,
    /// The `--junit` report's text, likewise.
    pub junit: Option<String>,
    /// `.ptest/history.json` after the run (`None` when missing or not JSON).
    pub history: Option<Value>,
    /// What the test files logged, in order.
    pub timeline: Vec<Event>,
}

impl Run {
    /// Everything, for a failure message.
    pub fn describe(&self) -> String {
        format!(
            "{} -> {:?} in {:.2?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.code, self.elapsed, self.stdout, self.stderr
        )
    }

    /// Asserts the exit code, showing everything when it differs.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, Some(code), "{}", self.describe());
        self
    }

    /// The JSON summary (panics with the output when there is none).
    pub fn summary(&self) -> &Value {
        self.summary
            .as_ref()
            .unwrap_or_else(|| panic!("no JSON summary\n{}", self.describe()))
    }

    /// The summary's entry for file `id`.
    pub fn file(&self, id: &str) -> &Value {
        file_in(self.summary(), id)
    }

    /// (id, verdict) of every file, in the summary's order.
    pub fn verdicts(&self) -> Vec<(String, String)> {
        verdicts_in(self.summary())
    }

    /// The `--junit` report's text (panics with the output when there is
    /// none).
    pub fn junit_text(&self) -> &str {
        self.junit
            .as_deref()
            .unwrap_or_else(|| panic!("no JUnit report\n{}", self.describe()))
    }

    /// stdout and stderr together.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// The first whitespace-separated word of each stdout line.
    pub fn first_words(&self) -> Vec<String> {
        self.stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_string)
            .collect()
    }
}

/// A summary's entry for file `id` (any summary: a run's, a shard's, a
/// merge's).
pub fn file_in<'a>(summary: &'a Value, id: &str) -> &'a Value {
    summary["files"]
        .as_array()
        .expect("files is an array")
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in summary: {summary:#}"))
}

/// (id, verdict) of every file of a summary, in its order.
pub fn verdicts_in(summary: &Value) -> Vec<(String, String)> {
    summary["files"]
        .as_array()
        .expect("files is an array")
        .iter()
        .map(|f| (text(&f["id"]), text(&f["verdict"])))
        .collect()
}

/// A JSON string's text ("" when not a string).
pub fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `start`, `end`, or what the file logged.
    pub what: String,
    /// `PTEST_FILE`.
    pub file: String,
    /// `PTEST_WORKER`.
    pub worker: String,
    /// `date +%s%N` when it was written.
    pub ns: u128,
}

fn parse_timeline(text: &str) -> Vec<Event> {
    text.lines()
        .map(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            assert_eq!(w.len(), 4, "bad timeline line {l:?}");
            Event {
                what: w[0].into(),
                file: w[1].into(),
                worker: w[2].into(),
                ns: w[3].parse().unwrap_or_else(|_| panic!("bad time in {l:?}")),
            }
        })
        .collect()
}

/// The most files running at once, by the timeline's start/end order.
pub fn max_overlap(timeline: &[Event]) -> usize {
    let (mut now, mut max) = (0usize, 0usize);
    for e in timeline {
        match e.what.as_str() {
            "start" => {
                now += 1;
                max = max.max(now);
            }
            "end" => now = now.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn helper_script(meta: &Path) -> String {
    format!(
        r#"# Written by tests/integration/common: logging and barriers for test files.
SUITE_META='{meta}'
log() {{
  printf '%s %s %s %s\n' "$1" "${{PTEST_FILE:-?}}" "${{PTEST_WORKER:-?}}" "$(date +%s%N)" >> "$SUITE_META/timeline"
}}
barrier() {{
  mkdir -p "$SUITE_META/barrier-$1"
  : > "$SUITE_META/barrier-$1/$(printf %s "$PTEST_FILE" | tr / _)"
  end=$(( $(date +%s) + {secs} ))
  while [ "$(ls "$SUITE_META/barrier-$1" | wc -l)" -lt "$2" ]; do
    if [ "$(date +%s)" -gt "$end" ]; then
      echo "barrier $1: fewer than $2 files arrived within {secs}s" >&2
      log barrier-timeout
      exit 3
    fi
    sleep 0.01
  done
}}
wait_mark() {{
  end=$(( $(date +%s) + {secs} ))
  while [ ! -e "$SUITE_META/mark-$1" ]; do
    if [ "$(date +%s)" -gt "$end" ]; then
      echo "mark $1: not made within {secs}s" >&2
      log mark-timeout
      exit 3
    fi
    sleep 0.01
  done
}}
"#,
        meta = meta.display(),
        secs = BARRIER_SECS
    )
}

/// Runs argv[4..] with stdout and stderr on a new pty of argv[2] columns
/// and argv[3] rows, stdin null, and copies what it printed to the file
/// argv[1] as it comes (so [`Running::stdout_so_far`] sees it); exits with
/// its exit code.
const PTY_SCRIPT: &str = r#"
import fcntl, os, pty, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    cols, rows = int(sys.argv[2]), int(sys.argv[3])
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.execvp(sys.argv[4], sys.argv[4:])
out = open(sys.argv[1], "wb")
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out.write(data)
    out.flush()
out.close()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"#;

/// Whether the tests run as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The argv prefix that runs a program as `nobody`: `setpriv` if it works
/// here, else `runuser`; `None` (said on stderr) when neither does.
fn drop_privileges() -> Option<Vec<String>> {
    let id = NOBODY.to_string();
    let setpriv = vec![
        "setpriv".to_string(),
        format!("--reuid={id}"),
        format!("--regid={id}"),
        "--clear-groups".into(),
    ];
    let runuser = ["runuser", "-u", "nobody", "--"].map(String::from).to_vec();
    let works = |argv: &[String]| {
        Command::new(&argv[0])
            .args(&argv[1..])
            .arg("true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let found = [setpriv, runuser].into_iter().find(|argv| works(argv));
    if found.is_none() {
        eprintln!("skipped: running as root and neither setpriv nor runuser works");
    }
    found
}

/// Removes every variable a test must not inherit.
pub fn clean_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k == "PTEST" || k.starts_with("PTEST_") || STRIPPED.contains(&k.as_ref()) {
            cmd.env_remove(&key);
        }
    }
}

fn read_lossy(p: &Path) -> String {
    String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned()
}

fn shell_words_join(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$".contains(c)) {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Copies a file or a directory tree, keeping modes.
pub fn copy_tree(from: &Path, to: &Path) {
    let meta = fs::metadata(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    if meta.is_dir() {
        fs::create_dir_all(to).expect("mkdir");
        for entry in fs::read_dir(from).expect("read_dir") {
            let entry = entry.expect("entry");
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }
}

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether a process is still running (not gone, not a zombie).
pub fn alive(pid: i32) -> bool {
    u32::try_from(pid).is_ok_and(ptest::run::process::is_running)
}

/// Reads a pid written by a test file.
pub fn pid_in(suite: &Suite, rel: &str) -> i32 {
    suite
        .read(rel)
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{rel}: not a pid ({e})"))
}
