/*
 * Join request pages: the public form and its emailed confirmation, the
 * signed-in request, the managers' review, and the organization settings
 * that open the form.
 */
#include "web/web.h"

#include <string.h>

#include "conf.h"
#include "domain/join_request.h"
#include "domain/membership.h"
#include "domain/org.h"
#include "domain/seat.h"
#include "tpl/tpl.h"
#include "util/arena.h"

/* Each extra join field: the form field that carries it, its label and
 * its input type. */
static const struct {
	enum field field;
	const char *label;
	const char *type; /* NULL: a textarea */
} extras[JOIN_FIELD__MAX] = {
	[JOIN_PHONE] = { F_PHONE, "Phone", "tel" },
	[JOIN_CITY] = { F_CITY, "City", "text" },
	[JOIN_MESSAGE] = { F_MESSAGE, "Message", NULL },
};

/* The posted extra fields, by enum join_field. */
static void
posted_extras(const struct ctx *c, const char *out[JOIN_FIELD__MAX])
{
	for (int f = 0; f < JOIN_FIELD__MAX; f++)
		out[f] = c->field[extras[f].field];
}

/* Renders the join form of o (page join-form), with error when not
 * ERR_OK: the public form, or for a signed-in visitor the button that
 * asks as that user; the extra fields o allows, with posted values. */
static void
render_form(struct ctx *c, const struct org *o, enum err error)
{
	tpl_set(c->page, "title", arena_printf(c->a, "Join %s", o->name));
	tpl_set(c->page, "org_name", o->name);
	tpl_set(c->page, "org_slug", o->slug);
	tpl_set(c->page, "email", web_field(c, F_EMAIL));
	tpl_set(c->page, "first_name", web_field(c, F_FIRST_NAME));
	tpl_set(c->page, "last_name", web_field(c, F_LAST_NAME));
	tpl_set_list(c->page, "fields");
	for (int f = 0; f < JOIN_FIELD__MAX; f++) {
		struct tpl_ctx *row;

		if (!(o->join_fields & (1u << f)))
			continue;
		row = tpl_add_row(c->page, "fields");
		tpl_set(row, "name", db_enum_join_field_str(f));
		tpl_set(row, "label", extras[f].label);
		tpl_set(row, "type", extras[f].type);
		tpl_set_bool(row, "textarea", extras[f].type == NULL);
		tpl_setf(row, "max", "%d", join_request_field_max(f));
		tpl_set(row, "value", web_field(c, extras[f].field));
	}
	if (error != ERR_OK)
		web_page_fail(c, error, PAGE_JOIN_FORM);
	else
		web_page(c, PAGE_JOIN_FORM);
}

/* Opens the organization of the route's join form, or renders the 404. */
static int
open_form(struct ctx *c, struct org *o)
{
	enum err e = join_request_form(c->d, c->a, c->req->route_args[0], o);

	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return -1;
	}
	return 0;
}

void
web_join_request_form(struct ctx *c)
{
	struct org o;

	if (open_form(c, &o) == -1)
		return;
	if (c->field[F_SENT] != NULL) {
		tpl_set(c->page, "org_name", o.name);
		tpl_set(c->page, "org_slug", o.slug);
		web_page(c, PAGE_JOIN_CHECK_EMAIL);
		return;
	}
	render_form(c, &o, ERR_OK);
}

void
web_join_request_submit(struct ctx *c)
{
	const char *extra[JOIN_FIELD__MAX];
	struct org o;
	enum err e;

	if (open_form(c, &o) == -1)
		return;
	posted_extras(c, extra);
	e = join_request_submit(c->d, c->a, o.slug, web_field(c, F_EMAIL),
	    web_field(c, F_FIRST_NAME), web_field(c, F_LAST_NAME), extra);
	if (e == ERR_INVALID_EMAIL || e == ERR_INVALID_NAME) {
		render_form(c, &o, e);
		return;
	}
	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	web_page_redirect(c, arena_printf(c->a, "/join/%s?sent=1", o.slug),
	    FLASH_JOIN_REQUESTED);
}

/* An expired link names its request: the join-expired page then links
 * to that organization's form, to send it again. */
static void
expired_form_link(struct ctx *c, enum err e, const struct join_request *j)
{
	if (e == ERR_JOIN_EXPIRED && j->org_slug != NULL)
		tpl_set(c->page, "retry_url",
		    arena_printf(c->a, "/join/%s", j->org_slug));
}

void
web_join_request_confirm_form(struct ctx *c)
{
	const char *token = c->field[F_TOKEN];
	struct join_request j;
	enum err e = join_request_confirm_check(c->d, c->a, token, &j);

	if (e != ERR_OK) {
		expired_form_link(c, e, &j);
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	tpl_set(c->page, "token", token);
	tpl_set(c->page, "org_name", j.org_name);
	tpl_set(c->page, "email", j.email);
	web_page(c, PAGE_JOIN_CONFIRM);
}

void
web_join_request_confirm(struct ctx *c)
{
	struct join_request j;
	enum err e = join_request_confirm(c->d, c->a, c->field[F_TOKEN], &j);

	if (e != ERR_OK) {
		expired_form_link(c, e, &j);
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	tpl_set(c->page, "org_name", j.org_name);
	web_page(c, PAGE_JOIN_CONFIRMED);
}

void
web_join_request_create(struct ctx *c)
{
	const char *extra[JOIN_FIELD__MAX];
	struct org o;
	enum err e;

	posted_extras(c, extra);
	e = join_request_ask(
	    c->d, c->a, c->user, c->req->route_args[0], extra, &o);
	if (e == ERR_ALREADY_MEMBER || e == ERR_ALREADY_PENDING) {
		/* A member is shown the way in instead of the button. */
		tpl_set_bool(c->page, "already_member", e == ERR_ALREADY_MEMBER);
		render_form(c, &o, e);
		return;
	}
	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	web_page_redirect(c, "/", FLASH_JOIN_REQUESTED);
}

/* Renders the review page of o, with error when not ERR_OK. */
static void
render_list(struct ctx *c, const struct org *o, enum role role, enum err error)
{
	struct join_request *j;
	int n;
	enum err e;

	if ((e = join_request_list(c->d, c->a, o, role, &j, &n)) != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	tpl_set_bool(c->page, "join_enabled", o->join_enabled);
	tpl_set_list(c->page, "requests");
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "requests");

		tpl_set(row, "id", j[i].id);
		tpl_set(row, "email", j[i].email);
		tpl_set(row, "status", db_enum_jr_status_str(j[i].status));
		tpl_set(row, "name",
		    arena_printf(c->a, "%s%s%s", j[i].first_name,
			*j[i].last_name ? " " : "", j[i].last_name));
		tpl_set(row, "via", j[i].user_id ? "signed in" : "public form");
		web_time(c, row, "created", j[i].created);
		tpl_set_list(row, "extras");
		for (int f = 0; f < JOIN_FIELD__MAX; f++) {
			struct tpl_ctx *x;

			if (*j[i].field[f] == '\0')
				continue;
			x = tpl_add_row(row, "extras");
			tpl_set(x, "name", db_enum_join_field_str(f));
			tpl_set(x, "label", extras[f].label);
			tpl_set(x, "value", j[i].field[f]);
		}
	}
	if (error != ERR_OK)
		web_page_fail(c, error, PAGE_ORG_JOIN_REQUESTS);
	else
		web_page(c, PAGE_ORG_JOIN_REQUESTS);
}

void
web_join_request_list(struct ctx *c)
{
	struct org o;
	enum role role;

	if (web_org_open(c, &o, &role) == -1)
		return;
	render_list(c, &o, role, ERR_OK);
}

/* Approves or rejects the request of the route as the signed-in manager;
 * back to the review page with flash, or that page with the error. */
static void
decide(struct ctx *c, bool approve)
{
	const char *id = c->req->route_args[1];
	struct org o;
	enum role role;
	bool invited;
	enum err e;

	if (web_org_open(c, &o, &role) == -1)
		return;
	e = approve ? join_request_approve(
			  c->d, c->a, c->user, &o, role, id, &invited)
		    : join_request_reject(c->d, c->a, c->user, &o, role, id);
	if (e != ERR_OK) {
		render_list(c, &o, role, e);
		return;
	}
	web_page_redirect(c,
	    arena_printf(c->a, "/orgs/%s/join-requests", o.slug),
	    approve ? FLASH_JOIN_APPROVED : FLASH_JOIN_REJECTED);
}

void
web_join_request_approve(struct ctx *c)
{
	decide(c, true);
}

void
web_join_request_reject(struct ctx *c)
{
	decide(c, false);
}

/* Renders the settings page of o: the stored settings, or the posted ones
 * with error. */
static void
render_settings(struct ctx *c, const struct org *o, enum role role,
    enum err error)
{
	long long limit = 0, used = 0;

	if (!org_role_manages(role)) {
		web_page_fail(c, ERR_FORBIDDEN, PAGE__MAX);
		return;
	}
	tpl_set(c->page, "join_url",
	    arena_printf(c->a, "%s/join/%s", c->w->conf->base_url, o->slug));
	tpl_set_list(c->page, "known_fields");
	for (int f = 0; f < JOIN_FIELD__MAX; f++)
		tpl_set(tpl_add_row(c->page, "known_fields"), "name",
		    db_enum_join_field_str(f));
	/* Only owners may change the seat limit; admins see it. */
	tpl_set_bool(c->page, "seat_owner", membership_grants(c->user, role));
	if (seat_usage(c->d, c->a, o, true, &limit, &used) == ERR_OK) {
		tpl_set(c->page, "seats_used", arena_printf(c->a, "%lld", used));
		tpl_set_bool(c->page, "has_seat_limit", limit > 0);
		tpl_set(c->page, "seat_limit",
		    limit > 0 ? arena_printf(c->a, "%lld", limit) : "");
	}
	if (error != ERR_OK) {
		tpl_set_bool(c->page, "join_enabled",
		    c->field[F_JOIN_ENABLED] != NULL);
		tpl_set(c->page, "join_fields", web_field(c, F_JOIN_FIELDS));
		if (c->field[F_SEAT_LIMIT] != NULL)
			tpl_set(c->page, "seat_limit", c->field[F_SEAT_LIMIT]);
		if (error == ERR_INVALID_SEAT_LIMIT)
			web_page_field_error(c, "seat_limit", error);
		web_page_fail(c, error, PAGE_ORG_SETTINGS);
		return;
	}
	tpl_set_bool(c->page, "join_enabled", o->join_enabled);
	tpl_set(c->page, "join_fields", org_join_fields_str(c->a, o->join_fields));
	web_page(c, PAGE_ORG_SETTINGS);
}

void
web_join_request_settings(struct ctx *c)
{
	struct org o;
	enum role role;

	if (web_org_open(c, &o, &role) == -1)
		return;
	render_settings(c, &o, role, ERR_OK);
}

void
web_join_request_settings_save(struct ctx *c)
{
	struct org o;
	enum role role;
	enum err e;

	if (web_org_open(c, &o, &role) == -1)
		return;
	e = org_settings_update(c->d, c->a, c->user, &o, role,
	    strcmp(web_field(c, F_JOIN_ENABLED), "1") == 0,
	    web_field(c, F_JOIN_FIELDS), c->field[F_SEAT_LIMIT]);
	if (e != ERR_OK) {
		render_settings(c, &o, role, e);
		return;
	}
	web_page_redirect(c, arena_printf(c->a, "/orgs/%s/settings", o.slug),
	    FLASH_SETTINGS_SAVED);
}
