#!/usr/bin/env perl
# Database constraints of organizations and memberships: slug shape and
# uniqueness, roles, statuses, sources, one membership per
# organization and user, pending only for an owner-add.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my ($ann, $bob, $cat) = map {
	$s->sql_one("INSERT INTO users (email, display_name, password_hash)
	    VALUES (?, ?, 'x') RETURNING id", "$_\@example.com", ucfirst $_)
} qw(ann bob cat);

sub org_sql { "INSERT INTO organizations (slug, name) VALUES (" . $s->quote($_[0]) . ", 'Org')" }

# organizations: slug is [a-z0-9-]{2,40}, unique
$s->sql_ok(org_sql('acme'), 'an organization');
$s->sql_ok(org_sql('a1-b2'), 'digits and dashes in a slug');
$s->sql_ok(org_sql('x' x 40), 'a slug of 40 characters');
$s->sql_fails(org_sql('acme'), '23505', 'organizations_slug_key', 'the same slug twice');
$s->sql_fails(org_sql('a'), '23514', 'organizations_slug_shape', 'a slug of 1 character');
$s->sql_fails(org_sql('x' x 41), '23514', 'organizations_slug_shape', 'a slug of 41 characters');
$s->sql_fails(org_sql('Acme2'), '23514', 'organizations_slug_shape', 'upper case in a slug');
$s->sql_fails(org_sql('ac_me'), '23514', 'organizations_slug_shape', 'an underscore in a slug');
$s->sql_fails(org_sql('ac me'), '23514', 'organizations_slug_shape', 'a space in a slug');
$s->sql_fails(org_sql("acme\n"), '23514', 'organizations_slug_shape', 'a newline after a slug');
$s->sql_fails(org_sql(''), '23514', 'organizations_slug_shape', 'an empty slug');
$s->sql_fails("INSERT INTO organizations (slug, name) VALUES ('named', '')", '23514',
    'organizations_name_length', 'an empty name');

my $org = $s->sql_one("SELECT id FROM organizations WHERE slug = 'acme'");
my $org2 = $s->sql_one("SELECT id FROM organizations WHERE slug = 'a1-b2'");

sub m_sql {
	my (%m) = @_;
	my @cols = sort keys %m;
	return "INSERT INTO memberships (" . join(', ', @cols) . ") VALUES ("
	    . join(', ', map { $m{$_} } @cols) . ")";
}
my %owner = (organization_id => $org, user_id => $ann, role => "'owner'", status => "'active'",
    source => "'creator'", activated_at => 'now()');

# memberships
$s->sql_ok(m_sql(%owner), 'the creator as active owner');
$s->sql_fails(m_sql(%owner, role => "'member'", source => "'invitation'"), '23505',
    'memberships_org_user_key', 'a second membership of the same user');
$s->sql_ok(m_sql(%owner, organization_id => $org2, role => "'member'", source => "'invitation'"),
    'the same user in another organization');
$s->sql_fails(m_sql(%owner, user_id => $bob, role => "'superuser'"), '23514', 'memberships_role',
    'an unknown role');
$s->sql_fails(m_sql(%owner, user_id => $bob, status => "'invited'", source => "'owner_add'",
    activated_at => 'NULL'), '23514', 'memberships_status', 'an unknown status');
$s->sql_fails(m_sql(%owner, user_id => $bob, source => "'magic'"), '23514', 'memberships_source',
    'an unknown source');
for my $src (qw(creator invitation join_request)) {
	$s->sql_fails(m_sql(%owner, user_id => $bob, role => "'member'", status => "'pending'",
	    source => "'$src'", activated_at => 'NULL'), '23514', 'memberships_pending_is_owner_add',
	    "pending is refused for source $src");
}
$s->sql_fails(m_sql(%owner, user_id => $bob, role => "'member'", source => "'invitation'",
    activated_at => 'NULL'), '23514', 'memberships_active_has_time', 'active without activated_at');
$s->sql_fails(m_sql(%owner, user_id => $bob, role => "'member'", status => "'pending'",
    source => "'owner_add'"), '23514', 'memberships_active_has_time', 'pending with activated_at');
$s->sql_ok(m_sql(%owner, user_id => $bob, role => "'member'", status => "'pending'",
    source => "'owner_add'", activated_at => 'NULL', added_by => $ann), 'a pending owner-add');
$s->sql_fails(m_sql(%owner, user_id => $bob, role => "'member'", source => "'join_request'"),
    '23505', 'memberships_org_user_key', 'no active membership beside a pending one');
$s->sql_ok("UPDATE memberships SET status = 'active', activated_at = now()
    WHERE organization_id = $org AND user_id = $bob", 'the owner-add accepted');
$s->sql_fails(m_sql(%owner, user_id => 999999, role => "'member'"), '23503',
    'memberships_user_id_fkey', 'a membership of no user');
for my $role (qw(admin member)) {
	$s->sql_ok(m_sql(%owner, organization_id => $org2, user_id => $role eq 'admin' ? $bob : $cat,
	    role => "'$role'", source => "'join_request'"), "role $role");
}

# deleting an organization or a user removes the memberships
$s->sql_ok("DELETE FROM users WHERE id = $cat", 'a user deleted');
is $s->sql_one("SELECT count(*) FROM memberships WHERE user_id = $cat"), 0, 'their memberships went';
$s->sql_ok("DELETE FROM organizations WHERE id = $org", 'an organization deleted');
is $s->sql_one("SELECT count(*) FROM memberships WHERE organization_id = $org"), 0,
    'its memberships went';
is $s->sql_one("SELECT count(*) FROM memberships"), 2, 'the other memberships stay';

done_testing;
