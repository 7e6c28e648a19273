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
#include <time.h>

#include "crypto/box.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "db/db_outbox.h"
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
mail_outbox_enqueue(struct db *db, struct arena *a, const struct keys *k,
    const char *kind, const struct mail_msg *m, const char *from,
    const char *invitation_id, char **outbox_id)
{
	struct buf msg;
	uint8_t *box;
	size_t boxlen;
	long long id;
	enum err e;

	if (!kind_valid(kind) ||
	    (invitation_id != NULL &&
		str_tonum(invitation_id, 1, LLONG_MAX, &id, NULL) == -1)) {
		log_warn("mail_outbox_enqueue: invalid kind or invitation id");
		return ERR_INVALID;
	}
	buf_init(&msg, a);
	if ((e = mail_compose(a, m, from, &msg)) != ERR_OK)
		return e;
	box_seal(a, k, msg.data, msg.len, &box, &boxlen);
	crypto_wipe(msg.data, msg.len);

	return db_outbox_insert(
	    db, a, kind, m->to, box, boxlen, invitation_id, outbox_id);
}

enum err
mail_outbox_claim(
    struct db *db, struct arena *a, int max, struct outbox_row **rows, int *n)
{
	return db_outbox_claim(db, a, max, MAIL_LEASE_SECONDS, rows, n);
}

enum err
mail_outbox_claim_send(
    struct db *db, struct arena *a, const struct mail_sent *sent, int max)
{
	return db_outbox_sent_claim_send(
	    db, a, sent->ids, sent->n, max, MAIL_LEASE_SECONDS);
}

enum err
mail_outbox_claim_recv(
    struct db *db, struct arena *a, struct outbox_row **rows, int *n)
{
	return db_outbox_sent_claim_recv(db, a, rows, n);
}

long long
mail_outbox_retry_wait_ms(long long base, int attempts, double u)
{
	long long secs = base < 1 ? 1 : base;
	double ms;

	/* Doubling stops at the cap, so nothing overflows however many
	 * attempts a long give-up time allows. */
	for (int i = 0; i < attempts && secs < MAIL_RETRY_CAP; i++)
		secs *= 2;
	if (secs > MAIL_RETRY_CAP)
		secs = MAIL_RETRY_CAP;
	if (!(u >= 0.0 && u < 1.0))
		u = 0.5;
	ms = (double)secs * 1000.0 * (0.8 + 0.4 * u);
	if (ms > MAIL_RETRY_CAP * 1000.0)
		ms = MAIL_RETRY_CAP * 1000.0;
	return (long long)ms;
}

/* A uniform number in [0, 1) for the jitter. */
static double
jitter(void)
{
	uint32_t v;

	crypto_random(&v, sizeof(v));
	return (double)v / 4294967296.0;
}

/* last_error: at most LAST_ERROR_MAX bytes of printable ASCII (a server's
 * reply may hold anything). */
static char *
last_error(struct arena *a, const char *why)
{
	if (why == NULL)
		return NULL;
	return str_scrub(a, why, LAST_ERROR_MAX);
}

enum err
mail_outbox_finish(struct db *db, struct arena *a, const struct outbox_row *r,
    const struct mail_schedule *s, enum mail_result res, const char *why,
    enum mail_result *done)
{
	const char *err;
	bool gave_up = false;
	enum err e;

	if (done != NULL)
		*done = res;
	err = last_error(a, why);
	switch (res) {
	case MAIL_SENT:
		return db_outbox_close(db, a, r->id, OUTBOX_SENT, NULL);
	case MAIL_RETRY:
		e = db_outbox_retry(db, a, r->id,
		    mail_outbox_retry_wait_ms(s->base, r->attempts, jitter()),
		    s->give_up, err, &gave_up);
		if (e == ERR_OK && gave_up && done != NULL)
			*done = MAIL_FAILED;
		return e;
	case MAIL_SKIPPED:
		return db_outbox_close(db, a, r->id, OUTBOX_SKIPPED, err);
	case MAIL_FAILED:
	default:
		return db_outbox_close(db, a, r->id, OUTBOX_FAILED, err);
	}
}

enum err
mail_outbox_release(struct db *db, struct arena *a, const struct outbox_row *r)
{
	return db_outbox_release(db, a, r->id);
}

/* reason with every word holding an @ (an address a server's reply
 * quotes) replaced by "[address]": addresses stay out of the logs. */
static const char *
no_addresses(struct arena *a, const char *reason)
{
	struct buf b;
	const char *p = reason, *end;

	if (strchr(reason, '@') == NULL)
		return reason;
	buf_init(&b, a);
	while (*p != '\0') {
		if (*p == ' ') {
			buf_putc(&b, *p++);
			continue;
		}
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		if (memchr(p, '@', (size_t)(end - p)) != NULL)
			buf_puts(&b, "[address]");
		else
			buf_append(&b, p, (size_t)(end - p));
		p = end;
	}
	return b.data;
}

/* The Message-ID of a composed message, for the log (NULL if none). */
static const char *
message_id(struct arena *a, const char *msg)
{
	const char *p = strstr(msg, "\r\nMessage-ID: <"), *q;

	if (p == NULL)
		return NULL;
	p += strlen("\r\nMessage-ID: ");
	if ((q = strstr(p, "\r\n")) == NULL || q - p > 100)
		return NULL;
	return arena_strndup(a, p, (size_t)(q - p));
}

enum err
mail_outbox_record_sent(struct db *db, struct arena *a, struct mail_sent *sent)
{
	enum err e;

	if (sent->n == 0)
		return ERR_OK;
	e = db_outbox_sent(db, a, sent->ids, sent->n);
	if (e != ERR_OK)
		log_err("event=record_failed rows=%d result=sent error=%s",
		    sent->n, err_str(e));
	sent->n = 0;
	return e;
}

enum err
mail_outbox_process(struct db *db, struct arena *a, const struct keys *k,
    const struct mail_transport *t, const struct mail_schedule *s,
    const struct outbox_row *r, enum mail_result *res)
{
	return mail_outbox_deliver(db, a, k, t, s, r, NULL, res);
}

enum err
mail_outbox_deliver(struct db *db, struct arena *a, const struct keys *k,
    const struct mail_transport *t, const struct mail_schedule *s,
    const struct outbox_row *r, struct mail_sent *sent,
    enum mail_result *res)
{
	const char *why = NULL, *mid = NULL;
	enum mail_result out;
	struct timespec t0, t1;
	char *msg;
	size_t len;
	enum err e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (r->stale) {
		out = MAIL_SKIPPED;
		why = OUTBOX_SKIP_REASON;
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
	if (out == MAIL_SENT && sent != NULL && sent->n < sent->max)
		sent->ids[sent->n++] = r->id; /* recorded with its batch */
	else if ((e = mail_outbox_finish(db, a, r, s, out, why, &out)) !=
	    ERR_OK) {
		log_err("event=record_failed outbox_id=%s kind=%s result=%s "
			"error=%s",
		    log_value(a, r->id), log_value(a, r->kind),
		    mail_transport_result_str(out), err_str(e));
		return e;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Never the recipient (personal data): the outbox id finds it. */
	log_info("event=%s outbox_id=%s kind=%s attempts=%d message_id=%s "
		 "ms=%.1f%s%s",
	    mail_transport_result_str(out), log_value(a, r->id),
	    log_value(a, r->kind), r->attempts + 1, log_value(a, mid),
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	    why != NULL ? " reason=" : "",
	    why != NULL ? log_value(a, no_addresses(a, why)) : "");
	*res = out;
	return ERR_OK;
}
