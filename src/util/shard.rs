//! The shard type: `K/N`, one of N machines a suite is split across.

use serde::{Deserialize, Serialize};

/// The most shards a suite may be split into. Far above what CI systems
/// run side by side (GitHub Actions caps a matrix at 256 jobs, GitLab's
/// `parallel` at 200), low enough that every per-shard table (totals, the
/// partition in the JSON summary, the `--dry-run` line) stays small.
pub const MAX_SHARDS: usize = 1000;

/// One shard of a suite split across machines: `index` of `count`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard (1..=count).
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Parses `K/N` with `1 <= K <= N <= MAX_SHARDS`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("invalid shard `{s}`: expected K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        if count > MAX_SHARDS {
            return Err(format!(
                "invalid shard `{s}`: {count} shards is more than ptest splits a suite into (at most {MAX_SHARDS})"
            ));
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_counts_are_bounded_when_parsed() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert!(format!("1/{MAX_SHARDS}").parse::<Shard>().is_ok());
        for huge in ["1/1001", "1/4294967296", "1/18446744073709551615"] {
            let err = huge.parse::<Shard>().unwrap_err();
            assert!(err.contains("at most 1000"), "{huge}: {err}");
        }
        assert!("1/18446744073709551616".parse::<Shard>().is_err());
    }
}
