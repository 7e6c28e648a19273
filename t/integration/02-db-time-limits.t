#!/usr/bin/env perl
# The programs' database connections carry time limits
# (ROSTER_DB_LOCK_TIMEOUT, ROSTER_DB_STATEMENT_TIMEOUT): a request that
# waits on a lock held elsewhere (here by psql) answers 503 with
# Retry-After within the limit instead of hanging, writes nothing, and the
# same workers serve normally once the lock is gone. First with the lock
# timeout alone (1 s), then with the statement timeout alone (1 s, lock
# timeout 0): each limit works by itself. The holder's transaction ends by
# itself after 8 s, so without the limits the requests would answer only
# then, and the timing assertions would fail.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes ();
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(workers => 2,
    env => { ROSTER_DB_LOCK_TIMEOUT => 1000, ROSTER_DB_STATEMENT_TIMEOUT => 0 });
my %env = $s->env;

my $ua = person($s, 'lena@example.com', 'Lena Lock', confirm => 1);
is $ua->get('/orgs/new')->{status}, 200, 'a signed-in page answers 200 with nothing locked';

# psql holding an exclusive lock on $table in an open transaction that ends
# by itself after 8 s. Returns once the lock is granted.
sub hold_lock {
	my ($table) = @_;
	my $psql = Roster::Test->pg_bin . '/psql';
	open my $ph, '|-', $psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $env{ROSTER_DATABASE_URL}
	    or die "psql: $!";
	$ph->autoflush(1);
	print {$ph} "SET application_name = 'lockholder';\nBEGIN;\n"
	    . "LOCK TABLE $table IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(8);\nROLLBACK;\n";
	my $deadline = Time::HiRes::time() + 5;
	while (Time::HiRes::time() < $deadline) {
		last if $s->sql_one(q{SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		    WHERE a.application_name = 'lockholder' AND l.granted AND l.mode = 'AccessExclusiveLock'
		    AND l.relation = ?::regclass}, $table);
		Time::HiRes::sleep(0.05);
	}
	return $ph;
}

sub release_lock {
	my ($ph) = @_;
	$s->psql(q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'lockholder'});
	close $ph; # psql stops at the cancelled statement; the transaction rolls back
}

sub timed {
	my ($code) = @_;
	my $t0 = Time::HiRes::time();
	my $res = $code->();
	return ($res, Time::HiRes::time() - $t0);
}

sub limited_phase {
	my ($what) = @_;
	my @workers = sort { $a <=> $b } $s->fcgi_pids;

	# A read that needs the locked table (the session lookup).
	my $ph = hold_lock('sessions');
	my ($res, $secs) = timed(sub { $ua->get('/orgs/new') });
	is $res->{status}, 503, "$what: a page waiting on a locked table answers 503";
	is $ua->page($res), 'unavailable', "$what:   with the unavailable page";
	ok $res->{headers}{'retry-after'}, "$what:   and Retry-After";
	cmp_ok $secs, '<', 4, sprintf("$what:   within the limit, not after the lock (%.2f s)", $secs);
	release_lock($ph);
	is $s->sql_one(q{SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id
	    WHERE u.email = 'lena@example.com'}) >= 1, 1, "$what: the session is still there";

	# A write that needs the locked table: nothing of it is written.
	$ua->get('/orgs/new');
	$ph = hold_lock('organizations');
	my $audit = $s->sql_one('SELECT count(*) FROM audit_events');
	($res, $secs) = timed(sub { $ua->post_form('/orgs', { name => 'Locked Out', slug => "locked-$what" }) });
	is $res->{status}, 503, "$what: creating an organization on a locked table answers 503";
	ok $res->{headers}{'retry-after'}, "$what:   with Retry-After";
	cmp_ok $secs, '<', 4, sprintf("$what:   within the limit (%.2f s)", $secs);
	release_lock($ph);
	is $s->sql_one('SELECT count(*) FROM organizations WHERE slug = ?', "locked-$what"), 0,
	    "$what: no organization row";
	is $s->sql_one('SELECT count(*) FROM audit_events'), $audit, "$what: no audit event";

	# Back to normal, same workers.
	is $ua->get('/orgs/new')->{status}, 200, "$what: once the lock is gone the page answers 200";
	$ua->get('/orgs/new');
	my $ok = $ua->post_form('/orgs', { name => 'Unlocked', slug => "unlocked-$what" });
	is $ok->{status}, 303, "$what:   and the organization is created";
	is $s->sql_one('SELECT count(*) FROM organizations WHERE slug = ?', "unlocked-$what"), 1,
	    "$what:   its row is there";
	is_deeply [ sort { $a <=> $b } $s->fcgi_pids ], \@workers, "$what: by the same workers";
}

limited_phase('lock');

$s->stop_fcgi;
$s->set_env(ROSTER_DB_LOCK_TIMEOUT => 0, ROSTER_DB_STATEMENT_TIMEOUT => 1000);
$s->start_fcgi;
limited_phase('stmt');

like $s->log_text, qr/SQLSTATE 55P03/, 'the log names the lock timeout';
like $s->log_text, qr/SQLSTATE 57014/, 'and the statement timeout';

done_testing;
