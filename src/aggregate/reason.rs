//! Bounded reason texts: the one place that writes a file's "failed tests"
//! reason, so the console, the JSON `reasons` and the JUnit messages (which
//! all show [`crate::outcome::UnitSummary::reasons`]) stay short however many tests
//! failed: `failed tests 1, 3, 5, … and 49,990 more`.

/// Failing TAP test numbers named in a reason; the rest are counted.
pub const MAX_NUMBERED_FAILURES: usize = 10;

/// Failing JUnit test cases named in a reason (names are longer than
/// numbers); the rest are counted.
pub const MAX_NAMED_FAILURES: usize = 5;

/// TAP problems (out-of-sequence tests, …) kept as reasons; the rest are
/// counted in one more reason.
pub const MAX_PROBLEMS: usize = 10;

/// How failing tests are labelled in [`failed_tests`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// TAP test numbers: `failed tests 1, 3`.
    Numbers,
    /// JUnit test case names, which may contain spaces: `failed tests: a, b`.
    Names,
}

impl Labels {
    fn limit(self) -> usize {
        match self {
            Labels::Numbers => MAX_NUMBERED_FAILURES,
            Labels::Names => MAX_NAMED_FAILURES,
        }
    }

    fn separator(self) -> &'static str {
        match self {
            Labels::Numbers => " ",
            Labels::Names => ": ",
        }
    }
}

/// `failed test 2`, `failed tests 1, 3, 5`, or with more than the limit
/// (see [`Labels`]) `failed tests 1, 2, …, 10, … and 49,990 more`. `labels`
/// are the failing tests in order (only the first few are read); `total` is
/// how many failed.
pub fn failed_tests(labels: impl IntoIterator<Item = String>, total: u64, kind: Labels) -> String {
    let shown: Vec<String> = labels.into_iter().take(kind.limit()).collect();
    let s = if total == 1 { "" } else { "s" };
    if shown.is_empty() {
        return format!("{} failed test{s}", thousands(total));
    }
    let more = total.saturating_sub(shown.len() as u64);
    let mut text = format!("failed test{s}{}{}", kind.separator(), shown.join(", "));
    if more > 0 {
        text.push_str(&format!(", … and {} more", thousands(more)));
    }
    text
}

/// The first [`MAX_PROBLEMS`] problems, then `… and N more problems with
/// the TAP stream`.
pub fn capped_problems(problems: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = problems.iter().take(MAX_PROBLEMS).cloned().collect();
    let more = problems.len().saturating_sub(kept.len());
    if more > 0 {
        kept.push(format!(
            "… and {} more problem{} with the TAP stream",
            thousands(more as u64),
            if more == 1 { "" } else { "s" }
        ));
    }
    kept
}

/// `49990` → `49,990`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The reason of a file that never started.
pub fn not_run(reason: crate::outcome::NotRunReason) -> String {
    use crate::outcome::NotRunReason;
    match reason {
        NotRunReason::BailOut => "not run: an earlier file bailed out".to_string(),
        NotRunReason::Interrupted => "not run: the run was interrupted".to_string(),
        NotRunReason::MaxFail(n) => format!(
            "not run: the run stopped starting files after {n} failure{} (--fail-fast/--max-fail)",
            if n == 1 { "" } else { "s" }
        ),
        NotRunReason::UntilFail => "not run: a file failed (--until-fail)".to_string(),
        NotRunReason::GlobalTimeout(after) => format!(
            "not run: the global timeout ({}) expired",
            crate::util::duration::format_duration(after)
        ),
        NotRunReason::Unschedulable => {
            "not run: its scheduling constraints could never be met".to_string()
        }
    }
}

/// The reason of a file skipped because dependency `id` did not pass,
/// given what became of it (`None`: not known).
pub fn dependency(id: &str, verdict: Option<crate::outcome::Verdict>) -> String {
    use crate::outcome::Verdict;
    match verdict {
        Some(Verdict::Fail | Verdict::Timeout | Verdict::Error) | None => {
            format!("dependency {id} failed")
        }
        Some(Verdict::Skip) => format!("dependency {id} was skipped"),
        Some(Verdict::NotRun | Verdict::Interrupted) => format!("dependency {id} did not run"),
        Some(Verdict::Pass | Verdict::Flaky) => format!("dependency {id} did not pass"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(list: &[u64]) -> Vec<String> {
        list.iter().map(u64::to_string).collect()
    }

    #[test]
    fn few_failures_are_all_named() {
        assert_eq!(
            failed_tests(numbers(&[2]), 1, Labels::Numbers),
            "failed test 2"
        );
        assert_eq!(
            failed_tests(numbers(&[1, 3, 5]), 3, Labels::Numbers),
            "failed tests 1, 3, 5"
        );
        assert_eq!(
            failed_tests(["a b".to_string()], 1, Labels::Names),
            "failed test: a b"
        );
    }

    #[test]
    fn many_failures_are_capped_and_counted() {
        let odd: Vec<u64> = (0..50_000).map(|i| 2 * i + 1).collect();
        let text = failed_tests(numbers(&odd), 50_000, Labels::Numbers);
        assert_eq!(
            text,
            "failed tests 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, … and 49,990 more"
        );
        let names = (1..=7).map(|i| format!("t{i}"));
        assert_eq!(
            failed_tests(names, 7, Labels::Names),
            "failed tests: t1, t2, t3, t4, t5, … and 2 more"
        );
        assert_eq!(
            failed_tests(Vec::new(), 1_234, Labels::Names),
            "1,234 failed tests"
        );
    }

    #[test]
    fn problems_are_capped() {
        let problems: Vec<String> = (0..12).map(|i| format!("p{i}")).collect();
        let kept = capped_problems(&problems);
        assert_eq!(kept.len(), MAX_PROBLEMS + 1);
        assert_eq!(kept[9], "p9");
        assert_eq!(kept[10], "… and 2 more problems with the TAP stream");
        assert_eq!(capped_problems(&problems[..3]), problems[..3]);
    }

    #[test]
    fn thousands_separators() {
        for (n, want) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (49_990, "49,990"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(thousands(n), want);
        }
    }
}
