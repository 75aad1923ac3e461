//! Recorded durations and outcomes (`.ptest/history.json`).
//! (stub: being written)
