#!/usr/bin/env perl
# Pages that know who is looking, and small things (issue 10, items 4, 5
# and 7): 404 and 405 show the signed-in header to a signed-in visitor and
# the anonymous one otherwise, reading the session without writing
# anything; 405 has a title, a heading, a sentence and a link back to the
# page its form lives on, keeping its status and Allow; the audit trail
# reads as sentences with relative times, stacked on phones; a signed-in,
# unconfirmed user can have the confirmation email sent again (a flash, a
# working link, 429 past the limit, nothing for a confirmed user); /orgs/new
# names the field "URL name" and previews the address.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Members;

my $s = Roster::Test->start;
my $alice = member($s, 'alice@example.com', 'Alice Owner', confirmed => 1);
new_org($alice, 'Acme', 'acme');
my $anon = $s->ua;

sub signed_in_header {
	my ($res, $name) = @_;
	return ($res->{content} // '') =~ m{<form method="post" action="/logout">}
	    && ($res->{content} // '') =~ /\Q$name\E/;
}

sub anonymous_header {
	my ($res) = @_;
	return ($res->{content} // '') =~ m{<a href="/login">Sign in</a>}
	    && ($res->{content} // '') !~ m{action="/logout"};
}

sub title_of { my ($res) = @_; my ($t) = ($res->{content} // '') =~ m{<title>([^<]*)</title>}; return $t }
sub h1_of { my ($res) = @_; my ($t) = ($res->{content} // '') =~ m{<h1>([^<]*)</h1>}; return $t }

# ---- 404 --------------------------------------------------------------------------------------
{
	my $res = $alice->get('/no/such/page');
	is $res->{status}, 404, '404 for an unknown path';
	is $alice->page($res), 'not-found', 'page not-found';
	is_deeply [ $alice->errors($res) ], ['not-found'], 'data-error not-found';
	ok signed_in_header($res, 'Alice Owner'), 'a signed-in visitor sees the signed-in header (sign-out form, name)';
	like $res->{content}, qr{<a href="/me/invitations">}, '  with the main navigation';

	$res = $anon->get('/no/such/page');
	is $res->{status}, 404, 'anonymous: 404';
	ok anonymous_header($res), 'an anonymous visitor sees the anonymous header';
	ok !defined $res->{headers}{'set-cookie'}, '  and is given no cookie';

	# Reading the session writes nothing: its last use stays where it was.
	$s->psql(q{UPDATE sessions SET last_seen_at = now() - interval '10 minutes'
	    WHERE user_id = (SELECT id FROM users WHERE email = 'alice@example.com')});
	my $before = $s->sql_one(q{SELECT string_agg(last_seen_at::text, ',') FROM sessions});
	$res = $alice->get('/no/such/page');
	ok signed_in_header($res, 'Alice Owner'), 'a session idle for 10 minutes still shows';
	is $s->sql_one(q{SELECT string_agg(last_seen_at::text, ',') FROM sessions}), $before,
	    '  and the 404 did not refresh its last use';
	ok !defined $res->{headers}{'set-cookie'}, '  nor set a cookie';
	$res = $alice->get('/');
	isnt $s->sql_one(q{SELECT string_agg(last_seen_at::text, ',') FROM sessions}), $before,
	    '(a page of the application does refresh it)';

	# An ended session is anonymous on the error page and is not cleared there.
	my $ghost = $s->ua;
	$ghost->set_cookie('roster_session', 'A' x 43);
	$res = $ghost->get('/no/such/page');
	ok anonymous_header($res), 'an unknown session cookie: the anonymous header';
	ok !defined $res->{headers}{'set-cookie'}, '  and no cookie written';
}

# ---- 405 --------------------------------------------------------------------------------------
{
	my $res = $alice->get('/orgs/acme/invitations');
	is $res->{status}, 405, 'GET of a form address: 405';
	is $res->{headers}{allow}, 'POST', '  Allow: POST';
	is $alice->page($res), 'method-not-allowed', '  page method-not-allowed';
	is_deeply [ $alice->errors($res) ], ['method-not-allowed'], '  data-error method-not-allowed';
	is title_of($res), 'Form submissions only · Roster', '  a real title';
	is h1_of($res), 'Form submissions only', '  and heading';
	like $res->{content}, qr/This address only accepts form submissions \x{e2}\x{80}\x{94} perhaps you refreshed after submitting a form\./,
	    '  saying what happened';
	like $res->{content}, qr{<a class="button" href="/orgs/acme">Back to the form's page</a>}, '  linking to the roster, where the form lives';
	ok signed_in_header($res, 'Alice Owner'), '  under the signed-in header';

	$res = $alice->get('/orgs/acme/invitations/1/revoke');
	like $res->{content}, qr{href="/orgs/acme">Back}, 'a row action links back to the roster too';
	$res = $alice->get('/orgs/acme/join-requests/1/approve');
	like $res->{content}, qr{href="/orgs/acme/join-requests">Back}, 'an approval links back to the join requests';
	$res = $alice->get('/admin/invitations');
	like $res->{content}, qr{href="/admin">Back}, 'a platform invitation links back to /admin';
	$res = $alice->get('/logout');
	is $res->{status}, 405, 'GET /logout: 405';
	like $res->{content}, qr{<a class="button" href="/">Go to your dashboard</a>}, '  with the dashboard as the way on';
	$res = $alice->get('/invitations/accept/signup');
	like $res->{content}, qr{<a class="button" href="/">Go to your dashboard</a>},
	    'a token form does not link back to a page that needs a token';

	$res = $anon->get('/orgs/acme/invitations');
	is $res->{status}, 405, 'anonymous: 405 too';
	is $res->{headers}{allow}, 'POST', '  Allow: POST';
	ok anonymous_header($res), '  with the anonymous header';

	$alice->get('/orgs/new');
	$res = $alice->post_form('/orgs/new', { name => 'x' });
	is $res->{status}, 405, 'POST to a page: 405';
	is $res->{headers}{allow}, 'GET, HEAD', '  Allow: GET, HEAD';
	like $res->{content}, qr/does not accept that kind of request/, '  and it does not talk of refreshing a form';
	ok signed_in_header($res, 'Alice Owner'), '  signed-in header';
	is $s->sql_one(q{SELECT count(*) FROM organizations}), 1, '  nothing written';

	$res = $alice->request('PUT', '/orgs/acme', '');
	is $res->{status}, 405, 'an unknown method: 405';
	is $res->{headers}{allow}, 'GET, HEAD, POST', '  Allow: GET, HEAD, POST';
}

# ---- the audit trail in sentences ------------------------------------------------------------
{
	my $bob = member($s, 'bob@example.com', 'Bob Admin', confirmed => 1);
	set_membership($s, 'acme', 'bob@example.com', 'admin');
	invite_ok($s, $alice, 'acme', 'dana@example.com', 'member');
	invite_ok($s, $bob, 'acme', 'erin@example.com', 'member');
	my $erin = $s->sql_one(q{SELECT id FROM invitations WHERE email = 'erin@example.com'});
	org_page($bob, 'acme');
	is $bob->post_form("/orgs/acme/invitations/$erin/revoke", {})->{status}, 303, 'Bob revokes Erin\'s invitation';
	my $inv = invite_ok($s, $alice, 'acme', 'carol@example.com', 'member');
	join_by_signup($s, $inv, 'Carol');
	my $carol = user_id($s, 'carol@example.com');
	is change_role($alice, 'acme', $carol, 'admin')->{status}, 303, 'Alice makes Carol admin';
	is remove_member($alice, 'acme', $carol)->{status}, 303, 'Alice removes Carol';
	# An action the table does not know, with markup in it.
	$s->psql(q{INSERT INTO audit_events (actor_user_id, organization_id, action, subject_type)
	    SELECT u.id, o.id, '<b>odd.thing</b>', 'organization' FROM users u, organizations o
	    WHERE u.email = 'alice@example.com' AND o.slug = 'acme'});

	my $res = $alice->get('/orgs/acme/audit');
	is $res->{status}, 200, 'the audit page: 200';
	is $alice->page($res), 'org-audit', 'page org-audit';
	my %said;
	for my $row ($res->{content} =~ m{(<tr data-action=.*?</tr>)}gs) {
		my ($action) = $row =~ /data-action="([^"]*)"/;
		my ($sentence) = $row =~ m{<td data-label="What happened" data-sentence>(.*?)</td>};
		push @{ $said{$action} }, $sentence;
	}
	my $has = sub {
		my ($action, $text, $what) = @_;
		ok((grep { defined && $_ eq $text } @{ $said{$action} || [] }), $what)
		    or diag explain $said{$action};
	};
	$has->('invitation.created', 'Alice Owner invited dana@example.com as member', 'invite: "Alice Owner invited dana@example.com as member"');
	$has->('invitation.created', 'Bob Admin invited erin@example.com as member', '  by the admin, named by display name');
	$has->('invitation.revoked', 'Bob Admin revoked the invitation to erin@example.com', 'revoke: "Bob Admin revoked the invitation to erin@example.com"');
	$has->('membership.created', 'Carol joined through an invitation as member', 'accept: "Carol joined through an invitation as member"');
	$has->('invitation.accepted', 'Carol accepted the invitation to carol@example.com', '  and the invitation accepted');
	$has->('membership.role_changed', 'Alice Owner changed the role of Carol from member to admin', 'role change: from and to');
	$has->('membership.removed', 'Alice Owner removed Carol, who was admin', 'removal: whom, and the role they had');
	$has->('organization.created', 'Alice Owner created the organization', 'creation');
	$has->('&lt;b&gt;odd.thing&lt;/b&gt;', '&lt;b&gt;odd.thing&lt;/b&gt;', 'an unknown action shows as itself, escaped');
	unlike $res->{content}, qr/<b>odd/, '  never as markup';
	is scalar(map { @$_ } values %said),
	    $s->sql_one(q{SELECT count(*) FROM audit_events e JOIN organizations o ON o.id = e.organization_id WHERE o.slug = 'acme'}),
	    'one sentence per event of the organization';
	like $res->{content}, qr{<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">just now</time>},
	    'times are relative, with the exact UTC time in datetime and title';
	like $res->{content}, qr{<table class="stack audit">}, 'the table stacks on phones (table.stack)';
	unlike $res->{content}, qr{table-wrap}, '  and sits in no sideways-scrolling region';

	$s->psql(q{UPDATE audit_events SET at = now() - interval '3 hours' WHERE action = 'organization.created'});
	$res = $alice->get('/orgs/acme/audit');
	like $res->{content}, qr{<tr data-action="organization\.created"><td data-label="When"><time [^>]*>3 hours ago</time>},
	    'an older event: "3 hours ago"';
}

# ---- resend the confirmation email ------------------------------------------------------------
{
	my $uma = $s->ua;
	is $uma->signup('uma@example.com', PASSWORD, 'Uma')->{status}, 303, 'Uma signs up';
	ok $s->wait_for_mail(to => 'uma@example.com', subject => qr/confirm/i), '  and gets the first confirmation email';
	my $res = $uma->get('/');
	like $res->{content}, qr{data-notice="unconfirmed"}, 'the dashboard asks her to confirm';
	like $res->{content}, qr{<form class="inline" method="post" action="/confirm/resend"><input type="hidden" name="csrf_token" value="[^"]+">\s*<button type="submit" class="secondary">Resend confirmation email</button></form>},
	    '  and offers to send the email again';
	my $tokens = $s->sql_one(q{SELECT count(*) FROM account_tokens});
	$res = $uma->post_form('/confirm/resend', {});
	is $res->{status}, 303, 'POST /confirm/resend: 303';
	is $uma->location($res), '/', '  to the dashboard';
	$res = $uma->follow($res);
	is $uma->flash($res), 'confirmation-sent', '  flash confirmation-sent';
	is $s->sql_one(q{SELECT count(*) FROM account_tokens}), $tokens + 1, '  one new token stored';
	my $m = $s->wait_for_mail(to => 'uma@example.com', subject => qr/confirm/i);
	ok $m, 'a new confirmation email arrives';
	my $tok = token_of($m->{link} // '');
	ok $tok, '  with a link';
	$res = $uma->get("/confirm?token=$tok");
	is $uma->page($res), 'email-confirm', '  the link opens the confirm page';
	$res = $uma->post_form('/confirm', { token => $tok });
	is $uma->page($res), 'email-confirmed', '  and confirms';
	ok user_confirmed($s, 'uma@example.com'), '  the address is confirmed in the database';

	$res = $uma->get('/');
	unlike $res->{content}, qr{/confirm/resend}, 'a confirmed user is offered no resend';
	$tokens = $s->sql_one(q{SELECT count(*) FROM account_tokens});
	$res = $uma->post_form('/confirm/resend', {});
	is $res->{status}, 303, 'a confirmed user posting anyway: 303';
	is $uma->flash($uma->follow($res)), undef, '  no flash';
	is $s->sql_one(q{SELECT count(*) FROM account_tokens}), $tokens, '  no token';
	ok !$s->wait_for_mail(to => 'uma@example.com', timeout => 1), '  and no email';

	# The limit: as for password reset emails, 3 an hour per address.
	my $vic = $s->ua;
	$vic->signup('vic@example.com', PASSWORD, 'Vic');
	$s->wait_for_mail(to => 'vic@example.com');
	for my $n (1 .. 3) {
		$vic->get('/');
		is $vic->post_form('/confirm/resend', {})->{status}, 303, "resend $n: 303";
	}
	$tokens = $s->sql_one(q{SELECT count(*) FROM account_tokens});
	my $outbox = $s->sql_one(q{SELECT count(*) FROM outbox});
	$vic->get('/');
	$res = $vic->post_form('/confirm/resend', {});
	is $res->{status}, 429, 'the fourth within the hour: 429';
	is_deeply [ $vic->errors($res) ], ['rate-limited'], '  data-error rate-limited';
	ok $res->{headers}{'retry-after'}, '  with Retry-After';
	ok signed_in_header($res, 'Vic'), '  under the signed-in header';
	is $s->sql_one(q{SELECT count(*) FROM account_tokens}), $tokens, '  no token written';
	is $s->sql_one(q{SELECT count(*) FROM outbox}), $outbox, '  no email queued';
	is $s->sql_one(q{SELECT count(*) FROM rate_events WHERE bucket = 'confirm:vic@example.com'}), 3,
	    '  three counted in the bucket of its own';
	my $got = 0;
	$got++ while $s->wait_for_mail(to => 'vic@example.com', timeout => 3);
	is $got, 3, 'three emails arrived, not four';

	$res = $vic->post('/confirm/resend', { csrf_token => 'nope' });
	is $res->{status}, 403, 'without its CSRF token: 403';
	$res = $anon->post('/confirm/resend', {});
	is $res->{status}, 303, 'anonymous: sent to sign in';
	like $anon->location($res), qr{^/login\?next=}, '  /login?next=';
}

# ---- /orgs/new ---------------------------------------------------------------------------------
{
	my $res = $alice->get('/orgs/new');
	is $res->{status}, 200, '/orgs/new: 200';
	like $res->{content}, qr{<label for="slug">URL name</label>}, 'the slug field is labelled "URL name"';
	my $host = $s->base_url =~ s{^https?://}{}r;
	like $res->{content}, qr{\Q$host\E/orgs/<strong data-slug-preview>url-name</strong>},
	    'a preview of the address, from ROSTER_BASE_URL';
	like $res->{content}, qr{<script src="/static/org-new.js" defer></script>}, 'the suggestion script, from /static';
	my $js = $anon->get('/static/org-new.js');
	is $js->{status}, 200, '  which nginx serves';
	like $js->{headers}{'content-type'}, qr/javascript/, '  as JavaScript';

	$res = $alice->post_form('/orgs', { name => 'Bad', slug => 'Bad Slug<' });
	is $res->{status}, 422, 'a bad URL name: 422';
	is_deeply [ $alice->errors($res) ], ['invalid-slug'], '  invalid-slug';
	like $res->{content}, qr{/orgs/<strong data-slug-preview>Bad Slug&lt;</strong>}, '  the preview shows what was typed, escaped';
	like $res->{content}, qr/The URL name may use/, '  the error speaks of the URL name';
	$res = $alice->post_form('/orgs', { name => 'Acme Widgets', slug => 'acme-widgets' });
	is $res->{status}, 303, 'without JavaScript the form works as before';
	is $s->sql_one(q{SELECT name FROM organizations WHERE slug = 'acme-widgets'}), 'Acme Widgets', '  the organization exists';
}

# ---- the header names each account once ----------------------------------------------------
{
	my $res = $alice->get('/');
	like $res->{content}, qr{<span class="nav-user-name">Alice Owner</span>\s*<span class="nav-user-email">alice\@example\.com</span>},
	    'the header: name, then address';
	my $ned = $s->ua;
	is $ned->signup('ned@example.com', PASSWORD, 'ned@example.com')->{status}, 303, 'Ned signs up with his address as his name';
	$res = $ned->get('/');
	like $res->{content}, qr{<span class="nav-user-name">ned\@example\.com</span>\s*<form method="post" action="/logout">},
	    '  the header shows it once, no second copy beside it';
	unlike $res->{content}, qr{nav-user-email}, '  (no address span)';
}

done_testing;
