# A helper module imported by the tests: not a test file.
def double(x):
    return 2 * x
