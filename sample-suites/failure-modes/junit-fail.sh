#!/bin/sh
# Writes a JUnit report to $PTEST_JUNIT_FILE with one failing test case and
# exits 0. The report wins over the passing TAP printed on stdout.
cat > "$PTEST_JUNIT_FILE" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="calc" tests="2" failures="1">
    <testcase classname="calc" name="adds" time="0.001"/>
    <testcase classname="calc" name="divides" time="0.002">
      <failure message="expected 2, got 3">divide(6, 2) returned 3 &lt;- off by one</failure>
    </testcase>
  </testsuite>
</testsuites>
XML
echo "1..1"
echo "ok 1 - ignored: the JUnit report is the result"
exit 0
