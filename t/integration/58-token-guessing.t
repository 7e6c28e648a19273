#!/usr/bin/env perl
# Token guessing: failed token lookups (invitation links GET and POST,
# email confirmation, password reset, join confirmation, platform
# invitation links) count per client address; past ROSTER_TOKEN_LIMIT (60)
# in a minute the client gets 429 rate-limited with Retry-After, a valid
# token from that same client still goes through, and other clients are
# unaffected. Clients are told apart by their loopback source address
# (127.0.0.2, 127.0.0.3), which nginx passes as REMOTE_ADDR.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use HTTP::Tiny;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;

# A ua whose connections leave from the loopback address $addr.
sub ua_from {
	my ($addr) = @_;
	my $ua = $s->ua;
	$ua->{http} = HTTP::Tiny->new(max_redirect => 0, timeout => 30,
	    agent => 'roster-test/1', keep_alive => 1, local_address => $addr);
	return $ua;
}

sub guesses { $s->sql_one('SELECT count(*) FROM rate_events WHERE bucket = ?', "guess:$_[0]") }

my $bad = 'A' x 43;
my @probes = (
	[ GET  => "/confirm?token=$bad", 'token-invalid' ],
	[ POST => '/confirm', 'token-invalid', { token => $bad } ],
	[ GET  => "/password/reset?token=$bad", 'token-invalid' ],
	[ GET  => "/invitations/accept?token=$bad", 'invitation-invalid' ],
	[ POST => '/invitations/accept', 'invitation-invalid', { token => $bad } ],
	[ GET  => "/join/confirm?token=$bad", 'token-invalid' ],
);

my $mal = ua_from('127.0.0.2');
$mal->get('/login');    # a CSRF token for the POSTs
my $ok = 0;
for my $i (0 .. 59) {
	my ($m, $path, $code, $form) = @{ $probes[ $i % @probes ] };
	my $res = $m eq 'GET' ? $mal->get($path) : $mal->post_form($path, $form);
	$ok++ if $res->{status} == 404 && join(',', $mal->errors($res)) eq $code;
}
is $ok, 60, '60 bad tokens from one client each answer 404 with their own code';
is guesses('127.0.0.2'), 60, '60 rate_events rows in the bucket of 127.0.0.2';

for my $p (@probes) {
	my ($m, $path, undef, $form) = @$p;
	my $res = $m eq 'GET' ? $mal->get($path) : $mal->post_form($path, $form);
	is $res->{status}, 429, "the 61st and later failure ($m $path) answers 429";
	is_deeply [ $mal->errors($res) ], ['rate-limited'], '  data-error rate-limited';
	is $res->{headers}{'retry-after'}, 60, '  with Retry-After: 60';
}
is guesses('127.0.0.2'), 60, 'refused failures are not recorded';

# ---- platform invitation link on the sign-up form --------------------------
my $res = $mal->get("/signup?invite=$bad");
is $res->{status}, 429, 'a bad platform invitation link from that client answers 429';
is_deeply [ $mal->errors($res) ], ['rate-limited'], '  rate-limited';
$res = $mal->get('/signup');
is $res->{status}, 200, 'the plain sign-up form (no token) still answers 200';

# ---- another client --------------------------------------------------------
my $other = ua_from('127.0.0.3');
$res = $other->get("/confirm?token=$bad");
is $res->{status}, 404, 'another client address still gets 404 for a bad token';
is $other->page($res), 'token-invalid', '  page token-invalid';
is guesses('127.0.0.3'), 1, '  counted in its own bucket';
$res = $s->ua->get("/invitations/accept?token=$bad");
is $res->{status}, 404, '127.0.0.1 too';

# ---- valid tokens from the limited client ----------------------------------
my $owner = person($s, 'owner@example.com', 'Owner', confirm => 1);
new_org($owner, 'Acme', 'acme');
my $inv = invite_ok($s, $owner, 'acme', 'new@example.com');
$res = $mal->get($inv->{path});
is $res->{status}, 200, 'a valid invitation link from the limited client answers 200';
is $mal->page($res), 'invitation-signup', '  page invitation-signup';
$res = $mal->post_form('/invitations/accept/signup',
    { token => $inv->{token}, display_name => 'New', password => PASSWORD });
is $res->{status}, 303, 'signing up through it answers 303';
is $s->sql_one("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id "
    . "WHERE u.email = 'new\@example.com'"), 1, '  and the membership row exists';

my $ben = $s->ua;
$ben->signup('ben@example.com', PASSWORD, 'Ben');
my $m = $s->wait_for_mail(to => 'ben@example.com', subject => qr/confirm/i);
my $tok = token_of($m->{link});
$res = $mal->get("/confirm?token=$tok");
is $res->{status}, 200, 'a valid confirmation link from the limited client answers 200';
$res = $mal->post_form('/confirm', { token => $tok });
is $mal->page($res), 'email-confirmed', '  and POST confirms the address';
is $s->sql_one("SELECT email_confirmed_at IS NOT NULL FROM users WHERE email = 'ben\@example.com'"),
    't', '  email_confirmed_at is set';

my $f = $s->ua;
$f->get('/password/forgot');
$f->post_form('/password/forgot', { email => 'ben@example.com' });
$m = $s->wait_for_mail(to => 'ben@example.com', subject => qr/reset/i);
$tok = token_of($m->{link});
$res = $mal->get("/password/reset?token=$tok");
is $res->{status}, 200, 'a valid reset link from the limited client answers 200';
$res = $mal->post_form('/password/reset', { token => $tok, password => 'another good password' });
is $res->{status}, 303, '  and the reset goes through';
is guesses('127.0.0.2'), 60, 'valid tokens are never counted';

# ---- the window passes -----------------------------------------------------
$s->psql("UPDATE rate_events SET at = at - interval '61 seconds' WHERE bucket = 'guess:127.0.0.2'");
$res = $mal->get("/confirm?token=$bad");
is $res->{status}, 404, 'a minute later the client gets 404 again';

done_testing;
