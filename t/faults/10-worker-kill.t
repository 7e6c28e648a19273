#!/usr/bin/env perl
# Workers SIGKILLed under a steady mixed load. Forked clients invite (each
# to fresh addresses), accept invitations by signing up through their
# links, and read the roster page, for about 20 s, while one FastCGI worker
# is killed every 2 s. Then: every invitation answered with 303 has its
# row, every accept answered with 303 has its membership, nothing is half
# written (no membership from an invitation without its accepted
# invitation and no accepted invitation without its membership, every
# invitation has its outbox row), and every answer that is not 200/303 is
# a 502 (the request the killed worker held) or a 503 with Retry-After.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use Roster::Test;
use Roster::Invite;

my $LOAD_SECONDS = 20;
my $s = Roster::Test->start(env => {
	ROSTER_INVITE_LIMIT_USER => 100000,
	ROSTER_INVITE_LIMIT_ORG  => 100000,
});
my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');
my $org_id = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
ok $org_id, 'the organization exists';

my $dir = $s->state_dir . '/tmp';
my $stopfile = "$dir/stop";

# Each client writes one line per answer: "kind status retry-after email".
sub client {
	my ($k, $kind) = @_;
	my $test = $$;
	my $pid = fork // die "fork: $!";
	return $pid if $pid;
	my $ua = clone_ua($s, $owner);
	open my $out, '>', "$dir/load.$k" or POSIX::_exit(1);
	$out->autoflush(1);
	my $rec = sub {
		my ($what, $r, $email) = @_;
		printf $out "%s %d %s %s\n", $what, $r->{status},
		    $r->{headers}{'retry-after'} // '-', $email // '-';
		return $r->{status};
	};
	my $deadline = time + $LOAD_SECONDS + 10;
	my $n = 0;
	while (time < $deadline && !-e $stopfile && getppid() == $test) {
		$n++;
		if ($kind eq 'read') {
			$rec->('read', $ua->get('/orgs/acme'));
			sleep 0.02;
			next;
		}
		my $email = "c$k-$n\@example.com";
		my $r = $ua->get('/orgs/acme');
		$rec->('read', $r);
		next unless $r->{status} == 200;
		$r = $ua->post_form('/orgs/acme/invitations', { email => $email, role => 'member' });
		next unless $rec->('invite', $r, $email) == 303;
		next unless $kind eq 'accept';
		# The link from the mail (file transport), then sign up through it.
		my $m = $s->wait_for_mail(to => $email, subject => qr/ invited you to join /, timeout => 10)
		    or next;
		my $tok = token_of($m->{link}) // next;
		my $guest = $s->ua;
		$r = $guest->get("/invitations/accept?token=$tok");
		next unless $rec->('link', $r, $email) == 200;
		$r = $guest->post_form('/invitations/accept/signup',
		    { token => $tok, display_name => "Guest $k $n", password => PASSWORD });
		$rec->('accept', $r, $email);
	}
	close $out;
	POSIX::_exit(0);
}

my @clients = (client(1, 'invite'), client(2, 'accept'), client(3, 'accept'), client(4, 'read'));

my ($kills, %killed) = (0);
my $end = time + $LOAD_SECONDS;
while (time < $end) {
	sleep 2;
	my @w = $s->fcgi_pids;
	next unless @w;
	my $victim = $w[ rand @w ];
	if ($s->kill_worker($victim)) { $kills++; $killed{$victim} = 1 }
}
open my $sf, '>', $stopfile; close $sf;
waitpid $_, 0 for @clients;

# The answers.
my (%status, %kind, @invited, @accepted);
my ($bad, $no_retry) = (0, 0);
for my $k (1 .. 4) {
	open my $in, '<', "$dir/load.$k" or die "$dir/load.$k: $!";
	while (<$in>) {
		my ($what, $st, $ra, $email) = split;
		$status{$st}++;
		$kind{"$what $st"}++;
		if ($st == 200 || $st == 303) {
			push @invited, $email if $what eq 'invite' && $st == 303;
			push @accepted, $email if $what eq 'accept' && $st == 303;
			next;
		}
		if ($st == 503) { $no_retry++ if $ra eq '-'; next }
		if ($st != 502) { $bad++; diag "unexpected answer: $_" }
	}
}
my $total = 0;
$total += $_ for values %status;
diag sprintf 'worker kill: %d kills in %d s; %d answers (%s); %d invitations and %d accepts answered 303',
    $kills, $LOAD_SECONDS, $total, join(', ', map { "$_: $status{$_}" } sort keys %status),
    scalar @invited, scalar @accepted;
diag '  by kind: ' . join(', ', map { "$_: $kind{$_}" } sort keys %kind);
ok $kills >= 5, "workers were killed ($kills)";
ok @invited >= 20, 'invitations were answered 303 under load (' . scalar(@invited) . ')';
ok @accepted >= 5, 'accepts were answered 303 under load (' . scalar(@accepted) . ')';
is $bad, 0, 'every other answer was 502 or 503';
is $no_retry, 0, 'every 503 carried Retry-After';
ok eventually(10, sub { scalar(() = $s->fcgi_pids) == 2 }), 'the supervisor keeps two workers';
is $s->ua->get('/healthz')->{status}, 200, 'the stack still answers';

# Every 303 has its rows.
# (One query each: the addresses go in as one comma-separated string.)
my $missing_inv = $s->sql_one(q{SELECT count(*) FROM unnest(string_to_array(?, ',')) AS e(email)
    WHERE NOT EXISTS (SELECT 1 FROM invitations i WHERE i.organization_id = ? AND i.email = e.email)},
    join(',', @invited), $org_id);
is $missing_inv, 0, 'every invitation answered 303 has its row (' . scalar(@invited) . ')';
my $missing_mem = $s->sql_one(q{SELECT count(*) FROM unnest(string_to_array(?, ',')) AS e(email)
    WHERE NOT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
	WHERE m.organization_id = ? AND u.email = e.email AND m.status = 'active')},
    join(',', @accepted), $org_id);
is $missing_mem, 0, 'every accept answered 303 has its active membership (' . scalar(@accepted) . ')';

# Nothing half written, whatever the answer was.
is $s->sql_one(q{SELECT count(*) FROM memberships m WHERE m.organization_id = ? AND m.source = 'invitation'
    AND NOT EXISTS (SELECT 1 FROM invitations i WHERE i.organization_id = m.organization_id
	AND i.accepted_by = m.user_id AND i.accepted_at IS NOT NULL)}, $org_id),
    0, 'no membership from an invitation without its accepted invitation';
is $s->sql_one(q{SELECT count(*) FROM invitations i WHERE i.organization_id = ? AND i.accepted_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = i.organization_id
	AND m.user_id = i.accepted_by AND m.status = 'active')}, $org_id),
    0, 'no accepted invitation without its membership';
is $s->sql_one(q{SELECT count(*) FROM invitations i WHERE i.organization_id = ?
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.invitation_id = i.id)}, $org_id),
    0, 'every invitation has its outbox row';
is $s->sql_one(q{SELECT count(*) FROM users u WHERE u.email LIKE 'c%@example.com'
    AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)}),
    0, 'no user signed up through a link without the membership it came for';
my ($inv_rows, $mem_rows) = ($s->sql_one('SELECT count(*) FROM invitations WHERE organization_id = ?', $org_id),
    $s->sql_one(q{SELECT count(*) FROM memberships WHERE organization_id = ? AND source = 'invitation'}, $org_id));
diag "  rows: $inv_rows invitations, $mem_rows memberships from invitations";

done_testing;
