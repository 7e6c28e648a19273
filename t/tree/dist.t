#!/usr/bin/env perl
# `make dist` ships what a packager needs (issue 11, item 7): the build
# system, the sources, README, every file of docs/, man/, scripts/,
# nginx/ (the server block) and debian/, the data (templates, static,
# sql), LICENSE when the tree has one, and nothing of a build or of
# t/browser/node_modules. Runs
# `make dist` in $ROSTER_BUILDDIR (about a second), reads the tarball with
# tar tzf and removes it. `make distcheck` is not run here: it runs every
# suite again from the tarball (docs/decisions.md).

use strict;
use warnings;
use FindBin;
use File::Find;
use File::Temp qw(tempdir);
use Test::More;

my $src = $ENV{ROSTER_SRCDIR} // "$FindBin::Bin/../..";
my $build = $ENV{ROSTER_BUILDDIR} // "$src/build";

sub slurp {
	my ($path) = @_;
	open my $fh, '<', $path or die "$path: $!\n";
	local $/;
	return scalar <$fh>;
}

my ($version) = slurp("$build/Makefile") =~ /^PACKAGE_VERSION = (\S+)$/m;
my ($tarname) = slurp("$build/Makefile") =~ /^PACKAGE_TARNAME = (\S+)$/m;
ok defined $version && defined $tarname, 'the build names the package and its version';
my $top = "$tarname-$version";

# The tarball goes to a directory of its own (make's distdir is relative
# to the build directory, so only its name may change).
my $tmp = tempdir(CLEANUP => 1);
my $dist = "$top-disttest-$$";
my $log = "$tmp/make-dist.log";
my $rc = system("make -s -C '$build' dist-gzip distdir='$dist' >'$log' 2>&1");
is $rc, 0, 'make dist succeeds' or diag slurp($log);
my $tarball = "$build/$dist.tar.gz";
ok -f $tarball, "it wrote $dist.tar.gz";
my @list = `tar tzf '$tarball'`;
unlink $tarball;
chomp @list;
ok @list > 100, 'the tarball lists its files';
my %in = map { (s{^\Q$dist\E/}{}r => 1) } @list;

# Files of the source tree that must be in it.
my @need = qw(README.md configure configure.ac Makefile.am Makefile.in aclocal.m4
    bootstrap nginx/roster.conf nginx/nginx.conf build-aux/install-sh);
push @need, 'LICENSE' if -f "$src/LICENSE";
for my $dir (grep { -d "$src/$_" } qw(docs man scripts nginx debian templates static sql src)) {
	find({ no_chdir => 1, wanted => sub {
		return unless -f $_;
		return if m{/\.[^/]*$} || /\.(?:o|a|log)$/;
		# What dpkg-buildpackage leaves in debian/ (dist-hook drops it).
		return if m{/debian/(?:build|roster|\.debhelper)/|/debian/(?:files|debhelper-build-stamp)$|/debian/[^/]*(?:\.substvars|\.debhelper[^/]*)$};
		push @need, s{^\Q$src\E/}{}r;
	} }, "$src/$dir");
}
my @missing = grep { !$in{$_} } @need;
is_deeply \@missing, [], 'it ships README, docs/, man/, scripts/, nginx/, debian/, the data and the sources'
    or diag explain \@missing;
for my $f (qw(README.md nginx/roster.conf nginx/nginx.conf man/roster.env.5 man/rosterctl.8
    man/roster-fcgi.8 man/roster-mailer.8 docs/decisions.md scripts/up scripts/lib.sh)) {
	ok $in{$f}, "  $f";
}
my @junk = sort grep {
	m{(?:^|/)(?:node_modules|\.deps|autom4te\.cache)/} || /\.o$/ ||
	    m{^(?:config\.status|config\.log|Makefile|roster-fcgi|rosterctl|roster-mailer)$} ||
	    (m{^t/.*[^/]$} && !-e "$src/$_")
} keys %in;
is_deeply \@junk, [], 'and nothing of a build: every file of its t/ is a file of the source tree'
    or diag explain \@junk;

done_testing;
