/*
 * Statements on single-use account tokens, stored as SHA-256 hashes.
 */
#ifndef ROSTER_DB_DB_TOKEN_H
#define ROSTER_DB_DB_TOKEN_H

#include <stdint.h>

#include "util/err.h"

struct arena;
struct db;

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

#endif
