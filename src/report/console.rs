//! Console output (stub: being written).
