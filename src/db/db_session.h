/*
 * Statements on sessions. Hashes are 32-byte SHA-256 values; the raw
 * token never reaches the database.
 */
#ifndef ROSTER_DB_DB_SESSION_H
#define ROSTER_DB_DB_SESSION_H

#include <stdint.h>

#include "util/err.h"

struct user;

struct arena;
struct db;

/* Inserts a session expiring after absolute seconds. */
enum err db_session_insert(struct db *db, struct arena *a,
    const uint8_t hash[32], const char *user_id, long long absolute);

/* Finds the live session with that hash (not past its absolute expiry nor
 * idle for more than idle seconds), refreshes its last use, and fills *u.
 * ERR_NOT_FOUND otherwise. */
enum err db_session_lookup(struct db *db, struct arena *a,
    const uint8_t hash[32], long long idle, struct user *u);

/* As db_session_lookup, but reads only: the last use is not refreshed
 * (error pages show who is looking without writing anything). */
enum err db_session_peek(struct db *db, struct arena *a,
    const uint8_t hash[32], long long idle, struct user *u);

enum err db_session_delete(
    struct db *db, struct arena *a, const uint8_t hash[32]);

/* Ends every session of a user (after a password reset). */
enum err db_session_delete_user(struct db *db, const char *user_id);

#endif
