#!/usr/bin/env perl
# Where the ways into an organization meet: owner-adds count toward the
# inviters' rate limits (and so do owner-adds of addresses without an
# account, so the answer cannot probe addresses faster than the limit);
# approving a public join request of an address whose account is not yet
# confirmed makes it a member, since the emailed link proved the mailbox;
# an unconfirmed public request stays out of the organization's audit
# trail; the slugs a literal route would shadow cannot be taken; and an
# invitation accepted while the same person consents to an owner-add ends
# as already-member, never as a 409.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Members;
use Roster::Join;

my $s = Roster::Test->start(workers => 4,
    env => { ROSTER_INVITE_LIMIT_USER => 3, ROSTER_INVITE_LIMIT_ORG => 5 });

my $olga = member($s, 'olga@example.com', 'Olga Owner', confirmed => 1);
new_org($olga, 'Acme', 'acme');
member($s, "u$_\@example.com", "User $_", confirmed => 1) for 1 .. 4;

# ---- owner-adds and the rate limits ---------------------------------------------
{
	my $res = owner_add($olga, 'acme', 'u1@example.com');
	is $res->{status}, 303, 'an owner-add';
	$res = owner_add($olga, 'acme', 'nobody@example.com');
	is $res->{status}, 404, 'an owner-add of an address without an account is 404';
	is_deeply [ $olga->errors($res) ], ['no-such-user'], '... no-such-user';
	$res = invite($olga, 'acme', 'guest@example.com', 'member');
	is $res->{status}, 303, 'an invitation: the third of the hour';
	my $c0 = counts($s);
	$res = owner_add($olga, 'acme', 'u2@example.com');
	is $res->{status}, 429, 'the fourth (owner-add) is over the limit of 3 per user';
	is_deeply [ $olga->errors($res) ], ['rate-limited-user'], '... rate-limited-user';
	is_deeply counts($s), $c0, '... and writes nothing';
	ok !membership_row($s, 'acme', 'u2@example.com'), '... no membership';
	$res = owner_add($olga, 'acme', 'nobody2@example.com');
	is $res->{status}, 429, 'probing an unknown address is refused too, before the look-up';
	$res = invite($olga, 'acme', 'guest2@example.com', 'member');
	is $res->{status}, 429, 'and so is an invitation: they share the limit';

	# Cancelling and adding again does not reset anything.
	$s->psql(q{DELETE FROM rate_events WHERE bucket LIKE 'owner-add:%'});
	$s->psql(q{DELETE FROM invitations});
	my $uid = user_id($s, 'u1@example.com');
	for my $i (1 .. 3) {
		is remove_member($olga, 'acme', $uid)->{status}, 303, "cancel $i";
		is owner_add($olga, 'acme', 'u1@example.com')->{status}, $i < 4 ? 303 : 429,
		    "add again $i";
	}
	is remove_member($olga, 'acme', $uid)->{status}, 303, 'cancel 4';
	is owner_add($olga, 'acme', 'u1@example.com')->{status}, 429,
	    'a fourth add within the hour is refused: cancels do not give the count back';
	$s->psql(q{DELETE FROM rate_events});
}

# ---- slugs that a literal route shadows -----------------------------------------
for my $slug (qw(new confirm)) {
	$olga->get('/orgs/new');
	my $res = $olga->post_form('/orgs', { name => "Org $slug", slug => $slug });
	is $res->{status}, 409, "the slug '$slug' cannot be taken";
	is_deeply [ $olga->errors($res) ], ['slug-taken'], '... slug-taken';
	is $s->sql_one('SELECT count(*) FROM organizations WHERE slug = ?', $slug), 0,
	    '... and no organization is made';
}

# ---- a public request of an unconfirmed account ---------------------------------
{
	new_org($olga, 'Open', 'open');
	enable_join($olga, 'open', '');
	member($s, 'una@example.com', 'Una Unconfirmed');
	ok !user_confirmed($s, 'una@example.com'), 'una has an account, unconfirmed';
	my $res = public_join($s, 'open', email => 'una@example.com', first_name => 'Una');
	is $res->{status}, 303, 'una asks through the public form';
	my $jr = jr_row($s, 'email = ?', 'una@example.com');
	is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'join_request.submitted'
	    AND subject_id = ? AND organization_id IS NULL}, $jr->{id}), 1,
	    'the unconfirmed request is audited outside the organization\'s trail';
	my $trail = $olga->get('/orgs/open/audit');
	unlike $trail->{content}, qr/join_request\.submitted/,
	    '... and the organization\'s audit page does not show it';
	my $tok = join_mail_token($s, 'una@example.com');
	ok $tok, 'the confirmation mail came';
	$res = confirm_join($s->ua, $tok);
	is $s->ua->page($res) // $res->{status}, 'join-confirmed', 'una confirms through the link';
	like $olga->get('/orgs/open/audit')->{content}, qr/join_request\.confirmed/,
	    'the confirmation shows on the organization\'s audit page';
	$olga->get('/orgs/open/join-requests');
	$res = $olga->post_form("/orgs/open/join-requests/$jr->{id}/approve", {});
	is $res->{status}, 303, 'the owner approves';
	my $m = membership_row($s, 'open', 'una@example.com');
	ok $m, 'una is a member at once';
	is_deeply [ $m ? @$m{qw(role status source)} : () ], [ 'member', 'active', 'join_request' ],
	    '... an active member from a join request';
	ok user_confirmed($s, 'una@example.com'), '... and her address is confirmed: the link proved it';
	is $s->sql_one(q{SELECT count(*) FROM invitations WHERE email = 'una@example.com'}), 0,
	    '... no invitation was needed';
}

# ---- an invitation accepted while an owner-add is consented ----------------------
{
	# Limits out of the way: the rounds invite and owner-add many times.
	$s->stop_fcgi;
	$s->set_env(ROSTER_INVITE_LIMIT_USER => 1000, ROSTER_INVITE_LIMIT_ORG => 1000);
	$s->start_fcgi;
	$olga = login_ua($s, 'olga@example.com');
	my $rounds = 0;
	my (%outcomes, @bad);
	for my $round (1 .. 8) {
		my $email = "race$round\@example.com";
		my $u = member($s, $email, "Racer $round", confirmed => 1);
		my $tok = invite_ok($s, $olga, 'acme', $email, 'admin')->{token};
		is owner_add($olga, 'acme', $email)->{status}, 303, "round $round: invited and owner-added"
		    or next;
		my $mid = membership_row($s, 'acme', $email)->{id};
		$u->get('/me/invitations');
		my $csrf = $u->csrf;
		my %cookies = map { $_ => $u->cookie($_) } $u->cookie_names;
		my $as_u = sub {
			my ($path, $fields) = @_;
			return sub {
				my $c = $s->ua;
				$c->set_cookie($_, $cookies{$_}) for keys %cookies;
				return sub { ($c, $c->post($path, { %$fields, csrf_token => $csrf })) };
			};
		};
		my @r = race($s, $as_u->("/me/memberships/$mid/accept", {}),
		    $as_u->('/invitations/accept', { token => $tok }));
		$rounds++;
		push @bad, "round $round: " . join(' / ', map { "$_->{status} $_->{errors}" } @r)
		    if grep { $_->{status} != 303 } @r;
		$outcomes{ join ' + ', map { $_->{flash} // '' } @r }++;
		my $m = membership_row($s, 'acme', $email);
		push @bad, "round $round: membership " . ($m ? $m->{status} : 'none')
		    unless $m && $m->{status} eq 'active';
		push @bad, "round $round: the invitation is still open"
		    if $s->sql_one(q{SELECT count(*) FROM invitations WHERE email = ?
			AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL}, $email);
	}
	ok $rounds >= 6, "raced consent against accepting the invitation ($rounds rounds)";
	ok !@bad, 'every round: both answers 303, one active membership, the invitation ended'
	    or diag join "\n", @bad;
	diag 'outcomes: ' . join ', ', map { "$_: $outcomes{$_}" } sort keys %outcomes;
}

done_testing;
