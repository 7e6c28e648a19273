/*
 * Reading the mailers' delivery counters and the outbox's backlog.
 */
#include "db/db_mailstat.h"

#include <limits.h>
#include <stdlib.h>

#include "db/db.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/str.h"

enum err
db_mailstat_list(
    struct db *db, struct arena *a, struct mail_counter **out, int *n)
{
	struct mail_counter *mc;
	struct db_rows *r;
	enum err e;

	if ((e = db_ensure(db)) != ERR_OK)
		return e;
	e = db_q(db, a, &r,
	    "SELECT name, value FROM mail_counters ORDER BY name", DB_END);
	if (e != ERR_OK)
		return e;
	mc = arena_calloc(a, (size_t)r->nrows + 1, sizeof(*mc));
	for (int i = 0; i < r->nrows; i++) {
		mc[i].name = db_val(r, i, 0);
		if (str_tonum(db_val(r, i, 1), LLONG_MIN, LLONG_MAX,
			&mc[i].value, NULL) == -1) {
			log_err(
			    "mail_counters: %s is not a number", mc[i].name);
			return ERR_DATABASE;
		}
	}
	*out = mc;
	*n = r->nrows;
	return ERR_OK;
}

enum err
db_mailstat_backlog(struct db *db, struct arena *a, struct mail_backlog *out)
{
	struct db_rows *r;
	long long n, w;
	enum err e;

	if ((e = db_ensure(db)) != ERR_OK)
		return e;
	/* outbox_due_idx and webhook_deliveries_due_idx cover exactly the
	 * queued rows; both backlogs in one round trip. */
	e = db_q(db, a, &r,
	    "SELECT o.n, o.age, w.n, w.age FROM"
	    " (SELECT count(*) AS n, coalesce(extract(epoch FROM"
	    "   now() - min(created_at)), 0)::float8 AS age"
	    "  FROM outbox WHERE status = 'queued') o,"
	    " (SELECT count(*) AS n, coalesce(extract(epoch FROM"
	    "   now() - min(created_at)), 0)::float8 AS age"
	    "  FROM webhook_deliveries WHERE status = 'queued') w",
	    DB_END);
	if (e != ERR_OK)
		return e;
	if (r->nrows != 1 ||
	    str_tonum(db_val(r, 0, 0), 0, LLONG_MAX, &n, NULL) == -1 ||
	    str_tonum(db_val(r, 0, 2), 0, LLONG_MAX, &w, NULL) == -1) {
		log_err("outbox backlog: unexpected answer");
		return ERR_DATABASE;
	}
	out->queued = n;
	out->oldest_seconds = strtod(db_val(r, 0, 1), NULL);
	if (!(out->oldest_seconds > 0))
		out->oldest_seconds = 0;
	out->webhook_queued = w;
	out->webhook_oldest_seconds = strtod(db_val(r, 0, 3), NULL);
	if (!(out->webhook_oldest_seconds > 0))
		out->webhook_oldest_seconds = 0;
	return ERR_OK;
}
