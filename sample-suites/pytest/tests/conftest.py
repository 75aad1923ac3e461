# Shared fixtures: not a test file (the ptest.toml include leaves it out).
import pytest


@pytest.fixture
def numbers():
    return [3, 1, 2]
