#!/usr/bin/env perl
# The public join form in a real browser (SPEC §3 /orgs/{slug}/settings,
# /join/{slug}, /join/confirm, /orgs/{slug}/join-requests; §4 Join
# requests): headless Chromium, driven over WebDriver. The walk is made
# twice, once in a phone's window and once in a desktop's, each with its
# own organization: a visitor finds the form closed; the owner signs in,
# opens the organization's Settings, ticks join_enabled, names the extra
# fields "city, message" and saves; signed out, the visitor opens the
# form from the link the settings show, fills it in and lands on
# join-check-email; the link of the confirmation email opens join-confirm,
# which confirms nothing by itself (the row stays pending_confirmation),
# and its button lands on join-confirmed (the row submitted); the link a
# second time is token-invalid; the owner, signed in again, finds the
# request on the join requests page with its extra fields, approves it and
# sees the outcome: at the phone's width the address has no account and
# gets an invitation, at the desktop's width it has a confirmed one and
# becomes an active member. On every page: the data-page marker, no
# sideways scrolling, and a screenshot, kept in the stack's state directory
# (with ROSTER_TEST_KEEP=1) and copied to $ROSTER_SCREENS_DIR
# [/tmp/roster-screens] as join-{width}-{page}.png; after each walk, no
# console message about content blocked by the Content-Security-Policy and
# no console error but the 404s the walk asks for.
#
# Needs Debian's chromium and chromium-driver: without them the test is
# skipped, except under CI (the CI variable set), where that fails.

use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Encode qw(encode_utf8);
use File::Copy qw(copy);
use File::Path qw(make_path);
use Time::HiRes qw(time);
use Roster::WebDriver;

my $T0 = time;

Roster::WebDriver->skip_unless_available;

require Roster::Test;
require Roster::Invite;
require Roster::Members;
require Roster::Join;

use constant PASSWORD => 'correct horse battery';

my $s = Roster::Test->start;
my $BASE = $s->base_url;
my $wd = Roster::WebDriver->start(width => 1280, height => 900);
my $SHOTS = $s->state_dir . '/screens';
make_path($SHOTS);
my $SCREENS = $ENV{ROSTER_SCREENS_DIR} // '/tmp/roster-screens';
unlink "$SCREENS/join-failure.png";    # of an earlier run

# The people, made over HTTP: the owner of two organizations, one for each
# walk, and the desktop walk's visitor, who already has a confirmed account.
my $owner = Roster::Members::member($s, 'olga@example.com', 'Olga Owner', confirmed => 1);
Roster::Invite::new_org($owner, 'Acme Phone Club', 'acme-phone');
Roster::Invite::new_org($owner, 'Acme Desk Club', 'acme-desk');
Roster::Members::member($s, 'dan@example.com', 'Dan Desk', confirmed => 1);
my $OWNER_ID = Roster::Invite::user_id($s, 'olga@example.com');

# ---- helpers -------------------------------------------------------------------

my @console;          # the browser's console entries of the current walk
my $log_supported;    # undef until asked, then 0 or 1

sub collect_console {
	my ($where) = @_;
	return if defined $log_supported && !$log_supported;
	my $entries = $wd->browser_log;
	$log_supported = defined $entries ? 1 : 0;
	push @console, map { { %$_, page => $where } } @{ $entries || [] };
}

sub on_page {
	my ($want, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $got = $wd->wait_page($want);
	my $ok = is $got, $want, "$what: body data-page=\"$want\"";
	collect_console($got // 'no page');
	die "the flow stopped $what: page " . ($got // 'none') . ' at ' . ($wd->url // '?') . "\n"
	    unless $ok;
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
	ok defined $el && $wd->displayed($el), "field $css is there and visible" or return;
	$wd->send_keys($el, $text);
	is $wd->property($el, 'value'), $text, "field $css holds what was typed";
}

sub press {
	my ($css, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el && $wd->displayed($el), "$what: the control is there and visible" or return;
	$wd->click($el);
}


sub text_of {
	my ($css) = @_;
	my $el = $wd->find($css) // return undef;
	return $wd->text($el);
}

# The current page at the walk's width: no sideways scrolling, a
# screenshot in the state directory, copied for people to look at.
my $WIDTH;    # [label, width, height] of the current walk
sub look {
	my ($name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($label) = @$WIDTH;
	# clientWidth leaves out a vertical scrollbar, which innerWidth counts.
	my ($cw, $sw) = @{ $wd->execute('var d = document.documentElement;'
	    . ' return [d.clientWidth, d.scrollWidth];') };
	ok $cw > 0 && $sw <= $cw, "$name at $label width: no sideways scrolling (content $sw px in $cw px)";
	my $png = $wd->screenshot;
	ok length($png // '') > 4000 && substr($png, 0, 4) eq "\x89PNG", "$name at $label width: a screenshot";
	my $file = "$SHOTS/join-$label-$name.png";
	open my $fh, '>:raw', $file or die "$file: $!\n";
	print $fh $png;
	close $fh or die "$file: $!\n";
	if (eval { make_path($SCREENS); 1 } && copy($file, "$SCREENS/join-$label-$name.png")) {
		note "screenshot: $SCREENS/join-$label-$name.png";
	}
}

# A console message with the tokens of links blanked out.
sub redact { return ($_[0] // '') =~ s/token=[^\s&"']+/token=.../gr }

sub sign_in {
	my ($email) = @_;
	$wd->get("$BASE/login");
	on_page('login', "signing in as $email");
	fill('form[action="/login"] input[name="email"]', $email);
	fill('form[action="/login"] input[name="password"]', PASSWORD);
	press('form[action="/login"] button[type="submit"]', 'sign in');
	on_page('dashboard', "signed in as $email");
}

sub sign_out {
	press('header form[action="/logout"] button[type="submit"]', 'sign out');
	on_page('login', 'after signing out');
}

# Follows a link of the organization's sub-navigation, as a person would.
sub subnav {
	my ($slug, $path, $page) = @_;
	press(qq{nav.subnav a[href="/orgs/$slug$path"]}, "the sub-navigation's link to /orgs/$slug$path");
	on_page($page, "/orgs/$slug$path");
}

# ---- the walk ------------------------------------------------------------------

# One walk at one width; %v names the organization and the visitor.
sub walk {
	my (%v) = @_;
	my ($label, $w, $h) = @$WIDTH;
	my ($slug, $email) = @v{qw(slug email)};
	my @expected_404;

	$wd->set_window_rect($w, $h);
	my $inner = $wd->wait_until(sub {
		my $iw = $wd->execute('return window.innerWidth;');
		$iw && abs($iw - $w) <= 16 ? $iw : undef;
	}, "width $w", 5);
	ok $inner, "$label: the viewport is about $w px wide (" . ($inner // 'not so') . ')';

	# ---- the form is closed until the owner opens it --------------------------------
	$wd->get("$BASE/join/$slug");
	push @expected_404, qr{/join/\Q$slug\E };
	on_page('not-found', 'the join form before it is turned on');
	look('closed');

	# ---- the owner turns the form on ---------------------------------------------------
	sign_in('olga@example.com');
	$wd->get("$BASE/orgs/$slug");
	on_page('org-members', 'the roster');
	subnav($slug, '/settings', 'org-settings');
	my $box = $wd->find('form input[type="checkbox"][name="join_enabled"]');
	ok $box && $wd->displayed($box), 'the join_enabled checkbox is visible';
	ok $box && !$wd->property($box, 'checked'), '... and not ticked';
	press('label[for="join_enabled"]', 'the label of join_enabled');
	ok $box && $wd->property($box, 'checked'), '... ticked by a click on its label';
	fill(qq{form[action="/orgs/$slug/settings"] input[name="join_fields"]}, 'city, message');
	press(qq{form[action="/orgs/$slug/settings"] button[type="submit"]}, 'save the settings');
	on_page('org-settings', 'after saving the settings');
	is $wd->url, "$BASE/orgs/$slug/settings", 'after saving: at the settings';
	flash_ok('settings-saved', 'after saving');
	$box = $wd->find('input[name="join_enabled"]');
	ok $box && $wd->property($box, 'checked'), 'the checkbox shows ticked';
	my $jf = $wd->find('input[name="join_fields"]');
	is $jf && $wd->property($jf, 'value'), 'city, message', 'the extra fields show as saved';
	is $s->sql_one(q{SELECT join_enabled || ' ' || array_to_string(join_fields, ',')
	    FROM organizations WHERE slug = ?}, $slug), 'true city,message',
	    'the database: the form on, with city and message';
	my $form_link = $wd->find(qq{a[href="$BASE/join/$slug"]});
	ok $form_link && $wd->displayed($form_link), 'the settings show the link to the form';
	my $join_url = $form_link ? $wd->attribute($form_link, 'href') : "$BASE/join/$slug";
	look('settings');
	sign_out();

	# ---- the visitor asks to join --------------------------------------------------------
	$wd->get($join_url);
	on_page('join-form', 'the public join form');
	like text_of('main h1') // '', qr/^Join \Q$v{org}\E$/, 'it names the organization';
	ok !$wd->find('input[name="phone"]'), 'no phone field (not allowed)';
	ok $wd->find('textarea[name="message"]'), 'the message is a text area';
	look('form');
	my $f = qq{form[action="/join/$slug"]};
	fill("$f input[name=\"email\"]", $email);
	fill("$f input[name=\"first_name\"]", $v{first});
	fill("$f input[name=\"last_name\"]", $v{last});
	fill("$f input[name=\"city\"]", $v{city});
	fill("$f textarea[name=\"message\"]", $v{message});
	press("$f button[type=\"submit\"]", 'send the request');
	on_page('join-check-email', 'after sending');
	is $wd->url, "$BASE/join/$slug?sent=1", 'after sending: at the form, sent';
	flash_ok('join-requested', 'after sending');
	like text_of('main') // '', qr/\Q$v{org}\E/, 'the page names the organization';
	look('check-email');

	my $row = Roster::Join::jr_row($s, 'email = ? AND organization_id = (SELECT id FROM organizations WHERE slug = ?)',
	    $email, $slug);
	ok $row, 'a join request is stored';
	die "the flow stopped: no join request stored\n" unless $row;
	my $id = $row->{id};
	is $row->{status}, 'pending_confirmation', 'the request waits for confirmation';
	is "$row->{first_name} $row->{last_name}", encode_utf8("$v{first} $v{last}"), 'with the names';
	is_deeply [ $s->psql(q{SELECT fields ->> 'city', fields ->> 'message' FROM join_requests WHERE id = ?}, $id) ],
	    [ [ encode_utf8($v{city}), encode_utf8($v{message}) ] ], 'and the extra fields';

	# ---- the confirmation link ----------------------------------------------------------
	my $mail = $s->wait_for_mail(to => $email, subject => qr/^Confirm your request to join/, timeout => 20);
	ok $mail, 'the confirmation email went out';
	my $link = $mail ? $mail->{link} // '' : '';
	like $link, qr{^\Q$BASE\E/join/confirm\?token=[A-Za-z0-9_-]+$}, 'it carries the link';
	die "the flow stopped: no confirmation link\n" unless $link;
	$wd->get($link);
	on_page('join-confirm', "the email's link");
	is $s->sql_one('SELECT status FROM join_requests WHERE id = ?', $id), 'pending_confirmation',
	    'opening the link confirms nothing: still pending_confirmation';
	like text_of('main') // '', qr/\Q$v{org}\E.*\Q$email\E/s, 'the page names the organization and the address';
	look('confirm');
	is $s->sql_one(q{SELECT status || ' ' || (confirm_hash IS NOT NULL) FROM join_requests WHERE id = ?}, $id),
	    'pending_confirmation true', '... nor after a while on the page: the token still there';
	press('form[action="/join/confirm"] button[type="submit"]', 'confirm the request');
	on_page('join-confirmed', 'after confirming');
	like text_of('main') // '', qr/\Q$v{org}\E/, 'the page names the organization';
	look('confirmed');
	is $s->sql_one(q{SELECT status || ' ' || (confirm_hash IS NULL) || ' ' || (submitted_at IS NOT NULL)
	    FROM join_requests WHERE id = ?}, $id), 'submitted true true',
	    'the request is submitted, its token dropped';

	$wd->get($link);
	push @expected_404, qr{/join/confirm\?token=};
	on_page('token-invalid', 'the link a second time');
	ok $wd->find('[data-error="token-invalid"]'), '... with data-error token-invalid';

	# ---- the owner approves ---------------------------------------------------------------
	sign_in('olga@example.com');
	$wd->get("$BASE/orgs/$slug");
	on_page('org-members', 'the roster');
	subnav($slug, '/join-requests', 'org-join-requests');
	my $tr = qq{tr[data-join-request-id="$id"]};
	is_deeply $wd->attrs_of($tr, qw(data-email data-status)),
	    { 'data-email' => $email, 'data-status' => 'submitted' }, 'the request is listed, submitted';
	is scalar(() = $wd->find_all('tr[data-join-request-id]')), 1, '... alone';
	is text_of(qq{$tr td[data-label="Name"]}), "$v{first} $v{last}", '... with the name';
	is text_of(qq{$tr [data-field="city"]}), "City: $v{city}", '... the city';
	is text_of(qq{$tr [data-field="message"]}), "Message: $v{message}", '... and the message, as typed';
	my $approve = qq{form[action="/orgs/$slug/join-requests/$id/approve"] button[type="submit"]};
	ok $wd->find(qq{form[action="/orgs/$slug/join-requests/$id/reject"] button[type="submit"]}),
	    '... with a reject button too';
	look('requests');
	press($approve, 'approve');
	on_page('org-join-requests', 'after approving');
	is $wd->url, "$BASE/orgs/$slug/join-requests", 'after approving: at the join requests';
	flash_ok('join-approved', 'after approving');
	ok !$wd->find('tr[data-join-request-id]'), 'no request is listed any more';
	like text_of('main section.card') // '', qr/No requests are waiting/, '... and the page says so';
	look('approved');
	is $s->sql_one(q{SELECT status || ' ' || decided_by FROM join_requests WHERE id = ?}, $id),
	    "approved $OWNER_ID", 'the request is approved, by the owner';

	subnav($slug, '', 'org-members');
	if ($v{account}) {
		my $m = Roster::Members::membership_row($s, $slug, $email) // {};
		is join(' ', map { $m->{$_} // '' } qw(role status source added_by)),
		    "member active join_request $OWNER_ID", 'the account is an active member, source join_request';
		is_deeply $wd->attrs_of(qq{tr[data-member-id][data-email="$email"]}, qw(data-role data-status)),
		    { 'data-role' => 'member', 'data-status' => 'active' }, 'the roster shows the new member active';
		ok $s->wait_for_mail(to => $email, subject => qr/^Welcome to "\Q$v{org}\E"/, timeout => 20),
		    'the new member is welcomed by email';
	} else {
		is $s->sql_one(q{SELECT role || ' ' || (accepted_at IS NULL AND revoked_at IS NULL) || ' ' || invited_by
		    FROM invitations WHERE email = ? AND organization_id = (SELECT id FROM organizations WHERE slug = ?)},
		    $email, $slug), "member true $OWNER_ID", 'an address without an account is invited as member';
		is $s->sql_one('SELECT count(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id
		    WHERE o.slug = ?', $slug), 1, '... and no membership is made';
		is_deeply $wd->attrs_of(qq{tr[data-invitation-id][data-email="$email"]}, qw(data-role data-status)),
		    { 'data-role' => 'member', 'data-status' => 'invited' }, 'the roster shows the invitation';
		my $inv = $s->wait_for_mail(to => $email, subject => qr/ invited you to join "\Q$v{org}\E"/,
		    timeout => 20);
		like $inv ? $inv->{link} // '' : '', qr{^\Q$BASE\E/invitations/accept\?token=},
		    'the invitation email went out with its link';
	}
	look('outcome');
	sign_out();

	# ---- the console ------------------------------------------------------------------------
	collect_console('end');
	SKIP: {
		skip 'this chromedriver does not offer the browser log (POST /session/{id}/se/log)', 2
		    unless $log_supported;
		my @csp = grep { ($_->{source} // '') eq 'security'
		    || ($_->{message} // '') =~ /Content[- ]Security[- ]Policy|Refused to (?:execute|apply|load|connect|frame)/i }
		    @console;
		ok !@csp, "$label: no console message about content blocked by the CSP";
		diag "[$_->{page}] $_->{level}: " . redact($_->{message}) for @csp;
		my @severe = grep {
			my $m = $_->{message} // '';
			($_->{level} // '') eq 'SEVERE'
			    && !($m =~ /status of 404/ && grep { $m =~ $_ } @expected_404)
		} @console;
		ok !@severe, "$label: no console errors but the 404s asked for";
		diag "[$_->{page}] $_->{level}: " . redact($_->{message}) for @severe;
		note "console: [$_->{page}] $_->{level}: " . redact($_->{message}) for @console;
	}
	@console = ();
}

my @WALKS = (
	[ [ phone => 390, 844 ], slug => 'acme-phone', org => 'Acme Phone Club', email => 'pia@example.com',
	  first => 'Pia', last => 'Müller-Lüdenscheidt', city => 'Zürich',
	  message => q{I'd like to help <on weekends> & with the newsletter.}, account => 0 ],
	[ [ desktop => 1280, 900 ], slug => 'acme-desk', org => 'Acme Desk Club', email => 'dan@example.com',
	  first => 'Dan', last => 'Desk', city => 'Lyon', message => 'Met you at the meetup.', account => 1 ],
);

for my $walk (@WALKS) {
	my ($size, %v) = @$walk;
	$WIDTH = $size;
	my $ok = eval { walk(%v); 1 };
	ok $ok, "the walk at $size->[0] width ran to its end" or diag redact($@);
	next if $ok;
	my $png = eval { $wd->screenshot };
	if ($png && eval { make_path($SCREENS); 1 } && open my $fh, '>:raw', "$SCREENS/join-failure.png") {
		print $fh $png;
		close $fh;
		diag "the browser's view when the walk stopped: $SCREENS/join-failure.png";
	}
	my @errors = (eval { $wd->source } // '') =~ /data-error="([^"]*)"/g;
	diag 'data-error on that page: ' . join(', ', @errors) if @errors;
	last;
}

$wd->quit;
note sprintf('%.1f s', time - $T0);
done_testing;
