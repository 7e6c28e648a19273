/*
 * Statements on personal API tokens. Hashes are 32-byte SHA-256 values of
 * the token's random bytes; the token itself never reaches the database.
 */
#ifndef ROSTER_DB_DB_API_TOKEN_H
#define ROSTER_DB_DB_API_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct arena;
struct db;
struct user;

/* One token as its owner's list shows it. */
struct api_token {
	const char *id;
	const char *name;
	int64_t created_at;   /* unix seconds */
	int64_t last_used_at; /* unix seconds, 0 when never used */
	int64_t revoked_at;   /* unix seconds, 0 while live */
};

/* Inserts a token of user_id named name; writes its id to *id. */
enum err db_api_token_insert(struct db *db, struct arena *a,
    const char *user_id, const char *name, const uint8_t hash[32],
    const char **id);

/* The user's tokens, live first, newest first within each. */
enum err db_api_token_list(struct db *db, struct arena *a,
    const char *user_id, struct api_token **out, int *n);

/* Revokes the live token id of user_id and fills *t with it.
 * ERR_NOT_FOUND when id is not one of the user's tokens, ERR_NOT_PENDING
 * when it is revoked already. */
enum err db_api_token_revoke(struct db *db, struct arena *a,
    const char *user_id, const char *id, struct api_token *t);

/* Revokes every live token of user_id (a password reset). */
enum err db_api_token_revoke_user(struct db *db, const char *user_id);

/*
 * Finds the live token with that hash and fills *u with its user; in the
 * same statement sets its last use to now when the last use is unset or
 * more than a minute old, so a busy client writes at most once a minute.
 * ERR_NOT_FOUND when no live token has that hash.
 */
enum err db_api_token_lookup(
    struct db *db, struct arena *a, const uint8_t hash[32], struct user *u);

#endif
