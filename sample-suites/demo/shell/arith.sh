#!/bin/sh
# Exit-code protocol: any failing check exits non-zero.
set -e
sleep 0.5
[ $((6 * 7)) -eq 42 ]
[ $((17 % 5)) -eq 2 ]
[ $((1 << 10)) -eq 1024 ]
echo "arithmetic ok"
