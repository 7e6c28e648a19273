/*
 * SQL of the seat limit.
 */
#include "db/db_seat.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/db_enum.h"
#include "util/arena.h"

/* The seats taken in organization $1, leaving out the open invitation
 * to $2 (NULL: none); $3 and $4 are the statuses active and pending. */
#define SEATS_TAKEN                                                   \
	"(SELECT count(*) FROM memberships "                          \
	"  WHERE organization_id = $1 AND status IN ($3, $4)) + "     \
	"(SELECT count(*) FROM invitations WHERE organization_id = $1 " \
	"  AND accepted_at IS NULL AND revoked_at IS NULL "           \
	"  AND declined_at IS NULL AND expires_at > now() "           \
	"  AND email IS DISTINCT FROM $2::citext)"

enum err
db_seat_lock(struct db *db, struct arena *a, const char *org_id,
    long long *limit)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT coalesce(seat_limit, 0) FROM organizations "
	    "WHERE id = $1 FOR NO KEY UPDATE",
	    org_id, DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows != 1)
		return ERR_NOT_FOUND;
	*limit = strtoll(db_val(r, 0, 0), NULL, 10);
	return ERR_OK;
}

enum err
db_seat_lock_email(struct db *db, struct arena *a, const char *org_id,
    const char *email, long long *limit, bool *member)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT coalesce(o.seat_limit, 0), EXISTS (SELECT 1 FROM "
	    "memberships m JOIN users u ON u.id = m.user_id "
	    "WHERE m.organization_id = o.id AND u.email = $2 AND m.status = $3) "
	    "FROM organizations o WHERE o.id = $1 FOR NO KEY UPDATE OF o",
	    org_id, email, db_enum_status_str(MEMBER_ACTIVE), DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows != 1)
		return ERR_NOT_FOUND;
	*limit = strtoll(db_val(r, 0, 0), NULL, 10);
	*member = strcmp(db_val(r, 0, 1), "t") == 0;
	return ERR_OK;
}

enum err
db_seat_count(struct db *db, struct arena *a, const char *org_id,
    const char *except_email, long long *used)
{
	struct db_rows *r;
	enum err e;

	/* A statement of its own after the lock: under READ COMMITTED it
	 * sees every change committed before the lock was granted. */
	e = db_q(db, a, &r, "SELECT " SEATS_TAKEN, org_id, except_email,
	    db_enum_status_str(MEMBER_ACTIVE),
	    db_enum_status_str(MEMBER_PENDING), DB_END);
	if (e == ERR_OK)
		*used = strtoll(db_val(r, 0, 0), NULL, 10);
	return e;
}

enum err
db_seat_usage(struct db *db, struct arena *a, const char *org_id,
    bool always, long long *limit, long long *used)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT coalesce(o.seat_limit, 0), CASE WHEN o.seat_limit IS NULL "
	    "AND NOT $5::boolean THEN 0 ELSE " SEATS_TAKEN " END "
	    "FROM organizations o WHERE o.id = $1",
	    org_id, NULL, db_enum_status_str(MEMBER_ACTIVE),
	    db_enum_status_str(MEMBER_PENDING), always ? "true" : "false",
	    DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows != 1)
		return ERR_NOT_FOUND;
	*limit = strtoll(db_val(r, 0, 0), NULL, 10);
	*used = strtoll(db_val(r, 0, 1), NULL, 10);
	return ERR_OK;
}

enum err
db_seat_set_limit(
    struct db *db, struct arena *a, const char *org_id, long long limit)
{
	return db_change_one(db, a, ERR_NOT_FOUND,
	    "UPDATE organizations SET seat_limit = nullif($2::int, 0) "
	    "WHERE id = $1",
	    org_id, arena_printf(a, "%lld", limit), DB_END);
}
