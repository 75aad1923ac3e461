#!/usr/bin/env python3
"""Plain asserts: no TAP is printed, so the exit code decides (0 = PASS)."""
import fractions
import math
import time

time.sleep(0.6)

assert math.isclose(math.sqrt(2) ** 2, 2.0)
assert math.gcd(84, 36) == 12
assert fractions.Fraction(1, 3) + fractions.Fraction(1, 6) == fractions.Fraction(1, 2)
assert sorted([3, 1, 2], reverse=True) == [3, 2, 1]
print("math ok")
