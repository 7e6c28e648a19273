/*
 * Statements on users, sessions, single-use account tokens, rate-limit
 * events and the audit trail. Each function runs one statement inside the
 * caller's transaction (or alone) and copies what it returns into the
 * arena. Hashes are 32-byte SHA-256 values.
 */
#ifndef ROSTER_DB_ACCOUNT_H
#define ROSTER_DB_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct arena;
struct db;

/* A signed-in or looked-up user. */
struct user {
	const char *id;
	const char *email;
	const char *display_name;
	bool email_confirmed;
	bool platform_admin;
};

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

/* Takes a transaction-scoped advisory lock named by key (serialises
 * operations on one name across workers and hosts). */
enum err db_lock(struct db *db, struct arena *a, const char *key);

/* Inserts a session expiring after absolute seconds. */
enum err db_session_insert(struct db *db, struct arena *a,
    const uint8_t hash[32], const char *user_id, long long absolute);

/* Finds the live session with that hash (not past its absolute expiry nor
 * idle for more than idle seconds), refreshes its last use, and fills *u.
 * ERR_NOT_FOUND otherwise. */
enum err db_session_lookup(struct db *db, struct arena *a,
    const uint8_t hash[32], long long idle, struct user *u);

enum err db_session_delete(
    struct db *db, struct arena *a, const uint8_t hash[32]);

/* Ends every session of a user (after a password reset). */
enum err db_session_delete_user(struct db *db, const char *user_id);

/* Inserts a single-use token for purpose, valid for ttl seconds. */
enum err db_token_insert(struct db *db, struct arena *a, const char *user_id,
    const char *purpose, const uint8_t hash[32], long long ttl);

/* Looks up an unused, unexpired token (no write); writes its user id.
 * ERR_NOT_FOUND otherwise. */
enum err db_token_find(struct db *db, struct arena *a, const char *purpose,
    const uint8_t hash[32], const char **user_id);

/* Marks the token used if it is still usable, atomically; writes its user
 * id. ERR_NOT_FOUND when it is unknown, used or expired. */
enum err db_token_use(struct db *db, struct arena *a, const char *purpose,
    const uint8_t hash[32], const char **user_id);

/* Counts events of bucket within the last window seconds. */
enum err db_rate_count(struct db *db, struct arena *a, const char *bucket,
    long long window, long long *n);

/* Records one event of bucket now. */
enum err db_rate_add(struct db *db, struct arena *a, const char *bucket);

/* Records an audit event; org_id and subject_id may be NULL, data_json
 * NULL means "{}". */
enum err db_audit_insert(struct db *db, struct arena *a, const char *actor_id,
    const char *org_id, const char *action, const char *subject_type,
    const char *subject_id, const char *data_json);

#endif
