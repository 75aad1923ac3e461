use super::*;
use crate::config::Jobs;
use std::time::Duration;

fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
    ConfigFile::parse(text, Path::new("ptest.toml"), Path::new("/repo"))
}

#[test]
fn run_and_profiles_become_layers_with_their_lines() {
    let config = parse(
        "[run]\njobs = 3\ntimeout = \"30s\"\nenv = { A = \"1\" }\n\n[profile.ci]\nretries = 2\njunit = \"out/junit.xml\"\n",
    )
    .unwrap();
    let jobs = config.run.jobs.unwrap();
    assert_eq!(jobs.value, Jobs::Count(3));
    assert_eq!(jobs.source.to_string(), "ptest.toml:2 [run]");
    assert_eq!(config.run.timeout.unwrap().value, Duration::from_secs(30));
    assert_eq!(config.run.env[0].0, "A");
    let (line, ci) = &config.profiles["ci"];
    assert_eq!(*line, 6);
    let retries = ci.retries.clone().unwrap();
    assert_eq!(retries.source.to_string(), "ptest.toml:7 [profile.ci]");
    assert_eq!(
        ci.junit.clone().unwrap().value,
        PathBuf::from("out/junit.xml")
    );
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn unknown_keys_are_warnings_with_file_and_line() {
    let config = parse("[run]\njobs = 2\njbos = 3\n\n[extra]\n").unwrap();
    assert_eq!(
        config.warnings,
        [
            "ptest.toml:3: unknown key `jbos` in [run] (ignored)",
            "ptest.toml:5: unknown key `extra` in the file (sections are [run], [profile.NAME], [[runner]], [[override]], [groups.NAME], [quarantine], [queue]) (ignored)"
        ]
    );
}

#[test]
fn wrong_values_are_errors_naming_file_line_key_and_expectation() {
    let err = parse("[run]\n\ntimeout = true\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "ptest.toml:3: `run.timeout`: expected a duration such as \"30s\", \"1m30s\" or \"500ms\", found the boolean true"
    );
    let err = parse("[[runner]]\npattern = \"*.py\"\ncommand = [\"x\"]\nprotocol = \"xml\"\n")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ptest.toml:4: `runner[1].protocol`: expected one of \"exit\", \"tap\", \"junit\", \"libtest\", \"auto\", found the string \"xml\""
    );
    let err = parse("[groups.db]\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "ptest.toml:1: [groups.db] needs `max-threads`"
    );
    let err = parse("[run\n").unwrap_err();
    assert!(err.to_string().starts_with("ptest.toml:1: "), "{err}");
}

#[test]
fn runners_overrides_and_groups_keep_file_order_and_origin() {
    let config = parse(
        "[[runner]]\npattern = \"*.py\"\ncommand = [\"python3\", \"-m\", \"pytest\", \"{file}\"]\nprotocol = \"junit\"\ncwd = \"file\"\n\n[[override]]\npattern = \"**/db_*\"\nexclusive = true\ndepends-on = [\"t/setup.sh\"]\n\n[groups.db]\nmax-threads = 2\n",
    )
    .unwrap();
    let runner = &config.rules.runners[0];
    assert_eq!(runner.origin, "ptest.toml:1 [[runner]] \"*.py\"");
    assert_eq!(runner.protocol, Some(crate::parse::Protocol::Junit));
    assert_eq!(runner.cwd, RunnerCwd::File);
    let over = &config.rules.overrides[0];
    assert_eq!(over.origin, "ptest.toml:7 [[override]] \"**/db_*\"");
    assert_eq!(over.settings.exclusive, Some(true));
    assert_eq!(
        over.settings.depends_on,
        Some(vec![PathBuf::from("t/setup.sh")])
    );
    assert_eq!(config.groups["db"], 2);
    assert_eq!(config.rules.base, PathBuf::from("/repo"));
}

#[test]
fn the_search_walks_up_and_names_the_file_relative() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(dir.path().join("a/ptest.toml"), "").unwrap();
    assert_eq!(
        locate(None, &sub).unwrap(),
        Some(PathBuf::from("../ptest.toml"))
    );
    let missing = dir.path().join("nope.toml");
    let err = locate(Some((&missing, "--config")), &sub).unwrap_err();
    assert!(
        err.to_string().ends_with("not found (given by --config)"),
        "{err}"
    );
}
