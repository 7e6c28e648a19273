#!/usr/bin/env perl
# Webhook delivery by roster-mailer (SPEC §7.5, docs/webhooks.md
# "Delivery"), over the real stack with receivers on 127.0.0.1: each
# event of the real pages reaches a subscribed endpoint signed as Standard
# Webhooks says (verified with the secret), with the headers and body the
# SPEC names, and its row ends delivered with status 200 and no payload;
# an endpoint answering 500 sees the same webhook-id again, and after 8
# tries the row fails; no request ever holds a token, a link or a password
# hash; an endpoint that hangs does not hold back another's delivery
# beyond its 10 s timeout and is retried; and a mailer without
# ROSTER_WEBHOOK_ALLOW_PRIVATE never connects to a loopback address, by
# number or by name, and records "refused address".

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(hmac_sha256_base64);
use File::Temp qw(tempdir);
use JSON::PP qw(decode_json encode_json);
use MIME::Base64 qw(decode_base64 encode_base64);
use Test::More;
use Time::HiRes qw(time sleep);
use Roster::Test;
use Roster::Invite;
use Roster::Members;
use Roster::Webhook qw(add_webhook set_mode requests);

my $pdir = tempdir(CLEANUP => 1);
chmod 01777, $pdir; # the mailer may run as another user
my $promfile = "$pdir/roster-mailer.prom";
my $s = Roster::Test->start(env => {
	ROSTER_WEBHOOK_ALLOW_PRIVATE => 1,
	ROSTER_RETRY_BASE            => 1,
	ROSTER_MAILER_METRICS_FILE   => $promfile,
});
my $tmp = $s->state_dir . '/tmp';

# ---- receivers: Roster::Webhook's, on 127.0.0.1, recording into $tmp ----
sub receiver { Roster::Webhook::receiver($tmp, @_) }

# ---- webhooks --------------------------------------------------------------
sub delivery_rows {
	my ($wh) = @_;
	return map { { id => $_->[0], event => $_->[1], status => $_->[2], attempts => $_->[3],
		       last_status => $_->[4], last_error => $_->[5], payload_null => $_->[6],
		       message_id => $_->[7], delivered => $_->[8] } }
	    $s->psql(q{SELECT id, event, status, attempts, coalesce(last_status::text, ''),
		coalesce(last_error, ''), payload IS NULL, message_id, delivered_at IS NOT NULL
		FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id}, $wh->{id});
}

# The expected signature of a request under the webhook's key.
sub signature_ok {
	my ($wh, $q) = @_;
	my $h = $q->{headers};
	my $mac = hmac_sha256_base64("$h->{'webhook-id'}.$h->{'webhook-timestamp'}.$q->{body}", $wh->{key});
	$mac .= '=' while length($mac) % 4;
	return ($h->{'webhook-signature'} // '') eq "v1,$mac";
}

my $all = [qw(invitation.created invitation.accepted invitation.declined invitation.revoked
	membership.created membership.removed membership.role_changed join_request.submitted)];

# ---- the cast --------------------------------------------------------------
my $olga = member($s, 'olga@example.com', 'Olga Owner', confirmed => 1);
new_org($olga, 'Acme', 'acme');
my $mia = member($s, 'mia@example.com', 'Mia Member', confirmed => 1);
set_membership($s, 'acme', 'mia@example.com', 'member');

# ---- every event, signed, delivered ----------------------------------------
# The first endpoint through the owners' page, with the secret it shows
# once; the others are inserted with a key sealed as the page seals it.
my $ra = receiver('all', 200);
$olga->get('/orgs/acme/webhooks');
my $res = $olga->post_form('/orgs/acme/webhooks', [ url => $ra->{url}, map { (events => $_) } @$all ]);
is $olga->page($res), 'webhook-created', 'a webhook subscribed to every event, through the page';
my ($shown) = ($res->{content} // '') =~ /data-webhook-secret="(whsec_[^"]+)"/;
ok $shown, 'the secret is shown once';
my $wa = { id => $s->sql_one(q{SELECT max(id) FROM webhooks}),
	   key => decode_base64(substr($shown // 'whsec_', 6)) };
is length $wa->{key}, 32, 'its key is 32 bytes';

my $bob = invite_ok($s, $olga, 'acme', 'bob@example.com', 'member');
my $bob_ua = join_by_signup($s, $bob, 'Bob Builder');
my $bob_id = user_id($s, 'bob@example.com');
redirect_ok(change_role($olga, 'acme', $bob_id, 'admin'), 'role change');
redirect_ok(remove_member($olga, 'acme', $bob_id), 'remove');
my $carl = invite_ok($s, $olga, 'acme', 'carl@example.com', 'member');
org_page($olga, 'acme');
redirect_ok($olga->post_form("/orgs/acme/invitations/$carl->{id}/revoke", {}), 'revoke');

sub redirect_ok {
	my ($res, $what) = @_;
	is $res->{status}, 303, "$what: 303";
}

my $want = [qw(invitation.created invitation.accepted membership.created
	membership.role_changed membership.removed invitation.created invitation.revoked)];
my %want_n;
$want_n{$_}++ for @$want;
ok eventually(30, sub {
	my @r = delivery_rows($wa);
	@r >= @$want && !grep { $_->{status} ne 'delivered' } @r
}), 'every delivery of the events is delivered within 30 s'
    or diag explain [ delivery_rows($wa) ];

my @rows = delivery_rows($wa);
my %got_n;
$got_n{$_->{event}}++ for @rows;
for my $ev (sort keys %want_n) {
	cmp_ok $got_n{$ev} // 0, '>=', $want_n{$ev}, "a delivery of $ev";
}
for my $r (@rows) {
	is "$r->{status}|$r->{last_status}|$r->{payload_null}|$r->{attempts}|$r->{delivered}",
	    'delivered|200|t|1|t', "delivery $r->{id} ($r->{event}): delivered, 200, payload dropped, one try";
}

my @reqs = requests($ra);
is scalar @reqs, scalar @rows, 'one request per delivery';
my %by_id = map { $_->{message_id} => $_ } @rows;
my %seen_types;
for my $q (@reqs) {
	my $h = $q->{headers};
	my $id = $h->{'webhook-id'} // '';
	subtest "request $id" => sub {
		like $q->{request}, qr{^POST /hook/all\?k=v HTTP/1\.1$}, 'POST to the URL, query kept';
		is $h->{'content-type'}, 'application/json', 'Content-Type: application/json';
		like $h->{'user-agent'} // '', qr{^Roster-Webhooks/}, 'User-Agent Roster-Webhooks/VERSION';
		ok $by_id{$id}, 'webhook-id is the message_id of a delivery row';
		like $id, qr/^msg_\d+$/, 'webhook-id msg_N';
		like $h->{'webhook-timestamp'} // '', qr/^\d+$/, 'webhook-timestamp: Unix seconds';
		cmp_ok abs(($h->{'webhook-timestamp'} // 0) - time), '<', 120, 'webhook-timestamp is now';
		ok signature_ok($wa, $q), 'the signature verifies with the secret';
		my $b = eval { decode_json($q->{body}) };
		ok $b, 'the body is JSON' or return;
		is $b->{type}, $by_id{$id}{event}, 'type is the event of the row';
		$seen_types{$b->{type}}++;
		like $b->{timestamp} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/,
		    'timestamp is RFC 3339';
		is_deeply $b->{data}{organization}, { slug => 'acme', name => 'Acme' }, 'data.organization';
		if ($b->{type} =~ /^invitation\./) {
			like $b->{data}{invitation}{id} // '', qr/^\d+$/, 'data.invitation.id';
		}
		if ($b->{type} =~ /^membership\./) {
			is $b->{data}{member}{user_id}, $bob_id, 'data.member.user_id';
		}
	};
}
is_deeply \%seen_types, \%got_n, 'the receiver saw each event type as often as rows were written';

# A different key does not verify (the check can fail).
{
	my $other = { key => 'x' x 32 };
	ok !signature_ok($other, $reqs[0]), 'another key does not verify';
}

# docs/api.md's verifier, in Python with the standard library, accepts a
# real delivery with the secret the page showed, and refuses it with one
# byte of the body changed or another secret.
{
	open my $fh, '<', "$FindBin::Bin/../../docs/api.md" or die "docs/api.md: $!";
	my ($py) = do { local $/; <$fh> } =~ /^## Verifying a webhook\n.*?^```python\n(.*?)^```$/ms;
	ok $py, 'docs/api.md has the Python verifier';
	my $q = $reqs[0];
	my $run = sub {
		my ($secret, $body) = @_;
		my $f = "$tmp/verify.py";
		open my $out, '>', $f or die; print $out $py, <<'PY'; close $out;
import json, sys
args = json.load(sys.stdin)
print(verify(args["secret"], args["headers"], args["body"].encode("latin-1")))
PY
		my $in = "$tmp/verify.json";
		open $out, '>', $in or die;
		print $out encode_json({ secret => $secret, headers => $q->{headers}, body => $body }); close $out;
		my $r = `python3 $f < $in 2>&1`;
		chomp $r;
		return $r;
	};
	is $run->($shown, $q->{body}), 'True', 'the documented verifier accepts a delivery';
	(my $changed = $q->{body}) =~ s/acme/acmf/;
	is $run->($shown, $changed), 'False', '... not with its body changed';
	is $run->('whsec_' . encode_base64('y' x 32, ''), $q->{body}), 'False', '... nor with another secret';
}

# No token, link or password hash in any request.
my @secrets = grep { defined && length } $bob->{token}, $carl->{token};
my @hashes = map { $_->[0] } $s->psql(q{SELECT encode(hashed_token, 'hex') FROM invitations});
push @hashes, map { $_->[0] } $s->psql(q{SELECT password_hash FROM users WHERE password_hash IS NOT NULL});
my $leak = 0;
for my $q (@reqs) {
	my $raw = $q->{raw};
	for my $t (@secrets, @hashes) { $leak++ if index($raw, $t) >= 0 }
	$leak++ if $raw =~ m{/invitations/accept|token=|/links/accept|\$argon2|whsec_};
}
is $leak, 0, 'no request holds a token, a link, a secret or a password hash';

# ---- 500: retried with the same webhook-id, failed after 8 tries -----------
my $rb = receiver('fails', 500);
my $wb = add_webhook($s, 'acme', $rb->{url}, 'membership.role_changed');
redirect_ok(change_role($olga, 'acme', user_id($s, 'mia@example.com'), 'admin'), 'role change for the 500 endpoint');
ok eventually(20, sub { requests($rb) >= 2 }), 'the 500 endpoint is tried again (ROSTER_RETRY_BASE=1)';
my @fb = requests($rb);
is scalar(keys %{ { map { $_->{headers}{'webhook-id'} => 1 } @fb } }), 1, 'every try carries the same webhook-id';
ok signature_ok($wb, $fb[-1]), 'the retry is signed again';
my ($drow) = delivery_rows($wb);
cmp_ok $drow->{attempts}, '>=', 2, 'the row counts its attempts';
is "$drow->{status}|$drow->{last_status}|$drow->{payload_null}", 'queued|500|f',
    'still queued, last_status 500, payload kept';
is $drow->{last_error}, 'HTTP 500', 'last_error says why';
ok $s->sql_one(q{SELECT next_attempt_at > now() FROM webhook_deliveries WHERE id = ?}, $drow->{id}) eq 't',
    'the next try waits';
# The backoff grows (1 s, 2 s, 4 s ...): the rest of the 8 tries are made
# due at once here instead of waited for; each is still a real try.
my $deadline = time + 60;
while (time < $deadline) {
	($drow) = delivery_rows($wb);
	last if $drow->{status} ne 'queued';
	$s->psql(q{UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = ? AND status = 'queued'
	    AND attempts = ?}, $drow->{id}, $drow->{attempts});
	eventually(15, sub { (delivery_rows($wb))[0]{attempts} > $drow->{attempts} });
}
($drow) = delivery_rows($wb);
is "$drow->{status}|$drow->{attempts}|$drow->{last_status}|$drow->{payload_null}", 'failed|8|500|t',
    'after the 8th try the row is failed, payload dropped';
sleep 2;
is scalar(requests($rb)), 8, 'exactly 8 requests reached the endpoint';
is $s->sql_one(q{SELECT value FROM mail_counters WHERE name = 'webhooks_failed_total'}), 1,
    'webhooks_failed_total counted it';
cmp_ok $s->sql_one(q{SELECT value FROM mail_counters WHERE name = 'webhooks_retried_total'}), '>=', 7,
    'webhooks_retried_total counted the retries';
cmp_ok $s->sql_one(q{SELECT value FROM mail_counters WHERE name = 'webhooks_delivered_total'}), '>=', scalar @rows,
    'webhooks_delivered_total counted the deliveries';

# This host's mailer counts them too, in its textfile.
{
	open my $fh, '<', $promfile or die "$promfile: $!";
	my $t = do { local $/; <$fh> };
	my %v = $t =~ /^roster_mailer_(webhooks_\w+)_total (\d+)$/mg;
	cmp_ok $v{webhooks_delivered} // 0, '>=', scalar @rows, 'textfile: roster_mailer_webhooks_delivered_total';
	cmp_ok $v{webhooks_retried} // 0, '>=', 7, 'textfile: roster_mailer_webhooks_retried_total';
	is $v{webhooks_failed}, 1, 'textfile: roster_mailer_webhooks_failed_total';
}
$s->psql(q{DELETE FROM webhooks WHERE id = ?}, $wb->{id});

# ---- a hanging endpoint does not hold back another --------------------------
my $rh = receiver('hangs', 'hang');
my $rq = receiver('quick', 200);
my $wh = add_webhook($s, 'acme', $rh->{url}, 'membership.removed');
my $wq = add_webhook($s, 'acme', $rq->{url}, 'membership.removed');
my $t0 = time;
redirect_ok(remove_member($olga, 'acme', user_id($s, 'mia@example.com')), 'remove for the hang test');
ok eventually(15, sub { requests($rq) >= 1 }), 'the quick endpoint gets its request';
my ($qreq) = requests($rq);
cmp_ok $qreq->{at} - $t0, '<', 8, 'within 8 s, though the other endpoint hangs';
ok eventually(10, sub { requests($rh) >= 1 }), 'the hanging endpoint got its request too';
ok eventually(25, sub { ((delivery_rows($wh))[0] // {})->{attempts} // 0 >= 1 }),
    'the hanging delivery is recorded after its timeout';
my ($hrow) = delivery_rows($wh);
is "$hrow->{status}|$hrow->{last_status}", 'queued|', 'hanging: queued for a retry, no status';
like $hrow->{last_error}, qr/time/i, 'hanging: last_error says it timed out';
my ($qrow) = delivery_rows($wq);
is "$qrow->{status}|$qrow->{last_status}", 'delivered|200', 'the quick one is delivered';
ok eventually(25, sub { requests($rh) >= 2 }), 'the hanging endpoint is tried again';
$s->psql(q{DELETE FROM webhooks WHERE id = ?}, $wh->{id});
$s->psql(q{DELETE FROM webhooks WHERE id = ?}, $wq->{id});

# ---- connect-time SSRF: a mailer without the override ----------------------
$s->stop_mailer;
$s->set_env(ROSTER_WEBHOOK_ALLOW_PRIVATE => undef);
$s->start_mailer;
my $rs = receiver('ssrf', 200);
(my $by_name = $rs->{url}) =~ s/127\.0\.0\.1/localhost/;
my $ws = add_webhook($s, 'acme', $rs->{url}, 'invitation.revoked');
my $wn = add_webhook($s, 'acme', $by_name, 'invitation.revoked');
my $dave = invite_ok($s, $olga, 'acme', 'dave@example.com', 'member');
org_page($olga, 'acme');
redirect_ok($olga->post_form("/orgs/acme/invitations/$dave->{id}/revoke", {}), 'revoke for the SSRF test');
for my $w ([ $ws, 'by number' ], [ $wn, 'by name (localhost)' ]) {
	ok eventually(20, sub { ((delivery_rows($w->[0]))[0] // {})->{attempts} // 0 >= 1 }),
	    "$w->[1]: the attempt is recorded";
	my ($r) = delivery_rows($w->[0]);
	is "$r->{status}|$r->{last_status}|$r->{last_error}", 'queued||refused address',
	    "$w->[1]: refused, a retry, no status";
}
sleep 3;
is scalar(requests($rs)), 0, 'the loopback receiver never saw a request';
like mailer_log(), qr/event=webhook_refused /, 'the refusal is logged';
unlike mailer_log(), qr/k=v|hook\/ssrf/, 'the log never holds the URL';

sub mailer_log {
	open my $fh, '<', $s->state_dir . '/log/roster-mailer.log' or return '';
	local $/;
	return <$fh>;
}

done_testing;
