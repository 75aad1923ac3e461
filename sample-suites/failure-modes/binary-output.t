# Valid TAP surrounded by bytes that are not UTF-8 and control characters.
binmode STDOUT;
binmode STDERR;
print "1..3\n";
print "ok 1 - latin-1 caf\xe9 and a lone continuation byte \x80\n";
print "# control bytes: NUL \x00 BEL \x07 BS \x08 ESC \x1b[31mred\x1b[0m CR \r mid-line\n";
print "ok 2 - invalid UTF-8 \xff\xfe\xc3\x28 in a description\n";
print "\x00\x01\x02\x7f binary junk line\n";
print "ok 3 - after a CRLF line\r\n";
print STDERR "stderr: \xff\xfe\x00 binary \x1b[2J\n";
