#!/usr/bin/env perl
# Webhooks in a real browser, as a new owner meets them (SPEC §7.5,
# docs/webhooks.md): headless Chromium over WebDriver. She signs up,
# creates an organization from the dashboard, and finds the Webhooks page
# by the link on the organization's page. A URL the page refuses
# ("ftp://x") comes back with the error next to the field and what she
# typed kept; then a receiver on 127.0.0.1 (the stack allows loopback
# targets: ROSTER_WEBHOOK_ALLOW_PRIVATE=1), two events ticked, and the
# signing secret shown once with the sentence on verifying it. Back on the
# list she sees the endpoint; she invites someone from the organization's
# page, and on the webhooks page (reloaded for a bounded time) the
# invitation.created delivery ends "delivered" with the answer 200. The
# receiver (a forked Perl process answering 200, living at most five
# minutes) got one request whose webhook-signature verifies with the
# shown secret over id.timestamp.body. She deletes the endpoint through
# its confirm control and sees the flash; the database has neither the
# endpoint nor its deliveries.
#
# Every step: the data-page marker, no sideways scrolling at a phone's
# width (scrollWidth of the scrolling element <= innerWidth), and
# screenshots at 390 and 1280 px, copied to $ROSTER_SCREENS_DIR
# [/tmp/roster-screens] as webhooks-{step}-{phone|desktop}.png
# (webhooks-failure.png when the walk breaks); no console message about
# content blocked by the Content-Security-Policy.
#
# Needs Debian's chromium and chromium-driver: without them the test is
# skipped, except under CI (the CI variable set), where that fails.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(hmac_sha256_base64);
use File::Copy qw(copy);
use File::Path qw(make_path);
use JSON::PP qw(decode_json encode_json);
use MIME::Base64 qw(decode_base64);
use Time::HiRes qw(time sleep);
use Roster::WebDriver;
use Roster::Webhook qw(receiver requests);

my $T0 = time;

Roster::WebDriver->skip_unless_available;

require Roster::Test;

use constant PASSWORD => 'correct horse battery';
my $SLUG = 'acme-hooks';
my $EMAIL = 'wanda@example.com';

my $s = Roster::Test->start(env => { ROSTER_WEBHOOK_ALLOW_PRIVATE => 1 });
my $BASE = $s->base_url;
my $SHOTS = $s->state_dir . '/screens';
make_path($SHOTS);
my $SCREENS = $ENV{ROSTER_SCREENS_DIR} // '/tmp/roster-screens';
unlink "$SCREENS/webhooks-failure.png";    # of an earlier run

# ---- the receiver ----------------------------------------------------------------
# Roster::Webhook's receiver on 127.0.0.1: it records each request
# (headers and body) and answers 200.
my $receiver = receiver($s->state_dir . '/tmp', 'browser', 200);
my $RPORT = $receiver->{port};
sub received { return requests($receiver) }

my $wd;               # the browser
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
	ok defined $el, "field $css is there" or die "the walk stopped: no $css on " . $wd->url . "\n";
	$wd->send_keys($el, $text);    # clears the field first (its default)
	is $wd->property($el, 'value'), $text, "field $css holds what was typed";
}

sub press {
	my ($css, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el && $wd->displayed($el), "$what: it is there and visible"
	    or die "the walk stopped: no visible $css on " . $wd->url . "\n";
	$wd->click($el);
}

# Ticks a checkbox (clicking it only when it is not ticked yet).
sub tick {
	my ($css, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $el = $wd->find($css);
	ok defined $el && $wd->displayed($el), "$what: the checkbox is there and visible"
	    or die "the walk stopped: no visible $css on " . $wd->url . "\n";
	$wd->click($el) unless $wd->property($el, 'checked');
	ok $wd->property($el, 'checked'), "$what: ticked";
}

# At a phone's and a desktop's width: no sideways scrolling, and a
# screenshot (of the element with id scroll_to scrolled into view, when
# given).
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
		$wd->execute('var e = document.getElementById(arguments[0]); if (e) e.scrollIntoView();', $scroll_to)
		    if $scroll_to;
		my $sw = $wd->execute('return document.scrollingElement.scrollWidth;');
		ok defined $sw && $sw <= ($inner // 0), "$name at $label width: no sideways scrolling (content "
		    . ($sw // '?') . ' px, viewport ' . ($inner // '?') . ' px)';
		my $png = $wd->screenshot;
		ok length($png // '') > 4000 && substr($png, 0, 8) eq "\x89PNG\r\n\x1a\n", "$name at $label width: a screenshot";
		my $file = "$SHOTS/webhooks-$name-$label.png";
		open my $fh, '>:raw', $file or die "$file: $!\n";
		print $fh $png;
		close $fh or die "$file: $!\n";
		push @SHOT_FILES, $file;
		if (eval { make_path($SCREENS); 1 } && copy($file, "$SCREENS/webhooks-$name-$label.png")) {
			note "screenshot: $SCREENS/webhooks-$name-$label.png";
		}
	}
	$wd->set_window_rect(1280, 900);
}

sub nav_to_webhooks {
	my ($what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	press(qq{nav.subnav a[href="/orgs/$SLUG/webhooks"]}, "$what: the Webhooks link of the organization's nav");
	on_page('org-webhooks', $what);
	is $wd->url, "$BASE/orgs/$SLUG/webhooks", "$what: at the organization's webhooks";
}

my $HOOK = qq{form[action="/orgs/$SLUG/webhooks"]};
my $TARGET = "http://127.0.0.1:$RPORT/hooks/roster?team=people-ops";
my ($SECRET, $HOOK_ID);

sub walk {
	# ---- sign-up and an organization, from the dashboard -------------------------
	$wd->get("$BASE/signup");
	on_page('signup', 'the sign-up page');
	fill('form[action="/signup"] input[name="email"]', $EMAIL);
	fill('form[action="/signup"] input[name="display_name"]', 'Wanda Webhook');
	fill('form[action="/signup"] input[name="password"]', PASSWORD);
	press('form[action="/signup"] button[type="submit"]', 'sign up');
	on_page('dashboard', 'after signing up');
	press('a[href="/orgs/new"]', 'the New organization link');
	on_page('org-new', 'the new organization form');
	fill('form[action="/orgs"] input[name="name"]', 'Acme Hooks');
	fill('form[action="/orgs"] input[name="slug"]', $SLUG);
	press('form[action="/orgs"] button[type="submit"]', 'create the organization');
	on_page('org-members', 'after creating the organization');
	is $wd->url, "$BASE/orgs/$SLUG", 'in the new organization';
	screenshots('org');

	# ---- the webhooks page, found from the organization's page -------------------
	nav_to_webhooks('the webhooks page');
	my $h1 = $wd->find('h1');
	like $h1 && $wd->text($h1), qr/Acme Hooks/, 'the heading names the organization';
	ok !defined $wd->find('[data-webhook-id]'), 'no endpoint yet';
	my @boxes = $wd->find_all(qq{$HOOK input[type="checkbox"][name="events"]});
	is scalar @boxes, 8, 'the form offers the eight events';
	ok !grep({ $wd->property($_, 'checked') } @boxes), 'none ticked at first';
	for my $ev (qw(invitation.created invitation.accepted membership.created join_request.submitted)) {
		my $d = $wd->find(qq{[data-event-help="$ev"]});
		ok $d && length($wd->text($d)) > 10, "the form says what $ev means";
	}
	screenshots('empty');

	# ---- a URL the page refuses -----------------------------------------------------
	fill("$HOOK input[name=\"url\"]", 'ftp://x');
	tick(qq{$HOOK input[value="invitation.created"]}, 'invitation.created');
	press("$HOOK button[type=\"submit\"]", 'add an ftp endpoint');
	on_page('org-webhooks', 'a refused URL');
	my $err = $wd->wait_for('#webhook-url-error[data-error="invalid-url"]', 5);
	ok $err && $wd->displayed($err), 'the invalid-url error is shown';
	like $err && $wd->text($err), qr/^\w+ \w+ .*\.$/, 'with a sentence';
	my $url_el = $wd->find("$HOOK input[name=\"url\"]");
	is $url_el && $wd->property($url_el, 'value'), 'ftp://x', 'the field keeps what was typed';
	is $url_el && $wd->attribute($url_el, 'aria-invalid'), 'true', 'the field is marked invalid';
	like $url_el && $wd->attribute($url_el, 'aria-describedby'), qr/\bwebhook-url-error\b/,
	    'the field points at its error';
	# Next to the field: the error's box starts just below the input's.
	my $gap = $wd->execute(q{
		var i = document.getElementById('webhook-url'), e = document.getElementById('webhook-url-error');
		return e.getBoundingClientRect().top - i.getBoundingClientRect().bottom;});
	ok defined $gap && $gap >= -1 && $gap < 40, "the error sits right under the field ($gap px)";
	my $box = $wd->find(qq{$HOOK input[value="invitation.created"]});
	ok $box && $wd->property($box, 'checked'), 'the ticked event stays ticked';
	is $s->sql_one('SELECT count(*) FROM webhooks'), 0, 'nothing was saved';
	screenshots('invalid-url', 'webhook-new-heading');

	# ---- the receiver, two events ---------------------------------------------------
	fill("$HOOK input[name=\"url\"]", $TARGET);
	tick(qq{$HOOK input[value="invitation.created"]}, 'invitation.created');
	tick(qq{$HOOK input[value="membership.created"]}, 'membership.created');
	press("$HOOK button[type=\"submit\"]", 'add the endpoint');
	on_page('webhook-created', 'after adding the endpoint');
	my $a = $wd->attrs_of('[data-webhook-secret]', qw(data-webhook-secret data-webhook-id));
	$SECRET = $a && $a->{'data-webhook-secret'};
	$HOOK_ID = $a && $a->{'data-webhook-id'};
	like $SECRET // '', qr{^whsec_[A-Za-z0-9+/]{43}=$}, 'the secret: whsec_ and the base64 of 32 bytes';
	is length(decode_base64(substr($SECRET // 'whsec_', 6))), 32, 'which decodes to 32 bytes';
	my $shown = $wd->find('[data-webhook-secret]');
	ok $shown && $wd->displayed($shown), 'the secret is visible';
	is $wd->text($shown), $SECRET, 'as its text';
	my $body = $wd->text($wd->find('main') // $wd->find('body'));
	like $body, qr/shown only once/i, 'the page says the secret is shown once';
	like $body, qr/verify/i, 'and how to verify a delivery';
	like $body, qr/HMAC-SHA-256/, '(HMAC-SHA-256)';
	like $body, qr/id\.timestamp\.body/, '(over id.timestamp.body)';
	is $s->sql_one('SELECT array_to_string(events, \' \') FROM webhooks WHERE id = ?', $HOOK_ID),
	    'invitation.created membership.created', 'the endpoint is stored with the two events';
	screenshots('created');
	screenshots('created-verify', 'webhook-verify');

	# ---- back to the list ------------------------------------------------------------
	press(qq{a[href="/orgs/$SLUG/webhooks"]:not(nav a)}, 'the link back to the webhooks');
	on_page('org-webhooks', 'back on the list');
	my $row = $wd->find(qq{[data-webhook-id="$HOOK_ID"]});
	ok $row && $wd->displayed($row), 'the endpoint is listed';
	my $u = $wd->find(qq{[data-webhook-id="$HOOK_ID"] [data-webhook-url]});
	is $u && $wd->text($u), $TARGET, 'with its URL';
	my @ev = map { $wd->attribute($_, 'data-webhook-event') }
	    $wd->find_all(qq{[data-webhook-id="$HOOK_ID"] [data-webhook-event]});
	is_deeply \@ev, [qw(invitation.created membership.created)], 'and its two events';
	unlike $wd->source, qr/\Q$SECRET\E/, 'the list does not show the secret';
	screenshots('list', 'webhooks-heading');

	# ---- an invitation from the organization's page ----------------------------------
	press(qq{nav.subnav a[href="/orgs/$SLUG"]}, "the Members link of the organization's nav");
	on_page('org-members', 'the organization again');
	fill(qq{form[action="/orgs/$SLUG/invitations"] input[name="email"]}, 'ivan@example.com');
	press(qq{form[action="/orgs/$SLUG/invitations"] button[type="submit"]}, 'send the invitation');
	on_page('org-members', 'after inviting');
	flash_ok('invitation-sent', 'after inviting');

	# ---- the delivery ------------------------------------------------------------------
	nav_to_webhooks('the webhooks page after the invitation');
	my $sel = qq{[data-webhook-id="$HOOK_ID"] tr[data-delivery-id][data-event="invitation.created"]};
	my $deadline = time + 30;
	my $st;
	while (1) {
		my $d = $wd->attrs_of($sel, 'data-delivery-status');
		$st = $d && $d->{'data-delivery-status'};
		last if ($st // '') eq 'delivered' || time > $deadline;
		sleep 0.5;
		$wd->get("$BASE/orgs/$SLUG/webhooks");
		$wd->wait_page('org-webhooks');
	}
	is $st, 'delivered', 'the invitation.created delivery is shown delivered (reloading for at most 30 s)';
	my $ls = $wd->find("$sel [data-last-status]");
	is $ls && $wd->attribute($ls, 'data-last-status'), '200', 'with the last status 200';
	like $ls && $wd->text($ls), qr/\b200\b/, 'shown as text';
	is scalar(my @all = $wd->find_all(qq{[data-webhook-id="$HOOK_ID"] tr[data-delivery-id]})), 1,
	    'one delivery: the invitation (no membership changed)';
	collect_console('org-webhooks');
	screenshots('delivered', 'webhooks-heading');

	# ---- what the receiver got -------------------------------------------------------
	my @req = received();
	is scalar @req, 1, 'the receiver got one request';
	my $r = $req[0] // { headers => {} };
	like $r->{request}, qr{^POST /hooks/roster\?team=people-ops HTTP/1\.[01]$}, 'a POST to the URL as saved';
	my ($id, $ts, $sig) = @{ $r->{headers} }{qw(webhook-id webhook-timestamp webhook-signature)};
	like $id // '', qr/^msg_\d+$/, 'webhook-id msg_N';
	like $ts // '', qr/^\d{10}$/, 'webhook-timestamp in Unix seconds';
	my $key = decode_base64(substr($SECRET // 'whsec_', 6));
	my $mac = hmac_sha256_base64(join('.', $id // '', $ts // '', $r->{body} // ''), $key);
	$mac .= '=' while length($mac) % 4;
	is $sig, "v1,$mac", 'the signature verifies with the shown secret over id.timestamp.body';
	my $ev = eval { decode_json($r->{body}) } // {};
	is $ev->{type}, 'invitation.created', 'the body is the invitation.created event';
	is $ev->{data}{organization}{slug}, $SLUG, 'of the organization';
	is $ev->{data}{invitation}{email}, 'ivan@example.com', 'for the invited address';

	# ---- a failed delivery says why ---------------------------------------------------
	# Eight failed tries take hours of backoff: the row is written as the
	# mailer leaves it after the last one.
	$s->psql(q{INSERT INTO webhook_deliveries (webhook_id, event, message_id, status, attempts,
	    last_status, last_error) VALUES (?, 'membership.created', 'msg_999999', 'failed', 8, NULL,
	    'Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn''t connect to server')},
	    $HOOK_ID);
	$wd->get("$BASE/orgs/$SLUG/webhooks");
	on_page('org-webhooks', 'the webhooks page with a failed delivery');
	my $fsel = qq{[data-webhook-id="$HOOK_ID"] tr[data-delivery-status="failed"]};
	my $f = $wd->attrs_of($fsel, qw(data-event));
	is $f && $f->{'data-event'}, 'membership.created', 'the failed delivery is listed';
	my $why = $wd->find("$fsel [data-delivery-error]");
	ok $why && $wd->displayed($why), 'with the reason it failed';
	like $why && $wd->text($why), qr/Couldn't connect to server$/, '(the last error)';
	my $fst = $wd->find("$fsel [data-last-status]");
	like $fst && $wd->text($fst), qr/^no answer\b/, 'and that there was no answer';
	my $ok_row = $wd->find(qq{[data-webhook-id="$HOOK_ID"] tr[data-delivery-status="delivered"] [data-last-status]});
	is $ok_row && $wd->text($ok_row), 'HTTP 200', 'a delivered row shows its status and no reason';
	screenshots('failed', 'webhooks-heading');

	# ---- deleting the endpoint -------------------------------------------------------
	my $del = qq{[data-webhook-id="$HOOK_ID"] form[action="/orgs/$SLUG/webhooks/$HOOK_ID/delete"] button[type="submit"]};
	my $btn = $wd->find($del);
	ok $btn && !$wd->displayed($btn), 'the delete button is hidden until confirmed';
	press(qq{[data-webhook-id="$HOOK_ID"] details.confirm > summary}, 'the delete control');
	my $q = $wd->find(qq{[data-webhook-id="$HOOK_ID"] details.confirm p});
	like $q && $wd->text($q), qr/Delete the endpoint/i, 'it asks to confirm';
	screenshots('confirm-delete', 'webhooks-heading');
	press($del, 'confirm the deletion');
	on_page('org-webhooks', 'after deleting');
	flash_ok('webhook-deleted', 'after deleting');
	ok !defined $wd->find('[data-webhook-id]'), 'the endpoint is gone from the page';
	is $s->sql_one('SELECT count(*) FROM webhooks'), 0, 'and from the database';
	is $s->sql_one('SELECT count(*) FROM webhook_deliveries'), 0, 'with its deliveries';
	screenshots('deleted');
}

my $ok = eval {
	$wd = Roster::WebDriver->start(width => 1280, height => 900);
	walk();
	1;
};
my $stopped = $@;
ok $ok, 'the walk ran to its end' or diag $stopped;
if (!$ok && $wd) {
	my $png = eval { $wd->screenshot };
	if ($png && eval { make_path($SCREENS); 1 } && open my $fh, '>:raw', "$SCREENS/webhooks-failure.png") {
		print $fh $png;
		close $fh;
		diag "the browser's view when the walk stopped: $SCREENS/webhooks-failure.png";
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
