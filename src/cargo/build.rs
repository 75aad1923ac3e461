//! Building the test binaries: `cargo metadata` for the packages, then
//! `cargo test --no-run --message-format=json-render-diagnostics`, whose
//! diagnostics cargo renders to the terminal (stderr is passed through)
//! and whose JSON messages on stdout name every artifact:
//!
//! * `compiler-artifact` with `profile.test == true` and an `executable`:
//!   a test binary (lib, bin, integration test, an example or bench with
//!   `test = true`);
//! * `compiler-artifact` of a `bin` target built without `profile.test`:
//!   the package's binary, for `CARGO_BIN_EXE_<name>`;
//! * `build-script-executed`: the package's `OUT_DIR` and the library
//!   paths its build script asked for.

use serde::Deserialize;
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What to build (the cargo switches `ptest cargo` passes on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// The cargo program (`$CARGO`, else `cargo`).
    pub cargo: OsString,
    /// `-p PKG`, repeatable.
    pub packages: Vec<String>,
    /// `--workspace`.
    pub workspace: bool,
    /// `--release`.
    pub release: bool,
    /// `--features`, each value as given.
    pub features: Vec<String>,
    /// `--all-features`.
    pub all_features: bool,
    /// `--no-default-features`.
    pub no_default_features: bool,
    /// `--target-dir DIR`.
    pub target_dir: Option<PathBuf>,
    /// `--manifest-path PATH`.
    pub manifest_path: Option<PathBuf>,
    /// Target selection as `cargo test` takes it (`--lib`, `--bins`,
    /// `--bin NAME`, `--tests`, `--test NAME`, `--examples`, `--benches`,
    /// …); empty: cargo's default test targets.
    pub targets: Vec<String>,
}

impl BuildOptions {
    /// The cargo program to run: `$CARGO` when set (ptest run by cargo),
    /// else `cargo` from `PATH`.
    pub fn default_cargo() -> OsString {
        std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
    }

    /// The package-selection and feature switches, as cargo takes them.
    fn selection(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        for p in &self.packages {
            args.extend(["-p".into(), p.into()]);
        }
        if self.workspace {
            args.push("--workspace".into());
        }
        if self.release {
            args.push("--release".into());
        }
        for f in &self.features {
            args.extend(["--features".into(), f.into()]);
        }
        if self.all_features {
            args.push("--all-features".into());
        }
        if self.no_default_features {
            args.push("--no-default-features".into());
        }
        if let Some(dir) = &self.target_dir {
            args.extend(["--target-dir".into(), dir.clone().into_os_string()]);
        }
        args.extend(self.targets.iter().map(OsString::from));
        args.extend(self.location());
        args
    }

    /// `--manifest-path`, which `cargo metadata` takes too.
    fn location(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        if let Some(path) = &self.manifest_path {
            args.extend(["--manifest-path".into(), path.clone().into_os_string()]);
        }
        args
    }
}

/// Why the test binaries could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// cargo could not be started.
    #[error("cannot run `{program} {args}`")]
    Spawn {
        /// The program.
        program: String,
        /// Its arguments.
        args: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// `cargo metadata` failed (its stderr was shown).
    #[error("`cargo metadata` failed ({status}): {stderr}")]
    Metadata {
        /// How it ended.
        status: std::process::ExitStatus,
        /// What it printed.
        stderr: String,
    },
    /// cargo printed JSON that is not what cargo prints.
    #[error("cannot read the output of `cargo {command}`")]
    Json {
        /// `metadata` or `test --no-run`.
        command: &'static str,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The build failed; cargo's diagnostics were shown above.
    #[error("the build failed ({status}); cargo's diagnostics are above")]
    Failed {
        /// How cargo ended.
        status: std::process::ExitStatus,
    },
}

/// A package of the workspace, as `cargo metadata` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Package {
    /// cargo's package id (artifact messages name it).
    pub id: String,
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// The package's `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// `authors`.
    #[serde(default)]
    pub authors: Vec<String>,
    /// `description`.
    #[serde(default)]
    pub description: Option<String>,
    /// `homepage`.
    #[serde(default)]
    pub homepage: Option<String>,
    /// `repository`.
    #[serde(default)]
    pub repository: Option<String>,
    /// `license`.
    #[serde(default)]
    pub license: Option<String>,
}

impl Package {
    /// The package root: where its tests start (`CARGO_MANIFEST_DIR`).
    pub fn root(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }
}

/// One test executable cargo built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestBinary {
    /// nextest's binary id (see [`binary_id`]).
    pub binary_id: String,
    /// The executable.
    pub executable: PathBuf,
    /// The target's kind: `lib`, `bin`, `test`, `example` or `bench`.
    pub kind: String,
    /// The target's name (`CARGO_CRATE_NAME` is it with `-` as `_`).
    pub target_name: String,
    /// Its package.
    pub package: Package,
    /// The package's `bin` executables by name (`CARGO_BIN_EXE_<name>`).
    pub bin_exes: Vec<(String, PathBuf)>,
    /// The package build script's `OUT_DIR`.
    pub out_dir: Option<PathBuf>,
    /// Library directories the package's build script asked for.
    pub linked_paths: Vec<PathBuf>,
    /// `cargo:rustc-env` variables of the package's build script (given
    /// to the tests at run time too, as nextest does).
    pub script_env: Vec<(String, String)>,
}

/// What the build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// Test binaries in the order cargo reported them.
    pub binaries: Vec<TestBinary>,
    /// The target directory (`CARGO_TARGET_TMPDIR` is its `tmp`).
    pub target_dir: PathBuf,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    target_directory: PathBuf,
}

/// One JSON message of `cargo test --message-format=json…` (only what is
/// read; other reasons and fields are ignored).
#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    package_id: Option<String>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    profile: Option<Profile>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    out_dir: Option<PathBuf>,
    #[serde(default)]
    linked_paths: Vec<String>,
    /// `cargo:rustc-env=NAME=VALUE` of a build script.
    #[serde(default)]
    env: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Target {
    kind: Vec<String>,
    name: String,
}

#[derive(Deserialize)]
struct Profile {
    test: bool,
}

/// Builds the test binaries `options` select (see the module docs).
pub fn build(options: &BuildOptions) -> Result<Built, BuildError> {
    let metadata = metadata(options)?;
    let mut args: Vec<OsString> = [
        "test",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ]
    .map(OsString::from)
    .to_vec();
    args.extend(options.selection());
    let mut child = Command::new(&options.cargo)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .stdin(Stdio::null())
        .spawn()
        .map_err(|source| spawn_error(options, &args, source))?;
    let mut messages = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !line.starts_with('{') {
                continue;
            }
            let message: Message =
                serde_json::from_str(&line).map_err(|source| BuildError::Json {
                    command: "test --no-run",
                    source,
                })?;
            messages.push(message);
        }
    }
    let status = child
        .wait()
        .map_err(|source| spawn_error(options, &args, source))?;
    if !status.success() {
        return Err(BuildError::Failed { status });
    }
    Ok(Built {
        binaries: binaries(&messages, &metadata.packages),
        target_dir: match &options.target_dir {
            Some(dir) => std::path::absolute(dir).unwrap_or_else(|_| dir.clone()),
            None => metadata.target_directory,
        },
    })
}

fn spawn_error(options: &BuildOptions, args: &[OsString], source: std::io::Error) -> BuildError {
    BuildError::Spawn {
        program: options.cargo.to_string_lossy().into_owned(),
        args: args
            .iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        source,
    }
}

fn metadata(options: &BuildOptions) -> Result<Metadata, BuildError> {
    let mut args: Vec<OsString> = ["metadata", "--format-version", "1", "--no-deps"]
        .map(OsString::from)
        .to_vec();
    args.extend(options.location());
    let output = Command::new(&options.cargo)
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| spawn_error(options, &args, source))?;
    if !output.status.success() {
        return Err(BuildError::Metadata {
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    serde_json::from_slice(&output.stdout).map_err(|source| BuildError::Json {
        command: "metadata",
        source,
    })
}

/// The test binaries among `messages`, each with its package's bins and
/// build-script outputs.
fn binaries(messages: &[Message], packages: &[Package]) -> Vec<TestBinary> {
    let mut bin_exes: HashMap<&str, Vec<(String, PathBuf)>> = HashMap::new();
    let mut scripts: HashMap<&str, Script> = HashMap::new();
    for m in messages {
        let Some(id) = m.package_id.as_deref() else {
            continue;
        };
        match (m.reason.as_str(), &m.target, &m.profile, &m.executable) {
            ("compiler-artifact", Some(t), Some(p), Some(exe))
                if !p.test && t.kind.iter().any(|k| k == "bin") =>
            {
                bin_exes
                    .entry(id)
                    .or_default()
                    .push((t.name.clone(), exe.clone()));
            }
            ("build-script-executed", _, _, _) => {
                let script = Script {
                    out_dir: m.out_dir.clone(),
                    linked_paths: m.linked_paths.iter().map(|p| linked_path(p)).collect(),
                    env: m.env.clone(),
                };
                scripts.insert(id, script);
            }
            _ => {}
        }
    }
    messages
        .iter()
        .filter_map(|m| {
            let (id, target, exe) = match (&m.package_id, &m.target, &m.profile, &m.executable) {
                (Some(id), Some(t), Some(p), Some(exe))
                    if m.reason == "compiler-artifact" && p.test =>
                {
                    (id.as_str(), t, exe)
                }
                _ => return None,
            };
            let package = packages
                .iter()
                .find(|p| p.id == id)
                .cloned()
                .unwrap_or_else(|| unknown_package(id));
            let kind = kind_of(&target.kind);
            let script = scripts.get(id).cloned().unwrap_or_default();
            Some(TestBinary {
                binary_id: binary_id(&package.name, kind, &target.name),
                executable: exe.clone(),
                kind: kind.to_string(),
                target_name: target.name.clone(),
                bin_exes: bin_exes.get(id).cloned().unwrap_or_default(),
                package,
                out_dir: script.out_dir,
                linked_paths: script.linked_paths,
                script_env: script.env,
            })
        })
        .collect()
}

/// What a package's build script reported.
#[derive(Debug, Clone, Default)]
struct Script {
    out_dir: Option<PathBuf>,
    linked_paths: Vec<PathBuf>,
    env: Vec<(String, String)>,
}

/// A `cargo:rustc-link-search=[KIND=]PATH` path without its kind.
fn linked_path(text: &str) -> PathBuf {
    match text.split_once('=') {
        Some((kind, path))
            if ["native", "crate", "dependency", "framework", "all"].contains(&kind) =>
        {
            PathBuf::from(path)
        }
        Some(_) | None => PathBuf::from(text),
    }
}

/// A package `cargo metadata --no-deps` did not describe (a dependency
/// selected with `-p`): its name from the package id.
fn unknown_package(id: &str) -> Package {
    // `path+file:///p/x#name@1.0.0`, `registry+…#name@1.0.0`, or the old
    // `name 1.0.0 (source)`.
    let (name, version) = match id.rsplit_once('#') {
        Some((_, tail)) => tail.split_once('@').unwrap_or((tail, "")),
        None => {
            let mut words = id.split(' ');
            (words.next().unwrap_or(id), words.next().unwrap_or(""))
        }
    };
    Package {
        id: id.to_string(),
        name: name.to_string(),
        version: version.to_string(),
        manifest_path: PathBuf::from("Cargo.toml"),
        authors: Vec::new(),
        description: None,
        homepage: None,
        repository: None,
        license: None,
    }
}

/// `lib` for every library kind (`rlib`, `proc-macro`, …), else the kind.
fn kind_of(kinds: &[String]) -> &str {
    let first = kinds.first().map(String::as_str).unwrap_or("lib");
    match first {
        "bin" | "test" | "example" | "bench" => first,
        _ => "lib",
    }
}

/// nextest's binary id: `crate` for the library, `crate::bin/NAME`,
/// `crate::NAME` for an integration test, `crate::example/NAME`,
/// `crate::bench/NAME`.
pub fn binary_id(package: &str, kind: &str, target: &str) -> String {
    match kind {
        "lib" => package.to_string(),
        "test" => format!("{package}::{target}"),
        other => format!("{package}::{other}/{target}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_ids_are_nextests() {
        assert_eq!(binary_id("fix-lib", "lib", "fix_lib"), "fix-lib");
        assert_eq!(binary_id("app", "bin", "app"), "app::bin/app");
        assert_eq!(binary_id("app", "test", "cli"), "app::cli");
        assert_eq!(binary_id("app", "example", "demo"), "app::example/demo");
        assert_eq!(kind_of(&["proc-macro".to_string()]), "lib");
    }

    #[test]
    fn messages_become_binaries_with_their_bins_and_out_dir() {
        let lines = [
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/app#0.1.0","target":{"kind":["bin"],"name":"app"},"profile":{"test":false},"executable":"/w/target/debug/app"}"#,
            r#"{"reason":"build-script-executed","package_id":"path+file:///w/app#0.1.0","out_dir":"/w/target/debug/build/app-1/out","linked_paths":["native=/opt/lib"],"env":[["BUILT","yes"]]}"#,
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/app#0.1.0","target":{"kind":["test"],"name":"cli"},"profile":{"test":true},"executable":"/w/target/debug/deps/cli-2"}"#,
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/app#0.1.0","target":{"kind":["lib"],"name":"app"},"profile":{"test":false},"executable":null}"#,
            r#"{"reason":"build-finished","success":true}"#,
        ];
        let messages: Vec<Message> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let package = Package {
            name: "app".into(),
            version: "0.1.0".into(),
            manifest_path: "/w/app/Cargo.toml".into(),
            ..unknown_package("path+file:///w/app#0.1.0")
        };
        let found = binaries(&messages, &[package]);
        assert_eq!(found.len(), 1);
        let b = &found[0];
        assert_eq!(
            (b.binary_id.as_str(), b.kind.as_str()),
            ("app::cli", "test")
        );
        assert_eq!(
            b.bin_exes,
            [("app".to_string(), PathBuf::from("/w/target/debug/app"))]
        );
        assert_eq!(
            b.out_dir,
            Some(PathBuf::from("/w/target/debug/build/app-1/out"))
        );
        assert_eq!(b.linked_paths, [PathBuf::from("/opt/lib")]);
        assert_eq!(b.script_env, [("BUILT".to_string(), "yes".to_string())]);
        assert_eq!(b.package.root(), Path::new("/w/app"));
        let odd = unknown_package("registry+https://x#semver@1.0.2");
        assert_eq!(
            (odd.name.as_str(), odd.version.as_str()),
            ("semver", "1.0.2")
        );
    }
}
