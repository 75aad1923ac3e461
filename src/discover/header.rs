//! Per-file header metadata: `ptest:` comments in the first lines of a
//! test file.
//!
//! In the first [`HEADER_LINES`] lines (read from the same bytes as the
//! `#!` line, no second open), a comment — `#`, `//`, `--`, `;`, `*`,
//! `/*` or `rem` — whose text starts with `ptest:` holds settings:
//!
//! ```text
//! #!/bin/sh
//! # ptest: exclusive timeout=2m group=db
//! # ptest: depends-on=setup.sh,seed.sh env.DB_NAME=test skip="needs a GPU"
//! ```
//!
//! Words are split as a shell would (quotes group), each `key=value` or a
//! bare flag (`exclusive`, `quarantine`, `skip`). The keys are those of
//! `[[override]]` ([`crate::config::rules::PER_FILE_KEYS`]), with
//! `env.NAME=value` for variables; `depends-on` paths are relative to the
//! file's directory. A malformed header is a [`HeaderError`] naming the
//! line: discovery makes the file an ERROR with it, and the run goes on.

use crate::config::rules::{KeyProblem, PerFile, PER_FILE_KEYS};
use crate::config::value::Raw;
use std::path::Path;

/// How many lines from the top of a file are searched for headers.
pub const HEADER_LINES: usize = 30;

/// Keys that may be written without a value.
const FLAGS: [&str; 3] = ["exclusive", "quarantine", "skip"];

/// The settings a file's headers set, with the line of each key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    /// What the headers set.
    pub settings: PerFile,
    /// `(key, line)` for every key set (`env.NAME` for variables).
    pub lines: Vec<(String, usize)>,
}

/// A malformed header line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: malformed ptest header: {problem}")]
pub struct HeaderError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// Reads the headers in `head` (the first bytes of the file); `dir` is the
/// file's directory (for `depends-on`). `Ok(None)`: no header.
pub fn parse(head: &[u8], dir: &Path) -> Result<Option<Header>, HeaderError> {
    let mut header: Option<Header> = None;
    for (index, line) in head.split(|&b| b == b'\n').take(HEADER_LINES).enumerate() {
        let line_no = index + 1;
        let text = String::from_utf8_lossy(line);
        let Some(content) = header_text(&text) else {
            continue;
        };
        let found = header.get_or_insert_with(Header::default);
        read_line(content, line_no, dir, found)?;
    }
    Ok(header)
}

/// The text after `ptest:` when `line` is a header comment.
fn header_text(line: &str) -> Option<&str> {
    let trimmed = line.trim();
    let body = ["//", "--", "/*", "#", ";", "*"]
        .iter()
        .find_map(|leader| trimmed.strip_prefix(leader))
        .or_else(|| {
            let (word, rest) = trimmed.split_at_checked(3)?;
            (word.eq_ignore_ascii_case("rem") && rest.starts_with(char::is_whitespace))
                .then_some(rest)
        })?;
    let rest = body.trim_start().strip_prefix("ptest:")?;
    Some(rest.trim().trim_end_matches("*/").trim_end())
}

fn read_line(
    content: &str,
    line: usize,
    dir: &Path,
    header: &mut Header,
) -> Result<(), HeaderError> {
    let fail = |problem: String| HeaderError { line, problem };
    let words = shell_words::split(content).map_err(|_| fail("unbalanced quotes".to_string()))?;
    if words.is_empty() {
        return Err(fail(
            "nothing after `ptest:` (write e.g. `ptest: exclusive timeout=30s`)".to_string(),
        ));
    }
    for word in words {
        let (key, raw) = match word.split_once('=') {
            Some((key, value)) => (key.to_string(), Raw::Str(value.to_string())),
            None if FLAGS.contains(&word.as_str()) => (word.clone(), Raw::Bool(true)),
            None if PER_FILE_KEYS.contains(&word.as_str()) => {
                return Err(fail(format!("`{word}` needs a value ({word}=…)")))
            }
            None => (word.clone(), Raw::Bool(true)),
        };
        if let Some((_, first)) = header.lines.iter().find(|(k, _)| *k == key) {
            return Err(fail(format!(
                "`{key}` is given twice (first on line {first}): write it once"
            )));
        }
        match header.settings.set(&key, &raw, dir) {
            Ok(()) => header.lines.push((key, line)),
            Err(KeyProblem::Unknown) => {
                return Err(fail(format!(
                    "unknown key `{key}` (known: {}, env.NAME)",
                    PER_FILE_KEYS
                        .iter()
                        .filter(|k| **k != "env")
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            Err(KeyProblem::Value(m)) => {
                return Err(fail(format!(
                    "`{key}`: expected {}, found {}",
                    m.expected, m.found
                )))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    fn parsed(text: &str) -> Result<Option<Header>, HeaderError> {
        parse(text.as_bytes(), Path::new("t"))
    }

    #[test]
    fn every_comment_style_carries_a_header() {
        for (text, line) in [
            ("#!/bin/sh\n# ptest: exclusive\n", 2),
            ("// ptest: exclusive\n", 1),
            ("-- ptest: exclusive\n", 1),
            ("; ptest: exclusive\n", 1),
            ("/* ptest: exclusive */\n", 1),
            (" * ptest: exclusive\n", 1),
            ("REM ptest: exclusive\n", 1),
            ("rem ptest: exclusive\n", 1),
        ] {
            let header = parsed(text).unwrap().unwrap_or_else(|| panic!("{text:?}"));
            assert_eq!(header.settings.exclusive, Some(true), "{text:?}");
            assert_eq!(header.lines, [("exclusive".to_string(), line)], "{text:?}");
        }
        assert_eq!(parsed("#!/bin/sh\necho ptest: hi\n# no header\n"), Ok(None));
        assert_eq!(parsed("remark ptest: exclusive\n"), Ok(None));
    }

    #[test]
    fn values_flags_and_quotes() {
        let header = parsed(
            "# ptest: timeout=2m weight=3 group=db\n# ptest: depends-on=setup.sh,seed.sh env.DB=x skip=\"needs a GPU\"\n",
        )
        .unwrap()
        .unwrap();
        let s = &header.settings;
        assert_eq!(s.timeout, Some(Duration::from_secs(120)));
        assert_eq!(s.weight, Some(3));
        assert_eq!(s.group.as_deref(), Some("db"));
        assert_eq!(
            s.depends_on,
            Some(vec![
                PathBuf::from("t/setup.sh"),
                PathBuf::from("t/seed.sh")
            ])
        );
        assert_eq!(s.env, [("DB".to_string(), "x".to_string())]);
        assert_eq!(s.skip.as_deref(), Some("needs a GPU"));
        assert_eq!(header.lines[3], ("depends-on".to_string(), 2));
    }

    #[test]
    fn malformed_headers_name_their_line_and_problem() {
        let cases = [
            (
                "\n# ptest: timeout=soon\n",
                2,
                "`timeout`: expected a duration",
            ),
            ("# ptest: colour=red\n", 1, "unknown key `colour`"),
            ("# ptest: fast\n", 1, "unknown key `fast`"),
            ("# ptest: timeout\n", 1, "`timeout` needs a value"),
            ("# ptest: skip=\"open\n", 1, "unbalanced quotes"),
            ("# ptest:\n", 1, "nothing after `ptest:`"),
            ("# ptest: weight=0\n", 1, "at least 1"),
            (
                "# ptest: timeout=1s\n# ptest: timeout=2s\n",
                2,
                "`timeout` is given twice (first on line 1)",
            ),
            (
                "# ptest: exclusive exclusive\n",
                1,
                "`exclusive` is given twice",
            ),
            ("# ptest: env.A=1 env.A=2\n", 1, "`env.A` is given twice"),
        ];
        for (text, line, needle) in cases {
            let err = parsed(text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}");
            assert!(err.to_string().contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn only_the_first_thirty_lines_count() {
        let text = format!("{}# ptest: exclusive\n", "x\n".repeat(HEADER_LINES));
        assert_eq!(parsed(&text), Ok(None));
    }
}
