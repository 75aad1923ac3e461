# Writes a passing JUnit report with the standard library, like a test
# framework would: one passing and one skipped test case.
import os
import xml.etree.ElementTree as ET

suites = ET.Element("testsuites")
suite = ET.SubElement(suites, "testsuite", name="stdlib", tests="2")
ET.SubElement(suite, "testcase", classname="junit-pass", name="parses", time="0.004")
skipped = ET.SubElement(suite, "testcase", classname="junit-pass", name="network")
ET.SubElement(skipped, "skipped", message="offline")
ET.ElementTree(suites).write(os.environ["PTEST_JUNIT_FILE"], encoding="utf-8", xml_declaration=True)
