/*
 * SQL for rate-limit events.
 */
#include "db/db_rate.h"

#include <stdlib.h>

#include "db/db.h"
#include "util/arena.h"

enum err
db_rate_count(struct db *db, struct arena *a, const char *bucket,
    long long window, long long *n)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT count(*) FROM rate_events WHERE bucket = $1 "
	    "AND at > now() - make_interval(secs => $2)",
	    bucket, arena_printf(a, "%lld", window), DB_END);
	if (e == ERR_OK)
		*n = atoll(db_val(r, 0, 0));
	return e;
}

enum err
db_rate_take(struct db *db, struct arena *a, const char *bucket,
    long long hour_limit, long long day_limit, long long *hour, long long *day)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "WITH c AS (SELECT count(*) FILTER (WHERE at > now() - "
	    "  interval '1 hour') AS h, count(*) AS d FROM rate_events "
	    "  WHERE bucket = $1 AND at > now() - interval '1 day'), "
	    "i AS (INSERT INTO rate_events (bucket) SELECT $1 FROM c "
	    "  WHERE c.h < $2::bigint AND c.d < $3::bigint) "
	    "SELECT h, d FROM c",
	    bucket, arena_printf(a, "%lld", hour_limit),
	    arena_printf(a, "%lld", day_limit), DB_END);
	if (e == ERR_OK) {
		*hour = atoll(db_val(r, 0, 0));
		*day = atoll(db_val(r, 0, 1));
	}
	return e;
}

enum err
db_rate_invitations(struct db *db, struct arena *a, const char *user_id,
    const char *org_id, const char *user_bucket, const char *org_bucket,
    long long window, long long *by_user, long long *by_org)
{
	struct db_rows *r;
	enum err e;

	/* Each count is over an index on (key, time): invited_by or
	 * organization_id with created_at, bucket with at. */
	e = db_q(db, a, &r,
	    "WITH w AS (SELECT now() - make_interval(secs => $5) AS t) "
	    "SELECT (SELECT count(*) FROM invitations, w "
	    "  WHERE invited_by = $1 AND created_at > w.t) + "
	    " (SELECT count(*) FROM rate_events, w "
	    "  WHERE bucket = $3 AND at > w.t), "
	    " (SELECT count(*) FROM invitations, w "
	    "  WHERE organization_id = $2 AND created_at > w.t) + "
	    " (SELECT count(*) FROM rate_events, w "
	    "  WHERE bucket = $4 AND at > w.t)",
	    user_id, org_id, user_bucket, org_bucket,
	    arena_printf(a, "%lld", window), DB_END);
	if (e == ERR_OK) {
		*by_user = atoll(db_val(r, 0, 0));
		*by_org = atoll(db_val(r, 0, 1));
	}
	return e;
}

enum err
db_rate_add(struct db *db, struct arena *a, const char *bucket)
{
	return db_q(db, a, NULL, "INSERT INTO rate_events (bucket) VALUES ($1)",
	    bucket, DB_END);
}

enum err
db_rate_hold(struct db *db, struct arena *a, const char *bucket, char **held)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "INSERT INTO rate_events (bucket) VALUES ($1) RETURNING ctid::text",
	    bucket, DB_END);
	if (e == ERR_OK)
		*held = arena_strdup(a, db_val(r, 0, 0));
	return e;
}

enum err
db_rate_release(struct db *db, struct arena *a, const char *held)
{
	return db_q(db, a, NULL, "DELETE FROM rate_events WHERE ctid = $1::tid",
	    held, DB_END);
}
