//! Quarantine on the console: the `QUARANTINED FAIL` label, the
//! summary's `Quarantined failures:` section and count, and the note on
//! the `Result:` line (see [`crate::aggregate::quarantine`]).

use super::{column_of, for_terminal, plural, Palette};
use crate::aggregate::quarantine::{excused, passing_while_quarantined};
use crate::outcome::{RunSummary, UnitSummary, Verdict};

/// `QUARANTINED FAIL` (`QUARANTINED TIMEOUT`, `QUARANTINED ERROR`) for a
/// file whose failure quarantine excuses; `None` otherwise.
pub(super) fn label(f: &UnitSummary) -> Option<String> {
    excused(f).then(|| format!("QUARANTINED {}", f.verdict.label()))
}

/// The widest [`label`] a file can get: `QUARANTINED TIMEOUT` when the
/// whole file is quarantined, `QUARANTINED FAIL` when some of its tests
/// are, 0 when neither.
pub(super) fn widest_label(file: bool, tests: bool) -> usize {
    let excusable: &[Verdict] = match (file, tests) {
        (true, _) => &[Verdict::Fail, Verdict::Timeout, Verdict::Error],
        (false, true) => &[Verdict::Fail],
        (false, false) => &[],
    };
    excusable
        .iter()
        .map(|v| "QUARANTINED ".len() + v.label().len())
        .max()
        .unwrap_or(0)
}

/// `Quarantined failures:` with one line per excused file, and a line
/// naming quarantined files that passed; empty when there are none.
pub(super) fn render_section(s: &RunSummary, p: &Palette) -> String {
    let mut out = String::new();
    let excused: Vec<&UnitSummary> = s.files.iter().filter(|f| excused(f)).collect();
    if !excused.is_empty() {
        out.push_str(&format!(
            "{}\n",
            p.bold
                .apply_to("Quarantined failures (reported, not failing the run):")
        ));
        let width = column_of(excused.iter().map(|f| f.verdict.label()));
        for f in &excused {
            let what = if f.quarantined {
                String::new()
            } else {
                format!(" (quarantined tests: {})", f.quarantined_tests.join(", "))
            };
            out.push_str(&format!(
                "  {} {}  {}\n",
                p.skip.apply_to(format!("{:<width$}", f.verdict.label())),
                for_terminal(&f.id),
                p.dim
                    .apply_to(for_terminal(&format!("{}{what}", f.reasons.join("; "))))
            ));
        }
        out.push('\n');
    }
    let passing: Vec<&str> = s
        .files
        .iter()
        .filter(|f| passing_while_quarantined(f))
        .map(|f| f.id.as_str())
        .collect();
    if !passing.is_empty() {
        out.push_str(&format!(
            "{} {}: consider un-quarantining\n\n",
            p.dim.apply_to("Quarantined but passing:"),
            passing
                .iter()
                .map(|id| for_terminal(id))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

/// `Quarantined: 2 files failed, 1 test failed (not counted)`, when any did.
pub(super) fn totals_line(s: &RunSummary) -> String {
    let (files, tests) = (s.totals.files.quarantined, s.totals.tests.quarantined);
    if files == 0 && tests == 0 {
        return String::new();
    }
    let mut parts = Vec::new();
    if files > 0 {
        parts.push(format!("{files} file{} failed", plural(files)));
    }
    if tests > 0 {
        parts.push(format!("{tests} test{} failed", plural(tests)));
    }
    format!("Quarantined: {} (not counted)\n", parts.join(", "))
}

/// `; quarantined, but it kept 2 files from running: t/b.sh, t/c.sh`
/// after the reasons of a quarantined file whose failure stopped other
/// units (so it fails the run); `None` for any other file.
pub(super) fn stopped_note(f: &UnitSummary) -> Option<String> {
    if f.stopped.is_empty() || !crate::aggregate::quarantine::excuses_own(f) {
        return None;
    }
    let n = f.stopped.len();
    let names: Vec<&str> = f
        .stopped
        .iter()
        .take(super::MAX_GROUPED_NAMES)
        .map(String::as_str)
        .collect();
    let more = n - names.len();
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Some(format!(
        "; quarantined, but it kept {n} file{} from running: {}{more}",
        plural(n),
        names.join(", ")
    ))
}

/// ` (2 quarantined failures)` after the result, when any file's failure
/// was excused.
pub(super) fn result_note(s: &RunSummary) -> String {
    match s.totals.files.quarantined {
        0 => String::new(),
        n => format!(" ({n} quarantined failure{})", plural(n)),
    }
}
