//! `ptest.toml`: finding it, reading it, checking every key with its line.
//!
//! The file is found with `--config PATH`, else `PTEST_CONFIG`, else as
//! `ptest.toml` in the working directory or the nearest parent that has
//! one. It is parsed with the `toml` crate into spanned values, turned
//! into [`Raw`] values with their line numbers, and then checked key by
//! key: an unknown key is a warning (file, line, key), a wrong type or
//! value an error ([`ConfigError::Value`]: file, line, key, what was
//! expected and what was found), which ends the run with exit code 2
//! before anything starts.
//!
//! Relative paths in the file (`history`, `state-dir`, `junit`, `json`,
//! `depends-on`) are relative to the file's directory, and so are the
//! patterns of `[[runner]]` and `[[override]]`.
//!
//! Sections: `[run]` (run-wide defaults), `[profile.NAME]` (the same keys,
//! layered over `[run]`), `[[runner]]`, `[[override]]`, `[groups.NAME]`,
//! `[quarantine]` (see [`super::quarantine`]).
//! `docs/config.md` lists every key.

use super::layer::{Layer, Source, Sourced};
use super::rules::{self, KeyProblem, OverrideRule, PerFile, Rules, RunnerCwd, RunnerRule};
use super::value::{self, Mismatch, Raw};
use super::{parse_jobs, ColorWhen, Order};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for in the working directory and its parents.
pub const CONFIG_NAME: &str = "ptest.toml";

/// Why `ptest.toml` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config` or `PTEST_CONFIG` names a file that does not exist.
    #[error("config file {} not found (given by {given_by})", path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
        /// `--config` or `PTEST_CONFIG`.
        given_by: String,
    },
    /// The file exists but cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not TOML.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A key with a value of the wrong type or out of range.
    #[error("{}:{line}: `{key}`: expected {expected}, found {found}", path.display())]
    Value {
        /// The file.
        path: PathBuf,
        /// 1-based line of the value.
        line: usize,
        /// The key, with its section (`run.jobs`, `runner[2].protocol`).
        key: String,
        /// What the key takes.
        expected: String,
        /// What was given.
        found: String,
    },
    /// A required key is missing.
    #[error("{}:{line}: {section} needs `{key}`", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// 1-based line of the section.
        line: usize,
        /// `[[runner]]`, `[[override]]`, `[groups.db]`.
        section: String,
        /// The missing key.
        key: String,
    },
    /// A pattern that is not a glob.
    #[error("{}:{line}: invalid pattern `{pattern}`", path.display())]
    Pattern {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The pattern as written.
        pattern: String,
        /// The glob parser's complaint.
        #[source]
        source: globset::Error,
    },
    /// `--profile`/`PTEST_PROFILE` names a profile the file does not have.
    #[error("unknown profile `{name}` (from {given_by}); {known}")]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// `--profile` or `PTEST_PROFILE`.
        given_by: String,
        /// `ptest.toml defines: ci, fast`, or why there is none.
        known: String,
    },
}

/// `ptest.toml`, read and checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFile {
    /// The file as found (relative to the working directory when found by
    /// the search): in every message and source.
    pub path: PathBuf,
    /// `[run]`.
    pub run: Layer,
    /// `[profile.NAME]`, by name, with the line of the header.
    pub profiles: BTreeMap<String, (usize, Layer)>,
    /// `[[runner]]` and `[[override]]`.
    pub rules: Rules,
    /// `[groups.NAME] max-threads`.
    pub groups: BTreeMap<String, u32>,
    /// `[queue]`: the shared work queue's keys (`url`, `run`, `lease`,
    /// `timeout`, `ttl`) as text, with their lines; checked by
    /// [`crate::queue::QueueSettings::resolve`].
    pub queue: Vec<(String, String, usize)>,
    /// Unknown keys: `ptest.toml:7: unknown key `jbos` in [run]`.
    pub warnings: Vec<String>,
}

/// Which file to read: `--config`, else `PTEST_CONFIG`, else the search
/// from `cwd` upwards. `Ok(None)`: no file (not an error).
pub fn locate(given: Option<(&Path, &str)>, cwd: &Path) -> Result<Option<PathBuf>, ConfigError> {
    if let Some((path, given_by)) = given {
        return if path.is_file() {
            Ok(Some(path.to_path_buf()))
        } else {
            Err(ConfigError::NotFound {
                path: path.to_path_buf(),
                given_by: given_by.to_string(),
            })
        };
    }
    let mut shown = PathBuf::new();
    for dir in cwd.ancestors() {
        if dir.join(CONFIG_NAME).is_file() {
            return Ok(Some(shown.join(CONFIG_NAME)));
        }
        shown.push("..");
    }
    Ok(None)
}

impl ConfigFile {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            Some(_) | None => Path::new("."),
        };
        let base = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let base = crate::util::path::lexical(&base);
        ConfigFile::parse(&text, path, &base)
    }

    /// Checks `text` as the file `path`; `base` (absolute) is its
    /// directory, which patterns are relative to.
    pub fn parse(text: &str, path: &Path, base: &Path) -> Result<ConfigFile, ConfigError> {
        let top = parse_toml(text, path)?;
        let mut reader = Reader {
            path,
            dir: path.parent().unwrap_or(Path::new("")),
            config: ConfigFile {
                path: path.to_path_buf(),
                rules: Rules {
                    base: base.to_path_buf(),
                    ..Rules::default()
                },
                ..ConfigFile::default()
            },
        };
        for (key, raw, line) in &top {
            reader.top_level(key, raw, *line)?;
        }
        Ok(reader.config)
    }
}

/// Parses TOML into top-level entries with lines.
fn parse_toml(text: &str, path: &Path) -> Result<Vec<(String, Raw, usize)>, ConfigError> {
    let table = toml::de::DeTable::parse(text).map_err(|err| ConfigError::Syntax {
        path: path.to_path_buf(),
        line: err.span().map_or(1, |s| line_of(text, s.start)),
        message: err.message().trim().to_string(),
    })?;
    Ok(entries(table.get_ref(), text))
}

/// A table's entries in the order they are written (by line).
fn entries(table: &toml::de::DeTable<'_>, text: &str) -> Vec<(String, Raw, usize)> {
    let mut entries: Vec<(String, Raw, usize)> = table
        .iter()
        .map(|(key, value)| {
            (
                key.get_ref().to_string(),
                to_raw(value.get_ref(), text),
                line_of(text, key.span().start),
            )
        })
        .collect();
    entries.sort_by_key(|(_, _, line)| *line);
    entries
}

fn to_raw(value: &toml::de::DeValue<'_>, text: &str) -> Raw {
    use toml::de::DeValue;
    match value {
        DeValue::String(s) => Raw::Str(s.to_string()),
        DeValue::Integer(n) => i64::from_str_radix(n.as_str(), n.radix())
            .map(Raw::Int)
            .unwrap_or(Raw::Float(f64::INFINITY)),
        DeValue::Float(x) => Raw::Float(x.as_str().parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Raw::Bool(*b),
        DeValue::Datetime(_) => Raw::Datetime,
        DeValue::Array(items) => Raw::List(
            items
                .iter()
                .map(|item| {
                    (
                        to_raw(item.get_ref(), text),
                        line_of(text, item.span().start),
                    )
                })
                .collect(),
        ),
        DeValue::Table(table) => Raw::Table(entries(table, text)),
    }
}

/// The 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Walks the entries, filling a [`ConfigFile`].
struct Reader<'a> {
    path: &'a Path,
    /// The file's directory as written (relative paths join to it).
    dir: &'a Path,
    config: ConfigFile,
}

impl Reader<'_> {
    fn top_level(&mut self, key: &str, raw: &Raw, line: usize) -> Result<(), ConfigError> {
        match key {
            "run" => {
                let table = self.table(raw, line, "run")?;
                let file = self.path.to_path_buf();
                self.config.run = self.layer(table, "run", &|line| Source::File {
                    file: file.clone(),
                    line,
                })?;
            }
            "profile" => {
                for (name, section, line) in self.table(raw, line, "profile")? {
                    let table = self.table(section, *line, &format!("profile.{name}"))?;
                    let (file, profile) = (self.path.to_path_buf(), name.clone());
                    let layer = self.layer(table, &format!("profile.{name}"), &|line| {
                        Source::Profile {
                            file: file.clone(),
                            line,
                            name: profile.clone(),
                        }
                    })?;
                    self.config.profiles.insert(name.clone(), (*line, layer));
                }
            }
            "runner" => {
                for (i, (item, line)) in self.array_of_tables(raw, line, "runner")?.iter().enumerate() {
                    let rule = self.runner(item, *line, i + 1)?;
                    self.config.rules.runners.push(rule);
                }
            }
            "override" => {
                for (i, (item, line)) in self.array_of_tables(raw, line, "override")?.iter().enumerate() {
                    let rule = self.override_rule(item, *line, i + 1)?;
                    self.config.rules.overrides.push(rule);
                }
            }
            "groups" => {
                for (name, group, line) in self.table(raw, line, "groups")? {
                    let section = format!("groups.{name}");
                    let mut threads = None;
                    for (key, raw, line) in self.table(group, *line, &section)? {
                        match key.as_str() {
                            "max-threads" => {
                                threads = Some(self.check(&section, key, *line, value::count(raw, 1))?)
                            }
                            _ => self.unknown(*line, key, &format!("[{section}]")),
                        }
                    }
                    let threads = threads.ok_or_else(|| ConfigError::Missing {
                        path: self.path.to_path_buf(),
                        line: *line,
                        section: format!("[{section}]"),
                        key: "max-threads".to_string(),
                    })?;
                    self.config.groups.insert(name.clone(), threads);
                }
            }
            "queue" => {
                for (key, raw, line) in self.table(raw, line, "queue")? {
                    match key.as_str() {
                        "url" | "run" | "lease" | "timeout" | "ttl" => {
                            let text = self.check("queue", key, *line, value::text(raw))?;
                            self.config.queue.push((key.clone(), text, *line));
                        }
                        _ => self.unknown(*line, key, "[queue]"),
                    }
                }
            }
            "quarantine" => {
                let table = self.table(raw, line, "quarantine")?;
                let (rules, warnings) = super::quarantine::read_section(self.path, table)?;
                self.config.rules.quarantine.extend(rules);
                self.config.warnings.extend(warnings);
            }
            _ => self.unknown(line, key, "the file (sections are [run], [profile.NAME], [[runner]], [[override]], [groups.NAME], [quarantine], [queue])"),
        }
        Ok(())
    }

    fn unknown(&mut self, line: usize, key: &str, section: &str) {
        self.config.warnings.push(format!(
            "{}:{line}: unknown key `{key}` in {section} (ignored)",
            self.path.display()
        ));
    }

    /// A key's checked value, or the error naming file, line and key.
    fn check<T>(
        &self,
        section: &str,
        key: &str,
        line: usize,
        checked: Result<T, Mismatch>,
    ) -> Result<T, ConfigError> {
        checked.map_err(|m| ConfigError::Value {
            path: self.path.to_path_buf(),
            line,
            key: format!("{section}.{key}"),
            expected: m.expected,
            found: m.found,
        })
    }

    fn table<'r>(
        &self,
        raw: &'r Raw,
        line: usize,
        key: &str,
    ) -> Result<&'r [(String, Raw, usize)], ConfigError> {
        match raw {
            Raw::Table(entries) => Ok(entries),
            other => Err(ConfigError::Value {
                path: self.path.to_path_buf(),
                line,
                key: key.to_string(),
                expected: "a table".to_string(),
                found: other.describe(),
            }),
        }
    }

    fn array_of_tables<'r>(
        &self,
        raw: &'r Raw,
        line: usize,
        key: &str,
    ) -> Result<&'r [(Raw, usize)], ConfigError> {
        match raw {
            Raw::List(items) if items.iter().all(|(i, _)| matches!(i, Raw::Table(_))) => Ok(items),
            other => Err(ConfigError::Value {
                path: self.path.to_path_buf(),
                line,
                key: key.to_string(),
                expected: format!("an array of tables ([[{key}]])"),
                found: other.describe(),
            }),
        }
    }

    /// A relative path in the file, joined to the file's directory.
    fn path_value(&self, raw: &Raw) -> Result<PathBuf, Mismatch> {
        value::text(raw).map(|p| self.dir.join(p))
    }

    /// `[run]` or `[profile.NAME]`.
    fn layer(
        &mut self,
        entries: &[(String, Raw, usize)],
        section: &str,
        source: &dyn Fn(usize) -> Source,
    ) -> Result<Layer, ConfigError> {
        let mut layer = Layer::default();
        for (key, raw, line) in entries {
            let line = *line;
            // Checks a value and stores it with its source.
            macro_rules! set {
                ($field:expr, $checked:expr) => {
                    $field = Some(Sourced::new(
                        self.check(section, key, line, $checked)?,
                        source(line),
                    ))
                };
            }
            match key.as_str() {
                "jobs" => set!(layer.jobs, jobs(raw)),
                "timeout" => set!(layer.timeout, value::duration(raw)),
                "grace" => set!(layer.grace, value::duration(raw)),
                "global-timeout" => set!(layer.global_timeout, value::duration(raw)),
                "retries" => set!(layer.retries, value::count(raw, 0)),
                "retry-delay" => set!(layer.retry_delay, value::duration(raw)),
                "retry-backoff" => set!(layer.retry_backoff, parsed(raw, BACKOFFS)),
                "retry-max-delay" => set!(layer.retry_max_delay, value::duration(raw)),
                "flaky-result" => set!(layer.flaky_fail, flaky_result(raw)),
                "slow" => set!(layer.slow, value::duration(raw)),
                "fail-fast" => set!(layer.fail_fast, value::flag(raw)),
                "max-fail" => set!(layer.max_fail, value::count(raw, 1)),
                "order" => set!(layer.order, parsed::<Order>(raw, ORDERS)),
                "include" => set!(layer.include, value::strings(raw)),
                "exclude" => set!(layer.exclude, value::strings(raw)),
                "history" => match raw {
                    Raw::Bool(false) => layer.no_history = Some(Sourced::new(true, source(line))),
                    other => set!(layer.history, self.path_value(other)),
                },
                "state-dir" => set!(layer.state_dir, self.path_value(raw)),
                "junit" => set!(layer.junit, self.path_value(raw)),
                "json" => set!(layer.json, self.path_value(raw)),
                "keep-logs" => set!(layer.keep_logs, value::flag(raw)),
                "color" => set!(layer.color, color(raw)),
                "load-limit" => set!(layer.load_limit, value::load_limit(raw)),
                "mem-budget" => set!(layer.mem_budget, value::size(raw)),
                "quarantine-flaky" => set!(layer.quarantine_flaky, super::quarantine::rate(raw)),
                "env" => {
                    for (name, text, line) in
                        self.check(section, key, line, value::env_table(raw))?
                    {
                        layer.env.push((name, Sourced::new(text, source(line))));
                    }
                }
                _ => self.unknown(line, key, &format!("[{section}]")),
            }
        }
        Ok(layer)
    }

    fn runner(&mut self, raw: &Raw, line: usize, n: usize) -> Result<RunnerRule, ConfigError> {
        let section = format!("runner[{n}]");
        let Raw::Table(entries) = raw else {
            unreachable_table()
        };
        let mut pattern = None;
        let mut rule = RunnerRule {
            pattern: String::new(),
            command: None,
            wrapper: Vec::new(),
            protocol: None,
            cwd: RunnerCwd::Invocation,
            batch: None,
            origin: String::new(),
        };
        let mut batch = None;
        let mut target = None;
        for (key, raw, at) in entries {
            macro_rules! check {
                ($checked:expr) => {
                    self.check(&section, key, *at, $checked)?
                };
            }
            match key.as_str() {
                "pattern" => pattern = Some((check!(value::text(raw)), *at)),
                "command" => rule.command = Some(check!(value::argv(raw))),
                "wrapper" => rule.wrapper = check!(value::argv(raw)),
                "protocol" => rule.protocol = check!(rules::protocol(raw)),
                "cwd" => rule.cwd = check!(runner_cwd(raw)),
                "batch" => batch = Some((check!(value::flag(raw)), *at)),
                "batch-target" => target = Some(check!(value::duration(raw))),
                _ => self.unknown(*at, key, "[[runner]]"),
            }
        }
        if let Some((true, at)) = batch {
            let files = rule
                .command
                .as_ref()
                .is_some_and(|argv| argv.iter().any(|a| a.contains("{files}")));
            if !files {
                return Err(ConfigError::Value {
                    path: self.path.to_path_buf(),
                    line: at,
                    key: format!("{section}.batch"),
                    expected:
                        "a `command` with `{files}` (batch = true runs several files in one child)"
                            .to_string(),
                    found: "no `{files}` in the command".to_string(),
                });
            }
            rule.batch = Some(target.unwrap_or(rules::DEFAULT_BATCH_TARGET));
        }
        let (pattern, at) = self.required(pattern, line, "[[runner]]", "pattern")?;
        if rule.command.is_none() && rule.wrapper.is_empty() {
            return Err(ConfigError::Missing {
                path: self.path.to_path_buf(),
                line,
                section: "[[runner]]".to_string(),
                key: "command (or wrapper)".to_string(),
            });
        }
        self.check_pattern(&pattern, at)?;
        rule.origin = format!("{}:{line} [[runner]] {pattern:?}", self.path.display());
        rule.pattern = pattern;
        Ok(rule)
    }

    fn override_rule(
        &mut self,
        raw: &Raw,
        line: usize,
        n: usize,
    ) -> Result<OverrideRule, ConfigError> {
        let section = format!("override[{n}]");
        let Raw::Table(entries) = raw else {
            unreachable_table()
        };
        let mut pattern = None;
        let mut settings = PerFile::default();
        let base = self.dir.to_path_buf();
        for (key, raw, at) in entries {
            if key == "pattern" {
                pattern = Some((self.check(&section, key, *at, value::text(raw))?, *at));
                continue;
            }
            match settings.set(key, raw, &base) {
                Ok(()) => {}
                Err(KeyProblem::Unknown) => self.unknown(*at, key, "[[override]]"),
                Err(KeyProblem::Value(m)) => return self.check(&section, key, *at, Err(m)),
            }
        }
        let (pattern, at) = self.required(pattern, line, "[[override]]", "pattern")?;
        self.check_pattern(&pattern, at)?;
        Ok(OverrideRule {
            origin: format!("{}:{line} [[override]] {pattern:?}", self.path.display()),
            pattern,
            settings,
        })
    }

    fn required<T>(
        &self,
        value: Option<T>,
        line: usize,
        section: &str,
        key: &str,
    ) -> Result<T, ConfigError> {
        value.ok_or_else(|| ConfigError::Missing {
            path: self.path.to_path_buf(),
            line,
            section: section.to_string(),
            key: key.to_string(),
        })
    }

    fn check_pattern(&self, pattern: &str, line: usize) -> Result<(), ConfigError> {
        pattern_matcher(pattern)
            .map(|_| ())
            .map_err(|source| ConfigError::Pattern {
                path: self.path.to_path_buf(),
                line,
                pattern: pattern.to_string(),
                source,
            })
    }
}

/// `array_of_tables` checked every item is a table.
fn unreachable_table() -> ! {
    unreachable!("array_of_tables checks that every item is a table")
}

/// Compiles a rule's pattern: one without `/` matches the file name
/// anywhere (`*.py`), one with `/` the path relative to `ptest.toml`'s
/// directory (`t/db/**`).
pub fn pattern_matcher(pattern: &str) -> Result<globset::GlobMatcher, globset::Error> {
    let trimmed = pattern.trim_start_matches("./");
    let full = if trimmed.contains('/') {
        trimmed.to_string()
    } else {
        format!("**/{trimmed}")
    };
    globset::GlobBuilder::new(&full)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
}

const ORDERS: &str = "one of \"failed-first\", \"lpt\", \"lexical\", \"random\", \"random:SEED\"";
const BACKOFFS: &str = "one of \"fixed\", \"exponential\"";

/// `flaky-result = "pass"|"fail"`: whether a FLAKY file fails the run.
fn flaky_result(raw: &Raw) -> Result<bool, Mismatch> {
    match raw {
        Raw::Str(s) if s == "fail" => Ok(true),
        Raw::Str(s) if s == "pass" => Ok(false),
        other => Err(Mismatch {
            expected: "one of \"pass\", \"fail\"".to_string(),
            found: other.describe(),
        }),
    }
}

const COLORS: &str = "one of \"auto\", \"always\", \"never\"";

fn jobs(raw: &Raw) -> Result<super::Jobs, Mismatch> {
    let expected = "a number of at least 1, or \"auto\"";
    let text = match raw {
        Raw::Str(s) => s.clone(),
        Raw::Int(n) => n.to_string(),
        other => {
            return Err(Mismatch {
                expected: expected.to_string(),
                found: other.describe(),
            })
        }
    };
    parse_jobs(&text).map_err(|_| Mismatch {
        expected: expected.to_string(),
        found: raw.describe(),
    })
}

fn parsed<T: std::str::FromStr>(raw: &Raw, expected: &str) -> Result<T, Mismatch> {
    match raw {
        Raw::Str(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| Mismatch {
        expected: expected.to_string(),
        found: raw.describe(),
    })
}

fn color(raw: &Raw) -> Result<ColorWhen, Mismatch> {
    use clap::ValueEnum;
    match raw {
        Raw::Str(s) => ColorWhen::from_str(s, false).ok(),
        _ => None,
    }
    .ok_or_else(|| Mismatch {
        expected: COLORS.to_string(),
        found: raw.describe(),
    })
}

fn runner_cwd(raw: &Raw) -> Result<RunnerCwd, Mismatch> {
    match raw {
        Raw::Str(s) if s == "file" => Ok(RunnerCwd::File),
        Raw::Str(s) if s == "invocation" || s == "." => Ok(RunnerCwd::Invocation),
        other => Err(Mismatch {
            expected: "\"file\" (the file's directory) or \"invocation\" (where ptest runs)"
                .to_string(),
            found: other.describe(),
        }),
    }
}

#[cfg(test)]
mod tests;
