#!/usr/bin/env perl
# /metrics as Prometheus reads it (issue 11, item 5), scraped after a
# representative workload on a stack of its own: sign-up, sign-in, an
# organization, invitations, a resend, an acceptance, a revoke, a 404,
# a HEAD, a refused POST and a message left queued. Numbered 99 so that
# it runs last in the integration suite.
#
# `promtool check metrics` accepts the scrape and the mailer's textfile
# (ROSTER_MAILER_METRICS_FILE) with no lint remark, and `promtool check
# rules` accepts docs/alerts.yml. Without promtool (Debian package
# prometheus) the test is skipped, but never under CI (CI=true or 1),
# where scripts/test installs it.
#
# Checked by name: every request series has method, route (a pattern,
# never a raw path) and a three-digit code; GET and POST of one route are
# two series; a 404 is code="404" under route="unmatched"; one histogram
# per route and method with cumulative buckets, le="+Inf" equal to
# _count, and _sum; roster_build_info carries the programs' version;
# both workers report CPU, memory and descriptors; the database-wide
# outbox gauges equal the outbox table and say so in HELP; resends count
# apart from creations; the mailer's own counters equal the mail it
# delivered.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use Test::More;
use Roster::Test;
use Roster::Invite;

my $ci = ($ENV{CI} // '') eq 'true' || ($ENV{CI} // '') eq '1';
my ($promtool) = grep { -x } map { "$_/promtool" } split /:/, $ENV{PATH} // '';
if (!$promtool) {
	plan skip_all => 'promtool not found (Debian package prometheus)' unless $ci;
	BAIL_OUT('promtool is missing under CI: scripts/test installs the package prometheus');
}

# Runs promtool with args, text on its stdin; returns (exit status, output).
sub promtool {
	my ($text, @args) = @_;
	my $dir = tempdir(CLEANUP => 1);
	open my $fh, '>', "$dir/in" or die "$dir/in: $!";
	print $fh $text // '';
	close $fh;
	my $out = qx{'$promtool' @args < '$dir/in' 2>&1};
	return ($? >> 8, $out);
}

# The series of a family as [ {labels}, value ].
sub series {
	my ($text, $name) = @_;
	my @s;
	for my $line (split /\n/, $text) {
		my ($n, $l, $v) = $line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/ or next;
		next unless $n eq $name;
		my %l = defined $l ? $l =~ /(\w+)="((?:[^"\\]|\\.)*)"/g : ();
		push @s, [ \%l, $v + 0 ];
	}
	return @s;
}

# The value of the one series of name whose labels are exactly %want.
sub value {
	my ($text, $name, %want) = @_;
	for my $s (series($text, $name)) {
		my %l = %{ $s->[0] };
		next unless keys %l == keys %want;
		next if grep { !defined $l{$_} || $l{$_} ne $want{$_} } keys %want;
		return $s->[1];
	}
	return undef;
}

my $pdir = tempdir(CLEANUP => 1);
chmod 01777, $pdir; # the mailer may run as another user
my $promfile = "$pdir/roster-mailer.prom";
my $s = Roster::Test->start(workers => 2, env => { ROSTER_MAILER_METRICS_FILE => $promfile });

# ---- the workload -----------------------------------------------------------------
my $owner = person($s, 'olga@example.com', 'Olga Owner');
new_org($owner, 'Acme', 'acme');
my $bob = invite_ok($s, $owner, 'acme', 'bob@example.com', 'member');
my $carol = invite_ok($s, $owner, 'acme', 'carol@example.com', 'member');
org_page($owner, 'acme');
my $res = $owner->post_form("/orgs/acme/invitations/$bob->{id}/resend", {});
is $res->{status}, 303, 'workload: a resend';
my $bob2 = invitation_mail($s, 'bob@example.com');
join_by_signup($s, $bob2, 'Bob');
org_page($owner, 'acme');
$res = $owner->post_form("/orgs/acme/invitations/$carol->{id}/revoke", {});
is $res->{status}, 303, 'workload: a revoke';
is $s->ua->get('/no/such/page')->{status}, 404, 'workload: a 404';
is $s->ua->request('HEAD', '/login')->{status}, 200, 'workload: a HEAD';
is $s->ua->post_form('/login', { email => 'olga@example.com', password => 'wrong' }, {})->{status} =~ /^4/ ? 1 : 0,
    1, 'workload: a refused POST';
# One message left queued: the mailer is stopped while dave is invited.
$s->stop_mailer;
is invite($owner, 'acme', 'dave@example.com', 'member')->{status}, 303, 'workload: an invitation left queued';

my $m = $s->ua->get('/metrics');
is $m->{status}, 200, '/metrics answers';
my $text = $m->{content} // '';

# ---- promtool ----------------------------------------------------------------------
my ($rc, $out) = promtool($text, 'check', 'metrics');
is $rc, 0, 'promtool check metrics accepts /metrics' or diag $out;
is $out, '', '... with no lint remark' or diag $out;
($rc, $out) = promtool('', 'check', 'rules', "$Roster::Test::SRCDIR/docs/alerts.yml");
is $rc, 0, 'promtool check rules accepts docs/alerts.yml' or diag $out;
like $out, qr/SUCCESS: \d+ rules found/, '... and finds its rules';

# ---- request counts ------------------------------------------------------------------
my @req = series($text, 'roster_http_requests_total');
cmp_ok scalar(@req), '>=', 10, 'request series (' . scalar(@req) . ')';
is scalar(grep { join(',', sort keys %{ $_->[0] }) ne 'code,method,route' } @req), 0,
    'every request series has exactly method, route and code';
is scalar(grep { $_->[0]{code} !~ /^[1-5]\d\d$/ } @req), 0, 'every code is a real status code';
is scalar(grep { $_->[0]{method} !~ /^(?:GET|HEAD|POST|other)$/ } @req), 0, 'every method is GET, HEAD, POST or other';
is scalar(grep { $_->[0]{route} =~ /acme|\/\d|no\/such/ } @req), 0, 'no route label is a raw path';
ok value($text, 'roster_http_requests_total', method => 'GET', route => '/signup', code => '200'),
    'GET /signup is a series';
ok value($text, 'roster_http_requests_total', method => 'POST', route => '/signup', code => '303'),
    'POST /signup is another';
ok value($text, 'roster_http_requests_total', method => 'POST', route => '/orgs/:slug/invitations/:id/resend', code => '303'),
    'the resend counts under its route pattern';
is value($text, 'roster_http_requests_total', method => 'GET', route => 'unmatched', code => '404'), 1,
    'the 404 counts as code="404" under route="unmatched"';
ok value($text, 'roster_http_requests_total', method => 'HEAD', route => '/login', code => '200'),
    'the HEAD counts apart from GET';
ok scalar(grep { $_->[0]{route} eq '/login' && $_->[0]{method} eq 'POST' && $_->[0]{code} =~ /^4/ } @req),
    'the refused POST counts with its 4xx code';

# ---- histograms ---------------------------------------------------------------------
like $text, qr/^# TYPE roster_http_request_duration_seconds histogram$/m, 'the latency histogram is declared';
my @counts = series($text, 'roster_http_request_duration_seconds_count');
cmp_ok scalar(@counts), '>=', 8, 'one histogram per route and method (' . scalar(@counts) . ')';
my $bad = 0;
for my $c (@counts) {
	my %l = %{ $c->[0] };
	my @b = map { $_->[1] } grep { $_->[0]{method} eq $l{method} && $_->[0]{route} eq $l{route} }
	    series($text, 'roster_http_request_duration_seconds_bucket');
	my $inf = value($text, 'roster_http_request_duration_seconds_bucket', %l, le => '+Inf');
	my $sum = value($text, 'roster_http_request_duration_seconds_sum', %l);
	$bad++ unless @b == 13 && defined $inf && $inf == $c->[1] && defined $sum && $sum >= 0
	    && !grep { $b[$_] < $b[ $_ - 1 ] } 1 .. $#b;
}
is $bad, 0, 'each has 13 cumulative buckets, le="+Inf" equal to _count, and _sum';
my $req_total = 0;
$req_total += $_->[1] for grep { $_->[0]{route} eq '/signup' && $_->[0]{method} eq 'POST' } @req;
is value($text, 'roster_http_request_duration_seconds_count', method => 'POST', route => '/signup'), $req_total,
    'the POST /signup histogram counts its requests';

# ---- build info, workers -------------------------------------------------------------
my ($version) = qx{'$Roster::Test::BUILDDIR/roster-fcgi' --version} =~ /^roster-fcgi (\S+)$/m;
is value($text, 'roster_build_info', version => $version // '?'), 1, "roster_build_info{version=\"$version\"} 1";
for my $f (qw(roster_worker_cpu_seconds_total roster_worker_resident_memory_bytes roster_worker_open_fds)) {
	my @w = series($text, $f);
	is scalar(@w), 2, "$f: both workers";
	is scalar(grep { $_->[0]{worker} =~ /^\d+$/ && $_->[0]{worker} < 4 } @w), 2, "$f: worker labels are slots";
}
is scalar(grep { $_->[1] > 1_000_000 } series($text, 'roster_worker_resident_memory_bytes')), 2,
    'workers report their resident memory';
is scalar(grep { $_->[1] >= 3 } series($text, 'roster_worker_open_fds')), 2, 'and their open descriptors';

# ---- database-wide figures --------------------------------------------------------------
my $queued = $s->sql_one(q{SELECT count(*) FROM outbox WHERE status = 'queued'});
cmp_ok $queued, '>=', 1, 'a message is queued';
is value($text, 'roster_outbox_queued_messages'), $queued, 'roster_outbox_queued_messages equals the outbox';
cmp_ok value($text, 'roster_outbox_oldest_queued_age_seconds') // -1, '>=', 0, 'the oldest queued age is there';
for my $g (qw(roster_outbox_queued_messages roster_outbox_oldest_queued_age_seconds)) {
	like $text, qr/^# TYPE \Q$g\E gauge$/m, "$g is a gauge";
	like $text, qr/^# HELP \Q$g\E Database-wide: /m, "... that says it is database-wide";
}
# SPEC §4 names the email counters; they keep those names and say whose
# they are.
for my $g (qw(roster_emails_sent_total roster_emails_failed_total roster_emails_skipped_total)) {
	like $text, qr/^# TYPE \Q$g\E counter$/m, "$g is a counter, under SPEC's name";
	like $text, qr/^# HELP \Q$g\E Database-wide: /m, "... that says it is database-wide";
}

# ---- resends apart --------------------------------------------------------------------
is value($text, 'roster_invitations_created_total'), 3, 'three invitations created (bob, carol, dave)';
is value($text, 'roster_invitations_resent_total'), 1, 'the resend counts apart';
is value($text, 'roster_invitations_accepted_total'), 1, 'one acceptance';
is value($text, 'roster_invitations_revoked_total'), 1, 'one revoke';

# ---- the mailer's own counters ----------------------------------------------------------
ok -f $promfile, 'the mailer wrote ROSTER_MAILER_METRICS_FILE';
open my $fh, '<', $promfile or die "$promfile: $!";
my $mtext = do { local $/; <$fh> };
close $fh;
($rc, $out) = promtool($mtext, 'check', 'metrics');
is $rc, 0, 'promtool check metrics accepts the mailer\'s file' or diag $out;
is $out, '', '... with no lint remark' or diag $out;
my $sent = $s->sql_one(q{SELECT count(*) FROM outbox WHERE status = 'sent'});
is value($mtext, 'roster_mailer_emails_sent_total'), $sent, "the mailer counts what it sent ($sent)";
is value($text, 'roster_emails_sent_total'), $sent, 'as does the database-wide counter, on one host';
is value($mtext, 'roster_mailer_emails_failed_total'), 0, 'nothing failed';
is value($mtext, 'roster_mailer_build_info', version => $version // '?'), 1, 'the mailer names its version';
ok !-e "$promfile.tmp", 'no temporary file is left';

# A restarted mailer starts its counts again (a counter reset).
$s->start_mailer;
$s->wait_for_mail(to => 'dave@example.com', timeout => 15);
my $deadline = time + 10;
my $again;
while (time < $deadline) {
	open my $f, '<', $promfile or last;
	my $t = do { local $/; <$f> };
	$again = value($t, 'roster_mailer_emails_sent_total');
	last if ($again // 0) >= 1;
	select undef, undef, undef, 0.2;
}
is $again, 1, 'a restarted mailer counts from zero: the one message it sent';
is value($s->ua->get('/metrics')->{content}, 'roster_outbox_queued_messages'), 0, 'the outbox is empty again';

done_testing;
