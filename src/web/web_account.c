/*
 * Account pages: sign-up, sign-in, sign-out, email confirmation, password
 * reset, and the dashboard.
 */
#include "web/web.h"

#include <string.h>

#include "db/org.h"
#include "domain/account.h"
#include "domain/org.h"
#include "tpl/tpl.h"
#include "util/arena.h"

/* Where to go after signing in: a local path, else the dashboard. */
static const char *
next_path(const char *next)
{
	return (next != NULL && *next != '\0' && http_local_path(next)) ? next
									: "/";
}

void
web_signup_form(struct ctx *c)
{
	enum err e = account_signup_open(c->d);

	tpl_set(c->page, "title", "Sign up");
	if (e != ERR_OK) {
		web_fail(c, e, "signup");
		return;
	}
	web_render(c, 200, "signup");
}

void
web_signup(struct ctx *c)
{
	uint8_t session[CRYPTO_TOKEN_LEN];
	struct user u;
	enum err e;

	tpl_set(c->page, "title", "Sign up");
	tpl_set(c->page, "email", web_field(c, "email"));
	tpl_set(c->page, "display_name", web_field(c, "display_name"));
	e = account_signup(c->d, c->a, web_field(c, "email"),
	    web_field(c, "password"), web_field(c, "display_name"), &u,
	    session);
	if (e != ERR_OK) {
		web_fail(c, e, "signup");
		return;
	}
	web_session_start(c, &u, session);
	crypto_wipe(session, sizeof(session));
	web_redirect_flash(c, "/", "signed-up");
}

void
web_login_form(struct ctx *c)
{
	tpl_set(c->page, "title", "Sign in");
	tpl_set(c->page, "next", next_path(web_arg(c, "next")));
	web_render(c, 200, "login");
}

void
web_login(struct ctx *c)
{
	uint8_t session[CRYPTO_TOKEN_LEN];
	const char *next = next_path(web_field(c, "next"));
	struct user u;
	enum err e;

	tpl_set(c->page, "title", "Sign in");
	tpl_set(c->page, "email", web_field(c, "email"));
	tpl_set(c->page, "next", next);
	e = account_login(c->d, c->a, web_field(c, "email"),
	    web_field(c, "password"), &u, session);
	if (e != ERR_OK) {
		web_fail(c, e, "login");
		return;
	}
	web_session_start(c, &u, session);
	crypto_wipe(session, sizeof(session));
	web_redirect_flash(c, next, "signed-in");
}

void
web_logout(struct ctx *c)
{
	if (c->user != NULL &&
	    account_logout(c->d, c->a, c->session) != ERR_OK) {
		web_fail(c, ERR_DATABASE, NULL);
		return;
	}
	web_session_clear(c);
	web_redirect_flash(c, "/login", "signed-out");
}

/* Shows the page for a link token, or token-invalid. GET never uses it. */
static void
token_form(struct ctx *c,
    enum err (*check)(struct domain *, struct arena *, const char *),
    const char *page, const char *title)
{
	const char *token = web_arg(c, "token");
	enum err e;

	tpl_set(c->page, "title", title);
	if ((e = check(c->d, c->a, token)) != ERR_OK) {
		web_fail(c, e, NULL);
		return;
	}
	tpl_set(c->page, "token", token);
	web_render(c, 200, page);
}

void
web_confirm_form(struct ctx *c)
{
	token_form(
	    c, account_confirm_check, "email-confirm", "Confirm your email");
}

void
web_confirm(struct ctx *c)
{
	enum err e;

	tpl_set(c->page, "title", "Email confirmed");
	if ((e = account_confirm(c->d, c->a, web_field(c, "token"))) !=
	    ERR_OK) {
		web_fail(c, e, NULL);
		return;
	}
	if (c->user != NULL)
		c->user->email_confirmed = true;
	web_render(c, 200, "email-confirmed");
}

void
web_forgot_form(struct ctx *c)
{
	tpl_set(c->page, "title", "Forgot password");
	tpl_set_bool(c->page, "sent", strcmp(web_arg(c, "sent"), "1") == 0);
	web_render(c, 200, "password-forgot");
}

void
web_forgot(struct ctx *c)
{
	enum err e;

	tpl_set(c->page, "title", "Forgot password");
	tpl_set(c->page, "email", web_field(c, "email"));
	if ((e = account_forgot(c->d, c->a, web_field(c, "email"))) != ERR_OK) {
		web_fail(c, e, "password-forgot");
		return;
	}
	http_redirect(c->res, "/password/forgot?sent=1");
}

void
web_reset_form(struct ctx *c)
{
	token_form(
	    c, account_reset_check, "password-reset", "Choose a new password");
}

void
web_reset(struct ctx *c)
{
	enum err e;

	tpl_set(c->page, "title", "Choose a new password");
	tpl_set(c->page, "token", web_field(c, "token"));
	e = account_reset(
	    c->d, c->a, web_field(c, "token"), web_field(c, "password"));
	if (e == ERR_INVALID_PASSWORD) {
		web_fail(c, e, "password-reset");
		return;
	}
	if (e != ERR_OK) {
		web_fail(c, e, NULL);
		return;
	}
	/* Every session of the account ended, this one included. */
	web_session_clear(c);
	web_redirect_flash(c, "/login", "password-reset");
}

void
web_dashboard(struct ctx *c)
{
	struct my_org *orgs;
	int n;
	enum err e;

	tpl_set(c->page, "title", "Dashboard");
	if ((e = org_list_mine(c->d, c->a, c->user, &orgs, &n)) != ERR_OK) {
		web_fail(c, e, NULL);
		return;
	}
	tpl_set_list(c->page, "orgs");
	tpl_set_bool(c->page, "has_orgs", n > 0);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "orgs");

		tpl_set(row, "slug", orgs[i].org.slug);
		tpl_set(row, "name", orgs[i].org.name);
		tpl_set(row, "role", orgs[i].role);
	}
	tpl_set_bool(c->page, "unconfirmed", !c->user->email_confirmed);
	if (web_my_invitation_rows(c) == -1)
		return;
	web_render(c, 200, "dashboard");
}
