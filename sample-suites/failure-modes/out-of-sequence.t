# Test numbers out of order: 1, 3, 2.
print "1..3\n";
print "ok 1\n";
print "ok 3\n";
print "ok 2\n";
