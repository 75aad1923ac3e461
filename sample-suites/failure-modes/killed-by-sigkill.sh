#!/bin/sh
# Exit-code protocol; the shell kills itself with SIGKILL (no core dump).
echo "about to be killed"
kill -9 $$
echo "never reached"
