#!/usr/bin/env perl
# Instructions a FastCGI worker executes per request, counted by
# valgrind's callgrind: a figure that does not depend on what else the
# machine is doing, so two builds compare on a busy machine to a fraction
# of a percent where req/s and CPU time (bench/cpu.pl) move by ten.
#
# Starts a private stack with one worker, seeds the benchmark's
# organization as bench/cpu.pl does (50 members, 20 pending invitations),
# and for the invitation link page and the members page runs roster-fcgi
# under callgrind twice, serving BENCH_INSTR_FEW and then
# BENCH_INSTR_MANY requests of that page one at a time; the worker's
# count differs between the two runs by exactly the extra requests, so
# start-up, template loading and the first statements' preparation
# cancel out. User-space instructions only: system calls and the kernel's
# work are not in the count (bench/cpu.pl measures them).
#
#   ROSTER_BUILDDIR=... bench/instructions.pl
#
#   BENCH_INSTR_FEW, BENCH_INSTR_MANY   requests of the two runs [50, 450]
#   BENCH_INSTR_KEEP=DIR                keep the callgrind files in DIR
#                                       (callgrind_annotate reads them)
#
# Needs valgrind and curl. Loopback only; nothing left behind.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use lib "$FindBin::Bin/lib";
use BenchSeed;
use File::Temp qw(tempdir);
use Roster::Test;

my $few  = $ENV{BENCH_INSTR_FEW}  // 50;
my $many = $ENV{BENCH_INSTR_MANY} // 450;
$few =~ /^\d+$/ && $many =~ /^\d+$/ && $many > $few
    or die "BENCH_INSTR_MANY must be a count above BENCH_INSTR_FEW\n";
system('valgrind --version >/dev/null 2>&1') == 0
    or die "bench/instructions.pl needs valgrind (apt-get install valgrind)\n";
my $keep = $ENV{BENCH_INSTR_KEEP};
if ($keep) { system('mkdir', '-p', $keep) == 0 or die "mkdir $keep\n" }
my $out = $keep // tempdir('roster-instr-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $out; # the worker, as the service user, writes below it

my ($s, $owner, $link) = BenchSeed::stack(1);
$s->stop_mailer;
my $cookie = 'roster_session=' . $owner->cookie('roster_session');

# The worker's count: the largest of the run's files (the supervisor's
# holds start-up only; when it runs as root its own file cannot be
# rewritten after it drops to the service user, and stays empty).
sub count {
	my ($dir) = @_;
	my $max = 0;
	for my $f (glob "$dir/cg.*") {
		open my $fh, '<', $f or next;
		while (<$fh>) {
			if (/^(?:summary|totals): (\d+)/) { $max = $1 if $1 > $max; last }
		}
	}
	return $max;
}

sub run {
	my ($name, $path, $hdr, $n) = @_;
	my $dir = "$out/$name-$n";
	mkdir $dir or die "mkdir $dir: $!\n";
	chmod 0777, $dir;
	$s->stop_fcgi;
	$s->_spawn('roster-fcgi', [ 'valgrind', '--tool=callgrind', '--trace-children=yes',
	    "--callgrind-out-file=$dir/cg.%p", Roster::Test->builddir . "/roster-fcgi" ]);
	$s->_wait_healthy(120) or die "roster-fcgi under valgrind did not come up\n";
	my $url = $s->url($path);
	for (1 .. $n) {
		my $code = `curl -s -o /dev/null -w '%{http_code}' $hdr '$url'`;
		$code eq '200' or die "$name: HTTP $code\n";
	}
	$s->stop_fcgi(120);
	return count($dir);
}

my @pages = (
	[ 'GET /invitations/accept (link page)', 'link', $link->{path}, '' ],
	[ 'GET /orgs/{slug} (50 + 20 rows)', 'members', '/orgs/bench', "-H 'Cookie: $cookie'" ],
);
printf "%-38s %14s\n", 'request', 'instructions';
for my $p (@pages) {
	my ($label, $name, $path, $hdr) = @$p;
	my $a = run($name, $path, $hdr, $few);
	my $b = run($name, $path, $hdr, $many);
	printf "%-38s %14.0f\n", $label, ($b - $a) / ($many - $few);
}
print "(per request, user space, one worker; $few and $many requests, the difference)\n";
print "callgrind files kept in $out\n" if $keep;
