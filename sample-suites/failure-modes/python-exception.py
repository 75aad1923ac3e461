#!/usr/bin/env python3
"""Exit-code protocol: an uncaught exception exits with status 1."""


def parse_port(text):
    return int(text)


print("parsing the configuration")
parse_port("eighty")
