#!/usr/bin/env perl
# The invitation email (SPEC §4 Invitations 6, Emails): it names the
# organization, the inviter, the role, the expiry and the link, in a text
# part and an HTML part; every value in the HTML part is escaped, the
# subject carrying the organization's name stays one header, and the
# message has CRLF line ends only. The invitation pages escape the same
# values.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use MIME::QuotedPrint qw(decode_qp);
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;

my $evil_org = q{Acme <script>alert(1)</script> & "Co" 'x'};
my $evil_name = q{Olga <b onmouseover="x()">Owner</b>};
my $owner = person($s, 'olga@example.com', $evil_name);
new_org($owner, $evil_org, 'acme');
my $inv = invite_ok($s, $owner, 'acme', 'bob@example.com', 'admin');
ok $inv->{id}, 'the invitation was sent';

my $raw = do { local (@ARGV, $/) = $inv->{mail}{file}; <> };
ok defined $raw && length $raw, 'the message file is readable';
unlike $raw, qr/(?<!\r)\n/, 'every line ends in CRLF';
unlike $raw, qr/\r(?!\n)/, 'no bare CR';

my ($head) = split /\r\n\r\n/, $raw, 2;
my @subject = grep { /^Subject:/i } split /\r\n(?![ \t])/, $head;
is scalar @subject, 1, 'one Subject header';
like $inv->{mail}{subject}, qr/\QAcme <script>alert(1)<\/script> & "Co" 'x'\E/,
    'the subject names the organization as it is (a header, not HTML)';
unlike $head, qr/^(?:Bcc|Cc):/mi, 'no other recipient headers';

# The parts: text first, then HTML, both quoted-printable.
my ($boundary) = $head =~ /boundary="([^"]+)"/;
ok $boundary, 'a multipart/alternative message';
my @parts = grep { /\S/ && !/^--\s*$/ } split /--\Q$boundary\E/, $raw;
my %part;
for my $p (@parts) {
	my ($h, $b) = split /\r\n\r\n/, $p, 2;
	next unless defined $b;
	my ($type) = $h =~ m{Content-Type:\s*(text/\w+)}i or next;
	$part{lc $type} = decode_qp($b =~ s/\r\n/\n/gr);
}
ok $part{'text/plain'}, 'a text part';
ok $part{'text/html'}, 'an HTML part';

my $text = $part{'text/plain'} // '';
like $text, qr/\Q$evil_org\E/, 'text: names the organization';
like $text, qr/\QOlga <b onmouseover="x()">Owner<\/b>\E/, 'text: names the inviter';
like $text, qr/\badmin\b/, 'text: names the role';
like $text, qr/expires\s+on\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\s+at\s+\d\d:\d\d\s+UTC\s+\(in\s+7\s+days\)/,
    'text: names the expiry, as a date and in 7 days';
like $text, qr/\Q$inv->{link}\E/, 'text: carries the link';

my $html = $part{'text/html'} // '';
unlike $html, qr/<script>/i, 'html: no script element from the organization name';
unlike $html, qr/<b onmouseover/i, 'html: no markup from the inviter name';
like $html, qr/Acme &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;Co&quot; &#39;x&#39;/,
    'html: the organization name is escaped';
like $html, qr/Olga &lt;b onmouseover=&quot;x\(\)&quot;&gt;Owner&lt;\/b&gt;/,
    'html: the inviter name is escaped';
(my $link_html = $inv->{link}) =~ s/&/&amp;/g;
like $html, qr/href="\Q$link_html\E"/, 'html: the link is the same link';

# The landing page of the link escapes the same values.
my $bob = $s->ua;
my $res = $bob->get($inv->{path});
is $bob->page($res), 'invitation-signup', 'the link shows the sign-up page';
unlike $res->{content}, qr/<script>alert/, 'the page does not carry the script';
like $res->{content}, qr/Acme &lt;script&gt;/, 'the page escapes the organization name';
like $res->{content}, qr/Olga &lt;b onmouseover/, 'the page escapes the inviter name';

done_testing;
