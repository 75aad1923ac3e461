//! Durations for people: the `--timeout`/`--grace` syntax and the way
//! every report prints a duration.

use std::time::Duration;

/// A duration that does not parse: the text as given and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration `{text}`: {problem}")]
pub struct DurationError {
    /// The value as given.
    pub text: String,
    /// What is wrong with it.
    pub problem: DurationProblem,
}

/// Why a duration does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationProblem {
    /// Nothing but whitespace.
    #[error("empty (use e.g. 30s, 1m30s or 500ms)")]
    Empty,
    /// Starts with `-`.
    #[error("a duration cannot be negative")]
    Negative,
    /// A number other than `0` without a unit.
    #[error("no unit after `{0}` (write {0}s for seconds; units are ms, s, m and h)")]
    MissingUnit(String),
    /// A unit with no number before it.
    #[error("no number before `{0}`")]
    MissingNumber(String),
    /// Digits and dots that are not a number, e.g. `1.2.3`.
    #[error("`{0}` is not a number")]
    BadNumber(String),
    /// A unit that is not one of the known ones.
    #[error("unknown unit `{0}` (use ms, s, m or h)")]
    UnknownUnit(String),
    /// A character that belongs to no number or unit.
    #[error("unexpected `{0}` (write e.g. 1h30m, 1m30s, 500ms)")]
    Unexpected(char),
    /// More than [`MAX_DURATION`].
    #[error("longer than the limit of 8760h (a year)")]
    TooLong,
}

/// The longest duration [`parse_duration`] accepts: a year.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Seconds per unit, by the unit's spellings.
fn unit_seconds(unit: &str) -> Option<f64> {
    match unit {
        "ms" | "msec" | "msecs" => Some(1e-3),
        "s" | "sec" | "secs" | "second" | "seconds" => Some(1.0),
        "m" | "min" | "mins" | "minute" | "minutes" => Some(60.0),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(3600.0),
        _ => None,
    }
}

/// Parses a duration: one or more `NUMBER UNIT` parts, added up, e.g.
/// `500ms`, `30s`, `1.5s`, `5m`, `1h30m`, `1m 30s`, `2h 15min`.
///
/// * units: `ms`, `s`, `m`, `h` (also `sec`, `min`, `hour`, … as
///   humantime spells them); a number may have a fraction (`1.5s`);
///   spaces between parts are allowed;
/// * zero is allowed (`0`, `0s`); `0` is the one number that needs no
///   unit: any other bare number is rejected rather than guessed at
///   (`30` could be seconds or milliseconds), as nextest does;
/// * at most [`MAX_DURATION`]; negative values are rejected.
///
/// The error says what is wrong, e.g. ``invalid duration `10x`: unknown
/// unit `x` (use ms, s, m or h)``.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let fail = |problem| DurationError {
        text: text.to_string(),
        problem,
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(fail(DurationProblem::Empty));
    }
    if t.starts_with('-') {
        return Err(fail(DurationProblem::Negative));
    }
    if t.chars().all(|c| c == '0' || c == '.') && t.starts_with('0') {
        return Ok(Duration::ZERO);
    }
    let mut secs = 0.0;
    for part in duration_parts(t) {
        let (number, unit) = part.map_err(fail)?;
        let value: f64 = number
            .parse()
            .map_err(|_| fail(DurationProblem::BadNumber(number.to_string())))?;
        secs += value * unit;
    }
    if secs > MAX_DURATION.as_secs_f64() {
        return Err(fail(DurationProblem::TooLong));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| fail(DurationProblem::TooLong))
}

/// Splits `1h 30m` into (`"1"`, 3600.0), (`"30"`, 60.0).
fn duration_parts(t: &str) -> impl Iterator<Item = Result<(&str, f64), DurationProblem>> {
    let mut rest = t;
    std::iter::from_fn(move || {
        rest = rest.trim_start();
        let first = rest.chars().next()?;
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_end);
        let after_spaces = after.trim_start();
        let unit_end = after_spaces
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(after_spaces.len());
        let (unit, next) = after_spaces.split_at(unit_end);
        let result = match (number.is_empty(), unit.is_empty()) {
            (true, true) => Err(DurationProblem::Unexpected(first)),
            (true, false) => Err(DurationProblem::MissingNumber(unit.to_string())),
            (false, true) => match after_spaces.chars().next() {
                Some(c) => Err(DurationProblem::Unexpected(c)),
                None => Err(DurationProblem::MissingUnit(number.to_string())),
            },
            (false, false) => unit_seconds(unit)
                .map(|scale| (number, scale))
                .ok_or_else(|| DurationProblem::UnknownUnit(unit.to_string())),
        };
        rest = if result.is_ok() { next } else { "" };
        Some(result)
    })
}

/// Formats a duration for people: `850ms`, `12.3s`, `4m05s`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        let s = d.as_secs();
        if s < 3600 {
            format!("{}m{:02}s", s / 60, s % 60)
        } else {
            format!("{}h{:02}m", s / 3600, (s / 60) % 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Result<Duration, DurationError> {
        Ok(Duration::from_secs_f64(s))
    }

    #[test]
    fn durations_parse_with_units() {
        for (text, want) in [
            ("500ms", 0.5),
            ("30s", 30.0),
            ("1.5s", 1.5),
            ("5m", 300.0),
            ("2h", 7200.0),
            ("1h30m", 5400.0),
            ("1m30s", 90.0),
            ("1m 30s", 90.0),
            ("1h 2m 3s 4ms", 3723.004),
            ("30 s", 30.0),
            (" 2 hours 15 min ", 8100.0),
            ("10sec", 10.0),
            ("3 seconds", 3.0),
            ("250msec", 0.25),
            ("0s", 0.0),
            ("0", 0.0),
            ("0.0", 0.0),
            ("0ms", 0.0),
            ("0h0m", 0.0),
            ("8760h", 31_536_000.0),
            (".5s", 0.5),
        ] {
            assert_eq!(parse_duration(text), secs(want), "{text:?}");
        }
    }

    #[test]
    fn bad_durations_say_what_is_wrong() {
        for (text, message) in [
            ("", "invalid duration ``: empty (use e.g. 30s, 1m30s or 500ms)"),
            ("  ", "invalid duration `  `: empty (use e.g. 30s, 1m30s or 500ms)"),
            ("10x", "invalid duration `10x`: unknown unit `x` (use ms, s, m or h)"),
            ("5sec2x", "invalid duration `5sec2x`: unknown unit `x` (use ms, s, m or h)"),
            ("1d", "invalid duration `1d`: unknown unit `d` (use ms, s, m or h)"),
            ("1e3s", "invalid duration `1e3s`: unknown unit `e` (use ms, s, m or h)"),
            (
                "7",
                "invalid duration `7`: no unit after `7` (write 7s for seconds; units are ms, s, m and h)",
            ),
            (
                "1h30",
                "invalid duration `1h30`: no unit after `30` (write 30s for seconds; units are ms, s, m and h)",
            ),
            ("ms", "invalid duration `ms`: no number before `ms`"),
            ("abc", "invalid duration `abc`: no number before `abc`"),
            ("forever", "invalid duration `forever`: no number before `forever`"),
            ("-1s", "invalid duration `-1s`: a duration cannot be negative"),
            ("1.2.3s", "invalid duration `1.2.3s`: `1.2.3` is not a number"),
            (".s", "invalid duration `.s`: `.` is not a number"),
            ("1s+2s", "invalid duration `1s+2s`: unexpected `+` (write e.g. 1h30m, 1m30s, 500ms)"),
            ("5,5s", "invalid duration `5,5s`: unexpected `,` (write e.g. 1h30m, 1m30s, 500ms)"),
            ("8761h", "invalid duration `8761h`: longer than the limit of 8760h (a year)"),
            (
                "99999999999999999999999h",
                "invalid duration `99999999999999999999999h`: longer than the limit of 8760h (a year)",
            ),
        ] {
            let err = parse_duration(text).unwrap_err();
            assert_eq!(err.to_string(), message, "{text:?}");
        }
    }

    #[test]
    fn durations_format_for_people() {
        assert_eq!(format_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(format_duration(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format_duration(Duration::from_secs(245)), "4m05s");
        assert_eq!(format_duration(Duration::from_secs(3725)), "1h02m");
    }
}
