#!/usr/bin/env perl
# Every main page, walked as people meet them, in a real browser at a
# phone's (390 px) and a desktop's (1280 px) width (issue 10, Tests):
# each page is screenshotted into $ROSTER_SCREENS_DIR [/tmp/roster-screens]
# as PAGE-WIDTH.png, must not scroll sideways, and axe-core (npm's
# axe-core, injected through WebDriver by Roster::Axe) must find no
# serious or critical violation on it. The pages and their states:
#   signed out: signup, login, join-form, invitation-signup, the ended
#     links (expired, revoked by a newer invitation, declined, already
#     accepted, invalid);
#   the owner: dashboard (new account), org-new, org-members (pending,
#     failed-delivery and expired invitations, an admin and a member),
#     invitation-bulk-result (a paste sent from the roster's bulk form),
#     org-settings, org-join-requests (one submitted request), org-audit,
#     admin (the owner is a platform admin), org-webhooks (empty, a
#     refused URL, then an endpoint with a delivery an invitation queued)
#     and webhook-created (the stack allows loopback webhook targets, so
#     the endpoint is 127.0.0.1's closed discard port);
#   the admin of the organization: org-members as an admin sees it;
#   an invitee with an account: invitation-accept, my-invitations,
#     api-tokens (none, then one) and api-token-created,
#     invitation-mismatch (another address's link), not-found and
#     method-not-allowed while signed in.
# The people, organizations and invitations are made over HTTP (the same
# routes the pages use); the database is touched only to age one
# invitation past its expiry and to mark one delivery failed with a
# server's 550 answer. The list of screenshots is written to index.txt
# beside them. The whole file takes about a minute.
#
# Needs Debian's chromium and chromium-driver and axe-core (`npm ci
# --prefix t/browser`, which scripts/test runs): without them the test is
# skipped, except under CI (the CI variable set), where that fails.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use Roster::WebDriver;
use Roster::Axe;

my $T0 = time;

Roster::WebDriver->skip_unless_available;
Roster::Axe->skip_or_fail_unless_available;

require Roster::Test;
require Roster::Invite;
require Roster::Join;

use constant PASSWORD => 'correct horse battery';
my $SLUG = 'acme-pages';

my $s = Roster::Test->start(env => { ROSTER_WEBHOOK_ALLOW_PRIVATE => 1 });
my $BASE = $s->base_url;
my $wd = Roster::WebDriver->start(width => 1280, height => 900);
my $ax = Roster::Axe->new($wd);

# ---- helpers -------------------------------------------------------------------

# Screenshots and axe-core at both widths (Roster::Axe).
sub check_page {
	my ($name, $state) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	return $ax->check_page($name, $state);
}

# Waits for the page marker and checks it; true when it is the one wanted.
sub on_page {
	my ($want, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $got = $wd->wait_page($want);
	return is $got, $want, "$what: body data-page=\"$want\"";
}

# Opens a path, checks its marker and the page at both widths.
sub visit {
	my ($path, $marker, $name, $state) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	$wd->get("$BASE$path");
	on_page($marker, $name);
	check_page($name, $state);
}

sub fill {
	my ($css, $text) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el, "field $css is there" or die "the walk stopped: no $css on " . $wd->url . "\n";
	$wd->send_keys($el, $text);
}

sub press {
	my ($css, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el && $wd->displayed($el), "$what: the button is there and visible"
	    or die "the walk stopped: no visible $css on " . $wd->url . "\n";
	$wd->click($el);
}

sub sign_in {
	my ($email) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	$wd->get("$BASE/login");
	on_page('login', "signing in as $email") or die "the walk stopped: no login page\n";
	fill('form[action="/login"] input[name="email"]', $email);
	fill('form[action="/login"] input[name="password"]', PASSWORD);
	press('form[action="/login"] button[type="submit"]', "sign in as $email");
	on_page('dashboard', "signed in as $email") or die "the walk stopped: $email could not sign in\n";
}

sub sign_out {
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	$wd->get("$BASE/");
	press('header form[action="/logout"] button[type="submit"]', 'sign out');
	on_page('login', 'after signing out') or die "the walk stopped: could not sign out\n";
}

# The newest invitation mail to an address: { link, path, token }.
sub invitation_link {
	my ($email) = @_;
	my $m = $s->wait_for_mail(to => $email, subject => qr/invit/i, timeout => 20)
	    or die "the walk stopped: no invitation mail for $email\n";
	my ($path) = ($m->{link} // '') =~ m{^\Q$BASE\E(/invitations/accept\?token=\S+)$}
	    or die "the walk stopped: no invitation link in the mail to $email\n";
	return $path;
}

# Invites over HTTP as ua (dies unless 303); returns the link's path.
sub invite {
	my ($ua, $email, $role) = @_;
	my $res = Roster::Invite::invite($ua, $SLUG, $email, $role // 'member');
	die "the walk stopped: inviting $email answered $res->{status}\n" unless $res->{status} == 303;
	return invitation_link($email);
}

sub inv_id {
	my ($email) = @_;
	return $s->sql_one(q{SELECT i.id FROM invitations i JOIN organizations o ON o.id = i.organization_id
	    WHERE o.slug = ? AND i.email = ? ORDER BY i.id DESC LIMIT 1}, $SLUG, $email);
}

# ---- the checker can fail --------------------------------------------------------
# A page with an image without alt text and a field without a label:
# axe-core, as Roster::Axe runs it, must report both as critical.
{
	$wd->get('data:text/html;charset=utf-8,' . join '',
	    '<!doctype html><html lang="en"><head><title>broken</title></head><body><main>',
	    '<h1>Broken</h1><img src="data:,"><input type="text" name="x"></main></body></html>');
	my %got = map { $_->{id} => $_->{impact} } eval { $ax->violations };
	is_deeply [ @got{qw(image-alt label)} ], [ 'critical', 'critical' ],
	    'axe-core runs in the page and reports a missing alt text and label as critical'
	    or diag $@ || explain \%got;
}

# ---- the walk ------------------------------------------------------------------

sub walk {
	# ---- a new person: sign-up, dashboard, a new organization ----------------------
	visit('/signup', 'signup', 'signup', 'signed out, empty form');
	fill('form[action="/signup"] input[name="email"]', 'olga@example.com');
	fill('form[action="/signup"] input[name="display_name"]', 'Olga Owner');
	fill('form[action="/signup"] input[name="password"]', PASSWORD);
	press('form[action="/signup"] button[type="submit"]', 'sign up');
	on_page('dashboard', 'after signing up') or die "the walk stopped: no dashboard after signing up\n";
	check_page('dashboard', 'just signed up: the signed-up flash, no organization yet');

	visit('/orgs/new', 'org-new', 'org-new', 'empty form');
	fill('form[action="/orgs"] input[name="name"]', 'Acme Pages');
	fill('form[action="/orgs"] input[name="slug"]', $SLUG);
	press('form[action="/orgs"] button[type="submit"]', 'create the organization');
	on_page('org-members', 'after creating the organization')
	    or die "the walk stopped: the organization was not created\n";

	# ---- the people and invitations behind the other pages (over HTTP) ---------------
	# A confirmed address keeps its password and sessions when promoted.
	$s->psql(q{UPDATE users SET email_confirmed_at = now() WHERE email = 'olga@example.com'});
	is $s->rosterctl('bootstrap-admin', 'olga@example.com')->{status}, 0, 'Olga made a platform admin';
	my $olga = Roster::Invite::login_ua($s, 'olga@example.com');
	my $ben = Roster::Invite::person($s, 'ben@example.com', 'Ben Existing');

	my $ada_link = invite($olga, 'ada@example.com', 'admin');
	my $ada = $s->ua;
	$ada->get($ada_link);
	my $res = $ada->post_form('/invitations/accept/signup',
	    { token => Roster::Invite::token_of($ada_link), display_name => 'Ada Admin', password => PASSWORD });
	is $res->{status}, 303, 'Ada joins as an admin through her link';

	my $pat_link = invite($olga, 'pat@example.com');                 # pending, no account
	my $ben_link = invite($olga, 'ben@example.com');                 # pending, has an account
	my $eve_link = invite($olga, 'eve@example.com');                 # to expire
	my $fay_link = invite($olga, 'fay@example.com');                 # delivery to fail
	my $rex_old = invite($olga, 'rex@example.com');                  # to be replaced
	my $dee_link = invite($olga, 'dee@example.com');                 # to be declined

	Roster::Invite::org_page($olga, $SLUG);
	$res = $olga->post_form("/orgs/$SLUG/invitations/" . inv_id('rex@example.com') . '/resend', {});
	is $res->{status}, 303, "Rex's invitation resent (his first link now revoked)";
	invitation_link('rex@example.com');

	my $anon = $s->ua;
	$anon->get($dee_link);
	$res = $anon->post_form('/invitations/decline', { token => Roster::Invite::token_of($dee_link) });
	is $res->{status}, 303, 'Dee declines through her link';

	$s->psql(q{UPDATE invitations SET created_at = now() - interval '8 days',
	    expires_at = now() - interval '1 day' WHERE id = ?}, inv_id('eve@example.com'));
	my $fay = inv_id('fay@example.com');
	ok Roster::Invite::eventually(20, sub {
		($s->sql_one(q{SELECT count(*) FROM outbox WHERE invitation_id = ? AND status = 'sent'}, $fay) // 0) > 0 }),
	    "Fay's invitation mail has been handed on";
	$s->psql(q{UPDATE outbox SET status = 'failed', body = NULL, attempts = 7,
	    last_error = '550 5.1.1 <fay@example.com>: Recipient address rejected: no such user'
	    WHERE invitation_id = ?}, $fay);

	Roster::Join::enable_join($olga, $SLUG, 'city, message');
	$res = Roster::Join::public_join($s, $SLUG, email => 'jo@example.com', first_name => 'Jo',
	    last_name => 'Joiner', city => 'Lisbon', message => 'We met at the meetup.');
	is $res->{status}, 303, 'Jo asks to join through the public form';
	my $jtok = Roster::Join::join_mail_token($s, 'jo@example.com', timeout => 20);
	ok $jtok && Roster::Join::confirm_join($s->ua, $jtok)->{status} =~ /^(?:200|303)$/,
	    "Jo confirms the request from the email";

	# ---- the owner's pages -------------------------------------------------------------
	visit("/orgs/$SLUG", 'org-members', 'org-members-owner',
	    'owner; an admin; pending (with and without an account), failed-delivery (550), expired and resent invitations');
	# The bulk form beside the single one, filled and sent from the roster.
	my $bulk = qq{form[action="/orgs/$SLUG/invitations/bulk"]};
	fill("$bulk textarea[name=\"emails\"]",
	    "Kai Bulk <kai\@example.com>, lee\@example.com; not-an-address\nkai\@example.com ada\@example.com");
	press("$bulk button[type=\"submit\"]", 'send the bulk invitations');
	on_page('invitation-bulk-result', 'bulk invitations');
	check_page('invitation-bulk-result', 'owner; invited twice, not an address, listed twice, already a member');
	visit("/orgs/$SLUG/settings", 'org-settings', 'org-settings', 'join form on, two extra fields, no seat limit');
	visit("/orgs/$SLUG/join-requests", 'org-join-requests', 'org-join-requests', 'one submitted request');
	visit("/orgs/$SLUG/audit", 'org-audit', 'org-audit', 'creation, invitations, an acceptance, a resend, a decline, settings, a join request');
	visit('/admin', 'admin', 'admin', 'a platform admin; mail counts and the failed delivery');
	visit("/orgs/$SLUG/webhooks", 'org-webhooks', 'org-webhooks-empty', 'no endpoint yet');
	my $hook = qq{form[action="/orgs/$SLUG/webhooks"]};
	fill("$hook input[name=\"url\"]", 'ftp://hooks.example.com/roster');
	press(qq{$hook input[value="invitation.created"]}, 'choose invitation.created');
	press("$hook button[type=\"submit\"]", 'add an ftp endpoint');
	on_page('org-webhooks', 'a refused webhook URL');
	check_page('org-webhooks-invalid-url', 'invalid-url at the field, the form as typed');
	$wd->get("$BASE/orgs/$SLUG/webhooks");
	on_page('org-webhooks', 'the webhooks form again');
	fill("$hook input[name=\"url\"]",
	    'http://127.0.0.1:9/roster/a-rather-long-path/that-keeps-going?source=roster&team=platform-integrations');
	press(qq{$hook input[value="invitation.created"]}, 'choose invitation.created');
	press(qq{$hook input[value="membership.created"]}, 'choose membership.created');
	press("$hook button[type=\"submit\"]", 'add the endpoint');
	on_page('webhook-created', 'after adding an endpoint');
	check_page('webhook-created', 'the signing secret shown once');
	invite($olga, 'kim@example.com');
	visit("/orgs/$SLUG/webhooks", 'org-webhooks', 'org-webhooks', 'one endpoint, a delivery an invitation queued');

	# ---- the organization's admin ------------------------------------------------------
	sign_out();
	check_page('login', 'signed out: the signed-out flash');
	sign_in('ada@example.com');
	visit("/orgs/$SLUG", 'org-members', 'org-members-admin', 'an admin: no owner or admin choices');

	# ---- signed out: the links as their holders meet them ------------------------------
	sign_out();
	visit('/login', 'login', 'login-empty', 'signed out, empty form');
	visit($pat_link, 'invitation-signup', 'invitation-signup', 'a new address: the sign-up form');
	visit($eve_link, 'invitation-expired', 'invitation-expired', 'past its expiry');
	visit($rex_old, 'invitation-revoked', 'invitation-revoked', 'replaced by a newer invitation');
	visit($dee_link, 'invitation-declined', 'invitation-declined', 'declined by its holder');
	visit($ada_link, 'invitation-already-accepted', 'invitation-already-accepted', 'accepted by Ada');
	visit('/invitations/accept?token=' . ('A' x 60), 'invitation-invalid', 'invitation-invalid',
	    'a token that is not whole');
	visit("/join/$SLUG", 'join-form', 'join-form', 'the public form with city and message');

	# ---- an invitee with an account ----------------------------------------------------
	sign_in('ben@example.com');
	visit($ben_link, 'invitation-accept', 'invitation-accept', 'signed in as the invited address');
	visit('/me/invitations', 'my-invitations', 'my-invitations', 'one pending invitation');
	visit('/me/tokens', 'api-tokens', 'api-tokens-empty', 'no API token yet');
	fill('form[action="/me/tokens"] input[name="name"]', 'A rather long name for a billing sync job');
	press('form[action="/me/tokens"] button[type="submit"]', 'create an API token');
	on_page('api-token-created', 'after creating a token');
	check_page('api-token-created', 'the token shown once');
	visit('/me/tokens', 'api-tokens', 'api-tokens', 'one live API token');
	visit($pat_link, 'invitation-mismatch', 'invitation-mismatch', "signed in as Ben, Pat's link");
	visit('/no-such-page', 'not-found', 'not-found', 'signed in, an unknown path');
	visit('/logout', 'method-not-allowed', 'method-not-allowed',
	    'signed in, GET of a POST-only route (a refreshed POST)');
}

my $ok = eval { walk(); 1 };
ok $ok, 'the walk ran to its end' or diag $@;

my $v = $ax->all_violations;
my @with = grep { grep { ($_->{impact} // '') =~ /^(?:serious|critical)$/ } @{ $v->{$_} } } sort keys %$v;
note 'pages with serious or critical violations: ' . (@with ? join(', ', @with) : 'none');
if (my $list = $ax->write_list) { note "the list of screenshots: $list" }
note sprintf('%d screenshots; %.1f s', scalar($ax->shots), time - $T0);

$wd->quit;
done_testing;
