package BenchSeed;
# The benchmark's organization, seeded straight into the tables: one copy
# for bench/stack.pl, bench/cpu.pl and bench/statements.pl.
#
#   BenchSeed::roster($s, $org_id, $owner_id, $members, $pending);
#
# adds $members users as active members of organization $org_id (the
# first, member1@bench.example, an admin) and $pending pending invitations
# from $owner_id, in one transaction. The password hashes are never
# verified: these users do not sign in. Invitation tokens are random, so
# their links cannot be followed; invite over HTTP for one that can.

use strict;
use warnings;

use Roster::Invite;
use Roster::Test;

sub roster {
	my ($s, $org, $owner, $members, $pending) = @_;
	$s->psql(<<"SQL", $org, $org, $org, $owner);
BEGIN;
INSERT INTO users (email, display_name, password_hash, email_confirmed_at)
SELECT 'member' || g || '\@bench.example', 'Member ' || g, 'x', now()
FROM generate_series(1, $members) g;
INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
SELECT ?, u.id, CASE WHEN u.email = 'member1\@bench.example' THEN 'admin' ELSE 'member' END,
       'active', 'invitation', now()
FROM users u WHERE u.email LIKE 'member%\@bench.example'
AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = ? AND m.user_id = u.id);
INSERT INTO invitations (organization_id, email, role, hashed_token, invited_by, expires_at)
SELECT ?, 'pending' || g || '\@bench.example', 'member',
       sha256(convert_to('bench-seed-' || g || '-' || random()::text, 'UTF8')), ?,
       now() + interval '7 days'
FROM generate_series(1, $pending) g;
COMMIT;
SQL
	return;
}

# The benchmark's organization on a stack of its own, as bench/cpu.pl,
# bench/instructions.pl and bench/statements.pl measure it:
#
#   my ($s, $owner, $link) = BenchSeed::stack($workers);
#
# starts a Roster::Test stack with $workers FastCGI workers (the invite
# limits raised to 1,000 an hour), signs the owner up, creates `bench`
# with 50 members and 20 pending invitations, one of them sent over HTTP
# to invitee@bench.example: $link is that invitation's mailed link
# (Roster::Invite::invite_ok). The mailer still runs.
sub stack {
	my ($workers) = @_;
	my $s = Roster::Test->start(workers => $workers,
	    env => { ROSTER_INVITE_LIMIT_USER => 1000, ROSTER_INVITE_LIMIT_ORG => 1000 });
	my $owner = Roster::Invite::person($s, 'owner@bench.example', 'Bench Owner');
	Roster::Invite::new_org($owner, 'Bench Org', 'bench');
	my $org = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'bench'});
	my $oid = $s->sql_one(q{SELECT id FROM users WHERE email = 'owner@bench.example'});
	roster($s, $org, $oid, 49, 19);
	my $link = Roster::Invite::invite_ok($s, $owner, 'bench', 'invitee@bench.example');
	return ($s, $owner, $link);
}

1;
