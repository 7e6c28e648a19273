#!/usr/bin/env perl
# Hostile and malformed HTTP input against the whole stack: bad
# percent-encoding, NUL bytes, invalid UTF-8 and duplicate fields in forms
# and query strings (400), bodies over 64 KiB (413), other form encodings
# (415), unknown routes (404) and methods (405), none of which writes
# anything or costs a worker its life; the security headers of SPEC §5 on
# every response; and /metrics counting what happened.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Flows;

my $s = Roster::Test->start;
my $ua = $s->ua;
my @seen;   # [ what, response ] of every request, for the header check

sub req {
	my ($what, $method, $path, $body, $h) = @_;
	my $res = $ua->request($method, $path, $body, $h);
	push @seen, [ $what, $res ];
	return $res;
}
sub form_post {
	my ($what, $path, $body, $h) = @_;
	return req($what, 'POST', $path, $body,
	    { 'Content-Type' => 'application/x-www-form-urlencoded', %{ $h || {} } });
}
sub users { $s->sql_one('SELECT count(*) FROM users') }
sub metrics { $ua->get('/metrics')->{content} // '' }
# The sum of the series of a family whose labels match (a value or a qr//).
sub metric_sum {
	my ($text, $name, %want) = @_;
	my $sum = 0;
	for my $line (split /\n/, $text) {
		my ($n, $l, $v) = $line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/ or next;
		next unless $n eq $name;
		my %have = defined $l ? $l =~ /(\w+)="((?:[^"\\]|\\.)*)"/g : ();
		next if grep { !defined $have{$_} || (ref $want{$_} ? $have{$_} !~ $want{$_} : $have{$_} ne $want{$_}) } keys %want;
		$sum += $v;
	}
	return $sum;
}

my @workers = sort { $a <=> $b } $s->fcgi_pids;
is scalar(@workers), 2, 'two workers run';
my $m0 = metrics();
ok defined metric_value($m0, 'roster_http_requests_total', method => 'GET', route => '/metrics', code => '200'),
    '/metrics has roster_http_requests_total';

# ---- positive controls ------------------------------------------------------------
my $res = req('GET /signup', 'GET', '/signup');
is $res->{status}, 200, 'GET /signup answers 200';
my $csrf = $ua->csrf;
ok length($csrf // ''), 'with a CSRF token';
my $tok = 'csrf_token=' . $csrf;
$res = form_post('a good sign-up', '/signup',
    "$tok&email=first%40example.com&password=correct+horse+battery&display_name=First+User");
is $res->{status}, 303, 'a well-formed sign-up answers 303';
is users(), 1, 'and creates a user';
$ua->clear_cookies;
$res = req('GET /signup again', 'GET', '/signup');
$csrf = $ua->csrf;
$tok = 'csrf_token=' . $csrf;
$res = form_post('a form with a charset parameter', '/signup',
    "$tok&email=second%40example.com&password=correct+horse+battery&display_name=Second",
    { 'Content-Type' => 'application/x-www-form-urlencoded; charset=UTF-8' });
is $res->{status}, 303, 'application/x-www-form-urlencoded; charset=UTF-8 is accepted';
$ua->clear_cookies;
req('GET /signup', 'GET', '/signup');
$csrf = $ua->csrf;
$tok = 'csrf_token=' . $csrf;
my $n = users();
is $n, 2, 'two users';

# ---- malformed forms: 400, nothing written ------------------------------------------
my $good = 'password=correct+horse+battery&display_name=Mallory';
my @bad_forms = (
	[ '%zz in a value'           => "$tok&email=m%zz%40example.com&$good" ],
	[ 'a trailing %'             => "$tok&$good&email=m%40example.com%" ],
	[ '% followed by one digit'  => "$tok&$good&email=m%40example.com%4" ],
	[ '%%%'                      => "$tok&email=%%%&$good" ],
	[ 'bad encoding in a name'   => "$tok&em%zzail=m%40example.com&$good" ],
	[ '%00 in a value'           => "$tok&email=m%00%40example.com&$good" ],
	[ '%00 alone'                => "$tok&email=m%40example.com&$good&x=%00" ],
	[ 'a raw NUL byte'           => "$tok&email=m\0\@example.com&$good" ],
	[ 'invalid UTF-8 (%FF)'      => "$tok&email=m%40example.com&password=correct+horse+battery&display_name=%FF" ],
	[ 'overlong UTF-8 (%C0%AF)'  => "$tok&email=m%40example.com&password=correct+horse+battery&display_name=%C0%AF" ],
	[ 'a duplicate email field'  => "$tok&email=m%40example.com&email=n%40example.com&$good" ],
	[ 'a duplicate csrf_token'   => "$tok&$tok&email=m%40example.com&$good" ],
	[ 'a duplicate after decoding' => "$tok&email=m%40example.com&%65mail=n%40example.com&$good" ],
	[ 'an empty field name'      => "$tok&email=m%40example.com&$good&=x" ],
	[ 'more than 256 fields'     => "$tok&email=m%40example.com&$good&" . join('&', map { "f$_=1" } 1 .. 300) ],
);
for my $case (@bad_forms) {
	my ($what, $body) = @$case;
	$res = form_post("form: $what", '/signup', $body);
	is $res->{status}, 400, "a form with $what is 400";
	ok defined $ua->page($res), '  with a page marker';
}
is users(), $n, 'no malformed form created a user';
$res = form_post('the same sign-up, well-formed', '/signup', "$tok&email=m%40example.com&$good");
is $res->{status}, 303, 'the same sign-up, well-formed, answers 303 (the token was good all along)';
is users(), $n + 1, 'and creates the user';
$ua->clear_cookies;
req('GET /signup', 'GET', '/signup');
$tok = 'csrf_token=' . $ua->csrf;
$n = users();

# ---- malformed query strings --------------------------------------------------------------
for my $case ([ '%zz' => '/login?next=%zz' ],
	      [ 'a trailing %' => '/login?next=/orgs%' ],
	      [ '%%%' => '/login?%%%' ],
	      [ '%00' => '/login?next=/%00' ],
	      [ 'invalid UTF-8' => '/confirm?token=%FF' ],
	      [ 'a duplicate field' => '/confirm?token=a&token=b' ],
	      [ 'a duplicate next' => '/login?next=/a&next=/b' ]) {
	my ($what, $path) = @$case;
	$res = req("query: $what", 'GET', $path);
	is $res->{status}, 400, "a query string with $what is 400";
	ok defined $ua->page($res), '  with a page marker';
}
$res = form_post('POST with a bad query string', '/signup?x=%zz', "$tok&email=q%40example.com&$good");
is $res->{status}, 400, 'a good form under a malformed query string is 400';
is users(), $n, '  and creates nothing';

# ---- body size ---------------------------------------------------------------------------------
my $base = "$tok&email=big%40example.com&$good&pad=";
my $exact = $base . ('x' x (65536 - length $base));
is length($exact), 65536, '(a body of exactly 64 KiB)';
$res = form_post('a 64 KiB body', '/signup', $exact);
is $res->{status}, 303, 'a sign-up of exactly 64 KiB is served';
is users(), $n + 1, '  and creates its user';
$ua->clear_cookies;
req('GET /signup', 'GET', '/signup');
$tok = 'csrf_token=' . $ua->csrf;
$n = users();
$base = "$tok&email=bigger%40example.com&$good&pad=";
$res = form_post('a body of 64 KiB + 1', '/signup', $base . ('x' x (65537 - length $base)));
is $res->{status}, 413, 'a body of 64 KiB + 1 byte is 413';
ok defined $ua->page($res), '  with a page marker';
$res = form_post('a 200 KiB body', '/signup', $base . ('x' x (200 * 1024)));
is $res->{status}, 413, 'a 200 KiB body is 413';
$res = form_post('a 2 MiB body', '/signup', $base . ('x' x (2 * 1024 * 1024)));
is $res->{status}, 413, 'a 2 MiB body is 413 (from nginx)';
is users(), $n, 'none of them created a user';

# ---- form encodings -----------------------------------------------------------------------------
my $form = "$tok&email=ct%40example.com&$good";
for my $ct ('text/plain', 'multipart/form-data; boundary=x', 'application/json',
	    'application/x-www-form-urlencodedx', 'text/html; application/x-www-form-urlencoded') {
	$res = req("POST as $ct", 'POST', '/signup', $form, { 'Content-Type' => $ct });
	is $res->{status}, 415, "a POST as $ct is 415";
	ok defined $ua->page($res), '  with a page marker';
}
$res = req('POST without Content-Type', 'POST', '/signup', $form);
is $res->{status}, 415, 'a POST without a Content-Type is 415';
is users(), $n, 'none of them created a user';

# ---- routes and methods ---------------------------------------------------------------------------
for my $path ('/no/such/route', '/login/', '/signupx', '/static', '/orgs/acme/nothing-here', '/orgs/acme/') {
	$res = req("GET $path", 'GET', $path);
	is $res->{status}, 404, "GET $path is 404";
	ok defined $ua->page($res) && length $ua->page($res), '  with a data-page marker';
}
$res = req('GET /%00', 'GET', '/%00');
is $res->{status}, 400, 'a NUL byte in the path is 400';
$res = req('HEAD of an unknown route', 'HEAD', '/no/such/route');
is $res->{status}, 404, 'HEAD of an unknown route is 404';

for my $case ([ GET => '/logout' ], [ GET => '/orgs' ], [ HEAD => '/logout' ],
	      [ PUT => '/login' ], [ DELETE => '/' ], [ PATCH => '/signup' ],
	      [ DELETE => '/orgs/acme' ], [ OPTIONS => '/login' ], [ PROPFIND => '/' ]) {
	my ($m, $path) = @$case;
	$res = req("$m $path", $m, $path, $m =~ /^(?:PUT|PATCH)$/ ? 'email=a' : undef,
	    $m =~ /^(?:PUT|PATCH)$/ ? { 'Content-Type' => 'application/x-www-form-urlencoded' } : undef);
	is $res->{status}, 405, "$m $path is 405";
}
$res = req('HEAD /signup', 'HEAD', '/signup');
is $res->{status}, 200, 'HEAD of a GET route answers 200';
is $res->{content} // '', '', '  without a body';
$res = req('HEAD /', 'HEAD', '/');
is $res->{status}, 303, 'HEAD / of an anonymous visitor is 303';

# ---- the workers survived ----------------------------------------------------------------------------
my $all = 1;
for (1 .. 10) { $all = 0 unless req('GET /healthz', 'GET', '/healthz')->{status} == 200 }
ok $all, 'the workers still answer /healthz 200 (10 of 10)';
is_deeply [ sort { $a <=> $b } $s->fcgi_pids ], \@workers, 'with the same worker processes';
unlike $s->log_text, qr/(?:segfault|SIGSEGV|SIGABRT|worker \d+ stopped: (?:signal|exit status [1-9]))/i,
    'no worker crashed or exited';

# ---- security headers on every response -----------------------------------------------------------------
my %statuses;
$statuses{ $_->[1]{status} }++ for @seen;
ok $statuses{$_}, "responses seen include a $_" for qw(200 303 400 404 405 413 415);
security_headers_ok($_->[1], $_->[0]) for @seen;
for my $r (grep { $_->[1]{status} != 303 && $_->[0] !~ /healthz/ } @seen) {
	my $ct = $r->[1]{headers}{'content-type'} // '';
	next if $ct =~ m{^text/html}i;
	fail("$r->[0]: content type $ct");
}

# ---- metrics --------------------------------------------------------------------------------------------
my $m1 = metrics();
like $ua->last->{headers}{'content-type'} // '', qr{^text/plain}, '/metrics is text/plain';
like $m1, qr/^# TYPE roster_http_requests_total counter$/m, 'roster_http_requests_total is a counter';
like $m1, qr/^# TYPE roster_http_request_duration_seconds histogram$/m, 'the latency histogram is there';
my %d = map { my $c = qr/^$_/; $_ => metric_sum($m1, 'roster_http_requests_total', route => '/signup', code => $c)
    - metric_sum($m0, 'roster_http_requests_total', route => '/signup', code => $c) } qw(2 3 4);
$d{"${_}xx"} = $d{$_} for 2 .. 4;
cmp_ok $d{'2xx'}, '>=', 4, "/signup 2xx grew by the GETs ($d{'2xx'})";
cmp_ok $d{'3xx'}, '>=', 4, "/signup 3xx grew by the sign-ups ($d{'3xx'})";
cmp_ok $d{'4xx'}, '>=', scalar(@bad_forms) + 5, "/signup 4xx grew by the refused POSTs ($d{'4xx'})";
my $before = metric_value($m1, 'roster_http_requests_total', method => 'GET', route => '/healthz', code => '200') // 0;
req('GET /healthz', 'GET', '/healthz') for 1 .. 5;
my $m2 = metrics();
is metric_value($m2, 'roster_http_requests_total', method => 'GET', route => '/healthz', code => '200') - $before, 5,
    'five more /healthz requests count exactly five';
my %hz = (method => 'GET', route => '/healthz');
my $c1 = metric_value($m1, 'roster_http_request_duration_seconds_count', %hz) // 0;
my $c2 = metric_value($m2, 'roster_http_request_duration_seconds_count', %hz);
is $c2 - $c1, 5, 'the histogram of GET /healthz counted them too';
is metric_value($m2, 'roster_http_request_duration_seconds_bucket', %hz, le => '+Inf'), $c2,
    'its +Inf bucket equals its count';
my @buckets = map { $_ + 0 } $m2 =~ /^roster_http_request_duration_seconds_bucket\{method="GET",route="\/healthz",le="[^"]+"\} (\d+)$/mg;
ok @buckets > 2 && !grep({ $buckets[$_] < $buckets[ $_ - 1 ] } 1 .. $#buckets), 'its buckets are cumulative';
my $unmatched = metric_sum($m1, 'roster_http_requests_total', route => 'unmatched', code => qr/^4/);
cmp_ok $unmatched, '>=', 8, "unknown routes count under route=\"unmatched\" ($unmatched)";
my $lf = metric_value($m2, 'roster_login_failures_total');
$ua->login('first@example.com', 'not the password');
is metric_value(metrics(), 'roster_login_failures_total') - $lf, 1, 'a failed sign-in adds one to roster_login_failures_total';

done_testing;
