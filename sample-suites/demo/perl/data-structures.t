use strict;
use warnings;
use Test::More;

select(undef, undef, undef, 1.2);    # sleep 1.2 s

my %h = (a => 1, b => [2, 3], c => { d => 4 });
is_deeply([sort keys %h], [qw(a b c)], 'hash keys');
is_deeply($h{b}, [2, 3], 'nested array');
is($h{c}{d}, 4, 'nested hash');

my @stack;
push @stack, $_ for 1 .. 5;
is(pop @stack, 5, 'pop');
is(shift @stack, 1, 'shift');
is(scalar @stack, 3, 'three left');

done_testing();
