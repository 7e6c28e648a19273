#!/usr/bin/env perl
# Accounts over HTTP against the whole stack: sign-up (with the validation
# of every field), email confirmation (no GET ever consumes the token),
# sign-in (one answer for every failure, session rotation, the per-address
# rate limit, the next parameter and open redirects), sign-out and the
# password reset. Every step is checked on the page (status, data-page,
# data-flash, data-error) and in the database; at the end no link token
# may appear in any server log.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Flows;
use Time::HiRes ();

my $s = Roster::Test->start(env => { ROSTER_LOGIN_LIMIT => 3 });
my @tokens;   # every link token seen, for the log check at the end

sub users { $s->sql_one('SELECT count(*) FROM users') }
sub sessions_of { $s->sql_one('SELECT count(*) FROM sessions WHERE user_id = ?', $_[0]) }
sub session_row {
	my ($ua) = @_;
	my $h = cookie_hash_hex(session_cookie($ua)) // return 0;
	return $s->sql_one("SELECT count(*) FROM sessions WHERE token_hash = decode(?, 'hex')", $h);
}

# ---- sign-up -------------------------------------------------------------------
my $ann = $s->ua;
my $res = $ann->get('/signup');
is $res->{status}, 200, 'GET /signup answers 200';
is $ann->page, 'signup', 'page signup';
ok defined $ann->csrf && length $ann->csrf, 'the form carries a csrf_token';
security_headers_ok($res, 'the sign-up page');

$res = $ann->post_form('/signup',
    { email => '  Ann@Example.COM ', password => PASSWORD, display_name => 'Ann' });
is $res->{status}, 303, 'POST /signup answers 303';
is $ann->location($res), '/', 'to /';
security_headers_ok($res, 'the sign-up redirect');
$res = follow_redirect($ann, $res);
is $res->{status}, 200, 'the dashboard answers 200';
is $ann->page($res), 'dashboard', 'the new user lands on the dashboard';
is $ann->flash($res), 'signed-up', 'with flash signed-up';
security_headers_ok($res, 'the dashboard');
my $ann_id = user_id($s, 'ann@example.com');
ok $ann_id, 'a users row exists, email trimmed and lower-cased';
is $s->sql_one('SELECT email FROM users WHERE id = ?', $ann_id), 'ann@example.com',
    'stored exactly as ann@example.com';
is $s->sql_one('SELECT display_name FROM users WHERE id = ?', $ann_id), 'Ann', 'display_name stored';
is $s->sql_one('SELECT email_confirmed_at IS NULL FROM users WHERE id = ?', $ann_id), 't',
    'the address is not confirmed yet';
like $s->sql_one('SELECT password_hash FROM users WHERE id = ?', $ann_id), qr/^\$argon2id\$/,
    'the password is stored as an argon2id hash';
is sessions_of($ann_id), 1, 'one sessions row for the new user';
is session_row($ann), 1, 'it is the SHA-256 of the session cookie';
is $s->sql_one("SELECT count(*) FROM audit_events WHERE action = 'user.signed_up' "
    . 'AND subject_id = ? AND actor_user_id = ?', $ann_id, $ann_id), 1,
    'audit event user.signed_up';
is $ann->page($ann->get('/')), 'dashboard', 'the session cookie keeps her signed in';
is $ann->flash, undef, 'the flash shows once';

my $mail = $s->wait_for_mail(to => 'ann@example.com');
ok $mail, 'a confirmation email was delivered to the mail directory';
my $confirm_link = $mail ? $mail->{link} : '';
like $confirm_link, qr{^\Q${\ $s->base_url }\E/confirm\?token=[A-Za-z0-9_-]+$},
    'it links to /confirm?token= on the base URL';
my $confirm_tok = token_of($confirm_link);
push @tokens, $confirm_tok;
is $s->sql_one("SELECT count(*) FROM account_tokens WHERE user_id = ? AND purpose = 'confirm_email' "
    . "AND token_hash = decode(?, 'hex') AND used_at IS NULL", $ann_id, cookie_hash_hex($confirm_tok)), 1,
    'the database keeps only the SHA-256 of the link token';
ok eventually(5, sub { ($s->sql_one('SELECT status FROM outbox WHERE recipient = ?', 'ann@example.com') // '') eq 'sent' }),
    'the outbox row ends as sent';
is $s->sql_one("SELECT count(*) FROM outbox WHERE body IS NOT NULL"), 0,
    'and its body is dropped once delivered';

# Duplicate address, other case.
my $n = users();
my $dup = $s->ua;
$res = $dup->signup('ANN@example.com', PASSWORD, 'Other Ann');
is $res->{status}, 409, 'a second sign-up with the same address in other case is 409';
is $dup->page($res), 'signup', 'the sign-up form is shown again';
is_deeply [ $dup->errors($res) ], ['email-taken'], 'data-error email-taken';
security_headers_ok($res, 'the 409');
is users(), $n, 'no new users row';
is $dup->cookie('roster_session'), undef, 'and no session';

# Passwords.
$res = $dup->signup('pw9@example.com', 'x' x 9, 'Nine');
is $res->{status}, 422, 'a 9-character password is 422';
is_deeply [ $dup->errors($res) ], ['invalid-password'], 'data-error invalid-password';
unlike $res->{content}, qr/x{9}/, 'the password is not echoed';
$res = $dup->signup('pw1025@example.com', 'x' x 1025, 'Long');
is $res->{status}, 422, 'a 1025-byte password is 422';
is_deeply [ $dup->errors($res) ], ['invalid-password'], 'data-error invalid-password';
is users(), $n, 'neither created a user';
my $ten = $s->ua;
is $ten->signup('pw10@example.com', 'y' x 10, 'Ten')->{status}, 303, 'a 10-character password is accepted';
my $long = $s->ua;
is $long->signup('pw1024@example.com', 'z' x 1024, 'Long')->{status}, 303,
    'a 1024-byte password is accepted';
is users(), $n + 2, 'both created a user';
$n = users();

# Addresses.
my $local = 'a' x 64;
my $dom254 = join '.', 'b' x 63, 'c' x 63, 'd' x 57, 'com';
my $e254 = "$local\@$dom254";
my $e255 = "$local\@" . join('.', 'b' x 63, 'c' x 63, 'd' x 58, 'com');
is length($e254), 254, '(a 254-byte address)';
is length($e255), 255, '(a 255-byte address)';
my @bad_emails = (
	[ 'no at sign'         => 'ann.example.com' ],
	[ '255 bytes'          => $e255 ],
	[ 'CR LF inside'       => "eve\@example.com\r\nBcc: all\@example.com" ],
	[ 'CR LF in the local part' => "eve\r\n\@example.com" ],
	[ 'a space inside'     => 'eve smith@example.com' ],
	[ 'two @'              => 'eve@evil@example.com' ],
	[ 'empty'              => '' ],
	[ 'no domain'          => 'eve@' ],
	[ 'no local part'      => '@example.com' ],
	[ 'a tab inside'       => "eve\t\@example.com" ],
);
for my $case (@bad_emails) {
	my ($what, $email) = @$case;
	$res = $dup->signup($email, PASSWORD, 'Eve');
	is $res->{status}, 422, "an address with $what is 422";
	is_deeply [ $dup->errors($res) ], ['invalid-email'], "  data-error invalid-email ($what)";
}
is users(), $n, 'no invalid address created a user';
is $s->sql_one("SELECT count(*) FROM users WHERE email::text ~ '[[:space:][:cntrl:]]'"), 0,
    'no stored address holds a space or control character';
my $e254ua = $s->ua;
is $e254ua->signup(uc $e254, PASSWORD, 'Long Address')->{status}, 303, 'a 254-byte address is accepted';
is user_id($s, $e254) ? 1 : 0, 1, 'stored lower-cased';
$n = users();

# Names.
$res = $dup->signup('noname@example.com', PASSWORD, '');
is $res->{status}, 422, 'an empty display_name is 422';
is_deeply [ $dup->errors($res) ], ['invalid-name'], 'data-error invalid-name';
$res = $dup->signup('spaces@example.com', PASSWORD, "   \t ");
is $res->{status}, 422, 'a display_name of blanks is 422';
is_deeply [ $dup->errors($res) ], ['invalid-name'], 'data-error invalid-name';
$res = $dup->signup('longname@example.com', PASSWORD, 'n' x 101);
is $res->{status}, 422, 'a 101-character display_name is 422';
is users(), $n, 'no user was created';
is $s->sql_one("SELECT count(*) FROM outbox"), 4, 'only the four accepted sign-ups queued an email';

# ---- email confirmation --------------------------------------------------------
sub ann_confirmed { $s->sql_one('SELECT email_confirmed_at IS NOT NULL FROM users WHERE id = ?', $ann_id) }
sub confirm_used { $s->sql_one("SELECT used_at IS NOT NULL FROM account_tokens WHERE token_hash = decode(?, 'hex')",
    cookie_hash_hex($confirm_tok)) }

$res = $ann->get("/confirm?token=$confirm_tok");
is $res->{status}, 200, 'GET /confirm?token= answers 200';
is $ann->page($res), 'email-confirm', 'page email-confirm';
like $res->{content}, qr{<form\b[^>]*method="post"[^>]*action="/confirm"}i, 'with a POST form to /confirm';
like $res->{content}, qr{name="token"\s+value="\Q$confirm_tok\E"}, 'carrying the token';
is ann_confirmed(), 'f', 'the GET confirmed nothing';
is confirm_used(), 'f', 'and left the token unused';

my $scanner = $s->ua(headers => { 'User-Agent' => 'MailScanner/1.0' });
$res = $scanner->get("/confirm?token=$confirm_tok", { Cookie => undef });
is $res->{status}, 200, 'a mail scanner (no cookies) GET answers 200';
is $scanner->page($res), 'email-confirm', 'with the same page';
$res = $scanner->request('HEAD', "/confirm?token=$confirm_tok", undef, { Cookie => undef });
is $res->{status}, 200, 'a HEAD answers 200';
is $res->{content} // '', '', 'without a body';
is ann_confirmed(), 'f', 'still not confirmed after the scanner';
is confirm_used(), 'f', 'and the token still unused';

$ann->get("/confirm?token=$confirm_tok");
$res = $ann->post_form('/confirm', { token => $confirm_tok });
is $res->{status}, 200, 'POST /confirm answers 200';
is $ann->page($res), 'email-confirmed', 'page email-confirmed';
is ann_confirmed(), 't', 'email_confirmed_at is set';
is confirm_used(), 't', 'the token is used';
is $s->sql_one("SELECT count(*) FROM audit_events WHERE action = 'user.email_confirmed' AND subject_id = ?",
    $ann_id), 1, 'audit event user.email_confirmed';
unlike $ann->get('/')->{content}, qr/data-notice="unconfirmed"/, 'the dashboard no longer asks to confirm';

$res = $ann->post_form('/confirm', { token => $confirm_tok });
is $ann->page($res), 'token-invalid', 'a second POST of the same token shows token-invalid';
like $res->{status}, qr/^4\d\d$/, 'with a 4xx status';
is_deeply [ $ann->errors($res) ], ['token-invalid'], 'data-error token-invalid';
$res = $ann->get("/confirm?token=$confirm_tok");
is $ann->page($res), 'token-invalid', 'the used link shows token-invalid on GET too';

my $anon = $s->ua;
for my $garbage ('garbage', 'A' x 43, '', 'x' x 300) {
	my $q = length $garbage ? "?token=$garbage" : '';
	$res = $anon->get("/confirm$q");
	is $anon->page($res), 'token-invalid',
	    "GET /confirm with token '" . substr($garbage, 0, 12) . "' shows token-invalid";
	like $res->{status}, qr/^4\d\d$/, '  with a 4xx status';
}
$res = $anon->get('/confirm?token=%FF%FE');
is $res->{status}, 400, 'a token that is not UTF-8 is a malformed request (400)';
$anon->get('/login');
$res = $anon->post_form('/confirm', { token => 'garbage' });
is $anon->page($res), 'token-invalid', 'POST /confirm with a garbage token shows token-invalid';
like $res->{status}, qr/^4\d\d$/, 'with a 4xx status';
$res = $anon->post_form('/confirm', { token => 'A' x 43 });
is $anon->page($res), 'token-invalid', 'POST /confirm with a well-formed unknown token shows token-invalid';

# ---- sign-in -----------------------------------------------------------------------
my $bob_pw = 'bob password 1';
my ($bob, $bob_id) = new_user($s, 'bob@example.com', password => $bob_pw, name => 'Bob');

my $v = $s->ua;
my $wrong = $v->login('bob@example.com', 'not his password');
my $unknown = $v->login('nobody@example.com', 'not his password');
is $wrong->{status}, 401, 'a wrong password is 401';
is $v->page($wrong), 'login', 'on the login page';
is_deeply [ $v->errors($wrong) ], ['invalid-credentials'], 'data-error invalid-credentials';
is $unknown->{status}, 401, 'an unknown address is 401';
is_deeply [ $v->errors($unknown) ], ['invalid-credentials'], 'data-error invalid-credentials';
is blank_volatile($wrong->{content}, 'bob@example.com'),
    blank_volatile($unknown->{content}, 'nobody@example.com'),
    'both pages are the same but for the echoed address';
is_deeply [ sort grep { !/^(?:date|set-cookie)$/ } keys %{ $wrong->{headers} } ],
    [ sort grep { !/^(?:date|set-cookie)$/ } keys %{ $unknown->{headers} } ],
    'with the same headers';
security_headers_ok($wrong, 'the 401');
is $v->cookie('roster_session'), undef, 'no session cookie after a failure';
$res = $v->login('bob@example.com', '');
is $res->{status}, 401, 'an empty password is 401 invalid-credentials too';
$res = $v->login('not an address', $bob_pw);
is $res->{status}, 401, 'a malformed address is 401 too';
is_deeply [ $v->errors($res) ], ['invalid-credentials'], 'data-error invalid-credentials';

# An unknown address costs a password hash verification too, so its answer
# is not measurably faster than a wrong password's (a lookup alone would
# answer in a millisecond or two, an argon2id verification takes far more).
{
	my ($tim_ua) = new_user($s, 'tim@example.com', password => 'tim password');
	my (@known, @unknown);
	my $t = $s->ua;
	$t->get('/login');
	my $time = sub {
		my ($email, $pw) = @_;
		my $t0 = Time::HiRes::time();
		$t->post_form('/login', { email => $email, password => $pw });
		return Time::HiRes::time() - $t0;
	};
	# Three wrong passwords (the limit allows three), five unknown
	# addresses, interleaved; the fastest of each is its cost without
	# the noise of other load on the machine.
	for my $i (1 .. 5) {
		push @known, $time->('tim@example.com', "bad $i") if $i <= 3;
		push @unknown, $time->("ghost$i\@example.com", "bad $i");
	}
	my ($k) = sort { $a <=> $b } @known;
	my ($u) = sort { $a <=> $b } @unknown;
	cmp_ok $u, '>=', $k / 5,
	    sprintf('an unknown address costs a hash verification too (fastest %.0f ms vs %.0f ms)', $u * 1e3, $k * 1e3);
}

# A visitor's session cookie rotates at sign-in.
my $carl = $s->ua;
my ($carl_ua) = new_user($s, 'carl@example.com', password => 'carl password');
my $carl_id = user_id($s, 'carl@example.com');
$carl_ua->logout;
$carl->get('/login');
my $pre = $carl->cookie('roster_pre');
ok defined $pre && length $pre, 'an anonymous visitor holds a pre-session cookie';
is $carl->cookie('roster_session'), undef, 'and no session cookie';
$res = $carl->post_form('/login', { email => 'Carl@Example.com', password => 'carl password' });
is $res->{status}, 303, 'the right password (address in other case) answers 303';
is $carl->location($res), '/', 'to /';
my @sc = map { ref $_ ? @$_ : $_ } $res->{headers}{'set-cookie'} // ();
ok((grep { /^roster_pre=;.*Max-Age=0/ } @sc), 'the pre-session cookie is cleared');
is $carl->cookie('roster_pre'), undef, 'and gone from the jar';
my $s1 = $carl->cookie('roster_session');
ok defined $s1, 'a session cookie is set';
is length(b64url_decode($s1) // ''), 32, 'holding 32 bytes';
isnt $s1, $pre, 'which is not the pre-session value';
$res = follow_redirect($carl, $res);
is $carl->page($res), 'dashboard', 'the dashboard follows';
is $carl->flash($res), 'signed-in', 'with flash signed-in';
is session_row($carl), 1, 'the sessions row holds the hash of the cookie';
is $s->sql_one("SELECT count(*) FROM sessions WHERE token_hash = decode(?, 'hex')",
    unpack('H*', b64url_decode($s1) // '')), 0, 'and never the raw cookie bytes';

# Signing in again while signed in replaces the session.
$res = $carl->login('carl@example.com', 'carl password');
is $res->{status}, 303, 'signing in again answers 303';
my $s2 = $carl->cookie('roster_session');
isnt $s2, $s1, 'with a new session cookie';
my $old = $s->ua;
$old->set_cookie(roster_session => $s1);
$res = $old->get('/');
is $res->{status}, 303, 'the replaced session cookie no longer signs anyone in';
is $old->location($res), '/login?next=%2F', 'it is sent to sign in';
is sessions_of($carl_id), 1, 'the old sessions row is gone (one left)';

# Rate limit: three failures for an address, then even the right password is refused.
my ($dora_ua) = new_user($s, 'dora@example.com', password => 'dora password');
my $r = $s->ua;
for my $i (1 .. 3) {
	is $r->login('dora@example.com', "wrong $i")->{status}, 401, "failure $i of 3 is 401";
}
$res = $r->login('dora@example.com', 'dora password');
is $res->{status}, 429, 'the 4th attempt, with the right password, is 429';
is_deeply [ $r->errors($res) ], ['rate-limited'], 'data-error rate-limited';
is $r->cookie('roster_session'), undef, 'and no session';
security_headers_ok($res, 'the 429');
$res = $r->login('DORA@example.com', 'dora password');
is $res->{status}, 429, 'the address in other case is the same bucket';
is $s->ua->login('carl@example.com', 'carl password')->{status}, 303,
    'another address still signs in';
for my $i (1 .. 3) { $r->login('ghost@example.com', "wrong $i") }
$res = $r->login('ghost@example.com', 'whatever');
is $res->{status}, 429, 'an unknown address is limited the same way';

# ---- next ----------------------------------------------------------------------------
my $nx = $s->ua;
$res = $nx->get('/orgs/new');
is $res->{status}, 303, 'an anonymous GET of /orgs/new answers 303';
is $nx->location($res), '/login?next=%2Forgs%2Fnew', 'to /login?next=%2Forgs%2Fnew';
$res = follow_redirect($nx, $res);
is $nx->page($res), 'login', 'the login page';
like $res->{content}, qr{name="next"\s+value="/orgs/new"}, 'carries next=/orgs/new';
$res = $nx->post_form('/login', { email => 'bob@example.com', password => $bob_pw, next => '/orgs/new' });
is $res->{status}, 303, 'signing in answers 303';
is $nx->location($res), '/orgs/new', 'to /orgs/new';
is $nx->page(follow_redirect($nx, $res)), 'org-new', 'where the form is';

for my $case ([ '/' => '/login?next=%2F' ],
	      [ '/orgs/anything' => '/login?next=%2Forgs%2Fanything' ],
	      [ '/orgs/anything/audit' => '/login?next=%2Forgs%2Fanything%2Faudit' ],
	      [ '/orgs/x?tab=a%20b' => '/login?next=%2Forgs%2Fx%3Ftab%3Da%2520b' ],
	      [ '/me/invitations' => '/login?next=%2Fme%2Finvitations' ]) {
	my ($path, $want) = @$case;
	$res = $s->ua->get($path);
	is $res->{status}, 303, "anonymous GET $path answers 303";
	is $res->{headers}{location}, $want, "  to $want";
}

for my $evil ('//evil.example', '/\\evil.example', 'https://evil.example',
	      'javascript:alert(1)', '/%2F%2Fevil.example', '/%5Cevil.example',
	      "/\r\nLocation: https://evil.example", 'http:/\\evil.example', ' //evil.example') {
	my $e = $s->ua;
	my $shown = $evil =~ s/[\r\n]/?/gr;
	$res = $e->get('/login?next=' . Roster::Test::UA::uri_escape($evil));
	is $res->{status}, 200, "GET /login?next=$shown answers 200";
	unlike $res->{content}, qr/evil\.example/, '  and does not put it on the page';
	$res = $e->post_form('/login', { email => 'bob@example.com', password => $bob_pw, next => $evil });
	is $res->{status}, 303, "  signing in with next=$shown answers 303";
	is $res->{headers}{location}, '/', '  to / (never off the site)';
}

# ---- sign-out ---------------------------------------------------------------------------
my $out = $s->ua;
$out->login('bob@example.com', $bob_pw);
my $bob_sessions = sessions_of($bob_id);
my $cookie = $out->cookie('roster_session');
is session_row($out), 1, 'a signed-in visitor has a sessions row';
$out->get('/');
$res = $out->post_form('/logout', {});
is $res->{status}, 303, 'POST /logout answers 303';
is $out->location($res), '/login', 'to /login';
security_headers_ok($res, 'the sign-out redirect');
is $out->cookie('roster_session'), undef, 'the session cookie is cleared';
$res = follow_redirect($out, $res);
is $out->page($res), 'login', 'the login page follows';
is $out->flash($res), 'signed-out', 'with flash signed-out';
is $s->sql_one("SELECT count(*) FROM sessions WHERE token_hash = decode(?, 'hex')", cookie_hash_hex($cookie)), 0,
    'the sessions row is deleted';
is sessions_of($bob_id), $bob_sessions - 1, "Bob's other sessions stay";
my $replay = $s->ua;
$replay->set_cookie(roster_session => $cookie);
$res = $replay->get('/');
is $res->{status}, 303, 'the old session cookie no longer works';
is $replay->location($res), '/login?next=%2F', 'GET / goes to sign in';
is $bob->page($bob->get('/')), 'dashboard', "Bob's first session still works";

# ---- password reset ------------------------------------------------------------------------
my ($eve_old, $eve_id) = new_user($s, 'eve@example.com', password => 'eve old password');
my $eve_old2 = $s->ua;
is $eve_old2->login('eve@example.com', 'eve old password')->{status}, 303, 'Eve holds two sessions';
is sessions_of($eve_id), 2, '(two sessions rows)';
$s->wait_for_mail(to => 'eve@example.com');   # her confirmation
my $outbox = $s->sql_one('SELECT count(*) FROM outbox');

my $f = $s->ua;
$res = $f->get('/password/forgot');
is $res->{status}, 200, 'GET /password/forgot answers 200';
is $f->page($res), 'password-forgot', 'page password-forgot';
my $known = $f->post_form('/password/forgot', { email => 'EVE@example.com' });
my $unk = $f->post_form('/password/forgot', { email => 'nobody-here@example.com' });
is $known->{status}, 303, 'a known address answers 303';
is $f->location($known), '/password/forgot?sent=1', 'to /password/forgot?sent=1';
is $unk->{status}, 303, 'an unknown address answers 303';
is $f->location($unk), '/password/forgot?sent=1', 'to the same place';
is_deeply [ sort grep { $_ ne 'date' } keys %{ $known->{headers} } ],
    [ sort grep { $_ ne 'date' } keys %{ $unk->{headers} } ], 'with the same headers';
is $known->{content}, $unk->{content}, 'and the same body';
my $kp = follow_redirect($f, $known);
my $up = follow_redirect($f, $unk);
is $f->page($kp), 'password-forgot', 'the page after it';
like $kp->{content}, qr/If that address has an account/, 'says a link was sent if the account exists';
is blank_volatile($kp->{content}), blank_volatile($up->{content}), 'the same page for both addresses';
$res = $f->post_form('/password/forgot', { email => "eve\@example.com\r\nBcc: x\@example.com" });
is $res->{status}, 422, 'a malformed address is 422';
is_deeply [ $f->errors($res) ], ['invalid-email'], 'data-error invalid-email';

$mail = $s->wait_for_mail(to => 'eve@example.com');
ok $mail, 'one email went to the known address';
my $reset_link = $mail ? $mail->{link} : '';
like $reset_link, qr{^\Q${\ $s->base_url }\E/password/reset\?token=[A-Za-z0-9_-]+$},
    'linking to /password/reset?token=';
my $reset_tok = token_of($reset_link);
push @tokens, $reset_tok;
is $s->wait_for_mail(to => 'nobody-here@example.com', timeout => 2), undef,
    'nothing went to the unknown address';
is $s->sql_one('SELECT count(*) FROM outbox'), $outbox + 1, 'exactly one email was queued';

my $hash_before = $s->sql_one('SELECT password_hash FROM users WHERE id = ?', $eve_id);
sub reset_used { $s->sql_one("SELECT used_at IS NOT NULL FROM account_tokens WHERE token_hash = decode(?, 'hex')",
    cookie_hash_hex($reset_tok)) }
my $rs = $s->ua;
$res = $rs->get("/password/reset?token=$reset_tok");
is $res->{status}, 200, 'GET /password/reset?token= answers 200';
is $rs->page($res), 'password-reset', 'page password-reset';
like $res->{content}, qr{<form\b[^>]*method="post"[^>]*action="/password/reset"}i, 'with a POST form';
is reset_used(), 'f', 'the GET left the token unused';
$scanner->get("/password/reset?token=$reset_tok", { Cookie => undef });
is reset_used(), 'f', 'so did a scanner';
$res = $rs->post_form('/password/reset', { token => $reset_tok, password => 'short' });
is $res->{status}, 422, 'a short new password is 422';
is $rs->page($res), 'password-reset', 'the form again';
is_deeply [ $rs->errors($res) ], ['invalid-password'], 'data-error invalid-password';
is reset_used(), 'f', 'the token is still unused';
is $s->sql_one('SELECT password_hash FROM users WHERE id = ?', $eve_id), $hash_before, 'the password is unchanged';
$res = $rs->post_form('/password/reset', { token => $reset_tok, password => 'eve new password' });
is $res->{status}, 303, 'a good new password answers 303';
is $rs->location($res), '/login', 'to /login';
$res = follow_redirect($rs, $res);
is $rs->page($res), 'login', 'the login page';
is $rs->flash($res), 'password-reset', 'with flash password-reset';
is reset_used(), 't', 'the token is used';
isnt $s->sql_one('SELECT password_hash FROM users WHERE id = ?', $eve_id), $hash_before, 'the hash changed';
is sessions_of($eve_id), 0, 'every session of Eve is gone';
$res = $eve_old->get('/');
is $res->{status}, 303, 'an earlier session is signed out';
is $eve_old->location($res), '/login?next=%2F', '  and sent to sign in';
is $eve_old2->get('/')->{status}, 303, 'so is the other one';
is $s->sql_one("SELECT count(*) FROM audit_events WHERE action = 'user.password_reset' AND subject_id = ?", $eve_id),
    1, 'audit event user.password_reset';
my $l = $s->ua;
is $l->login('eve@example.com', 'eve old password')->{status}, 401, 'the old password fails';
is $l->login('eve@example.com', 'eve new password')->{status}, 303, 'the new one works';
$res = $rs->post_form('/password/reset', { token => $reset_tok, password => 'eve third password' });
is $rs->page($res), 'token-invalid', 'a second POST of the token shows token-invalid';
like $res->{status}, qr/^4\d\d$/, 'with a 4xx status';
is $s->ua->login('eve@example.com', 'eve third password')->{status}, 401, 'and changed nothing';
$res = $rs->get("/password/reset?token=$reset_tok");
is $rs->page($res), 'token-invalid', 'the used link shows token-invalid';
$res = $rs->post_form('/password/reset', { token => 'garbage', password => 'whatever password' });
is $rs->page($res), 'token-invalid', 'a garbage token shows token-invalid';
$res = $rs->get('/password/reset?token=garbage');
is $rs->page($res), 'token-invalid', 'on GET too';

# A confirmation token is no reset token.
my ($fay_ua, $fay_id) = new_user($s, 'fay@example.com');
$mail = $s->wait_for_mail(to => 'fay@example.com');
my $fay_tok = token_of($mail && $mail->{link});
push @tokens, $fay_tok;
$res = $rs->get("/password/reset?token=$fay_tok");
is $rs->page($res), 'token-invalid', 'a confirmation token does not open the reset page';
$res = $rs->post_form('/password/reset', { token => $fay_tok, password => 'hijacked password' });
is $rs->page($res), 'token-invalid', 'nor reset a password';
is $s->ua->login('fay@example.com', 'hijacked password')->{status}, 401, 'the password is unchanged';

# ---- logs ------------------------------------------------------------------------------------
my $logs = $s->log_text;
ok length $logs, 'the servers wrote logs';
my @leaked = grep { defined && length && index($logs, $_) >= 0 } @tokens;
is scalar(@leaked), 0, 'no confirmation or reset token appears in any log (' . scalar(@tokens) . ' checked)';
is scalar(grep { !defined || !length } @tokens), 0, 'every token was found in its email';
for my $pw (PASSWORD, 'eve new password', $bob_pw) {
	ok index($logs, $pw) < 0, "no password in the logs ('$pw')";
}

done_testing;
