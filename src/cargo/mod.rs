//! `ptest cargo`'s own stage: building a workspace's test binaries,
//! listing their tests and making one [`crate::unit::Unit`] per test.
//!
//! ```text
//! build (cargo metadata; cargo test --no-run --message-format=json-render-diagnostics)
//!   └► TestBinary (executable, binary id, package, environment)
//!        └► list (BIN --list --format terse [--ignored], in parallel)
//!             └► units (filters, --run-ignored) ─► plan ─► run ─► …
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`build`](mod@build) | running cargo, reading its JSON messages into [`build::TestBinary`]s |
//! | [`env`](mod@env) | the environment cargo gives a test ([`env::test_env`]) |
//! | [`list`](mod@list) | listing each binary's tests, filtering them, making units |
//!
//! Doctests are not run: they are not test binaries (`cargo test --doc`
//! runs them). After this stage a Rust test is a unit like any other: its
//! id is `BINARY-ID TEST-PATH` (nextest's binary ids: `crate`,
//! `crate::bin/NAME`, `crate::NAME` for an integration test,
//! `crate::example/NAME`, `crate::bench/NAME`), the first space keeping the
//! two apart (a binary id never holds a space, a libtest-mimic test name
//! may; `crate::NAME` and a test
//! path both hold `::`).

pub mod build;
pub mod env;
pub mod list;

pub use build::{build, BuildError, BuildOptions, TestBinary};
pub use list::{list, units, Filters, ListError, Listed, RunIgnored};

/// Why `ptest cargo` has no tests to run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    /// Building failed (cargo's diagnostics were shown).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A binary's tests could not be listed.
    #[error(transparent)]
    List(#[from] ListError),
    /// An option that chooses or starts test files was given to
    /// `ptest cargo`, which runs Rust tests.
    #[error("{option} chooses or starts test files; `ptest cargo` runs Rust tests (filter them with FILTER, --exact or --skip)")]
    FileOption {
        /// The option, as typed (`--exec`).
        option: &'static str,
    },
    /// A libtest option after `--` that `ptest cargo` does not take (or
    /// one given without its value).
    #[error("`{option}` after `--`: {why}")]
    TestOption {
        /// The option, as typed (`--test-threads=1`).
        option: String,
        /// Why it is refused, and what to use instead.
        why: String,
    },
}
