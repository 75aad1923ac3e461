use strict;
use warnings;
use Test::More tests => 2;

select(undef, undef, undef, 0.7);    # sleep 0.7 s

subtest 'string functions' => sub {
    plan tests => 3;
    is(reverse('abc') . '', 'cba', 'reverse');
    is(index('hello world', 'world'), 6, 'index');
    is(sprintf('%05.1f', 3.14159), '003.1', 'sprintf');
};

subtest 'list functions' => sub {
    use List::Util qw(sum max first);
    is(sum(1 .. 10), 55, 'sum');
    is(max(3, 9, 2), 9, 'max');
    is((first { $_ > 3 } 1 .. 10), 4, 'first');
    done_testing();
};
