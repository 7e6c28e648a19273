#!/usr/bin/env perl
# The stack of the benchmarks: starts a private Roster stack with the test
# harness (t/lib/Roster/Test.pm: PostgreSQL, roster-mailer, roster-fcgi and
# nginx on a free loopback port), seeds the data the measured pages need,
# checks that every measured URL answers what it should, writes what
# bench/run needs to a file, and keeps the stack up until bench/run asks it
# to stop (or goes away, or the time bound passes). Then the harness stops
# every process and removes the state directory.
#
#   bench/stack.pl INFO_FILE STOP_FILE [MAX_SECONDS]
#
# Seeded: an owner who signed up and signed in over HTTP (a real session
# cookie), the organization "bench" with 50 active members (the owner and
# 49 seeded through SQL) and 20 pending invitations (19 through SQL, one
# sent over HTTP whose mailed link gives a real signed token).
#
# INFO_FILE is written once everything answered (renamed into place, so
# its presence means ready), as NAME=value lines (values unquoted: read
# them, do not source them): BASE_URL, COOKIE (the owner's Cookie header),
# ORG_PATH, ACCEPT_PATH, FCGI_PID (the roster-fcgi supervisor), STATE_DIR,
# ROSTER_PAGE_BYTES (the size of the roster page). Core Perl modules only.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Roster::Test;
use Time::HiRes qw(sleep time);

my ($info, $stopfile, $max) = @ARGV;
die "usage: $0 INFO_FILE STOP_FILE [MAX_SECONDS]\n" unless $info && $stopfile;
$max //= 1800;
my $parent = getppid;

use constant PASSWORD => 'correct horse battery';
use constant OWNER    => 'owner@bench.example';
use constant INVITEE  => 'invitee@bench.example';
use constant SLUG     => 'bench';
use constant MEMBERS  => 50;
use constant PENDING  => 20;

sub say_err { print STDERR "stack: @_\n" }

sub check {
	my ($what, $ok, $detail) = @_;
	die "$what: $detail\n" unless $ok;
}

my $s = Roster::Test->start(workers => 2);
say_err('stack up at ' . $s->base_url);

# The owner: signed up and signed in over HTTP, so the cookie is real.
my $ua = $s->ua;
my $res = $ua->signup(OWNER, PASSWORD, 'Bench Owner');
check('signup of the owner', $res->{status} == 303, "status $res->{status}");
$ua->clear_cookies;
$res = $ua->login(OWNER, PASSWORD);
check('sign-in of the owner', $res->{status} == 303, "status $res->{status}");
check('session cookie', defined $ua->cookie('roster_session'), 'no roster_session cookie');
$ua->get('/orgs/new');
$res = $ua->post_form('/orgs', { name => 'Bench Org', slug => SLUG });
check('creating the organization', $res->{status} == 303, "status $res->{status}");

my $org = $s->sql_one('SELECT id FROM organizations WHERE slug = ?', SLUG);
my $owner = $s->sql_one('SELECT id FROM users WHERE email = ?', OWNER);

# 49 more members and 19 pending invitations, straight into the tables.
# The password hash is never verified: these users do not sign in.
my $others = MEMBERS - 1;
my $seeded = PENDING - 1;
$s->psql(<<"SQL", $org, $org, $org, $owner);
BEGIN;
INSERT INTO users (email, display_name, password_hash, email_confirmed_at)
SELECT 'member' || g || '\@bench.example', 'Member ' || g, 'x', now()
FROM generate_series(1, $others) g;
INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
SELECT ?, u.id, CASE WHEN u.email = 'member1\@bench.example' THEN 'admin' ELSE 'member' END,
       'active', 'invitation', now()
FROM users u WHERE u.email LIKE 'member%\@bench.example'
AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = ? AND m.user_id = u.id);
INSERT INTO invitations (organization_id, email, role, hashed_token, invited_by, expires_at)
SELECT ?, 'pending' || g || '\@bench.example', 'member',
       sha256(convert_to('bench-seed-' || g || '-' || random()::text, 'UTF8')), ?,
       now() + interval '7 days'
FROM generate_series(1, $seeded) g;
COMMIT;
SQL

# The 20th invitation through the application, for a real signed link.
$ua->get('/orgs/' . SLUG);
$res = $ua->post_form('/orgs/' . SLUG . '/invitations', { email => INVITEE, role => 'member' });
check('inviting over HTTP', $res->{status} == 303, "status $res->{status}");
my $mail = $s->wait_for_mail(to => INVITEE, timeout => 30);
check('invitation mail', $mail, 'no mail within 30 s (roster-mailer running?)');
my ($token) = ($mail->{link} // '') =~ /[?&]token=([^&\s]+)/;
check('token in the mailed link', $token, "link: " . ($mail->{link} // 'none'));

my $members = $s->sql_one(q{SELECT count(*) FROM memberships WHERE organization_id = ?
    AND status = 'active'}, $org);
my $pending = $s->sql_one(q{SELECT count(*) FROM invitations WHERE organization_id = ?
    AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL
    AND expires_at > now()}, $org);
check('seeded members', $members == MEMBERS, "$members active members, want " . MEMBERS);
check('seeded invitations', $pending == PENDING, "$pending pending invitations, want " . PENDING);

# Every measured URL answers what it should before anything is timed.
my $cookie = 'roster_session=' . $ua->cookie('roster_session');
my $anon = $s->ua;
my %want = (
	'/static/style.css' => [ $anon, 200, undef ],
	'/healthz'          => [ $anon, 200, undef ],
	'/login'            => [ $anon, 200, 'login' ],
	'/orgs/' . SLUG()   => [ $ua, 200, 'org-members' ],
	"/invitations/accept?token=$token" => [ $anon, 200, 'invitation-signup' ],
);
for my $path (sort keys %want) {
	my ($who, $status, $page) = @{ $want{$path} };
	$who->clear_cookies if $who == $anon;
	my $r = $who->get($path);
	check("GET $path", $r->{status} == $status, "status $r->{status}, want $status");
	if (defined $page) {
		my $got = $who->page($r) // '(none)';
		check("GET $path", $got eq $page, "page $got, want $page");
	}
}
my $body = $ua->get('/orgs/' . SLUG)->{content};
# Distinct ids: a row may carry its id in more than one element.
my %mid = map { $_ => 1 } $body =~ /data-member-id="([^"]*)"/g;
my %iid = map { $_ => 1 } $body =~ /data-invitation-id="([^"]*)"/g;
my ($nm, $ni) = (scalar keys %mid, scalar keys %iid);
check('roster rows', $nm == MEMBERS && $ni == PENDING,
    "$nm member rows and $ni invitation rows, want " . MEMBERS . ' and ' . PENDING);
say_err(sprintf('seeded: %d members, %d pending invitations; roster page %d bytes',
    $nm, $ni, length $body));

my $tmp = "$info.tmp";
open my $fh, '>', $tmp or die "$tmp: $!\n";
print $fh "BASE_URL=" . $s->base_url . "\n";
print $fh "COOKIE=$cookie\n";
print $fh 'ORG_PATH=/orgs/' . SLUG . "\n";
print $fh "ACCEPT_PATH=/invitations/accept?token=$token\n";
print $fh 'FCGI_PID=' . $s->fcgi_pid . "\n";
print $fh 'STATE_DIR=' . $s->state_dir . "\n";
print $fh 'ROSTER_PAGE_BYTES=' . length($body) . "\n";
close $fh or die "$tmp: $!\n";
rename $tmp, $info or die "rename $tmp: $!\n";

# Up until asked to stop, until bench/run is gone, or until the bound.
my $deadline = time + $max;
while (!-e $stopfile) {
	last if getppid != $parent;
	if (time > $deadline) {
		say_err("still running after ${max}s; stopping");
		last;
	}
	sleep 0.2;
}
my @san = $s->sanitizer_reports;
say_err($_) for @san;
$s->stop;
say_err('stack stopped');
exit(@san ? 1 : 0);
