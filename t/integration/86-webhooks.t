#!/usr/bin/env perl
# Webhook pages (SPEC §7.5): GET /orgs/{slug}/webhooks for owners only
# (admins and members 403, non-members 404, anonymous visitors sent to
# sign in); POST /orgs/{slug}/webhooks (url, events: one field per chosen
# event) shows the signing secret once as whsec_ + base64 of 32 bytes in
# data-webhook-secret, stores the key sealed and audits webhook.created
# without it; bad URLs and targets on loopback, private or link-local
# networks are 422 invalid-url with nothing written (the stack runs with
# ROSTER_WEBHOOK_ALLOW_PRIVATE=0, then with 1 for the endpoints that
# receive events); no or unknown events 422 invalid-events; at most 10
# endpoints (409 too-many-webhooks, also when owners add at once); POST
# .../{id}/delete removes the endpoint and its deliveries (flash
# webhook-deleted), another organization's id is 404; CSRF; escaping; an
# event queues a delivery the page lists (data-delivery-status="queued");
# /metrics counts the queue; the scheme stored in lower case, a URL of
# less than 10 bytes invalid-url.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use MIME::Base64 qw(decode_base64 encode_base64);
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(env => { ROSTER_WEBHOOK_ALLOW_PRIVATE => 0 });

my @EVENTS = qw(invitation.created invitation.accepted invitation.declined
    invitation.revoked membership.created membership.removed
    membership.role_changed join_request.submitted);
# A public address, written as a literal so that no name is looked up; no
# event happens while an endpoint points there, so nothing is sent to it.
my $PUBLIC = 'https://93.184.215.14';

my $olga = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($olga, 'Acme', 'acme');
my $bob = join_by_signup($s, invite_ok($s, $olga, 'acme', 'bob@example.com', 'member'), 'Bob');
my $ada = join_by_signup($s, invite_ok($s, $olga, 'acme', 'ada@example.com', 'admin'), 'Ada');
my $carl = person($s, 'carl@example.com', 'Carl', confirm => 1);
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
my $olga_id = user_id($s, 'olga@example.com');
my $hooks = sub { $s->sql_one('SELECT count(*) FROM webhooks') };

# Adds an endpoint as ua; returns the response.
sub add {
	my ($ua, $slug, $url, @events) = @_;
	$ua->get("/orgs/$slug/webhooks");
	return $ua->post_form("/orgs/$slug/webhooks",
	    [ url => $url, map { (events => $_) } @events ]);
}

# ---- who may see the page ------------------------------------------------------
my $res = $olga->get('/orgs/acme/webhooks');
is $res->{status}, 200, 'owner: GET webhooks 200';
is $olga->page($res), 'org-webhooks', '... page org-webhooks';
unlike $res->{content}, qr/data-webhook-id=/, '... no endpoints yet';
for my $ev (@EVENTS) {
	like $res->{content}, qr/<input type="checkbox" name="events" value="\Q$ev\E">/,
	    "... a checkbox events=$ev";
}
like $res->{content}, qr/<input[^>]*name="url"/, '... a url field';
like $res->{content}, qr/name="csrf_token"/, '... the form carries csrf_token';
like org_page($olga, 'acme')->{content}, qr{href="/orgs/acme/webhooks"}, 'the roster links to it for an owner';
unlike org_page($ada, 'acme')->{content}, qr{href="/orgs/acme/webhooks"}, '... not for an admin';
unlike org_page($bob, 'acme')->{content}, qr{href="/orgs/acme/webhooks"}, '... nor for a member';
for ([ admin => $ada ], [ member => $bob ]) {
	my ($who, $ua) = @$_;
	$res = $ua->get('/orgs/acme/webhooks');
	is $res->{status}, 403, "$who: GET 403";
	is_deeply [ $ua->errors($res) ], ['forbidden'], "... data-error forbidden";
	$ua->get('/orgs/acme');
	$res = $ua->post_form('/orgs/acme/webhooks', [ url => "$PUBLIC/x", events => 'invitation.created' ]);
	is $res->{status}, 403, "$who: POST 403";
	is $hooks->(), 0, '... nothing written';
}
$res = $carl->get('/orgs/acme/webhooks');
is $res->{status}, 404, 'non-member: 404';
is $carl->page($res), 'not-found', '... page not-found';
$carl->get('/');
is $carl->post_form('/orgs/acme/webhooks', [ url => "$PUBLIC/x", events => 'invitation.created' ])->{status},
    404, 'non-member POST: 404';
my $anon = $s->ua;
$res = $anon->get('/orgs/acme/webhooks');
is $res->{status}, 303, 'anonymous: 303';
is $anon->location($res), '/login?next=%2Forgs%2Facme%2Fwebhooks', '... to sign in';
is $s->ua->get('/orgs/nope/webhooks', {})->{status}, 303, 'anonymous, unknown org: 303 as well';
is $hooks->(), 0, 'nothing written';

# ---- bad targets: 422 invalid-url, nothing written, the form kept -----------------
my $audit0 = audit_count($s, 'webhook.created');
my @bad = (
	[ 'ftp://example.com/x', 'another scheme' ],
	[ 'http:///x', 'no host' ],
	[ 'https://user:pw@example.com/x', 'credentials' ],
	[ 'https://user@example.com/x', 'a user' ],
	[ 'http://0177.0.0.1/', 'an octal address' ],
	[ 'http://127.1/', 'a short address' ],
	[ 'https://exa mple.com/x', 'a space' ],
	[ 'https://example.com/' . ('a' x 2000), 'over 2000 bytes' ],
	[ '', 'empty' ],
	[ 'example.com/hook', 'no scheme' ],
	# Refused for where they lead (ROSTER_WEBHOOK_ALLOW_PRIVATE=0).
	[ 'http://127.0.0.1/', 'loopback' ],
	[ 'http://127.0.0.1:8080/hook', 'loopback with a port' ],
	[ 'http://10.0.0.1/', 'a private network' ],
	[ 'http://192.168.1.10/', 'a home network' ],
	[ 'http://169.254.169.254/latest/meta-data/', 'the metadata address' ],
	[ 'http://localhost/', 'a name resolving to loopback' ],
	[ 'http://[::1]/', 'IPv6 loopback' ],
	[ 'http://[fe80::1]/', 'IPv6 link-local' ],
	[ 'https://no-such-host.invalid/', 'a name that does not resolve' ],
);
for (@bad) {
	my ($url, $why) = @$_;
	$res = add($olga, 'acme', $url, 'invitation.created');
	is $res->{status}, 422, "$why: 422";
	is_deeply [ $olga->errors($res) ], ['invalid-url'], '... data-error invalid-url';
	is $olga->page($res), 'org-webhooks', '... on the webhooks page';
	if (length $url < 300 && $url ne '') {
		(my $esc = $url) =~ s/&/&amp;/g;
		like $res->{content}, qr/name="url" value="\Q$esc\E"/, '... the URL typed is kept';
	}
	like $res->{content}, qr/name="events" value="invitation\.created" checked/, '... the event chosen stays chosen';
}
like add($olga, 'acme', 'http://10.0.0.1/', 'invitation.created')->{content},
    qr/private, loopback or link-local/, 'the reason is said at the field';
is $hooks->(), 0, 'nothing written for any of them';
is audit_count($s, 'webhook.created'), $audit0, 'nor audited';

# ---- events ----------------------------------------------------------------
$res = add($olga, 'acme', "$PUBLIC/hook");
is $res->{status}, 422, 'no event: 422';
is_deeply [ $olga->errors($res) ], ['invalid-events'], '... data-error invalid-events';
like $res->{content}, qr/value="\Q$PUBLIC\E\/hook"/, '... the URL kept';
$res = add($olga, 'acme', "$PUBLIC/hook", 'invitation.created', 'invitation.exploded');
is $res->{status}, 422, 'an unknown event: 422';
is_deeply [ $olga->errors($res) ], ['invalid-events'], '... invalid-events';
$res = add($olga, 'acme', "$PUBLIC/hook", "invitation.created\nmembership.created");
is $res->{status}, 400, 'a newline inside one value: 400 (malformed)';
$olga->get('/orgs/acme/webhooks');
$res = $olga->post_form('/orgs/acme/webhooks', [ url => "$PUBLIC/a", url => "$PUBLIC/b", events => 'invitation.created' ]);
is $res->{status}, 400, 'url twice: still 400 (only events may repeat)';
is $hooks->(), 0, 'nothing written';

# ---- CSRF ------------------------------------------------------------------
$olga->get('/orgs/acme/webhooks');
$res = $olga->post('/orgs/acme/webhooks',
    [ csrf_token => 'x' x 43, url => "$PUBLIC/hook", events => 'invitation.created' ]);
is $res->{status}, 403, 'a wrong CSRF token: 403';
is_deeply [ $olga->errors($res) ], ['csrf'], '... data-error csrf';
$res = $olga->post('/orgs/acme/webhooks', [ url => "$PUBLIC/hook", events => 'invitation.created' ]);
is $res->{status}, 403, 'no CSRF token: 403';
is $hooks->(), 0, 'nothing written';

# ---- create ------------------------------------------------------------------
my $url = "$PUBLIC/hooks/roster?q=<script>alert(1)</script>&x=\"y\"";
$res = add($olga, 'acme', $url, 'membership.created', 'invitation.created', 'invitation.created');
is $res->{status}, 200, 'create: 200';
is $olga->page($res), 'webhook-created', '... page webhook-created';
my ($secret) = $res->{content} =~ /data-webhook-secret="([^"]*)"/;
my ($id) = $res->{content} =~ /data-webhook-id="(\d+)"/;
ok defined $secret && $id, '... the secret and the row id are on the page';
$secret //= '';
like $secret, qr{^whsec_[A-Za-z0-9+/]{43}=$}, '... whsec_ + standard base64 with padding';
my $key = decode_base64(substr $secret, 6);
is length($key), 32, '... of 32 bytes';
unlike $res->{content}, qr/<script>alert/, '... the URL is escaped';
like $res->{content}, qr/&lt;script&gt;alert\(1\)&lt;\/script&gt;/, '... shown escaped';
like $res->{content}, qr{href="/orgs/acme/webhooks"}, '... a link back';
my $row = ($s->psql('SELECT organization_id, url, array_to_string(events, ?), encode(secret, ?), created_by
    FROM webhooks WHERE id = ?', ',', 'hex', $id))[0];
is $row->[0], $acme, 'stored for acme';
is $row->[1], $url, '... the URL as typed';
is $row->[2], 'invitation.created,membership.created', '... the events, each once, in the list order';
ok length($row->[3]) > 64, '... a sealed key longer than the key';
unlike $row->[3], qr/\Q${\ unpack('H*', $key)}\E/, '... never the raw key';
is $row->[4], $olga_id, '... made by olga';
is audit_count($s, 'webhook.created', $id), 1, 'audited webhook.created';
my $data = $s->sql_one('SELECT data::text FROM audit_events WHERE action = ? AND subject_id = ?',
    'webhook.created', $id);
like $data, qr/"url": "\Q$PUBLIC\E\/hooks\/roster\?q=<script>alert\(1\)<\/script>&x=\\"y\\""/, '... with the URL';
like $data, qr/"events": \["invitation.created", "membership.created"\]/, '... and the events';
my $b64 = substr $secret, 6;
unlike $data, qr/\Q$b64\E|whsec_/, '... never the secret';

my $dump = pg_dump_text($s);
unlike $dump, qr/\Q$b64\E/, 'a dump of the database holds no secret';
unlike $dump, qr/\Q${\ unpack('H*', $key)}\E/, '... nor the raw key';
unlike $s->log_text, qr/\Q$b64\E/, 'nor do the logs';

# Shown once: the list has the row, escaped, never the secret.
$res = $olga->get('/orgs/acme/webhooks');
like $res->{content}, qr/data-webhook-id="$id"/, 'the list has the endpoint';
unlike $res->{content}, qr/<script>alert/, '... escaped';
like $res->{content}, qr/&lt;script&gt;/, '... shown escaped';
unlike $res->{content}, qr/\Q$b64\E|data-webhook-secret/, '... never the secret';
like $res->{content}, qr/data-webhook-event="membership.created"/, '... with its events';
like $res->{content}, qr/No deliveries yet/, '... and no deliveries';

# ---- delete ------------------------------------------------------------------
# Another organization's endpoint: carl's.
new_org($carl, 'Other', 'other');
$res = add($carl, 'other', "$PUBLIC/other", 'invitation.revoked');
is $res->{status}, 200, 'carl adds one to his own organization';
my ($other) = $res->{content} =~ /data-webhook-id="(\d+)"/;
$olga->get('/orgs/acme/webhooks');
$res = $olga->post_form("/orgs/acme/webhooks/$other/delete", {});
is $res->{status}, 404, "another organization's id: 404";
is_deeply [ $olga->errors($res) ], ['not-found'], '... data-error not-found';
$res = $olga->post_form('/orgs/acme/webhooks/99999999/delete', {});
is $res->{status}, 404, 'an unknown id: 404';
$res = $olga->post_form('/orgs/acme/webhooks/abc/delete', {});
is $res->{status}, 404, 'not an id: 404';
is $s->sql_one('SELECT count(*) FROM webhooks WHERE id = ?', $other), 1, "carl's is still there";
$ada->get('/orgs/acme');
is $ada->post_form("/orgs/acme/webhooks/$id/delete", {})->{status}, 403, 'an admin may not delete: 403';
is $s->sql_one('SELECT count(*) FROM webhooks WHERE id = ?', $id), 1, '... still there';
$olga->get('/orgs/acme/webhooks');
$res = $olga->post_form("/orgs/acme/webhooks/$id/delete", {});
is $res->{status}, 303, 'owner deletes: 303';
is $olga->location($res), '/orgs/acme/webhooks', '... back to the webhooks';
my $next = go($olga, $res);
is $olga->flash($next), 'webhook-deleted', '... flash webhook-deleted';
unlike $next->{content}, qr/data-webhook-id="$id"/, '... gone from the list';
is $s->sql_one('SELECT count(*) FROM webhooks WHERE id = ?', $id), 0, '... and from the table';
is audit_count($s, 'webhook.deleted', $id), 1, 'audited webhook.deleted';
my $trail = $olga->get('/orgs/acme/audit')->{content};
like $trail, qr/Olga added a webhook endpoint/, 'the audit trail says who added it';
like $trail, qr/Olga deleted a webhook endpoint/, '... and who deleted it';
unlike $trail, qr/\Q$b64\E/, '... never the secret';
$olga->get('/orgs/acme/webhooks');
is $olga->post_form("/orgs/acme/webhooks/$id/delete", {})->{status}, 404, 'deleting again: 404';
$carl->get('/orgs/other/webhooks');
is $carl->post_form("/orgs/other/webhooks/$other/delete", {})->{status}, 303, 'carl deletes his';

# ---- events queue deliveries the page lists ---------------------------------------
# Loopback targets from here on: the override lifts the address check.
$s->stop_fcgi;
$s->set_env(ROSTER_WEBHOOK_ALLOW_PRIVATE => 1);
$s->start_fcgi;
$s->stop_mailer;    # the deliveries stay queued while the page is read
$olga = login_ua($s, 'olga@example.com');
$res = add($olga, 'acme', 'http://127.0.0.1:9/hook', 'invitation.created', 'invitation.revoked');
is $res->{status}, 200, 'with the override: a loopback target is accepted';
($id) = $res->{content} =~ /data-webhook-id="(\d+)"/;
is $s->sql_one('SELECT count(*) FROM webhook_deliveries'), 0, 'no deliveries yet';
$res = invite($olga, 'acme', 'dora@example.com', 'member');
is $res->{status}, 303, 'an invitation';
my ($did, $devent, $dstatus) = @{ ($s->psql('SELECT id, event, status FROM webhook_deliveries WHERE webhook_id = ?', $id))[0] // [] };
ok $did, 'queued one delivery';
is $devent, 'invitation.created', '... of invitation.created';
is $dstatus, 'queued', '... queued';
my $m = metrics($s);
is $m->{roster_webhook_queued_deliveries}, $s->sql_one(q{SELECT count(*) FROM webhook_deliveries WHERE status = 'queued'}),
    '/metrics: roster_webhook_queued_deliveries equals the table';
ok $m->{roster_webhook_oldest_queued_age_seconds} >= 0, '/metrics: the oldest queued age';
for my $o (qw(delivered retried failed)) {
	ok exists $m->{qq{roster_webhook_deliveries_total{outcome="$o"}}}, "/metrics: deliveries outcome=$o";
}
ok !exists $m->{roster_webhooks_delivered_total}, '/metrics: the rows are not listed a second time';
$res = $olga->get('/orgs/acme/webhooks');
like $res->{content}, qr/<tr data-delivery-id="$did" data-event="invitation.created" data-delivery-status="queued">/,
    'the page lists the delivery: id, event, status';
like $res->{content}, qr/not tried yet/, '... not tried yet';
$s->psql(q{UPDATE webhook_deliveries SET status = 'failed', payload = NULL, attempts = 8, last_status = 500 WHERE id = ?}, $did);
$res = $olga->get('/orgs/acme/webhooks');
like $res->{content}, qr/data-delivery-id="$did" data-event="invitation.created" data-delivery-status="failed"/,
    'a failed delivery shows as failed';
like $res->{content}, qr/data-last-status="500">HTTP 500/, '... with the last answer';
# The newest 10 only.
$s->psql(q{INSERT INTO webhook_deliveries (webhook_id, event, message_id, payload)
    SELECT ?, 'invitation.revoked', 'msg_t' || g, '{}' FROM generate_series(1, 12) g}, $id);
$res = $olga->get('/orgs/acme/webhooks');
my @shown = $res->{content} =~ /data-delivery-id="(\d+)"/g;
is scalar(@shown), 10, 'the newest 10 deliveries are listed';
ok !(grep { $_ == $did } @shown), '... the oldest is left out';

# Deleting the endpoint takes its deliveries along.
$olga->get('/orgs/acme/webhooks');
is $olga->post_form("/orgs/acme/webhooks/$id/delete", {})->{status}, 303, 'delete the endpoint';
is $s->sql_one('SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ?', $id), 0, '... its deliveries are gone';

# ---- at most 10 endpoints ------------------------------------------------------
for my $i (1 .. 10) {
	add($olga, 'acme', "http://127.0.0.1:9/h$i", 'membership.removed');
}
is $s->sql_one('SELECT count(*) FROM webhooks WHERE organization_id = ?', $acme), 10, 'ten endpoints';
$res = add($olga, 'acme', 'http://127.0.0.1:9/h11', 'membership.removed');
is $res->{status}, 409, 'the eleventh: 409';
is_deeply [ $olga->errors($res) ], ['too-many-webhooks'], '... too-many-webhooks';
like $res->{content}, qr{value="http://127\.0\.0\.1:9/h11"}, '... the form kept';
is $s->sql_one('SELECT count(*) FROM webhooks WHERE organization_id = ?', $acme), 10, '... still ten';

# Owners adding at once cannot pass the limit together: with 8 endpoints,
# 6 adds sent at once leave exactly 10.
new_org($olga, 'Race', 'race');
my $race = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'race'});
add($olga, 'race', "http://127.0.0.1:9/r$_", 'membership.removed') for 1 .. 8;
is $s->sql_one('SELECT count(*) FROM webhooks WHERE organization_id = ?', $race), 8, 'race: eight endpoints';
my @r = race($s, map {
	my $i = $_;
	sub {
		my $ua = clone_ua($s, $olga);
		$ua->get('/orgs/race/webhooks');
		return sub { ($ua, $ua->post_form('/orgs/race/webhooks',
		    [ url => "http://127.0.0.1:9/x$i", events => 'membership.removed' ])) };
	}
} 1 .. 6);
is scalar(grep { $_->{status} eq '200' } @r), 2, 'race: two of six adds succeed';
is scalar(grep { $_->{status} eq '409' && $_->{errors} eq 'too-many-webhooks' } @r), 4,
    '... the other four are 409 too-many-webhooks';
is $s->sql_one('SELECT count(*) FROM webhooks WHERE organization_id = ?', $race), 10, '... and there are 10';

# ---- what the table stores: what the parser accepted ------------------------
# The scheme is matched in any case and stored in lower case (the table's
# check wants that spelling); the rest as typed. A URL shorter than the
# table's 10 bytes is invalid-url, not the table's bare "invalid".
new_org($olga, 'Caps', 'caps');
my $caps = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'caps'});
$res = add($olga, 'caps', 'HTTPS://93.184.215.14/Up?Q=1', 'membership.removed');
is $res->{status}, 200, 'a scheme in capitals: 200'
    or diag 'errors: ', join ',', $olga->errors($res);
is $olga->page($res), 'webhook-created', '... page webhook-created';
like $res->{content}, qr{>https://93\.184\.215\.14/Up\?Q=1<}, '... the URL shown as stored';
is $s->sql_one('SELECT url FROM webhooks WHERE organization_id = ?', $caps),
    'https://93.184.215.14/Up?Q=1', '... stored with the scheme in lower case, the rest as typed';
$res = add($olga, 'caps', 'Http://ab', 'membership.removed');
is $res->{status}, 422, 'a URL of 9 bytes: 422';
is_deeply [ $olga->errors($res) ], ['invalid-url'], '... invalid-url';
like $res->{content}, qr{data-error="invalid-url">[^<]*too short}, '... saying it is too short';
is $s->sql_one('SELECT count(*) FROM webhooks WHERE organization_id = ?', $caps), 1, '... nothing stored';

done_testing;
