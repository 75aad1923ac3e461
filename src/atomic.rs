//! Writing a file so that readers see either the old or the complete new
//! contents: a temporary file in the same directory, fsync, rename, fsync of
//! the directory. Used for the JSON summary, JUnit report and history.

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
