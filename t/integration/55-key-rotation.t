#!/usr/bin/env perl
# Rotating ROSTER_SECRET_KEY (docs/invitations.md): after a restart with a
# new key and the old one as ROSTER_SECRET_KEY_PREVIOUS, links sent before
# the rotation still work, links sent after it are signed with the new
# key, and a restart without the previous key makes the old links
# invalid. Sessions survive the rotation; the mailer still delivers what
# was queued under the old key.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use MIME::Base64 qw(encode_base64);
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;
my %env = $s->env;
my $old = $env{ROSTER_SECRET_KEY};
ok $old, 'the stack runs with a secret key';
my $new = encode_base64(join('', map { chr int rand 256 } 1 .. 32), '');

my $owner = person($s, 'olga@example.com', 'Olga');
new_org($owner, 'Acme', 'acme');
my $before = invite_ok($s, $owner, 'acme', 'bob@example.com', 'member');
my $queued_for = 'carol@example.com';

# Rotate: the mailer is stopped first so that one message stays queued
# (sealed with the old outbox key) across the rotation.
$s->stop_mailer;
my $res = invite($owner, 'acme', $queued_for, 'member');
is $res->{status}, 303, 'an invitation queued before the rotation';
is $s->sql_one(q{SELECT count(*) FROM outbox WHERE status = 'queued'}), 1,
    'its email waits in the outbox';

is $s->stop_fcgi, 0, 'roster-fcgi stops cleanly';
$s->set_env(ROSTER_SECRET_KEY => $new, ROSTER_SECRET_KEY_PREVIOUS => $old);
ok $s->start_fcgi, 'roster-fcgi starts with the new key and the previous one';
$s->start_mailer;

my $carol = $s->wait_for_mail(to => $queued_for, subject => qr/ invited you to join /, timeout => 15);
ok $carol, 'the mailer delivers the message queued under the old key';

my $bob = $s->ua;
$res = $bob->get($before->{path});
is $res->{status}, 200, 'a link sent before the rotation still works';
is $bob->page($res), 'invitation-signup', '  and shows the sign-up page';

$res = $owner->get('/orgs/acme');
is $owner->page($res), 'org-members', 'the session survives the rotation';
my $after = invite_ok($s, $owner, 'acme', 'dan@example.com', 'member');
ok $after->{id}, 'invitations are sent after the rotation';
my $dan = $s->ua;
$res = $dan->get($after->{path});
is $dan->page($res), 'invitation-signup', 'a link sent after the rotation works';

# Finish the rotation: without the previous key the old links die.
is $s->stop_fcgi, 0, 'roster-fcgi stops again';
$s->set_env(ROSTER_SECRET_KEY_PREVIOUS => undef);
ok $s->start_fcgi, 'roster-fcgi starts with the new key alone';
$res = $s->ua->get($before->{path});
is $res->{status}, 404, 'a link signed with the retired key is invalid';
$res = $dan->get($after->{path});
is $dan->page($res), 'invitation-signup', 'a link signed with the new key still works';

done_testing;
