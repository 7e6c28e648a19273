/*
 * Personal API token pages: the list with its create form, the token
 * shown once, revocation.
 */
#include "web/web.h"

#include "domain/api_token.h"
#include "tpl/tpl.h"
#include "util/arena.h"

/* Puts the user's tokens on the page as the list "tokens". */
static enum err
token_rows(struct ctx *c)
{
	struct api_token *t;
	enum err e;
	int n;

	if ((e = api_token_list(c->d, c->a, c->user, &t, &n)) != ERR_OK)
		return e;
	tpl_set_list(c->page, "tokens");
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "tokens");

		tpl_set(row, "id", t[i].id);
		tpl_set(row, "name", t[i].name);
		tpl_set(row, "status", t[i].revoked_at ? "revoked" : "active");
		tpl_set_bool(row, "live", t[i].revoked_at == 0);
		tpl_set_bool(row, "used", t[i].last_used_at != 0);
		web_time(c, row, "created", t[i].created_at);
		if (t[i].last_used_at != 0)
			web_time(c, row, "last_used", t[i].last_used_at);
		if (t[i].revoked_at != 0)
			web_time(c, row, "revoked", t[i].revoked_at);
	}
	tpl_set_bool(c->page, "has_tokens", n > 0);
	return ERR_OK;
}

/* The list page, with error (not ERR_OK) marked above the form. */
static void
render_list(struct ctx *c, enum err error)
{
	enum err e = token_rows(c);

	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	if (error != ERR_OK)
		web_page_fail(c, error, PAGE_API_TOKENS);
	else
		web_page(c, PAGE_API_TOKENS);
}

void
web_api_token_list(struct ctx *c)
{
	render_list(c, ERR_OK);
}

void
web_api_token_create(struct ctx *c)
{
	const char *token, *id;
	enum err e;

	e = api_token_create(
	    c->d, c->a, c->user, web_field(c, F_NAME), &token, &id);
	if (e != ERR_OK) {
		tpl_set(c->page, "name", web_field(c, F_NAME));
		render_list(c, e);
		return;
	}
	tpl_set(c->page, "token", token);
	tpl_set(c->page, "id", id);
	tpl_set(c->page, "name", web_field(c, F_NAME));
	web_page(c, PAGE_API_TOKEN_CREATED);
}

void
web_api_token_revoke(struct ctx *c)
{
	struct api_token t = { 0 };
	enum err e;

	e = api_token_revoke(c->d, c->a, c->user, c->req->route_args[0], &t);
	if (e != ERR_OK) {
		render_list(c, e);
		return;
	}
	c->flash_about[0] = t.name;
	web_page_redirect(c, "/me/tokens", FLASH_TOKEN_REVOKED);
}
