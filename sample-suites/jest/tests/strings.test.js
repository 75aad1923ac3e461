test.each([
  ["abc", 3],
  ["", 0],
])("length of %p is %p", (s, n) => expect(s.length).toBe(n));

test.skip("not yet", () => expect(true).toBe(false));
