//! The shared work queue (`--queue redis://HOST:PORT --queue-run ID`):
//! several machines of one CI job pull the next unit in plan order from a
//! Redis server until the suite is done; `ptest merge --queue` writes one
//! report for the whole run.
//!
//! The pure admission rules stay in [`crate::plan::queue`]'s spirit; only
//! the shared state — what is ready, leased, done — lives on the server,
//! changed by one Lua script per state change ([`scripts`]), so each change
//! is atomic. The dispatcher asks [`admit::Remote`] through the
//! [`crate::run::admit::Admit`] trait, as it asks the local queue.
//!
//! # Keys (all `ptest:{RUN}:NAME`, expiring `--queue-ttl` after the last write)
//!
//! | key | type | holds |
//! |---|---|---|
//! | `seed` | string | the seed lock (`SET NX PX 30000`): who builds the plan |
//! | `plan` | string | the plan as JSON: units in plan order with id, path, content hash |
//! | `meta` | hash | queue index → `weight\|exclusive\|group\|rank` |
//! | `dependents` | hash | index → indices that depend on it |
//! | `unmet` | hash | index → dependencies not passed yet (waiting units) |
//! | `ready` | sorted set | ready indices, scored by rank (plan order) |
//! | `leases` | hash | index → `MACHINE#N[\|GROUP:SLOT]` (the lease token) |
//! | `deadlines` | sorted set | leased index → deadline (server ms) |
//! | `gcount` | hash | group → members running; `cap:GROUP` → max-threads |
//! | `gslots` | hash | `GROUP:SLOT` → index holding that group slot |
//! | `done` | hash | index → its result (the file's JSON summary) |
//! | `state` | hash | index → `pass`, `fail`, `bail`, `skip:asked` or `skip:DEP` |
//! | `expired` | hash | index → how often its lease expired |
//! | `machines` | hash | machine → `{"slots": N}` |
//! | `stopped` | string | set by a bail out: nothing more is leased |
//! | `ended` | string | server time of the last acknowledgement |
//! | `acks` | hash | `ignored` → acknowledgements refused (expired leases) |
//!
//! # States and rules
//!
//! A unit is *waiting* (in `unmet`), *ready* (in `ready`), *leased* (in
//! `leases`) or *final* (in `state`). Seeding puts units without
//! dependencies in `ready`, skipped ones in `state`. Leasing takes the
//! best-ranked ready unit this machine may start: a group at its
//! max-threads holds back only its own members (max-threads is global to
//! the run); a unit heavier than the machine's free slots, or an exclusive
//! unit while the machine runs anything, makes the machine wait (it is not
//! overtaken on that machine; exclusive means alone on its machine).
//! A lease lasts `--queue-lease`; a thread renews it every third of that
//! while the unit runs (and while a retry waits). Every script first
//! returns leases past their deadline to `ready` (server time). An
//! acknowledgement whose token is not the lease's current one (expired,
//! reclaimed, maybe run elsewhere) is ignored, so nothing counts twice. A
//! passing unit decrements its dependents' `unmet`; a failing one skips
//! them (recursively). A machine stops when nothing is ready or leased.
pub mod admit;
pub mod config;
pub mod merge;
pub mod run;
pub mod scripts;
pub mod seed;
pub mod store;

pub use config::{redact, QueueArgs, QueueConfigError, QueueSettings};
pub use store::StoreError;

/// Why a queue run or merge cannot go on (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The server does not answer (at the start).
    #[error("cannot use the work queue: {0}")]
    Unreachable(#[from] StoreError),
    /// This machine's units differ from the queue's plan.
    #[error("this checkout differs from the plan on the queue (seeded by {seeded_by}): {count} file{} differ: {files}; refusing to take work", if *count == 1 { "" } else { "s" })]
    Mismatch {
        /// The seeding machine.
        seeded_by: String,
        /// How many differ.
        count: usize,
        /// The first few, each with how it differs.
        files: String,
    },
    /// Nobody seeded the run in time.
    #[error("no plan was put on the queue within --queue-timeout {waited}")]
    NoSeed {
        /// The timeout.
        waited: String,
    },
    /// The plan on the queue cannot be read.
    #[error("the plan on the queue cannot be read: {0}")]
    BadPlan(String),
    /// The plan cannot be put on the queue.
    #[error("the plan cannot be put on the queue: {0}")]
    Plan(String),
    /// Options that a queue run does not support.
    #[error("{0} cannot be used with --queue")]
    Unsupported(&'static str),
    /// The merge found no such run.
    #[error("queue {url} has no run `{run}` (never seeded, or its keys expired)")]
    NoRun {
        /// The server, redacted.
        url: String,
        /// The run id.
        run: String,
    },
}
