//! Results as plain data: what a run came to, and nothing that computes it.
//!
//! The leaf every later stage shares. [`crate::run`] reports what happens
//! as [`RunEvent`]s, each finished attempt a [`UnitRun`] (how the child
//! ended, [`ChildStatus`], and what was read from its output,
//! [`ParsedReport`]), or why a unit never started ([`NotRunReason`],
//! [`SkipCause`]);
//! [`crate::aggregate`] turns that into a [`Verdict`] per attempt
//! ([`AttemptRecord`]) and per unit ([`UnitSummary`]) and into the
//! [`RunSummary`] with its [`Totals`]; [`crate::history`] records them and
//! [`crate::report`] prints them. This module imports none of those stages:
//! only the per-test results of [`crate::parse`], the unit's noun from
//! [`crate::unit`] and [`crate::util`]. The rules that fill these types in
//! (`Totals::of`, the verdict decision, FLAKY) live in [`crate::aggregate`].
//!
//! | file | holds |
//! |---|---|
//! | [`verdict`] | [`Verdict`] |
//! | [`child`] | [`ChildStatus`], [`NotRunReason`], [`SkipCause`] |
//! | [`unit_run`] | [`UnitRun`]: one finished attempt as the run reports it; [`ParsedReport`], [`LogFile`], [`JunitFile`], [`Usage`] |
//! | [`event`] | [`RunEvent`], [`RunOutcome`] |
//! | [`attempt`] | [`AttemptRecord`]: one attempt in `attempt_results` |
//! | [`unit`](mod@unit) | [`UnitSummary`]: one unit's entry in `files` |
//! | [`summary`] | [`RunSummary`], [`Totals`], the `--repeat` report, [`SUMMARY_VERSION`] |

pub mod attempt;
pub mod child;
pub mod event;
pub mod summary;
pub mod unit;
pub mod unit_run;
pub mod verdict;

pub use attempt::AttemptRecord;
pub use child::{ChildStatus, NotRunReason, SkipCause};
pub use event::{RunEvent, RunOutcome};
pub use summary::{
    BailOut, PartitionRecord, RepeatReport, RepeatRow, RunSummary, SplitKind, TestTotals, Totals,
    UnitTotals, SUMMARY_VERSION,
};
pub use unit::UnitSummary;
pub use unit_run::{JunitFile, LogFile, ParsedReport, UnitRun, Usage};
pub use verdict::Verdict;
