# One 16 MB line with no line break in it, between two passing tests.
print "1..2\n";
print "ok 1 - before the long line\n";
print 'x' x (16 * 1024 * 1024), "\n";
print "ok 2 - after the long line\n";
