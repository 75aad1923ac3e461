#!/bin/sh
# Prints TAP, so ptest reads the results from stdout instead of the exit code.
n=0
check() {
    n=$((n + 1))
    if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1 (got '$2', want '$3')"; fi
}
echo "1..4"
sleep 0.8
check "upper-case with tr" "$(echo hello | tr a-z A-Z)" "HELLO"
check "cut a field" "$(echo a:b:c | cut -d: -f2)" "b"
check "sed substitution" "$(echo foo-bar | sed 's/-/_/')" "foo_bar"
check "parameter expansion" "$(x=archive.tar.gz; echo "${x%%.*}")" "archive"
