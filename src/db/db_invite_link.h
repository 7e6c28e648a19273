/*
 * Statements on invite links (sql/004_invite_links.sql). Each runs in the
 * caller's transaction and copies results into the arena. A link's state
 * is judged by the database clock, like an invitation's.
 */
#ifndef ROSTER_DB_INVITE_LINK_H
#define ROSTER_DB_INVITE_LINK_H

#include <stdint.h>

#include "db/db_enum.h"
#include "util/err.h"

struct arena;
struct db;

/* A link's state, in the order the database judges it: revoked first,
 * then used up, then expired. */
enum link_state {
	LINK_ACTIVE,
	LINK_USED_UP,
	LINK_EXPIRED,
	LINK_REVOKED,
	LINK__MAX
};

struct invite_link {
	const char *id;
	const char *org_id;
	const char *org_slug;
	const char *org_name;
	enum role role;           /* always member (a CHECK) */
	int max_uses;
	int uses;
	const char *created_by;   /* user id or NULL */
	const char *creator_name; /* "" when the creator is gone */
	int64_t expires;          /* unix seconds */
	enum link_state state;
};

/* The data-status text of a state ("active", "used-up", "expired",
 * "revoked"). */
const char *db_invite_link_state_str(enum link_state s);

/* Inserts a link of org_id for max_uses joins, expiring days days from
 * now, with the SHA-256 of its raw token; writes its id and expiry (unix
 * seconds). */
enum err db_invite_link_insert(struct db *db, struct arena *a,
    const char *org_id, int max_uses, int days, const char *created_by,
    const uint8_t hash[32], const char **id, int64_t *expires);

/* Finds the link with that token hash (a plain read). ERR_NOT_FOUND when
 * none. */
enum err db_invite_link_by_hash(struct db *db, struct arena *a,
    const uint8_t hash[32], struct invite_link *out);

/* Finds link id of organization org_id (a plain read). ERR_NOT_FOUND when
 * none, of another organization, or id is not a row id. */
enum err db_invite_link_by_id(struct db *db, struct arena *a,
    const char *org_id, const char *id, struct invite_link *out);

/*
 * Counts one use of link id: one conditional UPDATE that succeeds only
 * while the link is active (uses < max_uses, not revoked, not expired),
 * so of any number of concurrent callers exactly the uses left succeed
 * (the row lock serialises them and each re-reads the count). ERR_OK, or
 * ERR_NOT_PENDING when the link is no longer active.
 */
enum err db_invite_link_use(struct db *db, struct arena *a, const char *id);

/* Revokes link id of org_id. ERR_NOT_PENDING when it is revoked already. */
enum err db_invite_link_revoke(
    struct db *db, struct arena *a, const char *org_id, const char *id);

/* The links of an organization, newest first (at most 200). */
enum err db_invite_link_list_org(struct db *db, struct arena *a,
    const char *org_id, struct invite_link **out, int *n);

#endif
