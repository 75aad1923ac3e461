//! FLAKY: the across-attempts rule: a file run more than once (`--retries`) gets
//! one verdict from all its attempts, each judged alone by
//! [`super::decide`].
//!
//! * The file's verdict is its **last** attempt's, except that a last
//!   attempt that passed after an earlier one failed or timed out makes it
//!   [`Verdict::Flaky`]. A file failing on every attempt stays FAIL (or
//!   TIMEOUT), with `attempts` saying how many there were.
//! * Everything else about the file (status, duration, cases, logs, tails)
//!   is its last attempt's; every attempt, last included, is kept in
//!   [`UnitSummary::attempt_results`] ([`AttemptRecord`]), with its own
//!   reasons, log paths, output tails and failed tests.
//! * **Flipped tests** ([`UnitSummary::flipped`]): for protocols that
//!   report tests (TAP, JUnit), the tests that failed in an earlier
//!   attempt and passed in the last. An exit-code file has none (its one
//!   "test" is the file).
//!
//! A file that ran once has no `attempt_results`: its own fields are its
//! one attempt, so summaries of runs without retries are unchanged.

use crate::outcome::{AttemptRecord, UnitSummary, Verdict};
use crate::parse::{CaseStatus, Protocol};

/// The file's summary after attempt `next`, given its summary after the
/// attempts before (`previous`, as this function or the judge left it):
/// see the module docs. Pure.
pub fn add_attempt(previous: UnitSummary, next: UnitSummary) -> UnitSummary {
    let mut records = if previous.attempt_results.is_empty() {
        vec![AttemptRecord::of(&previous)]
    } else {
        previous.attempt_results
    };
    records.push(AttemptRecord::of(&next));
    combine(records, next)
}

/// The file's summary from the records of all its attempts (first first,
/// `last`'s included) and its last attempt judged alone. Pure.
pub fn combine(records: Vec<AttemptRecord>, last: UnitSummary) -> UnitSummary {
    let earlier = &records[..records.len().saturating_sub(1)];
    let failed_before = earlier.iter().any(|r| r.verdict.is_failure());
    let mut file = last;
    if file.verdict == Verdict::Pass && failed_before {
        file.verdict = Verdict::Flaky;
        let failed: Vec<String> = earlier
            .iter()
            .filter(|r| r.verdict.is_failure())
            .map(|r| r.number.to_string())
            .collect();
        file.reasons.insert(
            0,
            format!(
                "passed on attempt {} after failing on attempt{} {}",
                file.attempts,
                if failed.len() == 1 { "" } else { "s" },
                failed.join(", ")
            ),
        );
    }
    file.flipped = flipped(earlier, &file);
    file.attempt_results = if records.len() > 1 {
        records
    } else {
        Vec::new()
    };
    file
}

/// The tests that failed in an earlier attempt and passed in `last`, in
/// `last`'s order, by their keys ([`crate::parse::case_keys`]: the
/// name, `#N` for a test with no name, so that it still shows its number).
fn flipped(earlier: &[AttemptRecord], last: &UnitSummary) -> Vec<String> {
    if last.protocol == Some(Protocol::ExitCode) {
        return Vec::new();
    }
    let failed_before: Vec<String> = earlier
        .iter()
        .flat_map(|r| crate::parse::case_keys(&r.failed_cases))
        .collect();
    let mut names: Vec<String> = Vec::new();
    let keys = crate::parse::case_keys(&last.cases);
    for (case, key) in last.cases.iter().zip(keys) {
        if case.status == CaseStatus::Pass && failed_before.contains(&key) && !names.contains(&key)
        {
            names.push(key);
        }
    }
    names
}

/// `FLAKY 2/3`, `FAIL 3/3`: the label with the attempts made out of at
/// most `total` (1 + the file's retries) when there were several, else the
/// plain label.
pub fn label_with_attempts(verdict: Verdict, attempts: u32, total: u32) -> String {
    if attempts > 1 {
        format!("{} {attempts}/{total}", verdict.label())
    } else {
        verdict.label().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::ChildStatus;
    use crate::parse::CaseResult;
    use std::time::Duration;

    fn case(name: &str, status: CaseStatus) -> CaseResult {
        CaseResult {
            number: None,
            name: name.into(),
            status,
            reason: None,
            diagnostics: String::new(),
            line: None,
            duration: None,
            ..Default::default()
        }
    }

    fn attempt(number: u32, verdict: Verdict, cases: Vec<CaseResult>) -> UnitSummary {
        let mut f = UnitSummary::not_run("t/a.t".into(), "t/a.t".into(), "");
        f.reasons = match verdict {
            Verdict::Pass => Vec::new(),
            _ => vec![format!("attempt {number} failed")],
        };
        f.verdict = verdict;
        f.attempts = number;
        f.protocol = Some(Protocol::Tap);
        f.cases = cases;
        f.stdout_tail = format!("out {number}\n");
        f
    }

    #[test]
    fn an_attempt_encodes_its_fields_as_the_file_does() {
        let mut f = attempt(2, Verdict::Fail, vec![case("a", CaseStatus::Fail)]);
        f.status = Some(ChildStatus::Exited { code: 1 });
        f.duration = Some(Duration::from_micros(1_250_001));
        f.started_at = Some(1_764_000_000.125);
        f.worker = Some(3);
        f.cpu = Some(Duration::from_millis(7));
        f.max_rss = Some(1 << 20);
        f.stdout_log = Some("runs/x/t%2Fa.t.2.stdout".into());
        f.stderr_log = Some("runs/x/t%2Fa.t.2.stderr".into());
        f.stderr_tail = "err\n".into();
        let file = serde_json::to_value(&f).unwrap();
        let record = serde_json::to_value(AttemptRecord::of(&f)).unwrap();
        let record = record.as_object().unwrap();
        let shared: Vec<&String> = record
            .keys()
            .filter(|k| !matches!(k.as_str(), "number" | "failed_cases"))
            .collect();
        assert_eq!(shared.len(), 12, "{record:?}");
        for key in shared {
            assert_eq!(record[key], file[key], "{key}");
        }
    }

    fn fold(attempts: Vec<UnitSummary>) -> UnitSummary {
        let mut it = attempts.into_iter();
        let first = it.next().unwrap();
        it.fold(first, add_attempt)
    }

    #[test]
    fn failed_then_passed_is_flaky_and_names_the_flipped_tests() {
        use CaseStatus::{Fail, Pass};
        let f = fold(vec![
            attempt(1, Verdict::Fail, vec![case("a", Pass), case("b", Fail)]),
            attempt(2, Verdict::Pass, vec![case("a", Pass), case("b", Pass)]),
        ]);
        assert_eq!(f.verdict, Verdict::Flaky);
        assert_eq!(f.attempts, 2);
        assert_eq!(f.flipped, ["b"]);
        assert_eq!(
            f.reasons,
            ["passed on attempt 2 after failing on attempt 1"]
        );
        let numbers: Vec<(u32, Verdict)> = f
            .attempt_results
            .iter()
            .map(|r| (r.number, r.verdict))
            .collect();
        assert_eq!(numbers, [(1, Verdict::Fail), (2, Verdict::Pass)]);
        assert_eq!(f.attempt_results[0].failed_cases[0].name, "b");
        assert_eq!(f.attempt_results[0].stdout_tail, "out 1\n");
    }

    #[test]
    fn a_flipped_test_with_no_name_shows_its_number() {
        use CaseStatus::{Fail, Pass};
        let numbered = |number: u64, status| CaseResult {
            number: Some(number),
            ..case("", status)
        };
        let f = fold(vec![
            attempt(1, Verdict::Fail, vec![numbered(1, Pass), numbered(2, Fail)]),
            attempt(2, Verdict::Pass, vec![numbered(1, Pass), numbered(2, Pass)]),
        ]);
        assert_eq!(f.flipped, ["#2"]);
    }

    #[test]
    fn failing_on_every_attempt_is_the_last_attempts_verdict() {
        let f = fold(vec![
            attempt(1, Verdict::Fail, vec![]),
            attempt(2, Verdict::Timeout, vec![]),
            attempt(3, Verdict::Fail, vec![]),
        ]);
        assert_eq!((f.verdict, f.attempts), (Verdict::Fail, 3));
        assert_eq!(f.reasons, ["attempt 3 failed"]);
        assert!(f.flipped.is_empty());
        assert_eq!(f.attempt_results.len(), 3);
    }

    #[test]
    fn a_timeout_then_a_pass_is_flaky_and_one_attempt_records_nothing_extra() {
        let f = fold(vec![
            attempt(1, Verdict::Timeout, vec![]),
            attempt(2, Verdict::Pass, vec![]),
        ]);
        assert_eq!(f.verdict, Verdict::Flaky);
        let once = fold(vec![attempt(1, Verdict::Pass, vec![])]);
        assert_eq!(once.verdict, Verdict::Pass);
        assert!(once.attempt_results.is_empty());
    }

    #[test]
    fn exit_code_files_have_no_flipped_tests() {
        let mut first = attempt(1, Verdict::Fail, vec![case("t/a.t", CaseStatus::Fail)]);
        first.protocol = Some(Protocol::ExitCode);
        let mut second = attempt(2, Verdict::Pass, vec![case("t/a.t", CaseStatus::Pass)]);
        second.protocol = Some(Protocol::ExitCode);
        let f = add_attempt(first, second);
        assert_eq!(f.verdict, Verdict::Flaky);
        assert!(f.flipped.is_empty());
    }

    #[test]
    fn labels_show_attempts_only_when_there_may_be_several() {
        assert_eq!(label_with_attempts(Verdict::Flaky, 2, 3), "FLAKY 2/3");
        assert_eq!(label_with_attempts(Verdict::Fail, 3, 3), "FAIL 3/3");
        assert_eq!(label_with_attempts(Verdict::Pass, 1, 1), "PASS");
        assert_eq!(label_with_attempts(Verdict::Pass, 1, 3), "PASS");
    }
}
