#!/usr/bin/env perl
# The stack of the benchmarks: starts a private Roster stack with the test
# harness (t/lib/Roster/Test.pm: PostgreSQL, roster-mailer, roster-fcgi and
# nginx on a free loopback port), seeds the data the measured pages need,
# checks that every measured URL answers what it should, writes what
# bench/run needs to a file, and keeps the stack up until bench/run asks it
# to stop (or goes away, or the time bound passes). Then the harness stops
# every process and removes the state directory.
#
#   bench/stack.pl INFO_FILE STOP_FILE [MAX_SECONDS]
#
# Seeded: an owner who signed up and signed in over HTTP (a real session
# cookie), the organization "bench" with 50 active members (the owner and
# 49 seeded through SQL) and 20 pending invitations (19 through SQL, one
# sent over HTTP whose mailed link gives a real signed token).
#
# With BENCH_DIR set (bench/run), also what the limits need (see limits()
# below and bench/README.md): the link page's template, invitees to
# accept (minted by BENCH_MINT, bench/limits/mint.c), BENCH_ACCEPT_POOL
# for wrk and BENCH_PG_POOL for pgbench, and pgbench scripts made from
# the statements Roster sends for one accept, one members page and one
# invite, and Roster's own response to one of each (the fixed responses
# of bench/run's transport-only side); the mailer is stopped before the
# captures. BENCH_WORKERS: FastCGI workers [2].
#
# INFO_FILE is written once everything answered (renamed into place, so
# its presence means ready), as NAME=value lines (values unquoted: read
# them, do not source them): BASE_URL, COOKIE (the owner's Cookie header),
# ORG_PATH, ACCEPT_PATH, FCGI_PID (the roster-fcgi supervisor), STATE_DIR,
# ROSTER_PAGE_BYTES (the size of the roster page); with BENCH_DIR also
# INVITE_CSRF (the owner's CSRF token), LINK_PAGE_BYTES, PG_URL (the
# programs' database connection), PG_OWNER_URL (the schema owner's) and
# PG_ADMIN_URL (the cluster's superuser, for CHECKPOINT). Core Perl modules
# only.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use lib "$FindBin::Bin/lib";
use BenchSeed;
use Roster::Test;
use Time::HiRes qw(sleep time);
use Digest::SHA qw(sha256_hex);

my ($info, $stopfile, $max) = @ARGV;
die "usage: $0 INFO_FILE STOP_FILE [MAX_SECONDS]\n" unless $info && $stopfile;
$max //= 1800;
my $parent = getppid;

use constant PASSWORD => 'correct horse battery';
use constant OWNER    => 'owner@bench.example';
use constant INVITEE  => 'invitee@bench.example';
use constant SLUG     => 'bench';
use constant MEMBERS  => 50;
use constant PENDING  => 20;

sub say_err { print STDERR "stack: @_\n" }

our %LIMIT;    # what limits() adds to INFO_FILE

sub check {
	my ($what, $ok, $detail) = @_;
	die "$what: $detail\n" unless $ok;
}

# The rate limits stay on (every invite still checks them) but so high
# that the invite POSTs of the benchmark never reach them.
my $s = Roster::Test->start(workers => $ENV{BENCH_WORKERS} // 2, env => {
	map { ("ROSTER_INVITE_LIMIT_$_" => 1000000) } qw(USER ORG RECIPIENT_HOUR RECIPIENT_DAY) });
say_err('stack up at ' . $s->base_url);

# The owner: signed up and signed in over HTTP, so the cookie is real.
my $ua = $s->ua;
my $res = $ua->signup(OWNER, PASSWORD, 'Bench Owner');
check('signup of the owner', $res->{status} == 303, "status $res->{status}");
$ua->clear_cookies;
$res = $ua->login(OWNER, PASSWORD);
check('sign-in of the owner', $res->{status} == 303, "status $res->{status}");
check('session cookie', defined $ua->cookie('roster_session'), 'no roster_session cookie');
$ua->get('/orgs/new');
$res = $ua->post_form('/orgs', { name => 'Bench Org', slug => SLUG });
check('creating the organization', $res->{status} == 303, "status $res->{status}");

my $org = $s->sql_one('SELECT id FROM organizations WHERE slug = ?', SLUG);
my $owner = $s->sql_one('SELECT id FROM users WHERE email = ?', OWNER);

# 49 more members and 19 pending invitations, straight into the tables.
BenchSeed::roster($s, $org, $owner, MEMBERS - 1, PENDING - 1);

# The 20th invitation through the application, for a real signed link.
$ua->get('/orgs/' . SLUG);
$res = $ua->post_form('/orgs/' . SLUG . '/invitations', { email => INVITEE, role => 'member' });
check('inviting over HTTP', $res->{status} == 303, "status $res->{status}");
my $mail = $s->wait_for_mail(to => INVITEE, timeout => 30);
check('invitation mail', $mail, 'no mail within 30 s (roster-mailer running?)');
my ($token) = ($mail->{link} // '') =~ /[?&]token=([^&\s]+)/;
check('token in the mailed link', $token, "link: " . ($mail->{link} // 'none'));

my $members = $s->sql_one(q{SELECT count(*) FROM memberships WHERE organization_id = ?
    AND status = 'active'}, $org);
my $pending = $s->sql_one(q{SELECT count(*) FROM invitations WHERE organization_id = ?
    AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL
    AND expires_at > now()}, $org);
check('seeded members', $members == MEMBERS, "$members active members, want " . MEMBERS);
check('seeded invitations', $pending == PENDING, "$pending pending invitations, want " . PENDING);

# Every measured URL answers what it should before anything is timed.
my $cookie = 'roster_session=' . $ua->cookie('roster_session');
my $anon = $s->ua;
my %want = (
	'/static/style.css' => [ $anon, 200, undef ],
	'/healthz'          => [ $anon, 200, undef ],
	'/login'            => [ $anon, 200, 'login' ],
	'/orgs/' . SLUG()   => [ $ua, 200, 'org-members' ],
	"/invitations/accept?token=$token" => [ $anon, 200, 'invitation-signup' ],
);
for my $path (sort keys %want) {
	my ($who, $status, $page) = @{ $want{$path} };
	$who->clear_cookies if $who == $anon;
	my $r = $who->get($path);
	check("GET $path", $r->{status} == $status, "status $r->{status}, want $status");
	if (defined $page) {
		my $got = $who->page($r) // '(none)';
		check("GET $path", $got eq $page, "page $got, want $page");
	}
}
my $body = $ua->get('/orgs/' . SLUG)->{content};
# Distinct ids: a row may carry its id in more than one element.
my %mid = map { $_ => 1 } $body =~ /data-member-id="([^"]*)"/g;
my %iid = map { $_ => 1 } $body =~ /data-invitation-id="([^"]*)"/g;
my ($nm, $ni) = (scalar keys %mid, scalar keys %iid);
check('roster rows', $nm == MEMBERS && $ni == PENDING,
    "$nm member rows and $ni invitation rows, want " . MEMBERS . ' and ' . PENDING);
say_err(sprintf('seeded: %d members, %d pending invitations; roster page %d bytes',
    $nm, $ni, length $body));

limits() if $ENV{BENCH_DIR};

my $tmp = "$info.tmp";
open my $fh, '>', $tmp or die "$tmp: $!\n";
print $fh "BASE_URL=" . $s->base_url . "\n";
print $fh "COOKIE=$cookie\n";
print $fh 'ORG_PATH=/orgs/' . SLUG . "\n";
print $fh "ACCEPT_PATH=/invitations/accept?token=$token\n";
print $fh 'FCGI_PID=' . $s->fcgi_pid . "\n";
print $fh 'STATE_DIR=' . $s->state_dir . "\n";
print $fh 'ROSTER_PAGE_BYTES=' . length($body) . "\n";
print $fh "$_=$LIMIT{$_}\n" for sort keys %LIMIT;
close $fh or die "$tmp: $!\n";
rename $tmp, $info or die "rename $tmp: $!\n";

# Up until asked to stop, until bench/run is gone, or until the bound.
my $deadline = time + $max;
while (!-e $stopfile) {
	last if getppid != $parent;
	if (time > $deadline) {
		say_err("still running after ${max}s; stopping");
		last;
	}
	sleep 0.2;
}
my @san = $s->sanitizer_reports;
say_err($_) for @san;
$s->stop;
say_err('stack stopped');
exit(@san ? 1 : 0);

# ---- what the limits need (bench/run sets BENCH_DIR) ------------------------
#
# Written to BENCH_DIR:
#   link.tpl          Roster's own link page for the link above, with the
#                     values that vary per link as {{slots}}: the template
#                     of bench/limits/link-responder.c
#   accept.tsv        token, session cookie and CSRF token of each invitee
#                     of the organization "accept" (for wrk's accept.lua)
#   pgb-NAME.sql      pgbench scripts made from the statements Roster sent
#                     for one request (log_statement = all), with
#   pgb-NAME.args     their pgbench arguments (-D ...), one a line
#   invite.csrf       the owner's CSRF token (the invite POSTs)
#   fixed-NAME.fcgi   for NAME accept, members and invite: a response Roster
#                     sent (fetched through nginx with curl, the headers
#                     nginx adds itself dropped), as a first line "METHOD
#                     PATH" and then the FastCGI response (Status line,
#                     headers, blank line, body): the fixed responses of
#                     bench/limits/link-responder.c, the transport-only
#                     side of bench/run's ceiling; with
#   fixed-NAME.h, .b  Roster's response as nginx sent it (curl -D, -o),
#                     which bench/run checks the responder's against

sub spew {
	my ($file, $text) = @_;
	open my $fh, '>', $file or die "$file: $!\n";
	print $fh $text;
	close $fh or die "$file: $!\n";
}

sub sql_str { "'" . ($_[0] =~ s/'/''/gr) . "'" }

# The pid tracing pid (0: none), from /proc.
sub tracer {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/status" or return 0;
	while (my $l = <$fh>) { return $1 if $l =~ /^TracerPid:\s+(\d+)/ }
	return 0;
}

# The statements one request sends: log_statement = all around it (the
# mailer is stopped, so the worker's backend is the only one talking),
# read back from PostgreSQL's log. Returns [ [sql, [params]], ... ].
sub capture {
	my ($what) = @_;
	my $log = $s->state_dir . '/log/postgres.log';
	my $from = -s $log;
	# %v, the virtual transaction id, tells statements Roster sent in one
	# pipeline (one Sync: one implicit transaction) from statements sent
	# one by one (a transaction each).
	$s->psql(q{ALTER SYSTEM SET log_statement = 'all'; ALTER SYSTEM SET log_line_prefix = '%m [%p] %v '; SELECT pg_reload_conf();});
	# Inside BEGIN ... COMMIT every statement has the transaction's id:
	# there the round trips are read from the workers' side, each send
	# to PostgreSQL being one (strace; one Execute message a statement).
	my $trace = "$ENV{BENCH_DIR}/capture.strace";
	unlink $trace;
	my $spid;
	my @workers = $s->fcgi_pids;
	if (system('command -v strace >/dev/null') == 0) {
		$spid = fork // die "fork: $!\n";
		if (!$spid) {
			open STDERR, '>', "$trace.err";
			exec 'strace', '-qq', '-e', 'trace=sendto', '-xx', '-s', '65536', '-o', $trace,
			    map { ('-p', $_) } @workers;
			exit 127;
		}
		# Attached to every worker (bounded wait).
		for (1 .. 100) {
			last unless grep { tracer($_) == 0 } @workers;
			sleep 0.1;
		}
		if (grep { tracer($_) == 0 } @workers) {
			my $why = -s "$trace.err" ? `cat $trace.err` : '';
			die "capture: strace did not attach to the workers (@workers): $why\n";
		}
	} else {
		say_err('pgbench scripts: no strace, so statements sent together inside a transaction run one by one');
	}
	sleep 0.3;
	my $res = $what->();
	sleep 0.3;
	if ($spid) { kill 'INT', $spid; waitpid $spid, 0 }
	$s->psql(q{ALTER SYSTEM RESET log_statement; ALTER SYSTEM RESET log_line_prefix; SELECT pg_reload_conf();});
	open my $fh, '<', $log or die "$log: $!\n";
	seek $fh, $from, 0;
	my (%by, @order);
	my $last;
	while (my $line = <$fh>) {
		chomp $line;
		if ($line =~ /\[(\d+)\] (?:(\S+) )?LOG:  (?:execute [^:]+|statement): (.*)$/) {
			$last = [ $3, [], $2 // '' ];
			push @order, $1 unless $by{$1};
			push @{ $by{$1} }, $last;
		} elsif ($line =~ /\[\d+\] (?:\S+ )?DETAIL:  parameters: (.*)$/ && $last) {
			my $p = $1;
			while ($p =~ /\$(\d+) = (?:NULL|'((?:[^']|'')*)')/g) {
				$last->[1][ $1 - 1 ] = defined $2 ? $2 =~ s/''/'/gr : undef;
			}
		}
	}
	my @pids = grep { !grep { $_->[0] =~ /pg_reload_conf|ALTER SYSTEM/ } @{ $by{$_} } } @order;
	die "capture: statements from " . scalar(@pids) . " backends, want 1\n" unless @pids == 1;
	# Outside BEGIN ... COMMIT, consecutive statements of one virtual
	# transaction were one pipeline: marked [3] = 'start', 'in', 'end'.
	my ($st, $tx) = ($by{ $pids[0] }, 0);
	for my $i (0 .. $#$st) {
		my $sql = $st->[$i][0];
		if ($sql =~ /^\s*(?:BEGIN|START)/i) { $tx = 1; next }
		if ($sql =~ /^\s*(?:COMMIT|ROLLBACK|END)\b/i) { $tx = 0; next }
		next if $tx || $st->[$i][2] eq '';
		my $prev = $i > 0 && $st->[ $i - 1 ][2] eq $st->[$i][2];
		my $next = $i < $#$st && $st->[ $i + 1 ][2] eq $st->[$i][2];
		$st->[$i][3] = $prev ? ($next ? 'in' : 'end') : $next ? 'start' : undef;
	}
	# The workers' sends: statements per round trip, in order. When they
	# add up to the statements logged, they mark the pipelines (inside
	# transactions too).
	my @sizes;
	if ($spid && open my $tf, '<', $trace) {
		while (my $l = <$tf>) {
			next unless $l =~ /sendto\(\d+, "([^"]*)"/;
			my $n = () = $1 =~ /\\x45\\x00\\x00\\x00\\x09\\x00\\x00\\x00\\x00\\x00/g;
			push @sizes, $n if $n;
		}
	}
	my $sum = 0;
	$sum += $_ for @sizes;
	if (@sizes && $sum == @$st) {
		my $i = 0;
		for my $n (@sizes) {
			for my $j (0 .. $n - 1) {
				$st->[ $i + $j ][3] = $n == 1 ? undef : $j == 0 ? 'start' : $j == $n - 1 ? 'end' : 'in';
			}
			$i += $n;
		}
	} elsif ($spid) {
		die "capture: the workers' sends hold $sum statements, the log " . scalar(@$st) . "\n";
	}
	return ($res, $st);
}

# A pgbench script from captured statements: each parameter becomes a
# pgbench variable holding the captured value (-D), except those named in
# %$map (value => SQL expression, for what must differ per transaction:
# hashes, addresses, ids) and, within a value, substrings named in
# %$sub; statements matching a pattern of @$gset end in \gset PREFIX, so
# that the ids they return reach later statements as :PREFIXid.
sub pgbench_script {
	my ($name, $stmts, %o) = @_;
	my (@lines, @args);
	my @m = @{ $o{map} || [] };
	my %map;
	while (my ($v, $x) = splice @m, 0, 2) {
		die "pgbench $name: two values to replace are both $v\n" if exists $map{$v};
		$map{$v} = $x;
	}
	push @lines, @{ $o{head} || [] };
	my $k = 0;
	for my $st (@$stmts) {
		my ($sql, $params) = @$st;
		$k++;
		my @types = param_types($sql, scalar @$params);
		$sql =~ s{\$(\d+)\b}{
			my $j = $1;
			my $v = $params->[$j - 1];
			my $r;
			if (!defined $v) { $r = 'NULL' }
			elsif (exists $map{$v}) { $r = $map{$v} }
			else {
				for my $needle (keys %{ $o{sub} || {} }) {
					my $i = index $v, $needle;
					next if $i < 0;
					my ($pre, $post) = (substr($v, 0, $i), substr($v, $i + length $needle));
					$r = join ' || ', (length $pre ? sql_str($pre) : ()), $o{sub}{$needle},
					    (length $post ? sql_str($post) : ());
					$r = "($r)";
					last;
				}
				if (!defined $r) {
					push @args, "-Dc${k}_$j=$v";
					$r = ":c${k}_$j";
				}
			}
			# An expression in place of a parameter has the type of
			# its operators ('a' || :n is text), where Roster's
			# parameter took the type its context gave it (citext
			# against an address column, so that the index serves):
			# the expression is cast to that type.
			$r = "CAST($r AS $types[$j - 1])" if $r =~ /^[(s]/ && $types[$j - 1];
			$r
		}ge;
		# pgbench reads :name as a variable even inside a string literal
		# ('HH24:MI'): such a colon is spelled chr(58), folded into a
		# constant when the statement is planned.
		$sql = join '', map {
			/^'/ ? s/:(?=[A-Za-z_])/' || chr(58) || '/gr : $_
		} split /('(?:[^']|'')*')/, $sql;
		my $end = ';';
		for my $g (@{ $o{gset} || [] }) {
			$end = " \\gset $g->[1]" if $sql =~ $g->[0];
		}
		die "pgbench $name: \\gset inside a pipeline: $sql\n" if $end ne ';' && $st->[3];
		$sql =~ s/;\s*$//;
		# What Roster sent in one pipeline, pgbench sends in one too.
		push @lines, '\startpipeline' if ($st->[3] // '') eq 'start';
		push @lines, "$sql$end";
		push @lines, '\endpipeline' if ($st->[3] // '') eq 'end';
	}
	push @args, @{ $o{args} || [] };
	spew("$ENV{BENCH_DIR}/pgb-$name.sql", join("\n", @lines) . "\n");
	spew("$ENV{BENCH_DIR}/pgb-$name.args", join("\n", @args) . "\n");
	say_err(sprintf('pgbench %s: %d statements captured, %d pipelines', $name, scalar @$stmts,
	    scalar grep { ($_->[3] // '') eq 'start' } @$stmts));
}

# What nginx adds to a FastCGI response itself (or rewrites): not part of
# what Roster sent, so not part of the fixed response.
my %NGINX_HEADER = map { $_ => 1 } qw(server date connection transfer-encoding keep-alive);

# fixed_response NAME METHOD PATH STATUS COOKIE [FORM]: one request to
# Roster through nginx (curl, as wrk would send it: the Cookie header, a
# form body for a POST), which must answer STATUS; writes Roster's
# response as fixed-NAME.h and .b and as the FastCGI response
# fixed-NAME.fcgi (see above).
sub fixed_response {
	my ($name, $method, $path, $status, $cookie, $form) = @_;
	my $dir = $ENV{BENCH_DIR};
	my ($h, $b) = ("$dir/fixed-$name.h", "$dir/fixed-$name.b");
	my @cmd = ('curl', '-s', '--max-time', '30', '-D', $h, '-o', $b, '-H', "Cookie: $cookie");
	push @cmd, '-H', 'Content-Type: application/x-www-form-urlencoded', '--data-raw', $form
	    if defined $form;
	system(@cmd, $s->base_url . $path) == 0 or die "fixed response $name: curl $method $path failed\n";
	open my $fh, '<:raw', $h or die "$h: $!\n";
	my @lines = map { s/\r?\n\z//r } <$fh>;
	close $fh;
	my $sl = shift @lines // '';
	my ($st) = $sl =~ m{^HTTP/[\d.]+ ($status(?: .*)?)$};
	check("fixed response $name ($method $path)", $st, "status line '$sl', want $status");
	my $fcgi = "$method $path\nStatus: $st\r\n";
	for my $l (@lines) {
		last if $l eq '';
		my ($n) = $l =~ /^([!-9;-~]+):/ or die "fixed response $name: header line '$l'\n";
		$fcgi .= "$l\r\n" unless $NGINX_HEADER{ lc $n };
	}
	open $fh, '<:raw', $b or die "$b: $!\n";
	my $body = do { local $/; <$fh> } // '';
	close $fh;
	spew("$dir/fixed-$name.fcgi", "$fcgi\r\n$body");
	say_err(sprintf('fixed response %s: %s %s, %s, %d bytes of body', $name, $method, $path,
	    $st, length $body));
}

# The types PostgreSQL gives the parameters of sql, as Roster prepares
# it (no types given): from pg_prepared_statements.
sub param_types {
	my ($sql, $n) = @_;
	return () unless $n;
	my ($row) = $s->psql("PREPARE bench_types AS $sql;\n"
	    . "SELECT array_to_string(parameter_types::text[], ',') FROM pg_prepared_statements "
	    . "WHERE name = 'bench_types';\nDEALLOCATE bench_types;");
	return split /,/, $row->[0];
}

sub limits {
	my $dir = $ENV{BENCH_DIR};
	my $pool = $ENV{BENCH_ACCEPT_POOL} // 40000;
	my $pgpool = $ENV{BENCH_PG_POOL} // 200000;
	my %env = $s->env;

	# 1. The link page's template: Roster's page for the link above.
	my $anon = $s->ua;
	my $page = $anon->get("/invitations/accept?token=$token")->{content};
	my ($csrf) = $page =~ /name="csrf_token" value="([^"]+)"/ or die "no CSRF token on the link page\n";
	my ($expires) = $page =~ /expires (\d{4}-\d\d-\d\d \d\d:\d\d UTC)/ or die "no expiry on the link page\n";
	my $tpl = $page;
	my $email_url = INVITEE =~ s/\@/%40/r;
	for ([ $token, 'token' ], [ $csrf, 'csrf' ], [ $email_url, 'email_url' ],
	    [ INVITEE, 'email' ], [ 'Bench Org', 'org' ], [ 'Bench Owner', 'inviter' ],
	    [ $expires, 'expires' ]) {
		my ($v, $slot) = @$_;
		$tpl =~ s/\Q$v\E/{{$slot}}/g;
	}
	$tpl =~ s/data-role="member">member</data-role="{{role}}">{{role}}</g;
	spew("$dir/link.tpl", $tpl);
	$LIMIT{LINK_PAGE_BYTES} = length $page;

	# 2. Organizations for accepting and inviting, owned by the owner.
	for my $slug (qw(accept inv)) {
		$ua->get('/orgs/new');
		my $r = $ua->post_form('/orgs', { name => "Bench $slug", slug => $slug });
		check("creating $slug", $r->{status} == 303, "status $r->{status}");
	}
	my $acc_org = $s->sql_one('SELECT id FROM organizations WHERE slug = ?', 'accept');

	# 3. Invitees with real links and sessions, for Roster (wrk), minted
	# with Roster's crypto (bench/limits/mint.c).
	my $mint = $ENV{BENCH_MINT} or die "BENCH_MINT is not set\n";
	local $ENV{ROSTER_SECRET_KEY} = $env{ROSTER_SECRET_KEY};
	system("'$mint' $pool acc bench.example > '$dir/mint.tsv'") == 0 or die "mint failed\n";
	open my $mf, '<', "$dir/mint.tsv" or die "$dir/mint.tsv: $!\n";
	my @mint = map { chomp; [ split /\t/ ] } <$mf>;
	close $mf;
	my $copy = join '', map { join("\t", @$_[0, 1, 3]) . "\n" } @mint;
	$s->psql(<<"SQL" . $copy . "\\.\n" . <<"SQL2");
BEGIN;
CREATE TEMP TABLE m (k int, ih bytea, sh bytea);
COPY m FROM STDIN;
SQL
INSERT INTO users (email, display_name, password_hash, email_confirmed_at)
SELECT 'acc' || k || '\@bench.example', 'Acceptor ' || k, 'x', now() FROM m ORDER BY k;
INSERT INTO sessions (token_hash, user_id, expires_at)
SELECT m.sh, u.id, now() + interval '1 day' FROM m JOIN users u ON u.email = 'acc' || m.k || '\@bench.example';
INSERT INTO invitations (organization_id, email, role, hashed_token, invited_by, expires_at, created_at)
SELECT $acc_org, 'acc' || k || '\@bench.example', 'member', ih, $owner, now() + interval '7 days', now() - interval '2 hours' FROM m;
-- Made two hours ago: outside the hour the invite rate limits count, so
-- that the pools do not weigh on the invite POSTs measured later.
-- 4. The same for pgbench: invitee k's id is ubase + k, the token hash of
-- its invitation and of its session sha256(int8send(k)).
INSERT INTO users (email, display_name, password_hash, email_confirmed_at)
SELECT 'pga' || g || '\@bench.example', 'Acceptor ' || g, 'x', now()
FROM generate_series(1, $pgpool) g ORDER BY g;
INSERT INTO sessions (token_hash, user_id, expires_at)
SELECT sha256(int8send(u.id - (SELECT min(id) - 1 FROM users WHERE email LIKE 'pga%'))), u.id, now() + interval '1 day'
FROM users u WHERE u.email LIKE 'pga%';
INSERT INTO invitations (organization_id, email, role, hashed_token, invited_by, expires_at, created_at)
SELECT $acc_org, 'pga' || g || '\@bench.example', 'member', sha256(int8send(g::bigint)), $owner,
       now() + interval '7 days', now() - interval '2 hours'
FROM generate_series(1, $pgpool) g;
COMMIT;
ANALYZE;
SQL2
	my ($ubase, $umax) = @{ ($s->psql(q{SELECT min(id) - 1, max(id) FROM users WHERE email LIKE 'pga%'}))[0] };
	check('pgbench invitees', $umax - $ubase == $pgpool, "ids $ubase..$umax are not contiguous");
	# Invitation k's id is ibase + k: pgbench cannot \gset inside a
	# pipeline, so the ids a statement sends are computed, not read back.
	my ($ibase, $imax, $iok) = @{ ($s->psql(q{SELECT min(id) - 1, max(id), bool_and(hashed_token = sha256(int8send(id - (SELECT min(id) - 1 FROM invitations WHERE email LIKE 'pga%')))) FROM invitations WHERE email LIKE 'pga%'}))[0] };
	check('pgbench invitations', $imax - $ibase == $pgpool && $iok eq 't', "ids $ibase..$imax are not invitee k's");
	$s->stop_mailer;

	# 5. Accepting: one POST captured (invitee 1); wrk takes the others.
	my $first = shift @mint;
	my $fixed = shift @mint;    # the fixed response's accept (section 8)
	spew("$dir/accept.tsv", join '', map { "$_->[2]\t$_->[4]\t$_->[5]\n" } @mint);
	my $aua = $s->ua;
	$aua->set_cookie(roster_session => $first->[4]);
	my $uid1 = $s->sql_one(q{SELECT id FROM users WHERE email = 'acc1@bench.example'});
	my $inv1 = $s->sql_one(q{SELECT id FROM invitations WHERE email = 'acc1@bench.example'});
	my ($r, $st) = capture(sub {
		$aua->post_form('/invitations/accept', { token => $first->[2], csrf_token => $first->[5] })
	});
	check('accepting over HTTP', $r->{status} == 303, "status $r->{status}");
	my $mid1 = $s->sql_one(q{SELECT id FROM memberships WHERE user_id = ?}, $uid1);
	check('accepted', $mid1, 'no membership');
	(my $ih1 = $first->[1]) =~ s/^\\\\/\\/;
	(my $sh1 = $first->[3]) =~ s/^\\\\/\\/;
	# The membership's id, which Roster reads from the insert's RETURNING,
	# is the sequence's value in the session (the insert and the audit
	# rows may be in different pipelines).
	pgbench_script('accept', $st,
	    head => [ '\set k :k + 1', "\\set n :base + :client_id * :stride + :k", "\\set uid $ubase + :n",
	              "\\set inv_id $ibase + :n" ],
	    map => [ $ih1 => 'sha256(int8send(:n::bigint))', $uid1 => ':uid', $inv1 => ':inv_id',
	             $mid1 => "currval(pg_get_serial_sequence('memberships', 'id'))",
	             $sh1 => 'sha256(int8send(:n::bigint))' ],
	    args => [ '-Dk=0' ]);

	# 6. The members page of "bench" (50 members, 20 invitations).
	($r, $st) = capture(sub { $ua->get('/orgs/' . SLUG) });
	check('members page', $r->{status} == 200, "status $r->{status}");
	pgbench_script('members', $st);

	# 7. An invite into "inv": a new address, token hash and ids each time.
	$ua->get('/orgs/inv');
	$LIMIT{INVITE_CSRF} = $ua->csrf // die "no CSRF token for the owner\n";
	($r, $st) = capture(sub { $ua->post_form('/orgs/inv/invitations', { email => 'cap@bench.example', role => 'member' }) });
	check('inviting over HTTP', $r->{status} == 303, "status $r->{status}");
	my ($iid, $ihash) = @{ ($s->psql(q{SELECT id, hashed_token FROM invitations WHERE email = 'cap@bench.example'}))[0] };
	pgbench_script('invite', $st,
	    head => [ '\set k :k + 1', "\\set n :base + :client_id * :stride + :k" ],
	    map => [ $ihash => 'sha256(int8send(-:n::bigint))', $iid => ':inv_id' ],
	    sub => {
		'cap@bench.example' => q{('pgi' || :n || '@bench.example')},
		# the recipient's rate-limit bucket and lock: its address's SHA-256
		sha256_hex('cap@bench.example') =>
		    q{encode(sha256(convert_to('pgi' || :n || '@bench.example', 'UTF8')), 'hex')},
	    },
	    gset => [ [ qr/INSERT INTO invitations/, 'inv_' ] ],
	    args => [ '-Dk=0' ]);
	$LIMIT{PG_URL} = $s->db_url('app');
	$LIMIT{PG_OWNER_URL} = $s->db_url('owner');
	$LIMIT{PG_ADMIN_URL} = $s->db_url('admin');

	# 8. Roster's own responses for the transport-only side: one accept
	# (another invitee's, as accept.lua sends it), the owner's members
	# page, one invite (as invite.lua sends it).
	fixed_response('accept', 'POST', '/invitations/accept', 303, "roster_session=$fixed->[4]",
	    "token=$fixed->[2]&csrf_token=$fixed->[5]");
	fixed_response('members', 'GET', '/orgs/' . SLUG, 200, $cookie);
	fixed_response('invite', 'POST', '/orgs/inv/invitations', 303, $cookie,
	    "email=fixed%40bench.example&role=member&csrf_token=$LIMIT{INVITE_CSRF}");
}
