#!/usr/bin/env perl
# The members page for managers (issue 10, item 3): the invite form at
# the top with its errors at the fields that caused them (aria-invalid,
# aria-describedby, every error at once); roles and actions only where
# the viewer may use them (an admin is offered neither admin nor owner,
# nor buttons on owners' and admins' rows; a sole owner is told to
# promote someone instead of being offered a step down or a leave that
# can only end in 409); "(you)" on the viewer's row; times as <time>
# elements (relative text, exact UTC in datetime and title); expired rows
# "expired on DATE"; a delivery badge per invitation and the mail
# server's reason on a failed one (the SMTP sink answering 550 to RCPT);
# revoke and remove inside a disclosure, still working by a direct POST;
# flashes that name whom they are about, escaped; a unique accessible
# name for every repeated button.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Members;
use Roster::SmtpSink;

my $s = Roster::Test->start;

my $olga = member($s, 'olga@example.com', 'Olga Owner', confirmed => 1);
new_org($olga, 'Acme', 'acme');
my $adam = member($s, 'adam@example.com', 'Adam Admin', confirmed => 1);
my $mia = member($s, 'mia@example.com', 'Mia Member', confirmed => 1);
my $bo = member($s, 'bo@example.com', 'Bo <b>Bold</b>', confirmed => 1);
set_membership($s, 'acme', 'adam@example.com', 'admin');
set_membership($s, 'acme', 'mia@example.com', 'member');
set_membership($s, 'acme', 'bo@example.com', 'member');
my %uid = map { $_ => user_id($s, "$_\@example.com") } qw(olga adam mia bo);

# The markup of the row of member $who, and of invitation $id.
sub member_tr {
	my ($res, $who) = @_;
	my ($r) = grep { $_->{'data-email'} eq "$who\@example.com" } member_rows($res);
	return $r ? $r->{html} : '';
}
sub invitation_tr {
	my ($res, $id) = @_;
	my ($tr) = ($res->{content} // '') =~ m{(<tr data-invitation-id="$id".*?</tr>)}s;
	return $tr // '';
}
# The text of an element's markup with tags dropped and entities decoded.
sub text_of {
	my ($html) = @_;
	$html =~ s/<[^>]*>//g;
	$html = Roster::Test::UA::_html_unescape($html);
	$html =~ s/\s+/ /g;
	$html =~ s/^ | $//g;
	return $html;
}
# The accessible names of the buttons and summaries of a page.
sub control_names {
	my ($res) = @_;
	my @n;
	push @n, text_of($1) while ($res->{content} // '') =~ m{<(?:button|summary)\b[^>]*>(.*?)</(?:button|summary)>}gs;
	return @n;
}
sub options_of {
	my ($html) = @_;
	my @o;
	push @o, $1 while $html =~ /<option value="([^"]*)"/g;
	return @o;
}

# ---- an admin: no admin/owner option anywhere, no buttons above their level --------
my $res = org_page($adam, 'acme');
is $res->{status}, 200, 'admin: the roster answers 200';
is $adam->page($res), 'org-members', '... page org-members';
my @opts = options_of($res->{content});
ok @opts > 0, '... role selects are there (' . join(',', @opts) . ')';
ok !(grep { $_ eq 'admin' || $_ eq 'owner' } @opts), '... and none offers admin or owner';
for my $who (qw(olga adam)) {
	my $tr = member_tr($res, $who);
	ok $tr ne '', "... $who has a row";
	unlike $tr, qr{/remove"|/role"|<button|<summary}, "... with no button on $who\'s row (owner or admin)";
}
like member_tr($res, 'mia'), qr{<details class="confirm"><summary>Remove\b.*action="/orgs/acme/members/$uid{mia}/remove"}s,
    '... a plain member\'s row has Remove, inside a disclosure';
like member_tr($res, 'adam'), qr/\(you\)/, '... "(you)" on the admin\'s own row';
unlike member_tr($res, 'olga'), qr/\(you\)/, '... and not on another\'s';
my $invite_form = ($res->{content} =~ m{(<form method="post" action="/orgs/acme/invitations">.*?</form>)}s)[0] // '';
ok $invite_form, '... the invite form is there';
ok index($res->{content}, $invite_form) < index($res->{content}, '<h2>Members</h2>'),
    '... above the members table';

# An admin asking for admin anyway: 403 role-escalation at the role field.
$res = invite($adam, 'acme', 'eve@example.com', 'admin');
is $res->{status}, 403, 'admin inviting an admin: 403';
is_deeply [ $adam->errors($res) ], ['role-escalation'], '... role-escalation, once';
like $res->{content}, qr{<select id="invite-role" name="role" aria-invalid="true" aria-describedby="invite-role-error">},
    '... the role select is marked invalid and described by its message';
like $res->{content}, qr{<p class="field-error" id="invite-role-error" data-error="role-escalation">}, '... the message at the field';
is $s->sql_one(q{SELECT count(*) FROM invitations WHERE email = 'eve@example.com'}), 0, '... nothing written';

# ---- a plain member sees the roster only ---------------------------------------------
$res = org_page($mia, 'acme');
is $res->{status}, 200, 'member: 200';
unlike $res->{content}, qr{action="/orgs/acme/invitations"|<details|/remove"}, '... no invite form, no actions';
like member_tr($res, 'mia'), qr/\(you\)/, '... "(you)" on her own row';

# ---- the sole owner ---------------------------------------------------------------------
$res = org_page($olga, 'acme');
my @owner_opts = options_of($res->{content});
ok((grep { $_ eq 'owner' } @owner_opts) && (grep { $_ eq 'admin' } @owner_opts), 'owner: admin and owner are offered');
like member_tr($res, 'olga'), qr/\(you\)/, '... "(you)" on her row';
unlike member_tr($res, 'olga'), qr{/role"|/remove"}, '... no Change role on her own row while she is the only owner';
like member_tr($res, 'olga'), qr/only owner/, '... which says what to do instead';
ok !(grep { $_ eq '/orgs/acme/leave' } form_actions($res)), '... no Leave form';
like $res->{content}, qr/make another member owner/, '... the leave section says to promote someone first';
like member_tr($res, 'adam'), qr{action="/orgs/acme/members/$uid{adam}/role".*<details class="confirm"><summary>Remove}s,
    '... and she may change or remove the admin';
like member_tr($res, 'mia'), qr{<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">just now</time>},
    '... "since" is a <time> with its exact UTC time';

# Role change: the flash names whom and what.
$res = change_role($olga, 'acme', $uid{adam}, 'owner');
is $res->{status}, 303, 'olga makes adam owner: 303';
$res = go($olga, $res);
is $olga->flash($res), 'role-changed', '... flash role-changed';
like $res->{content}, qr{data-flash="role-changed"[^>]*>Role of Adam Admin changed to owner\.</div>}, '... naming him and the role';
is membership_row($s, 'acme', 'adam@example.com')->{role}, 'owner', '... the row says owner';
ok((grep { $_ eq '/orgs/acme/leave' } form_actions($res)), 'with two owners, olga may leave again');
like member_tr($res, 'olga'), qr{/orgs/acme/members/$uid{olga}/role"}, '... and change her own role';

# ---- the invite form: errors at their fields, all at once --------------------------------
my $before = $s->sql_one('SELECT count(*) FROM invitations');
$olga->get('/orgs/acme');
$res = $olga->post_form('/orgs/acme/invitations', { email => 'not an address', role => 'boss' });
is $res->{status}, 422, 'a bad address and a bad role: 422';
is_deeply [ sort $olga->errors($res) ], [ 'invalid-email', 'invalid-role' ], '... both errors, each once';
like $res->{content}, qr{<input id="invite-email" type="email" name="email" value="not an address" maxlength="254" required aria-invalid="true" aria-describedby="invite-email-error">},
    '... the email field keeps the value, aria-invalid, described by its message';
like $res->{content}, qr{<p class="field-error" id="invite-email-error" data-error="invalid-email">Enter a valid email address\.</p>},
    '... the email message with its code';
like $res->{content}, qr{<select id="invite-role" name="role" aria-invalid="true" aria-describedby="invite-role-error">}, '... the role select too';
like $res->{content}, qr{id="invite-role-error" data-error="invalid-role"}, '... with its message';
unlike $res->{content}, qr{<p class="error" data-error=}, '... and no error box away from the form';
is $s->sql_one('SELECT count(*) FROM invitations'), $before, '... nothing written';

$res = $olga->post_form('/orgs/acme/invitations', { email => 'fine@example.com', role => 'boss' });
is $res->{status}, 422, 'only a bad role: 422';
is_deeply [ $olga->errors($res) ], ['invalid-role'], '... only invalid-role';
unlike $res->{content}, qr{id="invite-email"[^>]*aria-invalid}, '... the email field is not marked';

$res = invite($olga, 'acme', 'mia@example.com', 'admin');
is $res->{status}, 409, 'inviting a member: 409';
like $res->{content}, qr{id="invite-email-error" data-error="already-member"}, '... already-member at the email field';
like $res->{content}, qr{<select id="invite-role" name="role">\s*<option value="member">Member</option>\s*<option value="admin" selected>Admin</option>},
    '... and the role chosen (admin) stays chosen';

# The add-existing-user form marks its own fields.
$olga->get('/orgs/acme');
$res = $olga->post_form('/orgs/acme/members', { email => '@@', role => 'root' });
is $res->{status}, 422, 'owner-add with bad fields: 422';
is_deeply [ sort $olga->errors($res) ], [ 'invalid-email', 'invalid-role' ], '... both errors';
like $res->{content}, qr{id="add-email"[^>]*aria-invalid="true" aria-describedby="add-email-error"}, '... at the add form\'s fields';
unlike $res->{content}, qr{id="invite-email"[^>]*aria-invalid}, '... not at the invite form\'s';

# ---- invitations: flash, times, badges, accessible names --------------------------------
$res = invite($olga, 'acme', 'Dana@Example.com', 'member');
is $res->{status}, 303, 'olga invites dana: 303';
$res = go($olga, $res);
like $res->{content}, qr{data-flash="invitation-sent"[^>]*>Invitation sent to dana\@example\.com\.</div>}, '... the flash names her';
invite_ok($s, $olga, 'acme', 'erin@example.com', 'member');
my $dana = $s->sql_one(q{SELECT id FROM invitations WHERE email = 'dana@example.com'});
my $erin = $s->sql_one(q{SELECT id FROM invitations WHERE email = 'erin@example.com'});
$res = org_page($olga, 'acme');
my $tr = invitation_tr($res, $dana);
my $iso = $s->sql_one(q{SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM invitations WHERE id = ?}, $dana);
like $tr, qr{expires <time datetime="\Q$iso\E" title="[^"]+ UTC">in 7 days</time>}, "dana's row: expires in 7 days, datetime $iso";
my ($row) = grep { $_->{'data-invitation-id'} eq $dana } invitation_rows($res);
like $row->{'data-delivery'}, qr/^(queued|sent)$/, '... data-delivery ' . $row->{'data-delivery'};
like $tr, qr{<span class="badge" data-delivery-state="$row->{'data-delivery'}">Email (queued|sent)</span>}, '... shown as a badge';
like $tr, qr{<details class="confirm"><summary>Revoke…<span class="visually-hidden"> invitation to dana\@example\.com</span></summary>\s*<p>Revoke the invitation to dana\@example\.com\?[^<]*</p>\s*<form class="inline" method="post" action="/orgs/acme/invitations/$dana/revoke">}s,
    '... revoke asks first: the form is inside a disclosure';
my @names = control_names($res);
ok((grep { $_ eq 'Revoke invitation to dana@example.com' } @names), '... the revoke button is named for her row');
ok((grep { $_ eq 'Resend invitation to erin@example.com' } @names), '... and resend for erin\'s');
my %seen;
my @dup = grep { $seen{$_}++ } grep { $_ ne 'Sign out' && $_ ne 'Send invitation' && $_ ne 'Add user' && $_ ne 'Leave organization' } @names;
is_deeply \@dup, [], 'every repeated button and summary has a name of its own (' . scalar(@names) . ' controls)';

# An expired row says when it expired.
$s->psql(q{UPDATE invitations SET created_at = now() - interval '9 days',
    expires_at = now() - interval '2 days' WHERE id = ?}, $erin);
my $day = $s->sql_one(q{SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM invitations WHERE id = ?}, $erin);
$res = org_page($olga, 'acme');
($row) = grep { $_->{'data-invitation-id'} eq $erin } invitation_rows($res);
is $row->{'data-status'}, 'expired', 'erin\'s row: data-status expired';
like invitation_tr($res, $erin), qr{expired on <time datetime="[^"]+Z" title="[^"]+ UTC">\Q$day\E</time>}, "... \"expired on $day\"";

# Revoke by a direct POST (no confirmation field): at once.
$res = $olga->post_form("/orgs/acme/invitations/$dana/revoke", {});
is $res->{status}, 303, 'revoke by a direct POST: 303';
$res = go($olga, $res);
is $olga->flash($res), 'invitation-revoked', '... flash invitation-revoked';
like $res->{content}, qr{>Invitation to dana\@example\.com revoked\.</div>}, '... naming the address';
is $s->sql_one('SELECT count(*) FROM invitations WHERE id = ? AND revoked_at IS NOT NULL', $dana), 1, '... the row is revoked';

# ---- remove: a disclosure, a direct POST, an escaped name --------------------------------
$res = org_page($olga, 'acme');
like member_tr($res, 'bo'), qr{<summary>Remove…<span class="visually-hidden"> Bo &lt;b&gt;Bold&lt;/b&gt; \(bo\@example\.com\)</span></summary>}, 'bo\'s Remove names him, escaped';
$res = $olga->post_form("/orgs/acme/members/$uid{bo}/remove", {});
is $res->{status}, 303, 'remove by a direct POST: 303';
$res = go($olga, $res);
is $olga->flash($res), 'member-removed', '... flash member-removed';
like $res->{content}, qr{>Bo &lt;b&gt;Bold&lt;/b&gt; removed\.</div>}, '... naming him, escaped';
unlike $res->{content}, qr{<b>Bold</b>}, '... never as markup';
is membership_row($s, 'acme', 'bo@example.com'), undef, '... the membership is gone';

# A flash cookie the visitor forged shows text, never markup, and a
# subject with a control character is dropped.
my $cookie = (grep { /flash/ } $olga->cookie_names)[0] // 'roster_flash';
$olga->set_cookie($cookie, 'member-removed.' . b64url_encode('<i>x</i>'));
$res = org_page($olga, 'acme');
like $res->{content}, qr{>&lt;i&gt;x&lt;/i&gt; removed\.</div>}, 'a forged subject is escaped';
$olga->set_cookie($cookie, 'member-removed.' . b64url_encode("a\x01b"));
$res = org_page($olga, 'acme');
like $res->{content}, qr{data-flash="member-removed"[^>]*>Removed\.</div>}, 'a subject with a control character is dropped';

# ---- the other pages that show times use the same <time> ---------------------------------
my $time_re = qr{<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">};
my $gil = member($s, 'gil@example.com', 'Gil Guest', confirmed => 1);
invite_ok($s, $olga, 'acme', 'gil@example.com', 'member');
is owner_add($olga, 'acme', 'hal@example.com', 'member')->{status}, 404, 'hal has no account: owner-add 404 (setup check)';
my $hal = member($s, 'hal@example.com', 'Hal Added', confirmed => 1);
is owner_add($olga, 'acme', 'hal@example.com', 'member')->{status}, 303, 'olga adds hal, pending his consent';
$res = $gil->get('/me/invitations');
like $res->{content}, qr{<td data-label="Details">expires ${time_re}in 7 days</time></td>}, '/me/invitations: the invitation expires in 7 days, as a <time>';
$res = $hal->get('/me/invitations');
like $res->{content}, qr{added by Olga Owner ${time_re}just now</time>, awaiting your consent}, '... an owner-add says when, as a <time>';
is $s->rosterctl('bootstrap-admin', 'olga@example.com')->{status}, 0, 'olga is a platform admin';
$olga->get('/admin');
is $olga->post_form('/admin/invitations', { email => 'ivy@example.com' })->{status}, 303, 'a platform invitation to ivy';
$res = $olga->get('/admin');
like $res->{content}, qr{sent ${time_re}just now</time>, expires ${time_re}in 7 days</time>}, '/admin: sent and expires as <time>';
$olga->get('/orgs/acme/settings');
is $olga->post_form('/orgs/acme/settings', { join_enabled => 1, join_fields => '' })->{status}, 303, 'acme opens its join form';
my $jo = member($s, 'jo@example.com', 'Jo Joiner', confirmed => 1);
$jo->get('/join/acme');
is $jo->post_form('/orgs/acme/join-requests', {})->{status}, 303, 'jo asks to join';
$res = $olga->get('/orgs/acme/join-requests');
like $res->{content}, qr{${time_re}just now</time>}, '/orgs/acme/join-requests: when it was asked, as a <time>';

# ---- a failed delivery: the mail server's reason on the row -----------------------------
my $port = Roster::Test::_free_port();
my $sink = Roster::SmtpSink->new(dir => $s->state_dir . '/tmp/sink75', port => $port);
END { $sink->stop if $sink && $sink->running && $s && $$ == $s->{owner} }
ok $sink->start(reject_rcpt => qr/^bounce\@/), 'an SMTP sink that refuses bounce@ with 550';
$s->stop_mailer;
$s->set_env(ROSTER_SMTP_URL => "smtp://127.0.0.1:$port");
$s->start_mailer;
$res = invite($olga, 'acme', 'bounce@example.com', 'member');
is $res->{status}, 303, 'olga invites bounce@: 303';
my $bounce = $s->sql_one(q{SELECT id FROM invitations WHERE email = 'bounce@example.com'});
ok eventually(20, sub { ($s->sql_one(q{SELECT status FROM outbox WHERE invitation_id = ? ORDER BY id DESC LIMIT 1}, $bounce) // '') eq 'failed' }),
    '... its email fails for good within 20 s';
my $err = $s->sql_one(q{SELECT last_error FROM outbox WHERE invitation_id = ? ORDER BY id DESC LIMIT 1}, $bounce);
like $err, qr/^smtp: 550 5\.1\.1 no such user \(/, "... last_error, in the server's words: $err";
$res = org_page($olga, 'acme');
($row) = grep { $_->{'data-invitation-id'} eq $bounce } invitation_rows($res);
is $row->{'data-delivery'}, 'failed', 'the row: data-delivery failed';
$tr = invitation_tr($res, $bounce);
like $tr, qr{<span class="badge" data-delivery-state="failed">Email not delivered</span>}, '... a badge of its own';
my ($shown) = $tr =~ m{<span data-delivery-error>([^<]*)</span>};
is Roster::Test::UA::_html_unescape($shown // ''), $err, '... with the server\'s reason';
like $tr, qr/no such user/, '... which the manager reads on the row';
unlike $tr, qr/token=|\/accept/, '... and never a link';
$s->stop_mailer;
$sink->stop;

done_testing;
