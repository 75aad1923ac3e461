const { add } = require("./helpers");

describe("add", () => {
  test("small numbers", () => expect(add(1, 2)).toBe(3));
  test("negative numbers", () => expect(add(-1, -2)).toBe(-3));
});

test("floats are close", () => expect(add(0.1, 0.2)).toBeCloseTo(0.3));
