//! Updating the history file without holding all of it in memory.
//!
//! [`update`](super::update) reads the old file entry by entry, folds this
//! run into the entries it touches, and writes each entry out before reading
//! the next, so a history of 10,000 files × 10 runs (~8 MB of JSON, ~13 MB
//! as data) never has to be in memory while the run's own results are.

use super::{UnitHistory, HISTORY_VERSION, MAX_RUNS};
use crate::outcome::UnitSummary;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Write};
use std::marker::PhantomData;

/// Reads a history document, calling `on_file` for every entry of `files`
/// (read as `T`), one at a time. Returns the `version` field.
pub(super) fn stream<T, F>(reader: impl Read, on_file: F) -> Result<Option<u64>, serde_json::Error>
where
    T: DeserializeOwned,
    F: FnMut(String, T) -> Result<(), String>,
{
    let mut de = serde_json::Deserializer::from_reader(reader);
    let version = de::Deserializer::deserialize_map(
        &mut de,
        DocVisitor {
            on_file,
            value: PhantomData,
        },
    )?;
    de.end()?;
    Ok(version)
}

struct DocVisitor<T, F> {
    on_file: F,
    value: PhantomData<T>,
}

impl<'de, T, F> Visitor<'de> for DocVisitor<T, F>
where
    T: DeserializeOwned,
    F: FnMut(String, T) -> Result<(), String>,
{
    type Value = Option<u64>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a ptest history object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Option<u64>, A::Error> {
        let mut version = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => version = map.next_value::<Option<u64>>()?,
                "files" => map.next_value_seed(FilesSeed {
                    on_file: &mut self.on_file,
                    value: PhantomData::<T>,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(version)
    }
}

struct FilesSeed<'f, T, F> {
    on_file: &'f mut F,
    value: PhantomData<T>,
}

impl<'de, T, F> DeserializeSeed<'de> for FilesSeed<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(String, T) -> Result<(), String>,
{
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T, F> Visitor<'de> for FilesSeed<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(String, T) -> Result<(), String>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of file ids to their history")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(id) = map.next_key::<String>()? {
            let value: T = map.next_value()?;
            (self.on_file)(id, value).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

/// Just enough of a file entry to know when it last ran.
#[derive(Deserialize)]
struct RunTimes {
    #[serde(default)]
    runs: Vec<RunTime>,
}

#[derive(Deserialize)]
struct RunTime {
    at: u64,
}

/// What a first, light pass over the old file found.
pub(super) enum Scan {
    /// A usable file whose newest run started at this time (if any run).
    Usable { newest: Option<u64> },
    /// Content that cannot be used (for people).
    Bad(String),
}

/// Checks the version and finds the newest run, without keeping entries.
pub(super) fn scan(mut open: impl FnMut() -> io::Result<Box<dyn Read>>) -> io::Result<Scan> {
    let mut newest: Option<u64> = None;
    let result = stream::<RunTimes, _>(open()?, |_, file| {
        let at = file.runs.iter().map(|r| r.at).max();
        newest = newest.max(at);
        Ok(())
    });
    match result {
        Ok(Some(v)) if v == u64::from(HISTORY_VERSION) => Ok(Scan::Usable { newest }),
        Ok(Some(v)) if v > u64::from(HISTORY_VERSION) => Ok(Scan::Bad(format!(
            "it was written by a newer ptest (format version {v}; this ptest reads version {HISTORY_VERSION})"
        ))),
        Ok(Some(v)) => Ok(Scan::Bad(format!("it has an unsupported format version {v}"))),
        Ok(None) => Ok(Scan::Bad("it has no \"version\" number".to_string())),
        Err(e) if e.is_io() => Err(io::Error::from(e)),
        Err(e) if e.is_syntax() || e.is_eof() => Ok(Scan::Bad(format!("it is not valid JSON ({e})"))),
        // Valid JSON of another shape (an array, a number) has no version.
        Err(_) if !starts_with_object(open()?)? => {
            Ok(Scan::Bad("it has no \"version\" number".to_string()))
        }
        Err(e) => Ok(Scan::Bad(format!(
            "it does not match the version {HISTORY_VERSION} format ({e})"
        ))),
    }
}

/// Whether the first non-blank byte is `{`.
fn starts_with_object(mut reader: impl Read) -> io::Result<bool> {
    let mut buf = [0u8; 512];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(false);
        }
        if let Some(b) = buf[..n].iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(*b == b'{');
        }
    }
}

/// Why [`write_merged`] stopped.
pub(super) enum MergeError {
    /// Writing (or reading) failed.
    Io(io::Error),
    /// An entry of the old file does not match the format (for people).
    Bad(String),
}

/// This run, ready to be folded in.
pub(super) struct Fold<'a> {
    /// The run's files that ran, by id.
    pub files: BTreeMap<&'a str, &'a UnitSummary>,
    /// Content hashes by id.
    pub hashes: &'a HashMap<String, String>,
    /// Fallback start time.
    pub now: u64,
    /// Files whose newest run is older than this are dropped.
    pub cutoff: u64,
}

/// Writes the new history document to `out`: every entry of `old` (when
/// given) with this run folded in, then the run's files that are new.
pub(super) fn write_merged(
    out: &mut dyn Write,
    old: Option<Box<dyn Read>>,
    mut fold: Fold<'_>,
) -> Result<(), MergeError> {
    let mut first = true;
    out.write_all(format!("{{\"version\":{HISTORY_VERSION},\"files\":{{").as_bytes())
        .map_err(MergeError::Io)?;
    if let Some(reader) = old {
        let mut write_failed: Option<io::Error> = None;
        let streamed = stream::<UnitHistory, _>(reader, |id, mut entry| {
            let excess = entry.runs.len().saturating_sub(MAX_RUNS);
            entry.runs.drain(..excess);
            if let Some(file) = fold.files.remove(id.as_str()) {
                entry.record(file, fold.hashes.get(&id), fold.now);
            }
            write_entry(out, &mut first, &id, &entry, fold.cutoff).map_err(|e| {
                write_failed = Some(e);
                "write failed".to_string()
            })
        });
        if let Some(e) = write_failed {
            return Err(MergeError::Io(e));
        }
        match streamed {
            Ok(_) => {}
            Err(e) if e.is_io() => return Err(MergeError::Io(io::Error::from(e))),
            Err(e) => {
                return Err(MergeError::Bad(format!(
                    "it does not match the version {HISTORY_VERSION} format ({e})"
                )))
            }
        }
    }
    for (id, file) in std::mem::take(&mut fold.files) {
        let mut entry = UnitHistory::default();
        entry.record(file, fold.hashes.get(id), fold.now);
        write_entry(out, &mut first, id, &entry, fold.cutoff).map_err(MergeError::Io)?;
    }
    out.write_all(b"}}\n").map_err(MergeError::Io)
}

fn write_entry(
    out: &mut dyn Write,
    first: &mut bool,
    id: &str,
    entry: &UnitHistory,
    cutoff: u64,
) -> io::Result<()> {
    if !entry.is_recent(cutoff) {
        return Ok(());
    }
    if !*first {
        out.write_all(b",")?;
    }
    *first = false;
    serde_json::to_writer(&mut *out, id)?;
    out.write_all(b":")?;
    serde_json::to_writer(&mut *out, entry)?;
    Ok(())
}
