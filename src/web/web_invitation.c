/*
 * Invitation pages: the link's landing page with its seven outcomes,
 * accept, accept with sign-up, decline, the invitee's own list, and the
 * managers' invite, revoke and resend.
 */
#include "web/web.h"

#include <string.h>

#include "domain/invitation.h"
#include "tpl/tpl.h"
#include "util/arena.h"

/* Fills the page with what the invitee may see of an invitation. */
static void
describe(struct ctx *c, const struct invitation *inv, const char *token)
{
	tpl_set(c->page, "token", token);
	tpl_set(c->page, "org_name", inv->org_name);
	tpl_set(c->page, "inviter", inv->inviter_name);
	tpl_set(c->page, "role", inv->role);
	tpl_set(c->page, "invited_email", inv->email);
	tpl_set(c->page, "expires", inv->expires_at);
	tpl_set(c->page, "login_next",
	    http_urlencode(c->a,
		arena_printf(
		    c->a, "/invitations/accept?token=%s", token ? token : "")));
}

/* Renders the page of a failed invitation operation. The pages of the
 * token's states and of a mismatch carry what the invitee needs. */
static void
fail(struct ctx *c, enum err e, const struct invitation *inv, const char *token,
    const char *form_page)
{
	if (inv != NULL && inv->id != NULL)
		describe(c, inv, token);
	switch (e) {
	case ERR_INVITATION_MISMATCH:
		tpl_set(c->page, "title", "Invitation for another address");
		web_fail(c, e, "invitation-mismatch");
		return;
	case ERR_INVALID_NAME:
	case ERR_INVALID_PASSWORD:
	case ERR_EMAIL_MISMATCH:
	case ERR_EMAIL_TAKEN:
	case ERR_SIGNUP_CLOSED:
		if (form_page != NULL) {
			tpl_set(c->page, "title", "Join");
			web_fail(c, e, form_page);
			return;
		}
		break;
	default:
		break;
	}
	web_fail(c, e, NULL);
}

void
web_invitation_view(struct ctx *c)
{
	const char *token = http_param(&c->req->args, "token");
	struct invitation inv = { 0 };
	enum err e = invitation_resolve(c->d, c->a, c->user, token, &inv);

	if (e != ERR_OK) {
		fail(c, e, &inv, token, NULL);
		/* GET shows the mismatch; only a POST is refused with 403. */
		if (e == ERR_INVITATION_MISMATCH)
			c->res->status = 200;
		return;
	}
	describe(c, &inv, token);
	tpl_set(c->page, "title", arena_printf(c->a, "Join %s", inv.org_name));
	web_render(c, 200,
	    c->user != NULL ? "invitation-accept" : "invitation-signup");
}

void
web_invitation_accept(struct ctx *c)
{
	const char *token = web_field_set(c, "token");
	const char *id = token ? NULL : web_field_set(c, "invitation_id");
	struct invitation inv = { 0 };
	bool already = false;
	enum err e;

	if (token == NULL && id == NULL) {
		web_fail(c, ERR_INVITATION_INVALID, NULL);
		return;
	}
	if (c->user == NULL) {
		/* Judge the link first; then ask the holder to sign in. */
		if ((e = invitation_resolve(c->d, c->a, NULL, token, &inv)) !=
		    ERR_OK) {
			fail(c, e, &inv, token, NULL);
			return;
		}
		http_redirect(c->res,
		    arena_printf(c->a, "/login?next=%s",
			http_urlencode(c->a,
			    arena_printf(
				c->a, "/invitations/accept?token=%s", token))));
		return;
	}
	e = invitation_accept(c->d, c->a, c->user, token, id, &already, &inv);
	if (e != ERR_OK) {
		fail(c, e, &inv, token, NULL);
		return;
	}
	web_redirect_flash(c, arena_printf(c->a, "/orgs/%s", inv.org_slug),
	    already ? "already-member" : "invitation-accepted");
}

void
web_invitation_signup(struct ctx *c)
{
	const char *token = web_field(c, "token");
	uint8_t session[CRYPTO_TOKEN_LEN];
	struct invitation inv;
	struct user u;
	enum err e;

	tpl_set(c->page, "display_name", web_field(c, "display_name"));
	e = invitation_accept_signup(c->d, c->a, c->user, token,
	    web_field(c, "email"), web_field(c, "display_name"),
	    web_field(c, "password"), &u, session, &inv);
	if (e != ERR_OK) {
		fail(c, e, &inv, token, "invitation-signup");
		return;
	}
	web_session_start(c, &u, session);
	crypto_wipe(session, sizeof(session));
	web_redirect_flash(c, arena_printf(c->a, "/orgs/%s", inv.org_slug),
	    "invitation-accepted");
}

void
web_invitation_decline(struct ctx *c)
{
	const char *token = web_field_set(c, "token");
	const char *id = token ? NULL : web_field_set(c, "invitation_id");
	struct invitation inv;
	enum err e;

	if (token == NULL && id == NULL) {
		web_fail(c, ERR_INVITATION_INVALID, NULL);
		return;
	}
	if ((e = invitation_decline(c->d, c->a, c->user, token, id, &inv)) !=
	    ERR_OK) {
		fail(c, e, &inv, token, NULL);
		return;
	}
	if (c->user != NULL)
		web_redirect_flash(c, "/me/invitations", "invitation-declined");
	else
		web_redirect_flash(c,
		    arena_printf(c->a, "/invitations/accept?token=%s",
			http_urlencode(c->a, token)),
		    "invitation-declined");
}

/* Adds the pending invitations for the signed-in user to the page as
 * "invitations". */
int
web_my_invitation_rows(struct ctx *c)
{
	struct invitation *inv;
	int n;
	enum err e;

	tpl_set_list(c->page, "invitations");
	if ((e = invitation_list_mine(c->d, c->a, c->user, &inv, &n)) !=
	    ERR_OK) {
		web_fail(c, e, NULL);
		return -1;
	}
	tpl_set_bool(c->page, "has_invitations", n > 0);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "invitations");

		tpl_set(row, "id", inv[i].id);
		tpl_set(row, "email", inv[i].email);
		tpl_set(row, "org_name", inv[i].org_name);
		tpl_set(row, "inviter", inv[i].inviter_name);
		tpl_set(row, "role", inv[i].role);
		tpl_set(row, "expires", inv[i].expires_at);
	}
	return 0;
}

void
web_my_invitations(struct ctx *c)
{
	tpl_set(c->page, "title", "Your invitations");
	if (web_my_invitation_rows(c) == -1)
		return;
	tpl_set_bool(c->page, "unconfirmed", !c->user->email_confirmed);
	web_render(c, 200, "my-invitations");
}

/* Runs one manager action on the organization of the route, then shows
 * the roster with a flash, or re-renders it with the error. */
static void
manage(struct ctx *c, const char *flash,
    enum err (*act)(struct ctx *, const struct org *, enum role))
{
	struct org o;
	enum role role;
	enum err e;

	if (web_org_open(c, &o, &role) == -1)
		return;
	if ((e = act(c, &o, role)) != ERR_OK) {
		web_org_render(c, &o, role, e);
		return;
	}
	web_redirect_flash(c, arena_printf(c->a, "/orgs/%s", o.slug), flash);
}

static enum err
do_invite(struct ctx *c, const struct org *o, enum role role)
{
	tpl_set(c->page, "invite_email", web_field(c, "email"));
	return invitation_create(c->d, c->a, c->user, o, role,
	    web_field(c, "email"), web_field(c, "role"));
}

static enum err
do_revoke(struct ctx *c, const struct org *o, enum role role)
{
	return invitation_revoke(
	    c->d, c->a, c->user, o, role, c->req->route_args[1]);
}

static enum err
do_resend(struct ctx *c, const struct org *o, enum role role)
{
	return invitation_resend(
	    c->d, c->a, c->user, o, role, c->req->route_args[1]);
}

void
web_org_invite(struct ctx *c)
{
	manage(c, "invitation-sent", do_invite);
}

void
web_org_invitation_revoke(struct ctx *c)
{
	manage(c, "invitation-revoked", do_revoke);
}

void
web_org_invitation_resend(struct ctx *c)
{
	manage(c, "invitation-resent", do_resend);
}
