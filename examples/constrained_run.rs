//! Runs a suite with per-file scheduling constraints set through the
//! library (until `ptest.toml` can say them), for `benches/constraints.sh`.
//!
//! ```text
//! constrained_run DIR JOBS [ID=SETTING[,SETTING…]]… [--group NAME=N]…
//! ```
//!
//! `SETTING` is `exclusive`, `group:NAME`, `weight:N` or `after:ID` (ids
//! relative to DIR's parent, as ptest names them when run there). Prints
//! the summary's `Time:` and `Bound:` lines.

use ptest::discover::{self, DiscoverOptions};
use ptest::merge::Merger;
use ptest::plan::{Expectations, Plan, PlanOptions};
use ptest::run::{self, RunOptions};
use ptest::unit::UnitId;
use std::collections::BTreeMap;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run_suite(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("constrained_run: {err}");
            ExitCode::from(2)
        }
    }
}

fn run_suite(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let [dir, jobs, rest @ ..] = args.as_slice() else {
        return Err("usage: constrained_run DIR JOBS [ID=SETTING,…]… [--group NAME=N]…".into());
    };
    let jobs: usize = jobs.parse()?;
    let mut groups = BTreeMap::new();
    let mut settings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        let (key, value) = if arg == "--group" {
            let spec = args.next().ok_or("--group needs NAME=N")?;
            let (name, n) = spec.split_once('=').ok_or("--group needs NAME=N")?;
            groups.insert(name.to_string(), n.parse()?);
            continue;
        } else {
            arg.split_once('=').ok_or("expected ID=SETTING")?
        };
        settings.insert(
            key.to_string(),
            value.split(',').map(String::from).collect(),
        );
    }
    let mut files = discover::discover(&DiscoverOptions::new(vec![dir.into()]))?;
    for unit in &mut files {
        for setting in settings.get(unit.id.as_str()).into_iter().flatten() {
            let s = &mut unit.settings;
            match setting.split_once(':') {
                None if setting == "exclusive" => s.exclusive = true,
                Some(("group", g)) => s.group = Some(g.to_string()),
                Some(("weight", w)) => s.weight = w.parse()?,
                Some(("after", id)) => s.depends_on.push(UnitId::new(id.to_string())),
                _ => return Err(format!("unknown setting `{setting}`").into()),
            }
        }
    }
    let options = PlanOptions {
        groups,
        ..PlanOptions::new(jobs)
    };
    let plan = Plan::build(files, &Expectations::new(), &options);
    plan.check()?;
    let mut run_options =
        RunOptions::new(jobs, std::env::temp_dir().join("ptest-constrained-runs"));
    run_options.keep_runs = 2;
    let mut merger = Merger::new(&plan);
    let outcome = run::run(&plan, &run_options, |event| {
        merger.observe(&event);
    })?;
    let summary = merger.finish(&outcome);
    println!(
        "files: {} passed of {}; wall {:.3}s",
        summary.totals.files.passed,
        summary.totals.files.total,
        summary.wall.as_secs_f64()
    );
    print!("{}", ptest::report::views::schedule_note(&plan, &summary));
    Ok(())
}
