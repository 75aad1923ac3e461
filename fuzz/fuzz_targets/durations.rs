//! The durations importer (`--durations FILE`) on arbitrary text: JSON
//! (`{"path": seconds}` or a ptest `--json` summary) and JUnit XML, told
//! apart by the first character as ptest does.
//!
//! Checks: no panic (including on overflowing sums of huge times); at most
//! one key per byte of input; lookups (exact and module form) never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptest::plan::ImportedDurations;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(imported) = ImportedDurations::parse(&text, Path::new("fuzz-durations")) else {
        return;
    };
    assert!(imported.len() <= text.len());
    assert_eq!(imported.iter().count(), imported.len());
    for (key, _) in imported.iter() {
        let _ = imported.get(key);
        // A file id whose module form is `key` (e.g. `a.b` ← `a/b.py`):
        // sums every key under it.
        let _ = imported.get(&format!("{}.py", key.replace('.', "/")));
    }
    let _ = imported.get("tests/test_db.py");
});
