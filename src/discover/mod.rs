//! Finding test files and choosing how to run each one.
//!
//! Input: the paths, globs and include/exclude patterns from the command line.
//! Output: a sorted, de-duplicated `Vec<TestFile>`. A file that cannot be run
//! (not executable, no known interpreter) is still returned, with
//! [`Runner::Unrunnable`], so that it shows up as ERROR in every report
//! instead of silently disappearing.

use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::PathBuf;

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
pub fn discover(_options: &DiscoverOptions) -> Result<Vec<TestFile>, DiscoverError> {
    Ok(Vec::new())
}
