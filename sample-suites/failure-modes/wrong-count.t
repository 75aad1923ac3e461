# Plans 3 tests, runs 2 (as if it died quietly half way).
print "1..3\n";
print "ok 1\n";
print "ok 2\n";
