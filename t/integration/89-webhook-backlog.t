#!/usr/bin/env perl
# A backlog of webhook deliveries to endpoints that never answer does not
# hold back email (docs/webhooks.md "Delivery"): roster-mailer sends one
# batch of webhooks (16, at most 10 s) between two looks at the outbox, so
# an invitation's mail goes out within one batch's timeout however many
# deliveries wait, and every waiting delivery is still tried in turn.
# The endpoint is a socket on 127.0.0.1 that is listened on and never
# accepted: each request is sent and no answer ever comes.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(env => {
	ROSTER_WEBHOOK_ALLOW_PRIVATE => 1,
	ROSTER_RETRY_BASE            => 1,
});

# A child that accepts every connection and holds it open without ever
# answering (it lives at most 3 minutes).
my $hole = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
    Listen => 128, ReuseAddr => 1, Proto => 'tcp') or die "listen: $!";
my $url = 'http://127.0.0.1:' . $hole->sockport . '/hook';
my $pid = fork // die "fork: $!";
if (!$pid) {
	$SIG{ALRM} = sub { POSIX::_exit(0) };
	alarm 180;
	my @held;
	while (my $c = $hole->accept) { push @held, $c }
	POSIX::_exit(0);
}
close $hole;
END { local $?; if ($pid) { kill 'KILL', $pid; waitpid $pid, 0 } }

my $olga = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($olga, 'Acme', 'acme');
$olga->get('/orgs/acme/webhooks');
my $res = $olga->post_form('/orgs/acme/webhooks',
    [ url => $url, events => 'membership.removed' ]);
is $res->{status}, 200, 'the endpoint is added';
is $olga->page($res), 'webhook-created', '... page webhook-created';
my $hook = $s->sql_one(q{SELECT id FROM webhooks});
ok $hook, '... and stored';

# 32 deliveries due at once: two full batches, each hanging 10 s; their
# retries (ROSTER_RETRY_BASE=1) fall due again while the next batch hangs.
my $N = 32;
$s->psql(q{INSERT INTO webhook_deliveries (webhook_id, event, message_id, payload)
    SELECT ?, 'membership.removed', 'msg_backlog_' || g, '{}'
    FROM generate_series(1, ?) g}, $hook, $N);
$s->psql(q{NOTIFY roster_outbox});
ok eventually(10, sub { $s->sql_one(q{SELECT count(*) FROM webhook_deliveries
    WHERE next_attempt_at > now() + interval '60 seconds'}) > 0 }),
    'the mailer has claimed a batch (leased) and hangs on it';

my $t0 = time;
my $r = invite($olga, 'acme', 'bob@example.com', 'member');
is $r->{status}, 303, 'an invitation is sent meanwhile';
my $m = $s->wait_for_mail(to => 'bob@example.com', subject => qr/ invited you to join /,
    timeout => 30);
ok $m, 'its mail goes out';
my $took = time - $t0;
cmp_ok $took, '<', 15, 'within one batch of webhooks (10 s) and a margin, not after the backlog'
    or diag sprintf 'the mail took %.1f s', $took;

ok eventually(40, sub { $s->sql_one(q{SELECT count(*) FROM webhook_deliveries
    WHERE webhook_id = ? AND attempts >= 1}, $hook) == $N }),
    'every waiting delivery is tried in turn';
is $s->sql_one(q{SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ?
    AND status = 'queued' AND last_status IS NULL AND last_error ~* 'time'}, $hook), $N,
    '... each queued again after its timeout, no status';

done_testing;
