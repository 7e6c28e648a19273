/*
 * SQL for sessions: a session row holds the SHA-256 of its token.
 */
#include "db/db_session.h"

#include <stdlib.h>

#include "db/db.h"
#include "db/db_user.h"
#include "util/arena.h"

enum err
db_session_insert(struct db *db, struct arena *a, const uint8_t hash[32],
    const char *user_id, long long absolute)
{
	return db_q(db, a, NULL,
	    "INSERT INTO sessions (token_hash, user_id, expires_at) "
	    "VALUES ($1, $2, now() + make_interval(secs => $3))",
	    db_bytea(a, hash, 32), user_id, arena_printf(a, "%lld", absolute),
	    DB_END);
}

enum err
db_session_lookup(struct db *db, struct arena *a, const uint8_t hash[32],
    long long idle, struct user *u)
{
	/* Refreshing last use at most once a minute keeps reads cheap. */
	return db_one(db, a, db_user_from_row, u,
	    "WITH s AS (SELECT id, user_id, last_seen_at FROM sessions "
	    "  WHERE token_hash = $1 AND expires_at > now() "
	    "  AND last_seen_at > now() - make_interval(secs => $2)), "
	    "t AS (UPDATE sessions SET last_seen_at = now() FROM s "
	    "  WHERE sessions.id = s.id "
	    "  AND s.last_seen_at < now() - interval '60 seconds') "
	    "SELECT " DB_USER_COLS " FROM s JOIN users u ON u.id = s.user_id",
	    db_bytea(a, hash, 32), arena_printf(a, "%lld", idle), DB_END);
}

enum err
db_session_peek(struct db *db, struct arena *a, const uint8_t hash[32],
    long long idle, struct user *u)
{
	return db_one(db, a, db_user_from_row, u,
	    "SELECT " DB_USER_COLS " FROM sessions s JOIN users u "
	    "ON u.id = s.user_id WHERE s.token_hash = $1 "
	    "AND s.expires_at > now() "
	    "AND s.last_seen_at > now() - make_interval(secs => $2)",
	    db_bytea(a, hash, 32), arena_printf(a, "%lld", idle), DB_END);
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
