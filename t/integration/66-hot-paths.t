#!/usr/bin/env perl
# What the hot requests cost the database, and the writes they no longer
# make (docs/performance.md). With PostgreSQL's log_statement = all, the
# statements the application's role runs for one request are counted: each
# is one round trip. The counts are upper bounds, so a change that removes
# work passes and one that adds a round trip fails here and must say why
# in docs/performance.md. Nothing is timed.
#
# Then the work removed must not have removed a check: accepting with an
# address already confirmed leaves the user's row unwritten (no new row
# version), while an unconfirmed one is confirmed; the link page, now one
# statement, still sees at once a revocation, an inviter's demotion and an
# account made for the address after the link was first shown.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Time::HiRes qw(sleep);

my $s = Roster::Test->start(workers => 1);

my $owner = person($s, 'olga@example.com', 'Olga Owner');
new_org($owner, 'Acme', 'acme');
new_org($owner, "Other $_", "other$_") for 1 .. 3;
my $link = invite_ok($s, $owner, 'acme', 'ivy@example.com');
my $taker = person($s, 'tom@example.com', 'Tom Taker', confirm => 1);
my @accepts = map { invite_ok($s, $owner, "other$_", 'tom@example.com') } 1 .. 2;
my $unconfirmed = person($s, 'uma@example.com', 'Uma Unconfirmed');
my $uma_inv = invite_ok($s, $owner, 'other3', 'uma@example.com');
my @signups = map { invite_ok($s, $owner, "other$_", "new$_\@example.com") } 1 .. 2;
# The mailer shares the application's role: stopped, it runs nothing.
$s->stop_mailer;

my $app = $s->db_role('app');
$s->psql(q{ALTER SYSTEM SET log_statement = 'all'});
# %v, the virtual transaction id: statements sent in one pipeline (one
# Sync, one implicit transaction) share it, so they are one round trip.
$s->psql(q{ALTER SYSTEM SET log_line_prefix = '%m [%p] %v %u '});
$s->psql(q{SELECT pg_reload_conf()});
my $log = $s->state_dir . '/log/postgres.log';

# The statements of the application's role in the log from byte $pos on;
# in list context each as [ text, virtual transaction id ].
my @vxid;
sub logged_since {
	my ($pos) = @_;
	open my $fh, '<', $log or die "$log: $!\n";
	seek $fh, $pos, 0;
	my @st;
	@vxid = ();
	while (<$fh>) {
		next unless /\] (\S*) \Q$app\E (?:LOG|ERROR):\s+(?:statement|execute [^:]*):\s*(.*)/;
		push @st, $2;
		push @vxid, $1;
	}
	return @st;
}

# Round trips of the statements last read: outside BEGIN ... COMMIT, a
# statement of the same virtual transaction as the one before it went in
# the same pipeline.
sub round_trips {
	my (@st) = @_;
	my ($n, $tx) = (0, 0);
	for my $i (0 .. $#st) {
		$tx = 1 if $st[$i] =~ /^\s*BEGIN/i;
		$n++ unless !$tx && $i > 0 && $vxid[$i] ne '' && $vxid[$i] eq $vxid[ $i - 1 ];
		$tx = 0 if $st[$i] =~ /^\s*(?:COMMIT|ROLLBACK)/i;
	}
	return $n;
}

# Runs $run and returns the statements it cost, once the server has
# logged them: a marker statement of the superuser, logged after them,
# says the log has caught up (bounded wait).
sub statements {
	my ($run) = @_;
	my $pos = -s $log;
	$run->();
	my $mark = 'mark_' . int(rand(1e9));
	$s->psql("SELECT '$mark'");
	for (1 .. 50) {
		open my $fh, '<', $log or die "$log: $!\n";
		local $/;
		my $all = <$fh>;
		last if index($all, $mark, $pos) >= 0;
		sleep 0.1;
	}
	return logged_since($pos);
}

# Each case: a setup (a page fetched for its CSRF token, not counted), the
# request counted, the bound. Each runs once before it is counted, so its
# statements are prepared on the worker's connection as under load.
my @cases = (
	[ 'GET /invitations/accept, signed out', 1, sub {
		my $ua = $s->ua;
		return (sub { $ua->clear_cookies }, sub {
			my $r = $ua->get($link->{path});
			is $ua->page($r), 'invitation-signup', '... the sign-up page';
		});
	} ],
	# session, organization with my membership, then one pipeline:
	# members, invitations, invite links (3 round trips)
	[ 'GET /orgs/{slug}', 5, sub {
		return (sub { }, sub {
			my $r = $owner->get('/orgs/acme');
			is $owner->page($r), 'org-members', '... the roster';
		});
	} ],
	[ 'POST /orgs/{slug}/invitations', 17, sub {
		my $n = 0;
		return (sub { $owner->get('/orgs/acme') }, sub {
			$n++;
			my $r = $owner->post_form('/orgs/acme/invitations',
			    { email => "fresh$n\@example.com", role => 'member' });
			is $r->{status}, 303, '... invited';
		});
	} ],
	[ 'POST /invitations/accept', 7, sub {
		my $n = 0;
		return (sub { $taker->get($accepts[$n]{path}) }, sub {
			my $inv = $accepts[ $n++ ];
			my $r = $taker->post_form('/invitations/accept', { token => $inv->{token} });
			is $r->{status}, 303, '... accepted';
		});
	} ],
	[ 'POST /invitations/accept/signup', 10, sub {
		my ($n, $ua) = (0);
		return (sub { $ua = $s->ua; $ua->get($signups[$n]{path}) }, sub {
			my $inv = $signups[ $n++ ];
			my $r = $ua->post_form('/invitations/accept/signup',
			    { token => $inv->{token}, display_name => 'New', password => PASSWORD });
			is $r->{status}, 303, '... signed up and accepted';
		});
	} ],
);

my $tom = user_id($s, 'tom@example.com');
my $tom_xmin = $s->sql_one('SELECT xmin FROM users WHERE id = ?', $tom);
for my $c (@cases) {
	my ($name, $bound, $make) = @$c;
	my ($setup, $run) = $make->();
	$setup->();
	$run->();
	$setup->();
	my @st = statements($run);
	cmp_ok scalar(@st), '<=', $bound, "$name: at most $bound statements"
	    or diag join "\n", map { substr($_, 0, 120) } @st;
	cmp_ok scalar(@st), '>=', 1, "$name: the log was read";
	my $rt = $name eq 'GET /orgs/{slug}' ? 3 : $bound;
	cmp_ok round_trips(@st), '<=', $rt, "$name: at most $rt round trips"
	    or diag join "\n", map { "$vxid[$_] " . substr($st[$_], 0, 100) } 0 .. $#st;
}

# ---- writes that need not happen ----------------------------------------------------
is $s->sql_one('SELECT xmin FROM users WHERE id = ?', $tom), $tom_xmin,
    'two acceptances with a confirmed address left the user row unwritten';
is $s->sql_one(q{SELECT count(*) FROM memberships m JOIN organizations o
    ON o.id = m.organization_id WHERE m.user_id = ? AND o.slug IN ('other1', 'other2')
    AND m.status = 'active'}, $tom), 2, '... and made the memberships';
is $s->sql_one(q{SELECT string_agg(action, ',' ORDER BY id) FROM audit_events
    WHERE actor_user_id = ? AND action IN ('invitation.accepted', 'membership.created')}, $tom),
    'invitation.accepted,membership.created,invitation.accepted,membership.created',
    '... with both audit events of each, in order';

my $uma = user_id($s, 'uma@example.com');
ok !user_confirmed($s, 'uma@example.com'), 'uma starts unconfirmed';
$unconfirmed->get($uma_inv->{path});
my $res = $unconfirmed->post_form('/invitations/accept', { token => $uma_inv->{token} });
is $res->{status}, 303, 'an unconfirmed address accepts';
ok user_confirmed($s, 'uma@example.com'), '... and the link confirmed it';

# ---- the one-statement link page still judges everything at once ------------------
my $anon = $s->ua;
my $r = $anon->get($link->{path});
is $anon->page($r), 'invitation-signup', 'the link: the sign-up page';
like $r->{content}, qr/data-action="sign-up"|action="\/invitations\/accept\/signup"/, '... with the sign-up form';
unlike $r->{content}, qr/already has a Roster account/, '... not told of an account';
person($s, 'ivy@example.com', 'Ivy');
$anon->clear_cookies;
$r = $anon->get($link->{path});
like $r->{content}, qr/already has a Roster account/, 'an account made since: the link says so at once';
unlike $r->{content}, qr/action="\/invitations\/accept\/signup"/, '... and no sign-up form';
my $olga = user_id($s, 'olga@example.com');
my $acme = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
$s->psql(q{UPDATE memberships SET role = 'member' WHERE organization_id = ? AND user_id = ?}, $acme, $olga);
$anon->clear_cookies;
$r = $anon->get($link->{path});
is $r->{status}, 410, 'the inviter demoted below admin: 410 at once';
is $anon->page($r), 'invitation-revoked', '... the revoked page';
is(($anon->errors($r))[0], 'invitation-revoked', '... invitation-revoked');
$s->psql(q{UPDATE memberships SET role = 'owner' WHERE organization_id = ? AND user_id = ?}, $acme, $olga);
$anon->clear_cookies;
$r = $anon->get($link->{path});
is $r->{status}, 200, 'promoted back: the link works again';
$s->psql(q{UPDATE invitations SET revoked_at = now() WHERE id = ?}, $link->{id});
$anon->clear_cookies;
$r = $anon->get($link->{path});
is $r->{status}, 410, 'revoked: 410 at once';
is(($anon->errors($r))[0], 'invitation-revoked', '... invitation-revoked');

done_testing;
