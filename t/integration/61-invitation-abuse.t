#!/usr/bin/env perl
# Invitation abuse controls (issue 9, item 4, Invitations):
# - a per-recipient cap across all organizations: invitations, resends and
#   owner-adds to one address count together, here 5 an hour (the
#   default is 20) and 20 a day (ROSTER_INVITE_LIMIT_RECIPIENT_HOUR /
#   _DAY); past it 429
#   rate-limited on the roster, nothing written; exact under concurrency;
#   the count is kept under a hash of the address, never the address;
# - subjects quote the organization's name, cap it at 60 characters and
#   keep it on one line; the body names the inviter (name and address) and
#   says how to ignore the email;
# - ROSTER_REQUIRE_CONFIRMED: off by default (an unconfirmed user creates
#   organizations and invites, as SPEC §3 lets them); at 1, creating an
#   organization, inviting, resending and owner-adding by an unconfirmed
#   user is 403 email-unconfirmed on the form's page, nothing written.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(sha256_hex);
use Roster::Test;
use Roster::Invite;
use Roster::Members qw(owner_add);
use Roster::Join;
use MIME::Base64 qw(decode_base64);
use Encode qw(decode);

my $s = Roster::Test->start(workers => 4, env => {
	ROSTER_INVITE_LIMIT_RECIPIENT_HOUR => 5,
	ROSTER_INVITE_LIMIT_RECIPIENT_DAY  => 20,
});

sub bucket { 'invite-to:' . sha256_hex(lc $_[0]) }

sub events {
	my ($s, $email) = @_;
	return $s->sql_one('SELECT count(*) FROM rate_events WHERE bucket = ?', bucket($email));
}

# The Subject of a raw message, as characters: its lines unfolded, the
# encoded-words decoded and joined (RFC 2047 drops the space between
# adjacent ones). Also the number of Subject headers.
sub subject_of {
	my ($raw) = @_;
	my ($head) = split /\r?\n\r?\n/, $raw, 2;
	my @subj = grep { /^Subject:/i } split /\r?\n(?![ \t])/, $head;
	my $v = ($subj[0] // '') =~ s/^Subject:\s*//ir;
	$v =~ s/\r?\n[ \t]+/ /g;
	$v =~ s/\?=\s+=\?/?==?/g;
	$v =~ s{=\?UTF-8\?B\?([^?]*)\?=}{decode_base64($1)}gie;
	return (decode('UTF-8', $v), scalar @subj);
}

# Everything an invitation may write, rate events included.
sub state {
	my ($s) = @_;
	return snapshot($s) . ' rate_events=' . $s->sql_one('SELECT count(*) FROM rate_events');
}

# A refused POST: 429 rate-limited on the roster, nothing written.
sub refused {
	my ($s, $ua, $slug, $path, $fields, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	org_page($ua, $slug);
	my $before = state($s);
	my $res = $ua->post_form($path, $fields);
	subtest $what => sub {
		is $res->{status}, 429, 'status 429';
		is $ua->page($res), 'org-members', 'the roster again';
		is_deeply [ $ua->errors($res) ], [ 'rate-limited' ], 'data-error rate-limited';
		is state($s), $before, 'nothing written (no row, no mail, no event)';
	};
}

# ---- six organizations, six owners (none confirmed: allowed by default) ----
my (@owner, @slug);
for my $i (1 .. 6) {
	push @owner, person($s, "owner$i\@example.com", "Owner $i");
	push @slug, "org$i";
	new_org($owner[-1], "Org $i", "org$i");
}
is $s->sql_one(q{SELECT count(*) FROM users WHERE email LIKE 'owner%' AND email_confirmed_at IS NULL}), 6,
    'ROSTER_REQUIRE_CONFIRMED=0: six unconfirmed users created organizations';

# ---- the hour cap: 5 invitations to one address from 5 organizations ----
my @inv;
for my $i (0 .. 4) {
	push @inv, invite_ok($s, $owner[$i], $slug[$i], 'target@example.com', 'member');
	ok $inv[-1]{id}, "invitation " . ($i + 1) . " to target from $slug[$i] (unconfirmed inviter)";
}
is events($s, 'target@example.com'), 5, 'five events under the address hash';
is $s->sql_one(q{SELECT count(*) FROM rate_events WHERE bucket ILIKE '%target%'}), 0,
    'no rate event carries the address itself';
refused($s, $owner[5], 'org6', '/orgs/org6/invitations',
    { email => 'Target@Example.COM', role => 'member' },
    'the 6th invitation to the address (other case) from a 6th organization: 429');
is $s->sql_one(q{SELECT count(*) FROM invitations WHERE organization_id =
    (SELECT id FROM organizations WHERE slug = 'org6')}), 0, 'org6 has no invitation';
refused($s, $owner[0], 'org1', "/orgs/org1/invitations/$inv[0]{id}/resend", {},
    'a resend to the capped address: 429, the old link stays');
is inv_row($s, $inv[0]{id})->{revoked_at}, '', '... the invitation is still open';
{
	my $res = invite($owner[5], 'org6', 'other@example.com', 'member');
	is $res->{status}, 303, 'another address from the same organization: 303';
	ok invitation_mail($s, 'other@example.com'), '... and its mail goes out';
}

# Owner-adds share the cap: 4 invitations and 1 owner-add reach it.
my $carl = person($s, 'carl@example.com', 'Carl', confirm => 1);
invite_ok($s, $owner[$_], $slug[$_], 'carl@example.com', 'member') for 0 .. 3;
{
	org_page($owner[4], 'org5');
	my $res = owner_add($owner[4], 'org5', 'carl@example.com', 'member');
	is $res->{status}, 303, 'owner-add of carl from org5 (his 5th email this hour): 303';
}
refused($s, $owner[5], 'org6', '/orgs/org6/members', { email => 'carl@example.com', role => 'member' },
    'owner-add of carl from org6 (6th): 429');
refused($s, $owner[5], 'org6', '/orgs/org6/invitations', { email => 'carl@example.com', role => 'member' },
    'invitation of carl from org6 (6th): 429');

# The hour slides: events 61 minutes old no longer count for the hour.
$s->psql(q{UPDATE rate_events SET at = now() - interval '61 minutes' WHERE bucket = ?},
    bucket('target@example.com'));
ok invite_ok($s, $owner[5], 'org6', 'target@example.com', 'member'),
    'after the hour: the 6th organization invites the address';

# ---- exact under concurrency: 8 at once from 6 organizations ----
{
	my @jobs = map {
		my $i = $_ % 6;
		my $ua = $owner[$i];
		org_page($ua, $slug[$i]);
		my $tok = $ua->csrf;
		my %ck = map { $_ => $ua->cookie($_) } $ua->cookie_names;
		my $slug = $slug[$i];
		sub {
			my $c = $s->ua;
			$c->set_cookie($_, $ck{$_}) for keys %ck;
			return sub { ($c, $c->post("/orgs/$slug/invitations",
			    { email => 'race@example.com', role => 'member', csrf_token => $tok })) };
		}
	} 0 .. 7;
	my @r = race($s, @jobs);
	my @ok = grep { $_->{status} == 303 } @r;
	my @no = grep { $_->{status} == 429 && $_->{errors} eq 'rate-limited' } @r;
	is scalar(@ok), 5, '8 invitations to one address at once: exactly 5 sent'
	    or diag join '; ', map { "$_->{status} $_->{errors}" } @r;
	is scalar(@no), 3, '... 3 refused with 429 rate-limited';
	is events($s, 'race@example.com'), 5, '... 5 events counted';
	is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'invitation.created'
	    AND subject_id IN (SELECT id FROM invitations WHERE email = 'race@example.com')}), 5,
	    '... 5 invitations audited';
}

# ---- a join approval that invites counts too ----
{
	invite_ok($s, $owner[$_], $slug[$_], 'jane@example.com', 'member') for 0, 1, 3, 4, 5;
	enable_join($owner[2], 'org3', '');
	public_join($s, 'org3', email => 'jane@example.com', first_name => 'Jane');
	confirm_join($s->ua, join_mail_token($s, 'jane@example.com'));
	my $j = jr_row($s, 'email = ?', 'jane@example.com');
	is $j->{status}, 'submitted', 'jane asked to join org3 (no account: approval would invite)';
	$owner[2]->get('/orgs/org3/join-requests');
	my $before = state($s);
	my $res = $owner[2]->post_form("/orgs/org3/join-requests/$j->{id}/approve");
	is $res->{status}, 429, 'approving it, her 6th invitation this hour: 429';
	is_deeply [ $owner[2]->errors($res) ], [ 'rate-limited' ], '... rate-limited';
	is jr_row($s, "id = $j->{id}")->{status}, 'submitted', '... the request still waits';
	is state($s), $before, '... nothing written';
}

# ---- subjects and bodies ----
{
	my $long = '"Quoted" ' . ('x' x 180) . "\nBcc: evil\@example.com";
	$owner[0]->get('/orgs/new');
	my $before = state($s);
	my $res = $owner[0]->post_form('/orgs', { name => $long, slug => 'longname' });
	is $res->{status}, 422, 'a 200-character name with a new line: 422';
	is_deeply [ $owner[0]->errors($res) ], [ 'invalid-name' ], '... invalid-name';
	is state($s), $before, '... nothing written';

	my $name = '"Quoted" & \'Co\' ' . ('y' x 84);    # 100 characters, the most allowed
	new_org($owner[0], $name, 'longname');
	my $inv = invite_ok($s, $owner[0], 'longname', 'subj@example.com', 'member');
	my $m = $inv->{mail};
	my $cut = substr($name, 0, 60);
	my ($subject, $n) = subject_of($m->{raw});
	is $subject, qq{Owner 1 invited you to join "$cut\x{2026}" on Roster},
	    'the subject quotes the name, cut at 60 characters with an ellipsis';
	is $n, 1, '... one Subject header';
	like $m->{body}, qr/Owner 1 <owner1\@example\.com> invited you/, 'the body names the inviter and address';
	like $m->{body}, qr/If\s+you\s+did\s+not\s+expect\s+this,\s+ignore\s+this\s+email:\s+nothing\s+happens\s+unless\s+you\s+open\s+the\s+link\./,
	    'the body says how to ignore it';
	like $m->{body}, qr/expires\s+on\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\s+at\s+\d\d:\d\d\s+UTC\s+\(in\s+7\s+days\)/,
	    '... and when it expires';

	# A name holding a new line (not through the form, which refuses it):
	# the subject stays one line.
	$s->psql(q{UPDATE organizations SET name = E'Evil\r\nBcc: x@evil.example\nCo' WHERE slug = 'longname'});
	$inv = invite_ok($s, $owner[0], 'longname', 'subj2@example.com', 'member');
	$m = $inv->{mail};
	($subject, $n) = subject_of($m->{raw});
	is $subject, 'Owner 1 invited you to join "Evil Bcc: x@evil.example Co" on Roster',
	    'a name with CR and LF: one quoted line';
	is $n, 1, '... one Subject header';
	my ($head) = split /\n\n/, $m->{raw}, 2;
	unlike $head, qr/^Bcc:/mi, '... no Bcc header';
}

# Owner-add mail: the same subject helper, the inviter named.
{
	my $dora = person($s, 'dora@example.com', 'Dora', confirm => 1);
	org_page($owner[1], 'org2');
	my $res = owner_add($owner[1], 'org2', 'dora@example.com', 'member');
	is $res->{status}, 303, 'owner-add of dora: 303';
	my $m = $s->wait_for_mail(to => 'dora@example.com', subject => qr/consent/i, timeout => 15);
	is $m && $m->{subject}, 'Owner 2 added you to "Org 2" on Roster: your consent is needed', 'owner-add subject quoted';
	like $m && $m->{body}, qr/Owner 2 <owner2\@example\.com> added you/, 'owner-add body names the inviter';
	like $m && $m->{body}, qr/If\s+you\s+did\s+not\s+expect\s+this,\s+ignore\s+this\s+email/, '... and says how to ignore it';
}

# ---- the day cap, and ROSTER_REQUIRE_CONFIRMED=1 -----------------------
$s->set_env(ROSTER_INVITE_LIMIT_RECIPIENT_DAY => 3, ROSTER_REQUIRE_CONFIRMED => 1);
$s->stop_fcgi;
$s->start_fcgi;

my $una = person($s, 'una@example.com', 'Una');
{
	my $res = $una->get('/orgs/new');
	is $res->{status}, 200, 'REQUIRE_CONFIRMED=1: the form still shows';
	my $before = state($s);
	$res = $una->post_form('/orgs', { name => 'Una Org', slug => 'una' });
	is $res->{status}, 403, 'an unconfirmed user creating an organization: 403';
	is $una->page($res), 'org-new', '... on the form';
	is_deeply [ $una->errors($res) ], [ 'email-unconfirmed' ], '... email-unconfirmed';
	like $res->{content}, qr/Confirm your email address first/, '... with the sentence';
	is state($s), $before, '... nothing written';
	confirm_email($s, $una, 'una@example.com');
	$res = $una->post_form('/orgs', { name => 'Una Org', slug => 'una' });
	is $res->{status}, 303, 'once confirmed: 303';
}

my (@o2);
for my $i (1 .. 4) {
	push @o2, person($s, "boss$i\@example.com", "Boss $i", confirm => 1);
	new_org($o2[-1], "Day $i", "day$i");
}
my $pending = invite_ok($s, $o2[0], 'day1', 'eve@example.com', 'member');

# An owner whose address is unconfirmed again (say, an organization made
# before the setting was on) may not invite, resend or owner-add.
my $vic = person($s, 'vic@example.com', 'Vic', confirm => 1);
$s->psql(q{UPDATE users SET email_confirmed_at = NULL WHERE email = 'boss1@example.com'});
for my $t ([ '/orgs/day1/invitations', { email => 'new@example.com', role => 'member' }, 'invite' ],
	   [ "/orgs/day1/invitations/$pending->{id}/resend", {}, 'resend' ],
	   [ '/orgs/day1/members', { email => 'vic@example.com', role => 'member' }, 'owner-add' ]) {
	my ($path, $fields, $what) = @$t;
	org_page($o2[0], 'day1');
	my $before = state($s);
	my $res = $o2[0]->post_form($path, $fields);
	subtest "unconfirmed owner, $what" => sub {
		is $res->{status}, 403, 'status 403';
		is $o2[0]->page($res), 'org-members', 'the roster';
		is_deeply [ $o2[0]->errors($res) ], [ 'email-unconfirmed' ], 'email-unconfirmed';
		is state($s), $before, 'nothing written';
	};
}
$s->psql(q{UPDATE users SET email_confirmed_at = now() WHERE email = 'boss1@example.com'});
is invite($o2[0], 'day1', 'new@example.com', 'member')->{status}, 303, 'confirmed again: the owner invites';

# Day cap of 3: three invitations, moved out of the hour, still count.
invite_ok($s, $o2[$_], "day" . ($_ + 1), 'dan@example.com', 'member') for 0 .. 2;
$s->psql(q{UPDATE rate_events SET at = now() - interval '2 hours' WHERE bucket = ?}, bucket('dan@example.com'));
refused($s, $o2[3], 'day4', '/orgs/day4/invitations', { email => 'dan@example.com', role => 'member' },
    'the 4th invitation of the day (none in the hour): 429');
$s->psql(q{UPDATE rate_events SET at = now() - interval '25 hours' WHERE bucket = ?}, bucket('dan@example.com'));
ok invite_ok($s, $o2[3], 'day4', 'dan@example.com', 'member'), 'after a day: sent';

done_testing;
