#!/usr/bin/env perl
# Mail retries that outlast an outage, and the failed state admins see
# (issue 9, item 5). With ROSTER_RETRY_BASE=1 and ROSTER_MAIL_GIVE_UP=8
# against an SMTP URL nothing listens on, an invitation email is tried
# again after about 1, 2, 4 s (each wait recorded in next_attempt_at,
# within the 20 % jitter), and fails for good once its next try would fall
# more than 8 s after it was queued: status failed, body dropped, the
# database-wide roster_emails_failed_total + 1. The organization's
# managers see the row data-delivery="failed" with "Email could not be
# delivered" and the last error (never a link), and a resend delivers it; /admin (platform admins
# only) counts the outbox and lists the failure. A message skipped because
# its invitation was revoked is not counted as failed. Bad values of both
# variables stop the mailer from starting.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start(env => { ROSTER_RETRY_BASE => 1, ROSTER_MAIL_GIVE_UP => 8 });

# ---- bad values: the mailer refuses to start --------------------------------------
for my $bad ([ ROSTER_RETRY_BASE => 0 ], [ ROSTER_RETRY_BASE => 3601 ], [ ROSTER_RETRY_BASE => 'soon' ],
    [ ROSTER_MAIL_GIVE_UP => 0 ], [ ROSTER_MAIL_GIVE_UP => 30 * 86400 + 1 ], [ ROSTER_MAIL_GIVE_UP => '1d' ]) {
	my ($st, $out, $err) = $s->_run(cmd => [ Roster::Test::builddir() . '/roster-mailer', '--once' ],
	    env => { $s->_server_env, @$bad }, timeout => 30);
	isnt $st, 0, "roster-mailer with $bad->[0]=$bad->[1] refuses to start";
	like(($out // '') . ($err // ''), qr/\Q$bad->[0]\E/, '... and names the variable');
}

my $root = person($s, 'root@example.com', 'Root', confirm => 1);
is $s->rosterctl('bootstrap-admin', 'root@example.com')->{status}, 0, 'root is a platform admin';
my $olga = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($olga, 'Acme', 'acme');

sub counts_of_admin {
	my ($res) = @_;
	my ($dl) = ($res->{content} // '') =~ /<dl\b([^>]*data-mail-queued[^>]*)>/ or return {};
	my %a;
	$a{$1} = $2 while $dl =~ /data-mail-(\w+)="(\d+)"/g;
	return \%a;
}

sub db_counts {
	my %c = (queued => 0, sent => 0, failed => 0, skipped => 0);
	for my $r ($s->psql(q{SELECT CASE WHEN status = 'failed' AND last_error = 'invitation no longer open'
	    THEN 'skipped' ELSE status END, count(*) FROM outbox GROUP BY 1})) {
		$c{ $r->[0] } = $r->[1];
	}
	return \%c;
}

# ---- an SMTP server that is not there ---------------------------------------------
my $port = Roster::Test::_free_port();
$s->stop_mailer;
$s->set_env(ROSTER_SMTP_URL => "smtp://127.0.0.1:$port");
my $failed0 = metric_value($s, 'roster_emails_failed_total');
my $res = invite($olga, 'acme', 'bob@example.com', 'member');
is $res->{status}, 303, 'olga invites bob: 303';
my $inv = $s->sql_one(q{SELECT id FROM invitations WHERE email = 'bob@example.com'});
my $ob = $s->sql_one('SELECT id FROM outbox WHERE invitation_id = ?', $inv);
ok $ob, "the email is queued (outbox $ob)";
my $res0 = org_page($olga, 'acme');
my ($row0) = grep { $_->{'data-invitation-id'} eq $inv } invitation_rows($res0);
is $row0->{'data-delivery'}, 'queued', 'the row says queued while it waits';
unlike $res0->{content}, qr/Email could not be delivered/, '... and no failure sentence';

$s->start_mailer;
# Each time attempts grows, the row's next try is its wait from now.
my (%wait, $last);
my $deadline = time + 40;
while (time < $deadline) {
	my ($att, $st, $left) = @{ ($s->psql(
	    q{SELECT attempts, status, extract(epoch FROM next_attempt_at - clock_timestamp()) FROM outbox WHERE id = } . $ob))[0] };
	if ($st ne 'queued') { $last = $att; last }
	$wait{$att} //= $left if $att > 0;
	sleep 0.05;
}
ok defined $last, 'the row left the queue within 40 s';
diag sprintf 'mail retry: waits after each failure %s; given up after %s attempts',
    join(', ', map { sprintf '%d: %.2f s', $_, $wait{$_} } sort { $a <=> $b } keys %wait), $last // '?';
ok $wait{1} >= 0.6 && $wait{1} <= 1.25, "after the 1st failure the next try is about 1 s away ($wait{1})";
ok defined $wait{2} && $wait{2} >= 1.4 && $wait{2} <= 2.45, 'after the 2nd, about 2 s (' . ($wait{2} // 'none') . ')';
ok !defined $wait{3} || ($wait{3} >= 3.0 && $wait{3} <= 4.85), 'after the 3rd (when it came), about 4 s';
ok $last >= 3, "it was tried at least 3 times ($last)";
my ($st, $att, $body_gone, $err, $late) = @{ ($s->psql(
    q{SELECT status, attempts, body IS NULL, last_error,
    (now() - created_at) >= interval '1 second' * (8 - 4.8) FROM outbox WHERE id = } . $ob))[0] };
is $st, 'failed', 'the row ends failed';
is $body_gone, 't', '... with its body dropped';
like $err, qr/^gave up after \Q$att\E attempts: smtp: /, "... last error: $err";
is $late, 't', '... only once the give-up time was near';
my $queued_for = $s->sql_one(q{SELECT extract(epoch FROM max(next_attempt_at) - min(created_at)) FROM outbox WHERE id = ?}, $ob);
ok $queued_for > 8, "its last scheduled try lay past ROSTER_MAIL_GIVE_UP ($queued_for s after queueing)";
is metric_value($s, 'roster_emails_failed_total'), $failed0 + 1, 'emails_failed_total + 1';
is $s->sql_one('SELECT count(*) FROM invitations WHERE id = ? AND revoked_at IS NULL', $inv), 1,
    'the invitation stays';

# ---- the organization's managers see it ------------------------------------------------
$res = org_page($olga, 'acme');
my ($row) = grep { $_->{'data-invitation-id'} eq $inv } invitation_rows($res);
is $row->{'data-delivery'}, 'failed', 'org-members: the row says data-delivery="failed"';
my ($tr) = $res->{content} =~ m{(<tr data-invitation-id="$inv".*?</tr>)}s;
like $tr, qr/Email could not be delivered\./, '... with the sentence';
my ($shown) = ($tr // '') =~ m{<span data-delivery-error>([^<]*)</span>};
is Roster::Test::UA::_html_unescape($shown // ''), $err, '... and the last error';
like $tr, qr{action="/orgs/acme/invitations/$inv/resend"}, '... and the resend button';
unlike $tr, qr/[?&;]token=|\/accept/i, '... and never a link';

# ---- /admin: platform admins only -------------------------------------------------------
is $olga->get('/admin')->{status}, 403, 'an organization owner is not shown /admin: 403';
$res = $root->get('/admin');
is $res->{status}, 200, '/admin for root: 200';
is $root->page($res), 'admin', '... page admin';
my $shown_counts = counts_of_admin($res);
is_deeply $shown_counts, db_counts(), '... Mail counts queued / sent / failed / skipped as the outbox holds them';
is $shown_counts->{failed}, 1, '... one failed';
my ($frow) = $res->{content} =~ m{(<tr data-outbox-id="$ob".*?</tr>)}s;
ok $frow, '... the failed message is listed';
like $frow // '', qr/data-email="bob\@example.com"/, '... its recipient';
like $frow // '', qr/data-kind="invitation"/, '... its kind';
like $frow // '', qr/data-attempts="$att"/, '... its attempts';
like $frow // '', qr/\d{4}-\d\d-\d\d \d\d:\d\d UTC/, '... when it was queued';
like $frow // '', qr/\Qgave up after $att attempts: smtp: \E/, '... its last error';
unlike $res->{content}, qr/token=/, '... and no link';

# ---- a permanent failure and a skip -------------------------------------------------------
# A second failure, newer: listed first. A revoked invitation's email is
# skipped, not failed.
$s->stop_mailer;
invite($olga, 'acme', 'carl@example.com', 'member');
invite($olga, 'acme', 'dora@example.com', 'member');
my $dora = $s->sql_one(q{SELECT id FROM invitations WHERE email = 'dora@example.com'});
org_page($olga, 'acme');
is $olga->post_form("/orgs/acme/invitations/$dora/revoke", {})->{status}, 303, 'dora\'s invitation revoked before delivery';
$s->start_mailer;
ok eventually(30, sub { $s->sql_one(q{SELECT count(*) FROM outbox WHERE status = 'queued'}) == 0 }),
    'carl given up, dora skipped';
$res = $root->get('/admin');
$shown_counts = counts_of_admin($res);
is_deeply $shown_counts, db_counts(), '/admin counts follow';
is $shown_counts->{failed}, 2, '... two failed';
is $shown_counts->{skipped}, 1, '... one skipped, not counted as failed';
my @listed = $res->{content} =~ /data-outbox-id="(\d+)"/g;
my $carl_ob = $s->sql_one(q{SELECT id FROM outbox WHERE recipient = 'carl@example.com'});
is_deeply \@listed, [ $carl_ob, $ob ], '... failures newest first, the skipped one not among them';
is metric_value($s, 'roster_emails_failed_total'), $failed0 + 2, 'emails_failed_total + 2';

# ---- fixed, resent: delivered ---------------------------------------------------------------
$s->stop_mailer;
$s->set_env(ROSTER_SMTP_URL => undef);
$s->start_mailer;
org_page($olga, 'acme');
$res = $olga->post_form("/orgs/acme/invitations/$inv/resend", {});
is $res->{status}, 303, 'olga resends bob\'s invitation';
is $olga->flash(go($olga, $res)), 'invitation-resent', '... invitation-resent';
my $sent = invitation_mail($s, 'bob@example.com');
ok $sent->{id}, "the email arrives (invitation $sent->{id})";
$inv = $sent->{id};
ok eventually(10, sub {
	my ($r) = grep { $_->{'data-invitation-id'} eq $inv } invitation_rows(org_page($olga, 'acme'));
	($r->{'data-delivery'} // '') eq 'sent';
}), 'the row says sent';
($tr) = $olga->last->{content} =~ m{(<tr data-invitation-id="$inv".*?</tr>)}s;
unlike $tr // '', qr/Email could not be delivered/, '... and no longer the failure';

done_testing;
