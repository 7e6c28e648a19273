/*
 * SQL for webhooks and their deliveries.
 */
#include "db/db_webhook.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

/* Whether id can name a row: 1 to 18 digits (ids come from paths). */
static bool
db_webhook_id_ok(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	return n > 0 && n <= 18 && strspn(id, "0123456789") == n;
}

/* s as an element of an array literal: quoted (buf_put_quoted); NULL as
 * NULL. */
static void
array_elem(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "NULL");
	else
		buf_put_quoted(b, s);
}

enum err
db_webhook_insert(struct db *db, struct arena *a, const char *org_id,
    const char *url, const char *const *events, int n, const uint8_t *box,
    size_t boxlen, const char *created_by, const char **id)
{
	struct db_rows *r;
	struct buf list;
	enum err e;

	/* A text[] literal: every name quoted (names are known words,
	 * but the literal must not depend on it). */
	buf_init(&list, a);
	buf_putc(&list, '{');
	for (int i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&list, ',');
		array_elem(&list, events[i]);
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
	    DB_UTC_MINUTE("created_at")
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
	d->last_error = db_val(r, row, 7);
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
	    DB_UTC_MINUTE("d.created_at")
	    ", coalesce(d.last_error, '')"
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

/* ---- Delivery (roster-mailer: src/mail/mail_webhook.c) ---- */

static void
attempt_from_row(const struct db_rows *r, int row, void *out)
{
	struct webhook_attempt *d = out;
	long long attempts;

	d->id = db_val(r, row, 0);
	d->webhook_id = db_val(r, row, 1);
	d->event = db_val(r, row, 2);
	d->message_id = db_val(r, row, 3);
	d->payload = db_val(r, row, 4);
	d->url = db_val(r, row, 5);
	d->secret = db_val(r, row, 6);
	if (str_tonum(db_val(r, row, 7), 0, INT_MAX, &attempts, NULL) == -1)
		attempts = 0;
	d->attempts = (int)attempts;
}

enum err
db_webhook_claim(struct db *db, struct arena *a, int max, int lease,
    struct webhook_attempt **rows, int *n)
{
	/* encode(..., 'base64') breaks lines every 76 characters. */
	return db_list(db, a, attempt_from_row, sizeof(**rows), rows, n,
	    "WITH due AS ("
	    "  SELECT id FROM webhook_deliveries"
	    "  WHERE status = 'queued' AND next_attempt_at <= now()"
	    "  ORDER BY next_attempt_at LIMIT $1::int FOR UPDATE SKIP LOCKED),"
	    " leased AS ("
	    "  UPDATE webhook_deliveries d"
	    "  SET next_attempt_at = now() + make_interval(secs => $2::int)"
	    "  FROM due WHERE d.id = due.id"
	    "  RETURNING d.id, d.webhook_id, d.event, d.message_id, d.payload,"
	    "   d.attempts)"
	    " SELECT l.id, l.webhook_id, l.event, l.message_id, l.payload,"
	    "  w.url, translate(encode(w.secret, 'base64'), E'\\n', ''),"
	    "  l.attempts"
	    " FROM leased l JOIN webhooks w ON w.id = l.webhook_id"
	    " ORDER BY l.id",
	    arena_printf(a, "%d", max), arena_printf(a, "%d", lease), DB_END);
}

enum err
db_webhook_record(struct db *db, struct arena *a,
    const struct webhook_outcome *o, int n)
{
	struct buf arr[5];

	if (n <= 0)
		return ERR_OK;
	for (int j = 0; j < 5; j++) {
		buf_init(&arr[j], a);
		buf_putc(&arr[j], '{');
	}
	for (int i = 0; i < n; i++) {
		if (i > 0)
			for (int j = 0; j < 5; j++)
				buf_putc(&arr[j], ',');
		buf_puts(&arr[0], o[i].id);
		array_elem(&arr[1], o[i].status);
		if (o[i].http_status > 0)
			buf_printf(&arr[2], "%ld", o[i].http_status);
		else
			buf_puts(&arr[2], "NULL");
		array_elem(&arr[3], o[i].error);
		buf_printf(&arr[4], "%lld", o[i].wait_ms);
	}
	for (int j = 0; j < 5; j++)
		buf_putc(&arr[j], '}');
	/* One statement: the rows and their counters move together. */
	return db_q(db, a, NULL,
	    "WITH o AS (SELECT * FROM unnest($1::bigint[], $2::text[],"
	    "  $3::int[], $4::text[], $5::bigint[])"
	    "  AS o(id, status, code, err, wait_ms)),"
	    " u AS (UPDATE webhook_deliveries d SET status = o.status,"
	    "  attempts = d.attempts + 1, last_status = o.code,"
	    "  last_error = o.err,"
	    "  payload = CASE WHEN o.status = 'queued' THEN d.payload END,"
	    "  delivered_at = CASE WHEN o.status = 'delivered' THEN now() END,"
	    "  next_attempt_at = CASE WHEN o.status = 'queued'"
	    "   THEN now() + make_interval(secs => o.wait_ms / 1000.0)"
	    "   ELSE d.next_attempt_at END"
	    "  FROM o WHERE d.id = o.id AND d.status = 'queued'"
	    "  RETURNING o.status)"
	    " UPDATE mail_counters m SET value = m.value + k.n"
	    " FROM (SELECT CASE status WHEN 'delivered'"
	    "   THEN 'webhooks_delivered_total' WHEN 'queued'"
	    "   THEN 'webhooks_retried_total' ELSE 'webhooks_failed_total' END"
	    "   AS name, count(*) AS n FROM u GROUP BY 1) k"
	    " WHERE m.name = k.name",
	    arr[0].data, arr[1].data, arr[2].data, arr[3].data, arr[4].data,
	    DB_END);
}

enum err
db_webhook_release(struct db *db, struct arena *a, const char *id)
{
	return db_q(db, a, NULL,
	    "UPDATE webhook_deliveries SET next_attempt_at = now()"
	    " WHERE id = $1::bigint AND status = 'queued'",
	    id, DB_END);
}
