//! File ids: the text form of a path's bytes, lossless and injective.
//!
//! A path on Unix is any sequence of bytes; an id is a `String` (it goes
//! into JSON, JUnit XML and the history). The rule:
//!
//! - a path that is valid UTF-8 and contains no `%` followed by two hex
//!   digits is its own id (`t/a.t` → `t/a.t`, `t/100%.t` → `t/100%.t`);
//! - any other path is percent-escaped: each `%` becomes `%25` and each byte
//!   that is not part of valid UTF-8 becomes `%XX` (upper-case hex), the
//!   rest is kept (`t/a\xFF.t` → `t/a%FF.t`, `t/a%41.t` → `t/a%2541.t`).
//!
//! Decoding undoes it: an id with a `%XX` sequence in it is percent-decoded,
//! any other id is the path itself. Every escaped id contains a `%XX`
//! sequence (the escape of an invalid byte or of a `%` that began one),
//! and no unescaped id does, so decoding is a left inverse of encoding and
//! two different paths never share an id.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// The id of a byte string (see the module docs).
pub fn encode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if !has_escape(bytes) => text.to_string(),
        _ => escape(bytes),
    }
}

/// The id text of a path (see the module docs).
pub fn encode_path(path: &Path) -> String {
    encode(path.as_os_str().as_bytes())
}

/// The bytes an id stands for: the inverse of [`encode`].
pub fn decode(id: &str) -> Vec<u8> {
    let bytes = id.as_bytes();
    if !has_escape(bytes) {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match hex_pair(&bytes[i..]) {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

/// The path an id stands for: the inverse of [`encode_path`].
pub fn decode_path(id: &str) -> PathBuf {
    PathBuf::from(OsString::from_vec(decode(id)))
}

/// `%` and invalid bytes escaped, everything else kept.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for ch in chunk.valid().chars() {
            match ch {
                '%' => out.push_str("%25"),
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Whether the bytes contain `%` followed by two hex digits.
fn has_escape(bytes: &[u8]) -> bool {
    (0..bytes.len()).any(|i| hex_pair(&bytes[i..]).is_some())
}

/// The byte of a `%XX` sequence at the start of `bytes`.
fn hex_pair(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [b'%', hi, lo, ..] => {
            let digit = |b: u8| (b as char).to_digit(16);
            Some((digit(*hi)? * 16 + digit(*lo)?) as u8)
        }
        _ => None,
    }
}

/// Serde for a path field as its id text ([`encode_path`] /
/// [`decode_path`]), so that a path that is not UTF-8 still serializes
/// and reads back as the same bytes.
pub mod serde_path {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::path::{Path, PathBuf};

    /// Writes the path as its id text.
    pub fn serialize<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::encode_path(path))
    }

    /// Reads a path written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PathBuf, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(super::decode_path(&text))
    }
}

/// A run id: UTC timestamp plus process id, sortable by start time.
pub fn new_run_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}-{}", now.as_millis(), std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_are_their_own_id() {
        for name in ["t/a.t", "t/100%.t", "t/%", "t/%4", "t/%zz.t", "t/ä.t"] {
            assert_eq!(encode(name.as_bytes()), name);
            assert_eq!(decode(name), name.as_bytes());
        }
    }

    #[test]
    fn odd_names_are_escaped_and_round_trip() {
        assert_eq!(encode(b"t/a\xFF.t"), "t/a%FF.t");
        assert_eq!(encode(b"t/a%41.t"), "t/a%2541.t");
        assert_eq!(encode(b"t/%FF\xFF"), "t/%25FF%FF");
        assert_eq!(encode(b"t/%ff.t"), "t/%25ff.t");
        for raw in [
            &b"t/a\xFF.t"[..],
            b"t/a\xFE.t",
            b"t/a%FF.t",
            b"t/a%25FF.t",
            b"t/%ff.t",
            b"\xC3",
            b"t/100%.t\xFF",
        ] {
            assert_eq!(decode(&encode(raw)), raw, "{raw:?}");
        }
    }

    #[test]
    fn ids_are_injective_on_confusable_names() {
        let names: [&[u8]; 6] = [b"a\xFF", b"a%FF", b"a%25FF", b"a\xFE", b"a%2525FF", b"a%"];
        let ids: std::collections::BTreeSet<String> = names.iter().map(|n| encode(n)).collect();
        assert_eq!(ids.len(), names.len(), "{ids:?}");
    }

    #[test]
    fn paths_serialize_through_their_id() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Doc {
            #[serde(with = "serde_path")]
            path: PathBuf,
        }
        let path = decode_path("t/a%FF.t");
        let text = serde_json::to_string(&Doc { path: path.clone() }).expect("encode");
        assert_eq!(text, r#"{"path":"t/a%FF.t"}"#);
        let back: Doc = serde_json::from_str(&text).expect("decode");
        assert_eq!(back.path, path);
    }
}
