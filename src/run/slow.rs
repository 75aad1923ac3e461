//! `--slow`: when a running unit has taken longer than the threshold, and
//! again at each multiple of it (as nextest prints `SLOW [> 60.000s]`).
//!
//! The dispatcher keeps, per running unit, the next mark (a multiple of the
//! threshold, counted from the unit's start) and wakes up at the earliest
//! one with its other deadlines, so watching for slow units costs no
//! polling. When it wakes late (it was busy), it reports the last mark
//! passed once, not every mark it missed.

use std::time::Duration;

/// The marks around `elapsed` for `threshold`: the largest multiple of the
/// threshold that `elapsed` has reached (`None` before the first), and the
/// next multiple to wake up for. A zero threshold never marks anything.
pub(crate) fn marks(
    threshold: Duration,
    elapsed: Duration,
) -> (Option<Duration>, Option<Duration>) {
    if threshold.is_zero() {
        return (None, None);
    }
    let passed = elapsed.as_nanos() / threshold.as_nanos();
    let at = |k: u128| u32::try_from(k).ok().and_then(|k| threshold.checked_mul(k));
    let reached = (passed > 0).then(|| at(passed)).flatten();
    (reached, at(passed + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn nothing_is_reached_before_the_threshold() {
        assert_eq!(marks(ms(300), ms(0)), (None, Some(ms(300))));
        assert_eq!(marks(ms(300), ms(299)), (None, Some(ms(300))));
    }

    #[test]
    fn each_multiple_is_reached_once_and_the_next_follows() {
        assert_eq!(marks(ms(300), ms(300)), (Some(ms(300)), Some(ms(600))));
        assert_eq!(marks(ms(300), ms(599)), (Some(ms(300)), Some(ms(600))));
        assert_eq!(marks(ms(300), ms(600)), (Some(ms(600)), Some(ms(900))));
    }

    #[test]
    fn a_late_wake_up_reports_only_the_last_mark_passed() {
        assert_eq!(marks(ms(300), ms(1000)), (Some(ms(900)), Some(ms(1200))));
        let minute = Duration::from_secs(60);
        assert_eq!(
            marks(minute, Duration::from_secs(185)),
            (
                Some(Duration::from_secs(180)),
                Some(Duration::from_secs(240))
            )
        );
    }

    #[test]
    fn a_zero_threshold_is_off() {
        assert_eq!(marks(Duration::ZERO, ms(5)), (None, None));
    }
}
