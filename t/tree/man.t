#!/usr/bin/env perl
# The manual pages and the programs' own usage (issue 11, item 4):
#  - roster-fcgi, roster-mailer and rosterctl print their usage on stdout
#    and exit 0 for --help, print "PROGRAM VERSION" (configure's
#    PACKAGE_VERSION) and exit 0 for --version, and print the usage on
#    stderr and exit 2 for anything they do not take;
#  - mandoc -Tlint finds nothing in man/*.5 and man/*.8 but references to
#    manuals not installed on this machine (Roster's own, and others that
#    Debian images often lack), and every reference to one of Roster's
#    pages names a page of man/;
#  - the list of variables in man/roster.env.5, between its BEGIN and END
#    comments, is exactly what `rosterctl config --mdoc` prints from the
#    one table in src/conf.c (`make update-man` rewrites it), and names
#    every variable of `rosterctl config`;
#  - Makefile.am installs and ships every page of man/.
# Needs mandoc (scripts/test installs it) and the programs of
# $ROSTER_BUILDDIR.

use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);
use IPC::Open3;
use Symbol qw(gensym);
use Test::More;

my $src = $ENV{ROSTER_SRCDIR} // "$FindBin::Bin/../..";
my $build = $ENV{ROSTER_BUILDDIR} // "$src/build";
my @PROGRAMS = qw(roster-fcgi roster-mailer rosterctl);

sub slurp {
	my ($path) = @_;
	open my $fh, '<', $path or die "$path: $!\n";
	local $/;
	return scalar <$fh>;
}

# Runs a command with stdin from /dev/null and a clean ROSTER_*
# environment; returns { status, out, err }.
sub run {
	my (@cmd) = @_;
	local %ENV = map { $_ => $ENV{$_} } grep { !/^ROSTER_/ } keys %ENV;
	open my $null, '<', '/dev/null' or die $!;
	my $err = gensym;
	my $pid = open3($null, my $out, $err, @cmd);
	my ($o, $e) = do { local $/; (scalar(<$out>) // '', scalar(<$err>) // '') };
	waitpid $pid, 0;
	return { status => $? >> 8, signal => $? & 127, out => $o, err => $e };
}

# ---- --help, --version, bad usage --------------------------------------------
my ($version) = slurp("$build/Makefile") =~ /^PACKAGE_VERSION = (\S+)$/m;
ok defined $version, "the build's PACKAGE_VERSION is known ($build/Makefile)";
my ($ac_version) = slurp("$src/configure.ac") =~ /^AC_INIT\(\[roster\],\s*\[([^\]]+)\]/m;
is $version, $ac_version, "  and is configure.ac's AC_INIT version";

for my $p (@PROGRAMS) {
	my $bin = "$build/$p";
	ok -x $bin, "$p is built" or next;

	my $r = run($bin, '--help');
	is $r->{status}, 0, "$p --help exits 0";
	like $r->{out}, qr/\Ausage: \Q$p\E\b/, "  printing the usage on stdout";
	like $r->{out}, qr/^\s+\Q$p\E --help \| --version$/m, '  naming --help and --version';
	like $r->{out}, qr/roster\.env\(5\)/, '  and pointing at roster.env(5)';
	is $r->{err}, '', '  with nothing on stderr';

	$r = run($bin, '--version');
	is $r->{status}, 0, "$p --version exits 0";
	is $r->{out}, "$p $version\n", "  printing \"$p $version\"";
	is $r->{err}, '', '  with nothing on stderr';

	for my $bad (['--no-such-option'], ['--help', 'extra'], ['--version', '--help'], ['-h']) {
		$r = run($bin, @$bad);
		is $r->{status}, 2, "$p @$bad exits 2";
		like $r->{err}, qr/\Ausage: \Q$p\E\b/, '  with the usage on stderr';
		is $r->{out}, '', '  and nothing on stdout';
	}
}
{
	my $r = run("$build/rosterctl", 'no-such-command');
	is $r->{status}, 2, 'rosterctl no-such-command exits 2 without trying the database';
	like $r->{err}, qr/\Ausage: rosterctl /, '  with the usage on stderr';
	$r = run("$build/rosterctl", 'config', '--no-such-option');
	is $r->{status}, 2, 'rosterctl config with an unknown option exits 2';
	$r = run("$build/rosterctl");
	is $r->{status}, 2, 'rosterctl without a command exits 2';
	like $r->{err}, qr/^\s+rosterctl config \[--mdoc\]$/m, '  its usage names config --mdoc';
}

# ---- the pages -----------------------------------------------------------------
my %PAGES = (
	'roster-fcgi.8'   => [ 'roster-fcgi',   8 ],
	'roster-mailer.8' => [ 'roster-mailer', 8 ],
	'rosterctl.8'     => [ 'rosterctl',     8 ],
	'roster.env.5'    => [ 'roster.env',    5 ],
);
opendir my $dh, "$src/man" or die "$src/man: $!\n";
my @files = sort grep { /\.[1-9]$/ } readdir $dh;
closedir $dh;
is_deeply \@files, [ sort keys %PAGES ], 'man/ holds the four pages';
my %ours = map { ("$PAGES{$_}[0]($PAGES{$_}[1])" => 1) } keys %PAGES;

for my $f (@files) {
	my $text = slurp("$src/man/$f");
	my ($name, $sec) = @{ $PAGES{$f} // [ '', 0 ] };
	my $dt = uc $name;
	like $text, qr/^\.Dt \Q$dt\E $sec$/m, "$f: .Dt names the page";
	like $text, qr/^\.Sh NAME\n\.Nm \Q$name\E\n\.Nd \S/m, "$f: NAME section";
	for my $sh (qw(DESCRIPTION FILES), 'SEE ALSO', $sec == 8 ? ('SYNOPSIS', 'EXIT STATUS', 'EXAMPLES') : ()) {
		like $text, qr/^\.Sh \Q$sh\E$/m, "$f: has $sh";
	}
	for my $xr ($text =~ /^\.Xr (\S+ \d)\b/mg) {
		my ($n, $s) = split / /, $xr;
		next unless $n =~ /^roster/;
		ok $ours{"$n($s)"}, "$f: its reference to $n($s) names a page of man/";
	}
}

# mandoc's messages, less its notes about the system's database and the
# references to manuals not installed here: Roster's own (checked above
# against man/) and others a Debian image may lack.
sub lint {
	my (@paths) = @_;
	my $r = run('mandoc', '-Tlint', @paths);
	my @msg = grep {
		!/^mandoc: outdated mandoc\.db\b/ &&
		    !/STYLE: referenced manual not found: Xr \S+ \d/
	} split /\n/, $r->{out} . $r->{err};
	return ($r, @msg);
}
SKIP: {
	skip 'mandoc is not installed (apt-get install mandoc; scripts/test does)', 3
	    unless system('sh', '-c', 'command -v mandoc >/dev/null') == 0;
	# The filter lets through what matters: a broken page is reported.
	my $tmp = tempdir(CLEANUP => 1);
	open my $fh, '>', "$tmp/bad.8" or die $!;
	print $fh ".Dd \$Mdocdate: November 27 2026 \$\n.Dt BAD 8\n.Os\n.Sh NAME\n.Nm bad\n"
	    . ".Nd a bad page\n.Sh DESCRIPTION\n.Bl -tag\n.It x\nno end of list\n"
	    . ".Xr no-such-page 8\n";
	close $fh;
	my (undef, @bad) = lint("$tmp/bad.8");
	ok scalar(grep { /\bBl\b|\bEl\b|width/ } @bad), 'mandoc -Tlint: a broken page is reported'
	    or diag explain \@bad;
	my ($r, @msg) = lint(map { "$src/man/$_" } @files);
	is_deeply \@msg, [], 'mandoc -Tlint has nothing to say about the pages of man/'
	    or diag explain \@msg;
	like $r->{out} . $r->{err}, qr/^(?:(?!(?:ERROR|WARNING|UNSUPP)).)*$/s,
	    '  no error, warning or unsupported macro at all';
}

# ---- roster.env(5) and the table of defaults ------------------------------------
{
	my $page = slurp("$src/man/roster.env.5");
	my ($list) = $page =~ /^\.\\" BEGIN rosterctl config --mdoc\n(.*?)^\.\\" END rosterctl config --mdoc$/ms;
	ok defined $list, 'roster.env.5 marks the generated list';
	my $r = run("$build/rosterctl", 'config', '--mdoc');
	is $r->{status}, 0, 'rosterctl config --mdoc succeeds';
	is $list // '', $r->{out},
	    "roster.env.5's list is rosterctl config --mdoc's output (run make update-man)";
	my @names = $r->{out} =~ /^\.It Ev (ROSTER_[A-Z0-9_]+) Pq /mg;
	my $c = run("$build/rosterctl", 'config');
	my @config = $c->{out} =~ /^(ROSTER_[A-Z0-9_]+)=/mg;
	ok @config > 30, 'rosterctl config lists the variables';
	is_deeply \@names, \@config, 'the list names every variable of rosterctl config, in order';
	my %def = map { /^(ROSTER_[A-Z0-9_]+)=(.*?)  # /; ($1 => $2) } split /\n/, $c->{out};
	like $list, qr/^\.It Ev ROSTER_INVITE_TTL Pq Ql "604800"$/m, 'a default appears as a literal';
	like $list, qr/^\.It Ev ROSTER_SECRET_KEY Pq required$/m, 'the required variable is marked';
	like $list, qr/^\.It Ev ROSTER_SMTP_URL Pq unset$/m, 'an unset one is marked';
	like $list, qr/^\.It Ev ROSTER_WORKERS Pq "number of cores"$/m, 'a rule reads as words';
	for my $n (grep { $def{$_} ne '' && $def{$_} !~ /^\(/ } @config) {
		(my $d = $def{$n}) =~ s/\\/\\e/g;
		like $list, qr/^\.It Ev \Q$n\E Pq Ql "\Q$d\E"$/m, "$n: its default $def{$n}" ;
	}
	ok !grep({ length > 80 } split /\n/, $list), 'no line of the list is over 80 bytes';
}

# ---- installed and shipped ----------------------------------------------------
{
	my $am = slurp("$src/Makefile.am");
	my ($mans) = $am =~ /^dist_man_MANS\s*=\s*((?:.*\\\n)*.*)$/m;
	my @listed = sort map { s{^man/}{}r } grep { length } split /[\s\\]+/, $mans // '';
	is_deeply \@listed, \@files, 'Makefile.am installs and ships every page (dist_man_MANS)';
}

done_testing;
