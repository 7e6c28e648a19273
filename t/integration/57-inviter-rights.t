#!/usr/bin/env perl
# An invitation is only as good as its inviter's right to make it: one
# whose inviter has since been removed from the organization, or demoted
# so that they could not make it now (below admin; an owner's invitation
# as owner or admin once they are no longer an owner), answers
# invitation-revoked (410) on its link and on every accept (signed in,
# with sign-up, from the invitee's own list), and writes nothing. The
# rule is judged when the link is used, so an inviter promoted back makes
# the invitation good again. An approved join request's invitation has the
# approver as inviter and follows the same rule. Invitations by a platform
# admin who is not a member keep working.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Join;

my $s = Roster::Test->start;

my $olga = person($s, 'olga@example.com', 'Olga Owner', confirm => 1);
new_org($olga, 'Acme', 'acme');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});

# A manager of acme with the given role, joined through an invitation.
sub manager {
	my ($email, $name, $role) = @_;
	my $inv = invite_ok($s, $olga, 'acme', $email, $role);
	my $ua = join_by_signup($s, $inv, $name);
	return ($ua, user_id($s, $email));
}

sub set_role {
	my ($uid, $role, $what) = @_;
	org_page($olga, 'acme');
	my $res = $olga->post_form("/orgs/acme/members/$uid/role", { role => $role });
	is $res->{status}, 303, "$what: 303";
	is $s->sql_one('SELECT role FROM memberships WHERE organization_id = ? AND user_id = ?',
	    $acme, $uid), $role, "$what: the role is $role";
}

sub membership_of {
	my ($email) = @_;
	my ($r) = $s->psql(q{SELECT m.role, m.status FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE m.organization_id = ? AND u.email = ?}, $acme, $email);
	return $r ? "$r->[0]/$r->[1]" : 'none';
}

# The link shows invitation-revoked (410) and the GET writes nothing.
sub link_revoked {
	my ($inv, $what, $ua) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	$ua //= $s->ua;
	my $before = snapshot($s);
	my $res = $ua->get($inv->{path});
	is $ua->page($res), 'invitation-revoked', "$what: the link shows invitation-revoked";
	is $res->{status}, 410, "$what: 410";
	is snapshot($s), $before, "$what: the GET wrote nothing";
}

# A POST refused as invitation-revoked (410) with no write.
sub post_revoked {
	my ($ua, $path, $fields, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $before = snapshot($s);
	my $res = $ua->post_form($path, $fields);
	is $ua->page($res), 'invitation-revoked', "$what: invitation-revoked";
	is $res->{status}, 410, "$what: 410";
	is snapshot($s), $before, "$what: nothing written";
}

sub signup_revoked {
	my ($inv, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $ua = $s->ua;
	$ua->get('/login');
	post_revoked($ua, '/invitations/accept/signup',
	    { token => $inv->{token}, display_name => 'Newcomer', password => PASSWORD }, "$what, sign-up");
	is user_id($s, $inv->{email}), undef, "$what, sign-up: no account made";
}

sub accepted_ok {
	my ($ua, $inv, $role, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	$ua->get($inv->{path});
	is $ua->page($ua->last), 'invitation-accept', "$what: the link shows invitation-accept";
	my $res = $ua->post_form('/invitations/accept', { token => $inv->{token} });
	is $res->{status}, 303, "$what: accept 303";
	is $ua->location($res), '/orgs/acme', "$what: to the roster";
	is membership_of($inv->{email}), "$role/active", "$what: an active $role";
	isnt inv_row($s, $inv->{id})->{accepted_at}, '', "$what: the invitation is stamped accepted";
}

# ---- inviter removed --------------------------------------------------------------------
my ($ada, $ada_id) = manager('ada@example.com', 'Ada Admin', 'admin');
my $x1 = invite_ok($s, $ada, 'acme', 'x1@example.com', 'member');
my $x2 = invite_ok($s, $ada, 'acme', 'x2@example.com', 'member');
my $x2ua = person($s, 'x2@example.com', 'Xavier Two', confirm => 1);
is $s->ua->get($x1->{path})->{status}, 200, 'while Ada is an admin the link works (200)';

org_page($olga, 'acme');
is $olga->post_form("/orgs/acme/members/$ada_id/remove", {})->{status}, 303, 'Olga removes Ada';
is membership_of('ada@example.com'), 'none', 'Ada is no longer a member';

link_revoked($x1, 'inviter removed, signed out');
signup_revoked($x1, 'inviter removed');
link_revoked($x2, 'inviter removed, signed in as the invitee', $x2ua);
post_revoked($x2ua, '/invitations/accept', { token => $x2->{token} }, 'inviter removed, accept signed in');
post_revoked($x2ua, '/invitations/accept', { invitation_id => $x2->{id} },
    'inviter removed, accept from the own list');
is membership_of('x2@example.com'), 'none', 'x2 did not become a member';
is inv_row($s, $x2->{id})->{accepted_at}, '', 'the invitation is not stamped accepted';
is audit_count($s, 'invitation.accepted', $x2->{id}), 0, 'no invitation.accepted audited';

# ---- inviter demoted to member, then promoted back and forth -----------------------------------
my ($bea, $bea_id) = manager('bea@example.com', 'Bea Admin', 'admin');
my $x3 = invite_ok($s, $bea, 'acme', 'x3@example.com', 'member');
my $x4 = invite_ok($s, $bea, 'acme', 'x4@example.com', 'member');
my $x4ua = person($s, 'x4@example.com', 'Xavier Four', confirm => 1);

set_role($bea_id, 'member', 'Bea demoted to member');
link_revoked($x3, 'inviter demoted');
signup_revoked($x3, 'inviter demoted');
post_revoked($x4ua, '/invitations/accept', { token => $x4->{token} }, 'inviter demoted, accept signed in');
is membership_of('x4@example.com'), 'none', 'x4 did not become a member';

set_role($bea_id, 'admin', 'Bea promoted back to admin');
is $s->ua->get($x3->{path})->{status}, 200, 'inviter an admin again: the link works again (200)';
set_role($bea_id, 'member', 'Bea demoted again');
post_revoked($x4ua, '/invitations/accept', { token => $x4->{token} }, 'demoted again, accept signed in');
set_role($bea_id, 'admin', 'Bea promoted again');
accepted_ok($x4ua, $x4, 'member', 'inviter an admin again');
my $x3ua = join_by_signup($s, $x3, 'Xavier Three');
is membership_of('x3@example.com'), 'member/active', 'inviter an admin again: sign-up through the link works';

# ---- inviter still an admin: works ------------------------------------------------------------
my $x5 = invite_ok($s, $bea, 'acme', 'x5@example.com', 'member');
my $x5ua = person($s, 'x5@example.com', 'Xavier Five', confirm => 1);
accepted_ok($x5ua, $x5, 'member', 'inviter still an admin');
is audit_count($s, 'invitation.accepted', $x5->{id}), 1, 'invitation.accepted audited once';

# ---- an owner's invitation as admin needs an owner ----------------------------------------------
my ($oscar, $oscar_id) = manager('oscar@example.com', 'Oscar Owner', 'owner');
my $x6 = invite_ok($s, $oscar, 'acme', 'x6@example.com', 'admin');
my $x7 = invite_ok($s, $oscar, 'acme', 'x7@example.com', 'member');
set_role($oscar_id, 'admin', 'Oscar demoted to admin');
link_revoked($x6, 'owner inviter now an admin, invitation as admin');
signup_revoked($x6, 'owner inviter now an admin, invitation as admin');
my $x7ua = person($s, 'x7@example.com', 'Xavier Seven', confirm => 1);
accepted_ok($x7ua, $x7, 'member', 'owner inviter now an admin, invitation as member');

# ---- a join-request approval: the approver is the inviter -------------------------------------
enable_join($olga, 'acme', 'message');
public_join($s, 'acme', email => 'jo@example.com', first_name => 'Jo');
confirm_join($s->ua, join_mail_token($s, 'jo@example.com'));
my $jid = $s->sql_one(q{SELECT id FROM join_requests WHERE email = 'jo@example.com'});
$bea->get('/orgs/acme/join-requests');
is $bea->post_form("/orgs/acme/join-requests/$jid/approve")->{status}, 303, 'Bea (admin) approves a join request';
my $jo = invitation_mail($s, 'jo@example.com');
is $s->sql_one('SELECT invited_by FROM invitations WHERE id = ?', $jo->{id}), $bea_id,
    '... which makes an invitation with Bea as inviter';
set_role($bea_id, 'member', 'Bea demoted after approving');
link_revoked($jo, 'approver demoted');
signup_revoked($jo, 'approver demoted');
set_role($bea_id, 'admin', 'Bea promoted back');
join_by_signup($s, $jo, 'Jo');
is membership_of('jo@example.com'), 'member/active', 'approver an admin again: the link makes a member';

# ---- a platform admin who is not a member ---------------------------------------------------
my $root = person($s, 'root@example.com', 'Root', confirm => 1);
is $s->rosterctl('bootstrap-admin', 'root@example.com')->{status}, 0, 'root made a platform admin';
is membership_of('root@example.com'), 'none', 'root belongs to nothing';
my $x8 = invite_ok($s, $root, 'acme', 'x8@example.com', 'admin');
my $x8ua = person($s, 'x8@example.com', 'Xavier Eight', confirm => 1);
accepted_ok($x8ua, $x8, 'admin', 'platform admin inviter, not a member');
my $x9 = invite_ok($s, $root, 'acme', 'x9@example.com', 'owner');
join_by_signup($s, $x9, 'Xavier Nine');
is membership_of('x9@example.com'), 'owner/active', 'platform admin inviter: sign-up through the link works';

done_testing;
