//! `--quarantine-flaky RATE`: before the run, quarantine (for this run
//! only) the files and tests the history's flaky report shows flipping at
//! or above RATE, and say which, one line each.
//!
//! The flaky report is [`crate::history::flaky`]'s (at least
//! [`DEFAULT_MIN_RUNS`] runs; a file or test that only ever failed is
//! broken, not flaky, and is never listed). A sharded run may use it too:
//! it changes verdicts, not the partition.

use crate::config::quarantine::Rate;
use crate::config::settings::DEFAULT_MIN_RUNS;
use crate::history::flaky::{flaky, FlakyEntry, FlakyReport};
use crate::history::History;
use crate::unit::Unit;

/// Quarantines the flaky files and tests of `history` in `units` (see the
/// module docs) and returns the lines to print, one per entry. `given` is
/// how the rate was set (`command line`, `ptest.toml:3 [run]`).
pub fn apply(history: &History, rate: Rate, given: &str, units: &mut [Unit]) -> Vec<String> {
    apply_report(&flaky(history, DEFAULT_MIN_RUNS), rate, given, units)
}

/// [`apply`], or the one line saying why nothing was quarantined: no
/// history to read (`None`), or nothing in it flips that often.
pub fn announce(
    history: Option<&History>,
    rate: Rate,
    given: &str,
    units: &mut [Unit],
) -> Vec<String> {
    let Some(history) = history else {
        return vec![format!(
            "ptest: warning: --quarantine-flaky {rate} ({given}) needs the history, which is off or unreadable: nothing quarantined"
        )];
    };
    let lines = apply(history, rate, given, units);
    if lines.is_empty() {
        return vec![format!(
            "ptest: --quarantine-flaky {rate}: no file or test of this run flips that often in the history"
        )];
    }
    lines
}

/// [`apply`] on a flaky report already made.
pub fn apply_report(
    report: &FlakyReport,
    rate: Rate,
    given: &str,
    units: &mut [Unit],
) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in report.files.iter().chain(&report.tests) {
        // A rate read back from JSON may be a hair off: compare with slack.
        if entry.flip_rate + 1e-9 < rate.get() {
            continue;
        }
        let Some(unit) = units.iter_mut().find(|u| u.id.as_str() == entry.file) else {
            continue;
        };
        let origin = format!(
            "--quarantine-flaky {rate} ({given}): flip rate {} over {} runs",
            percent(entry.flip_rate),
            entry.runs
        );
        if quarantine(unit, entry, origin) {
            lines.push(format!(
                "ptest: quarantined for this run: {} (flip rate {} over {} runs, at or above {rate})",
                crate::report::escape::for_terminal(&entry.id()),
                percent(entry.flip_rate),
                entry.runs
            ));
        }
    }
    lines
}

/// Quarantines `entry` in `unit`, recording `origin` as the source;
/// false when it already was.
fn quarantine(unit: &mut Unit, entry: &FlakyEntry, origin: String) -> bool {
    let s = &mut unit.settings;
    let key = match &entry.test {
        None if s.quarantine => return false,
        None => {
            s.quarantine = true;
            "quarantine"
        }
        Some(test) if s.quarantine_tests.contains(test) => return false,
        Some(test) => {
            s.quarantine_tests.push(test.clone());
            "quarantine-tests"
        }
    };
    s.sources.retain(|(k, _)| k != key);
    s.sources.push((key.to_string(), origin));
    true
}

fn percent(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::quarantine::parse_rate;
    use crate::unit::Runner;

    fn entry(file: &str, test: Option<&str>, flip_rate: f64) -> FlakyEntry {
        FlakyEntry {
            file: file.into(),
            test: test.map(str::to_string),
            flip_rate,
            flips: 1,
            runs: 4,
            last_failure: None,
            attempts_needed: 1,
        }
    }

    fn unit(id: &str) -> Unit {
        Unit::file(id.into(), id.into(), Runner::Direct, None, 0)
    }

    #[test]
    fn quarantines_entries_at_or_above_the_rate_once() {
        let report = FlakyReport {
            files: vec![entry("t/a.t", None, 0.5), entry("t/b.t", None, 0.1)],
            tests: vec![entry("t/b.t", Some("flips"), 1.0 / 3.0)],
            below_min_runs: 0,
            min_runs: 2,
            files_seen: 3,
        };
        let mut units = vec![unit("t/a.t"), unit("t/b.t"), unit("t/c.t")];
        let rate = parse_rate("0.3333333333").unwrap();
        let lines = apply_report(&report, rate, "command line", &mut units);
        assert_eq!(
            lines,
            [
                "ptest: quarantined for this run: t/a.t (flip rate 50% over 4 runs, at or above 33.3%)",
                "ptest: quarantined for this run: t/b.t::flips (flip rate 33% over 4 runs, at or above 33.3%)",
            ]
        );
        assert!(units[0].settings.quarantine);
        assert!(!units[1].settings.quarantine);
        assert_eq!(units[1].settings.quarantine_tests, ["flips"]);
        assert!(units[0].settings.sources[0]
            .1
            .starts_with("--quarantine-flaky 33.3% (command line): flip rate 50%"));
        // Already quarantined: nothing more to say.
        assert!(apply_report(&report, rate, "command line", &mut units).is_empty());
    }
}
