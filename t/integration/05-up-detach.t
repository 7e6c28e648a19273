#!/usr/bin/env perl
# scripts/up and the conventional build agree (issue 11, item 7):
#  - `scripts/up --detach 2>&1 | tail` returns: once scripts/up has exited,
#    no process it started holds the pipe of its output (reading it reaches
#    end-of-file), and the stack it started answers /healthz; scripts/down
#    stops it;
#  - a checkout configured in place (./config.status) is taken as the build
#    directory (scripts/lib.sh roster_builddir), and another build
#    directory beside it is refused with what to do ('make distclean').
# scripts/up runs with this build ($ROSTER_BUILDDIR, already built: its
# make does nothing), a state directory of its own under
# $ROSTER_TEST_TMPDIR (scripts/test stops whatever is left there), a free
# port, and a bound of 120 s.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use File::Path qw(make_path);
use IO::Select;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use Test::More;
use Roster::Test;

my $SRC = Roster::Test->srcdir;
my $BUILD = $Roster::Test::BUILDDIR;
-x "$BUILD/rosterctl" or BAIL_OUT("$BUILD/rosterctl is not built (set ROSTER_BUILDDIR)");

sub free_port {
	my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 1, ReuseAddr => 1) or die "cannot bind: $!\n";
	my $port = $sock->sockport;
	close $sock;
	return $port;
}

my $state = tempdir('roster-test-XXXXXX', DIR => $ENV{ROSTER_TEST_TMPDIR} // '/tmp', CLEANUP => 0);
chmod 0755, $state;
my $port = free_port();
my %env = (
	ROSTER_BUILDDIR  => $BUILD,
	ROSTER_STATE_DIR => $state,
	ROSTER_HTTP_PORT => $port,
	ROSTER_PG_PORT   => free_port(),
);

# Runs a command with %env (and no other ROSTER_* variable), stdout and
# stderr into one pipe, as `CMD 2>&1 | tail` does; reads the pipe until
# end-of-file or the deadline. Returns { out, eof, status, secs }.
sub run_piped {
	my ($secs, @cmd) = @_;
	pipe my $r, my $w or die "pipe: $!";
	my $t0 = time;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		close $r;
		delete @ENV{ grep { /^ROSTER_/ } keys %ENV };
		@ENV{ keys %env } = values %env;
		open STDIN, '<', '/dev/null' or die $!;
		open STDOUT, '>&', $w or die $!;
		open STDERR, '>&', $w or die $!;
		exec @cmd or die "exec $cmd[0]: $!";
	}
	close $w;
	my ($out, $eof, $status) = ('', 0, undef);
	my $sel = IO::Select->new($r);
	while (time - $t0 < $secs) {
		if ($sel->can_read(0.5)) {
			my $n = sysread $r, my $buf, 65536;
			if (!$n) { $eof = 1; last }
			$out .= $buf;
		}
		$status //= $? >> 8 if waitpid($pid, WNOHANG) == $pid;
	}
	close $r;
	if (!defined $status) {
		# Bounded: the command still runs past the deadline.
		my $deadline = time + 15;
		while (time < $deadline) {
			if (waitpid($pid, WNOHANG) == $pid) { $status = $? >> 8; last }
			sleep 0.2;
		}
		if (!defined $status) { kill 'KILL', $pid; waitpid $pid, 0; $status = -1 }
	}
	return { out => $out, eof => $eof, status => $status, secs => time - $t0 };
}

# True while pid runs (a zombie does not count).
sub alive {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return 0;
	my $stat = <$fh> // '';
	return $stat !~ /\) [ZX] /;
}

sub pid_of {
	my ($name) = @_;
	open my $fh, '<', "$state/run/$name.pid" or return undef;
	my $pid = <$fh>;
	return defined $pid && $pid =~ /^(\d+)$/ ? $1 : undef;
}

# scripts/up writes its build's log to $BUILD/build.log; one this test
# made goes again at the end (distcheck wants a build directory that
# distclean empties).
my $buildlog_was = -e "$BUILD/build.log" ? 1 : 0;
END { unlink "$BUILD/build.log" if defined $buildlog_was && !$buildlog_was }

# ---- scripts/up --detach 2>&1 | tail ----------------------------------------------
my $up;
for my $try (1 .. 3) {
	$up = run_piped(120, "$SRC/scripts/up", '--detach');
	# Another test's stack may have taken the port meanwhile: scripts/up
	# then stops what it started and says so; another port is tried.
	last unless $up->{status} == 1 && $up->{out} =~ /something already answers/;
	diag "port $port was taken meanwhile; trying another";
	$env{ROSTER_HTTP_PORT} = $port = free_port();
}
ok $up->{eof}, sprintf('scripts/up --detach: its output pipe reaches end-of-file (%.1f s)', $up->{secs})
    or diag $up->{out};
is $up->{status}, 0, 'scripts/up --detach exits 0' or diag $up->{out};
like $up->{out}, qr{^Roster is running at http://127\.0\.0\.1:\Q$port\E/$}m, '  and says where';
my %pid = map { ($_ => pid_of($_)) } qw(nginx roster-fcgi roster-mailer);
for my $p (sort keys %pid) {
	ok $pid{$p} && alive($pid{$p}), "  $p runs after scripts/up returned";
}
my $health = `curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:$port/healthz`;
is $health, 200, '  and /healthz answers 200';

# Again: the stack runs, so scripts/up says so and returns at once.
my $again = run_piped(60, "$SRC/scripts/up", '--detach');
ok $again->{eof} && $again->{status} == 0, 'scripts/up --detach again returns, exit 0'
    or diag $again->{out};
like $again->{out}, qr/already running/, '  saying the stack already runs';

my $down = run_piped(90, "$SRC/scripts/down");
is $down->{status}, 0, 'scripts/down exits 0' or diag $down->{out};
ok $down->{eof}, '  and returns';
for my $p (sort keys %pid) {
	ok $pid{$p} && !alive($pid{$p}), "  $p is stopped";
}
is `curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://127.0.0.1:$port/healthz`, '000',
    '  nothing answers on the port any more';
# The cluster and logs are kept by scripts/down; this test's are not.
File::Path::remove_tree($state) if $down->{status} == 0 && Test::More->builder->is_passing;

# ---- a checkout configured in place -------------------------------------------------
# A copy of scripts/ in a directory that looks configured in place: only
# the choice of build directory is tried, nothing is built.
{
	my $tree = tempdir(CLEANUP => 1);
	make_path("$tree/scripts");
	system('cp', '-p', glob("$SRC/scripts/*"), "$tree/scripts/") == 0 or die "cp failed";
	my $builddir = sub {
		my (%e) = @_;
		local %ENV = %ENV;
		delete @ENV{ grep { /^ROSTER_/ } keys %ENV };
		@ENV{ keys %e } = values %e;
		my $out = `bash -c '. "\$1/scripts/lib.sh"; roster_builddir' - '$tree'`;
		chomp $out;
		return $out;
	};
	is $builddir->(), "$tree/build", 'roster_builddir: build/ in a checkout not configured';
	is $builddir->(ROSTER_BUILDDIR => '/elsewhere/b'), '/elsewhere/b', '  ROSTER_BUILDDIR when set';
	open my $fh, '>', "$tree/config.status" or die $!;
	close $fh;
	is $builddir->(), $tree, '  the checkout itself once it is configured in place';

	$env{ROSTER_BUILDDIR} = "$tree/build";
	my $r = run_piped(30, "$tree/scripts/up", '--detach');
	is $r->{status}, 1, 'scripts/up refuses another build directory beside an in-place one';
	like $r->{out}, qr/configured in place.*make distclean/s, '  saying what to do';
	ok !-e "$tree/build", '  before making anything';
}

done_testing;
