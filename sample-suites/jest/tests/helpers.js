// A helper module, not a test file: `include` leaves it out.
exports.add = (a, b) => a + b;
