/*
 * SQL for personal API tokens.
 */
#include "db/db_api_token.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/db_user.h"
#include "util/arena.h"

#define TOKEN_COLS                                                             \
	"id, name, extract(epoch FROM created_at)::bigint, "                   \
	"coalesce(extract(epoch FROM last_used_at)::bigint, 0), "              \
	"coalesce(extract(epoch FROM revoked_at)::bigint, 0)"

static void
api_token_from_row(const struct db_rows *r, int row, void *out)
{
	struct api_token *t = out;

	t->id = db_val(r, row, 0);
	t->name = db_val(r, row, 1);
	t->created_at = atoll(db_val(r, row, 2));
	t->last_used_at = atoll(db_val(r, row, 3));
	t->revoked_at = atoll(db_val(r, row, 4));
}

/* True when id can be a row id (1 to 18 digits): anything else names no
 * row, and must not reach the database as a bigint. */
static bool
id_shaped(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n > 18 || id[0] == '0')
		return false;
	return strspn(id, "0123456789") == n;
}

enum err
db_api_token_insert(struct db *db, struct arena *a, const char *user_id,
    const char *name, const uint8_t hash[32], const char **id)
{
	return db_one(db, a, db_value_from_row, id,
	    "INSERT INTO api_tokens (user_id, name, hashed_token) "
	    "VALUES ($1, $2, $3) RETURNING id",
	    user_id, name, db_bytea(a, hash, 32), DB_END);
}

enum err
db_api_token_list(struct db *db, struct arena *a, const char *user_id,
    struct api_token **out, int *n)
{
	return db_list(db, a, api_token_from_row, sizeof(**out), out, n,
	    "SELECT " TOKEN_COLS " FROM api_tokens WHERE user_id = $1 "
	    "ORDER BY revoked_at IS NOT NULL, id DESC",
	    user_id, DB_END);
}

enum err
db_api_token_revoke(struct db *db, struct arena *a, const char *user_id,
    const char *id, struct api_token *t)
{
	enum err e;

	if (!id_shaped(id))
		return ERR_NOT_FOUND;
	/* The row locked first, so that two revocations are told apart. */
	e = db_one(db, a, api_token_from_row, t,
	    "SELECT " TOKEN_COLS " FROM api_tokens WHERE id = $1 "
	    "AND user_id = $2 FOR UPDATE",
	    id, user_id, DB_END);
	if (e != ERR_OK)
		return e;
	if (t->revoked_at != 0)
		return ERR_NOT_PENDING;
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 "
	    "AND revoked_at IS NULL",
	    id, DB_END);
}

enum err
db_api_token_revoke_user(struct db *db, const char *user_id)
{
	return db_q(db, NULL, NULL,
	    "UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 "
	    "AND revoked_at IS NULL",
	    user_id, DB_END);
}

enum err
db_api_token_lookup(
    struct db *db, struct arena *a, const uint8_t hash[32], struct user *u)
{
	/* One statement: the lookup, and the last use refreshed at most
	 * once a minute (an UPDATE in a CTE sees the row as the SELECT
	 * does). */
	return db_one(db, a, db_user_from_row, u,
	    "WITH t AS (SELECT id, user_id, last_used_at FROM api_tokens "
	    "  WHERE hashed_token = $1 AND revoked_at IS NULL), "
	    "s AS (UPDATE api_tokens SET last_used_at = now() FROM t "
	    "  WHERE api_tokens.id = t.id AND (t.last_used_at IS NULL "
	    "  OR t.last_used_at < now() - interval '60 seconds')) "
	    "SELECT " DB_USER_COLS " FROM t JOIN users u ON u.id = t.user_id",
	    db_bytea(a, hash, 32), DB_END);
}
