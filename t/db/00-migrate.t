#!/usr/bin/env perl
# rosterctl migrate: applies sql/ once each, in order, under an advisory
# lock; running it again changes nothing; concurrent runs on a fresh
# database both succeed and apply each migration once.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my @tables = qw(users sessions account_tokens organizations memberships invitations
    join_requests outbox mail_counters rate_events audit_events);
for my $t (@tables) {
	is $s->sql_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = ?", $t), 1,
	    "table $t exists";
}
is $s->sql_one("SELECT count(*) FROM pg_extension WHERE extname = 'citext'"), 1, 'citext is installed';

my $schema = sub {
	my ($db) = @_;
	return join "\n", map { join '|', @$_ } $s->psql(
	    "SELECT table_name, column_name, data_type FROM information_schema.columns
	     WHERE table_schema = 'public' AND table_catalog = ? ORDER BY 1, 2", $db);
};
my $before = $schema->('roster');
$s->psql("INSERT INTO users (email, display_name, password_hash) VALUES ('keep\@example.com', 'K', 'x')");
my $r = $s->rosterctl('migrate');
is $r->{status}, 0, 'a second migrate succeeds' or diag $r->{err};
is $schema->('roster'), $before, 'and changes no table';
is $s->sql_one("SELECT count(*) FROM users"), 1, 'and keeps the data';
is $s->sql_one("SELECT count(*) FROM mail_counters"), 6, 'seed rows are not inserted twice (3 for email, 3 for webhooks)';

# Two migrations at once on a fresh database.
# As scripts/pg makes "roster": owned by the schema's role, which migrates
# it, and open to the programs' role, which migrate then grants the rows.
my ($owner, $app) = ($s->db_role('owner'), $s->db_role('app'));
$s->psql("CREATE DATABASE fresh OWNER $owner");
$s->psql("REVOKE ALL ON DATABASE fresh FROM PUBLIC; GRANT CONNECT ON DATABASE fresh TO $app");
my %fresh = map { ($_ => $s->{env}{$_} =~ s/dbname=roster/dbname=fresh/r) }
    qw(ROSTER_DATABASE_URL ROSTER_MIGRATE_DATABASE_URL);
my @kids;
for (1 .. 2) {
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		my $res = $s->rosterctl(\%fresh, 'migrate');
		print STDERR $res->{err} if $res->{status};
		POSIX::_exit($res->{status} ? 1 : 0);
	}
	push @kids, $pid;
}
for my $pid (@kids) {
	waitpid($pid, 0);
	is $?, 0, "concurrent migrate (pid $pid) succeeded";
}
my $tables = sub {
	my ($db) = @_;
	return join ',', map { $_->[0] } $s->psql_in($db,
	    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
};
my @app = grep { $_ ne '' } split /,/, $tables->('fresh');
ok((grep { $_ eq 'users' } @app), 'the fresh database got the schema');
is $tables->('fresh'), $tables->('roster'), 'the same tables as a single migration';
is $s->psql_in('fresh', 'SELECT count(*) FROM mail_counters')->[0][0], 6,
    'seed rows inserted once';
$r = $s->rosterctl(\%fresh, 'migrate');
is $r->{status}, 0, 'a third migrate on it succeeds';

done_testing;
