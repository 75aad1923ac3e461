//! The `[quarantine]` section of `ptest.toml` and the `--quarantine-flaky`
//! rate.
//!
//! ```toml
//! [quarantine]
//! files = ["t/net_*.t"]                 # globs, as [[override]] patterns
//! tests = ["t/db.t::connects twice"]    # FILE::TEST, as `ptest report flaky` prints them
//! ```
//!
//! `files` are globs relative to the directory of `ptest.toml` (one
//! without `/` matches the file name anywhere), as for `[[override]]`.
//! `tests` are test ids `FILE::TEST`: `FILE` is such a glob too, `TEST` the
//! test's name as the history keys it (see [`crate::aggregate::quarantine`]).
//! A bad glob, or a test id without `::`, is an error naming the file and
//! the line of the entry.

use super::file::{pattern_matcher, ConfigError};
use super::value::Raw;
use std::path::Path;

/// The separator between the file and the test of a test id
/// (`t/db.t::connects twice`), as `ptest report flaky` prints them.
pub const TEST_ID_SEPARATOR: &str = "::";

/// Splits a test id `FILE::TEST` at its first `::`; `None` when there is
/// no separator or either side is empty.
pub fn split_test_id(id: &str) -> Option<(&str, &str)> {
    let (file, test) = id.split_once(TEST_ID_SEPARATOR)?;
    (!file.is_empty() && !test.trim().is_empty()).then_some((file, test))
}

/// One entry of `[quarantine]`: files matching `pattern` are quarantined,
/// or only their test `test` when it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineRule {
    /// The glob, as for an `[[override]]` pattern.
    pub pattern: String,
    /// The test key (`tests` entries); `None`: the whole file.
    pub test: Option<String>,
    /// `ptest.toml:12 [quarantine] "t/net_*.t"`, for `ptest explain`.
    pub origin: String,
}

/// The entries of a `[quarantine]` table, and warnings for keys it does
/// not know.
pub(crate) fn read_section(
    path: &Path,
    entries: &[(String, Raw, usize)],
) -> Result<(Vec<QuarantineRule>, Vec<String>), ConfigError> {
    let mut rules = Vec::new();
    let mut warnings = Vec::new();
    for (key, raw, line) in entries {
        let is_tests = match key.as_str() {
            "files" => false,
            "tests" => true,
            _ => {
                warnings.push(format!(
                    "{}:{line}: unknown key `{key}` in [quarantine] (ignored; keys are files, tests)",
                    path.display()
                ));
                continue;
            }
        };
        for (text, at) in string_items(path, key, raw, *line)? {
            rules.push(rule(path, &text, at, is_tests)?);
        }
    }
    Ok((rules, warnings))
}

/// The strings of a list (or one string), each with its line.
fn string_items(
    path: &Path,
    key: &str,
    raw: &Raw,
    line: usize,
) -> Result<Vec<(String, usize)>, ConfigError> {
    let bad = |found: &Raw, at: usize| ConfigError::Value {
        path: path.to_path_buf(),
        line: at,
        key: format!("quarantine.{key}"),
        expected: "an array of strings".to_string(),
        found: found.describe(),
    };
    match raw {
        Raw::Str(s) => Ok(vec![(s.clone(), line)]),
        Raw::List(items) => items
            .iter()
            .map(|(item, at)| match item {
                Raw::Str(s) => Ok((s.clone(), *at)),
                other => Err(bad(other, *at)),
            })
            .collect(),
        other => Err(bad(other, line)),
    }
}

fn rule(
    path: &Path,
    text: &str,
    line: usize,
    is_tests: bool,
) -> Result<QuarantineRule, ConfigError> {
    let (pattern, test) = if is_tests {
        let (file, test) = split_test_id(text).ok_or_else(|| ConfigError::Value {
            path: path.to_path_buf(),
            line,
            key: "quarantine.tests".to_string(),
            expected: format!("a test id FILE{TEST_ID_SEPARATOR}TEST"),
            found: Raw::Str(text.to_string()).describe(),
        })?;
        (file.to_string(), Some(test.trim().to_string()))
    } else {
        (text.to_string(), None)
    };
    pattern_matcher(&pattern).map_err(|source| ConfigError::Pattern {
        path: path.to_path_buf(),
        line,
        pattern: pattern.clone(),
        source,
    })?;
    Ok(QuarantineRule {
        origin: format!("{}:{line} [quarantine] {text:?}", path.display()),
        pattern,
        test,
    })
}

/// A flip rate between 0 and 1 (`--quarantine-flaky`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Rate(f64);

impl Rate {
    /// The rate as a fraction (0 to 1).
    pub fn get(self) -> f64 {
        self.0
    }
}

impl std::fmt::Display for Rate {
    /// As a percentage: `20%`, `12.5%`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let percent = self.0 * 100.0;
        if (percent - percent.round()).abs() < 1e-9 {
            write!(f, "{}%", percent.round())
        } else {
            write!(f, "{percent:.1}%")
        }
    }
}

/// What `--quarantine-flaky` takes.
pub const RATE_EXPECTED: &str =
    "a flip rate above 0 and at most 1, as a fraction (0.2) or a percentage (\"20%\")";

/// Parses `0.2` or `20%` into a rate above 0 and at most 1.
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    let text = text.trim();
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.parse::<f64>(),
    };
    match value {
        Ok(v) if v > 0.0 && v <= 1.0 => Ok(Rate(v)),
        Ok(_) | Err(_) => Err(format!("invalid rate `{text}`: expected {RATE_EXPECTED}")),
    }
}

/// A `quarantine-flaky` value in `ptest.toml`: a number or a string.
pub(crate) fn rate(raw: &Raw) -> Result<Rate, super::value::Mismatch> {
    let parsed = match raw {
        Raw::Str(s) => parse_rate(s).ok(),
        Raw::Float(x) => parse_rate(&x.to_string()).ok(),
        Raw::Int(n) => parse_rate(&n.to_string()).ok(),
        Raw::Bool(_) | Raw::List(_) | Raw::Table(_) | Raw::Datetime => None,
    };
    parsed.ok_or_else(|| super::value::Mismatch {
        expected: RATE_EXPECTED.to_string(),
        found: raw.describe(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, usize)]) -> Raw {
        Raw::List(
            items
                .iter()
                .map(|(s, l)| (Raw::Str(s.to_string()), *l))
                .collect(),
        )
    }

    #[test]
    fn reads_files_and_tests_with_their_lines() {
        let entries = vec![
            ("files".to_string(), list(&[("t/net_*.t", 2)]), 2),
            (
                "tests".to_string(),
                list(&[("t/db.t:: connects twice", 3)]),
                3,
            ),
            ("reason".to_string(), Raw::Str("x".into()), 4),
        ];
        let (rules, warnings) = read_section(Path::new("ptest.toml"), &entries).unwrap();
        assert_eq!(
            rules,
            [
                QuarantineRule {
                    pattern: "t/net_*.t".into(),
                    test: None,
                    origin: "ptest.toml:2 [quarantine] \"t/net_*.t\"".into(),
                },
                QuarantineRule {
                    pattern: "t/db.t".into(),
                    test: Some("connects twice".into()),
                    origin: "ptest.toml:3 [quarantine] \"t/db.t:: connects twice\"".into(),
                },
            ]
        );
        assert_eq!(
            warnings,
            ["ptest.toml:4: unknown key `reason` in [quarantine] (ignored; keys are files, tests)"]
        );
    }

    #[test]
    fn a_bad_glob_or_test_id_names_file_and_line() {
        let bad_glob = vec![("files".to_string(), list(&[("ok.t", 2), ("t/[oops", 3)]), 2)];
        let err = read_section(Path::new("ptest.toml"), &bad_glob).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ptest.toml:3: invalid pattern `t/[oops`"),
            "{err}"
        );
        let no_test = vec![("tests".to_string(), list(&[("t/db.t", 5)]), 5)];
        let err = read_section(Path::new("ptest.toml"), &no_test).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ptest.toml:5: `quarantine.tests`: expected a test id FILE::TEST, found the string \"t/db.t\""
        );
        let not_strings = vec![("files".to_string(), Raw::Int(3), 7)];
        assert!(read_section(Path::new("ptest.toml"), &not_strings)
            .unwrap_err()
            .to_string()
            .starts_with("ptest.toml:7: `quarantine.files`: expected an array of strings"));
    }

    #[test]
    fn test_ids_split_at_the_first_separator() {
        assert_eq!(
            split_test_id("t/db.t::connects::twice"),
            Some(("t/db.t", "connects::twice"))
        );
        assert_eq!(split_test_id("t/db.t"), None);
        assert_eq!(split_test_id("::x"), None);
        assert_eq!(split_test_id("t/db.t:: "), None);
    }

    #[test]
    fn rates_are_fractions_or_percentages() {
        assert_eq!(parse_rate("0.2").map(Rate::get), Ok(0.2));
        assert_eq!(parse_rate("20%").map(Rate::get), Ok(0.2));
        assert_eq!(parse_rate(" 100 % ").map(Rate::get), Ok(1.0));
        for bad in ["0", "1.5", "-0.1", "abc", "120%", ""] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_rate("0.2").unwrap().to_string(), "20%");
        assert_eq!(parse_rate("12.5%").unwrap().to_string(), "12.5%");
        assert_eq!(rate(&Raw::Float(0.5)).map(Rate::get), Ok(0.5));
        assert_eq!(rate(&Raw::Int(1)).map(Rate::get), Ok(1.0));
        assert!(rate(&Raw::Bool(true)).is_err());
    }
}
