/*
 * Statements on organizations, memberships and the audit trail's reading
 * side. Each function runs in the caller's transaction (or alone) and
 * copies results into the arena.
 */
#ifndef ROSTER_DB_ORG_H
#define ROSTER_DB_ORG_H

#include "db/db_enum.h"
#include "util/err.h"

struct arena;
struct db;

struct org {
	const char *id;
	const char *slug;
	const char *name;
};

struct member {
	const char *id; /* membership id */
	const char *user_id;
	const char *email;
	const char *display_name;
	enum role role;
	enum member_status status;
	const char *since;  /* date the membership began, YYYY-MM-DD */
};

/* One of a user's organizations, for the dashboard. */
struct my_org {
	struct org org;
	enum role role;
};

struct audit_row {
	const char *at;    /* YYYY-MM-DD HH:MM UTC */
	const char *actor; /* actor's email or "" */
	const char *action;
	const char *subject_type;
	const char *subject_id;
	const char *data; /* JSON text */
};

/* Inserts an organization; ERR_SLUG_TAKEN when the slug exists. */
enum err db_org_insert(struct db *db, struct arena *a, const char *slug,
    const char *name, const char *created_by, const char **id);

/* Finds an organization by slug; ERR_NOT_FOUND when none. */
enum err db_org_by_slug(
    struct db *db, struct arena *a, const char *slug, struct org *o);

/* The user's membership in org (any status); ERR_NOT_FOUND when none. */
enum err db_membership_of(struct db *db, struct arena *a, const char *org_id,
    const char *user_id, struct member *m);

/* Inserts a membership; ERR_ALREADY_MEMBER when one exists. status
 * "active" sets its activation time. */
enum err db_membership_insert(struct db *db, struct arena *a,
    const char *org_id, const char *user_id, enum role role,
    enum member_status status, enum member_source source,
    const char *added_by, const char **id);

/* Makes a pending membership active with role, as made by source.
 * ERR_NOT_PENDING when it is not pending. */
enum err db_membership_activate(struct db *db, struct arena *a, const char *id,
    enum role role, enum member_source source);

/* The organization's memberships, owners first, then by email. */
enum err db_org_members(struct db *db, struct arena *a, const char *org_id,
    struct member **out, int *n);

/* The active organizations of a user, by name. */
enum err db_user_orgs(struct db *db, struct arena *a, const char *user_id,
    struct my_org **out, int *n);

/* The newest audit events of an organization (at most limit). */
enum err db_org_audit(struct db *db, struct arena *a, const char *org_id,
    int limit, struct audit_row **out, int *n);

#endif
