#!/usr/bin/env perl
# What each hot request costs the database: starts a private stack with the
# test harness (one FastCGI worker), seeds the benchmark's organization (50
# active members, 20 pending invitations), turns on PostgreSQL's
# log_statement = all, and for each hot request prints the statements the
# worker's connection ran for it, in order. A statement is one round trip
# (db_exec sends one statement and waits for its result; BEGIN and COMMIT
# count) unless it went in a pipeline with others: BEGIN with the first
# statement of its transaction, the statements db_ahead queues, the
# members page's lists (docs/performance.md gives the round trips). Each request runs once unmeasured first, so statements are
# already prepared on the connection, as they are under load.
#
#   ROSTER_BUILDDIR=... bench/statements.pl [-v]
#
# -v prints each statement's text (its first 110 characters) too.
# Core Perl modules only; nothing timed, nothing left behind.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use lib "$FindBin::Bin/lib";
use BenchSeed;
use Roster::Test;
use Roster::Invite;
use Time::HiRes qw(sleep);

my $verbose = @ARGV && $ARGV[0] eq '-v';
my ($s, $owner, $link) = BenchSeed::stack(1);
new_org($owner, "Other $_", "other$_") for 1 .. 2;
my $invitee = person($s, 'taker@bench.example', 'Taker', confirm => 1);
my @accepts = map { invite_ok($s, $owner, "other$_", 'taker@bench.example') } 1 .. 2;
my @signups = map { invite_ok($s, $owner, "other$_", "new$_\@bench.example") } 1 .. 2;
$s->stop_mailer;

my $app = $s->db_role('app');
$s->psql(q{ALTER SYSTEM SET log_statement = 'all'});
$s->psql(q{ALTER SYSTEM SET log_line_prefix = '%m [%p] %u '});
$s->psql(q{SELECT pg_reload_conf()});
sleep 0.5;
my $log = $s->state_dir . '/log/postgres.log';

# The statements the application's role ran while $run ran.
sub statements {
	my ($run) = @_;
	my $pos = -s $log;
	$run->();
	sleep 0.4;
	open my $fh, '<', $log or die "$log: $!\n";
	seek $fh, $pos, 0;
	my @st;
	while (<$fh>) {
		next unless /\] \Q$app\E (?:LOG|ERROR):\s+(?:statement|execute [^:]*):\s*(.*)/;
		push @st, $1;
	}
	return @st;
}

# Each case: a setup (a page fetched for its CSRF token, not counted) and
# the request counted.
my @case = (
	[ 'GET /invitations/accept (link page)', sub {
		my $ua = $s->ua;
		return (sub { $ua->clear_cookies }, sub { $ua->get($link->{path}) });
	} ],
	[ 'GET /orgs/{slug} (members page, 50+20)', sub {
		return (sub { }, sub { $owner->get('/orgs/bench') });
	} ],
	[ 'POST /orgs/{slug}/invitations', sub {
		my $n = 0;
		return (sub { $owner->get('/orgs/bench') }, sub {
			$n++;
			my $r = $owner->post_form('/orgs/bench/invitations',
			    { email => "fresh$n\@bench.example", role => 'member' });
			die "invite: $r->{status}\n" unless $r->{status} == 303;
		});
	} ],
	[ 'POST /invitations/accept', sub {
		my $n = 0;
		return (sub { $invitee->get($accepts[$n]{path}) }, sub {
			my $inv = $accepts[ $n++ ];
			my $r = $invitee->post_form('/invitations/accept', { token => $inv->{token} });
			die "accept: $r->{status}\n" unless $r->{status} == 303;
		});
	} ],
	[ 'POST /invitations/accept/signup', sub {
		my $n = 0;
		my $ua;
		return (sub { $ua = $s->ua; $ua->get($signups[$n]{path}) }, sub {
			my $inv = $signups[ $n++ ];
			my $r = $ua->post_form('/invitations/accept/signup',
			    { token => $inv->{token}, display_name => 'New', password => PASSWORD });
			die "signup: $r->{status}\n" unless $r->{status} == 303;
		});
	} ],
);

for my $c (@case) {
	my ($name, $make) = @$c;
	my ($setup, $run) = $make->();
	$setup->();
	$run->();    # prepares the statements on the connection
	$setup->();
	my @st = statements($run);
	my $tx = grep { /^(?:BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i } @st;
	printf "%-40s %3d statements (%d of them transaction control)\n", $name, scalar @st, $tx;
	if ($verbose) {
		printf "    %s\n", substr($_, 0, 110) for @st;
	}
}

$s->stop;
