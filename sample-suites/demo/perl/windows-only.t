# Skips itself entirely on anything but Windows: verdict SKIP, not a failure.
use strict;
use warnings;
use Test::More;

plan skip_all => 'Windows-only checks' unless $^O eq 'MSWin32';
plan tests => 1;
ok(Win32::IsWinNT(), 'running on NT');
