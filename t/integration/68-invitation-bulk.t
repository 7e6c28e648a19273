#!/usr/bin/env perl
# Bulk invitations (SPEC §7.1): POST /orgs/{slug}/invitations/bulk
# (emails, role) answers 200 page invitation-bulk-result with one row per
# pasted address in paste order (data-bulk-email, data-outcome: invited,
# reinvited, already-member, invalid-email, duplicate, rate-limited,
# seat-limit); each address is a single invitation (its row, email and
# audit event, counted by the rate limits); once a limit refuses one,
# every later valid address is rate-limited; more than 200 addresses is
# 422 too-many-addresses and an admin asking for admin or owner is 403
# role-escalation, both with nothing written; CSRF and access rules of
# every manager action hold; the form sits beside the single invite form.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(env => {
	ROSTER_INVITE_LIMIT_USER => 6,
	ROSTER_INVITE_LIMIT_ORG  => 1000,
});
my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');
my $ada = join_by_signup($s, invite_ok($s, $owner, 'acme', 'ada@example.com', 'admin'), 'Ada');
my $bob = join_by_signup($s, invite_ok($s, $owner, 'acme', 'bob@example.com', 'member'), 'Bob');
my $carol1 = invite_ok($s, $owner, 'acme', 'carol@example.com', 'member');
my $frank1 = invite_ok($s, $owner, 'acme', 'frank@example.com', 'member');
my $org = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});

# The result rows of a page: [email, outcome] pairs in page order.
sub bulk_rows {
	my ($res) = @_;
	my @rows;
	while (($res->{content} // '') =~ /<tr\b([^>]*\bdata-bulk-email\s*=[^>]*)>/g) {
		my $tag = $1;
		my ($e) = $tag =~ /data-bulk-email="([^"]*)"/;
		my ($o) = $tag =~ /data-outcome="([^"]*)"/;
		push @rows, [ Roster::Test::UA::html_unescape($e), $o ];
	}
	return @rows;
}

sub bulk {
	my ($ua, $slug, $emails, $role) = @_;
	org_page($ua, $slug);
	return $ua->post_form("/orgs/$slug/invitations/bulk", { emails => $emails, role => $role // 'member' });
}

sub open_count {
	my ($email) = @_;
	return $s->sql_one(q{SELECT count(*) FROM invitations WHERE organization_id = ? AND email = ?
	    AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL}, $org, $email);
}

# ---- the form ------------------------------------------------------------------------------
my $roster = org_page($owner, 'acme');
like $roster->{content}, qr{<form method="post" action="/orgs/acme/invitations/bulk">\s*<input type="hidden" name="csrf_token"},
    'roster: the bulk form, with its CSRF token';
like $roster->{content}, qr{<textarea[^>]*name="emails"}, '... a textarea emails';
like $roster->{content}, qr{<div class="cards pair">\s*<section class="card">\s*<h2>Invite someone</h2>.*?<h2>Invite several people</h2>.*?</div>}s,
    '... beside the single invite form (one grid of cards, one column at phone width)';
unlike org_page($bob, 'acme')->{content}, qr{invitations/bulk}, 'not shown to a plain member';

# ---- a paste with every outcome ----------------------------------------------------------------
# Seats: olga, ada, bob, carol's and frank's open invitations = 5; the limit
# 6 leaves one. Olga has sent 4 invitations this hour; her limit is 6.
$owner->get('/orgs/acme/settings');
is $owner->post_form('/orgs/acme/settings', { seat_limit => 6, join_fields => '' })->{status}, 303, 'seat limit 6';
my $c0 = counts($s);
my $m0 = metric_value($s, 'roster_bulk_invitations_total');
my $paste = qq{Dan Smith <Dan\@Example.com>; carol\@example.com\n bob\@example.com, not-an-address  dan\@example.com;erin\@example.com\r\n"Frank, F." <frank\@example.com>, gina\@example.com};
my $res = bulk($owner, 'acme', $paste);
is $res->{status}, 200, 'a paste with every outcome: 200';
is $owner->page($res), 'invitation-bulk-result', '... page invitation-bulk-result';
is_deeply [ bulk_rows($res) ], [
	[ 'dan@example.com',   'invited' ],
	[ 'carol@example.com', 'reinvited' ],
	[ 'bob@example.com',   'already-member' ],
	[ 'not-an-address',    'invalid-email' ],
	[ 'dan@example.com',   'duplicate' ],
	[ 'erin@example.com',  'seat-limit' ],
	[ 'frank@example.com', 'rate-limited' ],
	[ 'gina@example.com',  'rate-limited' ],
], '... one row per address, in paste order, with its outcome' or diag $res->{content};
like $res->{content}, qr/2 of 8 sent/, '... "2 of 8 sent"';
my $c1 = counts($s);
is $c1->{invitations} - $c0->{invitations}, 2, '... two invitation rows (dan, carol\'s replacement)';
is $c1->{outbox} - $c0->{outbox}, 2, '... two emails queued';
is open_count('dan@example.com'), 1, '... dan: one open invitation';
is open_count('carol@example.com'), 1, '... carol: one open invitation';
is $s->sql_one('SELECT revoked_at IS NOT NULL FROM invitations WHERE id = ?', $carol1->{id}), 't',
    '... carol\'s earlier invitation revoked (replaced)';
is $s->sql_one('SELECT revoked_at IS NULL FROM invitations WHERE id = ?', $frank1->{id}), 't',
    '... frank\'s open invitation untouched (rate-limited, not replaced)';
is $s->sql_one(q{SELECT count(*) FROM invitations WHERE email IN ('erin@example.com', 'gina@example.com', 'not-an-address')}), 0,
    '... nothing for erin, gina or the invalid entry';
is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE organization_id = ? AND action = 'invitation.created'
    AND id > (SELECT coalesce(max(id), 0) - 100 FROM audit_events) AND subject_id IN
    (SELECT id FROM invitations WHERE email IN ('dan@example.com', 'carol@example.com') AND revoked_at IS NULL)}, $org), 2,
    '... an invitation.created event for each';
my $dan = invitation_mail($s, 'dan@example.com');
ok $dan->{id}, '... dan\'s email carries a working link';
my $carol2 = invitation_mail($s, 'carol@example.com');
isnt $carol2->{id}, $carol1->{id}, '... carol\'s email is the new invitation';
is metric_value($s, 'roster_bulk_invitations_total'), $m0 + 1, '... roster_bulk_invitations_total counted once';

# ---- 201 addresses: 422, nothing written ------------------------------------------------------
my $before = snapshot($s);
my $many = join ', ', map { "p$_\@example.com" } 1 .. 201;
$res = bulk($ada, 'acme', $many);
is $res->{status}, 422, '201 addresses: 422';
is $ada->page($res), 'org-members', '... the roster again';
ok((grep { $_ eq 'too-many-addresses' } $ada->errors($res)), '... too-many-addresses');
like $res->{content}, qr/<textarea[^>]*name="emails"[^>]*>p1\@example\.com, p2\@example\.com/, '... the paste kept in the textarea';
is snapshot($s), $before, '... nothing written';
$res = bulk($ada, 'acme', join("\n", map { "Person $_ <q$_\@example.com>" } 1 .. 201));
is $res->{status}, 422, '201 named addresses on lines: 422 (names do not count, addresses do)';
is snapshot($s), $before, '... nothing written';

# ---- role rules apply to the whole request -------------------------------------------------------
for my $role (qw(admin owner)) {
	$res = bulk($ada, 'acme', 'x1@example.com, x2@example.com', $role);
	is $res->{status}, 403, "admin asking for $role: 403";
	ok((grep { $_ eq 'role-escalation' } $ada->errors($res)), '... role-escalation');
	is snapshot($s), $before, '... nothing written';
}
$res = bulk($ada, 'acme', 'x1@example.com', 'boss');
is $res->{status}, 422, 'an unknown role: 422';
ok((grep { $_ eq 'invalid-role' } $ada->errors($res)), '... invalid-role');
$res = bulk($bob, 'acme', 'x1@example.com');
is $res->{status}, 403, 'a plain member: 403';
my $stranger = person($s, 'sam@example.com', 'Sam');
$stranger->get('/');
$before = snapshot($s);
is $stranger->post_form('/orgs/acme/invitations/bulk', { emails => 'x1@example.com', role => 'member' })->{status}, 404,
    'a non-member: 404';
my $anon = $s->ua;
$anon->get('/login');
$res = $anon->post_form('/orgs/acme/invitations/bulk', { emails => 'x1@example.com', role => 'member' });
is $res->{status}, 303, 'anonymous: 303';
like $anon->location($res), qr{^/login\?next=}, '... to sign in';
is snapshot($s), $before, 'none of these wrote anything';

# ---- CSRF --------------------------------------------------------------------------------------
org_page($ada, 'acme');
$res = $ada->post('/orgs/acme/invitations/bulk', { emails => 'x1@example.com', role => 'member' });
is $res->{status}, 403, 'no csrf_token: 403';
$res = $ada->post('/orgs/acme/invitations/bulk', { emails => 'x1@example.com', role => 'member', csrf_token => 'A' x 43 });
is $res->{status}, 403, 'a wrong csrf_token: 403';
$res = $ada->post('/orgs/acme/invitations/bulk', { emails => 'x1@example.com', role => 'member', csrf_token => $ada->csrf },
    { Origin => 'https://evil.example' });
is $res->{status}, 403, 'a foreign Origin: 403';
is snapshot($s), $before, '... nothing written';

# ---- an admin's paste; escaping; an empty paste ---------------------------------------------------
$s->psql('UPDATE organizations SET seat_limit = NULL WHERE id = ?', $org);
$res = bulk($ada, 'acme', qq{hal\@example.com "a&b" <i\@x>, <b>bold</b>});
is $res->{status}, 200, 'admin, member role: 200';
is_deeply [ bulk_rows($res) ], [
	[ 'hal@example.com', 'invited' ], [ 'i@x', 'invalid-email' ], [ 'b', 'invalid-email' ], [ '/b', 'invalid-email' ],
], '... outcomes' or diag $res->{content};
unlike $res->{content}, qr/<b>bold/, '... markup in the paste is escaped';
is $s->sql_one(q{SELECT role || ',' || invited_by FROM invitations WHERE email = 'hal@example.com'}),
    'member,' . user_id($s, 'ada@example.com'), '... hal invited as member by ada';
$res = bulk($ada, 'acme', " ,;\n ");
is $res->{status}, 200, 'a paste without addresses: 200';
is_deeply [ bulk_rows($res) ], [], '... no rows';
like $res->{content}, qr/held no addresses/, '... says so';

# ---- the rate limit reached mid-paste -------------------------------------------------------------------
{
	my $pat = person($s, 'pat@example.com', 'Pat', confirm => 1);
	new_org($pat, 'Beta', 'beta');
	my $beta = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'beta'});
	my @addr = map { "r$_\@example.com" } 1 .. 9;
	my $text = join("\n", @addr[0 .. 3]) . "\nnope\nr1\@example.com\n" . join(' ', @addr[4 .. 8]);
	my $c = counts($s);
	$res = bulk($pat, 'beta', $text);
	is $res->{status}, 200, 'pat pastes 11 entries with a limit of 6 an hour: 200';
	is_deeply [ map { $_->[1] } bulk_rows($res) ],
	    [ ('invited') x 4, 'invalid-email', 'duplicate', 'invited', 'invited', ('rate-limited') x 3 ],
	    '... six invited, then every later address rate-limited; invalid and duplicate entries keep their outcome'
	    or diag explain [ bulk_rows($res) ];
	is $s->sql_one('SELECT count(*) FROM invitations WHERE organization_id = ?', $beta), 6, '... six invitation rows';
	is counts($s)->{outbox} - $c->{outbox}, 6, '... six emails';
	is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE organization_id = ? AND action = 'invitation.created'}, $beta), 6,
	    '... six audit events';
	like $res->{content}, qr/hourly invitation limit was reached/, '... the page says what happened';
	my $single = invite($pat, 'beta', 'solo@example.com', 'member');
	is $single->{status}, 429, 'a single invitation after it: 429 (the same limit counted the bulk rows)';
}

done_testing;
