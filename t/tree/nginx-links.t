#!/usr/bin/env perl
# Every URL the application builds with a token in its query (token=,
# invite=) is one of the link pages whose nginx location logs nothing
# (nginx/roster.conf, docs/security.md "Logs"): a new link route that is
# not added there would have its tokens written to nginx's error log
# whenever the workers are down.

use strict;
use warnings;
use File::Find;
use FindBin;
use Test::More;

my $src = $ENV{ROSTER_SRCDIR} // "$FindBin::Bin/../..";

sub slurp {
	my ($f) = @_;
	open my $fh, '<', $f or die "$f: $!\n";
	local $/;
	return scalar <$fh>;
}

my $conf = slurp("$src/nginx/roster.conf");
my ($re) = $conf =~ m{^\s*location ~ (\^/\S+\$) \{\s*\n\s*error_log \S+ emerg;}m;
ok defined $re, 'nginx/roster.conf has a regex location of link pages logging at emerg';
$re //= '^$';
my $quiet = qr/$re/;

# Paths written literally before ?token= or ?invite= (after other
# parameters or not) in the C sources and the templates; and, where the
# path is a %s, every path literal of that file (src/domain/account.c
# passes "/confirm" and "/password/reset" to one link builder).
my %paths;
my @files;
find(sub { push @files, $File::Find::name if -f && /\.(?:c|h|html|txt)$/ }, "$src/src", "$src/templates");
for my $f (sort @files) {
	my $t = slurp($f);
	while ($t =~ m{(/[a-z][a-z/-]*)\?(?:[a-z_]+=[^"&\s]*&)*(?:token|invite)=}g) {
		push @{ $paths{$1} }, $f;
	}
	if ($t =~ /%s\?(?:[a-z_]+=[^"&\s]*&)*(?:token|invite)=/) {
		push @{ $paths{$1} }, $f while $t =~ m{"(/[a-z][a-z/-]*)"}g;
	}
}
ok scalar(keys %paths) >= 5, 'the sources build links with tokens (' . join(' ', sort keys %paths) . ')';
for my $p (sort keys %paths) {
	like $p, $quiet, "$p (in " . join(', ', map { s{^\Q$src\E/}{}r } sort { $a cmp $b } keys %{ { map { $_ => 1 } @{ $paths{$p} } } }) . ') logs nothing in nginx';
}

# The sign-in page takes any of them in next=.
like '/login', $quiet, '/login (next= holds a link) logs nothing in nginx';
unlike '/orgs', $quiet, 'other pages are logged';
unlike '/invitations/accept/signup', $quiet, 'the regex is anchored';

done_testing;
