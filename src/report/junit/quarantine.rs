//! Quarantine in the JUnit report (see [`crate::aggregate::quarantine`]).
//!
//! - A quarantined test case (every case of a quarantined file, or a
//!   listed test) carries `<property name="ptest.quarantined"
//!   value="true"/>`; so does the `<testsuite>` of a quarantined file.
//! - A quarantined case that did not pass (`<failure>` or `<error>`) is
//!   written as `<skipped type="…" message="quarantined: MESSAGE">`, the
//!   failure's body (its diagnostics and the file's output tail) kept as
//!   the text: CI dashboards show it without counting a failure. The
//!   `(file)` case of a file whose failure quarantine excuses (a timeout,
//!   an error, a bad exit status) is written the same way.
//! - A failure quarantine does not excuse stays a failure: the `(file)`
//!   case of a file whose quarantined tests failed *and* that crashed,
//!   missed its plan or bailed out, or of a quarantined file whose failure
//!   kept other units from running, is a `<failure>`/`<error>`.

use crate::aggregate::quarantine::{case_quarantined, excused};
use crate::outcome::UnitSummary;
use quick_junit::{Property, TestCase, TestCaseStatus, TestSuite};

/// The property's name.
pub const PROPERTY: &str = "ptest.quarantined";

/// Marks the `<testsuite>` of a quarantined file.
pub(super) fn mark_suite(file: &UnitSummary, suite: &mut TestSuite) {
    if file.quarantined {
        suite.add_property(Property::new(PROPERTY, "true"));
    }
}

/// Marks test case `tc`: `key` is the case's history key, `None` for the
/// `(file)` case.
pub(super) fn mark_case(file: &UnitSummary, key: Option<&str>, tc: &mut TestCase) {
    let quarantined = match key {
        Some(key) => case_quarantined(file, key),
        None => excused(file),
    };
    if !quarantined {
        return;
    }
    tc.add_property(Property::new(PROPERTY, "true"));
    let TestCaseStatus::NonSuccess {
        message,
        ty,
        description,
        ..
    } = &tc.status
    else {
        return;
    };
    let reason = message.as_ref().map_or_else(
        || file.verdict.label().to_lowercase(),
        |m| m.as_str().to_string(),
    );
    let mut skipped = TestCaseStatus::skipped();
    skipped.set_message(format!("quarantined: {reason}"));
    if let Some(ty) = ty {
        skipped.set_type(ty.clone());
    }
    if let Some(body) = description {
        skipped.set_description(body.clone());
    }
    tc.status = skipped;
}

#[cfg(test)]
mod tests {
    use crate::outcome::{UnitSummary, Verdict};
    use crate::parse::{CaseStatus, Protocol};
    use crate::testing::{case, SummaryFixture};

    fn failing(id: &str) -> UnitSummary {
        let mut f = UnitSummary::not_run(id.into(), id.into(), "");
        f.verdict = Verdict::Fail;
        f.reasons = vec!["failed test 1".into()];
        f.protocol = Some(Protocol::Tap);
        f.attempts = 1;
        let mut bad = case(1, "flips", CaseStatus::Fail);
        bad.line = Some("not ok 1 - flips".into());
        f.cases = vec![bad, case(2, "solid", CaseStatus::Pass)];
        f.stdout_tail = "not ok 1 - flips\n".into();
        f
    }

    fn xml(files: Vec<UnitSummary>) -> String {
        let summary = SummaryFixture::new(files).build();
        super::super::junit_report(&summary).to_string().unwrap()
    }

    #[test]
    fn a_quarantined_failure_is_skipped_with_its_reason_and_output() {
        let mut file = failing("t/a.t");
        file.quarantined = true;
        let xml = xml(vec![file]);
        assert!(xml.contains(r#"failures="0""#), "{xml}");
        assert!(xml.contains(r#"skipped="1""#), "{xml}");
        assert!(
            xml.contains(r#"<skipped message="quarantined: not ok 1 - flips" type="tap">"#),
            "{xml}"
        );
        assert!(xml.contains("not ok 1 - flips\n"), "{xml}");
        // The suite and both cases carry the property.
        assert_eq!(
            xml.matches(r#"name="ptest.quarantined" value="true""#)
                .count(),
            3,
            "{xml}"
        );
    }

    #[test]
    fn a_listed_test_is_skipped_and_the_others_stay_as_they_are() {
        let mut file = failing("t/a.t");
        file.quarantined_tests = vec!["flips".into()];
        file.cases.push(case(3, "other", CaseStatus::Fail));
        let xml = xml(vec![file]);
        // `other` still fails; only `flips` is quarantined.
        assert!(xml.contains(r#"failures="1""#), "{xml}");
        assert!(
            xml.contains(r#"message="quarantined: not ok 1 - flips""#),
            "{xml}"
        );
        assert_eq!(xml.matches("ptest.quarantined").count(), 1, "{xml}");
    }

    #[test]
    fn a_quarantined_timeout_keeps_its_file_case_as_skipped() {
        let mut file = UnitSummary::not_run("t/hang.t".into(), "t/hang.t".into(), "");
        file.verdict = Verdict::Timeout;
        file.reasons = vec!["timed out after 2s".into()];
        file.quarantined = true;
        let xml = xml(vec![file]);
        assert!(xml.contains(r#"errors="0""#), "{xml}");
        assert!(
            xml.contains(
                r#"<skipped message="quarantined: timed out after 2s" type="timeout">timed out after 2s</skipped>"#
            ),
            "{xml}"
        );
    }
}
