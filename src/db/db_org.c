/*
 * SQL for organizations.
 */
#include "db/db_org.h"

#include <stdlib.h>
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
	o->join_enabled = false;
	o->join_fields = 0;
	o->seat_limit = 0;
}

/* db_org_from_row, then the settings in columns 3 (join_enabled), 4
 * (join_fields joined by commas) and 5 (seat_limit, 0 for none). */
static void
org_settings_from_row(const struct db_rows *r, int row, void *out)
{
	struct org *o = out;
	const char *list = db_val(r, row, 4);

	db_org_from_row(r, row, out);
	o->join_enabled = strcmp(db_val(r, row, 3), "t") == 0;
	o->seat_limit = strtoll(db_val(r, row, 5), NULL, 10);
	while (list != NULL && *list != '\0') {
		size_t n = strcspn(list, ",");
		enum join_field f;

		for (f = 0; f < JOIN_FIELD__MAX; f++)
			if (strlen(db_enum_join_field_str(f)) == n &&
			    strncmp(db_enum_join_field_str(f), list, n) == 0)
				o->join_fields |= 1u << f;
		list += n + (list[n] == ',');
	}
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
	return db_one(db, a, org_settings_from_row, o,
	    "SELECT " DB_ORG_COLS ", o.join_enabled, "
	    "array_to_string(o.join_fields, ','), coalesce(o.seat_limit, 0) "
	    "FROM organizations o WHERE o.slug = $1",
	    slug, DB_END);
}

struct org_for {
	struct org *o;
	enum role *role;
	enum member_status *status;
};

/* org_settings_from_row, then the membership in columns 6 and 7. */
static void
org_for_from_row(const struct db_rows *r, int row, void *out)
{
	struct org_for *f = out;

	org_settings_from_row(r, row, f->o);
	*f->role = db_enum_role(db_val(r, row, 6));
	*f->status = db_enum_status(db_val(r, row, 7));
}

enum err
db_org_by_slug_for(struct db *db, struct arena *a, const char *slug,
    const char *user_id, struct org *o, enum role *role,
    enum member_status *status)
{
	struct org_for f = { .o = o, .role = role, .status = status };

	return db_one(db, a, org_for_from_row, &f,
	    "SELECT " DB_ORG_COLS ", o.join_enabled, "
	    "array_to_string(o.join_fields, ','), coalesce(o.seat_limit, 0), "
	    "coalesce(m.role, ''), "
	    "coalesce(m.status, '') FROM organizations o "
	    "LEFT JOIN memberships m ON m.organization_id = o.id "
	    "AND m.user_id = $2 WHERE o.slug = $1",
	    slug, user_id, DB_END);
}

enum err
db_org_settings_update(struct db *db, struct arena *a, const char *id,
    bool enabled, unsigned fields)
{
	const char *list = "";
	enum err e;

	for (enum join_field f = 0; f < JOIN_FIELD__MAX; f++)
		if (fields & (1u << f))
			list = arena_printf(a, "%s%s%s", list,
			    *list ? "," : "", db_enum_join_field_str(f));
	e = db_q(db, a, NULL,
	    "UPDATE organizations SET join_enabled = $2, join_fields = "
	    "coalesce(string_to_array(nullif($3, ''), ','), '{}') "
	    "WHERE id = $1",
	    id, enabled ? "true" : "false", list, DB_END);
	if (e == ERR_INVALID &&
	    strcmp(db_constraint(db), "organizations_join_fields") == 0)
		return ERR_INVALID_JOIN_FIELDS;
	return e;
}
