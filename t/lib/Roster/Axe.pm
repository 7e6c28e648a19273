package Roster::Axe;

# Accessibility checks and screenshots of pages in the browser suite:
# axe-core (npm's axe-core, pinned in t/browser/package.json and
# package-lock.json, installed by scripts/test with
# `npm ci --prefix t/browser` into the ignored t/browser/node_modules) is
# injected into the current page through WebDriver and run there; its
# violations come back as Perl data.
#
#   use Roster::Axe;
#   Roster::Axe->skip_or_fail_unless_available;   # before the plan
#   my $ax = Roster::Axe->new($wd);               # a Roster::WebDriver
#   $ax->check_page('dashboard', 'signed in, one organization');
#   my @v = $ax->violations;                      # the current page, as is
#   $ax->write_list;                              # the screenshots taken
#
# check_page($name, $state), for each width of @WIDTHS (390 and 1280
# px): sets the window to that width, checks that the page does not
# scroll sideways, takes a screenshot of the whole page (the window made
# as tall as the page for it) into the screenshot directory as
# NAME-WIDTH.png, runs axe-core and fails on any violation of impact
# serious or critical (each printed with its rule id, impact, help text
# and the elements it names); minor and moderate ones are printed as
# notes. The screenshot directory is $ROSTER_SCREENS_DIR
# [/tmp/roster-screens] (printed once with diag); it outlives the test
# run's temporary directory so that people can look at the pictures.
#
# axe-core's file is $ROSTER_AXE when set, else
# t/browser/node_modules/axe-core/axe.min.js. Without it the browser
# tests skip locally (with the command that installs it) and fail under
# CI (the CI variable set). Core Perl modules only.

use strict;
use warnings;

use Carp qw(croak);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Spec;
use Test::More ();
use Roster::WebDriver ();

our @WIDTHS = ([ 390, 844 ], [ 1280, 900 ]);
our $SCREENS = $ENV{ROSTER_SCREENS_DIR} // '/tmp/roster-screens';

# The impacts that fail a page.
my %FAILS = map { $_ => 1 } qw(serious critical);

my $T = File::Spec->rel2abs(dirname(__FILE__) . '/../..');    # t/
our $AXE = $ENV{ROSTER_AXE} // "$T/browser/node_modules/axe-core/axe.min.js";

# undef when axe-core's file is there, else why not (with the remedy).
sub unavailable {
	return undef if -r $AXE && -s _ > 100_000;
	return "axe-core is not installed ($AXE is missing): run `npm ci --prefix t/browser` "
	    . '(scripts/test does), or set ROSTER_AXE to an axe.min.js';
}

# For a browser test, before its plan: nothing when axe-core is there;
# else skip_all, or under CI one failing test and exit.
sub skip_or_fail_unless_available {
	Roster::WebDriver->require_or_skip('axe-core', unavailable());
}

sub new {
	my ($class, $wd) = @_;
	croak 'Roster::Axe->new needs a Roster::WebDriver' unless $wd;
	open my $fh, '<:raw', $AXE or croak "$AXE: $!";
	local $/;
	my $src = <$fh>;
	close $fh;
	return bless { wd => $wd, src => $src, shots => [] }, $class;
}

# The violations of the current page: a list of { id, impact, help,
# helpUrl, nodes => [ { target, summary } ] }. Dies when axe-core cannot
# be loaded or does not answer.
sub violations {
	my ($self) = @_;
	my $wd = $self->{wd};
	# The page's CSP does not apply to what WebDriver runs, so the
	# script needs no change to the pages; it stays in this page only.
	my $has = $wd->execute('return typeof window.axe === "object" && typeof window.axe.run === "function";');
	if (!$has) {
		$wd->execute($self->{src} . "\n;return true;");
		$has = $wd->execute('return typeof window.axe === "object" && typeof window.axe.run === "function";');
		die "axe-core did not load into the page\n" unless $has;
	}
	my $r = $wd->execute_async(<<~'JS', [], timeout => 60);
	var done = arguments[arguments.length - 1];
	window.axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
		done({ violations: r.violations.map(function (v) {
			return { id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
				 nodes: v.nodes.map(function (n) {
					 return { target: n.target.map(String).join(' '),
						  summary: n.failureSummary || '' };
				 }) };
		}) });
	}, function (e) { done({ error: String(e && e.stack || e) }); });
	JS
	die "axe-core gave no answer\n" unless ref $r eq 'HASH';
	die "axe-core failed: $r->{error}\n" if defined $r->{error};
	return @{ $r->{violations} };
}

# Screenshots and axe-core at both widths (see the top); state says what
# the page shows (for the list of screenshots). Returns true when the
# page passed at every width. The window is left at the desktop width.
sub check_page {
	my ($self, $name, $state) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $wd = $self->{wd};
	my $page = $wd->page // '(no data-page)';
	my $all_ok = 1;
	if (!$self->{said_where}++) {
		Test::More::diag("screenshots: $SCREENS/PAGE-WIDTH.png");
	}
	for my $sz (@WIDTHS) {
		my ($w, $h) = @$sz;
		my $what = "$name at $w px";
		$wd->set_window_rect($w, $h);
		my $inner = $wd->wait_until(sub {
			my $iw = $wd->execute('return window.innerWidth;');
			$iw && abs($iw - $w) <= 16 ? $iw : undef;
		}, "width $w", 5) // $wd->execute('return window.innerWidth;') // 0;
		my $sw = $wd->execute('return document.documentElement.scrollWidth;') // 0;
		$all_ok &= Test::More::ok($sw <= $inner, "$what: no sideways scrolling ($sw <= $inner px)") ? 1 : 0;

		my $png = $self->full_screenshot($w, $h);
		my $file = "$SCREENS/$name-$w.png";
		my $saved = length($png // '') > 1000 && substr($png, 0, 8) eq "\x89PNG\r\n\x1a\n"
		    && eval { make_path($SCREENS); 1 } && open(my $fh, '>:raw', $file);
		if ($saved) {
			print $fh $png;
			$saved = close $fh;
		}
		$all_ok &= Test::More::ok($saved, "$what: screenshot $file") ? 1 : 0;
		push @{ $self->{shots} }, { file => "$name-$w.png", name => $name, page => $page,
			width => $w, state => $state // '' };

		my @v = eval { $self->violations };
		if (my $err = $@) {
			Test::More::fail("$what: axe-core ran ($err)");
			$all_ok = 0;
			next;
		}
		my @bad = grep { $FAILS{ $_->{impact} // '' } } @v;
		$self->{violations}{"$name-$w"} = \@v;
		$all_ok &= Test::More::ok(!@bad, "$what: axe-core finds no serious or critical violation"
		    . (@bad ? ' (' . join(', ', map { $_->{id} } @bad) . ')' : '')) ? 1 : 0;
		Test::More::diag(_describe($what, $_)) for @bad;
		Test::More::note(_describe($what, $_)) for grep { !$FAILS{ $_->{impact} // '' } } @v;
	}
	$wd->set_window_rect(1280, 900);
	return $all_ok;
}

# A screenshot of the whole page at width w: the window is made as tall
# as the page (at most 8000 px) for the picture, then set back to w x h.
sub full_screenshot {
	my ($self, $w, $h) = @_;
	my $wd = $self->{wd};
	my $m = $wd->execute('return [document.documentElement.scrollHeight, window.innerHeight, window.outerHeight];');
	my ($sh, $ih, $oh) = map { $_ // 0 } @{ $m || [] };
	return $wd->screenshot unless $sh > $ih && $ih > 0;
	my $tall = $sh + ($oh > $ih ? $oh - $ih : 0);
	$tall = 8000 if $tall > 8000;
	$wd->set_window_rect($w, $tall);
	$wd->wait_until(sub { ($wd->execute('return window.innerHeight;') // 0) >= ($sh < 8000 ? $sh : 7000) },
	    'a tall window', 3);
	my $png = $wd->screenshot;
	$wd->set_window_rect($w, $h);
	return $png;
}

sub _describe {
	my ($what, $v) = @_;
	my $t = sprintf "%s: [%s] %s: %s (%s)\n", $what, $v->{impact} // 'no impact', $v->{id},
	    $v->{help} // '', $v->{helpUrl} // '';
	for my $n (@{ $v->{nodes} || [] }) {
		my $sum = $n->{summary} // '';
		$sum =~ s/\s*\n\s*/; /g;
		$t .= "    $n->{target}" . (length $sum ? " — $sum" : '') . "\n";
	}
	return $t;
}

# The screenshots taken so far: { file, name, page, width, state } each.
sub shots { @{ $_[0]{shots} } }

# Every violation seen, by NAME-WIDTH.
sub all_violations { $_[0]{violations} // {} }

# Writes the list of screenshots (file, data-page, width, state) to
# index.txt in the screenshot directory and returns its path.
sub write_list {
	my ($self) = @_;
	my $file = "$SCREENS/index.txt";
	eval { make_path($SCREENS); 1 } or return undef;
	open my $fh, '>:utf8', $file or return undef;
	printf $fh "%-40s %-28s %5s  %s\n", $_->{file}, $_->{page}, $_->{width}, $_->{state}
	    for @{ $self->{shots} };
	close $fh or return undef;
	return $file;
}

1;
