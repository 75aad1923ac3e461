#!/usr/bin/env python3
"""TAP with tests spread over ~1.3 s, to show a long-running file."""
import time

print("1..3")
for n, name in enumerate(["connect", "query", "disconnect"], start=1):
    time.sleep(0.45)
    print(f"ok {n} - {name}", flush=True)
