#!/usr/bin/env perl
# scripts/redact (scripts/lib.sh roster_redact), the filter nginx's error
# output passes through before it reaches a log file, blanks the values of
# token= and invite= whatever the case of the name and however many times
# the separator was percent-encoded, and leaves everything else alone.
# Runs the script on sample lines; no build, no stack.

use strict;
use warnings;
use FindBin;
use IPC::Open2 ();
use Test::More;

my $src = $ENV{ROSTER_SRCDIR} // "$FindBin::Bin/../..";
my $redact = "$src/scripts/redact";

sub redact {
	my ($line) = @_;
	my $pid = IPC::Open2::open2(my $out, my $in, $redact);
	print {$in} "$line\n";
	close $in;
	local $/;
	my $got = <$out>;
	waitpid $pid, 0;
	is $? >> 8, 0, 'scripts/redact exits 0';
	$got =~ s/\n\z//;
	return $got;
}

my $t = 'AQ3xYz_-9abcdefghijklmnopqrstuvwxyz0123456789';
my @cases = (
	# [ input, expected, what ]
	["GET /invitations/accept?token=$t HTTP/1.1", 'GET /invitations/accept?token=[redacted] HTTP/1.1', 'token='],
	["GET /signup?invite=$t HTTP/1.1", 'GET /signup?invite=[redacted] HTTP/1.1', 'invite='],
	["GET /x?TOKEN=$t HTTP/1.1", 'GET /x?TOKEN=[redacted] HTTP/1.1', 'TOKEN= (upper case)'],
	["GET /x?Token=$t&INVITE=$t", 'GET /x?Token=[redacted]&INVITE=[redacted]', 'Token= and INVITE= (mixed, upper)'],
	["GET /x?a=1&iNvItE=$t", 'GET /x?a=1&iNvItE=[redacted]', 'iNvItE='],
	["/login?next=%2Fconfirm%3Ftoken%3D$t", '/login?next=%2Fconfirm%3Ftoken%3D[redacted]', '%3D'],
	["/login?next=%2Fconfirm%3Ftoken%3d$t", '/login?next=%2Fconfirm%3Ftoken%3d[redacted]', '%3d'],
	["/login?next=%252Fx%253Ftoken%253D$t%2526a%253D1", '/login?next=%252Fx%253Ftoken%253D[redacted]%2526a%253D1',
		'%253D (encoded twice)'],
	["/login?next=x%253FTOKEN%253d$t", '/login?next=x%253FTOKEN%253d[redacted]', 'TOKEN%253d'],
	["/login?next=x%25253Dy%3Finvite%25253D$t", '/login?next=x%25253Dy%3Finvite%25253D[redacted]', '%25253D (three times)'],
	["upstream: token=$t, client: 127.0.0.1, request: \"GET /links/accept?token=$t HTTP/1.1\"",
		'upstream: token=[redacted], client: 127.0.0.1, request: "GET /links/accept?token=[redacted] HTTP/1.1"',
		'every occurrence on a line'],
	['GET /orgs/acme/members?page=2 HTTP/1.1', 'GET /orgs/acme/members?page=2 HTTP/1.1', 'a line without tokens is unchanged'],
	['tokens=3 invited=yes token:abc %3D', 'tokens=3 invited=yes token:abc %3D', 'near-misses are unchanged'],
);
for my $c (@cases) {
	my ($in, $want, $what) = @$c;
	my $got = redact($in);
	is $got, $want, "redacts $what";
	unlike $got, qr/\Q$t\E/, "no token left: $what";
}

done_testing;
