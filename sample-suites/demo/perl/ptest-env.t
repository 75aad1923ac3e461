# Checks the environment ptest gives each test. Under another harness
# (prove) the ptest-specific checks are skipped, so it passes everywhere.
use strict;
use warnings;
use Test::More;

select(undef, undef, undef, 0.2);    # sleep 0.2 s

ok(defined $ENV{PATH}, 'PATH is set');

SKIP: {
    skip 'not running under ptest', 3 unless ($ENV{PTEST} // '') eq '1';
    like($ENV{PTEST_WORKER} // '', qr/^\d+$/, 'PTEST_WORKER is a number');
    my $tmp = $ENV{PTEST_TMPDIR} // '';
    ok(length $tmp && -d $tmp, 'PTEST_TMPDIR is a directory');
    my $file = "$tmp/scratch.txt";
    my $written = 0;
    if (open(my $fh, '>', $file)) {
        $written = print({$fh} "scratch\n") && close($fh) && unlink($file);
    }
    ok($written, 'PTEST_TMPDIR is writable');
}

done_testing();
