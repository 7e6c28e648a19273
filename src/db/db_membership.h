/*
 * Statements on memberships. Each runs in the caller's transaction (or
 * alone) and copies results into the arena.
 */
#ifndef ROSTER_DB_DB_MEMBERSHIP_H
#define ROSTER_DB_DB_MEMBERSHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db_enum.h"
#include "db/db_org.h"
#include "util/err.h"

struct arena;
struct db;

struct member {
	const char *id; /* membership id */
	const char *user_id;
	const char *email;
	const char *display_name;
	enum role role;
	enum member_status status;
	const char *since; /* date the membership began, YYYY-MM-DD */
	const char *org_id;
	enum member_source source;
	int64_t since_at; /* when it began, unix seconds */
};

/* One of a user's organizations, for the dashboard. */
struct my_org {
	struct org org;
	enum role role;
};

/* An owner-add awaiting its user's consent, as that user's lists show
 * it. */
struct owner_add {
	const char *id; /* membership id */
	struct org org;
	enum role role;
	const char *adder; /* display name of who added, or "" */
	const char *since; /* YYYY-MM-DD */
	int64_t since_at;  /* unix seconds */
};

/* The user's membership in org (any status); ERR_NOT_FOUND when none. */
enum err db_membership_of(struct db *db, struct arena *a, const char *org_id,
    const char *user_id, struct member *m);

/* As db_membership_of, and locks the row FOR UPDATE until the
 * transaction ends. */
enum err db_membership_lock(struct db *db, struct arena *a, const char *org_id,
    const char *user_id, struct member *m);

/* Membership id (any organization), locked FOR UPDATE when lock;
 * ERR_NOT_FOUND when none or when id is not a row id. */
enum err db_membership_by_id(struct db *db, struct arena *a, const char *id,
    bool lock, struct member *m);

/*
 * Locks the organization's row FOR NO KEY UPDATE. Every transaction that
 * may change who owns an organization (role change, removal, leaving)
 * takes it first, so that owners are counted one transaction at a time.
 * (NO KEY: lockers exclude each other, but the foreign-key checks of
 * other rows inserted for the organization meanwhile are not blocked.)
 * ERR_NOT_FOUND when the organization is gone.
 */
enum err db_membership_lock_org(
    struct db *db, struct arena *a, const char *org_id);

/* The organization a membership belongs to, by its id (m->org_id). */
enum err db_membership_org(
    struct db *db, struct arena *a, const char *org_id, struct org *o);

/* The number of active owners of the organization. */
enum err db_membership_owners(
    struct db *db, struct arena *a, const char *org_id, long long *n);

/* Sets the role of membership id. ERR_NOT_FOUND when it is gone. */
enum err db_membership_set_role(
    struct db *db, struct arena *a, const char *id, enum role role);

/* Deletes membership id (the audit trail keeps it). ERR_NOT_FOUND when it
 * is gone. */
enum err db_membership_delete(struct db *db, struct arena *a, const char *id);

/* The owner-adds awaiting the user's consent, newest first. */
enum err db_membership_list_owner_adds(struct db *db, struct arena *a,
    const char *user_id, struct owner_add **out, int *n);

/* Inserts a membership; ERR_ALREADY_MEMBER when one exists. status
 * "active" sets its activation time. */
enum err db_membership_insert(struct db *db, struct arena *a,
    const char *org_id, const char *user_id, enum role role,
    enum member_status status, enum member_source source, const char *added_by,
    const char **id);

/* Makes a pending membership active with role, as made by source.
 * ERR_NOT_PENDING when it is not pending. */
enum err db_membership_activate(struct db *db, struct arena *a, const char *id,
    enum role role, enum member_source source);

/* The organization's memberships, owners first, then by email. */
enum err db_membership_list_org(struct db *db, struct arena *a,
    const char *org_id, struct member **out, int *n);

/* The active organizations of a user, by name. */
enum err db_membership_list_user(struct db *db, struct arena *a,
    const char *user_id, struct my_org **out, int *n);

/* One page of an organization's memberships ordered by user id: at most
 * limit whose user id is above after (NULL: from the first), pending ones
 * only when with_pending. */
enum err db_membership_page(struct db *db, struct arena *a,
    const char *org_id, const char *after, int limit, bool with_pending,
    struct member **out, int *n);

#endif
