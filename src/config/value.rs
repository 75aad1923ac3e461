//! One value of a setting, as written in `ptest.toml` or a file's header,
//! before it is checked, and the checks every key shares.
//!
//! Both sources of per-file settings — a TOML table and a `ptest:` header
//! line — are turned into [`Raw`] values first; one converter per kind of
//! value ([`duration`], [`count`], [`flag`], …) then checks it, so a key
//! means the same thing and fails with the same words wherever it is
//! written. A converter's error is what was expected; the caller adds the
//! file, line and key.

use crate::util::duration::parse_duration;
use std::time::Duration;

/// A value before its key's check.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    /// A string (every header value is one).
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// An array, with each element's line.
    List(Vec<(Raw, usize)>),
    /// A table: keys with their values and lines.
    Table(Vec<(String, Raw, usize)>),
    /// A TOML date or time (no key takes one).
    Datetime,
}

impl Raw {
    /// What the value is, for messages: `a string "x"`, `an integer 3`, ….
    pub fn describe(&self) -> String {
        match self {
            Raw::Str(s) => format!("the string {s:?}"),
            Raw::Int(n) => format!("the integer {n}"),
            Raw::Float(x) => format!("the float {x}"),
            Raw::Bool(b) => format!("the boolean {b}"),
            Raw::List(_) => "an array".to_string(),
            Raw::Table(_) => "a table".to_string(),
            Raw::Datetime => "a date".to_string(),
        }
    }
}

/// What a value should have been, and what it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What the key takes, e.g. `a duration such as "30s"`.
    pub expected: String,
    /// What was given (see [`Raw::describe`]), with the reason when the
    /// type was right but the value was not.
    pub found: String,
}

fn mismatch(expected: &str, raw: &Raw) -> Mismatch {
    Mismatch {
        expected: expected.to_string(),
        found: raw.describe(),
    }
}

/// A duration: a string in `--timeout`'s syntax, or a number of seconds.
pub fn duration(raw: &Raw) -> Result<Duration, Mismatch> {
    const EXPECTED: &str = "a duration such as \"30s\", \"1m30s\" or \"500ms\"";
    match raw {
        Raw::Str(text) => parse_duration(text).map_err(|err| Mismatch {
            expected: EXPECTED.to_string(),
            found: err.to_string(),
        }),
        Raw::Int(n) if *n >= 0 => Ok(Duration::from_secs(n.unsigned_abs())),
        other => Err(mismatch(EXPECTED, other)),
    }
}

/// A whole number of at least `min`.
pub fn count(raw: &Raw, min: u32) -> Result<u32, Mismatch> {
    let expected = format!("a whole number of at least {min}");
    match raw {
        Raw::Int(n) => u32::try_from(*n)
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| mismatch(&expected, raw)),
        Raw::Str(s) => s
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| mismatch(&expected, raw)),
        other => Err(mismatch(&expected, other)),
    }
}

/// `true` or `false` (in a header also `yes`/`no`, `1`/`0`).
pub fn flag(raw: &Raw) -> Result<bool, Mismatch> {
    match raw {
        Raw::Bool(b) => Ok(*b),
        Raw::Str(s) => match s.as_str() {
            "true" | "yes" | "1" => Ok(true),
            "false" | "no" | "0" => Ok(false),
            _ => Err(mismatch("true or false", raw)),
        },
        other => Err(mismatch("true or false", other)),
    }
}

/// A non-empty string.
pub fn text(raw: &Raw) -> Result<String, Mismatch> {
    match raw {
        Raw::Str(s) if !s.trim().is_empty() => Ok(s.clone()),
        other => Err(mismatch("a non-empty string", other)),
    }
}

/// A list of strings: an array of strings, or one string (in a header:
/// comma-separated).
pub fn strings(raw: &Raw) -> Result<Vec<String>, Mismatch> {
    const EXPECTED: &str = "an array of strings";
    match raw {
        Raw::Str(s) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()),
        Raw::List(items) => items
            .iter()
            .map(|(item, _)| match item {
                Raw::Str(s) => Ok(s.clone()),
                other => Err(mismatch(EXPECTED, other)),
            })
            .collect(),
        other => Err(mismatch(EXPECTED, other)),
    }
}

/// A non-empty array of strings (a command line).
pub fn argv(raw: &Raw) -> Result<Vec<String>, Mismatch> {
    const EXPECTED: &str = "a non-empty array of strings, e.g. [\"python3\", \"{file}\"]";
    match raw {
        Raw::List(items) if !items.is_empty() => items
            .iter()
            .map(|(item, _)| match item {
                Raw::Str(s) => Ok(s.clone()),
                other => Err(mismatch(EXPECTED, other)),
            })
            .collect(),
        other => Err(mismatch(EXPECTED, other)),
    }
}

/// A positive number (an integer or a float), e.g. a load average.
pub fn load_limit(raw: &Raw) -> Result<crate::util::limits::LoadLimit, Mismatch> {
    const EXPECTED: &str = "a positive number";
    let value = match raw {
        Raw::Int(n) => *n as f64,
        Raw::Float(x) => *x,
        Raw::Str(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| mismatch(EXPECTED, raw))?,
        other => return Err(mismatch(EXPECTED, other)),
    };
    crate::util::limits::LoadLimit::new(value).ok_or_else(|| mismatch(EXPECTED, raw))
}

/// A size in bytes: an integer, or a string such as `"512M"`, `"4G"`,
/// `"1.5GiB"` (K, M, G, T are powers of 1024, as `ulimit` and `free` use).
pub fn size(raw: &Raw) -> Result<u64, Mismatch> {
    const EXPECTED: &str = "a size such as \"512M\" or \"4G\", or a number of bytes";
    match raw {
        Raw::Int(n) if *n > 0 => Ok(n.unsigned_abs()),
        Raw::Str(s) => crate::util::limits::parse_size(s).map_err(|_| mismatch(EXPECTED, raw)),
        other => Err(mismatch(EXPECTED, other)),
    }
}

/// The values of a table of environment variables (strings, integers and
/// booleans are taken as their text).
pub fn env_table(raw: &Raw) -> Result<Vec<(String, String, usize)>, Mismatch> {
    const EXPECTED: &str = "a table of NAME = \"value\"";
    let Raw::Table(entries) = raw else {
        return Err(mismatch(EXPECTED, raw));
    };
    entries
        .iter()
        .map(|(name, value, line)| {
            if let Some(problem) = super::env_name_problem(name) {
                return Err(Mismatch {
                    expected: "variable names that are not empty, hold no `=` and are not set by ptest itself".into(),
                    found: format!("`{name}`: {problem}"),
                });
            }
            let value = match value {
                Raw::Str(s) => s.clone(),
                Raw::Int(n) => n.to_string(),
                Raw::Bool(b) => b.to_string(),
                other => {
                    return Err(Mismatch {
                        expected: format!("a string for {name}"),
                        found: other.describe(),
                    })
                }
            };
            Ok((name.clone(), value, *line))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converters_take_their_kind_and_name_what_they_expected() {
        assert_eq!(
            duration(&Raw::Str("1m30s".into())),
            Ok(Duration::from_secs(90))
        );
        assert_eq!(duration(&Raw::Int(5)), Ok(Duration::from_secs(5)));
        let err = duration(&Raw::Bool(true)).unwrap_err();
        assert_eq!(err.found, "the boolean true");
        assert!(err.expected.starts_with("a duration"), "{}", err.expected);
        assert_eq!(count(&Raw::Int(3), 1), Ok(3));
        assert!(count(&Raw::Int(0), 1).is_err());
        assert_eq!(count(&Raw::Str("4".into()), 1), Ok(4));
        assert_eq!(flag(&Raw::Str("yes".into())), Ok(true));
        assert!(flag(&Raw::Int(1)).is_err());
        assert_eq!(
            strings(&Raw::Str("a.sh, b.sh".into())),
            Ok(vec!["a.sh".to_string(), "b.sh".to_string()])
        );
        assert!(argv(&Raw::List(Vec::new())).is_err());
        assert_eq!(
            load_limit(&Raw::Float(1.5)).map(crate::util::limits::LoadLimit::get),
            Ok(1.5)
        );
        assert!(load_limit(&Raw::Int(0)).is_err());
    }
}
