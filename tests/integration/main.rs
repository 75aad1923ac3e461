//! ptest's integration tests: one test binary (`cargo test --test
//! integration`), one module per behaviour. Nearly every test runs the real
//! `ptest` binary on real child processes in its own temporary directory
//! through the helpers in [`common`]; a few render fixed data (the snapshot
//! modules, `*views`).
//!
//! The tests of one binary run on threads of one process, so a test never
//! changes process-wide state (environment variables, the current
//! directory, signal dispositions): it hands such state to the child it
//! starts (`Command::env`, `Command::current_dir`, [`common::Suite`]).
//!
//! Run one behaviour with a filter, e.g. `cargo test --test integration
//! retries::` or `cargo test --test integration scheduling::sharding`.
//! The `harness = false` targets (`failure_modes`, `sample_suites`,
//! `harness_api`) are separate binaries.

mod common;

// How a file is found and run.
/// Batched runners (`batch = true`): several files per child, results
/// split back to files, crashes and timeouts rerun files alone.
mod batched_runners;
/// `ptest cargo` on a real cargo workspace (`tests/fixtures/cargo-ws`).
mod cargo_command;
/// `ptest.toml`, profiles, headers, runners, `ptest explain`.
mod config;
/// Discovery's hard cases: non-UTF-8 and control-character names,
/// unreadable paths, quoted globs.
mod discovery_edge_cases;
/// README.md and docs/ kept true: clap's options, every example command
/// and config block, links.
mod documentation;
/// Tests that misbehave and paths that are not what they seem: a FIFO at
/// `PTEST_JUNIT_FILE`, children leaving their process group, reports on
/// FIFOs/devices/symlinks, a full disk.
mod hostile_tests_and_paths;
/// The "JUnit XML written by the child" protocol (`$PTEST_JUNIT_FILE`).
mod junit_protocol;
/// Nothing a suite holds or prints is dropped or misread silently: ignore
/// files, empty globs, TAP without a plan, long TAP streams, pytest files,
/// UTF-16 JUnit, duplicate header keys.
mod nothing_dropped_silently;
/// Property tests of the parsers (TAP, JUnit, history, durations).
mod parser_properties;
/// pytest-style files run through pytest; symlinked directories and loops.
mod pytest_files_and_symlinks;
/// Discovery, runners per language, timeouts, leaked processes, the
/// child's environment, Perl library paths, the run directory.
mod running_files;

// What a run decides.
/// Verdicts and the summary.
mod verdicts {
    /// Whose failure a failure is: a quarantine entry excuses only what it
    /// names, a file stopped by the run is not its own failure.
    mod attribution;
    /// Misread results and rough edges: bats class names, pytest xfail,
    /// capped reasons, INTERRUPTED, NOT RUN lines, summary wording.
    mod edge_cases;
}
/// Quarantine: where it comes from, exit codes, every report.
mod quarantine;
/// Retries, FLAKY and its exit codes, attempts in every report.
mod retries;
/// The bundled sample suites against the tables of their READMEs.
mod sample_suite_readmes;
/// `--repeat N` and `--until-fail`.
mod stress;

// When and where a file runs.
/// Real parallelism at `-j N`, and Ctrl-C / SIGTERM stopping a run cleanly.
mod parallel_and_ctrl_c;
/// Scheduling: constraints, history order, shards.
mod scheduling {
    /// Constraints proven from logged timestamps; run-wide stops.
    mod constraints;
    /// History, slowest-first order, `--durations`, shards and `ptest
    /// merge`, the README's CI recipe.
    mod history_order;
    /// Shards planned one after another, partitions, merging shards.
    mod sharding;
}
/// The run directory, children dying with ptest, the `.ptest` state dir.
mod run_state;

/// `--queue`: several ptest processes sharing a Redis work queue (a real
/// `redis-server` on a loopback port).
mod work_queue;

// What a run shows and writes.
/// The console.
mod console_output {
    /// The colour and progress-bar decision; per-file and summary lines on
    /// a pipe and on a pseudo-terminal.
    mod colour_and_lines;
    /// Aligned verdict columns, totals as a sentence, Rust panics, copyable
    /// log paths and the messages a new user tripped on.
    mod polish;
    /// `--slow`: live SLOW lines.
    mod slow_lines;
    /// Nothing wider than a fixed-width terminal.
    mod terminal_width;
    /// Snapshots of the file line, failure details, summary, `--list`,
    /// `--dry-run` and the notes (`snapshots/`).
    mod views;
}
/// Reports: the JSON, JUnit, HTML and CI outputs, and `ptest report`.
mod reports {
    /// GitHub Actions annotations, the Markdown summary, `--shard auto`.
    mod ci_outputs;
    /// `ptest report flaky|slow` and `--failed` on real histories.
    mod flaky_and_slow;
    /// Snapshots of `ptest report flaky|slow` (`snapshots/`).
    mod flaky_and_slow_views;
    /// `--html`, `--trace`, `ptest report html|trace` (headless Chromium).
    mod html_and_trace;
    /// The JSON summary's schema.
    mod json_schema;
    /// The JUnit report read back by a real consumer (junitparser).
    mod junit_consumers;
}
