/*
 * SQL for platform invitations.
 */
#include "db/db_platform_invitation.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"

/* The state is computed by the database so that expiry follows its clock. */
#define PINV_COLS                                                              \
	"p.id, p.email, p.invited_by, "                                        \
	"coalesce(i.display_name, ''), coalesce(i.email::text, ''), "          \
	DB_UTC_MINUTE("p.created_at") ", "                                     \
	DB_UTC_MINUTE("p.expires_at") ", "                                     \
	"p.accepted_by, coalesce(b.email::text, ''), "                         \
	"CASE WHEN p.accepted_at IS NOT NULL THEN 'accepted' "                 \
	"  WHEN p.revoked_at IS NOT NULL THEN 'revoked' "                      \
	"  WHEN p.expires_at <= now() THEN 'expired' ELSE 'pending' END, "     \
	"extract(epoch FROM p.created_at)::bigint, "                           \
	"extract(epoch FROM p.expires_at)::bigint"
#define PINV_FROM                                                              \
	" FROM platform_invitations p "                                        \
	"LEFT JOIN users i ON i.id = p.invited_by "                            \
	"LEFT JOIN users b ON b.id = p.accepted_by "
#define PINV_OPEN "p.accepted_at IS NULL AND p.revoked_at IS NULL"

static void
pinv_from_row(const struct db_rows *r, int row, void *out)
{
	struct platform_invitation *v = out;

	v->id = db_val(r, row, 0);
	v->email = db_val(r, row, 1);
	v->invited_by = db_val(r, row, 2);
	v->inviter_name = db_val(r, row, 3);
	v->inviter_email = db_val(r, row, 4);
	v->created_at = db_val(r, row, 5);
	v->expires_at = db_val(r, row, 6);
	v->accepted_by = db_val(r, row, 7);
	v->accepted_email = db_val(r, row, 8);
	v->state = db_enum_state(db_val(r, row, 9));
	v->created = atoll(db_val(r, row, 10));
	v->expires = atoll(db_val(r, row, 11));
}

enum err
db_platform_invitation_by_hash(struct db *db, struct arena *a,
    const uint8_t hash[32], bool lock, struct platform_invitation *out)
{
	return db_one(db, a, pinv_from_row, out,
	    lock ? "SELECT " PINV_COLS PINV_FROM
		   "WHERE p.hashed_token = $1 FOR UPDATE OF p"
		 : "SELECT " PINV_COLS PINV_FROM "WHERE p.hashed_token = $1",
	    db_bytea(a, hash, 32), DB_END);
}

enum err
db_platform_invitation_by_id(struct db *db, struct arena *a, const char *id,
    struct platform_invitation *out)
{
	/* Ids come from paths: anything but digits cannot name a row. */
	if (id == NULL || *id == '\0' ||
	    strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
		return ERR_NOT_FOUND;
	return db_one(db, a, pinv_from_row, out,
	    "SELECT " PINV_COLS PINV_FROM "WHERE p.id = $1 FOR UPDATE OF p", id,
	    DB_END);
}

enum err
db_platform_invitation_open_for(struct db *db, struct arena *a,
    const char *email, struct platform_invitation *out)
{
	return db_one(db, a, pinv_from_row, out,
	    "SELECT " PINV_COLS PINV_FROM "WHERE p.email = $1 AND " PINV_OPEN
	    " FOR UPDATE OF p",
	    email, DB_END);
}

enum err
db_platform_invitation_insert(struct db *db, struct arena *a, const char *email,
    const uint8_t hash[32], int64_t expires, const char *invited_by,
    const char **id)
{
	return db_one(db, a, db_value_from_row, id,
	    "INSERT INTO platform_invitations (email, hashed_token, "
	    "expires_at, invited_by) VALUES ($1, $2, to_timestamp($3), $4) "
	    "RETURNING id",
	    email, db_bytea(a, hash, 32),
	    arena_printf(a, "%lld", (long long)expires), invited_by, DB_END);
}

enum err
db_platform_invitation_revoke(struct db *db, struct arena *a, const char *id)
{
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE platform_invitations p SET revoked_at = now() "
	    "WHERE p.id = $1 AND " PINV_OPEN,
	    id, DB_END);
}

enum err
db_platform_invitation_accept(
    struct db *db, struct arena *a, const char *id, const char *user_id)
{
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE platform_invitations p SET accepted_at = now(), "
	    "accepted_by = $2 WHERE p.id = $1 AND " PINV_OPEN,
	    id, user_id, DB_END);
}

enum err
db_platform_invitation_list(struct db *db, struct arena *a, int limit,
    struct platform_invitation **out, int *n)
{
	return db_list(db, a, pinv_from_row, sizeof(**out), out, n,
	    "SELECT " PINV_COLS PINV_FROM
	    "ORDER BY p.created_at DESC, p.id DESC LIMIT $1",
	    arena_printf(a, "%d", limit), DB_END);
}

static void
referral_from_row(const struct db_rows *r, int row, void *out)
{
	struct platform_referral *v = out;

	v->inviter_id = db_val(r, row, 0);
	v->inviter_name = db_val(r, row, 1);
	v->inviter_email = db_val(r, row, 2);
	v->accepted = atoll(db_val(r, row, 3));
}

enum err
db_platform_invitation_referrals(
    struct db *db, struct arena *a, struct platform_referral **out, int *n)
{
	return db_list(db, a, referral_from_row, sizeof(**out), out, n,
	    "SELECT u.id, u.display_name, u.email, count(*) "
	    "FROM platform_invitations p JOIN users u ON u.id = p.invited_by "
	    "WHERE p.accepted_at IS NOT NULL "
	    "GROUP BY u.id, u.display_name, u.email "
	    "ORDER BY count(*) DESC, u.id",
	    DB_END);
}

enum err
db_platform_invitation_count_recent(
    struct db *db, struct arena *a, const char *user_id, long long *n)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT count(*) FROM platform_invitations WHERE invited_by = $1 "
	    "AND created_at > now() - interval '1 hour'",
	    user_id, DB_END);
	if (e == ERR_OK)
		*n = atoll(db_val(r, 0, 0));
	return e;
}

enum err
db_platform_invitation_purge(struct db *db, struct arena *a, long long *n)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "DELETE FROM platform_invitations "
	    "WHERE accepted_at IS NULL AND expires_at < now()",
	    DB_END);
	if (e == ERR_OK)
		*n = r->affected;
	return e;
}
