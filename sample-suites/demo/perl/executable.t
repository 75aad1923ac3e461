#!/usr/bin/env perl
# Executable with a shebang: ptest runs it directly instead of `perl FILE`.
use strict;
use warnings;
use Test::More tests => 3;

select(undef, undef, undef, 1.5);    # sleep 1.5 s: the slowest file in the demo

ok(-x $0, 'this file is executable');
open(my $fh, '<', $0) or die "cannot read $0: $!";
my $first = <$fh>;
like($first, qr/^#!/, 'it starts with a shebang');
is($0 =~ /\.t$/ ? 1 : 0, 1, 'it still has the .t extension');
