#!/usr/bin/env perl
# Start-up checks of roster-fcgi: every page the program declares must
# have its template, or the program refuses to start (before it binds
# its socket) and says which template is missing; it never falls back to
# the error page at run time.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Copy qw(copy);
use File::Path qw(make_path);
use Test::More;
use Roster::Test;

my $s = Roster::Test->start;
my $src = Roster::Test->srcdir;
my $fcgi = Roster::Test->builddir . '/roster-fcgi';

is $s->ua->get('/signup')->{status}, 200, 'the stack serves /signup';

# A data directory whose templates lack one page's template.
sub data_without {
	my ($missing) = @_;
	my $dir = $s->state_dir . "/tmp/data-$missing";
	make_path("$dir/templates");
	opendir(my $dh, "$src/templates") or die "templates: $!";
	for my $f (grep { /\.(html|txt)$/ } readdir $dh) {
		next if $f eq $missing;
		copy("$src/templates/$f", "$dir/templates/$f") or die "copy $f: $!";
	}
	closedir $dh;
	return $dir;
}

for my $missing ('signup.html', 'org-members.html', 'error.html') {
	my $dir = data_without($missing);
	my ($st, $out, $err) = $s->_run(cmd => [ $fcgi ], timeout => 30,
	    env => { $s->_child_env(ROSTER_DATA_DIR => $dir,
		ROSTER_FCGI_SOCKET => $s->state_dir . '/run/other.sock') });
	isnt $st, 0, "without $missing roster-fcgi refuses to start";
	like $err, qr/\Q$missing\E/, '... and names the missing template';
	ok !-e $s->state_dir . '/run/other.sock', '... before it binds its socket';
}

# The complete set starts (the running stack is the proof) and a page
# the program has no route for still answers with the error page.
my $res = $s->ua->get('/no/such/page');
is $res->{status}, 404, 'an unknown path is 404';
is $s->ua->page($res), 'not-found', '... on page not-found';

done_testing;
