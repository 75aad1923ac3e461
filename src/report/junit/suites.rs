//! Grouping units into `<testsuite>`s: a unit with a
//! [`UnitSummary::suite`] (`ptest cargo`: its test binary's id) shares
//! that suite with the other units of the same name, in the order the
//! first of them comes; a unit without one is a suite of its own, as
//! [`super::file_suite`] writes it.
//!
//! In a shared suite every test case's `classname` and `file` are the
//! suite's name, names stay unique within it (as in one file's suite), and
//! a unit's file-level case (`(file)`: an ERROR, a SKIP without cases) is
//! named after the unit: its id without the suite's name (`tests::adds`
//! for `calc tests::adds`). `time` is the sum of the units' durations,
//! `timestamp` the earliest start.

use super::{file_suite, one_line, unique_name, FILE_CASE_NAME};
use crate::outcome::{RunSummary, UnitSummary};
use quick_junit::{TestSuite, XmlString};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// The suites of a run, in summary order.
pub(super) fn suites(summary: &RunSummary) -> Vec<TestSuite> {
    let mut order: Vec<Vec<&UnitSummary>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for file in &summary.files {
        match file.suite.as_deref() {
            None => order.push(vec![file]),
            Some(name) => match index.get(name) {
                Some(&i) => order[i].push(file),
                None => {
                    index.insert(name, order.len());
                    order.push(vec![file]);
                }
            },
        }
    }
    order
        .into_iter()
        .map(
            |files| match files.first().and_then(|f| f.suite.as_deref()) {
                Some(name) => shared_suite(name, &files),
                None => files
                    .first()
                    .map(|f| file_suite(f))
                    .unwrap_or_else(|| TestSuite::new("")),
            },
        )
        .collect()
}

/// One suite named `name` holding the cases of `files`.
fn shared_suite(name: &str, files: &[&UnitSummary]) -> TestSuite {
    let name = one_line(name);
    let mut suite = TestSuite::new(name.as_str());
    let mut used: HashSet<String> = HashSet::from([FILE_CASE_NAME.to_string()]);
    let mut time = Duration::ZERO;
    let mut timestamp: Option<(f64, XmlString)> = None;
    let mut outs: (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for file in files {
        let own = file_suite(file);
        time += file.duration.unwrap_or_default();
        if let (Some(at), Some(text)) = (file.started_at, own.extra.get("timestamp")) {
            if timestamp.as_ref().is_none_or(|(t, _)| at < *t) {
                timestamp = Some((at, text.clone()));
            }
        }
        let label = file
            .id
            .strip_prefix(name.as_str())
            .map(str::trim_start)
            .filter(|rest| !rest.is_empty())
            .unwrap_or(&file.id);
        for mut case in own.test_cases {
            let case_name = if case.name.as_str() == FILE_CASE_NAME {
                one_line(label)
            } else {
                case.name.to_string()
            };
            case.name = XmlString::new(unique_name(&mut used, case_name));
            case.set_classname(name.as_str());
            case.extra
                .insert(XmlString::new("file"), XmlString::new(name.as_str()));
            suite.add_test_case(case);
        }
        outs.0.extend(own.system_out.map(|s| s.to_string()));
        outs.1.extend(own.system_err.map(|s| s.to_string()));
    }
    suite.set_time(time);
    if let Some((_, text)) = timestamp {
        suite.extra.insert(XmlString::new("timestamp"), text);
    }
    suite
        .extra
        .insert(XmlString::new("file"), XmlString::new(name.as_str()));
    if !outs.0.is_empty() {
        suite.set_system_out(outs.0.join("\n"));
    }
    if !outs.1.is_empty() {
        suite.set_system_err(outs.1.join("\n"));
    }
    suite
}

#[cfg(test)]
mod tests {
    use crate::outcome::{UnitSummary, Verdict};
    use crate::parse::{CaseResult, CaseStatus};
    use crate::testing::SummaryFixture;

    fn test(id: &str, suite: Option<&str>, verdict: Verdict, case: Option<&str>) -> UnitSummary {
        let mut f = UnitSummary::not_run(id.into(), "bin".into(), "");
        f.verdict = verdict;
        f.reasons = Vec::new();
        f.suite = suite.map(str::to_string);
        f.duration = Some(std::time::Duration::from_millis(10));
        f.cases = case
            .map(|name| CaseResult {
                number: None,
                name: name.into(),
                status: CaseStatus::Pass,
                reason: None,
                diagnostics: String::new(),
                line: None,
                duration: None,
                ..Default::default()
            })
            .into_iter()
            .collect();
        f
    }

    #[test]
    fn units_of_one_suite_share_it_and_others_keep_their_own() {
        let summary = SummaryFixture::new(vec![
            test(
                "calc tests::a",
                Some("calc"),
                Verdict::Pass,
                Some("tests::a"),
            ),
            test("calc tests::b", Some("calc"), Verdict::Error, None),
            test("t/x.t", None, Verdict::Pass, Some("first")),
        ])
        .build();
        let report = super::super::junit_report(&summary);
        let names: Vec<&str> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["calc", "t/x.t"]);
        let calc = &report.test_suites[0];
        let cases: Vec<&str> = calc.test_cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(cases, ["tests::a", "tests::b"]);
        assert_eq!((calc.tests, calc.errors), (2, 1));
        assert!(calc
            .test_cases
            .iter()
            .all(|c| c.classname.as_ref().map(|n| n.as_str()) == Some("calc")));
        assert_eq!(calc.time, Some(std::time::Duration::from_millis(20)));
    }
}
