/*
 * SQL for organizations, memberships and reading the audit trail.
 */
#include "db/org.h"

#include <string.h>

#include "db/db.h"
#include "util/arena.h"

#define ORG_COLS "o.id, o.slug, o.name"
#define MEMBER_COLS                                                            \
	"m.id, m.user_id, u.email, u.display_name, m.role, "                   \
	"m.status, to_char(m.created_at AT TIME ZONE 'UTC', "                  \
	"'YYYY-MM-DD')"

static void
org_from_row(const struct db_rows *r, int row, void *out)
{
	struct org *o = out;

	o->id = db_val(r, row, 0);
	o->slug = db_val(r, row, 1);
	o->name = db_val(r, row, 2);
}

static void
member_from_row(const struct db_rows *r, int row, void *out)
{
	struct member *m = out;

	m->id = db_val(r, row, 0);
	m->user_id = db_val(r, row, 1);
	m->email = db_val(r, row, 2);
	m->display_name = db_val(r, row, 3);
	m->role = db_enum_role(db_val(r, row, 4));
	m->status = db_enum_status(db_val(r, row, 5));
	m->since = db_val(r, row, 6);
}

static void
my_org_from_row(const struct db_rows *r, int row, void *out)
{
	struct my_org *m = out;

	org_from_row(r, row, &m->org);
	m->role = db_enum_role(db_val(r, row, 3));
}

static void
audit_from_row(const struct db_rows *r, int row, void *out)
{
	struct audit_row *e = out;

	e->at = db_val(r, row, 0);
	e->actor = db_val(r, row, 1);
	e->action = db_val(r, row, 2);
	e->subject_type = db_val(r, row, 3);
	e->subject_id = db_val(r, row, 4);
	e->data = db_val(r, row, 5);
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
	return db_one(db, a, org_from_row, o,
	    "SELECT " ORG_COLS " FROM organizations o WHERE o.slug = $1", slug,
	    DB_END);
}

enum err
db_membership_of(struct db *db, struct arena *a, const char *org_id,
    const char *user_id, struct member *m)
{
	return db_one(db, a, member_from_row, m,
	    "SELECT " MEMBER_COLS " FROM memberships m "
	    "JOIN users u ON u.id = m.user_id "
	    "WHERE m.organization_id = $1 AND m.user_id = $2",
	    org_id, user_id, DB_END);
}

enum err
db_membership_insert(struct db *db, struct arena *a, const char *org_id,
    const char *user_id, enum role role, enum member_status status,
    enum member_source source, const char *added_by, const char **id)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "INSERT INTO memberships (organization_id, user_id, "
	    "role, status, source, added_by, activated_at) VALUES ($1, $2, $3, "
	    "$4, $5, $6, CASE WHEN $4 = 'active' THEN now() END) "
	    "ON CONFLICT (organization_id, user_id) DO NOTHING RETURNING id",
	    org_id, user_id, db_enum_role_str(role), db_enum_status_str(status),
	    db_enum_source_str(source), added_by, DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows == 0)
		return ERR_ALREADY_MEMBER;
	if (id != NULL)
		*id = db_val(r, 0, 0);
	return ERR_OK;
}

enum err
db_membership_activate(struct db *db, struct arena *a, const char *id,
    enum role role, enum member_source source)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "UPDATE memberships SET status = 'active', "
	    "activated_at = now(), role = $2, source = $3 "
	    "WHERE id = $1 AND status = 'pending'",
	    id, db_enum_role_str(role), db_enum_source_str(source), DB_END);
	if (e != ERR_OK)
		return e;
	return r->affected == 1 ? ERR_OK : ERR_NOT_PENDING;
}

enum err
db_org_members(struct db *db, struct arena *a, const char *org_id,
    struct member **out, int *n)
{
	return db_list(db, a, member_from_row, sizeof(**out), out, n,
	    "SELECT " MEMBER_COLS " FROM memberships m "
	    "JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 "
	    "ORDER BY array_position(ARRAY['owner','admin','member'], m.role), "
	    "u.email",
	    org_id, DB_END);
}

enum err
db_user_orgs(struct db *db, struct arena *a, const char *user_id,
    struct my_org **out, int *n)
{
	return db_list(db, a, my_org_from_row, sizeof(**out), out, n,
	    "SELECT " ORG_COLS ", m.role FROM memberships m "
	    "JOIN organizations o ON o.id = m.organization_id "
	    "WHERE m.user_id = $1 AND m.status = $2 ORDER BY o.name, "
	    "o.slug",
	    user_id, db_enum_status_str(MEMBER_ACTIVE), DB_END);
}

enum err
db_org_audit(struct db *db, struct arena *a, const char *org_id, int limit,
    struct audit_row **out, int *n)
{
	return db_list(db, a, audit_from_row, sizeof(**out), out, n,
	    "SELECT to_char(e.at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD HH24:MI'), coalesce(u.email::text, ''), e.action, "
	    "e.subject_type, coalesce(e.subject_id::text, ''), e.data::text "
	    "FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id "
	    "WHERE e.organization_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT "
	    "$2",
	    org_id, arena_printf(a, "%d", limit), DB_END);
}
