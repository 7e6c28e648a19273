#!/usr/bin/env perl
# Database constraints of join requests: statuses, a confirmation token
# while pending confirmation, one open request per signed-in user.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my $ann = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('ann\@example.com', 'Ann', 'x') RETURNING id");
my $org = $s->sql_one("INSERT INTO organizations (slug, name, join_enabled) VALUES ('acme', 'Acme', true) RETURNING id");
my $org2 = $s->sql_one("INSERT INTO organizations (slug, name) VALUES ('other', 'Other') RETURNING id");

my $n = 0;
sub jr_sql {
	my (%j) = @_;
	my %row = (organization_id => $org, email => "'bob\@example.com'", status => "'submitted'", %j);
	my @cols = sort keys %row;
	return "INSERT INTO join_requests (" . join(', ', @cols) . ") VALUES ("
	    . join(', ', map { $row{$_} } @cols) . ") RETURNING id";
}
my %pending = (status => "'pending_confirmation'", confirm_expires_at => "now() + interval '24 hours'");

# anonymous requests: a confirmation token while pending confirmation
my $anon = $s->sql_one(jr_sql(%pending, confirm_hash => "sha256('c1'::bytea)",
    first_name => "'Bob'", last_name => "'Stone'", fields => q('{"city": "Oslo"}')));
ok $anon, 'an anonymous request pending confirmation';
$s->sql_fails(jr_sql(%pending), '23514', 'join_requests_pending_has_token',
    'pending confirmation without a token hash');
$s->sql_fails(jr_sql(%pending, confirm_hash => "sha256('c2'::bytea)", confirm_expires_at => 'NULL'),
    '23514', 'join_requests_pending_has_token', 'pending confirmation without an expiry');
$s->sql_fails(jr_sql(%pending, confirm_hash => "sha256('c1'::bytea)"), '23505',
    'join_requests_confirm_hash_key', 'the same confirmation hash twice');
$s->sql_ok(jr_sql(%pending, confirm_hash => "sha256('c3'::bytea)"),
    'anonymous requests for one address may repeat (the answer page must not tell)');
$s->sql_ok("UPDATE join_requests SET status = 'submitted', confirm_hash = NULL WHERE id = $anon",
    'confirmation submits it and drops the token');
$s->sql_fails(jr_sql(status => "'accepted'"), '23514', 'join_requests_status', 'an unknown status');
$s->sql_fails(jr_sql(first_name => "'" . ('x' x 101) . "'"), '23514', 'join_requests_names_length',
    'a first name of 101 characters');
$s->sql_fails(jr_sql(last_name => "'" . ('x' x 101) . "'"), '23514', 'join_requests_names_length',
    'a last name of 101 characters');

# signed-in users: one open request per organization
my $mine = $s->sql_one(jr_sql(email => "'ann\@example.com'", user_id => $ann));
ok $mine, "a signed-in user's request";
$s->sql_fails(jr_sql(email => "'ann\@example.com'", user_id => $ann), '23505',
    'join_requests_open_user_key', 'a second open request of the same user');
$s->sql_fails(jr_sql(%pending, confirm_hash => "sha256('c4'::bytea)", email => "'ann\@example.com'",
    user_id => $ann), '23505', 'join_requests_open_user_key',
    'a request pending confirmation counts as open');
$s->sql_ok(jr_sql(email => "'ann\@example.com'", user_id => $ann, organization_id => $org2),
    'a request to another organization');
$s->sql_ok("UPDATE join_requests SET status = 'rejected', decided_at = now(), decided_by = $ann
    WHERE id = $mine", 'the request rejected');
my $again = $s->sql_one(jr_sql(email => "'ann\@example.com'", user_id => $ann));
ok $again, 'a new request after a decision';
$s->sql_ok("UPDATE join_requests SET status = 'approved' WHERE id = $again", 'approved');
ok $s->sql_one(jr_sql(email => "'ann\@example.com'", user_id => $ann)), 'and another after approval';
is $s->sql_one("SELECT fields->>'city' FROM join_requests WHERE id = $anon"), 'Oslo', 'extra fields in jsonb';

done_testing;
