#!/usr/bin/env perl
# Where a hot request's time goes: starts a private stack with the test
# harness (BENCH_WORKERS FastCGI workers, default 2), seeds the benchmark's
# organization as bench/statements.pl does (50 active members, 20 pending
# invitations), and for the members page and the invitation link page runs
# wrk for BENCH_DURATION seconds (default 5) at -c1 (one request at a time:
# what one request costs each process, and how long it waits) and at -c32
# (bench/run's load), reading utime + stime from /proc of the FastCGI
# workers, the application's PostgreSQL backends, nginx's workers and wrk
# before and after (wrk's own from times()). Prints, per request: CPU ms of each, their sum, the
# machine time per request (2 cores x wall / requests), the machine's
# idle time per request (at -c1: waiting, one hand-over between processes
# per round trip) and what is left (other work on the machine, the stack's
# other processes, interrupts).
#
#   ROSTER_BUILDDIR=... bench/cpu.pl
#
# Needs wrk. Loopback only; nothing left behind.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use lib "$FindBin::Bin/lib";
use BenchSeed;
use Roster::Test;
use Roster::Invite;
use POSIX qw(sysconf _SC_CLK_TCK);
use Time::HiRes qw(sleep time);

my $workers  = $ENV{BENCH_WORKERS}  // 2;
my $duration = $ENV{BENCH_DURATION} // 5;
my $tck      = sysconf(_SC_CLK_TCK) || 100;

my ($s, $owner, $link) = BenchSeed::stack($workers);
$s->stop_mailer;
my $cookie = 'roster_session=' . $owner->cookie('roster_session');
my $app = $s->db_role('app');

# CPU ticks of a process, 0 when it is gone.
sub ticks {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return 0;
	my $st = <$fh>;
	$st =~ s/^.*\) //;
	my @f = split ' ', $st;
	return $f[11] + $f[12];
}

sub children {
	my ($ppid) = @_;
	my @c;
	for my $d (glob '/proc/[0-9]*') {
		open my $fh, '<', "$d/stat" or next;
		my $st = <$fh>;
		next unless $st && $st =~ /\) \S (\d+)/ && $1 == $ppid;
		push @c, $d =~ s{.*/}{}r;
	}
	return @c;
}

my @fcgi = $s->fcgi_pids;
my $ngx_master = $s->{pids}{nginx} or die "no nginx pid\n";
my @ngx = children($ngx_master);

sub backends {
	my $pids = $s->sql_one(qq{SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE usename = '$app'});
	return split ' ', ($pids // '');
}

# Idle ticks of the machine (all cores).
sub idle {
	open my $fh, '<', '/proc/stat' or die "/proc/stat: $!\n";
	my @f = split ' ', scalar <$fh>;
	return $f[4] + $f[5];
}

sub measure {
	my ($name, $path, $conns, $hdr) = @_;
	my $args = join(' ', map {"'$_'"} @$hdr, $s->url($path));
	system("wrk -t1 -c$conns -d1s $args >/dev/null") == 0 or die "wrk\n";
	my @pg = backends();
	my %g = (worker => \@fcgi, postgres => \@pg, nginx => \@ngx);
	my %b = map { my $k = $_; ($k => [ map { ticks($_) } @{ $g{$k} } ]) } keys %g;
	my $t0 = time;
	my $i0 = idle();
	my (undef, undef, $cu0, $cs0) = times;
	# BENCH_PERF=DIR: perf record (cpu-clock, call graphs) of the
	# workers and the backends over the -c32 runs, a report per page.
	my $perf;
	if ($ENV{BENCH_PERF} && $conns > 1) {
		(my $tag = $path) =~ s/\?.*//;
		$tag =~ s{\W+}{_}g;
		my $pids = join ',', @fcgi, @pg;
		$perf = fork // die "fork: $!\n";
		exec('perf', 'record', '-q', '-e', 'cpu-clock', '-g', '-o', "$ENV{BENCH_PERF}/perf$tag.data",
		    '-p', $pids) unless $perf;
	}
	my $out = `wrk -t1 -c$conns -d${duration}s $args`;
	if ($perf) {
		kill 'INT', $perf;
		waitpid $perf, 0;
	}
	my $wall = time - $t0;
	my (undef, undef, $cu1, $cs1) = times;
	my %d;
	for my $k (keys %g) {
		my $i = 0;
		$d{$k} += ticks($_) - $b{$k}[ $i++ ] for @{ $g{$k} };
	}
	my ($n) = $out =~ /(\d+) requests in/ or die "wrk output: $out\n";
	my $wrk_ms = ($cu1 + $cs1 - $cu0 - $cs0) * 1000 / $n;
	my $idle = (idle() - $i0) * 1000 / $tck / $n;
	my ($lat) = $out =~ /Latency\s+([\d.]+\w+)/;
	my $ms = sub { sprintf '%.3f', $_[0] * 1000 / $tck / $n };
	my $sum = 0;
	$sum += $d{$_} for keys %d;
	my $wallper = 2 * $wall * 1000 / $n;
	my $tot = $ms->($sum) + $wrk_ms;
	printf "%-24s c=%-2d %6d req %6.0f/s  worker %s  postgres %s  nginx %s  wrk %.3f  sum %.3f | wall %.3f  idle %.3f  other work %.3f (ms/req; latency %s)\n",
	    $name, $conns, $n, $n / $wall, $ms->($d{worker}), $ms->($d{postgres}), $ms->($d{nginx}),
	    $wrk_ms, $tot, $wallper, $idle, $wallper - $tot - $idle, $lat // '?';
}

for my $rep (1 .. ($ENV{BENCH_REPS} // 2)) {
	for my $c (1, 32) {
		measure('GET /orgs/bench', '/orgs/bench', $c, [ '-H', "Cookie: $cookie" ]);
		measure('GET /invitations/accept', $link->{path}, $c, []);
	}
}
$s->stop;
