//! # ptest — a parallel test-suite runner
//!
//! ptest runs a test suite made of files (shell scripts, Perl `.t` files,
//! Python scripts, any executable), each in its own child process, many at
//! once, and reports what happened: per-file verdicts, per-test results
//! (TAP or exit code), a console summary, JUnit XML and a JSON summary.
//!
//! The crate is laid out as the pipeline it implements:
//!
//! ```text
//! discover ──► plan ──► run ──► parse ──► merge ──► report
//!    ▲          ▲                                   │
//!    └──── config / history ◄──────────────────────┘
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`config`] | command line, durations, settings |
//! | [`unit`] | the unit of work ([`unit::Unit`]), its id, launcher and slot types |
//! | [`discover`] | walking paths, globs, choosing a launcher per file |
//! | [`history`] | recorded durations and outcomes (`.ptest/history.json`) |
//! | [`plan`] | dispatch order, expected durations, shards, the admission queue |
//! | [`run`] | launching units into slots, child processes, timeouts, signals, logs |
//! | [`parse`] | exit codes and TAP into per-test results |
//! | [`merge`] | per-file verdicts, totals, the [`merge::RunSummary`] |
//! | [`report`] | console, JUnit XML, JSON |
//! | [`serde_time`] | durations as seconds and timestamps in JSON |
//!
//! Stages talk through plain data types: [`unit::Unit`] →
//! [`plan::Plan`] → [`run::RunEvent`] (carrying [`run::FileRun`]) →
//! [`merge::RunSummary`].
//!
//! ## Example
//!
//! ```no_run
//! use ptest::{discover, plan, run, merge};
//!
//! let files = discover::discover(&discover::DiscoverOptions::new(vec!["tests".into()]))?;
//! let plan = plan::Plan::lexical(files, 4);
//! let options = run::RunOptions::new(4, ".ptest/runs".into());
//! let mut merger = merge::Merger::new(&plan);
//! let outcome = run::run(&plan, &options, |event| {
//!     merger.observe(&event);
//! })?;
//! let summary = merger.finish(&outcome);
//! println!("{} files, {} failed", summary.files.len(), summary.totals.files.failed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod atomic;
pub mod config;
pub mod discover;
pub mod history;
pub mod merge;
pub mod parse;
pub mod plan;
pub mod report;
pub mod run;
pub mod serde_time;
pub mod testing;
pub mod unit;
