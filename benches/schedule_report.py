#!/usr/bin/env python3
"""The maths for benches/schedule.sh (stdlib only).

    schedule_report.py runs    --jobs J --measures TSV --name NAME --target T --expect FILES [--info] JSON[=WALL]...
    schedule_report.py peers   --jobs J --measures TSV --base BASE_JSON --times TSV
    schedule_report.py shards  --count N --measures TSV --base BASE_JSON --history H --dir DIR
    schedule_report.py table   --measures TSV

Every subcommand prints a human-readable section; `runs`, `peers` and
`shards` also append rows "measure<TAB>value<TAB>target<TAB>verdict" to the
measures file, and `table` prints those rows as the final table.

Lower bound (LB) of a run at J slots: max(sum(d) / J, max(d)). No schedule
of those durations on J slots can finish sooner (a file runs on one slot, a
slot runs one file at a time).
"""

import argparse
import heapq
import json
import os
import re
import statistics
import sys
from datetime import datetime

# ---------------------------------------------------------------- helpers --


def lower_bound(durations, jobs):
    return max(sum(durations) / jobs, max(durations))


def list_schedule(durations, jobs):
    """Makespan of greedy list scheduling in the given order on `jobs` slots
    (the next file starts on whichever slot frees first)."""
    free = [0.0] * jobs
    for d in durations:
        heapq.heappush(free, heapq.heappop(free) + d)
    return max(free)


def measure(path, name, value, target, verdict=None):
    """Appends a row to the measures TSV. target: a number (judged <=) or a
    string (informational)."""
    if verdict is None:
        if isinstance(target, (int, float)):
            verdict = "OK" if value <= target else "MISS"
            target = f"<= {target:g}"
        else:
            verdict = "info"
    with open(path, "a") as f:
        f.write(f"{name}\t{value:.3f}\t{target}\t{verdict}\n")


def load_json(path):
    with open(path) as f:
        return json.load(f)


def base_durations(path):
    """{file name: base seconds} from the generator's base.json."""
    return load_json(path)


def run_started(summary):
    """The run's start as unix seconds, from the summary's ISO timestamp."""
    s = summary.get("started_at")
    if not isinstance(s, str):
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


# ------------------------------------------------------------------- runs --


def analyse_run(path, jobs, ext_wall):
    """Per-run figures and a diagnosis of where the time over the bound went,
    from the --json summary (duration, started_at, worker per file)."""
    s = load_json(path)
    files = s["files"]
    bad = [f["id"] for f in files if f.get("verdict") not in ("pass", "skip")]
    dur = [f["duration"] for f in files]
    lb = lower_bound(dur, jobs)
    r = {"path": path, "files": len(files), "bad": bad, "wall": s["wall"], "ext": ext_wall,
         "sum": sum(dur), "max": max(dur), "lb": lb}
    wall = ext_wall if ext_wall else s["wall"]
    r["ratio"] = wall / lb
    r["ratio_json"] = s["wall"] / lb
    # Diagnosis.
    starts = sorted(files, key=lambda f: f["started_at"])
    t0 = starts[0]["started_at"]
    t_run = run_started(s)
    r["startup"] = (t0 - t_run) if t_run else None  # ptest start -> first file start
    end = max(f["started_at"] + f["duration"] for f in files)
    r["span"] = end - t0  # first start -> last finish
    # Idle gaps inside each worker's timeline (dispatch latency, spawning).
    by_worker = {}
    for f in starts:
        by_worker.setdefault(f.get("worker"), []).append(f)
    gaps = 0.0
    tail_idle = 0.0
    for fs in by_worker.values():
        for a, b in zip(fs, fs[1:]):
            gaps += max(0.0, b["started_at"] - (a["started_at"] + a["duration"]))
        tail_idle += end - (fs[-1]["started_at"] + fs[-1]["duration"])
    r["workers"] = len(by_worker)
    r["gaps"] = gaps
    r["tail_idle"] = tail_idle  # slot-seconds idle while the last files finish
    # The order ptest used, replayed with the true durations and no overhead;
    # and LPT with perfect knowledge of the true durations.
    r["order_sim"] = list_schedule([f["duration"] for f in starts], jobs)
    r["lpt_true"] = list_schedule(sorted(dur, reverse=True), jobs)
    last = max(files, key=lambda f: f["started_at"] + f["duration"])
    r["last"] = (last["id"], last["started_at"] - t0, last["duration"], last.get("worker"))
    return r


def cmd_runs(a):
    rows = []
    for arg in a.runs:
        path, _, ext = arg.partition("=")
        rows.append(analyse_run(path, a.jobs, float(ext) if ext else None))
    print(f"  {'run':<22} {'wall':>7} {'(json)':>7} {'sum':>7} {'max':>6} {'LB':>6} "
          f"{'wall/LB':>7}  {'order':>6} {'LPT*':>6} {'start':>6} {'gaps':>6} {'tail':>6}  last to finish")
    for r in rows:
        name = os.path.basename(r["path"]).removesuffix(".json")
        st = f"{r['startup']:.3f}" if r["startup"] is not None else "  n/a"
        lid, lstart, ldur, lw = r["last"]
        print(f"  {name:<22} {r['ext'] or r['wall']:7.3f} {r['wall']:7.3f} {r['sum']:7.2f} "
              f"{r['max']:6.2f} {r['lb']:6.3f} {r['ratio']:7.3f}  {r['order_sim']:6.3f} "
              f"{r['lpt_true']:6.3f} {st:>6} {r['gaps']:6.3f} {r['tail_idle']:6.2f}  "
              f"{os.path.basename(lid)} (w{lw}, +{lstart:.2f}s, {ldur:.2f}s)")
        if r["bad"] or r["files"] != a.expect:
            print(f"  !! {name}: {r['files']} files (want {a.expect}), not passing: {r['bad'][:5]}")
    print("  wall: wall clock around the ptest process; (json): ptest's own; LB = max(sum/j, max)"
          " of this run's durations")
    print("  order: the order ptest started files in, replayed on the true durations with no"
          " overhead; LPT*: LPT knowing the true durations;")
    print("  start: ptest start -> first file; gaps: idle slot-seconds between files; tail:"
          " idle slot-seconds while the last files finish")
    ratios = [r["ratio"] for r in rows]
    mean, mx = statistics.mean(ratios), max(ratios)
    target = a.info or a.target
    print(f"  {a.name}: wall/LB mean {mean:.3f}, max {mx:.3f} over {len(ratios)} runs"
          f" (target {'<= ' if a.target else ''}{target})")
    measure(a.measures, f"{a.name}: wall/LB, mean of {len(ratios)}", mean, target)
    if not a.info:
        measure(a.measures, f"{a.name}: wall/LB, worst of {len(ratios)}", mx, target)
    if any(r["bad"] or r["files"] != a.expect for r in rows):
        measure(a.measures, f"{a.name}: every file passed", 0, "all", "MISS")


# ------------------------------------------------------------------ peers --

PEER_NOTES = {
    "ptest": ("ptest -j J --history (recorded by the probe run)", 1.03),
    "ptest-lexical": ("ptest --order lexical --no-history (control)", "~1.4 expected"),
    "prove": ("prove -j J, no state", "~1.4 expected"),
    "prove-state": ("prove -j J --state=slow,save (state from the probe run)", "~1.06 expected"),
    "xargs": ("find | sort | xargs -P J -n1 sh", "~1.4 expected"),
    "parallel": ("GNU parallel -j J sh ::: DIR/*.sh", "~1.4 expected"),
}


def cmd_peers(a):
    base = list(base_durations(a.base).values())
    names = sorted(base_durations(a.base))
    by_name = [base_durations(a.base)[n] for n in names]
    lb = lower_bound(base, a.jobs)
    print(f"  base durations: {len(base)} files, sum {sum(base):.2f}s, max {max(base):.2f}s;"
          f" LB_base = max(sum/{a.jobs}, max) = {lb:.3f}s")
    print(f"  sleep-only list schedules of the base durations: name order"
          f" {list_schedule(by_name, a.jobs):.3f}s ({list_schedule(by_name, a.jobs) / lb:.3f}x),"
          f" LPT {list_schedule(sorted(base, reverse=True), a.jobs):.3f}s"
          f" ({list_schedule(sorted(base, reverse=True), a.jobs) / lb:.3f}x)")
    times = {}
    with open(a.times) as f:
        for line in f:
            if line.strip():
                name, secs = line.split("\t")[:2]
                times.setdefault(name, []).append(float(secs))
    if not times:
        print("  no timed runs")
        return
    print(f"  {'tool':<14} {'runs':>4} {'mean':>8} {'σ':>6} {'min':>8} {'max':>8} {'mean/LB_base':>12}  what")
    for name, ts in times.items():
        mean = statistics.mean(ts)
        sd = statistics.stdev(ts) if len(ts) > 1 else 0.0
        what, target = PEER_NOTES.get(name, ("", "info"))
        print(f"  {name:<14} {len(ts):4d} {mean:7.3f}s {sd:5.3f}s {min(ts):7.3f}s {max(ts):7.3f}s"
              f" {mean / lb:12.3f}  {what.replace(' J', f' {a.jobs}')}")
        measure(a.measures, f"3. {name}: mean wall / LB_base", mean / lb, target)
    print("  LB_base is computed from the generated (base) sleep durations, not from measured"
          " ones: it leaves out the few ms of sh/sleep start-up per file.")


# ----------------------------------------------------------------- shards --


def expected_from_history(history_path):
    """ptest's expected duration per file id: the weighted median of its runs
    (runs with the newest run's content hash weigh 3), as in history::expected."""
    h = load_json(history_path)
    out = {}
    for fid, fh in h.get("files", {}).items():
        runs = fh.get("runs", [])
        newest = runs[-1].get("hash") if runs else None
        samples = sorted((r["duration"], 3 if newest and r.get("hash") == newest else 1)
                         for r in runs if r.get("duration") is not None)
        total = sum(w for _, w in samples)
        cum = 0
        for i, (d, w) in enumerate(samples):
            cum += w
            if 2 * cum == total:
                out[fid] = (d + samples[i + 1][0]) / 2 if i + 1 < len(samples) else d
                break
            if 2 * cum > total:
                out[fid] = d
                break
    return out


def parse_secs(text):
    """Parses ptest's format_duration: 709ms, 10.1s, 1m05s, 1h02m."""
    m = re.fullmatch(r"(\d+)ms", text)
    if m:
        return int(m[1]) / 1000
    m = re.fullmatch(r"([\d.]+)s", text)
    if m:
        return float(m[1])
    m = re.fullmatch(r"(\d+)m(\d+)s", text)
    if m:
        return int(m[1]) * 60 + int(m[2])
    m = re.fullmatch(r"(\d+)h(\d+)m", text)
    if m:
        return int(m[1]) * 3600 + int(m[2]) * 60
    raise ValueError(text)


def read_list(path):
    with open(path) as f:
        return [line.split()[0] for line in f if line.strip()]


def imbalance(totals):
    return max(totals) / statistics.mean(totals)


def cmd_shards(a):
    n, d = a.count, a.dir
    base = base_durations(a.base)
    basename = os.path.basename
    expected = expected_from_history(a.history)
    lists = [read_list(os.path.join(d, f"shard-{k}.list")) for k in range(1, n + 1)]

    # Every file in exactly one shard.
    seen = [fid for lst in lists for fid in lst]
    cover_ok = len(seen) == len(set(seen)) == len(base) and \
        {basename(x) for x in seen} == set(base)
    print(f"  duration-balanced split: {', '.join(str(len(x)) for x in lists)} files;"
          f" every file exactly once: {'yes' if cover_ok else 'NO'}")
    if not cover_ok:
        measure(a.measures, "4. shards cover every file exactly once", 0, "yes", "MISS")

    # Planned totals: from the history (what ptest planned with) and from the
    # stderr line ptest prints (rounded to 0.1 s; a cross-check).
    planned = [sum(expected.get(fid, 0.0) for fid in lst) for lst in lists]
    line = ""
    with open(os.path.join(d, "shard-1.err")) as f:
        line = next((x.strip() for x in f if x.startswith("shard ")), "")
    printed = [parse_secs(t) for t in re.findall(r"\d+\*?: \d+ files, ([\w.]+)", line)]
    print(f"  ptest says: {line or '(no shard line on stderr)'}")
    print("  planned totals from the history's expected durations: "
          + ", ".join(f"{t:.2f}s" for t in planned) + f"  -> max/mean {imbalance(planned):.3f}")
    if printed:
        print("  planned totals as printed by ptest: "
              + ", ".join(f"{t:.2f}s" for t in printed) + f"  -> max/mean {imbalance(printed):.3f}")
    measure(a.measures, "4. shards planned max/mean (history)", imbalance(planned), 1.02)

    # Measured: each shard run sequentially; wall clock around ptest, and the
    # sum of the files' durations in that run.
    walls, sums, rows = [], [], []
    for k in range(1, n + 1):
        with open(os.path.join(d, f"shard-{k}.wall")) as f:
            wall = float(f.read())
        s = load_json(os.path.join(d, f"shard-{k}.json"))
        dur = [x["duration"] for x in s["files"]]
        ran = sorted(x["id"] for x in s["files"])
        bad = [x["id"] for x in s["files"] if x.get("verdict") not in ("pass", "skip")]
        if ran != sorted(lists[k - 1]) or bad:
            print(f"  !! shard {k} ran {len(ran)} files, its --list planned {len(lists[k - 1])}"
                  f"{', same set' if ran == sorted(lists[k - 1]) else ', a different set'};"
                  f" not passing: {bad[:5]}")
            measure(a.measures, f"4. shard {k} ran its planned files, all passing", 0, "yes", "MISS")
        walls.append(wall)
        sums.append(sum(dur))
        lb = lower_bound(dur, s["jobs"])
        rows.append(f"    shard {k}: {len(dur):3d} files, wall {wall:6.3f}s (json {s['wall']:.3f}s),"
                    f" sum of durations {sum(dur):6.2f}s, longest {max(dur):.2f}s,"
                    f" LB at -j {s['jobs']} {lb:.3f}s, wall/LB {wall / lb:.3f}")
    print(f"  measured, shards run one after another:")
    print("\n".join(rows))
    print(f"  measured shard walls max/mean {imbalance(walls):.3f};"
          f" sums of measured durations max/mean {imbalance(sums):.3f}")
    measure(a.measures, "4. shards measured wall max/mean", imbalance(walls), 1.05)

    # Comparison splits, planned from the base durations.
    names = sorted(base)
    rr = [0.0] * n
    for i, name in enumerate(names):
        rr[i % n] += base[name]
    hash_lists = [read_list(os.path.join(d, f"hash-{k}.list")) for k in range(1, n + 1)]
    hs = [sum(base[basename(fid)] for fid in lst) for lst in hash_lists]
    lpt = [0.0] * n
    for v in sorted(base.values(), reverse=True):
        lpt[lpt.index(min(lpt))] += v
    print("  comparison splits of the base durations (planned):")
    for label, t in (("round-robin by name", rr), ("ptest hash split (--no-history)", hs),
                     ("LPT on the base durations", lpt)):
        print(f"    {label:<34} " + ", ".join(f"{x:6.2f}s" for x in t)
              + f"  -> max/mean {imbalance(t):.3f}")
    measure(a.measures, "4. round-robin-by-name split max/mean", imbalance(rr), "~1.15 expected")
    measure(a.measures, "4. hash split (ptest --no-history) max/mean", imbalance(hs), "~1.15 expected")


# ------------------------------------------------------------------ table --


def cmd_table(a):
    rows = []
    with open(a.measures) as f:
        for line in f:
            if line.strip():
                rows.append(line.rstrip("\n").split("\t"))
    w = max(len(r[0]) for r in rows)
    print(f"  {'measure':<{w}}  {'value':>7}  {'target':<16} result")
    for name, value, target, verdict in rows:
        print(f"  {name:<{w}}  {float(value):7.3f}  {target:<16} {verdict}")
    misses = sum(r[3] == "MISS" for r in rows)
    print(f"  {misses} of {sum(r[3] != 'info' for r in rows)} judged measures missed")
    sys.exit(1 if misses and a.strict else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("runs")
    p.add_argument("--jobs", type=int, required=True)
    p.add_argument("--measures", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--target", type=float)
    p.add_argument("--info", help="not judged: this text is shown as the target")
    p.add_argument("--expect", type=int, required=True, help="files every run must pass")
    p.add_argument("runs", nargs="+", metavar="JSON=WALL")
    p = sub.add_parser("peers")
    p.add_argument("--jobs", type=int, required=True)
    p.add_argument("--measures", required=True)
    p.add_argument("--base", required=True)
    p.add_argument("--times", required=True, help="TSV rows: name, wall seconds")
    p = sub.add_parser("shards")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--measures", required=True)
    p.add_argument("--base", required=True)
    p.add_argument("--history", required=True)
    p.add_argument("--dir", required=True)
    p = sub.add_parser("table")
    p.add_argument("--measures", required=True)
    p.add_argument("--strict", action="store_true")
    a = ap.parse_args()
    {"runs": cmd_runs, "peers": cmd_peers, "shards": cmd_shards, "table": cmd_table}[a.cmd](a)


if __name__ == "__main__":
    main()
