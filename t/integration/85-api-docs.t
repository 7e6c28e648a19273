#!/usr/bin/env perl
# docs/api.md is true: every ```sh example in it is run with bash against
# a fresh stack (the documented http://127.0.0.1:8080 replaced by the
# stack's address, TOKEN a live token of the documented user, ID an open
# invitation), and each must print one JSON value; where the document
# shows the answer in a ```json block right after, the answer must have
# its shape (the same keys, at every level, with values of the same JSON
# types). The people are made so that the documented ids hold: Olga is
# user 1, owner of acme, Alice user 2, its admin.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP ();
use Test::More;
use Roster::Test;
use Roster::Invite;

plan skip_all => 'curl is not installed' unless grep { -x "$_/curl" } split /:/, $ENV{PATH};

my $s = Roster::Test->start;
my $owner = person($s, 'olga@example.com', 'Olga Owner', confirm => 1);
new_org($owner, 'Acme', 'acme');
my $inv = invite_ok($s, $owner, 'acme', 'alice@example.com', 'admin');
my $alice = $s->ua;
$alice->get($inv->{path});
$alice->post_form('/invitations/accept/signup', { token => $inv->{token}, display_name => 'Alice', password => PASSWORD })
    ->{status} == 303 or die 'alice';
is user_id($s, 'olga@example.com'), 1, 'Olga is user 1, as documented';
is user_id($s, 'alice@example.com'), 2, 'Alice is user 2';
invite_ok($s, $owner, 'acme', 'dana@example.com', 'member');
$owner->get('/me/tokens');
my ($token) = $owner->post_form('/me/tokens', { name => 'docs' })->{content} =~ /data-api-token="([^"]*)"/;
ok $token, 'a token for Olga';

open my $fh, '<', Roster::Test::srcdir() . '/docs/api.md' or die "docs/api.md: $!";
my @lines = <$fh>;
close $fh;
my (@blocks, $cur);
for my $l (@lines) {
	if (!$cur && $l =~ /^```(sh|json)\s*$/) { $cur = { kind => $1, text => '' }; next }
	if ($cur && $l =~ /^```\s*$/) { push @blocks, $cur; undef $cur; next }
	$cur->{text} .= $l if $cur;
}

# The JSON type of a decoded value.
sub jtype {
	my ($v) = @_;
	return 'null' unless defined $v;
	return ref $v eq 'HASH' ? 'object' : ref $v eq 'ARRAY' ? 'array'
	    : JSON::PP::is_bool($v) ? 'boolean' : $v =~ /^-?\d+(\.\d+)?$/ && !ref $v ? 'number' : 'string';
}
# The shape of a value: types, object keys, and the first element of arrays.
sub shape {
	my ($v) = @_;
	my $t = jtype($v);
	return { map { $_ => shape($v->{$_}) } keys %$v } if $t eq 'object';
	return [ @$v ? shape($v->[0]) : () ] if $t eq 'array';
	return $t eq 'null' ? 'any' : $t;
}
# Compares shapes; a documented null or an empty array matches anything.
sub same_shape {
	my ($got, $want) = @_;
	return 1 if !ref $want && $want eq 'any';
	return 0 if ref $got ne ref $want;
	if (ref $want eq 'HASH') {
		return 0 unless join(',', sort keys %$got) eq join(',', sort keys %$want);
		return !grep { !same_shape($got->{$_}, $want->{$_}) } keys %$want;
	}
	if (ref $want eq 'ARRAY') {
		return 1 unless @$want && @$got;
		return same_shape($got->[0], $want->[0]);
	}
	return $got eq $want || $want eq 'any' || $got eq 'any';
}

my $base = $s->base_url;
my ($id, $ran) = ('', 0);
for my $i (0 .. $#blocks) {
	my $b = $blocks[$i];
	next unless $b->{kind} eq 'sh';
	my $script = $b->{text};
	$script =~ s{http://127\.0\.0\.1:8080}{$base}g;
	$script =~ s/^\s*(?:export\s+)?(TOKEN|ID)=.*$//mg;    # set below
	local $ENV{TOKEN} = $token;
	local $ENV{ID} = $id;
	open my $ph, '-|', 'bash', '-e', '-c', $script or die "bash: $!";
	my $out = do { local $/; <$ph> // '' };
	close $ph;
	$ran++;
	my ($path) = $b->{text} =~ m{(/api/v1/[^\s'"]*)};
	my $what = "example $ran (" . ($b->{text} =~ /-X POST|-d / ? 'POST ' : 'GET ') . ($path // '?') . ')';
	is $?, 0, "$what: ran";
	my $v = eval { JSON::PP->new->allow_nonref->decode($out) };
	ok defined $v || $out =~ /^null/, "$what: printed JSON" or diag $out;
	unlike $out, qr/"code":/, "$what: no problem details" or diag $out;
	if ($i < $#blocks && $blocks[$i + 1]{kind} eq 'json') {
		my $want = eval { JSON::PP->new->decode($blocks[$i + 1]{text}) };
		ok defined $want, "$what: the documented answer is JSON" or next;
		ok same_shape(shape($v), shape($want)), "$what: the answer has the documented shape"
		    or diag "got $out";
	}
	$id = $v->{id} if ref $v eq 'HASH' && defined $v->{id} && ($v->{status} // '') eq 'pending';
}
cmp_ok $ran, '>=', 8, "ran every sh example ($ran)";

done_testing;
