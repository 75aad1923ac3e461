//! Finding test files and choosing how to run each one.
//!
//! Input: the paths, globs and include/exclude patterns from the command line.
//! Output: a sorted, de-duplicated `Vec<TestFile>`. A file that cannot be run
//! (not executable, no known interpreter) is still returned, with
//! [`Runner::Unrunnable`], so that it shows up as ERROR in every report
//! instead of silently disappearing.

use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

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
    /// The file cannot be started; the reason is reported as an ERROR.
    Unrunnable {
        /// Why, e.g. "not executable and no runner for extension `.txt`".
        reason: String,
    },
}

/// Which result protocol to expect from a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// TAP on stdout (`.t` files).
    Tap,
    /// TAP if the output contains a plan or a `TAP version` line, else the
    /// exit code.
    Auto,
}

/// One discovered test file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestFile {
    /// Stable identifier: the path relative to the directory ptest runs in,
    /// with `/` separators (absolute when outside it). Used in every report
    /// and as the history key.
    pub id: String,
    /// The path used to start the file.
    pub path: PathBuf,
    /// How to start it.
    pub runner: Runner,
    /// How to read its results.
    pub protocol: Protocol,
    /// Size in bytes (a last-resort duration estimate).
    pub size: u64,
}

impl TestFile {
    /// The full command line: program first, then arguments, then the file.
    /// `None` for [`Runner::Unrunnable`].
    pub fn argv(&self) -> Option<Vec<OsString>> {
        match &self.runner {
            Runner::Direct => Some(vec![self.path.clone().into_os_string()]),
            Runner::Interpreter { program, args } => {
                let mut argv: Vec<OsString> = Vec::with_capacity(args.len() + 2);
                argv.push(program.into());
                argv.extend(args.iter().map(OsString::from));
                argv.push(self.path.clone().into_os_string());
                Some(argv)
            }
            Runner::Unrunnable { .. } => None,
        }
    }
}

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
    /// The directory tree could not be read.
    #[error("cannot read {path}")]
    Walk {
        /// Where.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: ignore::Error,
    },
}

/// Finds test files. See the module docs.
///
/// - a directory is walked recursively (hidden entries skipped, `.gitignore`
///   respected); a file in it is a test when it matches `--include` (if given)
///   or otherwise has a known runner (`.t`, `.sh`, `.bash`, `.py`, or the
///   executable bit);
/// - a file named explicitly is always a test (even when it cannot be run: it
///   then gets [`Runner::Unrunnable`] and reports as ERROR);
/// - a path with glob characters (`*?[{`) is matched against files under its
///   literal prefix, selected like walked files.
///
/// `--exclude` applies to walked and glob-matched files. The result is sorted
/// by id with duplicates removed.
pub fn discover(options: &DiscoverOptions) -> Result<Vec<TestFile>, DiscoverError> {
    let exec = match &options.exec {
        None => None,
        Some(words) if words.is_empty() => Some(None),
        Some(words) => Some(Some(words.clone())),
    };
    let include = build_globset(&options.include)?;
    let exclude = build_globset(&options.exclude)?;
    let paths = if options.paths.is_empty() {
        vec![default_dir()?]
    } else {
        options.paths.clone()
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut found: Vec<TestFile> = Vec::new();
    for path in &paths {
        let meta = std::fs::metadata(path);
        match meta {
            Ok(m) if m.is_dir() => {
                for file in walk(path)? {
                    let id = file_id(&file, &cwd);
                    if let Some(t) = select(&file, id, &include, &exclude, exec.as_ref()) {
                        found.push(t);
                    }
                }
            }
            Ok(m) => {
                let id = file_id(path, &cwd);
                found.push(classify(path, id, m, exec.as_ref()));
            }
            Err(_) if is_glob(path) => {
                let pattern = normalize(&path.to_string_lossy());
                let matcher = compile_glob(&pattern)?;
                let base = literal_prefix(path);
                if base.is_dir() {
                    for file in walk(&base)? {
                        let rel = normalize(&file.to_string_lossy());
                        if matcher.is_match(&rel) {
                            let id = file_id(&file, &cwd);
                            if let Some(t) = select(&file, id, &include, &exclude, exec.as_ref()) {
                                found.push(t);
                            }
                        }
                    }
                }
            }
            Err(_) => return Err(DiscoverError::NotFound(path.clone())),
        }
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    Ok(found)
}

/// `tests/` if it exists, else `t/`.
fn default_dir() -> Result<PathBuf, DiscoverError> {
    ["tests", "t"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_dir())
        .ok_or(DiscoverError::NoDefaultDir)
}

fn walk(root: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .ignore(true)
        .parents(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = entry.map_err(|source| DiscoverError::Walk {
            path: root.to_path_buf(),
            source,
        })?;
        if entry
            .file_type()
            .is_some_and(|t| t.is_file() || t.is_symlink())
        {
            // Symlinks count when they point at a regular file.
            if entry.path().is_file() {
                files.push(entry.into_path());
            }
        }
    }
    Ok(files)
}

/// A walked or glob-matched file: a test if it passes the filters.
fn select(
    path: &Path,
    id: String,
    include: &Option<globset::GlobSet>,
    exclude: &Option<globset::GlobSet>,
    exec: Option<&Option<Vec<String>>>,
) -> Option<TestFile> {
    if exclude.as_ref().is_some_and(|set| matches(set, &id)) {
        return None;
    }
    let meta = std::fs::metadata(path).ok()?;
    match include {
        Some(set) if !matches(set, &id) => return None,
        Some(_) => {}
        None => {
            if kind_of(path, &meta) == Kind::Unknown {
                return None;
            }
        }
    }
    Some(classify(path, id, meta, exec))
}

/// Matches a glob set against the id, and against the file name alone for
/// patterns without `/` (globset: `literal_separator` is off, so `*.t`
/// already matches across directories).
fn matches(set: &globset::GlobSet, id: &str) -> bool {
    set.is_match(id)
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

/// The `#!` line of a file, without the `#!` (`None` when it has none or
/// cannot be read).
pub(crate) fn shebang_line(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    Some(String::from_utf8_lossy(line.split(|&b| b == b'\n').next()?).into_owned())
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

/// Chooses runner and protocol for a file.
fn classify(
    path: &Path,
    id: String,
    meta: std::fs::Metadata,
    exec: Option<&Option<Vec<String>>>,
) -> TestFile {
    let kind = kind_of(path, &meta);
    let protocol = if kind == Kind::Tap {
        Protocol::Tap
    } else {
        Protocol::Auto
    };
    let runner = match exec {
        Some(Some(words)) => Runner::Interpreter {
            program: words[0].clone(),
            args: words[1..].to_vec(),
        },
        Some(None) => Runner::Direct,
        None => match kind {
            // A non-Perl TAP producer with its own #! line runs directly;
            // Perl files always go through perl, as prove does (`#!perl -T`
            // cannot be executed directly).
            Kind::Tap => match shebang_line(path) {
                Some(line) if is_executable(&meta) && !shebang_is_perl(&line) => Runner::Direct,
                line => Runner::Interpreter {
                    program: "perl".to_string(),
                    args: line.as_deref().and_then(taint_switch).into_iter().collect(),
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
    };
    TestFile {
        id,
        path: path.to_path_buf(),
        runner,
        protocol,
        size: meta.len(),
    }
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

/// The id of a file: relative to `cwd` when inside it, `/`-separated.
fn file_id(path: &Path, cwd: &Path) -> String {
    let rel = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    normalize(&rel.to_string_lossy())
}

/// Splits an `--exec` command line into words (shell quoting rules).
pub fn split_exec(command: &str) -> Result<Vec<String>, DiscoverError> {
    shell_words::split(command).map_err(|_| DiscoverError::BadExec(command.to_string()))
}
