//! Outputs: the console, JUnit XML and the JSON summary.

pub mod console;
pub mod escape;
pub mod json;
pub mod junit;
