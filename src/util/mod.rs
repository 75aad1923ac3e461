//! Small shared things every stage may use: plain values and helpers that
//! belong to no one stage, so that stages do not import each other's.
//!
//! This module imports no stage (`config`, `discover`, `plan`, `run`,
//! `parse`, `aggregate`, `report`); they import it.
//!
//! | module | what |
//! |---|---|
//! | [`duration`] | the duration syntax (`1h30m`) and how durations are printed (`4m05s`) |
//! | [`id`] | unit ids: paths that are not UTF-8 escaped, and their serde form |
//! | [`time`] | durations as JSON seconds, RFC 3339 timestamps |
//! | [`signal`] | signal names (`SIGSEGV`) |
//! | [`shard`] | the [`Shard`](shard::Shard) type, `K/N` |
//! | [`path`] | paths with `.` and `..` resolved lexically (no file system) |
//! | [`order`] | the dispatch [`Order`](order::Order) |
//! | [`color`] | [`ColorWhen`](color::ColorWhen), `--color` |
//! | [`backoff`] | the delay before a retry: `--retry-delay`, `--retry-backoff` |
//! | [`limits`] | sizes (`2G`) and load averages for `--mem-budget`, `--load-limit` |
//! | [`logs`] | reading back the tail of a child's log file, made safe to print |

pub mod backoff;
pub mod color;
pub mod duration;
pub mod id;
pub mod limits;
pub mod logs;
pub mod order;
pub mod path;
pub mod shard;
pub mod signal;
pub mod time;
