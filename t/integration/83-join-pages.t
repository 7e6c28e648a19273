#!/usr/bin/env perl
# The join pages lead somewhere (SPEC §3 /join/{slug}, /join/confirm,
# /orgs/{slug}/join-requests): the check-email page links back to the
# form and to the start page; a member who asks to join (409
# already-member) is shown the way to the organization instead of the
# button; an expired confirmation link (410 join-expired, GET and POST)
# links to its organization's form, an unknown one (token-invalid) does
# not; a join message keeps its line breaks on the review page.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Join;
use Roster::Members;

my $s = Roster::Test->start;
my $owner = member($s, 'olga@example.com', 'Olga', confirmed => 1);
new_org($owner, 'Acme', 'acme');
enable_join($owner, 'acme', 'message');

# ---- check your email ---------------------------------------------------------------------
{
	my $ua = $s->ua;
	my $res = public_join($s, 'acme', ua => $ua, email => 'dora@example.com', first_name => 'Dora');
	my $page = $ua->get($ua->location($res));
	is $ua->page($page), 'join-check-email', 'page join-check-email';
	like $page->{content}, qr{<a href="/join/acme">}, 'it links back to the form';
	like $page->{content}, qr{<a href="/">}, 'and to the start page';
}

# ---- a member asks to join ----------------------------------------------------------------
{
	my $bob = member($s, 'bob@example.com', 'Bob', confirmed => 1);
	set_membership($s, 'acme', 'bob@example.com', 'member');
	$bob->get('/join/acme');
	my $res = $bob->post_form('/orgs/acme/join-requests', {});
	is $res->{status}, 409, 'a member asking: 409';
	is $bob->page($res), 'join-form', '... on the join form';
	is_deeply [ $bob->errors($res) ], ['already-member'], '... already-member';
	like $res->{content}, qr{<a href="/orgs/acme">}, '... with a link to the organization';
	like $res->{content}, qr{<a href="/me/invitations">}, '... and to his invitations (an owner-add awaiting consent)';
	unlike $res->{content}, qr{action="/orgs/acme/join-requests"}, '... and no button to ask again';

	# A non-member still gets the button, also on already-pending.
	my $cat = member($s, 'cat@example.com', 'Cat', confirmed => 1);
	my $form = $cat->get('/join/acme');
	like $form->{content}, qr{action="/orgs/acme/join-requests"}, 'a non-member sees the button';
	unlike $form->{content}, qr{<a href="/orgs/acme">}, '... and no link to the roster';
	my $r1 = $cat->post_form('/orgs/acme/join-requests', { message => "line one\nline two" });
	is $r1->{status}, 303, 'cat asks';
	$cat->get('/join/acme');
	my $r2 = $cat->post_form('/orgs/acme/join-requests', {});
	is_deeply [ $cat->errors($r2) ], ['already-pending'], 'asking twice: already-pending';
	unlike $r2->{content}, qr{<a href="/orgs/acme">}, '... not told to go in';

	# The message keeps its line break on the review page.
	my $review = $owner->get('/orgs/acme/join-requests');
	like $review->{content}, qr{<span data-field="message">[^<]*line one\r?\nline two</span>},
	    'the review page keeps the line break of the message';
	my $css = do { local (@ARGV, $/) = (Roster::Test->srcdir . '/static/style.css'); <> };
	like $css, qr/\[data-field="message"\]\s*\{[^\}]*white-space:\s*pre-line/, 'which the stylesheet shows as a line break';
}

# ---- an expired confirmation link ----------------------------------------------------------
{
	public_join($s, 'acme', email => 'eve@example.com', first_name => 'Eve');
	my $tok = join_mail_token($s, 'eve@example.com');
	ok $tok, 'eve got a link';
	my $id = jr_row($s, q{email = 'eve@example.com'})->{id};
	$s->psql(q{UPDATE join_requests SET confirm_expires_at = now() - interval '1 second' WHERE id = ?}, $id);
	my $ua = $s->ua;
	my $g = $ua->get("/join/confirm?token=$tok");
	is $g->{status}, 410, 'expired: GET 410';
	is $ua->page($g), 'join-expired', '... page join-expired';
	like $g->{content}, qr{<a href="/join/acme">Send the form again</a>}, '... links to the form';
	$ua->get('/login');
	my $p = $ua->post_form('/join/confirm', { token => $tok });
	is $p->{status}, 410, 'expired: POST 410';
	like $p->{content}, qr{<a href="/join/acme">Send the form again</a>}, '... links to the form';
	is jr_row($s, "id = $id")->{status}, 'pending_confirmation', '... nothing confirmed';

	my $bad = $ua->get('/join/confirm?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
	is $bad->{status}, 404, 'an unknown token: 404';
	unlike $bad->{content}, qr{Send the form again}, '... no link to a form';
}

done_testing;
