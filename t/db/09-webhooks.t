#!/usr/bin/env perl
# Webhooks in the database (sql/006): the shape of an endpoint (http or
# https URL, 1 to 8 known events, a sealed key), of a delivery (a body only
# while queued, a time once delivered, at most 8 attempts), cascades, and
# the two functions the audit statement calls: webhook_event (which audit
# actions announce which event) and webhook_payload (the body: type, time,
# organization, subject with the API's field names, and nothing secret).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my $ann = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('ann\@example.com', 'Ann \"A\" <b>', 'argon-hash') RETURNING id");
my $org = $s->sql_one("INSERT INTO organizations (slug, name, created_by) VALUES ('acme', 'Acme & Co', $ann) RETURNING id");

sub hook_sql {
	my (%i) = @_;
	my %row = (organization_id => $org, url => "'https://example.com/hook'",
	    events => "ARRAY['invitation.created']", secret => "'\\x" . ('ab' x 72) . "'::bytea", %i);
	my @cols = sort keys %row;
	return "INSERT INTO webhooks (" . join(', ', @cols) . ") VALUES ("
	    . join(', ', map { $row{$_} } @cols) . ") RETURNING id";
}

my $hook = $s->sql_one(hook_sql());
ok $hook, 'an endpoint';
$s->sql_ok(hook_sql(url => "'http://example.com:8080/x?y=1'"), 'http with a port and a query');
$s->sql_fails(hook_sql(url => "'ftp://example.com/x'"), '23514', 'webhooks_url_shape', 'ftp refused');
$s->sql_fails(hook_sql(url => "'https://exa mple.com/'"), '23514', 'webhooks_url_shape', 'a space refused');
$s->sql_fails(hook_sql(url => "'https://example.com/' || repeat('a', 2000)"), '23514', 'webhooks_url_shape',
    'over 2000 bytes refused');
$s->sql_fails(hook_sql(events => "ARRAY[]::text[]"), '23514', 'webhooks_events_known', 'no event refused');
$s->sql_fails(hook_sql(events => "ARRAY['user.signed_up']"), '23514', 'webhooks_events_known',
    'an unknown event refused');
$s->sql_fails(hook_sql(events => "ARRAY['invitation.created', NULL]"), '23514', 'webhooks_events_known',
    'a NULL event refused');
$s->sql_ok(hook_sql(events => "ARRAY['invitation.created', 'invitation.accepted', 'invitation.declined',
    'invitation.revoked', 'membership.created', 'membership.removed', 'membership.role_changed',
    'join_request.submitted']"), 'all eight events');
$s->sql_fails(hook_sql(secret => "'\\x00'::bytea"), '23514', 'webhooks_secret_length', 'a key that is not sealed');

sub delivery_sql {
	my (%i) = @_;
	my %row = (webhook_id => $hook, event => "'invitation.created'", message_id => "'msg_1'",
	    payload => "'{}'", %i);
	my @cols = sort keys %row;
	return "INSERT INTO webhook_deliveries (" . join(', ', @cols) . ") VALUES ("
	    . join(', ', map { $row{$_} } @cols) . ") RETURNING id";
}
my $d = $s->sql_one(delivery_sql());
is $s->sql_one("SELECT status || ' ' || attempts FROM webhook_deliveries WHERE id = $d"), 'queued 0', 'queued, untried';
$s->sql_fails(delivery_sql(payload => 'NULL'), '23514', 'webhook_deliveries_payload_only_while_queued',
    'a queued delivery keeps its body');
$s->sql_fails("UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now() WHERE id = $d", '23514',
    'webhook_deliveries_payload_only_while_queued', 'a delivered one drops it');
$s->sql_fails("UPDATE webhook_deliveries SET status = 'delivered', payload = NULL WHERE id = $d", '23514',
    'webhook_deliveries_delivered_has_time', 'delivered has a time');
$s->sql_fails("UPDATE webhook_deliveries SET status = 'sent', payload = NULL WHERE id = $d", '23514', 'webhook_deliveries_status',
    'an unknown status');
$s->sql_fails("UPDATE webhook_deliveries SET attempts = 9 WHERE id = $d", '23514', 'webhook_deliveries_attempts',
    'at most 8 attempts');
$s->sql_ok("UPDATE webhook_deliveries SET status = 'failed', payload = NULL, attempts = 8 WHERE id = $d",
    'failed after 8');
is $s->sql_one("SELECT count(*) FROM mail_counters WHERE name LIKE 'webhooks_%_total'"), 3, 'three counters';

# webhook_event: the mapping from audit actions.
my %map = ('invitation.created' => 'invitation.created', 'invitation.resent' => 'invitation.created',
    'invitation.accepted' => 'invitation.accepted', 'invitation.declined' => 'invitation.declined',
    'invitation.revoked' => 'invitation.revoked', 'membership.accepted' => 'membership.created',
    'membership.removed' => 'membership.removed', 'membership.left' => 'membership.removed',
    'membership.role_changed' => 'membership.role_changed', 'join_request.submitted' => 'join_request.submitted',
    'join_request.confirmed' => 'join_request.submitted', 'membership.declined' => '',
    'membership.cancelled' => '', 'user.signed_up' => '', 'invite_link.created' => '', 'org.created' => '',
    'webhook.created' => '');
for my $action (sort keys %map) {
	is $s->sql_one("SELECT coalesce(webhook_event('$action', NULL), '-')"), $map{$action} || '-',
	    "$action announces " . ($map{$action} || 'nothing');
}
my $bob = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('bob\@example.com', 'Bob', 'argon-hash-bob') RETURNING id");
my $active = $s->sql_one("INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
    VALUES ($org, $bob, 'admin', 'active', 'invitation', now()) RETURNING id");
my $cy = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('cy\@example.com', 'Cy', 'x') RETURNING id");
my $pending = $s->sql_one("INSERT INTO memberships (organization_id, user_id, role, status, source)
    VALUES ($org, $cy, 'member', 'pending', 'owner_add') RETURNING id");
is $s->sql_one("SELECT coalesce(webhook_event('membership.created', $active), '')"), 'membership.created',
    'an active membership created is announced';
is $s->sql_one("SELECT coalesce(webhook_event('membership.created', $pending), '-')"), '-',
    'an owner-add waiting for consent is not (yet)';

# webhook_payload.
sub payload { return decode_json($s->sql_one("SELECT webhook_payload($_[0])")) }
my $inv = $s->sql_one("INSERT INTO invitations (organization_id, email, role, hashed_token, invited_by, expires_at)
    VALUES ($org, 'new\@example.com', 'member', sha256('t'::bytea), $ann, '2030-01-02 03:04:05+00') RETURNING id");
my $p = payload("'invitation.created', $org, $inv, '{\"role\": \"member\", \"replaces\": 41}', '2026-11-28 01:02:03+00'");
is $p->{type}, 'invitation.created', 'type';
is $p->{timestamp}, '2026-11-28T01:02:03Z', 'RFC 3339 time of the event';
is_deeply $p->{data}{organization}, { slug => 'acme', name => 'Acme & Co' }, 'the organization';
is_deeply $p->{data}{invitation}, { id => $inv + 0, email => 'new@example.com', role => 'member', status => 'pending',
    expires_at => '2030-01-02T03:04:05Z', invited_by => $ann + 0, replaces => 41 }, 'the invitation, as the API shows it';
$p = payload("'invitation.revoked', $org, $inv, '{}', now()");
is $p->{data}{invitation}{status}, 'revoked', 'a revoked invitation says so';
is $p->{data}{invitation}{replaces}, undef, 'and replaces nothing';
$p = payload("'membership.created', $org, $active, '{\"role\": \"admin\", \"source\": \"invitation\", \"user_id\": $bob}', now()");
is_deeply $p->{data}{member}, { user_id => $bob + 0, email => 'bob@example.com', display_name => 'Bob',
    role => 'admin', source => 'invitation' }, 'a member, as the API shows one';
$p = payload("'membership.role_changed', $org, $active, '{\"user_id\": $bob, \"from\": \"member\", \"to\": \"admin\"}', now()");
is $p->{data}{member}{role}, 'admin', 'a role change: the new role';
is $p->{data}{member}{previous_role}, 'member', '... and the previous one';
$s->sql_ok("DELETE FROM memberships WHERE id = $active", 'the membership removed');
$p = payload("'membership.removed', $org, $active, '{\"user_id\": $bob, \"role\": \"admin\"}', now()");
is_deeply $p->{data}{member}, { user_id => $bob + 0, email => 'bob@example.com', display_name => 'Bob',
    role => 'admin', source => undef }, 'a removed member: from the event, the row being gone';
my $jr = $s->sql_one("INSERT INTO join_requests (organization_id, email, status, first_name, last_name, fields,
    submitted_at) VALUES ($org, 'dee\@example.com', 'submitted', 'Dee', 'Doe', '{\"city\": \"Oslo\"}', now())
    RETURNING id");
$p = payload("'join_request.submitted', $org, $jr, '{}', now()");
is_deeply $p->{data}{join_request}, { id => $jr + 0, email => 'dee@example.com', first_name => 'Dee',
    last_name => 'Doe', fields => { city => 'Oslo' } }, 'a join request';
$p = payload("'membership.removed', $org, 999999, '{\"user_id\": \"x\"}', now()");
is_deeply [sort keys %{ $p->{data} }], ['organization'], 'a subject that cannot be found: the organization alone';
my $all = $s->sql_one("SELECT string_agg(webhook_payload(e, $org, s, d::jsonb, now()), ' ') FROM (VALUES
    ('invitation.created', $inv, '{}'), ('membership.created', $active, '{\"user_id\": $bob}'),
    ('join_request.submitted', $jr, '{}')) v(e, s, d)");
unlike $all, qr/argon-hash|hashed_token|token|sha256|\\x/i, 'no hash, token or key in any body';
is $s->sql_one("SELECT count(*) FROM webhook_deliveries"), 1, 'nothing queued by these calls';

$s->sql_ok("DELETE FROM webhooks WHERE id = $hook", 'an endpoint deleted');
is $s->sql_one("SELECT count(*) FROM webhook_deliveries"), 0, 'its deliveries go with it';
$s->sql_ok("DELETE FROM organizations WHERE id = $org", 'the organization deleted');
is $s->sql_one("SELECT count(*) FROM webhooks"), 0, 'its endpoints go with it';

done_testing;
