/*
 * SQL for webhooks and their deliveries.
 */
#include "db/db_webhook.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"
#include "util/buf.h"

#define DB_WEBHOOK_TIME(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')"

/* Whether id can name a row: 1 to 18 digits (ids come from paths). */
static bool
db_webhook_id_ok(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	return n > 0 && n <= 18 && strspn(id, "0123456789") == n;
}

enum err
db_webhook_insert(struct db *db, struct arena *a, const char *org_id,
    const char *url, const char *const *events, int n, const uint8_t *box,
    size_t boxlen, const char *created_by, const char **id)
{
	struct db_rows *r;
	struct buf list;
	enum err e;

	/* A text[] literal: every name is quoted (names are known words,
	 * but the literal must not depend on it). */
	buf_init(&list, a);
	buf_putc(&list, '{');
	for (int i = 0; i < n; i++) {
		if (strpbrk(events[i], "\"\\") != NULL)
			return ERR_INVALID;
		buf_printf(&list, "%s\"%s\"", i ? "," : "", events[i]);
	}
	buf_putc(&list, '}');
	e = db_q(db, a, &r,
	    "INSERT INTO webhooks (organization_id, url, events, secret, "
	    "created_by) VALUES ($1, $2, $3::text[], $4, $5) RETURNING id",
	    org_id, url, list.data, db_bytea(a, box, boxlen), created_by,
	    DB_END);
	if (e == ERR_OK)
		*id = arena_strdup(a, db_val(r, 0, 0));
	return e;
}

enum err
db_webhook_count(
    struct db *db, struct arena *a, const char *org_id, long long *n)
{
	struct db_rows *r;
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT count(*) FROM webhooks WHERE organization_id = $1", org_id,
	    DB_END);
	if (e == ERR_OK)
		*n = strtoll(db_val(r, 0, 0), NULL, 10);
	return e;
}

static void
webhook_from_row(const struct db_rows *r, int row, void *out)
{
	struct webhook *w = out;

	w->id = db_val(r, row, 0);
	w->url = db_val(r, row, 1);
	w->events = db_val(r, row, 2);
	w->created_at = db_val(r, row, 3);
}

enum err
db_webhook_list(struct db *db, struct arena *a, const char *org_id,
    struct webhook **out, int *n)
{
	return db_list(db, a, webhook_from_row, sizeof(**out), out, n,
	    "SELECT id, url, array_to_string(events, ', '), "
	    DB_WEBHOOK_TIME("created_at")
	    " FROM webhooks WHERE organization_id = $1 ORDER BY id",
	    org_id, DB_END);
}

static void
delivery_from_row(const struct db_rows *r, int row, void *out)
{
	struct webhook_delivery *d = out;

	d->id = db_val(r, row, 0);
	d->webhook_id = db_val(r, row, 1);
	d->event = db_val(r, row, 2);
	d->status = db_val(r, row, 3);
	d->attempts = atoi(db_val(r, row, 4));
	d->last_status = db_val(r, row, 5);
	d->created_at = db_val(r, row, 6);
}

enum err
db_webhook_deliveries(struct db *db, struct arena *a, const char *org_id,
    int per, struct webhook_delivery **out, int *n)
{
	/* Each endpoint's newest rows through webhook_deliveries_webhook_idx,
	 * read backwards: a long history costs nothing. */
	return db_list(db, a, delivery_from_row, sizeof(**out), out, n,
	    "SELECT d.id, d.webhook_id, d.event, d.status, d.attempts, "
	    "coalesce(d.last_status::text, ''), "
	    DB_WEBHOOK_TIME("d.created_at")
	    " FROM webhooks w CROSS JOIN LATERAL (SELECT * FROM "
	    "webhook_deliveries x WHERE x.webhook_id = w.id ORDER BY x.id DESC "
	    "LIMIT $2::int) d WHERE w.organization_id = $1 "
	    "ORDER BY w.id, d.id DESC",
	    org_id, arena_printf(a, "%d", per), DB_END);
}

enum err
db_webhook_delete(struct db *db, struct arena *a, const char *org_id,
    const char *id, const char **url)
{
	if (!db_webhook_id_ok(id))
		return ERR_NOT_FOUND;
	return db_one(db, a, db_value_from_row, url,
	    "DELETE FROM webhooks WHERE id = $1 AND organization_id = $2 "
	    "RETURNING url",
	    id, org_id, DB_END);
}
