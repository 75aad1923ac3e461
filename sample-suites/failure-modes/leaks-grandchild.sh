#!/bin/sh
# Prints passing TAP and exits 0, but leaves `sleep 600` running with this
# script's stdout inherited. A harness that reads stdout through a pipe
# (prove) waits for EOF, i.e. for 10 minutes; ptest sees the exit, kills the
# leftover process group member and reports it.
echo "1..1"
echo "ok 1 - the test itself passes"
sleep 600 &
exit 0
