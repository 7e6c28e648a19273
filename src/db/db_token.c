/*
 * SQL for single-use account tokens (email confirmation, password reset).
 */
#include "db/db_token.h"

#include "db/db.h"
#include "util/arena.h"

enum err
db_token_insert(struct db *db, struct arena *a, const char *user_id,
    const char *purpose, const uint8_t hash[32], long long ttl)
{
	return db_q(db, a, NULL,
	    "INSERT INTO account_tokens (token_hash, user_id, purpose, "
	    "expires_at) "
	    "VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
	    db_bytea(a, hash, 32), user_id, purpose,
	    arena_printf(a, "%lld", ttl), DB_END);
}

enum err
db_token_find(struct db *db, struct arena *a, const char *purpose,
    const uint8_t hash[32], const char **user_id)
{
	return db_one(db, a, db_value_from_row, user_id,
	    "SELECT user_id FROM account_tokens WHERE token_hash = $1 "
	    "AND purpose = $2 AND used_at IS NULL AND expires_at > now()",
	    db_bytea(a, hash, 32), purpose, DB_END);
}

enum err
db_token_use(struct db *db, struct arena *a, const char *purpose,
    const uint8_t hash[32], const char **user_id)
{
	return db_one(db, a, db_value_from_row, user_id,
	    "UPDATE account_tokens SET used_at = now() WHERE token_hash = $1 "
	    "AND purpose = $2 AND used_at IS NULL AND expires_at > now() "
	    "RETURNING user_id",
	    db_bytea(a, hash, 32), purpose, DB_END);
}
