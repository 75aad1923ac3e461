import pytest


@pytest.mark.parametrize("word", ["alpha", "beta", "gamma"])
def test_lower(word):
    assert word.lower() == word


def test_skipped():
    pytest.skip("not on this platform")
