#!/usr/bin/env perl
# nginx/roster.conf, the server block a host's nginx includes and the stack
# runs: a server block and nothing of nginx's top level, TLS and HSTS there
# but commented, accepted by `nginx -t` inside a stock Debian nginx.conf;
# and with the workers gone, nginx's error log (written by nginx itself,
# no filter in between) holds none of the tokens the link pages' URLs
# carry, while a failure on any other URL is logged, token and all.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Temp qw(tempdir);
use Socket qw(AF_UNIX SOCK_STREAM pack_sockaddr_un);
use Time::HiRes qw(sleep time);
use Roster::Test;

my $src = Roster::Test::srcdir();

sub slurp {
	my ($f) = @_;
	open my $fh, '<', $f or return '';
	local $/;
	return scalar <$fh>;
}

sub spew {
	my ($f, $text) = @_;
	open my $fh, '>', $f or die "$f: $!\n";
	print $fh $text;
	close $fh or die "$f: $!\n";
}

# Polls until $cond returns true; bounded.
sub eventually {
	my ($secs, $cond) = @_;
	my $deadline = time + $secs;
	while (time < $deadline) {
		return 1 if $cond->();
		sleep 0.1;
	}
	return 0;
}

sub token { 'Tk' . join('', map { ('a' .. 'z', 'A' .. 'Z', 0 .. 9)[ rand 62 ] } 1 .. 40) }

# ---- the server block ------------------------------------------------------
my $site = slurp("$src/nginx/roster.conf");
ok length $site, 'nginx/roster.conf exists';
(my $live = $site) =~ s/#[^\n]*//g;    # what nginx reads
like $live, qr/^\s*server\s*\{/m, 'it holds a server block';
unlike $live, qr/^\s*(?:events|http|mail|stream)\s*\{/m, 'and no events, http, mail or stream block';
unlike $live, qr/^\s*(?:user|worker_processes|pid|load_module|include\s+\S*modules)\b/m,
    'and no top-level directive';
like $live, qr/^\s*listen\s+\@LISTEN\@;/m, 'it listens where it is told (127.0.0.1:PORT in the stack)';
for my $line ('listen 443 ssl', 'ssl_certificate ', 'ssl_certificate_key ',
    'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;') {
	like $site, qr/^[ \t]*#[ \t]*\Q$line\E/m, "'$line' is there, commented";
	unlike $live, qr/\Q$line\E/, "'$line' is not live";
}
like $live, qr/access_log\s+\@ACCESS_LOG\@\s+roster;/, 'the access log uses the roster format';
like $live, qr/log_format roster '[^;]*"\$request_method \$uri"/, 'which records $uri';
(my $nouri = $live) =~ s/^\s*fastcgi_param REQUEST_URI \$request_uri;$//m;
unlike $nouri, qr/\$(?:request_uri|request|args|query_string|http_referer)\b/,
    'and no query string or Referer anywhere but in REQUEST_URI to the workers';

# ---- nginx -t: the site inside a stock Debian nginx.conf ---------------------
{
	my $tmp = tempdir('roster-site-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	mkdir "$tmp/$_" or die "mkdir: $!\n" for qw(sites-enabled log);
	my $stock = slurp('/etc/nginx/nginx.conf');
	my $from = 'the installed /etc/nginx/nginx.conf';
	if ($stock !~ m{^\s*include /etc/nginx/sites-enabled/\*;}m) {
		# Debian 12's, for a machine whose nginx.conf was changed.
		$from = "Debian 12's nginx.conf";
		$stock = <<'CONF';
user www-data;
worker_processes auto;
pid /run/nginx.pid;
include /etc/nginx/modules-enabled/*.conf;
events {
	worker_connections 768;
}
http {
	sendfile on;
	tcp_nopush on;
	types_hash_max_size 2048;
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
	ssl_prefer_server_ciphers on;
	access_log /var/log/nginx/access.log;
	error_log /var/log/nginx/error.log;
	gzip on;
	include /etc/nginx/conf.d/*.conf;
	include /etc/nginx/sites-enabled/*;
}
CONF
	}
	# Only the places nginx writes to move into the temporary directory.
	(my $conf = $stock) =~ s{/etc/nginx/sites-enabled/}{$tmp/sites-enabled/}g;
	$conf =~ s{/var/log/nginx/}{$tmp/log/}g;
	$conf =~ s{^\s*pid\s+[^;]*;}{pid $tmp/nginx.pid;}m;
	# Unprivileged, nginx cannot create its default temporary paths.
	$conf =~ s{^(\s*)user\s+[^;]*;}{}m if $> != 0;
	my $temp = join ' ', map { "${_}_temp_path $tmp/$_;" } qw(client_body fastcgi proxy uwsgi scgi);
	$conf =~ s/^http\s*\{/http {\n\t$temp/m if $> != 0;
	spew("$tmp/nginx.conf", $conf);
	my $r = system("$src/scripts/nginx-conf", '--site', "$tmp/sites-enabled/roster", '80',
	    '/run/roster/fcgi.sock', '/usr/share/roster/static',
	    "$tmp/log/roster-access.log", "$tmp/log/roster-error.log");
	is $r, 0, 'scripts/nginx-conf --site renders the server block for a host';
	my $rendered = slurp("$tmp/sites-enabled/roster");
	unlike $rendered, qr/\@[A-Z_]+\@/, 'with every placeholder filled in';
	like $rendered, qr{fastcgi_pass unix:/run/roster/fcgi.sock;}, 'passing to /run/roster/fcgi.sock';
	my $out = `nginx -t -p '$tmp/' -c '$tmp/nginx.conf' -e '$tmp/log/startup.log' 2>&1`;
	is $?, 0, "nginx -t accepts it, included from $from" or diag $out;
	like $out, qr/test is successful/, 'nginx says so';
}

# ---- the stack runs the same server block ------------------------------------
my $s = Roster::Test->start;
my $ua = $s->ua;
my $state = $s->state_dir;
my $errlog = "$state/log/nginx-error.log";
my $port = $s->port;

like slurp("$state/nginx/nginx.conf"), qr{^\s*include \Q$state\E/nginx/roster\.conf;}m,
    "the stack's nginx.conf includes the rendered server block";
my $stacksite = slurp("$state/nginx/roster.conf");
like $stacksite, qr/^\s*listen 127\.0\.0\.1:$port;/m, 'which listens on 127.0.0.1:PORT';
(my $shape = $site) =~ s/\@[A-Z_]+\@/\0/g;
my @parts = map { quotemeta } split /\0/, $shape, -1;
like $stacksite, qr/\A${\ join('[^\n]*', @parts)}\n?\z/, 'and is nginx/roster.conf with the placeholders filled in';
is $ua->get('/healthz')->{status}, 200, 'the stack answers through it';

# ---- with the workers gone ---------------------------------------------------
my $sock = $s->{env}{ROSTER_FCGI_SOCKET};
is $s->stop_fcgi(20), 0, 'roster-fcgi stopped';
ok !-e $sock, 'its socket is gone';

# Every URL that carries a token, as the application sends them and as a
# client might vary them: upper-case names, encoded once and twice inside
# next=, and paths nginx normalises to the same location.
sub link_requests {
	my @t = map { token() } 1 .. 16;
	my $e1 = sub { Roster::Test::UA::_uri_escape($_[0]) };
	my $e2 = sub { $e1->($e1->($_[0])) };
	return (\@t, [
		[ GET  => "/invitations/accept?token=$t[0]" ],
		[ GET  => "/invitations/accept?TOKEN=$t[1]" ],
		[ POST => "/invitations/accept?token=$t[2]" ],
		[ GET  => "/confirm?token=$t[3]" ],
		[ POST => "/confirm?Token=$t[4]" ],
		[ GET  => "/password/reset?token=$t[5]" ],
		[ POST => "/password/reset?token=$t[6]" ],
		[ GET  => "/join/confirm?token=$t[7]" ],
		[ GET  => "/signup?invite=$t[8]" ],
		[ GET  => "/signup?INVITE=$t[9]" ],
		[ GET  => "/links/accept?token=$t[10]" ],
		[ GET  => '/login?next=' . $e1->("/invitations/accept?token=$t[11]") ],
		[ GET  => '/login?email=a%40example.com&next=' . $e2->("/invitations/accept?TOKEN=$t[12]") ],
		[ POST => '/login?next=' . $e2->("/confirm?token=$t[13]") ],
		[ GET  => "/invitations//accept?token=$t[14]" ],
		[ GET  => "/invitations/%61ccept?token=$t[15]" ],
	]);
}

sub check_quiet {
	my ($what) = @_;
	my ($tokens, $reqs) = link_requests();
	for my $r (@$reqs) {
		my ($m, $path) = @$r;
		my $res = $m eq 'GET' ? $ua->get($path) : $ua->post($path, { password => 'x' });
		is $res->{status}, 502, "$what: $m $path: 502";
		is $ua->page($res), 'unavailable', "$what: with the unavailable page";
	}
	# Over 1 MiB: nginx refuses the body itself (an error-level message
	# quoting the request line).
	my $big = token();
	my $res = $ua->post("/login?next=%2Fconfirm%3Ftoken%3D$big", 'email=' . ('a' x (2 * 1024 * 1024)));
	is $res->{status}, 413, "$what: a body over 1 MiB to a link page: 413";

	# A failure on another page is logged, with its request line: the
	# log is written, and would hold the tokens were the link pages'
	# locations not quiet.
	my $canary = token();
	is $ua->get("/orgs?token=$canary")->{status}, 502, "$what: a failure on another page: 502";
	ok eventually(5, sub { slurp($errlog) =~ /\Q$canary\E/ }),
	    "$what: nginx's error log names that request, token and all"
	    or diag slurp($errlog);
	my ($line) = grep { /\Q$canary\E/ } split /\n/, slurp($errlog);
	note "$what: $line";
	my $err = slurp($errlog);
	my @leaked = grep { index($err, $_) >= 0 } @$tokens, $big;
	is_deeply \@leaked, [], "$what: the error log holds none of the link pages' tokens";
	unlike $err, qr{request: "\w+ /+(?:invitations|confirm|password|join|signup|login|links)},
	    "$what: nor any link page's request line";
	my $all = $s->log_text;
	is_deeply [ grep { index($all, $_) >= 0 } @$tokens, $big ], [],
	    "$what: nor does any other log";
	return $line // '';
}

# The socket is missing: connect() fails with ENOENT, which nginx logs at
# crit (so a location at crit would still write it).
my $line = check_quiet('socket missing');
like $line, qr/\[crit\].*connect\(\) to unix:\S+ failed \(2: /, 'connect() to a missing socket is logged at crit';

# A socket nobody listens on: connect() is refused (ECONNREFUSED, error).
socket(my $fake, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
bind($fake, pack_sockaddr_un($sock)) or die "bind $sock: $!\n";
chmod 0666, $sock;
$line = check_quiet('connection refused');
like $line, qr/\[(?:error|crit)\].*connect\(\) to unix:\S+ failed/, 'a refused connect() is logged';
close $fake;
unlink $sock;

done_testing;
