package Roster::Join;

# Flows shared by the integration tests of join requests (t/integration/
# 80-82): the settings that open an organization's join form, the public
# form and its confirmation link, the rows of the review page. Builds on
# Roster::Test and Roster::Invite; core Perl modules only.
#
#   use Roster::Join;
#   join_settings($owner, 'acme', 1, 'phone, message');
#   my $r = public_join($s, 'acme', email => 'dora@example.com', first_name => 'Dora');
#   my $tok = join_mail_token($s, 'dora@example.com');
#   confirm_join($s->ua, $tok);

use strict;
use warnings;

use Carp qw(croak);
use Digest::SHA qw(sha256_hex);
use Exporter qw(import);
use Roster::Invite qw(token_of b64url_decode);

our @EXPORT = qw(
	join_settings public_join join_mail_token confirm_join jr_row jr_hash
	join_rows enable_join
);

# POSTs the settings of slug as ua (after GETting the page for its form);
# returns the POST's response.
sub join_settings {
	my ($ua, $slug, $enabled, $fields) = @_;
	$ua->get("/orgs/$slug/settings");
	return $ua->post_form("/orgs/$slug/settings",
	    { ($enabled ? (join_enabled => 1) : ()), join_fields => $fields // '' });
}

# join_settings that must answer 303.
sub enable_join {
	my ($ua, $slug, $fields) = @_;
	my $res = join_settings($ua, $slug, 1, $fields);
	croak "enabling the join form of $slug: status $res->{status}" unless $res->{status} == 303;
	return $res;
}

# The public form of slug, sent by a fresh anonymous ua (or the one given
# as ua => ...): GET, then POST the fields. Returns the POST's response.
sub public_join {
	my ($s, $slug, %f) = @_;
	my $ua = delete $f{ua} // $s->ua;
	$ua->get("/join/$slug");
	return $ua->post_form("/join/$slug", \%f);
}

# Waits for the next join confirmation mail to email; returns its token
# (undef when none came).
sub join_mail_token {
	my ($s, $email, %o) = @_;
	my $m = $s->wait_for_mail(to => $email, subject => qr/^Confirm your request to join/,
	    timeout => $o{timeout} // 10) or return undef;
	return token_of($m->{link});
}

# GET /join/confirm?token=, then POST it; returns the POST's response.
sub confirm_join {
	my ($ua, $tok) = @_;
	$ua->get("/join/confirm?token=$tok");
	return $ua->post_form('/join/confirm', { token => $tok });
}

# The bytea literal of SHA-256 of a link token's raw bytes.
sub jr_hash {
	my ($tok) = @_;
	return '\\x' . sha256_hex(b64url_decode($tok) // '');
}

# One join request as a hash (NULL columns read as '').
sub jr_row {
	my ($s, $where, @bind) = @_;
	my @c = qw(id organization_id email status user_id first_name last_name fields
		   confirm_hash confirm_expires_at submitted_at decided_at decided_by);
	my ($r) = $s->psql('SELECT ' . join(', ', @c) . " FROM join_requests WHERE $where ORDER BY id DESC LIMIT 1", @bind);
	return undef unless $r;
	return { map { $c[$_] => $r->[$_] } 0 .. $#c };
}

# The join-request rows of a page: hashes of their data-* attributes.
sub join_rows {
	my ($res) = @_;
	my @rows;
	while (($res->{content} // '') =~ /<tr\b([^>]*\bdata-join-request-id\s*=[^>]*)>/g) {
		my $tag = $1;
		my %a;
		while ($tag =~ /\b(data-[a-z-]+)\s*=\s*"([^"]*)"/g) {
			$a{$1} = Roster::Test::UA::_html_unescape($2);
		}
		push @rows, \%a;
	}
	return @rows;
}

1;
