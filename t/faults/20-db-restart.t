#!/usr/bin/env perl
# PostgreSQL stopped and started under load: while it is down every answer
# that needs it is 503 with Retry-After (never a hang, a 502 or a crash);
# once it is back every request succeeds again, served by the same worker
# processes (they reconnect; the supervisor restarts nothing). Bounded:
# about 3 s of load before, the outage (up to 20 s), 5 s after.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;
my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');
my @workers = sort { $a <=> $b } $s->fcgi_pids;
is scalar @workers, 2, 'two workers run';

# Load: a few clients asking for the roster page (signed in) and /healthz,
# each writing one line per answer: "status retry-after".
my $log = $s->state_dir . '/tmp/load';
my @clients;
my $test = $$;
for my $k (1 .. 3) {
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		my $ua = clone_ua($s, $owner);
		open my $out, '>', "$log.$k" or POSIX::_exit(1);
		$out->autoflush(1);
		my $stop = time + 40;
		while (time < $stop && !-e "$log.stop" && getppid() == $test) {
			for my $path ('/orgs/acme', '/healthz') {
				my $r = $ua->get($path);
				printf $out "%.3f %d %s %s\n", time, $r->{status},
				    $r->{headers}{'retry-after'} // '-', $path;
			}
			sleep 0.02;
		}
		close $out;
		POSIX::_exit(0);
	}
	push @clients, $pid;
}

sleep 3;
my $t_stop = time;
$s->stop_db;
my $t_stopped = time;
# Down long enough for every client to see it.
sleep 4;
my $t_start = time;
$s->start_db;
ok eventually(20, sub { $s->ua->get('/healthz')->{status} == 200 }), 'service is back within 20 s';
my $t_back = time;
sleep 5;
open my $stopf, '>', "$log.stop"; close $stopf;
waitpid $_, 0 for @clients;

my %by;
my ($bad_during, $bad_after, $no_retry, $n_during, $n_after, $n_before, $bad_before) = (0) x 7;
for my $k (1 .. 3) {
	open my $in, '<', "$log.$k" or die "$log.$k: $!";
	while (<$in>) {
		my ($t, $st, $ra, $path) = split;
		$by{$st}++;
		if ($t < $t_stop) {
			$n_before++;
			$bad_before++ if $st != 200;
		} elsif ($t > $t_back + 0.5) {
			$n_after++;
			$bad_after++ if $st != 200;
		} elsif ($t > $t_stopped + 0.5 && $t < $t_start) {
			$n_during++;
			$bad_during++ if $st != 503;
			$no_retry++ if $st == 503 && $ra eq '-';
		} else {
			# The edges: 200 or 503 with Retry-After.
			$bad_during++ unless $st == 200 || $st == 503;
			$no_retry++ if $st == 503 && $ra eq '-';
		}
	}
}
my $total = 0;
$total += $_ for values %by;
diag sprintf 'db restart: %d answers (%s); before %d, while down %d, after %d; outage %.1f s',
    $total, join(', ', map { "$_: $by{$_}" } sort keys %by), $n_before, $n_during, $n_after,
    $t_back - $t_stop;
ok $n_before > 10, "requests were served before the outage ($n_before)";
is $bad_before, 0, 'all of them 200';
ok $n_during > 10, "requests came while the database was down ($n_during)";
is $bad_during, 0, 'every answer while it was down was 503 (and around the edges 200 or 503)';
is $no_retry, 0, 'every 503 carried Retry-After';
ok $n_after > 10, "requests came after it was back ($n_after)";
is $bad_after, 0, 'every one of them 200';
ok !$by{502}, 'no 502: no worker died';
is_deeply [ sort { $a <=> $b } $s->fcgi_pids ], \@workers, 'the same worker processes serve';

done_testing;
