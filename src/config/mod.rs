//! Settings: the command line, value parsers, and how they combine.
//!
//! Parsing never does I/O: [`cli::Cli`] is pure data produced by clap, and
//! value parsers here ([`parse_duration`], [`parse_jobs`]) are plain
//! functions, so bad values become usage errors naming the value.

pub mod cli;

use std::time::Duration;

/// A value on the command line that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not a duration like `500ms`, `30s`, `5m` or `1h`.
    #[error("invalid duration `{0}`: expected a number with a unit, e.g. 500ms, 30s, 5m, 1h")]
    Duration(String),
    /// Not a positive number of jobs or `auto`.
    #[error("invalid job count `{0}`: expected a number of at least 1, or `auto`")]
    Jobs(String),
}

/// Parses `500ms`, `30s`, `1.5s`, `5m`, `1h`; a bare number means seconds.
/// Zero and negative durations are rejected.
pub fn parse_duration(text: &str) -> Result<Duration, ValueError> {
    let bad = || ValueError::Duration(text.to_string());
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad())?;
    let scale = match unit.trim() {
        "ms" => 1e-3,
        "" | "s" | "sec" | "secs" => 1.0,
        "m" | "min" | "mins" => 60.0,
        "h" => 3600.0,
        _ => return Err(bad()),
    };
    let secs = value * scale;
    if !(secs.is_finite() && secs > 0.0) {
        return Err(bad());
    }
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
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

/// The number of worker slots: a positive number, or `auto` (available cores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jobs {
    /// As many as there are cores available.
    Auto,
    /// Exactly this many.
    Count(usize),
}

impl Jobs {
    /// The resolved number of slots.
    pub fn resolve(self) -> usize {
        match self {
            Jobs::Auto => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            Jobs::Count(n) => n,
        }
    }
}

/// Parses `-j` values: `auto` or a number ≥ 1.
pub fn parse_jobs(text: &str) -> Result<Jobs, ValueError> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(Jobs::Auto);
    }
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Jobs::Count(n)),
        _ => Err(ValueError::Jobs(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
    }

    #[test]
    fn bad_durations_name_the_value() {
        for bad in ["", "abc", "5x", "0s", "-1s", "1.2.3s", "ms"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn jobs_parse() {
        assert_eq!(parse_jobs("8"), Ok(Jobs::Count(8)));
        assert_eq!(parse_jobs("auto"), Ok(Jobs::Auto));
        assert!(Jobs::Auto.resolve() >= 1);
        assert!(parse_jobs("0").unwrap_err().to_string().contains("`0`"));
        assert!(parse_jobs("-2").is_err());
        assert!(parse_jobs("many").is_err());
    }

    #[test]
    fn durations_format_for_people() {
        assert_eq!(format_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(format_duration(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format_duration(Duration::from_secs(245)), "4m05s");
        assert_eq!(format_duration(Duration::from_secs(3725)), "1h02m");
    }
}
