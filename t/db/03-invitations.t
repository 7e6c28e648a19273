#!/usr/bin/env perl
# Database constraints of invitations: one open row per organization and
# address (case-insensitively), a row ends at most one way, token hashes.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my $ann = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('ann\@example.com', 'Ann', 'x') RETURNING id");
my $org = $s->sql_one("INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme') RETURNING id");
my $org2 = $s->sql_one("INSERT INTO organizations (slug, name) VALUES ('other', 'Other') RETURNING id");

my $n = 0;
sub inv_sql {
	my (%i) = @_;
	my %row = (organization_id => $org, email => "'bob\@example.com'", role => "'member'",
	    hashed_token => "sha256('tok" . ++$n . "'::bytea)", invited_by => $ann,
	    expires_at => "now() + interval '7 days'", %i);
	my @cols = sort keys %row;
	return "INSERT INTO invitations (" . join(', ', @cols) . ") VALUES ("
	    . join(', ', map { $row{$_} } @cols) . ") RETURNING id";
}
sub open_count {
	return $s->sql_one("SELECT count(*) FROM invitations WHERE organization_id = ? AND email = ?
	    AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL", @_);
}

# the partial unique index: one open row per organization and address
my $first = $s->sql_one(inv_sql());
ok $first, 'an invitation';
$s->sql_fails(inv_sql(), '23505', 'invitations_open_key', 'a second open invitation for the address');
$s->sql_fails(inv_sql(email => "'Bob\@Example.COM'"), '23505', 'invitations_open_key',
    'the same address in other case (citext)');
$s->sql_ok(inv_sql(organization_id => $org2), 'the same address in another organization');
$s->sql_ok(inv_sql(email => "'carl\@example.com'"), 'another address in the same organization');
$s->sql_fails(inv_sql(expires_at => "now() + interval '1 second'", email => "'carl\@example.com'"),
    '23505', 'invitations_open_key', 'open rows count whatever their expiry');

$s->sql_ok("UPDATE invitations SET revoked_at = now() WHERE id = $first", 'revoke the first');
my $second = $s->sql_one(inv_sql());
ok $second, 'a new invitation after revoking the open one';
is open_count($org, 'bob@example.com'), 1, 'one open row';

$s->sql_ok("UPDATE invitations SET accepted_at = now(), accepted_by = $ann WHERE id = $second",
    'accept the second');
my $third = $s->sql_one(inv_sql());
ok $third, 'a new invitation after accepting the open one';
$s->sql_ok("UPDATE invitations SET declined_at = now() WHERE id = $third", 'decline the third');
ok $s->sql_one(inv_sql()), 'a new invitation after declining the open one';
is $s->sql_one("SELECT count(*) FROM invitations WHERE organization_id = $org AND email = 'bob\@example.com'"),
    4, 'four rows for the address, one of them open';
$s->sql_fails("UPDATE invitations SET revoked_at = NULL WHERE id = $first", '23505', 'invitations_open_key',
    'reopening a revoked row beside the open one');

# a row ends at most one way
$s->sql_fails("UPDATE invitations SET revoked_at = now() WHERE id = $second", '23514',
    'invitations_one_ending', 'revoking an accepted row');
$s->sql_fails("UPDATE invitations SET declined_at = now() WHERE id = $first", '23514',
    'invitations_one_ending', 'declining a revoked row');
$s->sql_fails("UPDATE invitations SET accepted_at = now() WHERE id = $third", '23514',
    'invitations_one_ending', 'accepting a declined row');
$s->sql_fails(inv_sql(email => "'dan\@example.com'", accepted_by => $ann), '23514',
    'invitations_accepted_by_with_time', 'accepted_by without accepted_at');

# tokens, roles, shapes, expiry
$s->sql_fails(inv_sql(email => "'dan\@example.com'", hashed_token => "sha256('tok1'::bytea)"),
    '23505', 'invitations_hashed_token_key', 'the same token hash twice');
$s->sql_fails(inv_sql(email => "'dan\@example.com'", hashed_token => "'\\x0102'::bytea"),
    '23514', 'invitations_hashed_token_length', 'a token hash that is not 32 bytes');
$s->sql_fails(inv_sql(email => "'dan\@example.com'", role => "'platform_admin'"), '23514',
    'invitations_role', 'a role that is not owner, admin or member');
$s->sql_fails(inv_sql(email => "'dan \@example.com'"), '23514', 'invitations_email_shape',
    'a space in the address');
$s->sql_fails(inv_sql(email => "E'dan\@example.com\\r\\nBcc: x\@y'"), '23514', 'invitations_email_shape',
    'a CR LF in the address');
$s->sql_fails(inv_sql(email => "'dan\@example.com'", expires_at => 'now()'), '23514',
    'invitations_expiry_after_creation', 'expiring when created');
for my $role (qw(owner admin)) {
	$s->sql_ok(inv_sql(email => "'$role\@example.com'", role => "'$role'"), "role $role");
}
$s->sql_fails(inv_sql(email => "'eve\@example.com'", organization_id => 999999), '23503',
    'invitations_organization_id_fkey', 'an invitation to no organization');

# deleting the inviter keeps the invitation
$s->sql_ok("DELETE FROM users WHERE id = $ann", 'the inviter deleted');
is $s->sql_one("SELECT count(*) FROM invitations WHERE invited_by IS NULL AND accepted_by IS NULL"),
    $s->sql_one('SELECT count(*) FROM invitations'), 'invitations stay, invited_by and accepted_by cleared';

done_testing;
