//! Outputs: the console, JUnit XML, the JSON summary, and the reports
//! read from the history (`ptest report flaky|slow`).

pub mod ci;
pub mod console;
pub mod escape;
pub mod explain;
pub mod github;
pub mod history_views;
pub mod html;
pub mod json;
pub mod junit;
pub mod live;
pub mod markdown;
pub mod progress;
pub mod repeat;
pub mod timeline;
pub mod trace;
pub mod views;
pub mod wrap;
pub mod write;
