/*
 * Request dispatch: the route table and the front-line checks every
 * request passes, in order: method, route, parse errors, database,
 * session, sign-in, POST origin and CSRF. Only then does a handler run.
 */
#include "web/web.h"

#include <string.h>
#include <time.h>

#include "conf.h"
#include "db/db.h"
#include "http/http_route.h"
#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/metrics.h"
#include "web/web_ops.h"

enum route_flag {
	R_AUTH = 1, /* needs a signed-in user */
	R_BARE = 2, /* no session, no database check (operations) */
	R_API = 4,  /* the JSON API: a bearer token, no cookie, no CSRF */
};

struct handler {
	struct route route;
	void (*fn)(struct ctx *);
	int flags;
};

/* First match wins: literal routes precede patterns that could take them. */
static const struct handler handlers[] = {
	{ { METHOD_GET, "/healthz" }, web_ops_healthz, R_BARE },
	{ { METHOD_GET, "/metrics" }, web_ops_metrics, R_BARE },
	{ { METHOD_GET, "/" }, web_account_dashboard, R_AUTH },
	{ { METHOD_GET, "/signup" }, web_account_signup_form, 0 },
	{ { METHOD_POST, "/signup" }, web_account_signup, 0 },
	{ { METHOD_GET, "/login" }, web_account_login_form, 0 },
	{ { METHOD_POST, "/login" }, web_account_login, 0 },
	{ { METHOD_POST, "/logout" }, web_account_logout, 0 },
	{ { METHOD_GET, "/confirm" }, web_account_confirm_form, 0 },
	{ { METHOD_POST, "/confirm" }, web_account_confirm, 0 },
	{ { METHOD_POST, "/confirm/resend" }, web_account_confirm_resend,
	    R_AUTH },
	{ { METHOD_GET, "/password/forgot" }, web_account_forgot_form, 0 },
	{ { METHOD_POST, "/password/forgot" }, web_account_forgot, 0 },
	{ { METHOD_GET, "/password/reset" }, web_account_reset_form, 0 },
	{ { METHOD_POST, "/password/reset" }, web_account_reset, 0 },
	{ { METHOD_GET, "/orgs/new" }, web_org_new, R_AUTH },
	{ { METHOD_POST, "/orgs" }, web_org_create, R_AUTH },
	{ { METHOD_GET, "/orgs/:slug" }, web_org_show, R_AUTH },
	{ { METHOD_GET, "/orgs/:slug/audit" }, web_org_audit, R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/invitations/bulk" }, web_bulk_invite,
	    R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/invitations" }, web_invitation_create,
	    R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/invitations/:id/revoke" },
	    web_invitation_revoke, R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/invitations/:id/resend" },
	    web_invitation_resend, R_AUTH },
	{ { METHOD_GET, "/invitations/accept" }, web_invitation_view, 0 },
	{ { METHOD_POST, "/invitations/accept" }, web_invitation_accept, 0 },
	{ { METHOD_POST, "/invitations/accept/signup" }, web_invitation_signup,
	    0 },
	{ { METHOD_POST, "/invitations/decline" }, web_invitation_decline, 0 },
	{ { METHOD_POST, "/orgs/:slug/links" }, web_invite_link_create, R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/links/:id/revoke" },
	    web_invite_link_revoke, R_AUTH },
	{ { METHOD_GET, "/links/accept" }, web_invite_link_view, 0 },
	{ { METHOD_POST, "/links/accept" }, web_invite_link_join, 0 },
	{ { METHOD_POST, "/links/accept/signup" }, web_invite_link_signup, 0 },
	{ { METHOD_GET, "/me/invitations" }, web_invitation_mine, R_AUTH },
	{ { METHOD_GET, "/me/tokens" }, web_api_token_list, R_AUTH },
	{ { METHOD_POST, "/me/tokens" }, web_api_token_create, R_AUTH },
	{ { METHOD_POST, "/me/tokens/:id/revoke" }, web_api_token_revoke,
	    R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/members" }, web_membership_add, R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/members/:id/role" }, web_membership_role,
	    R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/members/:id/remove" },
	    web_membership_remove, R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/leave" }, web_membership_leave, R_AUTH },
	{ { METHOD_POST, "/me/memberships/:id/accept" }, web_membership_accept,
	    R_AUTH },
	{ { METHOD_POST, "/me/memberships/:id/decline" },
	    web_membership_decline, R_AUTH },
	{ { METHOD_GET, "/join/confirm" }, web_join_request_confirm_form, 0 },
	{ { METHOD_POST, "/join/confirm" }, web_join_request_confirm, 0 },
	{ { METHOD_GET, "/join/:slug" }, web_join_request_form, 0 },
	{ { METHOD_POST, "/join/:slug" }, web_join_request_submit, 0 },
	{ { METHOD_POST, "/orgs/:slug/join-requests" }, web_join_request_create,
	    R_AUTH },
	{ { METHOD_GET, "/orgs/:slug/join-requests" }, web_join_request_list,
	    R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/join-requests/:id/approve" },
	    web_join_request_approve, R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/join-requests/:id/reject" },
	    web_join_request_reject, R_AUTH },
	{ { METHOD_GET, "/orgs/:slug/settings" }, web_join_request_settings,
	    R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/settings" },
	    web_join_request_settings_save, R_AUTH },
	{ { METHOD_GET, "/orgs/:slug/webhooks" }, web_webhook_list, R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/webhooks" }, web_webhook_create, R_AUTH },
	{ { METHOD_POST, "/orgs/:slug/webhooks/:id/delete" },
	    web_webhook_delete, R_AUTH },
	{ { METHOD_GET, "/api/v1/me" }, web_api_me, R_API },
	{ { METHOD_GET, "/api/v1/orgs" }, web_api_orgs, R_API },
	{ { METHOD_GET, "/api/v1/orgs/:slug/members" }, web_api_members,
	    R_API },
	{ { METHOD_GET, "/api/v1/orgs/:slug/members/:id" }, web_api_member,
	    R_API },
	{ { METHOD_GET, "/api/v1/orgs/:slug/invitations" }, web_api_invitations,
	    R_API },
	{ { METHOD_POST, "/api/v1/orgs/:slug/invitations" }, web_api_invite,
	    R_API },
	{ { METHOD_POST, "/api/v1/orgs/:slug/invitations/:id/revoke" },
	    web_api_invitation_revoke, R_API },
	{ { METHOD_POST, "/api/v1/orgs/:slug/invitations/:id/resend" },
	    web_api_invitation_resend, R_API },
	{ { METHOD_GET, "/admin" }, web_admin_show, R_AUTH },
	{ { METHOD_POST, "/admin/invitations" }, web_admin_invite, R_AUTH },
	{ { METHOD_POST, "/admin/invitations/:id/revoke" }, web_admin_revoke,
	    R_AUTH },
};
#define NHANDLERS ((int)(sizeof(handlers) / sizeof(handlers[0])))

static struct route routes[NHANDLERS];
static const char *route_names[NHANDLERS + 1];

void
web_routes_init(void)
{
	for (int i = 0; i < NHANDLERS; i++) {
		routes[i] = handlers[i].route;
		route_names[i] = handlers[i].route.pattern;
	}
	route_names[NHANDLERS] = "unmatched";
	metrics_routes(route_names, NHANDLERS);
	web_field_lists();
}

/* The origin (scheme://host[:port]) of the configured base URL. */
static bool
origin_ok(const struct ctx *c)
{
	const char *o = c->req->origin, *base = c->w->conf->base_url;

	if (o == NULL)
		return true;
	/* Referrer-Policy: no-referrer makes browsers send "Origin: null"
	 * on same-origin form posts; Sec-Fetch-Site tells them apart from a
	 * sandboxed or cross-site sender (and the CSRF token still decides). */
	if (strcmp(o, "null") == 0)
		return c->req->sec_fetch_site == NULL ||
		    strcmp(c->req->sec_fetch_site, "same-origin") == 0;
	return strcmp(o, base) == 0;
}

/* Sends an anonymous visitor to sign in, remembering where they were. */
static void
to_login(struct ctx *c)
{
	const char *next = c->req->path;

	if (c->req->method != METHOD_POST && c->req->query[0] != '\0')
		next = arena_printf(c->a, "%s?%s", c->req->path, c->req->query);
	if (!http_url_local(next))
		next = "/";
	http_response_redirect(c->res,
	    arena_printf(c->a, "/login?next=%s", http_url_encode(c->a, next)));
}

/* The methods the routes matching path answer, for a 405's Allow. */
static const char *
allowed(struct ctx *c)
{
	struct request probe = { .arena = c->a, .path = c->req->path };
	bool get = false, post = false;
	int i;

	probe.method = METHOD_GET;
	get = http_route_find(routes, NHANDLERS, &probe, &i) == ROUTE_FOUND;
	probe.method = METHOD_POST;
	post = http_route_find(routes, NHANDLERS, &probe, &i) == ROUTE_FOUND;
	return get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" : "POST";
}

/* The page a form posting to path lives on: the nearest enclosing path
 * that is a signed-in page (/orgs/acme for /orgs/acme/invitations/7/
 * revoke), else the dashboard. */
static const char *
form_home(struct ctx *c)
{
	char *p = arena_strdup(c->a, c->req->path), *slash;
	struct request probe = { .arena = c->a, .method = METHOD_GET };
	int i;

	while ((slash = strrchr(p, '/')) != NULL && slash != p) {
		*slash = '\0';
		probe.path = p;
		if (http_route_find(routes, NHANDLERS, &probe, &i) ==
			ROUTE_FOUND &&
		    (handlers[i].flags & R_AUTH) && http_url_local(p))
			return p;
	}
	return "/";
}

/* 405, usually a form's address opened again (a refresh after a POST):
 * the page says so and links to where the form lives. */
static void
bad_method(struct ctx *c, const char *allow)
{
	const char *home = form_home(c);

	web_session_peek(c);
	tpl_set_bool(c->page, "post_only", strcmp(allow, "POST") == 0);
	tpl_set(c->page, "back_url", home);
	tpl_set_bool(c->page, "back_dashboard", strcmp(home, "/") == 0);
	web_page_fail(c, ERR_BAD_METHOD, PAGE__MAX);
}

/* True for a path under /api/. */
static bool
is_api(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
}

/* The front line of an API route: parse errors, the database, the bearer
 * token; no session, no cookie, no CSRF token (a bearer token is not
 * sent by browsers on their own, so there is no cross-site request to
 * forge). A POST's body is the handler's to read (web_api_body). */
static void
api(struct ctx *c, const struct handler *h, enum err parse_error)
{
	if (parse_error != ERR_OK) {
		web_api_fail(c, parse_error);
		return;
	}
	web_field_parse(c, &c->req->args);
	if (db_ensure(c->d->db) != ERR_OK) {
		web_api_fail(c, ERR_DATABASE);
		return;
	}
	if (web_api_begin(c))
		h->fn(c);
}

static void
dispatch(struct ctx *c, enum err parse_error)
{
	const struct handler *h;
	enum route_match m;
	enum err e;
	int i = NHANDLERS;

	c->req->route = NHANDLERS;
	if (c->req->method == METHOD__MAX && is_api(c->req->path)) {
		http_response_header(c->res, "Allow", "GET, HEAD, POST");
		web_api_fail(c, ERR_BAD_METHOD);
		return;
	}
	if (c->req->method == METHOD__MAX) {
		http_response_header(c->res, "Allow", "GET, HEAD, POST");
		bad_method(c, "GET, HEAD, POST");
		return;
	}
	m = http_route_find(routes, NHANDLERS, c->req, &i);
	/* The API answers in JSON even where no route matches. */
	if (m != ROUTE_FOUND && is_api(c->req->path)) {
		if (m == ROUTE_BAD_METHOD)
			http_response_header(c->res, "Allow", allowed(c));
		web_api_fail(
		    c, m == ROUTE_BAD_METHOD ? ERR_BAD_METHOD : ERR_NOT_FOUND);
		return;
	}
	if (m == ROUTE_NOT_FOUND) {
		web_session_peek(c);
		web_page_fail(c, ERR_NOT_FOUND, PAGE__MAX);
		return;
	}
	if (m == ROUTE_BAD_METHOD) {
		const char *allow = allowed(c);

		http_response_header(c->res, "Allow", allow);
		bad_method(c, allow);
		return;
	}
	c->req->route = i;
	h = &handlers[i];
	if (h->flags & R_API) {
		api(c, h, parse_error);
		return;
	}
	if (parse_error != ERR_OK) {
		if (!(h->flags & R_BARE))
			web_session_peek(c);
		web_page_fail(c, parse_error, PAGE__MAX);
		return;
	}
	web_field_parse(
	    c, c->req->method == METHOD_POST ? &c->req->form : &c->req->args);
	if (h->flags & R_BARE) {
		h->fn(c);
		return;
	}
	if (db_ensure(c->d->db) != ERR_OK ||
	    (e = web_session_load(c)) == ERR_DATABASE) {
		web_page_fail(c, ERR_DATABASE, PAGE__MAX);
		return;
	}
	/* A page that needs a session sends anonymous visitors to sign in
	 * before anything else is judged (a redirect writes nothing). */
	if ((h->flags & R_AUTH) && c->user == NULL) {
		to_login(c);
		return;
	}
	if (c->req->method == METHOD_POST) {
		if ((c->req->sec_fetch_site != NULL &&
			strcmp(c->req->sec_fetch_site, "cross-site") == 0) ||
		    !origin_ok(c)) {
			web_page_fail(c, ERR_CSRF, PAGE__MAX);
			return;
		}
		if (!http_parse_is_form(c->req->content_type)) {
			web_page_fail(c, ERR_MEDIA_TYPE, PAGE__MAX);
			return;
		}
		if (!web_session_csrf_ok(c)) {
			web_page_fail(c, ERR_CSRF, PAGE__MAX);
			return;
		}
	}
	h->fn(c);
}

void
web_handle(
    void *wp, struct request *req, enum err parse_error, struct response *res)
{
	struct web *w = wp;
	struct ctx c = {
		.w = w, .d = &w->domain, .a = req->arena, .req = req, .res = res
	};
	struct timespec t0, t1;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	c.page = tpl_ctx_new(c.a);
	/* No page of this application may be cached: they are per user, and
	 * some carry tokens. */
	res->no_store = true;
	web_log_begin(&c);
	dispatch(&c, parse_error);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	i = req->route >= 0 && req->route < NHANDLERS ? req->route : NHANDLERS;
	web_log_end(&c, route_names[i], i < NHANDLERS && (handlers[i].flags & R_BARE),
	    (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	web_ops_observe(&c,
	    (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}
