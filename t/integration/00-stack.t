#!/usr/bin/env perl
# The whole stack: nginx in front of the FastCGI workers, PostgreSQL behind.
# Health, the security headers on every kind of response, static files,
# the access log, body limits, a database outage and recovery without a
# worker restart, a killed worker replaced by the supervisor, a rolling
# restart on SIGHUP that drops no request, and a clean drain on SIGTERM.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use Roster::Test;

my $s = Roster::Test->start;
my $ua = $s->ua;

my %SEC = (
	'content-security-policy' =>
	    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
	'x-content-type-options' => 'nosniff',
	'referrer-policy'        => 'no-referrer',
);
sub security_headers {
	my ($res, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	for my $h (sort keys %SEC) {
		is $res->{headers}{$h}, $SEC{$h}, "$what: $h, exactly once";
	}
}

# Polls until $cond returns true; bounded.
sub eventually {
	my ($secs, $cond) = @_;
	my $deadline = time + $secs;
	while (time < $deadline) {
		return 1 if $cond->();
		sleep 0.1;
	}
	return $cond->() ? 1 : 0;
}

# ---- health, headers, static, 404 ---------------------------------------------
my $res = $ua->get('/healthz');
is $res->{status}, 200, '/healthz answers 200';
like $res->{content}, qr/\Aok\s*\z/, 'with "ok"';
security_headers($res, '/healthz');

$res = $ua->get('/static/style.css');
is $res->{status}, 200, '/static/style.css is served';
like $res->{headers}{'content-type'} // '', qr{^text/css}, 'as text/css';
security_headers($res, 'a static file');

$res = $ua->get('/static/no-such-file.css');
is $res->{status}, 404, 'a missing static file is 404';
security_headers($res, "nginx's own 404");

$res = $ua->get('/no/such/route');
is $res->{status}, 404, 'an unknown route is 404';
ok defined $ua->page($res) && length $ua->page($res), 'with a data-page marker';
security_headers($res, 'the application 404');

$res = $ua->get('/metrics');
is $res->{status}, 200, '/metrics answers on loopback';
like $res->{content}, qr/^# (?:HELP|TYPE) \w+/m, 'in Prometheus text format';

# ---- request bodies ----------------------------------------------------------
$res = $ua->post('/login', 'email=' . ('a' x (65 * 1024)));
is $res->{status}, 413, 'a body over 64 KiB is refused by the application (413)';
$res = $ua->post('/login', 'x' x (2 * 1024 * 1024));
is $res->{status}, 413, 'a body over 1 MiB is refused by nginx (413)';
security_headers($res, "nginx's 413");
is $ua->get('/healthz')->{status}, 200, 'the stack still answers';

# ---- no query string in the access log ------------------------------------------
my $secret = 'Zq' . join('', map { ('a' .. 'z')[ rand 26 ] } 1 .. 20);
$ua->get("/healthz?token=$secret");
$ua->get("/invitations/accept?token=$secret");
ok eventually(5, sub { $s->log_text =~ m{"GET /invitations/accept"} }),
    'the access log records the path';
unlike $s->log_text, qr/\Q$secret\E/, 'but never the query string';

# ---- database outage: 503, then back without a worker restart -------------------
my @workers = sort { $a <=> $b } $s->fcgi_pids;
is scalar @workers, 2, 'two workers run';
$s->stop_db;
my $down;
ok eventually(10, sub { ($down = $ua->get('/healthz'))->{status} == 503 }),
    '/healthz answers 503 while the database is down';
security_headers($down, 'the 503');
my $page = $ua->get('/confirm?token=' . ('A' x 43));
is $page->{status}, 503, 'a page that reads the database answers 503 while it is down';
is $ua->page($page), 'unavailable', '  with the unavailable page';
ok $page->{headers}{'retry-after'}, '  and Retry-After';
$page = $ua->post('/login', { email => 'a@example.com', password => 'x' x 12 });
is $page->{status}, 503, 'a POST answers 503 too, and the worker survives';
$s->start_db;
ok eventually(15, sub { $ua->get('/healthz')->{status} == 200 }),
    'and 200 again once it is back';
is_deeply [ sort { $a <=> $b } $s->fcgi_pids ], \@workers, 'with the same worker processes';
my $all = 1;
for (1 .. 10) { $all = 0 if $ua->get('/healthz')->{status} != 200 }
ok $all, 'every worker reconnected (10 requests, all 200)';

# ---- a worker killed while requests flow -------------------------------------------
my $victim = $workers[0];
ok $s->kill_worker($victim), "kill -9 worker $victim";
my ($replaced, $n) = (0, 0);
my $deadline = time + 5;
while (time < $deadline) {
	$ua->get('/healthz');
	$n++;
	my @now = $s->fcgi_pids;
	if (@now == 2 && !grep { $_ == $victim } @now) {
		$replaced = 1;
		last;
	}
	sleep 0.05;
}
ok $replaced, "the supervisor replaced it within 5 s ($n requests meanwhile)";
$all = 1;
for (1 .. 20) { $all = 0 if $ua->get('/healthz')->{status} != 200 }
ok $all, 'later requests succeed (20 of 20)';

# ---- SIGHUP: a rolling restart drops no request --------------------------------
my @before = sort { $a <=> $b } $s->fcgi_pids;
ok $s->signal_fcgi('HUP'), 'SIGHUP to the supervisor';
my ($fails, $reqs, $rolled) = (0, 0, 0);
$deadline = time + 15;
while (time < $deadline) {
	$reqs++;
	$fails++ if $ua->get('/healthz')->{status} != 200;
	my %old = map { $_ => 1 } @before;
	my @now = $s->fcgi_pids;
	if (@now == 2 && !grep { $old{$_} } @now) {
		$rolled = 1;
		last;
	}
}
ok $rolled, 'every worker was replaced within 15 s';
is $fails, 0, "no request failed during the rolling restart ($reqs requests)";

# ---- SIGTERM drains; nginx then answers 502 with its own page ---------------------
my $status = $s->stop_fcgi(20);
is $status, 0, 'roster-fcgi exits 0 after SIGTERM';
ok !-e $s->{env}{ROSTER_FCGI_SOCKET}, 'and removes its socket';
is scalar(() = $s->fcgi_pids), 0, 'no worker is left';
$res = $ua->get('/healthz');
is $res->{status}, 502, 'with the workers gone nginx answers 502';
is $ua->page($res), 'unavailable', 'with the static unavailable page';
security_headers($res, 'the 502 page');

# nginx's error log quotes the request line of a failed upstream request:
# the link pages' locations log nothing (nginx/roster.conf), other pages'
# failures are logged. t/integration/04-nginx-site.t has the details.
my $linktoken = 'AQ' . join('', map { ('a' .. 'z', 0 .. 9)[ rand 36 ] } 1 .. 40);
$res = $ua->get("/invitations/accept?token=$linktoken");
is $res->{status}, 502, 'a link page with the workers gone: 502';
$ua->get('/login?next=' . Roster::Test::UA::_uri_escape("/invitations/accept?token=$linktoken"));
$ua->get('/healthz?after-links');
ok eventually(5, sub { $s->log_text =~ m{connect\(\) to unix:.*"GET /healthz\?after-links } }),
    "nginx's error log names a failed request to another page";
unlike $s->log_text, qr/\Q$linktoken\E/, 'no log holds the token, plain or encoded';

done_testing;
