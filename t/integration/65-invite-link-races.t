#!/usr/bin/env perl
# Invite links under concurrency (SPEC §7.2): the use count is exact. 12
# signed-in users join at once through a link with 3 uses left: exactly 3
# memberships, uses = 3, the other 9 see link-used-up and nothing is
# written for them. 8 anonymous sign-ups at once through a link with 2
# uses left: exactly 2 accounts. 6 sessions of one user at once: one
# membership, one use. A revoke racing joins: no use after the revoke.
# 6 users at once through a link with uses to spare into an organization
# with 2 seats left: exactly 2 join, the 4 others see seat-limit. Bounded: fixed numbers of processes on loopback, each one request.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use List::Util qw(max min);
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;

my $owner = person($s, 'olga@example.com', 'Olga Owner');
new_org($owner, 'Acme', 'acme');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});

sub link_ok {
	my (%f) = @_;
	org_page($owner, 'acme');
	my $res = $owner->post_form('/orgs/acme/links', \%f);
	die "link: $res->{status}" unless $res->{status} == 200;
	my ($url) = $res->{content} =~ /data-link-url="([^"]*)"/ or die 'no data-link-url';
	$url = Roster::Test::UA::_html_unescape($url);
	my $tok = token_of($url);
	my ($id) = $res->{content} =~ /data-link-id="(\d+)"/;
	return { id => $id, token => $tok, path => "/links/accept?token=$tok" };
}

sub uses { $s->sql_one('SELECT uses FROM invite_links WHERE id = ?', $_[0]) }

sub link_members {
	$s->sql_one(q{SELECT count(*) FROM memberships WHERE organization_id = ? AND source = 'link'}, $acme);
}

sub tally {
	my %t;
	$t{"$_->{status} " . ($_->{flash} || $_->{page} || $_->{error} || '')}++ for @_;
	return join ', ', map { "$t{$_} × $_" } sort keys %t;
}

sub no_5xx {
	my ($what, @r) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my @bad = grep { $_->{status} !~ /^[234]\d\d$/ } @r;
	ok !@bad, "$what: no 5xx and no failed request" or diag tally(@r);
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

# ---- 12 users, 3 uses left ------------------------------------------------------------------------
{
	my $L = link_ok(max_uses => 3);
	my @uas = map { person($s, "u$_\@example.com", "User $_") } 1 .. 12;
	$_->get($L->{path}) for @uas;
	is scalar(grep { ($_->page // '') eq 'link-join' } @uas), 12, '12 users see the landing page';
	my $c0 = counts($s);
	my @r = race($s, map { poster($_, '/links/accept', { token => $L->{token} }) } @uas);
	no_5xx('12 joins', @r);
	my @won = grep { $_->{status} == 303 && ($_->{flash} // '') eq 'link-joined' } @r;
	my @lost = grep { $_->{status} == 410 && $_->{page} eq 'link-used-up' } @r;
	is scalar(@won), 3, '12 joins, 3 uses left: exactly 3 succeed' or diag tally(@r);
	is scalar(@lost), 9, '... the other 9 see link-used-up (410)' or diag tally(@r);
	is uses($L->{id}), 3, 'uses = 3';
	is link_members(), 3, 'exactly 3 memberships through the link';
	my $c1 = counts($s);
	is $c1->{memberships} - $c0->{memberships}, 3, '3 membership rows in all';
	is $c1->{audit_events} - $c0->{audit_events}, 6, 'and 6 audit events (joined + membership.created each)';
	is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'invite_link.joined' AND subject_id = ?},
	    $L->{id}), 3, '3 invite_link.joined events';
	my @t = grep { $_->{t0} } @r;
	diag sprintf '12 joins: %s; all started within %.3f s', tally(@r),
	    max(map { $_->{t0} } @t) - min(map { $_->{t0} } @t) if @t;
}

# ---- 8 sign-ups, 2 uses left ---------------------------------------------------------------------
{
	my $L = link_ok(max_uses => 3);
	my $first = person($s, 'first@example.com', 'First');
	$first->get($L->{path});
	$first->post_form('/links/accept', { token => $L->{token} });
	is uses($L->{id}), 1, 'one use taken first';
	my @uas = map { my $u = $s->ua; $u->get($L->{path}); $u } 1 .. 8;
	my $c0 = counts($s);
	my @r = race($s, map {
		poster($uas[$_ - 1], '/links/accept/signup',
		    { token => $L->{token}, email => "s$_\@example.com", display_name => "S $_", password => PASSWORD })
	} 1 .. 8);
	no_5xx('8 sign-ups', @r);
	my @won = grep { $_->{status} == 303 && ($_->{flash} // '') eq 'link-joined' } @r;
	is scalar(@won), 2, '8 sign-ups, 2 uses left: exactly 2 succeed' or diag tally(@r);
	is scalar(grep { $_->{status} == 410 && $_->{page} eq 'link-used-up' } @r), 6, '... 6 see link-used-up'
	    or diag tally(@r);
	my $c1 = counts($s);
	is $c1->{users} - $c0->{users}, 2, 'exactly 2 accounts';
	is $c1->{sessions} - $c0->{sessions}, 2, 'exactly 2 sessions';
	is $c1->{outbox} - $c0->{outbox}, 2, 'exactly 2 confirmation emails';
	is $c1->{memberships} - $c0->{memberships}, 2, 'exactly 2 memberships';
	is uses($L->{id}), 3, 'uses = 3';
}

# ---- one user, 6 sessions at once ----------------------------------------------------------------
{
	my $L = link_ok(max_uses => 10);
	person($s, 'rita@example.com', 'Rita');
	my @uas = map { login_ua($s, 'rita@example.com') } 1 .. 6;
	$_->get($L->{path}) for @uas;
	my @r = race($s, map { poster($_, '/links/accept', { token => $L->{token} }) } @uas);
	no_5xx('6 sessions of one user', @r);
	is scalar(grep { ($_->{flash} // '') eq 'link-joined' } @r), 1, 'one join' or diag tally(@r);
	is scalar(grep { ($_->{flash} // '') eq 'already-member' } @r), 5, 'the others: already-member' or diag tally(@r);
	is uses($L->{id}), 1, 'one use';
}

# ---- a revoke racing joins -------------------------------------------------------------------------
{
	my $L = link_ok(max_uses => 20);
	my @uas = map { person($s, "v$_\@example.com", "V $_") } 1 .. 6;
	$_->get($L->{path}) for @uas;
	org_page($owner, 'acme');
	my @r = race($s, poster($owner, "/orgs/acme/links/$L->{id}/revoke", {}),
	    map { poster($_, '/links/accept', { token => $L->{token} }) } @uas);
	no_5xx('a revoke among 6 joins', @r);
	my $joined = grep { ($_->{flash} // '') eq 'link-joined' } @r;
	is $joined + scalar(grep { $_->{status} == 410 && $_->{page} eq 'link-revoked' } @r), 6,
	    'each join either joined or saw link-revoked' or diag tally(@r);
	is uses($L->{id}), $joined, 'uses = the joins that answered link-joined';
	is $s->sql_one(q{SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE u.email LIKE 'v%@example.com' AND m.organization_id = ?}, $acme), $joined,
	    'one membership per successful join, none for the refused';
	is $s->sql_one('SELECT revoked_at IS NOT NULL FROM invite_links WHERE id = ?', $L->{id}), 't', 'the link is revoked';
	diag 'revoke race: ' . tally(@r);
}

# ---- 6 users, 10 uses left, 2 seats left ---------------------------------------------------------
{
	new_org($owner, 'Delta', 'delta');
	my $delta = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'delta'});
	$s->psql('UPDATE organizations SET seat_limit = 3 WHERE id = ?', $delta);
	org_page($owner, 'delta');
	my $res = $owner->post_form('/orgs/delta/links', { max_uses => 10 });
	my ($url) = $res->{content} =~ /data-link-url="([^"]*)"/ or die 'no data-link-url';
	my $tok = token_of(Roster::Test::UA::_html_unescape($url));
	my @uas = map { person($s, "w$_\@example.com", "W $_") } 1 .. 6;
	$_->get("/links/accept?token=$tok") for @uas;
	my @r = race($s, map { poster($_, '/links/accept', { token => $tok }) } @uas);
	no_5xx('6 joins, 2 seats left', @r);
	is scalar(grep { ($_->{flash} // '') eq 'link-joined' } @r), 2, '6 joins, 2 seats left: exactly 2 succeed'
	    or diag tally(@r);
	is scalar(grep { $_->{status} == 409 && $_->{errors} =~ /seat-limit/ } @r), 4, '... 4 see seat-limit (409)'
	    or diag tally(@r);
	is $s->sql_one(q{SELECT count(*) FROM memberships WHERE organization_id = ? AND status = 'active'}, $delta), 3,
	    'the organization is full, never past it';
	is $s->sql_one('SELECT uses FROM invite_links WHERE organization_id = ?', $delta), 2, 'uses = 2';
}

done_testing;
