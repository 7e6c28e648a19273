#!/usr/bin/env perl
# Organizations over HTTP against the whole stack: creation (the creator
# becomes the active owner, with audit events in the same transaction),
# the slug and name rules, a race for one slug, the roster page and its row
# markers, no probing of names by non-members, sign-in for anonymous
# visitors, the dashboard list, escaping of hostile names and the audit
# trail page.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use Roster::Test;
use Roster::Flows;

my $s = Roster::Test->start;

sub orgs { $s->sql_one('SELECT count(*) FROM organizations') }
sub memberships { $s->sql_one('SELECT count(*) FROM memberships') }

# The attributes of every element carrying data-member-id, as hashes.
sub member_rows {
	my ($html) = @_;
	my @rows;
	while ($html =~ /<tr\b([^>]*\bdata-member-id="[^"]*"[^>]*)>/g) {
		my $attrs = $1;
		my %a = $attrs =~ /\b(data-[\w-]+)="([^"]*)"/g;
		$a{$_} = Roster::Test::UA::html_unescape($a{$_}) for keys %a;
		push @rows, \%a;
	}
	return @rows;
}

my ($ann, $ann_id) = new_user($s, 'ann@example.com', name => 'Ann Owner');
my ($bob, $bob_id) = new_user($s, 'bob@example.com', name => 'Bob Outsider');

# ---- creation -------------------------------------------------------------------------
my $res = $ann->get('/orgs/new');
is $res->{status}, 200, 'GET /orgs/new answers 200';
is $ann->page($res), 'org-new', 'page org-new';
like $res->{content}, qr{<form\b[^>]*method="post"[^>]*action="/orgs"}i, 'with a form posting to /orgs';
like $res->{content}, qr{name="name"}, '  a name field';
like $res->{content}, qr{name="slug"}, '  a slug field';
security_headers_ok($res, 'the new-organization page');

$res = $ann->post_form('/orgs', { name => 'Acme Inc', slug => 'acme' });
is $res->{status}, 303, 'POST /orgs answers 303';
is $ann->location($res), '/orgs/acme', 'to /orgs/acme';
security_headers_ok($res, 'the creation redirect');
$res = follow_redirect($ann, $res);
is $res->{status}, 200, 'the organization page answers 200';
is $ann->page($res), 'org-members', 'page org-members';
is $ann->flash($res), 'org-created', 'with flash org-created';

my ($org_id, $slug, $name, $created_by) = @{ ($s->psql('SELECT id, slug, name, created_by FROM organizations'))[0] // [] };
ok $org_id, 'an organizations row exists';
is $slug, 'acme', '  slug acme';
is $name, 'Acme Inc', '  name Acme Inc';
my @m = $s->psql('SELECT id, user_id, role, status, source FROM memberships WHERE organization_id = ?', $org_id);
is scalar(@m), 1, 'one memberships row';
my ($mid, $muser, $mrole, $mstatus, $msource) = @{ $m[0] // [] };
is $muser, $ann_id, '  for the creator';
is $mrole, 'owner', '  role owner';
is $mstatus, 'active', '  status active';
is $msource, 'creator', '  source creator';
is $s->sql_one("SELECT count(*) FROM audit_events WHERE action = 'organization.created' AND organization_id = ? "
    . "AND actor_user_id = ? AND subject_type = 'organization' AND subject_id = ?", $org_id, $ann_id, $org_id), 1,
    'audit event organization.created (actor, organization, subject)';
is $s->sql_one("SELECT count(*) FROM audit_events WHERE action = 'membership.created' AND organization_id = ? "
    . "AND actor_user_id = ? AND subject_type = 'membership' AND subject_id = ?", $org_id, $ann_id, $mid), 1,
    'audit event membership.created for the owner membership';
is $s->sql_one("SELECT count(DISTINCT at) FROM audit_events WHERE organization_id = ?", $org_id), 1,
    'both events carry one transaction time';

# ---- the roster ------------------------------------------------------------------------------
my @rows = member_rows($res->{content});
is scalar(@rows), 1, 'the roster has one member row';
my $row = $rows[0] // {};
is $row->{'data-member-id'}, $mid, '  data-member-id is memberships.id';
is $row->{'data-user-id'}, $ann_id, '  data-user-id is users.id';
is $row->{'data-email'}, 'ann@example.com', '  data-email';
is $row->{'data-role'}, 'owner', '  data-role owner';
is $row->{'data-status'}, 'active', '  data-status active';
like $res->{content}, qr{action="/orgs/acme/invitations"}, 'the owner sees the invite form';
$res = $ann->get('/orgs/acme');
is $ann->flash($res), undef, 'the flash shows once';

# A plain member (made in the database: adding members is another feature).
my ($carl, $carl_id) = new_user($s, 'carl@example.com', name => 'Carl Member');
$s->psql("INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at) "
    . "VALUES (?, ?, 'member', 'active', 'invitation', now())", $org_id, $carl_id);
$res = $carl->get('/orgs/acme');
is $res->{status}, 200, 'a member sees the organization';
is $carl->page($res), 'org-members', '  page org-members';
my %by_user = map { $_->{'data-user-id'} => $_ } member_rows($res->{content});
is_deeply [ sort keys %by_user ], [ sort ($ann_id, $carl_id) ], '  both members are listed';
is $by_user{$carl_id}{'data-role'}, 'member', '  Carl as member';
unlike $res->{content}, qr{action="/orgs/acme/invitations"}, '  without the invite form';
$res = $carl->get('/');
is scalar(() = $res->{content} =~ /data-org-slug="acme"/g), 1, "  and Acme is on Carl's dashboard";

# ---- slug and name rules ------------------------------------------------------------------------
my $before = orgs();
my $mbefore = memberships();
for my $bad ('A', 'a', 'a' x 41, 'a_b', 'ab c', 'Acme', '', 'ab/c', '../ab', "ab\tc", 'ab.c', "\xc3\xa9t\xc3\xa9", 'ab%20c') {
	my $shown = $bad =~ s/\t/\\t/r;
	$res = $ann->post_form('/orgs', { name => 'Bad Slug', slug => $bad });
	is $res->{status}, 422, "slug '$shown' is 422";
	is $ann->page($res), 'org-new', '  the form again';
	is_deeply [ $ann->errors($res) ], ['invalid-slug'], '  data-error invalid-slug';
}
is orgs(), $before, 'no organization was created';
is memberships(), $mbefore, 'and no membership';

$res = $ann->post_form('/orgs', { name => 'Acme Again', slug => 'acme' });
is $res->{status}, 409, 'a taken slug is 409';
is_deeply [ $ann->errors($res) ], ['slug-taken'], 'data-error slug-taken';
is $ann->page($res), 'org-new', '  the form again';
like $res->{content}, qr{value="Acme Again"}, '  keeping the name typed';
$bob->get('/orgs/new');
$res = $bob->post_form('/orgs', { name => 'Acme Bob', slug => 'acme' });
is $res->{status}, 409, 'also for another user';
is orgs(), $before, 'no organization was created';

for my $case ([ 'an empty name' => '' ], [ 'a name of blanks' => "  \t " ], [ 'a 101-character name' => 'n' x 101 ],
	      [ 'a name with a control character' => "Acme\x01" ]) {
	my ($what, $nm) = @$case;
	$res = $ann->post_form('/orgs', { name => $nm, slug => 'fresh' });
	is $res->{status}, 422, "$what is 422";
	is_deeply [ $ann->errors($res) ], ['invalid-name'], '  data-error invalid-name';
}
is orgs(), $before, 'no organization was created';
is memberships(), $mbefore, 'and no membership';

for my $good ('ab', 'b' x 40, 'a-1', '0-0', '--') {
	$res = $ann->post_form('/orgs', { name => "Good $good", slug => $good });
	is $res->{status}, 303, "slug '$good' is accepted";
	is $ann->location($res), "/orgs/$good", "  to /orgs/$good";
}
$res = $ann->post_form('/orgs', { name => '  Trimmed Name  ', slug => 'trimmed' });
is $res->{status}, 303, 'a name with blanks around is accepted';
is $s->sql_one("SELECT name FROM organizations WHERE slug = 'trimmed'"), 'Trimmed Name', '  and stored trimmed';

# Two owners race for one slug: exactly one wins.
my $dora = (new_user($s, 'dora@example.com'))[0];
my %pids;
for my $who ([ ann => $ann ], [ dora => $dora ]) {
	my ($n, $ua) = @$who;
	$ua->get('/orgs/new');
	pipe(my $r, my $w) or die "pipe: $!";
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		close $r;
		my $st = eval { $ua->post_form('/orgs', { name => "Race $n", slug => 'race' })->{status} } // 0;
		print $w "$st\n";
		close $w;
		POSIX::_exit(0);
	}
	close $w;
	$pids{$pid} = $r;
}
my @st;
for my $pid (keys %pids) {
	my $fh = $pids{$pid};
	my $line = <$fh>;
	waitpid $pid, 0;
	push @st, ($line // '') =~ /(\d+)/ ? $1 : 0;
}
is_deeply [ sort @st ], [ 303, 409 ], 'two concurrent creations of one slug: one 303, one 409';
is $s->sql_one("SELECT count(*) FROM organizations WHERE slug = 'race'"), 1, '  one organization';
is $s->sql_one("SELECT count(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id "
    . "WHERE o.slug = 'race'"), 1, '  with one owner';
is $s->sql_one("SELECT count(*) FROM audit_events e JOIN organizations o ON o.id = e.organization_id "
    . "WHERE o.slug = 'race'"), 2, '  and the two audit events of one creation';

# ---- non-members and anonymous visitors -----------------------------------------------------------
my $exists = $bob->get('/orgs/acme');
my $missing = $bob->get('/orgs/no-such-org');
is $exists->{status}, 404, 'a signed-in non-member gets 404 for an existing organization';
is $missing->{status}, 404, 'and for a missing one';
is $bob->page($exists), $bob->page($missing), 'the same page';
is blank_volatile($exists->{content}), blank_volatile($missing->{content}), 'byte for byte';
unlike $exists->{content}, qr/Acme Inc|ann\@example\.com/, 'naming nothing of the organization';
security_headers_ok($exists, 'the 404');
for my $path ('/orgs/acme/audit', '/orgs/no-such-org/audit', '/orgs/ACME', '/orgs/a') {
	$res = $bob->get($path);
	is $res->{status}, 404, "a non-member gets 404 for $path";
	is blank_volatile($res->{content}), blank_volatile($missing->{content}), '  the same page';
}
$bob->get('/');
$before = $s->sql_one('SELECT count(*) FROM invitations');
$res = $bob->post_form('/orgs/acme/invitations', { email => 'x@example.com', role => 'member' });
is $res->{status}, 404, 'a non-member cannot invite (404)';
is $s->sql_one('SELECT count(*) FROM invitations'), $before, '  nothing written';
$res = $bob->get('/');
unlike $res->{content}, qr/data-org-slug="acme"/, "Acme is not on Bob's dashboard";

my $anon = $s->ua;
for my $path ('/orgs/acme', '/orgs/no-such-org', '/orgs/acme/audit', '/orgs/no-such-org/audit', '/orgs/new') {
	$res = $anon->get($path);
	is $res->{status}, 303, "anonymous GET $path answers 303";
	my $want = '/login?next=' . ($path =~ s{/}{%2F}gr);
	is $res->{headers}{location}, $want, "  to $want";
}
$anon->get('/login');
$before = orgs();
$res = $anon->post_form('/orgs', { name => 'Anon', slug => 'anon' });
is $res->{status}, 303, 'an anonymous POST /orgs is sent to sign in';
is $anon->location($res), '/login?next=%2Forgs', '  to /login?next=%2Forgs';
is orgs(), $before, '  and creates nothing';
for my $path ('/orgs/acme/invitations', '/orgs/no-such-org/invitations') {
	my $bare = $s->ua;
	my $invs = $s->sql_one('SELECT count(*) FROM invitations');
	$res = $bare->post($path, { email => 'x@example.com', role => 'member' });
	is $res->{status}, 303, "an anonymous POST $path without a form token is sent to sign in";
	like $bare->location($res) // '', qr{^/login\?next=}, '  to /login';
	is $s->sql_one('SELECT count(*) FROM invitations'), $invs, '  and writes nothing';
}

# ---- dashboard ---------------------------------------------------------------------------------------
$res = $ann->get('/');
is $ann->page($res), 'dashboard', "Ann's dashboard";
like $res->{content}, qr{<li\b[^>]*data-org-slug="acme"[^>]*data-role="owner"[^>]*>\s*<a href="/orgs/acme">Acme Inc</a>},
    'lists Acme with her role and a link';
my @slugs = $res->{content} =~ /data-org-slug="([^"]*)"/g;
my %listed;
$listed{$_}++ for @slugs;
is_deeply [ sort keys %listed ], [ sort map { $_->[0] } $s->psql(
    'SELECT o.slug FROM organizations o JOIN memberships m ON m.organization_id = o.id WHERE m.user_id = ?', $ann_id) ],
    'it lists exactly the organizations she belongs to';
is_deeply [ grep { $listed{$_} > 1 } sort keys %listed ], [], 'each of them once'
    or diag('listed ' . join(', ', map { "$_ x$listed{$_}" } sort keys %listed));

# ---- escaping ---------------------------------------------------------------------------------------------
my $evil = q{<script>alert("x")</script> & "quotes" 'apos' <img src=x onerror=alert(1)>};
my ($mal, $mal_id) = new_user($s, 'mal@example.com', name => q{<b onmouseover="alert(1)">Mal</b>});
$mal->get('/orgs/new');
$res = $mal->post_form('/orgs', { name => $evil, slug => 'bad slug' });
is $res->{status}, 422, 'a hostile name with a bad slug is 422';
unlike $res->{content}, qr/<script>|<img src=x|<b onmouseover/, 'the re-shown form escapes it';
like $res->{content}, qr/&lt;script&gt;alert\((?:&quot;|&#34;|&#x22;)x(?:&quot;|&#34;|&#x22;)\)&lt;\/script&gt;/,
    '  as entities';
$res = $mal->post_form('/orgs', { name => $evil, slug => 'evil' });
is $res->{status}, 303, 'an organization with a hostile name is created';
is $s->sql_one("SELECT name FROM organizations WHERE slug = 'evil'"), $evil, 'the name is stored as typed';
$res = follow_redirect($mal, $res);
is $mal->page($res), 'org-members', 'its page';
unlike $res->{content}, qr/<script>|<img src=x|<b onmouseover/, 'renders no raw markup from the name or the user';
like $res->{content}, qr/&lt;script&gt;/, '  the name is escaped';
like $res->{content}, qr/&lt;b onmouseover=(?:&quot;|&#34;|&#x22;)alert\(1\)/, '  the display name is escaped';
unlike $res->{content}, qr/"quotes"|'apos'/, '  quotes are escaped';
$res = $mal->get('/');
unlike $res->{content}, qr/<script>|<img src=x|<b onmouseover/, 'the dashboard escapes it too';
like $res->{content}, qr/&lt;script&gt;/, '  and shows it';
$res = $mal->get('/orgs/evil/audit');
unlike $res->{content}, qr/<script>|<img src=x|<b onmouseover/, 'so does the audit page';

# ---- audit trail page ----------------------------------------------------------------------------------------
$res = $ann->get('/orgs/acme/audit');
is $res->{status}, 200, 'the owner gets the audit page';
is $ann->page($res), 'org-audit', 'page org-audit';
my @actions = $res->{content} =~ /data-action="([^"]*)"/g;
ok((grep { $_ eq 'organization.created' } @actions), 'it shows organization.created');
ok((grep { $_ eq 'membership.created' } @actions), 'it shows membership.created');
is scalar(@actions), $s->sql_one('SELECT count(*) FROM audit_events WHERE organization_id = ?', $org_id),
    'one row per event of this organization';
like $res->{content}, qr/Ann Owner|ann\@example\.com/, 'naming the actor';
$res = $mal->get('/orgs/evil/audit');
my @mal_actions = $res->{content} =~ /data-action="([^"]*)"/g;
is scalar(@mal_actions), 2, "another organization's audit page shows only its own two events";

done_testing;
