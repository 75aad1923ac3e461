//! libtest-mimic integration for `harness = false` cargo test targets.
//! (stub: being written)
