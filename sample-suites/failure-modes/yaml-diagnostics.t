# TAP 13 YAML diagnostics: the indented block is not test points, even
# where it looks like one.
print <<'TAP';
TAP version 13
1..2
ok 1 - with a YAML block
  ---
  message: |
    not ok 7 - this line is inside the YAML block
    1..9
  data: { got: 1, expected: 1 }
  ...
ok 2 - after the block
TAP
