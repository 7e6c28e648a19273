/*
 * Webhook pages, for an organization's owners: the endpoints with their
 * recent deliveries and the form that adds one, the secret shown once,
 * deletion.
 */
#include "web/web.h"

#include <string.h>

#include "domain/webhook.h"
#include "tpl/tpl.h"
#include "util/arena.h"

/* Splits s at sep into a NULL-terminated array (arena); *n its length.
 * An empty s gives none. */
static const char **
split(struct arena *a, const char *s, const char *sep, int *n)
{
	size_t seplen = strlen(sep);
	int k = 1;
	const char **v;
	const char *p;

	*n = 0;
	if (*s == '\0')
		return arena_calloc(a, 1, sizeof(*v));
	for (p = s; (p = strstr(p, sep)) != NULL; p += seplen)
		k++;
	v = arena_calloc(a, (size_t)k + 1, sizeof(*v));
	for (p = s;; p += seplen) {
		const char *end = strstr(p, sep);

		if (end == NULL) {
			v[(*n)++] = arena_strdup(a, p);
			break;
		}
		v[(*n)++] = arena_strndup(a, p, (size_t)(end - p));
		p = end;
	}
	return v;
}

/* What each of webhook_events reports, in its order, for the form. */
static const char *const event_help[WEBHOOK_NEVENTS] = {
	"Someone was invited, or an invitation was sent again.",
	"An invitation was accepted: its holder joined.",
	"An invitation was declined by its holder.",
	"An invitation was revoked.",
	"Someone became a member.",
	"A member was removed or left.",
	"A member's role changed (member, admin, owner).",
	"Someone asked to join through the public form.",
};

/* The form: its event checkboxes, those in chosen (n of them) ticked. */
static void
form(struct ctx *c, const char *const *chosen, int n)
{
	tpl_set_list(c->page, "event_choices");
	for (int e = 0; e < WEBHOOK_NEVENTS; e++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "event_choices");
		bool on = false;

		for (int i = 0; i < n && !on; i++)
			on = strcmp(chosen[i], webhook_events[e]) == 0;
		tpl_set(row, "name", webhook_events[e]);
		tpl_set(row, "help", event_help[e]);
		tpl_set_bool(row, "checked", on);
	}
	tpl_setf(c->page, "webhooks_max", "%d", WEBHOOK_MAX);
}

/* Puts the endpoints of l on the page as the list "webhooks", each with
 * its deliveries as its list "deliveries". */
static void
rows(struct ctx *c, const struct webhook_list *l)
{
	int k = 0;

	tpl_set_list(c->page, "webhooks");
	tpl_set_bool(c->page, "has_webhooks", l->nhooks > 0);
	for (int i = 0; i < l->nhooks; i++) {
		const struct webhook *w = &l->hooks[i];
		struct tpl_ctx *row = tpl_add_row(c->page, "webhooks");
		const char **ev;
		int nev, nd = 0;

		tpl_set(row, "id", w->id);
		tpl_set(row, "url", w->url);
		tpl_set(row, "created", w->created_at);
		ev = split(c->a, w->events, ", ", &nev);
		tpl_set_list(row, "events");
		for (int e = 0; e < nev; e++)
			tpl_set(tpl_add_row(row, "events"), "name", ev[e]);
		tpl_set_list(row, "deliveries");
		/* The deliveries come grouped by endpoint, in its order. */
		for (; k < l->ndeliveries &&
		     strcmp(l->deliveries[k].webhook_id, w->id) == 0;
		     k++, nd++) {
			const struct webhook_delivery *d = &l->deliveries[k];
			struct tpl_ctx *dr = tpl_add_row(row, "deliveries");
			const char *bare;

			tpl_set(dr, "id", d->id);
			tpl_set(dr, "event", d->event);
			tpl_set(dr, "status", d->status);
			tpl_set(dr, "last_status", d->last_status);
			tpl_set_bool(dr, "has_last_status", *d->last_status);
			tpl_set_bool(dr, "tried", d->attempts > 0);
			/* The reason, unless it only repeats the status. */
			bare = arena_printf(c->a, "HTTP %s", d->last_status);
			tpl_set(dr, "error", d->last_error);
			tpl_set_bool(dr, "has_error",
			    *d->last_error && strcmp(d->last_error, bare) != 0);
			tpl_setf(dr, "attempts", "%d", d->attempts);
			tpl_set(dr, "created", d->created_at);
		}
		tpl_set_bool(row, "has_deliveries", nd > 0);
	}
}

/* Renders the page of o, with error (not ERR_OK) shown above the form;
 * chosen (n) are the events ticked on the form. */
static void
render(struct ctx *c, const struct org *o, enum role role, enum err error,
    const char *const *chosen, int n)
{
	struct webhook_list l;
	enum err e = webhook_list(c->d, c->a, o, role, &l);

	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	rows(c, &l);
	form(c, chosen, n);
	if (error != ERR_OK)
		web_page_fail(c, error, PAGE_ORG_WEBHOOKS);
	else
		web_page(c, PAGE_ORG_WEBHOOKS);
}

void
web_webhook_list(struct ctx *c)
{
	struct org o;
	enum role role;

	if (web_org_open(c, &o, &role) == -1)
		return;
	render(c, &o, role, ERR_OK, NULL, 0);
}

void
web_webhook_create(struct ctx *c)
{
	struct webhook_new made;
	const char **events, *why;
	struct org o;
	enum role role;
	int n;
	enum err e;

	if (web_org_open(c, &o, &role) == -1)
		return;
	events = split(c->a, web_field(c, F_EVENTS), "\n", &n);
	e = webhook_create(c->d, c->a, c->user, &o, role, web_field(c, F_URL),
	    events, n, &why, &made);
	if (e != ERR_OK) {
		/* The form comes back as it was sent. */
		tpl_set(c->page, "url", web_field(c, F_URL));
		if (e == ERR_INVALID_URL) {
			web_page_field_error(c, "url", e);
			if (why != NULL)
				tpl_set(c->page, "url_error_text", why);
		}
		if (e == ERR_INVALID_EVENTS)
			web_page_field_error(c, "events", e);
		render(c, &o, role, e, events, n);
		return;
	}
	tpl_set(c->page, "id", made.id);
	tpl_set(c->page, "url", made.url);
	tpl_set(c->page, "secret", made.secret);
	tpl_set_list(c->page, "events");
	for (int i = 0; i < made.nevents; i++)
		tpl_set(tpl_add_row(c->page, "events"), "name", made.events[i]);
	web_page(c, PAGE_WEBHOOK_CREATED);
}

void
web_webhook_delete(struct ctx *c)
{
	const char *url;
	struct org o;
	enum role role;
	enum err e;

	if (web_org_open(c, &o, &role) == -1)
		return;
	e = webhook_delete(
	    c->d, c->a, c->user, &o, role, c->req->route_args[1], &url);
	if (e != ERR_OK) {
		render(c, &o, role, e, NULL, 0);
		return;
	}
	web_page_redirect(c, arena_printf(c->a, "/orgs/%s/webhooks", o.slug),
	    FLASH_WEBHOOK_DELETED);
}
