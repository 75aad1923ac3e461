import os


def test_before_the_crash():
    assert True


def test_crashes_the_interpreter():
    # Kills the whole pytest process, as a segfaulting extension would.
    os.abort()
