#!/usr/bin/env perl
# Emails a recipient trusts (issue 10, item 6). An email sent on a
# person's behalf (invitation, the invitation a join approval sends,
# owner-add, platform invitation) comes
# From "NAME via Roster" <ROSTER_MAIL_FROM> with Reply-To the person's
# address, and its subject names the person (and the organization); a
# system email (confirmation, join confirmation) comes from a plain
# "Roster". The HTML part
# is a complete document (doctype, lang, meta charset, viewport, title),
# one column with a max width, inline CSS only, the link as a button and
# the raw URL below it; the text part keeps prose within 72 columns with
# the URL whole on a line of its own; both give the expiry as a date and
# "in 7 days". A hostile display name (quotes, backslashes, CR/LF,
# non-ASCII, a bidi override, as long as the database allows) still
# gives one well-formed From header.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use MIME::QuotedPrint qw(decode_qp);
use Encode qw(decode);
use POSIX qw(strftime);
use Roster::Test;
use Roster::Invite;
use Roster::Members;
use Roster::Join;

my $FROM = 'noreply@roster.example';
my $s = Roster::Test->start(env => { ROSTER_MAIL_FROM => $FROM });

# The header block of a raw message as [name, value] pairs, unfolded;
# also every physical header line.
sub head_of {
	my ($raw) = @_;
	my ($head) = split /\r\n\r\n/, $raw, 2;
	my @lines = split /\r\n/, $head;
	my @fields = map { [ /^([^:]+):[ \t]*(.*)$/s ] } split /\r\n(?![ \t])/, $head;
	s/\r\n[ \t]/ /g for map { $_->[1] } @fields;
	return (\@fields, \@lines);
}

sub field {
	my ($fields, $name) = @_;
	return map { $_->[1] } grep { lc $_->[0] eq lc $name } @$fields;
}

# A header value of encoded-words (or plain text), decoded: the space
# between two encoded-words is not part of the text (RFC 2047 6.2).
sub words_of {
	my ($v) = @_;
	return $v unless $v =~ /^=\?/;
	return decode('UTF-8', join '', map {
		/^=\?UTF-8\?B\?([^?]*)\?=\z/ ? MIME::Base64::decode_base64($1) : return
	} split /\s+/, $v);
}

# A From value's display name, decoded (quoted string or encoded-words),
# and its address.
sub from_parts {
	my ($v) = @_;
	my ($name, $addr) = $v =~ /^(.*) <([^<>]*)>\z/s or return;
	if ($name =~ /^"(.*)"\z/s) {
		($name = $1) =~ s/\\(.)/$1/gs;
	} else {
		return (words_of($name), $addr);
	}
	return (decode('UTF-8', $name), $addr);
}

# The decoded text/plain and text/html parts of a raw message.
sub parts_of {
	my ($raw) = @_;
	my ($head) = split /\r\n\r\n/, $raw, 2;
	my ($boundary) = $head =~ /boundary="([^"]+)"/ or return {};
	my %part;
	for my $p (split /--\Q$boundary\E/, $raw) {
		my ($h, $b) = split /\r\n\r\n/, $p, 2;
		next unless defined $b;
		my ($type) = $h =~ m{Content-Type:\s*(text/\w+)}i or next;
		$part{ lc $type } = decode('UTF-8', decode_qp($b =~ s/\r\n/\n/gr));
	}
	return \%part;
}

sub raw_of { my ($m) = @_; local (@ARGV, $/) = $m->{file}; return scalar <> }

sub html_unescape {
	my ($t) = @_;
	$t =~ s/&quot;/"/g; $t =~ s/&#39;/'/g; $t =~ s/&lt;/</g; $t =~ s/&gt;/>/g; $t =~ s/&amp;/&/g;
	return $t;
}

# ---- a system email: the confirmation -----------------------------------------
my $alice = person($s, 'alice@example.com', 'Alice Owner');
{
	my $m = $s->wait_for_mail(to => 'alice@example.com', subject => qr/confirm/i, timeout => 15);
	ok $m, 'the confirmation email came';
	my ($f) = head_of(raw_of($m));
	is_deeply [ field($f, 'From') ], [ qq{"Roster" <$FROM>} ], 'confirmation: From "Roster" <ROSTER_MAIL_FROM>';
	is_deeply [ field($f, 'Reply-To') ], [], 'confirmation: no Reply-To';
	my $p = parts_of(raw_of($m));
	like $p->{'text/html'} // '', qr/\A<!doctype html>\n<html lang="en">/i, 'confirmation: the HTML part is a complete document too';
}

# ---- the invitation -------------------------------------------------------------
new_org($alice, 'Acme', 'acme');
my $inv = invite_ok($s, $alice, 'acme', 'bob@example.com', 'member');
my $raw = raw_of($inv->{mail});
my ($f, $lines) = head_of($raw);

my @from = field($f, 'From');
is scalar @from, 1, 'invitation: one From header';
is $from[0], qq{"Alice Owner via Roster" <$FROM>}, 'From: "Alice Owner via Roster" <ROSTER_MAIL_FROM>';
is_deeply [ field($f, 'Reply-To') ], [ 'alice@example.com' ], 'Reply-To: the inviter\'s address';
is_deeply [ field($f, 'Subject') ], [ 'Alice Owner invited you to join "Acme" on Roster' ],
    'the subject names the inviter and the organization';
ok !(grep { length > 78 } @$lines), 'header lines within 78 characters';

my $expires = $s->sql_one('SELECT extract(epoch FROM expires_at)::bigint FROM invitations WHERE id = ?', $inv->{id});
my $date = strftime('%d %B %Y', gmtime $expires) =~ s/^0//r;
my $hm = strftime('%H:%M', gmtime $expires);
my $link = $inv->{link};

my $p = parts_of($raw);
my $html = $p->{'text/html'} // '';
my $text = $p->{'text/plain'} // '';

# The HTML part: a complete document a phone shows well.
like $html, qr/\A<!doctype html>\n<html lang="en">\n<head>/i, 'html: doctype, then <html lang>';
like $html, qr/<meta charset="utf-8">/, 'html: <meta charset="utf-8">';
like $html, qr/<meta name="viewport" content="width=device-width, initial-scale=1">/, 'html: viewport';
like $html, qr{<title>Alice Owner invited you to join &quot;Acme&quot; on Roster</title>}, 'html: a title (the subject)';
like $html, qr{</body>\n</html>\s*\z}, 'html: the document is closed';
like $html, qr/max-width:\s*560px/, 'html: one column with a max width';
unlike $html, qr/<style\b/i, 'html: inline CSS only, no <style> element';
unlike $html, qr/<link\b|<script\b/i, 'html: no external stylesheet or script';
my @buttons = $html =~ m{<a href="([^"]+)" style="display:inline-block;[^"]*">View the invitation</a>}g;
is scalar @buttons, 1, 'html: the link as a button';
is html_unescape($buttons[0] // ''), $link, '... to the invitation link';
my ($raw_url) = $html =~ m{copy this address into your browser:<br><a href="[^"]+"[^>]*>([^<]+)</a>};
is html_unescape($raw_url // ''), $link, 'html: the raw URL below it, the same link';
like $html, qr{<strong>Alice Owner</strong> \(<a href="mailto:alice\@example\.com"[^>]*>alice\@example\.com</a>\)},
    'html: the inviter by name and address';
like $html, qr/expires on \Q$date\E at \Q$hm\E UTC \(in 7 days\)/, "html: the expiry as a date ($date) and in 7 days";

# The text part: the same content, prose within 72 columns.
my @long = grep { length > 72 && $_ ne $link } split /\n/, $text;
is_deeply \@long, [], 'text: every line within 72 columns but the URL';
ok !(grep { length > 78 } split /\n/, $text), 'text: no line over 78 (the URL included here)'
    if length $link <= 78;
like $text, qr/^\Q$link\E$/m, 'text: the URL whole on a line of its own';
like $text, qr/Alice Owner <alice\@example\.com> invited you to join Acme/, 'text: the inviter by name and address';
like $text, qr/expires\s+on\s+\Q$date\E\s+at\s+\Q$hm\E\s+UTC\s+\(in\s+7\s+days\)/, 'text: the expiry as a date and in 7 days';
like $text, qr/reply\s+to\s+this\s+email:\s+it\s+goes\s+to\s+Alice\s+Owner/, 'text: says where a reply goes';

# A long organization name: prose still wrapped.
{
	my $org = 'The Very Long Organization Name For Wrapping Tests ' . ('z' x 40);
	new_org($alice, $org, 'longorg');
	my $i = invite_ok($s, $alice, 'longorg', 'wrap@example.com', 'member');
	my $t = parts_of(raw_of($i->{mail}))->{'text/plain'} // '';
	my @over = grep { length > 72 && $_ ne $i->{link} } split /\n/, $t;
	is_deeply \@over, [], 'a long organization name: text lines still within 72 columns';
	like $t =~ s/\s+/ /gr, qr/invited you to join \Q$org\E on Roster/, '... the name whole';
}

# ---- owner-add: also on the inviter's behalf -----------------------------------------
{
	person($s, 'dora@example.com', 'Dora', confirm => 1);
	my $res = owner_add($alice, 'acme', 'dora@example.com', 'member');
	is $res->{status}, 303, 'owner-add of dora: 303';
	my $m = $s->wait_for_mail(to => 'dora@example.com', subject => qr/added you/, timeout => 15);
	ok $m, 'the owner-add email came';
	my ($of) = head_of($m ? raw_of($m) : "\r\n\r\n");
	is_deeply [ field($of, 'From') ], [ qq{"Alice Owner via Roster" <$FROM>} ], 'owner-add: From the inviter via Roster';
	is_deeply [ field($of, 'Reply-To') ], [ 'alice@example.com' ], 'owner-add: Reply-To the inviter';
	is_deeply [ field($of, 'Subject') ], [ 'Alice Owner added you to "Acme" on Roster: your consent is needed' ],
	    'owner-add: the subject names the inviter and the organization';
	my $op = parts_of($m ? raw_of($m) : '');
	like $op->{'text/html'} // '', qr/<meta name="viewport"/, 'owner-add: a complete HTML document';
}

# ---- the invitation a join approval sends: on the approver's behalf ----------------------
{
	enable_join($alice, 'acme', 'message');
	public_join($s, 'acme', email => 'newbie@example.com', first_name => 'N');
	my $jm = $s->wait_for_mail(to => 'newbie@example.com', subject => qr/^Confirm your request to join/, timeout => 15);
	ok $jm, 'the join confirmation email came';
	my ($jf) = head_of($jm ? raw_of($jm) : "\r\n\r\n");
	is_deeply [ field($jf, 'From') ], [ qq{"Roster" <$FROM>} ], 'join confirmation: a system email, From "Roster"';
	my $tok = $jm && token_of($jm->{link});
	confirm_join($s->ua, $tok);
	my $j = jr_row($s, 'email = ?', 'newbie@example.com');
	$alice->get('/orgs/acme/join-requests');
	is $alice->post_form("/orgs/acme/join-requests/$j->{id}/approve")->{status}, 303, 'alice approves the request: 303';
	my $ji = invitation_mail($s, 'newbie@example.com');
	my ($af) = head_of(raw_of($ji->{mail}));
	is_deeply [ field($af, 'From') ], [ qq{"Alice Owner via Roster" <$FROM>} ], 'approval invitation: From the approver via Roster';
	is_deeply [ field($af, 'Reply-To') ], [ 'alice@example.com' ], '... Reply-To the approver';
	is_deeply [ field($af, 'Subject') ], [ 'Alice Owner invited you to join "Acme" on Roster' ], '... the subject names both';
}

# ---- a platform invitation: on the platform admin's behalf ------------------------------
{
	my $root = person($s, 'root@example.com', 'Rita Root', confirm => 1);
	is $s->rosterctl('bootstrap-admin', 'root@example.com')->{status}, 0, 'rita is a platform admin';
	$root->get('/admin');
	is $root->post_form('/admin/invitations', { email => 'plat@example.com' })->{status}, 303, 'rita invites plat@: 303';
	my $pm = $s->wait_for_mail(to => 'plat@example.com', subject => qr/invitation to Roster/, timeout => 15);
	ok $pm, 'the platform invitation email came';
	my ($pf) = head_of($pm ? raw_of($pm) : "\r\n\r\n");
	is_deeply [ field($pf, 'From') ], [ qq{"Rita Root via Roster" <$FROM>} ], 'platform invitation: From the admin via Roster';
	is_deeply [ field($pf, 'Reply-To') ], [ 'root@example.com' ], '... Reply-To the admin';
	is_deeply [ field($pf, 'Subject') ], [ 'Your invitation to Roster from Rita Root' ], '... the subject names the admin';
	my $pp = parts_of($pm ? raw_of($pm) : '');
	like $pp->{'text/plain'} // '', qr/Rita Root <root\@example\.com> invited you/, '... the body names her with her address';
	like $pp->{'text/plain'} // '', qr/\(in\s+7\s+days\)/, '... and says in 7 days';
}

# ---- a hostile inviter name ------------------------------------------------------------
{
	my $mal = person($s, 'mallory@example.com', 'Mallory');
	# Zoë "Q" \ B, CR LF, a Bcc line, a right-to-left override, then x
	# up to the 100 characters users_display_name_length allows (longer
	# names, 250 and 300 characters, are t/mail/mail_compose-t.c's and
	# t/mail/mail_subject-t.c's).
	$s->psql(q{UPDATE users SET display_name = E'Zo\\xC3\\xAB "Q" \\\\ B\r\nBcc: e@x.io \\xE2\\x80\\xAE}
	    . ('x' x 70) . q{' WHERE email = 'mallory@example.com'});
	is $s->sql_one(q{SELECT (strpos(display_name, 'Zo' || chr(235) || ' "Q" ' || chr(92) || ' B'
	    || chr(13) || chr(10) || 'Bcc: ') = 1 AND strpos(display_name, chr(8238)) > 0)::text
	    || ',' || length(display_name) FROM users WHERE email = 'mallory@example.com'}), 'true,96',
	    'mallory\'s display name holds quotes, a backslash, CR/LF, non-ASCII, a bidi override, 96 characters';
	new_org($mal, 'Evil Co', 'evil');
	my $i = invite_ok($s, $mal, 'evil', 'victim@example.com', 'member');
	my $r = raw_of($i->{mail});
	my ($hf, $hl) = head_of($r);
	my @hfrom = field($hf, 'From');
	is scalar @hfrom, 1, 'hostile name: one From header';
	ok !(grep { /^(?:Bcc|Cc)$/i } map { $_->[0] } @$hf), '... no Bcc or Cc header';
	ok !(grep { length > 78 } @$hl), '... header lines within 78 characters';
	ok !(grep { !/^[ \t]/ && !/^[A-Za-z-]+: / } @$hl), '... every header line a field or a continuation';
	my ($name, $addr) = from_parts($hfrom[0] // '');
	is $addr, $FROM, '... the address is ROSTER_MAIL_FROM';
	like $name // '', qr/\AZo\x{eb} "Q" \\ B Bcc: e\@x\.io x{16}\x{2026} via Roster\z/,
	    '... the display name one line, controls and the override made spaces, cut with an ellipsis';
	is length($name // ''), 40 + 1 + length(' via Roster'), '... 40 characters of the name kept';
	is_deeply [ field($hf, 'Reply-To') ], [ 'mallory@example.com' ], '... Reply-To the inviter';
	my @subj = field($hf, 'Subject');
	is scalar @subj, 1, '... one Subject header';
	is $i->{mail}{subject}, Encode::encode('UTF-8', words_of($subj[0] // '')),
	    '... read the same by Roster::Test (no space between encoded-words)';
	like words_of($subj[0] // ''), qr/\AZo\x{eb} "Q" \\ B Bcc: e\@x\.io x{16}\x{2026} invited you to join "Evil Co" on Roster\z/,
	    '... the subject names the (cleaned) inviter and the organization';
	my $hh = parts_of($r)->{'text/html'} // '';
	like $hh, qr/Zo\x{eb} &quot;Q&quot; \\ B/, '... the HTML part escapes the name';
}

done_testing;
