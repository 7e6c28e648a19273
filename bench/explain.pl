#!/usr/bin/env perl
# EXPLAIN (ANALYZE, BUFFERS) of Roster's hot queries at 10^6 invitations,
# for docs/performance.md: starts a private PostgreSQL cluster with the
# test harness (the schema migrated, no web stack), seeds it with
# bench/explain-seed.sql (generate_series; about a minute), runs
# bench/explain.sql through psql and prints its output. The cluster and
# its state are removed when it ends.
#
#   ROSTER_BUILDDIR=... bench/explain.pl > explain.txt
#
# Core Perl modules only.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);
my $url = $s->db_url('admin');
my $psql = Roster::Test::pg_bin() . '/psql';
system($psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $url,
    '-f', "$FindBin::Bin/explain-seed.sql") == 0 or die "explain: seeding failed\n";
system($psql, '-X', '-d', $url, '-f', "$FindBin::Bin/explain.sql") == 0
    or die "explain: psql failed\n";
$s->stop;
