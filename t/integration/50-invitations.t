#!/usr/bin/env perl
# Organization invitations from the managers' side (SPEC §3 Organizations,
# §4 Invitations 1-4, 6, 7, Roles, Emails): inviting queues one row and
# one email whose link carries a signed envelope while the database keeps
# only SHA-256 of the raw token; the roster lists open invitations with
# their state and delivery to managers only; re-inviting and resending
# replace the open row and kill the old link; revoking works once and only
# inside the organization; admins cannot grant admin or owner; members
# cannot invite; current members and invalid addresses or roles are
# refused. Every branch checks the page and the rows it wrote (or did not).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(sha256_hex);
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;
my $BASE = $s->base_url;

my $owner = person($s, 'olga@example.com', 'Olga Owner');
new_org($owner, 'Acme', 'acme');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
my $olga = user_id($s, 'olga@example.com');
my $m0 = metrics($s);

# Counts of open rows (neither accepted, revoked nor declined) for an address.
sub open_rows {
	my ($email, $org) = @_;
	return $s->sql_one(q{SELECT count(*) FROM invitations WHERE organization_id = ?
	    AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL
	    AND declined_at IS NULL}, $org // $acme, $email);
}

# Checks a refused manager POST: status, page org-members, data-error, and
# no write at all.
sub refused {
	my ($res, $ua, $status, $error, $before, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	subtest $what => sub {
		is $res->{status}, $status, "status $status";
		is $ua->page($res), 'org-members', 'the roster is shown again';
		is_deeply [ $ua->errors($res) ], [ $error ], "data-error $error";
		is snapshot($s), $before, 'nothing written';
	};
}

# ---- invite: one row, one email, the envelope, the hash ----------------------
my $c0 = counts($s);
my $res = invite($owner, 'acme', '  Bob@Example.COM ', 'member');
is $res->{status}, 303, 'invite: 303';
is $owner->location($res), '/orgs/acme', 'invite: back to the roster';
$res = go($owner, $res);
is $owner->page($res), 'org-members', 'invite: the roster';
is $owner->flash($res), 'invitation-sent', 'invite: flash invitation-sent';
my $bob = invitation_mail($s, 'bob@example.com');
ok $bob->{id}, 'invite: the mailed link names a row by the SHA-256 of its raw token';
my $c1 = counts($s);
is $c1->{invitations} - $c0->{invitations}, 1, 'invite: exactly one invitation row';
is $c1->{memberships} - $c0->{memberships}, 0, 'invite: no membership';
is $c1->{users} - $c0->{users}, 0, 'invite: no account for the address';
is $c1->{outbox} - $c0->{outbox}, 1, 'invite: one outbox row';
my $row = inv_row($s, $bob->{id});
is $row->{email}, 'bob@example.com', 'invite: the address is trimmed and lower-cased';
is $row->{role}, 'member', 'invite: the role';
is $row->{invited_by}, $olga, 'invite: invited_by is the inviter';
is join('', @$row{qw(accepted_at accepted_by revoked_at declined_at)}), '',
    'invite: open (not accepted, revoked or declined)';
is $s->sql_one('SELECT round(extract(epoch FROM expires_at - created_at) / 60) FROM invitations
    WHERE id = ?', $bob->{id}), 7 * 24 * 60, 'invite: expires after the default lifetime (7 days)';
is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'invitation.created'
    AND subject_type = 'invitation' AND subject_id = ? AND organization_id = ?
    AND actor_user_id = ?}, $bob->{id}, $acme, $olga), 1, 'invite: audited invitation.created';
is $s->sql_one(q{SELECT count(*) FROM outbox WHERE invitation_id = ? AND kind = 'invitation'
    AND recipient = 'bob@example.com'}, $bob->{id}), 1, 'invite: the outbox row names the invitation';

# The link and its envelope (§4.1).
like $bob->{link}, qr{^\Q$BASE\E/invitations/accept\?token=[A-Za-z0-9_-]+$},
    'mail: the link is BASE/invitations/accept?token=T, base64url';
like $bob->{mail}{subject}, qr/Acme/, 'mail: the subject names the organization';
like $bob->{mail}{body}, qr/Olga Owner/, 'mail: the body names the inviter';
my ($raw, $bound, $exp, $ver, $mac) = envelope_parts($bob->{token});
is $ver, 1, 'envelope: version 1';
is length($raw // ''), 32, 'envelope: a 32-byte raw token';
is length($mac // ''), 32, 'envelope: a 32-byte MAC';
is $bound, 'bob@example.com', 'envelope: bound to the invited address';
is $exp, $s->sql_one('SELECT extract(epoch FROM expires_at)::bigint FROM invitations WHERE id = ?',
    $bob->{id}), "envelope: the row's expiry";
is $s->sql_one('SELECT encode(hashed_token, ?) FROM invitations WHERE id = ?', 'hex', $bob->{id}),
    sha256_hex($raw), 'the row keeps SHA-256 of the raw token';
isnt $s->sql_one('SELECT encode(hashed_token, ?) FROM invitations WHERE id = ?', 'hex', $bob->{id}),
    unpack('H*', $raw), 'and not the raw token';

# ---- the roster: managers see open rows with state and delivery ----------------
sub inv_rows_of {
	my ($ua, $slug) = @_;
	my $r = org_page($ua, $slug);
	return ($r, { map { $_->{'data-invitation-id'} => $_ } invitation_rows($r) });
}
my ($page, $rows) = inv_rows_of($owner, 'acme');
is $page->{status}, 200, 'roster: 200';
ok $rows->{ $bob->{id} }, 'roster: the owner sees the invitation row';
is $rows->{ $bob->{id} }{'data-email'}, 'bob@example.com', 'roster: data-email';
is $rows->{ $bob->{id} }{'data-role'}, 'member', 'roster: data-role';
is $rows->{ $bob->{id} }{'data-status'}, 'invited', 'roster: data-status invited';
like $rows->{ $bob->{id} }{'data-delivery'} // '', qr/^(?:queued|sent)$/, 'roster: data-delivery queued or sent';
ok eventually(15, sub { ((inv_rows_of($owner, 'acme'))[1]{ $bob->{id} }{'data-delivery'} // '') eq 'sent' }),
    'roster: data-delivery becomes sent once the mailer delivered it';
($page) = inv_rows_of($owner, 'acme');
is index($page->{content}, $bob->{token}), -1, 'roster: no link token on the page';
is index($page->{content}, unpack('H*', $raw)), -1, 'roster: no raw token on the page';
is index($page->{content}, b64url_encode($raw)), -1, 'roster: no raw token (base64url) on the page';
is scalar(grep { m{^/orgs/acme/invitations/\Q$bob->{id}\E/(?:resend|revoke)$} } form_actions($page)),
    2, 'roster: resend and revoke buttons for the row';

# Expired: open but past expiry, still listed, with a resend button.
$s->psql(q{UPDATE invitations SET created_at = now() - interval '2 minutes',
    expires_at = now() - interval '1 minute' WHERE id = ?}, $bob->{id});
($page, $rows) = inv_rows_of($owner, 'acme');
is $rows->{ $bob->{id} }{'data-status'}, 'expired', 'roster: an aged row shows data-status expired';
ok scalar(grep { $_ eq "/orgs/acme/invitations/$bob->{id}/resend" } form_actions($page)),
    'roster: with a resend button';

# ---- resend: a new row and link, the old link revoked (§4.3) --------------------
my $before = snapshot($s);
$res = $owner->post_form("/orgs/acme/invitations/$bob->{id}/resend", {});
is $res->{status}, 303, 'resend (expired row): 303';
is $owner->location($res), '/orgs/acme', 'resend: back to the roster';
is $owner->flash(go($owner, $res)), 'invitation-resent', 'resend: flash invitation-resent';
my $bob2 = invitation_mail($s, 'bob@example.com');
ok $bob2->{id} && $bob2->{id} ne $bob->{id}, 'resend: a new row for the new link';
isnt $bob2->{token}, $bob->{token}, 'resend: a new link';
isnt((envelope_parts($bob2->{token}))[0], $raw, 'resend: a new raw token');
$row = inv_row($s, $bob->{id});
ok length $row->{revoked_at}, 'resend: the old row is revoked';
is $row->{replaced_by}, $bob2->{id}, 'resend: the old row points at its replacement';
is open_rows('bob@example.com'), 1, 'resend: exactly one open row for the address';
is inv_row($s, $bob2->{id})->{role}, 'member', 'resend: same role';
cmp_ok $s->sql_one('SELECT extract(epoch FROM expires_at - now()) FROM invitations WHERE id = ?',
    $bob2->{id}), '>', 7 * 86400 - 120, 'resend: a fresh expiry';
is audit_count($s, 'invitation.resent', $bob2->{id}), 1, 'resend: audited invitation.resent';
my $anon = $s->ua;
$res = $anon->get($bob->{path});
is $res->{status}, 410, 'resend: the old link is 410';
is $anon->page($res), 'invitation-revoked', 'resend: the old link shows invitation-revoked';
$res = $anon->get($bob2->{path});
is $res->{status}, 200, 'resend: the new link works';
is $anon->page($res), 'invitation-signup', 'resend: the new link shows the sign-up page';

# ---- re-invite the same address: replaces the open row (§4.3) ---------------------
my $carol = invite_ok($s, $owner, 'acme', 'carol@example.com', 'member');
my $n_inv = counts($s)->{invitations};
$res = invite($owner, 'acme', 'CAROL@example.com', 'admin');
is $res->{status}, 303, 're-invite: 303';
is $owner->flash(go($owner, $res)), 'invitation-sent', 're-invite: flash invitation-sent';
my $carol2 = invitation_mail($s, 'carol@example.com');
is counts($s)->{invitations} - $n_inv, 1, 're-invite: one new row';
ok length inv_row($s, $carol->{id})->{revoked_at}, 're-invite: the old row is revoked';
is inv_row($s, $carol->{id})->{replaced_by}, $carol2->{id}, 're-invite: replaced_by the new row';
is open_rows('carol@example.com'), 1, 're-invite: exactly one open row';
is inv_row($s, $carol2->{id})->{role}, 'admin', 're-invite: the new role';
$res = $anon->get($carol->{path});
is $anon->page($res), 'invitation-revoked', 're-invite: the old link shows invitation-revoked';
is $res->{status}, 410, 're-invite: 410';
$res = $anon->get($carol2->{path});
is $anon->page($res), 'invitation-signup', 're-invite: the new link works';
like $res->{content}, qr/data-role="admin"/, 're-invite: the page shows the new role';
(undef, $rows) = inv_rows_of($owner, 'acme');
ok !$rows->{ $carol->{id} }, 're-invite: the roster drops the old row';
ok $rows->{ $carol2->{id} }, 're-invite: and lists the new one';

# ---- revoke ---------------------------------------------------------------------------
org_page($owner, 'acme');
my $c_rev = counts($s);
$res = $owner->post_form("/orgs/acme/invitations/$carol2->{id}/revoke", {});
is $res->{status}, 303, 'revoke: 303';
is $owner->location($res), '/orgs/acme', 'revoke: back to the roster';
($page) = go($owner, $res);
is $owner->flash($page), 'invitation-revoked', 'revoke: flash invitation-revoked';
ok !grep({ $_ eq $carol2->{id} } list_ids($page)), 'revoke: the row leaves the roster';
ok length inv_row($s, $carol2->{id})->{revoked_at}, 'revoke: revoked_at set';
is inv_row($s, $carol2->{id})->{accepted_at}, '', 'revoke: not accepted';
is counts($s)->{invitations}, $c_rev->{invitations}, 'revoke: no row added';
is counts($s)->{memberships}, $c_rev->{memberships}, 'revoke: no membership';
is audit_count($s, 'invitation.revoked', $carol2->{id}), 1, 'revoke: audited invitation.revoked';
$res = $anon->get($carol2->{path});
is $res->{status}, 410, 'revoke: the link is 410';
is $anon->page($res), 'invitation-revoked', 'revoke: the link shows invitation-revoked';
is open_rows('carol@example.com'), 0, 'revoke: no open row left';

$before = snapshot($s);
$res = $owner->post_form("/orgs/acme/invitations/$carol2->{id}/revoke", {});
refused($res, $owner, 409, 'not-pending', $before, 'revoke twice: 409 not-pending, nothing written');
$res = $owner->post_form("/orgs/acme/invitations/$carol2->{id}/resend", {});
refused($res, $owner, 409, 'not-pending', $before, 'resend a revoked row: 409 not-pending, nothing written');
is scalar(grep { $_->{to} eq 'carol@example.com' } $s->mails), 2,
    'resend a revoked row: no mail (still the two mails to carol)';

for my $bad ('999999', 'abc', '1%20OR%201=1', '-1', '0') {
	$before = snapshot($s);
	$res = $owner->post_form("/orgs/acme/invitations/$bad/revoke", {});
	is $res->{status}, 404, "revoke id '$bad': 404";
	is snapshot($s), $before, "revoke id '$bad': nothing written";
}

# Another tenant's invitation: 404 both ways, no change.
my $gina = person($s, 'gina@example.com', 'Gina Globex');
new_org($gina, 'Globex', 'globex');
my $globex = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'globex'});
my $dave = invite_ok($s, $gina, 'globex', 'dave@example.com', 'member');
org_page($owner, 'acme');
$before = snapshot($s);
$res = $owner->post_form("/orgs/acme/invitations/$dave->{id}/revoke", {});
is $res->{status}, 404, "revoke another organization's invitation through mine: 404";
is snapshot($s), $before, '... nothing written';
$res = $owner->post_form("/orgs/acme/invitations/$dave->{id}/resend", {});
is $res->{status}, 404, "resend another organization's invitation through mine: 404";
is snapshot($s), $before, '... nothing written';
$res = $owner->post_form("/orgs/globex/invitations/$dave->{id}/revoke", {});
is $res->{status}, 404, "revoke through an organization I am not in: 404";
is snapshot($s), $before, '... nothing written';
$res = $owner->post_form('/orgs/globex/invitations', { email => 'mallory@example.com', role => 'owner' });
is $res->{status}, 404, 'invite into an organization I am not in: 404';
is snapshot($s), $before, '... nothing written';
is $anon->get($dave->{path})->{status}, 200, "the other organization's link still works";
(undef, $rows) = inv_rows_of($owner, 'acme');
ok !$rows->{ $dave->{id} }, "my roster does not list the other organization's invitation";

# Anonymous manager actions go to sign in and write nothing.
{
	my $a = $s->ua;
	$a->get('/login');
	$res = $a->post_form('/orgs/acme/invitations', { email => 'zed@example.com', role => 'member' });
	is $res->{status}, 303, 'anonymous invite: 303';
	like $a->location($res) // '', qr{^/login\?next=}, '... to sign in';
	$res = $a->post_form("/orgs/acme/invitations/$bob2->{id}/revoke", {});
	like $a->location($res) // '', qr{^/login\?next=}, 'anonymous revoke: to sign in';
	is snapshot($s), $before, '... nothing written';
}

# Without the CSRF token: 403, no row.
$res = $owner->post('/orgs/acme/invitations', { email => 'nocsrf@example.com', role => 'member' });
is $res->{status}, 403, 'invite without csrf_token: 403';
is snapshot($s), $before, '... nothing written';

# ---- roles: an admin grants member only; members cannot invite -------------------
my $eve_inv = invite_ok($s, $owner, 'acme', 'eve@example.com', 'admin');
my $eve = join_by_signup($s, $eve_inv, 'Eve Admin');
is $s->sql_one(q{SELECT role FROM memberships WHERE organization_id = ? AND user_id = ?},
    $acme, user_id($s, 'eve@example.com')), 'admin', 'eve joined as admin by invitation';
$page = org_page($eve, 'acme');
ok scalar(invitation_rows($page)), 'an admin sees the invitation rows';
unlike $page->{content}, qr/<option value="owner"/, "an admin's form offers no owner role";
for my $role (qw(admin owner)) {
	$before = snapshot($s);
	$res = invite($eve, 'acme', "esc-$role\@example.com", $role);
	refused($res, $eve, 403, 'role-escalation', $before, "admin invites as $role: 403 role-escalation, no row");
}
$res = invite($eve, 'acme', 'hank@example.com', 'member');
is $res->{status}, 303, 'admin invites as member: 303';
my $hank = invitation_mail($s, 'hank@example.com');
is inv_row($s, $hank->{id})->{invited_by}, user_id($s, 'eve@example.com'), '... invited_by the admin';
org_page($eve, 'acme');
$before = snapshot($s);
$res = $eve->post_form("/orgs/acme/invitations/$hank->{id}/resend", {});
is $res->{status}, 303, 'admin resends a member invitation: 303';
my $hank2 = invitation_mail($s, 'hank@example.com');
ok $hank2->{id}, '... a new link';
$res = invite($eve, 'acme', 'hank@example.com', 'admin');
isnt $res->{status}, 303, 'admin re-invites a pending address as admin: refused';
is_deeply [ $eve->errors($res) ], ['role-escalation'], '... role-escalation';
is open_rows('hank@example.com'), 1, '... the open row stays';
is inv_row($s, $hank2->{id})->{role}, 'member', '... with its role';
is inv_row($s, $hank2->{id})->{revoked_at}, '', '... not revoked';

my $frank_inv = invite_ok($s, $owner, 'acme', 'frank@example.com', 'member');
my $frank = join_by_signup($s, $frank_inv, 'Frank Member');
$page = org_page($frank, 'acme');
is $page->{status}, 200, 'a member sees the roster';
is scalar(invitation_rows($page)), 0, 'a member sees no invitation rows';
unlike $page->{content}, qr/data-invitation-id/, '... no invitation id anywhere';
ok !grep({ m{/invitations} } form_actions($page)), '... and no invite, resend or revoke form';
like $page->{content}, qr/data-email="frank\@example.com"/, '... but the members';
$before = snapshot($s);
$res = $frank->post_form('/orgs/acme/invitations', { email => 'ivy@example.com', role => 'member' });
refused($res, $frank, 403, 'forbidden', $before, 'a member invites: 403, no row');
$res = $frank->post_form("/orgs/acme/invitations/$hank2->{id}/revoke", {});
is $res->{status}, 403, 'a member revokes: 403';
$res = $frank->post_form("/orgs/acme/invitations/$hank2->{id}/resend", {});
is $res->{status}, 403, 'a member resends: 403';
is snapshot($s), $before, '... nothing written';

# ---- refused addresses and roles -----------------------------------------------------
$before = snapshot($s);
for my $addr ('frank@example.com', 'FRANK@Example.com', ' frank@example.com ', 'olga@example.com') {
	$res = invite($owner, 'acme', $addr, 'member');
	refused($res, $owner, 409, 'already-member', $before, "invite current member '$addr': 409 already-member");
}
my $long_ok = ('l' x 64) . '@' . join('.', 'a' x 63, 'b' x 63, 'c' x 57, 'com');
is length($long_ok), 254, 'a 254-byte address';
my @bad = (
	[ 'no-at-sign.example.com', 'no @' ],
	[ '', 'empty' ],
	[ '@example.com', 'empty local part' ],
	[ 'a@b@example.com', 'two @' ],
	[ ('l' x 64) . '@' . join('.', 'a' x 63, 'b' x 63, 'c' x 58, 'com'), '255 bytes' ],
	[ "eve\@example.com\r\nBcc: x\@example.net", 'CR/LF inside' ],
	[ "eve\@example.com\nBcc: x\@example.net", 'LF inside' ],
	[ "e\rve\@example.com", 'CR inside' ],
	[ "two words\@example.com", 'a space inside' ],
	[ "ivy\@exa mple.com", 'a space in the domain' ],
	[ "ivy\t\@example.com", 'a tab' ],
	[ "ivy\0\@example.com", 'a NUL' ],
	[ "ivy\@example.com\x7f", 'DEL' ],
);
for my $b (@bad) {
	my ($addr, $what) = @$b;
	$res = invite($owner, 'acme', $addr, 'member');
	if ($what eq 'a NUL') {
		# A NUL byte in a field is a malformed request (SPEC §5).
		is $res->{status}, 400, "invite ($what): 400";
		is snapshot($s), $before, "invite ($what): nothing written";
		next;
	}
	refused($res, $owner, 422, 'invalid-email', $before, "invite an address with $what: 422 invalid-email");
}
for my $role ('superuser', '', 'platform_admin', "owner'; --") {
	$res = invite($owner, 'acme', 'ivy@example.com', $role);
	refused($res, $owner, 422, 'invalid-role', $before, "invite as role '$role': 422 invalid-role");
}
$res = invite($owner, 'acme', $long_ok, 'member');
is $res->{status}, 303, 'a 254-byte address is accepted';
is open_rows($long_ok), 1, '... one open row';
ok invitation_mail($s, $long_ok), '... and its mail';
is scalar(grep { $_->{to} =~ /example\.net|ivy|esc-|nocsrf|zed|mallory/ } $s->mails), 0,
    'no mail went to any refused address';

# ---- metrics ----------------------------------------------------------------------------
my $m1 = metrics($s);
my $nrows = $s->sql_one(q{SELECT count(*) FROM invitations});
my $resent = $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'invitation.resent'});
cmp_ok $resent, '>=', 1, 'the flows above resent at least once';
cmp_ok(($m1->{roster_invitations_resent_total} // 0) - ($m0->{roster_invitations_resent_total} // 0),
    '==', $resent, 'metrics: roster_invitations_resent_total rose by every resend');
cmp_ok(($m1->{roster_invitations_created_total} // 0) - ($m0->{roster_invitations_created_total} // 0),
    '==', $nrows - $resent, 'metrics: roster_invitations_created_total rose by every row created, resends apart');
cmp_ok(($m1->{roster_invitations_revoked_total} // 0) - ($m0->{roster_invitations_revoked_total} // 0),
    '==', 1, 'metrics: roster_invitations_revoked_total rose by the one revoke');
cmp_ok(($m1->{roster_invitations_accepted_total} // 0) - ($m0->{roster_invitations_accepted_total} // 0),
    '==', 2, 'metrics: roster_invitations_accepted_total rose by the two sign-ups');

# ---- secrets -------------------------------------------------------------------------------
secrets_ok($s, min => 10);

done_testing;
