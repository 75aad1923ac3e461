#!/usr/bin/env bash
# --queue against --shard k/3: three "machines" (ptest processes of 2 slots
# each) on one suite of sleep files with a heavy tail; machine 3 is slow
# (its files sleep twice as long: BENCH_STRETCH=2, read by the files), and
# the durations the plan is given are off by up to ±40%. Prints each
# makespan over the bound of the capacity-weighted schedule
# (max(sum d / capacity, max d), capacity = 2 + 2 + 2/2 = 5 slots), then
# the queue's per-file overhead: N_TRIVIAL trivial files through one local
# redis-server against a plain run, both on 2 slots.
#
#   benches/queue.sh                  # 150 sleep files, 2,000 trivial ones
#   N_SLEEP=60 N_TRIVIAL=500 benches/queue.sh
#
# Run by hand, not by cargo. Needs python3, awk and redis-server.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
N_SLEEP=${N_SLEEP:-150}
N_TRIVIAL=${N_TRIVIAL:-2000}
TOTAL=${TOTAL:-60}          # seconds of sleep in the suite on a normal machine
PTEST=${PTEST:-$root/target/debug/ptest}
WORK=${WORK:-$(mktemp -d)}
[[ -x $PTEST ]] || (cd "$root" && cargo build --quiet)
command -v redis-server >/dev/null || { echo "bench: redis-server is missing" >&2; exit 2; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/redis"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis" >/dev/null 2>&1 &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null; wait $redis_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
url=redis://127.0.0.1:$port

# The suite: heavy-tailed durations (Pareto), true ones in true.json, the
# plan's (±40%) in given.json.
suite=$WORK/suite
mkdir -p "$suite/t"
python3 - "$suite" "$N_SLEEP" "$TOTAL" <<'PY'
import json, random, sys
root, n, total = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rng = random.Random(19)
raw = [rng.paretovariate(1.6) for _ in range(n)]
scale = total / sum(raw)
true, given = {}, {}
for i, r in enumerate(raw):
    d = round(r * scale, 3)
    name = f"t/s{i:03}.sh"
    with open(f"{root}/{name}", "w") as f:
        f.write(f'sleep $(awk "BEGIN {{print {d} * ${{BENCH_STRETCH:-1}}}}")\n')
    true[name] = d
    given[name] = round(d * rng.uniform(0.6, 1.4), 3)
json.dump(true, open(f"{root}/true.json", "w"))
json.dump(given, open(f"{root}/given.json", "w"))
PY
bound=$(python3 -c "import json; d=json.load(open('$suite/true.json')).values(); print(max(sum(d)/5, max(d)))")

now() { date +%s.%N; }
cd "$suite"
common=(t -j 2 --no-history --durations given.json --quiet --color never)

start=$(now)
"$PTEST" "${common[@]}" --shard 1/3 >/dev/null & p1=$!
"$PTEST" "${common[@]}" --shard 2/3 >/dev/null & p2=$!
BENCH_STRETCH=2 "$PTEST" "${common[@]}" --shard 3/3 >/dev/null & p3=$!
wait $p1 $p2 $p3 || true
shard=$(python3 -c "print($(now) - $start)")

start=$(now)
q=(--queue "$url" --queue-run bench-sleep)
"$PTEST" "${common[@]}" "${q[@]}" >/dev/null 2>&1 & p1=$!
"$PTEST" "${common[@]}" "${q[@]}" >/dev/null 2>&1 & p2=$!
BENCH_STRETCH=2 "$PTEST" "${common[@]}" "${q[@]}" >/dev/null 2>&1 & p3=$!
wait $p1 $p2 $p3 || true
queue=$(python3 -c "print($(now) - $start)")
"$PTEST" merge "${q[@]}" --color never >/dev/null || true

trivial=$WORK/trivial
mkdir -p "$trivial/t"
for i in $(seq -w 1 "$N_TRIVIAL"); do echo 'exit 0' > "$trivial/t/x$i.sh"; done
cd "$trivial"
start=$(now); "$PTEST" t -j 2 --no-history --quiet --color never >/dev/null || true; plain=$(python3 -c "print($(now) - $start)")
start=$(now); "$PTEST" t -j 2 --no-history --quiet --color never --queue "$url" --queue-run bench-trivial >/dev/null 2>&1 || true; qtriv=$(python3 -c "print($(now) - $start)")

python3 - "$bound" "$shard" "$queue" "$plain" "$qtriv" "$N_TRIVIAL" "$N_SLEEP" <<'PY'
import sys
bound, shard, queue, plain, qtriv, n, ns = map(float, sys.argv[1:])
print(f"suite: {int(ns)} sleep files, machine 3 stretched x2, plan durations off by up to ±40%")
print(f"bound (capacity-weighted, 5 slot-equivalents): {bound:6.2f} s")
print(f"--shard k/3: {shard:6.2f} s  = {shard/bound:4.2f}x the bound")
print(f"--queue    : {queue:6.2f} s  = {queue/bound:4.2f}x the bound")
print(f"overhead on {int(n)} trivial files, 2 slots: plain {plain:.2f} s, queue {qtriv:.2f} s, "
      f"{(qtriv-plain)/n*1000:+.2f} ms per file")
PY
