#!/usr/bin/env bash
# ptest performance benchmark: ptest against xargs -P, prove -j and GNU parallel.
#
#   benches/bench.sh            # full run (several minutes)
#   QUICK=1 benches/bench.sh    # smoke run: fewer files, fewer runs
#
# Run by hand, not by cargo. See benches/README.md for every knob and the
# targets. Needs bash, python3, perl and hyperfine; prove and GNU parallel
# rows are left out when those are missing. A tool that fails its probe run
# (including ptest) is reported and left out; the rest still run.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

QUICK=${QUICK:-0}
STRICT=${STRICT:-0}
JOBS=${JOBS:-8}
WORK=${WORK:-$here/work}
PTEST_FLAGS=${PTEST_FLAGS---no-history}
BIG_MB=${BIG_MB:-40}
WARMUP=${WARMUP:-1}
if [[ $QUICK == 1 ]]; then
    N_TRIVIAL=${N_TRIVIAL:-200} N_SLEEP=${N_SLEEP:-20} SLEEP_TOTAL=${SLEEP_TOTAL:-4} SLEEP_MAX=${SLEEP_MAX:-1}
    N_MANY=${N_MANY:-1000} RUNS_A=${RUNS_A:-2} RUNS_B=${RUNS_B:-2}
else
    N_TRIVIAL=${N_TRIVIAL:-2000} N_SLEEP=${N_SLEEP:-100} SLEEP_TOTAL=${SLEEP_TOTAL:-40} SLEEP_MAX=${SLEEP_MAX:-4}
    N_MANY=${N_MANY:-10000} RUNS_A=${RUNS_A:-5} RUNS_B=${RUNS_B:-3}
fi
# Targets.
MAX_RSS_MANY_MB=30   # peak RSS running N_MANY (10,000) trivial files
MAX_RSS_BIG_MB=64    # peak RSS with one file writing BIG_MB (40) MB to stdout
MAX_RATIO_XARGS=1.2  # ptest mean / xargs mean on the trivial suite

say() { printf '%s\n' "$*"; }
warn() { printf 'bench: %s\n' "$*" >&2; }
die() {
    warn "$*"
    exit 2
}
q() { printf '%q' "$1"; }

for tool in python3 perl hyperfine find xargs; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
have_prove=0 have_parallel=0
command -v prove >/dev/null && have_prove=1
command -v parallel >/dev/null && have_parallel=1

# --- ptest -------------------------------------------------------------------
PTEST=${PTEST_BIN:-}
if [[ -z $PTEST ]]; then
    if [[ ${NO_BUILD:-0} != 1 ]]; then
        say "==> cargo build --release"
        (cd "$root" && cargo build --release) || warn "cargo build --release failed; continuing without ptest"
    fi
    PTEST=${CARGO_TARGET_DIR:-$root/target}/release/ptest
fi
ptest_ok=0
ptest_flags=()
if [[ -x $PTEST ]]; then
    ptest_ok=1
    help=$("$PTEST" --help 2>&1)
    # Keep only the flags this build knows, so the script works while the
    # CLI is still growing (e.g. before --no-history exists).
    for flag in $PTEST_FLAGS; do
        if [[ $flag == --* ]] && ! grep -qw -- "${flag%%=*}" <<<"$help"; then
            warn "ptest does not know ${flag%%=*}; dropping it"
        else
            ptest_flags+=("$flag")
        fi
    done
    grep -qw -- --json <<<"$help" || warn "ptest has no --json: its runs cannot be verified"
else
    warn "no ptest binary at $PTEST; its rows are left out"
fi
ptest_cmd="$(q "$PTEST") -j $JOBS -q ${ptest_flags[*]}"
# The same with a history file, so recorded durations can drive scheduling.
ptest_hist_flags=()
for flag in "${ptest_flags[@]}"; do [[ $flag == --no-history ]] || ptest_hist_flags+=("$flag"); done
ptest_hist_cmd="$(q "$PTEST") -j $JOBS -q ${ptest_hist_flags[*]} --history sleep-history.json"

# --- generate ----------------------------------------------------------------
mkdir -p "$WORK" || die "cannot create $WORK"
say "==> generating suites in $WORK"
info=$(python3 "$here/gen.py" "$WORK" --trivial "$N_TRIVIAL" --sleep "$N_SLEEP" \
    --sleep-total "$SLEEP_TOTAL" --sleep-max "$SLEEP_MAX" --many "$N_MANY" \
    --big-mb "$BIG_MB" --jobs "$JOBS") || die "generation failed"
jget() { python3 -c 'import json,sys; d=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$info" "$1"; }

stamp=$(date +%Y%m%d-%H%M%S)
out=$WORK/results-$stamp
mkdir -p "$out"
cd "$WORK" || die "cannot cd to $WORK"
rm -f sleep-history.json

{
    say "ptest benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)  QUICK=$QUICK"
    say "host: $(uname -sr), $(nproc) CPUs, -j $JOBS"
    say "ptest: $PTEST ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))  flags: ${ptest_flags[*]}"
    say "$(hyperfine --version); $(perl -e 'print "perl $^V"')$( ((have_prove)) && echo "; $(prove --version 2>&1)")$( ((have_parallel)) && echo "; $(parallel --version 2>/dev/null | head -n1)")"
} | tee "$out/summary.txt"

# --- probing -------------------------------------------------------------------

# probe NAME EXPECTED_FILES CMD: runs CMD once; succeeds if it exits 0 (and,
# for ptest, if its JSON summary shows EXPECTED_FILES files, none failing).
probe() {
    local name=$1 expected=$2 cmd=$3 rc start secs
    start=$(date +%s.%N)
    if [[ $name == ptest* ]]; then
        rm -f probe.json
        bash -c "$cmd --json probe.json" >"$out/probe-$name.log" 2>&1
    else
        bash -c "$cmd" >"$out/probe-$name.log" 2>&1
    fi
    rc=$?
    secs=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$(date +%s.%N)")
    if ((rc != 0)); then
        warn "$name: probe run exited with status $rc after ${secs}s; left out (log: $out/probe-$name.log)"
        return 1
    fi
    if [[ $name == ptest* ]]; then
        local check
        check=$(python3 - "$expected" <<'EOF'
import json, sys
try:
    t = json.load(open("probe.json"))["totals"]["files"]
except Exception as e:
    print(f"no usable JSON summary ({e})"); sys.exit()
want = int(sys.argv[1])
bad = t["total"] - t["passed"] - t["skipped"]
if t["total"] != want or bad:
    print(f"ran {t['total']} files of {want}, {bad} not passing")
EOF
        )
        if [[ -n $check ]]; then
            warn "$name: probe run exited 0 but $check; left out (log: $out/probe-$name.log)"
            return 1
        fi
    fi
    say "   probe $name: ok (${secs}s)"
}

# compare TITLE RUNS JSON [NAME CMD EXPECTED]...: probes each command, then
# times the ones that work side by side with hyperfine.
compare() {
    local title=$1 runs=$2 json=$3
    shift 3
    local args=() name cmd expected
    say ""
    say "==> $title"
    while (($#)); do
        name=$1 cmd=$2 expected=$3
        shift 3
        probe "$name" "$expected" "$cmd" && args+=(-n "$name" "$cmd")
    done
    if ((${#args[@]} == 0)); then
        warn "nothing to time"
        return 1
    fi
    hyperfine --style basic --warmup "$WARMUP" --runs "$runs" --export-json "$json" "${args[@]}" ||
        warn "hyperfine failed"
}

# table JSON TITLE [EXTRA]: prints mean times and ratios against xargs.
table() {
    python3 - "$@" <<'EOF'
import json, sys
path, title = sys.argv[1], sys.argv[2]
extra = sys.argv[3] if len(sys.argv) > 3 else ""
try:
    results = json.load(open(path))["results"]
except Exception as e:
    print(f"\n{title}: no results ({e})"); sys.exit()
base = next((r["mean"] for r in results if r["command"] == "xargs"), None)
print(f"\n{title}")
if extra:
    print(extra)
print(f"  {'tool':<16} {'mean':>9} {'± σ':>8} {'min':>9} {'max':>9}  {'vs xargs':>8}")
for r in results:
    ratio = f"{r['mean'] / base:8.2f}" if base else "     n/a"
    sd = r.get("stddev") or 0.0
    print(f"  {r['command']:<16} {r['mean']:8.3f}s {sd:7.3f}s {r['min']:8.3f}s {r['max']:8.3f}s  {ratio}")
EOF
}

# mean JSON NAME: the mean time of one command, or nothing.
mean() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    for r in json.load(open(sys.argv[1]))["results"]:
        if r["command"] == sys.argv[2]:
            print(r["mean"])
except Exception:
    pass
EOF
}

# --- (a) trivial TAP files ------------------------------------------------------
a_cmds=()
((ptest_ok)) && a_cmds+=(ptest "$ptest_cmd trivial" "$N_TRIVIAL")
# Retries on and nothing failing: must cost nothing (issue #8).
((ptest_ok)) && grep -qw -- --retries <<<"$help" &&
    a_cmds+=(ptest-retries "$ptest_cmd --retries 2 trivial" "$N_TRIVIAL")
a_cmds+=(xargs "find trivial -name '*.t' | sort | xargs -P $JOBS -n 1 perl" "$N_TRIVIAL")
((have_prove)) && a_cmds+=(prove "prove -j $JOBS trivial" "$N_TRIVIAL")
((have_parallel)) && a_cmds+=(parallel "parallel --will-cite -j $JOBS perl ::: trivial/*.t" "$N_TRIVIAL")
compare "(a) $N_TRIVIAL trivial TAP files (perl FILE), -j $JOBS, $RUNS_A runs" "$RUNS_A" "$out/a-trivial.json" "${a_cmds[@]}"

# --- (b) sleep-bound files --------------------------------------------------------
b_cmds=()
if ((ptest_ok)); then
    b_cmds+=(ptest "$ptest_cmd sleep" "$N_SLEEP")
    grep -qw -- --history <<<"$help" && b_cmds+=(ptest-history "$ptest_hist_cmd sleep" "$N_SLEEP")
fi
b_cmds+=(xargs "find sleep -name '*.sh' | sort | xargs -P $JOBS -n 1 sh" "$N_SLEEP")
((have_prove)) && b_cmds+=(prove "prove -j $JOBS -e sh --ext .sh sleep" "$N_SLEEP")
((have_parallel)) && b_cmds+=(parallel "parallel --will-cite -j $JOBS sh ::: sleep/*.sh" "$N_SLEEP")
compare "(b) $N_SLEEP sleep-bound files ($(jget sleep.total_sleep)s of sleep), -j $JOBS, $RUNS_B runs" \
    "$RUNS_B" "$out/b-sleep.json" "${b_cmds[@]}"

# --- (c) peak RSS -------------------------------------------------------------------

# rss_kb CMD...: runs CMD and prints "KB EXIT_STATUS SECONDS". The peak RSS is
# the largest of ptest and each of its descendants (wait4 semantics), not a sum.
rss_kb() {
    local start rc kb secs
    start=$(date +%s.%N)
    if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
        /usr/bin/time -f %M -o "$out/time.out" "$@" >/dev/null 2>&1
        rc=$?
        kb=$(tail -n 1 "$out/time.out")
    else
        kb=$(python3 -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$@")
        rc=$?
    fi
    secs=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$(date +%s.%N)")
    echo "$kb $rc $secs"
}

verdicts=()
# check LABEL OK(1/0/-) DETAIL
check() {
    local mark
    case $2 in 1) mark=OK ;; 0) mark=MISS ;; *) mark=n/a ;; esac
    verdicts+=("$(printf '  %-4s  %-44s %s' "$mark" "$1" "$3")")
}

say ""
say "==> (c) peak RSS"
ptest_verified=0
[[ -s $out/a-trivial.json ]] && [[ -n $(mean "$out/a-trivial.json" ptest) ]] && ptest_verified=1
for suite in many big; do
    limit=$MAX_RSS_MANY_MB label="peak RSS, $N_MANY trivial files"
    [[ $suite == big ]] && limit=$MAX_RSS_BIG_MB label="peak RSS, one file writing $BIG_MB MB"
    if ((!ptest_ok)); then
        check "$label" - "(no ptest)"
        continue
    fi
    read -r kb rc secs < <(rss_kb "$PTEST" -j "$JOBS" -q "${ptest_flags[@]}" "$suite")
    mb=$(python3 -c "print(f'{int(\"$kb\") / 1024:.1f}')" 2>/dev/null || echo "?")
    say "   ptest $suite: ${mb} MB peak RSS, exit $rc, ${secs}s"
    if [[ $rc != 0 || $mb == "?" ]]; then
        check "$label" 0 "ptest exited with status $rc"
    elif ((!ptest_verified)); then
        check "$label" - "$mb MB (ptest was not verified on (a); not judged)"
    else
        ok=$(python3 -c "print(int($mb <= $limit))")
        check "$label" "$ok" "$mb MB (target <= $limit MB)"
    fi
done

m_ptest=$(mean "$out/a-trivial.json" ptest)
m_xargs=$(mean "$out/a-trivial.json" xargs)
if [[ -n $m_ptest && -n $m_xargs ]]; then
    ratio=$(python3 -c "print(f'{$m_ptest / $m_xargs:.2f}')")
    check "ptest / xargs, $N_TRIVIAL trivial files" "$(python3 -c "print(int($ratio <= $MAX_RATIO_XARGS))")" \
        "$ratio (target <= $MAX_RATIO_XARGS)"
else
    check "ptest / xargs, $N_TRIVIAL trivial files" - "(not measured)"
fi
m_retries=$(mean "$out/a-trivial.json" ptest-retries)
if [[ -n $m_retries && -n $m_xargs ]]; then
    ratio=$(python3 -c "print(f'{$m_retries / $m_xargs:.2f}')")
    check "ptest --retries 2 / xargs, $N_TRIVIAL trivial files" "$(python3 -c "print(int($ratio <= $MAX_RATIO_XARGS))")" \
        "$ratio (target <= $MAX_RATIO_XARGS)"
fi

{
    table "$out/a-trivial.json" "(a) $N_TRIVIAL trivial TAP files, -j $JOBS"
    table "$out/b-sleep.json" "(b) $N_SLEEP sleep-bound files, -j $JOBS" \
        "  sleep alone: $(jget sleep.total_sleep)s in total, longest $(jget sleep.max_sleep)s; at -j $JOBS: $(jget sleep.makespan_name_order)s started in name order (slowest last), $(jget sleep.makespan_longest_first)s longest first"
    say ""
    say "targets"
    printf '%s\n' "${verdicts[@]}"
    say ""
    say "results: $out"
} | tee -a "$out/summary.txt"

if [[ $STRICT == 1 ]]; then
    printf '%s\n' "${verdicts[@]}" | grep -qvE '^  OK ' && exit 1
fi
exit 0
