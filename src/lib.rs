//! # ptest — a parallel test-suite runner
//!
//! ptest runs a test suite made of files (shell scripts, Perl `.t` files,
//! Python scripts, any executable), each in its own child process, many at
//! once, and reports what happened: per-file verdicts, per-test results
//! (TAP or exit code), a console summary, JUnit XML and a JSON summary.
//!
//! The crate is laid out as the pipeline it implements. Parsing is not a
//! step after the run: each worker thread of [`run`] reads its child's
//! output through [`parse`] (TAP from the stdout log, or the JUnit report
//! the child wrote) once the child has exited, and the parsed report
//! travels to [`aggregate`] inside the [`run::RunEvent`].
//!
//! ```text
//!            commands (main.rs → commands::run / commands::merge)
//!                 │  config: CLI > PTEST_* env > profile > [run] > default → Settings
//!                 ▼
//! discover ──► plan ──► run ─────────────────────► merge ──► report
//!    ▲          ▲        └ worker: parse (TAP/JUnit)   │
//!    │          └──── history ◄────────────────────────┘
//!    └ util: durations, JSON seconds, signal names, Shard, Order (used by all)
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`commands`] | one file per subcommand (`run`, `combine` = `ptest merge`), the exit-code rule, the one user-facing error |
//! | [`config`] | the command line (clap, no defaults), `ptest.toml` ([`config::file`]: `[run]`, profiles, runners, overrides, groups), [`config::settings`]: CLI > environment > profile > `[run]` > default, each value with its source |
//! | [`cargo`] | `ptest cargo`: building test binaries, listing their tests, one unit per test |
//! | [`unit`](mod@unit) | the unit of work ([`unit::Unit`]), its id, launcher and slot types |
//! | [`discover`] | walking paths, globs, choosing a launcher per file, `ptest:` headers, per-file settings |
//! | [`history`] | recorded durations and outcomes (`.ptest/history.json`) |
//! | [`plan`] | dispatch order, expected durations, shards, the admission queue and its simulation, the `--dry-run` view |
//! | [`run`] | launching units into slots, child processes, timeouts, signals, logs; workers call [`parse`] |
//! | [`parse`] | exit codes, TAP and JUnit XML into per-test results (no processes) |
//! | [`aggregate`] | per-file verdicts, totals, the [`aggregate::RunSummary`]; [`aggregate::shards`] combines shard summaries for `ptest merge`; [`aggregate::quarantine`] says which failures do not fail the run |
//! | [`report`] | console, JUnit XML, JSON, views several commands print ([`report::views`]), writing `--junit`/`--json` ([`report::write`]) |
//! | [`harness`] | files as libtest-mimic trials for `harness = false` cargo test targets, run through [`run::Session`] |
//! | [`util`] | small shared values and helpers that belong to no stage |
//! | [`testing`] | fixtures for tests ([`testing::SummaryFixture`]) |
//!
//! Two things are called "merge": the [`aggregate`] stage (one run's events →
//! its summary) and the `ptest merge` subcommand ([`commands::merge`],
//! several shards' summaries → one).
//!
//! Stages talk through plain data types: [`unit::Unit`] →
//! [`plan::Plan`] → [`run::RunEvent`] (carrying [`run::UnitRun`], with its
//! parsed TAP or JUnit report) → [`aggregate::RunSummary`].
//!
//! ## Example
//!
//! ```no_run
//! use ptest::{aggregate, discover, plan, run};
//!
//! let files = discover::discover(&discover::DiscoverOptions::new(vec!["tests".into()]))?;
//! let plan = plan::Plan::lexical(files, 4);
//! let options = run::RunOptions::new(4, ".ptest/runs".into());
//! let mut merger = aggregate::Aggregator::new(&plan);
//! let outcome = run::run(&plan, &options, |event| {
//!     merger.observe(&event);
//! })?;
//! let summary = merger.finish(&outcome);
//! println!("{} files, {} failed", summary.files.len(), summary.totals.files.failed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//! ## Example: file tests inside `cargo test`
//!
//! A `[[test]]` target with `harness = false` whose files become trials
//! (see [`harness`]):
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     ptest::harness::Suite::new("tests/scripts/*.t").runner("perl").run()
//! }
//! ```

#![warn(missing_docs)]

pub mod aggregate;
mod atomic;
pub mod cargo;
pub mod commands;
pub mod config;
pub mod discover;
pub mod harness;
pub mod history;
pub mod outcome;
pub mod parse;
pub mod plan;
pub mod report;
pub mod run;
pub mod testing;
pub mod unit;
pub mod util;
