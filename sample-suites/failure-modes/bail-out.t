# Bails out: FAIL, and ptest starts no further files in the run.
$| = 1;
print "1..3\n";
print "ok 1 - connected\n";
print "Bail out! database went away\n";
