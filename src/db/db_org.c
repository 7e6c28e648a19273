/*
 * SQL for organizations.
 */
#include "db/db_org.h"

#include <string.h>

#include "db/db.h"
#include "util/arena.h"

void
db_org_from_row(const struct db_rows *r, int row, void *out)
{
	struct org *o = out;

	o->id = db_val(r, row, 0);
	o->slug = db_val(r, row, 1);
	o->name = db_val(r, row, 2);
}

enum err
db_org_insert(struct db *db, struct arena *a, const char *slug,
    const char *name, const char *created_by, const char **id)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "INSERT INTO organizations (slug, name, created_by) "
	    "VALUES ($1, $2, $3) RETURNING id",
	    slug, name, created_by, DB_END);
	if (e == ERR_CONFLICT &&
	    strcmp(db_constraint(db), "organizations_slug_key") == 0)
		return ERR_SLUG_TAKEN;
	if (e == ERR_INVALID &&
	    strcmp(db_constraint(db), "organizations_slug_shape") == 0)
		return ERR_INVALID_SLUG;
	if (e == ERR_OK)
		*id = db_val(r, 0, 0);
	return e;
}

enum err
db_org_by_slug(struct db *db, struct arena *a, const char *slug, struct org *o)
{
	return db_one(db, a, db_org_from_row, o,
	    "SELECT " DB_ORG_COLS " FROM organizations o WHERE o.slug = $1",
	    slug, DB_END);
}
