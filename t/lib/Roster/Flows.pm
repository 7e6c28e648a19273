package Roster::Flows;

# Shared checks and small flows of the integration tests of accounts,
# sessions, HTTP input and organizations (t/integration/10-40): the
# security headers every response carries, polling, Prometheus values,
# tokens in mailed links, cookie hashes as the database stores them, and
# page bodies compared with their per-visitor parts blanked out. Builds on
# Roster::Test; core Perl modules only.
#
#   use Roster::Flows;
#   security_headers_ok($res, 'the login page');
#   my ($ua, $id) = new_user($s, 'ann@example.com');
#   my $n = metric_value($ua->get('/metrics')->{content},
#       'roster_http_requests_total', route => '/login', code => '2xx');

use strict;
use warnings;

use Digest::SHA qw(sha256_hex);
use Exporter qw(import);
use MIME::Base64 qw(decode_base64);
use Test::More ();
use Time::HiRes qw(sleep time);

our @EXPORT = qw(
	%SECURITY_HEADERS security_headers_ok eventually
	metric_value token_of b64url_decode cookie_hash_hex session_cookie
	session_cookie_name new_user user_id blank_volatile follow_redirect
	PASSWORD
);

use constant PASSWORD => 'correct horse battery';

# The headers of SPEC §5, with their exact values.
our %SECURITY_HEADERS = (
	'content-security-policy' =>
	    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
	'x-content-type-options' => 'nosniff',
	'referrer-policy'        => 'no-referrer',
);

# One test per response: each security header present exactly once (a
# repeated header arrives from HTTP::Tiny as an array ref) with its value.
sub security_headers_ok {
	my ($res, $what) = @_;
	my @bad;
	for my $h (sort keys %SECURITY_HEADERS) {
		my $v = $res->{headers}{$h};
		if (!defined $v) {
			push @bad, "$h missing";
		} elsif (ref $v) {
			push @bad, "$h sent " . scalar(@$v) . ' times';
		} elsif ($v ne $SECURITY_HEADERS{$h}) {
			push @bad, "$h is '$v'";
		}
	}
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $ok = Test::More::ok(!@bad, "$what ($res->{status}): the security headers, each once");
	Test::More::diag($_) for @bad;
	return $ok;
}

# Polls $cond until it returns true or $secs pass; returns its last answer.
sub eventually {
	my ($secs, $cond) = @_;
	my $deadline = time + $secs;
	while (time < $deadline) {
		return 1 if $cond->();
		sleep 0.1;
	}
	return $cond->() ? 1 : 0;
}

# The value of one sample in Prometheus text: name and exact labels (in any
# order). 0 when the sample is absent (counters appear once non-zero);
# undef when the text has no such metric family at all.
sub metric_value {
	my ($text, $name, %labels) = @_;
	my $family = $name =~ s/_(?:bucket|sum|count)$//r;
	my $seen = $text =~ /^# TYPE \Q$family\E /m;
	for my $line (split /\n/, $text) {
		next if $line =~ /^#/;
		my ($n, $l, $v) = $line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/ or next;
		next unless $n eq $name;
		my %have = defined $l ? $l =~ /(\w+)="((?:[^"\\]|\\.)*)"/g : ();
		next unless keys %have == keys %labels;
		next if grep { !defined $have{$_} || $have{$_} ne $labels{$_} } keys %labels;
		return $v + 0;
	}
	return $seen ? 0 : undef;
}

# The token query parameter of a link, decoded; undef when it has none.
sub token_of {
	my ($link) = @_;
	return undef unless defined $link;
	my ($t) = $link =~ /[?&]token=([^&#]*)/ or return undef;
	$t =~ tr/+/ /;
	$t =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
	return $t;
}

sub b64url_decode {
	my ($s) = @_;
	return undef unless defined $s && $s =~ /^[A-Za-z0-9_-]*={0,2}$/;
	$s =~ tr{-_}{+/};
	$s .= '=' x ((4 - length($s) % 4) % 4);
	return decode_base64($s);
}

# SHA-256 (hex) of the raw bytes of a base64url cookie or token value: what
# the database keeps instead of the value.
sub cookie_hash_hex {
	my ($v) = @_;
	my $raw = b64url_decode($v);
	return defined $raw ? sha256_hex($raw) : undef;
}

# The name of the session cookie in a jar (plain or __Host- prefixed).
sub session_cookie_name {
	my ($ua) = @_;
	my ($n) = grep { /^(?:__Host-)?roster_session$/ } $ua->cookie_names;
	return $n;
}

sub session_cookie {
	my ($ua) = @_;
	my $n = session_cookie_name($ua) // return undef;
	return $ua->cookie($n);
}

# GETs the Location of a 303 (or 301, 302, 307, 308) with $ua and returns
# the response; dies when $res is no redirect. (Older versions of
# Roster::Test::UA::follow refused a 303.)
sub follow_redirect {
	my ($ua, $res) = @_;
	$res //= $ua->last;
	die "follow_redirect: status $res->{status} is not a redirect\n"
	    unless $res->{status} =~ /^30[12378]$/;
	my $loc = $ua->location($res) // die "follow_redirect: no Location header\n";
	return $ua->get($loc);
}

# The users.id of an address, or undef.
sub user_id {
	my ($s, $email) = @_;
	return $s->sql_one('SELECT id FROM users WHERE email = ?', $email);
}

# Signs a new visitor up (dies unless the sign-up answers 303) and returns
# ($ua, $user_id) with the visitor signed in. Options: password, name.
sub new_user {
	my ($s, $email, %o) = @_;
	my $ua = $s->ua;
	my $res = $ua->signup($email, $o{password} // PASSWORD, $o{name} // 'Test User');
	die "new_user($email): sign-up answered $res->{status}\n" unless $res->{status} == 303;
	follow_redirect($ua, $res);
	return ($ua, user_id($s, lc $email));
}

# A page body with what legitimately differs between two visitors or two
# requests blanked out: CSRF token values and the given strings.
sub blank_volatile {
	my ($html, @strings) = @_;
	$html //= '';
	$html =~ s/(name="csrf_token"\s+value=")[^"]*"/$1"/g;
	# The request id every error page shows differs per request.
	$html =~ s/(data-request-id=")[^"]*">[^<]*</$1"></g;
	for my $str (grep { defined && length } @strings) {
		$html =~ s/\Q$str\E/<BLANK>/g;
	}
	return $html;
}

1;
