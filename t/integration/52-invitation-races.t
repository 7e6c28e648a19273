#!/usr/bin/env perl
# Invitations under concurrency (SPEC §4 Invitations 2, 3, 8, 9; §5): many
# processes fire at once through a gate, on eight workers. Sixteen
# sessions of one invitee accepting one token make exactly one membership
# and the rest see invitation-already-accepted; eight anonymous sign-ups
# through one link make one account; accept racing revoke, decline or
# resend ends the invitation exactly one way, and never leaves a membership
# behind a revoked or declined invitation; two invites of one address
# leave exactly one open row. Never a 5xx.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use List::Util qw(max min);
use Roster::Test;
use Roster::Invite;

# Limits high enough not to interfere: 53-invitation-limits.t tests them.
my $s = Roster::Test->start(workers => 8,
    env => { ROSTER_INVITE_LIMIT_USER => 1000, ROSTER_INVITE_LIMIT_ORG => 1000 });

my $owner = person($s, 'olga@example.com', 'Olga Owner');
new_org($owner, 'Acme', 'acme');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});

sub memberships_of {
	my ($email) = @_;
	return $s->sql_one(q{SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE m.organization_id = ? AND u.email = ?}, $acme, $email);
}

sub tally {
	my %t;
	$t{ join ' ', grep { length } $_->{status}, $_->{page}, $_->{flash} // '', $_->{errors} }++ for @_;
	return join '; ', map { "$t{$_} x [$_]" } sort keys %t;
}

sub no_5xx {
	my ($what, @r) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my @bad = grep { $_->{status} !~ /^[234]\d\d$/ } @r;
	ok !@bad, "$what: no 5xx and no failed request";
	diag "status $_->{status}: " . ($_->{error} // $_->{page} // '') for @bad;
}

# A job posting fields with the session of ua (its own connection).
sub poster {
	my ($ua, $path, $fields) = @_;
	my %cookies = map { $_ => $ua->cookie($_) } $ua->cookie_names;
	my $csrf = $ua->csrf;
	return sub {
		my $c = $s->ua;
		$c->set_cookie($_, $cookies{$_}) for keys %cookies;
		return sub { ($c, $c->post($path, { %$fields, csrf_token => $csrf })) };
	};
}

# ---- 16 sessions of one invitee accept one token at once -------------------------------
{
	person($s, 'rita@example.com', 'Rita');
	my $inv = invite_ok($s, $owner, 'acme', 'rita@example.com', 'member');
	my @uas = map { login_ua($s, 'rita@example.com') } 1 .. 16;
	$_->get($inv->{path}) for @uas;
	is scalar(grep { $_->page eq 'invitation-accept' } @uas), 16, '16 sessions of rita see the accept page';
	my $c0 = counts($s);
	my @r = race($s, map { poster($_, '/invitations/accept', { token => $inv->{token} }) } @uas);
	no_5xx('16 accepts', @r);
	my @won = grep { $_->{status} == 303 && ($_->{flash} // '') eq 'invitation-accepted' } @r;
	my @lost = grep { ($_->{status} == 410 && $_->{page} eq 'invitation-already-accepted')
	    || ($_->{status} == 303 && ($_->{flash} // '') eq 'already-member') } @r;
	is scalar(@won), 1, '16 accepts: exactly one succeeds' or diag tally(@r);
	is scalar(@won) + scalar(@lost), 16, '16 accepts: the rest see invitation-already-accepted (or already-member)'
	    or diag tally(@r);
	is memberships_of('rita@example.com'), 1, '16 accepts: exactly one membership';
	is counts($s)->{memberships} - $c0->{memberships}, 1, '16 accepts: one membership row in all';
	is audit_count($s, 'invitation.accepted', $inv->{id}), 1, '16 accepts: one invitation.accepted event';
	is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'membership.created'
	    AND organization_id = ? AND data->>'invitation_id' = ?}, $acme, $inv->{id}), 1,
	    '16 accepts: one membership.created event';
	ok length inv_row($s, $inv->{id})->{accepted_at}, '16 accepts: the invitation is stamped';
	my @t = grep { $_->{t0} } @r;
	diag sprintf '16 accepts: %s; all started within %.3f s, first ended after %.3f s',
	    tally(@r), max(map { $_->{t0} } @t) - min(map { $_->{t0} } @t),
	    min(map { $_->{t1} } @t) - min(map { $_->{t0} } @t) if @t;
}

# ---- 8 anonymous visitors sign up through one link at once --------------------------
{
	my $inv = invite_ok($s, $owner, 'acme', 'sam@example.com', 'admin');
	my @uas = map { my $u = $s->ua; $u->get($inv->{path}); $u } 1 .. 8;
	my $c0 = counts($s);
	my @r = race($s, map {
		poster($_, '/invitations/accept/signup',
		    { token => $inv->{token}, display_name => 'Sam', password => PASSWORD })
	} @uas);
	no_5xx('8 sign-ups', @r);
	my @won = grep { $_->{status} == 303 && ($_->{flash} // '') eq 'invitation-accepted' } @r;
	is scalar(@won), 1, '8 sign-ups through one link: exactly one succeeds' or diag tally(@r);
	is scalar(grep { $_->{status} == 410 && $_->{page} eq 'invitation-already-accepted' } @r), 7,
	    '8 sign-ups: the rest see invitation-already-accepted' or diag tally(@r);
	my $c1 = counts($s);
	is $c1->{users} - $c0->{users}, 1, '8 sign-ups: one user';
	is $c1->{memberships} - $c0->{memberships}, 1, '8 sign-ups: one membership';
	is $c1->{sessions} - $c0->{sessions}, 1, '8 sign-ups: one session';
	is $s->sql_one(q{SELECT role FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE u.email = 'sam@example.com'}), 'admin', '8 sign-ups: with the invited role';
}

# ---- accept racing revoke, decline and resend ------------------------------------------
# Each round: a fresh invitee, a fresh invitation, two requests at once.
my (%wins, $rounds);
for my $round (1 .. 18) {
	my $kind = (qw(revoke decline resend))[ ($round - 1) % 3 ];
	my $email = "race$round\@example.com";
	my $ua = person($s, $email, "Racer $round");
	my $inv = invite_ok($s, $owner, 'acme', $email, 'member');
	$ua->get($inv->{path});
	my $accept = poster($ua, '/invitations/accept', { token => $inv->{token} });
	my $other = $kind eq 'decline'
	    ? poster($ua, '/invitations/decline', { token => $inv->{token} })
	    : poster($owner, "/orgs/acme/invitations/$inv->{id}/$kind", {});
	# Alternate which process forks first.
	my @r = $round % 2 ? race($s, $accept, $other) : reverse race($s, $other, $accept);
	my ($ra, $ro) = @r;
	$rounds++;
	my $row = inv_row($s, $inv->{id});
	my $members = memberships_of($email);
	my $open_new = $s->sql_one(q{SELECT count(*) FROM invitations WHERE organization_id = ?
	    AND email = ? AND id <> ? AND accepted_at IS NULL AND revoked_at IS NULL
	    AND declined_at IS NULL}, $acme, $email, $inv->{id});
	my $what = "round $round (accept vs $kind)";
	no_5xx($what, @r);
	if (length $row->{accepted_at}) {
		$wins{"accept beat $kind"}++;
		ok $ra->{status} == 303 && ($ra->{flash} // '') eq 'invitation-accepted'
		    && $row->{revoked_at} eq '' && $row->{declined_at} eq '' && $members == 1
		    && $open_new == 0,
		    "$what: accepted, one membership, nothing else ended it" or diag tally(@r);
		if ($kind eq 'decline') {
			is $ro->{status}, 410, "$what: the decline sees the acceptance (410)";
			is $ro->{page}, 'invitation-already-accepted', "$what: ... invitation-already-accepted";
		} else {
			is $ro->{status}, 409, "$what: the $kind finds nothing pending (409)";
			is $ro->{errors}, 'not-pending', "$what: ... not-pending";
		}
	} else {
		$wins{"$kind beat accept"}++;
		my $col = $kind eq 'decline' ? 'declined_at' : 'revoked_at';
		my $page = $kind eq 'decline' ? 'invitation-declined' : 'invitation-revoked';
		ok length($row->{$col}) && $members == 0 && $ro->{status} == 303,
		    "$what: $col set, no membership" or diag tally(@r);
		is $ra->{status}, 410, "$what: the accept sees the end (410)";
		is $ra->{page}, $page, "$what: ... $page";
		is $open_new, $kind eq 'resend' ? 1 : 0, "$what: open rows left for the address";
	}
}
diag join ', ', map { "$_: $wins{$_}" } sort keys %wins;
is $s->sql_one(q{SELECT count(*) FROM invitations i JOIN users u ON u.email = i.email
    JOIN memberships m ON m.user_id = u.id AND m.organization_id = i.organization_id
    WHERE (i.revoked_at IS NOT NULL OR i.declined_at IS NOT NULL)
    AND m.source = 'invitation' AND i.email LIKE 'race%'
    AND NOT EXISTS (SELECT 1 FROM invitations j WHERE j.email = i.email
	AND j.organization_id = i.organization_id AND j.accepted_at IS NOT NULL)}), 0,
    'no membership ever came from a revoked or declined invitation';

# ---- two invites of one address at once ------------------------------------------------
my $adam_inv = invite_ok($s, $owner, 'acme', 'adam@example.com', 'admin');
my $adam = join_by_signup($s, $adam_inv, 'Adam Admin');
org_page($adam, 'acme');
for my $round (1 .. 6) {
	my $email = "twice$round\@example.com";
	my @who = $round % 2 ? ($owner, $owner) : ($owner, $adam);
	$_->get('/orgs/acme') for @who;
	my $c0 = counts($s);
	my @r = race($s, map { poster($_, '/orgs/acme/invitations', { email => $email, role => 'member' }) } @who);
	my $what = "two invites of $email at once" . ($round % 2 ? ' (one user)' : ' (two admins)');
	no_5xx($what, @r);
	my $n303 = grep { $_->{status} == 303 && ($_->{flash} // '') eq 'invitation-sent' } @r;
	my $nother = grep { $_->{status} =~ /^(?:409|429)$/ } @r;
	ok $n303 == 2 || ($n303 == 1 && $nother == 1), "$what: both sent, or one sent and one refused"
	    or diag tally(@r);
	is $s->sql_one(q{SELECT count(*) FROM invitations WHERE organization_id = ? AND email = ?
	    AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL}, $acme, $email), 1,
	    "$what: exactly one open row";
	is counts($s)->{invitations} - $c0->{invitations}, $n303, "$what: one row per success";
	is $s->sql_one('SELECT count(*) FROM outbox WHERE recipient = ?', $email), $n303,
	    "$what: one outbox row per success";
	# The mailer skips the mail of a row replaced before delivery.
	ok eventually(15, sub { $s->sql_one(q{SELECT x.status FROM outbox x JOIN invitations i
	    ON i.id = x.invitation_id WHERE i.email = ? AND i.revoked_at IS NULL}, $email) eq 'sent' }),
	    "$what: the open row's mail is delivered";
	my @mails;
	eventually(5, sub { @mails = grep { $_->{to} eq $email } $s->mails; @mails >= $n303 });
	my @live = grep {
		my $t = token_of($_->{link});
		$s->ua->get("/invitations/accept?token=$t")->{status} == 200
	} @mails;
	is scalar(@live), 1, "$what: exactly one of the mailed links works";
}

secrets_ok($s, min => 30);

done_testing;
