package Roster::Invite;

# Flows and checks shared by the integration tests of organization
# invitations (t/integration/50-53): people and organizations set up over
# HTTP, invitations sent and their links read from the mail, the link
# envelope taken apart, snapshots of the rows an operation may write (to
# show that it wrote nothing), the rows of the lists, Prometheus counters,
# and the search of a pg_dump and of the server logs for tokens. Builds on
# Roster::Test; core Perl modules only.
#
#   use Roster::Invite;
#   my $owner = person($s, 'olga@example.com', 'Olga');
#   new_org($owner, 'Acme', 'acme');
#   my $inv = invite_ok($s, $owner, 'acme', 'bob@example.com', 'member');
#   my $before = snapshot($s);
#   $s->ua->get($inv->{path});
#   is snapshot($s), $before, 'a GET writes nothing';
#
# Setup helpers die on an unexpected answer: a broken precondition fails
# the test loudly instead of letting later checks pass by accident.

use strict;
use warnings;

use Carp qw(croak);
use Digest::SHA qw(sha256_hex);
use Exporter qw(import);
use MIME::Base64 qw(decode_base64 encode_base64);
use POSIX ();
use Test::More ();
use Time::HiRes qw(sleep time);

our @EXPORT = qw(
	PASSWORD go person confirm_email login_ua new_org org_page invite
	invite_ok invitation_mail join_by_signup token_of envelope_parts b64url_encode
	b64url_decode snapshot counts inv_row user_id user_confirmed
	invitation_rows list_ids form_actions metric_value metrics
	audit_count pg_dump_text secrets_ok eventually clone_ua query_param race
	uri_unescape
);

use constant PASSWORD => 'correct horse battery';

# GETs the Location of a redirect (any 30x, 303 included).
sub go {
	my ($ua, $res) = @_;
	$res //= $ua->last;
	croak "go: status $res->{status} is not a redirect" unless $res->{status} =~ /^30\d$/;
	my $loc = $ua->location($res) // croak 'go: no Location';
	return $ua->get($loc);
}

# A new signed-in person (a fresh ua); with confirm => 1 the address is
# confirmed through the mailed link.
sub person {
	my ($s, $email, $name, %o) = @_;
	my $ua = $s->ua;
	my $res = $ua->signup($email, PASSWORD, $name // 'Someone');
	croak "signup of $email: status $res->{status}" unless $res->{status} == 303;
	confirm_email($s, $ua, $email) if $o{confirm};
	return $ua;
}

# Confirms an address through the confirmation mail (GET shows a button,
# POST /confirm consumes the token).
sub confirm_email {
	my ($s, $ua, $email) = @_;
	my $m = $s->wait_for_mail(to => $email, subject => qr/confirm/i)
	    or croak "no confirmation mail for $email";
	my $tok = token_of($m->{link}) // croak "no token in $m->{link}";
	$ua->get("/confirm?token=$tok");
	my $res = $ua->post_form('/confirm', { token => $tok });
	my $page = $ua->page($res) // '';
	croak "confirming $email: $res->{status} $page" unless $page eq 'email-confirmed';
	return 1;
}

# A fresh ua signed in as email (another session of the same user).
sub login_ua {
	my ($s, $email) = @_;
	my $ua = $s->ua;
	my $res = $ua->login($email, PASSWORD);
	croak "login of $email: status $res->{status}" unless $res->{status} == 303;
	return $ua;
}

# A new ua carrying the cookies of ua (same session, own connection).
sub clone_ua {
	my ($s, $ua) = @_;
	my $c = $s->ua;
	$c->set_cookie($_, $ua->cookie($_)) for $ua->cookie_names;
	return $c;
}

sub new_org {
	my ($ua, $name, $slug) = @_;
	$ua->get('/orgs/new');
	my $res = $ua->post_form('/orgs', { name => $name, slug => $slug });
	croak "creating $slug: status $res->{status}" unless $res->{status} == 303;
	return $res;
}

# GET /orgs/{slug}: the roster (and a fresh CSRF token).
sub org_page {
	my ($ua, $slug) = @_;
	return $ua->get("/orgs/$slug");
}

# POST /orgs/{slug}/invitations after fetching the roster for its form.
sub invite {
	my ($ua, $slug, $email, $role) = @_;
	org_page($ua, $slug);
	return $ua->post_form("/orgs/$slug/invitations",
	    { email => $email, role => $role // 'member' });
}

# Invites and returns the invitation: { id, token, link, path, email,
# mail }. Dies unless the POST answered 303 and the mail came.
sub invite_ok {
	my ($s, $ua, $slug, $email, $role) = @_;
	my $res = invite($ua, $slug, $email, $role);
	croak "inviting $email to $slug: status $res->{status} (" .
	    join(',', $ua->errors($res)) . ')' unless $res->{status} == 303;
	return invitation_mail($s, $email);
}

# Waits for the next invitation mail to email; returns what invite_ok does.
sub invitation_mail {
	my ($s, $email, %o) = @_;
	my $m = $s->wait_for_mail(to => $email, subject => qr/ invited you to join /,
	    timeout => $o{timeout} // 15)
	    or croak "no invitation mail for $email";
	my $tok = token_of($m->{link}) // croak "no token in the link of the mail to $email";
	my ($raw) = envelope_parts($tok);
	my $id = $s->sql_one('SELECT id FROM invitations WHERE hashed_token = ?',
	    '\\x' . sha256_hex($raw // ''));
	return { id => $id, token => $tok, link => $m->{link},
		 path => "/invitations/accept?token=$tok", email => lc $email, mail => $m };
}

# Follows an invitation link anonymously and signs up through it; returns
# the new person's ua, signed in. Dies unless that answered 303.
sub join_by_signup {
	my ($s, $inv, $name) = @_;
	my $ua = $s->ua;
	my $res = $ua->get($inv->{path});
	croak "the link of $inv->{email}: status $res->{status}" unless $res->{status} == 200;
	$res = $ua->post_form('/invitations/accept/signup',
	    { token => $inv->{token}, display_name => $name // 'Someone', password => PASSWORD });
	croak "signing up through the link of $inv->{email}: status $res->{status} (" .
	    join(',', $ua->errors($res)) . ')' unless $res->{status} == 303;
	return $ua;
}

sub uri_unescape {
	my ($v) = @_;
	return undef unless defined $v;
	$v =~ tr/+/ /;
	$v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
	return $v;
}

# A parameter of a URL's query string, decoded.
sub query_param {
	my ($url, $name) = @_;
	my ($q) = ($url // '') =~ /\?([^#]*)/ or return undef;
	for my $pair (split /&/, $q) {
		my ($k, $v) = split /=/, $pair, 2;
		return uri_unescape($v // '') if uri_unescape($k) eq $name;
	}
	return undef;
}

sub token_of { query_param($_[0], 'token') }

sub b64url_decode {
	my ($s) = @_;
	return undef unless defined $s && $s =~ /\A[A-Za-z0-9_-]*\z/;
	(my $t = $s) =~ tr/-_/+\//;
	$t .= '=' x ((4 - length($t) % 4) % 4);
	return decode_base64($t);
}

sub b64url_encode {
	my ($b) = @_;
	my $t = encode_base64($b, '');
	$t =~ tr/+\//-_/;
	$t =~ s/=+\z//;
	return $t;
}

# The parts of a link envelope (version 1: version, expiry, email length,
# email, 32-byte raw token, 32-byte MAC): (raw token, email, expires,
# version, mac), or () when it does not have that shape.
sub envelope_parts {
	my ($tok) = @_;
	my $b = b64url_decode($tok) // return ();
	return () if length($b) < 10;
	my ($ver, $hi, $lo, $elen) = unpack 'C N N C', $b;
	return () if length($b) != 10 + $elen + 64;
	my $email = substr($b, 10, $elen);
	my $raw = substr($b, 10 + $elen, 32);
	my $mac = substr($b, 10 + $elen + 32, 32);
	return ($raw, $email, $hi * 4294967296 + $lo, $ver, $mac);
}

# Row counts of the tables an invitation operation may write, and a digest
# of every invitation's and user's state: equal snapshots mean no write.
sub snapshot {
	my ($s) = @_;
	my ($row) = $s->psql(q{
		SELECT (SELECT count(*) FROM users),
		       (SELECT count(*) FROM memberships),
		       (SELECT count(*) FROM invitations),
		       (SELECT count(*) FROM audit_events),
		       (SELECT count(*) FROM outbox),
		       (SELECT count(*) FROM sessions),
		       (SELECT md5(coalesce(string_agg(concat_ws(',', id, email, role,
			   accepted_at, accepted_by, revoked_at, declined_at, expires_at,
			   replaced_by), ';' ORDER BY id), '')) FROM invitations),
		       (SELECT md5(coalesce(string_agg(concat_ws(',', id, email,
			   email_confirmed_at), ';' ORDER BY id), '')) FROM users),
		       (SELECT md5(coalesce(string_agg(concat_ws(',', id, role, status,
			   source), ';' ORDER BY id), '')) FROM memberships)
	});
	my @n = qw(users memberships invitations audit_events outbox sessions
		   invitation_states user_states membership_states);
	return join ' ', map { "$n[$_]=$row->[$_]" } 0 .. $#n;
}

# Row counts of the main tables, as a hash.
sub counts {
	my ($s) = @_;
	my %c;
	for my $t (qw(users memberships invitations audit_events outbox sessions)) {
		$c{$t} = $s->sql_one("SELECT count(*) FROM $t");
	}
	return \%c;
}

# One invitation as a hash (NULL columns read as '').
sub inv_row {
	my ($s, $id) = @_;
	my @c = qw(id organization_id email role expires_at accepted_at accepted_by
		   revoked_at declined_at invited_by replaced_by created_at);
	my ($r) = $s->psql('SELECT ' . join(', ', @c) . ' FROM invitations WHERE id = ?', $id);
	return undef unless $r;
	return { map { $c[$_] => $r->[$_] } 0 .. $#c };
}

sub user_id {
	my ($s, $email) = @_;
	return $s->sql_one('SELECT id FROM users WHERE email = ?', $email);
}

sub user_confirmed {
	my ($s, $email) = @_;
	return $s->sql_one('SELECT email_confirmed_at IS NOT NULL FROM users WHERE email = ?',
	    $email) eq 't';
}

sub audit_count {
	my ($s, $action, $subject_id) = @_;
	return $s->sql_one('SELECT count(*) FROM audit_events WHERE action = ?'
	    . (defined $subject_id ? ' AND subject_id = ?' : ''),
	    $action, defined $subject_id ? $subject_id : ());
}

sub _attrs {
	my ($tag) = @_;
	my %a;
	while ($tag =~ /\b(data-[a-z-]+)\s*=\s*"([^"]*)"/g) {
		$a{$1} = Roster::Test::UA::_html_unescape($2);
	}
	return \%a;
}

# The invitation rows of a page: a list of hashes of their data-*
# attributes (tr elements only).
sub invitation_rows {
	my ($res) = @_;
	my @rows;
	while (($res->{content} // '') =~ /<tr\b([^>]*\bdata-invitation-id\s*=[^>]*)>/g) {
		push @rows, _attrs($1);
	}
	return @rows;
}

# The data-invitation-id values of a page's rows.
sub list_ids {
	my ($res) = @_;
	return map { $_->{'data-invitation-id'} } invitation_rows($res);
}

# The action of every form that POSTs on a page.
sub form_actions {
	my ($res) = @_;
	my @a;
	while (($res->{content} // '') =~ /<form\b([^>]*)>/gi) {
		my $f = $1;
		next unless $f =~ /\bmethod\s*=\s*"?post/i;
		my ($act) = $f =~ /\baction\s*=\s*"([^"]*)"/i;
		push @a, Roster::Test::UA::_html_unescape($act // '');
	}
	return @a;
}

# GET /metrics as a hash of "name{labels}" (and plain "name") to value.
sub metrics {
	my ($s) = @_;
	my $res = $s->ua->get('/metrics');
	croak "/metrics: status $res->{status}" unless $res->{status} == 200;
	my %m;
	for my $l (split /\n/, $res->{content}) {
		next if $l =~ /^#/;
		my ($k, $v) = $l =~ /^(\S+)\s+(\S+)/ or next;
		$m{$k} = $v;
	}
	return \%m;
}

sub metric_value {
	my ($s, $name) = @_;
	return metrics($s)->{$name} // 0;
}

# Runs jobs at once, each in its own process. A job is a sub run in the
# child that prepares (a fresh ua, say) and returns the sub of the request
# itself, which returns ($ua, $response). All children prepare, then wait
# at one gate that opens for all of them together. Returns one hash per
# job, in order: status, page, location, errors (comma-joined), and for a
# redirect the flash and page of the page it leads to (flash, next_page);
# t0 and t1 bracket the request; status 'died' with error when the child
# failed.
sub race {
	my ($s, @jobs) = @_;
	my $dir = $s->state_dir . '/tmp';
	my $tag = $$ . '.' . int(rand 1e9);
	pipe(my $gate_r, my $gate_w) or croak "pipe: $!";
	pipe(my $ready_r, my $ready_w) or croak "pipe: $!";
	my @pids;
	for my $i (0 .. $#jobs) {
		my $pid = fork // croak "fork: $!";
		if (!$pid) {
			close $gate_w;
			close $ready_r;
			my %r;
			my $go = eval { $jobs[$i]->() };
			%r = (status => 'died', error => "prepare: $@") unless $go;
			syswrite $ready_w, 'r';
			close $ready_w;
			my $b;
			1 while !defined sysread($gate_r, $b, 1) && $!{EINTR};
			if ($go) {
				my $ok = eval {
					$r{t0} = time;
					my ($ua, $res) = $go->();
					$r{t1} = time;
					$r{status} = $res->{status};
					$r{page} = $ua->page($res) // '';
					$r{location} = $ua->location($res) // '';
					$r{errors} = join ',', $ua->errors($res);
					if ($res->{status} =~ /^30\d$/ && length $r{location}) {
						my $n = $ua->get($r{location});
						$r{flash} = $ua->flash($n) // '';
						$r{next_page} = $ua->page($n) // '';
					}
					1;
				};
				%r = (status => 'died', error => $@) unless $ok;
			}
			if (open my $fh, '>', "$dir/race.$tag.$i") {
				for my $k (sort keys %r) {
					(my $v = $r{$k} // '') =~ s/[\t\n]/ /g;
					print $fh "$k\t$v\n";
				}
				close $fh;
			}
			POSIX::_exit(0);
		}
		push @pids, $pid;
	}
	close $gate_r;
	close $ready_w;
	my $n = 0;
	while ($n < @jobs) {
		my $got = sysread($ready_r, my $buf, 64);
		next if !defined $got && $!{EINTR};
		last unless $got;
		$n += $got;
	}
	close $ready_r;
	close $gate_w;
	waitpid($_, 0) for @pids;
	my @res;
	for my $i (0 .. $#jobs) {
		my %r = (status => 'lost');
		my $f = "$dir/race.$tag.$i";
		if (open my $fh, '<', $f) {
			%r = ();
			while (my $l = <$fh>) {
				chomp $l;
				my ($k, $v) = split /\t/, $l, 2;
				$r{$k} = $v;
			}
			close $fh;
			unlink $f;
		}
		push @res, \%r;
	}
	return @res;
}

# Polls until $cond returns true; bounded.
sub eventually {
	my ($secs, $cond) = @_;
	my $deadline = time + $secs;
	while (time < $deadline) {
		return 1 if $cond->();
		sleep 0.1;
	}
	return $cond->() ? 1 : 0;
}

# pg_dump of the stack's database (plain SQL, data included), run the way
# the harness runs psql: the cluster's programs, its socket, user roster.
sub pg_dump_text {
	my ($s) = @_;
	my $bin = Roster::Test::pg_bin() // croak 'no PostgreSQL programs';
	my %env = $s->env;
	my $dir = $s->state_dir;
	my $out = "$dir/tmp/dump.$$.sql";
	my $pid = fork // croak "fork: $!";
	if (!$pid) {
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', $out or POSIX::_exit(126);
		open STDERR, '>', "$out.err";
		{ no warnings 'exec';
		  exec "$bin/pg_dump", '--no-owner', '-d', $env{ROSTER_DATABASE_URL}; }
		POSIX::_exit(127);
	}
	waitpid($pid, 0);
	my $st = $? >> 8;
	open my $fh, '<:raw', $out or croak "pg_dump wrote nothing: $!";
	local $/;
	my $text = <$fh>;
	close $fh;
	my $err = do { open my $e, '<', "$out.err"; local $/; <$e> // '' };
	unlink $out, "$out.err";
	croak "pg_dump failed ($st): $err" if $st != 0;
	return $text;
}

# Every encoding a secret could be stored or logged in.
sub _forms_of_raw {
	my ($raw) = @_;
	my $hex = unpack 'H*', $raw;
	return ($hex, uc $hex, encode_base64($raw, ''), b64url_encode($raw));
}

# Checks that no link token of any mail of the stack, and no raw token
# inside one, is readable from a pg_dump of the database or from the
# server logs; and that delivered outbox rows hold no body. Returns the
# number of tokens checked.
sub secrets_ok {
	my ($s, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my (%needles, $n);
	for my $m ($s->mails) {
		for my $l (@{ $m->{links} }) {
			my $t = token_of($l) // next;
			$n++;
			$needles{$t} = "link token to $m->{to}";
			my ($raw) = envelope_parts($t);
			next unless defined $raw;
			$needles{$_} = "raw token to $m->{to}" for _forms_of_raw($raw);
		}
	}
	Test::More::cmp_ok($n // 0, '>=', $o{min} // 1, 'secrets: tokens taken from the mails');
	my $dump = pg_dump_text($s);
	Test::More::like($dump, qr/COPY public\.invitations\b/, 'secrets: pg_dump holds the invitations');
	my @in_dump = grep { index($dump, $_) >= 0 } sort keys %needles;
	Test::More::is(scalar @in_dump, 0, 'secrets: no token or raw token in pg_dump')
	    or Test::More::diag(join "\n", map { "found: $needles{$_}" } @in_dump);
	my $logs = $s->log_text;
	my @in_logs = grep { index($logs, $_) >= 0 } sort keys %needles;
	Test::More::is(scalar @in_logs, 0, 'secrets: no token or raw token in the server logs')
	    or Test::More::diag(join "\n", map { "found: $needles{$_}" } @in_logs);
	Test::More::ok(eventually(15, sub {
		$s->sql_one(q{SELECT count(*) FROM outbox WHERE status = 'queued'}) == 0 }),
	    'secrets: the outbox drained');
	Test::More::cmp_ok($s->sql_one(q{SELECT count(*) FROM outbox WHERE status = 'sent'}),
	    '>', 0, 'secrets: delivered outbox rows exist');
	Test::More::is($s->sql_one(q{SELECT count(*) FROM outbox
	    WHERE status <> 'queued' AND body IS NOT NULL}), 0,
	    'secrets: delivered or failed outbox rows hold no body');
	return $n;
}

1;
