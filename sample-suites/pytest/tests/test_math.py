from helpers import double


def test_double():
    assert double(2) == 4


def test_sorted(numbers):
    assert sorted(numbers) == [1, 2, 3]


class TestNegative:
    def test_double_negative(self):
        assert double(-3) == -6
