/*
 * Statements on organizations. Each function runs in the caller's
 * transaction (or alone) and copies results into the arena.
 */
#ifndef ROSTER_DB_DB_ORG_H
#define ROSTER_DB_DB_ORG_H

#include "util/err.h"

struct arena;
struct db;
struct db_rows;

struct org {
	const char *id;
	const char *slug;
	const char *name;
};

/* The columns db_org_from_row reads, of organizations aliased o. */
#define DB_ORG_COLS "o.id, o.slug, o.name"

/* Fills the struct org at out from row of r (DB_ORG_COLS first). */
void db_org_from_row(const struct db_rows *r, int row, void *out);

/* Inserts an organization; ERR_SLUG_TAKEN when the slug exists. */
enum err db_org_insert(struct db *db, struct arena *a, const char *slug,
    const char *name, const char *created_by, const char **id);

/* Finds an organization by slug; ERR_NOT_FOUND when none. */
enum err db_org_by_slug(
    struct db *db, struct arena *a, const char *slug, struct org *o);

#endif
