#!/usr/bin/env perl
# docs/install.md followed from end to end on a fresh Debian under a real
# systemd (issue 11's "Done when"), as root:
#  1. the package built as section 1 says (dpkg-buildpackage -b -us -uc);
#  2. a fresh Debian of the host's release made with debootstrap: minbase
#     with systemd, and what `apt install ./roster_*.deb postgresql nginx`
#     would fetch (the package's Depends, postgresql, nginx) already in
#     it, since the container has no network;
#  3. booted with systemd-nspawn --boot (systemd as PID 1, private
#     network: only its own loopback);
#  4. every ```sh block of docs/install.md, sections 1 to 7, run in the
#     container in order as root (section 1's build is step 1's, done on
#     this host; section 3's edit is the one the page asks for:
#     ROSTER_BASE_URL), each expected to exit 0;
#  5. then, of the running units: roster-fcgi is Type=notify and active,
#     its workers run as roster (no capability, no new privileges, a
#     seccomp filter), its socket is 0660 roster:www-data;
#     `systemctl reload` replaces every worker and returns after the last
#     (RELOADING=1 … READY=1), the main process unchanged; the mailer got
#     its key as a credential and no key in its environment;
#     `systemd-analyze security` of each running service at most 2.0;
#     roster-purge.service runs to success and its timer is waiting; the
#     programs' lines are in the journal;
#  6. a browser (headless Chromium, in the container's network namespace,
#     at a phone's and a desktop's width): the link bootstrap-admin
#     printed, a password chosen, signed in with it: the dashboard, /admin; an
#     organization made, a webhook to localhost refused (roster-fcgi
#     resolves it under its sandbox) and one to a public address saved,
#     someone invited, and the mailer, under systemd, writes the
#     invitation to /var/lib/roster/mail and tries the webhook (no route
#     out of the container: the failed try is recorded);
#  7. `systemctl stop` drains and ends roster-fcgi cleanly; the container
#     is powered off and removed.
# About two minutes here (debootstrap from the Debian mirror about one);
# bounded at 10. Skipped only where it cannot run (not Debian, not root,
# debootstrap or systemd-nspawn missing); under CI=true it never skips.
# ROSTER_DEBIAN_MIRROR [http://deb.debian.org/debian] is the mirror.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Copy qw(copy);
use File::Path qw(make_path);
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(time sleep);

# ---- the browser walk: run by the test itself in the container's network
# ---- namespace (below); prints "KEY VALUE" lines for the test to check.
if (@ARGV && $ARGV[0] eq '--browser') {
	eval { browser_walk($ARGV[1]); 1 } or print STDERR "browser walk: $@";
	POSIX::_exit(0);    # not Test::More's verdict on a run with no test
}

require Roster::Deb;
my $src = $ENV{ROSTER_SRCDIR} // "$FindBin::Bin/../..";
my $d = Roster::Deb->new(src => $src, need => [qw(debootstrap systemd-nspawn nsenter)]);
my $tmp = $d->tmp;
my $root = "$tmp/root";
my ($nspawn, $cpid);

END {
	my $rc = $?;
	if ($nspawn) {
		# poweroff, then the hard way.
		system('nsenter', '-t', $cpid, '-a', 'systemctl', 'poweroff') if $cpid;
		for (1 .. 300) { last if waitpid($nspawn, WNOHANG) != 0; sleep 0.1 }
		kill 'KILL', $nspawn;
		waitpid $nspawn, 0;
	}
	$d->cleanup if $d;
	$? = $rc;
}

# ---- 1. build ----------------------------------------------------------------
my $deb = $d->build;
my $doc = Roster::Deb::slurp("$d->{tree}/docs/install.md");

# The ```sh blocks of docs/install.md with the number of the section
# ("## N.") they are in.
my (@blocks, $sec, $in);
for (split /\n/, $doc) {
	if (/^## (\d+)\./) { $sec = $1; next }
	if (/^## /) { $sec = undef; next }
	if (/^```sh$/) { $in = ''; next }
	if (/^```$/ && defined $in) { push @blocks, [$sec, $in] if defined $sec; undef $in; next }
	$in .= "$_\n" if defined $in;
}
my @s1 = grep { $_->[0] == 1 } @blocks;
like $s1[0][1] // '', qr/^dpkg-buildpackage -b -us -uc\b/m, 'install.md 1: builds as this test did';
my $debname = $deb =~ s{.*/}{}r;
like $s1[1][1] // '', qr{^apt install \./\Q$debname\E postgresql nginx$}m,
    "install.md 1: installs the package by the name it has ($debname)";

# ---- 2. a fresh Debian ---------------------------------------------------------
chomp(my $codename = `. /etc/os-release; echo "\$VERSION_CODENAME"`);
my @dep = map { s/\s*[(|].*//r =~ s/:any$//r } split /,\s*/, `dpkg-deb -f '$deb' Depends`;
chomp @dep;
my @include = (qw(systemd systemd-sysv dbus curl ca-certificates postgresql nginx), @dep);
my $mirror = $ENV{ROSTER_DEBIAN_MIRROR} // 'http://deb.debian.org/debian';
my $rc = $d->run('debootstrap', 'timeout', '480', 'debootstrap', '--variant=minbase',
    '--include=' . join(',', @include), $codename, $root, $mirror);
is $rc, 0, "debootstrap $codename (minbase, systemd, postgresql, nginx, the package's Depends)"
    or ($d->tail('debootstrap'), BAIL_OUT('no Debian to boot'));
$d->step('debootstrap');

# ---- 3. boot -----------------------------------------------------------------
$nspawn = fork // die "fork: $!";
if ($nspawn == 0) {
	open STDOUT, '>', "$tmp/nspawn.log" or die;
	open STDERR, '>&', \*STDOUT or die;
	open STDIN, '<', '/dev/null' or die;
	exec 'systemd-nspawn', '-D', $root, '--machine=roster-install', '--register=no', '--keep-unit',
	    '--private-network', '--boot', '--console=passive' or exit 127;
}
# The container's PID 1: the child of systemd-nspawn that has become
# systemd (nspawn forks twice on the way) and mounted its /run.
sub ppid_of { my @f = split ' ', (Roster::Deb::slurp("/proc/$_[0]/stat") =~ s/^.*\) //sr); return $f[1] // 0 }
for (1 .. 300) {
	($cpid) = grep { ppid_of($_) == $nspawn && Roster::Deb::slurp("/proc/$_/comm") eq "systemd\n"
	    && -d "/proc/$_/root/run/systemd/system" } map { m{(\d+)$} } glob('/proc/[0-9]*');
	last if $cpid;
	sleep 0.1;
}
ok $cpid, 'systemd-nspawn --boot started systemd' or BAIL_OUT(Roster::Deb::slurp("$tmp/nspawn.log"));

# Runs sh -c SCRIPT in the container as root, with a root login's clean
# environment, from /root; output in TMP/NAME.log.
sub inside {
	my ($name, $script) = @_;
	return $d->run($name, 'nsenter', '-t', $cpid, '-a', 'env', '-i',
	    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root',
	    'LANG=C.UTF-8', 'SYSTEMD_PAGER=', 'SYSTEMD_COLORS=0', 'sh', '-c', "cd /root && $script");
}
sub out { my ($name, $script) = @_; inside($name, $script); my $o = $d->log_of($name); chomp $o; return $o }

# Until systemd has finished starting (its bus comes up on the way).
my $booted = '';
for (1 .. 900) {
	inside('boot', 'systemctl is-system-running');
	$booted = $d->log_of('boot');
	last if $booted =~ /^(running|degraded)$/m;
	sleep 0.1;
}
like $booted, qr/^running$/m, 'the container booted: systemctl is-system-running says running'
    or diag out('failed', 'systemctl --failed --no-pager');
is out('pid1', 'cat /proc/1/comm'), 'systemd', "the container's PID 1 is systemd";
$d->step('boot');

# ---- 4. docs/install.md, sections 1 to 7 ---------------------------------------------
copy($deb, "$root/root/$debname") or die "copy: $!";
# apt asks before it installs; the reader answers yes.
inside('assume-yes', q{echo 'APT::Get::Assume-Yes "true";' >/etc/apt/apt.conf.d/90roster-test});
my $n = 0;
for my $b (@blocks) {
	my ($s, $script) = @$b;
	$n++;
	next if $s == 1 && $script =~ /dpkg-buildpackage/;    # step 1
	last if $s > 7;
	if ($s >= 4 && !$d->{edited}++) {
		# Section 3: "Edit /etc/roster/roster.env: at least ROSTER_BASE_URL
		# ... and ROSTER_MAIL_FROM".
		is inside('edit', q{sed -i 's|^ROSTER_BASE_URL=.*|ROSTER_BASE_URL="http://localhost"|' /etc/roster/roster.env}
		    . q{ && grep -q '^ROSTER_BASE_URL="http://localhost"' /etc/roster/roster.env}), 0,
		    'install.md 3: ROSTER_BASE_URL set in /etc/roster/roster.env';
	}
	my $first = (split /\n/, $script)[0];
	$rc = inside("block$n", "set -e\n$script");
	is $rc, 0, "install.md $s: $first" or $d->tail("block$n");
}
$d->step('install.md');

my ($link) = $d->log_of("block$n") =~ m{(http://localhost/password/reset\?token=[\w-]+)};
$link //= (grep { defined } map { $d->log_of("block$_") =~ m{(http://localhost/password/reset\?token=[\w-]+)} } 1 .. $n)[0];
ok $link, 'bootstrap-admin printed a link to choose a password (on ROSTER_BASE_URL)';

# nginx's reload (section 6) is asynchronous: the site answers a moment
# after systemctl returns.
my $code = '';
for (1 .. 50) {
	$code = out('healthz', q{curl -s -o /dev/null -w '%{http_code}' http://localhost/healthz});
	last if $code eq '200';
	sleep 0.2;
}
is $code, '200', "/healthz through the system's nginx: 200";

# ---- 5. the units under systemd ------------------------------------------------
my %fcgi = map { split /=/, $_, 2 } split /\n/,
    out('show-fcgi', 'systemctl show roster-fcgi -p Type -p ActiveState -p SubState -p MainPID -p NRestarts -p StatusText');
is "$fcgi{Type} $fcgi{ActiveState} $fcgi{SubState}", 'notify active running', 'roster-fcgi: Type=notify, active, running';
my $main = $fcgi{MainPID};
my @workers = split ' ', out('children', "cat /proc/$main/task/$main/children");
is scalar @workers, 2, 'two workers (ROSTER_WORKERS)';
my $wstatus = out('wstatus', "cat /proc/$workers[0]/status");
my ($uid) = out('uid', 'id -u roster');
like $wstatus, qr/^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$/m, 'a worker runs as roster (all four uids)';
like $wstatus, qr/^CapEff:\s+0+$/m, 'no capability';
like $wstatus, qr/^NoNewPrivs:\s+1$/m, 'NoNewPrivileges';
like $wstatus, qr/^Seccomp:\s+2$/m, 'a system-call filter (seccomp)';
is out('sock', 'stat -c "%a %U:%G" /run/roster/fcgi.sock'), '660 roster:www-data',
    'the socket in /run/roster: 0660 roster:www-data';

$rc = inside('reload', 'timeout 60 systemctl reload roster-fcgi');
is $rc, 0, 'systemctl reload roster-fcgi' or diag out('jreload', 'journalctl -u roster-fcgi --no-pager | tail -20');
my @after = split ' ', out('children2', "cat /proc/$main/task/$main/children");
is out('main2', 'systemctl show -P MainPID roster-fcgi'), $main, 'the same main process';
is scalar(@after), 2, 'two workers after the reload';
my %old = map { $_ => 1 } @workers;
ok !(grep { $old{$_} } @after), 'every worker replaced when systemctl reload returns (it waited for READY=1)'
    or diag "before @workers, after @after";
like out('jr', 'journalctl -u roster-fcgi --no-pager -o cat'), qr/rolling restart done.*\n.*Reloaded/s,
    "the journal: the rolling restart ended before systemd's Reloaded";

my $mpid = out('mpid', 'systemctl show -P MainPID roster-mailer');
my $menv = out('menv', "tr '\\0' '\\n' </proc/$mpid/environ");
like $menv, qr{^CREDENTIALS_DIRECTORY=/run/credentials/roster-mailer\.service$}m,
    'the mailer has its credentials directory';
unlike $menv, qr/^ROSTER_SECRET_KEY/m, 'and no key in its environment (LoadCredential=secret_key)';
is out('mactive', 'systemctl is-active roster-mailer'), 'active', 'roster-mailer: active';

for my $u (qw(roster-fcgi roster-mailer roster-purge)) {
	my $sec = out("sec-$u", "systemd-analyze security $u.service");
	my ($level) = $sec =~ /Overall exposure level for \S+: ([\d.]+)/;
	ok defined $level && $level <= 2.0, sprintf('%s: exposure %s <= 2.0 (online)', $u, $level // '?')
	    or diag $sec;
}
is inside('purge', 'timeout 60 systemctl start roster-purge.service'), 0, 'systemctl start roster-purge.service'
    or diag out('jpurge', 'journalctl -u roster-purge --no-pager | tail');
is out('purge-result', 'systemctl show -P Result roster-purge.service'), 'success', 'roster-purge: Result=success';
like out('timer', 'systemctl list-timers --all --no-pager roster-purge.timer'), qr/roster-purge\.timer\s+roster-purge\.service/,
    'roster-purge.timer is waiting';
like out('jfcgi', 'journalctl -u roster-fcgi --no-pager -o cat'), qr/sup: listening on \/run\/roster\/fcgi\.sock/,
    "roster-fcgi's lines are in the journal";
$d->step('units');

# install.md's drop-in for a metrics file outside the sandbox's writable
# paths, with the file set there too.
my ($dropin) = $doc =~ /ROSTER_MAILER_METRICS_FILE.*?```ini\n(.*?)```/s;
like $dropin // '', qr{^ReadWritePaths=/var/lib/prometheus/node-exporter$}m, "install.md: the metrics file's drop-in";
my $prom = '/var/lib/prometheus/node-exporter/roster-mailer.prom';
is inside('dropin', "mkdir -p /etc/systemd/system/roster-mailer.service.d /var/lib/prometheus/node-exporter"
    . " && chown roster: /var/lib/prometheus/node-exporter"
    . " && printf '%sEnvironment=ROSTER_MAILER_METRICS_FILE=$prom\\n' '$dropin' >/etc/systemd/system/roster-mailer.service.d/metrics.conf"
    . ' && systemctl daemon-reload && systemctl restart roster-mailer'), 0, '  applied: the mailer restarted with it'
    or $d->tail('dropin');

# ---- 6. a browser ---------------------------------------------------------
SKIP: {
	require Roster::WebDriver;
	my $why = Roster::WebDriver->unavailable;
	skip "browser: $why", 11 if $why && !Roster::Deb::ci();
	skip 'no link to follow', 11 unless $link;
	my $walk = `nsenter --net=/proc/$cpid/ns/net '$^X' '$0' --browser '$link' 2>'$tmp/browser.err'`;
	my %saw = map { split / /, $_, 2 } split /\n/, $walk;
	is $saw{reset}, 'password-reset', 'the link opens the page to choose a password';
	is $saw{login}, 'login', 'a password chosen: the sign-in page';
	is $saw{signed_in}, 'dashboard', 'signed in with it: the dashboard';
	like $saw{header} // '', qr/you\@example\.org/, "the header names who is signed in";
	is $saw{admin}, 'admin', '/admin: the platform page';
	is $saw{org}, 'org-members', 'an organization made: its members page';
	is $saw{webhook_local}, 'invalid-url', 'a webhook to localhost: refused (invalid-url), resolved under the sandbox';
	is $saw{webhook_public}, 'webhook-created', 'a webhook to a public address: created';
	is $saw{invited}, 'invitation-sent', 'someone invited (flash invitation-sent)';
	is $saw{phone_overflow}, '0', 'no sideways scrolling at 390 px';
	ok $saw{screens}, 'screenshots taken (install-*.png in $ROSTER_SCREENS_DIR)'
	    or diag Roster::Deb::slurp("$tmp/browser.err");
	diag Roster::Deb::slurp("$tmp/browser.err") if Roster::Deb::slurp("$tmp/browser.err") =~ /browser walk:/;
}
my @mail;
for (1 .. 100) {
	@mail = glob("$root/var/lib/roster/mail/*.eml");
	last if @mail;
	sleep 0.1;
}
ok @mail, 'the mailer, under systemd, delivered the invitation (/var/lib/roster/mail)'
    or diag out('jmailer', 'journalctl -u roster-mailer --no-pager | tail');
like(Roster::Deb::slurp($mail[0] // '/dev/null'), qr/^To: .*newcomer\@example\.org/mi, 'to the address invited');
my $counts = '';
for (1 .. 50) {
	$counts = Roster::Deb::slurp("$root$prom");
	last if $counts =~ /^roster_mailer_emails_sent_total 1$/m;
	sleep 0.1;
}
like $counts, qr/^roster_mailer_emails_sent_total 1$/m, "and counted it in $prom, through the drop-in's ReadWritePaths";
# The invitation's webhook event, under systemd: the mailer (its key from
# LoadCredential) opens the endpoint's key, signs and tries to connect;
# the container has no route out, so the try fails and is recorded.
my $hook = '';
for (1 .. 100) {
	$hook = out('hook', q{runuser -u postgres -- psql -d roster -Atc "SELECT event || ' ' || status || ' ' || attempts || ' ' || coalesce(last_error, '') FROM webhook_deliveries" 2>/dev/null});
	last if $hook =~ /^\S+ \S+ [1-9]/;
	sleep 0.1;
}
like $hook, qr/^invitation\.created queued [1-9]\d* \S/, "the mailer, under systemd, tried the webhook and recorded why it failed ($hook)"
    or diag out('jmailer2', 'journalctl -u roster-mailer --no-pager | tail');
$d->step('browser');

# ---- 7. stop --------------------------------------------------------------
is inside('stop', 'timeout 60 systemctl stop roster-fcgi roster-mailer'), 0, 'systemctl stop roster-fcgi roster-mailer';
is out('stopped', 'systemctl show -P Result roster-fcgi; systemctl show -P ActiveState roster-fcgi'), "success\ninactive",
    'roster-fcgi: stopped cleanly (Result=success)';
is out('sockgone', 'test -e /run/roster/fcgi.sock && echo there || echo gone'), 'gone', 'its socket is gone';
$d->step('stop');
ok $d->elapsed < 600, sprintf('within 10 minutes (%.0f s)', $d->elapsed);
done_testing;

# ---- the browser walk ----------------------------------------------------------
sub browser_walk {
	my ($link) = @_;
	require Roster::Test;    # the guardian that ends the browser with us
	require Roster::WebDriver;
	$| = 1;
	my $wd = Roster::WebDriver->start(width => 390, height => 844);
	my $dir = $ENV{ROSTER_SCREENS_DIR} // '/tmp/roster-screens';
	make_path($dir);
	my $shot = sub {
		my ($name) = @_;
		open my $fh, '>', "$dir/install-$name.png" or return;
		print {$fh} $wd->screenshot;
		close $fh;
		print "screens 1\n";
	};
	my $fill = sub {
		my ($css, $text) = @_;
		my $el = $wd->wait_for($css) or die "no $css\n";
		$wd->send_keys($el, $text);
	};
	my $submit = sub { $wd->click($wd->find($_[0]) // die "no $_[0]\n") };

	$wd->get($link);
	print 'reset ', ($wd->wait_page('password-reset') // ''), "\n";
	$fill->('#password', 'correct horse battery');
	$submit->('form[action="/password/reset"] button[type="submit"]');
	# Every session ends with a reset: the sign-in page follows.
	print 'login ', ($wd->wait_page('login') // ''), "\n";
	$fill->('#email', 'you@example.org');
	$fill->('#password', 'correct horse battery');
	$submit->('form[action="/login"] button[type="submit"]');
	print 'signed_in ', ($wd->wait_page('dashboard') // ''), "\n";
	my $h = $wd->find('header');
	print 'header ', ($h ? $wd->text($h) =~ s/\s+/ /gr : ''), "\n";
	print 'phone_overflow ', ($wd->execute('return document.documentElement.scrollWidth > window.innerWidth ? 1 : 0') // ''), "\n";
	$shot->('dashboard-phone');
	$wd->set_window_rect(1280, 900);
	$wd->get('http://localhost/admin');
	print 'admin ', ($wd->wait_page('admin') // ''), "\n";
	$shot->('admin-desktop');
	$wd->get('http://localhost/orgs/new');
	$wd->wait_page('org-new');
	$fill->('#name', 'Acme');
	$fill->('#slug', 'acme');    # send_keys clears the suggestion first
	$submit->('form[action="/orgs"] button[type="submit"]');
	print 'org ', ($wd->wait_page('org-members') // ''), "\n";
	# Webhooks under the units' sandbox: roster-fcgi resolves a name
	# (localhost, from /etc/hosts) and refuses its loopback address; a
	# public address is saved, so the invitation below queues a
	# delivery for roster-mailer.
	my $webhook = sub {
		my ($url) = @_;
		$wd->get('http://localhost/orgs/acme/webhooks');
		$wd->wait_page('org-webhooks');
		$fill->('#webhook-url', $url);
		$wd->click($wd->find('input[name="events"][value="invitation.created"]') // die "no event box\n");
		$submit->('form[action="/orgs/acme/webhooks"] button[type="submit"]');
		return $wd->wait_until(sub { my $b = $wd->find('body'); my $p = $b && $wd->attribute($b, 'data-page');
			$p && $p ne 'org-webhooks' ? $p : $wd->find('[data-error]') ? 'org-webhooks' : undef });
	};
	$webhook->('http://localhost/hook');
	my $e = $wd->find('#webhook-url-error');
	print 'webhook_local ', ($e ? $wd->attribute($e, 'data-error') : ''), "\n";
	print 'webhook_public ', ($webhook->('http://93.184.216.34/roster') // ''), "\n";
	$wd->get('http://localhost/orgs/acme');
	$wd->wait_page('org-members');
	$fill->('#invite-email', 'newcomer@example.org');
	$submit->('form[action="/orgs/acme/invitations"] button[type="submit"]');
	my $flash = $wd->wait_until(sub { my $e = $wd->find('[data-flash]'); $e ? $wd->attribute($e, 'data-flash') : undef });
	print 'invited ', ($flash // ''), "\n";
	$shot->('members-desktop');
	$wd->quit;
	return;
}
