# The whole file is skipped.
print "1..0 # SKIP no database configured\n";
