#!/usr/bin/env perl
# The public join form (SPEC §3 /join/{slug}, /join/confirm; §4 Join
# requests 1-3): a request waits for confirmation with SHA-256 of a random
# token and a 24 h expiry, and its link is emailed; the answer is the same
# page whatever the address; fields outside the allowlist are dropped and
# values capped; GET /join/confirm never writes, POST confirms once, a
# used token is token-invalid and an expired one join-expired; requests
# waiting for confirmation are invisible to managers; per-address and
# per-organization limits hold back floods without changing the answer;
# purge-expired deletes expired unconfirmed requests.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Join;

my $s = Roster::Test->start;
my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');
enable_join($owner, 'acme', 'phone,message');
my $org = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
my $m0 = metrics($s);

# ---- submit ---------------------------------------------------------------------------
my $ua = $s->ua;
my $long = 'é' x 1500;
my $res = public_join($s, 'acme', ua => $ua, email => '  Dora@Example.COM ', first_name => 'Dora',
    last_name => 'Explorer', phone => ' +1 555 0100 ', city => 'Paris', message => $long,
    shoe_size => '42');
is $res->{status}, 303, 'public submit: 303';
is $ua->location($res), '/join/acme?sent=1', '... to the check-email page';
my $next = go($ua, $res);
is $next->{status}, 200, '... which answers 200';
is $ua->page($next), 'join-check-email', '... page join-check-email';
is $ua->flash($next), 'join-requested', '... flash join-requested';

my $row = jr_row($s, q{email = 'dora@example.com'});
ok $row, 'a request is stored, the address canonical';
is $row->{status}, 'pending_confirmation', '... pending confirmation';
is $row->{organization_id}, $org, '... for the organization';
is $row->{user_id}, '', '... of no user';
is "$row->{first_name} $row->{last_name}", 'Dora Explorer', '... with the names';
is $s->sql_one('SELECT fields ->> ? FROM join_requests WHERE id = ?', 'phone', $row->{id}), '+1 555 0100',
    '... the allowed phone, trimmed';
is $s->sql_one(q{SELECT jsonb_exists(fields, 'city') FROM join_requests WHERE id = ?}, $row->{id}), 'f',
    '... the city (not allowed) dropped';
is $s->sql_one(q{SELECT jsonb_exists(fields, 'shoe_size') FROM join_requests WHERE id = ?}, $row->{id}), 'f',
    '... an unknown field dropped';
is $s->sql_one(q{SELECT length(fields ->> 'message') FROM join_requests WHERE id = ?}, $row->{id}), 1000,
    '... the message capped at 1000 characters';
is $s->sql_one('SELECT length(confirm_hash) FROM join_requests WHERE id = ?', $row->{id}), 32,
    '... a 32-byte token hash';
is $s->sql_one(q{SELECT confirm_expires_at BETWEEN now() + interval '23 hours 55 minutes'
    AND now() + interval '24 hours 5 minutes' FROM join_requests WHERE id = ?}, $row->{id}), 't',
    '... expiring in 24 hours';
is audit_count($s, 'join_request.submitted', $row->{id}), 1, '... audited';

my $tok = join_mail_token($s, 'dora@example.com');
ok $tok, 'the confirmation email went out';
like $tok // '', qr/^[A-Za-z0-9_-]{43}$/, '... its link carries a 32-byte token';
is jr_hash($tok // ''), $row->{confirm_hash}, '... whose SHA-256 is the stored hash';
unlike pg_dump_text($s), qr/\Q$tok\E/, 'the token is nowhere in the database';

# ---- invisible until confirmed --------------------------------------------------------------
my $list = $owner->get('/orgs/acme/join-requests');
is scalar(join_rows($list)), 0, 'managers do not see an unconfirmed request';
$owner->get('/orgs/acme/join-requests');
my $ap = $owner->post_form("/orgs/acme/join-requests/$row->{id}/approve");
is $ap->{status}, 404, 'approving it: 404';
is $s->sql_one('SELECT status FROM join_requests WHERE id = ?', $row->{id}), 'pending_confirmation', '... unchanged';
is $s->sql_one('SELECT count(*) FROM memberships WHERE organization_id = ?', $org), 1, '... no membership';

# ---- confirm -------------------------------------------------------------------------------
my $visitor = $s->ua;
my $before = snapshot($s) . jr_row($s, "id = $row->{id}")->{status};
my $get = $visitor->get("/join/confirm?token=$tok");
is $get->{status}, 200, 'GET /join/confirm: 200';
is $visitor->page($get), 'join-confirm', '... page join-confirm';
like $get->{content}, qr{<form[^>]*method="post"[^>]*action="/join/confirm"}, '... with a button that POSTs';
like $get->{content}, qr/Acme/, '... naming the organization';
$visitor->get("/join/confirm?token=$tok");
is snapshot($s) . jr_row($s, "id = $row->{id}")->{status}, $before, '... and writes nothing, twice';

my $conf = $visitor->post_form('/join/confirm', { token => $tok });
is $conf->{status}, 200, 'POST /join/confirm: 200';
is $visitor->page($conf), 'join-confirmed', '... page join-confirmed';
$row = jr_row($s, "id = $row->{id}");
is $row->{status}, 'submitted', '... the request is submitted';
is $row->{confirm_hash}, '', '... its token forgotten';
isnt $row->{submitted_at}, '', '... with the time';
is audit_count($s, 'join_request.confirmed', $row->{id}), 1, '... audited';

my $again = $visitor->post_form('/join/confirm', { token => $tok });
is $again->{status}, 404, 'the token a second time: 404';
is $visitor->page($again), 'token-invalid', '... token-invalid';
is_deeply [ $visitor->errors($again) ], ['token-invalid'], '... data-error token-invalid';
is $visitor->get("/join/confirm?token=$tok")->{status}, 404, '... also on GET';
for my $bad ('', 'x', 'A' x 43, "$tok.x") {
	my $r = $visitor->get('/join/confirm?token=' . $bad);
	is $r->{status}, 404, "a token '" . substr($bad, 0, 10) . "': 404";
	is $visitor->page($r), 'token-invalid', '... token-invalid';
}
$list = $owner->get('/orgs/acme/join-requests');
my ($shown) = join_rows($list);
is $shown && $shown->{'data-join-request-id'}, $row->{id}, 'the confirmed request shows to managers';
is $shown && $shown->{'data-email'}, 'dora@example.com', '... data-email';
is $shown && $shown->{'data-status'}, 'submitted', '... data-status submitted';
like $list->{content}, qr{<span data-field="phone">Phone: \+1 555 0100</span>}, '... with the phone';
like $list->{content}, qr{data-field="message"}, '... and the message';

# ---- a second request of a waiting address --------------------------------------------------
public_join($s, 'acme', email => 'dora@example.com', first_name => 'Dora');
my $tok2 = join_mail_token($s, 'dora@example.com');
my $c2 = confirm_join($s->ua, $tok2);
is $c2->{status}, 200, 'confirming a second request of a waiting address: 200';
is $s->sql_one(q{SELECT count(*) FROM join_requests WHERE email = 'dora@example.com'}), 1,
    '... one request remains: the first';
is jr_row($s, q{email = 'dora@example.com'})->{id}, $row->{id}, '... the first one';

# ---- expiry ------------------------------------------------------------------------------
public_join($s, 'acme', email => 'eve@example.com', first_name => 'Eve');
my $etok = join_mail_token($s, 'eve@example.com');
my $eve = jr_row($s, q{email = 'eve@example.com'});
$s->psql(q{UPDATE join_requests SET created_at = now() - interval '2 days',
    confirm_expires_at = now() - interval '1 second' WHERE id = ?}, $eve->{id});
my $eg = $s->ua->get("/join/confirm?token=$etok");
is $eg->{status}, 410, 'an expired link: GET 410';
my $eua = $s->ua;
$eua->get('/login');
my $ep = $eua->post_form('/join/confirm', { token => $etok });
is $ep->{status}, 410, '... POST 410';
is $eua->page($ep), 'join-expired', '... page join-expired';
is_deeply [ $eua->errors($ep) ], ['join-expired'], '... data-error join-expired';
is jr_row($s, "id = $eve->{id}")->{status}, 'pending_confirmation', '... nothing confirmed';
my $purge = $s->rosterctl('purge-expired');
is $purge->{status}, 0, 'rosterctl purge-expired';
is $s->sql_one('SELECT count(*) FROM join_requests WHERE id = ?', $eve->{id}), 0, '... deleted the expired request';
is $s->sql_one('SELECT count(*) FROM join_requests WHERE id = ?', $row->{id}), 1, '... and kept the submitted one';

# ---- the same answer whatever the address ----------------------------------------------------
my @answers;
for my $email ('olga@example.com', 'dora@example.com', 'nobody@example.com') {
	my $u = $s->ua;
	my $r = public_join($s, 'acme', ua => $u, email => $email, first_name => 'Someone');
	my $n = go($u, $r);
	(my $body = $n->{content}) =~ s/name="csrf_token" value="[^"]*"//g;
	push @answers, join '|', $r->{status}, $u->location($r), $n->{status}, $u->page($n), $u->flash($n), $body;
}
is $answers[1], $answers[0], 'a waiting address gets the answer a member gets';
is $answers[2], $answers[0], 'an address without an account gets the same answer';

# ---- bad input --------------------------------------------------------------------------------
my %bad = (
	'no email'          => [ { first_name => 'X' }, 'invalid-email' ],
	'a bad email'       => [ { email => 'not-an-address', first_name => 'X' }, 'invalid-email' ],
	'a control char'    => [ { email => "a\x01b\@example.com", first_name => 'X' }, 'invalid-email' ],
	'no first name'     => [ { email => 'x@example.com' }, 'invalid-name' ],
	'a blank first name'=> [ { email => 'x@example.com', first_name => '   ' }, 'invalid-name' ],
	'a long first name' => [ { email => 'x@example.com', first_name => 'a' x 101 }, 'invalid-name' ],
	'a long last name'  => [ { email => 'x@example.com', first_name => 'X', last_name => 'b' x 101 }, 'invalid-name' ],
);
my $count = $s->sql_one('SELECT count(*) FROM join_requests');
for my $what (sort keys %bad) {
	my ($f, $code) = @{ $bad{$what} };
	my $u = $s->ua;
	my $r = public_join($s, 'acme', ua => $u, %$f);
	is $r->{status}, 422, "$what: 422";
	is $u->page($r), 'join-form', '... the form again';
	is_deeply [ $u->errors($r) ], [$code], "... data-error $code";
}
is $s->sql_one('SELECT count(*) FROM join_requests'), $count, 'bad input stores nothing';
my $xss = public_join($s, 'acme', email => 'bad', first_name => '<b>x</b>');
unlike $xss->{content}, qr/<b>x<\/b>/, 'posted values are escaped when shown again';
like $xss->{content}, qr/&lt;b&gt;x/, '... and shown';

# ---- rate limits -------------------------------------------------------------------------------
$s->psql('DELETE FROM rate_events');
my $mails = () = grep { $_->{to} eq 'flood@example.com' } $s->mails;
my @st;
for my $i (1 .. 5) {
	my $u = $s->ua;
	my $r = public_join($s, 'acme', ua => $u, email => 'flood@example.com', first_name => 'F');
	push @st, "$r->{status} " . ($u->location($r) // '');
}
is_deeply \@st, [ ('303 /join/acme?sent=1') x 5 ], 'five requests for one address: the same answer each time';
is $s->sql_one(q{SELECT count(*) FROM join_requests WHERE email = 'flood@example.com'}), 3,
    '... only three stored in the hour';
ok eventually(10, sub { (() = grep { $_->{to} eq 'flood@example.com' } $s->mails) == $mails + 3 }),
    '... three emails';
sleep 1;
is scalar(() = grep { $_->{to} eq 'flood@example.com' } $s->mails), $mails + 3, '... and no more';

# per organization: 20 an hour
my $other = person($s, 'otto@example.com', 'Otto', confirm => 1);
new_org($other, 'Beta', 'beta');
enable_join($other, 'beta', '');
for my $i (1 .. 22) {
	my $r = public_join($s, 'beta', email => "p$i\@example.com", first_name => 'P');
	die "request $i: $r->{status}" unless $r->{status} == 303;
}
is $s->sql_one(q{SELECT count(*) FROM join_requests j JOIN organizations o ON o.id = j.organization_id
    WHERE o.slug = 'beta'}), 20, 'per organization: 20 requests an hour, the rest held back with the same answer';

my $m1 = metrics($s);
cmp_ok $m1->{roster_join_requests_submitted_total} - ($m0->{roster_join_requests_submitted_total} // 0),
    '==', $s->sql_one('SELECT count(*) FROM join_requests') + 2, # eve's purged, dora's duplicate deleted
    '/metrics counts the requests submitted';
cmp_ok $m1->{roster_join_requests_confirmed_total} // 0, '==', 2, '/metrics counts confirmations';

done_testing;
