#!/usr/bin/env perl
# Invitation rate limits (SPEC §4 Invitations 5), with
# ROSTER_INVITE_LIMIT_USER=3 and ROSTER_INVITE_LIMIT_ORG=5: per inviting
# user first, then per organization; created and resent invitations count
# over a sliding hour, refused requests do not; a refused request writes
# nothing (not even the revocation of the row a re-invite would replace);
# the limits hold under concurrency, across workers, and across the
# organizations of one inviter; other organizations are not affected.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(workers => 4,
    env => { ROSTER_INVITE_LIMIT_USER => 3, ROSTER_INVITE_LIMIT_ORG => 5 });

my $owner = person($s, 'olga@example.com', 'Olga Owner');
new_org($owner, 'Acme', 'acme');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
my $olga = user_id($s, 'olga@example.com');
my $m0 = metrics($s);
my $limited = 0;

sub sent_ok {
	my ($ua, $email, $role, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $res = invite($ua, 'acme', $email, $role // 'member');
	is $res->{status}, 303, "$what: 303" or diag join ',', $ua->errors($res);
	return $res->{status} == 303 ? invitation_mail($s, $email) : undef;
}

sub limited {
	my ($ua, $path, $fields, $error, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	org_page($ua, 'acme');
	my $before = snapshot($s);
	my $res = $ua->post_form($path, $fields);
	$limited++;
	subtest $what => sub {
		is $res->{status}, 429, 'status 429';
		is $ua->page($res), 'org-members', 'the roster again';
		is_deeply [ $ua->errors($res) ], [ $error ], "data-error $error";
		is snapshot($s), $before, 'nothing written (no row, no mail, no revocation)';
	};
	return $res;
}

# ---- per user: 3 an hour -----------------------------------------------------------
my $adam_inv = sent_ok($owner, 'adam@example.com', 'admin', 'owner invitation 1 (adam, admin)');
my $adam = join_by_signup($s, $adam_inv, 'Adam Admin');
my $u2 = sent_ok($owner, 'u2@example.com', 'member', 'owner invitation 2');
my $u3 = sent_ok($owner, 'u3@example.com', 'member', 'owner invitation 3');
limited($owner, '/orgs/acme/invitations', { email => 'u4@example.com', role => 'member' },
    'rate-limited-user', 'owner invitation 4: 429 rate-limited-user, no row');
limited($owner, '/orgs/acme/invitations', { email => 'u4@example.com', role => 'member' },
    'rate-limited-user', 'owner invitation 4 again: still 429');
limited($owner, "/orgs/acme/invitations/$u2->{id}/resend", {},
    'rate-limited-user', 'owner resends: 429 rate-limited-user, the row stays');
limited($owner, '/orgs/acme/invitations', { email => 'u2@example.com', role => 'admin' },
    'rate-limited-user', 'owner re-invites a pending address: 429, the open row is not revoked');
is inv_row($s, $u2->{id})->{revoked_at}, '', "u2's invitation is still open";
is $s->ua->get($u2->{path})->{status}, 200, "u2's link still works";
ok !user_id($s, 'u4@example.com') && !$s->sql_one(q{SELECT count(*) FROM invitations
    WHERE email = 'u4@example.com'}), 'no trace of u4';

# ---- per organization: 5 an hour ----------------------------------------------------
org_page($adam, 'acme');
my $a1 = sent_ok($adam, 'a1@example.com', 'member', 'admin invitation 1 (org 4)');
my $a2 = sent_ok($adam, 'a2@example.com', 'member', 'admin invitation 2 (org 5)');
limited($adam, '/orgs/acme/invitations', { email => 'a3@example.com', role => 'member' },
    'rate-limited-org', 'admin invitation 3 (org 6): 429 rate-limited-org, no row');
limited($adam, "/orgs/acme/invitations/$a1->{id}/resend", {},
    'rate-limited-org', 'admin resends: 429 rate-limited-org');
limited($owner, '/orgs/acme/invitations', { email => 'u5@example.com', role => 'member' },
    'rate-limited-user', 'owner over both limits: the user limit is named');

# Other organizations have their own count.
my $gina = person($s, 'gina@example.com', 'Gina');
new_org($gina, 'Globex', 'globex');
{
	my $res = invite($gina, 'globex', 'g1@example.com', 'member');
	is $res->{status}, 303, 'another organization invites freely';
	ok invitation_mail($s, 'g1@example.com'), '... and its mail goes out';
}

# ---- the window slides; refused requests did not count ------------------------------------
# 59 minutes old: still inside the hour.
$s->psql(q{UPDATE invitations SET created_at = now() - interval '59 minutes'
    WHERE organization_id = ? AND invited_by = ?}, $acme, $olga);
limited($owner, '/orgs/acme/invitations', { email => 'u4@example.com', role => 'member' },
    'rate-limited-user', 'after 59 minutes: still limited');
# Two of the owner's three leave the window: two more, then limited again.
$s->psql(q{UPDATE invitations SET created_at = now() - interval '61 minutes'
    WHERE organization_id = ? AND email IN ('adam@example.com', 'u2@example.com')}, $acme);
my $u4 = sent_ok($owner, 'u4@example.com', 'member', 'after 61 minutes: owner invitation (1 of the 2 freed)');
ok $u4, '... u4 is invited now';
my $u5 = sent_ok($owner, 'u5@example.com', 'member', 'owner invitation (2 of the 2 freed; org 5)');
limited($owner, '/orgs/acme/invitations', { email => 'u6@example.com', role => 'member' },
    'rate-limited-user', 'owner again: 429 rate-limited-user (refused ones never counted, the window holds 3)');
limited($adam, '/orgs/acme/invitations', { email => 'a3@example.com', role => 'member' },
    'rate-limited-org', 'admin again: 429 rate-limited-org (the window holds 5)');

# ---- under concurrency: one inviter, two organizations, requests at once -------------
# The per-user limit holds however the requests interleave and whichever
# organization they go to. Round 1 starts with g1 in Gina's hour; later
# rounds start from an empty hour.
new_org($gina, 'Initech', 'initech');
my $gina_id = user_id($s, 'gina@example.com');
for my $round (1 .. 5) {
	$gina->get('/orgs/globex');
	my $csrf = $gina->csrf;
	my %cookies = map { $_ => $gina->cookie($_) } $gina->cookie_names;
	my $recent = $s->sql_one(q{SELECT count(*) FROM invitations WHERE invited_by = ?
	    AND created_at > now() - interval '1 hour'}, $gina_id);
	my @jobs = map {
		my $i = $_;
		my $slug = $i % 2 ? 'globex' : 'initech';
		sub {
			my $c = $s->ua;
			$c->set_cookie($_, $cookies{$_}) for keys %cookies;
			return sub { ($c, $c->post("/orgs/$slug/invitations",
			    { email => "burst$round-$i\@example.com", role => 'member', csrf_token => $csrf })) };
		}
	} 1 .. 8;
	my @r = race($s, @jobs);
	my @ok = grep { $_->{status} == 303 } @r;
	my @no = grep { $_->{status} == 429 && $_->{errors} eq 'rate-limited-user' } @r;
	$limited += grep { $_->{status} == 429 } @r;
	my $what = "round $round: 8 invitations at once by one user into two organizations";
	is scalar(@ok), 3 - $recent, "$what: exactly " . (3 - $recent) . ' sent'
	    or diag join '; ', map { "$_->{status} $_->{errors}" } @r;
	is scalar(@no), 8 - (3 - $recent), "$what: the rest refused with rate-limited-user";
	is $s->sql_one(q{SELECT count(*) FROM invitations WHERE invited_by = ?
	    AND created_at > now() - interval '1 hour'}, $gina_id), 3, "$what: the hour holds exactly the limit";
	$s->psql(q{UPDATE invitations SET created_at = now() - interval '2 hours',
	    expires_at = now() + interval '1 day' WHERE invited_by = ?}, $gina_id);
}

# Eight at once into one organization by its two managers.
$s->psql(q{UPDATE invitations SET created_at = now() - interval '2 hours',
    expires_at = now() + interval '1 day' WHERE organization_id = ?}, $acme);
$owner->get('/orgs/acme');
$adam->get('/orgs/acme');
my @jobs = map {
	my $i = $_;
	my $ua = $i % 2 ? $owner : $adam;
	my $tok = $ua->csrf;
	my %ck = map { $_ => $ua->cookie($_) } $ua->cookie_names;
	sub {
		my $c = $s->ua;
		$c->set_cookie($_, $ck{$_}) for keys %ck;
		return sub { ($c, $c->post('/orgs/acme/invitations',
		    { email => "wave$i\@example.com", role => 'member', csrf_token => $tok })) };
	}
} 1 .. 8;
my @r = race($s, @jobs);
my @ok = grep { $_->{status} == 303 } @r;
my @refused = grep { $_->{status} == 429 } @r;
$limited += @refused;
is scalar(@ok), 5, '8 concurrent invitations into one organization: exactly 5 sent (org limit)'
    or diag join '; ', map { "$_->{status} $_->{errors}" } @r;
is scalar(@refused), 3, '... 3 refused with 429';
is scalar(grep { $_->{status} !~ /^(?:303|429)$/ } @r), 0, '... nothing else (no 5xx)';
ok !grep({ $_->{errors} !~ /^rate-limited-(?:user|org)$/ } @refused), '... each naming a limit';
is $s->sql_one(q{SELECT count(*) FROM invitations WHERE organization_id = ?
    AND created_at > now() - interval '1 hour'}, $acme), 5, '... the hour holds exactly 5';
cmp_ok $s->sql_one(q{SELECT max(n) FROM (SELECT count(*) AS n FROM invitations
    WHERE organization_id = ? AND created_at > now() - interval '1 hour' GROUP BY invited_by) x}, $acme),
    '<=', 3, '... and no manager over 3';

# ---- metrics ----------------------------------------------------------------------------
my $m1 = metrics($s);
is(($m1->{roster_invitations_rate_limited_total} // 0) - ($m0->{roster_invitations_rate_limited_total} // 0),
    $limited, "metrics: roster_invitations_rate_limited_total counts each refusal ($limited)");
is(($m1->{roster_invitations_created_total} // 0) - ($m0->{roster_invitations_created_total} // 0),
    $s->sql_one('SELECT count(*) FROM invitations'), 'metrics: roster_invitations_created_total counts only rows made');

secrets_ok($s, min => 10);

done_testing;
