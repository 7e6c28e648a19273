/*
 * Statements on memberships. Each runs in the caller's transaction (or
 * alone) and copies results into the arena.
 */
#ifndef ROSTER_DB_DB_MEMBERSHIP_H
#define ROSTER_DB_DB_MEMBERSHIP_H

#include <stdbool.h>

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
};

/* One of a user's organizations, for the dashboard. */
struct my_org {
	struct org org;
	enum role role;
};

/* The user's membership in org (any status); ERR_NOT_FOUND when none. */
enum err db_membership_of(struct db *db, struct arena *a, const char *org_id,
    const char *user_id, struct member *m);

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

/* True (in *member) when the address belongs to an active member of the
 * organization. */
enum err db_membership_email_active(struct db *db, struct arena *a,
    const char *org_id, const char *email, bool *member);

#endif
