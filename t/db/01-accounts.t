#!/usr/bin/env perl
# Database constraints of accounts: users (citext email, shape, display
# name), sessions, account tokens.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;

my $s = Roster::Test->start(db_only => 1);

sub user_sql {
	my ($email, $name) = @_;
	return "INSERT INTO users (email, display_name, password_hash) VALUES ("
	    . $s->quote($email) . ', ' . $s->quote($name // 'Someone') . ", 'x')";
}

# users: email unique, case-insensitively; stored lower-case and trimmed
$s->sql_ok(user_sql('ann@example.com'), 'a user');
$s->sql_fails(user_sql('ann@example.com'), '23505', 'users_email_key', 'the same email twice');
$s->sql_fails(user_sql('Ann@Example.com'), '23514', 'users_email_shape',
    'an email not in lower case');
is $s->sql_one("SELECT count(*) FROM users WHERE email = 'ANN\@EXAMPLE.COM'"), 1,
    'email compares case-insensitively (citext)';
is $s->sql_one("SELECT pg_typeof(email)::text FROM users LIMIT 1"), 'citext', 'email is citext';
$s->sql_fails(user_sql(' bob@example.com'), '23514', 'users_email_shape', 'leading space');
$s->sql_fails(user_sql("bob\@example.com\n"), '23514', 'users_email_shape', 'trailing newline');
$s->sql_fails(user_sql("b\tob\@example.com"), '23514', 'users_email_shape', 'a control character');
$s->sql_fails(user_sql('bob.example.com'), '23514', 'users_email_shape', 'no @');
$s->sql_fails(user_sql('@example.com'), '23514', 'users_email_shape', 'nothing before @');
$s->sql_fails(user_sql('a' x 243 . '@example.com'), '23514', 'users_email_shape', '255 bytes');
$s->sql_ok(user_sql('a' x 242 . '@example.com'), '254 bytes is allowed');
$s->sql_fails(user_sql('carl@example.com', ''), '23514', 'users_display_name_length',
    'an empty display name');
$s->sql_fails(user_sql('carl@example.com', 'x' x 101), '23514', 'users_display_name_length',
    'a display name of 101 characters');
$s->sql_fails("INSERT INTO users (email, display_name, password_hash) VALUES (NULL, 'x', 'x')",
    '23502', undef, 'email is required');

# invited_by: SET NULL when the inviter is deleted
my $ann = $s->sql_one("SELECT id FROM users WHERE email = 'ann\@example.com'");
$s->sql_ok("INSERT INTO users (email, display_name, password_hash, invited_by)
    VALUES ('dora\@example.com', 'Dora', 'x', $ann)", 'a user invited by another');
$s->sql_fails("INSERT INTO users (email, display_name, password_hash, invited_by)
    VALUES ('eve\@example.com', 'Eve', 'x', 999999)", '23503', 'users_invited_by_fkey',
    'invited_by must name a user');
is $s->sql_one("SELECT is_platform_admin FROM users WHERE id = $ann"), 'f',
    'nobody is a platform admin by default';

# sessions: 32-byte hash, unique
my $h = "sha256('session-1'::bytea)";
$s->sql_ok("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($h, $ann, now() + interval '2 hours')",
    'a session');
$s->sql_fails("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($h, $ann, now() + interval '2 hours')",
    '23505', 'sessions_token_hash_key', 'the same session hash twice');
$s->sql_fails("INSERT INTO sessions (token_hash, user_id, expires_at)
    VALUES ('\\x0102'::bytea, $ann, now())", '23514', 'sessions_token_hash_length',
    'a session hash that is not 32 bytes');

# account tokens: purpose, hash length and uniqueness
$s->sql_ok("INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
    VALUES (sha256('t1'::bytea), $ann, 'confirm_email', now() + interval '1 day')", 'a confirmation token');
$s->sql_ok("INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
    VALUES (sha256('t2'::bytea), $ann, 'reset_password', now() + interval '1 hour')", 'a reset token');
$s->sql_fails("INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
    VALUES (sha256('t3'::bytea), $ann, 'login', now())", '23514', 'account_tokens_purpose',
    'an unknown token purpose');
$s->sql_fails("INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
    VALUES (sha256('t1'::bytea), $ann, 'confirm_email', now())", '23505', 'account_tokens_token_hash_key',
    'the same token hash twice');
$s->sql_fails("INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
    VALUES ('\\x00'::bytea, $ann, 'confirm_email', now())", '23514', 'account_tokens_token_hash_length',
    'a token hash that is not 32 bytes');

# deleting a user removes their sessions and tokens, keeps whom they invited
$s->sql_ok("DELETE FROM users WHERE id = $ann", 'a user can be deleted');
is $s->sql_one("SELECT count(*) FROM sessions"), 0, 'their sessions went with them';
is $s->sql_one("SELECT count(*) FROM account_tokens"), 0, 'their tokens went with them';
is $s->sql_one("SELECT count(*) FROM users WHERE email = 'dora\@example.com' AND invited_by IS NULL"), 1,
    'the user they invited stays, invited_by cleared';

done_testing;
