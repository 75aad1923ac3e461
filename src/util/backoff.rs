//! How long a failed file waits before its next attempt: `--retry-delay`,
//! `--retry-backoff fixed|exponential`, `retry-max-delay`.
//!
//! * **fixed**: every retry waits the delay.
//! * **exponential**: retry `k` (1-based) waits `delay × 2^(k−1)` with
//!   "equal jitter" — half of it fixed, the other half uniformly random —
//!   capped at the maximum delay ([`DEFAULT_MAX_DELAY`], 30 s, unless
//!   `retry-max-delay` says otherwise). The jitter spreads retries of files
//!   that failed together (a shared server that went away) so they do not
//!   all come back at once.
//!
//! With a zero delay (the default) a retry starts as soon as a slot is
//! free. The jitter comes from a seed (the run id), so a schedule is
//! reproducible in tests: [`RetryPolicy::delay`] is a pure function.

use std::time::Duration;

/// The longest wait before a retry when `retry-max-delay` is not set.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(30);

/// How the delay grows from one retry to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Backoff {
    /// The same delay before every retry.
    #[default]
    Fixed,
    /// Doubling per retry, with jitter, capped.
    Exponential,
}

impl std::fmt::Display for Backoff {
    /// `fixed` or `exponential`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backoff::Fixed => "fixed",
            Backoff::Exponential => "exponential",
        })
    }
}

impl std::str::FromStr for Backoff {
    type Err = String;

    fn from_str(s: &str) -> Result<Backoff, String> {
        match s {
            "fixed" => Ok(Backoff::Fixed),
            "exponential" => Ok(Backoff::Exponential),
            other => Err(format!(
                "invalid backoff `{other}`: expected fixed or exponential"
            )),
        }
    }
}

/// When failed files run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Extra attempts after a failure, for files whose own settings do not
    /// say (`--retries`).
    pub retries: u32,
    /// The base delay before a retry.
    pub delay: Duration,
    /// How the delay grows.
    pub backoff: Backoff,
    /// The longest delay exponential backoff gives.
    pub max_delay: Duration,
    /// The jitter's seed.
    pub seed: u64,
}

impl Default for RetryPolicy {
    /// No retries, no delay.
    fn default() -> RetryPolicy {
        RetryPolicy {
            retries: 0,
            delay: Duration::ZERO,
            backoff: Backoff::Fixed,
            max_delay: DEFAULT_MAX_DELAY,
            seed: 0,
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `next` (2 for the first retry) of unit
    /// `unit` (its plan index, so files retried together get different
    /// jitter). Pure.
    pub fn delay(&self, unit: usize, next: u32) -> Duration {
        if self.delay.is_zero() {
            return Duration::ZERO;
        }
        match self.backoff {
            Backoff::Fixed => self.delay,
            Backoff::Exponential => {
                let retry = next.saturating_sub(1).max(1);
                let factor = 1u32 << (retry - 1).min(20);
                let full = self.delay.saturating_mul(factor).min(self.max_delay);
                let half = full / 2;
                let random = splitmix(self.seed ^ (unit as u64).rotate_left(32) ^ u64::from(next));
                // A fraction of the other half, in 1/65536ths.
                let jitter = half.mul_f64((random & 0xffff) as f64 / 65536.0);
                half + jitter
            }
        }
    }
}

/// One step of SplitMix64: a well-mixed 64-bit value from `x`.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(backoff: Backoff, delay_ms: u64) -> RetryPolicy {
        RetryPolicy {
            retries: 3,
            delay: Duration::from_millis(delay_ms),
            backoff,
            max_delay: Duration::from_secs(1),
            seed: 42,
        }
    }

    #[test]
    fn no_delay_means_none_whatever_the_backoff() {
        for backoff in [Backoff::Fixed, Backoff::Exponential] {
            assert_eq!(policy(backoff, 0).delay(3, 2), Duration::ZERO);
        }
    }

    #[test]
    fn a_fixed_delay_is_the_same_before_every_retry() {
        let p = policy(Backoff::Fixed, 200);
        for next in 2..6 {
            assert_eq!(p.delay(0, next), Duration::from_millis(200));
        }
    }

    #[test]
    fn exponential_doubles_with_jitter_within_half_and_caps() {
        let p = policy(Backoff::Exponential, 100);
        for (next, full) in [(2, 100), (3, 200), (4, 400), (5, 800), (6, 1000), (9, 1000)] {
            let full = Duration::from_millis(full);
            let d = p.delay(7, next);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {next}: {d:?} not in [{:?}, {full:?}]",
                full / 2
            );
        }
    }

    #[test]
    fn the_jitter_is_reproducible_from_the_seed_and_differs_between_units() {
        let p = policy(Backoff::Exponential, 1000);
        assert_eq!(p.delay(1, 2), p.delay(1, 2));
        let delays: std::collections::BTreeSet<Duration> = (0..8).map(|u| p.delay(u, 2)).collect();
        assert!(delays.len() > 4, "jitter spreads units: {delays:?}");
        let other = RetryPolicy { seed: 43, ..p };
        assert_ne!(
            (0..8).map(|u| p.delay(u, 2)).collect::<Vec<_>>(),
            (0..8).map(|u| other.delay(u, 2)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn backoff_names_read_back() {
        for b in [Backoff::Fixed, Backoff::Exponential] {
            assert_eq!(b.to_string().parse::<Backoff>(), Ok(b));
        }
        assert!("linear".parse::<Backoff>().is_err());
    }
}
