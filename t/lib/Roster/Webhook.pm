package Roster::Webhook;

# Webhook endpoints made directly in the database for the integration
# tests of events and delivery (t/integration/87, 88): a fresh 32-byte
# key sealed as the server seals it (t/mail/webhook-seal: box_seal under
# the stack's keys), so the mailer can sign with it, for a URL the pages
# would refuse (loopback, "as if DNS had changed").
#
#   my $wh = add_webhook($s, 'acme', 'http://127.0.0.1:9/', @events);
#   # { id, key, secret => 'whsec_...' }
#
# And the receivers those endpoints point at (t/integration/87,
# t/browser/60):
#
#   my $r = receiver($dir, 'all', 200);   # { port, url, file, pid }
#   set_mode($r, 500);                    # or 'hang'
#   my @req = requests($r);               # { request, headers, body, raw, at }

use strict;
use warnings;

use Exporter qw(import);
use IO::Socket::INET;
use JSON::PP qw(decode_json encode_json);
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes qw(time);
use Roster::Test;

our @EXPORT = qw(add_webhook receiver set_mode requests);

sub add_webhook {
	my ($s, $slug, $url, @events) = @_;
	my $key = join '', map { chr int rand 256 } 1 .. 32;
	my ($st, $out, $err) = $s->_run(
	    cmd => [ Roster::Test::builddir() . '/t/mail/webhook-seal', unpack('H*', $key) ],
	    env => { $s->_child_env });
	$st == 0 or die "webhook-seal: $err";
	chomp $out;
	my $id = $s->sql_one(q{INSERT INTO webhooks (organization_id, url, events, secret)
	    SELECT id, ?, ?::text[], decode(?, 'hex') FROM organizations WHERE slug = ?
	    RETURNING id}, $url, '{' . join(',', @events) . '}', $out, $slug);
	return { id => $id, key => $key, secret => 'whsec_' . encode_base64($key, '') };
}

# A receiver is a forked process on 127.0.0.1 that appends each request
# (headers, body, arrival time) as a JSON line to its file and answers
# with the status in its mode file, or, in mode "hang", reads the request
# and never answers. It lives at most 10 minutes.
my @receivers;

sub receiver {
	my ($dir, $name, $mode) = @_;
	my $file = "$dir/recv-$name.jsonl";
	open my $fh, '>', "$file.mode" or die; print $fh $mode; close $fh;
	open $fh, '>', $file or die; close $fh;
	my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Listen => 32, ReuseAddr => 1, Proto => 'tcp') or die "listen: $!";
	my $port = $l->sockport;
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		$SIG{ALRM} = sub { POSIX::_exit(0) };
		alarm 600;
		my @held;
		while (my $c = $l->accept) {
			my ($head, $body) = ('', '');
			while (defined(my $line = <$c>)) {
				last if $line eq "\r\n";
				$head .= $line;
			}
			my ($req, @lines) = split /\r\n/, $head;
			my %h;
			for (@lines) { my ($k, $v) = /^([^:]+):\s*(.*)$/ or next; $h{lc $k} = $v }
			read($c, $body, $h{'content-length'} // 0) if $h{'content-length'};
			open my $out, '>>', $file or POSIX::_exit(1);
			print $out encode_json({ request => $req // '', headers => \%h, body => $body,
			    raw => $head . "\r\n" . $body, at => time }) . "\n";
			close $out;
			open my $m, '<', "$file.mode" or POSIX::_exit(1);
			my $mode = <$m>; close $m;
			if ($mode eq 'hang') { push @held, $c; next }
			print $c "HTTP/1.1 $mode Status\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
			close $c;
		}
		POSIX::_exit(0);
	}
	close $l;
	my $r = { name => $name, pid => $pid, port => $port, file => $file,
		  url => "http://127.0.0.1:$port/hook/$name?k=v" };
	push @receivers, $r;
	return $r;
}

sub set_mode {
	my ($r, $mode) = @_;
	open my $fh, '>', "$r->{file}.mode" or die; print $fh $mode; close $fh;
}

sub requests {
	my ($r) = @_;
	open my $fh, '<', $r->{file} or return ();
	return map { decode_json($_) } grep { /\S/ } <$fh>;
}

END { local $?; kill 'KILL', $_->{pid} for @receivers; waitpid($_->{pid}, 0) for @receivers }

1;
