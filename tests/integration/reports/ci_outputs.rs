//! GitHub Actions output, the Markdown summary and `--shard auto`, against
//! the real binary: files that fail with a Test::More location and a Rust
//! panic location, a flaky file, run with `GITHUB_ACTIONS=true` and a
//! temporary `$GITHUB_STEP_SUMMARY`.

use crate::common::Suite;

/// A TAP file whose second test fails as Test::More reports it.
const SUM_T: &str = "print \"1..2\\nok 1 - adds\\nnot ok 2 - carries\\n#   Failed test 'carries'\\n#   at t/sum.t line 12.\\n\";\n";

/// Fails like a Rust test binary: a panic location, then a long backtrace.
const PANICS: &str = "echo \"thread 'main' panicked at src/lib.rs:7:5:\" >&2\necho 'assertion failed: ok' >&2\nfor i in 1 2 3 4 5 6; do echo \"  $i: frame\" >&2; done\nexit 101\n";

/// Fails on the first attempt only.
const FLAKY: &str = "[ \"$PTEST_ATTEMPT\" -gt 1 ]\n";

fn suite() -> Suite {
    let suite = Suite::new();
    suite
        .file("t/sum.t", SUM_T)
        .file("t/panics.sh", PANICS)
        .file("t/flaky.sh", FLAKY)
        .file("t/ok.sh", "exit 0\n");
    suite
}

fn annotations(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("::error") || l.starts_with("::warning"))
        .collect()
}

#[test]
fn github_actions_gets_annotations_groups_and_a_job_summary() {
    let suite = suite();
    let step = suite.path().join(".suite/step_summary.md");
    std::fs::write(&step, "earlier step output\n").unwrap();
    let run = suite
        .ptest(&["t", "--retries", "1", "-j", "2"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &step.display().to_string())
        .run();
    run.expect_code(1);
    let lines = annotations(&run.stdout);
    assert!(
        lines.contains(&"::error file=t/sum.t,line=12,title=FAIL 2/2 t/sum.t%3A carries::not ok 2 - carries%0A  Failed test 'carries'%0A  at t/sum.t line 12."),
        "{}",
        run.describe()
    );
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("::error file=src/lib.rs,line=7,col=5,title=FAIL 2/2 t/panics.sh::")),
        "{}",
        run.describe()
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::warning file=t/flaky.sh,title=FLAKY t/flaky.sh::")),
        "{}",
        run.describe()
    );
    assert_eq!(lines.len(), 3, "{}", run.describe());
    // The panic's long output is folded in the log.
    let open = run
        .stdout
        .find("::group::Output of t/panics.sh")
        .unwrap_or_else(|| panic!("{}", run.describe()));
    let close = run.stdout[open..]
        .find("::endgroup::")
        .unwrap_or_else(|| panic!("{}", run.describe()));
    assert!(run.stdout[open..open + close].contains("panicked at src/lib.rs:7:5"));
    // Appended, not overwritten.
    let md = std::fs::read_to_string(&step).unwrap();
    assert!(
        md.starts_with("earlier step output\n## ptest: ❌ FAIL — 2 of 4 files failed"),
        "{md}"
    );
    assert!(md.contains("### Failures (2)"), "{md}");
    assert!(md.contains("| `t/flaky.sh` | 2 |"), "{md}");
    assert!(md.contains("**Bound:**"), "{md}");
}

#[test]
fn no_github_and_no_actions_write_nothing_of_it() {
    let suite = suite();
    let step = suite.path().join(".suite/step_summary.md");
    for (args, env) in [(vec!["t", "--no-github"], true), (vec!["t"], false)] {
        let mut cmd = suite.ptest(&args);
        if env {
            cmd = cmd
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_STEP_SUMMARY", &step.display().to_string());
        }
        let run = cmd.run();
        run.expect_code(1);
        assert!(annotations(&run.stdout).is_empty(), "{}", run.describe());
        assert!(!run.stdout.contains("::group::"), "{}", run.describe());
        assert!(!step.exists());
    }
    // --github forces it outside Actions (no step summary to write).
    let run = suite.run(&["t", "--github"]);
    assert_eq!(annotations(&run.stdout).len(), 3, "{}", run.describe());
}

#[test]
fn markdown_of_a_run_and_of_merged_shards() {
    let suite = suite();
    let run = suite.run(&["t", "--markdown", "out/run.md"]);
    run.expect_code(1);
    let md = suite.read("out/run.md");
    assert!(md.contains("<code>t/sum.t</code> — failed test 2"), "{md}");
    assert!(md.contains("at t/sum.t line 12."), "{md}");
    for k in 1..=2 {
        // Which files a shard gets follows the durations the first run
        // recorded, so either shard may hold only passing files: each exits
        // 0 or 1, never 2, and the merge below sees every file.
        let shard = suite.run(&[
            "t",
            "--shard",
            &format!("{k}/2"),
            "--json",
            &format!("s{k}.json"),
        ]);
        assert!(
            matches!(shard.code, Some(0 | 1)),
            "shard {k}/2: {}",
            shard.describe()
        );
    }
    let merged = suite.run(&[
        "merge",
        "s1.json",
        "s2.json",
        "--markdown",
        "all.md",
        "--github",
    ]);
    merged.expect_code(1);
    let md = suite.read("all.md");
    // Without retries t/flaky.sh fails too.
    assert!(md.contains("— 3 of 4 files failed"), "{md}");
    assert!(
        md.contains("<code>t/sum.t</code>") && md.contains("<code>t/panics.sh</code>"),
        "{md}"
    );
    assert_eq!(
        annotations(&merged.stdout).len(),
        3,
        "{}",
        merged.describe()
    );
}

#[test]
fn shard_auto_reads_each_ci() {
    let suite = Suite::new();
    for i in 0..4 {
        suite.file(format!("t/f{i}.sh"), "exit 0\n");
    }
    for (vars, want) in [
        (
            &[("PTEST_SHARD_INDEX", "2"), ("PTEST_SHARD_TOTAL", "2")][..],
            "shard 2/2",
        ),
        (
            &[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "2")][..],
            "shard 1/2",
        ),
        (
            &[("CIRCLE_NODE_INDEX", "1"), ("CIRCLE_NODE_TOTAL", "2")][..],
            "shard 2/2",
        ),
        (
            &[
                ("BUILDKITE_PARALLEL_JOB", "0"),
                ("BUILDKITE_PARALLEL_JOB_COUNT", "2"),
            ][..],
            "shard 1/2",
        ),
        (
            &[
                ("SYSTEM_JOBPOSITIONINPHASE", "2"),
                ("SYSTEM_TOTALJOBSINPHASE", "2"),
            ][..],
            "shard 2/2",
        ),
        (
            &[
                ("BITBUCKET_PARALLEL_STEP", "0"),
                ("BITBUCKET_PARALLEL_STEP_COUNT", "2"),
            ][..],
            "shard 1/2",
        ),
    ] {
        let mut cmd = suite.ptest(&["t", "--shard", "auto", "--list"]);
        for (k, v) in vars {
            cmd = cmd.env(k, v);
        }
        let run = cmd.run();
        run.expect_code(0);
        assert!(run.stderr.starts_with(want), "{vars:?}\n{}", run.describe());
        let mut cmd = suite.ptest(&["t", "--shard", "auto", "--list", "--explain"]);
        for (k, v) in vars {
            cmd = cmd.env(k, v);
        }
        let run = cmd.run();
        let used = format!("--shard auto: {}={}", vars[0].0, vars[0].1);
        assert!(run.stdout.contains(&used), "{used}\n{}", run.describe());
    }
}

#[test]
fn shard_auto_missing_or_malformed_is_a_usage_error_naming_it() {
    let suite = Suite::new();
    suite.file("t/a.sh", "exit 0\n");
    let run = suite.run(&["t", "--shard", "auto"]);
    run.expect_code(2);
    for name in [
        "PTEST_SHARD_INDEX",
        "CI_NODE_INDEX",
        "CIRCLE_NODE_INDEX",
        "BUILDKITE_PARALLEL_JOB",
        "SYSTEM_JOBPOSITIONINPHASE",
        "BITBUCKET_PARALLEL_STEP",
    ] {
        assert!(run.stderr.contains(name), "{name}\n{}", run.describe());
    }
    let run = suite
        .ptest(&["t", "--shard", "auto"])
        .env("CIRCLE_NODE_INDEX", "two")
        .env("CIRCLE_NODE_TOTAL", "3")
        .run();
    run.expect_code(2);
    assert!(
        run.stderr.contains("CIRCLE_NODE_INDEX=`two`"),
        "{}",
        run.describe()
    );
}

#[test]
fn completions_man_page_and_help_headings_come_from_the_clap_definitions() {
    let suite = Suite::new();
    for (shell, needle) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef ptest"),
        ("fish", "complete -c ptest"),
        ("elvish", "edit:completion:arg-completer[ptest]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = suite.run(&["completions", shell]);
        run.expect_code(0);
        assert!(run.stdout.contains(needle), "{shell}: {}", run.describe());
        assert!(run.stdout.contains("shard"), "{shell}: {}", run.describe());
    }
    suite.run(&["completions", "tcsh"]).expect_code(2);
    let man = suite.run(&["man"]);
    man.expect_code(0);
    assert!(man.stdout.contains(".TH ptest 1"), "{}", man.describe());
    assert!(man.stdout.contains("\\-\\-markdown"), "{}", man.describe());
    let help = suite.run(&["--help"]);
    let headings: Vec<&str> = help
        .stdout
        .lines()
        .filter(|l| l.ends_with(':') && !l.starts_with(' '))
        .collect();
    for h in [
        "Selection:",
        "Scheduling:",
        "Retries:",
        "Output:",
        "Reports:",
    ] {
        assert!(headings.contains(&h), "{h} in {headings:?}");
    }
    let reports = help.stdout.split("Reports:").nth(1).unwrap_or_default();
    assert!(
        reports.contains("--junit") && reports.contains("--markdown"),
        "{reports}"
    );
}

#[test]
fn readme_github_recipe_is_the_workflow_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("docs/ci.md")).unwrap();
    let workflow = std::fs::read_to_string(root.join(".github/workflows/ptest.yml")).unwrap();
    let begin = "<!-- begin .github/workflows/ptest.yml -->\n```yaml\n";
    let start = readme
        .find(begin)
        .expect("docs/ci.md has the workflow block")
        + begin.len();
    let end = start
        + readme[start..]
            .find("```\n<!-- end .github/workflows/ptest.yml -->")
            .expect("the block ends");
    assert_eq!(&readme[start..end], workflow);
}

/// A pytest file whose failing test's `def` is on line 6 and its failing
/// assert on line 8.
const TEST_CALC: &str = "def test_adds():\n    assert 1 + 1 == 2\n\n\n# The one that fails.\ndef test_total():\n    items = [1, 2]\n    assert sum(items) == 4\n";

#[test]
fn a_junit_case_location_is_the_annotation_line_and_survives_a_merge() {
    let suite = Suite::new();
    // pytest writes `file` and (0-based) `line` with junit_family=xunit1;
    // the ini also makes `tests/` its rootdir, so `file` is `test_calc.py`.
    suite
        .file("tests/pytest.ini", "[pytest]\njunit_family = xunit1\n")
        .file("tests/test_calc.py", TEST_CALC);
    let run = suite
        .ptest(&["tests", "--json", "s.json"])
        .env("GITHUB_ACTIONS", "true")
        .run();
    run.expect_code(1);
    let expected = "::error file=tests/test_calc.py,line=6,title=FAIL tests/test_calc.py%3A test_total::FAIL test_total";
    let lines = annotations(&run.stdout);
    assert_eq!(lines.len(), 1, "{}", run.describe());
    assert!(lines[0].starts_with(expected), "{}", run.describe());
    // The summary keeps the location, and a merge of it annotates the same.
    let summary = suite.json("s.json");
    let cases = &crate::common::file_in(&summary, "tests/test_calc.py")["cases"];
    assert_eq!(
        cases[1]["location"],
        serde_json::json!({"file": "tests/test_calc.py", "line": 6}),
        "{summary:#}"
    );
    assert_eq!(
        cases[0]["location"],
        serde_json::json!({"file": "tests/test_calc.py", "line": 1}),
        "{summary:#}"
    );
    let merged = suite.run(&["merge", "s.json", "--json", "m.json", "--github"]);
    merged.expect_code(1);
    let lines = annotations(&merged.stdout);
    assert_eq!(lines.len(), 1, "{}", merged.describe());
    assert!(lines[0].starts_with(expected), "{}", merged.describe());
    let merged_summary = suite.json("m.json");
    assert_eq!(
        crate::common::file_in(&merged_summary, "tests/test_calc.py")["cases"],
        *cases
    );
}
