#!/usr/bin/env perl
# Sessions and CSRF over HTTP against the whole stack: every POST needs the
# token bound to the visitor's session or pre-session (missing, wrong,
# another visitor's or a pre-sign-in token is 403 and writes nothing), a
# cross-site Sec-Fetch-Site or a foreign Origin is 403, planted and forged
# cookies count for nothing, idle and absolute expiry, cookie attributes,
# and with ROSTER_COOKIE_SECURE=1 (a second stack) the __Host- prefix and
# Secure.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use MIME::Base64 qw(encode_base64);
use Roster::Test;
use Roster::Flows;

my $s = Roster::Test->start;

sub users { $s->sql_one('SELECT count(*) FROM users') }
sub orgs { $s->sql_one('SELECT count(*) FROM organizations') }
sub writes {
	return join ',', map { $s->sql_one("SELECT count(*) FROM $_") }
	    qw(users sessions organizations memberships audit_events outbox account_tokens);
}
sub b64url { encode_base64($_[0], '') =~ tr{+/}{-_}r =~ s/=+$//r }
sub random_bytes {
	open my $fh, '<:raw', '/dev/urandom' or die $!;
	read $fh, my $b, $_[0];
	return $b;
}

# Attributes of a Set-Cookie line: name, value and lower-cased attributes.
sub cookie_attrs {
	my ($line) = @_;
	return {} unless defined $line;
	my ($pair, @attrs) = split /;\s*/, $line;
	my ($name, $value) = split /=/, $pair, 2;
	my %a = (_name => $name, _value => $value);
	for (@attrs) {
		my ($k, $v) = split /=/, $_, 2;
		$a{ lc $k } = $v // 1;
	}
	return \%a;
}

sub set_cookies {
	my ($res) = @_;
	my $sc = $res->{headers}{'set-cookie'} // return ();
	return ref $sc ? @$sc : ($sc);
}

sub forbidden_ok {
	my ($res, $ua, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is $res->{status}, 403, "$what is 403";
	ok defined $ua->page($res), '  with a page marker';
}

# ---- cookie attributes --------------------------------------------------------
my $a = $s->ua;
my $res = $a->get('/signup');
my $pre = cookie_attrs($a->cookie_line('roster_pre'));
ok defined $pre->{_value} && length $pre->{_value}, 'an anonymous visitor gets a pre-session cookie';
ok $pre->{httponly}, '  HttpOnly';
is lc($pre->{samesite} // ''), 'lax', '  SameSite=Lax';
is $pre->{path}, '/', '  Path=/';
ok !$pre->{secure}, '  not Secure on the loopback base URL';
ok !exists $pre->{domain}, '  no Domain';
my $again = $a->get('/signup');
is scalar(grep { /^roster_pre=/ } set_cookies($again)), 0, 'a valid pre-session cookie is not reissued';
my $csrf_a = $a->csrf;
is $a->get('/login') && $a->csrf, $csrf_a, 'the CSRF token is stable for a pre-session';

my $b = $s->ua;
$b->get('/signup');
my $csrf_b = $b->csrf;
isnt $csrf_b, $csrf_a, 'another visitor gets another CSRF token';

# ---- anonymous POSTs ------------------------------------------------------------
my $before = writes();
my %ann = (email => 'ann@example.com', password => PASSWORD, display_name => 'Ann');
forbidden_ok($a->post('/signup', {%ann}), $a, 'a sign-up without csrf_token');
forbidden_ok($a->post('/signup', { %ann, csrf_token => '' }), $a, 'an empty csrf_token');
forbidden_ok($a->post('/signup', { %ann, csrf_token => 'A' x 43 }), $a, 'a wrong csrf_token');
forbidden_ok($a->post('/signup', { %ann, csrf_token => substr($csrf_a, 0, -1) }), $a, 'a truncated csrf_token');
forbidden_ok($a->post('/signup', { %ann, csrf_token => $csrf_a . 'A' }), $a, 'a csrf_token with a byte added');
forbidden_ok($a->post('/signup', { %ann, csrf_token => $csrf_b }), $a, "another visitor's csrf_token");
forbidden_ok($a->post('/signup?csrf_token=' . $csrf_a, {%ann}), $a, 'a csrf_token in the query string only');
forbidden_ok($a->post('/signup', { %ann, csrf_token => $csrf_a }, { 'Sec-Fetch-Site' => 'cross-site' }),
    $a, 'Sec-Fetch-Site: cross-site with a valid token');
forbidden_ok($a->post('/signup', { %ann, csrf_token => $csrf_a }, { Origin => 'https://evil.example' }),
    $a, 'Origin: https://evil.example with a valid token');
# Browsers send "Origin: null" on same-origin posts under Referrer-Policy:
# no-referrer; only Sec-Fetch-Site: same-origin (or none sent at all) may
# go with it.
forbidden_ok($a->post('/signup', { %ann, csrf_token => $csrf_a },
    { Origin => 'null', 'Sec-Fetch-Site' => 'same-site' }),
    $a, 'Origin: null from a sibling site with a valid token');
forbidden_ok($a->post('/signup', { %ann, csrf_token => $csrf_a },
    { Origin => 'null', 'Sec-Fetch-Site' => 'none' }),
    $a, 'Origin: null with Sec-Fetch-Site: none');
forbidden_ok($a->post('/signup', { %ann, csrf_token => 'A' x 43 },
    { Origin => 'null', 'Sec-Fetch-Site' => 'same-origin' }),
    $a, 'Origin: null from the same origin still needs the right token');
my $port = $s->port;
forbidden_ok($a->post('/signup', { %ann, csrf_token => $csrf_a }, { Origin => 'http://127.0.0.1:' . ($port + 1) }),
    $a, 'Origin on another port with a valid token');
forbidden_ok($a->post('/signup', { %ann, csrf_token => $csrf_a }, { Origin => "https://127.0.0.1:$port" }),
    $a, 'Origin with another scheme with a valid token');
my $nocookie = $a->post('/signup', { %ann, csrf_token => $csrf_a }, { Cookie => undef });
forbidden_ok($nocookie, $a, 'a valid token without its pre-session cookie');
security_headers_ok($nocookie, 'the 403');
$a->set_cookie(roster_pre => $b->cookie('roster_pre'));
$a->get('/signup');
is $a->csrf, $csrf_b, '(the token follows the pre-session cookie, not the connection)';
$a->set_cookie(roster_pre => $pre->{_value});
is writes(), $before, 'none of these wrote anything';
is users(), 0, 'no user exists';

# Positive controls: the same request passes with the right token, and with
# the headers a same-origin browser sends.
$res = $a->post('/signup', { %ann, csrf_token => $csrf_a },
    { 'Sec-Fetch-Site' => 'same-origin', Origin => $s->base_url });
is $res->{status}, 303, 'the right token with Sec-Fetch-Site: same-origin and our Origin signs up';
is users(), 1, 'one user';
my $ann_session = $a->cookie('roster_session');
my $sess = cookie_attrs($a->cookie_line('roster_session'));
ok $sess->{httponly}, 'the session cookie is HttpOnly';
is lc($sess->{samesite} // ''), 'lax', '  SameSite=Lax';
is $sess->{path}, '/', '  Path=/';
ok !$sess->{secure}, '  not Secure';
ok !exists $sess->{domain}, '  no Domain';
ok !exists $sess->{'max-age'} && !exists $sess->{expires}, '  a browser-session cookie (the server enforces expiry)';
my ($flash_line) = grep { /^roster_flash=/ } set_cookies($res);
my $fl = cookie_attrs($flash_line);
is $fl->{_value}, 'signed-up', 'the flash cookie carries the code';
ok $fl->{httponly} && lc($fl->{samesite} // '') eq 'lax' && ($fl->{path} // '') eq '/' && !$fl->{secure},
    '  HttpOnly, SameSite=Lax, Path=/, not Secure';
is length(b64url_decode($ann_session) // ''), 32, 'the session cookie holds 32 bytes';
is $s->sql_one("SELECT count(*) FROM sessions WHERE token_hash = decode(?, 'hex')", cookie_hash_hex($ann_session)),
    1, 'the database keeps its SHA-256';

# A token minted before sign-in is dead after it.
my $c = $s->ua;
$c->get('/login');
my $pre_token = $c->csrf;
is $c->login('ann@example.com', PASSWORD)->{status}, 303, 'Ann signs in on a second browser';
$before = orgs();
forbidden_ok($c->post('/orgs', { name => 'Acme', slug => 'acme', csrf_token => $pre_token }),
    $c, 'the pre-sign-in CSRF token after sign-in');
$c->get('/orgs/new');
isnt $c->csrf, $pre_token, 'the signed-in page carries a new token';

# ---- signed-in POSTs ----------------------------------------------------------------
my ($bob, $bob_id) = new_user($s, 'bob@example.com', name => 'Bob');
$bob->get('/orgs/new');
my $bob_csrf = $bob->csrf;
$a->get('/orgs/new');
my $ann_csrf = $a->csrf;
isnt $ann_csrf, $csrf_a, "Ann's token changed at sign-up";
$before = writes();
my %org = (name => 'Acme', slug => 'acme');
forbidden_ok($a->post('/orgs', {%org}), $a, 'creating an organization without csrf_token');
forbidden_ok($a->post('/orgs', { %org, csrf_token => 'x' }), $a, '... with a wrong token');
forbidden_ok($a->post('/orgs', { %org, csrf_token => $bob_csrf }), $a, "... with Bob's token");
forbidden_ok($a->post('/orgs', { %org, csrf_token => $c->csrf }), $a, "... with the token of Ann's other session");
forbidden_ok($a->post('/orgs', { %org, csrf_token => $ann_csrf }, { 'Sec-Fetch-Site' => 'cross-site' }),
    $a, '... cross-site with a valid token');
forbidden_ok($a->post('/orgs', { %org, csrf_token => $ann_csrf }, { Origin => 'https://evil.example' }),
    $a, '... from a foreign Origin with a valid token');
forbidden_ok($a->post('/logout', {}), $a, 'signing out without csrf_token');
forbidden_ok($a->post('/logout', { csrf_token => $bob_csrf }), $a, "signing out with Bob's token");
is writes(), $before, 'none of these wrote anything';
is orgs(), 0, 'no organization exists';
is $a->page($a->get('/')), 'dashboard', 'Ann is still signed in';
is $bob->page($bob->get('/')), 'dashboard', 'so is Bob';
$res = $a->post('/orgs', { %org, csrf_token => $ann_csrf }, { 'Sec-Fetch-Site' => 'same-origin' });
is $res->{status}, 303, 'with her own token the organization is created';
is orgs(), 1, 'one organization';

# ---- planted and forged cookies ---------------------------------------------------------
my $p = $s->ua;
my $planted = b64url(random_bytes(32));
$p->set_cookie(roster_session => $planted);
$res = $p->get('/');
is $res->{status}, 303, 'a planted random session cookie does not sign anyone in';
is $p->location($res), '/login?next=%2F', '  GET / goes to sign in';
ok((grep { /^roster_session=;/ && /Max-Age=0/ } set_cookies($res)), '  and the cookie is cleared');
$p->set_cookie(roster_session => $planted);
$res = $p->get('/signup');
is $res->{status}, 200, 'the sign-up page still answers';
unlike $res->{content}, qr{action="/logout"}, '  to an anonymous visitor';
for my $junk ('!!!', '', 'A' x 500, b64url(random_bytes(31)), b64url(random_bytes(33)), "$planted;x") {
	my $j = $s->ua;
	$j->set_cookie(roster_session => $junk);
	$res = $j->get('/');
	is $res->{status}, 303, 'a session cookie of ' . length($junk) . ' junk bytes is anonymous, not an error';
}

my $pre_victim = $s->ua;
my $forged = b64url(random_bytes(16)) . '.' . b64url(random_bytes(32));
$pre_victim->set_cookie(roster_pre => $forged);
$res = $pre_victim->get('/signup');
my $reissued = $pre_victim->cookie('roster_pre');
ok defined $reissued && $reissued ne $forged, 'a forged pre-session cookie is replaced';
$pre_victim->set_cookie(roster_pre => 'not.signed');
$pre_victim->get('/signup');
ok $pre_victim->cookie('roster_pre') ne 'not.signed', 'so is a malformed one';
my $forged_csrf = $pre_victim->csrf;
$pre_victim->set_cookie(roster_pre => $forged);
forbidden_ok($pre_victim->post('/signup', { email => 'fixed@example.com', password => PASSWORD,
    display_name => 'F', csrf_token => $forged_csrf }), $pre_victim,
    'the forged cookie with the token of the page that replaced it');
is user_id($s, 'fixed@example.com'), undef, '  no user';

# A planted (genuine) pre-session does not carry over into the session.
my $attacker = $s->ua;
$attacker->get('/login');
my $victim = $s->ua;
$victim->set_cookie(roster_pre => $attacker->cookie('roster_pre'));
is $victim->login('bob@example.com', PASSWORD)->{status}, 303, 'a victim signs in with a planted pre-session';
isnt $victim->cookie('roster_session'), undef, '  and gets a session';
is $victim->cookie('roster_pre'), undef, '  the planted pre-session is dropped';
$res = $attacker->get('/');
is $res->{status}, 303, "the attacker's pre-session is still anonymous";
$attacker->get('/login');
$before = orgs();
$res = $attacker->post('/orgs', { name => 'X', slug => 'xx', csrf_token => $attacker->csrf });
is $res->{status}, 303, "a POST with the attacker's own pre-session acts for nobody";
is $attacker->location($res), '/login?next=%2Forgs', '  it is sent to sign in';
is orgs(), $before, '  and creates nothing';
$victim->get('/');
isnt $victim->csrf, $attacker->csrf, "the victim's token is not the attacker's";

# ---- expiry ------------------------------------------------------------------------------
my $idle = $s->ua;
is $idle->login('bob@example.com', PASSWORD)->{status}, 303, 'Bob signs in';
my $h = cookie_hash_hex($idle->cookie('roster_session'));
is $s->sql_one("SELECT round(extract(epoch FROM expires_at - created_at)) FROM sessions "
    . "WHERE token_hash = decode(?, 'hex')", $h), 12 * 3600, 'sessions end 12 hours after sign-in';
$s->psql("UPDATE sessions SET last_seen_at = now() - interval '119 minutes' WHERE token_hash = decode(?, 'hex')", $h);
is $idle->page($idle->get('/')), 'dashboard', 'a session idle for 1 h 59 min still works';
is $s->sql_one("SELECT last_seen_at > now() - interval '1 minute' FROM sessions WHERE token_hash = decode(?, 'hex')", $h),
    't', '  and the request refreshed its last use';
$s->psql("UPDATE sessions SET last_seen_at = now() - interval '121 minutes' WHERE token_hash = decode(?, 'hex')", $h);
$res = $idle->get('/');
is $res->{status}, 303, 'a session idle for 2 h 1 min is over';
is $idle->location($res), '/login?next=%2F', '  sign in again';
is $idle->login('bob@example.com', PASSWORD)->{status}, 303, 'Bob signs in again';
$h = cookie_hash_hex($idle->cookie('roster_session'));
$s->psql("UPDATE sessions SET created_at = now() - interval '13 hours', expires_at = now() - interval '1 hour' "
    . "WHERE token_hash = decode(?, 'hex')", $h);
is $idle->get('/')->{status}, 303, 'a session past its absolute expiry is over, however recently used';

# ---- ROSTER_COOKIE_SECURE=1 ----------------------------------------------------------------
$s->stop;
my $s2 = Roster::Test->start(env => { ROSTER_COOKIE_SECURE => 1 });
my $u = $s2->ua;
$res = $u->get('/signup');
is $res->{status}, 200, 'a stack with ROSTER_COOKIE_SECURE=1 answers';
my $hp = cookie_attrs($u->cookie_line('__Host-roster_pre'));
ok defined $hp->{_value}, 'the pre-session cookie is named __Host-roster_pre';
is $u->cookie('roster_pre'), undef, '  and no unprefixed one is set';
ok $hp->{secure}, '  Secure';
is $hp->{path}, '/', '  Path=/';
ok !exists $hp->{domain}, '  no Domain';
ok $hp->{httponly} && lc($hp->{samesite} // '') eq 'lax', '  HttpOnly, SameSite=Lax';
$res = $u->post_form('/signup', { email => 'sec@example.com', password => PASSWORD, display_name => 'Sec' });
is $res->{status}, 303, 'sign-up works';
my $hs = cookie_attrs($u->cookie_line('__Host-roster_session'));
ok defined $hs->{_value}, 'the session cookie is named __Host-roster_session';
ok $hs->{secure} && $hs->{path} eq '/' && !exists $hs->{domain} && $hs->{httponly},
    '  Secure, Path=/, no Domain, HttpOnly';
my ($sflash) = grep { /roster_flash=/ } set_cookies($res);
like $sflash // '', qr/^__Host-roster_flash=signed-up;.*\bSecure\b/, 'the flash cookie is __Host- and Secure too';
is $u->page(follow_redirect($u, $res)), 'dashboard', 'the prefixed cookies sign the user in';
my $plain = $s2->ua;
$plain->set_cookie(roster_session => $hs->{_value});
is $plain->get('/')->{status}, 303, 'the same value under the unprefixed name is ignored';
my $plain_pre = $s2->ua;
$plain_pre->get('/login');
my $v = $plain_pre->cookie('__Host-roster_pre');
my $tok = $plain_pre->csrf;
$plain_pre->clear_cookies;
$plain_pre->set_cookie(roster_pre => $v);
forbidden_ok($plain_pre->post('/signup', { email => 'p@example.com', password => PASSWORD, display_name => 'P',
    csrf_token => $tok }), $plain_pre, 'an unprefixed pre-session cookie does not carry the CSRF binding');
is $s2->sql_one('SELECT count(*) FROM users'), 1, '  no user was created';

done_testing;
