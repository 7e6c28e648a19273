/*
 * The outbox: messages queued inside a request's transaction, encrypted
 * at rest, claimed by the mailer under a lease, and marked sent or failed
 * with their bodies dropped. Each state change is one statement so the
 * row and the mail counters move together.
 */
#include "mail/mail.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "db/db.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

#define KIND_MAX       32
#define LAST_ERROR_MAX 200

/* A kind is a short word of lower-case letters and '_'. */
static bool
kind_valid(const char *kind)
{
	size_t n;

	if (kind == NULL)
		return false;
	n = strlen(kind);
	if (n == 0 || n > KIND_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((kind[i] < 'a' || kind[i] > 'z') && kind[i] != '_')
			return false;
	return true;
}

enum err
mail_enqueue(struct db *db, struct arena *a, const struct keys *k,
    const char *kind, const struct mail_msg *m, const char *from,
    const char *invitation_id, char **outbox_id)
{
	struct db_rows *rows;
	struct buf msg;
	uint8_t *box;
	size_t boxlen;
	long long id;
	enum err e;

	if (!kind_valid(kind) ||
	    (invitation_id != NULL &&
		str_tonum(invitation_id, 1, LLONG_MAX, &id, NULL) == -1)) {
		log_warn("mail_enqueue: invalid kind or invitation id");
		return ERR_INVALID;
	}
	buf_init(&msg, a);
	if ((e = mail_compose(a, m, from, &msg)) != ERR_OK)
		return e;
	box_seal(a, k, msg.data, msg.len, &box, &boxlen);
	crypto_wipe(msg.data, msg.len);

	e = db_q(db, a, &rows,
	    "INSERT INTO outbox (kind, recipient, body, invitation_id) "
	    "VALUES ($1, $2, decode($3, 'hex'), $4::bigint) RETURNING id",
	    kind, m->to, hex_encode(a, box, boxlen), invitation_id, DB_END);
	if (e != ERR_OK)
		return e;
	/* Delivered to listeners when the caller's transaction commits. */
	e = db_q(db, a, NULL, "SELECT pg_notify('roster_outbox', '')", DB_END);
	if (e != ERR_OK)
		return e;
	if (outbox_id != NULL)
		*outbox_id = arena_strdup(a, db_val(rows, 0, 0));
	return ERR_OK;
}

/* Decodes the hex text of encode(body, 'hex'). Returns 0 or -1. */
static int
hex_decode(struct arena *a, const char *s, uint8_t **out, size_t *outlen)
{
	size_t n = strlen(s);
	uint8_t *p;

	if (n % 2 != 0)
		return -1;
	p = arena_alloc(a, n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = str_hexval(s[2 * i]), lo = str_hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = p;
	*outlen = n / 2;
	return 0;
}

enum err
mail_outbox_claim(struct db *db, struct arena *a, int max,
    struct mail_outbox_row **rows, int *n)
{
	struct db_rows *res;
	struct mail_outbox_row *r;
	enum err e;

	e = db_q(db, a, &res,
	    "WITH due AS ("
	    "  SELECT id FROM outbox"
	    "  WHERE status = 'queued' AND next_attempt_at <= now()"
	    "  ORDER BY id LIMIT $1::int FOR UPDATE SKIP LOCKED),"
	    " leased AS ("
	    "  UPDATE outbox o"
	    "  SET next_attempt_at = now() + make_interval(secs => $2::int)"
	    "  FROM due WHERE o.id = due.id"
	    "  RETURNING o.id, o.kind, o.recipient::text AS recipient,"
	    "   encode(o.body, 'hex') AS body, o.attempts, o.invitation_id)"
	    " SELECT l.id, l.kind, l.recipient, l.body, l.attempts,"
	    "  EXISTS (SELECT 1 FROM invitations i WHERE i.id = l.invitation_id"
	    "   AND (i.revoked_at IS NOT NULL OR i.accepted_at IS NOT NULL"
	    "    OR i.declined_at IS NOT NULL OR i.expires_at <= now()))"
	    " FROM leased l ORDER BY l.id",
	    arena_printf(a, "%d", max),
	    arena_printf(a, "%d", MAIL_LEASE_SECONDS), DB_END);
	if (e != ERR_OK)
		return e;
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
	return ERR_OK;
}

/* A retry that would be the last allowed attempt fails instead. */
static enum mail_result
effective_result(const struct mail_outbox_row *r, enum mail_result res)
{
	if (res == MAIL_RETRY && r->attempts + 1 >= MAIL_MAX_ATTEMPTS)
		return MAIL_FAILED;
	return res;
}

/* last_error: at most LAST_ERROR_MAX bytes of printable ASCII (a server's
 * reply may hold anything). */
static char *
last_error(struct arena *a, const char *why)
{
	char *s;

	if (why == NULL)
		return NULL;
	s = arena_strndup(a, why, strnlen(why, LAST_ERROR_MAX));
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return s;
}

enum err
mail_outbox_finish(struct db *db, struct arena *a,
    const struct mail_outbox_row *r, enum mail_result res, const char *why)
{
	const char *err;

	if (effective_result(r, res) != res) {
		why = arena_printf(a, "gave up after %d attempts: %s",
		    MAIL_MAX_ATTEMPTS, why != NULL ? why : "");
		res = MAIL_FAILED;
	}
	err = last_error(a, why);
	switch (res) {
	case MAIL_SENT:
		return db_q(db, a, NULL,
		    "WITH u AS (UPDATE outbox SET status = 'sent',"
		    "  sent_at = now(), body = NULL, last_error = NULL,"
		    "  attempts = attempts + 1"
		    "  WHERE id = $1::bigint AND status = 'queued' RETURNING 1)"
		    " UPDATE mail_counters SET value = value +"
		    "  (SELECT count(*) FROM u) WHERE name = "
		    "'emails_sent_total'",
		    r->id, DB_END);
	case MAIL_RETRY:
		return db_q(db, a, NULL,
		    "UPDATE outbox SET attempts = attempts + 1,"
		    " next_attempt_at = now() + least(power(2, attempts) *"
		    "  interval '5 seconds', interval '1 hour'),"
		    " last_error = $2"
		    " WHERE id = $1::bigint AND status = 'queued'",
		    r->id, err, DB_END);
	case MAIL_FAILED:
	case MAIL_SKIPPED:
	default:
		return db_q(db, a, NULL,
		    "WITH u AS (UPDATE outbox SET status = 'failed',"
		    "  body = NULL, last_error = $2,"
		    "  attempts = attempts + $3::int"
		    "  WHERE id = $1::bigint AND status = 'queued' RETURNING 1)"
		    " UPDATE mail_counters SET value = value +"
		    "  (SELECT count(*) FROM u) WHERE name = $4",
		    r->id, err, res == MAIL_SKIPPED ? "0" : "1",
		    res == MAIL_SKIPPED ? "emails_skipped_total"
					: "emails_failed_total",
		    DB_END);
	}
}

enum err
mail_outbox_release(
    struct db *db, struct arena *a, const struct mail_outbox_row *r)
{
	return db_q(db, a, NULL,
	    "UPDATE outbox SET next_attempt_at = now()"
	    " WHERE id = $1::bigint AND status = 'queued'",
	    r->id, DB_END);
}

/* The Message-ID of a composed message, for the log ("-" if none). */
static const char *
message_id(struct arena *a, const char *msg)
{
	const char *p = strstr(msg, "\r\nMessage-ID: <"), *q;

	if (p == NULL)
		return "-";
	p += strlen("\r\nMessage-ID: ");
	if ((q = strstr(p, "\r\n")) == NULL || q - p > 100)
		return "-";
	return arena_strndup(a, p, (size_t)(q - p));
}

enum err
mail_outbox_process(struct db *db, struct arena *a, const struct keys *k,
    const struct mail_transport *t, const struct mail_outbox_row *r,
    enum mail_result *res)
{
	const char *why = NULL, *mid = "-";
	enum mail_result out;
	char *msg;
	size_t len;
	enum err e;

	if (r->stale) {
		out = MAIL_SKIPPED;
		why = "invitation no longer open";
	} else if (r->box == NULL ||
	    box_open(a, k, r->box, r->boxlen, &msg, &len) == -1) {
		out = MAIL_FAILED;
		why = "undecryptable";
	} else {
		mid = message_id(a, msg);
		out = mail_transport_send(
		    t, a, r->id, r->recipient, msg, len, &why);
		crypto_wipe(msg, len);
	}
	if ((e = mail_outbox_finish(db, a, r, out, why)) != ERR_OK) {
		log_err("outbox %s kind=%s: recording %s failed: %s", r->id,
		    r->kind, mail_result_str(out), err_str(e));
		return e;
	}
	out = effective_result(r, out);
	log_info("outbox %s kind=%s attempt=%d result=%s message-id=%s%s%s",
	    r->id, r->kind, r->attempts + 1, mail_result_str(out), mid,
	    why != NULL ? " reason=" : "", why != NULL ? why : "");
	*res = out;
	return ERR_OK;
}
