//! The launcher: turns (unit, run settings, slot, attempt) into a
//! [`CommandSpec`] — the command line, the environment, the working
//! directory and the paths of the logs — without starting anything.
//!
//! What every child of a run shares is computed once ([`Launcher::new`]); a
//! command then costs its command line, its environment values and three
//! log paths. The worker starts the command (see `worker`) and adds the
//! one variable that belongs to the slot's scratch space, `PTEST_TMPDIR`.
//!
//! Environment given to each child:
//!
//! | variable | value |
//! |---|---|
//! | `PTEST` | `1` |
//! | `PTEST_RUN_ID` | the run id |
//! | `PTEST_FILE` | the unit id |
//! | `PTEST_WORKER` | the slot (0-based) |
//! | `PTEST_JOBS` | the number of slots |
//! | `PTEST_PARALLEL` | `1` with more than one slot, else `0` |
//! | `PTEST_ATTEMPT`, `PTEST_TOTAL_ATTEMPTS` | this attempt (1-based), and how many there may be |
//! | `PTEST_ITERATION` | which iteration of `--repeat`/`--until-fail` this is (1-based; `1` in a plain run) |
//! | `HARNESS_ACTIVE` | `1` (as `prove` sets it) |
//! | `PTEST_JUNIT_FILE` | where the child may write a JUnit report (absolute) |
//! | `PTEST_SHARD` | `K/N`, when running a shard |
//! | `PTEST_GROUP`, `PTEST_GROUP_SLOT` | the unit's group and the group slot it holds (`0..N-1` for `max-threads = N`, unique among the group's running members), when it is in a group |
//! | `PERL5LIB` | the `-I` directories (absolute) before the inherited value |
//!
//! and then the unit's own environment ([`Unit::env`]: `env` tables of
//! `ptest.toml`, headers and `--env`, resolved in discovery). A
//! [`crate::unit::Runner::Command`] template gets `{file}` and `{junit}`
//! substituted here ([`Unit::argv_with`]); `{junit}` is the same absolute
//! path as `PTEST_JUNIT_FILE`. Under Perl's taint
//! mode, which ignores `PERL5LIB`, the `-I` directories also go on the
//! command line, as `prove` does.

use super::{rundir, RunOptions};
use crate::unit::{Slot, Unit};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One command to start: everything the worker needs to spawn a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommandSpec {
    /// Program first, then its arguments.
    pub argv: Vec<OsString>,
    /// ptest's variables (see the module docs).
    pub env: Vec<(&'static str, OsString)>,
    /// The unit's own variables, set after ptest's.
    pub extra_env: Vec<(OsString, OsString)>,
    /// Where the child starts; `None`: ptest's directory.
    pub cwd: Option<PathBuf>,
    /// Final names of the logs (used when they are kept).
    pub stdout: PathBuf,
    /// See `stdout`.
    pub stderr: PathBuf,
    /// Where the child may write a JUnit report (`PTEST_JUNIT_FILE` holds
    /// the same path made absolute).
    pub junit: PathBuf,
}

/// What every command of a run shares, computed once per run.
#[derive(Debug, Clone)]
pub(crate) struct Launcher {
    run_id: OsString,
    slots: OsString,
    parallel: OsString,
    /// Retries of a unit whose own settings do not say.
    retries: u32,
    shard: Option<OsString>,
    /// The `-I` directories, absolute.
    perl_lib: Vec<PathBuf>,
    perl5lib: Option<OsString>,
    logs_dir: PathBuf,
    junit_dir: PathBuf,
    junit_env_dir: PathBuf,
}

impl Launcher {
    /// The shared part of every command of a run on `slots` slots writing
    /// into `run_dir`. Reads the inherited `PERL5LIB`.
    pub fn new(options: &RunOptions, run_dir: &Path, slots: usize) -> Launcher {
        // Absolute once, so a test that changes directory keeps them; used
        // for PERL5LIB and, under taint mode, as -I switches.
        let perl_lib: Vec<PathBuf> = options
            .perl_lib
            .iter()
            .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.clone()))
            .collect();
        // Where children may write JUnit reports: reported relative like the
        // logs, given to children as an absolute path so that a test that
        // changes directory still writes where ptest reads.
        let junit_dir = run_dir.join("junit");
        Launcher {
            run_id: options.run_id.clone().into(),
            slots: slots.to_string().into(),
            parallel: if slots > 1 { "1" } else { "0" }.into(),
            retries: options.retry.retries,
            shard: options.shard.as_ref().map(OsString::from),
            perl5lib: perl5lib(&perl_lib, std::env::var_os("PERL5LIB")),
            perl_lib,
            logs_dir: run_dir.join("logs"),
            junit_env_dir: std::path::absolute(&junit_dir).unwrap_or_else(|_| junit_dir.clone()),
            junit_dir,
        }
    }

    /// How many attempts `unit` may have: 1 + its retries.
    pub fn total_attempts(&self, unit: &Unit) -> u32 {
        unit.settings.total_attempts(self.retries)
    }

    /// The command for attempt `attempt` of `unit` in `slot` (holding
    /// `group_slot` of its group, if it is in one), or why the unit cannot
    /// be started.
    pub fn command(
        &self,
        unit: &Unit,
        slot: Slot,
        attempt: u32,
        group_slot: Option<u32>,
    ) -> Result<CommandSpec, String> {
        let stem = match unit.settings.iteration {
            Some(k) => rundir::iteration_log_stem(&unit.id, k, attempt),
            None => rundir::log_stem(&unit.id, attempt),
        };
        let junit_name = format!("{stem}.xml");
        let junit_env = self.junit_env_dir.join(&junit_name);
        let mut argv = unit.argv_with(Some(&junit_env)).map_err(str::to_string)?;
        add_taint_includes(&mut argv, &self.perl_lib);
        let mut env: Vec<(&'static str, OsString)> = Vec::with_capacity(12);
        env.extend([
            ("PTEST", "1".into()),
            ("PTEST_RUN_ID", self.run_id.clone()),
            ("PTEST_FILE", (&unit.id).into()),
            ("PTEST_WORKER", slot.to_string().into()),
            ("PTEST_JOBS", self.slots.clone()),
            ("PTEST_PARALLEL", self.parallel.clone()),
            ("PTEST_ATTEMPT", attempt.to_string().into()),
            (
                "PTEST_TOTAL_ATTEMPTS",
                self.total_attempts(unit).to_string().into(),
            ),
            (
                "PTEST_ITERATION",
                unit.settings.iteration.unwrap_or(1).to_string().into(),
            ),
            ("HARNESS_ACTIVE", "1".into()),
            ("PTEST_JUNIT_FILE", junit_env.into()),
        ]);
        if let Some(shard) = &self.shard {
            env.push(("PTEST_SHARD", shard.clone()));
        }
        if let Some(group) = &unit.settings.group {
            env.push(("PTEST_GROUP", group.into()));
            let slot = group_slot.unwrap_or(0);
            env.push(("PTEST_GROUP_SLOT", slot.to_string().into()));
        }
        if let Some(value) = &self.perl5lib {
            env.push(("PERL5LIB", value.clone()));
        }
        Ok(CommandSpec {
            argv,
            env,
            extra_env: unit.env.clone(),
            cwd: unit.cwd.clone(),
            stdout: self.logs_dir.join(format!("{stem}.stdout")),
            stderr: self.logs_dir.join(format!("{stem}.stderr")),
            junit: self.junit_dir.join(junit_name),
        })
    }
}

/// Taint mode (`perl -T`) ignores `PERL5LIB`, so the (absolute) library
/// directories go on the command line as `-I` switches instead, as `prove`
/// does.
fn add_taint_includes(argv: &mut Vec<OsString>, dirs: &[PathBuf]) {
    let tainted = argv.first().is_some_and(|p| p == "perl")
        && argv.iter().skip(1).any(|a| a == "-T" || a == "-t");
    if !tainted {
        return;
    }
    for (i, dir) in dirs.iter().enumerate() {
        let mut switch = OsString::from("-I");
        switch.push(dir);
        argv.insert(1 + i, switch);
    }
}

/// `PERL5LIB` with `dirs` in front of the inherited value.
fn perl5lib(dirs: &[PathBuf], inherited: Option<OsString>) -> Option<OsString> {
    if dirs.is_empty() {
        return None;
    }
    let mut paths = dirs.to_vec();
    if let Some(old) = inherited {
        paths.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(paths).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::Runner;

    fn options() -> RunOptions {
        let mut options = RunOptions::new(4, "runs".into());
        options.run_id = "r1".into();
        options
    }

    fn perl_t(id: &str, switches: &[&str]) -> Unit {
        let runner = Runner::Interpreter {
            program: "perl".into(),
            args: switches.iter().map(|s| s.to_string()).collect(),
        };
        Unit::file(id.into(), id.into(), runner, None, 0)
    }

    fn env<'a>(spec: &'a CommandSpec, key: &str) -> Option<&'a OsString> {
        spec.env.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    #[test]
    fn a_command_names_its_slot_attempt_and_logs() {
        let launch = Launcher::new(&options(), Path::new("runs/r1"), 4);
        let spec = launch
            .command(&perl_t("t/a.t", &[]), Slot::new(2), 3, None)
            .expect("runnable");
        assert_eq!(spec.argv, ["perl", "t/a.t"]);
        assert_eq!(env(&spec, "PTEST_WORKER").unwrap(), "2");
        assert_eq!(env(&spec, "PTEST_ATTEMPT").unwrap(), "3");
        assert_eq!(env(&spec, "PTEST_JOBS").unwrap(), "4");
        assert_eq!(env(&spec, "PTEST_PARALLEL").unwrap(), "1");
        assert_eq!(env(&spec, "PTEST_FILE").unwrap(), "t/a.t");
        assert_eq!(env(&spec, "PTEST_RUN_ID").unwrap(), "r1");
        assert_eq!(env(&spec, "PTEST_SHARD"), None);
        assert_eq!(env(&spec, "PERL5LIB"), None);
        let junit = PathBuf::from(env(&spec, "PTEST_JUNIT_FILE").unwrap());
        assert!(junit.is_absolute(), "{}", junit.display());
        assert!(junit.ends_with("runs/r1/junit/t%2Fa.t.3.xml"));
        assert_eq!(spec.junit, Path::new("runs/r1/junit/t%2Fa.t.3.xml"));
        assert_eq!(spec.stdout, Path::new("runs/r1/logs/t%2Fa.t.3.stdout"));
        assert_eq!(spec.stderr, Path::new("runs/r1/logs/t%2Fa.t.3.stderr"));
        assert_eq!((spec.cwd, spec.extra_env), (None, Vec::new()));
    }

    #[test]
    fn total_attempts_are_one_plus_the_units_retries_else_the_runs() {
        let mut options = options();
        options.retry.retries = 2;
        let launch = Launcher::new(&options, Path::new("runs/r1"), 1);
        let spec = launch
            .command(&perl_t("t/a.t", &[]), Slot::new(0), 1, None)
            .expect("runnable");
        assert_eq!(env(&spec, "PTEST_TOTAL_ATTEMPTS").unwrap(), "3");
        let mut own = perl_t("t/b.t", &[]);
        own.settings.retries = Some(0);
        let spec = launch
            .command(&own, Slot::new(0), 1, None)
            .expect("runnable");
        assert_eq!(env(&spec, "PTEST_TOTAL_ATTEMPTS").unwrap(), "1");
    }

    #[test]
    fn perl_lib_goes_into_perl5lib_and_under_taint_onto_the_command_line() {
        let mut options = options();
        options.perl_lib = vec!["/lib/a".into(), "/lib/b".into()];
        options.shard = Some("2/3".into());
        let launch = Launcher::new(&options, Path::new("runs/r1"), 1);
        let plain = launch.command(&perl_t("t/a.t", &[]), Slot::new(0), 1, None);
        let plain = plain.expect("runnable");
        assert_eq!(plain.argv, ["perl", "t/a.t"]);
        let lib = env(&plain, "PERL5LIB")
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(lib.starts_with("/lib/a:/lib/b"), "{lib}");
        assert_eq!(env(&plain, "PTEST_SHARD").unwrap(), "2/3");
        assert_eq!(env(&plain, "PTEST_PARALLEL").unwrap(), "0");
        let tainted = launch.command(&perl_t("t/b.t", &["-T"]), Slot::new(0), 1, None);
        let tainted = tainted.expect("runnable");
        assert_eq!(
            tainted.argv,
            ["perl", "-I/lib/a", "-I/lib/b", "-T", "t/b.t"]
        );
    }

    #[test]
    fn an_unrunnable_unit_has_no_command_but_its_reason() {
        let launch = Launcher::new(&options(), Path::new("runs/r1"), 1);
        let reason = "not executable".to_string();
        let unit = Unit::file(
            "t/x".into(),
            "t/x".into(),
            Runner::Unrunnable { reason },
            None,
            0,
        );
        let spec = launch.command(&unit, Slot::new(0), 1, None);
        assert_eq!(spec, Err("not executable".to_string()));
    }

    #[test]
    fn a_group_member_learns_its_group_and_group_slot() {
        let launch = Launcher::new(&options(), Path::new("runs/r1"), 4);
        let mut unit = perl_t("t/db.t", &[]);
        assert_eq!(
            env(
                &launch.command(&unit, Slot::new(0), 1, None).unwrap(),
                "PTEST_GROUP"
            ),
            None
        );
        unit.settings.group = Some("db".into());
        let spec = launch.command(&unit, Slot::new(3), 1, Some(1)).unwrap();
        assert_eq!(env(&spec, "PTEST_GROUP").unwrap(), "db");
        assert_eq!(env(&spec, "PTEST_GROUP_SLOT").unwrap(), "1");
    }

    #[test]
    fn the_units_own_directory_and_environment_travel_with_it() {
        let launch = Launcher::new(&options(), Path::new("runs/r1"), 1);
        let mut unit = perl_t("t/a.t", &[]);
        unit.cwd = Some("sub".into());
        unit.env = vec![("KEY".into(), "value".into())];
        let spec = launch
            .command(&unit, Slot::new(0), 1, None)
            .expect("runnable");
        assert_eq!(spec.cwd, Some(PathBuf::from("sub")));
        assert_eq!(spec.extra_env, [("KEY".into(), "value".into())]);
    }

    #[test]
    fn a_command_template_gets_the_junit_path_the_child_is_told() {
        let launch = Launcher::new(&options(), Path::new("runs/r1"), 1);
        let argv = vec!["tool".to_string(), "{file}".into(), "--out={junit}".into()];
        let unit = Unit::file(
            "t/a.py".into(),
            "t/a.py".into(),
            Runner::Command { argv },
            None,
            0,
        );
        let spec = launch
            .command(&unit, Slot::new(0), 1, None)
            .expect("runnable");
        let junit = env(&spec, "PTEST_JUNIT_FILE").unwrap().to_string_lossy();
        assert_eq!(spec.argv[1], "t/a.py");
        assert_eq!(spec.argv[2], format!("--out={junit}").as_str());
    }
}
