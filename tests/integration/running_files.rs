//! Integration tests: the real `ptest` binary on small suites made of real
//! sh / perl / python3 files, each in its own temporary directory
//! (`tests/integration/common`): discovery, verdicts, timeouts, leaks, the child's
//! environment, Perl library paths, the run directory.

use crate::common::{alive, pid_in, text, Suite};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

#[test]
fn passing_suite_exits_zero_with_per_language_runners() {
    let s = Suite::new();
    s.file("tests/a.sh", "echo hello\n")
        .file(
            "tests/b.t",
            "print qq{1..2\\nok 1 - one\\nok 2 - two\\n};\n",
        )
        .file("tests/sub/c.py", "import sys\nsys.exit(0)\n")
        .file("tests/d.bash", "[[ 1 == 1 ]]\n")
        .executable("tests/e", "#!/bin/sh\nexit 0\n")
        .file("tests/notes.txt", "not a test\n");
    let run = s.run_reports(&["-j", "3"]);
    run.expect_code(0);
    let want: Vec<(String, String)> = [
        "tests/a.sh",
        "tests/b.t",
        "tests/d.bash",
        "tests/e",
        "tests/sub/c.py",
    ]
    .iter()
    .map(|id| (id.to_string(), "pass".to_string()))
    .collect();
    assert_eq!(run.verdicts(), want);
    assert_eq!(run.summary()["version"], 3);
    assert_eq!(run.summary()["totals"]["files"]["passed"], 5);
    assert_eq!(run.summary()["totals"]["files"]["total"], 5);
    let protocols: Vec<String> = run.summary()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| text(&f["protocol"]))
        .collect();
    assert_eq!(
        protocols,
        ["exit-code", "tap", "exit-code", "exit-code", "exit-code"]
    );
}

#[test]
fn failing_file_exits_one_and_shows_output_tail() {
    let s = Suite::new();
    s.file("t/ok.sh", "exit 0\n")
        .file("t/bad.sh", "echo 'something broke here' >&2\nexit 3\n");
    let run = s.run_reports(&[] as &[&str]);
    run.expect_code(1);
    let bad = run.file("t/bad.sh");
    assert_eq!(bad["verdict"], "fail");
    assert_eq!(bad["reasons"], serde_json::json!(["exited with status 3"]));
    assert_eq!(bad["stderr_tail"], "something broke here\n");
    assert!(
        run.stdout.contains("something broke here"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains("Failures:"), "{}", run.describe());
    // Failing files keep their logs; passing files' logs are removed.
    let log = s.path().join(bad["stderr_log"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "something broke here\n"
    );
    assert!(run.file("t/ok.sh").get("stdout_log").is_none());
}

#[test]
fn tap_results_are_parsed_per_test() {
    let s = Suite::new();
    s.file(
        "t/mixed.t",
        "print qq{1..4\\nok 1 - good\\nnot ok 2 - bad\\nok 3 # SKIP no db\\nnot ok 4 - later # TODO not done\\n}; exit 1;\n",
    );
    let run = s.run_reports(&[] as &[&str]);
    run.expect_code(1);
    let f = run.file("t/mixed.t");
    assert_eq!(f["verdict"], "fail");
    assert_eq!(f["protocol"], "tap");
    let statuses: Vec<String> = f["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| text(&c["status"]))
        .collect();
    assert_eq!(statuses, ["pass", "fail", "skip", "todo-fail"]);
    assert!(run.stdout.contains("not ok 2 - bad"), "{}", run.describe());
}

#[test]
fn sh_file_printing_tap_is_read_as_tap() {
    let s = Suite::new();
    s.file(
        "tests/tap.sh",
        "echo 1..2; echo ok 1; echo 'not ok 2 - nope'\n",
    );
    let run = s.run_reports(&[] as &[&str]);
    run.expect_code(1);
    let f = run.file("tests/tap.sh");
    assert_eq!(f["protocol"], "tap");
    assert_eq!(f["cases"].as_array().unwrap().len(), 2);
    assert_eq!(f["reasons"][0], "failed test 2");
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let s = Suite::new();
    // The test starts a grandchild that would outlive it, then hangs.
    s.file(
        "tests/hang.sh",
        "sleep 300 & echo $! > grandchild.pid\necho $$ > child.pid\nsleep 300\n",
    );
    let run = s
        .ptest(&["--timeout", "500ms", "--grace", "200ms"])
        .reports()
        .deadline(Duration::from_secs(20))
        .run();
    run.expect_code(1);
    let f = run.file("tests/hang.sh");
    assert_eq!(f["verdict"], "timeout");
    assert!(
        text(&f["reasons"][0]).contains("timed out after 500ms"),
        "{f:#}"
    );
    for pidfile in ["child.pid", "grandchild.pid"] {
        let pid = pid_in(&s, pidfile);
        assert!(!alive(pid), "{pidfile} ({pid}) still running");
    }
}

#[test]
fn processes_left_behind_are_killed_and_reported() {
    let s = Suite::new();
    s.file(
        "tests/leaky.sh",
        "sleep 300 & echo $! > leaked.pid\necho 1..1\necho ok 1\n",
    );
    let run = s
        .ptest(&[] as &[&str])
        .reports()
        .deadline(Duration::from_secs(20))
        .run();
    run.expect_code(0);
    let f = run.file("tests/leaky.sh");
    assert_eq!(f["leaked"], 1);
    assert!(
        run.stdout.contains("left 1 process running"),
        "{}",
        run.describe()
    );
    let pid = pid_in(&s, "leaked.pid");
    assert!(!alive(pid), "leaked process {pid} still running");
}

/// The environment a file saw, as `NAME=value` lines.
const DUMP_ENV: &str =
    "env | grep -E '^(PTEST|HARNESS_ACTIVE)' | sort > \"env-$(basename \"$PTEST_FILE\").txt\"\n";

fn env_of(s: &Suite, name: &str) -> std::collections::BTreeMap<String, String> {
    s.read(&format!("env-{name}.txt"))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn children_get_the_ptest_environment() {
    let s = Suite::new();
    s.file(
        "tests/env.sh",
        &format!(
            "{DUMP_ENV}test -d \"$PTEST_TMPDIR\" || exit 5\n\
             [ -z \"$(ls -A \"$PTEST_TMPDIR\")\" ] || exit 6\n\
             touch \"$PTEST_TMPDIR/x\"; echo \"$PTEST_TMPDIR\" > tmpdir.txt\n\
             cat > stdin.txt\nreadlink /proc/self/fd/0 > stdin-target.txt\n"
        ),
    )
    .file(
        "tests/other.sh",
        "echo \"$PTEST_TMPDIR\" > other-tmpdir.txt; touch \"$PTEST_TMPDIR/y\"\n",
    )
    // Three files for three slots: slots are capped at the number of files.
    .file("tests/third.sh", "true\n");
    let run = s.run_reports(&["-j", "3"]);
    run.expect_code(0);
    let env = env_of(&s, "env.sh");
    let run_id = text(&run.summary()["run_id"]);
    for (k, v) in [
        ("PTEST", "1"),
        ("PTEST_FILE", "tests/env.sh"),
        ("PTEST_JOBS", "3"),
        ("PTEST_PARALLEL", "1"),
        ("PTEST_ATTEMPT", "1"),
        ("PTEST_TOTAL_ATTEMPTS", "1"),
        ("HARNESS_ACTIVE", "1"),
        ("PTEST_RUN_ID", run_id.as_str()),
    ] {
        assert_eq!(env.get(k).map(String::as_str), Some(v), "{k} in {env:?}");
    }
    assert!(env.contains_key("PTEST_WORKER"), "{env:?}");
    assert!(!env.contains_key("PTEST_SHARD"), "no shard: {env:?}");
    // PTEST_RUN_ID names the run directory.
    assert!(s.path().join(".ptest/runs").join(&run_id).is_dir());
    // PTEST_TMPDIR: private to each file, emptied afterwards.
    let mine = s.read("tmpdir.txt").trim().to_string();
    let theirs = s.read("other-tmpdir.txt").trim().to_string();
    assert_ne!(mine, theirs);
    for dir in [&mine, &theirs] {
        let left = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0, "{dir} not emptied");
    }
    // stdin is /dev/null.
    assert_eq!(s.read("stdin.txt"), "");
    assert_eq!(s.read("stdin-target.txt").trim(), "/dev/null");
}

#[test]
fn one_job_tells_children_they_are_not_parallel() {
    let s = Suite::new();
    s.file("tests/env.sh", DUMP_ENV);
    s.run(&["-j", "1"]).expect_code(0);
    let env = env_of(&s, "env.sh");
    assert_eq!(env.get("PTEST_PARALLEL").map(String::as_str), Some("0"));
    assert_eq!(env.get("PTEST_JOBS").map(String::as_str), Some("1"));
    assert_eq!(env.get("PTEST_WORKER").map(String::as_str), Some("0"));
}

#[test]
fn inherited_ptest_variables_do_not_leak_into_the_harness() {
    // The suite builder strips PTEST_* from the environment; one set on
    // purpose is passed on, proving the stripping is what keeps them out.
    let s = Suite::new();
    s.file("tests/env.sh", DUMP_ENV);
    s.ptest(&["-j", "1"])
        .env("PTEST_FROM_OUTSIDE", "yes")
        .run()
        .expect_code(0);
    let env = env_of(&s, "env.sh");
    assert_eq!(
        env.get("PTEST_FROM_OUTSIDE").map(String::as_str),
        Some("yes")
    );
}

#[test]
fn file_that_cannot_start_is_an_error_and_the_run_goes_on() {
    let s = Suite::new();
    s.executable("tests/badshebang", "#!/no/such/interpreter\n")
        .file("tests/fine.sh", "exit 0\n")
        .file("data.bin", "x");
    let run = s.run_reports(&["tests", "data.bin"]);
    run.expect_code(1);
    let bad = run.file("tests/badshebang");
    assert_eq!(bad["verdict"], "error");
    let reason = text(&bad["reasons"][0]);
    assert!(reason.contains("cannot start"), "{reason}");
    assert!(
        reason.contains("`/no/such/interpreter` was not found"),
        "{reason}"
    );
    let data = run.file("data.bin");
    assert_eq!(data["verdict"], "error");
    assert!(
        text(&data["reasons"][0]).contains("no runner for extension `.bin`"),
        "{data:#}"
    );
    assert_eq!(run.file("tests/fine.sh")["verdict"], "pass");
}

#[test]
fn missing_path_is_a_usage_error_naming_it() {
    let s = Suite::new();
    let run = s.run(&["no/such/dir"]);
    run.expect_code(2);
    assert!(run.stderr.contains("no/such/dir"), "{}", run.describe());
}

#[test]
fn no_default_directory_is_a_usage_error() {
    let s = Suite::new();
    let run = s.run(&[] as &[&str]);
    run.expect_code(2);
    assert!(run.stderr.contains("tests/ or t/"), "{}", run.describe());
}

#[test]
fn empty_directory_exits_four() {
    let s = Suite::new();
    s.file("tests/README", "nothing to run\n");
    let run = s.run(&["tests"]);
    run.expect_code(4);
    assert!(
        run.stderr.contains("no test files found in tests"),
        "{}",
        run.describe()
    );
}

#[test]
fn bad_values_are_usage_errors_naming_the_value() {
    let s = Suite::new();
    s.file("tests/a.sh", "exit 0\n");
    for (args, needle) in [
        (vec!["-j", "0"], "`0`"),
        (vec!["--timeout", "forever"], "`forever`"),
        (vec!["--exclude", "a[b"], "a[b"),
        (vec!["tests/[x"], "[x"),
    ] {
        let run = s.run(&args);
        run.expect_code(2);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.describe());
    }
}

#[test]
fn globs_includes_excludes_gitignore_and_hidden_files() {
    let s = Suite::new();
    s.file("tests/a.sh", "exit 0\n")
        .file("tests/deep/b.sh", "exit 0\n")
        .file("tests/deep/c.t", "print qq{1..1\\nok 1\\n};\n")
        .file("tests/.hidden/d.sh", "exit 1\n")
        .file("tests/ignored/e.sh", "exit 1\n")
        .file("tests/.gitignore", "ignored/\n");
    // `.gitignore` counts inside a git work tree only, as in git (issue 15).
    let git = std::process::Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(s.path())
        .status()
        .expect("git runs");
    assert!(git.success());
    let list = |args: &[&str]| -> Vec<String> {
        let run = s.run(args);
        run.expect_code(0);
        run.first_words()
    };
    assert_eq!(
        list(&["tests", "--list"]),
        ["tests/a.sh", "tests/deep/b.sh", "tests/deep/c.t"]
    );
    assert_eq!(
        list(&["tests/**/*.sh", "--list"]),
        ["tests/a.sh", "tests/deep/b.sh"]
    );
    assert_eq!(
        list(&["tests", "--include", "*.t", "--list"]),
        ["tests/deep/c.t"]
    );
    assert_eq!(
        list(&["tests", "--exclude", "tests/deep/**", "--list"]),
        ["tests/a.sh"]
    );
    // Each file's own line names its runner.
    let run = s.run(&["tests", "--list"]);
    let runner = |id: &str| -> Vec<String> {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} not listed: {}", run.stdout));
        line.split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect()
    };
    assert_eq!(runner("tests/deep/c.t"), ["tap", "perl"]);
    assert_eq!(runner("tests/a.sh"), ["tap-or-exit-code", "sh"]);
}

#[test]
fn default_directory_is_tests_before_t() {
    let s = Suite::new();
    s.file("tests/a.sh", "exit 0\n").file("t/b.sh", "exit 0\n");
    let run = s.run(&["--list"]);
    run.expect_code(0);
    assert_eq!(run.first_words(), ["tests/a.sh"]);
    std::fs::remove_dir_all(s.path().join("tests")).unwrap();
    let run = s.run(&["--list"]);
    run.expect_code(0);
    assert_eq!(run.first_words(), ["t/b.sh"]);
}

#[test]
fn executable_t_with_a_sh_shebang_runs_directly_and_exec_empty_runs_all_directly() {
    let s = Suite::new();
    // Not Perl: `$0` is only a path under sh.
    s.executable(
        "t/shell.t",
        "#!/bin/sh\necho 1..1\ncase \"$0\" in */shell.t) echo ok 1 - sh;; *) echo not ok 1;; esac\n",
    )
    .file("t/perl.t", "print qq{1..1\\nok 1\\n};\n");
    let run = s.run(&["t", "--list"]);
    let line = |id: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id}: {}", run.stdout))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("t/shell.t"), "tap (direct)");
    assert_eq!(line("t/perl.t"), "tap perl");
    let run = s.run_reports(&["t"]);
    run.expect_code(0);
    assert_eq!(run.file("t/shell.t")["cases"][0]["name"], "sh");
    // `--exec ''`: every file runs directly, so the non-executable Perl
    // file cannot start.
    let run = s.run_reports(&["t", "--exec", ""]);
    run.expect_code(1);
    assert_eq!(run.file("t/shell.t")["verdict"], "pass");
    let perl = run.file("t/perl.t");
    assert_eq!(perl["verdict"], "error");
    assert!(
        text(&perl["reasons"][0]).contains("cannot start"),
        "{perl:#}"
    );
}

#[test]
fn exec_runs_every_file_through_a_command() {
    let s = Suite::new();
    s.file("t/one.t", "ignored content\n");
    let run = s.run_reports(&["--exec", "sh -c 'echo 1..1; echo ok 1 - $0'"]);
    run.expect_code(0);
    assert_eq!(run.file("t/one.t")["cases"][0]["name"], "t/one.t");
}

#[test]
fn keep_logs_keeps_passing_logs_and_the_run_directory_has_the_summary() {
    let s = Suite::new();
    s.file("tests/a.sh", "echo out; echo err >&2\n");
    let run = s.run_reports(&["--keep-logs"]);
    run.expect_code(0);
    let f = run.file("tests/a.sh");
    let out = s.path().join(text(&f["stdout_log"]));
    let err = s.path().join(text(&f["stderr_log"]));
    assert_eq!(std::fs::read_to_string(out).unwrap(), "out\n");
    assert_eq!(std::fs::read_to_string(err).unwrap(), "err\n");
    // The run directory's summary.json is the --json summary.
    let run_id = text(&run.summary()["run_id"]);
    let in_dir: Value =
        serde_json::from_str(&s.read(&format!(".ptest/runs/{run_id}/summary.json"))).unwrap();
    assert_eq!(&in_dir, run.summary());
    // Without --keep-logs a passing file's logs are gone.
    let run = s.run_reports(&[] as &[&str]);
    let f = run.file("tests/a.sh");
    assert!(
        f.get("stdout_log").is_none() && f.get("stderr_log").is_none(),
        "{f:#}"
    );
    let logs = s
        .path()
        .join(".ptest/runs")
        .join(text(&run.summary()["run_id"]))
        .join("logs");
    let left = std::fs::read_dir(&logs).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "{}", logs.display());
}

#[test]
fn run_directory_keeps_only_recent_runs() {
    let s = Suite::new();
    s.file("tests/a.sh", "exit 0\n");
    for _ in 0..12 {
        s.run(&["-q", "--no-history"]).expect_code(0);
    }
    let runs = std::fs::read_dir(s.path().join(".ptest/runs"))
        .unwrap()
        .count();
    assert_eq!(runs, 10);
}

#[test]
fn perl_tests_find_lib_like_prove_dash_l() {
    let s = Suite::new();
    s.file("lib/My/Mod.pm", "package My::Mod; sub answer { 42 } 1;\n")
        .file("extra/Other.pm", "package Other; sub name { 'other' } 1;\n")
        .file(
            "t/uses-lib.t",
            "use Test::More tests => 1; use My::Mod; is(My::Mod::answer(), 42);\n",
        )
        .file(
            "t/uses-extra.t",
            "use Test::More tests => 1; use Other; is(Other::name(), 'other');\n",
        );
    s.run_reports(&["t/uses-lib.t"]).expect_code(0);
    let run = s.run_reports(&["t/uses-lib.t", "--no-lib"]);
    run.expect_code(1);
    let f = run.file("t/uses-lib.t");
    assert!(
        text(&f["stderr_tail"]).contains("Can't locate My/Mod.pm in @INC"),
        "{f:#}"
    );
    s.run_reports(&["t/uses-extra.t", "-I", "extra"])
        .expect_code(0);
}

/// What `PERL5LIB` and `@INC` look like to a test.
const SHOW_PERL5LIB: &str =
    "print qq{1..1\\nok 1\\n}; open my $f, '>', 'perl5lib.txt'; print $f $ENV{PERL5LIB} // ''; close $f;\n";

#[test]
fn perl5lib_order_absolute_paths_blib_and_the_inherited_value() {
    let s = Suite::new();
    for d in ["lib", "blib/lib", "blib/arch", "extra"] {
        std::fs::create_dir_all(s.path().join(d)).unwrap();
    }
    s.file("t/show.t", SHOW_PERL5LIB);
    s.ptest(&["t", "-I", "extra"])
        .env("PERL5LIB", "/inherited/one:/inherited/two")
        .run()
        .expect_code(0);
    let root = s.path().canonicalize().unwrap();
    let want: Vec<String> = ["extra", "lib", "blib/lib", "blib/arch"]
        .iter()
        .map(|d| root.join(d).display().to_string())
        .chain(["/inherited/one".to_string(), "/inherited/two".to_string()])
        .collect();
    let got = s.read("perl5lib.txt");
    let got: Vec<String> = got
        .split(':')
        .map(|p| {
            // The temp dir may be reached through a symlink: compare canonical paths.
            Path::new(p)
                .canonicalize()
                .map_or_else(|_| p.to_string(), |c| c.display().to_string())
        })
        .collect();
    assert_eq!(got, want);
    // --no-lib: only -I and the inherited value.
    s.ptest(&["t", "--no-lib"])
        .env("PERL5LIB", "/inherited/one")
        .run()
        .expect_code(0);
    assert_eq!(s.read("perl5lib.txt"), "/inherited/one");
}

#[test]
fn taint_mode_tests_run_like_prove() {
    let s = Suite::new();
    s.file("lib/Tainted.pm", "package Tainted; sub ok { 1 } 1;\n")
        .file(
            "t/taint.t",
            "#!perl -T\nuse strict; use Test::More tests => 3;\nok(${^TAINT}, 'taint mode on');\n\
         use Tainted; ok(Tainted::ok(), 'lib found under -T');\n\
         ok((grep { m{^/} && m{/lib$} } @INC), 'absolute lib in \\@INC');\n",
        );
    let run = s.run_reports(&["t"]);
    run.expect_code(0);
    let f = run.file("t/taint.t");
    let statuses: Vec<String> = f["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| text(&c["status"]))
        .collect();
    assert_eq!(statuses, ["pass", "pass", "pass"], "{f:#}");
}

#[test]
fn closed_stdout_does_not_stop_the_run() {
    let s = Suite::new();
    for i in 0..6 {
        s.file(format!("tests/t{i}.sh"), "echo some output\n");
    }
    // Like `ptest | head -1`: the reader goes away before ptest is done.
    let run = s
        .ptest(&["-j", "2", "--json", "summary.json"])
        .closed_stdout()
        .run();
    let stderr_text = &run.stderr;
    assert_eq!(run.code, Some(0), "{stderr_text}");
    assert!(!stderr_text.contains("panicked"), "{stderr_text}");
    let summary: Value = serde_json::from_str(&s.read("summary.json")).unwrap();
    assert_eq!(summary["totals"]["files"]["passed"], 6);
}
