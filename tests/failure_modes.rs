//! Each file of sample-suites/failure-modes/ as a trial asserting its verdict.
fn main() {}
