#!/bin/sh
# ptest: timeout=2s
# Hangs and ignores SIGTERM (the ignored disposition survives exec), so the
# timeout needs the grace period and SIGKILL. Ctrl-C still stops it.
trap '' TERM
echo "going to sleep, deaf to SIGTERM"
exec sleep 600
