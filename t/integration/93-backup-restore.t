#!/usr/bin/env perl
# Backups are restorable (README "Backup and restore"): a pg_dump of a
# running stack's database, restored into a fresh cluster and served by a
# new stack with the same ROSTER_SECRET_KEY, keeps working: a pending
# invitation link kept from before the dump still opens and can be
# accepted, a session cookie kept from before is still signed in, and a
# message queued in the outbox (mailer stopped) is delivered by the new
# stack's mailer, once. Restored under another secret, the same link is
# invitation-invalid and the queued message cannot be opened (failed,
# undecryptable, nothing sent): the secret must travel with the backup.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use Test::More;
use Roster::Test;
use Roster::Invite;

my $bin = Roster::Test::pg_bin() // BAIL_OUT('no PostgreSQL programs');
-x "$bin/pg_dump" && -x "$bin/pg_restore" or BAIL_OUT("no pg_dump/pg_restore in $bin");

# ---- the original stack and its data -------------------------------------------------------
my $a = Roster::Test->start;
my %aenv = $a->env;
my $secret = $aenv{ROSTER_SECRET_KEY};

my $olga = person($a, 'olga@example.com', 'Olga Owner', confirm => 1);
new_org($olga, 'Acme', 'acme');
my $ann = invite_ok($a, $olga, 'acme', 'ann@example.com', 'member');   # pending, link kept
my $bob_inv = invite_ok($a, $olga, 'acme', 'bob@example.com', 'admin');
join_by_signup($a, $bob_inv, 'Bob Admin');
my $bob = login_ua($a, 'bob@example.com');                                 # session kept
my %jar = map { $_ => $bob->cookie($_) } $bob->cookie_names;
ok scalar(keys %jar), 'a signed-in session cookie is kept';
is $bob->page($bob->get('/me/invitations')), 'my-invitations', 'the session is signed in before the dump';

$a->stop_mailer;
my $res = invite($olga, 'acme', 'cat@example.com', 'member');
is $res->{status}, 303, 'an invitation to cat is made with the mailer stopped';
my $cat_id = $a->sql_one(q{SELECT id FROM invitations WHERE email = 'cat@example.com'});
is $a->sql_one(q{SELECT status FROM outbox WHERE invitation_id = ?}, $cat_id), 'queued',
    "cat's invitation mail is queued in the outbox";

my $before = snapshot($a);
my $dir = tempdir('roster-backup-XXXXXX', DIR => $ENV{ROSTER_TEST_TMPDIR} // '/tmp', CLEANUP => 1);
my $dump = "$dir/roster.dump";
system("$bin/pg_dump", '--format=custom', "--file=$dump", '-d', $aenv{ROSTER_DATABASE_URL}) == 0
    or BAIL_OUT("pg_dump failed: $?");
ok -s $dump, 'pg_dump --format=custom wrote the backup';
$a->stop;

sub session_of {
	my ($s) = @_;
	my $ua = $s->ua;
	$ua->set_cookie($_, $jar{$_}) for keys %jar;
	return $ua;
}

# ---- restored under another secret: the link and the queued mail are dead ------------------
{
	my $b = Roster::Test->start(restore => $dump);
	is snapshot($b), $before, 'restored (other secret): the same rows';
	my $ua = $b->ua;
	$res = $ua->get($ann->{path});
	is $ua->page($res), 'invitation-invalid', 'other secret: the kept link is invitation-invalid';
	is $res->{status}, 404, 'other secret: 404';
	ok eventually(20, sub {
		($b->sql_one(q{SELECT status FROM outbox WHERE invitation_id = ?}, $cat_id) // '') eq 'failed' }),
	    'other secret: the queued message ends failed';
	like $b->sql_one(q{SELECT last_error FROM outbox WHERE invitation_id = ?}, $cat_id) // '',
	    qr/undecryptable/, '... as undecryptable';
	is scalar(grep { $_->{to} eq 'cat@example.com' } $b->mails), 0, '... and nothing was sent to cat';
	$b->stop;
}

# ---- restored with the same secret: everything works -----------------------------------------
my $c = Roster::Test->start(restore => $dump, env => { ROSTER_SECRET_KEY => $secret });
is snapshot($c), $before, 'restored (same secret): the same rows';

my $bc = session_of($c);
$res = $bc->get('/me/invitations');
is $bc->page($res), 'my-invitations', 'the kept session cookie is still signed in';
is $res->{status}, 200, '... 200';
$res = $bc->get('/orgs/acme');
is $res->{status}, 200, '... and opens the roster of acme';
isnt $c->ua->get('/me/invitations')->{status}, 200, 'without the cookie: not signed in';

my $cm = $c->wait_for_mail(to => 'cat@example.com', subject => qr/ invited you to join /, timeout => 20);
ok $cm, 'the queued invitation is delivered by the restored stack';
ok eventually(10, sub {
	($c->sql_one(q{SELECT status FROM outbox WHERE invitation_id = ?}, $cat_id) // '') eq 'sent' }),
    '... and its outbox row is sent';
sleep 1;
is scalar(grep { $_->{to} eq 'cat@example.com' } $c->mails), 1, '... exactly once';
if ($cm) {
	my $tok = token_of($cm->{link});
	my $ua = $c->ua;
	is $ua->page($ua->get("/invitations/accept?token=$tok")), 'invitation-signup',
	    "the delivered link opens (invitation-signup)";
}

my $ua = $c->ua;
$res = $ua->get($ann->{path});
is $ua->page($res), 'invitation-signup', 'the kept link shows invitation-signup';
is $res->{status}, 200, '... 200';
$res = $ua->post_form('/invitations/accept/signup',
    { token => $ann->{token}, display_name => 'Ann', password => PASSWORD });
is $res->{status}, 303, 'the kept link is accepted with sign-up: 303';
is $c->sql_one(q{SELECT m.status || '/' || m.role FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE u.email = 'ann@example.com'}), 'active/member', 'ann is an active member of acme';
isnt $c->sql_one('SELECT accepted_at FROM invitations WHERE id = ?', $ann->{id}), '',
    'the invitation is stamped accepted';

done_testing;
