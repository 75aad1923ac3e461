//! Reading, locking and atomically replacing the history file.

use super::stream::{self, Fold, MergeError, Scan};
use super::{History, HistoryError, UnitHistory, HISTORY_VERSION, MAX_RUNS};
use crate::atomic::{write_atomically, AtomicWriteError};
use crate::outcome::{RunSummary, UnitSummary};
use crate::unit::ContentKey;
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, ErrorKind, Read};
use std::path::{Path, PathBuf};

/// A history read from disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The history (empty when the file was missing or could not be used).
    pub history: History,
    /// Set when the file could not be used: why, and where it was moved
    /// (left in place by [`History::load_read_only`]). Meant to be shown to
    /// the user as a warning.
    pub warning: Option<String>,
}

#[derive(Deserialize)]
struct DocIn {
    files: BTreeMap<String, UnitHistory>,
}

/// An open history file that can be read from the start more than once.
struct Source {
    file: File,
}

impl Source {
    fn reader(&mut self) -> std::io::BufReader<&File> {
        use std::io::Seek;
        let _ = (&self.file).seek(std::io::SeekFrom::Start(0));
        std::io::BufReader::with_capacity(64 * 1024, &self.file)
    }
}

/// Why a history file could not be parsed.
enum ParseError {
    /// Reading failed: a real I/O error, never a reason to set the file aside.
    Io(std::io::Error),
    /// The content is bad (for people).
    Bad(String),
}

impl From<String> for ParseError {
    fn from(why: String) -> ParseError {
        ParseError::Bad(why)
    }
}

/// A serde_json error as a [`ParseError`]: I/O stays I/O.
fn json_error(e: serde_json::Error, bad: impl FnOnce(serde_json::Error) -> String) -> ParseError {
    if e.is_io() {
        ParseError::Io(std::io::Error::from(e))
    } else {
        ParseError::Bad(bad(e))
    }
}

/// Understands a history file, or says why not.
fn parse(source: &mut Source) -> Result<History, ParseError> {
    // Read the version alone first (other fields are skipped, not built
    // into a tree), then the whole document straight into its types.
    #[derive(Deserialize)]
    struct VersionOnly {
        version: Option<serde_json::Number>,
    }
    let head: VersionOnly = match serde_json::from_reader(source.reader()) {
        Ok(head) => head,
        // Valid JSON of another shape (an array, a number) has no version.
        Err(_) if serde_json::from_reader::<_, serde::de::IgnoredAny>(source.reader()).is_ok() => {
            return Err(ParseError::Bad("it has no \"version\" number".to_string()))
        }
        Err(e) => return Err(json_error(e, |e| format!("it is not valid JSON ({e})"))),
    };
    match head.version.as_ref().and_then(serde_json::Number::as_u64) {
        None => Err(ParseError::Bad("it has no \"version\" number".to_string())),
        Some(v) if v == u64::from(HISTORY_VERSION) => {
            let doc: DocIn = serde_json::from_reader(source.reader()).map_err(|e| {
                json_error(e, |e| {
                    format!("it does not match the version {HISTORY_VERSION} format ({e})")
                })
            })?;
            let mut files = doc.files;
            for file in files.values_mut() {
                let excess = file.runs.len().saturating_sub(MAX_RUNS);
                file.runs.drain(..excess);
            }
            Ok(History { files })
        }
        Some(v) if v > u64::from(HISTORY_VERSION) => Err(ParseError::Bad(format!(
            "it was written by a newer ptest (format version {v}; this ptest reads version {HISTORY_VERSION})"
        ))),
        Some(v) => Err(ParseError::Bad(format!(
            "it has an unsupported format version {v}"
        ))),
    }
}

/// `path` with `suffix` appended to its last component.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether `path` exists (symlinks followed) and is not a regular file: a
/// device like `/dev/null`, a FIFO. Such a history is never read (a FIFO
/// would block), never locked beside, never set aside: it reads as empty
/// and is written through (see [`crate::atomic`]).
fn is_special(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
}

/// The file, or `None` when it does not exist (or is not a regular file,
/// see [`is_special`]). It is parsed straight from the reader, never held
/// whole in memory (a 10,000-file history is ~8 MB).
fn read(path: &Path) -> Result<Option<Source>, HistoryError> {
    if is_special(path) {
        return Ok(None);
    }
    match File::open(path) {
        Ok(file) => Ok(Some(Source { file })),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(HistoryError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// An exclusive lock on `history.json.lock`, released on drop.
struct HistoryLock {
    file: File,
}

impl HistoryLock {
    fn acquire(history: &Path) -> Result<HistoryLock, HistoryError> {
        let path = with_suffix(history, ".lock");
        let err = |source| HistoryError::Lock {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(err)?;
        file.lock().map_err(err)?;
        Ok(HistoryLock { file })
    }
}

impl Drop for HistoryLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first is tidier.
        let _ = self.file.unlock();
    }
}

/// Reads and parses the file: `Ok(Ok(history))` (empty when missing),
/// `Ok(Err(why))` when its content is bad, `Err` for a real I/O failure.
fn try_load(path: &Path) -> Result<Result<History, String>, HistoryError> {
    let Some(mut source) = read(path)? else {
        return Ok(Ok(History::empty()));
    };
    match parse(&mut source) {
        Ok(history) => Ok(Ok(history)),
        Err(ParseError::Bad(why)) => Ok(Err(why)),
        Err(ParseError::Io(source)) => Err(HistoryError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

pub(super) fn load(path: &Path) -> Result<Loaded, HistoryError> {
    match try_load(path)? {
        Ok(history) => Ok(Loaded {
            history,
            warning: None,
        }),
        // A good file being replaced right now cannot be the cause
        // (replacement is an atomic rename), but another process may be
        // setting this one aside: decide under the lock.
        Err(_) => {
            let _lock = HistoryLock::acquire(path)?;
            load_locked(path)
        }
    }
}

pub(super) fn load_read_only(path: &Path) -> Result<Loaded, HistoryError> {
    match try_load(path)? {
        Ok(history) => Ok(Loaded {
            history,
            warning: None,
        }),
        Err(why) => Ok(Loaded {
            history: History::empty(),
            warning: Some(format!(
                "history file {} could not be used: {why}; planning without it (a real run moves it aside)",
                path.display()
            )),
        }),
    }
}

/// Loads while holding the lock; sets a bad file aside.
fn load_locked(path: &Path) -> Result<Loaded, HistoryError> {
    match try_load(path)? {
        Ok(history) => Ok(Loaded {
            history,
            warning: None,
        }),
        Err(why) => Ok(Loaded {
            history: History::empty(),
            warning: Some(set_aside_with_warning(path, &why)?),
        }),
    }
}

/// Sets a bad file aside and says so, naming both paths.
fn set_aside_with_warning(path: &Path, why: &str) -> Result<String, HistoryError> {
    let to = set_aside(path)?;
    Ok(format!(
        "history file {} could not be used: {why}; moved it to {} and started a new history",
        path.display(),
        to.display()
    ))
}

/// Renames `path` to `path.corrupt-<unix time>` (with `-2`, `-3`… when taken).
fn set_aside(path: &Path) -> Result<PathBuf, HistoryError> {
    if is_special(path) {
        return Err(HistoryError::SetAside {
            path: path.to_path_buf(),
            to: path.to_path_buf(),
            source: std::io::Error::other("it is not a regular file: left in place"),
        });
    }
    let base = with_suffix(path, &format!(".corrupt-{}", super::unix_now()));
    let mut to = base.clone();
    let mut n = 1;
    while to.exists() {
        n += 1;
        to = with_suffix(&base, &format!("-{n}"));
    }
    fs::rename(path, &to).map_err(|source| HistoryError::SetAside {
        path: path.to_path_buf(),
        to: to.clone(),
        source,
    })?;
    Ok(to)
}

/// Folds one run into the history file at `path`, safely against other
/// ptest processes doing the same (see the module docs). Creates the parent
/// directories. Returns a warning when the existing file was corrupt and set
/// aside.
pub fn update(
    path: &Path,
    summary: &RunSummary,
    hashes: &HashMap<String, String>,
) -> Result<Option<String>, HistoryError> {
    let dir = parent_dir(path);
    fs::create_dir_all(dir).map_err(|source| HistoryError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    // A device or FIFO: nothing to merge with, no lock file beside it
    // (`/dev/null.lock`), just this run written through.
    let special = is_special(path);
    let _lock = if special {
        None
    } else {
        Some(HistoryLock::acquire(path)?)
    };
    let now = super::unix_now();
    let files: BTreeMap<&str, &UnitSummary> = summary
        .files
        .iter()
        .filter(|f| f.verdict.is_recorded())
        .map(|f| (f.id.as_str(), f))
        .collect();
    let run_newest = files.values().map(|f| super::started_secs(f, now)).max();
    let read_err = |source| HistoryError::Read {
        path: path.to_path_buf(),
        source,
    };
    let open = || -> std::io::Result<Box<dyn Read>> {
        Ok(Box::new(BufReader::with_capacity(
            64 * 1024,
            File::open(path)?,
        )))
    };

    // A light first pass: is the old file usable, and when did it last run?
    let mut warning = None;
    let mut old_newest = None;
    let mut use_old = match fs::metadata(path) {
        Ok(_) if special => false,
        Ok(_) => match stream::scan(open).map_err(read_err)? {
            Scan::Usable { newest } => {
                old_newest = newest;
                true
            }
            Scan::Bad(why) => {
                warning = Some(set_aside_with_warning(path, &why)?);
                false
            }
        },
        Err(e) if e.kind() == ErrorKind::NotFound => false,
        Err(source) => return Err(read_err(source)),
    };
    let cutoff = super::expiry_cutoff(old_newest, run_newest, now);

    // Then old entries stream through, this run folded in, into a temporary
    // file that replaces the old one. An entry that does not parse sets the
    // file aside and the history starts again from this run.
    loop {
        let mut bad: Option<String> = None;
        let written = write_atomically(path, |out| {
            let old = if use_old { Some(open()?) } else { None };
            let fold = Fold {
                files: files.clone(),
                hashes,
                now,
                cutoff,
            };
            stream::write_merged(out, old, fold).map_err(|e| match e {
                MergeError::Io(e) => e,
                MergeError::Bad(why) => {
                    bad = Some(why);
                    std::io::Error::other("the history file does not parse")
                }
            })
        });
        match (written, bad) {
            (Ok(()), _) => return Ok(warning),
            (Err(_), Some(why)) if use_old => {
                warning = Some(set_aside_with_warning(path, &why)?);
                use_old = false;
            }
            (Err(AtomicWriteError::CreateDir { dir, source }), _) => {
                return Err(HistoryError::CreateDir { path: dir, source })
            }
            (Err(AtomicWriteError::Write { path, source }), _) => {
                return Err(HistoryError::Write { path, source })
            }
        }
    }
}

/// BLAKE3 content hashes (64 hex digits) of `files`, keyed by file id,
/// computed in parallel. Files that cannot be read are left out.
pub fn hash_files<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a Path)>,
) -> HashMap<String, String> {
    hash_contents(
        files
            .into_iter()
            .map(|(id, path)| (id, ContentKey::Bytes(path))),
    )
}

/// [`hash_files`] for units that say what their content is
/// ([`crate::unit::Unit::content_key`]): a file's bytes, or a test
/// binary's size and modification time. Each path is read once (the tests
/// of one cargo test binary share it).
pub fn hash_contents<'a>(
    units: impl IntoIterator<Item = (&'a str, ContentKey<'a>)>,
) -> HashMap<String, String> {
    let units: Vec<(&str, ContentKey<'a>)> = units.into_iter().collect();
    let mut keys: Vec<ContentKey<'a>> = units.iter().map(|(_, key)| *key).collect();
    keys.sort_unstable();
    keys.dedup();
    let by_key: HashMap<ContentKey<'a>, String> = keys
        .par_iter()
        .filter_map(|key| Some((*key, hash_content(*key)?)))
        .collect();
    units
        .iter()
        .filter_map(|(id, key)| Some((id.to_string(), by_key.get(key)?.clone())))
        .collect()
}

/// The hash of one content key; `None` when the file cannot be read.
fn hash_content(key: ContentKey<'_>) -> Option<String> {
    let mut hasher = blake3::Hasher::new();
    match key {
        ContentKey::Bytes(path) => {
            hasher.update_reader(File::open(path).ok()?).ok()?;
        }
        ContentKey::Stamp(path) => {
            let meta = fs::metadata(path).ok()?;
            let modified = meta
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?;
            let stamp = format!("stamp:{}:{}", meta.len(), modified.as_nanos());
            hasher.update(stamp.as_bytes());
        }
    }
    Some(hasher.finalize().to_hex().to_string())
}
