//! The bundled sample suites as `cargo test` trials, through ptest's own
//! harness API ([`ptest::harness`]): one trial per file of
//! `sample-suites/demo`, named by its file id, e.g.
//!
//! ```text
//! cargo test --test sample_suites -- perl/      # the Perl files
//! cargo test --test sample_suites -- --list
//! cargo nextest run --test sample_suites
//! ```
//!
//! Every file passes, except `perl/windows-only.t`, which skips itself
//! (an ignored trial, with its reason). `sample-suites/failure-modes` is in
//! `tests/failure_modes.rs`, which expects each file's failure.

use std::time::Duration;

fn main() -> std::process::ExitCode {
    ptest::harness::Suite::new("sample-suites/demo")
        .timeout(Duration::from_secs(60))
        .state_dir(env!("CARGO_TARGET_TMPDIR"))
        .run()
}
