package Roster::Members;

# Helpers shared by the integration tests of member management
# (t/integration/70-72): people made quickly (signed up over HTTP, the
# address confirmed in the database when a test needs it so), memberships
# set up directly in the database, the manager actions posted from the
# roster page (owner-add, role change, removal, leaving), the consent
# posted from the user's list, and the rows the pages and the database
# hold. Builds on Roster::Test and Roster::Invite.
#
#   use Roster::Members;
#   my $bob = member($s, 'bob@example.com', 'Bob', confirmed => 1);
#   my $res = owner_add($owner, 'acme', 'bob@example.com', 'member');
#   my $m = membership_row($s, 'acme', 'bob@example.com');

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use Roster::Invite qw(PASSWORD user_id);

our @EXPORT = qw(
	member org_id membership_row set_membership drop_membership owner_add
	change_role remove_member leave_org consent member_rows owner_add_rows
	owners_of no_write
);

# A new person, signed in (a fresh ua); confirmed => 1 marks the address
# confirmed in the database (no mail round trip).
sub member {
	my ($s, $email, $name, %o) = @_;
	my $ua = $s->ua;
	my $res = $ua->signup($email, PASSWORD, $name // 'Someone');
	croak "signup of $email: status $res->{status}" unless $res->{status} == 303;
	$s->psql(q{UPDATE users SET email_confirmed_at = now() WHERE email = ?}, $email)
	    if $o{confirmed};
	return $ua;
}

sub org_id {
	my ($s, $slug) = @_;
	return $s->sql_one('SELECT id FROM organizations WHERE slug = ?', $slug);
}

# The membership of email in slug as a hash (id, role, status, source,
# added_by), or undef.
sub membership_row {
	my ($s, $slug, $email) = @_;
	my ($r) = $s->psql(q{SELECT m.id, m.role, m.status, m.source, coalesce(m.added_by::text, '')
	    FROM memberships m JOIN users u ON u.id = m.user_id
	    JOIN organizations o ON o.id = m.organization_id
	    WHERE o.slug = ? AND u.email = ?}, $slug, $email);
	return undef unless $r;
	return { id => $r->[0], role => $r->[1], status => $r->[2], source => $r->[3],
		 added_by => $r->[4] };
}

# Makes email an active member of slug with role, directly in the
# database (a test's setup, not the flow under test).
sub set_membership {
	my ($s, $slug, $email, $role) = @_;
	$s->psql(q{INSERT INTO memberships (organization_id, user_id, role, status, source, activated_at)
	    SELECT o.id, u.id, ?, 'active', 'invitation', now() FROM organizations o, users u
	    WHERE o.slug = ? AND u.email = ?
	    ON CONFLICT (organization_id, user_id) DO UPDATE
	    SET role = EXCLUDED.role, status = 'active', activated_at = now()},
	    $role, $slug, $email);
}

sub drop_membership {
	my ($s, $slug, $email) = @_;
	$s->psql(q{DELETE FROM memberships WHERE
	    organization_id = (SELECT id FROM organizations WHERE slug = ?)
	    AND user_id = (SELECT id FROM users WHERE email = ?)}, $slug, $email);
}

# The manager actions, each posted with the CSRF token of a freshly
# fetched roster page (as a person would).
sub owner_add {
	my ($ua, $slug, $email, $role) = @_;
	$ua->get("/orgs/$slug");
	return $ua->post_form("/orgs/$slug/members", { email => $email, role => $role // 'member' });
}

sub change_role {
	my ($ua, $slug, $uid, $role) = @_;
	$ua->get("/orgs/$slug");
	return $ua->post_form("/orgs/$slug/members/$uid/role", { role => $role });
}

sub remove_member {
	my ($ua, $slug, $uid) = @_;
	$ua->get("/orgs/$slug");
	return $ua->post_form("/orgs/$slug/members/$uid/remove", {});
}

sub leave_org {
	my ($ua, $slug) = @_;
	$ua->get("/orgs/$slug");
	return $ua->post_form("/orgs/$slug/leave", {});
}

# POST /me/memberships/{id}/accept or decline, from the user's list.
sub consent {
	my ($ua, $id, $what) = @_;
	$ua->get('/me/invitations');
	return $ua->post_form("/me/memberships/$id/$what", {});
}

sub _attrs {
	my ($tag) = @_;
	my %a;
	while ($tag =~ /\b(data-[a-z-]+)\s*=\s*"([^"]*)"/g) {
		$a{$1} = Roster::Test::UA::_html_unescape($2);
	}
	return \%a;
}

# The rows of a page that carry data-member-id: a list of hashes of their
# data-* attributes, plus "html" (the row's markup).
sub member_rows {
	my ($res) = @_;
	my @rows;
	while (($res->{content} // '') =~ /<tr\b([^>]*\bdata-member-id\s*=[^>]*)>(.*?)<\/tr>/gs) {
		my $a = _attrs($1);
		$a->{html} = $2;
		push @rows, $a;
	}
	return @rows;
}

# The rows awaiting consent on a page.
sub owner_add_rows {
	my ($res) = @_;
	return grep { ($_->{'data-status'} // '') eq 'awaiting-consent' } member_rows($res);
}

# The number of active owners of slug.
sub owners_of {
	my ($s, $slug) = @_;
	return $s->sql_one(q{SELECT count(*) FROM memberships m JOIN organizations o
	    ON o.id = m.organization_id WHERE o.slug = ? AND m.role = 'owner'
	    AND m.status = 'active'}, $slug);
}

# Runs $code (which returns a response) and checks its status, its
# data-error code and that it wrote nothing (Roster::Invite::snapshot).
sub no_write {
	my ($s, $what, $status, $error, $code) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $before = Roster::Invite::snapshot($s);
	my $res = $code->();
	Test::More::subtest($what => sub {
		Test::More::is($res->{status}, $status, "status $status");
		my @errors = map { Roster::Test::UA::_html_unescape($_) }
		    ($res->{content} // '') =~ /\bdata-error\s*=\s*"([^"]*)"/g;
		Test::More::is_deeply(\@errors, [$error], "data-error $error") if defined $error;
		Test::More::is(Roster::Invite::snapshot($s), $before, 'nothing written');
	});
	return $res;
}

1;
