#!/usr/bin/env perl
# The Cancel of an owner-add (SPEC §3 POST /orgs/{slug}/members/{user_id}/remove,
# §4 Owner-add 2): the roster's Cancel form posts pending=1, and with it
# only a membership still awaiting consent is removed. A Cancel from a
# roster loaded before the user accepted answers 409 not-pending on the
# roster page and writes nothing: the membership stays active, no audit
# event. The plain Remove (no pending field) still removes an active
# member; a pending value other than "1" is no field at all.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Members;

my $s = Roster::Test->start;

my $olga = member($s, 'olga@example.com', 'Olga Owner', confirmed => 1);
new_org($olga, 'Acme', 'acme');
my $ann = member($s, 'ann@example.com', 'Ann Admin', confirmed => 1);
set_membership($s, 'acme', 'ann@example.com', 'admin');

# The Cancel form of uid's row on the roster res, as [action, fields].
sub cancel_form {
	my ($res, $uid) = @_;
	my ($row) = grep { $_->{'data-user-id'} eq $uid } owner_add_rows($res);
	return undef unless $row;
	my ($form) = $row->{html} =~ m{(<form\b[^>]*action="/orgs/acme/members/$uid/remove".*?</form>)}s;
	return $form;
}

# ---- the normal cancel ----------------------------------------------------------------
{
	my $bob = member($s, 'bob@example.com', 'Bob', confirmed => 1);
	my $uid = user_id($s, 'bob@example.com');
	is owner_add($olga, 'acme', 'bob@example.com', 'member')->{status}, 303, 'olga adds bob';
	my $mid = membership_row($s, 'acme', 'bob@example.com')->{id};
	my $roster = $olga->get('/orgs/acme');
	my $form = cancel_form($roster, $uid);
	ok $form, 'the awaiting-consent row has a Cancel form';
	like $form // '', qr{<input type="hidden" name="pending" value="1">}, 'which posts pending=1';
	my $res = $olga->post_form("/orgs/acme/members/$uid/remove", { pending => 1 });
	is $res->{status}, 303, 'cancel: 303';
	is $olga->location($res), '/orgs/acme', 'to the roster';
	is $olga->flash($olga->get('/orgs/acme')), 'member-removed', 'flash member-removed';
	is membership_row($s, 'acme', 'bob@example.com'), undef, 'the pending membership is gone';
	is audit_count($s, 'membership.cancelled', $mid), 1, 'audited membership.cancelled';
	is audit_count($s, 'membership.removed', $mid), 0, 'not membership.removed';
	is scalar(owner_add_rows($bob->get('/me/invitations'))), 0, 'bob no longer sees it';

	# An admin cancels a member owner-add the same way.
	owner_add($ann, 'acme', 'bob@example.com', 'member');
	$ann->get('/orgs/acme');
	$res = $ann->post_form("/orgs/acme/members/$uid/remove", { pending => 1 });
	is $res->{status}, 303, 'an admin cancels a member owner-add';
	is membership_row($s, 'acme', 'bob@example.com'), undef, 'gone';
}

# ---- a stale Cancel after the user accepted ----------------------------------------------
{
	my $cat = member($s, 'cat@example.com', 'Cat', confirmed => 1);
	my $uid = user_id($s, 'cat@example.com');
	owner_add($olga, 'acme', 'cat@example.com', 'member');
	my $mid = membership_row($s, 'acme', 'cat@example.com')->{id};
	my $roster = $olga->get('/orgs/acme');	# olga's roster: Cat awaiting consent
	ok cancel_form($roster, $uid), 'olga sees a Cancel for cat';
	my $acc = consent($cat, $mid, 'accept');	# meanwhile cat accepts
	is $acc->{status}, 303, 'cat accepts';
	is membership_row($s, 'acme', 'cat@example.com')->{status}, 'active', 'cat is active';

	my $res = no_write($s, 'the stale Cancel is 409 not-pending and writes nothing', 409,
	    'not-pending', sub { $olga->post_form("/orgs/acme/members/$uid/remove", { pending => 1 }) });
	is $olga->page($res), 'org-members', 'on the roster page';
	is_deeply [ @{ membership_row($s, 'acme', 'cat@example.com') }{qw(id status)} ], [ $mid, 'active' ],
	    'the membership is still active';
	is audit_count($s, 'membership.removed', $mid), 0, 'no membership.removed';
	is audit_count($s, 'membership.cancelled', $mid), 0, 'no membership.cancelled';
	is $cat->get('/orgs/acme')->{status}, 200, 'cat still sees the organization';

	# An admin's stale Cancel of a member owner-add: the same.
	$ann->get('/orgs/acme');
	no_write($s, "an admin's stale Cancel is 409 not-pending", 409, 'not-pending',
	    sub { $ann->post_form("/orgs/acme/members/$uid/remove", { pending => 1 }) });

	# pending with any value but "1" is no field: a plain Remove.
	my $res2 = $olga->post_form("/orgs/acme/members/$uid/remove", { pending => 'yes' });
	is $res2->{status}, 303, 'pending=yes is ignored: the Remove goes through';
	is membership_row($s, 'acme', 'cat@example.com'), undef, 'cat removed';
	is audit_count($s, 'membership.removed', $mid), 1, 'audited membership.removed';
}

# ---- the Remove of an active member is unchanged ---------------------------------------
{
	my $dan = member($s, 'dan@example.com', 'Dan', confirmed => 1);
	set_membership($s, 'acme', 'dan@example.com', 'member');
	my $mid = membership_row($s, 'acme', 'dan@example.com')->{id};
	my $uid = user_id($s, 'dan@example.com');
	my $roster = $olga->get('/orgs/acme');
	my ($row) = grep { $_->{'data-user-id'} eq $uid } member_rows($roster);
	unlike $row->{html}, qr/name="pending"/, 'the Remove form of an active row carries no pending';
	my $res = remove_member($olga, 'acme', $uid);
	is $res->{status}, 303, 'Remove: 303';
	is membership_row($s, 'acme', 'dan@example.com'), undef, 'dan removed';
	is audit_count($s, 'membership.removed', $mid), 1, 'audited membership.removed';

	# A Cancel (pending=1) of someone who is not a member at all: 404.
	$olga->get('/orgs/acme');
	no_write($s, 'a Cancel of a non-member is 404', 404, 'not-found',
	    sub { $olga->post_form("/orgs/acme/members/$uid/remove", { pending => 1 }) });
}

done_testing;
