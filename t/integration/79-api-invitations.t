#!/usr/bin/env perl
# The JSON API's invitation endpoints (SPEC §7.4): list, create, revoke
# and resend under /api/v1/orgs/{slug}/invitations, through the same
# domain operations as the roster page's forms. Checked: the same action
# by page and by API writes the same rows (invitation, audit event, queued
# email); the invitation object (ids as numbers, RFC 3339 times, never a
# token or a link); the rights of owners, admins, members and outsiders;
# SPEC §4's codes as problem details; every strict-JSON refusal (malformed,
# trailing data, duplicate keys, unknown fields, wrong types, missing
# fields, other roots, invalid UTF-8, NUL) as 400 malformed-json writing
# nothing, another content type 415, a body over 64 KiB 413; no CSRF
# token needed and a cookie alone not enough; a fuzzed body never kills
# a worker and always gets a JSON answer.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP ();
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(env => { ROSTER_INVITE_LIMIT_USER => 10000, ROSTER_INVITE_LIMIT_ORG => 10000 });
my @bodies;

my $owner = person($s, 'olga@example.com', 'Olga Owner', confirm => 1);
new_org($owner, 'Acme', 'acme');
new_org($owner, 'Other', 'other');
my %ua;
for ([ 'alice@example.com', 'admin' ], [ 'mike@example.com', 'member' ]) {
	my ($email, $role) = @$_;
	my $inv = invite_ok($s, $owner, 'acme', $email, $role);
	my $u = $s->ua;
	$u->get($inv->{path});
	my $res = $u->post_form('/invitations/accept/signup',
	    { token => $inv->{token}, display_name => $email, password => PASSWORD });
	die "$email: $res->{status}" unless $res->{status} == 303;
	$ua{$email} = $u;
}
my $out = person($s, 'xavier@example.com', 'Xavier', confirm => 1);
my $olga_id = user_id($s, 'olga@example.com');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});

sub token_for {
	my ($ua, $name) = @_;
	$ua->get('/me/tokens');
	my $r = $ua->post_form('/me/tokens', { name => $name });
	my ($t) = $r->{content} =~ /data-api-token="([^"]*)"/ or die "no token: $r->{status}";
	return $t;
}
my $olga_t = token_for($owner, 'olga');
my $alice_t = token_for($ua{'alice@example.com'}, 'alice');
my $mike_t = token_for($ua{'mike@example.com'}, 'mike');
my $xav_t = token_for($out, 'xavier');

sub api {
	my ($method, $path, %o) = @_;
	my %h = (Cookie => $o{cookie});
	$h{Authorization} = "Bearer $o{token}" if defined $o{token};
	$h{'Content-Type'} = $o{ctype} // 'application/json' if defined $o{body} || defined $o{json};
	delete $h{'Content-Type'} if exists $o{ctype} && !defined $o{ctype};
	my $body = defined $o{json} ? JSON::PP->new->encode($o{json}) : $o{body};
	my $r = $s->ua->request($method, $path, $body, \%h);
	push @bodies, $r->{content} // '';
	return $r;
}
sub json_of { my $v = eval { JSON::PP->new->decode($_[0]{content}) }; return $v }
sub problem_ok {
	my ($r, $status, $code, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is $r->{status}, $status, "$what: $status";
	like $r->{headers}{'content-type'} // '', qr{^application/problem\+json}, "$what: problem+json";
	my $p = json_of($r);
	is ref $p, 'HASH', "$what: a JSON object" or return;
	is_deeply [ @$p{qw(type status code)} ], [ 'about:blank', $status, $code ], "$what: type, status, code $code";
	return $p;
}
sub inv_count { $s->sql_one('SELECT count(*) FROM invitations') }

# ---- the same action by page and by API ---------------------------------------------
my $page_inv = invite_ok($s, $owner, 'acme', 'dana@example.com', 'member');
my $res = api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t,
    json => { email => '  Erin@Example.com ', role => 'member' });
is $res->{status}, 201, 'POST invitations: 201';
like $res->{headers}{'content-type'}, qr{^application/json}, 'application/json';
my $v = json_of($res);
my $api_inv = invitation_mail($s, 'erin@example.com');
is $v->{id}, $api_inv->{id}, 'the id of the row the mail links to';
like $res->{content}, qr/"id":\d+[,}]/, 'the id is a JSON number';
is $v->{email}, 'erin@example.com', 'the address as stored';
is $v->{role}, 'member', 'role';
is $v->{status}, 'pending', 'status pending';
like $v->{delivery}, qr/^(queued|sent)$/, 'delivery queued or sent';
is $v->{invited_by}, 0 + $olga_id, 'invited_by: the token user id, a number';
like $v->{expires_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'expires_at is RFC 3339 UTC';
is $v->{expires_at}, $s->sql_one(q{SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    FROM invitations WHERE id = ?}, $v->{id}), 'expires_at as stored';
is_deeply [ sort keys %$v ], [ sort qw(id email role status delivery expires_at invited_by) ], 'exactly the fields SPEC names';
my @cols = qw(organization_id role invited_by accepted_at revoked_at declined_at);
my $cmp = sub { my ($id) = @_; my $r = inv_row($s, $id); return [ @$r{@cols},
    $s->sql_one(q{SELECT round(extract(epoch FROM expires_at - created_at) / 60) FROM invitations WHERE id = ?}, $id) ] };
is_deeply $cmp->($api_inv->{id}), $cmp->($page_inv->{id}), 'page and API wrote the same invitation row (lifetime to the minute)';
is audit_count($s, 'invitation.created', $api_inv->{id}), audit_count($s, 'invitation.created', $page_inv->{id}),
    'the same audit event';
is audit_count($s, 'invitation.created', $api_inv->{id}), 1, 'one of each';
is $s->sql_one('SELECT count(*) FROM outbox WHERE invitation_id = ?', $api_inv->{id}),
   $s->sql_one('SELECT count(*) FROM outbox WHERE invitation_id = ?', $page_inv->{id}), 'the same email queued';

# ---- list ------------------------------------------------------------------------------
$res = api(GET => '/api/v1/orgs/acme/invitations', token => $olga_t);
is $res->{status}, 200, 'list: 200';
my %ids = map { $_->{id} => $_ } @{ json_of($res)->{invitations} };
is_deeply [ sort { $a <=> $b } keys %ids ], [ sort { $a <=> $b } $page_inv->{id}, $api_inv->{id} ], 'the open invitations';
is_deeply $ids{ $api_inv->{id} }{email}, 'erin@example.com', 'with their address';
is api(GET => '/api/v1/orgs/acme/invitations', token => $alice_t)->{status}, 200, 'an admin lists them';
problem_ok(api(GET => '/api/v1/orgs/acme/invitations', token => $mike_t), 403, 'forbidden', 'a member');
problem_ok(api(GET => '/api/v1/orgs/acme/invitations', token => $xav_t), 404, 'not-found', 'an outsider');
problem_ok(api(GET => '/api/v1/orgs/acme/invitations'), 401, 'unauthorized', 'no token');

# ---- SPEC §4 rules, as on the page ------------------------------------------------------
my $n = inv_count();
problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t, json => { email => 'not an address', role => 'member' }),
    422, 'invalid-email', 'a bad address');
problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t, json => { email => 'f@example.com', role => 'king' }),
    422, 'invalid-role', 'a bad role');
problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $alice_t, json => { email => 'f@example.com', role => 'admin' }),
    403, 'role-escalation', 'an admin granting admin');
problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t, json => { email => 'mike@example.com', role => 'member' }),
    409, 'already-member', 'a member');
problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $mike_t, json => { email => 'f@example.com', role => 'member' }),
    403, 'forbidden', 'a plain member inviting');
problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $xav_t, json => { email => 'f@example.com', role => 'member' }),
    404, 'not-found', 'an outsider inviting');
problem_ok(api(POST => '/api/v1/orgs/nope/invitations', token => $olga_t, json => { email => 'f@example.com', role => 'member' }),
    404, 'not-found', 'an unknown organization');
is inv_count(), $n, 'none of them wrote an invitation';
# The page answers the same codes for the same requests.
org_page($ua{'alice@example.com'}, 'acme');
$res = $ua{'alice@example.com'}->post_form('/orgs/acme/invitations', { email => 'f@example.com', role => 'admin' });
is_deeply [ $res->{status}, grep { $_ eq 'role-escalation' } $ua{'alice@example.com'}->errors($res) ], [ 403, 'role-escalation' ],
    'the page says role-escalation 403 too';

# ---- strict JSON --------------------------------------------------------------------------
my $snap = snapshot($s);
my @bad = (
	[ 'malformed', '{"email":"f@example.com","role":' ],
	[ 'trailing data', '{"email":"f@example.com","role":"member"} x' ],
	[ 'two objects', '{"email":"f@example.com","role":"member"}{}' ],
	[ 'a duplicate key', '{"email":"f@example.com","role":"member","role":"admin"}' ],
	[ 'a duplicate key, same value', '{"email":"f@example.com","email":"f@example.com","role":"member"}' ],
	[ 'an unknown field', '{"email":"f@example.com","role":"member","admin":true}' ],
	[ 'a number for email', '{"email":5,"role":"member"}' ],
	[ 'null role', '{"email":"f@example.com","role":null}' ],
	[ 'a boolean role', '{"email":"f@example.com","role":true}' ],
	[ 'an array email', '{"email":["f@example.com"],"role":"member"}' ],
	[ 'an object role', '{"email":"f@example.com","role":{"r":"member"}}' ],
	[ 'a missing role', '{"email":"f@example.com"}' ],
	[ 'an empty object', '{}' ],
	[ 'an array root', '[{"email":"f@example.com","role":"member"}]' ],
	[ 'a string root', '"f@example.com"' ],
	[ 'null', 'null' ],
	[ 'an empty body', '' ],
	[ 'invalid UTF-8', qq({"email":"f\xff\@example.com","role":"member"}) ],
	[ 'a NUL escape', '{"email":"f\u0000@example.com","role":"member"}' ],
	[ 'a raw NUL', qq({"email":"f\0\@example.com","role":"member"}) ],
	[ 'single quotes', q({'email':'f@example.com','role':'member'}) ],
	[ 'a comment', '{"email":"f@example.com",/*x*/"role":"member"}' ],
	[ 'deep nesting', ('[' x 5000) . (']' x 5000) ],
);
for my $b (@bad) {
	my ($what, $body) = @$b;
	problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t, body => $body), 400, 'malformed-json', $what);
}
for my $ct ('text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data; boundary=x') {
	problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t, ctype => $ct,
	    body => '{"email":"f@example.com","role":"member"}'), 415, 'unsupported-media-type', "Content-Type $ct");
}
problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t, ctype => undef,
    body => '{"email":"f@example.com","role":"member"}'), 415, 'unsupported-media-type', 'no Content-Type');
problem_ok(api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t,
    body => '{"email":"f@example.com","role":"member","pad":"' . ('x' x 70000) . '"}'), 413, 'too-large', 'a body over 64 KiB');
is snapshot($s), $snap, 'none of the refused bodies wrote anything';
$res = api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t, ctype => 'application/json; charset=utf-8',
    body => '{ "role" : "member", "email" : "gina@example.com" }');
is $res->{status}, 201, 'application/json; charset=utf-8, any key order, white space: 201';

# ---- no CSRF token; a cookie is not a token ----------------------------------------------
$n = inv_count();
problem_ok(api(POST => '/api/v1/orgs/acme/invitations', cookie => $owner->cookie_header,
    json => { email => 'h@example.com', role => 'member' }), 401, 'unauthorized', "olga's session cookie without a token");
is inv_count(), $n, 'nothing written';
$res = api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t, json => { email => 'h@example.com', role => 'member' });
is $res->{status}, 201, 'with the token and no CSRF token: 201';
ok !exists $res->{headers}{'set-cookie'}, 'no cookie set';

# ---- revoke and resend ---------------------------------------------------------------------
my $h = json_of($res)->{id};
problem_ok(api(POST => "/api/v1/orgs/acme/invitations/$h/revoke", token => $mike_t), 403, 'forbidden', 'a member revoking');
problem_ok(api(POST => "/api/v1/orgs/other/invitations/$h/revoke", token => $olga_t), 404, 'not-found', "another organization's id");
problem_ok(api(POST => "/api/v1/orgs/acme/invitations/999999/revoke", token => $olga_t), 404, 'not-found', 'an unknown id');
problem_ok(api(POST => "/api/v1/orgs/acme/invitations/abc/revoke", token => $olga_t), 404, 'not-found', 'no id');
is $s->sql_one('SELECT revoked_at IS NULL FROM invitations WHERE id = ?', $h), 't', 'still open';
$res = api(POST => "/api/v1/orgs/acme/invitations/$h/revoke", token => $alice_t);
is $res->{status}, 200, 'an admin revokes: 200';
is_deeply json_of($res), { id => 0 + $h, status => 'revoked' }, '{"id","status":"revoked"}';
is $s->sql_one('SELECT revoked_at IS NOT NULL FROM invitations WHERE id = ?', $h), 't', 'revoked_at set';
is audit_count($s, 'invitation.revoked', $h), 1, 'audited';
problem_ok(api(POST => "/api/v1/orgs/acme/invitations/$h/revoke", token => $olga_t), 409, 'not-pending', 'revoking again');
problem_ok(api(POST => "/api/v1/orgs/acme/invitations/$h/resend", token => $olga_t), 409, 'not-pending', 'resending a revoked one');

my $before = $s->sql_one(q{SELECT count(*) FROM outbox WHERE kind = 'invitation'});
$res = api(POST => "/api/v1/orgs/acme/invitations/$api_inv->{id}/resend", token => $olga_t);
is $res->{status}, 200, 'resend: 200';
my $r = json_of($res);
isnt $r->{id}, $api_inv->{id}, 'a new invitation';
is $r->{email}, 'erin@example.com', 'to the same address';
is $r->{status}, 'pending', 'pending';
is $s->sql_one('SELECT revoked_at IS NOT NULL FROM invitations WHERE id = ?', $api_inv->{id}), 't', 'the old one revoked';
is $s->sql_one(q{SELECT count(*) FROM outbox WHERE kind = 'invitation'}), $before + 1, 'a new email queued';
my $again = invitation_mail($s, 'erin@example.com');
problem_ok(api(POST => "/api/v1/orgs/acme/invitations/$r->{id}/resend", token => $mike_t), 403, 'forbidden', 'a member resending');

# ---- fuzz: mutated bodies never kill a worker ------------------------------------------------
my $pids = join ',', sort $s->fcgi_pids;
srand(14);
my $valid = '{"email":"fuzz@example.com","role":"member"}';
my ($json_answers, $tries) = (0, 0);
for my $i (1 .. 300) {
	my $b = $valid;
	for (1 .. 1 + int rand 4) {
		my $p = int rand(length($b) + 1);
		my $k = rand;
		if ($k < 0.4) { substr($b, $p, 1, chr int rand 256) if $p < length $b }
		elsif ($k < 0.7) { substr($b, $p, 0, substr('{}[]":,\\ntfu0123456789e.-', int rand 24, 1)) }
		else { substr($b, $p, 1, '') if $p < length $b }
	}
	$res = api(POST => '/api/v1/orgs/acme/invitations', token => $olga_t, body => $b);
	$tries++;
	$json_answers++ if $res->{status} =~ /^(201|400|409|422)$/ && defined json_of($res);
}
is $json_answers, $tries, "every one of $tries fuzzed bodies got a JSON answer (201, 400, 409 or 422)";
is join(',', sort $s->fcgi_pids), $pids, 'no worker died';
is api(GET => '/api/v1/me', token => $olga_t)->{status}, 200, 'the API still answers';

# ---- no token, link or hash in any answer ---------------------------------------------------
my @secrets = grep { defined } map { ($_->{token}) } $page_inv, $api_inv, $again;
my @leaks = grep { my $b = $_; /rst_[A-Za-z0-9_-]{20}|token=|https?:\/\/|\$argon2|hashed_token/ || grep { index($b, $_) >= 0 } @secrets } @bodies;
is scalar @leaks, 0, 'no API answer holds a token, a link or a hash (' . scalar(@bodies) . ' answers)' or diag $leaks[0];

done_testing;
