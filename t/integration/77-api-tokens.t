#!/usr/bin/env perl
# Personal API tokens (SPEC §7.4): GET /me/tokens lists the user's tokens
# (rows data-api-token-id with name, created and last used), POST
# /me/tokens makes one and shows it once (data-api-token on page
# api-token-created), POST /me/tokens/{id}/revoke revokes it (flash
# token-revoked). Checked: the token's shape, SHA-256 of its 32 bytes at
# rest and the token absent from a pg_dump and the logs, the list never
# showing it again, escaping of the name, bad names, other users' and
# unknown ids, revoking twice, CSRF, sign-in, audit events, and a password
# reset revoking every token in the reset's transaction.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;

my $ann = person($s, 'ann@example.com', 'Ann');
my $bob = person($s, 'bob@example.com', 'Bob');
my $ann_id = user_id($s, 'ann@example.com');

# The tokens page, signed in and not.
my $res = $ann->get('/me/tokens');
is $res->{status}, 200, 'GET /me/tokens answers 200';
is $ann->page($res), 'api-tokens', 'page api-tokens';
unlike $res->{content}, qr/data-api-token-id=/, 'no rows yet';
like $res->{content}, qr{<a href="/me/tokens">}, 'the layout links to /me/tokens';
like $ann->get('/')->{content}, qr{<a href="/me/tokens">}, 'so does the dashboard';
$res = $s->ua->get('/me/tokens');
is $res->{status}, 303, 'anonymous: 303';
is $s->ua->location($res), '/login?next=%2Fme%2Ftokens', 'to sign in';

# Create.
$ann->get('/me/tokens');
$res = $ann->post_form('/me/tokens', { name => 'billing <sync>' });
is $res->{status}, 200, 'POST /me/tokens answers 200';
is $ann->page($res), 'api-token-created', 'page api-token-created';
my ($tok) = $res->{content} =~ /data-api-token="([^"]*)"/;
ok defined $tok, 'the token is shown in data-api-token';
$tok //= '';
like $tok, qr/^rst_[A-Za-z0-9_-]{43}$/, 'rst_ + base64url of 32 bytes';
like $res->{content}, qr/billing &lt;sync&gt;/, 'the name is escaped';
unlike $res->{content}, qr/billing <sync>/, 'never raw';
my ($id) = $res->{content} =~ /data-api-token-id="(\d+)"/;
ok $id, 'the row id is on the page';
my $raw = b64url_decode(substr $tok, 4);
is length($raw), 32, '32 random bytes';
my $row = ($s->psql('SELECT user_id, name, encode(hashed_token, ?), last_used_at, revoked_at
    FROM api_tokens WHERE id = ?', 'hex', $id))[0];
is $row->[0], $ann_id, 'stored for ann';
is $row->[1], 'billing <sync>', 'with its name';
is $row->[2], sha256_hex($raw), 'SHA-256 of the 32 bytes at rest';
is $row->[3], '', 'never used';
is $row->[4], '', 'live';
is audit_count($s, 'api_token.created', $id), 1, 'audit api_token.created';
is $s->sql_one('SELECT actor_user_id FROM audit_events WHERE action = ? AND subject_id = ?',
    'api_token.created', $id), $ann_id, 'by ann';

# Shown once: the list has the row, never the token.
$res = $ann->get('/me/tokens');
like $res->{content}, qr/data-api-token-id="$id"/, 'the list has the row';
like $res->{content}, qr/billing &lt;sync&gt;/, 'with the escaped name';
like $res->{content}, qr/<time\b/, 'created as a time';
like $res->{content}, qr/never/, 'last used: never';
unlike $res->{content}, qr/\Q$tok\E/, 'the list never shows the token';
unlike $res->{content}, qr/data-api-token="/, 'nor the shown-once marker';
unlike $bob->get('/me/tokens')->{content}, qr/data-api-token-id="$id"/, 'bob does not see it';

# Bad names: nothing written.
my $n = $s->sql_one('SELECT count(*) FROM api_tokens');
for my $bad ('', '   ', 'x' x 101, "a\x01b") {
	$ann->get('/me/tokens');
	$res = $ann->post_form('/me/tokens', { name => $bad });
	is $res->{status}, 422, 'bad name ' . length($bad) . ': 422';
	is $ann->page($res), 'api-tokens', 'the list again';
	is_deeply [ $ann->errors($res) ], ['invalid-name'], 'data-error invalid-name';
}
is $s->sql_one('SELECT count(*) FROM api_tokens'), $n, 'no token written';

# CSRF.
$res = $ann->post('/me/tokens', { name => 'no csrf' });
is $res->{status}, 403, 'without csrf_token: 403';
$res = $ann->post("/me/tokens/$id/revoke", {});
is $res->{status}, 403, 'revoke without csrf_token: 403';
is $s->sql_one('SELECT count(*) FROM api_tokens'), $n, 'nothing written';
is $s->sql_one('SELECT revoked_at IS NULL FROM api_tokens WHERE id = ?', $id), 't', 'still live';

# Revoke: another user's id, unknown ids.
for my $bad_id ($id, '999999', 'abc', '0', '1e3') {
	$bob->get('/me/tokens');
	$res = $bob->post_form("/me/tokens/$bad_id/revoke", {});
	is $res->{status}, 404, "bob revoking $bad_id: 404";
	is_deeply [ $bob->errors($res) ], ['not-found'], 'data-error not-found';
}
is $s->sql_one('SELECT revoked_at IS NULL FROM api_tokens WHERE id = ?', $id), 't', 'still live';
$ann->get('/me/tokens');
$res = $ann->post_form("/me/tokens/$id/revoke", {});
is $res->{status}, 303, 'revoke: 303';
is $ann->location($res), '/me/tokens', 'to /me/tokens';
$res = go($ann, $res);
is $ann->flash($res), 'token-revoked', 'flash token-revoked';
like $res->{content}, qr/API token billing &lt;sync&gt; revoked/, 'naming the token, escaped';
like $res->{content}, qr/data-api-token-id="$id" data-status="revoked"/, 'the row says revoked';
unlike $res->{content}, qr{action="/me/tokens/$id/revoke"}, 'without a revoke button';
is $s->sql_one('SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = ?', $id), 't', 'revoked_at set';
is audit_count($s, 'api_token.revoked', $id), 1, 'audit api_token.revoked';
$res = $ann->post_form("/me/tokens/$id/revoke", {});
is $res->{status}, 409, 'revoking again: 409';
is_deeply [ $ann->errors($res) ], ['not-pending'], 'data-error not-pending';
is audit_count($s, 'api_token.revoked', $id), 1, 'no second audit event';

# A password reset revokes every live token, in the reset's transaction.
my @live;
for my $name ('one', 'two') {
	$ann->get('/me/tokens');
	$res = $ann->post_form('/me/tokens', { name => $name });
	my ($t) = $res->{content} =~ /data-api-token="([^"]*)"/;
	push @live, $t;
}
$bob->get('/me/tokens');
$res = $bob->post_form('/me/tokens', { name => 'bob token' });
my ($bob_tok) = $res->{content} =~ /data-api-token="([^"]*)"/;
is $s->sql_one('SELECT count(*) FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL', $ann_id), 2,
    'ann has two live tokens';
my $f = $s->ua;
$f->get('/password/forgot');
$f->post_form('/password/forgot', { email => 'ann@example.com' });
my $mail = $s->wait_for_mail(to => 'ann@example.com', subject => qr/reset|password/i);
ok $mail, 'the reset mail came';
my $rtok = token_of($mail->{link});
$f->get("/password/reset?token=$rtok");
$res = $f->post_form('/password/reset', { token => $rtok, password => 'a brand new password' });
is $res->{status}, 303, 'the reset went through';
is $s->sql_one('SELECT count(*) FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL', $ann_id), 0,
    'no live token of ann is left';
is $s->sql_one(q{SELECT count(DISTINCT revoked_at) FROM api_tokens
    WHERE user_id = ? AND name IN ('one', 'two')}, $ann_id), 1, 'both revoked at the reset';
is $s->sql_one('SELECT count(*) FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL',
    user_id($s, 'bob@example.com')), 1, "bob's token lives on";

# The tokens never reach the database or the logs.
my $dump = pg_dump_text($s);
like $dump, qr/COPY public\.api_tokens\b/, 'pg_dump holds api_tokens';
for my $t ($tok, @live, $bob_tok) {
	my $r = b64url_decode(substr $t, 4);
	my @forms = ($t, substr($t, 4), unpack('H*', $r));
	is scalar(grep { index($dump, $_) >= 0 } @forms), 0, 'no form of a token in pg_dump';
	is scalar(grep { index($s->log_text, $_) >= 0 } @forms), 0, 'nor in the logs';
}

done_testing;
