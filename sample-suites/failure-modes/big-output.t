# 40 MB of TAP comment lines between two passing tests.
print "1..2\n";
print "ok 1 - before the flood\n";
my $line = '# ' . ('filler ' x 11) . "\n";    # 80 bytes
print $line for 1 .. 500_000;                  # 40,000,000 bytes
print "ok 2 - after the flood\n";
