#!/usr/bin/env perl
# Every error code and every flash code the program carries is produced by
# some path. Reads the sources (no database, no build): the constants of
# enum err in src/util/err.h, and the codes of the flash table in src/web/.
# An error code counts as produced when src/ names it outside comments,
# strings and the code's own tables: not as a table index ("[ERR_X] ="), a
# table row's key ("{ ERR_X, ..."), a case label or one side of == / !=.
# A flash code counts as produced when its string, or the enum constant
# that indexes its row, appears in src/ outside such tables (in a
# web_redirect_flash or web_flash_set call, or passed on to one).
#
# The checker first runs on a small made-up tree with an unused code of
# each kind, and must find them there: a parser that stopped seeing the
# tables would otherwise pass silently.

use strict;
use warnings;
use File::Find ();
use File::Path ();
use File::Temp ();
use FindBin;
use Test::More;

my $root = $ENV{ROSTER_SRCDIR} // "$FindBin::Bin/../..";

sub slurp {
	my ($path) = @_;
	open my $fh, '<', $path or die "$path: $!";
	local $/;
	return scalar <$fh>;
}

# C text without comments; string literals kept (keep_strings) or blanked.
sub strip_c {
	my ($text, $keep_strings) = @_;
	$text =~ s{ (/\*.*?\*/) | (//[^\n]*) | ("(?:\\.|[^"\\\n])*") | ('(?:\\.|[^'\\\n])*') }
	    { defined $1 || defined $2 ? ' ' : $keep_strings || defined $4 ? ($3 // $4) : '""' }gsex;
	return $text;
}

# The text after position pos up to the brace that closes the one at pos.
sub brace_body {
	my ($text, $pos) = @_;
	my $depth = 0;
	for (my $i = $pos; $i < length $text; $i++) {
		my $ch = substr $text, $i, 1;
		$depth++ if $ch eq '{';
		next unless $ch eq '}';
		return substr($text, $pos + 1, $i - $pos - 1) if --$depth == 0;
	}
	return undef;
}

# Table rows blanked: "[IDENT] = { ... }" and "{ "string", ... }" rows
# describe codes, they do not produce them.
sub strip_tables {
	my ($text) = @_;
	1 while $text =~ s/\[\s*[A-Z][A-Z0-9_]*\s*\]\s*=\s*\{[^{}]*\}/ /g;
	$text =~ s/\{\s*"[^"]*"\s*,[^{}]*\}/ /g;
	return $text;
}

# Checks the tree at dir; returns (unused error codes, unused flash codes,
# number of error codes, number of flash codes).
sub check_tree {
	my ($dir) = @_;
	my $err_h = slurp("$dir/src/util/err.h");
	my ($enum) = strip_c($err_h, 0) =~ /enum\s+err\s*\{(.*?)\}/s
	    or die "no enum err in $dir/src/util/err.h";
	my @errs = grep { $_ ne 'ERR__MAX' } $enum =~ /\b(ERR_[A-Z0-9_]+)\b/g;

	my (%code, %flash_rows);
	File::Find::find({ no_chdir => 1, wanted => sub {
		return unless /\.[ch]\z/ && -f;
		my $rel = substr $File::Find::name, length("$dir/");
		my $text = strip_c(slurp($File::Find::name), 1);
		# The flash tables: arrays whose name says flash.
		if ($rel =~ m{^src/web/}) {
			while ($text =~ /\b(\w*flash\w*)\s*\[[^\]]*\]\s*=\s*\{/gi) {
				my $body = brace_body($text, $-[0] + length($&) - 1) // next;
				while ($body =~ /(?:\[\s*([A-Z][A-Z0-9_]*)\s*\]\s*=\s*)?\{\s*"([a-z][a-z0-9-]*)"/g) {
					$flash_rows{$2} = $1;
				}
			}
		}
		$code{$rel} = $text unless $rel =~ m{^src/util/err\.[ch]\z};
	} }, "$dir/src");

	my $all = join "\n", map { strip_tables($code{$_}) } sort keys %code;
	(my $nostr = $all) =~ s/"(?:\\.|[^"\\\n])*"/""/g;
	my $produces = sub {
		my ($name) = @_;
		pos($nostr) = 0;
		while ($nostr =~ /\b\Q$name\E\b/g) {
			my ($at, $end) = ($-[0], $+[0]);
			my $before = substr $nostr, $at > 40 ? $at - 40 : 0, $at > 40 ? 40 : $at;
			my $after = substr $nostr, $end, 40;
			next if $before =~ /(?:\[|\{|\bcase|[=!]=)\s*\z/;
			next if $after =~ /\A\s*(?:\]|[=!]=)/;
			return 1;
		}
		return 0;
	};
	my @unused_err = grep { !$produces->($_) } @errs;
	my @unused_flash = grep {
		my $c = $_;
		!($all =~ /"\Q$c\E"/ || (defined $flash_rows{$c} && $produces->($flash_rows{$c})))
	} sort keys %flash_rows;
	return (\@unused_err, \@unused_flash, scalar @errs, scalar keys %flash_rows);
}

# A made-up tree: each kind of table, a producer of each kind, one unused
# code of each kind.
my $fake = File::Temp::tempdir(CLEANUP => 1);
File::Path::make_path("$fake/src/util", "$fake/src/web", "$fake/src/domain");
my %files = (
	'src/util/err.h' => "enum err {\n\tERR_OK = 0,\n\tERR_USED, /* ERR_IN_COMMENT */\n"
	    . "\tERR_COMPARED,\n\tERR_UNUSED,\n\tERR__MAX\n};\n",
	'src/util/err.c' => "static const char *n[] = { [ERR_UNUSED] = \"unused\" };\n",
	'src/web/page.c' => "static const struct v views[ERR__MAX] = {\n"
	    . "\t[ERR_UNUSED] = { 409, NULL, \"x\" },\n\t[ERR_COMPARED] = { 409, NULL, \"y\" },\n};\n"
	    . "static const struct r rows[] = { { ERR_UNUSED, 1 }, };\n"
	    . "static const struct { const char *code, *text; } flashes[] = {\n"
	    . "\t{ \"sent\", \"Sent.\" },\n\t{ \"handed-on\", \"Handed on.\" },\n"
	    . "\t{ \"never\", \"Never.\" },\n};\n"
	    . "static const char *const flash_texts[FLASH__MAX] = {\n"
	    . "\t[FLASH_BY_ENUM] = { \"by-enum\", \"By enum.\" },\n"
	    . "\t[FLASH_UNUSED] = { \"enum-never\", \"Never.\" },\n};\n"
	    . "static const char *titles[][2] = { { \"never\", \"Never\" } };\n"
	    . "void f(void) { web_redirect_flash(c, \"/\", \"sent\"); manage(c, \"handed-on\");\n"
	    . "\tweb_flash_set(c, FLASH_BY_ENUM); /* \"enum-never\" */ }\n",
	'src/domain/rule.c' => "enum err g(enum err e) {\n\tswitch (e) { case ERR_UNUSED: break; }\n"
	    . "\tif (e == ERR_COMPARED || ERR_UNUSED != e) return ERR_OK;\n"
	    . "\tputs(\"ERR_UNUSED\");\n\treturn ERR_USED;\n}\n",
);
for my $f (sort keys %files) {
	open my $fh, '>', "$fake/$f" or die "$fake/$f: $!";
	print $fh $files{$f};
	close $fh;
}
my ($ue, $uf, $ne, $nf) = check_tree($fake);
is $ne, 4, 'made-up tree: the enum constants are found';
is $nf, 5, 'made-up tree: the flash rows of both tables are found';
is_deeply $ue, [qw(ERR_COMPARED ERR_UNUSED)],
    'made-up tree: tables, case labels, comparisons, comments and strings produce nothing';
is_deeply $uf, [qw(enum-never never)], 'made-up tree: the unused flash codes are found';

# The real tree.
($ue, $uf, $ne, $nf) = check_tree($root);
cmp_ok $ne, '>', 10, "src/util/err.h: $ne error codes";
cmp_ok $nf, '>', 5, "src/web: $nf flash codes";
is_deeply $ue, [], 'every error code is produced by some path'
    or diag "never produced: @$ue";
is_deeply $uf, [], 'every flash code is produced by some path'
    or diag "never produced: @$uf";

done_testing;
