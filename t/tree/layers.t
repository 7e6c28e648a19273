#!/usr/bin/env perl
# The include rule of docs/architecture.md: a file under src/LAYER/ may
# include its own layer's headers and those of the layers LAYER may call,
# never a layer that calls it. conf.h and counters.h, at the top of src/,
# are open to every layer that needs them.

use strict;
use warnings;
use File::Basename qw(dirname);
use Test::More;

my $src = ($ENV{ROSTER_SRCDIR} // dirname(__FILE__) . '/../..') . '/src';

my %may = (
	util   => [qw(util)],
	crypto => [qw(crypto util)],
	http   => [qw(http util)],
	tpl    => [qw(tpl util)],
	sup    => [qw(sup util)],
	db     => [qw(db util counters.h)],
	domain => [qw(domain db crypto util conf.h counters.h)],
	mail   => [qw(mail db tpl crypto util conf.h)],
	web    => [qw(web domain db mail http tpl crypto util conf.h counters.h)],
);

for my $layer (sort keys %may) {
	my %ok = map { $_ => 1 } @{ $may{$layer} };
	opendir(my $dh, "$src/$layer") or die "$src/$layer: $!";
	for my $f (sort grep { /\.[ch]$/ } readdir $dh) {
		open my $fh, '<', "$src/$layer/$f" or die "$f: $!";
		my @bad;
		while (<$fh>) {
			next unless /^#include "([^"]+)"/;
			my $inc = $1;
			my $to = $inc =~ m{^([a-z_]+)/} ? $1 : $inc;
			push @bad, $inc unless $ok{$to};
		}
		ok !@bad, "src/$layer/$f includes only what $layer may call"
		    or diag "includes: @bad";
	}
}

# The test can fail: a db file that included a domain header would.
my %db = map { $_ => 1 } @{ $may{db} };
ok !$db{domain} && !$db{web}, 'db may include neither domain nor web';

done_testing;
