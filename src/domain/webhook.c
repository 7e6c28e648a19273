/*
 * Webhook endpoints: listing, adding and deleting them. What a target may
 * be is decided before the transaction (the URL's shape, then its name's
 * addresses: DNS takes time no transaction should hold locks for); the
 * number of endpoints is decided inside it, under a lock of the
 * organization's endpoints, so two owners adding at once cannot pass
 * WEBHOOK_MAX together.
 */
#include "domain/webhook.h"

#include <string.h>

#include "conf.h"
#include "crypto/base64.h"
#include "crypto/box.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "db/db_audit.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/netaddr.h"
#include "util/url.h"

const char *const webhook_events[WEBHOOK_NEVENTS] = {
	"invitation.created",
	"invitation.accepted",
	"invitation.declined",
	"invitation.revoked",
	"membership.created",
	"membership.removed",
	"membership.role_changed",
	"join_request.submitted",
};

/* Keeps the chosen names of the n in events, each once, in the order of
 * webhook_events, in *out (arena); returns how many, or -1 when one is
 * not an event name. */
static int
chosen(struct arena *a, const char *const *events, int n, const char ***out)
{
	bool pick[WEBHOOK_NEVENTS] = { false };
	const char **v = arena_calloc(a, WEBHOOK_NEVENTS, sizeof(*v));
	int k = 0;

	for (int i = 0; i < n; i++) {
		int e;

		for (e = 0; e < WEBHOOK_NEVENTS; e++)
			if (strcmp(events[i], webhook_events[e]) == 0)
				break;
		if (e == WEBHOOK_NEVENTS)
			return -1;
		pick[e] = true;
	}
	for (int e = 0; e < WEBHOOK_NEVENTS; e++)
		if (pick[e])
			v[k++] = webhook_events[e];
	*out = v;
	return k;
}

enum err
webhook_list(struct domain *d, struct arena *a, const struct org *o,
    enum role role, struct webhook_list *out)
{
	memset(out, 0, sizeof(*out));
	if (role != ROLE_OWNER)
		return ERR_FORBIDDEN;
	/* Two reads, sent together: one round trip. */
	db_defer_begin(d->db);
	(void)db_webhook_list(d->db, a, o->id, &out->hooks, &out->nhooks);
	(void)db_webhook_deliveries(d->db, a, o->id, WEBHOOK_RECENT,
	    &out->deliveries, &out->ndeliveries);
	return db_defer_run(d->db, a);
}

struct create_args {
	struct arena *a;
	const struct user *actor;
	const struct org *o;
	const uint8_t *box;
	size_t boxlen;
	struct webhook_new *out;
};

static enum err
create_tx(struct db *db, void *arg)
{
	struct create_args *s = arg;
	struct webhook_new *w = s->out;
	long long n;
	struct buf data;
	enum err e;

	if ((e = db_lock(db, s->a,
		 arena_printf(s->a, "webhooks:%s", s->o->id))) != ERR_OK)
		return e;
	if ((e = db_webhook_count(db, s->a, s->o->id, &n)) != ERR_OK)
		return e;
	if (n >= WEBHOOK_MAX)
		return ERR_TOO_MANY_WEBHOOKS;
	if ((e = db_webhook_insert(db, s->a, s->o->id, w->url, w->events,
		 w->nevents, s->box, s->boxlen, s->actor->id, &w->id)) !=
	    ERR_OK)
		return e;
	/* The audit row's JSON: the URL is printable ASCII (url_parse) and
	 * the events known words, so buf_put_quoted makes JSON strings. */
	buf_init(&data, s->a);
	buf_puts(&data, "{\"url\": ");
	buf_put_quoted(&data, w->url);
	buf_puts(&data, ", \"events\": [");
	for (int i = 0; i < w->nevents; i++) {
		if (i > 0)
			buf_puts(&data, ", ");
		buf_put_quoted(&data, w->events[i]);
	}
	buf_puts(&data, "]}");
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    "webhook.created", "webhook", w->id, data.data);
}

enum err
webhook_create(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role role, const char *url,
    const char *const *events, int nevents, const char **why,
    struct webhook_new *out)
{
	struct create_args s = { .a = a, .actor = actor, .o = o, .out = out };
	uint8_t key[WEBHOOK_KEY_LEN];
	uint8_t *box;
	struct url u;
	enum err e;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (role != ROLE_OWNER)
		return ERR_FORBIDDEN;
	if (url == NULL || url_parse(a, url, &u, why) == -1)
		return ERR_INVALID_URL;
	if ((out->nevents = chosen(a, events, nevents, &out->events)) < 1)
		return ERR_INVALID_EVENTS;
	/* The name is looked up here, outside any transaction. */
	if (!d->conf->webhook_allow_private &&
	    netaddr_host_public(u.host, u.port, why) == -1)
		return ERR_INVALID_URL;
	/* Stored with the scheme in lower case (the table's check and
	 * every reader expect it), the rest as typed. */
	out->url = arena_printf(a, "%s%s", u.scheme, url + strlen(u.scheme));
	crypto_random(key, sizeof(key));
	box_seal(a, &d->conf->keys, key, sizeof(key), &box, &s.boxlen);
	s.box = box;
	out->secret = arena_printf(
	    a, WEBHOOK_SECRET_PREFIX "%s", base64_encode(a, key, sizeof(key)));
	crypto_wipe(key, sizeof(key));
	if ((e = db_tx(d->db, create_tx, &s)) != ERR_OK) {
		memset(out, 0, sizeof(*out));
		return e;
	}
	return ERR_OK;
}

struct delete_args {
	struct arena *a;
	const struct user *actor;
	const struct org *o;
	const char *id;
	const char **url;
};

static enum err
delete_tx(struct db *db, void *arg)
{
	struct delete_args *s = arg;
	struct buf data;
	enum err e;

	/* The DELETE locks the row it removes: the first statement. */
	if ((e = db_webhook_delete(db, s->a, s->o->id, s->id, s->url)) !=
	    ERR_OK)
		return e;
	buf_init(&data, s->a);
	buf_puts(&data, "{\"url\": ");
	buf_put_quoted(&data, *s->url);
	buf_puts(&data, "}");
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    "webhook.deleted", "webhook", s->id, data.data);
}

enum err
webhook_delete(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role role, const char *id, const char **url)
{
	struct delete_args s = {
		.a = a, .actor = actor, .o = o, .id = id, .url = url
	};

	if (role != ROLE_OWNER)
		return ERR_FORBIDDEN;
	return db_tx(d->db, delete_tx, &s);
}
