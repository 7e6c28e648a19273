#!/usr/bin/env perl
# A person's way through Roster in a real browser (SPEC §2, §3 Accounts,
# Organizations, Invitees): headless Chromium, driven over WebDriver,
# signs up through the form, lands on the dashboard, creates an
# organization, invites an address through the roster's form, signs out
# with the header's button, opens the link from the email, creates the
# invitee's account on the invitation page and lands on the roster as a
# member. Along the way: the pages' markers and flashes as the browser
# sees them (visible, not only present), the stylesheet applied under the
# Content-Security-Policy with no console message about a blocked script
# or style (nor any other console error), no sideways scrolling at a
# phone's width, and screenshots of the dashboard and the roster at a
# phone's and a desktop's width (kept in the browser's temporary directory
# and copied to $ROSTER_SCREENS_DIR [/tmp/roster-screens] for people to
# look at; when the flow breaks, failure.png there shows where).
#
# Needs Debian's chromium and chromium-driver: without them the test is
# skipped, except under CI (the CI variable set), where that fails.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Compress::Zlib qw(crc32);
use File::Copy qw(copy);
use File::Path qw(make_path);
use Time::HiRes qw(time);
use Roster::WebDriver;

my $T0 = time;

Roster::WebDriver->skip_unless_available;

require Roster::Test;

use constant PASSWORD => 'correct horse battery';

my $s = Roster::Test->start;
my $BASE = $s->base_url;
my $wd = Roster::WebDriver->start(width => 1280, height => 900);
# The screenshots go to the browser's temporary directory, which goes
# away with the browser (even when the test is killed).
my $TMP = $wd->dir . '/screens';
mkdir $TMP or die "mkdir $TMP: $!\n";
my $SCREENS = $ENV{ROSTER_SCREENS_DIR} // '/tmp/roster-screens';
unlink "$SCREENS/failure.png";    # of an earlier run

# ---- helpers -------------------------------------------------------------------

my @console;          # the browser's console entries, with the page they came from
my $log_supported;    # undef until asked, then 0 or 1

# Moves the browser's console entries so far into @console.
sub collect_console {
	my ($where) = @_;
	return if defined $log_supported && !$log_supported;
	my $entries = $wd->browser_log;
	$log_supported = defined $entries ? 1 : 0;
	push @console, map { { %$_, page => $where } } @{ $entries || [] };
}

# Waits for the page marker and checks it.
sub on_page {
	my ($want, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $got = $wd->wait_page($want);
	my $ok = is $got, $want, "$what: body data-page=\"$want\"";
	collect_console($got // 'no page');
	die "the flow stopped $what: page " . ($got // 'none') . ' at ' . ($wd->url // '?') . "\n"
	    unless $ok;
	return $ok;
}

# The flash of the current page: present with the code and visible.
sub flash_ok {
	my ($code, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->wait_for(qq{div.flash[data-flash="$code"]}, 5);
	ok defined $el, "$what: flash $code" or return;
	ok $wd->displayed($el), "$what: the flash is visible";
	like $wd->text($el), qr/\S/, "$what: the flash says something";
}

# Types into the field a CSS selector names (a test fails when it is missing).
sub fill {
	my ($css, $text) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el, "field $css is there" or return;
	$wd->send_keys($el, $text);
	is $wd->property($el, 'value'), $text, "field $css holds what was typed";
}

# Clicks a button, as a person would.
sub press {
	my ($css, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el, "$what: the button is there" or return;
	ok $wd->displayed($el), "$what: the button is visible";
	$wd->click($el);
}

# Attributes of the first element a selector names, or undef.

# Checks a PNG: signature, chunks with good CRCs, IHDR first and IEND
# last, a plausible size. Returns (width, height) or ().
sub png_ok {
	my ($png, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my @bad;
	push @bad, 'no PNG signature' unless substr($png, 0, 8) eq "\x89PNG\r\n\x1a\n";
	my ($pos, @chunks, $w, $h) = (8);
	while (!@bad && $pos + 12 <= length $png) {
		my ($len, $type) = unpack 'N a4', substr($png, $pos, 8);
		if ($pos + 12 + $len > length $png) { push @bad, "chunk $type runs past the end"; last }
		my $data = substr($png, $pos + 8, $len);
		my $crc = unpack 'N', substr($png, $pos + 8 + $len, 4);
		push @bad, "bad CRC in chunk $type" unless crc32($type . $data) == $crc;
		($w, $h) = unpack 'N N', $data if $type eq 'IHDR';
		push @chunks, $type;
		$pos += 12 + $len;
	}
	push @bad, 'IHDR is not the first chunk' unless @chunks && $chunks[0] eq 'IHDR';
	push @bad, 'IEND is not the last chunk' unless @chunks && $chunks[-1] eq 'IEND';
	push @bad, 'bytes after IEND' if $pos != length $png;
	push @bad, 'no IDAT' unless grep { $_ eq 'IDAT' } @chunks;
	push @bad, sprintf('implausible size: %d bytes', length $png)
	    if length $png < 4_000 || length $png > 10_000_000;
	ok !@bad, "$what: a valid PNG of plausible size (" . length($png) . ' bytes)';
	diag $_ for @bad;
	return @bad ? () : ($w, $h);
}

# Screenshots of the current page at a phone's and a desktop's width,
# kept in the temporary directory and copied for people to look at; at the
# phone's width the page must not scroll sideways.
my @SIZES = ([ phone => 390, 844 ], [ desktop => 1280, 900 ]);
my @SHOTS;
sub screenshots {
	my ($name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	for my $sz (@SIZES) {
		my ($label, $w, $h) = @$sz;
		$wd->set_window_rect($w, $h);
		my $inner = $wd->wait_until(sub {
			my $iw = $wd->execute('return window.innerWidth;');
			$iw && abs($iw - $w) <= 16 ? $iw : undef;
		}, "width $w", 5) // $wd->execute('return window.innerWidth;');
		ok abs(($inner // 0) - $w) <= 16, "$name at $label width: the viewport is $w px wide (got "
		    . ($inner // 'none') . ')';
		my $sw = $wd->execute('return document.documentElement.scrollWidth;');
		ok $sw <= $inner, "$name at $label width: no sideways scrolling (content $sw px)";
		my $png = $wd->screenshot;
		my ($pw, $ph) = png_ok($png, "$name at $label width");
		ok defined $pw && abs($pw - $inner) <= 16 && $ph >= 300,
		    "$name at $label width: the image is the viewport (" . ($pw // '?') . 'x' . ($ph // '?') . ')';
		my $file = "$TMP/$name-$label.png";
		open my $fh, '>:raw', $file or die "$file: $!\n";
		print $fh $png;
		close $fh or die "$file: $!\n";
		push @SHOTS, $file;
		if (eval { make_path($SCREENS); 1 } && copy($file, "$SCREENS/$name-$label.png")) {
			note "screenshot: $SCREENS/$name-$label.png";
		} else {
			diag "could not copy $file to $SCREENS: $!";
		}
	}
	$wd->set_window_rect(1280, 900);
}

# The flow, step by step; it dies where a step leaves the browser on the
# wrong page, since nothing after that could work.
sub flow {
	# ---- sign up -------------------------------------------------------------------
	$wd->get("$BASE/signup");
	on_page('signup', 'the sign-up page');
	fill('form[action="/signup"] input[name="email"]', 'ann@example.com');
	fill('form[action="/signup"] input[name="display_name"]', 'Ann Example');
	fill('form[action="/signup"] input[name="password"]', PASSWORD);
	press('form[action="/signup"] button[type="submit"]', 'sign up');
	on_page('dashboard', 'after signing up');
	is $wd->url, "$BASE/", 'after signing up: at /';
	flash_ok('signed-up', 'after signing up');
	my $who = $wd->find('header .nav-user-name');
	is $who && $wd->text($who), 'Ann Example', 'the header names the signed-in person';
	is $s->sql_one(q{SELECT display_name FROM users WHERE email = 'ann@example.com'}), 'Ann Example',
	    'the account exists';

	# ---- the stylesheet applies under the CSP -------------------------------------
	my $style = $wd->execute(<<~'JS');
	var b = getComputedStyle(document.body);
	var f = document.querySelector('.flash');
	var sheets = [];
	for (var i = 0; i < document.styleSheets.length; i++) {
		var s = document.styleSheets[i], n = -1;
		try { n = s.cssRules.length; } catch (e) {}
		sheets.push({ href: s.href, rules: n });
	}
	return { display: b.display, direction: b.flexDirection, margin: b.marginTop,
		 lineHeight: b.lineHeight, fontSize: b.fontSize,
		 flashBg: f ? getComputedStyle(f).backgroundColor : null, sheets: sheets };
	JS
	is scalar @{ $style->{sheets} }, 1, 'one stylesheet on the page';
	like $style->{sheets}[0]{href} // '', qr{^\Q$BASE\E/static/style\.css$}, 'it is /static/style.css';
	cmp_ok $style->{sheets}[0]{rules} // -1, '>', 10, 'its rules loaded';
	is $style->{display}, 'flex', 'body: display flex (from style.css; the browser default is block)';
	is $style->{direction}, 'column', 'body: flex-direction column';
	is $style->{margin}, '0px', 'body: margin 0 (the browser default is 8px)';
	isnt $style->{flashBg} // 'rgba(0, 0, 0, 0)', 'rgba(0, 0, 0, 0)', 'the flash has its background colour';

	screenshots('dashboard');

	# ---- a new organization ----------------------------------------------------------
	my $new = $wd->find('a[href="/orgs/new"]');
	ok defined $new, 'the dashboard links to /orgs/new';
	$wd->click($new) if $new;
	on_page('org-new', 'the new-organization page');
	fill('form[action="/orgs"] input[name="name"]', 'Acme Browsers');
	fill('form[action="/orgs"] input[name="slug"]', 'acme-browsers');
	press('form[action="/orgs"] button[type="submit"]', 'create the organization');
	on_page('org-members', 'after creating the organization');
	is $wd->url, "$BASE/orgs/acme-browsers", 'at /orgs/acme-browsers';
	flash_ok('org-created', 'after creating the organization');
	my $owner = $wd->attrs_of('tr[data-member-id][data-email="ann@example.com"]', qw(data-role data-status));
	is_deeply $owner, { 'data-role' => 'owner', 'data-status' => 'active' },
	    'the roster shows the creator as the active owner';

	# ---- an invitation -------------------------------------------------------------
	fill('form[action="/orgs/acme-browsers/invitations"] input[name="email"]', 'bob@example.com');
	press('form[action="/orgs/acme-browsers/invitations"] button[type="submit"]', 'send the invitation');
	on_page('org-members', 'after inviting');
	flash_ok('invitation-sent', 'after inviting');
	my $inv = $wd->attrs_of('tr[data-invitation-id][data-email="bob@example.com"]',
	    qw(data-invitation-id data-role data-status data-delivery));
	ok $inv && $inv->{'data-invitation-id'}, 'the roster lists the invitation';
	is $inv && $inv->{'data-role'}, 'member', 'invitation row: role member';
	is $inv && $inv->{'data-status'}, 'invited', 'invitation row: status invited';
	like $inv && $inv->{'data-delivery'}, qr/^(?:queued|sent)$/, 'invitation row: delivery queued or sent';
	unlike $wd->source, qr/token=/, 'the roster shows no invitation link';

	my $mail = $s->wait_for_mail(to => 'bob@example.com', subject => qr/invit/i, timeout => 20);
	ok $mail, 'the invitation email went out';
	my $link = $mail ? $mail->{link} // '' : '';
	like $link, qr{^\Q$BASE\E/invitations/accept\?token=[A-Za-z0-9_%.=-]+$}, 'it carries the link';

	# The roster once the mailer has sent it (bounded: reload until it says so).
	my $sent = $wd->wait_until(sub {
		$wd->get("$BASE/orgs/acme-browsers");
		my $a = $wd->attrs_of('tr[data-invitation-id][data-email="bob@example.com"]', 'data-delivery');
		$a && ($a->{'data-delivery'} // '') eq 'sent';
	}, 'delivery sent', 10);
	on_page('org-members', 'the roster again');
	ok $sent, 'once mailed, the invitation row says delivery sent';
	screenshots('org-members');

	# ---- sign out with the header's button ---------------------------------------
	press('header form[action="/logout"] button[type="submit"]', 'sign out');
	on_page('login', 'after signing out');
	flash_ok('signed-out', 'after signing out');
	ok !defined $wd->find('header form[action="/logout"]'), 'the header has no Sign out button any more';

	# ---- the invitee follows the link and creates an account -------------------------
	die "the flow stopped: no invitation link in the email\n" unless $link;
	$wd->get($link);
	on_page('invitation-signup', 'the invitation link, signed out');
	my $email = $wd->find('form[action="/invitations/accept/signup"] input[name="email"]');
	is $email && $wd->property($email, 'value'), 'bob@example.com', 'the address is the invited one';
	ok $email && defined $wd->attribute($email, 'readonly'), 'and cannot be edited';
	fill('form[action="/invitations/accept/signup"] input[name="display_name"]', 'Bob Browser');
	fill('form[action="/invitations/accept/signup"] input[name="password"]', PASSWORD);
	press('form[action="/invitations/accept/signup"] button[type="submit"]', 'join');
	on_page('org-members', 'after joining');
	is $wd->url, "$BASE/orgs/acme-browsers", 'after joining: at the organization';
	flash_ok('invitation-accepted', 'after joining');
	my $bob = $wd->attrs_of('tr[data-member-id][data-email="bob@example.com"]', qw(data-role data-status));
	is_deeply $bob, { 'data-role' => 'member', 'data-status' => 'active' },
	    'the roster shows the invitee as an active member';
	my $me = $wd->find('header .nav-user-name');
	is $me && $wd->text($me), 'Bob Browser', 'the header names the invitee';

	is $s->sql_one(q{SELECT count(*) FROM memberships m JOIN organizations o
	    ON o.id = m.organization_id WHERE o.slug = 'acme-browsers'}), 2,
	    'the organization has two memberships';
}

my $flow_ok = eval { flow(); 1 };
my $stopped = $@;
ok $flow_ok, 'the flow ran to its end' or diag $stopped;
if (!$flow_ok) {
	# What the browser showed when it stopped, for the people reading the failure.
	my $png = eval { $wd->screenshot };
	if ($png && eval { make_path($SCREENS); 1 } && open my $fh, '>:raw', "$SCREENS/failure.png") {
		print $fh $png;
		close $fh;
		diag "the browser's view when the flow stopped: $SCREENS/failure.png";
	}
	my $src = eval { $wd->source } // '';
	my @errors = $src =~ /data-error="([^"]*)"/g;
	diag 'data-error on that page: ' . join(', ', @errors) if @errors;
}

# ---- the browser's console ------------------------------------------------------
collect_console('end');
SKIP: {
	skip 'this chromedriver does not offer the browser log (POST /session/{id}/se/log)', 2
	    unless $log_supported;
	my @csp = grep { ($_->{source} // '') eq 'security'
	    || ($_->{message} // '') =~ /Content[- ]Security[- ]Policy|Refused to (?:execute|apply|load|connect|frame)/i } @console;
	ok !@csp, 'no console message about content blocked by the CSP';
	diag "[$_->{page}] $_->{level}: $_->{message}" for @csp;
	my @severe = grep { ($_->{level} // '') eq 'SEVERE' } @console;
	ok !@severe, 'no console errors (the favicon is found, nothing 404s)';
	diag "[$_->{page}] $_->{level}: $_->{message}" for @severe;
	note "console: [$_->{page}] $_->{level}: " . ($_->{message} =~ s/token=[^\s&"']+/token=.../gr) for @console;
}

$wd->quit;
ok !-d $wd->dir, "the browser's temporary directory is gone";
note sprintf('%d screenshots; %.1f s', scalar @SHOTS, time - $T0);
done_testing;
