#!/usr/bin/env perl
# Every test file under t/ is executable: scripts/test-suites runs only
# executable *.t files, so one that is not would be skipped in silence.

use strict;
use warnings;
use FindBin;
use Test::More;

my $src = $ENV{ROSTER_SRCDIR} // "$FindBin::Bin/../..";
my @files = grep { !m{/node_modules/} } glob("$src/t/*/*.t");
ok @files > 50, sprintf('test files found (%d)', scalar @files);
for my $f (@files) {
	ok -x $f, ($f =~ s{^\Q$src\E/}{}r) . ' is executable';
}
done_testing;
