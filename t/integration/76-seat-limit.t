#!/usr/bin/env perl
# The seat limit (SPEC §7.3): org-settings' seat_limit (empty = none, else
# 1-100000) is the owners' to change (an admin's change is 403
# role-escalation with nothing written; a bad value is 422
# invalid-seat-limit at the field); seats taken are active members, open
# unexpired invitations and owner-adds awaiting consent; an invitation, a
# resend of an expired one, an owner-add and a join-request approval (both
# the membership and the invitation outcome) are refused with 409
# seat-limit writing nothing when every seat is taken; re-inviting an
# address with an open invitation and accepting an invitation or an
# owner-add take no new seat; org-members shows data-seats-used and
# data-seat-limit; 20 simultaneous invitations with one seat left → exactly
# one.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Join;

my $s = Roster::Test->start(env => {
	ROSTER_INVITE_LIMIT_USER => 1000,
	ROSTER_INVITE_LIMIT_ORG  => 1000,
});
my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');
my $ada = join_by_signup($s, invite_ok($s, $owner, 'acme', 'ada@example.com', 'admin'), 'Ada');
my $bob = join_by_signup($s, invite_ok($s, $owner, 'acme', 'bob@example.com', 'member'), 'Bob');
my $org = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
my $limit = sub { $s->sql_one('SELECT coalesce(seat_limit::text, \'none\') FROM organizations WHERE id = ?', $org) };
my $orgrow = sub { join '|', $s->psql('SELECT seat_limit, join_enabled, join_fields FROM organizations WHERE id = ?', $org)->[0]->@* };

# Posts the settings form of acme as ua with the fields given.
sub settings {
	my ($ua, %f) = @_;
	$ua->get('/orgs/acme/settings');
	return $ua->post_form('/orgs/acme/settings', { join_fields => '', %f });
}

# The seat element of a roster page: [used, limit], or () when none.
sub seats {
	my ($res) = @_;
	my ($tag) = ($res->{content} // '') =~ /<[a-z]+\b([^>]*\bdata-seats-used\s*=[^>]*)>/ or return ();
	my ($used) = $tag =~ /data-seats-used="(\d+)"/;
	my ($lim) = $tag =~ /data-seat-limit="(\d+)"/;
	return ($used, $lim);
}

# ---- the settings page ------------------------------------------------------------------
my $page = $owner->get('/orgs/acme/settings');
is $page->{status}, 200, 'owner: settings 200';
like $page->{content}, qr/<input[^>]*name="seat_limit"[^>]*value=""/, '... a seat_limit input, empty (no limit)';
my $apage = $ada->get('/orgs/acme/settings');
is $apage->{status}, 200, 'admin: settings 200';
unlike $apage->{content}, qr/name="seat_limit"/, '... no seat_limit input for an admin';
like $apage->{content}, qr/data-seat-limit-readonly[^>]*>No seat limit/, '... the limit shown read-only';
is_deeply [ seats(org_page($owner, 'acme')) ], [], 'roster without a limit: no seat element';

# ---- bad values --------------------------------------------------------------------------
my $before = snapshot($s);
my $row0 = $orgrow->();
for my $bad ('abc', '0', '-1', '100001', '1.5', '12 3', '1e3', "5\t6", '99999999999999999999') {
	my $r = settings($owner, seat_limit => $bad);
	is $r->{status}, 422, "seat_limit '$bad': 422";
	is_deeply [ $owner->errors($r) ], ['invalid-seat-limit'], '... invalid-seat-limit, once (at the field)';
	like $r->{content}, qr/id="seat-limit-error"[^>]*data-error="invalid-seat-limit"/, '... beside the field';
}
is $orgrow->(), $row0, 'bad values: the organization row is unchanged';
is snapshot($s), $before, '... and nothing else written';

# ---- admins may not change it ----------------------------------------------------------------
my $r = settings($ada, seat_limit => '10', join_enabled => 1, join_fields => 'phone');
is $r->{status}, 403, 'admin setting a seat limit: 403';
is_deeply [ $ada->errors($r) ], ['role-escalation'], '... role-escalation';
is $orgrow->(), $row0, '... nothing written (neither the limit nor the join settings)';
is snapshot($s), $before, '... no audit event';
$r = settings($ada, join_enabled => 1);
is $r->{status}, 303, 'admin saving the join settings without the field: 303';
is $limit->(), 'none', '... the limit is kept';
$r = settings($bob, seat_limit => '10');
is $r->{status}, 403, 'plain member: 403';

# ---- the owner sets it ---------------------------------------------------------------------------
my $audits = audit_count($s, 'organization.seat_limit_changed');
$r = settings($owner, seat_limit => ' 5 ', join_enabled => 1);
is $r->{status}, 303, 'owner sets seat_limit 5: 303';
is $owner->flash(go($owner, $r)), 'settings-saved', '... flash settings-saved';
is $limit->(), 5, '... stored 5 (white space ignored)';
is audit_count($s, 'organization.seat_limit_changed'), $audits + 1, '... audited organization.seat_limit_changed';
is $s->sql_one(q{SELECT data->>'from' || '>' || (data->>'to') FROM audit_events
    WHERE action = 'organization.seat_limit_changed' ORDER BY id DESC LIMIT 1}), 'none>5', '... from none to 5';
like $owner->get('/orgs/acme/audit')->{content}, qr/Olga changed the seat limit from none to 5/, '... in the audit trail';
$r = settings($owner, seat_limit => '5', join_enabled => 1);
is audit_count($s, 'organization.seat_limit_changed'), $audits + 1, 'saving the same limit again: no new event';
$r = settings($ada, seat_limit => '5', join_enabled => 1);
is $r->{status}, 303, 'an admin posting the unchanged limit: 303 (nothing to escalate)';
like $ada->get('/orgs/acme/settings')->{content}, qr/Seat limit: 5 \(3 taken\)/, 'admin sees "Seat limit: 5 (3 taken)"';

my $roster = org_page($owner, 'acme');
is_deeply [ seats($roster) ], [ 3, 5 ], 'roster: data-seats-used 3, data-seat-limit 5';
like $roster->{content}, qr/3 of 5 seats used/, '... "3 of 5 seats used"';
is_deeply [ seats(org_page($bob, 'acme')) ], [ 3, 5 ], '... shown to members too';

# ---- fill it: an invitation and an owner-add -------------------------------------------------------
my $carol_inv = invite_ok($s, $owner, 'acme', 'carol@example.com', 'member');
my $dave = person($s, 'dave@example.com', 'Dave', confirm => 1);
org_page($owner, 'acme');
$r = $owner->post_form('/orgs/acme/members', { email => 'dave@example.com', role => 'member' });
is $r->{status}, 303, 'owner-add of dave: 303 (the fifth seat)';
is_deeply [ seats(org_page($owner, 'acme')) ], [ 5, 5 ], 'roster: 5 of 5';
like org_page($owner, 'acme')->{content}, qr/every seat is taken.*Raise the limit/s, '... says what to do';

# ---- every path refused when full ----------------------------------------------------------------------
my $frank = person($s, 'frank@example.com', 'Frank', confirm => 1);
my $greta = person($s, 'greta@example.com', 'Greta', confirm => 1);
$greta->get('/join/acme');
is $greta->post_form('/orgs/acme/join-requests', {})->{status}, 303, 'greta (signed in, confirmed) asks to join';
my $greta_jr = $s->sql_one(q{SELECT id FROM join_requests WHERE email = 'greta@example.com'});
is public_join($s, 'acme', email => 'hank@example.com', first_name => 'Hank')->{status}, 303, 'hank (no account) uses the public form';
confirm_join($s->ua, join_mail_token($s, 'hank@example.com'));
my $hank_jr = $s->sql_one(q{SELECT id FROM join_requests WHERE email = 'hank@example.com'});
is $s->sql_one('SELECT status FROM join_requests WHERE id = ?', $hank_jr), 'submitted', '... submitted';

org_page($owner, 'acme');
my $lres = $owner->post_form('/orgs/acme/links', {});
is $lres->{status}, 200, 'an invite link made while full (making one takes no seat)';
my ($lurl) = $lres->{content} =~ /data-link-url="([^"]*)"/;
my $ltok = token_of(Roster::Test::UA::html_unescape($lurl // ''));
my ($lid) = $lres->{content} =~ /data-link-id="(\d+)"/;
ok $ltok, '... with its URL';

$before = snapshot($s);
my %paths = (
	'an invitation'        => [ $owner, '/orgs/acme/invitations', { email => 'erin@example.com', role => 'member' } ],
	'an admin invitation'  => [ $ada, '/orgs/acme/invitations', { email => 'erin@example.com', role => 'member' } ],
	'an owner-add'         => [ $owner, '/orgs/acme/members', { email => 'frank@example.com', role => 'member' } ],
	'approving a member'   => [ $owner, "/orgs/acme/join-requests/$greta_jr/approve", {} ],
	'approving an invitee' => [ $ada, "/orgs/acme/join-requests/$hank_jr/approve", {} ],
);
for my $what (sort keys %paths) {
	my ($ua, $path, $f) = @{ $paths{$what} };
	org_page($ua, 'acme');
	my $res = $ua->post_form($path, $f);
	is $res->{status}, 409, "full: $what → 409";
	ok((grep { $_ eq 'seat-limit' } $ua->errors($res)), '... data-error seat-limit');
	like $res->{content}, qr/raise the seat limit/i, '... the sentence says what to do';
}
$frank->get("/links/accept?token=$ltok");
$r = $frank->post_form('/links/accept', { token => $ltok });
is $r->{status}, 409, 'full: a signed-in join through the link → 409';
ok((grep { $_ eq 'seat-limit' } $frank->errors($r)), '... data-error seat-limit');
my $anon = $s->ua;
$anon->get("/links/accept?token=$ltok");
$r = $anon->post_form('/links/accept/signup',
    { token => $ltok, email => 'kim@example.com', display_name => 'Kim', password => PASSWORD });
is $r->{status}, 409, 'full: a sign-up through the link → 409';
ok((grep { $_ eq 'seat-limit' } $anon->errors($r)), '... data-error seat-limit');
is $s->sql_one('SELECT uses FROM invite_links WHERE id = ?', $lid), 0, '... the link\'s uses stay 0';
is $s->sql_one(q{SELECT count(*) FROM users WHERE email = 'kim@example.com'}), 0, '... no account for kim';
is snapshot($s), $before, 'full: nothing written by any of them';
is $s->sql_one('SELECT count(*) FROM join_requests WHERE status = ?', 'submitted'), 2, '... both requests still submitted';

# ---- replacing and accepting take no new seat ---------------------------------------------------------
$r = invite($owner, 'acme', 'carol@example.com', 'member');
is $r->{status}, 303, 're-inviting carol (open invitation) when full: 303, it replaces hers';
my $carol2 = invitation_mail($s, 'carol@example.com');
is $s->sql_one('SELECT count(*) FROM invitations WHERE email = ? AND revoked_at IS NULL', 'carol@example.com'), 1,
    '... one open invitation for carol';
is_deeply [ seats(org_page($owner, 'acme')) ], [ 5, 5 ], '... still 5 of 5';
org_page($owner, 'acme');
$r = $owner->post_form("/orgs/acme/invitations/$carol2->{id}/resend");
is $r->{status}, 303, 'resending carol\'s (pending) invitation when full: 303';
my $carol3 = invitation_mail($s, 'carol@example.com');
join_by_signup($s, $carol3, 'Carol');
is $s->sql_one(q{SELECT status FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'carol@example.com'}),
    'active', 'carol accepts (signing up) when full: a member';
is_deeply [ seats(org_page($owner, 'acme')) ], [ 5, 5 ], '... still 5 of 5';
my $mid = $s->sql_one(q{SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'dave@example.com'});
$dave->get('/me/invitations');
$r = $dave->post_form("/me/memberships/$mid/accept");
is $r->{status}, 303, 'dave consents to the owner-add when full: 303';
is $s->sql_one('SELECT status FROM memberships WHERE id = ?', $mid), 'active', '... active';
is_deeply [ seats(org_page($owner, 'acme')) ], [ 5, 5 ], '... still 5 of 5';

# ---- a freed seat is taken again; expired invitations hold none ----------------------------------------
org_page($owner, 'acme');
my $bob_id = user_id($s, 'bob@example.com');
is $owner->post_form("/orgs/acme/members/$bob_id/remove")->{status}, 303, 'removing bob frees a seat';
org_page($owner, 'acme');
is $owner->post_form("/orgs/acme/join-requests/$greta_jr/approve")->{status}, 303, 'approving greta now: 303';
is_deeply [ seats(org_page($owner, 'acme')) ], [ 5, 5 ], '... 5 of 5 again';
org_page($owner, 'acme');
is $owner->post_form('/orgs/acme/members/' . user_id($s, 'greta@example.com') . '/remove')->{status}, 303, 'removing greta frees a seat';
$frank->get("/links/accept?token=$ltok");
$r = $frank->post_form('/links/accept', { token => $ltok });
is $r->{status}, 303, 'a seat free again: frank joins through the link';
is $s->sql_one('SELECT uses FROM invite_links WHERE id = ?', $lid), 1, '... one use';
is_deeply [ seats(org_page($owner, 'acme')) ], [ 5, 5 ], '... 5 of 5';
$s->psql(q{UPDATE invitations SET created_at = now() - interval '9 days', expires_at = now() - interval '1 day'
    WHERE email = 'carol@example.com' AND accepted_at IS NULL AND revoked_at IS NULL});
$r = settings($owner, seat_limit => '6', join_enabled => 1);
is $r->{status}, 303, 'the limit raised to 6';
my $ivy = invite_ok($s, $owner, 'acme', 'ivy@example.com', 'member');
is_deeply [ seats(org_page($owner, 'acme')) ], [ 6, 6 ], 'ivy invited: 6 of 6';
$s->psql(q{UPDATE invitations SET created_at = now() - interval '9 days', expires_at = now() - interval '1 day' WHERE id = ?}, $ivy->{id});
is_deeply [ seats(org_page($owner, 'acme')) ], [ 5, 6 ], 'ivy\'s invitation expired: it holds no seat (5 of 6)';
my $jo = invite_ok($s, $owner, 'acme', 'jo@example.com', 'member');
is_deeply [ seats(org_page($owner, 'acme')) ], [ 6, 6 ], 'jo invited in its place: 6 of 6';
$before = snapshot($s);
org_page($owner, 'acme');
$r = $owner->post_form("/orgs/acme/invitations/$ivy->{id}/resend");
is $r->{status}, 409, 'resending ivy\'s expired invitation when full: 409 (it would take a seat)';
ok((grep { $_ eq 'seat-limit' } $owner->errors($r)), '... seat-limit');
is snapshot($s), $before, '... nothing written';

# ---- the limit below what is taken, and removed --------------------------------------------------------
$r = settings($owner, seat_limit => '2', join_enabled => 1);
is $r->{status}, 303, 'a limit below the seats taken is accepted';
is_deeply [ seats(org_page($owner, 'acme')) ], [ 6, 2 ], '... 6 of 2: nobody removed';
$r = settings($owner, seat_limit => '', join_enabled => 1);
is $r->{status}, 303, 'an empty limit: 303';
is $limit->(), 'none', '... no limit stored (NULL)';
is $s->sql_one(q{SELECT data->>'from' || '>' || (data->>'to') FROM audit_events
    WHERE action = 'organization.seat_limit_changed' ORDER BY id DESC LIMIT 1}), '2>none', '... audited from 2 to none';
is_deeply [ seats(org_page($owner, 'acme')) ], [], '... the roster shows no seat element';
like $s->sql_error(q{UPDATE organizations SET seat_limit = 0 WHERE id = } . $org)->{text}, qr/organizations_seat_limit/,
    'the schema refuses seat_limit 0';

# ---- 20 simultaneous invitations with one seat left → exactly one ---------------------------------------
{
	new_org($owner, 'Race', 'race');
	my $rid = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'race'});
	$owner->get('/orgs/race/settings');
	is $owner->post_form('/orgs/race/settings', { seat_limit => 2, join_fields => '' })->{status}, 303,
	    'race: seat limit 2 (the owner and one more)';
	org_page($owner, 'race');
	my %cookies = map { $_ => $owner->cookie($_) } $owner->cookie_names;
	my $csrf = $owner->csrf;
	my $c0 = counts($s);
	my @r = race($s, map {
		my $i = $_;
		sub {
			my $c = $s->ua;
			$c->set_cookie($_, $cookies{$_}) for keys %cookies;
			return sub { ($c, $c->post('/orgs/race/invitations',
			    { email => "racer$i\@example.com", role => 'member', csrf_token => $csrf })) };
		}
	} 1 .. 20);
	my @ok = grep { $_->{status} == 303 } @r;
	my @full = grep { $_->{status} == 409 && $_->{errors} =~ /seat-limit/ } @r;
	is scalar(@ok), 1, '20 simultaneous invitations, 1 seat left: exactly one 303';
	is scalar(@full), 19, '... the other 19 are 409 seat-limit'
	    or diag join '; ', map { "$_->{status} $_->{errors}" } @r;
	is $s->sql_one('SELECT count(*) FROM invitations WHERE organization_id = ?', $rid), 1, '... one invitation row';
	is counts($s)->{outbox} - $c0->{outbox}, 1, '... one email queued';
	is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE organization_id = ? AND action = 'invitation.created'}, $rid), 1,
	    '... one audit event';
}

done_testing;
