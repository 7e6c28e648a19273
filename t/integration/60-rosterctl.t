#!/usr/bin/env perl
# rosterctl (SPEC §1): bootstrap-admin creates a platform admin with a
# single-use set-password link, promotes a confirmed account as it is, and
# never promotes an unconfirmed account as it stands (whoever signed up
# first may not own the mailbox): its password and sessions go and the
# link decides. purge-expired deletes expired rows and reports counts.
# config prints the table of variables and defaults, and README's
# configuration table says the same.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;

my $s = Roster::Test->start;
my $PW = Roster::Invite::PASSWORD;

# A new address: an account with no usable password and a link.
my $r = $s->rosterctl('bootstrap-admin', 'Root@Example.com');
is $r->{status}, 0, 'bootstrap-admin of a new address succeeds';
my ($link) = $r->{out} =~ m{(http://\S+/password/reset\?token=\S+)};
ok $link, 'it prints a set-password link';
is $s->sql_one(q{SELECT is_platform_admin FROM users WHERE email = 'root@example.com'}), 't',
    'the account is a platform admin';
is $s->sql_one(q{SELECT email_confirmed_at IS NULL FROM users WHERE email = 'root@example.com'}), 't',
    'its address is not confirmed until the link is used';
my $ua = $s->ua;
is $ua->login('root@example.com', 'anything at all')->{status}, 401,
    'nobody can sign in before the password is set';
(my $path = $link) =~ s{^http://[^/]+}{};
my $res = $ua->get($path);
is $ua->page($res), 'password-reset', 'the link opens the set-password page';
my ($token) = $path =~ /token=([^&]+)/;
$res = $ua->post_form('/password/reset', { token => $token, password => $PW });
is $res->{status}, 303, 'the password is set';
is $ua->login('root@example.com', $PW)->{status}, 303, 'the admin signs in';
is $s->sql_one(q{SELECT email_confirmed_at IS NOT NULL FROM users WHERE email = 'root@example.com'}),
    't', 'using the link confirmed the address';
$res = $ua->get('/admin');
is $ua->page($res), 'admin', 'the new admin reaches /admin';
like $res->{content}, qr{href="/admin"}, 'the header shows the admin link';
$res = $ua->post_form('/password/reset', { token => $token, password => $PW });
is $ua->page($res), 'token-invalid', 'the link works once';

# A confirmed account is promoted as it is.
my $conf = person($s, 'cat@example.com', 'Cat', confirm => 1);
$r = $s->rosterctl('bootstrap-admin', 'cat@example.com');
is $r->{status}, 0, 'bootstrap-admin of a confirmed account succeeds';
unlike $r->{out}, qr/token=/, 'without a link';
is $s->sql_one(q{SELECT is_platform_admin FROM users WHERE email = 'cat@example.com'}), 't',
    'the account is a platform admin';
is $conf->get('/')->{status}, 200, 'and its session goes on';

# Promotion keeps what the account had, and a second run changes nothing.
{
	my $dog = person($s, 'dog@example.com', 'Dog', confirm => 1);
	new_org($dog, 'Kennel', 'kennel');
	my $state = sub {
		join "\n", map { join ',', @$_ } $s->psql(q{SELECT u.email, u.is_platform_admin,
		    u.email_confirmed_at, u.display_name, u.password_hash,
		    coalesce((SELECT string_agg(o.slug || ':' || m.role || ':' || m.status, ';')
			FROM memberships m JOIN organizations o ON o.id = m.organization_id
			WHERE m.user_id = u.id), ''),
		    (SELECT count(*) FROM account_tokens t WHERE t.user_id = u.id),
		    (SELECT count(*) FROM audit_events a WHERE a.subject_type = 'user'
			AND a.subject_id = u.id AND a.action = 'user.platform_admin_granted')
		    FROM users u WHERE u.email IN ('dog@example.com', 'cat@example.com') ORDER BY u.email});
	};
	my $before = $state->();
	$r = $s->rosterctl('bootstrap-admin', 'Dog@Example.COM');
	is $r->{status}, 0, 'bootstrap-admin of an owner of an organization succeeds';
	unlike $r->{out}, qr/token=/, '  without a link';
	(my $expect = $before) =~ s/^(dog\@example\.com),f,(.*),0$/$1,t,$2,1/m
	    or BAIL_OUT("unexpected state: $before");
	is $state->(), $expect,
	    'the account is promoted, its password, name, address and membership as they were, one grant audited';
	like $state->(), qr/kennel:owner:active/, '  it still owns its organization';
	is $dog->get('/orgs/kennel')->{status}, 200, '  its session goes on';
	is $s->ua->login('dog@example.com', $PW)->{status}, 303, '  its password still signs in';
	is $s->sql_one(q{SELECT count(*) FROM users WHERE email = 'dog@example.com'}), 1,
	    '  the address in other case made no second account';

	$before = $state->();
	for my $email ('dog@example.com', 'CAT@example.com') {
		$r = $s->rosterctl('bootstrap-admin', $email);
		is $r->{status}, 0, "bootstrap-admin of $email again succeeds";
		unlike $r->{out}, qr/token=/, '  without a link';
	}
	is $state->(), $before, 'running it again on admins changes nothing and audits nothing';
	is $dog->get('/orgs/kennel')->{status}, 200, '  their sessions go on';

	# A new address twice: a fresh link each time, one account, one grant.
	$r = $s->rosterctl('bootstrap-admin', 'eve@example.com');
	my ($first) = $r->{out} =~ m{/password/reset\?token=(\S+)};
	$r = $s->rosterctl('bootstrap-admin', 'eve@example.com');
	my ($second) = $r->{out} =~ m{/password/reset\?token=(\S+)};
	ok $first && $second && $first ne $second, 'a new address run twice gets a link each time';
	is $s->sql_one(q{SELECT count(*) FROM users WHERE email = 'eve@example.com'}), 1, '  one account';
	is $s->sql_one(q{SELECT count(*) FROM audit_events WHERE action = 'user.platform_admin_granted'
	    AND subject_id = (SELECT id FROM users WHERE email = 'eve@example.com')}), 1, '  one grant audited';
	my $eve = $s->ua;
	$eve->get("/password/reset?token=$second");
	is $eve->post_form('/password/reset', { token => $second, password => $PW })->{status}, 303,
	    '  the second link sets the password';
	is $s->ua->login('eve@example.com', $PW)->{status}, 303, '  and eve signs in';
}

# An unconfirmed account: not promoted as it stands.
my $squatter = person($s, 'boss@example.com', 'Not The Boss');
$r = $s->rosterctl('bootstrap-admin', 'boss@example.com');
is $r->{status}, 0, 'bootstrap-admin of an unconfirmed account succeeds';
($link) = $r->{out} =~ m{(http://\S+/password/reset\?token=\S+)};
ok $link, 'it prints a set-password link';
is $squatter->get('/')->{status}, 303, "the earlier holder's session is over";
is $s->ua->login('boss@example.com', $PW)->{status}, 401,
    "the earlier holder's password no longer works";
is $s->sql_one(q{SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE u.email = 'boss@example.com'}), 0, 'no session of that account remains';

# Bad input.
$r = $s->rosterctl('bootstrap-admin', 'not an address');
isnt $r->{status}, 0, 'an invalid address is refused';
like $r->{err}, qr/invalid-email/, '  saying why';
$r = $s->rosterctl('no-such-command');
is $r->{status}, 2, 'an unknown command exits 2 with the usage';
like $r->{err}, qr/^\s+rosterctl config \[--mdoc\]$/m, 'the usage names config';

# purge-expired.
$s->psql(q{INSERT INTO sessions (token_hash, user_id, expires_at)
    SELECT decode(repeat('ab', 32), 'hex'), id, now() - interval '2 days' FROM users LIMIT 1});
$s->psql(q{INSERT INTO organizations (slug, name) VALUES ('purge-org', 'P')});
$s->psql(q{INSERT INTO join_requests (organization_id, email, status, confirm_hash, confirm_expires_at)
    SELECT id, 'old@example.com', 'pending_confirmation', decode(repeat('cd', 32), 'hex'),
    now() - interval '1 hour' FROM organizations WHERE slug = 'purge-org'});
$s->psql(q{INSERT INTO platform_invitations (email, hashed_token, created_at, expires_at)
    VALUES ('gone@example.com', decode(repeat('ef', 32), 'hex'), now() - interval '8 days',
    now() - interval '1 day'),
    ('open@example.com', decode(repeat('12', 32), 'hex'), now(), now() + interval '1 day')});
$s->psql(q{INSERT INTO platform_invitations (email, hashed_token, created_at, expires_at,
    accepted_at, accepted_by)
    SELECT 'took@example.com', decode(repeat('34', 32), 'hex'), now() - interval '8 days',
    now() - interval '1 day', now() - interval '2 days', id FROM users LIMIT 1});
$s->psql(q{DELETE FROM account_tokens});
$s->psql(q{INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at, used_at)
    SELECT decode(repeat('56', 32), 'hex'), id, 'reset_password', now() - interval '2 days', NULL
    FROM users LIMIT 1});
$s->psql(q{INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at, used_at)
    SELECT decode(repeat('78', 32), 'hex'), id, 'confirm_email', now() + interval '1 day',
    now() - interval '2 days' FROM users LIMIT 1});
$s->psql(q{INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
    SELECT decode(repeat('9a', 32), 'hex'), id, 'reset_password', now() + interval '1 hour'
    FROM users LIMIT 1});
$r = $s->rosterctl('purge-expired');
is $r->{status}, 0, 'purge-expired succeeds';
like $r->{out}, qr/^expired account tokens deleted: 2$/m,
    'it deleted the expired reset token and the long-used confirmation token';
is $s->sql_one(q{SELECT count(*) FROM account_tokens WHERE token_hash = decode(repeat('9a', 32), 'hex')}),
    1, 'the live reset token stays';
like $r->{out}, qr/^expired platform invitations deleted: 1$/m,
    'it deleted the expired platform invitation';
is_deeply [ map { $_->[0] } $s->psql('SELECT email FROM platform_invitations ORDER BY email') ],
    [ 'open@example.com', 'took@example.com' ], 'the pending and the accepted ones stay';
like $r->{out}, qr/expired join requests deleted: 1/, 'it deleted the expired join request';
like $r->{out}, qr/expired sessions deleted: 1/, 'and the long-expired session';
is $s->sql_one(q{SELECT count(*) FROM join_requests}), 0, 'no join request is left';

# config: one line per variable, NAME=default  # meaning.
$r = $s->rosterctl({ ROSTER_SIGNUP_MODE => 'no-such-mode' }, 'config');
is $r->{status}, 0, 'config succeeds, whatever the environment holds';
my @config;
for my $line (split /\n/, $r->{out}) {
	my ($name, $def, $req, $about) = $line =~ /^(ROSTER_[A-Z0-9_]+)=(.*?)  # (required: )?(.+)$/
	    or next;
	push @config, [ $name, $req ? 'required' : length $def ? $def : 'unset', $about ];
}
is scalar @config, scalar(split /\n/, $r->{out}), 'every line of it names a variable';
is_deeply [ map { $_->[0] } grep { $_->[1] eq 'required' } @config ], ['ROSTER_SECRET_KEY'],
    'ROSTER_SECRET_KEY is the required one';
my %def = map { $_->[0] => $_->[1] } @config;
is $def{ROSTER_HTTP_PORT}, 8080, 'the HTTP port defaults to 8080';
is $def{ROSTER_INVITE_TTL}, 604800, 'an invitation lives a week by default';

# README's table: the same variables, in the same order, with the same
# defaults and meanings (code spans read as plain text; "required" and
# "unset" stand for no default).
my $readme = do { local $/; open my $fh, '<', Roster::Test->srcdir . '/README.md' or die $!; <$fh> };
my ($section) = $readme =~ /^## Configuration\n(.*?)^## /ms;
my @readme;
for my $line (split /\n/, $section // '') {
	my @cells = $line =~ /^\|\s*`(ROSTER_[A-Z0-9_]+)`\s*\|\s*(.*?)\s*\|\s*(.*?)\s*\|$/ or next;
	tr/`//d for @cells;
	push @readme, \@cells;
}
is_deeply \@readme, \@config, "README's configuration table matches rosterctl config"
    or diag explain { readme => \@readme, config => \@config };

done_testing;
