#!/usr/bin/env python3
"""Suite and noise generator for benches/schedule.sh (stdlib only).

    schedule_gen.py suite DIR --files N --total SECONDS --max SECONDS [--seed S]
    schedule_gen.py noise SUITE_DIR OUT_DIR --seed S [--spread 0.3]

`suite` writes N sleep-bound `.sh` files into DIR (which must not exist yet)
and DIR/../base.json ({"file name": base seconds}). Durations are heavy-tailed
(lognormal, sigma 1.3, seeded), scaled so they sum to --total with none above
--max. Files are named `sNNN-S.SSs.sh` in ascending order of duration, so the
slowest files sort LAST: the worst case for runners that start files in
name order.

Each file sleeps its base duration, unless the environment variable
SCHED_SLEEPS names a directory holding a file `sNNN` (the name's first
field); then it sleeps the number written there. The test files' content
never changes between runs (ptest's history keys its weighting on a content
hash), only the side files do.

`noise` writes such a directory: for every file in SUITE_DIR, base x U(1 -
spread, 1 + spread), drawn from its own seeded generator, so each run gets
independent noise that is still reproducible. It prints {"file name":
seconds} as JSON on stdout.
"""

import argparse
import json
import os
import random
import sys

# Same heavy-tailed durations as bench.sh's sleep suite (lognormal, sigma
# 1.3, scaled to the total, capped): gen.py sits beside this script.
from gen import sleep_durations as durations  # noqa: E402


SCRIPT = """\
# ptest schedule benchmark: file {key}, base {secs:.2f}s. Sleeps the number in
# $SCHED_SLEEPS/{key} when that exists (per-run noise), else the base.
d={secs:.2f}
if [ -n "${{SCHED_SLEEPS:-}}" ] && [ -r "$SCHED_SLEEPS/{key}" ]; then
    read -r d < "$SCHED_SLEEPS/{key}"
fi
sleep "$d"
echo 1..1
echo ok 1
"""


def cmd_suite(a):
    os.makedirs(a.dir)  # fails if it exists: a suite is never regenerated in place
    secs = durations(a.files, a.total, a.max, a.seed)
    width = max(3, len(str(a.files - 1)))
    base = {}
    for i, s in enumerate(secs):
        key = f"s{i:0{width}d}"
        name = f"{key}-{s:.2f}s.sh"
        with open(os.path.join(a.dir, name), "w", encoding="utf-8") as f:
            f.write(SCRIPT.format(key=key, secs=s))
        base[name] = s
    with open(os.path.join(os.path.dirname(os.path.abspath(a.dir)), "base.json"), "w") as f:
        json.dump(base, f, indent=1)
    json.dump({"files": len(secs), "total": round(sum(secs), 2), "max": max(secs),
               "seed": a.seed}, sys.stdout)
    print()


def cmd_noise(a):
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    actual = {}
    for name in sorted(os.listdir(a.suite)):
        if not name.endswith(".sh"):
            continue
        key, rest = name.split("-", 1)
        base = float(rest[: -len("s.sh")])
        secs = round(base * rng.uniform(1 - a.spread, 1 + a.spread), 3)
        with open(os.path.join(a.out, key), "w") as f:
            f.write(f"{secs:.3f}\n")
        actual[name] = secs
    json.dump(actual, sys.stdout, indent=1)
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("suite")
    s.add_argument("dir")
    s.add_argument("--files", type=int, default=100)
    s.add_argument("--total", type=float, default=48.0)
    s.add_argument("--max", type=float, default=4.0)
    s.add_argument("--seed", type=int, default=20240601)
    n = sub.add_parser("noise")
    n.add_argument("suite")
    n.add_argument("out")
    n.add_argument("--seed", type=int, required=True)
    n.add_argument("--spread", type=float, default=0.3)
    a = ap.parse_args()
    {"suite": cmd_suite, "noise": cmd_noise}[a.cmd](a)


if __name__ == "__main__":
    main()
