//! Splitting a batch's one result into one result per file.
//!
//! A batch ([`crate::plan::Batch`]) is one child for several files; the
//! dispatcher hands its finished attempt here, and from here on every
//! stage sees the files' own results, as if each had run alone.
//!
//! # The rule
//!
//! * The batch's JUnit report is read once per file, keeping the cases
//!   [`crate::parse::junit::case_owner`] gives that file (by the case's
//!   `file` attribute, else its `classname`'s module path, as pytest writes
//!   it). A file with cases gets them as its report, an exit status of its
//!   own (0 when none of its cases failed, else 1), and a share of the
//!   batch's wall time (and CPU time) in proportion to its cases' times
//!   (evenly when the report has no times). Its logs are the batch's logs:
//!   kept once, referenced by every file of the batch.
//! * A file without cases — the batch crashed, timed out, wrote no report
//!   or simply did not report it — is *unfinished*: it runs again on its
//!   own ([`Piece::Alone`]), with the reason, to find the file at fault (as
//!   pytest-xdist replaces a crashed worker).
//! * A batch whose end its report does not explain — killed by a signal or
//!   timed out after writing it, exit 1 with no failing case, or any other
//!   non-zero exit —
//!   has every file run again on its own: a clean case is no pass when the
//!   child crashed after it, and only running alone finds the file at
//!   fault.
//! * A batch that could not start, was interrupted or was stopped by the
//!   global timeout gives every file that same end (running them alone
//!   would not help, or the run is stopping).
//! * A file of a batched runner that ran alone and whose report, read
//!   without trouble, has no case for it is an ERROR, not a PASS.
//!
//! Units of other runners pass through untouched.

use crate::outcome::ChildStatus;
use crate::outcome::{JunitFile, ParsedReport, UnitRun, Usage};
use crate::parse::junit::{self, JunitReport};
use crate::parse::Protocol;
use crate::plan::Plan;
use crate::util::duration::format_duration;
use std::time::Duration;

/// One file's part of a finished unit.
#[derive(Debug)]
pub enum Piece {
    /// Its result (its `index` is the file's entry).
    Done(Box<UnitRun>),
    /// It has no result: run it again on its own.
    Alone {
        /// The file's entry.
        index: usize,
        /// Why, for the report (`its batch of 4 files was killed by SIGABRT`).
        reason: String,
    },
}

/// The pieces of finished unit `run.index` of `plan` (see the module docs).
pub fn split(plan: &Plan, mut run: Box<UnitRun>) -> Vec<Piece> {
    let unit = plan.unit(run.index);
    if unit.settings.batch.is_none() {
        return vec![Piece::Done(run)];
    }
    let members = plan.members(run.index);
    if run.index < plan.entries.len() {
        no_cases_is_an_error(&mut run);
        return vec![Piece::Done(run)];
    }
    let whole = matches!(
        run.status,
        ChildStatus::SpawnFailed { .. }
            | ChildStatus::Interrupted
            | ChildStatus::GlobalTimeout { .. }
    );
    if whole {
        let share = run.duration / u32::try_from(members.len()).unwrap_or(u32::MAX);
        return members
            .iter()
            .map(|&m| {
                let mut piece = run.clone();
                piece.index = m;
                piece.duration = share;
                Piece::Done(piece)
            })
            .collect();
    }
    let ids: Vec<&str> = members
        .iter()
        .map(|&m| plan.entries[m].file.id.as_str())
        .collect();
    let bytes = run
        .report
        .junit()
        .filter(|j| j.report.is_ok())
        .and_then(|j| std::fs::read(&j.path).ok());
    let reports: Vec<Option<JunitReport>> = (0..members.len())
        .map(|pos| {
            let bytes = bytes.as_deref()?;
            let mine = |key: &str| junit::case_owner(key, &ids) == Some(pos);
            junit::parse_bytes_where(bytes, ids[pos], &mine)
                .ok()
                .filter(|r| r.total() > 0)
        })
        .collect();
    let time = |r: &JunitReport| -> Duration { r.cases.iter().filter_map(|c| c.duration).sum() };
    let reported: Vec<&JunitReport> = reports.iter().flatten().collect();
    let total_time: Duration = reported.iter().map(|r| time(r)).sum();
    let count = u32::try_from(reported.len().max(1)).unwrap_or(u32::MAX);
    let why = unfinished_reason(&run, members.len(), bytes.is_some());
    // A batch that crashed, timed out, or exited other than 0 or 1 (how
    // pytest and Jest say "tests failed") with a failure to show for it
    // ended for a reason its report does not give: a clean case of such a
    // batch is no pass (another file's failure must not hide a crash at
    // exit), and which file is at fault is found by running each alone.
    let explained = match run.status {
        ChildStatus::Exited { code: 0 } => true,
        ChildStatus::Exited { code: 1 } => reported.iter().any(|r| r.failed > 0),
        _ => false,
    };
    if !explained && !reported.is_empty() {
        let why = unexplained_reason(&run, members.len());
        return members
            .iter()
            .map(|&index| Piece::Alone {
                index,
                reason: format!("ran alone: {why}"),
            })
            .collect();
    }
    let junit_path = run.report.junit().map(|j| j.path.clone());
    let mut pieces = Vec::with_capacity(members.len());
    for (pos, report) in reports.into_iter().enumerate() {
        let index = members[pos];
        let Some(report) = report else {
            pieces.push(Piece::Alone {
                index,
                reason: format!("ran alone: {why}"),
            });
            continue;
        };
        let fraction = if total_time.is_zero() {
            1.0 / f64::from(count)
        } else {
            time(&report).as_secs_f64() / total_time.as_secs_f64()
        };
        let mut piece = run.clone();
        piece.index = index;
        piece.duration = run.duration.mul_f64(fraction);
        piece.usage = run.usage.map(|u| Usage {
            cpu: u.cpu.mul_f64(fraction),
            max_rss: u.max_rss,
        });
        piece.status = ChildStatus::Exited {
            code: i32::from(report.failed > 0),
        };
        piece.protocol = Protocol::Junit;
        piece.report = ParsedReport::Junit(JunitFile {
            path: junit_path.clone().unwrap_or_default(),
            kept: true,
            report: Ok(report),
        });
        pieces.push(Piece::Done(piece));
    }
    pieces
}

/// Why a batch's file has no result: the batch's end, and what it wrote.
fn unfinished_reason(run: &UnitRun, files: usize, report: bool) -> String {
    let batch = format!("its batch of {files} files");
    match &run.status {
        ChildStatus::Signaled { name, .. } => format!("{batch} was killed by {name}"),
        ChildStatus::TimedOut { after } => {
            format!("{batch} timed out after {}", format_duration(*after))
        }
        ChildStatus::Exited { code } if !report => {
            format!("{batch} exited with code {code} and wrote no JUnit report")
        }
        ChildStatus::Exited { code } => {
            format!("{batch} (exit code {code}) reported no test of this file")
        }
        ChildStatus::SpawnFailed { .. }
        | ChildStatus::Interrupted
        | ChildStatus::GlobalTimeout { .. } => format!("{batch} did not finish"),
    }
}

/// Why every file of a batch runs alone although the batch wrote results
/// for some: its end is not one its report explains.
fn unexplained_reason(run: &UnitRun, files: usize) -> String {
    let batch = format!("its batch of {files} files");
    match &run.status {
        ChildStatus::Exited { code: 1 } => {
            format!("{batch} exited with code 1 though its report has no failure")
        }
        ChildStatus::Exited { code } => format!("{batch} exited with code {code}"),
        _ => format!(
            "{} after writing its report",
            unfinished_reason(run, files, true)
        ),
    }
}

/// A file of a batched runner that ran alone, exited, and whose JUnit
/// report has no case: ERROR (nothing was tested), not PASS.
fn no_cases_is_an_error(run: &mut UnitRun) {
    let empty = run
        .report
        .junit()
        .is_some_and(|j| j.report.as_ref().is_ok_and(|r| r.total() == 0));
    if empty && matches!(run.status, ChildStatus::Exited { .. }) && run.output_error.is_none() {
        run.output_error = Some("its JUnit report has no test case for it".to_string());
    }
}
