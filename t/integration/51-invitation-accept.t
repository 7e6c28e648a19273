#!/usr/bin/env perl
# Organization invitations from the invitee's side (SPEC §3 Invitees, §4
# Invitations 1, 7-10, Accounts 1): the link's landing page in each of its
# branches (sign-up, accept, mismatch, invalid, expired, revoked, declined,
# already accepted) with its status and no-leak headers, and never a write
# on GET; accepting signed in (which confirms the address), accepting with
# sign-up (one transaction: user, membership, stamp, session), the refusals
# of both (email mismatch, a taken address, a bad name or password, another
# signed-in address) with no write; every ended state answered the same on
# POST as on GET; declining; the invitee's lists and acting from them.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;

my $owner = person($s, 'olga@example.com', 'Olga Owner');
new_org($owner, 'Acme', 'acme');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
my $olga = user_id($s, 'olga@example.com');
my $m0 = metrics($s);

my %STATUS = (
	'invitation-signup' => 200, 'invitation-accept' => 200, 'invitation-mismatch' => 200,
	'invitation-invalid' => 404, 'invitation-expired' => 410, 'invitation-revoked' => 410,
	'invitation-declined' => 410, 'invitation-already-accepted' => 410,
);

# <main> of a page, without the request id (it differs per request).
sub main_of {
	my ($res) = @_;
	my ($m) = ($res->{content} // '') =~ m{<main>(.*)</main>}s;
	$m //= '';
	$m =~ s/(data-request-id=")[^"]*">[^<]*</$1"></g;
	return $m;
}

# GET of a link: the page, its status, the headers of §4.10, and no write.
sub view_is {
	my ($ua, $path, $page, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $res;
	subtest "GET $what: $page" => sub {
		my $before = snapshot($s);
		$res = $ua->get($path);
		is $ua->page($res), $page, "page $page";
		is $res->{status}, $STATUS{$page}, "status $STATUS{$page}";
		is $res->{headers}{'referrer-policy'}, 'no-referrer', 'Referrer-Policy: no-referrer';
		is $res->{headers}{'cache-control'}, 'no-store', 'Cache-Control: no-store';
		is snapshot($s), $before, 'the GET wrote nothing';
	};
	return $res;
}

# A POST that must answer a page with a status and write nothing.
sub post_refused {
	my ($ua, $path, $fields, $page, $status, $what, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $res;
	subtest $what => sub {
		my $before = snapshot($s);
		$res = $ua->post_form($path, $fields);
		is $ua->page($res), $page, "page $page";
		is $res->{status}, $status, "status $status";
		is_deeply [ $ua->errors($res) ], [ $o{error} ], "data-error $o{error}" if $o{error};
		is snapshot($s), $before, 'nothing written';
	};
	return $res;
}

# An anonymous visitor with a CSRF token (of the pre-session).
sub anon { my $u = $s->ua; $u->get('/login'); return $u }

sub membership {
	my ($email, $org) = @_;
	my ($r) = $s->psql(q{SELECT m.role, m.status, m.source, m.added_by FROM memberships m
	    JOIN users u ON u.id = m.user_id WHERE m.organization_id = ? AND u.email = ?},
	    $org // $acme, $email);
	return $r ? { role => $r->[0], status => $r->[1], source => $r->[2], added_by => $r->[3] } : undef;
}

sub n_memberships {
	my ($email) = @_;
	return $s->sql_one(q{SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE u.email = ?}, $email);
}

# ---- invitation-signup (anonymous) ------------------------------------------------
my $bob = invite_ok($s, $owner, 'acme', 'bob@example.com', 'admin');
my $anon = $s->ua;
my $res = view_is($anon, $bob->{path}, 'invitation-signup', 'anonymous, pending');
my @forms = form_actions($res);
ok grep({ $_ eq '/invitations/accept/signup' } @forms), 'signup page: a form posting to /invitations/accept/signup';
ok grep({ $_ eq '/invitations/decline' } @forms), 'signup page: a decline form';
like main_of($res), qr/bob\@example\.com/, 'signup page: names the invited address';
like main_of($res), qr/Acme/, 'signup page: names the organization';
like main_of($res), qr/data-role="admin"/, 'signup page: names the role';
my ($signin) = $res->{content} =~ m{<a href="([^"]*)"[^>]*data-action="sign-in"};
is query_param(Roster::Test::UA::_html_unescape($signin // ''), 'next'), $bob->{path},
    'signup page: the sign-in link returns to the invitation';

# ---- invitation-accept (signed in, same address, unconfirmed) -----------------------
my $bob_ua = person($s, 'bob@example.com', 'Bob');
ok !user_confirmed($s, 'bob@example.com'), 'bob is not confirmed yet';
$res = view_is($bob_ua, $bob->{path}, 'invitation-accept', 'signed in as the invited address');
ok grep({ $_ eq '/invitations/accept' } form_actions($res)), 'accept page: a form posting to /invitations/accept';
like $res->{content}, qr/name="token" value="\Q$bob->{token}\E"/, 'accept page: the form carries the token';
ok !user_confirmed($s, 'bob@example.com'), 'viewing the accept page does not confirm the address';

# ---- invitation-mismatch (signed in, another address) -------------------------------
$res = view_is($owner, $bob->{path}, 'invitation-mismatch', 'signed in as another address');
my $main = main_of($res);
like $main, qr/olga\@example\.com/, 'mismatch page: names the signed-in address';
is_deeply [ $owner->errors($res) ], ['invitation-mismatch'], 'mismatch page: data-error invitation-mismatch';
ok grep({ $_ eq '/logout' } form_actions({ content => $main })), 'mismatch page: offers to sign out';
ok !grep({ m{^/invitations/} } form_actions($res)), 'mismatch page: no accept, sign-up or decline form';
# The visitor holds this link; the sign-out form brings them back to it.
(my $rest = $main) =~ s{<input type="hidden" name="next" value="/invitations/accept\?token=\Q$bob->{token}\E">}{};
unlike $rest, qr/\Q$bob->{token}\E/,
    "mismatch page: the token only in the sign-out form's way back to the link";

# ---- invitation-invalid -------------------------------------------------------------------
my $tok = $bob->{token};
my ($raw, $bound, $exp, $ver, $mac) = envelope_parts($tok);
sub flip { my ($t, $i) = @_; my $c = substr($t, $i, 1); substr($t, $i, 1) = $c eq 'A' ? 'B' : 'A'; return $t }
sub envelope {
	my ($v, $e, $email, $r, $m) = @_;
	return b64url_encode(pack('C N N C', $v, int($e / 4294967296), $e % 4294967296, length $email)
	    . $email . $r . $m);
}
my @invalid = (
	[ 'garbage', 'not-a-token' ],
	[ 'empty', '' ],
	[ 'one flipped character (header)', flip($tok, 3) ],
	[ 'one flipped character (email)', flip($tok, 16) ],
	[ 'one flipped character (raw token)', flip($tok, int(length($tok) / 2)) ],
	[ 'one flipped character (MAC)', flip($tok, length($tok) - 6) ],
	[ 'truncated by one', substr($tok, 0, -1) ],
	[ 'truncated by half', substr($tok, 0, int(length($tok) / 2)) ],
	[ 'extended', $tok . 'A' ],
	[ 'extended by a block', $tok . 'AAAA' ],
	[ 'well-formed, bound to another address (MAC not for it)',
	  envelope(1, $exp, 'mallory@example.com', $raw, $mac) ],
	[ 'well-formed, unknown raw token', envelope(1, $exp, $bound, "\0" x 32, $mac) ],
	[ 'version 2', envelope(2, $exp, $bound, $raw, $mac) ],
	[ 'a later expiry', envelope(1, $exp + 86400 * 365, $bound, $raw, $mac) ],
	[ 'the raw token alone', b64url_encode($raw) ],
	[ 'hex of the raw token', unpack('H*', $raw) ],
	[ 'huge', 'A' x 5000 ],
);
my %mains;
for my $c (@invalid) {
	my ($what, $t) = @$c;
	my $u = $what eq 'garbage' ? $bob_ua : $anon;
	$res = view_is($u, '/invitations/accept?token=' . Roster::Test::UA::_uri_escape($t),
	    'invitation-invalid', "token $what");
	my $m = main_of($res);
	$mains{$m}++;
	unlike $m, qr/Acme|bob\@example/, "token $what: the page tells nothing about the invitation";
}
view_is($anon, '/invitations/accept', 'invitation-invalid', 'no token at all');
is scalar(keys %mains), 1, 'every invalid token gets the very same page';
ok !length inv_row($s, $bob->{id})->{accepted_at}, 'no invalid-token GET touched the invitation';

# A correctly signed link whose bound address is not the row's: invalid.
my $kim = invite_ok($s, $owner, 'acme', 'kim@example.com', 'member');
view_is($anon, $kim->{path}, 'invitation-signup', 'a signed link for kim');
$s->psql(q{UPDATE invitations SET email = 'kim2@example.com' WHERE id = ?}, $kim->{id});
$res = view_is($anon, $kim->{path}, 'invitation-invalid', 'a signed link whose row has another address');
$mains{ main_of($res) }++;
is scalar(keys %mains), 1, '... the same invalid page';
$s->psql(q{UPDATE invitations SET email = 'kim@example.com' WHERE id = ?}, $kim->{id});
view_is($anon, $kim->{path}, 'invitation-signup', 'the same link once the row is restored');

# ---- accept: signed in, matching, unconfirmed ----------------------------------------
$bob_ua->get($bob->{path});
my $c0 = counts($s);
$res = $bob_ua->post_form('/invitations/accept', { token => $bob->{token} });
is $res->{status}, 303, 'accept: 303';
is $bob_ua->location($res), '/orgs/acme', 'accept: to the organization';
my $org = go($bob_ua, $res);
is $bob_ua->flash($org), 'invitation-accepted', 'accept: flash invitation-accepted';
is $bob_ua->page($org), 'org-members', 'accept: the roster, now as a member';
is $org->{status}, 200, 'accept: the new member may see the roster';
my $c1 = counts($s);
is $c1->{memberships} - $c0->{memberships}, 1, 'accept: exactly one membership more';
is $c1->{users} - $c0->{users}, 0, 'accept: no user created';
is $c1->{invitations} - $c0->{invitations}, 0, 'accept: no invitation created';
is_deeply membership('bob@example.com'), { role => 'admin', status => 'active', source => 'invitation',
    added_by => $olga }, 'accept: membership with the invited role, active, source invitation';
my $row = inv_row($s, $bob->{id});
ok length $row->{accepted_at}, 'accept: accepted_at set';
is $row->{accepted_by}, user_id($s, 'bob@example.com'), 'accept: accepted_by is the user';
is $row->{revoked_at} . $row->{declined_at}, '', 'accept: not revoked or declined';
ok user_confirmed($s, 'bob@example.com'), "accept: the user's address is confirmed (the link proved it)";
is audit_count($s, 'invitation.accepted', $bob->{id}), 1, 'accept: audited invitation.accepted';
is $s->sql_one(q{SELECT count(*) FROM audit_events a JOIN memberships m ON m.id = a.subject_id
    JOIN users u ON u.id = m.user_id WHERE a.action = 'membership.created'
    AND a.subject_type = 'membership' AND u.email = 'bob@example.com' AND a.organization_id = ?},
    $acme), 1, 'accept: audited membership.created';
is $c1->{audit_events} - $c0->{audit_events}, 2, 'accept: two audit events';
my $dash = $bob_ua->get('/');
like $dash->{content}, qr/data-org-slug="acme"/, "accept: the organization is on bob's dashboard";

# ---- invitation-already-accepted ---------------------------------------------------------
view_is($anon, $bob->{path}, 'invitation-already-accepted', 'an accepted link, anonymous');
view_is($bob_ua, $bob->{path}, 'invitation-already-accepted', 'an accepted link, by its user');
view_is($owner, $bob->{path}, 'invitation-already-accepted', 'an accepted link, by another user');

# ---- accept with sign-up (anonymous) ----------------------------------------------------
my $carol = invite_ok($s, $owner, 'acme', 'carol@example.com', 'member');
my $cu = $s->ua;
$cu->get($carol->{path});
post_refused($cu, '/invitations/accept/signup', { token => $carol->{token}, email => 'mallory@example.com',
    display_name => 'Carol', password => PASSWORD }, 'invitation-signup', 422,
    'accept/signup with another email: 422 email-mismatch, no write', error => 'email-mismatch');
ok !user_id($s, 'mallory@example.com'), '... no account for the posted address';
ok !user_id($s, 'carol@example.com'), '... none for the invited address either';
post_refused($cu, '/invitations/accept/signup', { token => $carol->{token}, email => 'carol@example.com.evil',
    display_name => 'Carol', password => PASSWORD }, 'invitation-signup', 422,
    'accept/signup with a longer email: 422 email-mismatch', error => 'email-mismatch');
post_refused($cu, '/invitations/accept/signup', { token => $carol->{token},
    display_name => 'Carol', password => 'short' }, 'invitation-signup', 422,
    'accept/signup with a short password: 422 invalid-password, no write', error => 'invalid-password');
post_refused($cu, '/invitations/accept/signup', { token => $carol->{token},
    display_name => '', password => PASSWORD }, 'invitation-signup', 422,
    'accept/signup without a name: 422 invalid-name, no write', error => 'invalid-name');
like $cu->last->{content}, qr/name="token" value="\Q$carol->{token}\E"/, '... the form keeps the token';

$c0 = counts($s);
$res = $cu->post_form('/invitations/accept/signup', { token => $carol->{token},
    email => ' Carol@Example.COM ', display_name => 'Carol Invitee', password => PASSWORD });
is $res->{status}, 303, 'accept/signup (the posted email differs only in case and spaces): 303';
is $cu->location($res), '/orgs/acme', 'accept/signup: to the organization';
is $cu->flash(go($cu, $res)), 'invitation-accepted', 'accept/signup: flash invitation-accepted';
$c1 = counts($s);
is $c1->{users} - $c0->{users}, 1, 'accept/signup: one user';
is $c1->{memberships} - $c0->{memberships}, 1, 'accept/signup: one membership';
is $c1->{invitations} - $c0->{invitations}, 0, 'accept/signup: no invitation created';
is $c1->{sessions} - $c0->{sessions}, 1, 'accept/signup: one session';
is $s->sql_one(q{SELECT display_name FROM users WHERE email = 'carol@example.com'}), 'Carol Invitee',
    'accept/signup: the user has the invitation address and the name';
ok user_confirmed($s, 'carol@example.com'), 'accept/signup: the address is confirmed';
is_deeply membership('carol@example.com'), { role => 'member', status => 'active', source => 'invitation',
    added_by => $olga }, 'accept/signup: the membership';
$row = inv_row($s, $carol->{id});
ok length $row->{accepted_at}, 'accept/signup: accepted_at set';
is $row->{accepted_by}, user_id($s, 'carol@example.com'), 'accept/signup: accepted_by the new user';
is audit_count($s, 'invitation.accepted', $carol->{id}), 1, 'accept/signup: audited invitation.accepted';
$dash = $cu->get('/');
is $cu->page($dash), 'dashboard', 'accept/signup: signed in (GET / is the dashboard)';
like $dash->{content}, qr/data-org-slug="acme"/, 'accept/signup: the organization is on the dashboard';
is $s->sql_one(q{SELECT count(*) FROM outbox WHERE recipient = 'carol@example.com'
    AND kind <> 'invitation'}), 0, 'accept/signup: no confirmation mail (the link proved the address)';
post_refused(anon(), '/invitations/accept/signup', { token => $carol->{token},
    display_name => 'Carol Again', password => PASSWORD }, 'invitation-already-accepted', 410,
    'accept/signup again with the used link: 410, no write');

# An address that has an account: 409 email-taken, with a way back.
my $dan_ua = person($s, 'dan@example.com', 'Dan');
my $dan = invite_ok($s, $owner, 'acme', 'dan@example.com', 'member');
my $du = $s->ua;
view_is($du, $dan->{path}, 'invitation-signup', 'anonymous, for an address with an account');
$res = post_refused($du, '/invitations/accept/signup', { token => $dan->{token},
    display_name => 'Dan Two', password => PASSWORD }, 'invitation-signup', 409,
    'accept/signup for an address with an account: 409 email-taken, no write', error => 'email-taken');
($signin) = $res->{content} =~ m{<a href="([^"]*)"[^>]*data-action="sign-in"};
$signin = Roster::Test::UA::_html_unescape($signin // '');
like $signin, qr{^/login\?}, 'email-taken: a sign-in link';
is query_param($signin, 'next'), $dan->{path}, 'email-taken: whose next is the invitation';
is inv_row($s, $dan->{id})->{accepted_at}, '', 'email-taken: the invitation stays open';
$du->get($signin);
my ($next) = $du->last->{content} =~ /name="next" value="([^"]*)"/;
$res = $du->post_form('/login', { email => 'dan@example.com', password => PASSWORD,
    next => Roster::Test::UA::_html_unescape($next // '') });
is $res->{status}, 303, 'email-taken: signing in from the link';
is $du->location($res), $dan->{path}, '... returns to the invitation';
view_is($du, $du->location($res), 'invitation-accept', 'the invitation after signing in');
$res = $du->post_form('/invitations/accept', { token => $dan->{token} });
is $du->location($res), '/orgs/acme', '... and accepting works';
is n_memberships('dan@example.com'), 1, '... one membership';

# The token is judged first: an invalid or ended link with a taken address.
{
	my $u = anon();
	post_refused($u, '/invitations/accept/signup', { token => flip($kim->{token}, 20),
	    email => 'dan@example.com', display_name => 'Dan', password => PASSWORD }, 'invitation-invalid', 404,
	    'accept/signup, invalid token, taken address: invitation-invalid (404), not email-taken');
	post_refused($u, '/invitations/accept/signup', { token => 'garbage',
	    email => 'olga@example.com', display_name => 'X', password => 'short' }, 'invitation-invalid', 404,
	    'accept/signup, garbage token, taken address, bad password: invitation-invalid');
	post_refused($u, '/invitations/accept/signup', { token => $dan->{token},
	    display_name => 'Dan', password => PASSWORD }, 'invitation-already-accepted', 410,
	    'accept/signup, accepted token, taken address: invitation-already-accepted, not email-taken');
}

# ---- mismatch on POST: 403, no write -----------------------------------------------------
my $ed = invite_ok($s, $owner, 'acme', 'ed@example.com', 'member');
$owner->get('/');
post_refused($owner, '/invitations/accept', { token => $ed->{token} }, 'invitation-mismatch', 403,
    'accept by another signed-in address: 403 mismatch page, no write', error => 'invitation-mismatch');
ok !grep({ m{^/invitations/} } form_actions($owner->last)), '... with no accept control';
like main_of($owner->last), qr/olga\@example\.com/, '... naming the signed-in address';
post_refused($owner, '/invitations/decline', { token => $ed->{token} }, 'invitation-mismatch', 403,
    'decline by another signed-in address: 403 mismatch page, no write', error => 'invitation-mismatch');
is_deeply [ @{ inv_row($s, $ed->{id}) }{qw(accepted_at revoked_at declined_at)} ], [ '', '', '' ],
    'the invitation stays open';

# Anonymous POST accept of a working link: sign in first, no write.
{
	my $u = $s->ua;
	$u->get($ed->{path});
	my $before = snapshot($s);
	$res = $u->post_form('/invitations/accept', { token => $ed->{token} });
	is $res->{status}, 303, 'anonymous accept of a working link: 303';
	like $u->location($res), qr{^/login\?next=}, '... to sign in';
	is query_param($u->location($res), 'next'), $ed->{path}, '... and back to the link';
	is snapshot($s), $before, '... nothing written';
	post_refused($u, '/invitations/accept', { token => 'garbage' }, 'invitation-invalid', 404,
	    'anonymous accept of a garbage token: invitation-invalid');
	post_refused($u, '/invitations/accept', {}, 'invitation-invalid', 404,
	    'accept without a token: invitation-invalid');
}

# ---- decline (link holder, signed out) -----------------------------------------------------
my $fay = invite_ok($s, $owner, 'acme', 'fay@example.com', 'member');
my $fu = $s->ua;
$fu->get($fay->{path});
$c0 = counts($s);
$res = $fu->post_form('/invitations/decline', { token => $fay->{token} });
is $res->{status}, 303, 'decline by the link holder: 303';
is $fu->location($res), $fay->{path}, '... back to the link';
$res = go($fu, $res);
is $fu->flash($res), 'invitation-declined', '... flash invitation-declined';
is $fu->page($res), 'invitation-declined', '... the link now shows invitation-declined';
is $res->{status}, 410, '... 410';
ok length inv_row($s, $fay->{id})->{declined_at}, 'decline: declined_at set';
is inv_row($s, $fay->{id})->{accepted_at}, '', 'decline: not accepted';
$c1 = counts($s);
is $c1->{memberships} - $c0->{memberships}, 0, 'decline: no membership';
is $c1->{users} - $c0->{users}, 0, 'decline: no user';
is audit_count($s, 'invitation.declined', $fay->{id}), 1, 'decline: audited invitation.declined';
ok !grep({ $_ eq $fay->{id} } list_ids(org_page($owner, 'acme'))), 'decline: the roster drops the row';
view_is($anon, $fay->{path}, 'invitation-declined', 'a declined link');

# ---- expired and revoked ------------------------------------------------------------------------
my $gil_ua = person($s, 'gil@example.com', 'Gil');
my $gil = invite_ok($s, $owner, 'acme', 'gil@example.com', 'member');
$s->psql(q{UPDATE invitations SET created_at = now() - interval '2 minutes',
    expires_at = now() - interval '1 minute' WHERE id = ?}, $gil->{id});
view_is($anon, $gil->{path}, 'invitation-expired', 'an expired link, anonymous');
view_is($gil_ua, $gil->{path}, 'invitation-expired', 'an expired link, by its user');
my $hu_ua = person($s, 'hu@example.com', 'Hu');
my $hu = invite_ok($s, $owner, 'acme', 'hu@example.com', 'member');
org_page($owner, 'acme');
$res = $owner->post_form("/orgs/acme/invitations/$hu->{id}/revoke", {});
is $res->{status}, 303, 'revoked hu';
view_is($anon, $hu->{path}, 'invitation-revoked', 'a revoked link, anonymous');
view_is($hu_ua, $hu->{path}, 'invitation-revoked', 'a revoked link, by its user');

# Every ended state answers a POST as its GET, and writes nothing.
my $fay_ua = person($s, 'fay@example.com', 'Fay');
my %ended = (
	'invitation-revoked'          => [ $hu, $hu_ua ],
	'invitation-expired'          => [ $gil, $gil_ua ],
	'invitation-declined'         => [ $fay, $fay_ua ],
	'invitation-already-accepted' => [ $bob, $bob_ua ],
);
for my $page (sort keys %ended) {
	my ($inv, $own) = @{ $ended{$page} };
	my $st = $STATUS{$page};
	my $a = anon();
	post_refused($a, '/invitations/accept', { token => $inv->{token} }, $page, $st,
	    "$page: anonymous POST accept");
	post_refused($a, '/invitations/accept/signup', { token => $inv->{token}, display_name => 'X',
	    password => PASSWORD }, $page, $st, "$page: POST accept/signup");
	post_refused($a, '/invitations/accept/signup', { token => $inv->{token}, display_name => 'X',
	    password => PASSWORD, email => 'other@example.com' }, $page, $st,
	    "$page: POST accept/signup with another email (the state comes first)");
	post_refused($a, '/invitations/decline', { token => $inv->{token} }, $page, $st,
	    "$page: anonymous POST decline");
	$own->get('/');
	post_refused($own, '/invitations/accept', { token => $inv->{token} }, $page, $st,
	    "$page: POST accept by its user");
	post_refused($own, '/invitations/decline', { token => $inv->{token} }, $page, $st,
	    "$page: POST decline by its user");
	$owner->get('/');
	post_refused($owner, '/invitations/accept', { token => $inv->{token} }, $page, $st,
	    "$page: POST accept by another address (the state comes first)");
}
ok !user_confirmed($s, 'gil@example.com'), 'refused accepts did not confirm the address';
is n_memberships('gil@example.com') + n_memberships('hu@example.com') + n_memberships('fay@example.com'),
    0, 'no membership from an ended invitation';

# ---- already a member: stamped, no second membership -------------------------------------
my $jo_ua = person($s, 'jo@example.com', 'Jo');
my $jo = invite_ok($s, $owner, 'acme', 'jo@example.com', 'admin');
# Jo joins another way meanwhile (as an approved join request would).
$s->psql(q{INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
    VALUES (?, ?, 'member', 'active', 'join_request', now())}, $acme, user_id($s, 'jo@example.com'));
$jo_ua->get($jo->{path});
$c0 = counts($s);
$res = $jo_ua->post_form('/invitations/accept', { token => $jo->{token} });
is $res->{status}, 303, 'accept while already a member: 303';
is $jo_ua->flash(go($jo_ua, $res)), 'already-member', '... flash already-member';
is counts($s)->{memberships}, $c0->{memberships}, '... no second membership';
is membership('jo@example.com')->{role}, 'member', '... the membership is unchanged';
ok length inv_row($s, $jo->{id})->{accepted_at}, '... the invitation is stamped';
view_is($anon, $jo->{path}, 'invitation-already-accepted', "jo's link afterwards");

# ---- the invitee's lists ---------------------------------------------------------------------
my $gina = person($s, 'gina@example.com', 'Gina');
new_org($gina, 'Globex', 'globex');
new_org($gina, 'Initech', 'initech');
my $globex = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'globex'});
is_deeply [ sort $gina->get('/')->{content} =~ /data-org-slug="([^"]*)"/g ], [qw(globex initech)],
    "the dashboard lists each of gina's organizations once";
my $kay_ua = person($s, 'kay@example.com', 'Kay', confirm => 1);
my $kay1 = invite_ok($s, $owner, 'acme', 'kay@example.com', 'member');
my $kay2 = invite_ok($s, $gina, 'globex', 'kay@example.com', 'admin');
my $kay3 = invite_ok($s, $gina, 'initech', 'kay@example.com', 'member');
org_page($gina, 'initech');
is $gina->post_form("/orgs/initech/invitations/$kay3->{id}/revoke", {})->{status}, 303, 'revoked one of kay\'s';
my $kay4 = invite_ok($s, $owner, 'acme', 'kay-old@example.com', 'member');
my $unconf_ua = person($s, 'lee@example.com', 'Lee');
my $lee = invite_ok($s, $owner, 'acme', 'lee@example.com', 'member');
my $lee2 = invite_ok($s, $gina, 'globex', 'LEE@example.com', 'member');

for my $where ('/me/invitations', '/') {
	my $before = snapshot($s);
	$res = $kay_ua->get($where);
	is $res->{status}, 200, "$where: 200";
	is $kay_ua->page($res), $where eq '/' ? 'dashboard' : 'my-invitations', "$where: page";
	is_deeply [ sort { $a <=> $b } list_ids($res) ], [ sort { $a <=> $b } $kay1->{id}, $kay2->{id} ],
	    "$where: lists exactly the confirmed invitee's pending invitations";
	my %r = map { $_->{'data-invitation-id'} => $_ } invitation_rows($res);
	is $r{ $kay2->{id} }{'data-role'}, 'admin', "$where: with the role";
	is index($res->{content}, $kay1->{token}), -1, "$where: no token on the page";
	is snapshot($s), $before, "$where: wrote nothing";
	$res = $unconf_ua->get($where);
	is scalar(list_ids($res)), 0, "$where: an unconfirmed invitee sees no invitations";
	like $res->{content}, qr/data-notice="unconfirmed"/, "$where: ... and is told to confirm";
	$res = $owner->get($where);
	is scalar(list_ids($res)), 0, "$where: someone else sees none of them";
}
# An expired invitation leaves the lists.
$s->psql(q{UPDATE invitations SET created_at = now() - interval '2 minutes',
    expires_at = now() - interval '1 minute' WHERE id = ?}, $kay1->{id});
is_deeply [ list_ids($kay_ua->get('/me/invitations')) ], [ $kay2->{id} ],
    '/me/invitations: an expired invitation is not listed';
$s->psql(q{UPDATE invitations SET expires_at = now() + interval '1 day' WHERE id = ?}, $kay1->{id});

# Acting by id needs a confirmed owner of the address; anyone else learns nothing.
$unconf_ua->get('/me/invitations');
post_refused($unconf_ua, '/invitations/accept', { invitation_id => $lee->{id} }, 'invitation-invalid', 404,
    'an unconfirmed invitee accepts by id: invitation-invalid, no write');
post_refused($unconf_ua, '/invitations/decline', { invitation_id => $lee->{id} }, 'invitation-invalid', 404,
    'an unconfirmed invitee declines by id: invitation-invalid, no write');
$kay_ua->get('/me/invitations');
post_refused($kay_ua, '/invitations/accept', { invitation_id => $lee2->{id} }, 'invitation-invalid', 404,
    "a confirmed user accepts someone else's invitation by id: invitation-invalid, no write");
post_refused($kay_ua, '/invitations/decline', { invitation_id => $lee2->{id} }, 'invitation-invalid', 404,
    "a confirmed user declines someone else's invitation by id: invitation-invalid, no write");
for my $bad ('999999', 'abc', '1 OR 1=1', '') {
	post_refused($kay_ua, '/invitations/accept', { invitation_id => $bad }, 'invitation-invalid', 404,
	    "accept by id '$bad': invitation-invalid");
}

$kay_ua->get('/me/invitations');
$c0 = counts($s);
$res = $kay_ua->post_form('/invitations/accept', { invitation_id => $kay1->{id} });
is $res->{status}, 303, 'accept from /me/invitations: 303';
is $kay_ua->location($res), '/orgs/acme', '... to the organization';
is $kay_ua->flash(go($kay_ua, $res)), 'invitation-accepted', '... flash invitation-accepted';
is counts($s)->{memberships} - $c0->{memberships}, 1, '... one membership';
is_deeply membership('kay@example.com'), { role => 'member', status => 'active', source => 'invitation',
    added_by => $olga }, '... as invited';
is inv_row($s, $kay1->{id})->{accepted_by}, user_id($s, 'kay@example.com'), '... stamped';

$kay_ua->get('/me/invitations');
$c0 = counts($s);
$res = $kay_ua->post_form('/invitations/decline', { invitation_id => $kay2->{id} });
is $res->{status}, 303, 'decline from /me/invitations: 303';
is $kay_ua->location($res), '/me/invitations', '... back to the list';
$res = go($kay_ua, $res);
is $kay_ua->flash($res), 'invitation-declined', '... flash invitation-declined';
is scalar(list_ids($res)), 0, '... the list is empty now';
ok length inv_row($s, $kay2->{id})->{declined_at}, '... declined_at set';
is counts($s)->{memberships}, $c0->{memberships}, '... no membership';
is membership('kay@example.com', $globex), undef, '... not in globex';
post_refused($kay_ua, '/invitations/accept', { invitation_id => $kay2->{id} }, 'invitation-declined', 410,
    'accepting the declined one by id afterwards: invitation-declined, no write');
is scalar(list_ids($kay_ua->get('/'))), 0, 'the dashboard lists none either';

# ---- metrics --------------------------------------------------------------------------------------
my $m1 = metrics($s);
my $accepted = $s->sql_one('SELECT count(*) FROM invitations WHERE accepted_at IS NOT NULL');
my $declined = $s->sql_one('SELECT count(*) FROM invitations WHERE declined_at IS NOT NULL');
is(($m1->{roster_invitations_accepted_total} // 0) - ($m0->{roster_invitations_accepted_total} // 0),
    $accepted, "metrics: roster_invitations_accepted_total rose by every acceptance ($accepted)");
is(($m1->{roster_invitations_declined_total} // 0) - ($m0->{roster_invitations_declined_total} // 0),
    $declined, "metrics: roster_invitations_declined_total rose by every decline ($declined)");

secrets_ok($s, min => 12);

done_testing;
