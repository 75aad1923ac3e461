#!/usr/bin/env bash
# ptest cargo against cargo nextest run and cargo test, on Rust test suites.
#
#   benches/cargo.sh              # ptest's own suite and semver's (minutes)
#   QUICK=1 benches/cargo.sh      # smoke run: the tests/fixtures/cargo-ws fixture only
#
# For each suite: build the tests once (`cargo test --no-run`, so no timed
# command builds anything), run `ptest cargo` once to record the history,
# check that ptest and nextest run and pass the same number of tests, then
# time, side by side with hyperfine:
#
#   ptest cargo -j JOBS            (second and later runs: history known)
#   cargo nextest run -j JOBS --no-fail-fast
#   cargo test --no-fail-fast --lib --bins --tests (RUST_TEST_THREADS=JOBS; no doctests,
#                                     which neither of the others runs)
#
# and print each mean and the ratios ptest/nextest and ptest/cargo test.
#
# Knobs: JOBS (4), RUNS (5; QUICK: 2), WARMUP (1), WORK (benches/work/cargo),
# PTEST_BIN (a ptest binary; default: build the release one),
# SEMVER_GIT (where to clone semver from: a URL or a local git directory;
# default https://github.com/dtolnay/semver), SUITES (names to run, from
# "ptest semver fixture"). Needs cargo, cargo-nextest, hyperfine, python3.
# A suite with failing tests (the fixture) is timed all the same (-i).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
QUICK=${QUICK:-0}
JOBS=${JOBS:-4}
WARMUP=${WARMUP:-1}
WORK=${WORK:-$here/work/cargo}
SEMVER_GIT=${SEMVER_GIT:-https://github.com/dtolnay/semver}
if [[ $QUICK == 1 ]]; then
    RUNS=${RUNS:-2}
    SUITES=${SUITES:-fixture}
else
    RUNS=${RUNS:-5}
    SUITES=${SUITES:-ptest semver}
fi

say() { printf '%s\n' "$*"; }
die() {
    printf 'bench: %s\n' "$*" >&2
    exit 2
}

for tool in cargo cargo-nextest hyperfine python3 git; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
mkdir -p "$WORK"

PTEST=${PTEST_BIN:-}
if [[ -z $PTEST ]]; then
    say "==> cargo build --release (ptest)"
    (cd "$root" && cargo build --release --quiet) || die "cannot build ptest"
    PTEST=${CARGO_TARGET_DIR:-$root/target}/release/ptest
fi
[[ -x $PTEST ]] || die "no ptest binary at $PTEST"

# The directory of suite $1 (cloned or copied into WORK when needed).
suite_dir() {
    case $1 in
    ptest) printf '%s\n' "$root" ;;
    fixture) printf '%s\n' "$root/tests/fixtures/cargo-ws" ;;
    semver)
        if [[ ! -d $WORK/semver ]]; then
            git clone --quiet "$SEMVER_GIT" "$WORK/semver" || return 1
        fi
        printf '%s\n' "$WORK/semver"
        ;;
    *) return 1 ;;
    esac
}

# "run passed" of `ptest cargo --json` ($1) and of nextest's summary line ($2).
counts() {
    python3 - "$1" "$2" <<'EOF'
import json, re, sys
s = json.load(open(sys.argv[1]))
files = s["totals"]["files"]
ran = sum(1 for f in s["files"] if f["verdict"] not in ("skip", "not-run"))
print("ptest   %d run, %d passed" % (ran, files["passed"]))
text = open(sys.argv[2]).read()
m = re.search(r"(\d+) tests? run: (\d+) passed", text)
print("nextest %s run, %s passed" % (m.group(1), m.group(2)) if m else "nextest ? (no summary line)")
if m and (int(m.group(1)), int(m.group(2))) != (ran, files["passed"]):
    print("MISMATCH: ptest and nextest did not run and pass the same tests")
EOF
}

# Means and ratios from hyperfine's JSON ($1).
ratios() {
    python3 - "$1" <<'EOF'
import json, sys
means = [x["mean"] for x in json.load(open(sys.argv[1]))["results"]]
labels = ["ptest cargo", "cargo nextest run", "cargo test"]
for label, mean in zip(labels, means):
    print("  %-18s %.3fs" % (label, mean))
print("  ptest/nextest     %.2f" % (means[0] / means[1]))
print("  ptest/cargo test  %.2f" % (means[0] / means[2]))
EOF
}

for name in $SUITES; do
    dir=$(suite_dir "$name") || die "no suite $name"
    work=$WORK/$name
    mkdir -p "$work"
    state=$work/state
    rm -rf "$state"
    say "==> $name ($dir): build the tests"
    (cd "$dir" && cargo test --no-run --quiet) || die "$name does not build"
    say "==> $name: first ptest run (records the history)"
    (cd "$dir" && "$PTEST" cargo -j "$JOBS" --state-dir "$state" -q --json "$work/first.json" >/dev/null 2>&1)
    (cd "$dir" && cargo nextest run -j "$JOBS" --no-fail-fast >"$work/nextest.txt" 2>&1)
    counts "$work/first.json" "$work/nextest.txt"
    say "==> $name: timing ($RUNS runs, $WARMUP warm-up)"
    (cd "$dir" && hyperfine -i -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$work/times.json" \
        "$PTEST cargo -j $JOBS --state-dir $state -q" \
        "cargo nextest run -j $JOBS --no-fail-fast" \
        "env RUST_TEST_THREADS=$JOBS cargo test -q --no-fail-fast --lib --bins --tests" >"$work/hyperfine.txt" 2>&1) ||
        die "hyperfine failed: see $work/hyperfine.txt"
    ratios "$work/times.json"
done
