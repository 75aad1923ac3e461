//! Each file of sample-suites/failure-modes/ as a trial asserting its verdict.
//!
//! The table in `sample-suites/failure-modes/README.md` is the single source
//! of truth: one row per file, with the verdict ptest must give it and a
//! substring one of its reasons must contain. The trials are made by
//! ptest's own harness API ([`ptest::harness::Suite`]) from the glob
//! `sample-suites/failure-modes/*`: one per file, named by its file id, run
//! through ptest's executor with the row's timeout, and judged by a check
//! that expects the row's verdict and reason (instead of expecting PASS),
//! that the wall time stays within bounds, and that ptest's exit status for
//! that verdict alone (0 for PASS/SKIP, 1 for FAIL/TIMEOUT/ERROR) is the
//! row's. A file on disk without a row fails its trial.
//!
//! Rows with an `args` column (ptest command-line options) need the real
//! binary, and so does checking another build: set
//! `FAILURE_MODES_PTEST_BIN=/path/to/ptest` (e.g. `target/release/ptest`)
//! and every row runs the binary instead. Then for every such row this
//! harness runs the `ptest` binary on that one file,
//!
//! ```text
//! ptest sample-suites/failure-modes/FILE --timeout TIMEOUT -j 1 --no-history \
//!       --color never --json TMP/s.json ARGS
//! ```
//!
//! in a temp dir holding a copy of the file at the same relative path (so the
//! file id is the same as from the repository root), then
//! checks the verdict and reasons in the JSON summary and ptest's exit status
//! (0 for PASS/SKIP, 1 for FAIL/TIMEOUT/ERROR). Two more trials check the
//! table parser itself and that the table and the directory list the same
//! files.
//!
//! `--no-history` keeps the trials, which run in parallel, from writing the
//! same `.ptest/history.json`.

#[path = "integration/common/mod.rs"]
mod common;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use ptest::harness::{Suite, TrialOutcome};
use ptest::outcome::Verdict as PtestVerdict;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The fixture directory, relative to the repository root.
const SUITE_DIR: &str = "sample-suites/failure-modes";
/// The table's file, inside [`SUITE_DIR`].
const TABLE_FILE: &str = "README.md";
/// The per-file timeout given to ptest when a row's `timeout` cell is `-`.
const PER_FILE_TIMEOUT: &str = "2s";
/// A row's ptest run must finish within this, or it counts as too slow (the
/// timeout rows need the timeout plus the grace period; the others, notably
/// `leaks-grandchild.sh`, should take well under a second).
const MAX_WALL: Duration = Duration::from_secs(20);
/// A ptest run still going after this is killed and the trial fails.
const HARD_DEADLINE: Duration = Duration::from_secs(90);
/// How much of ptest's own stdout/stderr a failure message shows.
const SHOW_BYTES: usize = 4000;

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let mut trials = vec![
        Trial::test("table::parser", check_parser).with_kind("meta"),
        Trial::test("table::matches-directory", check_table_matches_directory).with_kind("meta"),
    ];
    match load_table() {
        Ok(rows) => trials.extend(row_trials(rows)),
        Err(err) => trials.push(Trial::test("table::load", move || Err(err.into()))),
    }
    libtest_mimic::run(&args, trials).exit_code()
}

/// Whether every row runs the `ptest` binary (another build asked for).
fn binary_requested() -> bool {
    std::env::var_os("FAILURE_MODES_PTEST_BIN").is_some_and(|bin| !bin.is_empty())
}

/// Rows with ptest arguments (or all rows, with another build) run the
/// binary; the others are trials of the harness API.
fn row_trials(rows: Vec<Row>) -> Vec<Trial> {
    let (binary, api): (Vec<Row>, Vec<Row>) = rows
        .into_iter()
        .partition(|row| binary_requested() || !row.args.is_empty());
    let mut trials: Vec<Trial> = binary
        .into_iter()
        .map(|row| {
            let kind = row.verdict.label().to_ascii_lowercase();
            Trial::test(row.file.clone(), move || check_row(&row)).with_kind(kind)
        })
        .collect();
    if binary_requested() {
        return trials;
    }
    let on_binary: BTreeSet<String> = trials.iter().map(|t| row_id(t.name())).collect();
    let rows: Arc<BTreeMap<String, Row>> =
        Arc::new(api.into_iter().map(|r| (row_id(&r.file), r)).collect());
    let timeouts = Arc::clone(&rows);
    let api_trials = Suite::new(format!("{SUITE_DIR}/*"))
        .exclude(&format!("{SUITE_DIR}/{TABLE_FILE}"))
        .config(None)
        .state_dir(env!("CARGO_TARGET_TMPDIR"))
        .adjust(move |unit| {
            let row = timeouts.get(unit.id.as_str());
            let timeout = row.map_or(PER_FILE_TIMEOUT, |r| r.timeout.as_str());
            unit.settings.timeout = ptest::util::duration::parse_duration(timeout).ok();
        })
        .check(move |outcome| check_outcome(rows.get(&outcome.summary.id), outcome))
        .trials();
    trials.extend(
        api_trials
            .into_iter()
            .filter(|t| !on_binary.contains(t.name())),
    );
    trials
}

/// A row's file id: its path from the repository root.
fn row_id(file: &str) -> String {
    format!("{SUITE_DIR}/{file}")
}

// ---------------------------------------------------------------------------
// The table

/// A verdict as written in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
    Skip,
    Timeout,
    Error,
}

impl Verdict {
    fn from_label(label: &str) -> Option<Verdict> {
        Some(match label {
            "PASS" => Verdict::Pass,
            "FAIL" => Verdict::Fail,
            "SKIP" => Verdict::Skip,
            "TIMEOUT" => Verdict::Timeout,
            "ERROR" => Verdict::Error,
            _ => return None,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
            Verdict::Timeout => "TIMEOUT",
            Verdict::Error => "ERROR",
        }
    }

    /// The spelling in the JSON summary.
    fn json(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
            Verdict::Timeout => "timeout",
            Verdict::Error => "error",
        }
    }

    /// ptest's exit status when this is the only file.
    fn exit_code(self) -> i32 {
        match self {
            Verdict::Pass | Verdict::Skip => 0,
            Verdict::Fail | Verdict::Timeout | Verdict::Error => 1,
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    /// File name inside [`SUITE_DIR`].
    file: String,
    verdict: Verdict,
    /// Expected substring of one reason; `None` (`-`) means no reasons.
    reason: Option<String>,
    /// The "what it shows" column.
    shows: String,
    /// 1-based line in the Markdown file.
    line: usize,
    /// Extra ptest arguments (optional `args` column; `-` for none).
    args: Vec<String>,
    /// ptest's `--timeout` for this row (optional `timeout` column).
    timeout: String,
}

const HEADER: [&str; 4] = ["file", "verdict", "reason contains", "what it shows"];
/// Columns a table may add after [`HEADER`], in any order.
const OPTIONAL: [&str; 2] = ["args", "timeout"];

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SUITE_DIR)
}

fn load_table() -> Result<Vec<Row>, String> {
    let path = suite_dir().join(TABLE_FILE);
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_table(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Finds the table whose header is [`HEADER`] and parses its rows. The
/// table ends at the first line that does not start with `|`.
fn parse_table(markdown: &str) -> Result<Vec<Row>, String> {
    let lines: Vec<&str> = markdown.lines().collect();
    let header_at = lines
        .iter()
        .position(|l| {
            let cells: Vec<String> = split_cells(l)
                .iter()
                .map(|c| c.to_ascii_lowercase())
                .collect();
            is_table_line(l) && cells.len() >= HEADER.len() && cells[..HEADER.len()] == HEADER
        })
        .ok_or_else(|| format!("no table with the header | {} |", HEADER.join(" | ")))?;
    let extra: Vec<String> = split_cells(lines[header_at])
        .iter()
        .skip(HEADER.len())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    for (i, name) in extra.iter().enumerate() {
        if !OPTIONAL.contains(&name.as_str()) || extra[..i].contains(name) {
            return Err(format!(
                "line {}: unknown or repeated column `{name}` (optional columns: {})",
                header_at + 1,
                OPTIONAL.join(", ")
            ));
        }
    }
    let width = HEADER.len() + extra.len();
    let separator = lines.get(header_at + 1).copied().unwrap_or("");
    let is_separator = is_table_line(separator)
        && split_cells(separator)
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'));
    if !is_separator {
        return Err(format!(
            "line {}: expected the |---|---| line under the header",
            header_at + 2
        ));
    }
    let mut rows: Vec<Row> = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(header_at + 2) {
        if !is_table_line(line) {
            break;
        }
        let n = i + 1;
        let mut cells = split_cells(line);
        if cells.len() != width {
            return Err(format!(
                "line {n}: expected {width} cells, found {}",
                cells.len()
            ));
        }
        let optional = cells.split_off(HEADER.len());
        let cell = |name: &str| {
            extra
                .iter()
                .position(|e| e == name)
                .map(|i| unquote(&optional[i]).to_string())
                .filter(|c| c != "-" && !c.is_empty())
        };
        let args: Vec<String> = cell("args")
            .map(|a| a.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let timeout = cell("timeout").unwrap_or_else(|| PER_FILE_TIMEOUT.to_string());
        let [file, verdict, reason, shows] = <[String; 4]>::try_from(cells)
            .map_err(|c| format!("line {n}: expected 4 cells, found {}", c.len()))?;
        let file = unquote(&file).to_string();
        if file.is_empty() || file.contains('/') {
            return Err(format!(
                "line {n}: bad file name `{file}` (a bare name inside {SUITE_DIR})"
            ));
        }
        let verdict = Verdict::from_label(&verdict).ok_or_else(|| {
            format!("line {n}: verdict `{verdict}` is not one of PASS FAIL SKIP TIMEOUT ERROR")
        })?;
        let reason = match unquote(&reason) {
            "-" => None,
            "" => return Err(format!("line {n}: empty reason (write `-` for none)")),
            r => Some(r.to_string()),
        };
        if let Some(prev) = rows.iter().find(|r| r.file == file) {
            return Err(format!(
                "line {n}: `{file}` already has a row on line {}",
                prev.line
            ));
        }
        rows.push(Row {
            file,
            verdict,
            reason,
            shows,
            line: n,
            args,
            timeout,
        });
    }
    if rows.is_empty() {
        return Err(format!("line {}: the table has no rows", header_at + 1));
    }
    Ok(rows)
}

fn is_table_line(line: &str) -> bool {
    line.trim_start().starts_with('|')
}

/// The trimmed cells of a table line; `\|` is a literal `|`.
fn split_cells(line: &str) -> Vec<String> {
    let inner = line.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = if inner.ends_with('|') && !inner.ends_with("\\|") {
        &inner[..inner.len() - 1]
    } else {
        inner
    };
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cells.last_mut().unwrap().push('|');
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// Strips one pair of enclosing backticks.
fn unquote(cell: &str) -> &str {
    cell.strip_prefix('`')
        .and_then(|c| c.strip_suffix('`'))
        .filter(|c| !c.is_empty())
        .unwrap_or(cell)
}

// ---------------------------------------------------------------------------
// Meta trials

fn check_parser() -> Result<(), Failed> {
    let sample = "\
# Title

| not | the table |
|-----|-----------|
| x | y |

Some text.

| File | Verdict | Reason contains | What it shows |
|:-----|:-------:|-----------------|---------------|
| `a.t` | PASS | - | plain |
|`b.sh`|FAIL|`exited with status 1`|no spaces around cells|
| c.py | TIMEOUT | timed out | a \\| pipe, `code` |
  | d | ERROR | `cannot start` | indented row |

| e.t | PASS | - | after the table: ignored |
";
    let rows = parse_table(sample).map_err(|e| format!("sample table did not parse: {e}"))?;
    let got: Vec<(&str, Verdict, Option<&str>, &str, usize)> = rows
        .iter()
        .map(|r| {
            (
                r.file.as_str(),
                r.verdict,
                r.reason.as_deref(),
                r.shows.as_str(),
                r.line,
            )
        })
        .collect();
    let want = vec![
        ("a.t", Verdict::Pass, None, "plain", 11),
        (
            "b.sh",
            Verdict::Fail,
            Some("exited with status 1"),
            "no spaces around cells",
            12,
        ),
        (
            "c.py",
            Verdict::Timeout,
            Some("timed out"),
            "a | pipe, `code`",
            13,
        ),
        (
            "d",
            Verdict::Error,
            Some("cannot start"),
            "indented row",
            14,
        ),
    ];
    if got != want {
        return Err(format!("parsed\n{got:#?}\nexpected\n{want:#?}").into());
    }

    let with_extra = "| file | verdict | reason contains | what it shows | timeout | args |\n\
                      |---|---|---|---|---|---|\n\
                      | a.t | PASS | - | x | `10s` | `--retries 2 -j 1` |\n\
                      | b.t | PASS | - | y | - | - |\n";
    let rows = parse_table(with_extra).map_err(|e| format!("optional columns: {e}"))?;
    let got: Vec<(&str, Vec<String>)> = rows
        .iter()
        .map(|r| (r.timeout.as_str(), r.args.clone()))
        .collect();
    let want: Vec<(&str, Vec<String>)> = vec![
        (
            "10s",
            vec!["--retries".into(), "2".into(), "-j".into(), "1".into()],
        ),
        (PER_FILE_TIMEOUT, vec![]),
    ];
    if got != want {
        return Err(format!("optional columns parsed as {got:?}, expected {want:?}").into());
    }
    for (text, needle) in [
        (
            "| file | verdict | reason contains | what it shows | colour |\n|---|---|---|---|---|\n| a.t | PASS | - | x | y |\n",
            "unknown or repeated column `colour`",
        ),
        (
            "| file | verdict | reason contains | what it shows | args |\n|---|---|---|---|---|\n| a.t | PASS | - | x |\n",
            "expected 5 cells, found 4",
        ),
    ] {
        match parse_table(text) {
            Err(e) if e.contains(needle) => {}
            other => return Err(format!("expected an error with {needle:?}, got {other:?}").into()),
        }
    }

    let head = "| file | verdict | reason contains | what it shows |\n|---|---|---|---|\n";
    for (body, needle) in [
        ("| a.t | OK | - | x |\n", "verdict `OK`"),
        ("| a.t | pass | - | x |\n", "verdict `pass`"),
        ("| a.t | PASS | - |\n", "expected 4 cells, found 3"),
        ("| a.t | PASS |  | x |\n", "empty reason"),
        (
            "| a.t | PASS | - | x |\n| a.t | FAIL | - | y |\n",
            "already has a row on line 3",
        ),
        ("| dir/a.t | PASS | - | x |\n", "bad file name"),
        ("", "no rows"),
    ] {
        match parse_table(&format!("{head}{body}")) {
            Ok(rows) => return Err(format!("{body:?} should not parse, got {rows:?}").into()),
            Err(e) if e.contains(needle) => {}
            Err(e) => {
                return Err(format!("{body:?}: error {e:?} does not mention {needle:?}").into())
            }
        }
    }
    for (text, needle) in [
        ("no table here\n", "no table with the header"),
        (
            "| file | verdict | reason contains | what it shows |\n| a.t | PASS | - | x |\n",
            "|---|",
        ),
    ] {
        match parse_table(text) {
            Err(e) if e.contains(needle) => {}
            other => {
                return Err(format!(
                    "{text:?}: expected an error mentioning {needle:?}, got {other:?}"
                )
                .into())
            }
        }
    }

    let real = load_table()?;
    if real.len() < 20 {
        return Err(format!("the real table has only {} rows", real.len()).into());
    }
    Ok(())
}

fn check_table_matches_directory() -> Result<(), Failed> {
    let rows = load_table()?;
    let dir = suite_dir();
    let mut on_disk = BTreeSet::new();
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == TABLE_FILE {
            continue;
        }
        on_disk.insert(name);
    }
    let in_table: BTreeSet<String> = rows.iter().map(|r| r.file.clone()).collect();
    let mut msg = String::new();
    for name in on_disk.difference(&in_table) {
        let _ = writeln!(msg, "  {SUITE_DIR}/{name} has no row in {TABLE_FILE}");
    }
    for name in in_table.difference(&on_disk) {
        let line = rows.iter().find(|r| &r.file == name).map_or(0, |r| r.line);
        let _ = writeln!(
            msg,
            "  {TABLE_FILE} line {line}: {name} does not exist in {SUITE_DIR}"
        );
    }
    if msg.is_empty() {
        Ok(())
    } else {
        Err(format!("the table and the directory disagree:\n{msg}").into())
    }
}

// ---------------------------------------------------------------------------
// One row through the harness API

/// ptest's verdict as the table spells it (`None`: one the table has no
/// word for, NOT RUN, INTERRUPTED or FLAKY, never expected of a row).
fn table_verdict(verdict: PtestVerdict) -> Option<Verdict> {
    match verdict {
        PtestVerdict::Pass => Some(Verdict::Pass),
        PtestVerdict::Fail => Some(Verdict::Fail),
        PtestVerdict::Skip => Some(Verdict::Skip),
        PtestVerdict::Timeout => Some(Verdict::Timeout),
        PtestVerdict::Error => Some(Verdict::Error),
        PtestVerdict::NotRun | PtestVerdict::Interrupted | PtestVerdict::Flaky => None,
    }
}

/// The row's expectations against what ptest's executor made of the file:
/// the same checks as [`check_row`] makes of the binary's JSON summary and
/// exit status.
fn check_outcome(row: Option<&Row>, outcome: &TrialOutcome) -> Result<Completion, Failed> {
    let id = &outcome.summary.id;
    let Some(row) = row else {
        return Err(format!("{id} has no row in {SUITE_DIR}/{TABLE_FILE}").into());
    };
    let file_arg = row_id(&row.file);
    let mut problems: Vec<String> = Vec::new();
    if outcome.wall > max_wall(row) {
        problems.push(format!(
            "the file took {:.1?}, more than {:?}",
            outcome.wall,
            max_wall(row)
        ));
    }
    // ptest's exit status with this file alone: 1 when its verdict is a
    // failure (`RunSummary::has_failures`), else 0.
    let want_code = row.verdict.exit_code();
    let code = i32::from(outcome.verdict().is_failure());
    if code != want_code {
        problems.push(format!(
            "ptest would exit with status {code}, expected {want_code}"
        ));
    }
    let entry = serde_json::to_value(&outcome.summary)
        .map_err(|e| format!("the file summary does not serialise: {e}"))?;
    check_entry(row, &file_arg, &entry, &mut problems);
    if table_verdict(outcome.verdict()).is_none() {
        problems.push(format!(
            "verdict {} is not in the table's vocabulary",
            outcome.verdict().label()
        ));
    }
    if problems.is_empty() {
        return Ok(Completion::Completed);
    }
    let mut msg = expectation(row, &file_arg);
    for p in &problems {
        let _ = writeln!(msg, "  - {p}");
    }
    let _ = writeln!(
        msg,
        "[{:.2?}] ptest shows:\n{}",
        outcome.wall,
        outcome.report()
    );
    let _ = writeln!(
        msg,
        "file summary:\n{}",
        serde_json::to_string_pretty(&entry).unwrap_or_default()
    );
    Err(msg.into())
}

/// The first line of a row's failure message.
fn expectation(row: &Row, file_arg: &str) -> String {
    format!(
        "{file_arg}: expected {}{} ({}, README line {})\n",
        row.verdict.label(),
        match &row.reason {
            Some(r) => format!(" with a reason containing {r:?}"),
            None => " with no reasons".to_string(),
        },
        row.shows,
        row.line,
    )
}

// ---------------------------------------------------------------------------
// One row: run ptest on the file

/// What one ptest run produced.
struct PtestRun {
    command: String,
    status: Option<ExitStatus>,
    elapsed: Duration,
    killed: bool,
    stdout: String,
    stderr: String,
    summary: Result<Value, String>,
}

/// The ptest binary under test.
fn ptest_bin() -> PathBuf {
    match std::env::var_os("FAILURE_MODES_PTEST_BIN") {
        Some(bin) if !bin.is_empty() => PathBuf::from(bin),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_ptest")),
    }
}

fn run_ptest(file_arg: &str, row: &Row) -> Result<PtestRun, Failed> {
    let tmp = tempfile::tempdir().map_err(|e| format!("cannot create a temp dir: {e}"))?;
    // The row's file alone, copied to the same relative path in a temp dir
    // of its own: the id is the same, nothing is shared between rows.
    let root = tmp.path().join("root");
    common::copy_tree(&suite_dir().join(&row.file), &root.join(file_arg));
    let root = root.as_path();
    let json_path = tmp.path().join("s.json");
    let out_path = tmp.path().join("ptest.stdout");
    let err_path = tmp.path().join("ptest.stderr");
    let mut args: Vec<String> = vec![
        file_arg.to_string(),
        "--timeout".into(),
        row.timeout.clone(),
        "-j".into(),
        "1".into(),
        "--no-history".into(),
        "--color".into(),
        "never".into(),
        "--json".into(),
        json_path.display().to_string(),
    ];
    args.extend(row.args.iter().cloned());
    let bin = ptest_bin();
    let command = format!(
        "(cd {} && {} {})",
        root.display(),
        bin.display(),
        args.join(" ")
    );
    // ptest's own output goes to files, not pipes: if a leaked grandchild
    // ever held on to them, a pipe would block this harness for 10 minutes.
    let open =
        |p: &Path| File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()));
    let started = Instant::now();
    let mut cmd = Command::new(&bin);
    common::clean_env(&mut cmd);
    let mut child = cmd
        .args(&args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(open(&out_path)?)
        .stderr(open(&err_path)?)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let mut killed = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > HARD_DEADLINE => {
                killed = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for ptest: {e}").into()),
        }
    };
    let elapsed = started.elapsed();
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned();
    let summary = match fs::read_to_string(&json_path) {
        Err(e) => Err(format!(
            "ptest wrote no JSON summary to {} ({e})",
            json_path.display()
        )),
        Ok(text) => {
            serde_json::from_str(&text).map_err(|e| format!("the JSON summary does not parse: {e}"))
        }
    };
    Ok(PtestRun {
        command,
        status,
        elapsed,
        killed,
        stdout: read(&out_path),
        stderr: read(&err_path),
        summary,
    })
}

/// How long a row may take: [`MAX_WALL`], or three times its timeout
/// when that is longer.
fn max_wall(row: &Row) -> Duration {
    let timeout = ptest::util::duration::parse_duration(&row.timeout).unwrap_or(Duration::ZERO);
    MAX_WALL.max(timeout * 3)
}

fn check_row(row: &Row) -> Result<(), Failed> {
    let file_arg = format!("{SUITE_DIR}/{}", row.file);
    let run = run_ptest(&file_arg, row)?;
    let mut problems: Vec<String> = Vec::new();
    let mut entry_json = String::new();

    if run.killed {
        problems.push(format!(
            "ptest was still running after {HARD_DEADLINE:?} and was killed"
        ));
    } else if run.elapsed > max_wall(row) {
        problems.push(format!(
            "ptest took {:.1?}, more than {:?}",
            run.elapsed,
            max_wall(row)
        ));
    }

    let want_code = row.verdict.exit_code();
    match run.status.and_then(|s| s.code()) {
        Some(code) if code == want_code => {}
        Some(code) => problems.push(format!(
            "ptest exited with status {code}, expected {want_code}"
        )),
        None => problems.push(format!(
            "ptest ended without an exit code ({:?})",
            run.status
        )),
    }

    match &run.summary {
        Err(e) => problems.push(e.clone()),
        Ok(summary) => match summary.get("files").and_then(Value::as_array) {
            None => problems.push("the JSON summary has no `files` array".to_string()),
            Some(files) if files.len() != 1 => {
                let ids: Vec<&str> = files.iter().filter_map(|f| f["id"].as_str()).collect();
                problems.push(format!(
                    "expected exactly 1 file in the summary, found {}: {ids:?}",
                    files.len()
                ));
            }
            Some(files) => {
                let entry = &files[0];
                entry_json = serde_json::to_string_pretty(entry).unwrap_or_default();
                check_entry(row, &file_arg, entry, &mut problems);
            }
        },
    }

    if problems.is_empty() {
        return Ok(());
    }
    let mut msg = expectation(row, &file_arg);
    for p in &problems {
        let _ = writeln!(msg, "  - {p}");
    }
    let _ = writeln!(msg, "command: {}  [{:.2?}]", run.command, run.elapsed);
    if !entry_json.is_empty() {
        let _ = writeln!(msg, "file summary:\n{entry_json}");
    }
    let _ = writeln!(msg, "--- ptest stdout ---\n{}", tail(&run.stdout));
    let _ = writeln!(msg, "--- ptest stderr ---\n{}", tail(&run.stderr));
    Err(msg.into())
}

fn check_entry(row: &Row, file_arg: &str, entry: &Value, problems: &mut Vec<String>) {
    match entry.get("id").and_then(Value::as_str) {
        Some(id) if id == file_arg => {}
        other => problems.push(format!(
            "file id is {}, expected {file_arg:?}",
            shown(other)
        )),
    }
    match entry.get("verdict").and_then(Value::as_str) {
        Some(v) if v == row.verdict.json() => {}
        other => problems.push(format!(
            "verdict is {}, expected {:?}",
            shown(other),
            row.verdict.json()
        )),
    }
    let reasons: Vec<&str> = match entry.get("reasons") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(other) => {
            problems.push(format!("`reasons` is not an array: {other}"));
            return;
        }
    };
    match &row.reason {
        None if reasons.is_empty() => {}
        None => problems.push(format!("expected no reasons, got {reasons:?}")),
        Some(want) => {
            let want_lc = want.to_lowercase();
            if !reasons.iter().any(|r| r.to_lowercase().contains(&want_lc)) {
                problems.push(format!("no reason contains {want:?}; reasons: {reasons:?}"));
            }
        }
    }
}

/// A JSON string field for a message: quoted, or `missing`.
fn shown(field: Option<&str>) -> String {
    field.map_or_else(|| "missing".to_string(), |v| format!("{v:?}"))
}

/// The last [`SHOW_BYTES`] of `text`, cut at a character boundary.
fn tail(text: &str) -> &str {
    if text.is_empty() {
        return "(empty)";
    }
    let mut start = text.len().saturating_sub(SHOW_BYTES);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
