// Kills the whole Jest process: its batch's files run again one per
// process, and this one is named.
test("aborts", () => {
  process.abort();
});
