#!/bin/sh
# Hangs for 10 minutes; run with --timeout 2s. `exec` leaves no child
# behind if someone kills only this process.
echo "going to sleep"
exec sleep 600
