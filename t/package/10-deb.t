#!/usr/bin/env perl
# The Debian package (debian/, SPEC §1's dpkg-buildpackage row), end to
# end, as root on Debian 12:
#  1. builds it with `dpkg-buildpackage -b -us -uc` from a clean clone of
#     the repository's HEAD (ROSTER_DEB_WORKTREE=1: from the working tree
#     instead, committed or not) into a temporary directory;
#  2. checks its contents with dpkg-deb -c: the daemons in /usr/sbin,
#     rosterctl in /usr/bin, every template, static file and migration
#     under /usr/share/roster, the docs and nginx's server block template,
#     the systemd units, /etc/roster/roster.env as a conffile, nginx's site
#     (and the man pages when the tree has them); the site rendered and
#     accepted by the system's nginx -t;
#  3. lintian: no error (warnings are listed);
#  4. dpkg -i: the user roster, /etc/roster/roster.env 0640 root:roster, a
#     secret key made once;
#  5. systemd-analyze verify, and systemd-analyze security --offline=yes
#     with an exposure of at most 2.0 for each service;
#  6. runs the installed programs as the units do (user roster with the
#     supplementary group www-data, no root at all; data from the
#     installed /usr/share/roster, ROSTER_DATA_DIR unset; the environment
#     of the installed roster.env, the database URLs and paths pointed at
#     a throw-away cluster), not through systemctl (20-systemd.t runs them
#     under systemd): rosterctl migrate, roster-fcgi (its socket given to
#     www-data), roster-mailer with its key as a systemd credential;
#     nginx reaches /healthz and the sign-in page;
#  7. dpkg --purge roster: the programs and roster.env are gone; the
#     database, the state directory, the secret key and the user are not.
# Bounded: about a minute here; 5 minutes at most. Prints the time of
# each step. Skipped (with the reason) only where dpkg-buildpackage
# cannot exist or without root; under CI=true it never skips.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(time sleep);
use Roster::Deb;

my $src = $ENV{ROSTER_SRCDIR} // "$FindBin::Bin/../..";
my $d = Roster::Deb->new(src => $src, need => ['lintian']);
if (!Roster::Deb::ci()) {
	my $st = `dpkg-query -W -f='\${Status}' roster 2>/dev/null` // '';
	plan skip_all => 'a roster package is installed on this machine: not replacing it'
	    if $st =~ /installed/;
}
my $tmp = $d->tmp;
my (@pids, $installed, $state);
# /etc/roster is left by a purge on purpose (the key); the test removes it
# when it made it.
my $etc_was_there = -e '/etc/roster';

sub run_log { $d->run(@_) }
sub tail_log { $d->tail(@_) }
sub step { $d->step(@_) }
*slurp = \&Roster::Deb::slurp;

END {
	my $rc = $?;
	kill 'TERM', $_ for grep { $_ > 1 } @pids;
	for my $p (@pids) { for (1 .. 100) { last if waitpid($p, WNOHANG) != 0; sleep 0.1 } }
	system("$src/scripts/pg", 'stop', $state) if $state && -d "$state/pg";
	if ($installed) {
		system('dpkg --purge roster >/dev/null 2>&1');
	}
	system('rm', '-rf', '/etc/roster') if !$etc_was_there && !$ENV{ROSTER_DEB_KEEP};
	$d->cleanup if $d;
	$? = $rc;
}

# ---- 1. build ------------------------------------------------------------
my $deb = $d->build;
my ($tree, $version, $arch) = @$d{qw(tree version arch)};

# ---- 2. contents ---------------------------------------------------------
my %files = map { (split ' ', $_)[5] =~ s{^\./}{/}r => (split ' ', $_)[0] } `dpkg-deb -c '$deb'`;
for my $f (qw(/usr/sbin/roster-fcgi /usr/sbin/roster-mailer /usr/bin/rosterctl)) {
	like $files{$f} // '', qr/^-rwxr-xr-x/, "$f, executable";
}
ok !exists $files{'/usr/bin/roster-fcgi'}, 'no daemon in /usr/bin';
for my $d (qw(templates static sql)) {
	my @want = map { s{.*/}{}r } grep { -f } glob("$tree/$d/*");
	my @missing = grep { !exists $files{"/usr/share/roster/$d/$_"} } @want;
	ok @want > 0 && !@missing, sprintf('/usr/share/roster/%s: all %d files', $d, scalar @want)
	    or diag "missing: @missing";
}
for my $u (qw(roster-fcgi.service roster-mailer.service roster-purge.service roster-purge.timer)) {
	ok exists $files{"/lib/systemd/system/$u"}, "unit $u";
}
ok exists $files{'/etc/roster/roster.env'}, '/etc/roster/roster.env';
ok exists $files{'/usr/share/doc/roster/copyright'}, 'copyright';
ok +(grep { m{^/usr/share/doc/roster/roster\.conf} } keys %files), "the nginx server block's template in the docs";
ok +(grep { m{^/usr/share/doc/roster/README\.md} } keys %files), 'README in the docs';
ok exists $files{'/usr/share/doc/roster/install.md'}, 'install.md in the docs, uncompressed (the units and postinst name it)';
ok exists $files{'/usr/share/doc/roster/examples/alerts.yml'}, 'the Prometheus alert rules as an example';
my @man = map { s{.*/}{}r } glob("$tree/man/*.[58]");
for my $m (@man) {
	my $sec = substr($m, -1);
	ok exists $files{"/usr/share/man/man$sec/$m.gz"}, "man page $m";
}
ok exists $files{'/etc/nginx/sites-available/roster'}, "nginx's site file";
my $conffiles = `dpkg-deb -I '$deb' conffiles`;
like $conffiles, qr{^/etc/roster/roster\.env$}m, 'roster.env is a conffile';
my $fields = `dpkg-deb -f '$deb' Depends Recommends`;
like $fields, qr/\badduser\b/, 'Depends: adduser';
like $fields, qr/libsystemd0/, 'linked with libsystemd (sd_notify)';
like $fields, qr/Recommends: .*nginx.*postgresql/, 'Recommends: nginx, postgresql';
step('contents');

# ---- 3. lintian ----------------------------------------------------------
my @lint = `lintian --allow-root --no-tag-display-limit '$deb' 2>/dev/null`;
my @errors = grep { /^E: / } @lint;
ok !@errors, 'lintian: no error' or diag @errors;
diag "lintian: $_" for grep { /^W: / } @lint;
step('lintian');

# ---- 4. install ----------------------------------------------------------
my $rc = run_log('install', 'dpkg', '-i', $deb);
$installed = 1;
is $rc, 0, 'dpkg -i' or tail_log('install');
like slurp("$tmp/install.log"), qr/rosterctl migrate/, 'postinst says how to create the schema';
my @pw = getpwnam('roster');
ok @pw && $pw[2] < 1000, 'the system user roster';
my @st = stat '/etc/roster/roster.env';
is sprintf('%04o %s:%s', $st[2] & 07777, scalar getpwuid($st[4]), scalar getgrgid($st[5])),
    '0640 root:roster', '/etc/roster/roster.env: 0640 root:roster';
@st = stat '/etc/roster/secret.key';
is sprintf('%04o %s:%s', ($st[2] // 0) & 07777, scalar getpwuid($st[4] // 0), scalar getgrgid($st[5] // 0)),
    '0640 root:roster', 'a secret key made: 0640 root:roster';
my $key = slurp('/etc/roster/secret.key');
$rc = run_log('reinstall', 'dpkg', '-i', $deb);
is $rc, 0, 'dpkg -i again (upgrade path: user and key exist)' or tail_log('reinstall');
is slurp('/etc/roster/secret.key'), $key, 'the secret key is kept';
# nginx's site: rendered for this host, and accepted by the system's
# nginx.conf once enabled (then disabled again).
my $site = slurp('/etc/nginx/sites-available/roster');
unlike $site, qr/\@[A-Z_]+\@/, "nginx's site has every placeholder filled in";
like $site, qr{^\s*fastcgi_pass unix:/run/roster/fcgi\.sock;}m, 'it passes to /run/roster/fcgi.sock';
like $site, qr{^\s*alias /usr/share/roster/static/;}m, 'and serves /usr/share/roster/static';
like $conffiles, qr{^/etc/nginx/sites-available/roster$}m, 'it is a conffile';
{
	my $link = '/etc/nginx/sites-enabled/roster-package-test';
	symlink '/etc/nginx/sites-available/roster', $link or diag "symlink $link: $!";
	my $out = `nginx -t 2>&1`;
	is $?, 0, "the system's nginx accepts it (nginx -t)" or diag $out;
	unlink $link;
}
step('install');

# ---- 5. systemd-analyze --------------------------------------------------
my @units = map { "/lib/systemd/system/$_" } qw(roster-fcgi.service roster-mailer.service roster-purge.service roster-purge.timer);
my $man = @man ? '--man=yes' : '--man=no';
diag 'no man pages in the tree: verify --man=no' unless @man;
my $out = `systemd-analyze verify $man @units 2>&1`;
ok $? == 0 && $out !~ /\S/, 'systemd-analyze verify: clean' or diag $out;
for my $u (grep { /\.service$/ } @units) {
	my $sec = `systemd-analyze security --offline=yes '$u' 2>&1`;
	my ($level) = $sec =~ /Overall exposure level for \S+: ([\d.]+)/;
	ok defined $level && $level <= 2.0, sprintf('%s: exposure %s <= 2.0', $u =~ s{.*/}{}r, $level // '?')
	    or diag $sec;
}
step('systemd-analyze');

# ---- 6. the installed programs -----------------------------------------
$state = "$tmp/stack";
# scripts/pg and scripts/nginx-conf read the defaults from the rosterctl
# of ROSTER_BUILDDIR: the installed one.
$ENV{ROSTER_BUILDDIR} = '/usr/bin';
my $port = do { my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1) or die; $s->sockport };
my $pgport = do { my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1) or die; $s->sockport };
chomp(my $app_url = `'$src/scripts/pg' up '$state' $pgport test 2>'$tmp/pg.log'`);
ok $app_url =~ /user=/, 'a throw-away cluster' or (tail_log('pg'), BAIL_OUT('no cluster'));
chomp(my $owner_url = `'$src/scripts/pg' url '$state' $pgport owner`);
chomp(my $admin_url = `'$src/scripts/pg' url '$state' $pgport admin`);

# The installed roster.env as sh reads it, then this stack's paths.
my %env = map { split /=/, $_, 2 } grep { /^ROSTER_/ } split /\0/,
    `sh -c 'set -a; . /etc/roster/roster.env; env -0'`;
ok exists $env{ROSTER_DATABASE_URL} && exists $env{ROSTER_FCGI_SOCKET}, 'roster.env reads as sh';
my $run = "$tmp/run";
mkdir $run, 0755;
mkdir "$tmp/var", 0750;
system('chown', 'roster:roster', $run, "$tmp/var");
%env = (%env,
	ROSTER_DATABASE_URL => $app_url,
	ROSTER_MIGRATE_DATABASE_URL => $owner_url,
	ROSTER_FCGI_SOCKET => "$run/fcgi.sock",
	ROSTER_STATE_DIR => "$tmp/var",
	ROSTER_WORKERS => 2,
);
delete $env{ROSTER_DATA_DIR};

# rosterctl migrate as root (the schema's owner, as install.md does).
{
	local %ENV = (%ENV, %env, ROSTER_SECRET_KEY_FILE => '/etc/roster/secret.key');
	is run_log('migrate', '/usr/bin/rosterctl', 'migrate'), 0, 'installed rosterctl migrate' or tail_log('migrate');
}
# As the units run them: user roster, group roster, supplementary www-data.
sub spawn_as_roster {
	my ($name, $extra, @cmd) = @_;
	my $pid = fork // die;
	if ($pid == 0) {
		%ENV = (PATH => '/usr/sbin:/usr/bin:/sbin:/bin', %env, %$extra);
		open STDOUT, '>', "$tmp/$name.log" or die;
		open STDERR, '>&', \*STDOUT or die;
		exec 'setpriv', '--reuid=roster', '--regid=roster', '--groups=www-data',
		    '--inh-caps=-all', '--', @cmd or exit 127;
	}
	push @pids, $pid;
	return $pid;
}
my $psql = "psql -X -At '$admin_url'";
# The mailer first, its key as systemd passes it (LoadCredential=
# secret_key:...): it must connect, as roster_app, before anything else
# does.
mkdir "$tmp/creds", 0750;
system("cp /etc/roster/secret.key '$tmp/creds/secret_key' && chown -R roster: '$tmp/creds'");
my $mailer = spawn_as_roster('mailer', { CREDENTIALS_DIRECTORY => "$tmp/creds" }, '/usr/sbin/roster-mailer');
my $conns = 0;
for (1 .. 100) {
	$conns = `$psql -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'roster_app'"` + 0;
	last if $conns > 0 || waitpid($mailer, WNOHANG) != 0;
	sleep 0.1;
}
is $conns, 1, 'roster-mailer, its key a credential, connects as roster_app' or tail_log('mailer');
my $fcgi = spawn_as_roster('fcgi', { ROSTER_SECRET_KEY_FILE => '/etc/roster/secret.key' }, '/usr/sbin/roster-fcgi');
for (1 .. 100) { last if -S "$run/fcgi.sock"; sleep 0.1 }
@st = stat "$run/fcgi.sock";
is sprintf('%04o %s:%s', ($st[2] // 0) & 07777, scalar getpwuid($st[4] // 0), scalar getgrgid($st[5] // 0)),
    '0660 roster:www-data', 'the socket: 0660 roster:www-data, without root' or tail_log('fcgi');
like slurp("/proc/$fcgi/status"), qr/^Uid:\s+$pw[2]\s/m, 'roster-fcgi runs as roster';

system("'$src/scripts/nginx-conf' '$state/nginx/nginx.conf' $port '$state' '$run/fcgi.sock' /usr/share/roster/static") == 0
    or BAIL_OUT('nginx-conf failed');
my $ngx = fork // die;
if ($ngx == 0) {
	open STDOUT, '>', "$tmp/nginx.log" or die;
	open STDERR, '>&', \*STDOUT or die;
	exec 'nginx', '-p', "$state/nginx/", '-c', "$state/nginx/nginx.conf", '-e', 'stderr', '-g', 'daemon off;' or exit 127;
}
push @pids, $ngx;
my ($body, $code) = ('', '');
for (1 .. 100) {
	($body, $code) = `curl -s -w '\n%{http_code}' http://127.0.0.1:$port/healthz 2>/dev/null` =~ /^(.*)\n(\d+)$/s;
	last if ($code // '') eq '200';
	sleep 0.1;
}
is $code, '200', '/healthz through nginx: 200' or do { tail_log('fcgi'); tail_log('nginx') };
my $login = `curl -s -w '%{http_code}' http://127.0.0.1:$port/login`;
like $login, qr/data-page="login".*200$/s, 'the sign-in page from /usr/share/roster/templates' or diag substr($login, 0, 300);
my $css = `curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/static/style.css`;
is $css, '200', 'static files from /usr/share/roster/static';
ok kill(0, $mailer) && slurp("$tmp/mailer.log") !~ /error/, 'roster-mailer still runs, no error' or tail_log('mailer');
kill 'TERM', $fcgi, $mailer, $ngx;
for my $p ($fcgi, $mailer, $ngx) { for (1 .. 200) { last if waitpid($p, WNOHANG) != 0; sleep 0.1 } }
@pids = ();
ok !-e "$run/fcgi.sock", 'roster-fcgi drained and removed its socket';
step('installed programs');

# ---- 7. purge ----------------------------------------------------------
system("$psql -c \"CREATE TABLE purge_marker(x int); INSERT INTO purge_marker VALUES (42)\" >/dev/null");
my $tables = `$psql -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"`;
{ open my $fh, '>', "$tmp/var/keep" or die; close $fh }
$rc = run_log('purge', 'dpkg', '--purge', 'roster');
is $rc, 0, 'dpkg --purge roster' or tail_log('purge');
$installed = 0 if $rc == 0;
ok !-e '/usr/sbin/roster-fcgi' && !-e '/etc/roster/roster.env' && !-e '/lib/systemd/system/roster-fcgi.service',
    'the programs, units and roster.env are gone';
is `$psql -c "SELECT x FROM purge_marker"`, "42\n", 'the database is untouched';
is `$psql -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"`, $tables, 'every table is still there';
ok -e "$tmp/var/keep", 'the state directory is untouched';
is slurp('/etc/roster/secret.key'), $key, 'the secret key is kept';
ok scalar(getpwnam('roster')), 'the user roster is kept';
step('purge');
ok $d->elapsed < 300, sprintf('within 5 minutes (%.0f s)', $d->elapsed);

done_testing;
