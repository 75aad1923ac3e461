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
# Per-file settings go through examples/constrained_run.rs (the library)
# until ptest.toml can express them; the ptest.toml the suite will need is
# written next to it for the switch.
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
# What this benchmark will say once ptest.toml exists.
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
depends-on = ["chain1.sh"]

[[override]]
pattern = "t/chain3.sh"
depends-on = ["chain2.sh"]
TOML

(cd "$root" && cargo build --release --example constrained_run -q)
bin=$root/target/release/examples/constrained_run
ratios=()
for i in $(seq "$RUNS"); do
    out=$(cd "$work" && "$bin" t "$JOBS" \
        t/x_exclusive.sh=exclusive \
        t/db1.sh=group:db t/db2.sh=group:db t/db3.sh=group:db t/db4.sh=group:db \
        t/chain2.sh=after:t/chain1.sh t/chain3.sh=after:t/chain2.sh \
        --group db=1)
    printf 'run %s: %s\n' "$i" "$(tr '\n' ' ' <<<"$out")"
    ratios+=("$(sed -n 's/.*wall is \([0-9.]*\)x of it.*/\1/p' <<<"$out")")
done
printf 'wall / constrained lower bound: %s (best %s)\n' "${ratios[*]}" \
    "$(printf '%s\n' "${ratios[@]}" | sort -n | head -1)"
