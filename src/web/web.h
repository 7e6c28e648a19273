/*
 * The web layer: handlers that validate a form, call the domain and render
 * a page. One struct web per worker holds what lives across requests; one
 * struct ctx per request holds what the handlers share.
 */
#ifndef ROSTER_WEB_WEB_H
#define ROSTER_WEB_WEB_H

#include <stdbool.h>

#include "crypto/crypto.h"
#include "domain/domain.h"
#include "domain/org.h"
#include "http/http.h"

struct conf;
struct tpl_ctx;
struct tpl_set;

struct web {
	const struct conf *conf;
	const struct tpl_set *tpl;
	struct domain domain;
};

struct ctx {
	struct web *w;
	struct domain *d;
	struct arena *a;
	struct request *req;
	struct response *res;
	struct user *user;                 /* NULL when anonymous */
	uint8_t session[CRYPTO_TOKEN_LEN]; /* raw session token, when user */
	const char *csrf;                  /* the CSRF token forms must carry */
	struct tpl_ctx *page; /* data for the page being rendered */
};

/* Fills the route tables and names the routes for the metrics. Runs once
 * in each worker's setup; the tables are constant afterwards. */
void web_routes_init(void);

/* Handles one request (the fcgi_handler of the workers). ctx is the
 * worker's struct web. */
void web_handle(
    void *w, struct request *req, enum err parse_error, struct response *res);

/* The domain notifier that renders and queues emails; ctx is a struct web. */
enum err web_notify(
    void *w, struct db *db, struct arena *a, const struct notice *n);

/* --- app.c --- */

/* A posted field, or "" when absent. */
const char *web_field(const struct ctx *c, const char *name);

/* A posted field, or NULL when absent or empty. */
const char *web_field_set(const struct ctx *c, const char *name);

/* A query-string argument, or "" when absent. */
const char *web_arg(const struct ctx *c, const char *name);

/* --- render.c --- */

/* Renders template "<name>.html" inside the layout as page name with the
 * given status. Handlers fill c->page first. */
void web_render(struct ctx *c, int status, const char *name);

/* Renders the error page for e: the status and data-error code come from
 * one table; the page is "error" unless page is given (a form to re-show
 * with the error marked). */
void web_fail(struct ctx *c, enum err e, const char *page);

/* 303 to location with a flash code shown on the next page. */
void web_redirect_flash(struct ctx *c, const char *location, const char *flash);

/* The sentence shown for a flash code; NULL for an unknown code. */
const char *web_flash_text(const char *code);

/* The HTTP status for an error code. */
int web_status(enum err e);

/* --- session.c --- */

/* Resolves the session cookie to c->user (or leaves it NULL) and computes
 * c->csrf, issuing a pre-session cookie to anonymous visitors who have
 * none. Returns ERR_DATABASE when the session store cannot be read. */
enum err web_session_load(struct ctx *c);

/* True when the posted csrf_token matches c->csrf (constant time). */
bool web_csrf_ok(struct ctx *c);

/* Sets the cookie for a new session (rotating: the pre-session cookie is
 * dropped, and a session the visitor held before is ended) and makes c's
 * CSRF token the session's. */
void web_session_start(struct ctx *c, const struct user *u,
    const uint8_t session[CRYPTO_TOKEN_LEN]);

/* Clears the session cookie. */
void web_session_clear(struct ctx *c);

/* Sets or reads-and-clears the one-shot flash cookie. */
void web_flash_set(struct ctx *c, const char *code);
const char *web_flash_take(struct ctx *c);

/* --- orgs.c, invitations.c --- */

/* Opens the organization named by the route for the signed-in user and
 * puts its name and the user's role on the page. Renders the 404 and
 * returns -1 for a non-member or an unknown organization. */
int web_org_open(struct ctx *c, struct org *o, enum role *role);

/* Renders the roster page of o (members, and for managers the open
 * invitations and the invite form), with error shown when not ERR_OK. */
void web_org_render(
    struct ctx *c, const struct org *o, enum role role, enum err error);

/* Puts the signed-in user's pending invitations on the page as the list
 * "invitations". Renders the failure and returns -1 when they cannot be
 * read. */
int web_my_invitation_rows(struct ctx *c);

/* --- handlers --- */
void web_healthz(struct ctx *c);
void web_metrics(struct ctx *c);
void web_signup_form(struct ctx *c);
void web_signup(struct ctx *c);
void web_login_form(struct ctx *c);
void web_login(struct ctx *c);
void web_logout(struct ctx *c);
void web_confirm_form(struct ctx *c);
void web_confirm(struct ctx *c);
void web_forgot_form(struct ctx *c);
void web_forgot(struct ctx *c);
void web_reset_form(struct ctx *c);
void web_reset(struct ctx *c);
void web_dashboard(struct ctx *c);
void web_org_new(struct ctx *c);
void web_org_create(struct ctx *c);
void web_org_show(struct ctx *c);
void web_org_audit(struct ctx *c);
void web_org_invite(struct ctx *c);
void web_org_invitation_revoke(struct ctx *c);
void web_org_invitation_resend(struct ctx *c);
void web_invitation_view(struct ctx *c);
void web_invitation_accept(struct ctx *c);
void web_invitation_signup(struct ctx *c);
void web_invitation_decline(struct ctx *c);
void web_my_invitations(struct ctx *c);

#endif
