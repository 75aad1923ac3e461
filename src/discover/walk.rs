//! Walking a directory tree, keeping what could not be read.
//!
//! A directory that cannot be listed (no read permission), or whose entries
//! cannot be looked at (no search permission), is not a reason to stop the
//! whole walk, nor to drop its files silently: it comes back as a
//! [`Problem`], which discovery turns into an ERROR entry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a walk found.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// Regular files (and symlinks to regular files), in name order.
    pub files: Vec<PathBuf>,
    /// Directories (or entries) that could not be read.
    pub problems: Vec<Problem>,
}

/// A part of the tree that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The directory, or the entry, that could not be read.
    pub path: PathBuf,
    /// What could not be done and why, e.g. `cannot list directory:
    /// permission denied`.
    pub reason: String,
    /// Entries of the directory whose names are known but which could not
    /// be looked at (empty when the directory could not be listed at all).
    pub unchecked: Vec<PathBuf>,
}

/// Walks `root` recursively: hidden entries skipped, `.gitignore` and
/// `.ignore` respected, entries in name order.
pub(crate) fn walk(root: &Path) -> Walked {
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
    let mut walked = Walked::default();
    // Directories that could be listed but not searched, with the entries
    // that could not be looked at.
    let mut unsearchable: BTreeMap<PathBuf, (String, Vec<PathBuf>)> = BTreeMap::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                walked.problems.push(problem_of(&err, root));
                continue;
            }
        };
        let is_file_like = entry
            .file_type()
            .is_some_and(|t| t.is_file() || t.is_symlink());
        if !is_file_like {
            continue;
        }
        // Symlinks count when they point at a regular file.
        match std::fs::metadata(entry.path()) {
            Ok(meta) if meta.is_file() => walked.files.push(entry.into_path()),
            Ok(_) => {}
            // A dangling symlink is not a test file.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                let dir = entry.path().parent().unwrap_or(root).to_path_buf();
                unsearchable
                    .entry(dir)
                    .or_insert_with(|| (io_reason(&err), Vec::new()))
                    .1
                    .push(entry.into_path());
            }
        }
    }
    for (dir, (cause, unchecked)) in unsearchable {
        walked.problems.push(Problem {
            path: dir,
            reason: format!("cannot search directory: {cause}"),
            unchecked,
        });
    }
    walked
}

/// A walk error as a problem with the path it is about.
fn problem_of(err: &ignore::Error, root: &Path) -> Problem {
    let path = error_path(err).unwrap_or(root).to_path_buf();
    let reason = match err.io_error() {
        Some(io) => format!("cannot list directory: {}", io_reason(io)),
        None => format!("cannot walk directory: {}", innermost(err)),
    };
    Problem {
        path,
        reason,
        unchecked: Vec::new(),
    }
}

/// The path an ignore error names, if any.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// The message of an ignore error without the path wrappers (the path is
/// the entry's name already).
fn innermost(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            innermost(err)
        }
        other => other.to_string(),
    }
}

/// A short, lower-case reason for an I/O error: `permission denied`,
/// `not a directory`, or the OS message.
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::NotADirectory => "not a directory".to_string(),
        _ => err.to_string(),
    }
}
