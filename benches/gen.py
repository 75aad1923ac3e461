#!/usr/bin/env python3
"""Generates the benchmark suites for benches/bench.sh (stdlib only).

    gen.py WORKDIR --trivial N --sleep N --sleep-total SECONDS --sleep-max SECONDS
           --many N --big-mb MB [--seed S] [--jobs J]

Writes, each into its own directory under WORKDIR:

  trivial/   N trivial TAP files `tNNNNN.t` (`print "1..1\\nok 1\\n";`), not
             executable, so they run as `perl FILE`.
  sleep/     N sleep-bound `.sh` files with heavy-tailed (lognormal, seeded)
             durations scaled to SECONDS in total, none longer than
             --sleep-max. Each prints a one-test TAP plan so prove accepts it.
             Names sort by duration: the slowest files come LAST lexically,
             the worst case for runners that start files in name order.
  many/      N trivial `.sh` files (`exit 0`), in subdirectories of 1000.
  big/       one `.sh` file writing MB megabytes of TAP comment lines to
             stdout around a passing test, with `yes | head`, so the writer
             itself stays small (peak-RSS figures include descendants).

A directory whose parameters have not changed since the last run (recorded
in WORKDIR/<dir>.params) is left alone. Prints a JSON object describing the
suites on stdout.
"""

import argparse
import heapq
import json
import os
import random
import shutil
import sys


def write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def fresh(workdir, name, params):
    """Returns (dir, True) if `name` must be (re)generated, creating it empty."""
    d = os.path.join(workdir, name)
    stamp = os.path.join(workdir, name + ".params")
    want = json.dumps(params, sort_keys=True)
    try:
        with open(stamp, encoding="utf-8") as f:
            if f.read() == want and os.path.isdir(d):
                return d, False
    except FileNotFoundError:
        pass
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    write(stamp, want)
    return d, True


def sleep_durations(n, total, cap, seed):
    """n heavy-tailed durations summing to ~total, none above cap, ascending."""
    rng = random.Random(seed)
    raw = sorted(rng.lognormvariate(0.0, 1.3) for _ in range(n))
    # Find the scale s with sum(min(s*x, cap)) == total by bisection.
    lo, hi = 0.0, total / raw[0] if raw[0] > 0 else total
    if n * cap < total:
        raise SystemExit(f"gen.py: {n} files of at most {cap}s cannot sum to {total}s")
    for _ in range(100):
        mid = (lo + hi) / 2
        if sum(min(mid * x, cap) for x in raw) < total:
            lo = mid
        else:
            hi = mid
    return [max(0.01, round(min(hi * x, cap), 2)) for x in raw]


def makespan(durations, jobs):
    """Wall time of greedy dispatch in the given order to `jobs` workers."""
    free = [0.0] * jobs
    for secs in durations:
        heapq.heappush(free, heapq.heappop(free) + secs)
    return round(max(free), 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workdir")
    ap.add_argument("--trivial", type=int, default=2000)
    ap.add_argument("--sleep", type=int, default=100)
    ap.add_argument("--sleep-total", type=float, default=40.0)
    ap.add_argument("--sleep-max", type=float, default=4.0)
    ap.add_argument("--many", type=int, default=10000)
    ap.add_argument("--big-mb", type=int, default=40)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--jobs", type=int, default=8, help="for the makespan estimates")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    info = {}

    d, todo = fresh(a.workdir, "trivial", {"n": a.trivial, "v": 1})
    if todo:
        for i in range(a.trivial):
            write(os.path.join(d, f"t{i:05d}.t"), 'print "1..1\\nok 1\\n";\n')
    info["trivial"] = {"dir": d, "files": a.trivial}

    params = {"n": a.sleep, "total": a.sleep_total, "max": a.sleep_max, "seed": a.seed, "v": 1}
    d, todo = fresh(a.workdir, "sleep", params)
    durations = sleep_durations(a.sleep, a.sleep_total, a.sleep_max, a.seed)
    if todo:
        width = max(3, len(str(a.sleep - 1)))
        for i, secs in enumerate(durations):
            write(
                os.path.join(d, f"s{i:0{width}d}-{secs:.2f}s.sh"),
                f"sleep {secs:.2f}\necho 1..1\necho ok 1\n",
            )
    total = sum(durations)
    info["sleep"] = {
        "dir": d,
        "files": a.sleep,
        "total_sleep": round(total, 2),
        "max_sleep": max(durations),
        "median_sleep": durations[len(durations) // 2],
        # Sleep-only wall times at --jobs: files started in name order (as
        # xargs/prove/parallel do here) vs longest first (LPT).
        "makespan_name_order": makespan(durations, a.jobs),
        "makespan_longest_first": makespan(sorted(durations, reverse=True), a.jobs),
    }

    d, todo = fresh(a.workdir, "many", {"n": a.many, "v": 1})
    if todo:
        for i in range(a.many):
            sub = os.path.join(d, f"d{i // 1000:03d}")
            if i % 1000 == 0:
                os.makedirs(sub, exist_ok=True)
            write(os.path.join(sub, f"m{i:05d}.sh"), "exit 0\n")
    info["many"] = {"dir": d, "files": a.many}

    d, todo = fresh(a.workdir, "big", {"mb": a.big_mb, "v": 1})
    line = "# " + "filler " * 11  # 79 bytes + newline from yes = 80
    lines = a.big_mb * 1_000_000 // 80
    if todo:
        write(
            os.path.join(d, "big-output.sh"),
            "echo 1..2\n"
            "echo ok 1 - before the flood\n"
            f"yes '{line}' | head -n {lines}\n"
            "echo ok 2 - after the flood\n",
        )
    info["big"] = {"dir": d, "files": 1, "bytes": lines * 80}

    json.dump(info, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
