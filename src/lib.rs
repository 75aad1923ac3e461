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
//! travels to [`aggregate`] inside the [`outcome::RunEvent`]. What a run comes
//! to is plain data in [`outcome`], which every later stage imports and
//! which imports none of them. `docs/architecture.md` has the module map
//! and where each behaviour lives.
//!
//! ```text
//!            commands (main.rs → commands::run / commands::merge / …)
//!                 │  config: CLI > PTEST_* env > profile > [run] > default → Settings
//!                 ▼
//! discover ──► plan ──► run ─────────────────────► aggregate ──► report
//!    ▲          ▲        └ worker: parse (TAP/JUnit)    │
//!    │          └──── history ◄─────────────────────────┘
//!    │   outcome: RunEvent, UnitRun, Verdict, UnitSummary, RunSummary (data, used by run…report)
//!    └ util: durations, JSON seconds, ids, signal names, Shard, Order (used by all)
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`commands`] | one entry per subcommand (`run`, `merge` = `ptest merge`, `cargo`, `report`, `explain`, `completions`), the exit-code rule, the one user-facing error |
//! | [`config`] | the command line (clap, no defaults), `ptest.toml` ([`config::file`]: `[run]`, profiles, runners, overrides, groups), [`config::layer`]: a layer of values with their sources, [`config::settings`]: CLI > environment > profile > `[run]` > default |
//! | [`cargo`] | `ptest cargo`: building test binaries, listing their tests, one unit per test, their environment |
//! | [`unit`](mod@unit) | the unit of work ([`unit::Unit`]), its id, its [`unit::Runner`] (how a file is started, from `[[runner]]`) and slot types |
//! | [`discover`] | walking paths, globs, choosing a runner per file, `ptest:` headers, per-file settings |
//! | [`history`] | recorded durations and outcomes (`.ptest/history.json`), flaky and slow reports |
//! | [`plan`] | dispatch order, expected durations, shards, the admission queue and its simulation, the `--dry-run` view |
//! | [`run`] | the launcher (unit → command), slots, child processes, deadlines, ptest's signals (`run/signals.rs`), the run directory, sessions; workers call [`parse`] |
//! | [`parse`] | exit codes, TAP, JUnit XML and libtest output into per-test results (no processes) |
//! | [`outcome`] | results as data: [`outcome::RunEvent`] and each finished attempt ([`outcome::UnitRun`], its [`outcome::ParsedReport`]), [`outcome::Verdict`], [`outcome::UnitSummary`], [`outcome::AttemptRecord`], [`outcome::RunSummary`], [`outcome::ChildStatus`]; imports no stage |
//! | [`aggregate`] | run events → per-unit verdicts ([`aggregate::decide`]), FLAKY across attempts ([`aggregate::flaky`]), totals, the run summary; [`aggregate::shards`] combines shard summaries for `ptest merge`; [`aggregate::quarantine`] says which failures do not fail the run |
//! | [`report`] | console, JUnit XML, JSON, HTML, Markdown, GitHub, views several commands print ([`report::views`]), writing `--junit`/`--json` ([`report::write`]) |
//! | [`harness`] | files as libtest-mimic trials for `harness = false` cargo test targets, run through [`run::Session`] |
//! | [`util`] | small shared values and helpers that belong to no stage (durations, ids, log tails, …) |
//! | [`testing`] | fixtures for tests ([`testing::SummaryFixture`]) |
//!
//! Stages talk through plain data types: [`unit::Unit`] →
//! [`plan::Plan`] → [`outcome::RunEvent`] (carrying [`outcome::UnitRun`], with its
//! [`outcome::ParsedReport`]: TAP, JUnit, libtest or none) → [`outcome::RunSummary`].
//!
//! ## Example
//!
//! ```no_run
//! use ptest::{aggregate, discover, plan, run};
//!
//! let files = discover::discover(&discover::DiscoverOptions::new(vec!["tests".into()]))?;
//! let plan = plan::Plan::lexical(files, 4);
//! let options = run::RunOptions::new(4, ".ptest/runs".into());
//! let mut aggregator = aggregate::Aggregator::new(&plan);
//! let completed = run::run(&plan, &options, |event| {
//!     aggregator.observe(&event);
//! })?;
//! let summary = aggregator.finish(&completed.outcome);
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
pub mod queue;
pub mod report;
pub mod run;
pub mod testing;
pub mod unit;
pub mod util;
