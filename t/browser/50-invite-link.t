#!/usr/bin/env perl
# An invite link in a real browser (SPEC §7.2): headless Chromium, driven
# over WebDriver. The owner signs in, fills the roster's invite-link form
# and lands on link-created with the link shown once; the roster lists the
# link as active with 0 of its uses. A second, fresh browser session (no
# cookie of the first) opens the link, finds the organization named and
# the sign-up form, creates an account and lands in the organization as a
# member, with the link-joined flash; the owner's roster then counts one
# use. On every page: the data-page marker, no sideways scrolling at a
# phone's width, and screenshots at a phone's and a desktop's width, copied
# to $ROSTER_SCREENS_DIR [/tmp/roster-screens] as link-{page}-{width}.png
# (link-failure.png when the walk breaks); no console message about
# content blocked by the Content-Security-Policy.
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
use Time::HiRes qw(time);
use Roster::WebDriver;

my $T0 = time;

Roster::WebDriver->skip_unless_available;

require Roster::Test;
require Roster::Invite;

use constant PASSWORD => 'correct horse battery';

my $s = Roster::Test->start;
my $BASE = $s->base_url;
my $SHOTS = $s->state_dir . '/screens';
make_path($SHOTS);
my $SCREENS = $ENV{ROSTER_SCREENS_DIR} // '/tmp/roster-screens';
unlink "$SCREENS/link-failure.png";    # of an earlier run

# The owner and the organization, made over HTTP.
my $owner = Roster::Invite::person($s, 'olga@example.com', 'Olga Owner');
Roster::Invite::new_org($owner, 'Acme Link Club', 'acme-link');

my $wd;               # the browser of the moment
my @console;          # its console entries, with the page they came from
my @SHOT_FILES;

# ---- helpers -------------------------------------------------------------------

sub collect_console {
	my ($where) = @_;
	my $entries = $wd->browser_log or return;
	push @console, map { { %$_, page => $where } } @$entries;
}

sub on_page {
	my ($want, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $got = $wd->wait_page($want);
	my $ok = is $got, $want, "$what: body data-page=\"$want\"";
	collect_console($got // 'no page');
	die "the walk stopped $what: page " . ($got // 'none') . ' at ' . ($wd->url // '?') . "\n" unless $ok;
	return $ok;
}

sub flash_ok {
	my ($code, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->wait_for(qq{div.flash[data-flash="$code"]}, 5);
	ok defined $el, "$what: flash $code" or return;
	ok $wd->displayed($el), "$what: the flash is visible";
}

sub fill {
	my ($css, $text) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el, "field $css is there" or return;
	$wd->send_keys($el, $text);    # clears the field first (its default)
	is $wd->property($el, 'value'), $text, "field $css holds what was typed";
}

sub press {
	my ($css, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el, "$what: the button is there" or return;
	ok $wd->displayed($el), "$what: the button is visible";
	$wd->click($el);
}

# At a phone's and a desktop's width: no sideways scrolling, a screenshot
# (of the element with id scroll_to, when given, scrolled into view).
sub screenshots {
	my ($name, $scroll_to) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	for my $sz ([ phone => 390, 844 ], [ desktop => 1280, 900 ]) {
		my ($label, $w, $h) = @$sz;
		$wd->set_window_rect($w, $h);
		my $inner = $wd->wait_until(sub {
			my $iw = $wd->execute('return window.innerWidth;');
			$iw && abs($iw - $w) <= 16 ? $iw : undef;
		}, "width $w", 5) // $wd->execute('return window.innerWidth;');
		$wd->execute('document.getElementById(arguments[0]).scrollIntoView();', $scroll_to) if $scroll_to;
		my $sw = $wd->execute('return document.documentElement.scrollWidth;');
		ok $sw <= ($inner // 0), "$name at $label width: no sideways scrolling (content $sw px, viewport "
		    . ($inner // '?') . ' px)';
		my $png = $wd->screenshot;
		ok length($png // '') > 4000 && substr($png, 0, 8) eq "\x89PNG\r\n\x1a\n", "$name at $label width: a screenshot";
		my $file = "$SHOTS/link-$name-$label.png";
		open my $fh, '>:raw', $file or die "$file: $!\n";
		print $fh $png;
		close $fh or die "$file: $!\n";
		push @SHOT_FILES, $file;
		if (eval { make_path($SCREENS); 1 } && copy($file, "$SCREENS/link-$name-$label.png")) {
			note "screenshot: $SCREENS/link-$name-$label.png";
		}
	}
	$wd->set_window_rect(1280, 900);
}

my $LINK;

sub owner_walk {
	$wd->get("$BASE/login");
	on_page('login', 'the sign-in page');
	fill('form[action="/login"] input[name="email"]', 'olga@example.com');
	fill('form[action="/login"] input[name="password"]', PASSWORD);
	press('form[action="/login"] button[type="submit"]', 'sign in');
	on_page('dashboard', 'signed in');
	$wd->get("$BASE/orgs/acme-link");
	on_page('org-members', 'the roster');
	fill('form[action="/orgs/acme-link/links"] input[name="max_uses"]', '5');
	fill('form[action="/orgs/acme-link/links"] input[name="days"]', '3');
	press('form[action="/orgs/acme-link/links"] button[type="submit"]', 'create the link');
	on_page('link-created', 'after creating the link');
	my $a = $wd->attrs_of('[data-link-url]', qw(data-link-url data-link-id));
	$LINK = $a && $a->{'data-link-url'};
	like $LINK // '', qr{^\Q$BASE\E/links/accept\?token=[A-Za-z0-9_-]+$}, 'the page shows the link';
	my $shown = $wd->find('[data-link-url]');
	ok $shown && $wd->displayed($shown), 'the link is visible';
	screenshots('created');
	$wd->get("$BASE/orgs/acme-link");
	on_page('org-members', 'the roster again');
	my $row = $wd->attrs_of("tr[data-link-id=\"$a->{'data-link-id'}\"]", qw(data-uses data-max-uses data-status));
	is_deeply $row, { 'data-uses' => 0, 'data-max-uses' => 5, 'data-status' => 'active' },
	    'the roster lists the link: 0 of 5 uses, active';
	unlike $wd->source, qr/token=/, 'the roster does not show the link again';
	screenshots('roster', 'invite-links');
}

sub visitor_walk {
	die "the walk stopped: no link\n" unless $LINK;
	$wd->get($LINK);
	on_page('link-join', 'the link in a fresh browser');
	my $org = $wd->find('[data-org-name]');
	is $org && $wd->text($org), 'Acme Link Club', 'the page names the organization';
	ok defined $wd->find('a[data-action="sign-in"]'), 'a sign-in link is offered';
	screenshots('join');
	fill('form[action="/links/accept/signup"] input[name="email"]', 'vera@example.com');
	fill('form[action="/links/accept/signup"] input[name="display_name"]', 'Vera Visitor');
	fill('form[action="/links/accept/signup"] input[name="password"]', PASSWORD);
	press('form[action="/links/accept/signup"] button[type="submit"]', 'create the account and join');
	on_page('org-members', 'after joining');
	is $wd->url, "$BASE/orgs/acme-link", 'in the organization';
	flash_ok('link-joined', 'after joining');
	my $me = $wd->find('header .nav-user-name');
	is $me && $wd->text($me), 'Vera Visitor', 'the header names the new member';
	my $row = $wd->attrs_of('tr[data-member-id][data-email="vera@example.com"]', qw(data-role data-status));
	is_deeply $row, { 'data-role' => 'member', 'data-status' => 'active' }, 'the roster shows her as an active member';
	screenshots('joined');
	is $s->sql_one(q{SELECT m.source || ' ' || m.role FROM memberships m JOIN users u ON u.id = m.user_id
	    WHERE u.email = 'vera@example.com'}), 'link member', 'the membership came through the link, as member';
	is $s->sql_one('SELECT uses FROM invite_links'), 1, 'one use counted';
}

my $ok = eval {
	$wd = Roster::WebDriver->start(width => 1280, height => 900);
	owner_walk();
	$wd->quit;
	$wd = Roster::WebDriver->start(width => 1280, height => 900);
	visitor_walk();
	1;
};
my $stopped = $@;
ok $ok, 'the walk ran to its end' or diag $stopped;
if (!$ok && $wd) {
	my $png = eval { $wd->screenshot };
	if ($png && eval { make_path($SCREENS); 1 } && open my $fh, '>:raw', "$SCREENS/link-failure.png") {
		print $fh $png;
		close $fh;
		diag "the browser's view when the walk stopped: $SCREENS/link-failure.png";
	}
	my @errors = (eval { $wd->source } // '') =~ /data-error="([^"]*)"/g;
	diag 'data-error on that page: ' . join(', ', @errors) if @errors;
}

my @csp = grep { ($_->{source} // '') eq 'security'
    || ($_->{message} // '') =~ /Content[- ]Security[- ]Policy|Refused to (?:execute|apply|load|connect|frame)/i } @console;
ok !@csp, 'no console message about content blocked by the CSP';
diag "[$_->{page}] $_->{level}: $_->{message}" for @csp;

$wd->quit if $wd;
note sprintf('%d screenshots; %.1f s', scalar @SHOT_FILES, time - $T0);
done_testing;
