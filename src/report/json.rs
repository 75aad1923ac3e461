//! The `--json` summary (stub: being written).
