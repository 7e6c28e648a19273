#!/usr/bin/env perl
# Links that have ended lead somewhere, and an invitee who already has an
# account is sent to sign in (issue 10, items 1 and 2). Each ended page
# (expired, revoked, declined, already accepted) names the organization
# and the inviter with their address and says what to do: a replaced link
# names the date of the newer invitation and never its link, a link
# withdrawn by a manager names that manager, an inviter who no longer
# manages the organization is said to, an accepted link offers a sign-in
# that leads into the organization, a declined one is a quiet
# confirmation, not an error box; an invalid link explains copying. For
# an address with an account the main action on the link's page and on
# the 409 email-taken answer is "Sign in as ADDRESS to accept", with the
# address filled in on the login page; the mismatch page's sign-out comes
# back to the link. Statuses, data-page and data-error markers stay as
# SPEC has them, and no GET (nor refused POST) writes.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;

my $olga = person($s, 'olga@example.com', 'Olga Owner');
new_org($olga, 'Acme Widgets', 'acme');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});

# Ada, an admin of Acme (she joined through an invitation).
my $ada_inv = invite_ok($s, $olga, 'acme', 'ada@example.com', 'admin');
my $ada = join_by_signup($s, $ada_inv, 'Ada Admin');
my $ada_id = user_id($s, 'ada@example.com');

sub main_of { my ($res) = @_; my ($m) = ($res->{content} // '') =~ m{<main>(.*)</main>}s; return $m // '' }
sub unesc { Roster::Test::UA::_html_unescape($_[0] // '') }
sub errs { my ($res) = @_; return map { unesc($_) } ($res->{content} // '') =~ /\bdata-error\s*=\s*"([^"]*)"/gi }

# The href of the first element marked data-action=NAME, unescaped.
sub action_href {
	my ($res, $name) = @_;
	my ($h) = main_of($res) =~ m{<a href="([^"]*)"[^>]*data-action="\Q$name\E"};
	return defined $h ? unesc($h) : undef;
}

# The path and decoded query of a URL.
sub path_of { my ($u) = @_; ($u // '') =~ m{^([^?#]*)}; return $1 }

# A GET (or a POST with fields) that answers page with status and writes
# nothing. Returns the response.
sub shows {
	my ($ua, $method, $path, $fields, $page, $status, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $res;
	subtest $what => sub {
		my $before = snapshot($s);
		$res = $method eq 'GET' ? $ua->get($path) : $ua->post_form($path, $fields);
		is $ua->page($res), $page, "page $page";
		is $res->{status}, $status, "status $status";
		is snapshot($s), $before, 'nothing written';
	};
	return $res;
}

# An ended page names the organization, the inviter and the inviter's
# address (as a mailto link), and keeps its data-error code.
sub names_who {
	my ($res, $code, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $m = main_of($res);
	like $m, qr/Acme Widgets/, "$what: names the organization";
	like $m, qr/Olga Owner/, "$what: names the inviter";
	like $m, qr{<a href="mailto:olga\@example\.com"}, "$what: the inviter's address as a mailto link";
	is_deeply [ errs($res) ], [$code],
	    "$what: data-error $code";
}

sub anon { my $u = $s->ua; $u->get('/login'); return $u }

# ---- expired ---------------------------------------------------------------------------
my $exp = invite_ok($s, $olga, 'acme', 'eve@example.com', 'member');
$s->psql(q{UPDATE invitations SET created_at = now() - interval '2 minutes',
    expires_at = now() - interval '1 minute' WHERE id = ?}, $exp->{id});
my $res = shows(anon(), 'GET', $exp->{path}, undef, 'invitation-expired', 410, 'expired link');
names_who($res, 'invitation-expired', 'expired');
is action_href($res, 'ask-inviter'), 'mailto:olga@example.com', 'expired: the main action writes to the inviter';
like main_of($res), qr/send it again/, 'expired: says to ask for it to be sent again';
$res = shows(anon(), 'POST', '/invitations/accept/signup', { token => $exp->{token},
    display_name => 'Eve', password => PASSWORD }, 'invitation-expired', 410, 'expired link, POST accept/signup');
names_who($res, 'invitation-expired', 'expired, POST');

# ---- revoked: replaced by a newer invitation -------------------------------------------
my $old = invite_ok($s, $olga, 'acme', 'pat@example.com', 'member');
my $new = invite_ok($s, $olga, 'acme', 'pat@example.com', 'member');
isnt $new->{id}, $old->{id}, 'pat is invited again (a new row)';
my $new_at = $s->sql_one(q{SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
    FROM invitations WHERE id = ?}, $new->{id});
$res = shows(anon(), 'GET', $old->{path}, undef, 'invitation-revoked', 410, 'replaced link');
names_who($res, 'invitation-revoked', 'replaced');
my ($at) = main_of($res) =~ /data-replaced-at="([^"]*)"/;
is unesc($at), $new_at, 'replaced: the date of the newer invitation';
like main_of($res), qr/\Q$new_at\E/, 'replaced: the date is in the text';
like main_of($res), qr/newest/, 'replaced: says to use the newest email';
unlike $res->{content}, qr/\Q$new->{token}\E/, 'replaced: the newer link is not shown';
unlike $res->{content}, qr/\Q$old->{token}\E/, 'replaced: nor the old token';

# A resend replaces too; the replaced page names the newest of all.
org_page($olga, 'acme');
is $olga->post_form("/orgs/acme/invitations/$new->{id}/resend", {})->{status}, 303, 'olga resends pat';
my $newest = invitation_mail($s, 'pat@example.com');
my $newest_at = $s->sql_one(q{SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
    FROM invitations WHERE id = ?}, $newest->{id});
$res = shows(anon(), 'GET', $old->{path}, undef, 'invitation-revoked', 410, 'the first link after a resend');
($at) = main_of($res) =~ /data-replaced-at="([^"]*)"/;
is unesc($at), $newest_at, 'replaced twice: the date of the newest invitation';
unlike $res->{content}, qr/\Q$newest->{token}\E/, 'replaced twice: the newest link is not shown';

# ---- revoked by a manager --------------------------------------------------------------
my $rv = invite_ok($s, $olga, 'acme', 'ray@example.com', 'member');
org_page($ada, 'acme');
is $ada->post_form("/orgs/acme/invitations/$rv->{id}/revoke", {})->{status}, 303, 'ada revokes ray';
$res = shows(anon(), 'GET', $rv->{path}, undef, 'invitation-revoked', 410, 'link withdrawn by a manager');
names_who($res, 'invitation-revoked', 'withdrawn');
like main_of($res), qr/Ada Admin/, 'withdrawn: names who withdrew it';
like main_of($res), qr/data-revoker-email="ada\@example\.com"/, "withdrawn: with the withdrawer's address";
unlike main_of($res), qr/data-replaced-at/, 'withdrawn: not called replaced';
$res = shows(anon(), 'POST', '/invitations/accept', { token => $rv->{token} }, 'invitation-revoked', 410,
    'link withdrawn by a manager, POST accept');
like main_of($res), qr/Ada Admin/, 'withdrawn, POST: names who withdrew it';

# ---- revoked: the inviter no longer manages the organization ---------------------------
my $left = invite_ok($s, $ada, 'acme', 'lee@example.com', 'member');
org_page($olga, 'acme');
is $olga->post_form("/orgs/acme/members/$ada_id/remove", {})->{status}, 303, 'olga removes ada';
$res = shows(anon(), 'GET', $left->{path}, undef, 'invitation-revoked', 410, "link of an inviter who left");
like main_of($res), qr/Ada Admin/, 'inviter left: names the inviter';
like main_of($res), qr{mailto:ada\@example\.com}, "inviter left: the inviter's address";
like main_of($res), qr/no longer manages Acme Widgets/, 'inviter left: says so';
unlike main_of($res), qr/data-replaced-at|data-revoker-email/, 'inviter left: neither replaced nor withdrawn by hand';

# ---- declined ---------------------------------------------------------------------------
my $dec = invite_ok($s, $olga, 'acme', 'dee@example.com', 'member');
my $du = $s->ua;
$du->get($dec->{path});
$res = $du->post_form('/invitations/decline', { token => $dec->{token} });
is $res->{status}, 303, 'dee declines: 303';
$res = go($du, $res);
is $du->flash($res), 'invitation-declined', 'declined: flash invitation-declined';
is $du->page($res), 'invitation-declined', 'declined: page invitation-declined';
is $res->{status}, 410, 'declined: 410';
names_who($res, 'invitation-declined', 'declined');
my ($tag) = main_of($res) =~ /(<[^>]*data-error="invitation-declined"[^>]*>)/;
like $tag // '', qr/class="notice"/, 'declined: the code sits on a neutral notice';
unlike $tag // '', qr/role="alert"/, 'declined: not an alert';
unlike main_of($res), qr/class="error"/, 'declined: no error box under the flash';
like main_of($res), qr/You declined the invitation to join Acme Widgets/, 'declined: a confirmation';
like main_of($res), qr/Nothing else will happen/, 'declined: nothing else will happen';
like main_of($res), qr/If this was a mistake, ask Olga Owner/, 'declined: whom to ask if it was a mistake';
shows(anon(), 'GET', $dec->{path}, undef, 'invitation-declined', 410, 'declined link, GET again');

# ---- already accepted ---------------------------------------------------------------------
my $acc = invite_ok($s, $olga, 'acme', 'cai@example.com', 'member');
my $cai = join_by_signup($s, $acc, 'Cai');
my $cu = anon();
$res = shows($cu, 'GET', $acc->{path}, undef, 'invitation-already-accepted', 410, 'accepted link, signed out');
names_who($res, 'invitation-already-accepted', 'accepted');
my $signin = action_href($res, 'sign-in');
is path_of($signin), '/login', 'accepted: a sign-in link';
is query_param($signin, 'email'), 'cai@example.com', 'accepted: it fills in the address';
is query_param($signin, 'next'), '/orgs/acme', 'accepted: it leads to the organization';
$res = $cu->get($signin);
is $cu->page($res), 'login', 'the sign-in link opens the login page';
like $res->{content}, qr/<input id="email" type="email" name="email" value="cai\@example\.com"/,
    'the login page has the address filled in';
my ($next) = $res->{content} =~ /name="next" value="([^"]*)"/;
is unesc($next), '/orgs/acme', 'the login form carries next=/orgs/acme';
$res = $cu->post_form('/login', { email => 'cai@example.com', password => PASSWORD, next => unesc($next) });
is $cu->location($res), '/orgs/acme', 'signing in leads into the organization';
is $cu->page(go($cu, $res)), 'org-members', '... its members page';
$res = shows($cai, 'GET', $acc->{path}, undef, 'invitation-already-accepted', 410, 'accepted link, as its user');
is action_href($res, 'open-org'), '/orgs/acme', 'accepted, signed in as the invitee: a link into the organization';

# ---- invalid ----------------------------------------------------------------------------
$res = shows(anon(), 'GET', '/invitations/accept?token=AAAA', undef, 'invitation-invalid', 404, 'invalid link');
like main_of($res), qr/copied whole/, 'invalid: explains that links must be copied whole';
like main_of($res), qr/invitation email/, 'invalid: says where to copy it from';
like main_of($res), qr/still fails/, 'invalid: says what to do if it still fails';
is_deeply [ errs($res) ], ['invitation-invalid'], 'invalid: data-error invitation-invalid';

# ---- an address that has an account -------------------------------------------------------
my $quinn = person($s, 'quinn@example.com', 'Quinn');
my $qi = invite_ok($s, $olga, 'acme', 'quinn@example.com', 'member');
my $qu = anon();
$res = shows($qu, 'GET', $qi->{path}, undef, 'invitation-signup', 200, 'link for an address with an account');
my $m = main_of($res);
like $m, qr/Sign in as quinn\@example\.com to accept/, 'account: the main action is "Sign in as ADDRESS to accept"';
ok !grep({ $_ eq '/invitations/accept/signup' } form_actions($res)), 'account: no sign-up form';
ok grep({ $_ eq '/invitations/decline' } form_actions($res)), 'account: declining is still offered';
$signin = action_href($res, 'sign-in');
is path_of($signin), '/login', 'account: the action leads to /login';
is query_param($signin, 'email'), 'quinn@example.com', 'account: with the address filled in';
is query_param($signin, 'next'), $qi->{path}, 'account: and back to the invitation';
like $res->{content}, qr{href="/login\?email=quinn%40example\.com&amp;next=%2Finvitations%2Faccept%3Ftoken%3D},
    'account: the link is URL-encoded';
my $signin_at = index($m, 'data-action="sign-in"');
my $decline_at = index($m, 'action="/invitations/decline"');
ok $signin_at >= 0 && $signin_at < $decline_at, 'account: the sign-in action comes first';

# Without an account, the sign-up form leads and signing in is secondary.
my $ni = invite_ok($s, $olga, 'acme', 'nia@example.com', 'member');
$res = shows(anon(), 'GET', $ni->{path}, undef, 'invitation-signup', 200, 'link for an address without an account');
ok grep({ $_ eq '/invitations/accept/signup' } form_actions($res)), 'no account: the sign-up form';
unlike main_of($res), qr/Sign in as nia/, 'no account: no "sign in as" action';
$m = main_of($res);
ok index($m, 'action="/invitations/accept/signup"') < index($m, 'data-action="sign-in"'),
    'no account: the sign-up form comes before the sign-in link';

# 409 email-taken: the sign-in action first, the form away.
$res = shows($qu, 'POST', '/invitations/accept/signup', { token => $qi->{token}, display_name => 'Quinn Two',
    password => PASSWORD }, 'invitation-signup', 409, 'sign-up for an address with an account: 409');
is_deeply [ $qu->errors($res) ], ['email-taken'], '409: data-error email-taken';
like main_of($res), qr/Sign in as quinn\@example\.com to accept/, '409: the main action is to sign in';
ok !grep({ $_ eq '/invitations/accept/signup' } form_actions($res)), '409: no sign-up form';
$signin = action_href($res, 'sign-in');
is query_param($signin, 'email'), 'quinn@example.com', '409: the sign-in fills in the address';
is query_param($signin, 'next'), $qi->{path}, '409: and returns to the invitation';
$res = $qu->get($signin);
like $res->{content}, qr/name="email" value="quinn\@example\.com"/, '409: the login page has the address';
($next) = $res->{content} =~ /name="next" value="([^"]*)"/;
$res = $qu->post_form('/login', { email => 'quinn@example.com', password => PASSWORD, next => unesc($next) });
is $qu->location($res), $qi->{path}, '409: signing in returns to the invitation';
is $qu->page(go($qu, $res)), 'invitation-accept', '... which now offers to accept';

# ---- the login page's email parameter ---------------------------------------------------------
my $lu = $s->ua;
$res = shows($lu, 'GET', '/login?email=%20Zed%40Example.COM%20', undef, 'login', 200, 'login with email=');
like $res->{content}, qr/name="email" value="zed\@example\.com"/, 'login: email= fills the field (canonical)';
for my $bad ('%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'x%22onfocus%3D%22alert(1)%40example.com',
	     'not-an-address', '%3Cb%3E%40example.com') {
	$res = shows($lu, 'GET', "/login?email=$bad", undef, 'login', 200, "login with email=$bad");
	like $res->{content}, qr/name="email" value=""/, "login: email=$bad is not filled in";
	unlike $res->{content}, qr/<script>alert|onfocus="|<b>/, "login: email=$bad does not reach the page raw";
}
# An address may hold an apostrophe; it is filled in, escaped.
$res = $lu->get('/login?email=o%27neil%40example.com');
like $res->{content}, qr/name="email" value="o&#(?:39|x27);neil\@example\.com"/, "login: an apostrophe is escaped";
$res = $lu->get('/login?email=a%40example.com&next=https%3A%2F%2Fevil.example%2F');
($next) = $res->{content} =~ /name="next" value="([^"]*)"/;
is unesc($next), '/', 'login: a foreign next stays local';

# ---- the mismatch page's sign-out returns to the link ---------------------------------------------
my $bert = person($s, 'bert@example.com', 'Bert');
my $mi = invite_ok($s, $olga, 'acme', 'mo@example.com', 'member');
$res = shows($bert, 'GET', $mi->{path}, undef, 'invitation-mismatch', 200, 'mismatch page');
my ($form) = main_of($res) =~ m{(<form method="post" action="/logout">.*?</form>)}s;
ok $form, 'mismatch: a sign-out form';
($next) = ($form // '') =~ /name="next" value="([^"]*)"/;
is unesc($next), $mi->{path}, 'mismatch: the sign-out carries the way back to the link';
my $sessions = $s->sql_one('SELECT count(*) FROM sessions');
$res = $bert->post_form('/logout', { next => unesc($next) });
is $res->{status}, 303, 'sign-out: 303';
is $bert->location($res), $mi->{path}, 'sign-out: back to the invitation link';
is $s->sql_one('SELECT count(*) FROM sessions'), $sessions - 1, 'sign-out: the session ended';
$res = go($bert, $res);
is $bert->flash($res), 'signed-out', 'sign-out: flash signed-out';
is $bert->page($res), 'invitation-signup', 'sign-out: the link now shows the sign-up page';

# next on /logout is local only.
for my $case ([ 'https://evil.example/', 'a foreign URL' ], [ '//evil.example/x', 'a protocol-relative URL' ],
	      [ '/\\evil', 'a backslash' ], [ '', 'empty' ]) {
	my ($n, $what) = @$case;
	my $u = login_ua($s, 'bert@example.com');
	$u->get('/');
	$res = $u->post_form('/logout', { next => $n });
	is $u->location($res), '/login', "sign-out with next $what: to /login";
}
my $u = login_ua($s, 'bert@example.com');
$u->get('/');
is $u->location($u->post_form('/logout', {})), '/login', 'sign-out without next: to /login';

done_testing;
