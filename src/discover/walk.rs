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

/// Walks `root` recursively, entries in name order: hidden entries
/// skipped, and git's ignore rules followed as git follows them — the
/// `.gitignore` files of the work tree (this directory's and its parents'),
/// `.git/info/exclude` and the global excludes file, only inside a git work
/// tree (`require_git`). `.ignore` files (ripgrep's convention) are not
/// read, nor a `.gitignore` outside a git work tree.
pub(crate) fn walk(root: &Path) -> Walked {
    walk_with(root, true)
}

/// The files under `root` that git's ignore rules leave out of [`walk`]
/// (hidden entries are skipped by both), each with the rule: `` `PATTERN`
/// in FILE``.
pub(crate) fn ignored(root: &Path, kept: &[PathBuf]) -> Vec<(PathBuf, String)> {
    let kept: std::collections::HashSet<&PathBuf> = kept.iter().collect();
    walk_with(root, false)
        .files
        .into_iter()
        .filter(|f| !kept.contains(f))
        .map(|f| {
            let rule = ignore_rule(&f).unwrap_or_else(|| "an ignore rule".to_string());
            (f, rule)
        })
        .collect()
}

/// The git ignore rule that ignores `file`: the deepest `.gitignore` with a
/// matching line wins (as in git), then `.git/info/exclude`, then the
/// global excludes file. Matching is the `ignore` crate's.
fn ignore_rule(file: &Path) -> Option<String> {
    use ignore::gitignore::Gitignore;
    let absolute = std::path::absolute(file).ok()?;
    let describe = |glob: &ignore::gitignore::Glob| -> Option<String> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let from = glob.from().map_or_else(
            || "the global excludes file".to_string(),
            |p| p.strip_prefix(&cwd).unwrap_or(p).display().to_string(),
        );
        Some(format!("`{}` in {from}", glob.original()))
    };
    let mut dir = absolute.parent();
    while let Some(d) = dir {
        let gitignore = d.join(".gitignore");
        if gitignore.is_file() {
            let (matcher, _) = Gitignore::new(&gitignore);
            match matcher.matched_path_or_any_parents(&absolute, false) {
                ignore::Match::Ignore(glob) => return describe(glob),
                ignore::Match::Whitelist(_) => return None,
                ignore::Match::None => {}
            }
        }
        let git = d.join(".git");
        if git.exists() {
            let exclude = git.join("info/exclude");
            if exclude.is_file() {
                let mut builder = ignore::gitignore::GitignoreBuilder::new(d);
                builder.add(&exclude);
                if let Ok(matcher) = builder.build() {
                    if let ignore::Match::Ignore(glob) =
                        matcher.matched_path_or_any_parents(&absolute, false)
                    {
                        return describe(glob);
                    }
                }
            }
            let (global, _) = Gitignore::global();
            if let ignore::Match::Ignore(glob) =
                global.matched_path_or_any_parents(&absolute, false)
            {
                return describe(glob);
            }
            return None;
        }
        dir = d.parent();
    }
    None
}

fn walk_with(root: &Path, filtered: bool) -> Walked {
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(true)
        .ignore(false)
        .git_ignore(filtered)
        .git_exclude(filtered)
        .git_global(filtered)
        .require_git(true)
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
