#!/bin/sh
# Fails on every attempt: FAIL 3/3 with --retries 2, and the run fails.
echo "attempt ${PTEST_ATTEMPT:-1}: still broken" >&2
exit 1
