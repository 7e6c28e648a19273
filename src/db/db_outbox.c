/*
 * SQL for the email outbox and the mailer's counters.
 */
#include "db/db_outbox.h"

#include <limits.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

enum err
db_outbox_insert(struct db *db, struct arena *a, const char *kind,
    const char *recipient, const uint8_t *box, size_t boxlen,
    const char *invitation_id, char **id)
{
	struct db_rows *rows;
	enum err e;

	/* The notification, in the same statement, is delivered to
	 * listeners when the caller's transaction commits. */
	e = db_q(db, a, &rows,
	    "WITH x AS (INSERT INTO outbox (kind, recipient, body, "
	    "invitation_id) VALUES ($1, $2, $3, $4::bigint) RETURNING id) "
	    "SELECT x.id, pg_notify('roster_outbox', '') FROM x",
	    kind, recipient, db_bytea(a, box, boxlen), invitation_id, DB_END);
	if (e == ERR_OK && id != NULL)
		*id = arena_strdup(a, db_val(rows, 0, 0));
	return e;
}

/* The value of a hex digit, or -1. */
static inline int
hex_nibble(unsigned char c)
{
	if ((unsigned)(c - '0') < 10)
		return c - '0';
	c |= 0x20; /* lower case */
	if ((unsigned)(c - 'a') < 6)
		return c - 'a' + 10;
	return -1;
}

/* Decodes the hex text of encode(body, 'hex') (the mailer decodes every
 * body it sends: kept inline and branch-light). Returns 0 or -1. */
static int
hex_decode(struct arena *a, const char *s, uint8_t **out, size_t *outlen)
{
	size_t n = strlen(s);
	const unsigned char *u = (const unsigned char *)s;
	uint8_t *p;

	if (n % 2 != 0)
		return -1;
	p = arena_alloc(a, n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_nibble(u[2 * i]), lo = hex_nibble(u[2 * i + 1]);

		if ((hi | lo) < 0)
			return -1;
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = p;
	*outlen = n / 2;
	return 0;
}

/* The claimed rows of res (id, kind, recipient, hex body, attempts,
 * stale), into *rows and *n. */
static void
db_outbox_rows(struct arena *a, const struct db_rows *res,
    struct outbox_row **rows, int *n)
{
	struct outbox_row *r;

	r = arena_calloc(a, (size_t)res->nrows + 1, sizeof(*r));
	for (int i = 0; i < res->nrows; i++) {
		long long attempts;
		const char *body = db_val(res, i, 3);

		r[i].id = arena_strdup(a, db_val(res, i, 0));
		r[i].kind = arena_strdup(a, db_val(res, i, 1));
		r[i].recipient = arena_strdup(a, db_val(res, i, 2));
		if (str_tonum(db_val(res, i, 4), 0, INT_MAX, &attempts, NULL) ==
		    -1)
			attempts = 0;
		r[i].attempts = (int)attempts;
		/* A body that does not decode is left empty and fails to
		 * open, which fails the row as undecryptable. */
		if (body == NULL ||
		    hex_decode(a, body, &r[i].box, &r[i].boxlen) == -1) {
			r[i].box = NULL;
			r[i].boxlen = 0;
		}
		r[i].stale = strcmp(db_val(res, i, 5), "t") == 0;
	}
	*rows = r;
	*n = res->nrows;
}

/* The claim: up to $2 due rows in outbox_due_idx's order, leased for $3
 * seconds, never one of the ids $1 (rows this statement records as sent,
 * which it must not also lease). */
#define DB_OUTBOX_CLAIM                                                      \
	" due AS ("                                                          \
	"  SELECT id FROM outbox"                                            \
	"  WHERE status = 'queued' AND next_attempt_at <= now()"             \
	"   AND id <> ALL ($1::bigint[])"                                    \
	"  ORDER BY next_attempt_at LIMIT $2::int FOR UPDATE SKIP LOCKED),"  \
	" leased AS ("                                                       \
	"  UPDATE outbox o"                                                  \
	"  SET next_attempt_at = now() + make_interval(secs => $3::int)"     \
	"  FROM due WHERE o.id = due.id"                                     \
	"  RETURNING o.id, o.kind, o.recipient::text AS recipient,"          \
	"   encode(o.body, 'hex') AS body, o.attempts, o.invitation_id)"     \
	" SELECT l.id, l.kind, l.recipient, l.body, l.attempts,"             \
	"  EXISTS (SELECT 1 FROM invitations i WHERE i.id = l.invitation_id" \
	"   AND (i.revoked_at IS NOT NULL OR i.accepted_at IS NOT NULL"      \
	"    OR i.declined_at IS NOT NULL OR i.expires_at <= now()))"        \
	" FROM leased l ORDER BY l.id"

enum err
db_outbox_claim(struct db *db, struct arena *a, int max, int lease,
    struct outbox_row **rows, int *n)
{
	struct db_rows *res;
	enum err e;

	e = db_q(db, a, &res, "WITH" DB_OUTBOX_CLAIM, "{}",
	    arena_printf(a, "%d", max), arena_printf(a, "%d", lease), DB_END);
	if (e != ERR_OK)
		return e;
	db_outbox_rows(a, res, rows, n);
	return ERR_OK;
}

/* ids as a bigint[] literal. */
static char *
db_outbox_idlist(struct arena *a, const char *const *ids, int n)
{
	struct buf list;

	buf_init(&list, a);
	buf_putc(&list, '{');
	for (int i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&list, ',');
		buf_puts(&list, ids[i]);
	}
	buf_putc(&list, '}');
	return list.data;
}

/* The record of db_outbox_sent for the ids $1, as CTEs; the counter row
 * is only touched when a row changed. */
#define DB_OUTBOX_SENT                                                     \
	" u AS (UPDATE outbox SET status = 'sent', sent_at = now(),"       \
	"  body = NULL, last_error = NULL, attempts = attempts + 1"        \
	"  WHERE id = ANY ($1::bigint[]) AND status = 'queued' RETURNING 1)," \
	" c AS (UPDATE mail_counters m SET value = m.value + k.n"          \
	"  FROM (SELECT count(*) AS n FROM u) k"                           \
	"  WHERE m.name = 'emails_sent_total' AND k.n > 0),"

enum err
db_outbox_sent_claim_send(struct db *db, struct arena *a,
    const char *const *ids, int n, int max, int lease)
{
	const char *params[3];

	params[0] = db_outbox_idlist(a, ids, n);
	params[1] = arena_printf(a, "%d", max);
	params[2] = arena_printf(a, "%d", lease);
	return db_send(db, "WITH" DB_OUTBOX_SENT DB_OUTBOX_CLAIM, 3, params);
}

enum err
db_outbox_sent_claim_recv(
    struct db *db, struct arena *a, struct outbox_row **rows, int *n)
{
	struct db_rows *res;
	enum err e;

	if ((e = db_recv(db, a, &res)) != ERR_OK)
		return e;
	db_outbox_rows(a, res, rows, n);
	return ERR_OK;
}

enum err
db_outbox_close(struct db *db, struct arena *a, const char *id,
    enum outbox_end end, const char *why)
{
	static const char *const counters[] = {
		[OUTBOX_SENT] = "emails_sent_total",
		[OUTBOX_FAILED] = "emails_failed_total",
		[OUTBOX_SKIPPED] = "emails_skipped_total",
	};

	return db_q(db, a, NULL,
	    "WITH u AS (UPDATE outbox SET status = $2,"
	    "  sent_at = CASE WHEN $2 = 'sent' THEN now() END,"
	    "  body = NULL, last_error = $3,"
	    "  attempts = attempts + $4::int"
	    "  WHERE id = $1::bigint AND status = 'queued' RETURNING 1)"
	    " UPDATE mail_counters SET value = value +"
	    "  (SELECT count(*) FROM u) WHERE name = $5",
	    id, end == OUTBOX_SENT ? "sent" : "failed", why,
	    end == OUTBOX_SKIPPED ? "0" : "1", counters[end], DB_END);
}

enum err
db_outbox_sent(struct db *db, struct arena *a, const char *const *ids, int n)
{
	return db_q(db, a, NULL,
	    "WITH u AS (UPDATE outbox SET status = 'sent', sent_at = now(),"
	    "  body = NULL, last_error = NULL, attempts = attempts + 1"
	    "  WHERE id = ANY ($1::bigint[]) AND status = 'queued' RETURNING 1)"
	    " UPDATE mail_counters SET value = value +"
	    "  (SELECT count(*) FROM u) WHERE name = 'emails_sent_total'",
	    db_outbox_idlist(a, ids, n), DB_END);
}

enum err
db_outbox_retry(struct db *db, struct arena *a, const char *id,
    long long wait_ms, long long give_up, const char *why, bool *gave_up)
{
	struct db_rows *r;
	enum err e;

	*gave_up = false;
	/* One statement: the row either waits for its next try or fails,
	 * and the failed counter moves with it. */
	e = db_q(db, a, &r,
	    "WITH cur AS ("
	    "  SELECT id, attempts + 1 AS n,"
	    "   now() + make_interval(secs => $2::bigint / 1000.0) AS next,"
	    "   now() + make_interval(secs => $2::bigint / 1000.0) >"
	    "    created_at + make_interval(secs => $3::bigint) AS late"
	    "  FROM outbox WHERE id = $1::bigint AND status = 'queued'"
	    "  FOR UPDATE),"
	    " u AS (UPDATE outbox o SET attempts = cur.n,"
	    "  next_attempt_at = cur.next,"
	    "  status = CASE WHEN cur.late THEN 'failed' ELSE 'queued' END,"
	    "  body = CASE WHEN cur.late THEN NULL ELSE o.body END,"
	    "  last_error = CASE WHEN cur.late THEN"
	    "   left('gave up after ' || cur.n || ' attempts: ' ||"
	    "    coalesce($4, ''), 240) ELSE $4 END"
	    "  FROM cur WHERE o.id = cur.id RETURNING cur.late),"
	    " c AS (UPDATE mail_counters SET value = value +"
	    "  (SELECT count(*) FROM u WHERE late)"
	    "  WHERE name = 'emails_failed_total')"
	    " SELECT late FROM u",
	    id, arena_printf(a, "%lld", wait_ms),
	    arena_printf(a, "%lld", give_up), why, DB_END);
	if (e == ERR_OK && r->nrows == 1)
		*gave_up = strcmp(db_val(r, 0, 0), "t") == 0;
	return e;
}

enum err
db_outbox_summary(struct db *db, struct arena *a, struct outbox_summary *out)
{
	struct db_rows *r;
	long long v[4];
	enum err e;

	e = db_q(db, a, &r,
	    "SELECT count(*) FILTER (WHERE status = 'queued'),"
	    " count(*) FILTER (WHERE status = 'sent'),"
	    " count(*) FILTER (WHERE status = 'failed'"
	    "  AND last_error IS DISTINCT FROM $1),"
	    " count(*) FILTER (WHERE status = 'failed' AND last_error = $1)"
	    " FROM outbox",
	    OUTBOX_SKIP_REASON, DB_END);
	if (e != ERR_OK)
		return e;
	for (int i = 0; i < 4; i++)
		if (str_tonum(db_val(r, 0, i), 0, LLONG_MAX, &v[i], NULL) == -1)
			return ERR_DATABASE;
	out->queued = v[0];
	out->sent = v[1];
	out->failed = v[2];
	out->skipped = v[3];
	return ERR_OK;
}

static void
failure_from_row(const struct db_rows *r, int row, void *out)
{
	struct outbox_failure *f = out;

	f->id = db_val(r, row, 0);
	f->kind = db_val(r, row, 1);
	f->recipient = db_val(r, row, 2);
	f->queued_at = db_val(r, row, 3);
	f->attempts = db_val(r, row, 4);
	f->last_error = db_val(r, row, 5);
}

enum err
db_outbox_failures(struct db *db, struct arena *a, int max,
    struct outbox_failure **out, int *n)
{
	return db_list(db, a, failure_from_row, sizeof(**out), out, n,
	    "SELECT id, kind, recipient::text,"
	    " " DB_UTC_MINUTE("created_at") ","
	    " attempts, coalesce(last_error, '')"
	    " FROM outbox WHERE status = 'failed'"
	    " AND last_error IS DISTINCT FROM $1"
	    " ORDER BY id DESC LIMIT $2::int",
	    OUTBOX_SKIP_REASON, arena_printf(a, "%d", max), DB_END);
}

enum err
db_outbox_release(struct db *db, struct arena *a, const char *id)
{
	return db_q(db, a, NULL,
	    "UPDATE outbox SET next_attempt_at = now()"
	    " WHERE id = $1::bigint AND status = 'queued'",
	    id, DB_END);
}
