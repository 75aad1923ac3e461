//! Rust test output on the console: libtest's boilerplate dropped from a
//! failure's output, and a panic's `panicked at` line kept in front of
//! the tail when a long `RUST_BACKTRACE` pushed it out.
//!
//! ```text
//!         ── stderr, the panic and the last 20 lines (…/pc-tests__fails.1.stderr)
//!         │ thread 'tests::fails' panicked at src/lib.rs:3:35:
//!         │ boom: the value was wrong
//!         │ …
//!         │   33: pc::tests::fails
//! ```

use std::io::Read;
use std::path::Path;

/// How much of a log's start is searched for the panic line.
const HEAD_BYTES: u64 = 64 * 1024;
/// Lines of a panic's message kept after its `panicked at` line.
const MESSAGE_LINES: usize = 8;

/// Whether `text` is the output of a libtest test binary (its `test
/// result:` line, or `running N tests`).
pub(super) fn is_libtest(text: &str) -> bool {
    text.lines().any(|l| {
        l.starts_with("test result: ")
            || (l.starts_with("running ") && (l.ends_with(" test") || l.ends_with(" tests")))
    })
}

/// `text` without libtest's boilerplate: `running N tests`, `test result:
/// …`, the `failures:` and `successes:` headings with the list of names
/// under them, `note: run with RUST_BACKTRACE=1 …`, and `---- name stdout
/// ----` sections with nothing in them; runs of blank lines become one,
/// and none is left at either end.
pub(super) fn strip_libtest(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len());
    let mut in_names = false;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_end();
        if in_names {
            if trimmed.starts_with("    ") {
                continue;
            }
            in_names = false;
        }
        if trimmed == "failures:" || trimmed == "successes:" {
            // The list of names follows the second heading, indented.
            in_names = lines
                .get(i + 1)
                .is_some_and(|next| next.starts_with("    "));
            continue;
        }
        let boilerplate = trimmed.starts_with("test result: ")
            || (trimmed.starts_with("running ")
                && (trimmed.ends_with(" test") || trimmed.ends_with(" tests")))
            || trimmed.starts_with("note: run with `RUST_BACKTRACE=1`");
        if boilerplate {
            continue;
        }
        if is_section_header(trimmed) {
            let empty = lines[i + 1..]
                .iter()
                .take_while(|l| !is_section_header(l.trim_end()) && l.trim_end() != "failures:")
                .all(|l| l.trim().is_empty());
            if empty {
                continue;
            }
        }
        if trimmed.is_empty() && kept.last().is_none_or(|l| l.trim().is_empty()) {
            continue;
        }
        kept.push(line);
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    let mut out = kept.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// `---- tests::fails stdout ----`
fn is_section_header(line: &str) -> bool {
    line.starts_with("---- ") && line.ends_with(" ----")
}

/// Whether `line` is the first line of a Rust panic (`thread 'x'
/// panicked at src/lib.rs:3:35:`; since Rust 1.89 with the thread's id,
/// `thread 'x' (1234) panicked at …`).
fn is_panic_line(line: &str) -> bool {
    line.starts_with("thread '") && line.contains(" panicked at ")
}

/// The panic's `panicked at` line and its message (up to the backtrace,
/// a note or a blank line; at most [`MESSAGE_LINES`] lines), from `text`.
fn panic_in(text: &str) -> Option<Vec<String>> {
    let mut lines = text.lines().skip_while(|l| !is_panic_line(l));
    let first = lines.next()?;
    let mut out = vec![first.to_string()];
    out.extend(
        lines
            .take_while(|l| {
                !l.trim().is_empty()
                    && !l.starts_with("stack backtrace:")
                    && !l.starts_with("note: ")
                    && !is_panic_line(l)
            })
            .take(MESSAGE_LINES)
            .map(str::to_string),
    );
    Some(out)
}

/// The panic that the tail `shown` lost: the `panicked at` line and its
/// message found in `text` (the kept tail) or at the start of the `log`,
/// when no line of `shown` is a panic line; `None` otherwise.
pub(super) fn lost_panic(shown: &[&str], text: &str, log: Option<&Path>) -> Option<Vec<String>> {
    if shown.iter().any(|l| is_panic_line(l)) {
        return None;
    }
    panic_in(text).or_else(|| {
        let mut head = String::new();
        let file = std::fs::File::open(log?).ok()?;
        let mut bytes = Vec::new();
        file.take(HEAD_BYTES).read_to_end(&mut bytes).ok()?;
        head.push_str(&String::from_utf8_lossy(&bytes));
        panic_in(&head).map(|lines| {
            lines
                .iter()
                .map(|l| crate::util::logs::sanitize(l))
                .collect()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_boilerplate_is_dropped() {
        let out = "\nrunning 1 test\ntest tests::fails ... FAILED\n\nfailures:\n\n\
                   ---- tests::fails stdout ----\n\nfailures:\n    tests::fails\n\n\
                   test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 2 filtered out; finished in 0.26s\n\n";
        assert!(is_libtest(out));
        assert_eq!(strip_libtest(out), "test tests::fails ... FAILED\n");
        let with_output = "running 1 test\n---- t::x stdout ----\nsome output\n\
                           note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\
                           failures:\n    t::x\n";
        assert_eq!(
            strip_libtest(with_output),
            "---- t::x stdout ----\nsome output\n"
        );
        assert!(!is_libtest("ok 1\nnot ok 2\n"));
    }

    #[test]
    fn the_panic_is_found_before_its_backtrace() {
        let text =
            "thread 'a' (77) panicked at src/lib.rs:3:35:\nboom\nstack backtrace:\n   0: x\n";
        assert_eq!(
            lost_panic(&["   0: x"], text, None),
            Some(vec![
                "thread 'a' (77) panicked at src/lib.rs:3:35:".to_string(),
                "boom".to_string()
            ])
        );
        assert_eq!(
            lost_panic(&["thread 'a' panicked at src/lib.rs:3:35:"], text, None),
            None
        );
    }
}
