//! Reading back what children wrote to their log files.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Marks a tail that does not start at the beginning of the log.
const OMITTED: &str = "[… earlier output omitted …]\n";

/// The last `max_lines` lines of a log, at most `max_bytes` bytes of text
/// as returned (marker included). Invalid UTF-8 is replaced and control
/// characters (other than tab and newline) are shown as `\xNN`, so the text
/// is safe for terminals and XML; the limit counts the text after that, so
/// binary output (where one byte can become four) stays within it too. A
/// line longer than the whole budget keeps its end. A missing or
/// unreadable file gives an empty string.
pub fn tail(path: &Path, max_bytes: u64, max_lines: usize) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    // Escaping never shrinks text, so the last `max_bytes` bytes suffice.
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
    let (kept, cut) = last_lines(
        &text,
        usize::try_from(max_bytes).unwrap_or(usize::MAX),
        max_lines,
    );
    let mut out = String::new();
    if start > 0 || cut {
        out.push_str(OMITTED);
    }
    for line in kept.iter().rev() {
        out.push_str(line);
    }
    out
}

/// The escaped last lines of `text` (newest first, each ending in `\n`)
/// that fit `budget` bytes with room left for [`OMITTED`], and whether
/// anything was left out.
fn last_lines(text: &str, budget: usize, max_lines: usize) -> (Vec<String>, bool) {
    let room = budget.saturating_sub(OMITTED.len());
    let all = text.lines().count();
    let mut kept: Vec<String> = Vec::new();
    let mut used = 0;
    for line in text.lines().rev().take(max_lines) {
        let mut line = sanitize(line);
        line.push('\n');
        if used + line.len() > room {
            if kept.is_empty() {
                // Keep the end of a line too long for the whole budget.
                let mut from = line.len() - room;
                while !line.is_char_boundary(from) {
                    from += 1;
                }
                kept.push(line.split_off(from));
            }
            return (kept, true);
        }
        used += line.len();
        kept.push(line);
    }
    let cut = kept.len() < all;
    (kept, cut)
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

    #[test]
    fn the_byte_limit_counts_escaped_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        // Binary output without newlines: every byte becomes `\xNN` or
        // U+FFFD (3-4 bytes).
        let binary: Vec<u8> = (0..64 * 1024u32)
            .map(|i| (i % 9) as u8 | (0x80 * (i % 2) as u8))
            .collect();
        std::fs::write(&p, &binary).unwrap();
        let t = tail(&p, 8 * 1024, 40);
        assert!(t.len() <= 8 * 1024, "{} bytes", t.len());
        assert!(t.len() > 7 * 1024, "{} bytes", t.len());
        assert!(t.starts_with(OMITTED), "{t:.80}");
        // Many short binary lines: the budget, not the line count, ends it.
        let lines: Vec<u8> = (0..2000).flat_map(|_| b"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f\n".to_vec()).collect();
        std::fs::write(&p, &lines).unwrap();
        let t = tail(&p, 8 * 1024, 400);
        assert!(t.len() <= 8 * 1024, "{} bytes", t.len());
        assert!(
            t.lines().skip(1).all(|l| l.len() == 29 * 4),
            "whole lines only"
        );
        // A short text log is returned whole, without a marker.
        std::fs::write(&p, "a\nb\n").unwrap();
        assert_eq!(tail(&p, 8 * 1024, 40), "a\nb\n");
    }
}
