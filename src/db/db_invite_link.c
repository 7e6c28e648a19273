/*
 * SQL for invite links.
 */
#include "db/db_invite_link.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"

/* The state is computed by the database so that expiry follows its clock;
 * these conditions are the ones db_invite_link_use decides by. */
#define LINK_COLS                                                              \
	"l.id, l.organization_id, o.slug, o.name, l.role, l.max_uses, "        \
	"l.uses, l.created_by, coalesce(u.display_name, ''), "                 \
	"extract(epoch FROM l.expires_at)::bigint, "                           \
	"CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked' "                   \
	"  WHEN l.uses >= l.max_uses THEN 'used-up' "                          \
	"  WHEN l.expires_at <= now() THEN 'expired' ELSE 'active' END"
#define LINK_FROM                                                              \
	" FROM invite_links l JOIN organizations o ON o.id = "                 \
	"l.organization_id LEFT JOIN users u ON u.id = l.created_by "

static const char *const states[LINK__MAX] = {
	[LINK_ACTIVE] = "active",
	[LINK_USED_UP] = "used-up",
	[LINK_EXPIRED] = "expired",
	[LINK_REVOKED] = "revoked",
};

const char *
db_invite_link_state_str(enum link_state s)
{
	return (unsigned)s < LINK__MAX ? states[s] : "revoked";
}

static enum link_state
state_of(const char *s)
{
	for (int i = 0; i < LINK__MAX; i++)
		if (s != NULL && strcmp(states[i], s) == 0)
			return (enum link_state)i;
	return LINK_REVOKED;
}

static void
link_from_row(const struct db_rows *r, int row, void *out)
{
	struct invite_link *v = out;

	v->id = db_val(r, row, 0);
	v->org_id = db_val(r, row, 1);
	v->org_slug = db_val(r, row, 2);
	v->org_name = db_val(r, row, 3);
	v->role = db_enum_role(db_val(r, row, 4));
	v->max_uses = atoi(db_val(r, row, 5));
	v->uses = atoi(db_val(r, row, 6));
	v->created_by = db_val(r, row, 7);
	v->creator_name = db_val(r, row, 8);
	v->expires = atoll(db_val(r, row, 9));
	v->state = state_of(db_val(r, row, 10));
}

struct inserted {
	const char *id;
	int64_t expires;
};

static void
inserted_from_row(const struct db_rows *r, int row, void *out)
{
	struct inserted *v = out;

	v->id = db_val(r, row, 0);
	v->expires = atoll(db_val(r, row, 1));
}

enum err
db_invite_link_insert(struct db *db, struct arena *a, const char *org_id,
    int max_uses, int days, const char *created_by, const uint8_t hash[32],
    const char **id, int64_t *expires)
{
	struct inserted v;
	enum err e;

	e = db_one(db, a, inserted_from_row, &v,
	    "INSERT INTO invite_links (organization_id, role, max_uses, "
	    "expires_at, created_by, hashed_token) VALUES ($1, 'member', $2, "
	    "now() + make_interval(days => $3::int), $4, $5) "
	    "RETURNING id, extract(epoch FROM expires_at)::bigint",
	    org_id, arena_printf(a, "%d", max_uses),
	    arena_printf(a, "%d", days), created_by, db_bytea(a, hash, 32),
	    DB_END);
	if (e != ERR_OK)
		return e;
	*id = v.id;
	*expires = v.expires;
	return ERR_OK;
}

enum err
db_invite_link_by_hash(struct db *db, struct arena *a, const uint8_t hash[32],
    struct invite_link *out)
{
	return db_one(db, a, link_from_row, out,
	    "SELECT " LINK_COLS LINK_FROM "WHERE l.hashed_token = $1",
	    db_bytea(a, hash, 32), DB_END);
}

enum err
db_invite_link_by_id(struct db *db, struct arena *a, const char *org_id,
    const char *id, struct invite_link *out)
{
	/* Ids come from paths: anything but digits cannot name a row. */
	if (id == NULL || *id == '\0' ||
	    strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
		return ERR_NOT_FOUND;
	return db_one(db, a, link_from_row, out,
	    "SELECT " LINK_COLS LINK_FROM
	    "WHERE l.id = $1 AND l.organization_id = $2",
	    id, org_id, DB_END);
}

enum err
db_invite_link_use(struct db *db, struct arena *a, const char *id)
{
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE invite_links SET uses = uses + 1 "
	    "WHERE id = $1 AND uses < max_uses AND revoked_at IS NULL "
	    "AND expires_at > now()",
	    id, DB_END);
}

enum err
db_invite_link_revoke(
    struct db *db, struct arena *a, const char *org_id, const char *id)
{
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE invite_links SET revoked_at = now() "
	    "WHERE id = $1 AND organization_id = $2 AND revoked_at IS NULL",
	    id, org_id, DB_END);
}

enum err
db_invite_link_list_org(struct db *db, struct arena *a, const char *org_id,
    struct invite_link **out, int *n)
{
	return db_list(db, a, link_from_row, sizeof(**out), out, n,
	    "SELECT " LINK_COLS LINK_FROM
	    "WHERE l.organization_id = $1 ORDER BY l.id DESC LIMIT 200",
	    org_id, DB_END);
}
