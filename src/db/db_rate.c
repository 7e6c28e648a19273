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
