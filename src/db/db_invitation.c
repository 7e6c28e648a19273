/*
 * SQL for organization invitations.
 */
#include "db/db_invitation.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"

/* The state is computed by the database so that expiry follows its clock.
 * The inviter's name is a scalar subquery, an index lookup per row: a join
 * would let the planner hash all users when it overestimates an
 * organization's open rows (its history is large). INV_LEAD, the name,
 * INV_TIMES, the delivery state, INV_STATE and the delivery error are the
 * columns inv_from_row reads, in its order. */
#define INV_LEAD                                                               \
	"i.id, i.organization_id, o.slug, o.name, i.email, i.role, "           \
	"i.invited_by, "
#define INV_TIMES                                                              \
	DB_UTC_MINUTE("i.expires_at") ", "                                     \
	"extract(epoch FROM i.expires_at)::bigint, "
#define INV_STATE                                                              \
	"CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted' "                 \
	"  WHEN i.revoked_at IS NOT NULL THEN 'revoked' "                      \
	"  WHEN i.declined_at IS NOT NULL THEN 'declined' "                    \
	"  WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END, "
#define INV_COLS                                                               \
	INV_LEAD "coalesce((SELECT n.display_name FROM users n "               \
		 "  WHERE n.id = i.invited_by), ''), " INV_TIMES                 \
		 "coalesce(d.status, 'queued'), " INV_STATE                      \
		 "CASE WHEN d.status = 'failed' THEN coalesce(d.last_error, '') " \
		 "  ELSE '' END"
#define INV_BASE                                                               \
	" FROM invitations i JOIN organizations o ON o.id = "                  \
	"i.organization_id "
/* d: the invitation's newest email, one index lookup per row. */
#define INV_FROM                                                               \
	INV_BASE "LEFT JOIN LATERAL (SELECT x.status, x.last_error "           \
		 "FROM outbox x WHERE x.invitation_id = i.id "                   \
		 "ORDER BY x.id DESC LIMIT 1) d ON true "
/* The link fields, read with the row (u is its inviter), each named. A
 * link is judged and shown without its delivery: LINK_INV_COLS reads no
 * outbox row (delivery and its error are empty) and takes the inviter's
 * name from u. */
#define LINK_INV_COLS                                                          \
	INV_LEAD "coalesce(u.display_name, ''), " INV_TIMES "'', " INV_STATE "''"
#define LINK_COLS                                                              \
	", u.id IS NOT NULL AS inviter_exists, "                               \
	"coalesce(u.is_platform_admin, false) AS inviter_admin, "              \
	"coalesce(im.role, '') AS inviter_role, "                              \
	"EXISTS (SELECT 1 FROM users k WHERE k.email = i.email) "              \
	"AS invitee_known "
#define LINK_FROM                                                              \
	"LEFT JOIN users u ON u.id = i.invited_by "                            \
	"LEFT JOIN memberships im ON im.organization_id = i.organization_id "  \
	"AND im.user_id = u.id AND im.status = 'active' "
#define OPEN_ROW                                                               \
	"i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.declined_at IS " \
	"NULL"

static void
inv_from_row(const struct db_rows *r, int row, void *out)
{
	struct invitation *v = out;

	v->id = db_val(r, row, 0);
	v->org_id = db_val(r, row, 1);
	v->org_slug = db_val(r, row, 2);
	v->org_name = db_val(r, row, 3);
	v->email = db_val(r, row, 4);
	v->role = db_enum_role(db_val(r, row, 5));
	v->invited_by = db_val(r, row, 6);
	v->inviter_name = db_val(r, row, 7);
	v->expires_at = db_val(r, row, 8);
	v->expires = atoll(db_val(r, row, 9));
	v->delivery = db_val(r, row, 10);
	v->state = db_enum_state(db_val(r, row, 11));
	v->delivery_error = db_val(r, row, 12);
	v->link = false;
}

static void
link_from_row(const struct db_rows *r, int row, void *out)
{
	struct invitation *v = out;

	inv_from_row(r, row, out);
	v->link = true;
	v->inviter_exists = strcmp(db_val(r, row, 13), "t") == 0;
	v->inviter_admin = strcmp(db_val(r, row, 14), "t") == 0;
	v->inviter_role = db_enum_role(db_val(r, row, 15));
	v->invitee_known = strcmp(db_val(r, row, 16), "t") == 0;
}

enum err
db_invitation_by_hash(struct db *db, struct arena *a, const uint8_t hash[32],
    bool lock, struct invitation *out)
{
	return db_one(db, a, link_from_row, out,
	    lock ? "SELECT " LINK_INV_COLS LINK_COLS INV_BASE LINK_FROM
		   "WHERE i.hashed_token = $1 FOR UPDATE OF i"
		 : "SELECT " LINK_INV_COLS LINK_COLS INV_BASE LINK_FROM
		   "WHERE i.hashed_token = $1",
	    db_bytea(a, hash, 32), DB_END);
}

enum err
db_invitation_by_id(struct db *db, struct arena *a, const char *org_id,
    const char *id, bool lock, struct invitation *out)
{
	/* Ids come from paths: anything but digits cannot name a row. */
	if (id == NULL || *id == '\0' ||
	    strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
		return ERR_NOT_FOUND;
	if (org_id == NULL)
		return db_one(db, a, inv_from_row, out,
		    lock ? "SELECT " INV_COLS INV_FROM
			   "WHERE i.id = $1 FOR UPDATE OF i"
			 : "SELECT " INV_COLS INV_FROM "WHERE i.id = $1",
		    id, DB_END);
	return db_one(db, a, inv_from_row, out,
	    lock ? "SELECT " INV_COLS INV_FROM
		   "WHERE i.id = $1 AND i.organization_id = $2 "
		   "FOR UPDATE OF i"
		 : "SELECT " INV_COLS INV_FROM
		   "WHERE i.id = $1 AND i.organization_id = $2",
	    id, org_id, DB_END);
}

enum err
db_invitation_open_for(struct db *db, struct arena *a, const char *org_id,
    const char *email, struct invitation *out)
{
	return db_one(db, a, inv_from_row, out,
	    "SELECT " INV_COLS INV_FROM "WHERE i.organization_id = $1 "
	    "AND i.email = $2 AND " OPEN_ROW " FOR UPDATE OF i",
	    org_id, email, DB_END);
}

enum err
db_invitation_insert(struct db *db, struct arena *a, const char *org_id,
    const char *email, enum role role, const uint8_t hash[32], int64_t expires,
    const char *invited_by, const char **id)
{
	return db_one(db, a, db_value_from_row, id,
	    "INSERT INTO invitations (organization_id, email, "
	    "role, hashed_token, expires_at, invited_by) VALUES ($1, $2, $3, "
	    "$4, "
	    "to_timestamp($5), $6) RETURNING id",
	    org_id, email, db_enum_role_str(role), db_bytea(a, hash, 32),
	    arena_printf(a, "%lld", (long long)expires), invited_by, DB_END);
}

enum err
db_invitation_revoke(struct db *db, struct arena *a, const char *id)
{
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE invitations i SET revoked_at = now() "
	    "WHERE i.id = $1 AND " OPEN_ROW,
	    id, DB_END);
}

enum err
db_invitation_replaced(
    struct db *db, struct arena *a, const char *id, const char *by)
{
	return db_q(db, a, NULL,
	    "UPDATE invitations SET replaced_by = $2 "
	    "WHERE id = $1",
	    id, by, DB_END);
}

enum err
db_invitation_accept(
    struct db *db, struct arena *a, const char *id, const char *user_id)
{
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE invitations i SET accepted_at = now(), "
	    "accepted_by = $2 WHERE i.id = $1 AND " OPEN_ROW,
	    id, user_id, DB_END);
}

enum err
db_invitation_decline(struct db *db, struct arena *a, const char *id)
{
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE invitations i SET declined_at = now() "
	    "WHERE i.id = $1 AND " OPEN_ROW,
	    id, DB_END);
}

enum err
db_invitation_list_org(struct db *db, struct arena *a, const char *org_id,
    struct invitation **out, int *n)
{
	return db_list(db, a, inv_from_row, sizeof(**out), out, n,
	    "SELECT " INV_COLS INV_FROM
	    "WHERE i.organization_id = $1 AND " OPEN_ROW
	    " ORDER BY i.created_at DESC, i.id DESC",
	    org_id, DB_END);
}

enum err
db_invitation_list_email(struct db *db, struct arena *a, const char *email,
    struct invitation **out, int *n)
{
	return db_list(db, a, inv_from_row, sizeof(**out), out, n,
	    "SELECT " INV_COLS INV_FROM "WHERE i.email = $1 AND " OPEN_ROW
	    " AND i.expires_at > now() "
	    "ORDER BY i.created_at DESC, i.id DESC",
	    email, DB_END);
}

enum err
db_invitation_inviter(struct db *db, struct arena *a, const char *id,
    bool *platform_admin, enum role *role)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT u.is_platform_admin, coalesce(m.role, '') "
	    "FROM invitations i JOIN users u ON u.id = i.invited_by "
	    "LEFT JOIN memberships m ON m.organization_id = i.organization_id "
	    "AND m.user_id = u.id AND m.status = $2 WHERE i.id = $1",
	    id, db_enum_status_str(MEMBER_ACTIVE), DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows == 0)
		return ERR_NOT_FOUND;
	*platform_admin = strcmp(db_val(r, 0, 0), "t") == 0;
	*role = db_enum_role(db_val(r, 0, 1));
	return ERR_OK;
}

static void
end_from_row(const struct db_rows *r, int row, void *out)
{
	struct invitation_end *v = out;

	v->inviter_email = db_val(r, row, 0);
	v->newer_at = db_val(r, row, 1);
	v->revoker_name = db_val(r, row, 2);
	v->revoker_email = db_val(r, row, 3);
}

enum err
db_invitation_end(struct db *db, struct arena *a, const char *id,
    struct invitation_end *out)
{
	return db_one(db, a, end_from_row, out,
	    "SELECT coalesce(u.email::text, ''), "
	    "coalesce((SELECT " DB_UTC_MINUTE("n.created_at")
	    " FROM invitations n "
	    "  WHERE n.organization_id = i.organization_id "
	    "  AND n.email = i.email AND (n.created_at, n.id) > "
	    "  (i.created_at, i.id) ORDER BY n.created_at DESC, n.id DESC "
	    "  LIMIT 1), ''), "
	    "coalesce(r.display_name, ''), coalesce(r.email::text, '') "
	    "FROM invitations i LEFT JOIN users u ON u.id = i.invited_by "
	    "LEFT JOIN LATERAL (SELECT e.actor_user_id FROM audit_events e "
	    "  WHERE e.organization_id = i.organization_id "
	    "  AND e.subject_type = 'invitation' AND e.subject_id = i.id "
	    "  AND e.action = 'invitation.revoked' "
	    "  ORDER BY e.id DESC LIMIT 1) x ON true "
	    "LEFT JOIN users r ON r.id = x.actor_user_id WHERE i.id = $1",
	    id, DB_END);
}
