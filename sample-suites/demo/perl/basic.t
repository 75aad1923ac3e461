# Not executable and no shebang: ptest (like prove) runs it as `perl basic.t`.
use strict;
use warnings;
use Test::More tests => 5;

select(undef, undef, undef, 0.3);    # sleep 0.3 s

is(1 + 1, 2, 'addition');
is(join(',', sort { $a <=> $b } 10, 9, 100), '9,10,100', 'numeric sort');
like('ptest 0.1.0', qr/^ptest \d+\.\d+/, 'version string');
ok(!defined(undef), 'undef is not defined');
cmp_ok(length('hello'), '==', 5, 'length');
