#!/bin/sh
# ptest: timeout=2s
# Hangs on its first attempt (stopped by its own timeout, above), passes on the next:
# a timeout is retried, and the JUnit report has a <flakyError>.
if [ "${PTEST_ATTEMPT:-1}" -eq 1 ]; then
    sleep 600
fi
echo "attempt ${PTEST_ATTEMPT:-1} was quick"
