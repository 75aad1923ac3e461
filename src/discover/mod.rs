//! Finding test files and choosing how to run each one.
//!
//! Input: the paths, globs and include/exclude patterns from the command line.
//! Output: a sorted, de-duplicated `Vec<Unit>` (see [`crate::unit`]), one
//! [`crate::unit::UnitKind::File`] per test file with the [`Runner`] that
//! starts it. A file that cannot be run (not executable, no known
//! interpreter) is still returned, with [`Runner::Unrunnable`], so that it shows up as ERROR in every report
//! instead of silently disappearing.
//!
//! Each file is opened once, here: its first bytes give the `#!` line (for
//! the built-in runner) and its `ptest:` headers ([`header`]). Then the
//! per-file rules of `ptest.toml` apply (`resolve`): the first matching
//! `[[runner]]` replaces the built-in runner (unless `--exec` is given),
//! and `[[override]]`s and the header fill [`crate::unit::UnitSettings`]
//! and the unit's environment, each key with its source. A pytest-style
//! Python file gets the built-in pytest runner instead of `python3 FILE`
//! (or ERROR when pytest cannot be imported): see `src/discover/pytest.rs`.

pub mod header;
mod pytest;
mod resolve;
mod walk;

use crate::config::rules::Rules;
use crate::parse::Protocol;
use crate::unit::{Runner, Unit, UnitKind};
use crate::util::id;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// How many bytes of each file are read for its `#!` line and headers.
pub const HEAD_BYTES: usize = 8 * 1024;

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// Directories (walked), files, or glob patterns. Empty means `tests/`,
    /// else `t/`.
    pub paths: Vec<PathBuf>,
    /// Only files matching one of these globs count as tests when walking.
    pub include: Vec<String>,
    /// Files matching any of these globs are left out.
    pub exclude: Vec<String>,
    /// Run every file through this command (`--exec`), like `prove --exec`.
    pub exec: Option<Vec<String>>,
    /// `[[runner]]` and `[[override]]` rules of `ptest.toml`.
    pub rules: Rules,
    /// Variables given to every file (run-wide `env`, `--env`), before the
    /// file's own.
    pub env: Vec<(String, String)>,
    /// Also find the test-looking files that git's ignore rules left out,
    /// and the rule of each ([`Discovery::ignored`]; `--list`, `--explain`).
    /// A second walk, so off unless asked.
    pub find_ignored: bool,
}

/// What [`discover_report`] found: the units, and what to tell the user.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The units, as [`discover`] returns them.
    pub units: Vec<Unit>,
    /// Test-looking files that git's ignore rules left out, with the rule
    /// (`` `*.sh` in t/.gitignore``); only with
    /// [`DiscoverOptions::find_ignored`].
    pub ignored: Vec<IgnoredFile>,
    /// Warnings to print (a quoted glob that matched no file, a symlink
    /// loop in a walked directory).
    pub warnings: Vec<String>,
}

/// A test-looking file an ignore rule left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredFile {
    /// The id it would have had.
    pub id: String,
    /// The rule: `` `PATTERN` in FILE``.
    pub rule: String,
}

impl DiscoverOptions {
    /// Options for the given paths, with no filters.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        DiscoverOptions {
            paths,
            ..Default::default()
        }
    }
}

/// Why discovery failed before any file could be chosen.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// A path on the command line does not exist.
    #[error("path not found: {0}")]
    NotFound(PathBuf),
    /// No path was given and neither `tests/` nor `t/` exists.
    #[error("no test directory: give a PATH, or create tests/ or t/")]
    NoDefaultDir,
    /// A glob (path, --include or --exclude) does not parse.
    #[error("invalid glob `{glob}`")]
    BadGlob {
        /// The pattern as given.
        glob: String,
        /// The parser's complaint.
        #[source]
        source: globset::Error,
    },
    /// The --exec command line does not parse.
    #[error("invalid --exec command `{0}`")]
    BadExec(String),
    /// A quoted glob matched no file, and nothing else was found to run.
    #[error("no file matches `{0}`")]
    GlobMatchedNothing(String),
}

/// Finds test files. See the module docs.
///
/// - a directory is walked recursively (hidden entries skipped, `.gitignore`
///   respected, symlinks to directories followed, a symlink loop a
///   warning); a file in it is a test when it matches `--include` (if given)
///   or otherwise has a known runner (`.t`, `.sh`, `.bash`, `.py`, or the
///   executable bit);
/// - a file named explicitly is always a test (even when it cannot be run: it
///   then gets [`Runner::Unrunnable`] and reports as ERROR);
/// - a path with glob characters (`*?[{`) is matched against files under its
///   literal prefix; a matching file is a test like a file named explicitly
///   (subject to `--include`, but not to the known-runner rule).
///
/// `--exclude` applies to walked and glob-matched files. A directory that
/// cannot be listed or searched, and a named file that cannot be reached,
/// become [`Runner::Unrunnable`] entries named after them, so that they
/// report as ERROR while the rest of the suite runs. Ids follow the rule in
/// [`id`]. The result is sorted by id with duplicates removed.
///
/// A quoted glob that matches no file is an error when nothing else was
/// found ([`DiscoverError::GlobMatchedNothing`], as a missing path is),
/// else a warning that this function drops: see [`discover_report`].
pub fn discover(options: &DiscoverOptions) -> Result<Vec<Unit>, DiscoverError> {
    discover_report(options).map(|d| d.units)
}

/// [`discover`], with the warnings to print and, when asked, the files
/// git's ignore rules left out.
pub fn discover_report(options: &DiscoverOptions) -> Result<Discovery, DiscoverError> {
    let filters = Filters::new(options)?;
    let mut report = Discovery::default();
    let mut empty_globs = Vec::new();
    let paths = if options.paths.is_empty() {
        vec![default_dir()?]
    } else {
        options.paths.clone()
    };
    let mut found: Vec<Unit> = Vec::new();
    for path in &paths {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                filters.add_walk(
                    path,
                    None,
                    &mut found,
                    options.find_ignored.then_some(&mut report.ignored),
                    &mut report.warnings,
                );
            }
            Ok(m) => found.push(filters.classify(path, filters.id(path), m)),
            Err(_) if is_glob(path) => {
                let pattern = normalize(&path.to_string_lossy());
                let glob = Glob {
                    matcher: compile_glob(&pattern)?,
                    pattern,
                };
                let base = literal_prefix(path);
                let matched = match std::fs::metadata(&base) {
                    Ok(m) if m.is_dir() => filters.add_walk(
                        &base,
                        Some(&glob),
                        &mut found,
                        options.find_ignored.then_some(&mut report.ignored),
                        &mut report.warnings,
                    ),
                    Ok(_) => 0,
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => 0,
                    Err(err) => {
                        found.push(filters.inaccessible(&base, &err));
                        1
                    }
                };
                if matched == 0 {
                    empty_globs.push(path.to_string_lossy().into_owned());
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(DiscoverError::NotFound(path.clone()))
            }
            Err(err) => found.push(filters.inaccessible(path, &err)),
        }
    }
    if found.is_empty() {
        if let Some(glob) = empty_globs.first() {
            return Err(DiscoverError::GlobMatchedNothing(glob.clone()));
        }
    }
    report.warnings.extend(empty_globs.iter().map(|glob| {
        format!("no file matches `{glob}` (a quoted glob; the other paths still run)")
    }));
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    report.units = found;
    report.ignored.sort_by(|a, b| a.id.cmp(&b.id));
    report.ignored.dedup();
    Ok(report)
}

/// `tests/` if it exists, else `t/`: where a run without a path looks.
pub fn default_dir() -> Result<PathBuf, DiscoverError> {
    ["tests", "t"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_dir())
        .ok_or(DiscoverError::NoDefaultDir)
}

/// A path given with glob characters, compiled.
struct Glob {
    /// The normalized pattern.
    pattern: String,
    matcher: globset::GlobMatcher,
}

impl Glob {
    /// Whether the pattern could match a file somewhere below `dir` (used
    /// for a directory whose entries are unknown): with `**`, or with more
    /// components than `dir` has.
    fn could_reach(&self, dir: &Path) -> bool {
        self.pattern.contains("**")
            || self.pattern.split('/').filter(|p| !p.is_empty()).count()
                > normalize_path(dir).components().count()
    }
}

/// The filters and settings every candidate file goes through.
struct Filters {
    include: Option<globset::GlobSet>,
    exclude: Option<globset::GlobSet>,
    /// `Some(None)` for an empty `--exec` (run directly).
    exec: Option<Option<Vec<String>>>,
    cwd: PathBuf,
    rules: resolve::Compiled,
    /// Whether `python3` can import pytest, asked at the first
    /// pytest-style file (see [`pytest`]).
    pytest: pytest::Probe,
}

impl Filters {
    fn new(options: &DiscoverOptions) -> Result<Filters, DiscoverError> {
        Ok(Filters {
            include: build_globset(&options.include)?,
            exclude: build_globset(&options.exclude)?,
            exec: match &options.exec {
                None => None,
                Some(words) if words.is_empty() => Some(None),
                Some(words) => Some(Some(words.clone())),
            },
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            rules: resolve::Compiled::new(&options.rules, &options.env),
            pytest: pytest::Probe::default(),
        })
    }

    /// The absolute, lexically normalized path of a file (rule patterns
    /// match it relative to the config file's directory).
    fn absolute(&self, path: &Path) -> PathBuf {
        crate::util::path::lexical(&self.cwd.join(path))
    }

    /// The path relative to the working directory when inside it,
    /// normalized (`./a//b` → `a/b`).
    fn rel(&self, path: &Path) -> PathBuf {
        let rel = if path.is_absolute() {
            path.strip_prefix(&self.cwd).unwrap_or(path)
        } else {
            path
        };
        normalize_path(rel)
    }

    /// The id of a file (see [`id`]).
    fn id(&self, path: &Path) -> String {
        id::encode_path(&self.rel(path))
    }

    fn excluded(&self, rel: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|set| set.is_match(rel))
    }

    fn included(&self, rel: &Path) -> bool {
        self.include.as_ref().is_none_or(|set| set.is_match(rel))
    }

    /// Walks `root`, adding the files that are tests (all files matching
    /// `glob` when given) and an ERROR entry per unreadable directory.
    /// With `ignored`, adds there the files git's ignore rules left out that
    /// would have been tests. Returns how many files `glob` matched (before
    /// `--include`/`--exclude`), plus the ERROR entries.
    fn add_walk(
        &self,
        root: &Path,
        glob: Option<&Glob>,
        found: &mut Vec<Unit>,
        ignored: Option<&mut Vec<IgnoredFile>>,
        warnings: &mut Vec<String>,
    ) -> usize {
        let walked = walk::walk(root);
        warnings.extend(walked.warnings.iter().cloned());
        let wanted = |file: &Path| glob.is_none_or(|g| g.matcher.is_match(normalize_path(file)));
        let mut matched = 0;
        for file in &walked.files {
            if wanted(file) {
                matched += 1;
                found.extend(self.select(file, glob.is_none()));
            }
        }
        if let Some(ignored) = ignored {
            for (file, rule) in walk::ignored(root, &walked.files) {
                if wanted(&file) && self.would_select(&file, glob.is_none()) {
                    ignored.push(IgnoredFile {
                        id: self.id(&file),
                        rule,
                    });
                }
            }
        }
        for problem in walked.problems {
            if let Some(entry) = self.problem_entry(problem, glob) {
                matched += 1;
                found.push(entry);
            }
        }
        matched
    }

    /// Whether [`Filters::select`] would take the file (without reading it).
    fn would_select(&self, path: &Path, require_runner: bool) -> bool {
        let rel = self.rel(path);
        if self.excluded(&rel) || !self.included(&rel) {
            return false;
        }
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        !(require_runner
            && self.include.is_none()
            && kind_of(path, &meta) == Kind::Unknown
            && self.rules.runner(&self.absolute(path)).is_none())
    }

    /// A walked or glob-matched file: a test if it passes the filters (and,
    /// with `require_runner`, has a known runner).
    fn select(&self, path: &Path, require_runner: bool) -> Option<Unit> {
        let rel = self.rel(path);
        if self.excluded(&rel) || !self.included(&rel) {
            return None;
        }
        let meta = std::fs::metadata(path).ok()?;
        if require_runner
            && self.include.is_none()
            && kind_of(path, &meta) == Kind::Unknown
            && self.rules.runner(&self.absolute(path)).is_none()
        {
            return None;
        }
        Some(self.classify(path, id::encode_path(&rel), meta))
    }

    /// Chooses the runner, protocol and per-file settings for a file,
    /// reading its first bytes once (`#!` line and headers).
    fn classify(&self, path: &Path, id: String, meta: std::fs::Metadata) -> Unit {
        let kind = kind_of(path, &meta);
        let builtin_protocol = (kind == Kind::Tap).then_some(Protocol::Tap);
        // Neither ptest (for the #! line, the headers and the history's
        // content hash) nor an interpreter can read it: say so instead of
        // letting the child fail with its own message.
        let head = match read_head(path, &meta) {
            Ok(head) => head,
            Err(why) => {
                let reason = format!("cannot read {id}: {why}");
                return Unit {
                    size: meta.len(),
                    protocol: builtin_protocol,
                    ..unrunnable(path, id, reason)
                };
            }
        };
        let dir = path.parent().unwrap_or(Path::new(""));
        let header = match head.as_deref().map(|h| header::parse(h, dir)).transpose() {
            Ok(header) => header.flatten(),
            Err(err) => {
                let reason = format!("{id}: {err}");
                return Unit {
                    size: meta.len(),
                    protocol: builtin_protocol,
                    ..unrunnable(path, id, reason)
                };
            }
        };
        let shebang = head.as_deref().and_then(shebang_of);
        let mut builtin = builtin_runner(path, kind, &meta, shebang.as_deref(), self.exec.as_ref());
        let mut builtin_protocol = builtin_protocol;
        let absolute = self.absolute(path);
        let runner = match self.exec {
            Some(_) => None,
            None => self.rules.runner(&absolute),
        };
        // A pytest-style file would pass as a script: pytest runs it, unless
        // `--exec` or a runner's own command says how.
        let pytest_style = kind == Kind::Python
            && self.exec.is_none()
            && runner.is_none_or(|rule| rule.command.is_none())
            && pytest::has_pytest_name(path)
            && head
                .as_deref()
                .is_some_and(|head| pytest::is_pytest_style(&whole_text(path, head)));
        if pytest_style {
            match self.pytest.available() {
                Ok(()) => {
                    builtin = Runner::Command {
                        argv: pytest::PYTEST_COMMAND.map(String::from).to_vec(),
                    };
                    builtin_protocol = Some(Protocol::Junit);
                }
                Err(why) => {
                    builtin = Runner::Unrunnable {
                        reason: format!("{} ({why})", pytest::HINT),
                    };
                }
            }
        }
        let mut unit = Unit::file(
            id,
            path.to_path_buf(),
            builtin,
            builtin_protocol,
            meta.len(),
        );
        let resolved = self
            .rules
            .settings(&absolute, header.as_ref().map(|h| (h, unit.id.as_str())));
        unit.settings = resolved.settings;
        unit.settings.depends_on = resolve::dependency_ids(&resolved.depends_on, &|p| self.id(p));
        unit.env = resolved
            .env
            .into_iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect();
        if pytest_style && runner.is_none() {
            unit.settings
                .sources
                .insert(0, ("runner".to_string(), pytest::SOURCE.to_string()));
        }
        if let Some(rule) = runner {
            match &mut unit.kind {
                UnitKind::File { runner, .. } => *runner = resolve::runner_for(rule, runner),
                // Discovery makes files only.
                UnitKind::CargoTest { .. } | UnitKind::Batch { .. } => {}
            }
            unit.protocol = rule.protocol;
            unit.settings.batch = rule.batch;
            unit.cwd = resolve::runner_cwd(rule, path);
            unit.settings
                .sources
                .insert(0, ("runner".to_string(), rule.origin.clone()));
        }
        unit
    }

    /// The ERROR entry for an unreadable directory, unless the filters
    /// leave out everything that could be in it.
    fn problem_entry(&self, problem: walk::Problem, glob: Option<&Glob>) -> Option<Unit> {
        let rel = self.rel(&problem.path);
        let reason = if problem.unchecked.is_empty() {
            // `dir/**` probes "everything in dir" for patterns like `t/private/**`.
            if self.excluded(&rel) || self.excluded(&rel.join("**")) {
                return None;
            }
            if glob.is_some_and(|g| !g.could_reach(&problem.path)) {
                return None;
            }
            format!("{}; the files in it were not run", problem.reason)
        } else {
            let count = problem
                .unchecked
                .iter()
                .filter(|file| {
                    let rel = self.rel(file);
                    glob.is_none_or(|g| g.matcher.is_match(normalize_path(file)))
                        && !self.excluded(&rel)
                        && self.included(&rel)
                })
                .count();
            if count == 0 {
                return None;
            }
            format!(
                "{}; {count} entr{} in it could not be checked and did not run",
                problem.reason,
                if count == 1 { "y" } else { "ies" }
            )
        };
        Some(unrunnable(&problem.path, id::encode_path(&rel), reason))
    }

    /// The ERROR entry for a path on the command line that exists but
    /// cannot be looked at (e.g. under a directory without search
    /// permission).
    fn inaccessible(&self, path: &Path, err: &std::io::Error) -> Unit {
        let id = self.id(path);
        let reason = format!("cannot access {id}: {}", walk::io_reason(err));
        unrunnable(path, id, reason)
    }
}

/// An entry that reports as ERROR with `reason`.
fn unrunnable(path: &Path, id: String, reason: String) -> Unit {
    Unit::file(
        id,
        path.to_path_buf(),
        Runner::Unrunnable { reason },
        None,
        0,
    )
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Kind {
    Tap,
    Sh,
    Bash,
    Python,
    Executable,
    Unknown,
}

fn kind_of(path: &Path, meta: &std::fs::Metadata) -> Kind {
    match path.extension().and_then(|e| e.to_str()) {
        Some("t") => Kind::Tap,
        Some("sh") => Kind::Sh,
        Some("bash") => Kind::Bash,
        Some("py") => Kind::Python,
        _ if is_executable(meta) => Kind::Executable,
        _ => Kind::Unknown,
    }
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

/// Whether a `#!` line runs perl (`#!perl`, `#!/usr/bin/perl -w`,
/// `#!/usr/bin/env perl`).
fn shebang_is_perl(line: &str) -> bool {
    line.split_whitespace().take(2).any(|w| {
        w.rsplit('/')
            .next()
            .is_some_and(|name| name.starts_with("perl"))
    })
}

/// `-T` or `-t` when a `#!` line asks for taint mode. Perl refuses to run
/// such a file unless the switch is also on its command line; `prove`
/// passes it the same way.
fn taint_switch(line: &str) -> Option<String> {
    if !line.contains("perl") {
        return None;
    }
    line.split_whitespace()
        .filter(|w| w.starts_with('-'))
        .find_map(|w| {
            if w.contains('T') {
                Some("-T".to_string())
            } else if w.contains('t') {
                Some("-t".to_string())
            } else {
                None
            }
        })
}

fn interpreter(program: &str) -> Runner {
    Runner::Interpreter {
        program: program.to_string(),
        args: Vec::new(),
    }
}

/// The built-in runner: `--exec`, else by extension and `#!` line.
fn builtin_runner(
    path: &Path,
    kind: Kind,
    meta: &std::fs::Metadata,
    shebang: Option<&str>,
    exec: Option<&Option<Vec<String>>>,
) -> Runner {
    match exec {
        Some(Some(words)) => Runner::Interpreter {
            program: words[0].clone(),
            args: words[1..].to_vec(),
        },
        Some(None) => Runner::Direct,
        None => match kind {
            // A non-Perl TAP producer with its own #! line runs directly;
            // Perl files always go through perl, as prove does (`#!perl -T`
            // cannot be executed directly).
            Kind::Tap => match shebang {
                Some(line) if is_executable(meta) && !shebang_is_perl(line) => Runner::Direct,
                line => Runner::Interpreter {
                    program: "perl".to_string(),
                    args: line.and_then(taint_switch).into_iter().collect(),
                },
            },
            Kind::Sh => interpreter("sh"),
            Kind::Bash => interpreter("bash"),
            Kind::Python => interpreter("python3"),
            Kind::Executable => Runner::Direct,
            Kind::Unknown => Runner::Unrunnable {
                reason: match path.extension() {
                    Some(ext) => format!(
                        "not executable, and no runner for extension `.{}`",
                        ext.to_string_lossy()
                    ),
                    None => {
                        "not executable, and it has no extension to choose a runner by".to_string()
                    }
                },
            },
        },
    }
}

/// The first [`HEAD_BYTES`] of a regular file (`None` for other kinds of
/// files, which are not opened: a FIFO would block), or why it cannot be
/// read. The one open of a file in discovery.
fn read_head(path: &Path, meta: &std::fs::Metadata) -> Result<Option<Vec<u8>>, String> {
    use std::io::Read;
    if !meta.is_file() {
        return Ok(None);
    }
    let file = std::fs::File::open(path).map_err(|err| walk::io_reason(&err))?;
    let mut head = Vec::with_capacity(HEAD_BYTES.min(meta.len() as usize));
    // A read error after a successful open (e.g. a directory-like special
    // file) leaves no head: nothing to learn from it, and the child reports.
    let _ = file.take(HEAD_BYTES as u64).read_to_end(&mut head);
    Ok(Some(head))
}

/// The whole text of a file whose first bytes are `head` (pytest-style
/// detection needs the `__main__` guard at its end); `head` itself when the
/// rest cannot be read.
fn whole_text<'a>(path: &Path, head: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
    if head.len() < HEAD_BYTES {
        return std::borrow::Cow::Borrowed(head);
    }
    match std::fs::read(path) {
        Ok(all) => std::borrow::Cow::Owned(all),
        Err(_) => std::borrow::Cow::Borrowed(head),
    }
}

/// The `#!` line in a file's first bytes, without the `#!`.
fn shebang_of(head: &[u8]) -> Option<String> {
    let line = head.strip_prefix(b"#!")?;
    Some(String::from_utf8_lossy(line.split(|&b| b == b'\n').next()?).into_owned())
}

fn is_glob(path: &Path) -> bool {
    path.to_string_lossy().contains(['*', '?', '[', '{'])
}

/// The directories before the first component with glob characters.
fn literal_prefix(path: &Path) -> PathBuf {
    let mut base = PathBuf::new();
    for comp in path.components() {
        if comp
            .as_os_str()
            .to_string_lossy()
            .contains(['*', '?', '[', '{'])
        {
            break;
        }
        base.push(comp);
    }
    if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    }
}

fn compile_glob(pattern: &str) -> Result<globset::GlobMatcher, DiscoverError> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|source| DiscoverError::BadGlob {
            glob: pattern.to_string(),
            source,
        })
}

/// Compiles `--include`/`--exclude` patterns. A pattern without `/` matches
/// the file name anywhere (`*.t`, `slow_*`); one with `/` matches the id.
fn build_globset(patterns: &[String]) -> Result<Option<globset::GlobSet>, DiscoverError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns {
        let normalized = normalize(pattern);
        let full = if normalized.contains('/') {
            normalized
        } else {
            format!("**/{normalized}")
        };
        let glob = globset::GlobBuilder::new(&full)
            .literal_separator(true)
            .build()
            .map_err(|source| DiscoverError::BadGlob {
                glob: pattern.clone(),
                source,
            })?;
        builder.add(glob);
    }
    builder
        .build()
        .map(Some)
        .map_err(|source| DiscoverError::BadGlob {
            glob: patterns.join(" "),
            source,
        })
}

/// `./a//b` → `a/b`.
fn normalize(text: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let absolute = text.starts_with('/');
    for part in text.split('/') {
        match part {
            "" | "." => {}
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// `./a//b` → `a/b` on the path's bytes (`.` components dropped, `..` kept).
fn normalize_path(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// The per-unit settings of units that discovery did not make (`ptest
/// cargo`'s tests): `[[override]]` patterns matched against unit ids, and
/// the run-wide environment (see `resolve::apply_by_id`).
pub fn apply_rules_by_id(units: &mut [Unit], options: &DiscoverOptions) {
    resolve::apply_by_id(units, &options.rules, &options.env);
}

/// Splits an `--exec` command line into words (shell quoting rules).
pub fn split_exec(command: &str) -> Result<Vec<String>, DiscoverError> {
    shell_words::split(command).map_err(|_| DiscoverError::BadExec(command.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str) -> Glob {
        Glob {
            matcher: compile_glob(pattern).expect("glob"),
            pattern: pattern.to_string(),
        }
    }

    #[test]
    fn a_glob_reaches_directories_it_could_match_inside() {
        assert!(glob("t/*/*.sh").could_reach(Path::new("t/private")));
        assert!(!glob("t/*.sh").could_reach(Path::new("t/private")));
        assert!(glob("t/**/*.sh").could_reach(Path::new("t/a/b/c")));
    }

    #[test]
    fn paths_normalize_on_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let raw = Path::new(std::ffi::OsStr::from_bytes(b"./t//a\xFF.t"));
        let norm = normalize_path(raw);
        assert_eq!(norm.as_os_str().as_bytes(), b"t/a\xFF.t");
        assert_eq!(id::encode_path(&norm), "t/a%FF.t");
    }
}
