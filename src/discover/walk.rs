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
    /// What to tell the user about the walk: each symlink loop, naming the
    /// link and the directory it points back to.
    pub warnings: Vec<String>,
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

/// Walks `root` recursively, entries in name order, following symlinks to
/// directories (as `find -L` does; a test directory may be a symlink to
/// shared tests). A symlink that points back to a directory it is in (a
/// loop) is not followed and comes back as a warning naming the link; a
/// file reached both through a symlinked directory and directly is kept
/// once, by the path without the symlink. Hidden entries are
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
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut walked = Walked::default();
    // Directories that could be listed but not searched, with the entries
    // that could not be looked at.
    let mut unsearchable: BTreeMap<PathBuf, (String, Vec<PathBuf>)> = BTreeMap::new();
    // Symlinks to directories that were followed.
    let mut linked_dirs: Vec<PathBuf> = Vec::new();
    // Each file found, with its identity and whether it was reached
    // through a symlinked directory.
    let mut found: Vec<(PathBuf, (u64, u64), bool)> = Vec::new();
    // Symlink loops: the link and the directory it points back to.
    let mut loops: Vec<(PathBuf, PathBuf)> = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                if let Some((child, ancestor)) = loop_of(&err) {
                    loops.push((child.to_path_buf(), ancestor.to_path_buf()));
                } else if !is_dangling_link(&err) {
                    walked.problems.push(problem_of(&err, root));
                }
                continue;
            }
        };
        if entry.path_is_symlink() && entry.file_type().is_some_and(|t| t.is_dir()) {
            linked_dirs.push(entry.path().to_path_buf());
            continue;
        }
        let is_file_like = entry
            .file_type()
            .is_some_and(|t| t.is_file() || t.is_symlink());
        if !is_file_like {
            continue;
        }
        // Symlinks count when they point at a regular file.
        match std::fs::metadata(entry.path()) {
            Ok(meta) if meta.is_file() => {
                use std::os::unix::fs::MetadataExt;
                let via_link = linked_dirs.iter().any(|d| entry.path().starts_with(d));
                found.push((entry.into_path(), (meta.dev(), meta.ino()), via_link));
            }
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
    // A file reached through a symlinked directory is kept once, and not
    // at all when it was also reached without one.
    let direct: std::collections::HashSet<(u64, u64)> = found
        .iter()
        .filter(|(_, _, via_link)| !via_link)
        .map(|(_, identity, _)| *identity)
        .collect();
    let mut linked_seen = std::collections::HashSet::new();
    for (path, identity, via_link) in found {
        if !via_link || (!direct.contains(&identity) && linked_seen.insert(identity)) {
            walked.files.push(path);
        }
    }
    // One warning per looping link, by its path without a symlinked
    // directory when it was reached both ways.
    let via_link = |p: &Path| linked_dirs.iter().any(|d| p.starts_with(d));
    let identity = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(p).map_or((0, 0), |m| (m.dev(), m.ino()))
    };
    let direct_loops: std::collections::HashSet<(u64, u64)> = loops
        .iter()
        .filter(|(child, _)| !via_link(child))
        .map(|(child, _)| identity(child))
        .collect();
    let mut warned = std::collections::HashSet::new();
    for (child, ancestor) in &loops {
        let id = identity(child);
        if (!via_link(child) || !direct_loops.contains(&id)) && warned.insert(id) {
            walked.warnings.push(loop_warning(child, ancestor));
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

/// The link and the directory it points back to, when the error is a
/// symlink loop.
fn loop_of(err: &ignore::Error) -> Option<(&Path, &Path)> {
    match err {
        ignore::Error::Loop { ancestor, child } => Some((child, ancestor)),
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => loop_of(err),
        _ => None,
    }
}

/// What ptest says about a symlink loop: the link, where it points, and
/// that nothing is lost.
fn loop_warning(child: &Path, ancestor: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let show = |p: &Path| p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
    let target = std::fs::read_link(child)
        .map(|t| format!(" -> {}", t.display()))
        .unwrap_or_default();
    format!(
        "symlink loop: {}{target} points back to {}, a directory it is in; not followed (its files are walked once, from {})",
        show(child),
        show(ancestor),
        show(ancestor),
    )
}

/// Whether a walk error is a symlink that points nowhere (not a test
/// file, as without following links).
fn is_dangling_link(err: &ignore::Error) -> bool {
    err.io_error()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
        && error_path(err)
            .is_some_and(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
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
