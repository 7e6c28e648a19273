#!/usr/bin/env perl
# Signed-in join requests and the managers' review (SPEC §3
# /orgs/{slug}/join-requests, §4 Join requests 4-5): a signed-in request is
# submitted at once, one open request per user (409 already-pending), a
# member asking is 409 already-member; owners and admins see the rows and
# approve or reject submitted requests only (409 not-pending, another
# organization's id 404, plain members 403); approving an address with a
# confirmed account makes an active member (source join_request), any
# other address gets an invitation; approve racing reject or approve ends
# in exactly one terminal state and at most one membership.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Join;

my $s = Roster::Test->start(workers => 4);
my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');
enable_join($owner, 'acme', 'message');
my $bob = join_by_signup($s, invite_ok($s, $owner, 'acme', 'bob@example.com', 'member'), 'Bob');
my $ada = join_by_signup($s, invite_ok($s, $owner, 'acme', 'ada@example.com', 'admin'), 'Ada');
my $org = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
my $m0 = metrics($s);

# ---- signed-in request ------------------------------------------------------------------
my $carol = person($s, 'carol@example.com', 'Carol', confirm => 1);
my $page = $carol->get('/join/acme');
is $page->{status}, 200, 'a signed-in visitor: /join/acme 200';
is $carol->page($page), 'join-form', '... page join-form';
like $page->{content}, qr{<form[^>]*action="/orgs/acme/join-requests"}, '... a button that asks as the user';
unlike $page->{content}, qr/name="first_name"/, '... no name fields';
my $res = $carol->post_form('/orgs/acme/join-requests', { message => 'Hello <team>', city => 'dropped' });
is $res->{status}, 303, 'signed-in request: 303';
is $carol->flash(go($carol, $res)), 'join-requested', '... flash join-requested';
my $jc = jr_row($s, q{email = 'carol@example.com'});
is $jc->{status}, 'submitted', '... submitted at once';
is $jc->{user_id}, user_id($s, 'carol@example.com'), '... of the user';
is $s->sql_one(q{SELECT fields::text FROM join_requests WHERE id = ?}, $jc->{id}), '{"message": "Hello <team>"}',
    '... with the allowed field only';
is audit_count($s, 'join_request.submitted', $jc->{id}), 1, '... audited';

$carol->get('/join/acme');
my $twice = $carol->post_form('/orgs/acme/join-requests', {});
is $twice->{status}, 409, 'a second open request: 409';
is $carol->page($twice), 'join-form', '... on the join form';
is_deeply [ $carol->errors($twice) ], ['already-pending'], '... already-pending';
is $s->sql_one(q{SELECT count(*) FROM join_requests WHERE email = 'carol@example.com'}), 1, '... nothing stored';

$bob->get('/join/acme');
my $mem = $bob->post_form('/orgs/acme/join-requests', {});
is $mem->{status}, 409, 'a member asking: 409';
is_deeply [ $bob->errors($mem) ], ['already-member'], '... already-member';

my $otto = person($s, 'otto@example.com', 'Otto', confirm => 1);
new_org($otto, 'Closed', 'closed');
$carol->get('/join/acme');
is $carol->post_form('/orgs/closed/join-requests', {})->{status}, 404, 'an organization with the form off: 404';
is $carol->post_form('/orgs/nope/join-requests', {})->{status}, 404, 'an unknown organization: 404';
my $anon = $s->ua;
$anon->get('/login');
my $ar = $anon->post_form('/orgs/acme/join-requests', {});
is $ar->{status}, 303, 'anonymous: 303';
like $ar->{headers}{location}, qr{^/login\?next=}, '... to sign in';

# ---- the review page ------------------------------------------------------------------------
my $list = $owner->get('/orgs/acme/join-requests');
is $list->{status}, 200, 'owner: the review page 200';
is $owner->page($list), 'org-join-requests', '... page org-join-requests';
my @rows = join_rows($list);
is_deeply [ map { "$_->{'data-join-request-id'} $_->{'data-email'} $_->{'data-status'}" } @rows ],
    [ "$jc->{id} carol\@example.com submitted" ], '... the row with its markers';
like $list->{content}, qr{<span data-field="message">Message: Hello &lt;team&gt;</span>}, '... the message, escaped';
is $ada->get('/orgs/acme/join-requests')->{status}, 200, 'admin: 200';
my $bl = $bob->get('/orgs/acme/join-requests');
is $bl->{status}, 403, 'plain member: 403';
is_deeply [ $bob->errors($bl) ], ['forbidden'], '... forbidden';
is $carol->get('/orgs/acme/join-requests')->{status}, 404, 'non-member: 404';

# ---- who may decide ---------------------------------------------------------------------------
$bob->get('/orgs/acme');
is $bob->post_form("/orgs/acme/join-requests/$jc->{id}/approve")->{status}, 403, 'plain member approving: 403';
is $bob->post_form("/orgs/acme/join-requests/$jc->{id}/reject")->{status}, 403, 'plain member rejecting: 403';
is jr_row($s, "id = $jc->{id}")->{status}, 'submitted', '... still submitted';
$otto->get('/orgs/closed');
is $otto->post_form("/orgs/closed/join-requests/$jc->{id}/approve")->{status}, 404,
    "another organization's manager, through their organization: 404";
$owner->get('/orgs/acme/join-requests');
for my $bad ('999999', 'abc', '1e3') {
	is $owner->post_form("/orgs/acme/join-requests/$bad/approve")->{status}, 404, "request id '$bad': 404";
}

# ---- approve: a confirmed account -------------------------------------------------------------
$owner->get('/orgs/acme/join-requests');
$res = $owner->post_form("/orgs/acme/join-requests/$jc->{id}/approve");
is $res->{status}, 303, 'approve: 303';
is $owner->location($res), '/orgs/acme/join-requests', '... back to the review page';
is $owner->flash(go($owner, $res)), 'join-approved', '... flash join-approved';
$jc = jr_row($s, "id = $jc->{id}");
is $jc->{status}, 'approved', '... the request is approved';
is $jc->{decided_by}, user_id($s, 'olga@example.com'), '... by the owner';
is join('|', $s->psql(q{SELECT role, status, source FROM memberships WHERE organization_id = ? AND user_id = ?},
    $org, $jc->{user_id})->[0]->@*), 'member|active|join_request', '... carol is an active member, source join_request';
ok $s->wait_for_mail(to => 'carol@example.com', subject => 'Welcome to "Acme" on Roster'), '... and is told by email';
is audit_count($s, 'join_request.approved', $jc->{id}), 1, '... audited';
is $carol->get('/orgs/acme')->{status}, 200, 'carol sees the roster';
my $again = $owner->post_form("/orgs/acme/join-requests/$jc->{id}/approve");
is $again->{status}, 409, 'approving again: 409';
is_deeply [ $owner->errors($again) ], ['not-pending'], '... not-pending';
is $owner->page($again), 'org-join-requests', '... on the review page';
is $owner->post_form("/orgs/acme/join-requests/$jc->{id}/reject")->{status}, 409, 'rejecting it now: 409';

# ---- approve: no account -> an invitation; an unconfirmed account -> a member ------------------
# (the public form's emailed link proved the mailbox: the approval
# confirms the address, as accepting an invitation does)
for my $case ([ 'newbie@example.com', 'no account' ], [ 'unconf@example.com', 'an unconfirmed account' ]) {
	my ($email, $what) = @$case;
	person($s, $email, 'Unconfirmed') if $email =~ /^unconf/;
	public_join($s, 'acme', email => $email, first_name => 'N');
	confirm_join($s->ua, join_mail_token($s, $email));
	my $j = jr_row($s, 'email = ?', $email);
	is $j->{status}, 'submitted', "$what: confirmed";
	$owner->get('/orgs/acme/join-requests');
	my $r = $ada->get('/orgs/acme/join-requests') && $ada->post_form("/orgs/acme/join-requests/$j->{id}/approve");
	is $r->{status}, 303, "$what: an admin approves, 303";
	is jr_row($s, "id = $j->{id}")->{status}, 'approved', '... approved';
	if ($email =~ /^unconf/) {
		is $s->sql_one(q{SELECT m.status || '/' || m.source FROM memberships m
		    JOIN users u ON u.id = m.user_id WHERE m.organization_id = ? AND u.email = ?},
		    $org, $email), 'active/join_request', '... an active member at once';
		ok user_confirmed($s, $email), '... whose address is now confirmed';
		is $s->sql_one(q{SELECT count(*) FROM invitations WHERE organization_id = ?
		    AND email = ?}, $org, $email), 0, '... and no invitation';
		next;
	}
	is $s->sql_one(q{SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE m.organization_id = ? AND u.email = ?}, $org, $email), 0, '... no membership yet';
	is $s->sql_one(q{SELECT role FROM invitations WHERE organization_id = ? AND email = ?
	    AND accepted_at IS NULL AND revoked_at IS NULL}, $org, $email), 'member', '... an invitation as member';
	my $inv = eval { invitation_mail($s, $email) };
	ok $inv, '... emailed through the invitations flow';
	if ($email =~ /^newbie/ && $inv) {
		my $nua = join_by_signup($s, $inv, 'Newbie');
		is $s->sql_one(q{SELECT m.status FROM memberships m JOIN users u ON u.id = m.user_id
		    WHERE m.organization_id = ? AND u.email = ?}, $org, $email), 'active', '... and the link makes a member';
	}
}

# ---- reject ----------------------------------------------------------------------------------
my $dan = person($s, 'dan@example.com', 'Dan', confirm => 1);
$dan->get('/join/acme');
$dan->post_form('/orgs/acme/join-requests', {});
my $jd = jr_row($s, q{email = 'dan@example.com'});
$owner->get('/orgs/acme/join-requests');
$res = $owner->post_form("/orgs/acme/join-requests/$jd->{id}/reject");
is $res->{status}, 303, 'reject: 303';
is $owner->flash(go($owner, $res)), 'join-rejected', '... flash join-rejected';
is jr_row($s, "id = $jd->{id}")->{status}, 'rejected', '... rejected';
is $s->sql_one('SELECT count(*) FROM memberships WHERE organization_id = ? AND user_id = ?', $org,
    user_id($s, 'dan@example.com')), 0, '... no membership';
is audit_count($s, 'join_request.rejected', $jd->{id}), 1, '... audited';
is $owner->post_form("/orgs/acme/join-requests/$jd->{id}/reject")->{status}, 409, 'rejecting again: 409';
$dan->get('/join/acme');
is $dan->post_form('/orgs/acme/join-requests', {})->{status}, 303, 'after a rejection the user may ask again';

# ---- races ---------------------------------------------------------------------------------------
# Requests of confirmed accounts made in SQL, so each round is quick.
my $olga2 = clone_ua($s, $owner);
my $ada2 = clone_ua($s, $ada);
my ($bad_rounds, $rounds) = (0, 0);
my $deadline = time + 60;
for my $i (1 .. 12) {
	last if time > $deadline;
	$rounds++;
	my $email = "racer$i\@example.com";
	my $uid = $s->sql_one(q{INSERT INTO users (email, display_name, password_hash, email_confirmed_at)
	    VALUES (?, 'Racer', 'x', now()) RETURNING id}, $email);
	my $jid = $s->sql_one(q{INSERT INTO join_requests (organization_id, email, user_id, status, submitted_at)
	    VALUES (?, ?, ?, 'submitted', now()) RETURNING id}, $org, $email, $uid);
	my $second = $i % 2 ? 'reject' : 'approve';
	$owner->get('/orgs/acme/join-requests');
	$ada->get('/orgs/acme/join-requests');
	my @r = race($s,
	    sub { my $u = $owner; sub { ($u, $u->post_form("/orgs/acme/join-requests/$jid/approve")) } },
	    sub { my $u = $ada; sub { ($u, $u->post_form("/orgs/acme/join-requests/$jid/$second")) } });
	my @st = sort map { $_->{status} } @r;
	my $state = $s->sql_one('SELECT status FROM join_requests WHERE id = ?', $jid);
	my $members = $s->sql_one('SELECT count(*) FROM memberships WHERE organization_id = ? AND user_id = ?', $org, $uid);
	my $ok = "@st" eq '303 409'
	    && ($state eq 'approved' ? $members == 1 : $state eq 'rejected' && $members == 0);
	$bad_rounds++ unless $ok;
	diag "round $i (approve vs $second): @st, $state, $members memberships" unless $ok;
}
cmp_ok $rounds, '>=', 6, "raced $rounds rounds";
is $bad_rounds, 0, 'approve racing reject or approve: one 303 and one 409, one terminal state, membership only when approved';

my $m1 = metrics($s);
my $d = sub { ($m1->{"roster_$_[0]_total"} // 0) - ($m0->{"roster_$_[0]_total"} // 0) };
is $d->('join_requests_approved'), $s->sql_one(q{SELECT count(*) FROM join_requests WHERE status = 'approved'}),
    '/metrics counts approvals';
is $d->('join_requests_rejected'), $s->sql_one(q{SELECT count(*) FROM join_requests WHERE status = 'rejected'}),
    '/metrics counts rejections';

done_testing;
