package Roster::Deb;
# What the package suite (t/package/) shares: when it may skip, a
# scratch directory, commands run with their output kept in a log there,
# the time each step took, and the package built the way docs/install.md
# builds it (`dpkg-buildpackage -b -us -uc` in a clean clone of the
# repository's HEAD; ROSTER_DEB_WORKTREE=1: a copy of the working tree,
# committed or not).
#
#   my $d = Roster::Deb->new(need => [qw(lintian)]);  # plans skip_all when it must
#   my $rc = $d->run('name', @cmd);                    # output in $d->{tmp}/name.log
#   $d->tail('name') ; $d->step('what was done');
#   my $deb = $d->build;                               # two tests; BAIL_OUT without a package
#
# The scratch directory is removed at exit unless ROSTER_DEB_KEEP is set.

use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time);

sub have { system('sh', '-c', "command -v $_[0] >/dev/null 2>&1") == 0 }

sub slurp { open my $fh, '<', $_[0] or return ''; local $/; return scalar <$fh> }

sub ci { my $ci = $ENV{CI} // ''; return $ci eq 'true' || $ci eq '1' }

# Skips the whole test (plan skip_all) where it cannot run: not Debian,
# not root, or a command of need => [...] missing. Under CI it never
# skips: a missing command fails instead.
sub new {
	my ($class, %opt) = @_;
	my @need = (qw(dpkg-buildpackage dh), @{ $opt{need} || [] });
	if (!-x '/usr/bin/dpkg' || !have('apt-get')) {
		plan skip_all => 'not a Debian system: dpkg-buildpackage cannot exist here';
	}
	if (!ci()) {
		plan skip_all => 'needs root' if $> != 0;
		my @missing = grep { !have($_) } @need;
		plan skip_all => "@missing missing (scripts/test installs them)" if @missing;
	}
	$> == 0 or BAIL_OUT('CI must run this as root');
	my $tmp = tempdir('roster-deb.XXXXXX', TMPDIR => 1, CLEANUP => 0);
	chmod 0755, $tmp;
	my $now = time;
	return bless { tmp => $tmp, t0 => $now, tstep => $now, src => $opt{src} }, $class;
}

sub tmp { $_[0]{tmp} }

# Runs a command (list), its output in TMP/NAME.log, stdin /dev/null;
# returns the exit code.
sub run {
	my ($self, $name, @cmd) = @_;
	my $log = "$self->{tmp}/$name.log";
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open STDOUT, '>', $log or die;
		open STDERR, '>&', \*STDOUT or die;
		open STDIN, '<', '/dev/null' or die;
		exec @cmd or exit 127;
	}
	waitpid $pid, 0;
	return $? >> 8;
}

sub log_of { my ($self, $name) = @_; return slurp("$self->{tmp}/$name.log") }

# The last 30 lines of a command's log, as diagnostics.
sub tail {
	my ($self, $name) = @_;
	my @l = split /\n/, $self->log_of($name);
	diag join "\n", "($name.log)", @l[($#l > 30 ? $#l - 30 : 0) .. $#l];
	return;
}

sub step {
	my ($self, $what) = @_;
	my $now = time;
	diag sprintf('%-28s %5.1f s (total %5.1f s)', $what, $now - $self->{tstep}, $now - $self->{t0});
	$self->{tstep} = $now;
	return;
}

sub elapsed { time - $_[0]{t0} }

# Builds the package from SRC into TMP (the tree in TMP/roster, the .deb
# beside it, as dpkg-buildpackage leaves it in ..). Returns the .deb's
# path; sets version, arch and tree.
sub build {
	my ($self) = @_;
	my ($src, $tmp) = @$self{qw(src tmp)};
	my $tree = $self->{tree} = "$tmp/roster";
	if ($ENV{ROSTER_DEB_WORKTREE}) {
		system("mkdir -p '$tree' && cd '$src' && git ls-files -co --exclude-standard -z "
		    . "| xargs -0 tar -cf - | tar -xf - -C '$tree'") == 0 or BAIL_OUT('copy of the working tree failed');
	} else {
		system('git', 'clone', '-q', $src, $tree) == 0 or BAIL_OUT("git clone $src failed");
	}
	chomp(my $version = `cd '$tree' && dpkg-parsechangelog -S Version`);
	chomp(my $arch = `dpkg --print-architecture`);
	@$self{qw(version arch)} = ($version, $arch);
	like $version, qr/^\d+\.\d+\.\d+-\d+$/, "debian/changelog's version ($version)";
	my $rc = $self->run('build', 'sh', '-c', "cd '$tree' && dpkg-buildpackage -b -us -uc");
	is $rc, 0, 'dpkg-buildpackage -b -us -uc' or $self->tail('build');
	my $deb = "$tmp/roster_${version}_$arch.deb";
	ok -f $deb, "../roster_${version}_$arch.deb built" or BAIL_OUT('no package');
	$self->step('build');
	return $deb;
}

# Removes the scratch directory (one file system only: a container's
# mounts never reach here, but a mistake must not follow them).
sub cleanup {
	my ($self) = @_;
	return if $ENV{ROSTER_DEB_KEEP} || !$self->{tmp};
	system('rm', '-rf', '--one-file-system', $self->{tmp});
	return;
}

1;
