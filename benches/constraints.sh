#!/usr/bin/env bash
# ptest constraints benchmark: how close does a run with scheduling
# constraints come to its constrained lower bound?
#
#   benches/constraints.sh        # ~10 s of sleeping files, a few runs
#
# The suite (sleep-bound, so the core count barely matters):
#   x_exclusive.sh         1.0 s, exclusive (runs alone, first)
#   db1..db4.sh            0.5 s each, group db with max-threads 1
#   chain1 <- chain2 <- chain3   0.4 s each, a dependency chain
#   free1..free8.sh        0.3 s each, unconstrained
# on JOBS (default 4) slots. Lower bound: exclusive 1.0 s + max(slot time
# 5.6 s / 4, group db 2.0 s, chain 1.2 s) = 3.0 s. The ratio printed is
# wall / the bound computed from the files' measured durations (the
# `Bound:` line ptest prints under every run).
#
# Per-file settings are in the suite's ptest.toml ([[override]] and
# [groups.db]); the release ptest binary runs it (PTEST_BIN=PATH: that
# binary instead, without building; RUNS=1 for a quick sanity run).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
JOBS=${JOBS:-4}
RUNS=${RUNS:-3}
work=${WORK:-$here/work}/constraints
rm -rf "$work"
mkdir -p "$work/t"
mk() { printf 'sleep %s\n' "$2" > "$work/t/$1.sh"; }
mk x_exclusive 1.0
for n in 1 2 3 4; do mk "db$n" 0.5; done
for n in 1 2 3; do mk "chain$n" 0.4; done
for n in 1 2 3 4 5 6 7 8; do mk "free$n" 0.3; done
cat > "$work/ptest.toml" <<'TOML'
[groups.db]
max-threads = 1

[[override]]
pattern = "t/x_exclusive.sh"
exclusive = true

[[override]]
pattern = "t/db*.sh"
group = "db"

[[override]]
pattern = "t/chain2.sh"
depends-on = ["t/chain1.sh"]   # relative to this file's directory

[[override]]
pattern = "t/chain3.sh"
depends-on = ["t/chain2.sh"]
TOML

if [[ -n ${PTEST_BIN:-} ]]; then
    bin=$PTEST_BIN
    [[ $bin == /* ]] || bin=$root/$bin
else
    (cd "$root" && cargo build --release --bin ptest -q)
    bin=${CARGO_TARGET_DIR:-$root/target}/release/ptest
fi
ratios=()
for i in $(seq "$RUNS"); do
    # A run with a failing file is shown whole and stops the benchmark.
    out=$(cd "$work" && "$bin" t -j "$JOBS" --color never 2>&1) || true
    grep -q '^Result: PASS' <<<"$out" || { printf '%s\n' "$out" >&2; echo "run $i did not pass" >&2; exit 1; }
    out=$(grep -E '^(Files|Time|Bound):' <<<"$out")
    printf 'run %s: %s\n' "$i" "$(tr '\n' ' ' <<<"$out")"
    ratios+=("$(sed -n 's/.*wall is \([0-9.]*\)x of it.*/\1/p' <<<"$out")")
done
printf 'wall / constrained lower bound: %s (best %s)\n' "${ratios[*]}" \
    "$(printf '%s\n' "${ratios[@]}" | sort -n | head -1)"
