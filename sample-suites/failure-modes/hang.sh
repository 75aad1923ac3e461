#!/bin/sh
# ptest: timeout=2s
# Hangs for 10 minutes; its own header timeout (2s above) stops it, so the
# directory runs as typed. `exec` leaves no child
# behind if someone kills only this process.
echo "going to sleep"
exec sleep 600
