//! Outputs: the console, JUnit XML and the JSON summary.

pub mod console;
pub mod escape;
pub mod explain;
pub mod fit;
pub mod json;
pub mod junit;
pub mod progress;
pub mod views;
pub mod write;
