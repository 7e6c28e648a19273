/*
 * Invite link pages: the managers' create (the link shown once), list and
 * revoke on the roster; the link's landing page, the join of a signed-in
 * visitor and the join with sign-up.
 */
#include "web/web.h"

#include "domain/account.h"
#include "domain/invite_link.h"
#include "tpl/tpl.h"
#include "util/arena.h"

/* The landing page's own path for token, for a sign-in that comes
 * back. */
static const char *
back_here(struct ctx *c, const char *token)
{
	return arena_printf(c->a, "/links/accept?token=%s",
	    http_url_encode(c->a, token ? token : ""));
}

/* Fills the page with what a link's holder may see. */
static void
describe(struct ctx *c, const struct invite_link *l, const char *token)
{
	if (l->id == NULL)
		return;
	tpl_set(c->page, "org_name", l->org_name);
	tpl_set(c->page, "token", token);
	tpl_set(c->page, "signin_url",
	    arena_printf(c->a, "/login?next=%s",
		http_url_encode(c->a, back_here(c, token))));
}

/* Renders a failed link operation: the states' pages name the
 * organization; a sign-up's own errors show the form again. */
static void
fail(struct ctx *c, enum err e, const struct invite_link *l,
    const char *token)
{
	describe(c, l, token);
	switch (e) {
	case ERR_INVALID_EMAIL:
	case ERR_INVALID_NAME:
	case ERR_INVALID_PASSWORD:
	case ERR_EMAIL_TAKEN:
	case ERR_SIGNUP_CLOSED:
		tpl_set(c->page, "title",
		    arena_printf(c->a, "Join %s", l->org_name));
		tpl_set_bool(c->page, "signup_closed", e == ERR_SIGNUP_CLOSED);
		web_page_fail(c, e, PAGE_LINK_JOIN);
		return;
	default:
		web_page_fail(c, e, PAGE__MAX);
	}
}

void
web_invite_link_view(struct ctx *c)
{
	const char *token = c->field[F_TOKEN];
	struct invite_link l;
	enum err e = invite_link_resolve(c->d, c->a, token, &l);

	if (e != ERR_OK) {
		fail(c, e, &l, token);
		return;
	}
	describe(c, &l, token);
	tpl_set_bool(c->page, "signup_closed",
	    account_signup_open(c->d) != ERR_OK);
	tpl_set(c->page, "title", arena_printf(c->a, "Join %s", l.org_name));
	web_page(c, PAGE_LINK_JOIN);
}

void
web_invite_link_join(struct ctx *c)
{
	const char *token = c->field[F_TOKEN];
	struct invite_link l;
	bool already, pending;
	enum err e;

	if (c->user == NULL) {
		/* Judge the link first; then ask the holder to sign in. */
		if ((e = invite_link_resolve(c->d, c->a, token, &l)) != ERR_OK) {
			fail(c, e, &l, token);
			return;
		}
		http_response_redirect(c->res,
		    arena_printf(c->a, "/login?next=%s",
			http_url_encode(c->a, back_here(c, token))));
		return;
	}
	e = invite_link_join(
	    c->d, c->a, c->user, token, &already, &pending, &l);
	if (e != ERR_OK) {
		fail(c, e, &l, token);
		return;
	}
	if (pending)
		/* An owner-add awaits the user's consent on their own list. */
		web_page_redirect(c, "/me/invitations", FLASH_ALREADY_MEMBER);
	else
		web_page_redirect(c, arena_printf(c->a, "/orgs/%s", l.org_slug),
		    already ? FLASH_ALREADY_MEMBER : FLASH_LINK_JOINED);
}

void
web_invite_link_signup(struct ctx *c)
{
	const char *token = c->field[F_TOKEN];
	uint8_t session[CRYPTO_TOKEN_LEN];
	struct invite_link l;
	struct user u;
	enum err e;

	tpl_set(c->page, "email", web_field(c, F_EMAIL));
	tpl_set(c->page, "display_name", web_field(c, F_DISPLAY_NAME));
	e = invite_link_join_signup(c->d, c->a, token, web_field(c, F_EMAIL),
	    web_field(c, F_DISPLAY_NAME), web_field(c, F_PASSWORD), &u, session,
	    &l);
	if (e != ERR_OK) {
		fail(c, e, &l, token);
		return;
	}
	web_session_start(c, &u, session);
	crypto_wipe(session, sizeof(session));
	web_page_redirect(c, arena_printf(c->a, "/orgs/%s", l.org_slug),
	    FLASH_LINK_JOINED);
}

void
web_invite_link_create(struct ctx *c)
{
	struct invite_link_new made;
	struct org o;
	enum role role;
	enum err e;

	if (web_org_open(c, &o, &role) == -1)
		return;
	tpl_set(c->page, "link_max_uses", web_field(c, F_MAX_USES));
	tpl_set(c->page, "link_days", web_field(c, F_DAYS));
	e = invite_link_create(c->d, c->a, c->user, &o, role,
	    c->field[F_MAX_USES], c->field[F_DAYS], &made);
	if (e == ERR_INVALID_MAX_USES || e == ERR_INVALID_DAYS) {
		web_page_field_error(c,
		    e == ERR_INVALID_MAX_USES ? "link_max_uses" : "link_days",
		    e);
		tpl_set_bool(c->page, "link_errors", true);
	}
	if (e != ERR_OK) {
		web_org_render(c, &o, role, e);
		return;
	}
	tpl_set(c->page, "link_url", made.url);
	tpl_set(c->page, "link_id", made.id);
	tpl_setf(c->page, "max_uses", "%d", made.max_uses);
	tpl_setf(c->page, "days", "%d", made.days);
	web_time(c, c->page, "expires", made.expires);
	web_page(c, PAGE_LINK_CREATED);
}

static enum err
do_revoke(struct ctx *c, const struct org *o, enum role role)
{
	return invite_link_revoke(
	    c->d, c->a, c->user, o, role, c->req->route_args[1]);
}

void
web_invite_link_revoke(struct ctx *c)
{
	web_org_manage(c, FLASH_LINK_REVOKED, do_revoke);
}

/* Whether the page has a non-empty value name. */
static bool
has(struct ctx *c, const char *name)
{
	const char *v = tpl_get(c->page, name);

	return v != NULL && *v != '\0';
}

void
web_invite_link_rows(struct ctx *c, const struct invite_link *l, int n)
{
	tpl_set_list(c->page, "links");
	tpl_set_bool(c->page, "has_links", n > 0);
	/* The form's defaults, unless it comes back with what was sent. */
	if (!has(c, "link_max_uses"))
		tpl_setf(c->page, "link_max_uses", "%d",
		    INVITE_LINK_USES_DEFAULT);
	if (!has(c, "link_days"))
		tpl_setf(c->page, "link_days", "%d", INVITE_LINK_DAYS_DEFAULT);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "links");

		tpl_set(row, "id", l[i].id);
		tpl_setf(row, "uses", "%d", l[i].uses);
		tpl_setf(row, "max_uses", "%d", l[i].max_uses);
		tpl_set(row, "status", db_invite_link_state_str(l[i].state));
		tpl_set_bool(row, "active", l[i].state == LINK_ACTIVE);
		tpl_set_bool(row, "revocable", l[i].state != LINK_REVOKED);
		tpl_set_bool(row, "expired", l[i].state == LINK_EXPIRED);
		tpl_set(row, "creator", l[i].creator_name);
		web_time(c, row, "expires", l[i].expires);
	}
}
