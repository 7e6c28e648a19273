/*
 * SQL for memberships: who belongs to which organization, with which
 * role, since when.
 */
#include "db/db_membership.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"

#define MEMBER_COLS                                                            \
	"m.id, m.user_id, u.email, u.display_name, m.role, "                   \
	"m.status, to_char(m.created_at AT TIME ZONE 'UTC', "                  \
	"'YYYY-MM-DD'), m.organization_id, m.source, "                        \
	"extract(epoch FROM m.created_at)::bigint"

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
	m->org_id = db_val(r, row, 7);
	m->source = db_enum_source(db_val(r, row, 8));
	m->since_at = atoll(db_val(r, row, 9));
}

static void
owner_add_from_row(const struct db_rows *r, int row, void *out)
{
	struct owner_add *o = out;

	o->id = db_val(r, row, 0);
	o->org.id = db_val(r, row, 1);
	o->org.slug = db_val(r, row, 2);
	o->org.name = db_val(r, row, 3);
	o->role = db_enum_role(db_val(r, row, 4));
	o->adder = db_val(r, row, 5);
	o->since = db_val(r, row, 6);
	o->since_at = atoll(db_val(r, row, 7));
}

/* Ids come from paths: anything but 1 to 18 digits names no row. */
static bool
row_id(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	return n > 0 && n <= 18 && strspn(id, "0123456789") == n;
}

static void
my_org_from_row(const struct db_rows *r, int row, void *out)
{
	struct my_org *m = out;

	db_org_from_row(r, row, &m->org);
	m->role = db_enum_role(db_val(r, row, 3));
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
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE memberships SET status = 'active', "
	    "activated_at = now(), role = $2, source = $3 "
	    "WHERE id = $1 AND status = 'pending'",
	    id, db_enum_role_str(role), db_enum_source_str(source), DB_END);
}

enum err
db_membership_list_org(struct db *db, struct arena *a, const char *org_id,
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
db_membership_list_user(struct db *db, struct arena *a, const char *user_id,
    struct my_org **out, int *n)
{
	return db_list(db, a, my_org_from_row, sizeof(**out), out, n,
	    "SELECT " DB_ORG_COLS ", m.role FROM memberships m "
	    "JOIN organizations o ON o.id = m.organization_id "
	    "WHERE m.user_id = $1 AND m.status = $2 ORDER BY o.name, "
	    "o.slug",
	    user_id, db_enum_status_str(MEMBER_ACTIVE), DB_END);
}

enum err
db_membership_lock(struct db *db, struct arena *a, const char *org_id,
    const char *user_id, struct member *m)
{
	if (!row_id(user_id))
		return ERR_NOT_FOUND;
	return db_one(db, a, member_from_row, m,
	    "SELECT " MEMBER_COLS " FROM memberships m "
	    "JOIN users u ON u.id = m.user_id "
	    "WHERE m.organization_id = $1 AND m.user_id = $2 "
	    "FOR UPDATE OF m",
	    org_id, user_id, DB_END);
}

enum err
db_membership_by_id(
    struct db *db, struct arena *a, const char *id, bool lock, struct member *m)
{
	if (!row_id(id))
		return ERR_NOT_FOUND;
	return db_one(db, a, member_from_row, m,
	    lock ? "SELECT " MEMBER_COLS " FROM memberships m "
		   "JOIN users u ON u.id = m.user_id WHERE m.id = $1 "
		   "FOR UPDATE OF m"
		 : "SELECT " MEMBER_COLS " FROM memberships m "
		   "JOIN users u ON u.id = m.user_id WHERE m.id = $1",
	    id, DB_END);
}

enum err
db_membership_lock_org(struct db *db, struct arena *a, const char *org_id)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE",
	    org_id, DB_END);
	if (e != ERR_OK)
		return e;
	return r->nrows == 1 ? ERR_OK : ERR_NOT_FOUND;
}

enum err
db_membership_owners(
    struct db *db, struct arena *a, const char *org_id, long long *n)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT count(*) FROM memberships WHERE organization_id = $1 "
	    "AND role = $2 AND status = $3",
	    org_id, db_enum_role_str(ROLE_OWNER),
	    db_enum_status_str(MEMBER_ACTIVE), DB_END);
	if (e == ERR_OK)
		*n = strtoll(db_val(r, 0, 0), NULL, 10);
	return e;
}

enum err
db_membership_set_role(
    struct db *db, struct arena *a, const char *id, enum role role)
{
	return db_change_one(db, a, ERR_NOT_FOUND,
	    "UPDATE memberships SET role = $2 WHERE id = $1", id,
	    db_enum_role_str(role), DB_END);
}

enum err
db_membership_delete(struct db *db, struct arena *a, const char *id)
{
	return db_change_one(db, a, ERR_NOT_FOUND,
	    "DELETE FROM memberships WHERE id = $1", id, DB_END);
}

enum err
db_membership_list_owner_adds(struct db *db, struct arena *a,
    const char *user_id, struct owner_add **out, int *n)
{
	return db_list(db, a, owner_add_from_row, sizeof(**out), out, n,
	    "SELECT m.id, o.id, o.slug, o.name, m.role, "
	    "coalesce(b.display_name, ''), "
	    "to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), "
	    "extract(epoch FROM m.created_at)::bigint "
	    "FROM memberships m JOIN organizations o "
	    "ON o.id = m.organization_id "
	    "LEFT JOIN users b ON b.id = m.added_by "
	    "WHERE m.user_id = $1 AND m.status = $2 AND m.source = $3 "
	    "ORDER BY m.created_at DESC, m.id DESC",
	    user_id, db_enum_status_str(MEMBER_PENDING),
	    db_enum_source_str(SOURCE_OWNER_ADD), DB_END);
}

enum err
db_membership_org(
    struct db *db, struct arena *a, const char *org_id, struct org *o)
{
	return db_one(db, a, db_org_from_row, o,
	    "SELECT " DB_ORG_COLS " FROM organizations o WHERE o.id = $1",
	    org_id, DB_END);
}

enum err
db_membership_page(struct db *db, struct arena *a, const char *org_id,
    const char *after, int limit, bool with_pending, struct member **out,
    int *n)
{
	return db_list(db, a, member_from_row, sizeof(**out), out, n,
	    "SELECT " MEMBER_COLS " FROM memberships m "
	    "JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 "
	    "AND m.user_id > coalesce($2::bigint, 0) "
	    "AND (m.status = $5 OR $3::boolean) "
	    "ORDER BY m.user_id LIMIT $4",
	    org_id, after, with_pending ? "true" : "false",
	    arena_printf(a, "%d", limit), db_enum_status_str(MEMBER_ACTIVE),
	    DB_END);
}
