#!/usr/bin/env perl
# TLS to the mail server (issue 9, item 3). The test makes a throw-away
# CA and server certificates with the openssl command line, runs
# Roster::SmtpSink on loopback with or without STARTTLS and AUTH, and
# restarts the mailer with each configuration:
#   a. STARTTLS offered, AUTH required, credentials and the test's CA:
#      delivered; AUTH only after STARTTLS; the password never in clear
#      (PLAIN, then LOGIN);
#   b. no STARTTLS, credentials: not sent, no AUTH, the row stays queued
#      with last_error, the mailer log says why (once per attempt);
#   c. ROSTER_SMTP_REQUIRE_TLS=1 without credentials, no STARTTLS: not sent;
#   d. STARTTLS with a certificate the configured CA did not sign, or for
#      another host name: not sent, with or without credentials;
#   e. no credentials, no REQUIRE_TLS: delivered over plain SMTP, and over
#      STARTTLS when the server offers it (opportunistic);
#   f. settings that would send credentials in clear (or are incomplete):
#      the mailer exits non-zero at startup with one line naming the
#      variables; the password is in no log.
# Bounded: each wait has a deadline; loopback only.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep time);
use Roster::Test;
use Roster::Invite;
use Roster::SmtpSink;

# Not skipped when they are missing: this is the evidence that
# credentials stay encrypted, and scripts/test installs both.
for my $need ([ 'openssl', 'openssl version' ], [ 'IO::Socket::SSL', "$^X -MIO::Socket::SSL -e 1" ]) {
	system("$need->[1] >/dev/null 2>&1") == 0
	    or do { fail("$need->[0] is installed (packages openssl, libio-socket-ssl-perl)"); done_testing; exit 1 };
}

my $s = Roster::Test->start;
my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');

# ---- certificates ----------------------------------------------------------------------
my $tls = $s->state_dir . '/tls';
my $good = Roster::SmtpSink::make_certs(dir => $tls, name => 'good');
my $other = Roster::SmtpSink::make_certs(dir => $tls, name => 'other');
my $wrong_name = Roster::SmtpSink::make_certs(dir => $tls, name => 'wrong-name', ca => $good,
    sans => 'DNS:mail.example.org');
ok -s $good->{ca} && -s $good->{cert} && -s $other->{cert} && -s $wrong_name->{cert},
    'a CA and server certificates were made';

my $port = Roster::Test::_free_port();
my $sink = Roster::SmtpSink->new(dir => $s->state_dir . '/tmp/sink', port => $port);
END { $sink->stop if $sink && $sink->running && $s && $$ == $s->{owner} }

my $user = 'roster-mailer';
my $password = 'pw-' . join('', map { sprintf '%02x', int rand 256 } 1 .. 12);
my %creds = (ROSTER_SMTP_USER => $user, ROSTER_SMTP_PASSWORD => $password);
my %no_creds = (ROSTER_SMTP_USER => undef, ROSTER_SMTP_PASSWORD => undef);
my $url = "smtp://127.0.0.1:$port";
my $mailer_log = $s->state_dir . '/log/roster-mailer.log';

sub log_size { -s $mailer_log // 0 }
sub log_since {
	my ($from) = @_;
	my $t = Roster::Test::_read_file($mailer_log) // '';
	return substr $t, $from;
}

sub outbox_row {
	my ($to) = @_;
	my ($r) = $s->psql(q{SELECT status, attempts, coalesce(last_error, '') FROM outbox WHERE recipient = ?}, $to);
	return $r ? { status => $r->[0], attempts => $r->[1], last_error => $r->[2] } : {};
}

# Runs one case: the sink started with %sink (or left down), the mailer
# restarted with %env, one invitation to $to queued through the invite
# form. Waits until its row is sent ($want 'sent') or attempted at least
# once ($want 'attempted'); returns the row and what the mailer logged.
# The row is then put out of reach of later cases.
sub run_case {
	my ($to, $sink_opt, $env, $want) = @_;
	$s->stop_mailer;
	$sink->stop;
	$sink->clear;
	$sink->start(%$sink_opt) or die "the sink did not start\n";
	$s->set_env(ROSTER_SMTP_URL => $url, ROSTER_SMTP_REQUIRE_TLS => undef,
	    ROSTER_SMTP_CA_FILE => $good->{ca}, %$env);
	my $from = log_size();
	$s->start_mailer;
	my $res = invite($owner, 'acme', $to);
	is $res->{status}, 303, "$to: the invitation answered 303";
	my $done = eventually(20, sub {
		my $r = outbox_row($to);
		$want eq 'sent' ? ($r->{status} // '') eq 'sent' : ($r->{attempts} // 0) >= 1;
	});
	ok $done, "$to: " . ($want eq 'sent' ? 'sent' : 'attempted') . ' within 20 s';
	$s->stop_mailer;
	$sink->stop;
	my $row = outbox_row($to);
	$s->psql(q{UPDATE outbox SET next_attempt_at = now() + interval '1 day' WHERE recipient = ? AND status = 'queued'}, $to);
	return ($row, log_since($from));
}

# What crosses in clear must never carry the password, in any encoding
# AUTH PLAIN or LOGIN would use.
sub no_password_in_clear {
	my ($what) = @_;
	my $clear = $sink->clear_text;
	my @forms = ($password, encode_base64($password, ''), encode_base64("\0$user\0$password", ''),
	    encode_base64("$user\0$user\0$password", ''));
	my @hits = grep { index($clear, $_) >= 0 } @forms;
	is scalar @hits, 0, "$what: the password never crossed in clear";
}

sub auths { my ($k) = @_; return map { @{ $_->{$k} } } @{ $sink->connections } }
sub messages_to { my ($to) = @_; return scalar grep { $_ eq $to } map { @{ $_->{recipients} } } @{ $sink->connections } }

# ---- a. STARTTLS + AUTH, credentials, the test's CA: delivered ----------------------------
for my $mech ('PLAIN', 'LOGIN') {
	my $to = lc "a-$mech\@example.com";
	my ($row, $log) = run_case($to,
	    { starttls => 1, cert => $good->{cert}, key => $good->{key}, auth => [$mech],
	      user => $user, password => $password },
	    { %creds }, 'sent');
	is $row->{status}, 'sent', "a ($mech): the outbox row is sent";
	is messages_to($to), 1, "a ($mech): the server accepted the message once";
	my @conns = grep { $_->{messages} } @{ $sink->connections };
	ok @conns && !grep({ !$_->{tls} } @conns), "a ($mech): over TLS (STARTTLS)";
	my @tls = auths('auth_tls');
	is scalar(auths('auth_clear')), 0, "a ($mech): no AUTH before STARTTLS";
	ok @tls && !grep({ $_->{mech} ne $mech || $_->{user} ne $user || $_->{password} ne $password } @tls),
	    "a ($mech): AUTH $mech after STARTTLS, with the configured credentials";
	no_password_in_clear("a ($mech)");
	unlike $sink->clear_text, qr/^(?:AUTH|MAIL FROM|RCPT TO)/mi,
	    "a ($mech): nothing but EHLO and STARTTLS in clear";
	like $log, qr/event=start transport=smtp tls=starttls_required/, "a ($mech): the mailer says TLS is required";
}

# ---- b. no STARTTLS, credentials: refused --------------------------------------------------
{
	my $to = 'b@example.com';
	my ($row, $log) = run_case($to, { auth => [ 'PLAIN', 'LOGIN' ], user => $user, password => $password },
	    { %creds }, 'attempted');
	is $row->{status}, 'queued', 'b: the row stays queued for a retry';
	my $line = "the SMTP server at 127.0.0.1:$port does not offer STARTTLS; refusing to send credentials in clear";
	like $row->{last_error}, qr/^\Q$line\E$/, 'b: last_error says why';
	is messages_to($to), 0, 'b: nothing was delivered';
	ok scalar @{ $sink->connections }, 'b: the mailer did connect';
	is scalar(auths('auth_clear')) + scalar(auths('auth_tls')), 0, 'b: no AUTH was received';
	unlike $sink->clear_text, qr/^AUTH/mi, 'b: no AUTH command at all';
	no_password_in_clear('b');
	my $n = () = $log =~ /\Q$line\E/g;
	ok $n >= 1, "b: the mailer log has the line ($n times)";
	is $n, $row->{attempts}, 'b: once per failed attempt';
	is $s->sql_one(q{SELECT count(*) FROM outbox WHERE recipient = ? AND status = 'queued'
	    AND body IS NOT NULL}, $to), 1, 'b: the message is kept for the retry';
}

# ---- c. ROSTER_SMTP_REQUIRE_TLS=1 without credentials, no STARTTLS --------------------------
{
	my $to = 'c@example.com';
	my ($row, $log) = run_case($to, {}, { %no_creds, ROSTER_SMTP_REQUIRE_TLS => 1 }, 'attempted');
	is $row->{status}, 'queued', 'c: the row stays queued';
	like $row->{last_error}, qr/^the SMTP server at 127\.0\.0\.1:\Q$port\E does not offer STARTTLS; refusing to send mail in clear/,
	    'c: last_error says why';
	is messages_to($to), 0, 'c: nothing was delivered';
	unlike $sink->clear_text, qr/^(?:MAIL FROM|RCPT TO|DATA)/mi, 'c: no envelope in clear';
	like $log, qr/event=start transport=smtp tls=starttls_required/, 'c: the mailer says TLS is required';
}

# ---- d. certificates are verified ---------------------------------------------------------------
for my $d (
	[ 'd-other-ca@example.com', $other, {%creds}, 'signed by another CA, credentials', 1 ],
	[ 'd-other-ca-plain@example.com', $other, {%no_creds}, 'signed by another CA, no credentials', 1 ],
	[ 'd-wrong-name@example.com', $wrong_name, {%creds}, 'for another host name', 0 ],
) {
	my ($to, $cert, $env, $what, $chain) = @$d;
	my ($row) = run_case($to,
	    { starttls => 1, cert => $cert->{cert}, key => $cert->{key}, auth => ['PLAIN', 'LOGIN'],
	      user => $user, password => $password },
	    $env, 'attempted');
	is $row->{status}, 'queued', "d ($what): the row stays queued";
	like $row->{last_error}, qr/certificate|SSL|TLS/i, "d ($what): last_error names the certificate: $row->{last_error}";
	is messages_to($to), 0, "d ($what): nothing was delivered";
	is scalar(auths('auth_clear')) + scalar(auths('auth_tls')), 0, "d ($what): no AUTH was received";
	# A chain that does not verify ends the handshake; the host name is
	# checked by libcurl once it is complete, before any command.
	ok !grep({ $_->{tls} } @{ $sink->connections }), "d ($what): no TLS session was established"
	    if $chain;
}

# ---- e. opportunistic: no credentials, no REQUIRE_TLS ----------------------------------------
{
	my $to = 'e-plain@example.com';
	my ($row, $log) = run_case($to, {}, { %no_creds }, 'sent');
	is $row->{status}, 'sent', 'e: without STARTTLS on offer, the message goes in clear';
	is messages_to($to), 1, 'e: the server accepted it once';
	like $log, qr/event=start transport=smtp tls=starttls_when_offered/, 'e: the mailer says STARTTLS when offered';

	$to = 'e-tls@example.com';
	($row) = run_case($to, { starttls => 1, cert => $good->{cert}, key => $good->{key} }, { %no_creds }, 'sent');
	is $row->{status}, 'sent', 'e: with STARTTLS on offer, sent';
	my @conns = grep { $_->{messages} } @{ $sink->connections };
	ok @conns && !grep({ !$_->{tls} } @conns), 'e: and over TLS';
	unlike $sink->clear_text, qr/^(?:MAIL FROM|RCPT TO)/mi, 'e: no envelope in clear';
}

# ---- f. startup refusals -----------------------------------------------------------------------------
# The mailer is started with the stack's helpers and must exit by itself.
sub mailer_refuses {
	my ($env, $re, $what) = @_;
	$s->stop_mailer;
	$s->set_env(ROSTER_SMTP_URL => $url, ROSTER_SMTP_REQUIRE_TLS => undef,
	    ROSTER_SMTP_CA_FILE => $good->{ca}, %creds, %$env);
	my $from = log_size();
	$s->start_mailer;
	my $gone = eventually(10, sub { !$s->_child_alive('roster-mailer') });
	ok $gone, "f ($what): the mailer exits at once";
	my $st = $s->{exit}{'roster-mailer'} // 0;
	ok $gone && ($st >> 8) != 0, "f ($what): with a non-zero status (" . ($st >> 8) . ')';
	my $log = log_since($from);
	my @lines = grep { /error:/ } split /\n/, $log;
	is scalar(@lines), 1, "f ($what): one error line";
	like $lines[0] // '', $re, "f ($what): it names the variables to fix";
	unlike $log, qr/\Q$password\E/, "f ($what): the log does not carry the password";
	unlike $log, qr/delivering/, "f ($what): nothing was delivered";
}

mailer_refuses({ ROSTER_SMTP_URL => undef },
    qr/refusing to start: ROSTER_SMTP_USER or ROSTER_SMTP_PASSWORD is set but ROSTER_SMTP_URL is not/,
    'credentials without an SMTP URL');
mailer_refuses({ ROSTER_SMTP_URL => "http://127.0.0.1:$port" },
    qr/refusing to start: ROSTER_SMTP_URL must begin with smtp:\/\/ or smtps:\/\/: the credentials in ROSTER_SMTP_USER and ROSTER_SMTP_PASSWORD would not be protected/,
    'credentials with an http:// URL');
mailer_refuses({ ROSTER_SMTP_URL => "ftp://127.0.0.1:$port" },
    qr/ROSTER_SMTP_URL must begin with smtp:\/\/ or smtps:\/\//, 'credentials with an ftp:// URL');
mailer_refuses({ ROSTER_SMTP_PASSWORD => undef },
    qr/refusing to start: ROSTER_SMTP_USER and ROSTER_SMTP_PASSWORD must be set together/,
    'a user without a password');
mailer_refuses({ ROSTER_SMTP_USER => undef },
    qr/refusing to start: ROSTER_SMTP_USER and ROSTER_SMTP_PASSWORD must be set together/,
    'a password without a user');
mailer_refuses({ ROSTER_SMTP_CA_FILE => "$tls/no-such-ca.pem" },
    qr/refusing to start: ROSTER_SMTP_CA_FILE names a file the mailer cannot read/,
    'a CA file that is not there');
mailer_refuses({ ROSTER_SMTP_REQUIRE_TLS => 'yes' }, qr/ROSTER_SMTP_REQUIRE_TLS/,
    'ROSTER_SMTP_REQUIRE_TLS not 0 or 1');

# With the settings right again it runs.
$s->set_env(ROSTER_SMTP_URL => $url, ROSTER_SMTP_REQUIRE_TLS => undef, ROSTER_SMTP_CA_FILE => $good->{ca}, %creds);
$s->start_mailer;
sleep 1;
ok $s->_child_alive('roster-mailer'), 'with valid settings the mailer keeps running';
$s->stop_mailer;

unlike $s->log_text, qr/\Q$password\E/, 'no log of the stack carries the password';

done_testing;
