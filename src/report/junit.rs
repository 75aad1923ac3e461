//! The `--junit` report (stub: being written).
