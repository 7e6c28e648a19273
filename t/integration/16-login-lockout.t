#!/usr/bin/env perl
# Sign-in throttling that an attacker cannot turn against the account's
# owner: failures count per address (ROSTER_LOGIN_LIMIT, 3 here) and per
# client address (ROSTER_LOGIN_CLIENT_LIMIT, 5 here) over 15 minutes. An
# address over its limit is refused (429) only to clients that have failed
# lately; a client that has not failed still gets its password checked and
# signs in with the right one. A client over its own limit is refused
# whatever it sends. The client's count is exact under concurrency. Clients
# are told apart by their loopback source address, which nginx passes as
# REMOTE_ADDR.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use HTTP::Tiny;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(env => { ROSTER_LOGIN_LIMIT => 3, ROSTER_LOGIN_CLIENT_LIMIT => 5 });

sub ua_from {
	my ($addr) = @_;
	my $ua = $s->ua;
	$ua->{http} = HTTP::Tiny->new(max_redirect => 0, timeout => 30,
	    agent => 'roster-test/1', keep_alive => 1, local_address => $addr);
	return $ua;
}
sub events { $s->sql_one('SELECT count(*) FROM rate_events WHERE bucket = ?', $_[0]) }
sub sessions_of {
	$s->sql_one('SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?', $_[0]);
}

person($s, 'victim@example.com', 'Victim');
my $before = sessions_of('victim@example.com');

# ---- an attacker fails against the victim's address ------------------------
my $att = ua_from('127.0.0.2');
for my $i (1 .. 3) {
	my $res = $att->login('victim@example.com', "wrong password $i");
	is $res->{status}, 401, "attacker failure $i is 401";
	is_deeply [ $att->errors($res) ], ['invalid-credentials'], '  invalid-credentials';
}
is events('login:victim@example.com'), 3, '3 failures counted for the address';
is events('login-client:127.0.0.2'), 3, '3 failures counted for the attacker';
my $res = $att->login('victim@example.com', 'wrong password 4');
is $res->{status}, 429, 'the attacker\'s 4th attempt is 429';
is_deeply [ $att->errors($res) ], ['rate-limited'], '  rate-limited';
$res = $att->login('victim@example.com', PASSWORD);
is $res->{status}, 429, 'even with the right password, from the attacker\'s address';
is sessions_of('victim@example.com'), $before, '  no session made';
is events('login:victim@example.com'), 3, 'refused attempts are not counted';

# ---- the owner, from an address that has not failed ------------------------
my $own = ua_from('127.0.0.3');
$res = $own->login('victim@example.com', PASSWORD);
is $res->{status}, 303, 'the owner signs in from a client that has not failed';
is sessions_of('victim@example.com'), $before + 1, '  a session row is made';
is events('login:victim@example.com'), 3, '  a success is not counted';
is events('login-client:127.0.0.3'), 0, '  nor against the client';

# ---- a fresh client that guesses wrong over the limit ----------------------
my $fresh = ua_from('127.0.0.4');
$res = $fresh->login('victim@example.com', 'wrong again');
is $res->{status}, 401, 'a fresh client over the address limit gets its password checked (401)';
is events('login:victim@example.com'), 4, '  and the failure is counted';
$res = $fresh->login('victim@example.com', PASSWORD);
is $res->{status}, 429, 'after failing, that client is refused (429) for the address';

# ---- a client over its own limit -------------------------------------------
person($s, 'other@example.com', 'Other');
my $spray = ua_from('127.0.0.5');
for my $i (1 .. 5) {
	$res = $spray->login("nobody$i\@example.com", 'wrong');
	is $res->{status}, 401, "spray failure $i (a different address each) is 401";
}
$res = $spray->login('other@example.com', PASSWORD);
is $res->{status}, 429, 'a client with 5 failures is refused even with a right password';
is_deeply [ $spray->errors($res) ], ['rate-limited'], '  rate-limited';
is events('login-client:127.0.0.5'), 5, '  5 failures counted for it';
$res = ua_from('127.0.0.6')->login('other@example.com', PASSWORD);
is $res->{status}, 303, 'another client signs in as that user';

# ---- exact under concurrency -----------------------------------------------
my @jobs = map {
	my $i = $_;
	sub {
		my $ua = ua_from('127.0.0.7');
		$ua->get('/login');
		return sub {
			return ($ua, $ua->post_form('/login',
			    { email => "racer$i\@example.com", password => 'wrong' }));
		};
	}
} 1 .. 16;
my @r = race($s, @jobs);
my %by;
$by{ $_->{status} }++ for @r;
diag 'concurrent failures: ' . join ', ', map { "$_ x$by{$_}" } sort keys %by;
is $by{401} // 0, 5, 'of 16 concurrent wrong sign-ins from one client exactly 5 are checked (401)';
is $by{429} // 0, 11, '  and 11 refused (429)';
is events('login-client:127.0.0.7'), 5, '  5 failures counted';

# ---- the window passes -----------------------------------------------------
$s->psql("UPDATE rate_events SET at = at - interval '16 minutes'");
$res = $att->login('victim@example.com', PASSWORD);
is $res->{status}, 303, '15 minutes later the attacker\'s address is let through again';

done_testing;
