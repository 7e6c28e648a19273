/*
 * SQL for users: sign-up, look-up, confirmation, passwords, platform
 * admins.
 */
#include "db/db_user.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"
#include "util/str.h"

void
db_user_from_row(const struct db_rows *r, int row, void *out)
{
	struct user *u = out;

	u->id = db_val(r, row, 0);
	u->email = db_val(r, row, 1);
	u->display_name = db_val(r, row, 2);
	u->email_confirmed = strcmp(db_val(r, row, 3), "t") == 0;
	u->platform_admin = strcmp(db_val(r, row, 4), "t") == 0;
}

enum err
db_user_insert(struct db *db, struct arena *a, const char *email,
    const char *name, const char *pw_hash, bool confirmed,
    const char *invited_by, const char **id)
{
	enum err e = db_one(db, a, db_value_from_row, id,
	    "INSERT INTO users (email, display_name, password_hash, "
	    "email_confirmed_at, invited_by) VALUES ($1, $2, $3, "
	    "CASE WHEN $4 THEN now() END, $5) RETURNING id",
	    email, name, pw_hash, confirmed ? "true" : "false", invited_by,
	    DB_END);

	if (e == ERR_CONFLICT &&
	    strcmp(db_constraint(db), "users_email_key") == 0)
		return ERR_EMAIL_TAKEN;
	return e;
}

enum err
db_user_by_email(struct db *db, struct arena *a, const char *email,
    struct user *u, const char **pw_hash)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT " DB_USER_COLS ", u.password_hash "
	    "FROM users u WHERE u.email = $1",
	    email, DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows == 0)
		return ERR_NOT_FOUND;
	db_user_from_row(r, 0, u);
	if (pw_hash != NULL)
		*pw_hash = db_val(r, 0, 5);
	return ERR_OK;
}

enum err
db_user_confirm(struct db *db, const char *id)
{
	return db_q(db, NULL, NULL,
	    "UPDATE users SET email_confirmed_at = now() "
	    "WHERE id = $1 AND email_confirmed_at IS NULL",
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
