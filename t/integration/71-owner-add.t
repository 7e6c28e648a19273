#!/usr/bin/env perl
# Owner-add with consent (SPEC §3 POST /orgs/{slug}/members, /me/invitations,
# POST /me/memberships/{id}/accept|decline; §4 Owner-add 1-2, Invitations 8,
# Accounts 1): an owner adds a confirmed user, who is emailed and sees the
# owner-add on their lists, and becomes a member only by accepting; the
# refusals (unknown or unconfirmed address, any existing membership, a bad
# address or role, an admin granting admin, a plain member adding) with
# nothing written; declining; the managers' cancel; nobody but the user —
# the adder, another owner, another user — can accept or decline (404,
# nothing written); an invitation and an owner-add for one person, each
# accepted first in turn; the counters and the audit trail.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Members;

my $s = Roster::Test->start;

my $olga = member($s, 'olga@example.com', 'Olga Owner', confirmed => 1);
new_org($olga, 'Acme', 'acme');
my $ann = member($s, 'ann@example.com', 'Ann Admin', confirmed => 1);
my $mia = member($s, 'mia@example.com', 'Mia Member', confirmed => 1);
set_membership($s, 'acme', 'ann@example.com', 'admin');
set_membership($s, 'acme', 'mia@example.com', 'member');
my $bob = member($s, 'bob@example.com', 'Bob <Builder>', confirmed => 1);
my %id = map { $_ => user_id($s, "$_\@example.com") } qw(olga ann mia bob);
my $m0 = metrics($s);

sub redirected {
	my ($ua, $res, $flash, $to, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $next;
	subtest $what => sub {
		is $res->{status}, 303, 'status 303';
		is $ua->location($res), $to, "to $to";
		$next = $ua->get($ua->location($res));
		is $ua->flash($next), $flash, "flash $flash";
	};
	return $next;
}

# ---- an owner adds bob; bob accepts ---------------------------------------------------
my $bob_mid;
{
	my $res = owner_add($olga, 'acme', 'BOB@example.com ', 'member');
	my $roster = redirected($olga, $res, 'member-added', '/orgs/acme', 'an owner adds a confirmed user');
	my $m = membership_row($s, 'acme', 'bob@example.com');
	$bob_mid = $m->{id};
	is_deeply [ @$m{qw(role status source added_by)} ], [ 'member', 'pending', 'owner_add', $id{olga} ],
	    'a pending membership with source owner_add, added by olga';
	is $s->sql_one(q{SELECT data->>'source' FROM audit_events WHERE action = 'membership.created'
	    AND subject_id = ?}, $bob_mid), 'owner_add', 'audited membership.created, source owner_add';
	my ($row) = grep { $_->{'data-member-id'} eq $bob_mid } member_rows($roster);
	ok $row, 'the roster shows the owner-add to the owner';
	is $row->{'data-status'}, 'awaiting-consent', 'as awaiting-consent';
	is $row->{'data-user-id'}, $id{bob}, 'with the user id';
	like $row->{html}, qr{action="/orgs/acme/members/$id{bob}/remove"}, 'with a cancel form';
	is scalar(owner_add_rows(org_page($mia, 'acme'))), 0, 'a plain member does not see it';
	my ($arow) = owner_add_rows(org_page($ann, 'acme'));
	ok $arow && $arow->{'data-member-id'} eq $bob_mid, 'an admin sees it';

	my $mail = $s->wait_for_mail(to => 'bob@example.com', subject => qr/consent/i);
	ok $mail, 'bob is emailed';
	like $mail->{subject} // '', qr/Acme/, 'the subject names the organization';
	like $mail->{link} // '', qr{/me/invitations$}, 'the mail links to his invitations';
	like $mail->{text} // $mail->{body} // '', qr/Olga Owner/, 'and names who added him';

	is $bob->get('/orgs/acme')->{status}, 404, 'bob is not a member before consenting';
	my $list = $bob->get('/me/invitations');
	my @rows = owner_add_rows($list);
	is scalar(@rows), 1, '/me/invitations lists the owner-add';
	is $rows[0]{'data-member-id'}, $bob_mid, 'by membership id';
	is $rows[0]{'data-role'}, 'member', 'with its role';
	like $rows[0]{html}, qr{/me/memberships/$bob_mid/accept}, 'with an accept form';
	like $rows[0]{html}, qr{/me/memberships/$bob_mid/decline}, 'and a decline form';
	my @dash = owner_add_rows($bob->get('/'));
	is scalar(@dash), 1, 'the dashboard lists it too';
	unlike $bob->last->{content}, qr/No pending invitations/, 'and does not say there is none';
}

# Nobody else may consent: 404 and nothing written.
for my $who ([ 'the adder', $olga ], [ 'an admin', $ann ], [ 'another user', $mia ]) {
	for my $what (qw(accept decline)) {
		no_write($s, "$who->[0] cannot $what on bob's behalf", 404, 'not-found',
		    sub { consent($who->[1], $bob_mid, $what) });
	}
}
no_write($s, 'an unknown id is 404', 404, 'not-found', sub { consent($bob, 987654321, 'accept') });
no_write($s, 'an id that is not a number is 404', 404, 'not-found', sub { consent($bob, 'x1', 'accept') });
{
	my $anon = $s->ua;
	$anon->get('/login');
	my $res = $anon->post_form("/me/memberships/$bob_mid/accept", {});
	is $res->{status}, 303, 'anonymous: 303 to sign in';
	like $anon->location($res) // '', qr{^/login\?next=}, 'anonymous: sent to sign in';
}
no_write($s, 'no manager path activates it: a role change is 404', 404, 'not-found',
    sub { change_role($olga, 'acme', $id{bob}, 'member') });

no_write($s, 'adding bob again while pending is 409', 409, 'already-member',
    sub { owner_add($olga, 'acme', 'bob@example.com', 'admin') });

{
	my $res = consent($bob, $bob_mid, 'accept');
	my $page = redirected($bob, $res, 'membership-accepted', '/orgs/acme', 'bob accepts');
	is $bob->page($page), 'org-members', 'and sees the roster';
	my $m = membership_row($s, 'acme', 'bob@example.com');
	is_deeply [ @$m{qw(id role status source)} ], [ $bob_mid, 'member', 'active', 'owner_add' ],
	    'the same membership is active';
	is audit_count($s, 'membership.accepted', $bob_mid), 1, 'audited membership.accepted';
	is scalar(owner_add_rows($bob->get('/me/invitations'))), 0, 'his list is empty now';
	like $bob->last->{content}, qr/No pending invitations/, 'and says so';
	my ($row) = grep { $_->{'data-member-id'} eq $bob_mid } member_rows(org_page($olga, 'acme'));
	is $row->{'data-status'}, 'active', 'the roster shows him active';
	no_write($s, 'declining once active is 409', 409, 'not-pending',
	    sub { consent($bob, $bob_mid, 'decline') });
	no_write($s, 'adding an active member is 409', 409, 'already-member',
	    sub { owner_add($olga, 'acme', 'bob@example.com', 'member') });
}

# ---- refusals ---------------------------------------------------------------------------
member($s, 'una@example.com', 'Una Unconfirmed');
no_write($s, 'an address with no account is 404', 404, 'no-such-user',
    sub { owner_add($olga, 'acme', 'nobody@example.com', 'member') });
no_write($s, 'an unconfirmed account is 404 the same', 404, 'no-such-user',
    sub { owner_add($olga, 'acme', 'una@example.com', 'member') });
no_write($s, 'not an address is 422', 422, 'invalid-email',
    sub { owner_add($olga, 'acme', 'not-an-address', 'member') });
no_write($s, 'a role outside the three is 422', 422, 'invalid-role',
    sub { owner_add($olga, 'acme', 'una@example.com', 'boss') });
no_write($s, 'an admin may not add as admin', 403, 'role-escalation',
    sub { owner_add($ann, 'acme', 'una@example.com', 'admin') });
no_write($s, 'an admin may not add as owner', 403, 'role-escalation',
    sub { owner_add($ann, 'acme', 'una@example.com', 'owner') });
no_write($s, 'a plain member may not add', 403, 'forbidden',
    sub { owner_add($mia, 'acme', 'una@example.com', 'member') });
{
	my $res = owner_add($olga, 'acme', 'nobody@example.com', 'member');
	is $olga->page($res), 'org-members', 'a refusal shows the roster again';
	like $res->{content}, qr/value="nobody\@example.com"/, 'with the address kept in the form';
}

# ---- decline ----------------------------------------------------------------------------
my $cat = member($s, 'cat@example.com', 'Cat', confirmed => 1);
{
	redirected($ann, owner_add($ann, 'acme', 'cat@example.com', 'member'), 'member-added',
	    '/orgs/acme', 'an admin adds a member');
	my $mid = membership_row($s, 'acme', 'cat@example.com')->{id};
	redirected($cat, consent($cat, $mid, 'decline'), 'membership-declined', '/me/invitations',
	    'cat declines');
	is membership_row($s, 'acme', 'cat@example.com'), undef, 'the pending membership is gone';
	is audit_count($s, 'membership.declined', $mid), 1, 'audited membership.declined';
	no_write($s, 'accepting after declining is 404', 404, 'not-found',
	    sub { consent($cat, $mid, 'accept') });
	redirected($olga, owner_add($olga, 'acme', 'cat@example.com', 'admin'), 'member-added',
	    '/orgs/acme', 'after a decline she may be added again');
	is membership_row($s, 'acme', 'cat@example.com')->{role}, 'admin', 'as admin by an owner';
}

# ---- cancel -----------------------------------------------------------------------------
{
	no_write($s, 'an admin may not cancel an owner-add as admin', 403, 'role-escalation',
	    sub { remove_member($ann, 'acme', user_id($s, 'cat@example.com')) });
	my $mid = membership_row($s, 'acme', 'cat@example.com')->{id};
	redirected($olga, remove_member($olga, 'acme', user_id($s, 'cat@example.com')),
	    'member-removed', '/orgs/acme', 'the owner cancels it');
	is membership_row($s, 'acme', 'cat@example.com'), undef, 'the pending membership is gone';
	is audit_count($s, 'membership.cancelled', $mid), 1, 'audited membership.cancelled';
	is scalar(owner_add_rows($cat->get('/me/invitations'))), 0, 'cat no longer sees it';
	no_write($s, 'accepting a cancelled owner-add is 404', 404, 'not-found',
	    sub { consent($cat, $mid, 'accept') });

	owner_add($ann, 'acme', 'cat@example.com', 'member');
	redirected($ann, remove_member($ann, 'acme', user_id($s, 'cat@example.com')),
	    'member-removed', '/orgs/acme', 'an admin cancels a member owner-add');
}

# ---- an unconfirmed address sees no owner-adds (SPEC Accounts 1) ------------------------
{
	my $dan = member($s, 'dan@example.com', 'Dan', confirmed => 1);
	owner_add($olga, 'acme', 'dan@example.com', 'member');
	my $mid = membership_row($s, 'acme', 'dan@example.com')->{id};
	$s->psql(q{UPDATE users SET email_confirmed_at = NULL WHERE email = 'dan@example.com'});
	is scalar(owner_add_rows($dan->get('/me/invitations'))), 0, 'unconfirmed: the list hides it';
	no_write($s, 'unconfirmed: accepting is 404', 404, 'not-found', sub { consent($dan, $mid, 'accept') });
	$s->psql(q{UPDATE users SET email_confirmed_at = now() WHERE email = 'dan@example.com'});
	is scalar(owner_add_rows($dan->get('/me/invitations'))), 1, 'confirmed again: listed';
}

# ---- an invitation and an owner-add for one person (SPEC Invitations 8) ----------------
{
	my $eve = member($s, 'eve@example.com', 'Eve', confirmed => 1);
	my $inv = invite_ok($s, $olga, 'acme', 'eve@example.com', 'admin');
	redirected($olga, owner_add($olga, 'acme', 'eve@example.com', 'member'), 'member-added',
	    '/orgs/acme', 'an owner-add beside an open invitation');
	my $mid = membership_row($s, 'acme', 'eve@example.com')->{id};
	my $list = $eve->get('/me/invitations');
	is scalar(owner_add_rows($list)), 1, 'her list shows the owner-add';
	is scalar(invitation_rows($list)), 1, 'beside the invitation';
	redirected($eve, consent($eve, $mid, 'accept'), 'membership-accepted', '/orgs/acme',
	    'the owner-add accepted first');
	$eve->get($inv->{path});
	my $res = $eve->post_form('/invitations/accept', { token => $inv->{token} });
	redirected($eve, $res, 'already-member', '/orgs/acme', 'the invitation then ends as already-member');
	is $s->sql_one(q{SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE u.email = 'eve@example.com'}), 1, 'one membership';
	is membership_row($s, 'acme', 'eve@example.com')->{role}, 'member', 'with the owner-add role';
	isnt inv_row($s, $inv->{id})->{accepted_at}, '', 'the invitation is stamped accepted';

	my $fay = member($s, 'fay@example.com', 'Fay', confirmed => 1);
	my $inv2 = invite_ok($s, $olga, 'acme', 'fay@example.com', 'admin');
	owner_add($olga, 'acme', 'fay@example.com', 'member');
	my $mid2 = membership_row($s, 'acme', 'fay@example.com')->{id};
	$fay->get($inv2->{path});
	redirected($fay, $fay->post_form('/invitations/accept', { token => $inv2->{token} }),
	    'invitation-accepted', '/orgs/acme', 'the invitation accepted first');
	my $before = snapshot($s);
	redirected($fay, consent($fay, $mid2, 'accept'), 'already-member', '/orgs/acme',
	    'the owner-add then ends as already-member');
	is snapshot($s), $before, 'and writes nothing';
	is $s->sql_one(q{SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE u.email = 'fay@example.com'}), 1, 'one membership';
	is scalar(owner_add_rows($fay->get('/me/invitations'))), 0, 'nothing left on her list';
}

# ---- counters and the audit page --------------------------------------------------------
{
	my $m1 = metrics($s);
	my %want = (owner_adds_created => 7, owner_adds_accepted => 2, owner_adds_declined => 1,
		    owner_adds_cancelled => 2);
	for my $c (sort keys %want) {
		is(($m1->{"roster_${c}_total"} // 0) - ($m0->{"roster_${c}_total"} // 0), $want{$c},
		    "roster_${c}_total counts $want{$c}");
	}
	my $audit = $olga->get('/orgs/acme/audit');
	like $audit->{content}, qr/membership\.$_/, "the audit page shows membership.$_"
	    for qw(created accepted declined cancelled);
}

done_testing;
