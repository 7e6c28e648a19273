#!/usr/bin/env perl
# Database constraints of platform invitations (sql/003): one open row per
# address (case-insensitively, expired or not), a row ends at most one
# way, accepted_by only with accepted_at, token hashes of 32 bytes and
# unique, canonical addresses, expiry after creation.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my $ann = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('ann\@example.com', 'Ann', 'x') RETURNING id");

my $n = 0;
sub pinv_sql {
	my (%i) = @_;
	my %row = (email => "'bob\@example.com'", hashed_token => "sha256('tok" . ++$n . "'::bytea)",
	    invited_by => $ann, expires_at => "now() + interval '7 days'", %i);
	my @cols = sort keys %row;
	return "INSERT INTO platform_invitations (" . join(', ', @cols) . ") VALUES ("
	    . join(', ', map { $row{$_} } @cols) . ") RETURNING id";
}

my $first = $s->sql_one(pinv_sql());
ok $first, 'a platform invitation';
$s->sql_fails(pinv_sql(), '23505', 'platform_invitations_open_key', 'a second open row for the address');
$s->sql_fails(pinv_sql(expires_at => "now() + interval '1 second'"), '23505',
    'platform_invitations_open_key', 'open rows count whatever their expiry');
$s->sql_ok(pinv_sql(email => "'carl\@example.com'"), 'another address');
$s->sql_ok("UPDATE platform_invitations SET revoked_at = now() WHERE id = $first", 'revoke the first');
my $second = $s->sql_one(pinv_sql());
ok $second, 'a new open row once the old one is revoked';
$s->sql_fails("UPDATE platform_invitations SET revoked_at = NULL WHERE id = $first", '23505',
    'platform_invitations_open_key', 'reopening a revoked row beside the open one');
$s->sql_fails("UPDATE platform_invitations SET accepted_at = now(), accepted_by = $ann WHERE id = $first",
    '23514', 'platform_invitations_one_ending', 'a revoked row cannot also be accepted');
$s->sql_fails("UPDATE platform_invitations SET accepted_by = $ann WHERE id = $second",
    '23514', 'platform_invitations_accepted_by_with_time', 'accepted_by needs accepted_at');
$s->sql_ok("UPDATE platform_invitations SET accepted_at = now(), accepted_by = $ann WHERE id = $second",
    'accept the second');
ok $s->sql_one(pinv_sql()), 'a new open row once the old one is accepted';

$s->sql_fails(pinv_sql(email => "'Bob\@Example.com'"), '23514', 'platform_invitations_email_shape',
    'addresses are stored canonical (lower case)');
$s->sql_fails(pinv_sql(email => "'dan\@example.com'", hashed_token => "sha256('tok1'::bytea)"), '23505',
    'platform_invitations_hashed_token_key', 'token hashes are unique');
$s->sql_fails(pinv_sql(email => "'dan\@example.com'", hashed_token => "'\\x0102'::bytea"), '23514',
    'platform_invitations_hashed_token_length', 'a token hash is 32 bytes');
$s->sql_fails(pinv_sql(email => "'dan\@example.com'", expires_at => "now() - interval '1 second'"), '23514',
    'platform_invitations_expiry_after_creation', 'expiry after creation');
$s->sql_fails(pinv_sql(email => "'dan\@exa mple.com'"), '23514', 'platform_invitations_email_shape',
    'no white space in an address');

# Deleting the inviter keeps the row (and the referral record's account).
my $eve = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('eve\@example.com', 'Eve', 'x') RETURNING id");
my $third = $s->sql_one(pinv_sql(email => "'fay\@example.com'", invited_by => $eve));
$s->sql_ok("DELETE FROM users WHERE id = $eve", 'the inviter goes');
is $s->sql_one("SELECT invited_by IS NULL FROM platform_invitations WHERE id = $third"), 't',
    'the row stays, without its inviter';

done_testing;
