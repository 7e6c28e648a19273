#!/usr/bin/env perl
# Database constraints of invite links (sql/004): role member only, 1 to
# 1000 uses, 0 <= uses <= max_uses, a lifetime of at most 30 days, token
# hashes of 32 bytes and unique; memberships take the source link; the
# conditional UPDATE that counts a use refuses once the link is used up,
# revoked or expired.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my $ann = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('ann\@example.com', 'Ann', 'x') RETURNING id");
my $org = $s->sql_one("INSERT INTO organizations (slug, name, created_by) VALUES ('acme', 'Acme', $ann) RETURNING id");

my $n = 0;
sub link_sql {
	my (%i) = @_;
	my %row = (organization_id => $org, max_uses => 3, created_by => $ann,
	    hashed_token => "sha256('tok" . ++$n . "'::bytea)", expires_at => "now() + interval '7 days'", %i);
	my @cols = sort keys %row;
	return "INSERT INTO invite_links (" . join(', ', @cols) . ") VALUES ("
	    . join(', ', map { $row{$_} } @cols) . ") RETURNING id";
}

my $id = $s->sql_one(link_sql());
ok $id, 'a link';
is $s->sql_one("SELECT role || ' ' || uses FROM invite_links WHERE id = $id"), 'member 0', 'member, no use yet';
$s->sql_fails(link_sql(role => "'admin'"), '23514', 'invite_links_role', 'a link never grants admin');
$s->sql_fails(link_sql(role => "'owner'"), '23514', 'invite_links_role', '... nor owner');
$s->sql_fails(link_sql(max_uses => 0), '23514', 'invite_links_max_uses', '0 uses');
$s->sql_fails(link_sql(max_uses => 1001), '23514', 'invite_links_max_uses', '1001 uses');
$s->sql_ok(link_sql(max_uses => 1000), '1000 uses');
$s->sql_ok(link_sql(max_uses => 1), '1 use');
$s->sql_fails(link_sql(uses => -1), '23514', 'invite_links_uses', 'negative uses');
$s->sql_fails(link_sql(uses => 4), '23514', 'invite_links_uses', 'more uses than allowed');
$s->sql_fails(link_sql(expires_at => "now() + interval '31 days'"), '23514', 'invite_links_lifetime',
    'more than 30 days');
$s->sql_fails(link_sql(expires_at => 'now()'), '23514', 'invite_links_lifetime', 'expiring at creation');
$s->sql_ok(link_sql(expires_at => "now() + interval '30 days'"), '30 days');
$s->sql_fails(link_sql(hashed_token => "'\\x00'::bytea"), '23514', 'invite_links_hashed_token_length',
    'a hash of 32 bytes');
$s->sql_fails(link_sql(hashed_token => "sha256('tok1'::bytea)"), '23505', 'invite_links_hashed_token_key',
    'hashes are unique');

# The statement db_invite_link_use runs.
my $use = "UPDATE invite_links SET uses = uses + 1 WHERE id = \$ID AND uses < max_uses
    AND revoked_at IS NULL AND expires_at > now() RETURNING uses";
sub use_once { my ($lid) = @_; (my $q = $use) =~ s/\$ID/$lid/; return $s->sql_one($q) // '' }
is use_once($id), 1, 'a use';
is use_once($id), 2, 'a use';
is use_once($id), 3, 'the last use';
is use_once($id), '', 'used up: no row changes';
$s->sql_fails("UPDATE invite_links SET uses = 4 WHERE id = $id", '23514', 'invite_links_uses',
    'and the CHECK holds even without the condition');
my $r = $s->sql_one(link_sql());
$s->sql_ok("UPDATE invite_links SET revoked_at = now() WHERE id = $r", 'revoke');
is use_once($r), '', 'revoked: no use';
my $x = $s->sql_one(link_sql());
$s->sql_ok("UPDATE invite_links SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day'
    WHERE id = $x", 'expire');
is use_once($x), '', 'expired: no use';

my $bob = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('bob\@example.com', 'Bob', 'x') RETURNING id");
$s->sql_ok("INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
    VALUES ($org, $bob, 'member', 'active', 'link', now())", 'a membership with source link');
$s->sql_fails("INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
    VALUES ($org, $ann, 'member', 'active', 'magic', now())", '23514', 'memberships_source', 'other sources still refused');
$s->sql_ok("DELETE FROM organizations WHERE id = $org", 'deleting the organization');
is $s->sql_one('SELECT count(*) FROM invite_links'), 0, '... deletes its links';

done_testing;
