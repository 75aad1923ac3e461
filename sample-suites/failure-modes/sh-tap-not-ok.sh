#!/bin/sh
# Not a .t file, but it prints a plan, so its output is read as TAP: the
# `not ok` fails it although the exit status is 0.
echo "1..2"
echo "ok 1 - fine"
echo "not ok 2 - printed by a shell script"
exit 0
