/*
 * Statements on users. Each function runs one statement inside the
 * caller's transaction (or alone) and copies what it returns into the
 * arena.
 */
#ifndef ROSTER_DB_DB_USER_H
#define ROSTER_DB_DB_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct arena;
struct db;
struct db_rows;

/* A signed-in or looked-up user. */
struct user {
	const char *id;
	const char *email;
	const char *display_name;
	bool email_confirmed;
	bool platform_admin;
};

/* The columns db_user_from_row reads, of users aliased u. */
#define DB_USER_COLS                                                           \
	"u.id, u.email, u.display_name, "                                      \
	"u.email_confirmed_at IS NOT NULL, u.is_platform_admin"

/* Fills the struct user at out from row of r (DB_USER_COLS first). */
void db_user_from_row(const struct db_rows *r, int row, void *out);

/* Inserts a user; ERR_CONFLICT when the email is taken (citext, so in any
 * case). Writes the new id to *id. */
enum err db_user_insert(struct db *db, struct arena *a, const char *email,
    const char *name, const char *pw_hash, bool confirmed,
    const char *invited_by, const char **id);

/* Finds a user by email; ERR_NOT_FOUND when none. *pw_hash may be NULL. */
enum err db_user_by_email(struct db *db, struct arena *a, const char *email,
    struct user *u, const char **pw_hash);

/* Marks the email confirmed (keeps an earlier time). */
enum err db_user_confirm(struct db *db, const char *id);

enum err db_user_set_password(struct db *db, const char *id, const char *hash);

/* Makes the user a platform admin. */
enum err db_user_set_admin(struct db *db, const char *id);

/* Number of users. */
enum err db_user_count(struct db *db, struct arena *a, long long *n);

#endif
