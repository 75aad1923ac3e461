//! Writing a file so that readers see either the old or the complete new
//! contents: a temporary file in the same directory, fsync, rename, fsync of
//! the directory. Used for the JSON summary, JUnit report and history.
//!
//! Only a regular file (or a path that does not exist yet) is replaced that
//! way; ptest never renames or replaces anything else:
//!
//! - a device, a FIFO or a socket (`/dev/null`, `/dev/stdout`, a named
//!   pipe) is written through: opened for writing without creating or
//!   truncating it, and without blocking (a FIFO nobody reads is an error,
//!   not a hang);
//! - a symlink is followed, deliberately: to a regular file, the file it
//!   names is replaced (the link stays a link); to anything else, that is
//!   written through (`/proc/self/fd/1` reaches ptest's stdout); a dangling
//!   symlink is refused;
//! - a directory is refused.

use std::fs::{self, File};
use std::io::{self, BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why [`write_atomically`] failed.
#[derive(Debug)]
pub(crate) enum AtomicWriteError {
    /// The parent directory could not be created.
    CreateDir { dir: PathBuf, source: io::Error },
    /// The temporary file could not be written or renamed to `path`.
    Write { path: PathBuf, source: io::Error },
}

/// Streams `write`'s output to `path` through a temporary file in the same
/// directory and a rename, creating parent directories first. The temporary
/// file is removed when anything fails.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), AtomicWriteError> {
    let write_err = |source| AtomicWriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    match Target::of(path).map_err(write_err)? {
        Target::Replace(real) => replace(&real, write),
        Target::Through => write_through(path, write).map_err(write_err),
    }
}

/// How [`write_atomically`] writes to a path (see the module docs).
enum Target {
    /// A regular file or a new path: replaced through a temporary file and
    /// a rename, at this path (a symlink's target, resolved).
    Replace(PathBuf),
    /// Not a regular file: written through, never replaced.
    Through,
}

impl Target {
    /// What `path` is (symlinks followed), or why it is refused.
    fn of(path: &Path) -> io::Result<Target> {
        let link = match fs::symlink_metadata(path) {
            Ok(meta) => meta.file_type().is_symlink(),
            // Nothing there (or no way there, e.g. a parent that is a
            // file): a new path; creating it says what is wrong.
            Err(_) => return Ok(Target::Replace(path.into())),
        };
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Err(io::Error::new(
                ErrorKind::IsADirectory,
                "it is a directory",
            )),
            Ok(meta) if meta.is_file() && link => Ok(Target::Replace(fs::canonicalize(path)?)),
            Ok(meta) if meta.is_file() => Ok(Target::Replace(path.into())),
            Ok(_) => Ok(Target::Through),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(io::Error::new(
                ErrorKind::NotFound,
                "it is a symlink to a path that does not exist (ptest follows symlinks and does not create their targets)",
            )),
            Err(e) => Err(e),
        }
    }
}

/// Writes into what is at `path` (a device, a FIFO, a socket, possibly
/// through a symlink) without creating, truncating or renaming anything.
/// The open does not block: a FIFO with no reader is an error.
fn write_through(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENXIO) => {
                io::Error::new(e.kind(), format!("{e}: a FIFO with no process reading it"))
            }
            _ => e,
        })?;
    if file.metadata()?.is_file() {
        // Replaced by a regular file since it was examined: ptest did not
        // truncate it, and will not write into the middle of it.
        return Err(io::Error::new(
            ErrorKind::AlreadyExists,
            "it became a regular file while ptest wrote it",
        ));
    }
    // Writes block again (a slow reader of a pipe is waited for).
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own; no memory is passed.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    let mut out = BufWriter::with_capacity(64 * 1024, file);
    write(&mut out)?;
    out.flush()
}

/// The temporary file, fsync and rename of [`write_atomically`], at `path`
/// (a regular file or a new path).
fn replace(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), AtomicWriteError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|source| AtomicWriteError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let write_err = |source| AtomicWriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let name = path.file_name().ok_or_else(|| {
        write_err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path does not name a file",
        ))
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = dir.join(tmp_name);

    let result = File::create_new(&tmp).and_then(|file| {
        let mut out = BufWriter::with_capacity(64 * 1024, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    });
    if let Err(source) = result {
        // Best effort: the temporary file may not even exist.
        let _ = fs::remove_file(&tmp);
        return Err(write_err(source));
    }
    sync_dir(dir).map_err(|source| AtomicWriteError::Write {
        path: dir.to_path_buf(),
        source,
    })
}

/// Makes a rename durable. Some file systems cannot fsync a directory; the
/// rename stands there anyway.
fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Unsupported) => Ok(()),
        other => other,
    }
}
