#!/usr/bin/env perl
# Logs an operator can use (issue 11, item 6). roster-fcgi writes one
# key=value line per request (method, route, status, code, user_id,
# request_id, ms, in that order): the route is the route table's name,
# never the path as sent nor its query string; code is the page's
# data-error code; no token or password reaches any line. The request id
# is nginx's $request_id, sent back as X-Request-Id on every response (a
# client's own X-Request-Id is not taken) and shown on error pages.
# /healthz and /metrics are not logged unless ROSTER_LOG_PROBES=1. The
# mailer's lines are in the same form and never name the recipient.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;
my $fcgi_log = $s->state_dir . '/log/roster-fcgi.log';
my $mailer_log = $s->state_dir . '/log/roster-mailer.log';

sub slurp { my ($f) = @_; open my $fh, '<', $f or return ''; local $/; return <$fh> }

# key=value pairs of a line, in order (values unquoted).
sub kv {
	my ($text) = @_;
	my @pairs;
	while ($text =~ /\G\s*([a-z_]+)=("(?:[^"\\]|\\.)*"|\S+)/gc) {
		my ($k, $v) = ($1, $2);
		$v =~ s/^"(.*)"$/$1/s and $v =~ s/\\(.)/$1/g;
		push @pairs, $k, $v;
	}
	return @pairs;
}

# The request lines of roster-fcgi's log: { raw, keys => [...], k => {...} }.
sub request_lines {
	my @out;
	for my $l (split /\n/, slurp($fcgi_log)) {
		next unless $l =~ /^\S+ roster-fcgi\[\d+\] info: (method=.*)$/;
		my @p = kv($1);
		my %k = @p;
		push @out, { raw => $l, keys => [ @p[ grep { $_ % 2 == 0 } 0 .. $#p ] ], k => \%k };
	}
	return @out;
}

# The log line of the response res (found by its X-Request-Id), waiting a
# little for the worker to write it.
sub line_of {
	my ($res) = @_;
	my $id = $res->{headers}{'x-request-id'} // return undef;
	my $found;
	eventually(5, sub { ($found) = grep { $_->{k}{request_id} eq $id } request_lines(); $found });
	return $found;
}

my @KEYS = qw(method route status code user_id request_id ms);
my %seen_ids;

# Checks the line of res: every key in order, the given values.
sub logged {
	my ($res, $what, %want) = @_;
	my $id = $res->{headers}{'x-request-id'};
	ok defined $id && $id =~ /^[0-9a-f]{32}$/, "$what: X-Request-Id is nginx's request id"
	    or diag explain $res->{headers};
	ok !$seen_ids{ $id // '' }++, "$what: the id is new";
	my $l = line_of($res);
	ok $l, "$what: one line in roster-fcgi's log carries the id" or return;
	is scalar(grep { ($_->{k}{request_id} // '') eq $id } request_lines()), 1, "$what: exactly one";
	is_deeply $l->{keys}, \@KEYS, "$what: the keys, in order" or diag $l->{raw};
	like $l->{k}{ms}, qr/^\d+\.\d$/, "$what: ms is a duration";
	is $l->{k}{status}, $res->{status}, "$what: status $res->{status}";
	for my $k (sort keys %want) {
		is $l->{k}{$k}, $want{$k}, "$what: $k=$want{$k}" or diag $l->{raw};
	}
	return $l;
}

# ---- pages, anonymous and signed in ---------------------------------------------
my $anon = $s->ua;
my $res = $anon->get('/signup');
is $res->{status}, 200, 'GET /signup answers 200';
logged($res, 'a page', method => 'GET', route => '/signup', code => '-', user_id => '-');

$res = $anon->get('/signup', { 'X-Request-Id' => 'forged-by-client' });
isnt $res->{headers}{'x-request-id'}, 'forged-by-client', "a client's X-Request-Id is not taken";
logged($res, 'a page with a forged id', route => '/signup');

my $olga = person($s, 'olga@example.com', 'Olga Owner');
my $olga_id = user_id($s, 'olga@example.com');
$res = $olga->get('/');
is $olga->page($res), 'dashboard', 'the dashboard';
logged($res, 'a signed-in page', route => '/', user_id => $olga_id, code => '-');

new_org($olga, 'Acme Widgets', 'acme');
$res = $olga->last;
is $res->{status}, 303, 'POST /orgs answers 303';
logged($res, 'a POST', method => 'POST', route => '/orgs', user_id => $olga_id, code => '-');

$res = $olga->get('/orgs/acme?secretquery=1');
is $olga->page($res), 'org-members', 'the organization page';
my $l = logged($res, 'a page with a slug', route => '/orgs/:slug', user_id => $olga_id);
unlike $l->{raw}, qr/acme|secretquery/, 'neither the path as sent nor the query is logged';

# ---- errors ------------------------------------------------------------------------
$res = $anon->get('/no/such/page');
is $res->{status}, 404, 'an unknown path answers 404';
logged($res, 'a 404', route => 'unmatched', code => 'not-found');
like $res->{content}, qr/data-request-id="\Q$res->{headers}{'x-request-id'}\E"/,
    'the 404 page shows the request id';

$res = $olga->post('/orgs', { name => 'No Token', slug => 'notoken' });
is $res->{status}, 403, 'a POST without its CSRF token answers 403';
is_deeply [ $olga->errors($res) ], ['csrf'], 'with data-error csrf';
$l = logged($res, 'an error page', method => 'POST', route => '/orgs', code => 'csrf', user_id => $olga_id);
my $rid = $res->{headers}{'x-request-id'};
like $res->{content}, qr/Quote this reference if you contact support: <code data-request-id="\Q$rid\E">\Q$rid\E<\/code>/,
    'the error page shows the reference to quote, the logged id';

$res = $anon->request('PUT', '/signup', 'x=1', { 'Content-Type' => 'application/x-www-form-urlencoded' });
is $res->{status}, 405, 'PUT answers 405';
logged($res, 'an unknown method', method => 'other', route => 'unmatched', code => 'method-not-allowed');

my $password = 'Pw-' . join('', map { ('a' .. 'z')[ rand 26 ] } 1 .. 16);
$res = $s->ua->login('olga@example.com', $password);
is $res->{status}, 401, 'a wrong password answers 401';
logged($res, 'a failed sign-in', method => 'POST', route => '/login', code => 'invalid-credentials', user_id => '-');

# ---- token links ---------------------------------------------------------------------
my $inv = invite_ok($s, $olga, 'acme', 'bob@example.com', 'member');
my $bob = $s->ua;
$res = $bob->get($inv->{path});
is $bob->page($res), 'invitation-signup', 'the invitation link opens its page';
logged($res, 'a token link', route => '/invitations/accept', code => '-', user_id => '-');

my $fake = 'Zq' . join('', map { ('a' .. 'z')[ rand 26 ] } 1 .. 30);
$res = $s->ua->get("/invitations/accept?token=$fake");
is $res->{status}, 404, 'a made-up invitation token answers 404';
logged($res, 'a bad token link', route => '/invitations/accept', code => 'invitation-invalid');
like $res->{content}, qr/data-request-id="\Q$res->{headers}{'x-request-id'}\E"/,
    'the invalid-link page shows the request id';

$res = $bob->post_form('/invitations/accept/signup',
    { token => $inv->{token}, display_name => 'Bob', password => $password });
is $res->{status}, 303, 'Bob signs up through the link';
my $bob_id = user_id($s, 'bob@example.com');
logged($res, 'a token POST (user_id: the account it signed in)', method => 'POST',
    route => '/invitations/accept/signup', user_id => $bob_id);

# ---- probes ----------------------------------------------------------------------------
$res = $anon->get('/healthz');
is $res->{status}, 200, '/healthz answers 200';
ok $res->{headers}{'x-request-id'}, '/healthz carries an X-Request-Id too';
my $probe_id = $res->{headers}{'x-request-id'};
$res = $anon->get('/metrics');
my $metrics_id = $res->{headers}{'x-request-id'};
$res = $anon->get('/signup');    # a later line: the probes' would be before it
ok line_of($res), 'a later request is logged';
my @probe_lines = grep { $_->{k}{route} =~ m{^/(?:healthz|metrics)$} } request_lines();
is scalar(@probe_lines), 0, 'neither /healthz nor /metrics is logged by default';
ok !grep({ $_->{k}{request_id} eq $probe_id || $_->{k}{request_id} eq $metrics_id } request_lines()),
    'their ids appear in no line';

# ---- nothing secret in any line ------------------------------------------------------------
my $all = slurp($fcgi_log);
my @lines = request_lines();
ok @lines >= 14, scalar(@lines) . ' request lines';
for my $secret ($inv->{token}, $fake, $password, PASSWORD) {
	ok index($all, $secret) < 0, 'roster-fcgi\'s log holds no ' . substr($secret, 0, 6) . '...';
}
is scalar(grep { $_->{raw} =~ /[?&]|token=|password/ } @lines), 0, 'no request line has a query, a token or a password key';
my @odd = grep { $_->{k}{route} !~ m{^(?:/[a-z/:-]*|unmatched)$} } @lines;
is scalar(@odd), 0, 'every route is a route name' or diag join "\n", map { $_->{raw} } @odd;

# ---- the mailer ----------------------------------------------------------------------------
my $mlog = slurp($mailer_log);
like $mlog, qr/^\S+ roster-mailer\[\d+\] info: event=start transport=files /m, 'the mailer says how it delivers, key=value';
my ($sent) = $mlog =~ /^\S+ roster-mailer\[\d+\] info: (event=sent .*kind=invitation.*)$/m;
ok $sent, 'the invitation\'s delivery is logged' or diag $mlog;
my %m = kv($sent // '');
is_deeply [ map { defined $m{$_} ? 1 : 0 } qw(event outbox_id kind attempts message_id ms) ], [ (1) x 6 ],
    'with event, outbox_id, kind, attempts, message_id and ms';
is $m{attempts}, 1, 'attempts=1';
is $m{outbox_id}, $s->sql_one(q{SELECT max(id) FROM outbox WHERE kind = 'invitation'}), 'outbox_id is the row';
unlike $mlog, qr/bob\@example\.com|olga\@example\.com/, 'the mailer\'s log names no recipient';

# ---- ROSTER_LOG_PROBES=1 -------------------------------------------------------------------
$s->stop_fcgi;
$s->set_env(ROSTER_LOG_PROBES => 1);
$s->start_fcgi;
$res = $anon->get('/healthz');
is $res->{status}, 200, '/healthz answers 200 after the restart';
logged($res, '/healthz with ROSTER_LOG_PROBES=1', route => '/healthz', code => '-');
$res = $anon->get('/metrics');
logged($res, '/metrics with ROSTER_LOG_PROBES=1', route => '/metrics');

# nginx's access log ends each line with the same id, so one request can be
# followed from nginx to the worker.
$rid = $res->{headers}{'x-request-id'} // '';
my $access = '';
eventually(5, sub {
	open my $afh, '<', $s->state_dir . '/log/nginx-access.log' or return 0;
	$access = do { local $/; <$afh> };
	return $access =~ /"GET \/metrics" 200 .* \Q$rid\E$/m;
});
like $access, qr/"GET \/metrics" 200 .* \Q$rid\E$/m, "nginx's access log line ends with the X-Request-Id ($rid)";

done_testing;
