//! The run directory `.ptest/runs/<run-id>/`: per-file logs, JUnit reports
//! written by the tests, and scratch directories. Only the most recent runs are kept; older ones are removed
//! when a new run starts.

use std::path::{Path, PathBuf};

/// Creates `root/run_id` (with `logs/`, `junit/` and `tmp/`), first removing the
/// oldest run directories so that at most `keep` remain afterwards.
pub fn prepare(root: &Path, run_id: &str, keep: usize) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(root)?;
    prune(root, keep.saturating_sub(1));
    let dir = root.join(run_id);
    std::fs::create_dir_all(dir.join("logs"))?;
    std::fs::create_dir_all(dir.join("junit"))?;
    std::fs::create_dir_all(dir.join("tmp"))?;
    Ok(dir)
}

/// Removes the oldest run directories under `root` until `keep` remain.
/// Run ids start with a millisecond timestamp, so name order is age order.
/// Failures to remove are ignored (another ptest may be pruning too).
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
        let _ = std::fs::remove_dir_all(path);
    }
}

/// A file name for `id` that is unique per id and safe in one directory:
/// `%`, `/` and control characters are percent-encoded, so `t/a.t` becomes
/// `t%2Fa.t` and `t/a\nb.t` becomes `t%2Fa%0Ab.t`.
pub fn log_stem(id: &str, attempt: u32) -> String {
    let mut out = String::with_capacity(id.len() + 8);
    for ch in id.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let dir = prepare(root.path(), "500-1", 3).unwrap();
        assert!(dir.join("logs").is_dir());
        assert!(dir.join("junit").is_dir());
        let mut left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["300-1", "400-1", "500-1", "not-a-run"]);
    }
}
