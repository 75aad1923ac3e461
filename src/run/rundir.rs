//! The run directory `.ptest/runs/<run-id>/`: per-file logs, JUnit reports
//! written by the tests, and scratch directories. Only the most recent runs
//! are kept; older ones are removed when a new run starts.
//!
//! # Live runs are never pruned
//!
//! Every run holds an exclusive `flock` on `<run dir>/.lock` for as long as
//! its [`RunLock`] lives (the whole run, and the reports written after it).
//! Pruning try-locks each candidate and skips those whose lock is held, so a
//! second ptest in the same directory never removes a run in progress. The
//! kernel drops the lock when the process dies, however it dies, so a crashed
//! run's directory becomes prunable again.
//!
//! A run directory is built under a hidden name (`.new-<run-id>`), locked,
//! and only then renamed to `<run-id>`: a pruner never sees a run directory
//! that exists but is not yet locked. A directory without a `.lock` file
//! (written by an older ptest) is treated as finished.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The name of the lock file inside a run directory.
const LOCK_FILE: &str = ".lock";

/// An exclusive lock on a run directory, held while this value lives.
#[derive(Debug)]
pub struct RunLock {
    file: File,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first is tidier.
        let _ = self.file.unlock();
    }
}

/// A prepared run directory and the lock that keeps it from being pruned.
#[derive(Debug)]
pub struct RunDir {
    /// `root/<run-id>`.
    pub path: PathBuf,
    /// Held for the run's lifetime.
    pub lock: RunLock,
}

/// Creates `root/run_id` (with `logs/`, `junit/` and `tmp/`), locked, after
/// removing the oldest finished run directories so that at most `keep`
/// remain afterwards (live runs are kept and do not count against others).
pub fn prepare(root: &Path, run_id: &str, keep: usize) -> std::io::Result<RunDir> {
    std::fs::create_dir_all(root)?;
    prune(root, keep.saturating_sub(1));
    let staging = root.join(format!(".new-{run_id}"));
    let dir = root.join(run_id);
    let lock = build_locked(&staging).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&staging);
    })?;
    std::fs::rename(&staging, &dir).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&staging);
    })?;
    Ok(RunDir { path: dir, lock })
}

/// Makes `dir` with its subdirectories and locks its `.lock` file.
fn build_locked(dir: &Path) -> std::io::Result<RunLock> {
    std::fs::create_dir(dir)?;
    let file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(dir.join(LOCK_FILE))?;
    file.try_lock().map_err(|e| match e {
        TryLockError::Error(e) => e,
        TryLockError::WouldBlock => std::io::Error::other("a fresh run lock is already held"),
    })?;
    for sub in ["logs", "junit", "tmp"] {
        std::fs::create_dir(dir.join(sub))?;
    }
    Ok(RunLock { file })
}

/// Whether the run in `dir` is still in progress (its lock is held by a
/// live ptest). On `false`, the returned lock (if any) is held by the caller
/// until dropped, so the directory can be removed safely.
fn try_claim(dir: &Path) -> Result<Option<File>, ()> {
    let file = match File::open(dir.join(LOCK_FILE)) {
        Ok(file) => file,
        // No lock file: an older ptest's run, or already half removed.
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        // Cannot tell: keep it.
        Err(_) => return Err(()),
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock | TryLockError::Error(_)) => Err(()),
    }
}

/// Removes the oldest finished run directories under `root` until `keep`
/// remain (live runs are skipped, see the module docs). Run ids start with
/// a millisecond timestamp, so name order is age order. Failures to remove
/// are ignored (another ptest may be pruning too).
pub fn prune(root: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut runs: Vec<(u128, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let name = e.file_name();
            let stamp = name.to_str()?.split('-').next()?.parse::<u128>().ok()?;
            Some((stamp, e.path()))
        })
        .collect();
    runs.sort();
    let excess = runs.len().saturating_sub(keep);
    for (_, path) in runs.into_iter().take(excess) {
        if let Ok(claim) = try_claim(&path) {
            let _ = std::fs::remove_dir_all(&path);
            drop(claim);
        }
    }
}

/// The state directory made ready for a run (see [`prepare_state_dir`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    /// Where this run's directory goes: `<state dir>/runs`, or a private
    /// directory under the system's temporary directory.
    pub runs_root: PathBuf,
    /// Set when the state directory could not be used: one line saying
    /// why (with the OS reason) and where the run's files go instead.
    pub warning: Option<String>,
}

/// Creates the state directory `dir` (e.g. `.ptest`) and its `runs/`. When
/// ptest creates `dir` it writes `dir/.gitignore` containing `*`, so the
/// directory never shows up as untracked (as pytest does for its cache).
///
/// When `dir` cannot be used (a read-only working directory), the run goes
/// on with its run directory under `$TMPDIR/ptest-<uid>/runs` (created
/// private to the user), and the returned warning says so.
pub fn prepare_state_dir(dir: &Path) -> StateDir {
    let runs = dir.join("runs");
    let created = !dir.exists();
    let failed = match std::fs::create_dir_all(&runs) {
        Ok(()) => {
            if created {
                // Best effort: a missing .gitignore only costs tidiness.
                let _ = std::fs::write(dir.join(".gitignore"), "*\n");
            }
            return StateDir {
                runs_root: runs,
                warning: None,
            };
        }
        Err(err) => err,
    };
    match private_temp_runs() {
        Ok(temp) => StateDir {
            warning: Some(format!(
                "cannot create state directory {}: {failed}; this run's files are in {} instead",
                dir.display(),
                temp.display()
            )),
            runs_root: temp,
        },
        // The run fails creating its directory and says why.
        Err(_) => StateDir {
            runs_root: runs,
            warning: None,
        },
    }
}

/// `$TMPDIR/ptest-<uid>/runs`, created with mode 0700 and checked to belong
/// to this user (a shared temporary directory is writable by everyone).
fn private_temp_runs() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    // SAFETY: geteuid(2) has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let base = std::env::temp_dir().join(format!("ptest-{uid}"));
    match std::fs::DirBuilder::new().mode(0o700).create(&base) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(&base)?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o022 != 0 {
        return Err(std::io::Error::other(format!(
            "{} is not a private directory of this user",
            base.display()
        )));
    }
    let runs = base.join("runs");
    std::fs::create_dir_all(&runs)?;
    Ok(runs)
}

/// A file name for `id` that is unique per id, safe in one directory and
/// copyable from a terminal (no space, no `:`): `%`, `/` and control
/// characters are percent-encoded, so `t/a.t` becomes `t%2Fa.t` and
/// `t/a\nb.t` becomes `t%2Fa%0Ab.t`; a cargo test id reads
/// `calc tests::fails` → `calc+tests~fails` (a space is `+`, `::` is `~`;
/// a literal `+`, `~` or lone `:` is percent-encoded, so no two ids meet).
pub fn log_stem(id: &str, attempt: u32) -> String {
    let mut out = String::with_capacity(id.len() + 8);
    let mut chars = id.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            ' ' => out.push('+'),
            '+' => out.push_str("%2B"),
            '~' => out.push_str("%7E"),
            ':' if chars.peek() == Some(&':') => {
                chars.next();
                out.push('~');
            }
            ':' => out.push_str("%3A"),
            // Percent-encoded like `%` and `/` (a `_` here would make `a\nb`
            // and `a_b` share a log).
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    if out.len() > 200 {
        // Keep the informative end of the name and a hash for uniqueness.
        let hash = blake3::hash(id.as_bytes()).to_hex();
        let mut cut = out.len() - 150;
        while !out.is_char_boundary(cut) {
            cut += 1;
        }
        out = format!("{}-{}", &hash.as_str()[..16], &out[cut..]);
    }
    format!("{out}.{attempt}")
}

/// [`log_stem`] for iteration `iteration` of a `--repeat` run:
/// `t%2Fa.t%i2.1`. `%i` never comes out of the escaping (a `%` in an id
/// is `%25`), so no file's plain stem can equal an iteration's.
pub fn iteration_log_stem(id: &str, iteration: u32, attempt: u32) -> String {
    let plain = log_stem(id, attempt);
    let cut = plain.len() - attempt.to_string().len() - 1;
    format!("{}%i{iteration}.{attempt}", &plain[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterations_have_stems_of_their_own() {
        assert_eq!(iteration_log_stem("t/a.t", 2, 1), "t%2Fa.t%i2.1");
        assert_eq!(iteration_log_stem("t/a.t", 12, 10), "t%2Fa.t%i12.10");
        assert_ne!(iteration_log_stem("a", 2, 1), log_stem("a%i2", 1));
    }

    #[test]
    fn cargo_test_ids_make_copyable_log_names() {
        assert_eq!(log_stem("calc tests::fails", 1), "calc+tests~fails.1");
        assert_eq!(
            log_stem("app::bin/app tests::greets", 2),
            "app~bin%2Fapp+tests~greets.2"
        );
        for stem in [log_stem("a b::c", 1), log_stem("a:b", 1)] {
            assert!(!stem.contains([' ', ':']), "{stem}");
        }
        // Each readable form has one source.
        let ids = ["a b", "a+b", "a::b", "a~b", "a:b", "a:::b", "a~:b", "a::~b"];
        let stems: std::collections::BTreeSet<String> =
            ids.iter().map(|id| log_stem(id, 1)).collect();
        assert_eq!(stems.len(), ids.len(), "{stems:?}");
    }

    #[test]
    fn log_stems_are_flat_and_unique() {
        assert_eq!(log_stem("t/a.t", 1), "t%2Fa.t.1");
        assert_ne!(log_stem("a/b", 1), log_stem("a%2Fb", 1));
        assert!(!log_stem("../../etc/passwd", 1).contains('/'));
        assert_eq!(log_stem("a\nb", 1), "a%0Ab.1");
        assert_ne!(log_stem("a\nb", 1), log_stem("a_b", 1));
        let long = "d/".repeat(200) + "x.t";
        let stem = log_stem(&long, 2);
        assert!(stem.len() < 255 && stem.ends_with("x.t.2"), "{stem}");
    }

    #[test]
    fn prune_keeps_the_newest_runs() {
        let root = tempfile::tempdir().unwrap();
        for stamp in [100, 300, 200, 400] {
            std::fs::create_dir(root.path().join(format!("{stamp}-1"))).unwrap();
        }
        std::fs::create_dir(root.path().join("not-a-run")).unwrap();
        let dir = prepare(root.path(), "500-1", 3).unwrap().path;
        assert!(dir.join("logs").is_dir());
        assert!(dir.join("junit").is_dir());
        let mut left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["300-1", "400-1", "500-1", "not-a-run"]);
    }

    #[test]
    fn prune_skips_live_runs() {
        let root = tempfile::tempdir().unwrap();
        let live = prepare(root.path(), "100-1", 10).unwrap();
        let finished = prepare(root.path(), "200-1", 10).unwrap();
        drop(finished);
        for stamp in 300..310 {
            drop(prepare(root.path(), &format!("{stamp}-1"), 2).unwrap());
        }
        assert!(live.path.join("logs").is_dir(), "the live run was pruned");
        assert!(
            !root.path().join("200-1").exists(),
            "a finished run was kept"
        );
        assert!(root.path().join("309-1").is_dir());
        drop(live);
        drop(prepare(root.path(), "400-1", 2).unwrap());
        assert!(
            !root.path().join("100-1").exists(),
            "a finished run was kept"
        );
    }

    #[test]
    fn a_new_state_dir_gets_a_gitignore() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("state");
        let state = prepare_state_dir(&dir);
        assert_eq!(
            state,
            StateDir {
                runs_root: dir.join("runs"),
                warning: None
            }
        );
        assert_eq!(
            std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
            "*\n"
        );
        // An existing state dir is left as the user keeps it.
        std::fs::remove_file(dir.join(".gitignore")).unwrap();
        prepare_state_dir(&dir);
        assert!(!dir.join(".gitignore").exists());
    }

    #[test]
    fn an_unusable_state_dir_falls_back_to_a_temporary_dir() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let state = prepare_state_dir(&file.join("state"));
        let warning = state.warning.expect("a warning");
        assert!(
            warning.contains("cannot create state directory"),
            "{warning}"
        );
        assert!(warning.contains("Not a directory"), "{warning}");
        assert!(state.runs_root.starts_with(std::env::temp_dir()));
        assert!(state.runs_root.is_dir());
    }
}
