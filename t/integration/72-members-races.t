#!/usr/bin/env perl
# Member management under concurrency (SPEC §4 Roles, Owner-add 2; §5):
# two owners who demote each other, remove each other, or both leave, at
# the same moment, on eight workers, round after round (bounded in count
# and time): an organization always keeps at least one owner, and never a
# 5xx. An owner-add accepted while a manager cancels it ends one way only:
# active (the Cancel 409 not-pending), or gone.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use Roster::Test;
use Roster::Invite;
use Roster::Members;

my $s = Roster::Test->start(workers => 8);

my $olga = member($s, 'olga@example.com', 'Olga', confirmed => 1);
new_org($olga, 'Acme', 'acme');
my $oscar = member($s, 'oscar@example.com', 'Oscar', confirmed => 1);
my %id = map { $_ => user_id($s, "$_\@example.com") } qw(olga oscar);

# A job posting with the session of ua (its own connection, the CSRF token
# of ua's last page).
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

sub both_owners {
	set_membership($s, 'acme', 'olga@example.com', 'owner');
	set_membership($s, 'acme', 'oscar@example.com', 'owner');
}

$olga->get('/orgs/acme');
set_membership($s, 'acme', 'oscar@example.com', 'owner');
$oscar->get('/orgs/acme');

my %races = (
	'demote each other' => sub {
		(poster($olga, "/orgs/acme/members/$id{oscar}/role", { role => 'member' }),
		 poster($oscar, "/orgs/acme/members/$id{olga}/role", { role => 'admin' }));
	},
	'remove each other' => sub {
		(poster($olga, "/orgs/acme/members/$id{oscar}/remove", {}),
		 poster($oscar, "/orgs/acme/members/$id{olga}/remove", {}));
	},
	'both leave' => sub {
		(poster($olga, '/orgs/acme/leave', {}), poster($oscar, '/orgs/acme/leave', {}));
	},
	'both demote themselves' => sub {
		(poster($olga, "/orgs/acme/members/$id{olga}/role", { role => 'member' }),
		 poster($oscar, "/orgs/acme/members/$id{oscar}/role", { role => 'member' }));
	},
);

my $deadline = time + 120;
for my $name (sort keys %races) {
	my (%outcomes, @bad, $rounds, $min_owners, $odd);
	$min_owners = 99;
	for my $round (1 .. 15) {
		last if time > $deadline;
		both_owners();
		my @r = race($s, $races{$name}->());
		$rounds++;
		push @bad, grep { $_->{status} !~ /^[234]\d\d$/ } @r;
		$outcomes{ join ' + ', sort map { $_->{errors} || "$_->{status} $_->{flash}" } @r }++;
		# One wins (303); the other is refused as the state after the
		# winner's commit says: the last owner, or no longer an owner.
		my @won = grep { $_->{status} == 303 } @r;
		my @lost = grep { $_->{status} != 303 } @r;
		$odd++ unless @won == 1 && @lost == 1
		    && $lost[0]{errors} =~ /\A(last-owner|role-escalation|forbidden|not-found)\z/;
		my $owners = owners_of($s, 'acme');
		$min_owners = $owners if $owners < $min_owners;
	}
	cmp_ok $rounds, '>=', 5, "$name: at least five rounds ran";
	is $min_owners, 1, "$name: exactly one owner remains in every round";
	ok !@bad, "$name: no 5xx and no failed request";
	diag "$name: status $_->{status} " . ($_->{error} // $_->{page} // '') for @bad;
	note "$name: " . join '; ', map { "$outcomes{$_} x [$_]" } sort keys %outcomes;
	ok !$odd, "$name: in every round one wins and the other is refused";
}

# ---- accept racing cancel ---------------------------------------------------------------
both_owners();
my @ends;
for my $round (1 .. 10) {
	last if time > $deadline + 60;
	my $email = "u$round\@example.com";
	my $u = member($s, $email, "User $round", confirmed => 1);
	my $res = owner_add($olga, 'acme', $email, 'member');
	die "owner-add of $email: $res->{status}" unless $res->{status} == 303;
	my $mid = membership_row($s, 'acme', $email)->{id};
	my $uid = user_id($s, $email);
	$u->get('/me/invitations');
	$olga->get('/orgs/acme');
	my @r = race($s, poster($u, "/me/memberships/$mid/accept", {}),
	    poster($olga, "/orgs/acme/members/$uid/remove", { pending => 1 }));
	my $m = membership_row($s, 'acme', $email);
	my $accepted = $r[0]{status} == 303 && $r[0]{flash} eq 'membership-accepted';
	my $cancelled = $r[1]{status} == 303 && $r[1]{flash} eq 'member-removed';
	my $refused = $r[1]{status} == 409 && ($r[1]{errors} // '') eq 'not-pending';
	push @ends, {
		round => $round, accepted => $accepted, cancelled => $cancelled,
		answers => join(' / ', map { "$_->{status} " . ($_->{errors} || $_->{flash} // '') } @r),
		row => $m ? $m->{status} : 'none',
		# The Cancel (pending=1) after the consent is refused: it
		# never removes the membership the consent made.
		consistent => ($accepted && $refused && $m && $m->{status} eq 'active')
		    || (!$accepted && $cancelled && !$m),
		events => audit_count($s, 'membership.accepted', $mid) + audit_count($s, 'membership.cancelled', $mid),
	};
}
cmp_ok scalar(@ends), '>=', 5, 'accept vs cancel: at least five rounds ran';
is scalar(grep { !$_->{consistent} } @ends), 0, 'accept vs cancel: every round ends one consistent way'
    or diag explain \@ends;
is scalar(grep { $_->{events} != 1 } @ends), 0, 'accept vs cancel: exactly one of accepted or cancelled audited';

done_testing;
