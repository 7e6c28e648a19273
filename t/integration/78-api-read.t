#!/usr/bin/env perl
# The JSON API's read side (SPEC §7.4): GET /api/v1/me, /api/v1/orgs,
# /api/v1/orgs/{slug}/members (cursor pagination by user id over 8 rows
# with limit 3) and /api/v1/orgs/{slug}/members/{user_id}, each with a
# right, wrong, malformed, revoked and another user's token; the
# Authorization header alone decides (cookies are ignored and none is
# set); 401 carries WWW-Authenticate: Bearer; every error is RFC 9457
# problem details whose code is the page's data-error code; wrong tokens
# count against the client address (429 with Retry-After past
# ROSTER_TOKEN_LIMIT); last_used_at refreshed at most once a minute; no
# answer holds a token, a link or a password hash.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP ();
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(env => { ROSTER_TOKEN_LIMIT => 15 });
my $J = JSON::PP->new->canonical;
my @bodies;    # every API answer, searched for secrets at the end

my $owner = person($s, 'olga@example.com', 'Olga Owner', confirm => 1);
new_org($owner, 'Acme', 'acme');
new_org($owner, 'Other', 'other');

# Members of acme through invitations: an admin, five members.
my %ua = ('olga@example.com' => $owner);
for my $i (1 .. 6) {
	my ($email, $role) = $i == 1 ? ('alice@example.com', 'admin') : ("m$i\@example.com", 'member');
	my $inv = invite_ok($s, $owner, 'acme', $email, $role);
	my $u = $s->ua;
	$u->get($inv->{path});
	my $res = $u->post_form('/invitations/accept/signup',
	    { token => $inv->{token}, display_name => "Person $i", password => PASSWORD });
	die "$email: $res->{status}" unless $res->{status} == 303;
	$ua{$email} = $u;
}
# A confirmed outsider, and a pending owner-add (managers see it).
my $out = person($s, 'xavier@example.com', 'Xavier', confirm => 1);
my $pete = person($s, 'pete@example.com', 'Pete <b>', confirm => 1);
org_page($owner, 'acme');
my $res = $owner->post_form('/orgs/acme/members', { email => 'pete@example.com', role => 'member' });
die "owner-add: $res->{status}" unless $res->{status} == 303;
my $pete_id = user_id($s, 'pete@example.com');

sub token_for {
	my ($ua, $name) = @_;
	$ua->get('/me/tokens');
	my $r = $ua->post_form('/me/tokens', { name => $name });
	my ($t) = $r->{content} =~ /data-api-token="([^"]*)"/ or die "no token: $r->{status}";
	my ($id) = $r->{content} =~ /data-api-token-id="(\d+)"/;
	return ($t, $id);
}
my ($olga_t, $olga_tid) = token_for($owner, 'olga');
my ($mike_t) = token_for($ua{'m2@example.com'}, 'm2');
my ($xav_t) = token_for($out, 'xavier');
my ($dead_t, $dead_id) = token_for($owner, 'dead');
$owner->get('/me/tokens');
$owner->post_form("/me/tokens/$dead_id/revoke", {}) ->{status} == 303 or die 'revoke';

# One API request with a fresh client: no cookie unless given.
sub api {
	my ($method, $path, %o) = @_;
	my %h = (Cookie => $o{cookie});
	$h{Authorization} = $o{auth} if defined $o{auth};
	$h{Authorization} = "Bearer $o{token}" if defined $o{token};
	my $r = $s->ua->request($method, $path, $o{body}, \%h);
	push @bodies, $r->{content} // '';
	return $r;
}
sub json_of {
	my ($r) = @_;
	my $v = eval { JSON::PP->new->decode($r->{content}) };
	return $v;
}
# A problem details answer: status, content type, shape and code.
sub problem_ok {
	my ($r, $status, $code, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is $r->{status}, $status, "$what: $status";
	like $r->{headers}{'content-type'} // '', qr{^application/problem\+json}, "$what: application/problem+json";
	my $p = json_of($r);
	ok ref $p eq 'HASH', "$what: the body is a JSON object" or return;
	is $p->{type}, 'about:blank', "$what: type about:blank";
	is $p->{status}, $status, "$what: status in the body";
	ok defined $p->{title} && length $p->{title}, "$what: a title";
	is $p->{code}, $code, "$what: code $code";
	ok !exists $r->{headers}{'set-cookie'}, "$what: no cookie set";
	return $p;
}

# ---- authentication --------------------------------------------------------------
$res = api(GET => '/api/v1/me', token => $olga_t);
is $res->{status}, 200, 'me with a right token: 200';
like $res->{headers}{'content-type'}, qr{^application/json}, 'application/json';
is_deeply json_of($res), { id => 0 + user_id($s, 'olga@example.com'), email => 'olga@example.com',
    display_name => 'Olga Owner', email_confirmed => JSON::PP::true }, 'me: id, email, display_name, email_confirmed';
like $res->{content}, qr/"id":\d+[,}]/, 'ids are JSON numbers';
ok !exists $res->{headers}{'set-cookie'}, 'no cookie set';
is $res->{headers}{'cache-control'}, 'no-store', 'Cache-Control: no-store';
is json_of(api(GET => '/api/v1/me', token => $mike_t))->{email}, 'm2@example.com', "another user's token acts as that user";
is json_of(api(GET => '/api/v1/me', auth => "bEaReR $olga_t"))->{email}, 'olga@example.com', 'the scheme in any case';

for my $case ([ 'no Authorization', {} ], [ 'Basic', { auth => 'Basic b2xnYTpwdw==' } ],
    [ 'an empty bearer', { auth => 'Bearer ' } ]) {
	my ($what, $o) = @$case;
	$res = api(GET => '/api/v1/me', %$o);
	problem_ok($res, 401, 'unauthorized', $what);
	like $res->{headers}{'www-authenticate'} // '', qr/^Bearer\b/, "$what: WWW-Authenticate: Bearer";
}
my $guesses = 0;
for my $case ([ 'a wrong token', 'rst_' . ('A' x 43) ], [ 'a malformed token', 'rst_!!' ],
    [ 'no prefix', substr($olga_t, 4) ], [ 'a revoked token', $dead_t ], [ 'a token with a tail', "$olga_t x" ]) {
	my ($what, $t) = @$case;
	$res = api(GET => '/api/v1/me', token => $t);
	problem_ok($res, 401, 'unauthorized', $what);
	like $res->{headers}{'www-authenticate'} // '', qr/^Bearer\b.*invalid_token/, "$what: WWW-Authenticate: Bearer error=invalid_token";
	$guesses++;
}

# Cookies are ignored: a session alone is not enough, and a session of
# another user does not change whom a token acts as.
my $cookie = $owner->cookie_header;
ok length $cookie, 'olga has a session cookie';
problem_ok(api(GET => '/api/v1/me', cookie => $cookie), 401, 'unauthorized', 'a session cookie without a token');
is json_of(api(GET => '/api/v1/me', cookie => $cookie, token => $mike_t))->{email}, 'm2@example.com',
    "olga's cookie beside m2's token: m2";

# last_used_at: set on use, not rewritten within a minute.
my $used = $s->sql_one('SELECT last_used_at FROM api_tokens WHERE id = ?', $olga_tid);
ok length $used, 'last_used_at set by the first use';
api(GET => '/api/v1/me', token => $olga_t);
is $s->sql_one('SELECT last_used_at FROM api_tokens WHERE id = ?', $olga_tid), $used, 'not rewritten within a minute';
$s->psql(q{UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = ?}, $olga_tid);
my $old = $s->sql_one('SELECT last_used_at FROM api_tokens WHERE id = ?', $olga_tid);
api(GET => '/api/v1/me', token => $olga_t);
isnt $s->sql_one('SELECT last_used_at FROM api_tokens WHERE id = ?', $olga_tid), $old, 'refreshed after a minute';
like $owner->get('/me/tokens')->{content}, qr/data-api-token-id="$olga_tid".*?<time\b.*?<time\b/s, 'the page shows created and last used';

# ---- orgs -------------------------------------------------------------------------
is_deeply json_of(api(GET => '/api/v1/orgs', token => $olga_t)),
    { organizations => [ { slug => 'acme', name => 'Acme', role => 'owner' },
			 { slug => 'other', name => 'Other', role => 'owner' } ] }, 'orgs of olga';
is_deeply json_of(api(GET => '/api/v1/orgs', token => $mike_t)),
    { organizations => [ { slug => 'acme', name => 'Acme', role => 'member' } ] }, 'orgs of m2';
is_deeply json_of(api(GET => '/api/v1/orgs', token => $xav_t)), { organizations => [] }, 'orgs of an outsider: none';
problem_ok(api(GET => '/api/v1/orgs', token => $dead_t), 401, 'unauthorized', 'orgs with a revoked token');
$guesses++;

# ---- members: pagination ------------------------------------------------------------
my @all = map { $_->[0] } $s->psql(q{SELECT m.user_id FROM memberships m JOIN organizations o
    ON o.id = m.organization_id WHERE o.slug = 'acme' ORDER BY m.user_id});
is scalar @all, 8, '7 active members and one pending owner-add';
my (@seen, @sizes, $after, $pages);
while ($pages++ < 10) {
	$res = api(GET => '/api/v1/orgs/acme/members?limit=3' . (defined $after ? "&after=$after" : ''), token => $olga_t);
	is $res->{status}, 200, "page $pages: 200";
	my $v = json_of($res);
	push @sizes, scalar @{ $v->{members} };
	push @seen, map { $_->{user_id} } @{ $v->{members} };
	$after = $v->{next};
	last unless defined $after;
	like $after, qr/^[A-Za-z0-9_-]+$/, 'the cursor is a URL-safe string';
}
is_deeply \@sizes, [ 3, 3, 2 ], 'pages of 3, 3 and 2, the last with next null';
is_deeply \@seen, \@all, 'every membership once, ordered by user id';
my $all = json_of(api(GET => '/api/v1/orgs/acme/members', token => $olga_t));
is scalar @{ $all->{members} }, 8, 'default limit: all 8 on one page';
is $all->{next}, undef, 'next null';
my ($p) = grep { $_->{user_id} == $pete_id } @{ $all->{members} };
is_deeply $p, { user_id => 0 + $pete_id, email => 'pete@example.com', display_name => 'Pete <b>',
    role => 'member', status => 'pending', source => 'owner_add' }, 'a member: user_id, email, display_name, role, status, source';
my ($o) = grep { $_->{email} eq 'olga@example.com' } @{ $all->{members} };
is_deeply [ @$o{qw(role status source)} ], [ 'owner', 'active', 'creator' ], 'the owner row';
my $admin_view = json_of(api(GET => '/api/v1/orgs/acme/members', token => (token_for($ua{'alice@example.com'}, 'a'))[0]));
is scalar @{ $admin_view->{members} }, 8, 'an admin sees the pending owner-add too';
my $mem = json_of(api(GET => '/api/v1/orgs/acme/members?limit=500', token => $mike_t));
is scalar @{ $mem->{members} }, 7, 'a plain member sees only the 7 active ones';
ok !(grep { $_->{status} ne 'active' } @{ $mem->{members} }), 'all active';
# The page shows the same people as the API.
my $page = $ua{'m2@example.com'}->get('/orgs/acme');
my %page_ids = map { $_ => 1 } $page->{content} =~ /data-user-id="(\d+)"/g;
is_deeply [ sort { $a <=> $b } keys %page_ids ], [ map { $_->{user_id} } @{ $mem->{members} } ], 'the same members as the page shows m2';

for my $bad ('limit=0', 'limit=501', 'limit=abc', 'limit=', 'limit=-1', 'limit=3.5', 'after=xyz!', 'after=' . b64url_encode('abc'),
    'after=' . b64url_encode('0')) {
	problem_ok(api(GET => "/api/v1/orgs/acme/members?$bad", token => $olga_t), 400, 'malformed', "members?$bad");
}
problem_ok(api(GET => '/api/v1/orgs/acme/members', token => $xav_t), 404, 'not-found', 'an outsider');
problem_ok(api(GET => '/api/v1/orgs/nope/members', token => $olga_t), 404, 'not-found', 'an unknown organization');
problem_ok(api(GET => '/api/v1/orgs/acme/members'), 401, 'unauthorized', 'members without a token');
problem_ok(api(GET => '/api/v1/orgs/acme/members', token => $dead_t), 401, 'unauthorized', 'members with a revoked token');
$guesses++;

# ---- one member ---------------------------------------------------------------------
my $olga_id = user_id($s, 'olga@example.com');
$res = api(GET => "/api/v1/orgs/acme/members/$olga_id", token => $mike_t);
is $res->{status}, 200, 'one member: 200';
is_deeply json_of($res), $o, 'the same object as in the list';
is json_of(api(GET => "/api/v1/orgs/acme/members/$pete_id", token => $olga_t))->{status}, 'pending',
    'the owner sees the pending one';
problem_ok(api(GET => "/api/v1/orgs/acme/members/$pete_id", token => $mike_t), 404, 'not-found', 'a plain member does not');
my $xav_id = user_id($s, 'xavier@example.com');
for my $id ($xav_id, '999999', 'abc', '0', '01') {
	problem_ok(api(GET => "/api/v1/orgs/acme/members/$id", token => $olga_t), 404, 'not-found', "member $id");
}
problem_ok(api(GET => "/api/v1/orgs/acme/members/$olga_id", token => $xav_t), 404, 'not-found', "an outsider asking");
problem_ok(api(GET => "/api/v1/orgs/other/members/$olga_id", token => $mike_t), 404, 'not-found', 'another organization');

# ---- the front line in JSON ---------------------------------------------------------
problem_ok(api(GET => '/api/v1/nothing', token => $olga_t), 404, 'not-found', 'an unknown API path');
$res = api(POST => '/api/v1/me', token => $olga_t, body => '{}');
problem_ok($res, 405, 'method-not-allowed', 'POST /api/v1/me');
like $res->{headers}{allow} // '', qr/GET/, 'Allow names GET';
problem_ok(api(DELETE => '/api/v1/me', token => $olga_t), 405, 'method-not-allowed', 'DELETE /api/v1/me');
problem_ok(api(GET => '/api/v1/me?x=%zz', token => $olga_t), 400, 'malformed', 'a malformed query');
$res = api(HEAD => '/api/v1/me', token => $olga_t);
is $res->{status}, 200, 'HEAD: 200';

# ---- no secret in any answer --------------------------------------------------------
my $hashes = join '|', map { quotemeta } grep { length } map { $_->[0] } $s->psql('SELECT password_hash FROM users');
my @leaks = grep { /rst_[A-Za-z0-9_-]{20}|\$argon2|password|hashed_token|token=|https?:\/\// || ($hashes ne '' && /$hashes/) } @bodies;
is scalar @leaks, 0, 'no API answer holds a token, a link or a password hash (' . scalar(@bodies) . ' answers)'
    or diag $leaks[0];
is scalar(grep { index($s->log_text, $_) >= 0 } $olga_t, substr($olga_t, 4), $mike_t, $dead_t), 0, 'no token in the logs';

# ---- /metrics counts the API by route and status ------------------------------------
{
	my $m0 = metrics($s);
	my $k200 = 'roster_api_requests_total{route="/api/v1/me",code="200"}';
	my $k401 = 'roster_api_requests_total{route="/api/v1/orgs/:slug/members",code="401"}';
	my $k404 = 'roster_api_requests_total{route="/api/v1/orgs/:slug/members/:id",code="404"}';
	cmp_ok $m0->{$k200} // 0, '>=', 5, 'api 200s of /api/v1/me counted';
	cmp_ok $m0->{$k401} // 0, '>=', 2, 'api 401s of members counted';
	api(GET => '/api/v1/me', token => $olga_t) for 1 .. 3;
	api(HEAD => '/api/v1/me', token => $olga_t);
	api(GET => '/api/v1/orgs/acme/members/1', token => $xav_t);
	my $m1 = metrics($s);
	is $m1->{$k200} - $m0->{$k200}, 4, 'three GETs and a HEAD: +4 (methods added)';
	is $m1->{$k404} - ($m0->{$k404} // 0), 1, 'a 404 of one member: +1';
	ok !(grep { /^roster_api_requests_total\{route="\/(?!api\/)/ } keys %$m1), 'only API routes in the family';
}

# ---- wrong tokens are rate limited per client address -------------------------------
my $limited;
for my $i ($guesses + 1 .. 20) {
	$res = api(GET => '/api/v1/me', token => 'rst_' . ('B' x 43));
	if ($res->{status} == 429) { $limited = $i; last }
}
ok $limited, "wrong tokens past ROSTER_TOKEN_LIMIT (15) answer 429 (at $limited)";
problem_ok($res, 429, 'rate-limited', 'the 429');
like $res->{headers}{'retry-after'} // '', qr/^\d+$/, 'with Retry-After';
is api(GET => '/api/v1/me', token => $olga_t)->{status}, 200, 'a right token still goes through';

done_testing;
