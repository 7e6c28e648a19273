package Roster::Test;

# The harness of the database and integration tests: starts a private
# Roster stack (a throw-away PostgreSQL cluster, roster-mailer, roster-fcgi
# and nginx on a free loopback port) for one test file, gives it an HTTP
# client with a cookie jar, reads the database and the mail the stack
# writes, and stops and removes everything when the test ends, even when it
# dies. Server logs are kept until then and printed when the test failed
# (or always with ROSTER_TEST_VERBOSE=1); ROSTER_TEST_KEEP=1 keeps the state
# directory.
#
#   use FindBin;
#   use lib "$FindBin::Bin/../lib";
#   use Test::More;
#   use Roster::Test;
#
#   my $s  = Roster::Test->start(env => { ROSTER_SIGNUP_MODE => 'open' });
#   my $ua = $s->ua;
#   my $res = $ua->signup('ann@example.com', 'correct horse', 'Ann');
#   is $res->{status}, 303;
#   is $ua->page($ua->follow($res)), 'dashboard';
#   my $mail = $s->wait_for_mail(to => 'ann@example.com');
#   like $mail->{body}, qr/confirm/;
#   is $s->sql_one('SELECT count(*) FROM users'), 1;
#
# Programs come from $ROSTER_BUILDDIR (default <repo>/build); templates,
# static files and migrations from $ROSTER_SRCDIR (default the repository).
# The cluster and nginx's configuration come from the same shell functions
# scripts/up uses, through scripts/pg and scripts/nginx-conf; nginx writes
# its error log straight to log/nginx-error.log, as on a host (no filter:
# nginx/roster.conf keeps tokens out of it). Core Perl modules only.

use strict;
use warnings;

use Carp qw(croak);
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(remove_tree);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64 decode_base64);
use POSIX qw(WNOHANG);
use Test::More ();
use Time::HiRes qw(sleep time);

our $SRCDIR = abs_path($ENV{ROSTER_SRCDIR} // dirname(__FILE__) . '/../../..');
our $BUILDDIR = abs_path($ENV{ROSTER_BUILDDIR} // "$SRCDIR/build") // "$SRCDIR/build";

my @LIVE;            # stacks started by this process, stopped at END

# Processes the harness starts, in the order they are stopped, with the
# signal that stops each and the bound on its exit.
my @SERVERS = (
	[ nginx => 'TERM', 10 ],
	[ 'roster-fcgi' => 'TERM', 20 ],
	[ 'roster-mailer' => 'TERM', 15 ],
);

sub srcdir { $SRCDIR }
sub builddir { $BUILDDIR }

# ---- starting --------------------------------------------------------------

# Roster::Test->start(%opts) starts a stack and returns it. Options:
#   env      => { NAME => value }  extra environment for the programs
#                                  (undef removes a default)
#   db_only  => 1                  cluster and migrations only
#   mailer   => 0                  do not start roster-mailer
#   workers  => N                  ROSTER_WORKERS [2]
#   restore  => FILE               pg_restore a pg_dump -Fc archive into the
#                                  fresh database before migrating
# Dies (the test fails) when any part does not come up.
sub start {
	my ($class, %opt) = @_;
	my $self = bless {
		opt      => \%opt,
		owner    => $$,
		pids     => {},
		seen     => {},
		stopped  => 0,
	}, $class;
	push @LIVE, $self;
	for my $sig (qw(INT TERM HUP)) {
		$SIG{$sig} = sub { exit 128 + ($sig eq 'INT' ? 2 : $sig eq 'TERM' ? 15 : 1) }
		    if !$SIG{$sig} || $SIG{$sig} eq 'DEFAULT';
	}
	$SIG{PIPE} = 'IGNORE';
	my $ok = eval { $self->_start; 1 };
	if (!$ok) {
		my $err = $@;
		$self->{failed_start} = 1;
		$self->_dump_logs("the stack did not start: $err");
		$self->stop;
		die "Roster::Test: $err";
	}
	return $self;
}

sub _start {
	my ($self) = @_;
	my %opt = %{ $self->{opt} };

	for my $p (qw(rosterctl), $opt{db_only} ? () : qw(roster-fcgi roster-mailer)) {
		-x "$BUILDDIR/$p" or die "$BUILDDIR/$p is not built (set ROSTER_BUILDDIR)\n";
	}

	my $parent = $ENV{ROSTER_TEST_TMPDIR} // '/tmp';
	my $state = tempdir('roster-test-XXXXXX', DIR => $parent, CLEANUP => 0);
	chmod 0755, $state;
	$self->{state} = $state;
	mkdir "$state/$_" or die "mkdir $state/$_: $!\n" for qw(log run mail nginx tmp);
	$self->_start_guardian;

	$self->{port} = _free_port();
	$self->{pg_port} = _free_port();
	my $secret = encode_base64(_random_bytes(32), '');
	_write_file("$state/secret.key", "$secret\n", 0600);

	$self->{pgbin} = pg_bin() // die "PostgreSQL server programs not found\n";
	# The programs connect as the role that may touch rows only; migrations
	# and restores run as the schema's owner; the tests read and check
	# the database as the superuser.
	$self->{db_url} = $self->_pg('up', $state, $self->{pg_port}, 'test');
	$self->{owner_url} = $self->_pg('url', $state, $self->{pg_port}, 'owner');
	$self->{admin_url} = $self->_pg('url', $state, $self->{pg_port}, 'admin');
	$self->_run_ok("$self->{pgbin}/pg_restore", '--no-owner', '--exit-on-error',
	    '-d', $self->{owner_url}, $opt{restore}) if defined $opt{restore};

	my %env = (
		ROSTER_STATE_DIR       => $state,
		ROSTER_HTTP_PORT       => $self->{port},
		ROSTER_BASE_URL        => "http://127.0.0.1:$self->{port}",
		ROSTER_DATABASE_URL    => $self->{db_url},
		ROSTER_MIGRATE_DATABASE_URL => $self->{owner_url},
		ROSTER_SECRET_KEY      => $secret,
		ROSTER_DATA_DIR        => $SRCDIR,
		ROSTER_FCGI_SOCKET     => "$state/run/fcgi/fcgi.sock",
		ROSTER_WORKERS         => $opt{workers} // 2,
		ROSTER_MAILER_POLL_MS  => 200,
		ROSTER_COOKIE_SECURE   => 0,
		ROSTER_SIGNUP_MODE     => 'open',
	);
	while (my ($k, $v) = each %{ $opt{env} || {} }) {
		if (defined $v) { $env{$k} = $v } else { delete $env{$k} }
	}
	$self->{env} = \%env;

	my $r = $self->rosterctl('migrate');
	_append_file("$state/log/rosterctl.log", $r->{out} . $r->{err});
	$r->{status} == 0 or die "rosterctl migrate failed (exit $r->{status}): $r->{err}\n";
	return if $opt{db_only};

	$self->start_mailer unless defined $opt{mailer} && !$opt{mailer};
	$self->_spawn('roster-fcgi', [ "$BUILDDIR/roster-fcgi" ]);

	$self->_run_ok("$SRCDIR/scripts/nginx-conf", "$state/nginx/nginx.conf", $self->{port},
	    $state, $env{ROSTER_FCGI_SOCKET}, "$env{ROSTER_DATA_DIR}/static");
	my @nginx = $self->_nginx_cmd;
	my ($st, $out, $err) = $self->_run(cmd => [ @nginx, '-t', '-q' ]);
	$st == 0 or die "nginx -t failed: $out$err\n";
	$self->_spawn(nginx => [ @nginx, '-g', 'daemon off;' ]);

	$self->_wait_healthy(30) or die "/healthz did not answer 200 within 30 s\n";
}

sub _nginx_cmd {
	my ($self) = @_;
	my $s = $self->{state};
	return ('nginx', '-p', "$s/nginx/", '-c', "$s/nginx/nginx.conf", '-e', "$s/log/nginx-error.log");
}

sub _wait_healthy {
	my ($self, $secs) = @_;
	my $http = HTTP::Tiny->new(timeout => 3, max_redirect => 0);
	my $deadline = time + $secs;
	while (time < $deadline) {
		for my $name ('nginx', 'roster-fcgi') {
			next unless $self->{pids}{$name};
			die "$name exited during startup\n" unless $self->_child_alive($name);
		}
		my $res = $http->get($self->base_url . '/healthz');
		return 1 if $res->{status} == 200;
		sleep 0.1;
	}
	return 0;
}

# ---- accessors -------------------------------------------------------------

sub base_url { "http://127.0.0.1:$_[0]{port}" }
sub url { $_[0]->base_url . $_[1] }
sub port { $_[0]{port} }
sub state_dir { $_[0]{state} }

# The database role name of ROLE (app, owner or admin), as scripts/pg
# names it in the connection string.
sub db_role {
	my ($self, $role) = @_;
	my ($name) = $self->db_url($role) =~ /\buser=(\S+)/ or croak "db_role: no user in the URL";
	return $name;
}

# The default of a configuration variable, as `rosterctl config` (the one
# table, in src/conf.c) prints it; undef when it has none.
my %CONFIG_DEFAULTS;
sub config_default {
	my ($class, $name) = @_;
	if (!%CONFIG_DEFAULTS) {
		open my $fh, '-|', "$BUILDDIR/rosterctl", 'config' or croak "rosterctl config: $!";
		while (<$fh>) {
			$CONFIG_DEFAULTS{$1} = $2 if /^(ROSTER_\w+)=(\S*)/;
		}
		close $fh or croak 'rosterctl config failed';
	}
	my $v = $CONFIG_DEFAULTS{$name};
	return defined $v && length $v ? $v : undef;
}

# The libpq connection string of the stack's database as ROLE: app (the
# programs' role, ROSTER_DATABASE_URL; the default), owner (the schema's)
# or admin (the cluster's superuser, which psql() uses).
sub db_url {
	my ($self, $role) = @_;
	my %key = (app => 'db_url', owner => 'owner_url', admin => 'admin_url');
	my $k = $key{ $role // 'app' } or croak "db_url: unknown role $role";
	return $self->{$k};
}
sub env { %{ $_[0]{env} } }

# A new HTTP client with its own cookie jar (see Roster::Test::UA).
sub ua {
	my ($self, %opt) = @_;
	return Roster::Test::UA->new(base => $self->base_url, %opt);
}

# ---- processes -------------------------------------------------------------

# Environment of the programs: the caller's, without its ROSTER_*
# variables, plus the stack's.
sub _child_env {
	my ($self, %extra) = @_;
	my %e = map { $_ => $ENV{$_} } grep { !/^ROSTER_/ } keys %ENV;
	return (%e, %{ $self->{env} }, %extra);
}

# Server processes keep ASan but not LeakSanitizer: they end by signal.
sub _server_env {
	my ($self) = @_;
	my $asan = $ENV{ASAN_OPTIONS} // '';
	$asan =~ s/(^|:)detect_leaks=\d//g;
	$asan =~ s/^://;
	return $self->_child_env(ASAN_OPTIONS => join(':', grep { length } $asan, 'detect_leaks=0'));
}

sub _spawn {
	my ($self, $name, $cmd) = @_;
	my $log = "$self->{state}/log/$name.log";
	my %env = $name eq 'nginx' ? $self->_child_env : $self->_server_env;
	my $pid = fork // die "fork: $!\n";
	if (!$pid) {
		$SIG{$_} = 'DEFAULT' for qw(INT TERM HUP PIPE);
		open STDIN, '<', '/dev/null';
		open STDOUT, '>>', $log;
		open STDERR, '>&', \*STDOUT;
		%ENV = %env;
		{ no warnings 'exec'; exec { $cmd->[0] } @$cmd; }
		print STDERR "exec $cmd->[0]: $!\n";
		POSIX::_exit(127);
	}
	$self->{pids}{$name} = $pid;
	_write_file("$self->{state}/run/$name.pid", "$pid\n", 0644);
	return $pid;
}

# True while the child started under name runs (reaps it once it ended).
sub _child_alive {
	my ($self, $name) = @_;
	my $pid = $self->{pids}{$name} or return 0;
	my $r = waitpid($pid, WNOHANG);
	if ($r == $pid || $r == -1) {
		$self->{exit}{$name} = $?;
		delete $self->{pids}{$name};
		return 0;
	}
	return 1;
}

sub _stop_child {
	my ($self, $name, $sig, $secs) = @_;
	my $pid = $self->{pids}{$name} or return;
	my @kids = _children($pid);
	kill $sig, $pid;
	my $deadline = time + $secs;
	while (time < $deadline) {
		return _unlink("$self->{state}/run/$name.pid") unless $self->_child_alive($name);
		sleep 0.05;
	}
	Test::More::diag("$name (pid $pid) did not stop within ${secs}s after SIG$sig; killing it");
	kill 'KILL', $pid, @kids;
	waitpid($pid, 0);
	delete $self->{pids}{$name};
	_unlink("$self->{state}/run/$name.pid");
}

# Starts or stops roster-mailer (for tests that want mail to stay queued).
sub start_mailer {
	my ($self) = @_;
	return if $self->{pids}{'roster-mailer'};
	$self->_spawn('roster-mailer', [ "$BUILDDIR/roster-mailer" ]);
}

sub stop_mailer { $_[0]->_stop_child('roster-mailer', 'TERM', 15) }

# Stops roster-fcgi with SIGTERM (it drains its workers) and returns its
# wait status (0: a clean exit), or undef when it was not running.
sub stop_fcgi {
	my ($self, $secs) = @_;
	return undef unless $self->{pids}{'roster-fcgi'};
	$self->_stop_child('roster-fcgi', 'TERM', $secs // 20);
	return $self->{exit}{'roster-fcgi'};
}

# Starts roster-fcgi again after stop_fcgi, with the stack's environment
# as it is now (see set_env), and waits until /healthz answers 200.
sub start_fcgi {
	my ($self) = @_;
	return if $self->{pids}{'roster-fcgi'};
	$self->_spawn('roster-fcgi', [ "$BUILDDIR/roster-fcgi" ]);
	$self->_wait_healthy(30) or die "roster-fcgi did not come back\n";
	return 1;
}

# Changes the environment the stack's programs are started with from now
# on (undef removes a variable): for a restart with other settings.
sub set_env {
	my ($self, %kv) = @_;
	for my $k (keys %kv) {
		if (defined $kv{$k}) { $self->{env}{$k} = $kv{$k} }
		else { delete $self->{env}{$k} }
	}
	return;
}

# Pid of the roster-fcgi supervisor.
sub fcgi_pid { $_[0]{pids}{'roster-fcgi'} }

# Pids of the FastCGI workers: the children of the supervisor.
sub fcgi_pids {
	my ($self) = @_;
	my $sup = $self->fcgi_pid or return ();
	return _children($sup);
}

# Sends a signal (KILL by default) to one worker.
sub kill_worker {
	my ($self, $pid, $sig) = @_;
	my %workers = map { $_ => 1 } $self->fcgi_pids;
	croak "kill_worker: $pid is not a worker of this stack" unless $workers{$pid};
	return kill($sig // 'KILL', $pid);
}

# Sends a signal to the roster-fcgi supervisor (HUP: rolling restart).
sub signal_fcgi {
	my ($self, $sig) = @_;
	my $pid = $self->fcgi_pid or croak 'roster-fcgi is not running';
	return kill($sig, $pid);
}

# Runs the built rosterctl with the stack's environment (a leading hash
# ref adds or overrides variables). Returns
# { status => exit code, out => stdout, err => stderr }.
sub rosterctl {
	my ($self, @args) = @_;
	my %extra = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	my ($st, $out, $err) = $self->_run(cmd => [ "$BUILDDIR/rosterctl", @args ],
	    env => { $self->_child_env(%extra) });
	return { status => $st, out => $out, err => $err };
}

# Runs a command to completion (bounded: 120 s by default); returns
# (exit status, stdout, stderr).
sub _run {
	my ($self, %a) = @_;
	my @cmd = @{ $a{cmd} };
	my $tmp = "$self->{state}/tmp";
	my $n = ++$self->{runs};
	my ($in, $out, $err) = map { "$tmp/run$$.$n.$_" } qw(in out err);
	_write_file($in, $a{stdin} // '', 0644);
	my $pid = fork // die "fork: $!\n";
	if (!$pid) {
		$SIG{$_} = 'DEFAULT' for qw(INT TERM HUP PIPE ALRM);
		open STDIN, '<', $in;
		open STDOUT, '>', $out;
		open STDERR, '>', $err;
		%ENV = %{ $a{env} } if $a{env};
		chdir '/';
		{ no warnings 'exec'; exec { $cmd[0] } @cmd; }
		print STDERR "exec $cmd[0]: $!\n";
		POSIX::_exit(127);
	}
	my $status;
	my $ok = eval {
		local $SIG{ALRM} = sub { die "timeout\n" };
		alarm($a{timeout} // 120);
		waitpid($pid, 0);
		$status = $?;
		alarm 0;
		1;
	};
	if (!$ok) {
		kill 'KILL', $pid;
		waitpid($pid, 0);
		$status = -1;
	}
	my @r = (_read_file($out) // '', _read_file($err) // '');
	unlink $in, $out, $err;
	die "$cmd[0] did not finish in time\n" unless $ok;
	my $code = $status & 127 ? 128 + ($status & 127) : $status >> 8;
	return ($code, @r);
}

# Runs a command that must succeed; returns its stdout without the final
# newline, and dies with its stderr when it fails.
sub _run_ok {
	my ($self, @cmd) = @_;
	my ($st, $out, $err) = $self->_run(cmd => \@cmd);
	$st == 0 or die "$cmd[0] @cmd[1 .. $#cmd] failed (exit $st): $out$err\n";
	chomp $out;
	return $out;
}

# ---- PostgreSQL --------------------------------------------------------------

# scripts/pg COMMAND ARGS: the cluster, managed by the shell functions
# scripts/up uses. Returns what it prints; dies when it fails.
sub _pg {
	my ($self, @args) = @_;
	return $self->_run_ok("$SRCDIR/scripts/pg", @args);
}

# The directory of PostgreSQL's programs (psql, pg_dump, ...) that the
# clusters run from, or undef when there is none.
my $PG_BIN;
sub pg_bin {
	return $PG_BIN if defined $PG_BIN;
	open my $fh, '-|', "$SRCDIR/scripts/pg", 'bin' or return undef;
	my $bin = <$fh>;
	close $fh or return undef;
	chomp $bin if defined $bin;
	return $PG_BIN = $bin;
}

# Stops the cluster (fast shutdown): for tests of a database outage.
# Returns true once it is stopped.
sub stop_db {
	my ($self) = @_;
	return unless -f "$self->{state}/pg/postmaster.pid";
	return eval { $self->_pg('stop', $self->{state}); 1 };
}

# Starts the cluster again (waits until it accepts connections).
sub start_db {
	my ($self) = @_;
	$self->_pg('start', $self->{state});
	return 1;
}

# Quotes a value as an SQL literal (undef is NULL). For test code only.
sub quote {
	my ($self, $v) = @_;
	return 'NULL' unless defined $v;
	return "'" . ($v =~ s/'/''/gr) . "'";
}

# Replaces each ? outside single quotes with the next bind value, quoted.
sub _bind {
	my ($self, $sql, @bind) = @_;
	return $sql unless @bind;
	my @parts = split /('(?:[^']|'')*')/, $sql;
	for my $p (@parts) {
		next if $p =~ /^'/;
		$p =~ s/\?/@bind ? $self->quote(shift @bind) : croak("psql: more ? than values")/ge;
	}
	croak 'psql: more values than ?' if @bind;
	return join '', @parts;
}

sub _psql_raw {
	my ($self, $sql, @bind) = @_;
	$sql = $self->_bind($sql, @bind);
	my $url = $self->{admin_url};
	$url =~ s/\bdbname=\S+/dbname=$self->{dbname}/ if defined $self->{dbname};
	return $self->_run(
		cmd => [ "$self->{pgbin}/psql", '-X', '-q', '-A', '-t', '-F', '|',
			 '-v', 'ON_ERROR_STOP=1', '-d', $url ],
		stdin => "\\set VERBOSITY verbose\n$sql\n");
}

# Runs SQL (several statements allowed; ? placeholders take @bind, quoted)
# and returns the rows of its output as array refs of fields ("|"
# separated; NULL reads as ""). Dies with psql's message on an error.
# In scalar context returns an array ref of the rows.
sub psql {
	my ($self, $sql, @bind) = @_;
	my ($st, $out, $err) = $self->_psql_raw($sql, @bind);
	croak "psql failed: $err" if $st != 0;
	my @rows = map { [ split /\|/, $_, -1 ] } split /\n/, $out;
	return wantarray ? @rows : \@rows;
}

# psql() in another database of the cluster.
sub psql_in {
	my ($self, $db, $sql, @bind) = @_;
	local $self->{dbname} = $db;
	return $self->psql($sql, @bind);
}

# The first column of the first row, or undef when there is none.
sub sql_one {
	my ($self, $sql, @bind) = @_;
	my @rows = $self->psql($sql, @bind);
	return @rows ? $rows[0][0] : undef;
}

# Runs SQL expected to fail. Returns undef when it succeeded, else
# { sqlstate => '23505', constraint => 'users_email_key', message => ... }.
sub sql_error {
	my ($self, $sql, @bind) = @_;
	my ($st, $out, $err) = $self->_psql_raw($sql, @bind);
	return undef if $st == 0;
	my %e = (text => $err);
	($e{sqlstate}, $e{message}) = $err =~ /^(?:psql:[^\n]*?)?ERROR:\s+([0-9A-Z]{5}):\s*(.*)$/m;
	($e{constraint}) = $err =~ /^CONSTRAINT NAME:\s+(\S+)/m;
	$e{sqlstate} //= '';
	$e{constraint} //= '';
	return \%e;
}

# Test assertions: SQL that must succeed, and SQL that must fail with a
# given SQLSTATE and (when given) constraint name.
sub sql_ok {
	my ($self, $sql, $name) = @_;
	my $e = $self->sql_error($sql);
	my $tb = Test::More->builder;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $ok = $tb->ok(!$e, $name // "succeeds: $sql");
	$tb->diag("error: $e->{text}") if $e;
	return $ok;
}

sub sql_fails {
	my ($self, $sql, $sqlstate, $constraint, $name) = @_;
	my $e = $self->sql_error($sql);
	my $tb = Test::More->builder;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	$name //= "fails with $sqlstate" . ($constraint ? " ($constraint)" : '');
	my $ok = $e && $e->{sqlstate} eq $sqlstate
	    && (!defined $constraint || $e->{constraint} eq $constraint);
	$tb->ok($ok, $name);
	if (!$ok) {
		$tb->diag($e ? "got $e->{sqlstate} ($e->{constraint}): $e->{message}" : 'but it succeeded');
		$tb->diag("SQL: $sql");
	}
	return $ok;
}

# ---- mail ----------------------------------------------------------------------

# Every .eml file in STATE/mail, oldest first, parsed:
# { file, to (address, lower case), subject, headers, body (text), link
#   (first http(s) URL in the body), links }.
sub mails {
	my ($self) = @_;
	my $dir = "$self->{state}/mail";
	opendir(my $dh, $dir) or return ();
	my @files = grep { /\.eml$/ && -f "$dir/$_" } readdir $dh;
	closedir $dh;
	my %mtime = map { $_ => (stat "$dir/$_")[9] // 0 } @files;
	@files = sort { $mtime{$a} <=> $mtime{$b} || $a cmp $b } @files;
	my @mails;
	for my $f (@files) {
		my $raw = _read_file("$dir/$f") // next;
		my $m = parse_mail($raw);
		$m->{file} = "$dir/$f";
		push @mails, $m;
	}
	return @mails;
}

# Waits (bounded: timeout seconds, 10 by default) for a mail that this
# method has not returned before, matching to (an address) and subject (a
# string or a regex) when given. Returns it, or undef on timeout.
sub wait_for_mail {
	my ($self, %w) = @_;
	my $deadline = time + ($w{timeout} // 10);
	while (1) {
		for my $m ($self->mails) {
			next if $self->{seen}{ $m->{file} };
			next if defined $w{to} && $m->{to} ne lc $w{to};
			if (defined $w{subject}) {
				next if ref $w{subject} ? $m->{subject} !~ $w{subject}
				    : index($m->{subject}, $w{subject}) < 0;
			}
			$self->{seen}{ $m->{file} } = 1;
			return $m;
		}
		return undef if time >= $deadline;
		sleep 0.1;
	}
}

# Parses one RFC 5322 message: headers (unfolded, lower-case names, encoded
# words decoded), the text body (quoted-printable or base64 decoded; of a
# multipart message the first text/plain part), links.
sub parse_mail {
	my ($raw) = @_;
	$raw =~ s/\r\n/\n/g;
	my ($head, $body) = split /\n\n/, $raw, 2;
	$body //= '';
	my (%h, @order);
	$head =~ s/\n[ \t]+/ /g;
	for my $line (split /\n/, $head) {
		my ($k, $v) = $line =~ /^([^:\s]+):\s*(.*)$/ or next;
		$k = lc $k;
		push @order, $k;
		$h{$k} //= _decode_words($v);
	}
	my $text = _mail_text(\%h, $body);
	my ($to) = ($h{to} // '') =~ /<([^>]+)>/;
	$to //= $h{to} // '';
	$to =~ s/^\s+|\s+$//g;
	my @links = _links($text);
	return {
		headers => \%h,
		to      => lc $to,
		from    => $h{from} // '',
		subject => $h{subject} // '',
		body    => $text,
		raw     => $raw,
		links   => \@links,
		link    => $links[0],
	};
}

sub _mail_text {
	my ($h, $body) = @_;
	my $ct = $h->{'content-type'} // 'text/plain';
	if ($ct =~ m{^multipart/}i && $ct =~ /boundary="?([^";]+)"?/i) {
		my $b = quotemeta $1;
		my @parts = split /^--$b(?:--)?[ \t]*$/m, $body;
		shift @parts;
		my @decoded;
		for my $p (@parts) {
			$p =~ s/^\n//;
			next unless $p =~ /\S/;
			my ($ph, $pb) = split /\n\n/, $p, 2;
			my %ph;
			$ph =~ s/\n[ \t]+/ /g;
			for (split /\n/, $ph) {
				my ($k, $v) = /^([^:\s]+):\s*(.*)$/ or next;
				$ph{ lc $k } //= $v;
			}
			push @decoded, [ \%ph, _mail_text(\%ph, $pb // '') ];
		}
		my ($plain) = grep { ($_->[0]{'content-type'} // 'text/plain') =~ m{^text/plain}i } @decoded;
		return $plain ? $plain->[1] : @decoded ? $decoded[0][1] : '';
	}
	my $cte = lc($h->{'content-transfer-encoding'} // '');
	if ($cte eq 'quoted-printable') {
		$body =~ s/=\n//g;
		$body =~ s/=([0-9A-Fa-f]{2})/chr hex $1/ge;
	} elsif ($cte eq 'base64') {
		$body = decode_base64($body);
		$body =~ s/\r\n/\n/g;
	}
	return $body;
}

sub _decode_words {
	my ($v) = @_;
	# The space between two encoded-words is not text (RFC 2047 6.2).
	$v =~ s/(\?=)[ \t]+(?==\?[^?]+\?[BbQq]\?)/$1/g;
	$v =~ s{=\?[^?]+\?([BbQq])\?([^?]*)\?=}{
		my ($enc, $t) = ($1, $2);
		if (uc $enc eq 'B') { decode_base64($t) }
		else { $t =~ tr/_/ /; $t =~ s/=([0-9A-Fa-f]{2})/chr hex $1/ge; $t }
	}ge;
	return $v;
}

sub _links {
	my ($text) = @_;
	my @l = $text =~ m{(https?://[^\s<>"']+)}g;
	s/[.,;:)\]]+$// for @l;
	return @l;
}

# First http(s) URL in a text, or undef.
sub first_link { (_links($_[-1]))[0] }

# ---- logs --------------------------------------------------------------------

sub _log_files {
	my ($self) = @_;
	return () unless $self->{state} && -d "$self->{state}/log";
	return sort glob("$self->{state}/log/*.log");
}

# Every server log of the stack, concatenated (nginx's access log, the
# programs' stderr, PostgreSQL's log).
sub log_text {
	my ($self) = @_;
	return join '', map { _read_file($_) // '' } $self->_log_files;
}

# Lines of the logs where a sanitizer reported an error.
sub sanitizer_reports {
	my ($self) = @_;
	my @hits;
	for my $f ($self->_log_files) {
		my $t = _read_file($f) // next;
		push @hits, map { "$f: $_" }
		    grep { /ERROR: (?:Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/ }
		    split /\n/, $t;
	}
	return @hits;
}

sub _dump_logs {
	my ($self, $why) = @_;
	Test::More::diag("Roster::Test: $why") if $why;
	Test::More::diag("state directory: $self->{state}") if $self->{state};
	for my $f ($self->_log_files) {
		next if $f =~ m{/initdb\.log$} && !$self->{failed_start};
		my $t = _read_file($f) // next;
		next unless length $t;
		my @l = split /\n/, $t;
		@l = ("[... " . (@l - 80) . " lines]", @l[-80 .. -1]) if @l > 80;
		Test::More::diag("---- $f");
		Test::More::diag($_) for @l;
	}
}

# ---- stopping ------------------------------------------------------------------

# Stops every process of the stack (bounded waits, then KILL). The state
# directory stays until the end of the test.
sub stop {
	my ($self) = @_;
	return if $self->{stopped} || $$ != $self->{owner};
	$self->{stopped} = 1;
	for my $s (@SERVERS) {
		$self->_stop_child(@$s);
	}
	if ($self->{state} && -f "$self->{state}/pg/postmaster.pid") {
		eval { $self->stop_db; 1 } or Test::More::diag("stopping PostgreSQL: $@");
	}
}

sub _finish {
	my ($self, $failed) = @_;
	return if $$ != $self->{owner};
	$self->stop;
	my @san = $self->sanitizer_reports;
	if (@san) {
		Test::More::diag('sanitizer reports in the server logs:');
		Test::More::diag($_) for @san;
		$failed = 1;
	}
	$self->_dump_logs($failed ? 'logs of the failed test' : 'logs')
	    if ($failed && !$self->{failed_start}) || $ENV{ROSTER_TEST_VERBOSE};
	if ($self->{guard_pid}) {
		kill 'TERM', $self->{guard_pid};
		waitpid($self->{guard_pid}, 0);
		delete $self->{guard_pid};
	}
	if ($self->{state} && -d $self->{state}) {
		if ($ENV{ROSTER_TEST_KEEP}) {
			Test::More::diag("kept $self->{state}");
		} else {
			remove_tree($self->{state});
		}
	}
	return scalar @san;
}

sub DESTROY {
	my ($self) = @_;
	$self->stop if $$ == ($self->{owner} // 0);
}

END {
	my $code = $?;
	my $tb = Test::More->builder;
	my $failed = $code != 0 || !$tb->is_passing
	    || ($tb->has_plan && $tb->has_plan =~ /^\d+$/ && $tb->current_test != $tb->has_plan);
	my $san = 0;
	for my $s (@LIVE) {
		$san += $s->_finish($failed) // 0;
	}
	@LIVE = ();
	$? = $code || ($san ? 1 : 0);
}

# A process that outlives the test process only to clean up after it when
# it ends without stopping the stack (killed, for instance): it waits for
# the end of a pipe, then stops every process named by the pid files and
# removes the state directory.
sub _start_guardian {
	my ($self) = @_;
	my $state = $self->{state};
	@$self{qw(guard_w guard_pid)} = guardian(sub { _guardian_cleanup($state) });
}

# Starts a process that waits, detached and silent, for the calling
# process to end (the end of a pipe only the caller holds) and then runs
# $cleanup. Returns the pipe's write end (keep it open while the
# resources live; closing it runs the cleanup at once) and the pid (a
# TERM makes it exit without cleaning up).
sub guardian {
	my ($cleanup) = @_;
	pipe(my $r, my $w) or die "pipe: $!\n";
	my $pid = fork // die "fork: $!\n";
	if (!$pid) {
		close $w;
		$SIG{$_} = 'IGNORE' for qw(INT HUP PIPE);
		$SIG{TERM} = sub { POSIX::_exit(0) };
		setpgrp(0, 0);
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', '/dev/null';
		open STDERR, '>', '/dev/null';
		my $keep = fileno $r;
		for my $fd (3 .. 1023) { POSIX::close($fd) unless $fd == $keep }
		my $buf;
		1 while !defined sysread($r, $buf, 1) && $!{EINTR};
		$SIG{TERM} = 'IGNORE';
		$cleanup->();
		POSIX::_exit(0);
	}
	close $r;
	return ($w, $pid);
}

sub _guardian_cleanup {
	my ($state) = @_;
	for my $s (@SERVERS) {
		my ($name) = @$s;
		my $pid = _pidfile_pid("$state/run/$name.pid") or next;
		next unless _cmdline($pid) =~ /\Q$name\E/;
		my @kids = _children($pid);
		kill 'TERM', $pid;
		_wait_gone($pid, 10) or kill 'KILL', $pid, @kids;
	}
	my $pg = _pidfile_pid("$state/pg/postmaster.pid");
	if ($pg && _cmdline($pg) =~ /postgres/) {
		kill 'QUIT', $pg;
		_wait_gone($pg, 10) or kill 'KILL', $pg;
	}
	remove_tree($state) unless $ENV{ROSTER_TEST_KEEP};
}

# ---- small helpers -------------------------------------------------------------

sub _free_port {
	my $sock = IO::Socket::INET->new(
		LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1, ReuseAddr => 1)
	    or die "cannot bind a loopback port: $!\n";
	my $port = $sock->sockport;
	close $sock;
	return $port;
}

sub _random_bytes {
	my ($n) = @_;
	open my $fh, '<:raw', '/dev/urandom' or die "/dev/urandom: $!\n";
	my $got = read($fh, my $buf, $n);
	close $fh;
	die "short read from /dev/urandom\n" unless $got && $got == $n;
	return $buf;
}

sub _read_file {
	my ($f) = @_;
	open my $fh, '<:raw', $f or return undef;
	local $/;
	my $t = <$fh>;
	close $fh;
	return $t // '';
}

sub _write_file {
	my ($f, $t, $mode) = @_;
	open my $fh, '>:raw', $f or die "$f: $!\n";
	print $fh $t;
	close $fh or die "$f: $!\n";
	chmod $mode, $f if defined $mode;
}

sub _append_file {
	my ($f, $t) = @_;
	open my $fh, '>>:raw', $f or die "$f: $!\n";
	print $fh $t;
	close $fh;
}

sub _unlink { unlink $_[0]; return }

sub _pidfile_pid {
	my $t = _read_file($_[0]) // return undef;
	my ($pid) = $t =~ /^(\d+)/;
	return $pid;
}

sub _cmdline {
	my $t = _read_file("/proc/$_[0]/cmdline") // return '';
	return $t =~ tr/\0/ /r;
}

# A process counts as gone once it no longer exists or is a zombie.
sub _alive {
	my ($pid) = @_;
	my $st = _read_file("/proc/$pid/stat") // return 0;
	my ($state) = $st =~ /\)\s+(\S)/;
	return defined $state && $state ne 'Z' && $state ne 'X';
}

sub _wait_gone {
	my ($pid, $secs) = @_;
	my $deadline = time + $secs;
	while (time < $deadline) {
		return 1 unless _alive($pid);
		sleep 0.05;
	}
	return !_alive($pid);
}

sub _children {
	my ($ppid) = @_;
	my @kids;
	opendir(my $dh, '/proc') or return ();
	for my $d (readdir $dh) {
		next unless $d =~ /^\d+$/;
		my $st = _read_file("/proc/$d/stat") // next;
		my ($state, $pp) = $st =~ /\)\s+(\S)\s+(\d+)/ or next;
		push @kids, $d if $pp == $ppid && $state ne 'Z';
	}
	closedir $dh;
	return sort { $a <=> $b } @kids;
}

package Roster::Test::UA;

# An HTTP client for one visitor: its own cookie jar, no redirects followed,
# the last response and the last CSRF token remembered, and helpers that
# read Roster's page markers.

use strict;
use warnings;

use Carp qw(croak);
use HTTP::Tiny;
use Time::Local qw(timegm);

sub new {
	my ($class, %o) = @_;
	return bless {
		base    => $o{base},
		headers => $o{headers} || {},
		jar     => {},
		http    => HTTP::Tiny->new(max_redirect => 0, timeout => $o{timeout} // 30,
				       agent => 'roster-test/1', keep_alive => 1),
		last    => undef,
		csrf    => undef,
	}, $class;
}

sub base_url { $_[0]{base} }

# Sends a request; $body may be undef. Returns HTTP::Tiny's response hash
# (status, reason, headers with lower-case names, content). A header given
# as undef is not sent (Cookie => undef sends no cookie).
sub request {
	my ($self, $method, $path, $body, $headers) = @_;
	my $url = $path =~ m{^https?://} ? $path : $self->{base} . $path;
	my %h = (%{ $self->{headers} }, %{ $headers || {} });
	if (!exists $h{Cookie} && !exists $h{cookie}) {
		my $c = $self->cookie_header;
		$h{Cookie} = $c if length $c;
	}
	delete @h{ grep { !defined $h{$_} } keys %h };
	my $res = $self->{http}->request($method, $url,
	    { headers => \%h, defined $body ? (content => $body) : () });
	$self->_store_cookies($res);
	$self->{last} = $res;
	my $ct = $res->{headers}{'content-type'} // '';
	if ($ct =~ m{text/html}i) {
		my $tok = _csrf_in($res->{content} // '');
		$self->{csrf} = $tok if defined $tok;
	}
	return $res;
}

sub get { my ($self, $path, $h) = @_; return $self->request('GET', $path, undef, $h) }

# POSTs form fields (a hash ref, or an array ref of name/value pairs kept
# in order, duplicates allowed) form-encoded, or a raw body string.
sub post {
	my ($self, $path, $fields, $h) = @_;
	my %h = %{ $h || {} };
	my $body = ref $fields ? form_encode($fields) : $fields // '';
	$h{'Content-Type'} = 'application/x-www-form-urlencoded'
	    unless grep { lc $_ eq 'content-type' } keys %h;
	return $self->request('POST', $path, $body, \%h);
}

# post() with the csrf_token of the last page fetched added (unless the
# fields carry one already).
sub post_form {
	my ($self, $path, $fields, $h) = @_;
	$fields //= {};
	my $tok = $self->csrf;
	if (ref $fields eq 'ARRAY') {
		my %have = @$fields;
		$fields = [ @$fields, exists $have{csrf_token} ? () : (csrf_token => $tok // '') ];
	} else {
		$fields = { csrf_token => $tok // '', %$fields };
	}
	return $self->post($path, $fields, $h);
}

sub last { $_[0]{last} }

# The csrf_token of the last HTML page that carried one.
sub csrf { $_[0]{csrf} }

sub form_encode {
	my ($fields) = @_;
	my @pairs = ref $fields eq 'ARRAY' ? @$fields : map { $_ => $fields->{$_} } sort keys %$fields;
	my @out;
	while (@pairs) {
		my ($k, $v) = splice @pairs, 0, 2;
		push @out, _uri_escape($k) . '=' . _uri_escape($v // '');
	}
	return join '&', @out;
}

# Percent-encodes a form value (space as +); HTML entities back to text.
sub uri_escape { _uri_escape(@_) }
sub html_unescape { _html_unescape(@_) }

sub _uri_escape {
	my ($s) = @_;
	utf8::encode($s) if utf8::is_utf8($s);
	$s =~ s/([^A-Za-z0-9\-._~ ])/sprintf('%%%02X', ord $1)/ge;
	$s =~ tr/ /+/;
	return $s;
}

sub _html_unescape {
	my ($s) = @_;
	return undef unless defined $s;
	$s =~ s/&quot;/"/g;
	$s =~ s/&#0*39;|&apos;/'/g;
	$s =~ s/&lt;/</g;
	$s =~ s/&gt;/>/g;
	$s =~ s/&#x([0-9a-fA-F]+);/chr hex $1/ge;
	$s =~ s/&#([0-9]+);/chr $1/ge;
	$s =~ s/&amp;/&/g;
	return $s;
}

sub _csrf_in {
	my ($html) = @_;
	while ($html =~ /<input\b([^>]*)>/gi) {
		my $attrs = $1;
		next unless $attrs =~ /\bname\s*=\s*["']?csrf_token["'\s>]/i;
		my ($v) = $attrs =~ /\bvalue\s*=\s*"([^"]*)"/i;
		($v) = $attrs =~ /\bvalue\s*=\s*'([^']*)'/i unless defined $v;
		return _html_unescape($v) if defined $v;
	}
	return undef;
}

# ---- cookies ---------------------------------------------------------------

sub _store_cookies {
	my ($self, $res) = @_;
	my $sc = $res->{headers}{'set-cookie'} // return;
	for my $line (ref $sc ? @$sc : $sc) {
		my ($pair, @attrs) = split /;\s*/, $line;
		my ($name, $value) = $pair =~ /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/ or next;
		my %a = map { my ($k, $v) = split /=/, $_, 2; (lc $k => $v // 1) } @attrs;
		my $gone = defined $a{'max-age'} && $a{'max-age'} =~ /^-?\d+$/ && $a{'max-age'} <= 0;
		if (!$gone && defined $a{expires} && !defined $a{'max-age'}) {
			my $t = _http_date($a{expires});
			$gone = defined $t && $t <= time;
		}
		if ($gone) {
			delete $self->{jar}{$name};
		} else {
			$self->{jar}{$name} = { value => $value, attrs => \%a, raw => $line };
		}
	}
}

sub _http_date {
	my ($d) = @_;
	my %mon = (jan => 0, feb => 1, mar => 2, apr => 3, may => 4, jun => 5,
		   jul => 6, aug => 7, sep => 8, oct => 9, nov => 10, dec => 11);
	my ($day, $mon, $year, $h, $m, $s) =
	    $d =~ /(\d{1,2})[ -]([A-Za-z]{3})[ -](\d{2,4})\s+(\d\d):(\d\d):(\d\d)/ or return undef;
	$year += 1900 if $year < 100;
	return eval { timegm($s, $m, $h, $day, $mon{ lc $mon }, $year) };
}

sub cookie_header {
	my ($self) = @_;
	return join '; ', map { "$_=$self->{jar}{$_}{value}" } sort keys %{ $self->{jar} };
}

# The value of a cookie in the jar, or undef.
sub cookie { my ($self, $n) = @_; return $self->{jar}{$n} ? $self->{jar}{$n}{value} : undef }

# The Set-Cookie line that last set a cookie (to check its attributes).
sub cookie_line { my ($self, $n) = @_; return $self->{jar}{$n} ? $self->{jar}{$n}{raw} : undef }

# Names of the cookies in the jar.
sub cookie_names { sort keys %{ $_[0]{jar} } }

sub set_cookie { my ($self, $n, $v) = @_; $self->{jar}{$n} = { value => $v, attrs => {}, raw => "$n=$v" } }

sub clear_cookies { $_[0]{jar} = {} }

# ---- page markers ------------------------------------------------------------

sub _res { my ($self, $res) = @_; return $res // $self->{last} // croak 'no response yet' }

# data-page of <body>, or undef.
sub page {
	my ($self, $res) = @_;
	my ($p) = ($self->_res($res)->{content} // '') =~ /<body\b[^>]*\bdata-page\s*=\s*"([^"]*)"/i;
	return _html_unescape($p);
}

# data-flash of the first flash element, or undef.
sub flash {
	my ($self, $res) = @_;
	my ($f) = ($self->_res($res)->{content} // '') =~ /\bdata-flash\s*=\s*"([^"]*)"/i;
	return _html_unescape($f);
}

# Every data-error value on the page, in order.
sub errors {
	my ($self, $res) = @_;
	return map { _html_unescape($_) } ($self->_res($res)->{content} // '') =~ /\bdata-error\s*=\s*"([^"]*)"/gi;
}

# The Location header of a response, as a path when it points at this site.
sub location {
	my ($self, $res) = @_;
	my $loc = $self->_res($res)->{headers}{location} // return undef;
	$loc =~ s/^\Q$self->{base}\E(?=\/|$)//;
	return $loc;
}

# GETs the Location of a redirect (303).
sub follow {
	my ($self, $res) = @_;
	$res = $self->_res($res);
	croak "follow: status $res->{status} is not a redirect" unless $res->{status} =~ /^30[12378]$/;
	my $loc = $self->location($res) // croak 'follow: no Location header';
	return $self->get($loc);
}

# ---- flows -------------------------------------------------------------------

# GET /signup, POST it (extra fields may be given); returns the POST's response.
sub signup {
	my ($self, $email, $password, $name, %extra) = @_;
	$self->get('/signup');
	return $self->post_form('/signup',
	    { email => $email, password => $password, display_name => $name // 'Test User', %extra });
}

# GET /login, POST it; returns the POST's response.
sub login {
	my ($self, $email, $password, %extra) = @_;
	$self->get('/login');
	return $self->post_form('/login', { email => $email, password => $password, %extra });
}

# POST /logout with the CSRF token of a freshly fetched dashboard.
sub logout {
	my ($self) = @_;
	$self->get('/');
	return $self->post_form('/logout', {});
}

1;
