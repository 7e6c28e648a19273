/*
 * Statements on platform invitations (sql/003_platform_invitations.sql).
 * Each runs in the caller's transaction and copies results into the
 * arena. A row's state is judged by the database clock, as for
 * organization invitations (enum inv_state: pending, expired, accepted,
 * revoked).
 */
#ifndef ROSTER_DB_PLATFORM_INVITATION_H
#define ROSTER_DB_PLATFORM_INVITATION_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db_enum.h"
#include "util/err.h"

struct arena;
struct db;

struct platform_invitation {
	const char *id;
	const char *email;
	const char *invited_by;     /* user id, NULL when the inviter is gone */
	const char *inviter_name;   /* "" when the inviter is gone */
	const char *inviter_email;  /* "" when the inviter is gone */
	const char *created_at;     /* YYYY-MM-DD HH:MM UTC */
	const char *expires_at;     /* YYYY-MM-DD HH:MM UTC */
	const char *accepted_by;    /* the account it became, NULL when none */
	const char *accepted_email; /* that account's address, "" when none */
	enum inv_state state;
	int64_t created;            /* unix seconds */
	int64_t expires;            /* unix seconds */
};

/* Accepted platform invitations of one inviter. */
struct platform_referral {
	const char *inviter_id;
	const char *inviter_name;
	const char *inviter_email;
	long long accepted;
};

/* Finds the row with that token hash, locked FOR UPDATE when lock.
 * ERR_NOT_FOUND when none. */
enum err db_platform_invitation_by_hash(struct db *db, struct arena *a,
    const uint8_t hash[32], bool lock, struct platform_invitation *out);

/* Finds row id, locked FOR UPDATE. ERR_NOT_FOUND when none (or id is not
 * a row id). */
enum err db_platform_invitation_by_id(struct db *db, struct arena *a,
    const char *id, struct platform_invitation *out);

/* The open row for an address, locked FOR UPDATE; ERR_NOT_FOUND when
 * none. */
enum err db_platform_invitation_open_for(struct db *db, struct arena *a,
    const char *email, struct platform_invitation *out);

/* Inserts an open row expiring at the unix time expires; writes its id. */
enum err db_platform_invitation_insert(struct db *db, struct arena *a,
    const char *email, const uint8_t hash[32], int64_t expires,
    const char *invited_by, const char **id);

/* Ends open row id as revoked; ERR_NOT_PENDING when it is not open. */
enum err db_platform_invitation_revoke(
    struct db *db, struct arena *a, const char *id);

/* Stamps open row id accepted by user_id; ERR_NOT_PENDING when it is not
 * open. */
enum err db_platform_invitation_accept(
    struct db *db, struct arena *a, const char *id, const char *user_id);

/* Every row, newest first, at most limit of them. */
enum err db_platform_invitation_list(struct db *db, struct arena *a, int limit,
    struct platform_invitation **out, int *n);

/* The accepted rows counted per inviter, most first. */
enum err db_platform_invitation_referrals(
    struct db *db, struct arena *a, struct platform_referral **out, int *n);

/* Rows created by user_id in the last hour. */
enum err db_platform_invitation_count_recent(
    struct db *db, struct arena *a, const char *user_id, long long *n);

/* Deletes rows past their expiry that were never accepted; writes the
 * count. */
enum err db_platform_invitation_purge(
    struct db *db, struct arena *a, long long *n);

#endif
