//! The documentation is kept true by running it: README.md and every page
//! of `docs/` are read here and checked against the real ptest.
//!
//! - `docs/cli.md` lists exactly the options clap knows, command by
//!   command (its `## \`ptest …\`` sections);
//! - every ```toml block loads with ptest's own config reader (the real
//!   binary, `ptest --list --explain`, in a fresh directory), without a
//!   warning; a block marked ```toml invalid must be refused (exit 2) with
//!   the message the ```text block after it shows; a block marked
//!   ```toml Cargo.toml is a cargo manifest and only has to be TOML;
//! - every example command (`ptest …` in ```sh, ```console and ```yaml
//!   blocks, `$ ptest …` in any block) parses with clap;
//! - every ```json block is JSON;
//! - every relative link, and every `#anchor`, points at something that
//!   exists;
//! - the README's quick start still works.

use crate::common;
use crate::common::Suite;
use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every page of `docs/`, as (path relative to the root, text).
fn pages() -> Vec<(String, String)> {
    let mut names = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|e| {
            e.expect("a docs/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    assert!(docs.len() >= 10, "docs/ has its pages: {docs:?}");
    names.extend(docs);
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(root().join(&n))
                .unwrap_or_else(|e| panic!("read {n}: {e}"));
            (n, text)
        })
        .collect()
}

/// A fenced code block: its info string, its text, and the 1-based line of
/// its opening fence.
struct Fence {
    info: String,
    body: String,
    line: usize,
}

/// The fenced blocks of a Markdown text, in order (nested fences inside
/// list items, indented, included).
fn fences(text: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut open: Option<(String, String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let indent = line[..line.len() - trimmed.len()].to_string();
                    open = Some((info.trim().to_string(), String::new(), i + 1, indent));
                }
            }
            Some((info, body, start, indent)) => {
                if trimmed == "```" {
                    out.push(Fence {
                        info: std::mem::take(info),
                        body: std::mem::take(body),
                        line: *start,
                    });
                    open = None;
                } else {
                    body.push_str(line.strip_prefix(indent.as_str()).unwrap_or(line));
                    body.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "a code fence is never closed");
    out
}

/// The lines of `text` outside fenced code blocks, with their 1-based
/// numbers.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut inside = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            continue;
        }
        if !inside {
            out.push((i + 1, line));
        }
    }
    out
}

// ---------------------------------------------------------------------
// docs/cli.md against clap

/// A command's options as `--long` and `-s` spellings: (required to be
/// documented, all that exist).
struct Options {
    shown: BTreeSet<String>,
    all: BTreeSet<String>,
}

fn options_of(cmd: &clap::Command) -> Options {
    let mut shown = BTreeSet::new();
    let mut all = BTreeSet::new();
    for arg in cmd.get_arguments() {
        if arg.is_positional() || ["help", "version"].contains(&arg.get_id().as_str()) {
            continue;
        }
        let mut names = Vec::new();
        if let Some(long) = arg.get_long() {
            names.push(format!("--{long}"));
        }
        if let Some(short) = arg.get_short() {
            names.push(format!("-{short}"));
        }
        for name in names {
            if !arg.is_hide_set() {
                shown.insert(name.clone());
            }
            all.insert(name);
        }
    }
    Options { shown, all }
}

/// Every command, by its path after `ptest` (`""` for a run, `"report
/// flaky"`), with its options.
fn clap_commands() -> BTreeMap<String, Options> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut BTreeMap<String, Options>) {
        let options = options_of(cmd);
        // A group such as `ptest report` is documented by its subcommands.
        if cmd.get_subcommands().next().is_none() || !options.all.is_empty() {
            out.insert(path.to_string(), options);
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let sub_path = if path.is_empty() {
                sub.get_name().to_string()
            } else {
                format!("{path} {}", sub.get_name())
            };
            walk(sub, &sub_path, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(&ptest::config::cli::Cli::command(), "", &mut out);
    out
}

/// The option spellings in a table cell: `--jobs`, `-j` from
/// "`-j, --jobs N\|auto`".
fn spellings(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (k, span) in cell.split('`').enumerate() {
        if k % 2 == 0 {
            continue;
        }
        for word in span.split([' ', ',']) {
            let name: String = word
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let long = name.starts_with("--") && name.len() > 2;
            let short = name.len() == 2 && name.starts_with('-') && name != "--";
            if long || short {
                out.push(name);
            }
        }
    }
    out
}

/// The options documented in `docs/cli.md`, by command path: the first
/// cell of every table row under a `## \`ptest …\`` heading.
fn documented_options(text: &str) -> BTreeMap<String, (usize, BTreeSet<String>)> {
    let mut out: BTreeMap<String, (usize, BTreeSet<String>)> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (n, line) in prose(text) {
        if let Some(heading) = line.strip_prefix("## ") {
            current = heading
                .split('`')
                .nth(1)
                .filter(|code| *code == "ptest" || code.starts_with("ptest "))
                .map(|code| code.trim_start_matches("ptest").trim().to_string());
            if let Some(path) = &current {
                out.entry(path.clone()).or_insert((n, BTreeSet::new()));
            }
            continue;
        }
        let (Some(path), Some(row)) = (&current, line.strip_prefix("| `")) else {
            continue;
        };
        let cell = format!("`{}", row.split(" | ").next().unwrap_or_default());
        out.get_mut(path)
            .expect("the section was entered")
            .1
            .extend(spellings(&cell));
    }
    out
}

/// Commands whose options are a run's options plus their own: their
/// section documents only their own, and the run's are in `## \`ptest\``.
const TAKES_RUN_OPTIONS: &[&str] = &["explain", "cargo"];

#[test]
fn cli_page_documents_exactly_the_options_clap_knows() {
    let text = std::fs::read_to_string(root().join("docs/cli.md")).expect("docs/cli.md");
    let documented = documented_options(&text);
    let commands = clap_commands();
    let run = &commands[""];
    let mut problems = Vec::new();
    for (path, options) in &commands {
        let name = format!("ptest {path}").trim().to_string();
        let Some((_, doc)) = documented.get(path) else {
            problems.push(format!("`{name}` has no `## \\`{name}\\`` section"));
            continue;
        };
        let inherits = TAKES_RUN_OPTIONS.contains(&path.as_str());
        for option in &options.shown {
            let by_run = inherits && run.shown.contains(option);
            if !doc.contains(option) && !by_run {
                problems.push(format!(
                    "`{name} {option}` is not documented in its section"
                ));
            }
        }
        for option in doc {
            if !options.all.contains(option) {
                problems.push(format!(
                    "docs/cli.md documents `{name} {option}`, which ptest does not know"
                ));
            }
        }
    }
    for (path, (line, _)) in &documented {
        if !commands.contains_key(path) {
            problems.push(format!(
                "docs/cli.md:{line}: a section for `ptest {path}`, which is no command"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check sees what it should: a run has dozens of options.
    assert!(documented[""].1.len() > 40, "{:?}", documented[""].1);
}

#[test]
fn spellings_are_read_from_a_cell() {
    assert_eq!(spellings("`-j, --jobs N\\|auto`"), ["-j", "--jobs"]);
    assert_eq!(
        spellings("`--github`, `--no-github`"),
        ["--github", "--no-github"]
    );
    assert_eq!(spellings("`-I DIR`"), ["-I"]);
    assert_eq!(spellings("`--shard K/N\\|auto`"), ["--shard"]);
}

// ---------------------------------------------------------------------
// ```toml blocks

#[test]
fn toml_blocks_load_with_ptests_config_reader() {
    let mut checked = 0;
    let mut refused = 0;
    for (page, text) in pages() {
        let blocks = fences(&text);
        for (k, block) in blocks.iter().enumerate() {
            let mut info = block.info.split_whitespace();
            if info.next() != Some("toml") {
                continue;
            }
            let at = format!("{page}:{}", block.line);
            match info.next() {
                Some("Cargo.toml") => {
                    toml::de::DeTable::parse(&block.body)
                        .unwrap_or_else(|e| panic!("{at}: not TOML: {e}"));
                }
                Some("invalid") => {
                    let run = load(&block.body);
                    assert_eq!(
                        run.code,
                        Some(2),
                        "{at}: must be refused: {}",
                        run.describe()
                    );
                    let shown = blocks
                        .get(k + 1)
                        .filter(|b| b.info == "text")
                        .unwrap_or_else(|| panic!("{at}: a ```text block with the error follows"));
                    let first = shown.body.lines().next().unwrap_or_default();
                    assert!(
                        run.stderr.contains(first),
                        "{at}: the error shown, {first:?}, is not what ptest says: {}",
                        run.stderr
                    );
                    refused += 1;
                }
                Some(other) => panic!("{at}: unknown ```toml marker `{other}`"),
                None => {
                    let run = load(&block.body);
                    assert_eq!(run.code, Some(0), "{at}: {}", run.describe());
                    assert!(
                        !run.stderr.contains("warning"),
                        "{at}: a warning: {}",
                        run.stderr
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 5, "{checked} ptest.toml blocks checked");
    assert!(refused >= 1, "{refused} invalid blocks checked");
}

/// `ptest --list --explain` in a fresh directory with `config` as its
/// `ptest.toml` and one test file.
fn load(config: &str) -> common::Run {
    let s = Suite::new();
    s.config(config);
    s.file("t/a.sh", "echo 1..1; echo ok 1\n");
    s.run(&["t", "--list", "--explain"])
}

// ---------------------------------------------------------------------
// example commands

/// Every `ptest …` command shown in a code block: (where, its words).
fn example_commands() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (page, text) in pages() {
        for block in fences(&text) {
            let lang = block.info.split_whitespace().next().unwrap_or_default();
            for (i, line) in block.body.lines().enumerate() {
                let at = format!("{page}:{}", block.line + 1 + i);
                let line = line.trim();
                let commands: Vec<String> = if let Some(c) = line.strip_prefix("$ ptest ") {
                    vec![c.to_string()]
                } else if ["sh", "console", "bash"].contains(&lang) {
                    line.strip_prefix("ptest ")
                        .map(String::from)
                        .into_iter()
                        .collect()
                } else if lang == "yaml" {
                    line.trim_start_matches("- ")
                        .trim_start_matches("run: ")
                        .split("&&")
                        .filter_map(|c| c.trim().strip_prefix("ptest "))
                        .map(String::from)
                        .collect()
                } else {
                    Vec::new()
                };
                for command in &commands {
                    // CI variables stand for one word.
                    let mut plain = String::new();
                    let mut rest = command.as_str();
                    while let Some(start) = rest.find("${{") {
                        plain.push_str(&rest[..start]);
                        plain.push('1');
                        let end = rest[start..].find("}}").expect("`}}` closes `${{`");
                        rest = &rest[start + end + 2..];
                    }
                    plain.push_str(rest);
                    let words = shell_words::split(&plain)
                        .unwrap_or_else(|e| panic!("{at}: {command}: {e}"));
                    let words: Vec<String> = std::iter::once("ptest".to_string())
                        .chain(words.into_iter().take_while(|w| !w.starts_with('#')))
                        .collect();
                    out.push((at.clone(), words));
                }
            }
        }
    }
    out
}

#[test]
fn example_commands_parse() {
    let examples = example_commands();
    assert!(examples.len() >= 25, "{} examples found", examples.len());
    let mut problems = Vec::new();
    for (at, words) in &examples {
        if let Err(e) = ptest::config::cli::Cli::try_parse_from_args(words) {
            problems.push(format!("{at}: {}: {e}", words.join(" ")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `Cli::try_parse_from`, as a trait call so the test reads plainly.
trait ParseFrom {
    fn try_parse_from_args(words: &[String]) -> Result<(), clap::Error>;
}

impl ParseFrom for ptest::config::cli::Cli {
    fn try_parse_from_args(words: &[String]) -> Result<(), clap::Error> {
        <Self as clap::Parser>::try_parse_from(words).map(drop)
    }
}

#[test]
fn a_wrong_example_would_be_caught() {
    let words: Vec<String> = ["ptest", "t", "--no-such-option"]
        .map(String::from)
        .to_vec();
    assert!(ptest::config::cli::Cli::try_parse_from_args(&words).is_err());
}

// ---------------------------------------------------------------------
// ```json blocks

#[test]
fn json_blocks_are_json() {
    let mut checked = 0;
    for (page, text) in pages() {
        for block in fences(&text) {
            if block.info == "json" {
                serde_json::from_str::<serde_json::Value>(&block.body)
                    .unwrap_or_else(|e| panic!("{page}:{}: not JSON: {e}", block.line));
                checked += 1;
            }
        }
    }
    assert!(checked >= 4, "{checked} JSON blocks");
}

// ---------------------------------------------------------------------
// links

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown text (a repeated heading gets `-1`, `-2`).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for (_, line) in prose(text) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes..]);
        let n = seen.entry(base.clone()).or_insert(0);
        out.insert(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    out
}

/// The targets of the Markdown links and images on a line.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Code spans hold no links.
    let plain: String = line
        .split('`')
        .enumerate()
        .map(|(k, part)| if k % 2 == 0 { part } else { "x" })
        .collect();
    let mut rest = plain.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

#[test]
fn slugs_are_githubs() {
    assert_eq!(
        slug("JSON summary (`--json`, `summary.json`)"),
        "json-summary---json-summaryjson"
    );
    assert_eq!(
        slug("`ptest explain`: why did this run alone?"),
        "ptest-explain-why-did-this-run-alone"
    );
    assert_eq!(
        link_targets("see [a `](x)`](b.md#c) and ![i](img/p.png)"),
        ["b.md#c", "img/p.png"]
    );
}

/// Pages linked before they land: written on another branch (the module
/// map). A link to one may dangle until it does; nothing else may.
const PAGES_WRITTEN_ELSEWHERE: &[&str] = &["docs/architecture.md"];

#[test]
fn relative_links_and_anchors_resolve() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for (page, text) in pages() {
        let dir = Path::new(&page)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        for (n, line) in prose(&text) {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (file, anchor) = match target.split_once('#') {
                    Some((file, anchor)) => (file, Some(anchor)),
                    None => (target.as_str(), None),
                };
                let path = if file.is_empty() {
                    root().join(&page)
                } else {
                    root().join(&dir).join(file)
                };
                let pending = PAGES_WRITTEN_ELSEWHERE
                    .iter()
                    .any(|p| root().join(p) == path);
                if !path.exists() && !pending {
                    problems.push(format!("{page}:{n}: {target}: no such file"));
                    continue;
                }
                if let (Some(anchor), true) = (anchor, path.exists()) {
                    let target_text = std::fs::read_to_string(&path).unwrap_or_default();
                    if !anchors(&target_text).contains(anchor) {
                        problems.push(format!("{page}:{n}: {target}: no such heading"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 50, "{checked} links checked");
}

// ---------------------------------------------------------------------
// the README's quick start

/// The commands of the README's quick start, comments left out.
fn quick_start() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = &readme[readme.find("## Quick start").expect("a quick start")..];
    let block = fences(section).into_iter().next().expect("its ```sh block");
    assert_eq!(block.info, "sh");
    block
        .body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn readme_quick_start_runs() {
    let commands = quick_start();
    assert_eq!(commands.len(), 2, "two commands: {commands:?}");

    // 1. `cargo run --release -- ARGS`: this build of ptest, with ARGS, in
    //    the repository, its state kept out of the tree.
    let args = commands[0]
        .strip_prefix("cargo run --release -- ")
        .unwrap_or_else(|| panic!("{:?} runs ptest through cargo", commands[0]));
    let args = shell_words::split(args).expect("shell words");
    let state = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ptest"))
        .args(&args)
        .current_dir(root())
        .env("PTEST_STATE_DIR", state.path())
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ptest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Result: PASS"), "{stdout}");

    // 2. `bash .ci/run`: the script exists, is valid bash and runs the
    //    checks the README says it runs.
    let script = commands[1]
        .strip_prefix("bash ")
        .unwrap_or_else(|| panic!("{:?} is a bash script", commands[1]));
    let check = std::process::Command::new("bash")
        .args(["-n", script])
        .current_dir(root())
        .status()
        .expect("bash -n");
    assert!(check.success(), "bash -n {script}");
    let text = std::fs::read_to_string(root().join(script)).expect("the script");
    for step in ["cargo fmt", "cargo clippy", "cargo doc", "cargo test"] {
        assert!(text.contains(step), "{script} runs {step}");
    }
}
