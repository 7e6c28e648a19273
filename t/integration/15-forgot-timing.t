#!/usr/bin/env perl
# POST /password/forgot takes the same time whether or not the address has
# an account: 200 requests for 200 existing accounts (each one queues a
# reset email) and 200 for 200 unknown addresses, interleaved, from one
# connection; the medians must differ by less than 0.3 ms. Both answers are
# the same 303 to /password/forgot?sent=1, and only the existing accounts
# get a token row.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use IO::Socket::INET;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Roster::Test;

my $N = 200;
# Seconds between the medians. Queueing a reset email costs about 0.6 ms
# on a loopback stack (1.05 ms against 0.42 ms before the answer had a
# floor); half of that is still far above the medians' noise.
my $TOLERANCE = 0.0003;

my $s = Roster::Test->start;
$s->psql("INSERT INTO users (email, display_name, password_hash) "
    . "SELECT 'known' || g || '\@example.com', 'Known', '!' FROM generate_series(1, $N) g");
is $s->sql_one("SELECT count(*) FROM users WHERE email LIKE 'known%'"), $N, "$N accounts";

my $ua = $s->ua;
$ua->get('/password/forgot');
my $cookie = $ua->cookie_header;
my $csrf = $ua->csrf;

# One POST written in one piece on a fresh connection (so that no Nagle or
# delayed-ACK pause hides the server's time); returns status and Location.
sub forgot {
	my ($email) = @_;
	my $body = Roster::Test::UA::form_encode({ email => $email, csrf_token => $csrf });
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $s->port,
	    Proto => 'tcp', Timeout => 10) or die "connect: $!";
	setsockopt($sock, IPPROTO_TCP, TCP_NODELAY, 1);
	my $req = "POST /password/forgot HTTP/1.1\r\nHost: 127.0.0.1:" . $s->port
	    . "\r\nCookie: $cookie\r\nContent-Type: application/x-www-form-urlencoded"
	    . "\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
	my $t0 = time;
	syswrite($sock, $req) == length($req) or die "write: $!";
	my $head = '';
	while ($head !~ /\r\n\r\n/) {
		my $n = sysread($sock, $head, 4096, length $head);
		last unless $n;
	}
	my $dt = time - $t0;
	close $sock;
	my ($st) = $head =~ m{^HTTP/1\.\d (\d+)};
	my ($loc) = $head =~ m{^Location: *(\S+)}mi;
	return ($st // 0, $loc // '', $dt);
}
my (@known, @unknown, %status);
my $deadline = time + 120;
for my $i (1 .. $N) {
	last if time > $deadline;
	for my $kind ($i % 2 ? qw(known unknown) : qw(unknown known)) {
		my $email = ($kind eq 'known' ? 'known' : 'nobody') . "$i\@example.com";
		my ($st, $loc, $dt) = forgot($email);
		$loc =~ s{^https?://[^/]+}{};
		$status{"$st $loc"}++;
		push @{ $kind eq 'known' ? \@known : \@unknown }, $dt;
	}
}
is scalar @known, $N, "$N samples for existing addresses within the time bound";
is scalar @unknown, $N, "$N samples for unknown addresses";
is_deeply \%status, { '303 /password/forgot?sent=1' => 2 * $N },
    'every answer is the same 303 to /password/forgot?sent=1';

sub median { my @v = sort { $a <=> $b } @_; return @v ? $v[ int(@v / 2) ] : 0 }
my ($mk, $mu) = (median(@known), median(@unknown));
diag sprintf 'median existing %.2f ms, unknown %.2f ms', 1000 * $mk, 1000 * $mu;
cmp_ok abs($mk - $mu), '<', $TOLERANCE, 'the medians differ by less than 0.3 ms';

is $s->sql_one("SELECT count(*) FROM account_tokens WHERE purpose = 'reset_password'"), $N,
    'one reset token per existing account, none for the unknown addresses';

done_testing;
