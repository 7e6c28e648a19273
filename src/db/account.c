/*
 * SQL for users, sessions, account tokens, rate events and audit events.
 */
#include "db/account.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"
#include "util/str.h"

#define USER_COLS                                                              \
	"u.id, u.email, u.display_name, "                                      \
	"u.email_confirmed_at IS NOT NULL, u.is_platform_admin"

static void
user_from_row(const struct db_rows *r, int row, int col, struct user *u)
{
	u->id = db_val(r, row, col);
	u->email = db_val(r, row, col + 1);
	u->display_name = db_val(r, row, col + 2);
	u->email_confirmed = strcmp(db_val(r, row, col + 3), "t") == 0;
	u->platform_admin = strcmp(db_val(r, row, col + 4), "t") == 0;
}

static char *
num(struct arena *a, long long v)
{
	return arena_printf(a, "%lld", v);
}

enum err
db_user_insert(struct db *db, struct arena *a, const char *email,
    const char *name, const char *pw_hash, bool confirmed,
    const char *invited_by, const char **id)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "INSERT INTO users (email, display_name, password_hash, "
	    "email_confirmed_at, invited_by) VALUES ($1, $2, $3, "
	    "CASE WHEN $4 THEN now() END, $5) RETURNING id",
	    email, name, pw_hash, confirmed ? "true" : "false", invited_by,
	    DB_END);
	if (e == ERR_CONFLICT &&
	    strcmp(db_constraint(db), "users_email_key") == 0)
		return ERR_EMAIL_TAKEN;
	if (e == ERR_OK)
		*id = db_val(r, 0, 0);
	return e;
}

enum err
db_user_by_email(struct db *db, struct arena *a, const char *email,
    struct user *u, const char **pw_hash)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT " USER_COLS ", u.password_hash "
	    "FROM users u WHERE u.email = $1",
	    email, DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows == 0)
		return ERR_NOT_FOUND;
	user_from_row(r, 0, 0, u);
	if (pw_hash != NULL)
		*pw_hash = db_val(r, 0, 5);
	return ERR_OK;
}

enum err
db_user_confirm(struct db *db, const char *id)
{
	return db_q(db, NULL, NULL,
	    "UPDATE users SET email_confirmed_at = "
	    "coalesce(email_confirmed_at, now()) WHERE id = $1",
	    id, DB_END);
}

enum err
db_user_set_password(struct db *db, const char *id, const char *hash)
{
	return db_q(db, NULL, NULL,
	    "UPDATE users SET password_hash = $2 WHERE id = $1", id, hash,
	    DB_END);
}

enum err
db_user_set_admin(struct db *db, const char *id)
{
	return db_q(db, NULL, NULL,
	    "UPDATE users SET is_platform_admin = true WHERE id = $1", id,
	    DB_END);
}

enum err
db_user_count(struct db *db, struct arena *a, long long *n)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r, "SELECT count(*) FROM users", DB_END);
	if (e == ERR_OK)
		*n = atoll(db_val(r, 0, 0));
	return e;
}

enum err
db_lock(struct db *db, struct arena *a, const char *key)
{
	return db_q(db, a, NULL,
	    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key,
	    DB_END);
}

enum err
db_session_insert(struct db *db, struct arena *a, const uint8_t hash[32],
    const char *user_id, long long absolute)
{
	return db_q(db, a, NULL,
	    "INSERT INTO sessions (token_hash, user_id, expires_at) "
	    "VALUES ($1, $2, now() + make_interval(secs => $3))",
	    db_bytea(a, hash, 32), user_id, num(a, absolute), DB_END);
}

enum err
db_session_lookup(struct db *db, struct arena *a, const uint8_t hash[32],
    long long idle, struct user *u)
{
	struct db_rows *r;
	enum err e;

	/* Refreshing last use at most once a minute keeps reads cheap. */
	e = db_q(db, a, &r,
	    "WITH s AS (SELECT id, user_id, last_seen_at FROM sessions "
	    "  WHERE token_hash = $1 AND expires_at > now() "
	    "  AND last_seen_at > now() - make_interval(secs => $2)), "
	    "t AS (UPDATE sessions SET last_seen_at = now() FROM s "
	    "  WHERE sessions.id = s.id "
	    "  AND s.last_seen_at < now() - interval '60 seconds') "
	    "SELECT " USER_COLS " FROM s JOIN users u ON u.id = s.user_id",
	    db_bytea(a, hash, 32), num(a, idle), DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows == 0)
		return ERR_NOT_FOUND;
	user_from_row(r, 0, 0, u);
	return ERR_OK;
}

enum err
db_session_delete(struct db *db, struct arena *a, const uint8_t hash[32])
{
	return db_q(db, a, NULL, "DELETE FROM sessions WHERE token_hash = $1",
	    db_bytea(a, hash, 32), DB_END);
}

enum err
db_session_delete_user(struct db *db, const char *user_id)
{
	return db_q(db, NULL, NULL, "DELETE FROM sessions WHERE user_id = $1",
	    user_id, DB_END);
}

enum err
db_token_insert(struct db *db, struct arena *a, const char *user_id,
    const char *purpose, const uint8_t hash[32], long long ttl)
{
	return db_q(db, a, NULL,
	    "INSERT INTO account_tokens (token_hash, user_id, purpose, "
	    "expires_at) "
	    "VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
	    db_bytea(a, hash, 32), user_id, purpose, num(a, ttl), DB_END);
}

static enum err
token_query(struct db *db, struct arena *a, const char *sql,
    const char *purpose, const uint8_t hash[32], const char **user_id)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r, sql, db_bytea(a, hash, 32), purpose, DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows == 0)
		return ERR_NOT_FOUND;
	*user_id = db_val(r, 0, 0);
	return ERR_OK;
}

enum err
db_token_find(struct db *db, struct arena *a, const char *purpose,
    const uint8_t hash[32], const char **user_id)
{
	return token_query(db, a,
	    "SELECT user_id FROM account_tokens WHERE token_hash = $1 "
	    "AND purpose = $2 AND used_at IS NULL AND expires_at > now()",
	    purpose, hash, user_id);
}

enum err
db_token_use(struct db *db, struct arena *a, const char *purpose,
    const uint8_t hash[32], const char **user_id)
{
	return token_query(db, a,
	    "UPDATE account_tokens SET used_at = now() WHERE token_hash = $1 "
	    "AND purpose = $2 AND used_at IS NULL AND expires_at > now() "
	    "RETURNING user_id",
	    purpose, hash, user_id);
}

enum err
db_rate_count(struct db *db, struct arena *a, const char *bucket,
    long long window, long long *n)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT count(*) FROM rate_events WHERE bucket = $1 "
	    "AND at > now() - make_interval(secs => $2)",
	    bucket, num(a, window), DB_END);
	if (e == ERR_OK)
		*n = atoll(db_val(r, 0, 0));
	return e;
}

enum err
db_rate_add(struct db *db, struct arena *a, const char *bucket)
{
	return db_q(db, a, NULL, "INSERT INTO rate_events (bucket) VALUES ($1)",
	    bucket, DB_END);
}

enum err
db_audit_insert(struct db *db, struct arena *a, const char *actor_id,
    const char *org_id, const char *action, const char *subject_type,
    const char *subject_id, const char *data_json)
{
	return db_q(db, a, NULL,
	    "INSERT INTO audit_events (actor_user_id, organization_id, action, "
	    "subject_type, subject_id, data) VALUES ($1, $2, $3, $4, $5, "
	    "coalesce($6::jsonb, '{}'))",
	    actor_id, org_id, action, subject_type, subject_id, data_json,
	    DB_END);
}
