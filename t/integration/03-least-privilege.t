#!/usr/bin/env perl
# Least privilege (docs/security.md): the database is not everyone's, and
# nothing runs as root that need not.
#   - The cluster authenticates by peer on its UNIX socket only (no trust,
#     no TCP), its socket directory is 0700, or 0750 for ROSTER_USER's
#     group when the stack runs as root; another local user cannot connect.
#   - The programs' role (ROSTER_DATABASE_URL) is no superuser, cannot
#     create roles or databases, cannot COPY ... TO PROGRAM, owns nothing,
#     cannot change the schema, and finds the audit trail append-only; the
#     schema belongs to the owner role rosterctl migrate runs as.
#   - Started as root, roster-fcgi binds its socket (0660, ROSTER_USER and
#     ROSTER_SOCKET_GROUP), then its supervisor and every worker run as
#     ROSTER_USER, as does roster-mailer; nginx's workers run as the web
#     server's user. A ROSTER_USER that does not exist, or is root, stops
#     the program before it serves.
# The checks that need root (another user, dropped ids) are skipped when
# the tests do not run as root; CI runs them as root.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;
# Names from their one source: the roles from scripts/pg's connection
# strings, the users from the configuration's defaults.
my ($APP, $OWNER) = ($s->db_role('app'), $s->db_role('owner'));
my $USER = Roster::Test->config_default('ROSTER_USER');
my $WEB = Roster::Test->config_default('ROSTER_SOCKET_GROUP');
my $state = $s->state_dir;
my $root = $> == 0;
my $psql = Roster::Test->pg_bin . '/psql';

# ---- how the cluster lets people in ----------------------------------------------
my $hba = do { local (@ARGV, $/) = ("$state/pg/pg_hba.conf"); <> };
my @rules = grep { /\S/ && !/^\s*#/ } split /\n/, $hba;
is_deeply [ map { [ split ' ' ] } @rules ], [ [ qw(local all all peer map=roster) ] ],
    'pg_hba.conf: one rule, peer on the UNIX socket, nothing trusted, no TCP';
is $s->sql_one("SELECT setting = '' FROM pg_settings WHERE name = 'listen_addresses'"), 't',
    'the cluster listens on no TCP address';
is $s->sql_one("SELECT count(*) FROM pg_hba_file_rules WHERE auth_method IN ('trust', 'password', 'md5')"),
    0, 'the server has loaded no trust or clear-password rule';

my @st = stat "$state/pgsock";
if ($root) {
	is sprintf('%04o', $st[2] & 07777), '0750', 'socket directory: 0750';
	is scalar(getgrgid $st[5]), scalar(getgrgid((getpwnam $USER)[3])),
	    "... group: ROSTER_USER's (roster)";
	is scalar(getpwuid $st[4]), 'postgres', '... owner: postgres';
} else {
	is sprintf('%04o', $st[2] & 07777), '0700', 'socket directory: 0700';
}

# psql as OS user $user (root only) with connection string $url; returns
# (exit status, stderr).
sub psql_as {
	my ($user, $url, $sql) = @_;
	my ($st, $out, $err) = $s->_run(cmd => [ 'runuser', '-u', $user, '--',
	    $psql, '-X', '-At', '-d', $url, '-c', $sql ], timeout => 30);
	return ($st, $out, $err);
}

SKIP: {
	skip 'another OS user: only as root', 6 unless $root;
	for my $role (qw(app owner admin)) {
		my ($st, $out, $err) = psql_as('nobody', $s->db_url($role), 'SELECT 1');
		isnt $st, 0, "user nobody cannot connect as the $role role";
		like $err, qr/Permission denied|authentication failed/i, '... refused';
	}
}
SKIP: {
	skip 'ROSTER_USER: only as root', 3 unless $root;
	my ($st, $out, $err) = psql_as($USER, $s->db_url('app'), 'SELECT current_user');
	is $st, 0, "ROSTER_USER connects as the programs' role" or diag $err;
	is $out, "$APP\n", "... $APP";
	($st, $out, $err) = psql_as($USER, $s->db_url('owner'), 'SELECT 1');
	isnt $st, 0, '... but not as the owner role';
}

# ---- what the programs' role may do ---------------------------------------------
# Runs SQL as the programs' role (as root: as ROSTER_USER, like the
# programs). Returns (exit status, stdout, stderr).
sub as_app {
	my ($sql) = @_;
	return psql_as($USER, $s->db_url('app'), $sql) if $root;
	return $s->_run(cmd => [ $psql, '-X', '-At', '-v', 'ON_ERROR_STOP=1',
	    '-d', $s->db_url('app'), '-c', $sql ], timeout => 30);
}

my %role = map { $_->[0] => $_ } $s->psql(
    "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls
     FROM pg_roles WHERE rolname IN (?, ?)", $APP, $OWNER);
is_deeply $role{$APP}, [ $APP, qw(f f f f f) ],
    "the programs' role: no superuser, no createrole, no createdb, no replication, no bypassrls";
is_deeply $role{$OWNER}, [ $OWNER, qw(f f f f f) ],
    "the schema's owner is no superuser either";
is $s->sql_one("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
    WHERE r.rolname = ?", $APP), 0, '... and is a member of no role (pg_execute_server_program none)';

my ($st, $out, $err) = as_app(q{COPY (SELECT 1) TO PROGRAM 'true'});
isnt $st, 0, "the programs' role cannot COPY ... TO PROGRAM";
like $err, qr/permission denied|must be superuser|pg_execute_server_program/i, '... permission denied';
($st, $out, $err) = as_app(q{COPY (SELECT 1) TO '/tmp/roster-copy-test'});
isnt $st, 0, '... nor COPY to a server file';
ok !-e '/tmp/roster-copy-test', '... which was not written';
($st, $out, $err) = as_app('CREATE ROLE intruder');
isnt $st, 0, '... cannot create roles';
($st, $out, $err) = as_app('CREATE TABLE intruder (x int)');
isnt $st, 0, '... cannot create tables';
($st, $out, $err) = as_app('DROP TABLE users');
isnt $st, 0, '... cannot drop tables';
($st, $out, $err) = as_app('TRUNCATE invitations');
isnt $st, 0, '... cannot truncate';
($st, $out, $err) = as_app('ALTER TABLE users ADD COLUMN x int');
isnt $st, 0, '... cannot alter tables';
($st, $out, $err) = as_app('CREATE DATABASE intruder');
isnt $st, 0, '... cannot create databases';
is $s->sql_one("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
    WHERE r.rolname = ?", $APP), 0, '... and owns nothing';
is $s->sql_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'
    AND tableowner <> ?", $OWNER), 0, 'every table belongs to the owner role';

# The rows: what the programs do works (a sign-up, an organization).
my $ua = person($s, 'priya@example.com', 'Priya Priv', confirm => 1);
new_org($ua, 'Least', 'least');
my $events = $s->sql_one('SELECT count(*) FROM audit_events');
cmp_ok $events, '>=', 2, 'the programs wrote rows (sign-up, org) as that role';
($st, $out, $err) = as_app('SELECT count(*) FROM audit_events');
is "$st $out", "0 $events\n", "the programs' role reads the audit trail";
($st, $out, $err) = as_app('UPDATE audit_events SET action = action');
isnt $st, 0, '... but cannot rewrite it';
($st, $out, $err) = as_app('DELETE FROM audit_events');
isnt $st, 0, '... nor delete from it';
($st, $out, $err) = as_app("INSERT INTO schema_migrations (version) VALUES ('999_x.sql')");
isnt $st, 0, '... nor record a migration';
is $s->sql_one('SELECT count(*) FROM audit_events'), $events, 'the audit trail is intact';

# ---- no root where none is needed ----------------------------------------------
# The real, effective, saved and file-system user ids of a process.
sub ids {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/status" or return;
	my (%id);
	while (<$fh>) {
		$id{$1} = [ split ' ', $2 ] if /^(Uid|Gid|Groups):\s*(.*)$/;
	}
	return \%id;
}

SKIP: {
	skip 'privilege drop: only as root', 12 unless $root;
	my ($uid, $gid) = (getpwnam $USER)[2, 3];
	my $web_gid = (getgrnam $WEB)[2];
	my @workers = $s->fcgi_pids;
	ok @workers >= 1, 'roster-fcgi has workers';
	for my $p ([ supervisor => $s->fcgi_pid ], map({ [ "worker $_" => $_ ] } @workers),
	    [ 'roster-mailer' => $s->{pids}{'roster-mailer'} ]) {
		my $id = ids($p->[1]);
		is_deeply [ @{ $id->{Uid} }, @{ $id->{Gid} }, @{ $id->{Groups} || [] } ],
		    [ ($uid) x 4, ($gid) x 4, $gid ],
		    "$p->[0] runs as roster: every user and group id, no other group";
	}
	my @sock = stat "$state/run/fcgi/fcgi.sock";
	is sprintf('%04o', $sock[2] & 07777), '0660', 'the FastCGI socket: 0660';
	is "$sock[4]:$sock[5]", "$uid:$web_gid", '... owned by roster, group www-data';
	my @dir = stat "$state/run/fcgi";
	is sprintf('%04o:%d', $dir[2] & 07777, $dir[4]), "0750:$uid", '... in a 0750 directory of roster';
	my $nginx = $s->{pids}{nginx};
	my @nw = Roster::Test::_children($nginx);
	ok @nw >= 1, 'nginx has workers';
	my $www = (getpwnam $WEB)[2];
	is_deeply [ map { ids($_)->{Uid}[1] } @nw ], [ ($www) x @nw ], "nginx's workers run as www-data";
}

SKIP: {
	skip 'refusing a bad ROSTER_USER: only as root', 6 unless $root;
	my $fcgi = Roster::Test->builddir . '/roster-fcgi';
	my $mailer = Roster::Test->builddir . '/roster-mailer';
	for my $case ([ 'no-such-user-here', qr/ROSTER_USER 'no-such-user-here' is not a user/ ],
	    [ 'root', qr/ROSTER_USER 'root' has user or group id 0/ ]) {
		my ($user, $re) = @$case;
		my $sock = "$state/run/refuse/fcgi.sock";
		my ($st, $out, $err) = $s->_run(cmd => [ $fcgi ], timeout => 30,
		    env => { $s->_child_env(ROSTER_USER => $user, ROSTER_FCGI_SOCKET => $sock) });
		isnt $st, 0, "roster-fcgi with ROSTER_USER=$user refuses to start";
		like $err, $re, '... and says why';
		($st, $out, $err) = $s->_run(cmd => [ $mailer, '--once' ], timeout => 30,
		    env => { $s->_child_env(ROSTER_USER => $user) });
		isnt $st, 0, "roster-mailer with ROSTER_USER=$user refuses to start";
	}
}

is $s->ua->get('/healthz')->{status}, 200, 'the stack still serves';
done_testing;
