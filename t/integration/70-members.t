#!/usr/bin/env perl
# Member management (SPEC §3 Organizations: .../members/{user_id}/role,
# .../{user_id}/remove, /orgs/{slug}/leave; §4 Roles): every role change
# an owner, an admin, a platform admin and a plain member may or may not
# make, with its status, data-error code, row and audit event; removal
# and leaving likewise; the last owner in every path (demoted, removed,
# leaving: 409 last-owner, nothing written); unknown and foreign ids; the
# roster's controls shown only to those allowed; the counters.

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
my $oscar = member($s, 'oscar@example.com', 'Oscar Owner', confirmed => 1);
my $nick = member($s, 'nick@example.com', 'Nick Nobody', confirmed => 1);
my %id = map { $_ => user_id($s, "$_\@example.com") } qw(olga ann mia oscar nick);

# The cast of each test: olga owner, ann admin, mia member, oscar as the
# test needs.
sub cast {
	my (%extra) = @_;
	set_membership($s, 'acme', 'ann@example.com', 'admin');
	set_membership($s, 'acme', 'mia@example.com', 'member');
	set_membership($s, 'acme', 'olga@example.com', 'owner');
	drop_membership($s, 'acme', 'oscar@example.com');
	set_membership($s, 'acme', "$_\@example.com", $extra{$_}) for keys %extra;
}

sub role_of {
	my ($who) = @_;
	my $m = membership_row($s, 'acme', "$who\@example.com");
	return $m ? $m->{role} : 'none';
}

sub redirected {
	my ($ua, $res, $flash, $what, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	subtest $what => sub {
		is $res->{status}, 303, 'status 303';
		is $ua->location($res), $o{to} // '/orgs/acme', 'to ' . ($o{to} // 'the roster');
		my $next = $ua->get($ua->location($res));
		is $ua->flash($next), $flash, "flash $flash";
	};
}

my $m0 = metrics($s);

# ---- role changes -----------------------------------------------------------------------
cast();
{
	my $res = change_role($olga, 'acme', $id{mia}, 'admin');
	redirected($olga, $res, 'role-changed', 'an owner makes a member admin');
	is role_of('mia'), 'admin', 'the row says admin';
	my $a = $s->sql_one(q{SELECT data->>'from' || '>' || (data->>'to') FROM audit_events
	    WHERE action = 'membership.role_changed' AND subject_id = ?},
	    membership_row($s, 'acme', 'mia@example.com')->{id});
	is $a, 'member>admin', 'audited membership.role_changed from member to admin';
	redirected($olga, change_role($olga, 'acme', $id{mia}, 'owner'), 'role-changed',
	    'an owner makes an admin owner');
	is role_of('mia'), 'owner', 'the row says owner';
	redirected($olga, change_role($olga, 'acme', $id{mia}, 'member'), 'role-changed',
	    'an owner demotes another owner to member');
	is role_of('mia'), 'member', 'the row says member';
	my $n = audit_count($s, 'membership.role_changed');
	redirected($olga, change_role($olga, 'acme', $id{mia}, 'member'), 'role-changed',
	    'the same role again');
	is audit_count($s, 'membership.role_changed'), $n, 'the same role again writes no event';
}

cast(oscar => 'owner');
no_write($s, 'an admin may not grant admin', 403, 'role-escalation',
    sub { change_role($ann, 'acme', $id{mia}, 'admin') });
no_write($s, 'an admin may not grant owner', 403, 'role-escalation',
    sub { change_role($ann, 'acme', $id{mia}, 'owner') });
no_write($s, 'an admin may not demote an owner', 403, 'role-escalation',
    sub { change_role($ann, 'acme', $id{oscar}, 'member') });
no_write($s, 'an admin may not promote herself', 403, 'role-escalation',
    sub { change_role($ann, 'acme', $id{ann}, 'owner') });
is $ann->page($ann->last), 'org-members', 'the refusal shows the roster again';
no_write($s, 'a member may not change roles', 403, 'forbidden',
    sub { change_role($mia, 'acme', $id{ann}, 'member') });
no_write($s, 'a member may not promote himself', 403, 'forbidden',
    sub { change_role($mia, 'acme', $id{mia}, 'owner') });
no_write($s, 'an unknown user id is 404', 404, 'not-found',
    sub { change_role($olga, 'acme', 987654321, 'admin') });
no_write($s, 'a user who is not a member is 404', 404, 'not-found',
    sub { change_role($olga, 'acme', $id{nick}, 'admin') });
no_write($s, 'an id that is not a number is 404', 404, 'not-found',
    sub { change_role($olga, 'acme', 'abc', 'admin') });
no_write($s, 'a role outside the three is 422', 422, 'invalid-role',
    sub { change_role($olga, 'acme', $id{mia}, 'king') });
no_write($s, 'a missing role is 422', 422, 'invalid-role',
    sub { change_role($olga, 'acme', $id{mia}, '') });
no_write($s, 'a non-member acting is 404', 404, undef,
    sub { $nick->get('/'); $nick->post_form("/orgs/acme/members/$id{mia}/role", { role => 'admin' }) });
{
	my $anon = $s->ua;
	$anon->get('/login');
	my $res = $anon->post_form("/orgs/acme/members/$id{mia}/role", { role => 'admin' });
	is $res->{status}, 303, 'anonymous: 303';
	like $anon->location($res), qr{^/login\?next=}, 'anonymous: sent to sign in';
}

# An admin may touch plain members; a platform admin who is an admin may
# grant like an owner.
redirected($ann, change_role($ann, 'acme', $id{mia}, 'member'), 'role-changed',
    'an admin may set member on a member');
$s->psql(q{UPDATE users SET is_platform_admin = true WHERE email = 'ann@example.com'});
redirected($ann, change_role($ann, 'acme', $id{mia}, 'admin'), 'role-changed',
    'a platform admin who is an admin may grant admin');
is role_of('mia'), 'admin', 'the row says admin';
$s->psql(q{UPDATE users SET is_platform_admin = false WHERE email = 'ann@example.com'});

# ---- the last owner ---------------------------------------------------------------------
cast();
no_write($s, 'the last owner may not demote herself', 409, 'last-owner',
    sub { change_role($olga, 'acme', $id{olga}, 'admin') });
is $olga->page($olga->last), 'org-members', 'last-owner: the roster again';
no_write($s, 'the last owner may not remove herself', 409, 'last-owner',
    sub { remove_member($olga, 'acme', $id{olga}) });
no_write($s, 'the last owner may not leave', 409, 'last-owner',
    sub { leave_org($olga, 'acme') });
is owners_of($s, 'acme'), 1, 'one owner still';

# Handing over: promote another, then step down or leave.
redirected($olga, change_role($olga, 'acme', $id{mia}, 'owner'), 'role-changed',
    'the owner promotes a member to owner');
redirected($olga, change_role($olga, 'acme', $id{olga}, 'admin'), 'role-changed',
    'with a second owner, the first may step down');
is role_of('olga'), 'admin', 'olga is admin now';
no_write($s, 'now mia is the last owner and may not step down', 409, 'last-owner',
    sub { change_role($mia, 'acme', $id{mia}, 'member') });
no_write($s, 'the former owner, an admin, may not take it back', 403, 'role-escalation',
    sub { change_role($olga, 'acme', $id{olga}, 'owner') });
redirected($mia, change_role($mia, 'acme', $id{olga}, 'owner'), 'role-changed',
    'the new owner makes olga owner again');

# ---- removal ----------------------------------------------------------------------------
cast(oscar => 'owner');
{
	my $mid = membership_row($s, 'acme', 'mia@example.com')->{id};
	my $res = remove_member($ann, 'acme', $id{mia});
	redirected($ann, $res, 'member-removed', 'an admin removes a member');
	is membership_row($s, 'acme', 'mia@example.com'), undef, 'the membership is gone';
	is $s->sql_one(q{SELECT data->>'role' FROM audit_events WHERE action = 'membership.removed'
	    AND subject_id = ?}, $mid), 'member', 'audited membership.removed with the role';
	my $r = $mia->get('/orgs/acme');
	is $r->{status}, 404, 'the removed member no longer sees the organization';
}
cast(oscar => 'owner');
no_write($s, 'an admin may not remove an owner', 403, 'role-escalation',
    sub { remove_member($ann, 'acme', $id{oscar}) });
set_membership($s, 'acme', 'mia@example.com', 'admin');
no_write($s, 'an admin may not remove another admin', 403, 'role-escalation',
    sub { remove_member($ann, 'acme', $id{mia}) });
set_membership($s, 'acme', 'mia@example.com', 'member');
no_write($s, 'a member may not remove anyone', 403, 'forbidden',
    sub { remove_member($mia, 'acme', $id{ann}) });
no_write($s, 'removing an unknown user is 404', 404, 'not-found',
    sub { remove_member($olga, 'acme', 987654321) });
no_write($s, 'removing a non-member is 404', 404, 'not-found',
    sub { remove_member($olga, 'acme', $id{nick}) });
redirected($olga, remove_member($olga, 'acme', $id{ann}), 'member-removed',
    'an owner removes an admin');
redirected($olga, remove_member($olga, 'acme', $id{oscar}), 'member-removed',
    'an owner removes another owner');
is owners_of($s, 'acme'), 1, 'one owner left';

# Another organization's member is not reachable through acme.
{
	new_org($nick, 'Other', 'other');
	no_write($s, "another organization's member is 404 through acme", 404, 'not-found',
	    sub { remove_member($olga, 'acme', $id{nick}) });
	is membership_row($s, 'other', 'nick@example.com')->{role}, 'owner', 'nick still owns other';
}

# ---- leaving ----------------------------------------------------------------------------
cast(oscar => 'owner');
{
	my $mid = membership_row($s, 'acme', 'mia@example.com')->{id};
	my $res = leave_org($mia, 'acme');
	redirected($mia, $res, 'left-org', 'a member leaves', to => '/');
	is membership_row($s, 'acme', 'mia@example.com'), undef, 'the membership is gone';
	is audit_count($s, 'membership.left', $mid), 1, 'audited membership.left';
	is $mia->get('/orgs/acme')->{status}, 404, 'the organization is gone from view';
	my $dash = $mia->get('/');
	unlike $dash->{content}, qr/data-org-slug="acme"/, 'and from the dashboard';
	redirected($oscar, leave_org($oscar, 'acme'), 'left-org',
	    'one of two owners leaves', to => '/');
	no_write($s, 'then the other may not', 409, 'last-owner', sub { leave_org($olga, 'acme') });
	no_write($s, 'a non-member cannot leave', 404, 'not-found', sub {
		$mia->get('/'); $mia->post_form('/orgs/acme/leave', {}) });
}

# ---- the roster's controls --------------------------------------------------------------
cast(oscar => 'owner');
{
	my %by = map { $_->{'data-user-id'} => $_ } member_rows(org_page($olga, 'acme'));
	like $by{$id{mia}}{html}, qr{/members/$id{mia}/role}, 'owner: a role form on a member';
	like $by{$id{oscar}}{html}, qr{/members/$id{oscar}/remove}, 'owner: remove on another owner';
	unlike $by{$id{olga}}{html}, qr{/members/$id{olga}/remove}, 'owner: no remove on herself';
	my @actions = form_actions($olga->last);
	ok((grep { $_ eq '/orgs/acme/leave' } @actions), 'owner: a leave form');
	%by = map { $_->{'data-user-id'} => $_ } member_rows(org_page($ann, 'acme'));
	like $by{$id{mia}}{html}, qr{/members/$id{mia}/remove}, 'admin: remove on a member';
	unlike $by{$id{oscar}}{html}, qr{/members/$id{oscar}/(remove|role)}, 'admin: nothing on an owner';
	unlike $by{$id{mia}}{html}, qr{/role"}, 'admin: no role form';
	my $page = org_page($mia, 'acme');
	unlike $page->{content}, qr{/members/\d+/(remove|role)}, 'member: no controls';
	ok((grep { $_ eq '/orgs/acme/leave' } form_actions($page)), 'member: a leave form');
}

# ---- audit page and counters ------------------------------------------------------------
{
	my $audit = $olga->get('/orgs/acme/audit');
	like $audit->{content}, qr/membership\.role_changed/, 'the audit page shows role changes';
	like $audit->{content}, qr/membership\.removed/, 'and removals';
	like $audit->{content}, qr/membership\.left/, 'and departures';
	my $m1 = metrics($s);
	for my $c (qw(role_changes members_removed members_left)) {
		cmp_ok $m1->{"roster_${c}_total"} // 0, '>', $m0->{"roster_${c}_total"} // 0,
		    "/metrics counts roster_${c}_total";
	}
	is $m1->{roster_members_left_total} - ($m0->{roster_members_left_total} // 0), 2,
	    'exactly the two departures counted';
}

done_testing;
