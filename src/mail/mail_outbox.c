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

/* A retry that would be the last allowed attempt fails instead. */
static enum mail_result
effective_result(const struct outbox_row *r, enum mail_result res)
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
	if (why == NULL)
		return NULL;
	return str_scrub(a, why, LAST_ERROR_MAX);
}

enum err
mail_outbox_finish(struct db *db, struct arena *a, const struct outbox_row *r,
    enum mail_result res, const char *why)
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
		return db_outbox_close(db, a, r->id, OUTBOX_SENT, NULL);
	case MAIL_RETRY:
		return db_outbox_retry(db, a, r->id, err);
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
    const struct mail_transport *t, const struct outbox_row *r,
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
		    r->kind, mail_transport_result_str(out), err_str(e));
		return e;
	}
	out = effective_result(r, out);
	log_info("outbox %s kind=%s attempt=%d result=%s message-id=%s%s%s",
	    r->id, r->kind, r->attempts + 1, mail_transport_result_str(out),
	    mid, why != NULL ? " reason=" : "", why != NULL ? why : "");
	*res = out;
	return ERR_OK;
}
