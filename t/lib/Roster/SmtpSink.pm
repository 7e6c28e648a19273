package Roster::SmtpSink;
# A small SMTP server on loopback for the tests that talk to the mailer
# over SMTP. A forking server: one process per connection. Options:
#   delay    => seconds   before each message is acknowledged
#   starttls => 1         offer STARTTLS (needs cert and key: PEM files)
#   auth     => [MECH...] offer AUTH (PLAIN and/or LOGIN) and require it
#                         before MAIL FROM; user and password are the
#                         credentials it accepts
#   reject_rcpt => qr/../ answer RCPT TO for a matching address with
#                         "550 5.1.1 no such user" (a permanent failure)
# It records, in files under dir, what it saw:
#   - every accepted message: "message-id recipients" (deliveries);
#   - per connection (connections): whether TLS started, each AUTH
#     received (before or after TLS, mechanism, decoded user and
#     password), each message accepted, a failed TLS handshake;
#   - every byte it read in clear, before any TLS (clear_text), so a test
#     can check that a password never crossed unencrypted.
# The server ends within a second of the process that started it.

use strict;
use warnings;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64 decode_base64);
use POSIX ();
use Time::HiRes qw(sleep time);

# Roster::SmtpSink->new(dir => DIR, port => PORT): a sink that will
# listen on 127.0.0.1:PORT and keep its records in DIR (created).
sub new {
	my ($class, %o) = @_;
	my $self = bless { dir => $o{dir}, port => $o{port}, pid => undef, owner => $$ }, $class;
	die "Roster::SmtpSink: dir and port are needed\n" unless $self->{dir} && $self->{port};
	mkdir $self->{dir};
	return $self;
}

sub port { $_[0]{port} }
sub received_file { "$_[0]{dir}/smtp-received" }
sub events_file { "$_[0]{dir}/smtp-events" }
sub clear_file { "$_[0]{dir}/smtp-clear" }

# Starts the server with the options above; true once the port accepts
# connections (within 10 s).
sub start {
	my ($self, %o) = @_;
	die "Roster::SmtpSink: already running\n" if $self->{pid};
	die "Roster::SmtpSink: starttls needs cert and key\n"
	    if $o{starttls} && !($o{cert} && $o{key});
	require IO::Socket::SSL if $o{starttls};
	my $test = $$;
	my $pid = fork // die "fork: $!";
	if ($pid) {
		$self->{pid} = $pid;
		return $self->wait_port(1);
	}
	setpgrp(0, 0);
	$SIG{CHLD} = 'IGNORE';
	$SIG{TERM} = sub { kill 'TERM', -$$; POSIX::_exit(0) };
	my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $self->{port},
	    Listen => 20, ReuseAddr => 1, Proto => 'tcp', Timeout => 1) or POSIX::_exit(1);
	# Gone within a second of the test, however the test ends.
	my $deadline = time + 300;
	while (time < $deadline && getppid() == $test) {
		my $c = $l->accept or next;
		my $k = fork;
		if (defined $k && !$k) {
			$SIG{TERM} = 'DEFAULT';
			close $l;
			$self->_session($c, \%o);
			POSIX::_exit(0);
		}
		close $c;
	}
	POSIX::_exit(0);
}

# Stops the server and its connections; waits until the port refuses.
sub stop {
	my ($self) = @_;
	my $pid = $self->{pid} or return;
	kill 'TERM', $pid;
	waitpid $pid, 0;
	kill 'KILL', -$pid;
	undef $self->{pid};
	$self->wait_port(0);
}

sub running { $_[0]{pid} ? 1 : 0 }

# Forgets what was recorded so far.
sub clear {
	my ($self) = @_;
	unlink $self->received_file, $self->events_file, $self->clear_file;
	return;
}

# Waits until the port accepts connections ($up) or refuses them.
sub wait_port {
	my ($self, $up) = @_;
	my $deadline = time + 10;
	while (time < $deadline) {
		my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port}, Timeout => 1);
		close $c if $c;
		return 1 if !!$c == !!$up;
		sleep 0.05;
	}
	return 0;
}

# Message-ID => times received, of the recipients matching $re.
sub deliveries {
	my ($self, $re) = @_;
	my %n;
	open my $in, '<', $self->received_file or return \%n;
	while (<$in>) {
		my ($mid, $to) = split;
		$n{$mid}++ if $to =~ $re;
	}
	return \%n;
}

# The connections that said EHLO or HELO, in order: a list of
#   { pid, tls => 0|1, tls_failed => 0|1, auth_clear => [ {mech, user,
#     password} ], auth_tls => [ ... ], auth_ok => N, messages => N,
#     recipients => [ ... ] }
sub connections {
	my ($self) = @_;
	my (%c, @order);
	open my $in, '<', $self->events_file or return [];
	while (my $line = <$in>) {
		chomp $line;
		my ($pid, $ev, @a) = split / /, $line;
		my $c = $c{$pid} //= do {
			push @order, $pid;
			{ pid => $pid, tls => 0, tls_failed => 0, auth_clear => [], auth_tls => [],
			  auth_ok => 0, messages => 0, recipients => [] };
		};
		if ($ev eq 'tls') { $c->{tls} = 1 }
		elsif ($ev eq 'tls-failed') { $c->{tls_failed} = 1 }
		elsif ($ev eq 'auth') {
			my ($when, $mech, $u, $p) = @a;
			push @{ $c->{ $when eq 'tls' ? 'auth_tls' : 'auth_clear' } },
			    { mech => $mech, user => decode_base64($u // ''), password => decode_base64($p // '') };
		}
		elsif ($ev eq 'auth-ok') { $c->{auth_ok}++ }
		elsif ($ev eq 'msg') { $c->{messages}++; push @{ $c->{recipients} }, split /,/, $a[1] // '' }
	}
	return [ map { $c{$_} } @order ];
}

# Every byte read in clear (before TLS), all connections together.
sub clear_text {
	my ($self) = @_;
	open my $in, '<', $self->clear_file or return '';
	local $/;
	return scalar <$in>;
}

sub _append {
	my ($file, $text) = @_;
	open my $out, '>>', $file or POSIX::_exit(1);
	syswrite $out, $text;
	close $out;
}

sub _event {
	my ($self, @words) = @_;
	_append($self->events_file, join(' ', $$, @words) . "\n");
}

# One connection, until QUIT or the client goes away.
sub _session {
	my ($self, $c, $o) = @_;
	my $tls = 0;
	my $authed = 0;
	my @mechs = @{ $o->{auth} || [] };
	my %mech = map { uc($_) => 1 } @mechs;
	my $reply = sub { print $c "$_[0]\r\n" };
	my $read = sub {
		my $line = <$c>;
		_append($self->clear_file, $line) if defined $line && !$tls;
		return $line;
	};
	my $auth = sub {
		my ($m, $u, $p) = @_;
		$self->_event('auth', $tls ? 'tls' : 'clear', $m, encode_base64($u // '', ''),
		    encode_base64($p // '', ''));
		if (defined $u && defined $p && $u eq ($o->{user} // '') && $p eq ($o->{password} // '')) {
			$authed = 1;
			$self->_event('auth-ok');
			$reply->('235 2.7.0 authenticated');
		} else {
			$reply->('535 5.7.8 authentication failed');
		}
	};
	$c->autoflush(1);
	$reply->('220 sink.test ESMTP');
	my @rcpt;
	local $/ = "\r\n";
	while (defined(my $line = $read->())) {
		if ($line =~ /^EHLO/i) {
			$self->_event('ehlo');
			my @ext = ('SIZE 10000000');
			push @ext, 'STARTTLS' if $o->{starttls} && !$tls;
			# AUTH is offered in clear too: a client must not take it.
			push @ext, 'AUTH ' . join(' ', map { uc } @mechs) if @mechs;
			$reply->('250-sink.test');
			$reply->(($_ == $#ext ? '250 ' : '250-') . $ext[$_]) for 0 .. $#ext;
		}
		elsif ($line =~ /^HELO/i) { $self->_event('ehlo'); $reply->('250 sink.test') }
		elsif ($line =~ /^STARTTLS/i && $o->{starttls} && !$tls) {
			$reply->('220 2.0.0 ready to start TLS');
			my $ok = IO::Socket::SSL->start_SSL($c, SSL_server => 1,
			    SSL_cert_file => $o->{cert}, SSL_key_file => $o->{key},
			    Timeout => 10);
			if (!$ok) { $self->_event('tls-failed'); last }
			$tls = 1;
			$authed = 0;
			@rcpt = ();
			$self->_event('tls');
		}
		elsif ($line =~ /^AUTH\s+PLAIN(?:\s+(\S+))?\s*$/i && $mech{PLAIN}) {
			my $b64 = $1;
			if (!defined $b64) {
				$reply->('334 ');
				$b64 = $read->() // last;
				$b64 =~ s/\s+$//;
			}
			my (undef, $u, $p) = split /\0/, decode_base64($b64), 3;
			$auth->('PLAIN', $u, $p);
		}
		elsif ($line =~ /^AUTH\s+LOGIN(?:\s+(\S+))?\s*$/i && $mech{LOGIN}) {
			my $ub = $1;
			if (!defined $ub) {
				$reply->('334 VXNlcm5hbWU6');
				$ub = $read->() // last;
			}
			$reply->('334 UGFzc3dvcmQ6');
			my $pb = $read->() // last;
			s/\s+$// for $ub, $pb;
			$auth->('LOGIN', decode_base64($ub), decode_base64($pb));
		}
		elsif ($line =~ /^AUTH/i) { $reply->('504 5.5.4 mechanism not supported') }
		elsif ($line =~ /^MAIL FROM:/i) {
			if (@mechs && !$authed) { $reply->('530 5.7.0 authentication required'); next }
			@rcpt = ();
			$reply->('250 ok');
		}
		elsif ($line =~ /^RCPT TO:\s*<([^>]*)>/i && $o->{reject_rcpt} && lc($1) =~ $o->{reject_rcpt}) {
			$reply->('550 5.1.1 no such user');
		}
		elsif ($line =~ /^RCPT TO:\s*<([^>]*)>/i) { push @rcpt, lc $1; $reply->('250 ok') }
		elsif ($line =~ /^DATA/i) {
			$reply->('354 go ahead');
			my $msg = '';
			while (defined(my $d = $read->())) {
				last if $d eq ".\r\n";
				$msg .= $d;
			}
			my ($mid) = $msg =~ /^Message-ID:\s*(<[^>]+>)/mi;
			sleep $o->{delay} if $o->{delay};
			_append($self->received_file, sprintf("%s %s\n", $mid // '-', join(',', @rcpt)));
			$self->_event('msg', $mid // '-', join(',', @rcpt));
			$reply->('250 queued');
		}
		elsif ($line =~ /^(?:RSET|NOOP)/i) { $reply->('250 ok') }
		elsif ($line =~ /^QUIT/i) { $reply->('221 bye'); last }
		else { $reply->('502 unknown') }
	}
	close $c;
}

# Makes, with the openssl command line, a throw-away CA and a server
# certificate it signs under dir: returns { ca, cert, key } (PEM paths).
# Options: name (file prefix), sans (subjectAltName, default
# "IP:127.0.0.1,DNS:localhost"), ca => an earlier result whose CA signs
# (default: a new CA).
sub make_certs {
	my (%o) = @_;
	my $dir = $o{dir} or die "make_certs: dir is needed\n";
	my $n = $o{name} // 'smtp';
	my $sans = $o{sans} // 'IP:127.0.0.1,DNS:localhost';
	mkdir $dir;
	my ($ca, $cakey) = $o{ca} ? ($o{ca}{ca}, $o{ca}{ca_key}) : ("$dir/$n-ca.pem", "$dir/$n-ca.key");
	my $run = sub {
		my $out = `@_ 2>&1`;
		die "openssl failed ($?): @_\n$out" if $?;
	};
	my @ec = qw(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes);
	$run->('openssl', 'req', '-x509', @ec, '-keyout', $cakey, '-out', $ca, '-days', 2,
	    '-subj', "'/CN=Roster test CA $n'",
	    '-addext', 'basicConstraints=critical,CA:TRUE',
	    '-addext', 'keyUsage=critical,keyCertSign,cRLSign') unless $o{ca};
	open my $ext, '>', "$dir/$n.ext" or die "$dir/$n.ext: $!\n";
	print $ext "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n",
	    "extendedKeyUsage=serverAuth\nsubjectAltName=$sans\n";
	close $ext;
	$run->('openssl', 'req', @ec, '-keyout', "$dir/$n.key", '-out', "$dir/$n.csr",
	    '-subj', "'/CN=$n'");
	$run->('openssl', 'x509', '-req', '-in', "$dir/$n.csr", '-CA', $ca, '-CAkey', $cakey,
	    '-set_serial', int(rand(1 << 30)) + 1, '-days', 2, '-extfile', "$dir/$n.ext",
	    '-out', "$dir/$n.pem");
	return { ca => $ca, ca_key => $cakey, cert => "$dir/$n.pem", key => "$dir/$n.key" };
}

sub DESTROY {
	my ($self) = @_;
	$self->stop if $self->{pid} && $$ == $self->{owner};
}

1;
