#!/usr/bin/env perl
# One name, one thing (STYLE.md): no two files under src/ share a
# basename; every function or object a module exports is named with the
# module's basename as prefix (web_page.c exports web_page and web_page_*);
# and no file-local function has the name of a C library function. Read
# from the sources and from the built library's symbol table.

use strict;
use warnings;
use File::Basename qw(basename dirname);
use File::Find;
use Test::More;

my $src = $ENV{ROSTER_SRCDIR} // dirname(__FILE__) . '/../..';
my $build = $ENV{ROSTER_BUILDDIR} // "$src/build";
my $lib = "$build/libroster.a";
-f $lib or BAIL_OUT("$lib is not built (set ROSTER_BUILDDIR)");

# Basenames: a .c and its .h share one; two folders never do.
my %dir_of;
find(sub {
	return unless /^(.+)\.[ch]$/;
	my $base = $1;
	my $dir = $File::Find::dir;
	push @{ $dir_of{$base} }, $dir unless grep { $_ eq $dir } @{ $dir_of{$base} // [] };
}, "$src/src");
for my $base (sort keys %dir_of) {
	my @d = @{ $dir_of{$base} };
	ok @d == 1, "basename $base is used once" or diag "in: @d";
}

# The C library's exported functions.
chomp(my $libc = `cc -print-file-name=libc.so.6 2>/dev/null` || '');
$libc = '/lib/x86_64-linux-gnu/libc.so.6' unless $libc && -e $libc;
my %libc = map { (split)[-1] => 1 } grep { /\s[TWi]\s/ } `nm -D --defined-only '$libc'`;
%libc = map { (my $n = $_) =~ s/@.*//; ($n => 1) } keys %libc;
ok keys(%libc) > 500, 'the C library lists its functions (' . scalar(keys %libc) . ')';

# The library's symbols, by member.
my ($member, %exported);
for (`nm --defined-only '$lib'`) {
	if (/^(\S+)\.o:$/) { $member = $1; next }
	next unless defined $member && /^\S*\s+([A-Za-z])\s+(\S+)$/;
	my ($type, $name) = ($1, $2);
	$name =~ s/\..*//; # foo.part.0, foo.cold, foo.constprop.0
	$exported{$member}{$name} = 1 if $type =~ /[TDBR]/;
}
ok keys(%exported) > 20, 'the library has its modules (' . scalar(keys %exported) . ')';
for my $m (sort keys %exported) {
	my @bad = grep { $_ ne $m && index($_, "${m}_") != 0 } sort keys %{ $exported{$m} };
	ok !@bad, "$m.o exports only $m and ${m}_*" or diag "also: @bad";
}
# Function definitions start a line with their name (the return type
# stands on the line before): read them from the sources, since the
# compiler inlines most static functions away.
my @c;
find(sub { push @c, $File::Find::name if /\.c$/ }, "$src/src");
for my $f (sort @c) {
	open my $fh, '<', $f or die "$f: $!";
	my @bad = grep { $libc{$_} } map { /^([a-z_][a-z0-9_]*)\(/ ? $1 : () } <$fh>;
	ok !@bad, 'no function of src/' . ($f =~ s{.*/src/}{}r) . " has a C library function's name"
	    or diag "shadows: @bad";
}

done_testing;
