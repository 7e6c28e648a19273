#!/usr/bin/env perl
# Platform invitations (SPEC §3 Platform, §4 Accounts and platform 6):
# a platform admin invites an address from /admin; the emailed link
# /signup?invite=T locks the address on the sign-up form, and signing up
# through it makes a confirmed account with invited_by, stamps the
# invitation accepted and audits platform_invitation.accepted with the
# inviter and the new user, all at once. A tampered, revoked, replaced,
# expired or used link is no invitation: in invite_only mode sign-up is
# closed (403 signup-closed), in open mode the plain form shows. /admin
# lists every invitation with its state, inviter and resulting account,
# and the accepted ones counted per inviter; nobody but a platform admin
# reaches it, and nothing there grants the platform role.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(env => { ROSTER_INVITE_LIMIT_USER => 12 });
my $PW = PASSWORD;

sub pinv_count { $s->sql_one('SELECT count(*) FROM platform_invitations') }

# Invite's snapshot plus every platform invitation's state: equal means
# nothing was written.
sub snap {
	my $pi = $s->sql_one(q{SELECT md5(coalesce(string_agg(concat_ws(',', id, email,
	    invited_by, expires_at, accepted_at, accepted_by, revoked_at), ';' ORDER BY id), ''))
	    FROM platform_invitations});
	return snapshot($s) . " platform=$pi";
}

# The platform-invitation rows of a page, as hashes of their data-*.
sub pinv_rows {
	my ($res) = @_;
	my @rows;
	while (($res->{content} // '') =~ /<tr\b([^>]*\bdata-platform-invitation-id\s*=[^>]*)>/g) {
		my $tag = $1;
		my %a;
		$a{$1} = Roster::Test::UA::_html_unescape($2) while $tag =~ /\b(data-[a-z-]+)="([^"]*)"/g;
		push @rows, \%a;
	}
	return @rows;
}

sub pinv_row {
	my ($res, $id) = @_;
	my ($r) = grep { $_->{'data-platform-invitation-id'} eq $id } pinv_rows($res);
	return $r;
}

# Sends a platform invitation as ua from /admin; returns the response.
sub admin_invite {
	my ($ua, $email) = @_;
	$ua->get('/admin');
	return $ua->post_form('/admin/invitations', { email => $email });
}

# Invites and reads the mail: { id, token, link, path, email }.
sub admin_invite_ok {
	my ($ua, $email) = @_;
	my $res = admin_invite($ua, $email);
	die "inviting $email: $res->{status} (" . join(',', $ua->errors($res)) . ")\n"
	    unless $res->{status} == 303;
	my $m = $s->wait_for_mail(to => $email, subject => qr/invitation to Roster/, timeout => 15)
	    or die "no platform invitation mail for $email\n";
	my $tok = query_param($m->{link}, 'invite') // die "no invite in $m->{link}\n";
	my ($raw) = envelope_parts($tok);
	my $id = $s->sql_one('SELECT id FROM platform_invitations WHERE hashed_token = ?',
	    '\\x' . sha256_hex($raw // ''));
	return { id => $id, token => $tok, link => $m->{link}, path => "/signup?invite=$tok",
		 email => lc $email, mail => $m };
}

# POST /signup through a link (with a CSRF token from its form).
sub signup_invited {
	my ($ua, $inv, %f) = @_;
	$ua->get('/login');
	return $ua->post_form('/signup', { invite => $inv->{token}, email => $inv->{email},
	    display_name => 'Invited Person', password => $PW, %f });
}

# ---- people ------------------------------------------------------------------------
my $root = person($s, 'root@example.com', 'Root', confirm => 1);
my $r = $s->rosterctl('bootstrap-admin', 'root@example.com');
is $r->{status}, 0, 'root is made a platform admin';
my $root_id = user_id($s, 'root@example.com');

my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');
my $inv = invite_ok($s, $owner, 'acme', 'adam@example.com', 'admin');
my $orgadmin = join_by_signup($s, $inv, 'Adam');
$inv = invite_ok($s, $owner, 'acme', 'mia@example.com', 'member');
my $member = join_by_signup($s, $inv, 'Mia');

# ---- nobody else reaches /admin ------------------------------------------------------
for my $who ([ owner => $owner ], [ 'organization admin' => $orgadmin ], [ member => $member ]) {
	my ($name, $ua) = @$who;
	my $res = $ua->get('/admin');
	is $res->{status}, 403, "$name: GET /admin is 403";
	is $ua->page($res), 'forbidden', "$name: page forbidden";
	unlike $res->{content}, qr/data-platform-invitation-id|action="\/admin/, "$name: nothing of the page shows";
	my $before = snap();
	$ua->get('/');
	$res = $ua->post_form('/admin/invitations', { email => 'sneak@example.com' });
	is $res->{status}, 403, "$name: POST /admin/invitations is 403";
	$ua->get('/');
	$res = $ua->post_form('/admin/invitations/1/revoke', {});
	is $res->{status}, 403, "$name: POST .../revoke is 403";
	is snap(), $before, "$name: nothing written";
}
is $s->sql_one(q{SELECT count(*) FROM users WHERE is_platform_admin}), 1,
    'root is the only platform admin: no invitation, owner-add or join granted it';
{
	my $ua = $s->ua;
	my $res = $ua->get('/admin');
	is $res->{status}, 303, 'anonymous GET /admin: 303';
	like $ua->location($res), qr{^/login\?next=%2Fadmin$}, '  to sign in, coming back';
	$ua->get('/login');
	$res = $ua->post_form('/admin/invitations', { email => 'anon@example.com' });
	is $res->{status}, 303, 'anonymous POST /admin/invitations: 303 to sign in';
	is pinv_count(), 0, '  nothing written';
}

# ---- the page ----------------------------------------------------------------------
my $res = $root->get('/admin');
is $res->{status}, 200, 'the platform admin gets /admin';
is $root->page($res), 'admin', 'page admin';
like $res->{content}, qr/data-signup-mode="open"/, 'it shows the signup mode';
my $users = $s->sql_one('SELECT count(*) FROM users');
like $res->{content}, qr/data-users="$users"/, 'and the number of accounts';
unlike $res->{content}, qr/data-cap=/, 'no cap in open mode';

# ---- invite --------------------------------------------------------------------------
my $created0 = metric_value($s, 'roster_platform_invitations_created_total');
$res = admin_invite($root, 'New.Person@Example.COM');
is $res->{status}, 303, 'POST /admin/invitations: 303';
is $root->location($res), '/admin', '  to /admin';
$res = go($root);
is $root->flash($res), 'platform-invitation-sent', '  flash platform-invitation-sent';
my $np = admin_invite_ok_mail('new.person@example.com');
sub admin_invite_ok_mail {
	my ($email) = @_;
	my $m = $s->wait_for_mail(to => $email, subject => qr/invitation to Roster/, timeout => 15)
	    or return undef;
	my $tok = query_param($m->{link}, 'invite');
	my ($raw) = envelope_parts($tok);
	my $id = $s->sql_one('SELECT id FROM platform_invitations WHERE hashed_token = ?',
	    '\\x' . sha256_hex($raw // ''));
	return { id => $id, token => $tok, link => $m->{link}, path => "/signup?invite=$tok",
		 email => $email, mail => $m };
}
ok $np, 'the invitation email came';
like $np->{link}, qr{^\Q${\ $s->base_url}\E/signup\?invite=[A-Za-z0-9_-]+$}, 'its link is {base}/signup?invite=T';
ok $np->{id}, 'the row is found by SHA-256 of the raw token';
my (undef, $bound) = envelope_parts($np->{token});
is $bound, 'new.person@example.com', 'the envelope binds the canonical address';
my ($row) = $s->psql(q{SELECT email, invited_by, length(hashed_token),
    expires_at > now() + interval '6 days', accepted_at IS NULL AND revoked_at IS NULL
    FROM platform_invitations WHERE id = ?}, $np->{id});
is_deeply $row, [ 'new.person@example.com', $root_id, 32, 't', 't' ], 'the row: address, inviter, hash, expiry, open';
is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'platform_invitation.created'
    AND subject_id = ? AND actor_user_id = ?}, $np->{id}, $root_id), 1, 'audited, by the admin';
is metric_value($s, 'roster_platform_invitations_created_total'), $created0 + 1, 'counted';
$res = $root->get('/admin');
my $pr = pinv_row($res, $np->{id});
is $pr->{'data-email'}, 'new.person@example.com', '/admin lists it';
is $pr->{'data-status'}, 'pending', '  pending';
is $pr->{'data-inviter-id'}, $root_id, '  with its inviter';
ok grep({ $_ eq "/admin/invitations/$np->{id}/revoke" } form_actions($res)), '  and a revoke button';

# Bad input.
for my $case ([ 'not an address', 422, 'invalid-email' ], [ 'olga@example.com', 409, 'email-taken' ]) {
	my ($email, $st, $code) = @$case;
	my $before = snap();
	$res = admin_invite($root, $email);
	is $res->{status}, $st, "inviting '$email': $st";
	is $root->page($res), 'admin', '  on page admin';
	is_deeply [ $root->errors($res) ], [$code], "  data-error $code";
	is snap(), $before, '  nothing written';
}

# ---- the link -----------------------------------------------------------------------
my $visitor = $s->ua;
$res = $visitor->get($np->{path});
is $res->{status}, 200, 'GET /signup?invite=T: 200';
is $visitor->page($res), 'signup', '  page signup';
like $res->{content}, qr/<input[^>]*name="email"[^>]*value="new.person\@example.com"[^>]*readonly/,
    '  the address is locked';
like $res->{content}, qr/<input type="hidden" name="invite" value="\Q$np->{token}\E">/, '  the token rides along';

my $before = snap();
$res = $visitor->post_form('/signup', { invite => $np->{token}, email => 'other@example.com',
    display_name => 'Sneaky', password => $PW });
is $res->{status}, 422, 'another address: 422';
is_deeply [ $visitor->errors($res) ], ['email-mismatch'], '  email-mismatch';
like $res->{content}, qr/value="new.person\@example.com"[^>]*readonly/, '  the form keeps the locked address';
is snap(), $before, '  nothing written';

my $accepted0 = metric_value($s, 'roster_platform_invitations_accepted_total');
$res = $visitor->post_form('/signup', { invite => $np->{token}, email => 'new.person@example.com',
    display_name => 'New Person', password => $PW });
is $res->{status}, 303, 'signing up through the link: 303';
is $visitor->location($res), '/', '  to the dashboard';
is $visitor->flash(go($visitor)), 'signed-up', '  signed in, flash signed-up';
my $new_id = user_id($s, 'new.person@example.com');
ok $new_id, 'the account exists';
ok user_confirmed($s, 'new.person@example.com'), 'its address is confirmed: the link proved it';
is $s->sql_one('SELECT invited_by FROM users WHERE id = ?', $new_id), $root_id, 'invited_by is the inviter';
is_deeply [ $s->psql(q{SELECT accepted_at IS NOT NULL, accepted_by FROM platform_invitations WHERE id = ?},
    $np->{id}) ]->[0], [ 't', $new_id ], 'the invitation is stamped accepted by the new account';
is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'platform_invitation.accepted'
    AND subject_id = ? AND actor_user_id = ? AND (data->>'inviter_id')::bigint = ?
    AND (data->>'user_id')::bigint = ?}, $np->{id}, $new_id, $root_id, $new_id), 1,
    'audited with the inviter and the new user';
is metric_value($s, 'roster_platform_invitations_accepted_total'), $accepted0 + 1, 'counted';
is $s->sql_one(q{SELECT count(*) FROM outbox WHERE recipient = 'new.person@example.com'
    AND kind = 'confirm_email'}), 0, 'no confirmation email';
is $s->sql_one(q{SELECT is_platform_admin FROM users WHERE id = ?}, $new_id), 'f',
    'the invitation grants no platform role';

# Used: the link is no invitation any more (open mode: the plain form).
$res = $s->ua->get($np->{path});
is $res->{status}, 200, 'the used link in open mode: 200';
unlike $res->{content}, qr/readonly|name="invite"/, '  the plain sign-up form';

# /admin: who invited whom, and the referral count.
$res = $root->get('/admin');
$pr = pinv_row($res, $np->{id});
is $pr->{'data-status'}, 'accepted', '/admin: the row is accepted';
is $pr->{'data-accepted-by'}, $new_id, '  naming the account it became';
like $res->{content}, qr/<tr data-referrer-id="$root_id" data-email="root\@example.com" data-accepted="1">/,
    '  and root has one accepted invitation';
ok !grep({ $_ eq "/admin/invitations/$np->{id}/revoke" } form_actions($res)), '  no revoke button on it';

# ---- revoke, replace, expire, tamper ---------------------------------------------------
my $rv = admin_invite_ok($root, 'rev@example.com');
my $revoked0 = metric_value($s, 'roster_platform_invitations_revoked_total');
$root->get('/admin');
$res = $root->post_form("/admin/invitations/$rv->{id}/revoke", {});
is $res->{status}, 303, 'revoke: 303';
is $root->flash(go($root)), 'platform-invitation-revoked', '  flash platform-invitation-revoked';
is $s->sql_one('SELECT revoked_at IS NOT NULL FROM platform_invitations WHERE id = ?', $rv->{id}), 't',
    '  the row is revoked';
is audit_count($s, 'platform_invitation.revoked', $rv->{id}), 1, '  audited';
is metric_value($s, 'roster_platform_invitations_revoked_total'), $revoked0 + 1, '  counted';
for my $case ([ $rv->{id}, 409, 'not-pending', 'again' ], [ $np->{id}, 409, 'not-pending', 'an accepted one' ],
    [ 999999, 404, 'not-found', 'an unknown id' ]) {
	my ($id, $st, $code, $what) = @$case;
	$root->get('/admin');
	my $b = snap();
	$res = $root->post_form("/admin/invitations/$id/revoke", {});
	is $res->{status}, $st, "revoking $what: $st";
	is_deeply [ $root->errors($res) ], [$code], "  $code";
	is snap(), $b, '  nothing written';
}
$res = $s->ua->get($rv->{path});
unlike $res->{content}, qr/readonly/, 'a revoked link: the plain form (open mode)';

my $old = admin_invite_ok($root, 'twice@example.com');
my $new = admin_invite_ok($root, 'twice@example.com');
is $s->sql_one('SELECT revoked_at IS NOT NULL FROM platform_invitations WHERE id = ?', $old->{id}), 't',
    'inviting again revokes the open row';
is $s->sql_one(q{SELECT count(*) FROM platform_invitations WHERE email = 'twice@example.com'
    AND accepted_at IS NULL AND revoked_at IS NULL}), 1, 'one open row per address';

my $ex = admin_invite_ok($root, 'late@example.com');
$s->psql(q{UPDATE platform_invitations SET created_at = now() - interval '8 days',
    expires_at = now() - interval '1 minute' WHERE id = ?}, $ex->{id});
is pinv_row($root->get('/admin'), $ex->{id})->{'data-status'}, 'expired', '/admin shows it expired';

my $tp = admin_invite_ok($root, 'tamper@example.com');
my $b = b64url_decode($tp->{token});
substr($b, 12, 1) = chr(ord(substr($b, 12, 1)) ^ 1);
my $tampered = b64url_encode($b);

# ---- invite_only mode -----------------------------------------------------------------
$s->set_env(ROSTER_SIGNUP_MODE => 'invite_only');
is $s->stop_fcgi, 0, 'roster-fcgi stops';
ok $s->start_fcgi, 'roster-fcgi starts in invite_only mode';
like $root->get('/admin')->{content}, qr/data-signup-mode="invite_only"/, '/admin shows the mode';
for my $case ([ 'no invitation', undef ], [ 'a tampered link', $tampered ], [ 'a revoked link', $rv->{token} ],
    [ 'a replaced link', $old->{token} ], [ 'an expired link', $ex->{token} ], [ 'a used link', $np->{token} ]) {
	my ($what, $tok) = @$case;
	my $ua = $s->ua;
	$res = $ua->get(defined $tok ? "/signup?invite=$tok" : '/signup');
	is $res->{status}, 403, "invite_only, GET with $what: 403";
	is $ua->page($res), 'signup', '  page signup';
	is_deeply [ $ua->errors($res) ], ['signup-closed'], '  signup-closed';
	my $addr = defined $tok ? ((envelope_parts($tok))[1] // 'x@example.com') : 'x@example.com';
	my $bb = snap();
	$ua->get('/login');
	$res = $ua->post_form('/signup', { (defined $tok ? (invite => $tok) : ()), email => $addr,
	    display_name => 'X', password => $PW });
	is $res->{status}, 403, "invite_only, POST with $what: 403";
	is_deeply [ $ua->errors($res) ], ['signup-closed'], '  signup-closed';
	is snap(), $bb, '  nothing written';
}
$res = $s->ua->get($new->{path});
is $res->{status}, 200, 'invite_only: a pending link opens the form';
like $res->{content}, qr/readonly/, '  with the address locked';
$visitor = $s->ua;
$res = signup_invited($visitor, $new);
is $res->{status}, 303, 'invite_only: signing up through the link works';
my $twice_id = user_id($s, 'twice@example.com');
is $s->sql_one('SELECT invited_by FROM users WHERE id = ?', $twice_id), $root_id, '  invited_by recorded';
like $root->get('/admin')->{content}, qr/data-referrer-id="$root_id"[^>]*data-accepted="2"/,
    '  root now has two accepted invitations';

# ---- capped mode: the cap holds for invited sign-ups too -----------------------------------
my $cp = admin_invite_ok($root, 'capped@example.com');
$users = $s->sql_one('SELECT count(*) FROM users');
$s->set_env(ROSTER_SIGNUP_MODE => 'capped', ROSTER_SIGNUP_CAP => $users);
is $s->stop_fcgi, 0, 'roster-fcgi stops';
ok $s->start_fcgi, "roster-fcgi starts capped at $users";
like $root->get('/admin')->{content}, qr/data-users="$users" data-cap="$users"/, '/admin shows count and cap';
$before = snap();
$res = signup_invited($s->ua, $cp);
is $res->{status}, 403, 'a full cap refuses an invited sign-up: 403';
is_deeply [ $s->ua->errors($res) ], ['signup-closed'], '  signup-closed';
is snap(), $before, '  nothing written; the invitation stays pending';
$s->set_env(ROSTER_SIGNUP_CAP => $users + 1);
$s->stop_fcgi;
$s->start_fcgi;
$res = signup_invited($s->ua, $cp);
is $res->{status}, 303, 'with room under the cap the same link works';

# ---- rate limit per admin -------------------------------------------------------------
my $sent = $s->sql_one(q{SELECT count(*) FROM platform_invitations WHERE invited_by = ?
    AND created_at > now() - interval '1 hour'}, $root_id);
admin_invite_ok($root, "limit$_\@example.com") for $sent + 1 .. 12;
$before = snap();
$res = admin_invite($root, 'one-too-many@example.com');
is $res->{status}, 429, 'past ROSTER_INVITE_LIMIT_USER an hour: 429';
is_deeply [ $root->errors($res) ], ['rate-limited-user'], '  rate-limited-user';
is snap(), $before, '  nothing written';

done_testing;
