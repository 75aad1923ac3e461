#!/bin/sh
# Fails on its first attempt only: FLAKY 2/3 with --retries 2.
attempt=${PTEST_ATTEMPT:-1}
echo "attempt $attempt of ${PTEST_TOTAL_ATTEMPTS:-1}"
if [ "$attempt" -eq 1 ]; then
    echo "the shared fixture was not ready yet" >&2
    exit 1
fi
