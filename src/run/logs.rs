//! Reading back what children wrote to their log files.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The last `max_lines` lines of a log, reading at most `max_bytes` from its
/// end. Invalid UTF-8 is replaced and control characters (other than tab and
/// newline) are shown as `\xNN`, so the text is safe for terminals and XML.
/// A missing or unreadable file gives an empty string.
pub fn tail(path: &Path, max_bytes: u64, max_lines: usize) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(max_bytes);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return String::new();
    }
    let mut buf = Vec::with_capacity((len - start) as usize);
    if file.take(max_bytes).read_to_end(&mut buf).is_err() {
        return String::new();
    }
    // Drop a partial first line when we did not start at the beginning.
    let mut slice: &[u8] = &buf;
    if start > 0 {
        if let Some(nl) = slice.iter().position(|&b| b == b'\n') {
            slice = &slice[nl + 1..];
        }
    }
    let text = String::from_utf8_lossy(slice);
    let lines: Vec<&str> = text.lines().collect();
    let keep = &lines[lines.len().saturating_sub(max_lines)..];
    let mut out = String::new();
    if start > 0 || keep.len() < lines.len() {
        out.push_str("[… earlier output omitted …]\n");
    }
    for line in keep {
        out.push_str(&sanitize(line));
        out.push('\n');
    }
    out
}

/// Replaces control characters other than tab with `\xNN`.
pub fn sanitize(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for ch in line.chars() {
        if ch == '\t' || !ch.is_control() {
            out.push(ch);
        } else {
            out.push_str(&format!("\\x{:02x}", ch as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn tail_keeps_last_lines_and_escapes_control_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        let mut f = File::create(&p).unwrap();
        for i in 0..100 {
            writeln!(f, "line {i}").unwrap();
        }
        f.write_all(b"bell\x07 and \xff byte\n").unwrap();
        drop(f);
        let t = tail(&p, 1 << 20, 3);
        assert!(t.starts_with("[… earlier output omitted …]\n"), "{t}");
        assert!(t.contains("line 98\nline 99\n"), "{t}");
        assert!(t.contains("bell\\x07 and \u{fffd} byte"), "{t}");
        assert!(!t.contains("line 97"));
    }

    #[test]
    fn tail_reads_only_the_end_of_big_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        std::fs::write(&p, "x".repeat(100_000) + "\nlast\n").unwrap();
        let t = tail(&p, 64, 10);
        assert_eq!(t, "[… earlier output omitted …]\nlast\n");
        assert_eq!(tail(&dir.path().join("missing"), 64, 10), "");
    }
}
