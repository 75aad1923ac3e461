import time


def test_takes_a_moment():
    time.sleep(0.2)
    assert True
