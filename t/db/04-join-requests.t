#!/usr/bin/env perl
# Database constraints of join requests, as far as the schema has them:
# statuses, and a confirmation token while pending confirmation.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my $org = $s->sql_one("INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme') RETURNING id");

sub jr_sql {
	my (%j) = @_;
	my %row = (organization_id => $org, email => "'bob\@example.com'", status => "'submitted'", %j);
	my @cols = sort keys %row;
	return "INSERT INTO join_requests (" . join(', ', @cols) . ") VALUES ("
	    . join(', ', map { $row{$_} } @cols) . ") RETURNING id";
}
my %pending = (status => "'pending_confirmation'", confirm_expires_at => "now() + interval '24 hours'");

# a confirmation token while pending confirmation
my $anon = $s->sql_one(jr_sql(%pending, confirm_hash => "sha256('c1'::bytea)"));
ok $anon, 'a request pending confirmation';
$s->sql_fails(jr_sql(%pending), '23514', 'join_requests_pending_has_token',
    'pending confirmation without a token hash');
$s->sql_fails(jr_sql(%pending, confirm_hash => "sha256('c2'::bytea)", confirm_expires_at => 'NULL'),
    '23514', 'join_requests_pending_has_token', 'pending confirmation without an expiry');
$s->sql_fails(jr_sql(%pending, confirm_hash => "sha256('c1'::bytea)"), '23505',
    'join_requests_confirm_hash_key', 'the same confirmation hash twice');
$s->sql_ok(jr_sql(%pending, confirm_hash => "sha256('c3'::bytea)"),
    'requests for one address may repeat');
$s->sql_ok("UPDATE join_requests SET status = 'submitted', confirm_hash = NULL, confirm_expires_at = NULL, submitted_at = now() WHERE id = $anon",
    'confirmation submits it and drops the token');
$s->sql_fails(jr_sql(status => "'accepted'"), '23514', 'join_requests_status', 'an unknown status');
$s->sql_ok("UPDATE join_requests SET status = 'approved', decided_at = now() WHERE id = $anon", 'approved');
$s->sql_ok("UPDATE join_requests SET status = 'rejected' WHERE id = $anon", 'rejected');

done_testing;
