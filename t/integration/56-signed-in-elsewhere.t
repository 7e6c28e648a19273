#!/usr/bin/env perl
# A visitor signed in as one address who uses another address's invitation
# link (SPEC §3 Invitees: "a signed-in POST by another address is 403 with
# the mismatch page"): accept, accept with sign-up and decline all answer
# 403 invitation-mismatch and write nothing. And whenever a visitor who
# holds a session starts another one (sign-up, sign-in), the old session
# ends on the server.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;
my $owner = person($s, 'olga@example.com', 'Olga');
new_org($owner, 'Acme', 'acme');
my $inv = invite_ok($s, $owner, 'acme', 'ann@example.com', 'member');

my $bert = person($s, 'bert@example.com', 'Bert');
my $res = $bert->get($inv->{path});
is $bert->page($res), 'invitation-mismatch', 'GET as another address: the mismatch page';

for my $case (
	[ '/invitations/accept', { token => $inv->{token} } ],
	[ '/invitations/accept/signup',
	  { token => $inv->{token}, display_name => 'Ann', password => 'a fine password' } ],
	[ '/invitations/decline', { token => $inv->{token} } ],
    ) {
	my ($path, $fields) = @$case;
	$bert->get($inv->{path});
	my $before = snapshot($s);
	$res = $bert->post_form($path, $fields);
	is $res->{status}, 403, "POST $path as another address: 403";
	is $bert->page($res), 'invitation-mismatch', '  the mismatch page';
	is snapshot($s), $before, '  nothing written';
}
$res = $bert->get('/');
is $bert->page($res), 'dashboard', "bert's session is untouched";

# Starting a new session ends the one held before.
my $carol = person($s, 'carol@example.com', 'Carol');
my $old = $carol->cookie('roster_session');
ok $old, 'carol holds a session';
my $sessions = $s->sql_one('SELECT count(*) FROM sessions');
$res = $carol->login('carol@example.com', Roster::Invite::PASSWORD);
is $res->{status}, 303, 'carol signs in again';
isnt $carol->cookie('roster_session'), $old, 'with a new session cookie';
is $s->sql_one('SELECT count(*) FROM sessions'), $sessions,
    'the old session row is gone (one replaced by one)';
my $stale = $s->ua;
$stale->set_cookie('roster_session', $old);
$res = $stale->get('/');
is $res->{status}, 303, 'the old session cookie no longer signs anyone in';

$old = $carol->cookie('roster_session');
$carol->get('/signup');
$res = $carol->post_form('/signup', { email => 'carol2@example.com',
    display_name => 'Carol Two', password => 'another password' });
is $res->{status}, 303, 'signing up while signed in works';
$stale->set_cookie('roster_session', $old);
$res = $stale->get('/');
is $res->{status}, 303, 'and ends the session held before';

done_testing;
