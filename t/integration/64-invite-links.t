#!/usr/bin/env perl
# Invite links (SPEC §7.2): a manager makes a link (the URL shown once,
# only SHA-256 of its token stored), the roster lists each link with its
# uses, limit, state and expiry, and revokes it; the link's landing page
# for a signed-in and an anonymous holder, writing nothing; joining signed
# in and by sign-up (one transaction: account unconfirmed with its
# confirmation email, membership with source link, one use); already a
# member; every bad token the same link-invalid page; used up, expired and
# revoked links answered 410 on GET and POST with nothing written; bad
# counts and days; the rights of members, admins and other organizations;
# invite_only and capped modes; escaping; the token absent from a pg_dump;
# audit events and /metrics counters.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use MIME::Base64 ();
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;

my $owner = person($s, 'olga@example.com', 'Olga Owner');
new_org($owner, 'Acme', 'acme');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
my $m0 = metrics($s);

# An admin and a plain member of acme, through invitations.
my %ua;
for ([ 'alice@example.com', 'Alice Admin', 'admin' ], [ 'mike@example.com', 'Mike Member', 'member' ]) {
	my ($email, $name, $role) = @$_;
	my $inv = invite_ok($s, $owner, 'acme', $email, $role);
	my $u = $s->ua;
	$u->get($inv->{path});
	my $res = $u->post_form('/invitations/accept/signup',
	    { token => $inv->{token}, display_name => $name, password => PASSWORD });
	die "$email: $res->{status}" unless $res->{status} == 303;
	$ua{$email} = $u;
}

# Rows, digests and counts an operation on links may write.
sub state_of {
	my $links = $s->sql_one(q{SELECT md5(coalesce(string_agg(concat_ws(',', id, uses, max_uses,
	    revoked_at, expires_at), ';' ORDER BY id), '')) FROM invite_links});
	my $n = $s->sql_one('SELECT count(*) FROM invite_links');
	return snapshot($s) . " links=$n link_states=$links";
}

sub link_row {
	my ($id) = @_;
	my @c = qw(id organization_id role max_uses uses expires_at revoked_at created_by hashed_token);
	my ($r) = $s->psql('SELECT ' . join(', ', @c) . ', extract(epoch FROM expires_at - created_at)::bigint
	    FROM invite_links WHERE id = ?', $id);
	return undef unless $r;
	my %h = map { $c[$_] => $r->[$_] } 0 .. $#c;
	$h{lifetime} = $r->[-1];
	return \%h;
}

# The link rows of a page: hashes of their data-* attributes.
sub link_rows {
	my ($res) = @_;
	my @rows;
	while (($res->{content} // '') =~ /<tr\b([^>]*\bdata-link-id\s*=[^>]*)>/g) {
		my $t = $1;
		my %a;
		$a{$1} = $2 while $t =~ /\b(data-[a-z-]+)="([^"]*)"/g;
		push @rows, \%a;
	}
	return @rows;
}

# POSTs the create form from the roster; returns the response.
sub create_link {
	my ($u, $slug, %f) = @_;
	org_page($u, $slug);
	return $u->post_form("/orgs/$slug/links", \%f);
}

# Makes a link; returns { id, url, token, path }.
sub link_ok {
	my ($u, $slug, %f) = @_;
	my $res = create_link($u, $slug, %f);
	die "link in $slug: $res->{status} " . join(',', $u->errors($res)) unless $res->{status} == 200;
	my ($url) = $res->{content} =~ /data-link-url="([^"]*)"/ or die 'no data-link-url';
	$url = Roster::Test::UA::_html_unescape($url);
	my ($id) = $res->{content} =~ /data-link-id="(\d+)"/;
	my $tok = token_of($url);
	return { id => $id, url => $url, token => $tok, path => "/links/accept?token=$tok", res => $res };
}

sub anon { my $u = $s->ua; $u->get('/login'); return $u }

sub member_row {
	my ($email, $org) = @_;
	my ($r) = $s->psql(q{SELECT m.role, m.status, m.source FROM memberships m
	    JOIN users u ON u.id = m.user_id WHERE u.email = ? AND m.organization_id = ?}, $email, $org);
	return $r ? join(' ', @$r) : '';
}

# A request that must answer page and status and write nothing.
sub refused {
	my ($what, $page, $status, $code, $req) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	subtest $what => sub {
		my $before = state_of();
		my ($u, $res) = $req->();
		is $res->{status}, $status, "status $status";
		is $u->page($res), $page, "page $page";
		ok((grep { $_ eq $code } $u->errors($res)), "data-error $code") if $code;
		is state_of(), $before, 'nothing written';
	};
}

# ---- creating a link ---------------------------------------------------------------------
my $L1;
{
	my $res = org_page($owner, 'acme');
	ok((grep { $_ eq '/orgs/acme/links' } form_actions($res)), 'the roster offers the link form to an owner');
	like $res->{content}, qr/name="max_uses" value="25"/, 'uses default to 25';
	like $res->{content}, qr/name="days" value="7"/, 'days default to 7';
	my $a0 = audit_count($s, 'invite_link.created');
	$L1 = link_ok($owner, 'acme', max_uses => 3, days => 2);
	is $L1->{res}{status}, 200, 'POST /orgs/acme/links: 200';
	is $owner->page($L1->{res}), 'link-created', 'page link-created';
	like $L1->{url}, qr{^\Q${\ $s->base_url}\E/links/accept\?token=[A-Za-z0-9_-]+$}, 'data-link-url is the accept URL with a token';
	my $row = link_row($L1->{id});
	ok $row, 'the row is there';
	is_deeply [ @$row{qw(organization_id role max_uses uses revoked_at)} ], [ $acme, 'member', 3, 0, '' ],
	    'member only, 3 uses, none used, not revoked';
	is $row->{lifetime}, 2 * 86400, 'expires 2 days after creation';
	is $row->{created_by}, user_id($s, 'olga@example.com'), 'created_by the owner';
	my ($raw, $bound) = envelope_parts($L1->{token});
	ok defined $raw, 'the token is a signed envelope';
	is $bound, "link:$L1->{id}", 'bound to its row';
	is $row->{hashed_token}, '\\x' . sha256_hex($raw), 'the database keeps SHA-256 of the raw token';
	is audit_count($s, 'invite_link.created') - $a0, 1, 'audited invite_link.created';
	unlike org_page($owner, 'acme')->{content}, qr/\Q$L1->{token}\E/, 'the roster never shows the link again';

	my $d = link_ok($owner, 'acme');
	my $r = link_row($d->{id});
	is_deeply [ $r->{max_uses}, $r->{lifetime} ], [ 25, 7 * 86400 ], 'without fields: 25 uses, 7 days';
	my $a = link_ok($ua{'alice@example.com'}, 'acme', max_uses => 1000, days => 30);
	is_deeply [ @{ link_row($a->{id}) }{qw(max_uses lifetime)} ], [ 1000, 30 * 86400 ],
	    'an admin makes a link: the limits 1000 uses and 30 days are allowed';
	my $one = link_ok($owner, 'acme', max_uses => 1, days => 1);
	is_deeply [ @{ link_row($one->{id}) }{qw(max_uses lifetime)} ], [ 1, 86400 ], '1 use, 1 day allowed';
}

# ---- bad counts and days, and who may ---------------------------------------------------
for my $bad ([ max_uses => '0' ], [ max_uses => '1001' ], [ max_uses => 'abc' ], [ max_uses => '-1' ],
	     [ max_uses => '2.5' ], [ max_uses => ' 3' ], [ days => '0' ], [ days => '31' ], [ days => 'x' ],
	     [ days => '99999999999999999999' ]) {
	my ($f, $v) = @$bad;
	my $code = $f eq 'days' ? 'invalid-days' : 'invalid-max-uses';
	refused("$f=$v", 'org-members', 422, $code,
	    sub { my $r = create_link($owner, 'acme', max_uses => 5, days => 5, $f => $v); ($owner, $r) });
}
like $owner->last->{content}, qr/id="link-days-error"/, 'the error sits at its field';
refused('a plain member cannot make a link', 'org-members', 403, 'forbidden',
    sub { my $u = $ua{'mike@example.com'}; $u->get('/orgs/acme'); ($u, $u->post_form('/orgs/acme/links', {})) });
my $zed = person($s, 'zed@example.com', 'Zed');
new_org($zed, 'Beta', 'beta');
my $beta = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'beta'});
refused('a non-member cannot make a link', 'not-found', 404, 'not-found',
    sub { $zed->get('/'); ($zed, $zed->post_form('/orgs/acme/links', {})) });
{
	my $u = $s->ua;
	my $res = $u->post('/orgs/acme/links', {});
	ok $res->{status} == 303 || $res->{status} == 403, 'anonymous: sent to sign in or refused';
}

# ---- the roster lists links to managers --------------------------------------------------
{
	my @rows = link_rows(org_page($owner, 'acme'));
	my ($r) = grep { $_->{'data-link-id'} eq $L1->{id} } @rows;
	ok $r, 'the owner sees the link';
	is_deeply [ @$r{qw(data-uses data-max-uses data-status)} ], [ 0, 3, 'active' ], 'uses 0 of 3, active';
	like org_page($owner, 'acme')->{content}, qr/expires <time[^>]*>in 2 days</, 'the expiry in words';
	ok scalar(link_rows(org_page($ua{'alice@example.com'}, 'acme'))) >= 4, 'an admin sees the links';
	is scalar(link_rows(org_page($ua{'mike@example.com'}, 'acme'))), 0, 'a plain member sees none';
	unlike org_page($ua{'mike@example.com'}, 'acme')->{content}, qr{/orgs/acme/links}, '... and no link form';
}

# ---- the landing page ---------------------------------------------------------------------
{
	my $u = anon();
	my $before = state_of();
	my $res = $u->get($L1->{path});
	is $res->{status}, 200, 'GET /links/accept: 200';
	is $u->page($res), 'link-join', 'page link-join';
	like $res->{content}, qr/data-org-name="Acme"/, 'names the organization';
	ok((grep { $_ eq '/links/accept/signup' } form_actions($res)), 'an anonymous visitor gets the sign-up form');
	like $res->{content}, qr/name="$_"/, "... with $_" for qw(email display_name password);
	my ($signin) = $res->{content} =~ /<a href="([^"]*)" data-action="sign-in"/;
	$signin = Roster::Test::UA::_html_unescape($signin // '');
	is uri_unescape(query_param($signin, 'next') // ''), $L1->{path}, 'a sign-in link that returns here';
	is $res->{headers}{'referrer-policy'}, 'no-referrer', 'Referrer-Policy: no-referrer';
	is state_of(), $before, 'the GET wrote nothing';

	my $b = login_ua($s, 'zed@example.com');
	$before = state_of();
	$res = $b->get($L1->{path});
	is $b->page($res), 'link-join', 'signed in: page link-join';
	is_deeply [ form_actions($res) ], [ '/logout', '/links/accept' ], 'signed in: the join button (and sign-out)'
	    or diag join ' ', form_actions($res);
	is state_of(), $before, 'still nothing written';
}

# ---- every bad token is the same page ---------------------------------------------------
{
	my $inv = invite_ok($s, $owner, 'acme', 'ivan@example.com', 'member');
	my $t = $L1->{token};
	my $flip = substr($t, 0, 20) . (substr($t, 20, 1) eq 'A' ? 'B' : 'A') . substr($t, 21);
	my ($raw, $bound, $exp, $ver, $mac) = envelope_parts($t);
	my %bad = (
		'no token'            => '/links/accept',
		'empty token'         => '/links/accept?token=',
		'garbage'             => '/links/accept?token=abc',
		'one character changed' => "/links/accept?token=$flip",
		'cut short'           => '/links/accept?token=' . substr($t, 0, -3),
		'an invitation token' => "/links/accept?token=$inv->{token}",
		'not base64url'       => '/links/accept?token=%21%21%21',
		'rebound to another row' => '/links/accept?token=' . b64url_encode(
		    pack('C N N C', $ver, int($exp / 4294967296), $exp % 4294967296, length "link:999")
		    . 'link:999' . $raw . $mac),
	);
	my $main;
	for my $what (sort keys %bad) {
		my $u = anon();
		my $before = state_of();
		my $res = $u->get($bad{$what});
		is "$res->{status} " . ($u->page($res) // ''), '404 link-invalid', "$what: link-invalid 404";
		(my $m = $res->{content}) =~ s/.*<main>|<\/main>.*//gs;
		$m =~ s/data-request-id="[^"]*">[^<]*</X</g;
		$main //= $m;
		is $m, $main, "$what: the same page as every bad token";
		my $v = login_ua($s, 'zed@example.com');
		refused("POST join, $what", 'link-invalid', 404, 'link-invalid',
		    sub { $v->get('/');
			  my ($tok) = $bad{$what} =~ /token=(.*)/; ($v, $v->post_form('/links/accept', { token => $tok // '' })) })
		    if $what eq 'one character changed' || $what eq 'an invitation token';
	}
	my $u = anon();
	my $res = $u->get("/invitations/accept?token=$t");
	is $u->page($res), 'invitation-invalid', 'a link token is no invitation';
	refused('sign-up with a tampered token', 'link-invalid', 404, 'link-invalid',
	    sub { my $v = anon(); ($v, $v->post_form('/links/accept/signup',
		{ token => $flip, email => 'tom@example.com', display_name => 'Tom', password => PASSWORD })) });
}

# ---- joining signed in ---------------------------------------------------------------------
my $bob = person($s, 'bob@example.com', 'Bob');
{
	$bob->get($L1->{path});
	my $res = $bob->post_form('/links/accept', { token => $L1->{token} });
	is $res->{status}, 303, 'POST /links/accept: 303';
	is $bob->location($res), '/orgs/acme', 'to the organization';
	my $n = go($bob, $res);
	is $bob->flash($n), 'link-joined', 'flash link-joined';
	is $bob->page($n), 'org-members', 'and bob sees the roster';
	is member_row('bob@example.com', $acme), 'member active link', 'an active member, source link';
	is link_row($L1->{id})->{uses}, 1, 'one use counted';
	is audit_count($s, 'invite_link.joined', $L1->{id}), 1, 'audited invite_link.joined';
	is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'membership.created'
	    AND data->>'source' = 'link' AND data->>'invite_link_id' = ?}, $L1->{id}), 1, 'and membership.created (source link)';

	refused('already a member: no second use', 'org-members', 200, undef, sub {
		$bob->get($L1->{path});
		my $r = $bob->post_form('/links/accept', { token => $L1->{token} });
		die "status $r->{status}" unless $r->{status} == 303;
		my $p = go($bob, $r);
		is $bob->flash($p), 'already-member', 'flash already-member';
		($bob, $p);
	});
	refused('the owner follows her own link: already a member', 'org-members', 200, undef, sub {
		$owner->get($L1->{path});
		my $r = $owner->post_form('/links/accept', { token => $L1->{token} });
		my $p = go($owner, $r);
		is $owner->flash($p), 'already-member', 'flash already-member';
		($owner, $p);
	});

	# An owner-add awaiting consent is a membership too (pending).
	my $pat = person($s, 'pat@example.com', 'Pat', confirm => 1);
	org_page($owner, 'acme');
	my $r = $owner->post_form('/orgs/acme/members', { email => 'pat@example.com', role => 'admin' });
	is $r->{status}, 303, 'pat is added, awaiting consent';
	refused('awaiting consent: already a member, no use', 'my-invitations', 200, undef, sub {
		$pat->get($L1->{path});
		my $q = $pat->post_form('/links/accept', { token => $L1->{token} });
		is $pat->location($q), '/me/invitations', 'sent to the owner-add waiting for consent';
		my $p = go($pat, $q);
		is $pat->flash($p), 'already-member', 'flash already-member';
		($pat, $p);
	});
	is member_row('pat@example.com', $acme), 'admin pending owner_add', 'the owner-add is untouched';

	my $u = anon();
	$u->get($L1->{path});
	refused('anonymous POST: sent to sign in', 'login', 200, undef, sub {
		my $q = $u->post_form('/links/accept', { token => $L1->{token} });
		is $q->{status}, 303, '303';
		like $u->location($q), qr{^/login\?next=}, 'to /login with next';
		($u, go($u, $q));
	});
}

# ---- joining by sign-up ---------------------------------------------------------------------
{
	my $u = anon();
	$u->get($L1->{path});
	my %f = (token => $L1->{token}, email => 'carol@example.com', display_name => 'Carol', password => PASSWORD);
	refused('email taken', 'link-join', 409, 'email-taken',
	    sub { ($u, $u->post_form('/links/accept/signup', { %f, email => 'BOB@example.com' })) });
	like $u->last->{content}, qr/data-action="sign-in"/, '... with the way to sign in';
	refused('invalid email', 'link-join', 422, 'invalid-email',
	    sub { ($u, $u->post_form('/links/accept/signup', { %f, email => 'carol' })) });
	refused('short password', 'link-join', 422, 'invalid-password',
	    sub { ($u, $u->post_form('/links/accept/signup', { %f, password => 'short' })) });
	refused('no name', 'link-join', 422, 'invalid-name',
	    sub { ($u, $u->post_form('/links/accept/signup', { %f, display_name => '  ' })) });
	like $u->last->{content}, qr/value="carol\@example.com"/, 'the form keeps the address';

	my $o0 = $s->sql_one('SELECT count(*) FROM outbox');
	my $res = $u->post_form('/links/accept/signup', \%f);
	is $res->{status}, 303, 'sign-up through the link: 303';
	is $u->location($res), '/orgs/acme', 'to the organization';
	my $n = go($u, $res);
	is $u->flash($n), 'link-joined', 'flash link-joined';
	is $u->page($n), 'org-members', 'signed in: the roster';
	is member_row('carol@example.com', $acme), 'member active link', 'an active member, source link';
	ok !user_confirmed($s, 'carol@example.com'), 'the address stays unconfirmed';
	ok $s->wait_for_mail(to => 'carol@example.com', subject => qr/confirm/i), 'a confirmation email is sent';
	is $s->sql_one('SELECT count(*) FROM outbox') - $o0, 1, 'one email queued';
	is link_row($L1->{id})->{uses}, 2, 'the second use';
	is $s->sql_one(q{SELECT data->>'via' FROM audit_events WHERE action = 'user.signed_up'
	    AND subject_id = ?}, user_id($s, 'carol@example.com')), 'invite_link', 'user.signed_up via invite_link';
}

# ---- used up ---------------------------------------------------------------------------------------
{
	my $dave = person($s, 'dave@example.com', 'Dave');
	$dave->get($L1->{path});
	is go($dave, $dave->post_form('/links/accept', { token => $L1->{token} }))->{status}, 200, 'dave takes the last use';
	is link_row($L1->{id})->{uses}, 3, 'uses 3 of 3';
	my ($r) = grep { $_->{'data-link-id'} eq $L1->{id} } link_rows(org_page($owner, 'acme'));
	is $r->{'data-status'}, 'used-up', 'the roster says used-up';
	refused('GET a used-up link', 'link-used-up', 410, 'link-used-up', sub { my $u = anon(); ($u, $u->get($L1->{path})) });
	like $s->ua->get($L1->{path})->{content}, qr/<strong>Acme<\/strong>/, 'the page names the organization';
	my $erin = person($s, 'erin@example.com', 'Erin');
	$erin->get('/');
	refused('POST join on a used-up link', 'link-used-up', 410, 'link-used-up',
	    sub { ($erin, $erin->post_form('/links/accept', { token => $L1->{token} })) });
	refused('POST sign-up on a used-up link', 'link-used-up', 410, 'link-used-up', sub {
		my $u = anon();
		($u, $u->post_form('/links/accept/signup',
		    { token => $L1->{token}, email => 'fay@example.com', display_name => 'Fay', password => PASSWORD }));
	});
}

# ---- revoked ---------------------------------------------------------------------------------------
{
	my $L = link_ok($owner, 'acme', max_uses => 5);
	my $B = link_ok($zed, 'beta', max_uses => 5);
	refused('revoking another organization\'s link: 404', 'org-members', 404, 'not-found', sub {
		org_page($owner, 'acme');
		($owner, $owner->post_form("/orgs/acme/links/$B->{id}/revoke", {}));
	});
	refused('a plain member cannot revoke', 'org-members', 403, 'forbidden', sub {
		my $u = $ua{'mike@example.com'};
		org_page($u, 'acme');
		($u, $u->post_form("/orgs/acme/links/$L->{id}/revoke", {}));
	});
	refused('an unknown id: 404', 'org-members', 404, 'not-found', sub {
		org_page($owner, 'acme');
		($owner, $owner->post_form('/orgs/acme/links/99999999/revoke', {}));
	});
	my $a0 = audit_count($s, 'invite_link.revoked', $L->{id});
	org_page($ua{'alice@example.com'}, 'acme');
	my $res = $ua{'alice@example.com'}->post_form("/orgs/acme/links/$L->{id}/revoke", {});
	is $res->{status}, 303, 'an admin revokes: 303';
	my $n = go($ua{'alice@example.com'}, $res);
	is $ua{'alice@example.com'}->flash($n), 'link-revoked', 'flash link-revoked';
	ok length link_row($L->{id})->{revoked_at}, 'revoked_at is set';
	is audit_count($s, 'invite_link.revoked', $L->{id}) - $a0, 1, 'audited invite_link.revoked';
	my ($r) = grep { $_->{'data-link-id'} eq $L->{id} } link_rows($n);
	is $r->{'data-status'}, 'revoked', 'the roster says revoked';
	refused('GET a revoked link', 'link-revoked', 410, 'link-revoked', sub { my $u = anon(); ($u, $u->get($L->{path})) });
	refused('POST join on a revoked link', 'link-revoked', 410, 'link-revoked',
	    sub { $bob->get('/'); ($bob, $bob->post_form('/links/accept', { token => $L->{token} })) });
	refused('revoking twice: 409', 'org-members', 409, 'not-pending', sub {
		org_page($owner, 'acme');
		($owner, $owner->post_form("/orgs/acme/links/$L->{id}/revoke", {}));
	});
	is link_row($B->{id})->{revoked_at}, '', 'beta\'s link is untouched';
}

# ---- expired ---------------------------------------------------------------------------------------
{
	my $L = link_ok($owner, 'acme', max_uses => 5);
	$s->psql(q{UPDATE invite_links SET created_at = now() - interval '3 days',
	    expires_at = now() - interval '1 second' WHERE id = ?}, $L->{id});
	refused('GET an expired link', 'link-expired', 410, 'link-expired', sub { my $u = anon(); ($u, $u->get($L->{path})) });
	my $u = login_ua($s, 'erin@example.com');
	refused('POST join on an expired link', 'link-expired', 410, 'link-expired',
	    sub { $u->get('/'); ($u, $u->post_form('/links/accept', { token => $L->{token} })) });
	refused('POST sign-up on an expired link', 'link-expired', 410, 'link-expired', sub {
		my $u = anon();
		($u, $u->post_form('/links/accept/signup',
		    { token => $L->{token}, email => 'gus@example.com', display_name => 'Gus', password => PASSWORD }));
	});
	my ($r) = grep { $_->{'data-link-id'} eq $L->{id} } link_rows(org_page($owner, 'acme'));
	is $r->{'data-status'}, 'expired', 'the roster says expired';
}

# ---- escaping ------------------------------------------------------------------------------------------
{
	my $x = person($s, 'xss@example.com', 'X');
	new_org($x, q{<b>Evil</b> & "Co" 'x'}, 'evil');
	my $L = link_ok($x, 'evil');
	my $res = $s->ua->get($L->{path});
	is $s->ua->page($res) // $res->{status}, 'link-join', 'the landing page of an oddly named organization';
	unlike $res->{content}, qr/<b>Evil/, 'its name is escaped';
	like $res->{content}, qr/&lt;b&gt;Evil&lt;\/b&gt; &amp; &quot;Co&quot; &#39;x&#39;/, '... every character';
}

# ---- the seat limit ------------------------------------------------------------------------------
{
	new_org($owner, 'Gamma', 'gamma');
	my $gamma = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'gamma'});
	$s->psql('UPDATE organizations SET seat_limit = 2 WHERE id = ?', $gamma);
	my $L = link_ok($owner, 'gamma', max_uses => 10);
	$bob->get($L->{path});
	my $p = go($bob, $bob->post_form('/links/accept', { token => $L->{token} }));
	is $bob->flash($p), 'link-joined', 'seats 1 of 2: bob joins and takes the last seat';
	my $erin = login_ua($s, 'erin@example.com');
	$erin->get($L->{path});
	refused('every seat taken: a join is refused', 'error', 409, 'seat-limit',
	    sub { ($erin, $erin->post_form('/links/accept', { token => $L->{token} })) });
	refused('every seat taken: a sign-up is refused', 'error', 409, 'seat-limit', sub {
		my $u = anon();
		$u->get($L->{path});
		($u, $u->post_form('/links/accept/signup',
		    { token => $L->{token}, email => 'kim@example.com', display_name => 'Kim', password => PASSWORD }));
	});
	refused('every seat taken: a member is still already-member', 'org-members', 200, undef, sub {
		$bob->get($L->{path});
		my $q = go($bob, $bob->post_form('/links/accept', { token => $L->{token} }));
		is $bob->flash($q), 'already-member', 'flash already-member';
		($bob, $q);
	});
	is $s->sql_one('SELECT uses FROM invite_links WHERE id = ?', $L->{id}), 1, 'one use: the refusals counted none';
	$s->psql('UPDATE organizations SET seat_limit = 3 WHERE id = ?', $gamma);
	$erin->get($L->{path});
	$p = go($erin, $erin->post_form('/links/accept', { token => $L->{token} }));
	is $erin->flash($p), 'link-joined', 'a seat more: erin joins';
}

# ---- the audit trail in sentences -----------------------------------------------------------
{
	my $res = $owner->get('/orgs/acme/audit');
	is $owner->page($res), 'org-audit', 'the audit trail';
	like $res->{content}, qr/Olga Owner created an invite link/, 'says who created a link';
	like $res->{content}, qr/Alice Admin revoked an invite link/, '... who revoked one';
	like $res->{content}, qr/Bob joined through an invite link/, '... who joined through one';
	like $res->{content}, qr/Carol joined through an invite link as member/, '... and the membership it made';
}

# ---- the token at rest, and the counters --------------------------------------------------------
{
	my $dump = pg_dump_text($s);
	my ($raw) = envelope_parts($L1->{token});
	ok length($dump) > 1000, 'pg_dump wrote the database';
	like $dump, qr/invite_links/, '... with the invite_links table';
	for my $form ($L1->{token}, unpack('H*', $raw), MIME::Base64::encode_base64($raw, ''), b64url_encode($raw)) {
		ok index($dump, $form) < 0, 'the dump holds no form of the link token (' . substr($form, 0, 8) . '…)';
	}
	ok index($dump, sha256_hex($raw)) >= 0, '... only its SHA-256';
	my $m = metrics($s);
	my %d = map { $_ => ($m->{"roster_${_}_total"} // 0) - ($m0->{"roster_${_}_total"} // 0) }
	    qw(invite_links_created invite_link_joins invite_links_revoked);
	is $d{invite_links_created}, $s->sql_one('SELECT count(*) FROM invite_links'),
	    'roster_invite_links_created_total: every link made';
	is $d{invite_link_joins}, $s->sql_one(q{SELECT count(*) FROM memberships WHERE source = 'link'}),
	    'roster_invite_link_joins_total: every membership through a link';
	is $d{invite_links_revoked}, $s->sql_one('SELECT count(*) FROM invite_links WHERE revoked_at IS NOT NULL'),
	    'roster_invite_links_revoked_total: every revocation';
}

# ---- signup modes -----------------------------------------------------------------------------------
sub restart {
	my (%env) = @_;
	$s->set_env(%env);
	$s->stop_fcgi;
	$s->start_fcgi or BAIL_OUT('roster-fcgi did not restart');
}
{
	my $L = link_ok($owner, 'acme', max_uses => 10);
	restart(ROSTER_SIGNUP_MODE => 'invite_only');
	my $u = anon();
	my $res = $u->get($L->{path});
	is $u->page($res), 'link-join', 'invite_only: the landing page';
	ok !(grep { $_ eq '/links/accept/signup' } form_actions($res)), 'invite_only: no sign-up form';
	refused('invite_only: sign-up refused', 'link-join', 403, 'signup-closed', sub {
		($u, $u->post_form('/links/accept/signup',
		    { token => $L->{token}, email => 'hal@example.com', display_name => 'Hal', password => PASSWORD }));
	});
	my $erin = login_ua($s, 'erin@example.com');
	$erin->get($L->{path});
	my $p = go($erin, $erin->post_form('/links/accept', { token => $L->{token} }));
	is $erin->flash($p), 'link-joined', 'invite_only: a signed-in user still joins';
	is member_row('erin@example.com', $acme), 'member active link', '... as member through the link';

	my $users = $s->sql_one('SELECT count(*) FROM users');
	restart(ROSTER_SIGNUP_MODE => 'capped', ROSTER_SIGNUP_CAP => $users + 1);
	$u = anon();
	$u->get($L->{path});
	$res = $u->post_form('/links/accept/signup',
	    { token => $L->{token}, email => 'ida@example.com', display_name => 'Ida', password => PASSWORD });
	is $res->{status}, 303, 'capped: a sign-up below the cap joins';
	refused('capped: the cap reached, sign-up refused', 'link-join', 403, 'signup-closed', sub {
		my $v = anon();
		$v->get($L->{path});
		($v, $v->post_form('/links/accept/signup',
		    { token => $L->{token}, email => 'jo@example.com', display_name => 'Jo', password => PASSWORD }));
	});
	is $s->sql_one('SELECT count(*) FROM users'), $users + 1, 'capped: never past the cap';
	restart(ROSTER_SIGNUP_MODE => undef, ROSTER_SIGNUP_CAP => undef);
}

done_testing;
