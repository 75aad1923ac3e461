// ptest: timeout=3s
test("never settles", () => new Promise(() => {}), 600000);
