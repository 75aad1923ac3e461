# Writes a JUnit report in which every test case is skipped: SKIP.
import os

with open(os.environ["PTEST_JUNIT_FILE"], "w", encoding="utf-8") as f:
    f.write(
        '<testsuite name="gpu">'
        '<testcase classname="gpu" name="matmul"><skipped message="no GPU"/></testcase>'
        '<testcase classname="gpu" name="conv"><skipped message="no GPU"/></testcase>'
        "</testsuite>"
    )
