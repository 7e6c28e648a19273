#!/usr/bin/env perl
# Platform admins (SPEC §4 Roles: "only an owner (or a platform admin) may
# grant owner or admin"; Accounts and platform 6; issue: "Platform admins
# hold owner rights in every organization. No invitation, owner-add or
# role change ever grants the platform role."). A platform admin made by
# rosterctl bootstrap-admin, member of no organization, opens an
# organization's roster, invites with every role, owner-adds, changes
# roles, removes, revokes, reads the audit trail, the settings and the
# join requests and decides them, as its owner would; the last-owner rule
# still counts the organization's real owners only. A platform admin who
# is a plain member of an organization holds owner rights there too.
# Nobody else gains anything: a non-member is 404, and no route (an
# invitation with role owner, an owner-add, a role change, a join-request
# approval, a signup with extra fields) ever sets users.is_platform_admin;
# roles like "platform" are 422 invalid-role and write nothing.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Members;
use Roster::Join;

my $s = Roster::Test->start(
    env => { ROSTER_INVITE_LIMIT_USER => 1000, ROSTER_INVITE_LIMIT_ORG => 1000 });

my $olga = member($s, 'olga@example.com', 'Olga Owner', confirmed => 1);
new_org($olga, 'Acme', 'acme');
my $ann = member($s, 'ann@example.com', 'Ann Admin', confirmed => 1);
my $mia = member($s, 'mia@example.com', 'Mia Member', confirmed => 1);
my $nick = member($s, 'nick@example.com', 'Nick Nobody', confirmed => 1);
set_membership($s, 'acme', 'ann@example.com', 'admin');
set_membership($s, 'acme', 'mia@example.com', 'member');
my %id = map { $_ => user_id($s, "$_\@example.com") } qw(olga ann mia nick);

sub admins { $s->sql_one('SELECT count(*) FROM users WHERE is_platform_admin') }
sub flag { $s->sql_one('SELECT is_platform_admin FROM users WHERE email = ?', $_[0]) // 'none' }

sub redirected {
	my ($ua, $res, $flash, $what, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	subtest $what => sub {
		is $res->{status}, 303, 'status 303';
		is $ua->location($res), $o{to} // '/orgs/acme', 'to ' . ($o{to} // 'the roster');
		is $ua->flash($ua->get($ua->location($res))), $flash, "flash $flash";
	};
}

# ---- the platform admin, made by rosterctl, member of nothing -----------------------------
my $root = member($s, 'root@example.com', 'Root', confirmed => 1);
my $r = $s->rosterctl('bootstrap-admin', 'root@example.com');
is $r->{status}, 0, 'bootstrap-admin promotes root';
is flag('root@example.com'), 't', 'root is a platform admin';
$id{root} = user_id($s, 'root@example.com');
is $s->sql_one('SELECT count(*) FROM memberships WHERE user_id = ?', $id{root}), 0,
    'root is a member of no organization';

is $nick->get('/orgs/acme')->{status}, 404, 'a signed-in non-member gets 404';

# ---- owner rights in an organization root does not belong to --------------------------------
my $res = $root->get('/orgs/acme');
is $res->{status}, 200, 'root opens the roster: 200';
is $root->page($res), 'org-members', '... page org-members';
like $res->{content}, qr{action="/orgs/acme/invitations"}, '... with the invite form';
like $res->{content}, qr{<option value="owner">}, '... which offers owner';
like $res->{content}, qr{action="/orgs/acme/members/$id{olga}/role"}, "... and the owner's role control";
unlike $res->{content}, qr{action="/orgs/acme/leave"}, '... and no Leave form: root does not belong';
like $mia->get('/orgs/acme')->{content}, qr{action="/orgs/acme/leave"}, 'a member sees the Leave form';

for my $role (qw(owner admin member)) {
	my $email = "inv-$role\@example.com";
	redirected($root, invite($root, 'acme', $email, $role), 'invitation-sent', "root invites as $role");
	is $s->sql_one('SELECT role || \',\' || invited_by FROM invitations WHERE email = ?', $email),
	    "$role,$id{root}", "... the invitation has role $role, invited by root";
}
my $oinv = invitation_mail($s, 'inv-owner@example.com');
ok $oinv->{id}, 'the owner invitation was mailed';
$root->get('/orgs/acme');
redirected($root, $root->post_form("/orgs/acme/invitations/$oinv->{id}/resend", {}), 'invitation-resent',
    'root resends an invitation');
my $open = $s->sql_one(q{SELECT id FROM invitations WHERE email = 'inv-admin@example.com'
    AND accepted_at IS NULL AND revoked_at IS NULL});
$root->get('/orgs/acme');
redirected($root, $root->post_form("/orgs/acme/invitations/$open/revoke", {}), 'invitation-revoked',
    'root revokes an invitation');

redirected($root, owner_add($root, 'acme', 'nick@example.com', 'admin'), 'member-added',
    'root owner-adds nick as admin');
is join('|', @{ membership_row($s, 'acme', 'nick@example.com') }{qw(role status source added_by)}),
    "admin|pending|owner_add|$id{root}", '... pending, role admin, added by root';

redirected($root, change_role($root, 'acme', $id{mia}, 'admin'), 'role-changed', 'root makes mia admin');
is membership_row($s, 'acme', 'mia@example.com')->{role}, 'admin', '... mia is admin';
redirected($root, change_role($root, 'acme', $id{ann}, 'owner'), 'role-changed', 'root makes ann owner');
is membership_row($s, 'acme', 'ann@example.com')->{role}, 'owner', '... ann is owner';
redirected($root, change_role($root, 'acme', $id{ann}, 'member'), 'role-changed', 'root demotes an owner (not the last)');
is membership_row($s, 'acme', 'ann@example.com')->{role}, 'member', '... ann is member';
is audit_count($s, 'membership.role_changed'), 3, 'the role changes are audited';
is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'membership.role_changed'
    AND actor_user_id = ?}, $id{root}), 3, '... with root as the actor';

# The last-owner rule counts the organization's owners, not root.
is owners_of($s, 'acme'), 1, 'olga is the only owner';
no_write($s, 'root demoting the last owner', 409, 'last-owner',
    sub { change_role($root, 'acme', $id{olga}, 'admin') });
no_write($s, 'root removing the last owner', 409, 'last-owner',
    sub { remove_member($root, 'acme', $id{olga}) });
no_write($s, 'root leaving an organization it does not belong to', 404, undef,
    sub { leave_org($root, 'acme') });

redirected($root, remove_member($root, 'acme', $id{mia}), 'member-removed', 'root removes mia (an admin)');
is membership_row($s, 'acme', 'mia@example.com'), undef, '... mia is gone';

$res = $root->get('/orgs/acme/audit');
is $res->{status}, 200, 'root reads the audit trail: 200';
is $root->page($res), 'org-audit', '... page org-audit';
$res = $root->get('/orgs/acme/settings');
is $res->{status}, 200, 'root opens the settings: 200';
is $root->page($res), 'org-settings', '... page org-settings';
redirected($root, join_settings($root, 'acme', 1, 'message'), 'settings-saved', 'root saves the settings',
    to => '/orgs/acme/settings');
is $s->sql_one(q{SELECT join_enabled FROM organizations WHERE slug = 'acme'}), 't', '... the join form is on';

my $carol = member($s, 'carol@example.com', 'Carol', confirmed => 1);
$carol->get('/join/acme');
is $carol->post_form('/orgs/acme/join-requests', { message => 'hi' })->{status}, 303, 'carol asks to join';
my $jr = jr_row($s, q{email = 'carol@example.com'});
$res = $root->get('/orgs/acme/join-requests');
is $res->{status}, 200, 'root opens the join requests: 200';
is $root->page($res), 'org-join-requests', '... page org-join-requests';
ok scalar(grep { $_->{'data-join-request-id'} eq $jr->{id} } join_rows($res)), "... carol's request is listed";
redirected($root, $root->post_form("/orgs/acme/join-requests/$jr->{id}/approve", {}), 'join-approved',
    'root approves it', to => '/orgs/acme/join-requests');
is membership_row($s, 'acme', 'carol@example.com')->{status}, 'active', '... carol is a member';
is jr_row($s, "id = $jr->{id}")->{decided_by}, $id{root}, '... decided by root';

# A platform admin who is a plain member holds owner rights there too.
my $beta_owner = member($s, 'bea@example.com', 'Bea', confirmed => 1);
new_org($beta_owner, 'Beta', 'beta');
set_membership($s, 'beta', 'root@example.com', 'member');
set_membership($s, 'beta', 'nick@example.com', 'member');
$res = $root->get('/orgs/beta');
like $res->{content}, qr{action="/orgs/beta/members/$id{nick}/role"}, 'a member who is platform admin sees the role controls';
redirected($root, change_role($root, 'beta', $id{nick}, 'owner'), 'role-changed',
    'and makes another member owner', to => '/orgs/beta');
is membership_row($s, 'beta', 'nick@example.com')->{role}, 'owner', '... nick is owner of beta';
is membership_row($s, 'beta', 'root@example.com')->{role}, 'member', "... root's own membership is unchanged";
like $root->get('/orgs/beta')->{content}, qr{action="/orgs/beta/leave"}, '... and root may leave beta';

# ---- nobody else obtains the platform role -----------------------------------------------
is admins(), 1, 'root is the only platform admin so far';

# Invitation with role owner, signed up through.
my $inv = invite_ok($s, $olga, 'acme', 'owen@example.com', 'owner');
my $owen = join_by_signup($s, $inv, 'Owen');
is membership_row($s, 'acme', 'owen@example.com')->{role}, 'owner', 'an owner invitation makes an owner';
is flag('owen@example.com'), 'f', '... not a platform admin';
# The invitation root sent as owner, accepted by an existing account.
my $iva = member($s, 'inv-owner@example.com', 'Iva', confirmed => 1);
$oinv = invitation_mail($s, 'inv-owner@example.com');
$iva->get($oinv->{path});
$res = $iva->post_form('/invitations/accept', { token => $oinv->{token} });
is $res->{status}, 303, "accepting root's owner invitation";
is membership_row($s, 'acme', 'inv-owner@example.com')->{role}, 'owner', '... makes an owner';
is flag('inv-owner@example.com'), 'f', '... not a platform admin';

# Owner-add as owner, accepted.
my $paul = member($s, 'paul@example.com', 'Paul', confirmed => 1);
is owner_add($olga, 'acme', 'paul@example.com', 'owner')->{status}, 303, 'olga owner-adds paul as owner';
consent($paul, membership_row($s, 'acme', 'paul@example.com')->{id}, 'accept');
is membership_row($s, 'acme', 'paul@example.com')->{status}, 'active', '... paul accepts';
is flag('paul@example.com'), 'f', '... not a platform admin';
# Nick's pending owner-add from root, as admin.
consent($nick, membership_row($s, 'acme', 'nick@example.com')->{id}, 'accept');
is membership_row($s, 'acme', 'nick@example.com')->{role}, 'admin', "nick accepts root's owner-add";
is flag('nick@example.com'), 'f', '... not a platform admin';

# Role change to owner.
is change_role($olga, 'acme', $id{ann}, 'owner')->{status}, 303, 'olga makes ann owner';
is flag('ann@example.com'), 'f', '... not a platform admin';

# Join-request approval.
my $dan = member($s, 'dan@example.com', 'Dan', confirmed => 1);
$dan->get('/join/acme');
$dan->post_form('/orgs/acme/join-requests', {});
$jr = jr_row($s, q{email = 'dan@example.com'});
$olga->get('/orgs/acme/join-requests');
is $olga->post_form("/orgs/acme/join-requests/$jr->{id}/approve", {})->{status}, 303, 'olga approves dan';
is flag('dan@example.com'), 'f', '... not a platform admin';

# Signup with fields that name the flag.
$res = $s->ua->signup('sly@example.com', PASSWORD, 'Sly', is_platform_admin => 1, platform_admin => 'true',
    role => 'platform');
is $res->{status}, 303, 'a signup with extra fields naming the platform role succeeds';
is flag('sly@example.com'), 'f', '... and the extra fields are ignored';
$inv = invite_ok($s, $olga, 'acme', 'slim@example.com', 'member');
my $slim = $s->ua;
$slim->get($inv->{path});
$res = $slim->post_form('/invitations/accept/signup', { token => $inv->{token}, display_name => 'Slim',
    password => PASSWORD, is_platform_admin => 1, role => 'owner' });
is $res->{status}, 303, 'an invitation sign-up with extra fields succeeds';
is flag('slim@example.com'), 'f', '... not a platform admin';
is membership_row($s, 'acme', 'slim@example.com')->{role}, 'member', '... with the invited role only';

# Roles that are not roles: 422 invalid-role, nothing written, from the
# owner and from the platform admin alike.
for my $who ([ olga => $olga ], [ root => $root ]) {
	my ($name, $ua) = @$who;
	for my $role ('platform', 'platform_admin', 'platform-admin', 'superuser', 'Owner', 'owner ', 'admin,platform') {
		no_write($s, "$name inviting with role '$role'", 422, 'invalid-role',
		    sub { invite($ua, 'acme', 'zed@example.com', $role) });
		no_write($s, "$name owner-adding with role '$role'", 422, 'invalid-role',
		    sub { owner_add($ua, 'acme', 'dan@example.com', $role) });
		no_write($s, "$name changing a role to '$role'", 422, 'invalid-role',
		    sub { change_role($ua, 'acme', $id{ann}, $role) });
	}
}

is admins(), 1, 'in the end root is still the only platform admin';
is_deeply [ map { $_->[0] } $s->psql(q{SELECT email FROM users WHERE is_platform_admin}) ],
    ['root@example.com'], '... by address';
is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'user.platform_admin_granted'}), 1,
    'one grant of the platform role was audited: the bootstrap';

done_testing;
