#!/usr/bin/env perl
# Webhook events from the real flows (SPEC §7.5): every change that
# announces one of the eight events queues exactly one delivery per
# subscribed endpoint of its organization, with its body, in the change's
# own transaction (the statement that writes its audit event); an
# endpoint gets only the events it chose, another organization's nothing;
# a refused change queues nothing; an owner-add is announced when it is
# accepted, a public join request when it is confirmed; a resend is a new
# invitation naming the one it replaces; no body holds a token, a link or
# a hash. The mailer runs, but the endpoints point at a closed port on
# loopback without ROSTER_WEBHOOK_ALLOW_PRIVATE, and their keys open
# (t/lib/Roster/Webhook.pm seals them as the server does), so every
# delivery is refused as it connects and stays queued with its body
# (t/integration/87 delivers).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Join;
use Roster::Members;
use Roster::Webhook;

my $s = Roster::Test->start(env => { ROSTER_WEBHOOK_ALLOW_PRIVATE => 0, ROSTER_RETRY_BASE => 3600 });
my $olga = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($olga, 'Acme', 'acme');
enable_join($olga, 'acme', 'message');
my $otto = person($s, 'otto@example.com', 'Otto', confirm => 1);
new_org($otto, 'Other', 'other');

my @all = qw(invitation.created invitation.accepted invitation.declined invitation.revoked
    membership.created membership.removed membership.role_changed join_request.submitted);
sub hook { return add_webhook($s, $_[0], 'http://127.0.0.1:9/hook', @_[1 .. $#_])->{id} }
my $all = hook('acme', @all);
my $inv_only = hook('acme', 'invitation.created');
my $other = hook('other', @all);

# The deliveries of an endpoint after the id seen last, oldest first:
# [event, body, message_id].
my %seen;
sub new_events {
	my ($hook) = @_;
	my @r = $s->psql(q{SELECT id, event, coalesce(payload, ''), message_id FROM webhook_deliveries
	    WHERE webhook_id = ? AND id > ? ORDER BY id}, $hook, $seen{$hook} // 0);
	$seen{$hook} = $r[-1][0] if @r;
	return map { [ $_->[1], $_->[2] eq '' ? undef : decode_json($_->[2]), $_->[3] ] } @r;
}
sub events_are {
	my ($hook, $want, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my @got = new_events($hook);
	is_deeply [ map { $_->[0] } @got ], $want, $what;
	return @got;
}
sub quiet { events_are($_, [], $_[0]) for $all, $inv_only, $other }

# ---- invitations -------------------------------------------------------------------------
my $bob = invite_ok($s, $olga, 'acme', 'bob@example.com', 'member');
my ($ev) = events_are($all, ['invitation.created'], 'an invitation: invitation.created');
events_are($inv_only, ['invitation.created'], '... to the endpoint that chose only it too');
events_are($other, [], '... and nothing to another organization\'s endpoint');
my $body = $ev->[1];
is $body->{type}, 'invitation.created', 'the body names its type';
like $body->{timestamp}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, '... an RFC 3339 time';
is_deeply $body->{data}{organization}, { slug => 'acme', name => 'Acme' }, '... the organization';
is $body->{data}{invitation}{id}, $bob->{id}, '... the invitation\'s id';
is $body->{data}{invitation}{email}, 'bob@example.com', '... its address';
is $body->{data}{invitation}{status}, 'pending', '... pending';
my $aid = $s->sql_one(q{SELECT id FROM audit_events WHERE action = 'invitation.created' AND subject_id = ?}, $bob->{id});
is $ev->[2], "msg_$aid", 'the webhook-id is the audit event\'s';
is $s->sql_one(q{SELECT count(DISTINCT message_id) FROM webhook_deliveries WHERE message_id = ?}, "msg_$aid"), 1,
    '... the same for both endpoints';

my $bob_ua = join_by_signup($s, $bob, 'Bob');
my @ev = events_are($all, ['invitation.accepted', 'membership.created'], 'accepting: invitation.accepted, membership.created');
is $ev[0][1]{data}{invitation}{status}, 'accepted', '... the invitation accepted';
is_deeply [ @{ $ev[1][1]{data}{member} }{qw(email display_name role source)} ],
    [ 'bob@example.com', 'Bob', 'member', 'invitation' ], '... the new member';
is $ev[1][1]{data}{member}{user_id}, user_id($s, 'bob@example.com'), '... by user id';
events_are($inv_only, [], '... nothing for the invitation.created-only endpoint');

my $carl = invite_ok($s, $olga, 'acme', 'carl@example.com', 'member');
my $carl_ua = $s->ua;
$carl_ua->get("/invitations/accept?token=$carl->{token}");
is $carl_ua->post_form('/invitations/decline', { token => $carl->{token} })->{status}, 303, 'carl declines';
events_are($all, ['invitation.created', 'invitation.declined'], '... invitation.declined');
new_events($inv_only);

my $dan = invite_ok($s, $olga, 'acme', 'dan@example.com', 'admin');
org_page($olga, 'acme');
is $olga->post_form("/orgs/acme/invitations/$dan->{id}/revoke", {})->{status}, 303, 'dan\'s invitation revoked';
@ev = events_are($all, ['invitation.created', 'invitation.revoked'], '... invitation.revoked');
is $ev[1][1]{data}{invitation}{role}, 'admin', '... with its role';
new_events($inv_only);

my $eve = invite_ok($s, $olga, 'acme', 'eve@example.com', 'member');
org_page($olga, 'acme');
is $olga->post_form("/orgs/acme/invitations/$eve->{id}/resend", {})->{status}, 303, 'eve\'s invitation resent';
my $eve2 = invitation_mail($s, 'eve@example.com');
@ev = events_are($all, ['invitation.created', 'invitation.created'], '... a resend is a new invitation');
is $ev[1][1]{data}{invitation}{id}, $eve2->{id}, '... the new one';
is $ev[1][1]{data}{invitation}{replaces}, $eve->{id}, '... naming the one it replaces';
events_are($inv_only, ['invitation.created', 'invitation.created'], '... to both endpoints');

# ---- refused changes queue nothing -------------------------------------------------------
is invite($olga, 'acme', 'bob@example.com', 'member')->{status}, 409, 'inviting a member: 409';
is invite($olga, 'acme', 'not an address', 'member')->{status}, 422, 'a bad address: 422';
is change_role($bob_ua, 'acme', user_id($s, 'olga@example.com'), 'member')->{status}, 403,
    'a member demoting the owner: 403';
is remove_member($olga, 'acme', user_id($s, 'olga@example.com'))->{status}, 409, 'the last owner removing herself: 409';
quiet('... none of them queued an event');

# ---- memberships -------------------------------------------------------------------------
is change_role($olga, 'acme', user_id($s, 'bob@example.com'), 'admin')->{status}, 303, 'bob made admin';
@ev = events_are($all, ['membership.role_changed'], '... membership.role_changed');
is_deeply [ @{ $ev[0][1]{data}{member} }{qw(email role previous_role)} ], [ 'bob@example.com', 'admin', 'member' ],
    '... with the new and the previous role';

my $fay_ua = member($s, 'fay@example.com', 'Fay', confirmed => 1);
is owner_add($olga, 'acme', 'fay@example.com', 'member')->{status}, 303, 'fay added by the owner';
events_are($all, [], '... not announced while it waits for her consent');
my $fay_mid = membership_row($s, 'acme', 'fay@example.com')->{id};
is consent($fay_ua, $fay_mid, 'accept')->{status}, 303, 'fay accepts';
@ev = events_are($all, ['membership.created'], '... now membership.created');
is $ev[0][1]{data}{member}{source}, 'owner_add', '... source owner_add';

my $gus_ua = member($s, 'gus@example.com', 'Gus', confirmed => 1);
owner_add($olga, 'acme', 'gus@example.com', 'member');
is consent($gus_ua, membership_row($s, 'acme', 'gus@example.com')->{id}, 'decline')->{status}, 303, 'gus declines an owner-add';
quiet('... nothing announced');

is leave_org($bob_ua, 'acme')->{status}, 303, 'bob leaves';
@ev = events_are($all, ['membership.removed'], '... membership.removed');
is_deeply [ @{ $ev[0][1]{data}{member} }{qw(email role)} ], [ 'bob@example.com', 'admin' ], '... who, with the role he had';
is remove_member($olga, 'acme', user_id($s, 'fay@example.com'))->{status}, 303, 'fay removed';
@ev = events_are($all, ['membership.removed'], '... membership.removed');
is $ev[0][1]{data}{member}{email}, 'fay@example.com', '... fay';

# ---- join requests -----------------------------------------------------------------------
my $hal = person($s, 'hal@example.com', 'Hal', confirm => 1);
$hal->get('/join/acme');
is $hal->post_form('/orgs/acme/join-requests', { message => 'Hi' })->{status}, 303, 'a signed-in join request';
@ev = events_are($all, ['join_request.submitted'], '... join_request.submitted');
is $ev[0][1]{data}{join_request}{email}, 'hal@example.com', '... by hal';
is_deeply $ev[0][1]{data}{join_request}{fields}, { message => 'Hi' }, '... with the form\'s fields';

is public_join($s, 'acme', email => 'ida@example.com', first_name => 'Ida', last_name => 'Ng')->{status}, 303,
    'a public join request';
events_are($all, [], '... not announced before its address is confirmed');
my $tok = join_mail_token($s, 'ida@example.com');
is confirm_join($s->ua, $tok)->{status}, 200, '... confirmed';
@ev = events_are($all, ['join_request.submitted'], '... now join_request.submitted');
is_deeply [ @{ $ev[0][1]{data}{join_request} }{qw(email first_name last_name)} ], [ 'ida@example.com', 'Ida', 'Ng' ],
    '... with the names';

# ---- nothing secret, nothing elsewhere ----------------------------------------------------
my $bodies = join "\n", map { $_->[0] } $s->psql(q{SELECT payload FROM webhook_deliveries WHERE payload IS NOT NULL});
ok length $bodies > 1000, 'bodies to search';
for my $inv ($bob, $carl, $dan, $eve, $eve2) {
	unlike $bodies, qr/\Q$inv->{token}\E/, "no body holds $inv->{email}'s token";
}
unlike $bodies, qr{/invitations/accept|/join/confirm|token|hash|password|\$argon2}i, 'nor a link, a hash or a password';
is $s->sql_one(q{SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ?}, $other), 0,
    'the other organization\'s endpoint got nothing';
is $s->sql_one(q{SELECT count(*) FROM webhook_deliveries d JOIN audit_events e ON d.message_id = 'msg_' || e.id
    WHERE d.webhook_id = ?}, $all), $s->sql_one(q{SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ?}, $all),
    'every delivery is of an audited change';

# ---- an endpoint deleted takes its queue ---------------------------------------------------
$s->sql_ok("DELETE FROM webhooks WHERE id = $inv_only", 'an endpoint deleted');
invite_ok($s, $olga, 'acme', 'jo@example.com', 'member');
events_are($all, ['invitation.created'], 'the other endpoint still gets events');
is $s->sql_one(q{SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ?}, $inv_only), 0, '... the deleted one none';

done_testing;
