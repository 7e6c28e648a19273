#!/usr/bin/env perl
# Database constraints of the outbox (a body only while queued), the mail
# counters, rate events and the audit trail.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

my $ann = $s->sql_one("INSERT INTO users (email, display_name, password_hash)
    VALUES ('ann\@example.com', 'Ann', 'x') RETURNING id");
my $org = $s->sql_one("INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme') RETURNING id");

# outbox: the (encrypted) body exists exactly while the message is queued
my $id = $s->sql_one("INSERT INTO outbox (kind, recipient, body)
    VALUES ('invitation', 'bob\@example.com', '\\x00ff'::bytea) RETURNING id");
ok $id, 'a queued message';
is $s->sql_one("SELECT status || '/' || attempts FROM outbox WHERE id = $id"), 'queued/0',
    'queued with no attempt by default';
$s->sql_fails("INSERT INTO outbox (kind, recipient) VALUES ('invitation', 'bob\@example.com')",
    '23514', 'outbox_body_only_while_queued', 'queued without a body');
$s->sql_fails("UPDATE outbox SET status = 'sent', sent_at = now() WHERE id = $id", '23514',
    'outbox_body_only_while_queued', 'sent but the body kept');
$s->sql_ok("UPDATE outbox SET status = 'sent', sent_at = now(), body = NULL WHERE id = $id",
    'sent, body dropped');
$s->sql_fails("UPDATE outbox SET body = '\\x01'::bytea WHERE id = $id", '23514',
    'outbox_body_only_while_queued', 'a body on a sent message');
$s->sql_fails("INSERT INTO outbox (kind, recipient, body, status)
    VALUES ('invitation', 'bob\@example.com', NULL, 'bounced')", '23514', 'outbox_status',
    'an unknown status');
$s->sql_ok("INSERT INTO outbox (kind, recipient, status, last_error)
    VALUES ('invitation', 'bob\@example.com', 'failed', 'smtp 550')", 'a failed message, no body');
$s->sql_fails("INSERT INTO outbox (kind, recipient, body)
    VALUES ('invitation', E'bob\@example.com\\r\\nRCPT TO:<x\@y>', '\\x00'::bytea)", '23514',
    'outbox_recipient_shape', 'a CR LF in the recipient');
$s->sql_fails("INSERT INTO outbox (kind, recipient, body) VALUES ('invitation', 'b', '\\x00'::bytea)",
    '23514', 'outbox_recipient_shape', 'a recipient too short to be an address');

# counters read by /metrics
is_deeply [ map { $_->[0] } $s->psql('SELECT name FROM mail_counters ORDER BY name') ],
    [qw(emails_failed_total emails_sent_total emails_skipped_total
        webhooks_delivered_total webhooks_failed_total webhooks_retried_total)],
    'the mail counters exist (webhook outcomes since sql/006)';
is $s->sql_one('SELECT sum(value) FROM mail_counters'), 0, 'starting at zero';

# rate events
$s->sql_ok("INSERT INTO rate_events (bucket) VALUES ('login:ann\@example.com')", 'a rate event');
is $s->sql_one("SELECT count(*) FROM rate_events WHERE at > now() - interval '1 minute'"), 1,
    'stamped now';

# audit events: the trail outlives its actor and its organization
my $ev = $s->sql_one("INSERT INTO audit_events (actor_user_id, organization_id, action,
    subject_type, subject_id, data) VALUES ($ann, $org, 'invitation.create', 'invitation', 42,
    '{\"role\": \"member\"}') RETURNING id");
ok $ev, 'an audit event';
is $s->sql_one("SELECT (at > now() - interval '1 minute')::text || '/' || (data->>'role')
    FROM audit_events WHERE id = $ev"), 'true/member', 'stamped now, data kept as jsonb';
$s->sql_ok("INSERT INTO audit_events (action, subject_type) VALUES ('platform.signup', 'user')",
    'an event without actor or organization');
$s->sql_fails("INSERT INTO audit_events (subject_type) VALUES ('user')", '23502', undef,
    'an event needs an action');
$s->sql_fails("INSERT INTO audit_events (action, subject_type, data) VALUES ('x', 'user', 'not json')",
    '22P02', undef, 'data must be JSON');
$s->sql_ok("DELETE FROM organizations WHERE id = $org", 'the organization deleted');
$s->sql_ok("DELETE FROM users WHERE id = $ann", 'the actor deleted');
is $s->sql_one("SELECT count(*) FROM audit_events WHERE id = $ev AND actor_user_id IS NULL
    AND organization_id IS NULL AND action = 'invitation.create'"), 1,
    'the event stays, actor and organization cleared';

done_testing;
