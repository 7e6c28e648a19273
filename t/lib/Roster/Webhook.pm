package Roster::Webhook;

# Webhook endpoints made directly in the database for the integration
# tests of events and delivery (t/integration/87, 88): a fresh 32-byte
# key sealed as the server seals it (t/mail/webhook-seal: box_seal under
# the stack's keys), so the mailer can sign with it, for a URL the pages
# would refuse (loopback, "as if DNS had changed").
#
#   my $wh = add_webhook($s, 'acme', 'http://127.0.0.1:9/', @events);
#   # { id, key, secret => 'whsec_...' }

use strict;
use warnings;

use Exporter qw(import);
use MIME::Base64 qw(encode_base64);
use Roster::Test;

our @EXPORT = qw(add_webhook);

sub add_webhook {
	my ($s, $slug, $url, @events) = @_;
	my $key = join '', map { chr int rand 256 } 1 .. 32;
	my ($st, $out, $err) = $s->_run(
	    cmd => [ Roster::Test::builddir() . '/t/mail/webhook-seal', unpack('H*', $key) ],
	    env => { $s->_child_env });
	$st == 0 or die "webhook-seal: $err";
	chomp $out;
	my $id = $s->sql_one(q{INSERT INTO webhooks (organization_id, url, events, secret)
	    SELECT id, ?, ?::text[], decode(?, 'hex') FROM organizations WHERE slug = ?
	    RETURNING id}, $url, '{' . join(',', @events) . '}', $out, $slug);
	return { id => $id, key => $key, secret => 'whsec_' . encode_base64($key, '') };
}

1;
