# A plain failing test point.
print "1..3\n";
print "ok 1 - fine\n";
print "not ok 2 - broken\n";
print "#   Failed test 'broken'\n";
print "ok 3 - fine again\n";
