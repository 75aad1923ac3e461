//! The unit of work and the small id types every stage shares.
//!
//! A [`Unit`] is one thing ptest starts as one child process and judges as
//! one verdict. Discovery makes them, the plan orders them, the run
//! launches them (see `run::launcher`), merge and report show them. Only the
//! launcher asks what [`UnitKind`] a unit is; every other stage works with
//! its id, its path, its protocol and its size hint.
//!
//! # Extension point
//!
//! A unit is a [`UnitKind::File`] (a test file and the way it is started,
//! [`Runner`]) or a [`UnitKind::CargoTest`] (one Rust test inside a test
//! binary, `ptest cargo`). A batch of files started by one child is a
//! further kind; each adds a variant here and an arm in [`Unit::argv`] and
//! [`Unit::path`], and nothing else changes. The
//! working directory ([`Unit::cwd`]) and extra environment ([`Unit::env`])
//! already travel with the unit for them (set for files by `[[runner]]`
//! `cwd = "file"`, `env` tables and `--env`).
//!
//! # Command templates and the batch mode to come
//!
//! A `[[runner]]` gives a file a [`Runner::Command`]: an argument
//! template in which the launcher substitutes `{file}` (the file's path;
//! absolute when the child starts in another directory) and `{junit}` (the
//! absolute path it also puts in `PTEST_JUNIT_FILE`). A later batch mode —
//! one process for several files — is a `UnitKind::Batch { paths,
//! runner }` whose template takes `{files}` (one argument per path,
//! substituted by [`Unit::argv_with`] like `{file}`); the child's one JUnit
//! report is split back into per-file results by each case's `file`
//! attribute (or classname), which the lenient reader already reads. Plan
//! and run keep treating it as one unit with one slot; only this file, the
//! launcher's substitution and the merge of its report change.

use crate::parse::Protocol;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A unit's stable identifier: for a file, its path relative to where ptest
/// runs (see [`crate::util::id`]). Used in every report and as the
/// history key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitId(String);

impl UnitId {
    /// An id from its text.
    pub fn new(id: String) -> UnitId {
        UnitId(id)
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for UnitId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for UnitId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UnitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for UnitId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for UnitId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<UnitId> for String {
    fn from(id: UnitId) -> String {
        id.0
    }
}

impl From<&UnitId> for OsString {
    fn from(id: &UnitId) -> OsString {
        OsString::from(&id.0)
    }
}

/// A slot: one of the `jobs` places a unit runs in at a time
/// (0-based; `PTEST_WORKER` in a child's environment, `worker` in the JSON
/// summary). The number of slots is what `-j` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot(usize);

impl Slot {
    /// Slot number `index` (0-based).
    pub fn new(index: usize) -> Slot {
        Slot(index)
    }

    /// The slot's number (0-based).
    pub fn index(self) -> usize {
        self.0
    }
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// How a test file is started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Runner {
    /// Execute the file itself (a binary, or a script with a shebang line).
    Direct,
    /// Run `program [args…] FILE`, e.g. `perl FILE` or `sh FILE`.
    Interpreter {
        /// The program to start, looked up on `PATH`.
        program: String,
        /// Arguments placed before the file name.
        args: Vec<String>,
    },
    /// Run a command template (from a `[[runner]]`): `{file}` and
    /// `{junit}` are substituted in every argument.
    Command {
        /// Program first, then arguments, with placeholders.
        argv: Vec<String>,
    },
    /// The file cannot be started; the reason is reported as an ERROR.
    Unrunnable {
        /// Why, e.g. "not executable and no runner for extension `.txt`".
        reason: String,
    },
}

/// What a unit is (see the module docs for the kinds to come).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum UnitKind {
    /// A test file.
    File {
        /// The path used to start the file.
        path: PathBuf,
        /// How to start it.
        #[serde(rename = "launcher")]
        runner: Runner,
    },
    /// One test of a libtest test binary built by cargo (`ptest cargo`),
    /// started as `BINARY --exact NAME --nocapture [--ignored]`.
    ///
    /// A kind of its own rather than a generic command: the command line
    /// is built in one place from typed parts (the `--ignored` switch is a
    /// flag, not a string to find), and reports can name the binary.
    /// [`Unit::path`] is the binary: reports show it. The history's
    /// content hash is the binary's size and modification time
    /// ([`ContentKey::Stamp`]): cargo relinks a test binary only when its
    /// crate or a dependency changed, so a test's pass/fail changes count
    /// as flips only between runs of the same build, and ptest does not
    /// read hundreds of megabytes of debug binaries after every run.
    CargoTest {
        /// The test executable.
        binary: PathBuf,
        /// nextest's binary id: `crate`, `crate::bin/NAME`, `crate::NAME`
        /// (an integration test), `crate::example/NAME`, `crate::bench/NAME`.
        binary_id: String,
        /// The test's path inside the binary, as `--list` prints it.
        name: String,
        /// Run with `--ignored` (an `#[ignore]` test under `--run-ignored`).
        ignored: bool,
    },
    /// Several test files of one batched `[[runner]]` started by one child
    /// (see the module docs): the plan packs them
    /// ([`crate::plan::Plan::batches`]), and the child's JUnit report is
    /// split back into one result per file. [`Unit::path`] is the first
    /// file's path.
    Batch {
        /// The files' paths, in the order they go on the command line.
        paths: Vec<PathBuf>,
        /// How they are started: the runner's command template, whose
        /// `{files}` becomes one argument per path.
        #[serde(rename = "launcher")]
        runner: Runner,
    },
}

/// What a run calls its units in console output (`Running 10 tests`,
/// `Tests:  7 passed`, `Slowest tests:`): data the plan derives from its
/// units ([`UnitNoun::of`]) and the summary carries, so the console never
/// asks which kind of unit it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitNoun {
    /// Test files (and any mix of kinds).
    #[default]
    File,
    /// Single tests (`ptest cargo`): each unit is one test.
    Test,
}

impl UnitNoun {
    /// [`UnitNoun::Test`] when there are units and every one is a test,
    /// else [`UnitNoun::File`].
    pub fn of<'a>(units: impl IntoIterator<Item = &'a Unit>) -> UnitNoun {
        let mut nouns = units.into_iter().map(Unit::noun);
        match nouns.next() {
            Some(UnitNoun::Test) if nouns.all(|n| n == UnitNoun::Test) => UnitNoun::Test,
            Some(UnitNoun::Test | UnitNoun::File) | None => UnitNoun::File,
        }
    }

    /// `file` or `test`.
    pub fn singular(self) -> &'static str {
        match self {
            UnitNoun::File => "file",
            UnitNoun::Test => "test",
        }
    }

    /// `files` or `tests`.
    pub fn plural(self) -> &'static str {
        match self {
            UnitNoun::File => "files",
            UnitNoun::Test => "tests",
        }
    }

    /// The word for `n` of them: `file` for 1, else `files`.
    pub fn word(self, n: usize) -> &'static str {
        match n {
            1 => self.singular(),
            _ => self.plural(),
        }
    }

    /// `1 file`, `3 files`.
    pub fn count(self, n: usize) -> String {
        format!("{n} {}", self.word(n))
    }

    /// `Files` or `Tests`, to start a line.
    pub fn title(self) -> &'static str {
        match self {
            UnitNoun::File => "Files",
            UnitNoun::Test => "Tests",
        }
    }

    /// Whether it is [`UnitNoun::File`] (the default, left out of the JSON
    /// summary).
    pub fn is_file(&self) -> bool {
        *self == UnitNoun::File
    }
}

/// What the history's content hash of a unit is computed from (see
/// `history::hash_contents`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContentKey<'a> {
    /// The file's bytes (a test file).
    Bytes(&'a Path),
    /// The file's size and modification time (a test binary: large, and
    /// rewritten only by a build).
    Stamp(&'a Path),
}

/// The runner of every [`UnitKind::CargoTest`]: the binary is executed
/// directly, with its arguments.
static DIRECT: Runner = Runner::Direct;

/// One unit of work: started as one child, judged as one verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Stable identifier, escaped as [`crate::util::id`] describes when
    /// a path is not valid UTF-8.
    pub id: UnitId,
    /// What it is and how it is started.
    pub kind: UnitKind,
    /// The directory the child starts in; `None`: ptest's own.
    pub cwd: Option<PathBuf>,
    /// Environment given to the child on top of ptest's `PTEST_*` variables.
    pub env: Vec<(OsString, OsString)>,
    /// How to read its results; `None`: detected from what the child
    /// produced (a JUnit report, else TAP when stdout looks like TAP, else
    /// the exit code).
    pub protocol: Option<Protocol>,
    /// A size hint for estimates when no duration is known (for a file, its
    /// size in bytes).
    pub size: u64,
    /// Per-unit settings (scheduling constraints, timeout, retries, …),
    /// resolved in discovery: the file's header > the last matching
    /// `[[override]]` in `ptest.toml` > run-wide values.
    pub settings: UnitSettings,
}

/// What one unit asks of the run, beyond how it is started. Resolved once,
/// in discovery, and carried with the unit; plan and run read it and never
/// ask where it came from (that is in [`UnitSettings::sources`], for
/// `ptest explain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitSettings {
    /// Its own timeout; `None`: the run-wide one.
    pub timeout: Option<std::time::Duration>,
    /// Its own `--slow` threshold (`slow` in a header or `[[override]]`;
    /// zero: never reported slow); `None`: the run-wide one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow: Option<std::time::Duration>,
    /// Extra attempts after a failure; `None`: the run-wide number.
    pub retries: Option<u32>,
    /// Nothing else runs while it does.
    pub exclusive: bool,
    /// The concurrency group it belongs to (`[groups.NAME] max-threads`).
    pub group: Option<String>,
    /// Slots it takes while it runs (at least 1; capped at the run's slots).
    pub weight: u32,
    /// Units that must pass before it starts (ids, resolved in discovery).
    pub depends_on: Vec<UnitId>,
    /// Do not run it; the reason is reported (verdict SKIP).
    pub skip: Option<String>,
    /// Its failures are reported but do not fail the run.
    pub quarantine: bool,
    /// Keys of its tests whose failures are reported but do not fail the
    /// run (`[quarantine] tests`, `--quarantine-flaky`; see
    /// [`crate::aggregate::quarantine`]).
    pub quarantine_tests: Vec<String>,
    /// Whether its runner runs several files in one child (`[[runner]]`
    /// `batch = true`), and the duration a batch aims at (`batch-target`);
    /// `None`: one file per child. Set in discovery; the plan packs such
    /// files into [`UnitKind::Batch`] units.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::util::time::opt_secs"
    )]
    pub batch: Option<std::time::Duration>,
    /// Which copy of the unit this is in a `--repeat` run (1-based), set by
    /// the plan ([`crate::plan::Plan::repeat`]), never by discovery; `None`:
    /// not a repeat run. Children see it as `PTEST_ITERATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iteration: Option<u32>,
    /// Where each setting that is not the default came from, by key
    /// (`timeout`, `group`, …): `header t/db.t:3`,
    /// `ptest.toml:14 [[override]] "**/db_*"`.
    pub sources: Vec<(String, String)>,
}

impl UnitSettings {
    /// How many attempts the unit may have: 1 + its own `retries`, else
    /// 1 + the run's `run_retries`.
    pub fn total_attempts(&self, run_retries: u32) -> u32 {
        self.retries.unwrap_or(run_retries).saturating_add(1)
    }
}

impl Default for UnitSettings {
    /// No constraints: weight 1, run-wide timeout and retries.
    fn default() -> UnitSettings {
        UnitSettings {
            timeout: None,
            slow: None,
            retries: None,
            exclusive: false,
            group: None,
            weight: 1,
            depends_on: Vec::new(),
            skip: None,
            quarantine: false,
            quarantine_tests: Vec::new(),
            batch: None,
            iteration: None,
            sources: Vec::new(),
        }
    }
}

impl Unit {
    /// A test file started by `runner`, in ptest's directory, with no
    /// extra environment.
    pub fn file(
        id: String,
        path: PathBuf,
        runner: Runner,
        protocol: Option<Protocol>,
        size: u64,
    ) -> Unit {
        Unit {
            id: UnitId::new(id),
            kind: UnitKind::File { path, runner },
            cwd: None,
            env: Vec::new(),
            protocol,
            size,
            settings: UnitSettings::default(),
        }
    }

    /// The path the unit names (for a file, the path used to start it): in
    /// reports, and read for the history's content hash.
    pub fn path(&self) -> &Path {
        match &self.kind {
            UnitKind::File { path, .. } => path,
            UnitKind::CargoTest { binary, .. } => binary,
            UnitKind::Batch { paths, .. } => paths.first().map_or(Path::new(""), |p| p),
        }
    }

    /// How many test files the unit runs: its files for a batch, else 1.
    /// A unit's timeout is per file, so a batch's is this many times it.
    pub fn span(&self) -> u32 {
        match &self.kind {
            UnitKind::File { .. } | UnitKind::CargoTest { .. } => 1,
            UnitKind::Batch { paths, .. } => u32::try_from(paths.len()).unwrap_or(u32::MAX),
        }
    }

    /// What the unit is called in console output: a test file is a file,
    /// a cargo test a test.
    pub fn noun(&self) -> UnitNoun {
        match &self.kind {
            UnitKind::File { .. } | UnitKind::Batch { .. } => UnitNoun::File,
            UnitKind::CargoTest { .. } => UnitNoun::Test,
        }
    }

    /// What its history content hash is computed from.
    pub fn content_key(&self) -> ContentKey<'_> {
        match &self.kind {
            UnitKind::File { path, .. } => ContentKey::Bytes(path),
            UnitKind::CargoTest { binary, .. } => ContentKey::Stamp(binary),
            UnitKind::Batch { .. } => ContentKey::Bytes(self.path()),
        }
    }

    /// The one test case this unit runs and must report, by name: a cargo
    /// test's name (libtest's report of it names the result); `None` for a
    /// file, whose output says which tests it has.
    pub fn expected_case_name(&self) -> Option<&str> {
        match &self.kind {
            UnitKind::CargoTest { name, .. } => Some(name),
            UnitKind::File { .. } | UnitKind::Batch { .. } => None,
        }
    }

    /// The group its results are reported under (one JUnit
    /// `<testsuite>`): a cargo test's binary id; `None` for a file (its
    /// own suite, named by its id).
    pub fn suite(&self) -> Option<&str> {
        match &self.kind {
            UnitKind::File { .. } | UnitKind::Batch { .. } => None,
            UnitKind::CargoTest { binary_id, .. } => Some(binary_id),
        }
    }

    /// How the unit is started.
    pub fn runner(&self) -> &Runner {
        match &self.kind {
            UnitKind::File { runner, .. } | UnitKind::Batch { runner, .. } => runner,
            UnitKind::CargoTest { .. } => &DIRECT,
        }
    }

    /// What starts it, short, for the `--list` table: `(direct)`, the
    /// interpreter (`perl -w`) or the command template for a file; for a
    /// cargo test its command line with the binary's file name for its path
    /// (`calc-0f3e1b --exact tests::adds --nocapture`; `--explain` shows
    /// the whole path).
    pub fn runner_text(&self) -> String {
        match &self.kind {
            UnitKind::File { runner, .. } | UnitKind::Batch { runner, .. } => match runner {
                Runner::Direct => "(direct)".to_string(),
                Runner::Command { argv } => argv.join(" "),
                Runner::Interpreter { program, args } if args.is_empty() => program.clone(),
                Runner::Interpreter { program, args } => {
                    format!("{program} {}", args.join(" "))
                }
                Runner::Unrunnable { reason } => format!("cannot run: {reason}"),
            },
            UnitKind::CargoTest { binary, .. } => {
                let short = binary
                    .file_name()
                    .map_or_else(|| binary.to_string_lossy(), |name| name.to_string_lossy());
                let args = self.argv().unwrap_or_default();
                let args = args.iter().skip(1).map(|a| a.to_string_lossy());
                let words: Vec<String> = std::iter::once(short)
                    .chain(args)
                    .map(|w| w.into_owned())
                    .collect();
                shell_words::join(words)
            }
        }
    }

    /// The full command line: program first, then arguments, then the file.
    /// Why it cannot be started when it cannot ([`Runner::Unrunnable`]).
    /// A `{junit}` placeholder is left as it is (see [`Unit::argv_with`]).
    pub fn argv(&self) -> Result<Vec<OsString>, &str> {
        self.argv_with(None)
    }

    /// [`Unit::argv`], with `{junit}` replaced by `junit` when given.
    /// `{file}` is the unit's path, made absolute when the child starts in
    /// a directory of its own ([`Unit::cwd`]).
    pub fn argv_with(&self, junit: Option<&Path>) -> Result<Vec<OsString>, &str> {
        match &self.kind {
            UnitKind::File { path, runner } => match runner {
                Runner::Command { argv } => {
                    let file = self.child_path(path);
                    Ok(substitute_all(argv, std::slice::from_ref(&file), junit))
                }
                Runner::Direct => Ok(vec![path.clone().into_os_string()]),
                Runner::Interpreter { program, args } => {
                    let mut argv: Vec<OsString> = Vec::with_capacity(args.len() + 2);
                    argv.push(program.into());
                    argv.extend(args.iter().map(OsString::from));
                    argv.push(path.clone().into_os_string());
                    Ok(argv)
                }
                Runner::Unrunnable { reason } => Err(reason),
            },
            UnitKind::CargoTest {
                binary,
                name,
                ignored,
                ..
            } => {
                let mut argv: Vec<OsString> = vec![
                    binary.clone().into_os_string(),
                    "--exact".into(),
                    name.into(),
                    "--nocapture".into(),
                ];
                if *ignored {
                    argv.push("--ignored".into());
                }
                Ok(argv)
            }
            UnitKind::Batch { paths, runner } => match runner {
                Runner::Command { argv } => {
                    let files: Vec<PathBuf> = paths.iter().map(|p| self.child_path(p)).collect();
                    Ok(substitute_all(argv, &files, junit))
                }
                Runner::Direct | Runner::Interpreter { .. } | Runner::Unrunnable { .. } => {
                    Err("a batch needs a [[runner]] command with {files}")
                }
            },
        }
    }

    /// `path` as the child is given it: absolute when the child starts in
    /// a directory of its own ([`Unit::cwd`]).
    fn child_path(&self, path: &Path) -> PathBuf {
        match &self.cwd {
            Some(_) => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
            None => path.to_path_buf(),
        }
    }
}

/// A command template with its placeholders substituted: an argument that
/// is exactly `{files}` becomes one argument per file; in any other
/// argument `{file}` and `{files}` stand for the first file (and the files
/// joined by spaces), `{junit}` for `junit` when known.
fn substitute_all(argv: &[String], files: &[PathBuf], junit: Option<&Path>) -> Vec<OsString> {
    let first = files.first().map_or(Path::new(""), |p| p.as_path());
    let mut out = Vec::with_capacity(argv.len() + files.len());
    for arg in argv {
        if arg == "{files}" {
            out.extend(files.iter().map(|f| f.clone().into_os_string()));
        } else if arg.contains("{files}") {
            let joined: Vec<String> = files
                .iter()
                .map(|f| f.to_string_lossy().into_owned())
                .collect();
            out.push(substitute(
                &arg.replace("{files}", &joined.join(" ")),
                first,
                junit,
            ));
        } else {
            out.push(substitute(arg, first, junit));
        }
    }
    out
}

/// One template argument with `{file}` (and `{junit}` when known)
/// substituted; an argument that is exactly a placeholder keeps the path's
/// bytes as they are.
fn substitute(arg: &str, file: &Path, junit: Option<&Path>) -> OsString {
    match (arg, junit) {
        ("{file}", _) => return file.as_os_str().to_owned(),
        ("{junit}", Some(junit)) => return junit.as_os_str().to_owned(),
        _ => {}
    }
    let mut text = arg.replace("{file}", &file.to_string_lossy());
    if let Some(junit) = junit {
        text = text.replace("{junit}", &junit.to_string_lossy());
    }
    OsString::from(text)
}

/// The `#!` line of a file, without the `#!` (`None` when it has none or
/// cannot be read): how discovery chooses a runner, and how the run names
/// a missing interpreter.
pub fn shebang_line(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    Some(String::from_utf8_lossy(line.split(|&b| b == b'\n').next()?).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_puts_the_interpreter_and_its_switches_before_the_file() {
        let perl = Runner::Interpreter {
            program: "perl".into(),
            args: vec!["-T".into()],
        };
        let unit = Unit::file("t/a.t".into(), "t/a.t".into(), perl, None, 0);
        assert_eq!(
            unit.argv(),
            Ok(vec!["perl".into(), "-T".into(), "t/a.t".into()])
        );
        let direct = Unit::file("t/b".into(), "t/b".into(), Runner::Direct, None, 0);
        assert_eq!(direct.argv(), Ok(vec![OsString::from("t/b")]));
        let reason = "not executable".to_string();
        let broken = Runner::Unrunnable { reason };
        let unit = Unit::file("t/c".into(), "t/c".into(), broken, None, 0);
        assert_eq!(unit.argv(), Err("not executable"));
    }

    #[test]
    fn a_command_template_gets_its_file_and_junit_paths() {
        let argv = ["python3", "-m", "pytest", "{file}", "--junitxml={junit}"];
        let runner = Runner::Command {
            argv: argv.iter().map(|a| a.to_string()).collect(),
        };
        let mut unit = Unit::file("t/a.py".into(), "t/a.py".into(), runner, None, 0);
        assert_eq!(
            unit.argv_with(Some(Path::new("/r/j.xml"))),
            Ok(["python3", "-m", "pytest", "t/a.py", "--junitxml=/r/j.xml"]
                .map(OsString::from)
                .to_vec())
        );
        unit.cwd = Some("t".into());
        let argv = unit.argv_with(None).unwrap();
        assert!(Path::new(&argv[3]).is_absolute(), "{argv:?}");
        assert_eq!(argv[4], "--junitxml={junit}");
    }

    #[test]
    fn a_cargo_test_runs_its_binary_with_exact_name_and_nocapture() {
        let mut unit = Unit::file("x".into(), "x".into(), Runner::Direct, None, 0);
        unit.kind = UnitKind::CargoTest {
            binary: "/t/deps/lib-0a1b".into(),
            binary_id: "lib".into(),
            name: "tests::adds".into(),
            ignored: false,
        };
        assert_eq!(unit.path(), Path::new("/t/deps/lib-0a1b"));
        assert_eq!(
            unit.argv(),
            Ok(
                ["/t/deps/lib-0a1b", "--exact", "tests::adds", "--nocapture"]
                    .map(OsString::from)
                    .to_vec()
            )
        );
        if let UnitKind::CargoTest { ignored, .. } = &mut unit.kind {
            *ignored = true;
        }
        assert_eq!(unit.argv().unwrap().last().unwrap(), "--ignored");
    }
}
