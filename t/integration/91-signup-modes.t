#!/usr/bin/env perl
# Signup modes (SPEC §1 ROSTER_SIGNUP_MODE, ROSTER_SIGNUP_CAP; §4 Accounts
# and platform 6, Invitations 9): one stack, restarted with each mode.
# open: anyone signs up. invite_only: /signup answers 403 signup-closed
# (GET and POST) and writes nothing, while an organization invitation, and
# the invitation a join-request approval sends to an address without an
# account, still create accounts. capped: signups go through until the
# number of users reaches the cap, then /signup and the invitation sign-up
# answer 403 signup-closed and write nothing; 50 signups racing for the
# last seat (and signups racing through /signup and invitation links at
# once) make exactly one account.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Join;
use Roster::Members qw(no_write);

my $s = Roster::Test->start(workers => 8,
    env => { ROSTER_INVITE_LIMIT_USER => 1000, ROSTER_INVITE_LIMIT_ORG => 1000 });

sub users { $s->sql_one('SELECT count(*) FROM users') }

# Restarts roster-fcgi with the given signup settings.
sub restart {
	my (%env) = @_;
	$s->set_env(ROSTER_SIGNUP_MODE => $env{mode}, ROSTER_SIGNUP_CAP => $env{cap});
	is $s->stop_fcgi, 0, "roster-fcgi stops cleanly (next: $env{mode})";
	ok $s->start_fcgi, "roster-fcgi starts in mode $env{mode}" . (defined $env{cap} ? " cap $env{cap}" : '');
}

# POST /signup by a fresh anonymous ua with a CSRF token from /login
# (whose form works in every mode).
sub post_signup {
	my ($email, $ua) = @_;
	$ua //= $s->ua;
	$ua->get('/login');
	return $ua->post_form('/signup', { email => $email, password => PASSWORD, display_name => 'Someone' });
}

sub closed_ok {
	my ($res, $ua, $page, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is $res->{status}, 403, "$what: 403";
	is $ua->page($res), $page, "$what: page $page";
	is_deeply [ $ua->errors($res) ], ['signup-closed'], "$what: data-error signup-closed";
}

# ---- open (the default) ------------------------------------------------------------------
my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');
enable_join($owner, 'acme', '');
{
	my $ua = $s->ua;
	my $res = $ua->get('/signup');
	is $res->{status}, 200, 'open: GET /signup 200';
	is $ua->page($res), 'signup', 'open: page signup';
	$res = $ua->signup('ann@example.com', PASSWORD, 'Ann');
	is $res->{status}, 303, 'open: POST /signup 303';
	is $ua->flash(go($ua, $res)), 'signed-up', 'open: flash signed-up';
	is $ua->page, 'dashboard', 'open: signed in, on the dashboard';
	ok user_id($s, 'ann@example.com'), 'open: the account exists';
	is audit_count($s, 'user.signed_up', user_id($s, 'ann@example.com')), 1, 'open: audited';
}

# ---- invite_only -----------------------------------------------------------------------
restart(mode => 'invite_only');
{
	my $ua = $s->ua;
	my $before = snapshot($s);
	my $res = $ua->get('/signup');
	closed_ok($res, $ua, 'signup', 'invite_only: GET /signup');
	no_write($s, 'invite_only: POST /signup', 403, 'signup-closed',
	    sub { post_signup('nobody@example.com') });
	my $res2 = post_signup('nobody@example.com', $ua);
	closed_ok($res2, $ua, 'signup', 'invite_only: POST /signup');
	is $s->sql_one(q{SELECT count(*) FROM users WHERE email = 'nobody@example.com'}), 0,
	    'invite_only: no account for nobody';
	is snapshot($s), $before, 'invite_only: the refused signups wrote nothing';
	is login_ua($s, 'ann@example.com')->get('/')->{status}, 200, 'invite_only: existing accounts still sign in';

	# An organization invitation still lets its invitee sign up.
	my $inv = invite_ok($s, $owner, 'acme', 'ivy@example.com', 'member');
	my $ivy = join_by_signup($s, $inv, 'Ivy');
	is $ivy->get('/orgs/acme')->{status}, 200, 'invite_only: an invitee signs up through the link and sees the roster';
	ok user_confirmed($s, 'ivy@example.com'), 'invite_only: the invitee is confirmed';
	is Roster::Members::membership_row($s, 'acme', 'ivy@example.com')->{status}, 'active',
	    'invite_only: and an active member';

	# A public join request of an address without an account: approval
	# sends an invitation, and that invitation lets the person sign up.
	my $r = public_join($s, 'acme', email => 'jay@example.com', first_name => 'Jay', last_name => 'J');
	is $r->{status}, 303, 'invite_only: the public join form takes the request';
	my $tok = join_mail_token($s, 'jay@example.com');
	ok $tok, 'invite_only: the join confirmation mail came';
	is $s->ua->page(confirm_join($s->ua, $tok)), 'join-confirmed', 'invite_only: the request is confirmed';
	my $jr = jr_row($s, q{email = 'jay@example.com'});
	$owner->get('/orgs/acme/join-requests');
	is $owner->post_form("/orgs/acme/join-requests/$jr->{id}/approve")->{status}, 303,
	    'invite_only: the owner approves';
	my $jinv = invitation_mail($s, 'jay@example.com');
	my $jay = join_by_signup($s, $jinv, 'Jay');
	is $jay->get('/orgs/acme')->{status}, 200, 'invite_only: the approved address signs up through its invitation';
	is Roster::Members::membership_row($s, 'acme', 'jay@example.com')->{role}, 'member',
	    'invite_only: as a member';
}

# ---- capped ------------------------------------------------------------------------------
my $cap = users() + 2;
restart(mode => 'capped', cap => $cap);
{
	my $res = $s->ua->signup('cora@example.com', PASSWORD, 'Cora');
	is $res->{status}, 303, 'capped: a signup below the cap succeeds';
	is users(), $cap - 1, 'capped: one seat left';
	my $inv = invite_ok($s, $owner, 'acme', 'last@example.com', 'member');
	join_by_signup($s, $inv, 'Last');
	is users(), $cap, 'capped: an invitation sign-up takes the last seat';

	my $ua = $s->ua;
	$res = post_signup('late@example.com', $ua);
	closed_ok($res, $ua, 'signup', 'capped, full: POST /signup');
	no_write($s, 'capped, full: POST /signup', 403, 'signup-closed',
	    sub { post_signup('late@example.com') });

	my $inv2 = invite_ok($s, $owner, 'acme', 'later@example.com', 'member');
	my $iua = $s->ua;
	is $iua->get($inv2->{path})->{status}, 200, 'capped, full: the invitation link still opens';
	no_write($s, 'capped, full: POST /invitations/accept/signup', 403, 'signup-closed',
	    sub { $iua->post_form('/invitations/accept/signup',
		{ token => $inv2->{token}, display_name => 'Later', password => PASSWORD }) });
	is $iua->page, 'invitation-signup', 'capped, full: on the invitation sign-up page';
	is inv_row($s, $inv2->{id})->{accepted_at}, '', 'capped, full: the invitation stays open';
	is users(), $cap, 'capped: the number of users never passed the cap';
	is $s->ua->login('cora@example.com', PASSWORD)->{status}, 303, 'capped, full: existing accounts sign in';
}

# ---- the cap under concurrency ---------------------------------------------------------
# A job: a fresh anonymous ua with a CSRF token, then one POST.
sub racer {
	my ($path, $fields, $prepare) = @_;
	return sub {
		my $ua = $s->ua;
		$ua->get($prepare);
		my $csrf = $ua->csrf;
		return sub { ($ua, $ua->post($path, { %$fields, csrf_token => $csrf })) };
	};
}

sub tally {
	my %t;
	$t{ join ' ', grep { length } $_->{status}, $_->{page}, $_->{errors} }++ for @_;
	return join '; ', map { "$t{$_} x [$_]" } sort keys %t;
}

# 50 signups for 1 remaining seat.
$cap = users() + 1;
restart(mode => 'capped', cap => $cap);
{
	my $n0 = users();
	my @r = race($s, map {
		racer('/signup', { email => "rush$_\@example.com", password => PASSWORD,
		    display_name => "Rush $_" }, '/login')
	} 1 .. 50);
	my @won = grep { $_->{status} eq '303' && ($_->{flash} // '') eq 'signed-up' } @r;
	my @lost = grep { $_->{status} eq '403' && $_->{page} eq 'signup' && $_->{errors} eq 'signup-closed' } @r;
	is scalar @won, 1, '50 signups for 1 seat: exactly one succeeds' or diag tally(@r);
	is scalar @lost, 49, '50 signups for 1 seat: 49 see signup-closed (403)' or diag tally(@r);
	is users(), $cap, '50 signups for 1 seat: users = cap';
	is users() - $n0, 1, '50 signups for 1 seat: one account made';
	is $s->sql_one(q{SELECT count(*) FROM users WHERE email LIKE 'rush%'}), 1, '... and it is a racer';
}

# 30 through /signup and 10 through invitation links for 2 remaining seats:
# every way of creating an account takes the same lock.
$cap = users() + 2;
my @invs = map { invite_ok($s, $owner, 'acme', "mix$_\@example.com", 'member') } 1 .. 10;
restart(mode => 'capped', cap => $cap);
{
	my @jobs = (
		(map { racer('/signup', { email => "flood$_\@example.com", password => PASSWORD,
		    display_name => "Flood $_" }, '/login') } 1 .. 30),
		(map { my $i = $_; racer('/invitations/accept/signup',
		    { token => $i->{token}, display_name => 'Mix', password => PASSWORD }, $i->{path}) } @invs),
	);
	my @r = race($s, @jobs);
	my @won = grep { $_->{status} eq '303' } @r;
	my @lost = grep { $_->{status} eq '403' && $_->{errors} eq 'signup-closed' } @r;
	is scalar @won, 2, '40 mixed signups for 2 seats: exactly two succeed' or diag tally(@r);
	is scalar @lost, 38, '40 mixed signups for 2 seats: the rest see signup-closed' or diag tally(@r);
	is users(), $cap, '40 mixed signups: users = cap';
	my $accepted = $s->sql_one(q{SELECT count(*) FROM invitations WHERE email LIKE 'mix%' AND accepted_at IS NOT NULL});
	my $joined = $s->sql_one(q{SELECT count(*) FROM users WHERE email LIKE 'mix%'});
	is $accepted, $joined, '40 mixed signups: an invitation is stamped exactly when its account was made';
	is $s->sql_one(q{SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE u.email LIKE 'mix%'}), $joined, '40 mixed signups: no membership without its account';
}

# A cap already passed (lowered below the count) refuses too.
restart(mode => 'capped', cap => 1);
{
	my $ua = $s->ua;
	closed_ok(post_signup('under@example.com', $ua), $ua, 'signup', 'capped below the count: POST /signup');
}

done_testing;
