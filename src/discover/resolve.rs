//! Per-file resolution: which `[[runner]]` starts a file, and its
//! settings from `[[override]]`s and its header.
//!
//! Precedence, key by key: the file's header > the last matching
//! `[[override]]` > run-wide values (left `None` in
//! [`UnitSettings`], which plan and run read as "the run's") > built-in
//! default. Each key that is set records where it came from in
//! [`UnitSettings::sources`] (`header t/db.t:3`,
//! `ptest.toml:14 [[override]] "**/db_*"`), and so does the runner.

use super::header::Header;
use crate::config::file::pattern_matcher;
use crate::config::quarantine::QuarantineRule;
use crate::config::rules::{PerFile, Rules, RunnerCwd, RunnerRule};
use crate::unit::{Runner, Unit, UnitId, UnitSettings};
use std::path::{Path, PathBuf};

/// The rules compiled once per run.
pub(crate) struct Compiled {
    base: PathBuf,
    runners: Vec<(globset::GlobMatcher, RunnerRule)>,
    overrides: Vec<(globset::GlobMatcher, PerFile, String)>,
    /// `[quarantine]` entries.
    quarantine: Vec<(globset::GlobMatcher, QuarantineRule)>,
    /// Run-wide variables (`env`, `--env`), given to every child first.
    env: Vec<(String, String)>,
}

/// What the per-file rules decided for one file.
pub(crate) struct Resolved {
    pub settings: UnitSettings,
    pub env: Vec<(String, String)>,
    /// Paths of `depends-on`, to be turned into ids by the caller.
    pub depends_on: Vec<PathBuf>,
}

impl Compiled {
    /// Compiles `rules` (their patterns were checked when the file was read;
    /// one that fails here matches nothing).
    pub fn new(rules: &Rules, env: &[(String, String)]) -> Compiled {
        Compiled {
            base: rules.base.clone(),
            runners: rules
                .runners
                .iter()
                .filter_map(|r| Some((pattern_matcher(&r.pattern).ok()?, r.clone())))
                .collect(),
            overrides: rules
                .overrides
                .iter()
                .filter_map(|o| {
                    Some((
                        pattern_matcher(&o.pattern).ok()?,
                        o.settings.clone(),
                        o.origin.clone(),
                    ))
                })
                .collect(),
            quarantine: rules
                .quarantine
                .iter()
                .filter_map(|q| Some((pattern_matcher(&q.pattern).ok()?, q.clone())))
                .collect(),
            env: env.to_vec(),
        }
    }

    /// The path rule patterns are matched against: relative to the config
    /// file's directory (`absolute` is the file's absolute path).
    fn rule_path<'a>(&self, absolute: &'a Path) -> &'a Path {
        absolute.strip_prefix(&self.base).unwrap_or(absolute)
    }

    /// The first `[[runner]]` matching the file.
    pub fn runner(&self, absolute: &Path) -> Option<&RunnerRule> {
        let rel = self.rule_path(absolute);
        self.runners
            .iter()
            .find(|(m, _)| m.is_match(rel))
            .map(|(_, rule)| rule)
    }

    /// `[quarantine]` entries, then overrides in file order, then the
    /// header, key by key.
    pub fn settings(&self, absolute: &Path, header: Option<(&Header, &str)>) -> Resolved {
        let rel = self.rule_path(absolute);
        let mut out = Resolved {
            settings: UnitSettings::default(),
            env: self.env.clone(),
            depends_on: Vec::new(),
        };
        for (matcher, rule) in &self.quarantine {
            if matcher.is_match(rel) {
                apply_quarantine(&mut out.settings, rule);
            }
        }
        for (matcher, settings, origin) in &self.overrides {
            if matcher.is_match(rel) {
                apply(&mut out, settings, &|_| origin.clone());
            }
        }
        if let Some((header, name)) = header {
            let line_of = |key: &str| {
                let line = header
                    .lines
                    .iter()
                    .rev()
                    .find(|(k, _)| k == key)
                    .map_or(0, |(_, l)| *l);
                format!("header {name}:{line}")
            };
            apply(&mut out, &header.settings, &line_of);
        }
        out
    }
}

/// Sets what `per_file` sets, recording `origin(key)` as the source.
fn apply(out: &mut Resolved, per_file: &PerFile, origin: &dyn Fn(&str) -> String) {
    let s = &mut out.settings;
    if let Some(v) = per_file.timeout {
        s.timeout = Some(v);
    }
    if let Some(v) = per_file.slow {
        s.slow = Some(v);
    }
    if let Some(v) = per_file.retries {
        s.retries = Some(v);
    }
    if let Some(v) = per_file.exclusive {
        s.exclusive = v;
    }
    if let Some(v) = &per_file.group {
        s.group = Some(v.clone());
    }
    if let Some(v) = per_file.weight {
        s.weight = v;
    }
    if let Some(v) = &per_file.depends_on {
        out.depends_on = v.clone();
    }
    if let Some(v) = &per_file.skip {
        s.skip = Some(v.clone());
    }
    if let Some(v) = per_file.quarantine {
        s.quarantine = v;
    }
    for (name, value) in &per_file.env {
        out.env.retain(|(n, _)| n != name);
        out.env.push((name.clone(), value.clone()));
    }
    for key in per_file.keys() {
        let origin = origin(&key);
        s.sources.retain(|(k, _)| *k != key);
        s.sources.push((key, origin));
    }
}

/// Sets what a matching `[quarantine]` entry sets: the whole file
/// (source key `quarantine`) or one more test (`quarantine-tests`, the
/// latest entry's origin).
fn apply_quarantine(s: &mut UnitSettings, rule: &QuarantineRule) {
    let key = match &rule.test {
        None => {
            s.quarantine = true;
            "quarantine"
        }
        Some(test) => {
            if !s.quarantine_tests.contains(test) {
                s.quarantine_tests.push(test.clone());
            }
            "quarantine-tests"
        }
    };
    s.sources.retain(|(k, _)| k != key);
    s.sources.push((key.to_string(), rule.origin.clone()));
}

/// The runner a `[[runner]]` rule gives a file whose built-in runner would be
/// `builtin`.
pub(crate) fn runner_for(rule: &RunnerRule, builtin: &Runner) -> Runner {
    let mut argv = rule.wrapper.clone();
    match &rule.command {
        Some(command) => argv.extend(command.iter().cloned()),
        None => match builtin {
            Runner::Direct => argv.push("{file}".to_string()),
            Runner::Interpreter { program, args } => {
                argv.push(program.clone());
                argv.extend(args.iter().cloned());
                argv.push("{file}".to_string());
            }
            Runner::Command { argv: inner } => argv.extend(inner.iter().cloned()),
            Runner::Unrunnable { .. } => return builtin.clone(),
        },
    }
    Runner::Command { argv }
}

/// Where the runner starts the child (`None`: where ptest runs).
pub(crate) fn runner_cwd(rule: &RunnerRule, path: &Path) -> Option<PathBuf> {
    match rule.cwd {
        RunnerCwd::Invocation => None,
        RunnerCwd::File => Some(match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            Some(_) | None => PathBuf::from("."),
        }),
    }
}

/// Ids for `depends-on` paths, through the discovery id rule.
pub(crate) fn dependency_ids(paths: &[PathBuf], id: &dyn Fn(&Path) -> String) -> Vec<UnitId> {
    paths.iter().map(|p| UnitId::new(id(p))).collect()
}

/// A pattern matched against a whole unit id, `*` crossing `/` and `::`;
/// `None` for a bad glob (the config reader has refused those already).
fn id_matcher(pattern: &str) -> Option<globset::GlobMatcher> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .build()
        .ok()?;
    Some(glob.compile_matcher())
}

/// Applies `[[override]]`s to units that are not files (`ptest cargo`'s
/// tests): each pattern is a glob matched against the whole unit id, `*`
/// crossing `/` and `::` (`"my-crate *"`, `"*::db_*"`, `"*slow*"`). Later
/// matches win, key by key, over what the unit already has; the run-wide
/// environment and the overrides' `env` come after the unit's own.
/// `depends-on` values are unit ids.
pub(crate) fn apply_by_id(units: &mut [Unit], rules: &Rules, env: &[(String, String)]) {
    let overrides: Vec<(globset::GlobMatcher, &crate::config::rules::OverrideRule)> = rules
        .overrides
        .iter()
        .filter_map(|o| Some((id_matcher(&o.pattern)?, o)))
        .collect();
    // `[quarantine] files` entries match whole ids too (a cargo test is one
    // test: `tests` entries, `FILE::TEST`, name tests inside a file).
    let quarantine: Vec<(globset::GlobMatcher, &QuarantineRule)> = rules
        .quarantine
        .iter()
        .filter(|q| q.test.is_none())
        .filter_map(|q| Some((id_matcher(&q.pattern)?, q)))
        .collect();
    for unit in units {
        let mut out = Resolved {
            settings: unit.settings.clone(),
            env: env.to_vec(),
            depends_on: Vec::new(),
        };
        for (matcher, rule) in &quarantine {
            if matcher.is_match(unit.id.as_str()) {
                apply_quarantine(&mut out.settings, rule);
            }
        }
        for (matcher, rule) in &overrides {
            if matcher.is_match(unit.id.as_str()) {
                apply(&mut out, &rule.settings, &|_| rule.origin.clone());
            }
        }
        unit.settings = out.settings;
        unit.settings.depends_on = out
            .depends_on
            .iter()
            .map(|p| {
                let id = p.strip_prefix(&rules.base).unwrap_or(p);
                UnitId::new(id.to_string_lossy().into_owned())
            })
            .collect();
        unit.env.extend(
            out.env
                .into_iter()
                .map(|(k, v)| (std::ffi::OsString::from(k), std::ffi::OsString::from(v))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::rules::OverrideRule;
    use crate::unit::UnitKind;
    use std::time::Duration;

    fn cargo_test(id: &str) -> Unit {
        let mut unit = Unit::file(id.into(), "bin".into(), Runner::Direct, None, 0);
        unit.kind = UnitKind::CargoTest {
            binary: "bin".into(),
            binary_id: "calc".into(),
            name: id.into(),
            ignored: false,
        };
        unit.env = vec![("CARGO_PKG_NAME".into(), "calc".into())];
        unit
    }

    #[test]
    fn overrides_match_whole_ids_across_colons_and_slashes() {
        let rule = |pattern: &str, timeout: u64| OverrideRule {
            pattern: pattern.into(),
            settings: PerFile {
                timeout: Some(Duration::from_secs(timeout)),
                ..PerFile::default()
            },
            origin: format!("ptest.toml [[override]] {pattern:?}"),
        };
        let rules = Rules {
            base: "/w".into(),
            runners: Vec::new(),
            overrides: vec![rule("calc *", 5), rule("*::bin/app *slow", 9)],
            quarantine: vec![QuarantineRule {
                pattern: "*::bin/app *".into(),
                test: None,
                origin: "ptest.toml:9 [quarantine] \"*::bin/app *\"".into(),
            }],
        };
        let mut units = vec![
            cargo_test("calc tests::a"),
            cargo_test("app::bin/app tests::slow"),
            cargo_test("calcx tests::b"),
        ];
        apply_by_id(&mut units, &rules, &[("RUN".into(), "1".into())]);
        let timeouts: Vec<Option<u64>> = units
            .iter()
            .map(|u| u.settings.timeout.map(|t| t.as_secs()))
            .collect();
        assert_eq!(timeouts, [Some(5), Some(9), None]);
        assert_eq!(units[0].settings.sources[0].0, "timeout");
        // `[quarantine] files` globs match whole ids as well.
        let quarantined: Vec<bool> = units.iter().map(|u| u.settings.quarantine).collect();
        assert_eq!(quarantined, [false, true, false]);
        // The unit's own environment first, then the run's.
        let names: Vec<_> = units[0].env.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(names, ["CARGO_PKG_NAME", "RUN"]);
    }
}
