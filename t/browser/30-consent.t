#!/usr/bin/env perl
# The consent of an owner-add in a real browser (SPEC §3 POST
# /orgs/{slug}/members, /me/invitations, /me/memberships/{id}/accept; §4
# Owner-add): headless Chromium, driven over WebDriver. The owner signs in,
# adds an existing user through the roster's form and sees the row
# awaiting consent; the user signs in, finds the owner-add on the
# dashboard and on /me/invitations, and accepts it with its button,
# landing on the roster as an active member. The pages are looked at at a
# phone's and a desktop's width: no sideways scrolling, the buttons
# visible, screenshots copied to $ROSTER_SCREENS_DIR [/tmp/roster-screens].
#
# Needs Debian's chromium and chromium-driver: without them the test is
# skipped, except under CI (the CI variable set), where that fails.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Copy qw(copy);
use File::Path qw(make_path);
use Roster::WebDriver;

Roster::WebDriver->skip_unless_available;

require Roster::Test;
require Roster::Invite;
require Roster::Members;

use constant PASSWORD => 'correct horse battery';

my $s = Roster::Test->start;
my $BASE = $s->base_url;
my $wd = Roster::WebDriver->start(width => 1280, height => 900);
my $SCREENS = $ENV{ROSTER_SCREENS_DIR} // '/tmp/roster-screens';

# The people, made over HTTP: the owner with an organization, the user with
# a confirmed address (an owner-add needs one).
my $owner = Roster::Members::member($s, 'olga@example.com', 'Olga Owner', confirmed => 1);
Roster::Invite::new_org($owner, 'Acme Consent', 'acme-consent');
Roster::Members::member($s, 'ben@example.com', 'Ben Browser', confirmed => 1);

sub on_page {
	my ($want, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $got = $wd->wait_page($want);
	is $got, $want, "$what: body data-page=\"$want\""
	    or die "the flow stopped $what: page " . ($got // 'none') . "\n";
}

sub flash_ok {
	my ($code, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->wait_for(qq{div.flash[data-flash="$code"]}, 5);
	ok defined $el && $wd->displayed($el), "$what: flash $code, visible";
}

sub fill {
	my ($css, $text) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el, "field $css is there" or return;
	$wd->send_keys($el, $text);
}

sub press {
	my ($css, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el && $wd->displayed($el), "$what: the button is there and visible" or return;
	$wd->click($el);
}


# At a phone's and a desktop's width: no sideways scrolling, the element
# named by css visible, a screenshot kept.
sub widths_ok {
	my ($name, $css) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	for my $sz ([ phone => 390, 844 ], [ desktop => 1280, 900 ]) {
		my ($label, $w, $h) = @$sz;
		$wd->set_window_rect($w, $h);
		my $inner = $wd->wait_until(sub {
			my $iw = $wd->execute('return window.innerWidth;');
			$iw && abs($iw - $w) <= 16 ? $iw : undef;
		}, "width $w", 5) // 0;
		my $sw = $wd->execute('return document.documentElement.scrollWidth;');
		ok $sw <= $inner, "$name at $label width: no sideways scrolling ($sw <= $inner)";
		my $el = $wd->find($css);
		ok $el && $wd->displayed($el), "$name at $label width: $css is visible";
		my $png = $wd->screenshot;
		ok length($png // '') > 4000 && substr($png, 0, 4) eq "\x89PNG",
		    "$name at $label width: a screenshot";
		if (eval { make_path($SCREENS); 1 } && open my $fh, '>:raw', "$SCREENS/$name-$label.png") {
			print $fh $png;
			close $fh;
			note "screenshot: $SCREENS/$name-$label.png";
		}
	}
	$wd->set_window_rect(1280, 900);
}

sub sign_in {
	my ($email) = @_;
	$wd->get("$BASE/login");
	on_page('login', "signing in as $email");
	fill('form[action="/login"] input[name="email"]', $email);
	fill('form[action="/login"] input[name="password"]', PASSWORD);
	press('form[action="/login"] button[type="submit"]', 'sign in');
	on_page('dashboard', "signed in as $email");
}

sub flow {
	# ---- the owner adds Ben ------------------------------------------------------------
	sign_in('olga@example.com');
	$wd->get("$BASE/orgs/acme-consent");
	on_page('org-members', 'the roster');
	fill('form[action="/orgs/acme-consent/members"] input[name="email"]', 'ben@example.com');
	press('form[action="/orgs/acme-consent/members"] button[type="submit"]', 'add the user');
	on_page('org-members', 'after adding');
	flash_ok('member-added', 'after adding');
	my $row = $wd->attrs_of('tr[data-member-id][data-email="ben@example.com"]', qw(data-role data-status));
	is_deeply $row, { 'data-role' => 'member', 'data-status' => 'awaiting-consent' },
	    'the roster shows Ben awaiting consent';
	my $uid = Roster::Invite::user_id($s, 'ben@example.com');
	ok $wd->find(qq{form[action="/orgs/acme-consent/members/$uid/remove"] button}),
	    'with a cancel button';
	widths_ok('consent-roster', 'form[action="/orgs/acme-consent/members"] button[type="submit"]');
	press('header form[action="/logout"] button[type="submit"]', 'sign out');
	on_page('login', 'after signing out');

	# ---- Ben consents ------------------------------------------------------------------
	my $mail = $s->wait_for_mail(to => 'ben@example.com', subject => qr/consent/i, timeout => 20);
	ok $mail, 'Ben is emailed';
	sign_in('ben@example.com');
	my $mid = $s->sql_one(q{SELECT id FROM memberships WHERE status = 'pending'});
	ok $wd->find(qq{tr[data-member-id="$mid"][data-status="awaiting-consent"]}),
	    'the dashboard lists the owner-add';
	$wd->get($mail && $mail->{link} ? $mail->{link} : "$BASE/me/invitations");
	on_page('my-invitations', "the mail's link");
	my $offer = $wd->attrs_of(qq{tr[data-member-id="$mid"]}, qw(data-status data-role));
	is_deeply $offer, { 'data-status' => 'awaiting-consent', 'data-role' => 'member' },
	    '/me/invitations lists it awaiting consent';
	widths_ok('consent-mine', qq{form[action="/me/memberships/$mid/accept"] button});
	press(qq{form[action="/me/memberships/$mid/accept"] button[type="submit"]}, 'accept');
	on_page('org-members', 'after accepting');
	is $wd->url, "$BASE/orgs/acme-consent", 'at the organization';
	flash_ok('membership-accepted', 'after accepting');
	$row = $wd->attrs_of('tr[data-member-id][data-email="ben@example.com"]', qw(data-role data-status));
	is_deeply $row, { 'data-role' => 'member', 'data-status' => 'active' },
	    'the roster shows Ben active';
	is $s->sql_one(q{SELECT status || '/' || source FROM memberships WHERE id = ?}, $mid),
	    'active/owner_add', 'the membership is active, source owner_add';
}

my $ok = eval { flow(); 1 };
ok $ok, 'the flow ran to its end' or diag $@;
if (!$ok) {
	my $png = eval { $wd->screenshot };
	if ($png && eval { make_path($SCREENS); 1 } && open my $fh, '>:raw', "$SCREENS/consent-failure.png") {
		print $fh $png;
		close $fh;
		diag "the browser's view when the flow stopped: $SCREENS/consent-failure.png";
	}
}

done_testing;
