#!/usr/bin/env perl
# Two mailers against one outbox deliver every message exactly once.
# 150 copies of a real sealed invitation row (the row the invite POST
# queued, copied by SQL with a recipient of its own each) are delivered by
# two `roster-mailer --once` started together against one SMTP sink: each
# recipient receives one message, every row ends sent after one attempt
# with its body dropped, nothing stays queued, and emails_sent_total grows
# by the number of rows sent. Each mailer keeps one SMTP connection for
# its run of messages (one easy handle reused), so the sink sees at most
# one connection per mailer that carried messages.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use Roster::Test;
use Roster::Invite;
use Roster::SmtpSink;

use constant COPIES => 150;

my $port = Roster::Test::_free_port();
my $s = Roster::Test->start(mailer => 0,
    env => { ROSTER_SMTP_URL => "smtp://127.0.0.1:$port", ROSTER_SMTP_REQUIRE_TLS => 0 });
my $sink = Roster::SmtpSink->new(dir => $s->state_dir . '/tmp/sink', port => $port);
END { $sink->stop if $sink && $sink->running && $s && $$ == $s->{owner} }
ok $sink->start, 'the SMTP sink listens';

my $owner = person($s, 'olga@example.com', 'Olga');
new_org($owner, 'Acme', 'acme');
my $res = invite($owner, 'acme', 'bob@example.com', 'member');
is $res->{status}, 303, 'the invitation was queued';
my $src = $s->sql_one(q{SELECT id FROM outbox WHERE kind = 'invitation' AND status = 'queued'});
ok $src, "its sealed row is in the outbox ($src)";

$s->psql(q{INSERT INTO outbox (kind, recipient, body, invitation_id)
    SELECT kind, 'copy' || g || '@example.net', body, invitation_id
    FROM outbox, generate_series(1, } . COPIES . q{) g WHERE id = ?}, $src);
my $queued = $s->sql_one(q{SELECT count(*) FROM outbox WHERE status = 'queued'});
cmp_ok $queued, '>=', COPIES + 1, "$queued rows queued";
my $sent_before = $s->sql_one(q{SELECT value FROM mail_counters WHERE name = 'emails_sent_total'});

# Two mailers at once, each until nothing is due; bounded at 60 s.
my %env = $s->_server_env;
my @pids;
for my $i (1, 2) {
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		%ENV = %env;
		open STDIN, '<', '/dev/null';
		open STDOUT, '>>', $s->state_dir . "/log/roster-mailer-$i.log";
		open STDERR, '>&', \*STDOUT;
		{ no warnings 'exec'; exec Roster::Test::builddir() . '/roster-mailer', '--once'; }
		POSIX::_exit(127);
	}
	push @pids, $pid;
}
my %status;
my $deadline = time + 60;
while (keys %status < @pids && time < $deadline) {
	for my $p (@pids) {
		next if exists $status{$p};
		$status{$p} = $? if waitpid($p, POSIX::WNOHANG()) == $p;
	}
	sleep 0.05;
}
for my $p (@pids) {
	next if exists $status{$p};
	kill 'KILL', $p;
	waitpid($p, 0);
	$status{$p} = -1;
}
is_deeply [ map { $status{$_} } @pids ], [ 0, 0 ], 'both mailers ran and exited 0 within 60 s';

is $s->sql_one(q{SELECT count(*) FROM outbox WHERE status = 'queued'}), 0, 'nothing is left queued';
is $s->sql_one(q{SELECT count(*) FROM outbox WHERE recipient LIKE 'copy%@example.net'
    AND status = 'sent' AND attempts = 1 AND body IS NULL AND sent_at IS NOT NULL}), COPIES,
    'every copy is sent, after one attempt, its body dropped';
my $sent_rows = $s->sql_one(q{SELECT count(*) FROM outbox WHERE status = 'sent'});
is $s->sql_one(q{SELECT value FROM mail_counters WHERE name = 'emails_sent_total'}) - $sent_before,
    $queued, "emails_sent_total grew by the $queued rows sent";
is $sent_rows, $queued, 'as many rows are sent as were queued';

# What the sink received: each recipient exactly once.
my %got;
my $deliveries = 0;
my $deadline2 = time + 10;
do {
	%got = ();
	$deliveries = 0;
	if (open my $in, '<', $sink->received_file) {
		while (<$in>) {
			my (undef, $to) = split;
			$got{$_}++ for split /,/, $to // '';
			$deliveries++;
		}
	}
} while ($deliveries < $queued && time < $deadline2 && sleep 0.1);
is $deliveries, $queued, "the sink accepted $queued messages";
my @twice = grep { $got{$_} != 1 } keys %got;
is scalar(@twice), 0, 'no recipient received a message twice' or diag "twice: @twice[0 .. 4]";
is scalar(grep { /^<?copy\d+\@example\.net>?$/ } keys %got), COPIES, 'every copy reached its recipient';

# One kept connection per mailer.
my @carrying = grep { $_->{messages} > 0 } @{ $sink->connections };
cmp_ok scalar(@carrying), '>=', 1, 'the messages came over SMTP connections';
cmp_ok scalar(@carrying), '<=', 2, 'at most one connection per mailer: '
    . join(', ', map { "$_->{messages} messages" } @carrying);

done_testing;
