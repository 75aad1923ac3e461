//! The values of the run-wide resource limits: a memory size (`512M`,
//! `2G`, for `--mem-budget`) and a load average (`--load-limit`), parsed
//! here so that the settings and a config file read them alike.

/// A value that is not a size or a load average.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// Not a size.
    #[error("invalid size `{0}`: expected a number of bytes with an optional K, M, G or T suffix (powers of 1024), e.g. 512M or 2G")]
    Size(String),
    /// Not a load average.
    #[error("invalid load limit `{0}`: expected a positive number, e.g. 4 or 3.5")]
    Load(String),
    /// Not a positive count.
    #[error("invalid count `{0}`: expected a whole number of at least 1")]
    Count(String),
}

/// A 1-minute load average above which no new file starts (never NaN,
/// never negative; hence `Eq`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct LoadLimit(f64);

impl Eq for LoadLimit {}

impl LoadLimit {
    /// A limit of `l`: a positive, finite number.
    pub fn new(l: f64) -> Option<LoadLimit> {
        (l.is_finite() && l > 0.0).then_some(LoadLimit(l))
    }

    /// The limit as a number.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl std::fmt::Display for LoadLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Parses `--load-limit`: a positive number.
pub fn parse_load(text: &str) -> Result<LoadLimit, LimitError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(LoadLimit::new)
        .ok_or_else(|| LimitError::Load(text.to_string()))
}

/// Parses a size: bytes, or a number (decimals allowed) with `K`, `M`,
/// `G` or `T` (optionally followed by `B` or `iB`), powers of 1024.
pub fn parse_size(text: &str) -> Result<u64, LimitError> {
    let bad = || LimitError::Size(text.to_string());
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let digits = upper.trim_end_matches("IB").trim_end_matches('B');
    let (number, shift) = match digits.chars().last() {
        Some('K') => (&digits[..digits.len() - 1], 10),
        Some('M') => (&digits[..digits.len() - 1], 20),
        Some('G') => (&digits[..digits.len() - 1], 30),
        Some('T') => (&digits[..digits.len() - 1], 40),
        _ => (digits, 0),
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let bytes = value * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as u64)
}

/// Parses `--max-fail`: a whole number of at least 1.
pub fn parse_count(text: &str) -> Result<u32, LimitError> {
    match text.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(LimitError::Count(text.to_string())),
    }
}

/// A size for people: `512M`, `1.5G`, `900K`, `12B`.
pub fn format_size(bytes: u64) -> String {
    let units = [(40, "T"), (30, "G"), (20, "M"), (10, "K")];
    for (shift, unit) in units {
        let scale = (1u64 << shift) as f64;
        let value = bytes as f64 / scale;
        if value >= 1.0 {
            return if value >= 100.0 || value.fract() < 0.05 {
                format!("{value:.0}{unit}")
            } else {
                format!("{value:.1}{unit}")
            };
        }
    }
    format!("{bytes}B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size("100KiB"), Ok(100 << 10));
        assert_eq!(parse_size("4096"), Ok(4096));
        for bad in ["", "G", "lots", "-1G", "0"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(format_size(512 << 20), "512M");
        assert_eq!(format_size(3 << 29), "1.5G");
    }

    #[test]
    fn load_limits_and_counts_are_positive() {
        assert_eq!(parse_load("3.5").map(LoadLimit::get), Ok(3.5));
        for bad in ["0", "-1", "nan", "inf", "x"] {
            assert!(parse_load(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_count("3"), Ok(3));
        assert!(parse_count("0").is_err());
    }

    #[test]
    fn sizes_are_powers_of_1024() {
        assert_eq!(parse_size("512M").ok(), Some(512 << 20));
        assert_eq!(parse_size("4G").ok(), Some(4 << 30));
        assert_eq!(parse_size("1.5GiB").ok(), Some(3 << 29));
        assert_eq!(parse_size("1000").ok(), Some(1000));
        assert_eq!(parse_size("4 gb").ok(), Some(4 << 30));
        assert_eq!(parse_size("lots").ok(), None);
        assert_eq!(parse_size("0").ok(), None);
    }
}
