//! The `--json` summary: writing a [`RunSummary`] and reading it back.
//!
//! The file is pretty-printed JSON carrying a `version` field
//! ([`SUMMARY_VERSION`]). It is written atomically (a temporary file in the
//! same directory, then a rename), so a reader such as `ptest merge` never
//! sees half a file. Reading checks the version before anything else, so a
//! summary from a newer ptest is refused with a message that says so instead
//! of a confusing "missing field" error.

use crate::atomic::{write_atomically, AtomicWriteError};
use crate::outcome::{RunSummary, SUMMARY_VERSION};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why a JSON summary could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The directory to hold the summary could not be created.
    #[error("cannot create directory {} for the JSON summary", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The summary could not be written.
    #[error("cannot write JSON summary {}", path.display())]
    Write {
        /// The summary file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The summary could not be turned into JSON.
    #[error("cannot encode the summary as JSON for {}", path.display())]
    Encode {
        /// The summary file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// The summary file could not be read.
    #[error("cannot read JSON summary {}", path.display())]
    Read {
        /// The summary file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The file is not JSON at all.
    #[error("{} is not valid JSON (line {line}, column {column})", path.display())]
    NotJson {
        /// The summary file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// The file is JSON but has no `version` field.
    #[error("{} is not a ptest summary: it has no `version` field", path.display())]
    MissingVersion {
        /// The summary file.
        path: PathBuf,
    },
    /// The `version` field is not a version this ptest knows.
    #[error(
        "{} has an unsupported summary version {found} (this ptest reads version {SUMMARY_VERSION})",
        path.display()
    )]
    UnsupportedVersion {
        /// The summary file.
        path: PathBuf,
        /// The `version` value as found in the file.
        found: String,
    },
    /// The summary was written by a newer ptest with a newer schema.
    #[error(
        "{} was written by a newer ptest (summary version {found}; this ptest reads up to version {SUMMARY_VERSION}): upgrade ptest to read it",
        path.display()
    )]
    NewerVersion {
        /// The summary file.
        path: PathBuf,
        /// The version found.
        found: u64,
    },
    /// The file is JSON with a supported version but does not match the schema.
    #[error("{} is not a valid ptest summary (line {line}, column {column})", path.display())]
    Invalid {
        /// The summary file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The cause (names the missing or mistyped field).
        #[source]
        source: serde_json::Error,
    },
}

/// Writes `summary` to `path` as pretty-printed JSON.
///
/// Parent directories are created. The file is written to a temporary file
/// in the same directory and renamed into place, so readers see either the
/// old file or the complete new one.
pub fn write_summary(summary: &RunSummary, path: &Path) -> Result<(), JsonError> {
    // Streamed into the file: a summary of many files is never held whole
    // in memory as text.
    write_atomically(path, |out| {
        serde_json::to_writer_pretty(&mut *out, summary).map_err(io::Error::from)?;
        out.write_all(b"\n")
    })
    .map_err(|e| match e {
        AtomicWriteError::CreateDir { dir, source } => JsonError::CreateDir { dir, source },
        AtomicWriteError::Write { path, source } => JsonError::Write { path, source },
    })
}

/// Reads a summary written by [`write_summary`].
///
/// Errors name the file and say what is wrong: it cannot be read, it is not
/// JSON (with line and column), it has no `version`, its version is newer
/// than [`SUMMARY_VERSION`] ("written by a newer ptest"), or it does not match
/// the schema.
pub fn read_summary(path: &Path) -> Result<RunSummary, JsonError> {
    let bytes = fs::read(path).map_err(|source| JsonError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // First only the syntax and the version: a newer summary may not match
    // this ptest's schema, and must be refused as newer, not as invalid.
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|source| JsonError::NotJson {
            path: path.to_path_buf(),
            line: source.line(),
            column: source.column(),
            source,
        })?;
    // A value that is not an object is left to the full read below, which
    // says what was expected.
    if let serde_json::Value::Object(map) = &value {
        check_version(path, map.get("version"))?;
    }
    drop(value);
    // Read again from the bytes (not the value) so errors carry line/column.
    serde_json::from_slice(&bytes).map_err(|source| JsonError::Invalid {
        path: path.to_path_buf(),
        line: source.line(),
        column: source.column(),
        source,
    })
}

fn check_version(path: &Path, version: Option<&serde_json::Value>) -> Result<(), JsonError> {
    let unsupported = |found: String| JsonError::UnsupportedVersion {
        path: path.to_path_buf(),
        found,
    };
    match version {
        None | Some(serde_json::Value::Null) => Err(JsonError::MissingVersion {
            path: path.to_path_buf(),
        }),
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(v) if v > u64::from(SUMMARY_VERSION) => Err(JsonError::NewerVersion {
                path: path.to_path_buf(),
                found: v,
            }),
            Some(v) if v >= 1 => Ok(()),
            _ => Err(unsupported(n.to_string())),
        },
        Some(other) => Err(unsupported(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::ChildStatus;
    use crate::outcome::{PartitionRecord, SplitKind, UnitSummary, Verdict};
    use crate::parse::{CaseResult, CaseStatus, Protocol};
    use std::error::Error as _;
    use std::time::Duration;

    fn sample() -> RunSummary {
        let mut failing = UnitSummary::not_run("t/a.t".into(), "t/a.t".into(), "x");
        failing.verdict = Verdict::Fail;
        failing.reasons = vec!["failed test 2".into(), "exited with status 1".into()];
        failing.protocol = Some(Protocol::Tap);
        failing.status = Some(ChildStatus::Exited { code: 1 });
        failing.duration = Some(Duration::from_millis(1500));
        failing.started_at = Some(1_795_409_198.125);
        failing.worker = Some(1);
        failing.attempts = 1;
        failing.cases = vec![
            CaseResult {
                number: Some(1),
                name: "first".into(),
                status: CaseStatus::Pass,
                reason: None,
                diagnostics: String::new(),
                line: None,
                duration: None,
                ..Default::default()
            },
            CaseResult {
                number: Some(2),
                name: "second ünïcode".into(),
                status: CaseStatus::Fail,
                reason: None,
                diagnostics: "  got: 1\n  expected: 2".into(),
                line: Some("not ok 2 - second ünïcode".into()),
                duration: Some(Duration::from_micros(2500)),
                ..Default::default()
            },
        ];
        failing.stderr_tail = "oops\n".into();
        let not_run = UnitSummary::not_run(
            "t/b.t".into(),
            "t/b.t".into(),
            "not run: an earlier file bailed out",
        );
        let files = vec![failing, not_run];
        crate::testing::SummaryFixture::new(files)
            .run_id("1795409198000-42")
            .jobs(4)
            .wall(Duration::from_millis(2250))
            .shard(Some("1/2"))
            .partition(PartitionRecord {
                fingerprint: "0123456789ab".into(),
                split: SplitKind::Duration,
                shards: vec![vec!["t/a.t".into(), "t/b.t".into()], vec!["t/c.t".into()]],
            })
            .bail_out("t/c.t", "db down")
            .build()
    }

    fn write_raw(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        fs::write(&p, text).expect("write fixture");
        p
    }

    #[test]
    fn round_trip_is_equal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/deeper/summary.json");
        let summary = sample();
        write_summary(&summary, &path).expect("write");
        let back = read_summary(&path).expect("read");
        assert_eq!(back, summary);
        let text = fs::read_to_string(&path).expect("read text");
        assert!(
            text.starts_with("{\n  \"version\": 3,"),
            "pretty JSON: {text}"
        );
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn version_1_summaries_without_the_shard_fields_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut value = serde_json::to_value(sample()).expect("encode");
        value["version"] = 1.into();
        let map = value.as_object_mut().expect("object");
        assert!(map.remove("partition").is_some());
        let path = write_raw(dir.path(), "v1.json", &value.to_string());
        let back = read_summary(&path).expect("a version 1 summary is read");
        assert_eq!(back.version, 1);
        assert_eq!(back.partition, None);
        assert_eq!(back.incomplete, None);
        assert_eq!(back.files, sample().files);
    }

    #[test]
    fn write_replaces_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.json");
        fs::write(&path, "old").expect("seed");
        write_summary(&sample(), &path).expect("write");
        write_summary(&sample(), &path).expect("write again");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("s.json")]);
        assert_eq!(read_summary(&path).expect("read"), sample());
    }

    #[test]
    fn write_to_a_directory_fails_naming_it_and_cleans_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("taken");
        fs::create_dir(&path).expect("mkdir");
        let err = write_summary(&sample(), &path).expect_err("must fail");
        assert!(matches!(err, JsonError::Write { .. }), "{err:?}");
        assert!(err.to_string().contains(&path.display().to_string()));
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[test]
    fn parent_that_is_a_file_is_a_create_dir_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = write_raw(dir.path(), "plain", "x");
        let err = write_summary(&sample(), &file.join("s.json")).expect_err("must fail");
        assert!(matches!(err, JsonError::CreateDir { .. }), "{err:?}");
        assert!(err.to_string().contains("plain"), "{err}");
        assert!(err.source().is_some());
    }

    #[test]
    fn missing_file_is_a_read_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nope.json");
        let err = read_summary(&path).expect_err("must fail");
        assert!(matches!(err, JsonError::Read { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn broken_json_reports_line_and_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_raw(dir.path(), "bad.json", "{\n  \"version\": 1,\n  oops\n}");
        let err = read_summary(&path).expect_err("must fail");
        match &err {
            JsonError::NotJson { line, column, .. } => {
                assert_eq!((*line, *column), (3, 3));
            }
            other => panic!("expected NotJson, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("bad.json") && msg.contains("line 3, column 3"),
            "{msg}"
        );
    }

    #[test]
    fn empty_file_is_not_json() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_raw(dir.path(), "empty.json", "");
        let err = read_summary(&path).expect_err("must fail");
        assert!(matches!(err, JsonError::NotJson { .. }), "{err:?}");
    }

    #[test]
    fn missing_version_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_raw(dir.path(), "nov.json", r#"{"run_id": "x"}"#);
        let err = read_summary(&path).expect_err("must fail");
        assert!(matches!(err, JsonError::MissingVersion { .. }), "{err:?}");
        assert!(err.to_string().contains("nov.json"), "{err}");
        assert!(err.to_string().contains("`version`"), "{err}");
    }

    #[test]
    fn newer_version_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Fields a future version might have changed are not even looked at.
        let path = write_raw(dir.path(), "new.json", r#"{"version": 4, "files": "??"}"#);
        let err = read_summary(&path).expect_err("must fail");
        assert!(
            matches!(err, JsonError::NewerVersion { found: 4, .. }),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("new.json") && msg.contains("written by a newer ptest"),
            "{msg}"
        );
    }

    #[test]
    fn nonsense_versions_are_unsupported() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (i, v) in ["0", "-1", "1.5", "\"1\"", "[1]"].iter().enumerate() {
            let path = write_raw(
                dir.path(),
                &format!("v{i}.json"),
                &format!("{{\"version\": {v}}}"),
            );
            let err = read_summary(&path).expect_err("must fail");
            assert!(
                matches!(&err, JsonError::UnsupportedVersion { found, .. } if found == &v.replace(' ', "")),
                "{v}: {err:?}"
            );
            assert!(err.to_string().contains(&format!("v{i}.json")), "{err}");
        }
    }

    #[test]
    fn json_that_is_not_a_summary_is_invalid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let list = write_raw(dir.path(), "list.json", "[1, 2]");
        let err = read_summary(&list).expect_err("must fail");
        assert!(matches!(err, JsonError::Invalid { .. }), "{err:?}");

        let partial = write_raw(
            dir.path(),
            "partial.json",
            "{\n  \"version\": 1,\n  \"run_id\": \"r\"\n}",
        );
        let err = read_summary(&partial).expect_err("must fail");
        assert!(matches!(err, JsonError::Invalid { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("partial.json") && msg.contains("not a valid ptest summary"),
            "{msg}"
        );
        let cause = err.source().map(|s| s.to_string()).unwrap_or_default();
        assert!(cause.contains("missing field"), "{cause}");
    }

    #[test]
    fn summary_with_wrong_field_type_points_at_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = serde_json::to_string_pretty(&sample()).expect("encode");
        let bad = good.replacen("\"jobs\": 4", "\"jobs\": \"four\"", 1);
        assert_ne!(good, bad);
        let path = write_raw(dir.path(), "typed.json", &bad);
        let err = read_summary(&path).expect_err("must fail");
        match &err {
            JsonError::Invalid { line, .. } => {
                let expected = bad
                    .lines()
                    .position(|l| l.contains("\"four\""))
                    .map(|i| i + 1);
                assert_eq!(Some(*line), expected);
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
}
