#!/usr/bin/env perl
# The built programs carry the hardening configure adds by default
# (Debian's set): position-independent (ELF type DYN), relocations made
# read-only (GNU_RELRO) and bound at load time (BIND_NOW), the stack
# protector (__stack_chk_fail imported) and fortified libc calls (at least
# one __*_chk function imported). Reads roster-fcgi, roster-mailer and
# rosterctl in $ROSTER_BUILDDIR with readelf (binutils).
#
# A sanitizer build (the programs link libasan) is built without
# _FORTIFY_SOURCE on purpose: ASan checks memory through the plain libc
# functions it intercepts, and the _chk variants would bypass it. There
# the fortify check is skipped, and only there; everything else must hold
# in every build. A build configured with --disable-hardening fails this
# test, as it should.

use strict;
use warnings;
use FindBin;
use Test::More;

my $src = $ENV{ROSTER_SRCDIR} // "$FindBin::Bin/../..";
my $build = $ENV{ROSTER_BUILDDIR} // "$src/build";

system('sh', '-c', 'command -v readelf >/dev/null') == 0
    or BAIL_OUT('readelf (binutils) is not installed');

sub readelf {
	my (@args) = @_;
	open my $fh, '-|', 'readelf', '-W', @args or die "readelf: $!";
	local $/;
	my $out = <$fh> // '';
	close $fh or die "readelf @args failed";
	return $out;
}

# The checks themselves, on a string of readelf output; they must see a
# missing property (tried first on made-up output below).
sub check_binary {
	my ($name, $header, $dynamic, $segments, $symbols, $sanitized) = @_;
	my @bad;
	push @bad, 'not PIE (ELF type is not DYN)' unless $header =~ /^\s*Type:\s+DYN\b/m;
	push @bad, 'no BIND_NOW'
	    unless $dynamic =~ /\(FLAGS\)\s+.*\bBIND_NOW\b/ || $dynamic =~ /\(FLAGS_1\)\s+.*\bNOW\b/;
	push @bad, 'no GNU_RELRO segment' unless $segments =~ /^\s*GNU_RELRO\b/m;
	push @bad, '__stack_chk_fail not imported' unless $symbols =~ /\bUND\s+__stack_chk_fail\b/;
	push @bad, 'no fortified (__*_chk) function imported'
	    unless $sanitized || $symbols =~ /\bUND\s+__\w+_chk\b/;
	return @bad;
}

# The checker finds each missing property on made-up readelf output.
{
	my $h = "  Type:                              DYN (Position-Independent Executable file)\n";
	my $d = " 0x000000000000001e (FLAGS)              BIND_NOW\n";
	my $p = "  GNU_RELRO      0x0 0x0 0x0 0x1 0x1 R   0x1\n";
	my $s = "     1: 0000000000000000     0 FUNC    GLOBAL DEFAULT  UND __stack_chk_fail\@GLIBC_2.4 (2)\n"
	    . "     2: 0000000000000000     0 FUNC    GLOBAL DEFAULT  UND __memcpy_chk\@GLIBC_2.3.4 (3)\n";
	is_deeply [check_binary('x', $h, $d, $p, $s, 0)], [], 'checker: a hardened sample passes';
	is scalar(check_binary('x', "  Type: EXEC (Executable file)\n", $d, $p, $s, 0)), 1, 'checker: EXEC is not PIE';
	is scalar(check_binary('x', $h, " 0x1e (FLAGS) ORIGIN\n", $p, $s, 0)), 1, 'checker: no BIND_NOW is seen';
	is scalar(check_binary('x', $h, " 0x6ffffffb (FLAGS_1) Flags: NOW PIE\n", $p, $s, 0)), 0,
	    'checker: FLAGS_1 NOW counts as BIND_NOW';
	is scalar(check_binary('x', $h, $d, "  LOAD 0x0\n", $s, 0)), 1, 'checker: no GNU_RELRO is seen';
	(my $nochk = $s) =~ s/__memcpy_chk/memcpy/;
	is scalar(check_binary('x', $h, $d, $p, $nochk, 0)), 1, 'checker: no _chk import is seen';
	is scalar(check_binary('x', $h, $d, $p, $nochk, 1)), 0, 'checker: ... except in a sanitizer build';
	(my $nossp = $s) =~ s/__stack_chk_fail/abort/;
	is scalar(check_binary('x', $h, $d, $p, $nossp, 0)), 1, 'checker: no stack protector is seen';
}

for my $prog (qw(roster-fcgi roster-mailer rosterctl)) {
	my $path = "$build/$prog";
	ok -x $path, "$prog is built" or next;
	my $dynamic = readelf('-d', $path);
	my $symbols = readelf('--dyn-syms', $path);
	# libasan linked in, shared (gcc) or static (clang)
	my $sanitized = ($dynamic =~ /\(NEEDED\)\s+.*\blibasan\b/ || $symbols =~ /\b__asan_init\b/) ? 1 : 0;
	my @bad = check_binary($prog, readelf('-h', $path), $dynamic, readelf('-l', $path), $symbols, $sanitized);
	is_deeply \@bad, [], "$prog: PIE, RELRO, BIND_NOW, stack protector"
	    . ($sanitized ? ' (sanitizer build: fortify not checked)' : ', fortify');
	diag "$prog: $_" for @bad;
}

done_testing;
