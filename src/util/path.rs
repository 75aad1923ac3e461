//! Paths compared without the file system.

use std::path::{Path, PathBuf};

/// `path` with `.` dropped and `..` applied to the component before it,
/// without looking at the file system: how rule patterns compare a file's
/// absolute path with the config file's directory.
pub fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
