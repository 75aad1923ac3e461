#!/bin/sh
# Builds seed inputs for the fuzz targets from sample-suites/ and a few
# hand-written cases, into fuzz/seeds/<target>/ (not committed; the
# minimised corpora in fuzz/corpus/ are). Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
suites="$here/../sample-suites"
out="$here/seeds"
rm -rf "$out"
mkdir -p "$out/tap" "$out/junit" "$out/history" "$out/durations"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# TAP: what the quick sample files print (hangs and huge outputs skipped).
for f in "$suites"/failure-modes/*.t "$suites"/failure-modes/*.sh \
         "$suites"/demo/perl/*.t "$suites"/demo/shell/* "$suites"/demo/python/tap_*.py; do
    case "$f" in *hang*|*big-output*|*huge-line*|*leaks*|*killed*|*sigkill*|*slow*) continue ;; esac
    case "$f" in *.t) run=perl ;; *.py) run=python3 ;; *.bash) run=bash ;; *) run=sh ;; esac
    PTEST_JUNIT_FILE="$tmp/junit.xml" timeout 5 "$run" "$f" </dev/null 2>/dev/null |
        head -c 4096 > "$out/tap/$(basename "$f")" || true
    if [ -s "$tmp/junit.xml" ]; then
        cp "$tmp/junit.xml" "$out/junit/$(basename "$f").xml"
        cp "$tmp/junit.xml" "$out/durations/$(basename "$f").xml"
    fi
    rm -f "$tmp/junit.xml"
done
printf 'TAP version 14\n1..2\n# Subtest: child\n    1..1\n    not ok 1 - inner\nok 1 - child\nok 2 - braced {\n    1..1\n    ok 1\n}\n' > "$out/tap/subtests"
printf '1..3\nok 1 # SKIP no db\nnot ok 2 # TODO & SKIP later\nok 3 - a \\# b # time=12.5ms\n  ---\n  duration_ms: 7\n  ...\nBail out! stop\n' > "$out/tap/directives"
printf '\357\273\277not ok\r\n1..0 # Skipped: nothing\nTAP version 13\n' > "$out/tap/bom"

# JUnit: hand-written shapes pytest, jest and Surefire write.
cat > "$out/junit/pytest.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="3" time="0.5"><testcase classname="tests.test_db" name="test_ok" time="0.1"/><testcase classname="tests.test_db.TestUser" name="test_login" time="1,234.5"><failure message="assert 1 == 2">E   assert 1 == 2&#10;&lt;x&gt;</failure><system-out><![CDATA[out]]></system-out></testcase><testcase classname="test_db" name="test_skip" time="250ms"><skipped message="no db"/></testcase></testsuite></testsuites>
XML
cat > "$out/junit/jest.xml" <<'XML'
<testsuites name="jest"><testsuite name="math"><testcase classname="math adds" name="math adds one" time="0.002"><error type="E">boom &nbsp; &amp;</error><system-err>err</system-err></testcase><testcase name="bare"><flakyFailure/><properties><property name="a" value="b"/></properties></testcase></testsuite></testsuites>
XML
printf '<testcase name="lone" time="1.5s"/>' > "$out/junit/bare-case.xml"

# History: the documented format, and near misses.
cat > "$out/history/good.json" <<'JSON'
{"version":1,"files":{"tests/db.t":{"runs":[{"at":1764000000,"duration":12.5,"verdict":"pass","hash":"9f2c1a0b7d3e4f55"},{"at":1764000900,"duration":30.0,"verdict":"timeout"},{"at":1764001800,"verdict":"error"}],"flips":1,"cases":{"connects":{"statuses":"ppf","durations":[0.25,null,0.31],"last_seen":1764001800}}},"t/old.t":{"runs":[{"at":1000,"verdict":"fail"}]}}}
JSON
printf '{"version":2,"files":{}}' > "$out/history/newer.json"
printf '{"files":{},"version":1,"extra":[1,{"a":null}]}' > "$out/history/extra.json"
printf '[1,2]' > "$out/history/array.json"
printf '{"version":1,"files":{"a":{"runs":[]}}}' > "$out/history/no-runs.json"

# Durations: the three formats.
printf '{"tests/a.t": 12.5, "./tests/b.t": 0.8, "tests\\\\c.t": 0}' > "$out/durations/map.json"
printf '{"version":1,"files":[{"id":"a.t","duration":1.5},{"id":"b.t","duration":null}]}' > "$out/durations/summary.json"
cat > "$out/durations/suites.xml" <<'XML'
<testsuites><testsuite name="s" file="tests/a.t" time="3"><testcase name="x" time="1"/></testsuite><testsuite name="tests.test_db"><testcase classname="tests.test_db.TestX" name="y" time="2"/><testcase file="./b.t" name="z" time="0.5"/></testsuite><testsuite name="timed" time="4"/></testsuites>
XML
ls "$out"/* | wc -l
