#!/usr/bin/env perl
# Database constraints of join requests and of the join settings
# (sql/002_join_requests.sql): the extra-field allowlist, one open request
# per address and per user, the token only while pending confirmation,
# times that go with statuses, capped names.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my $org = $s->sql_one("INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme') RETURNING id");
my $org2 = $s->sql_one("INSERT INTO organizations (slug, name) VALUES ('beta', 'Beta') RETURNING id");
my $uid = $s->sql_one(q{INSERT INTO users (email, display_name, password_hash)
    VALUES ('ann@example.com', 'Ann', 'x') RETURNING id});

# ---- settings ---------------------------------------------------------------------
is $s->sql_one("SELECT join_enabled::text || join_fields::text FROM organizations WHERE id = $org"),
    'false{}', 'settings default: off, no fields';
$s->sql_ok("UPDATE organizations SET join_fields = '{phone,city,message}' WHERE id = $org", 'the three known fields');
$s->sql_fails("UPDATE organizations SET join_fields = '{phone,shoe}' WHERE id = $org", '23514',
    'organizations_join_fields', 'an unknown field');
$s->sql_fails("UPDATE organizations SET join_fields = '{PHONE}' WHERE id = $org", '23514',
    'organizations_join_fields', 'names are exact');
$s->sql_fails("UPDATE organizations SET join_fields = ARRAY[NULL]::text[] WHERE id = $org", '23514',
    'organizations_join_fields', 'a NULL element');
$s->sql_fails("UPDATE organizations SET join_fields = NULL WHERE id = $org", '23502', undef, 'NULL fields');

# ---- requests ---------------------------------------------------------------------------
sub sub_sql {
	my ($o, $email, $user) = @_;
	return "INSERT INTO join_requests (organization_id, email, user_id, status, submitted_at) "
	    . "VALUES ($o, '$email', " . ($user // 'NULL') . ", 'submitted', now()) RETURNING id";
}
my $j1 = $s->sql_one(sub_sql($org, 'bob@example.com'));
ok $j1, 'a submitted request';
$s->sql_fails(sub_sql($org, 'BOB@example.com'), '23505', 'join_requests_open_email_key',
    'a second open request of the address (any case)');
$s->sql_ok(sub_sql($org2, 'bob@example.com'), 'the same address in another organization');
my $j2 = $s->sql_one(sub_sql($org, 'ann@example.com', $uid));
$s->sql_fails(sub_sql($org, 'ann2@example.com', $uid), '23505', 'join_requests_open_user_key',
    'a second open request of the user');
$s->sql_ok("UPDATE join_requests SET status = 'rejected', decided_at = now() WHERE id = $j2",
    'rejected');
$s->sql_ok(sub_sql($org, 'ann@example.com', $uid), 'after a decision the user may ask again');

$s->sql_fails("UPDATE join_requests SET status = 'approved' WHERE id = $j1", '23514',
    'join_requests_decided_has_time', 'a decision without its time');
$s->sql_fails("UPDATE join_requests SET decided_at = now() WHERE id = $j1", '23514',
    'join_requests_decided_has_time', 'a decision time on an open request');
$s->sql_fails("INSERT INTO join_requests (organization_id, email, status) VALUES ($org, 'c\@example.com', 'submitted')",
    '23514', 'join_requests_submitted_has_time', 'submitted without its time');
$s->sql_fails("UPDATE join_requests SET confirm_hash = sha256('t'::bytea) WHERE id = $j1", '23514',
    'join_requests_token_only_pending', 'a token on a submitted request');
$s->sql_fails(q{INSERT INTO join_requests (organization_id, email, status, confirm_hash, confirm_expires_at)
    VALUES (} . $org . q{, 'd@example.com', 'pending_confirmation', '\x0102', now())}, '23514',
    'join_requests_confirm_hash_length', 'a token hash that is not 32 bytes');
$s->sql_fails("UPDATE join_requests SET first_name = repeat('a', 101) WHERE id = $j1", '23514',
    'join_requests_names_length', 'a first name over 100 characters');
$s->sql_fails("UPDATE join_requests SET fields = '[]' WHERE id = $j1", '23514',
    'join_requests_fields_object', 'fields that are not an object');
$s->sql_fails(sub_sql($org, 'no space@example.com'), '23514', 'join_requests_email_shape', 'an address with a space');
my $p1 = q{INSERT INTO join_requests (organization_id, email, status, confirm_hash, confirm_expires_at)
    VALUES (} . $org . q{, 'bob@example.com', 'pending_confirmation', sha256('p1'::bytea), now() + interval '1 day')};
$s->sql_ok($p1, 'an address with an open request may still wait for another confirmation');
$s->sql_ok("DELETE FROM users WHERE id = $uid", 'deleting a user ...');
is $s->sql_one("SELECT count(*) FROM join_requests WHERE user_id = $uid"), 0, '... deletes their requests';

done_testing;
