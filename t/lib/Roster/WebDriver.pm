package Roster::WebDriver;

# A small W3C WebDriver client for the browser tests: starts Debian's
# chromedriver on a free loopback port, opens one headless Chromium session
# with a fresh profile, and speaks the protocol with HTTP::Tiny and
# JSON::PP. Every wait is bounded. The session, chromedriver (with the
# browser it started) and the temporary directory are removed by quit(),
# at the end of the test (END), when the object goes away (DESTROY), and,
# should the test process be killed, by a guardian process that outlives
# it only for that.
#
#   use Roster::WebDriver;
#   my $why = Roster::WebDriver->unavailable;    # undef when usable
#   my $wd = Roster::WebDriver->start;
#   $wd->get("$base/signup");
#   $wd->send_keys($wd->find('#email'), 'ann@example.com');
#   $wd->click($wd->find('form button[type="submit"]'));
#   $wd->wait_until(sub { ($wd->page // '') eq 'dashboard' }, 'the dashboard');
#   my $png = $wd->screenshot;
#   $wd->quit;
#
# Core Perl modules only. Programs: $ROSTER_CHROMEDRIVER
# [/usr/bin/chromedriver], $ROSTER_CHROMIUM [/usr/bin/chromium].

use strict;
use warnings;

use Carp qw(croak);
use File::Path qw(remove_tree);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use POSIX ();
use Roster::Test ();
use Time::HiRes qw(sleep time);

our $CHROMEDRIVER = $ENV{ROSTER_CHROMEDRIVER} // '/usr/bin/chromedriver';
our $CHROMIUM = $ENV{ROSTER_CHROMIUM} // '/usr/bin/chromium';

# The W3C name of the key of an element reference.
my $ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

my @LIVE;
my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;

# Plans the test file away when something it needs ($why, a reason, or
# undef for nothing missing) is not there: skipped, except under CI (the
# CI variable set and not 0 or false), where that is one failed test.
sub require_or_skip {
	my ($class, $what, $why) = @_;
	return unless defined $why;
	my $ci = $ENV{CI} // '';
	if (length $ci && $ci ne '0' && lc $ci ne 'false') {
		Test::More::plan(tests => 1);
		Test::More::fail("the browser suite needs $what under CI: $why");
		exit 1;
	}
	Test::More::plan(skip_all => "no $what: $why");
}

# require_or_skip for chromedriver and Chromium.
sub skip_unless_available {
	my ($class) = @_;
	$class->require_or_skip('chromium and chromedriver', $class->unavailable);
}

# undef when chromedriver and Chromium are installed, else why not.
sub unavailable {
	my @missing = grep { !-x $_ } $CHROMEDRIVER, $CHROMIUM;
	return undef unless @missing;
	return 'not installed: ' . join(', ', @missing)
	    . ' (Debian packages chromium and chromium-driver)';
}

# Roster::WebDriver->start(%opt) starts chromedriver and a session.
# Options: width, height [1280, 900] of the window; timeout [20] seconds
# for chromedriver to come up; log_browser [1] asks for the browser's
# console log (goog:loggingPrefs). Dies when either does not come up.
sub start {
	my ($class, %opt) = @_;
	my $self = bless {
		owner => $$,
		dir   => tempdir('roster-wd-XXXXXX', DIR => $ENV{ROSTER_TEST_TMPDIR} // '/tmp',
			CLEANUP => 0),
		http  => HTTP::Tiny->new(timeout => 60, keep_alive => 0, agent => 'roster-wd/1'),
	}, $class;
	push @LIVE, $self;
	$SIG{PIPE} = 'IGNORE';
	my $ok = eval { $self->_start(%opt); 1 };
	if (!$ok) {
		my $err = $@;
		my $log = $self->driver_log;
		$self->quit;
		$err .= "chromedriver's log:\n$log" if length $log;
		die "Roster::WebDriver: $err";
	}
	return $self;
}

sub _start {
	my ($self, %opt) = @_;
	my $dir = $self->{dir};
	mkdir "$dir/profile" or die "mkdir $dir/profile: $!\n";
	$self->{port} = _free_port();
	$self->{base} = "http://127.0.0.1:$self->{port}";

	my $pid = fork // die "fork: $!\n";
	if (!$pid) {
		$SIG{$_} = 'DEFAULT' for qw(INT TERM HUP PIPE);
		setpgrp(0, 0);
		open STDIN, '<', '/dev/null';
		open STDOUT, '>>', "$dir/chromedriver.out";
		open STDERR, '>&', \*STDOUT;
		# Without --allowed-ips chromedriver listens on loopback
		# addresses only (with it, on every interface).
		my @cmd = ($CHROMEDRIVER, "--port=$self->{port}", "--log-path=$dir/chromedriver.log");
		{ no warnings 'exec'; exec { $cmd[0] } @cmd; }
		print STDERR "exec $cmd[0]: $!\n";
		POSIX::_exit(127);
	}
	$self->{pid} = $pid;
	$self->_start_guardian;

	my $deadline = time + ($opt{timeout} // 20);
	while (1) {
		die "chromedriver exited at startup\n" unless $self->_driver_alive;
		my $r = $self->{http}->get("$self->{base}/status");
		if ($r->{status} == 200) {
			my $v = eval { $JSON->decode($r->{content}) };
			last if $v && $v->{value} && $v->{value}{ready};
		}
		die "chromedriver did not answer /status within the time limit\n" if time > $deadline;
		sleep 0.1;
	}

	my @args = (
		'--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
		'--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync', "--user-data-dir=$dir/profile",
		'--no-default-browser-check', '--disable-extensions', '--disable-default-apps',
		'--disable-client-side-phishing-detection', '--disable-domain-reliability',
		'--metrics-recording-only', '--password-store=basic', '--mute-audio',
		'--force-device-scale-factor=1',
		# Names never resolve: the browser reaches nothing but the
		# loopback addresses the test gives it.
		'--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost',
		sprintf('--window-size=%d,%d', $opt{width} // 1280, $opt{height} // 900),
	);
	my $caps = {
		browserName          => 'chrome',
		pageLoadStrategy     => 'normal',
		'goog:chromeOptions' => { binary => $CHROMIUM, args => \@args },
		($opt{log_browser} // 1) ? ('goog:loggingPrefs' => { browser => 'ALL' }) : (),
	};
	my $v = $self->_cmd('POST', '/session', { capabilities => { alwaysMatch => $caps } });
	$self->{session} = $v->{sessionId} or die "no sessionId in the new session's answer\n";
	$self->{caps} = $v->{capabilities};
	$self->_cmd('POST', "/session/$self->{session}/timeouts",
	    { pageLoad => 30_000, script => 10_000, implicit => 0 });
}

sub _driver_alive {
	my ($self) = @_;
	my $pid = $self->{pid} or return 0;
	my $r = waitpid($pid, POSIX::WNOHANG());
	if ($r == $pid || $r == -1) {
		delete $self->{pid};
		return 0;
	}
	return 1;
}

# ---- protocol ----------------------------------------------------------------

# Sends one command; returns its "value", dies with the W3C error and
# message otherwise. The error code is kept in {last_error}.
sub _cmd {
	my ($self, $method, $path, $body) = @_;
	delete $self->{last_error};
	my %o = (headers => { 'Content-Type' => 'application/json; charset=utf-8' });
	$o{content} = $JSON->encode($body) if defined $body;
	$o{content} = '{}' if $method eq 'POST' && !defined $body;
	my $r = $self->{http}->request($method, "$self->{base}$path", \%o);
	my $v = eval { $JSON->decode($r->{content} // '') };
	if ($r->{status} == 599) {
		$self->{last_error} = 'transport';
		die "WebDriver $method $path: $r->{content}";
	}
	if (!$v || ref $v ne 'HASH') {
		$self->{last_error} = 'bad answer';
		die "WebDriver $method $path: status $r->{status}, not JSON\n";
	}
	my $val = $v->{value};
	if ($r->{status} != 200 || (ref $val eq 'HASH' && defined $val->{error})) {
		my $e = ref $val eq 'HASH' ? $val : {};
		$self->{last_error} = $e->{error} // "status $r->{status}";
		my $msg = $e->{message} // '';
		$msg =~ s/\n.*//s;
		die "WebDriver $method $path: " . ($e->{error} // $r->{status}) . ": $msg\n";
	}
	return $val;
}

sub _s {
	my ($self) = @_;
	my $id = $self->{session} // croak 'no WebDriver session';
	return "/session/$id";
}

sub last_error { $_[0]{last_error} }

# The capabilities the new session answered with.
sub capabilities { $_[0]{caps} }

# ---- navigation and elements ---------------------------------------------------

# Navigates to a URL (returns when the page loaded).
sub get { my ($self, $url) = @_; $self->_cmd('POST', $self->_s . '/url', { url => $url }); return }

# The current URL.
sub url { my ($self) = @_; return $self->_cmd('GET', $self->_s . '/url') }

# The page's title.
sub title { my ($self) = @_; return $self->_cmd('GET', $self->_s . '/title') }

# The serialized DOM of the current page.
sub source { my ($self) = @_; return $self->_cmd('GET', $self->_s . '/source') }

# The first element matching a CSS selector: its reference, or undef when
# there is none.
sub find {
	my ($self, $css) = @_;
	my $v = eval { $self->_cmd('POST', $self->_s . '/element', { using => 'css selector', value => $css }) };
	if (!$v) {
		return undef if ($self->{last_error} // '') eq 'no such element';
		die $@;
	}
	return $v->{$ELEMENT};
}

# Every element matching a CSS selector (references, in document order).
sub find_all {
	my ($self, $css) = @_;
	my $v = $self->_cmd('POST', $self->_s . '/elements', { using => 'css selector', value => $css });
	return map { $_->{$ELEMENT} } @$v;
}

# Waits (bounded: timeout seconds, 10 by default) for an element matching
# a CSS selector; its reference, or undef on timeout.
sub wait_for {
	my ($self, $css, $timeout) = @_;
	my $deadline = time + ($timeout // 10);
	while (1) {
		my $e = $self->find($css);
		return $e if defined $e;
		return undef if time >= $deadline;
		sleep 0.1;
	}
}

# Waits (bounded) until a code ref returns true; returns its last value.
# Errors inside it (a page in the middle of loading) count as false.
sub wait_until {
	my ($self, $cond, $what, $timeout) = @_;
	my $deadline = time + ($timeout // 10);
	while (1) {
		my $v = eval { $cond->() };
		return $v if $v;
		return $v if time >= $deadline;
		sleep 0.1;
	}
}

sub _e { my ($self, $el) = @_; croak 'no element' unless defined $el; return $self->_s . "/element/$el" }

# Types text into an element (after clearing it unless keep => 1).
sub send_keys {
	my ($self, $el, $text, %o) = @_;
	$self->_cmd('POST', $self->_e($el) . '/clear', {}) unless $o{keep};
	$self->_cmd('POST', $self->_e($el) . '/value', { text => $text });
	return;
}

sub click { my ($self, $el) = @_; $self->_cmd('POST', $self->_e($el) . '/click', {}); return }

# An element's attribute (undef when absent), property, visible text,
# visibility, and whether it is selected.
sub attribute { my ($self, $el, $n) = @_; return $self->_cmd('GET', $self->_e($el) . "/attribute/$n") }
sub property { my ($self, $el, $n) = @_; return $self->_cmd('GET', $self->_e($el) . "/property/$n") }
sub text { my ($self, $el) = @_; return $self->_cmd('GET', $self->_e($el) . '/text') }
sub displayed { my ($self, $el) = @_; return $self->_cmd('GET', $self->_e($el) . '/displayed') ? 1 : 0 }

# Runs a script synchronously and returns its result. The tests use it
# only to read the page (never to change it); Roster::Axe also loads
# axe-core with it, which adds window.axe and nothing else.
sub execute {
	my ($self, $script, @args) = @_;
	return $self->_cmd('POST', $self->_s . '/execute/sync', { script => $script, args => \@args });
}

# Runs a script asynchronously: it ends by calling its last argument
# (the callback WebDriver appends) with its result, which this returns;
# bounded by the session's script timeout, or by timeout seconds when
# given. Roster::Axe uses it to run axe-core, which answers a promise.
sub execute_async {
	my ($self, $script, $args, %o) = @_;
	$self->_cmd('POST', $self->_s . '/timeouts', { script => int($o{timeout} * 1000) })
	    if $o{timeout};
	my $v;
	my $ok = eval {
		$v = $self->_cmd('POST', $self->_s . '/execute/async', { script => $script, args => $args // [] });
		1;
	};
	my $err = $@;
	$self->_cmd('POST', $self->_s . '/timeouts', { script => 10_000 }) if $o{timeout};
	die $err unless $ok;
	return $v;
}

# data-page of <body>, or undef while there is no body.
sub page {
	my ($self) = @_;
	return $self->execute('return document.body ? (document.body.dataset.page || null) : null;');
}

# The page marker once it is $want (waiting up to $secs, 15 by default),
# else the marker the page has then (undef for none).
sub wait_page {
	my ($self, $want, $secs) = @_;
	return $self->wait_until(sub { my $p = $self->page; defined $p && $p eq $want ? $p : undef },
	    "page $want", $secs // 15) // $self->page;
}

# { NAME => value } of the attributes of the element css names, or undef
# when there is none.
sub attrs_of {
	my ($self, $css, @names) = @_;
	my $el = $self->find($css) // return undef;
	return { map { $_ => $self->attribute($el, $_) } @names };
}

# ---- window, screenshots, logs -------------------------------------------------

# Sets the window's outer size; returns the rect the browser reports.
sub set_window_rect {
	my ($self, $w, $h) = @_;
	return $self->_cmd('POST', $self->_s . '/window/rect', { width => $w + 0, height => $h + 0 });
}

# A screenshot of the viewport, as PNG bytes.
sub screenshot {
	my ($self) = @_;
	my $b64 = $self->_cmd('GET', $self->_s . '/screenshot');
	return decode_base64($b64 // '');
}

# The browser's console log entries since the last call ({level, message,
# source, timestamp} each), or undef when this chromedriver does not
# offer the log endpoint.
sub browser_log {
	my ($self) = @_;
	my $v = eval { $self->_cmd('POST', $self->_s . '/se/log', { type => 'browser' }) };
	return $v if $v && ref $v eq 'ARRAY';
	my $err = $self->{last_error} // '';
	return undef if $err =~ /^(unknown command|unknown method|unsupported operation|status 404|status 405)$/;
	die $@ if !$v;
	return undef;
}

# chromedriver's own output (its stderr and the last lines of its log
# file), for diagnostics.
sub driver_log {
	my ($self) = @_;
	my $t = '';
	for my $f ("$self->{dir}/chromedriver.out", "$self->{dir}/chromedriver.log") {
		open my $fh, '<', $f or next;
		my @l = <$fh>;
		close $fh;
		@l = @l[-60 .. -1] if @l > 60;
		$t .= join '', @l;
	}
	return $t;
}

# The temporary directory of this session (removed by quit).
sub dir { $_[0]{dir} }

# ---- stopping ------------------------------------------------------------------

# Ends the session (Chromium quits), stops chromedriver (bounded waits,
# then KILL of its process group) and removes the temporary directory.
# Safe to call more than once.
sub quit {
	my ($self) = @_;
	return if $self->{quit} || $$ != ($self->{owner} // 0);
	$self->{quit} = 1;
	if ($self->{session} && $self->{pid}) {
		local $self->{http} = HTTP::Tiny->new(timeout => 15, keep_alive => 0);
		eval { $self->_cmd('DELETE', $self->_s) };
		delete $self->{session};
	}
	if (my $pid = $self->{pid}) {
		kill 'TERM', $pid;
		my $deadline = time + 10;
		sleep 0.05 while $self->_driver_alive && time < $deadline;
		if ($self->_driver_alive) {
			kill 'KILL', -$pid;
			waitpid($pid, 0);
			delete $self->{pid};
		}
	}
	# Whatever of the browser is still in chromedriver's process group.
	_kill_group($self->{pgid} // 0);
	if ($self->{guard_pid}) {
		kill 'TERM', $self->{guard_pid};
		waitpid($self->{guard_pid}, 0);
		delete $self->{guard_pid};
	}
	remove_tree($self->{dir}) if $self->{dir} && -d $self->{dir} && !$ENV{ROSTER_TEST_KEEP};
}

sub DESTROY { $_[0]->quit }

END {
	my $code = $?;
	$_->quit for @LIVE;
	@LIVE = ();
	$? = $code;
}

# Kills what is left of a process group that chromedriver led (bounded).
sub _kill_group {
	my ($pgid) = @_;
	return unless $pgid && $pgid > 1;
	return unless kill 0, -$pgid;
	kill 'TERM', -$pgid;
	my $deadline = time + 5;
	sleep 0.05 while kill(0, -$pgid) && time < $deadline;
	kill 'KILL', -$pgid if kill 0, -$pgid;
}

# A process that waits for the test process to end (the end of a pipe)
# and then stops chromedriver's process group and removes the directory,
# for a test killed before its END blocks ran.
sub _start_guardian {
	my ($self) = @_;
	my ($pgid, $dir) = ($self->{pgid} = $self->{pid}, $self->{dir});
	@$self{qw(guard_w guard_pid)} = Roster::Test::guardian(sub {
		_kill_group($pgid);
		remove_tree($dir) unless $ENV{ROSTER_TEST_KEEP};
	});
}

sub _free_port {
	my $sock = IO::Socket::INET->new(
		LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1, ReuseAddr => 1)
	    or die "cannot bind a loopback port: $!\n";
	my $port = $sock->sockport;
	close $sock;
	return $port;
}

1;
