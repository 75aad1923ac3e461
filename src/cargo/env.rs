//! The environment cargo gives a test binary when `cargo test` runs it,
//! and that `ptest cargo` gives each test (as cargo-nextest does):
//!
//! | variable | value |
//! |---|---|
//! | `CARGO` | the cargo program that built it |
//! | `CARGO_MANIFEST_DIR`, `CARGO_MANIFEST_PATH` | the package root, its `Cargo.toml` |
//! | `CARGO_PKG_NAME`, `CARGO_PKG_VERSION` (`_MAJOR`, `_MINOR`, `_PATCH`, `_PRE`) | from the package |
//! | `CARGO_PKG_AUTHORS`, `_DESCRIPTION`, `_HOMEPAGE`, `_REPOSITORY`, `_LICENSE` | from the package (empty when unset) |
//! | `CARGO_CRATE_NAME` | the target's name with `-` as `_` |
//! | `CARGO_BIN_NAME` | for a `bin` target, its name |
//! | `CARGO_BIN_EXE_<name>` | for integration tests and benches: each `bin` of the package |
//! | `CARGO_TARGET_TMPDIR` | for integration tests and benches: `<target dir>/tmp` |
//! | `OUT_DIR` | when the package has a build script |
//! | each `cargo:rustc-env=NAME=VALUE` | of the package's build script (as nextest sets them) |
//! | `LD_LIBRARY_PATH` | the binary's `deps` directory and its parent, the build script's link paths, the toolchain's `<sysroot>/lib`, then the inherited value |
//!
//! The test starts in the package root, as under `cargo test`.

use super::build::{Built, TestBinary};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The toolchain's `lib` directory (`rustc --print sysroot`/lib), where a
/// `prefer-dynamic` test finds `libstd`; `None` when rustc cannot say.
pub fn sysroot_lib() -> Option<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(PathBuf::from(text.trim()).join("lib"))
}

/// The environment of every test of `binary` (see the module docs).
pub fn test_env(
    binary: &TestBinary,
    built: &Built,
    cargo: &OsString,
    sysroot_lib: Option<&Path>,
) -> Vec<(OsString, OsString)> {
    let package = &binary.package;
    let mut env: Vec<(OsString, OsString)> = Vec::with_capacity(24);
    let mut set = |name: &str, value: OsString| env.push((name.into(), value));
    set("CARGO", cargo.clone());
    set("CARGO_MANIFEST_DIR", package.root().as_os_str().to_owned());
    set("CARGO_MANIFEST_PATH", package.manifest_path.clone().into());
    set("CARGO_PKG_NAME", (&package.name).into());
    set("CARGO_PKG_VERSION", (&package.version).into());
    let (core, pre) = package
        .version
        .split_once('-')
        .unwrap_or((&package.version, ""));
    let mut parts = core.split('.');
    for name in [
        "CARGO_PKG_VERSION_MAJOR",
        "CARGO_PKG_VERSION_MINOR",
        "CARGO_PKG_VERSION_PATCH",
    ] {
        set(name, parts.next().unwrap_or("").into());
    }
    set("CARGO_PKG_VERSION_PRE", pre.into());
    set("CARGO_PKG_AUTHORS", package.authors.join(":").into());
    for (name, value) in [
        ("CARGO_PKG_DESCRIPTION", &package.description),
        ("CARGO_PKG_HOMEPAGE", &package.homepage),
        ("CARGO_PKG_REPOSITORY", &package.repository),
        ("CARGO_PKG_LICENSE", &package.license),
    ] {
        set(name, value.clone().unwrap_or_default().into());
    }
    set(
        "CARGO_CRATE_NAME",
        binary.target_name.replace('-', "_").into(),
    );
    match binary.kind.as_str() {
        "bin" => set("CARGO_BIN_NAME", (&binary.target_name).into()),
        "test" | "bench" => {
            for (name, exe) in &binary.bin_exes {
                set(&format!("CARGO_BIN_EXE_{name}"), exe.clone().into());
            }
            set("CARGO_TARGET_TMPDIR", built.target_dir.join("tmp").into());
        }
        _ => {}
    }
    if let Some(dir) = &binary.out_dir {
        set("OUT_DIR", dir.clone().into());
    }
    for (name, value) in &binary.script_env {
        set(name, value.into());
    }
    if let Some(value) = library_path(binary, sysroot_lib) {
        set("LD_LIBRARY_PATH", value);
    }
    env
}

/// `LD_LIBRARY_PATH`: the binary's directory (`deps`) and its parent (the
/// profile directory), the build script's link paths, the sysroot's lib,
/// then the inherited value.
fn library_path(binary: &TestBinary, sysroot_lib: Option<&Path>) -> Option<OsString> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(deps) = binary.executable.parent() {
        dirs.push(deps.to_path_buf());
        if let Some(profile) = deps.parent() {
            dirs.push(profile.to_path_buf());
        }
    }
    dirs.extend(binary.linked_paths.iter().cloned());
    dirs.extend(sysroot_lib.map(Path::to_path_buf));
    if let Some(old) = std::env::var_os("LD_LIBRARY_PATH") {
        dirs.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(dirs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cargo::build::Package;

    #[test]
    fn an_integration_test_gets_its_packages_bins_and_version_parts() {
        let package = Package {
            id: "x".into(),
            name: "app".into(),
            version: "1.2.3-beta.1".into(),
            manifest_path: "/w/app/Cargo.toml".into(),
            authors: vec!["A".into(), "B".into()],
            description: None,
            homepage: None,
            repository: None,
            license: Some("MIT".into()),
        };
        let binary = TestBinary {
            binary_id: "app::cli".into(),
            executable: "/w/target/debug/deps/cli-1".into(),
            kind: "test".into(),
            target_name: "cli-test".into(),
            package,
            bin_exes: vec![("app".into(), "/w/target/debug/app".into())],
            out_dir: Some("/w/target/debug/build/app-1/out".into()),
            linked_paths: Vec::new(),
            script_env: Vec::new(),
        };
        let built = Built {
            binaries: Vec::new(),
            target_dir: "/w/target".into(),
        };
        let env = test_env(
            &binary,
            &built,
            &"cargo".into(),
            Some(Path::new("/sys/lib")),
        );
        let get = |name: &str| {
            env.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.to_string_lossy().into_owned())
        };
        assert_eq!(get("CARGO_MANIFEST_DIR").as_deref(), Some("/w/app"));
        assert_eq!(get("CARGO_PKG_VERSION_MAJOR").as_deref(), Some("1"));
        assert_eq!(get("CARGO_PKG_VERSION_PATCH").as_deref(), Some("3"));
        assert_eq!(get("CARGO_PKG_VERSION_PRE").as_deref(), Some("beta.1"));
        assert_eq!(get("CARGO_PKG_AUTHORS").as_deref(), Some("A:B"));
        assert_eq!(get("CARGO_CRATE_NAME").as_deref(), Some("cli_test"));
        assert_eq!(
            get("CARGO_BIN_EXE_app").as_deref(),
            Some("/w/target/debug/app")
        );
        assert_eq!(get("CARGO_TARGET_TMPDIR").as_deref(), Some("/w/target/tmp"));
        assert_eq!(
            get("OUT_DIR").as_deref(),
            Some("/w/target/debug/build/app-1/out")
        );
        let lib = get("LD_LIBRARY_PATH").unwrap();
        assert!(
            lib.starts_with("/w/target/debug/deps:/w/target/debug:/sys/lib"),
            "{lib}"
        );
        assert_eq!(get("CARGO_BIN_NAME"), None);
    }
}
