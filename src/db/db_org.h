/*
 * Statements on organizations. Each function runs in the caller's
 * transaction (or alone) and copies results into the arena.
 */
#ifndef ROSTER_DB_DB_ORG_H
#define ROSTER_DB_DB_ORG_H

#include <stdbool.h>

#include "db/db_enum.h"
#include "util/err.h"

struct arena;
struct db;
struct db_rows;

struct org {
	const char *id;
	const char *slug;
	const char *name;
	/* The settings, filled by db_org_by_slug only (false and 0 from
	 * db_org_from_row). */
	bool join_enabled;    /* the public join form is on */
	unsigned join_fields; /* allowed extra fields: bit 1u << join_field */
	long long seat_limit; /* 0: none (a page's view; seat_take reads it
				 again under the row lock) */
};

/* The columns db_org_from_row reads, of organizations aliased o. */
#define DB_ORG_COLS "o.id, o.slug, o.name"

/* Fills the struct org at out from row of r (DB_ORG_COLS first). */
void db_org_from_row(const struct db_rows *r, int row, void *out);

/* Inserts an organization; ERR_SLUG_TAKEN when the slug exists. */
enum err db_org_insert(struct db *db, struct arena *a, const char *slug,
    const char *name, const char *created_by, const char **id);

/* Finds an organization by slug, settings included; ERR_NOT_FOUND when
 * none. */
enum err db_org_by_slug(
    struct db *db, struct arena *a, const char *slug, struct org *o);

/* db_org_by_slug with user_id's membership there, in one statement: its
 * role and status, or ROLE__MAX and MEMBER__MAX when there is none. */
enum err db_org_by_slug_for(struct db *db, struct arena *a, const char *slug,
    const char *user_id, struct org *o, enum role *role,
    enum member_status *status);

/* Sets the join settings of organization id: enabled, and fields (a
 * bitmask of enum join_field) stored as the names' array.
 * ERR_INVALID_JOIN_FIELDS when the schema refuses a name. */
enum err db_org_settings_update(struct db *db, struct arena *a,
    const char *id, bool enabled, unsigned fields);

#endif
