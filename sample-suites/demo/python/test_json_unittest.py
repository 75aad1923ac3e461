#!/usr/bin/env python3
"""A unittest module: the exit code of unittest.main() decides."""
import json
import time
import unittest


class JsonRoundTrip(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        time.sleep(1.0)

    def test_round_trip(self):
        doc = {"name": "ptest", "jobs": 8, "tags": ["fast", "honest"], "nested": {"ok": True}}
        self.assertEqual(json.loads(json.dumps(doc)), doc)

    def test_unicode(self):
        self.assertEqual(json.loads('"caf\\u00e9"'), "café")

    def test_rejects_garbage(self):
        with self.assertRaises(json.JSONDecodeError):
            json.loads("{not json")


if __name__ == "__main__":
    unittest.main()
