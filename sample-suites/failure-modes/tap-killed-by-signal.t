# Complete, passing TAP, then the process is killed by SIGTERM (not from ptest).
$| = 1;
print "1..2\n";
print "ok 1\n";
print "ok 2\n";
kill 'TERM', $$;
sleep 5;    # not reached
