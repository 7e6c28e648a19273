/*
 * Account pages: sign-up, sign-in, sign-out, email confirmation, password
 * reset, and the dashboard.
 */
#include "web/web.h"

#include <string.h>

#include "db/db_org.h"
#include "domain/account.h"
#include "domain/org.h"
#include "domain/platform.h"
#include "domain/validate.h"
#include "tpl/tpl.h"
#include "util/arena.h"

/* Where to go after signing in: a local path, else the dashboard. */
static const char *
next_path(const char *next)
{
	return (next != NULL && *next != '\0' && http_url_local(next)) ? next
								       : "/";
}

/*
 * Puts a pending platform invitation on the sign-up form: its address,
 * locked, and the token in a hidden field. ERR_INVITATION_INVALID when
 * there is an invite that does not resolve (the form is then the plain
 * one), ERR_OK when there is none.
 */
static enum err
signup_invite(struct ctx *c)
{
	const char *invite = c->field[F_INVITE];
	struct platform_invitation inv;
	enum err e;

	if (invite == NULL)
		return ERR_OK;
	if ((e = platform_resolve(c->d, c->a, invite, &inv)) != ERR_OK)
		return e;
	tpl_set_bool(c->page, "invited", true);
	tpl_set(c->page, "invite", invite);
	tpl_set(c->page, "email", inv.email);
	tpl_set(c->page, "inviter", inv.inviter_name);
	return ERR_OK;
}

void
web_account_signup_form(struct ctx *c)
{
	enum err e = signup_invite(c);

	/* A link that does not work is no invitation: in invite_only mode
	 * sign-up is closed, in the others the plain form shows. */
	if (e == ERR_OK && c->field[F_INVITE] != NULL) {
		web_page(c, PAGE_SIGNUP);
		return;
	}
	if (e != ERR_OK && e != ERR_INVITATION_INVALID) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	if (e == ERR_INVITATION_INVALID && web_page_guess(c)) {
		web_page_fail(c, ERR_RATE_LIMITED, PAGE__MAX);
		return;
	}
	if ((e = account_signup_open(c->d)) != ERR_OK) {
		web_page_fail(c, e, PAGE_SIGNUP);
		return;
	}
	web_page(c, PAGE_SIGNUP);
}

void
web_account_signup(struct ctx *c)
{
	uint8_t session[CRYPTO_TOKEN_LEN];
	struct user u;
	enum err e;

	tpl_set(c->page, "email", web_field(c, F_EMAIL));
	tpl_set(c->page, "display_name", web_field(c, F_DISPLAY_NAME));
	e = account_signup(c->d, c->a, web_field(c, F_EMAIL),
	    web_field(c, F_PASSWORD), web_field(c, F_DISPLAY_NAME),
	    c->field[F_INVITE], &u, session);
	if (e != ERR_OK) {
		/* The form again, with the invitation's address locked while
		 * the invitation still works. */
		(void)signup_invite(c);
		web_page_fail(c, e, PAGE_SIGNUP);
		return;
	}
	web_session_start(c, &u, session);
	crypto_wipe(session, sizeof(session));
	web_page_redirect(c, "/", FLASH_SIGNED_UP);
}

void
web_account_login_form(struct ctx *c)
{
	char *email;

	/* A link may fill in the address (an invitation's "sign in as");
	 * only something shaped like one is shown. */
	if (validate_email(c->a, web_field(c, F_EMAIL), &email) == ERR_OK)
		tpl_set(c->page, "email", email);
	tpl_set(c->page, "next", next_path(web_field(c, F_NEXT)));
	web_page(c, PAGE_LOGIN);
}

void
web_account_login(struct ctx *c)
{
	uint8_t session[CRYPTO_TOKEN_LEN];
	const char *next = next_path(web_field(c, F_NEXT));
	struct user u;
	enum err e;

	tpl_set(c->page, "email", web_field(c, F_EMAIL));
	tpl_set(c->page, "next", next);
	e = account_login(c->d, c->a, web_field(c, F_EMAIL),
	    web_field(c, F_PASSWORD), c->req->remote_addr, &u, session);
	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE_LOGIN);
		return;
	}
	web_session_start(c, &u, session);
	crypto_wipe(session, sizeof(session));
	web_page_redirect(c, next, FLASH_SIGNED_IN);
}

void
web_account_logout(struct ctx *c)
{
	if (c->user != NULL &&
	    account_logout(c->d, c->a, c->session) != ERR_OK) {
		web_page_fail(c, ERR_DATABASE, PAGE__MAX);
		return;
	}
	web_session_clear(c);
	/* A page may send the visitor on (the mismatch page: back to the
	 * invitation); only to a local path. */
	web_page_redirect(c,
	    c->field[F_NEXT] != NULL && http_url_local(c->field[F_NEXT])
		? c->field[F_NEXT]
		: "/login",
	    FLASH_SIGNED_OUT);
}

/* Shows the page for a link token, or token-invalid. GET never uses it. */
static void
token_form(struct ctx *c,
    enum err (*check)(struct domain *, struct arena *, const char *),
    enum page page)
{
	const char *token = web_field(c, F_TOKEN);
	enum err e;

	if ((e = check(c->d, c->a, token)) != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	tpl_set(c->page, "token", token);
	web_page(c, page);
}

void
web_account_confirm_form(struct ctx *c)
{
	token_form(c, account_confirm_check, PAGE_EMAIL_CONFIRM);
}

void
web_account_confirm(struct ctx *c)
{
	enum err e;

	if ((e = account_confirm(c->d, c->a, web_field(c, F_TOKEN))) !=
	    ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	if (c->user != NULL)
		c->user->email_confirmed = true;
	web_page(c, PAGE_EMAIL_CONFIRMED);
}

void
web_account_confirm_resend(struct ctx *c)
{
	enum err e = account_confirm_resend(c->d, c->a, c->user);

	if (e == ERR_NOT_PENDING) {
		web_page_redirect(c, "/", FLASH__MAX);
		return;
	}
	if (e != ERR_OK) {
		if (e == ERR_RATE_LIMITED)
			c->res->retry_after = 3600;
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	web_page_redirect(c, "/", FLASH_CONFIRMATION_SENT);
}

void
web_account_forgot_form(struct ctx *c)
{
	tpl_set_bool(c->page, "sent", strcmp(web_field(c, F_SENT), "1") == 0);
	web_page(c, PAGE_PASSWORD_FORGOT);
}

void
web_account_forgot(struct ctx *c)
{
	enum err e;

	tpl_set(c->page, "email", web_field(c, F_EMAIL));
	if ((e = account_forgot(c->d, c->a, web_field(c, F_EMAIL))) != ERR_OK) {
		web_page_fail(c, e, PAGE_PASSWORD_FORGOT);
		return;
	}
	http_response_redirect(c->res, "/password/forgot?sent=1");
}

void
web_account_reset_form(struct ctx *c)
{
	token_form(c, account_reset_check, PAGE_PASSWORD_RESET);
}

void
web_account_reset(struct ctx *c)
{
	enum err e;

	tpl_set(c->page, "token", web_field(c, F_TOKEN));
	e = account_reset(
	    c->d, c->a, web_field(c, F_TOKEN), web_field(c, F_PASSWORD));
	if (e == ERR_INVALID_PASSWORD) {
		web_page_fail(c, e, PAGE_PASSWORD_RESET);
		return;
	}
	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	/* Every session of the account ended, this one included. */
	web_session_clear(c);
	web_page_redirect(c, "/login", FLASH_PASSWORD_RESET);
}

void
web_account_dashboard(struct ctx *c)
{
	struct my_org *orgs;
	int n;
	enum err e;

	if ((e = org_list_mine(c->d, c->a, c->user, &orgs, &n)) != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	tpl_set_list(c->page, "orgs");
	tpl_set_bool(c->page, "has_orgs", n > 0);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "orgs");

		tpl_set(row, "slug", orgs[i].org.slug);
		tpl_set(row, "name", orgs[i].org.name);
		tpl_set(row, "role", db_enum_role_str(orgs[i].role));
	}
	tpl_set_bool(c->page, "unconfirmed", !c->user->email_confirmed);
	if (web_invitation_mine_rows(c) == -1)
		return;
	web_page(c, PAGE_DASHBOARD);
}
