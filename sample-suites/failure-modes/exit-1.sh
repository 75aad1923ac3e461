#!/bin/sh
# Exit-code protocol: no plan on stdout, exit status 1.
echo "something went wrong" >&2
exit 1
