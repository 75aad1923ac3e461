#!/usr/bin/env bash
# Batched pytest (issue 18): ptest -j 2 running a real pytest project from
# PyPI in batches, side by side with pytest-xdist, plain pytest and ptest
# one file per process, with hyperfine; after checking that every way
# passes and fails the same tests.
#
#   bash benches/pytest.sh                 # more-itertools (default)
#   PROJECT=attrs bash benches/pytest.sh  # needs hypothesis installed
#   KEEP_GOING=1 PROJECT=click bash ...    # time them even when the ways differ
#                                          # (a file that fails alone under
#                                          # plain pytest too: the suite's own
#                                          # order dependence)
#
# Needs python3 with pytest and pytest-xdist, pip (to download the sdist),
# hyperfine, and a release build of ptest (built here). Run by hand, on a
# quiet machine: timings on a loaded one are noise.
set -euo pipefail

PROJECT=${PROJECT:-more-itertools}
JOBS=${JOBS:-2}
RUNS=${RUNS:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
die() { echo "pytest.sh: $*" >&2; exit 1; }

for tool in python3 hyperfine cargo; do
    command -v "$tool" >/dev/null || die "needs $tool"
done
python3 -c 'import pytest, xdist' 2>/dev/null || die "needs pytest and pytest-xdist (pip install pytest pytest-xdist)"

(cd "$here" && cargo build --release -q)
ptest="$here/target/release/ptest"

# The project's sdist and its tests.
python3 -m pip download -q --no-deps --no-binary :all: -d "$work/dl" "$PROJECT" >/dev/null
tar -xzf "$work"/dl/*.tar.gz -C "$work"
src=$(find "$work" -maxdepth 1 -mindepth 1 -type d ! -name dl | head -1)
cd "$src"
# The package itself must import: install it into a private target dir.
python3 -m pip install -q --no-deps --no-build-isolation --target "$work/site" . >/dev/null 2>&1 ||
    python3 -m pip install -q --no-deps --target "$work/site" . >/dev/null
export PYTHONPATH="$work/site${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
tests=tests
[ -d "$tests" ] || die "no tests/ directory in $src"

common=(-q -p no:cacheprovider)
# ptest runs the files pytest itself collects (its own configuration may
# leave some test_*.py out, e.g. by --ignore in addopts).
files=$(python3 -m pytest "${common[@]}" --collect-only "$tests" 2>/dev/null | grep '::' | cut -d: -f1 | sort -u | tr '\n' ' ')
[ -n "$files" ] || die "pytest collects no test in $tests"
echo "$(echo $files | wc -w) test files"
cat >"$work/batched.toml" <<TOML
[run]
include = ["**/test_*.py"]
[[runner]]
pattern = "*.py"
command = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml={junit}", "{files}"]
protocol = "junit"
batch = true
TOML
sed '/^batch = true$/d' "$work/batched.toml" >"$work/single.toml"

run_ptest() { # CONFIG STATE [ARGS...]
    local config=$1 state=$2
    shift 2
    # shellcheck disable=SC2086
    "$ptest" $files -j "$JOBS" --config "$config" --state-dir "$state" --color never "$@"
}

# Same tests passed and failed: per-case results from each way's JUnit.
python3 -m pytest "${common[@]}" "$tests" --junitxml="$work/plain.xml" >"$work/plain.out" 2>&1 || true
[ -s "$work/plain.xml" ] || { tail -20 "$work/plain.out"; die "plain pytest wrote no JUnit report"; }
python3 -m pytest "${common[@]}" -n "$JOBS" "$tests" --junitxml="$work/xdist.xml" >/dev/null 2>&1 || true
run_ptest "$work/batched.toml" "$work/state-batched" --junit "$work/batched.xml" >/dev/null 2>&1 || true
run_ptest "$work/single.toml" "$work/state-single" --junit "$work/single.xml" >/dev/null 2>&1 || true
python3 - "$work" <<'PY'
import os, sys, xml.etree.ElementTree as ET
work = sys.argv[1]
def cases(name):
    out = {}
    for case in ET.parse(f"{work}/{name}.xml").iter("testcase"):
        tags = {child.tag for child in case}
        result = "fail" if tags & {"failure", "error"} else "skip" if "skipped" in tags else "pass"
        # pytest names a case `test_x`, ptest `Class.test_x`: compare the
        # test's own name (a parameter id may hold dots).
        name = case.get("name")
        head = name.split("[", 1)[0]
        key = name[head.rfind(".") + 1:]
        out[key] = out.get(key, []) + [result]
    return {k: sorted(v) for k, v in out.items()}
ways = {n: cases(n) for n in ["plain", "xdist", "batched", "single"]}
for name, got in ways.items():
    total = sum(len(v) for v in got.values())
    failed = sum(v.count("fail") for v in got.values())
    print(f"{name:8} {total:5} cases, {failed} failed")
if any(got != ways["plain"] for got in ways.values()):
    for name, got in ways.items():
        diff = {k for k in set(got) | set(ways["plain"]) if got.get(k) != ways["plain"].get(k)}
        if diff:
            print(f"{name}: differs from plain pytest on {sorted(diff)[:10]}")
    if os.environ.get("KEEP_GOING") != "1":
        sys.exit("pytest.sh: the four ways do not pass and fail the same tests (KEEP_GOING=1 times them anyway)")
    print("pytest.sh: the four ways differ (see above); timing them anyway (KEEP_GOING=1)")
else:
    print("same tests passed and failed by all four")
PY

# The batched run's history is known now (its first run above).
run_ptest "$work/batched.toml" "$work/state-batched" --list --explain 2>/dev/null | grep -A50 '^Batches:' || true
hyperfine -i -N --warmup 1 --runs "$RUNS" --export-markdown "$work/times.md" \
    -n "ptest -j $JOBS batched (history)" "$ptest $files -j $JOBS --config $work/batched.toml --state-dir $work/state-batched -q --color never" \
    -n "pytest -n $JOBS" "python3 -m pytest ${common[*]} -n $JOBS $tests" \
    -n "pytest" "python3 -m pytest ${common[*]} $tests" \
    -n "ptest -j $JOBS one file per process" "$ptest $files -j $JOBS --config $work/single.toml --state-dir $work/state-single -q --color never"
cat "$work/times.md"
