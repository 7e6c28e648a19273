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

/* The sign-in page with email filled in, going on to next (a local
 * path). */
static const char *
signin_url(struct ctx *c, const char *email, const char *next)
{
	return arena_cat(c->a, "/login?email=", http_url_encode(c->a, email),
	    "&next=", http_url_encode(c->a, next), NULL);
}

/* Fills the page with what the invitee may see of an invitation. */
static void
describe(struct ctx *c, const struct invitation *inv, const char *token)
{
	tpl_set(c->page, "token", token);
	tpl_set(c->page, "org_name", inv->org_name);
	tpl_set(c->page, "inviter", inv->inviter_name);
	tpl_set(c->page, "role", db_enum_role_str(inv->role));
	tpl_set(c->page, "invited_email", inv->email);
	tpl_set(c->page, "expires", inv->expires_at);
	tpl_set(c->page, "signin_url",
	    signin_url(c, inv->email,
		arena_cat(c->a, "/invitations/accept?token=",
		    token ? token : "", NULL)));
}

/*
 * Says on the page of an ended link (e, one of the state errors) what
 * happened and whom to ask: the inviter's address; for a revoked one,
 * the newer invitation that replaced it, the manager who withdrew it, or
 * an inviter who no longer manages the organization; for an accepted
 * one, the way into the organization. A failed read leaves the page with
 * what the row gave.
 */
static void
explain(struct ctx *c, enum err e, const struct invitation *inv)
{
	struct invitation_end end;
	bool own;

	if (invitation_explain(c->d, c->a, inv, &end) != ERR_OK)
		return;
	tpl_set(c->page, "inviter_email", end.inviter_email);
	tpl_set(c->page, "org_slug", inv->org_slug);
	if (e == ERR_INVITATION_REVOKED) {
		if (*end.newer_at != '\0')
			tpl_set(c->page, "replaced_at", end.newer_at);
		else if (inv->state == INV_PENDING)
			/* Still open: its inviter's right is what ended. */
			tpl_set_bool(c->page, "inviter_left", true);
		else if (*end.revoker_email != '\0') {
			tpl_set(c->page, "revoker", end.revoker_name);
			tpl_set(c->page, "revoker_email", end.revoker_email);
		}
	} else if (e == ERR_INVITATION_ACCEPTED) {
		own = c->user != NULL && strcmp(c->user->email, inv->email) == 0;
		tpl_set_bool(c->page, "own", own);
		tpl_set(c->page, "signin_url",
		    signin_url(c, inv->email,
			arena_printf(c->a, "/orgs/%s", inv->org_slug)));
	}
}

/* Renders the page of a failed invitation operation. The pages of the
 * token's states and of a mismatch carry what the invitee needs. */
static void
fail(struct ctx *c, enum err e, const struct invitation *inv, const char *token,
    bool signup_form)
{
	if (inv != NULL && inv->id != NULL)
		describe(c, inv, token);
	switch (e) {
	case ERR_INVITATION_MISMATCH:
		web_page_fail(c, e, PAGE_INVITATION_MISMATCH);
		return;
	case ERR_INVITATION_EXPIRED:
	case ERR_INVITATION_REVOKED:
	case ERR_INVITATION_DECLINED:
	case ERR_INVITATION_ACCEPTED:
		if (inv != NULL && inv->id != NULL)
			explain(c, e, inv);
		break;
	case ERR_INVALID_NAME:
	case ERR_INVALID_PASSWORD:
	case ERR_EMAIL_MISMATCH:
	case ERR_EMAIL_TAKEN:
	case ERR_SIGNUP_CLOSED:
		/* The address has an account: signing in is the way on. */
		if (e == ERR_EMAIL_TAKEN)
			tpl_set_bool(c->page, "has_account", true);
		if (signup_form) {
			tpl_set(c->page, "title", "Join");
			web_page_fail(c, e, PAGE_INVITATION_SIGNUP);
			return;
		}
		break;
	default:
		break;
	}
	web_page_fail(c, e, PAGE__MAX);
}

void
web_invitation_view(struct ctx *c)
{
	const char *token = c->field[F_TOKEN];
	struct invitation inv = { 0 };
	bool known = false;
	enum err e = invitation_resolve(c->d, c->a, c->user, token, &inv);

	if (e != ERR_OK) {
		fail(c, e, &inv, token, false);
		/* GET shows the mismatch; only a POST is refused with 403. */
		if (e == ERR_INVITATION_MISMATCH)
			c->res->status = 200;
		return;
	}
	describe(c, &inv, token);
	/* The holder of a pending link bound to the address learns whether
	 * it has an account, as a sign-up attempt would tell them. */
	if (c->user == NULL &&
	    (e = invitation_invitee_has_account(c->d, c->a, &inv, &known)) !=
		ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	tpl_set_bool(c->page, "has_account", known);
	tpl_set(c->page, "title", arena_printf(c->a, "Join %s", inv.org_name));
	web_page(c,
	    c->user != NULL ? PAGE_INVITATION_ACCEPT : PAGE_INVITATION_SIGNUP);
}

void
web_invitation_accept(struct ctx *c)
{
	const char *token = c->field[F_TOKEN];
	const char *id = token ? NULL : c->field[F_INVITATION_ID];
	struct invitation inv = { 0 };
	bool already = false;
	enum err e;

	if (token == NULL && id == NULL) {
		web_page_fail(c, ERR_INVITATION_INVALID, PAGE__MAX);
		return;
	}
	if (c->user == NULL) {
		/* Judge the link first; then ask the holder to sign in. */
		if ((e = invitation_resolve(c->d, c->a, NULL, token, &inv)) !=
		    ERR_OK) {
			fail(c, e, &inv, token, false);
			return;
		}
		http_response_redirect(c->res,
		    arena_printf(c->a, "/login?next=%s",
			http_url_encode(c->a,
			    arena_printf(
				c->a, "/invitations/accept?token=%s", token))));
		return;
	}
	e = invitation_accept(c->d, c->a, c->user, token, id, &already, &inv);
	if (e != ERR_OK) {
		fail(c, e, &inv, token, false);
		return;
	}
	web_page_redirect(c, arena_printf(c->a, "/orgs/%s", inv.org_slug),
	    already ? FLASH_ALREADY_MEMBER : FLASH_INVITATION_ACCEPTED);
}

void
web_invitation_signup(struct ctx *c)
{
	const char *token = web_field(c, F_TOKEN);
	uint8_t session[CRYPTO_TOKEN_LEN];
	struct invitation inv;
	struct user u;
	enum err e;

	tpl_set(c->page, "display_name", web_field(c, F_DISPLAY_NAME));
	e = invitation_accept_signup(c->d, c->a, c->user, token,
	    web_field(c, F_EMAIL), web_field(c, F_DISPLAY_NAME),
	    web_field(c, F_PASSWORD), &u, session, &inv);
	if (e != ERR_OK) {
		fail(c, e, &inv, token, true);
		return;
	}
	web_session_start(c, &u, session);
	crypto_wipe(session, sizeof(session));
	web_page_redirect(c, arena_printf(c->a, "/orgs/%s", inv.org_slug),
	    FLASH_INVITATION_ACCEPTED);
}

void
web_invitation_decline(struct ctx *c)
{
	const char *token = c->field[F_TOKEN];
	const char *id = token ? NULL : c->field[F_INVITATION_ID];
	struct invitation inv;
	enum err e;

	if (token == NULL && id == NULL) {
		web_page_fail(c, ERR_INVITATION_INVALID, PAGE__MAX);
		return;
	}
	if ((e = invitation_decline(c->d, c->a, c->user, token, id, &inv)) !=
	    ERR_OK) {
		fail(c, e, &inv, token, false);
		return;
	}
	if (c->user != NULL)
		web_page_redirect(
		    c, "/me/invitations", FLASH_INVITATION_DECLINED);
	else
		web_page_redirect(c,
		    arena_printf(c->a, "/invitations/accept?token=%s",
			http_url_encode(c->a, token)),
		    FLASH_INVITATION_DECLINED);
}

/* Adds the pending invitations for the signed-in user to the page as
 * "invitations". */
int
web_invitation_mine_rows(struct ctx *c)
{
	struct invitation *inv;
	int n;
	enum err e;

	tpl_set_list(c->page, "invitations");
	if ((e = invitation_list_mine(c->d, c->a, c->user, &inv, &n)) !=
	    ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return -1;
	}
	tpl_set_bool(c->page, "has_invitations", n > 0);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "invitations");

		tpl_set(row, "id", inv[i].id);
		tpl_set(row, "email", inv[i].email);
		tpl_set(row, "org_name", inv[i].org_name);
		tpl_set(row, "inviter", inv[i].inviter_name);
		tpl_set(row, "role", db_enum_role_str(inv[i].role));
		web_time(c, row, "expires", inv[i].expires);
	}
	/* Owner-adds awaiting consent are listed beside the invitations. */
	if (n > 0)
		tpl_set_bool(c->page, "has_pending", true);
	if (web_membership_mine_rows(c) == -1)
		return -1;
	return 0;
}

void
web_invitation_mine(struct ctx *c)
{
	if (web_invitation_mine_rows(c) == -1)
		return;
	tpl_set_bool(c->page, "unconfirmed", !c->user->email_confirmed);
	web_page(c, PAGE_MY_INVITATIONS);
}

static enum err
do_invite(struct ctx *c, const struct org *o, enum role role)
{
	enum err e;

	tpl_set(c->page, "invite_email", web_field(c, F_EMAIL));
	if ((e = web_org_check_fields(c, "invite")) != ERR_OK)
		return e;
	e = invitation_create(c->d, c->a, c->user, o, role,
	    web_field(c, F_EMAIL), web_field(c, F_ROLE));
	return web_org_field_error(c, "invite", e);
}

/* Names the open invitation id of o in the flash that follows (the
 * address it was sent to); an unknown id names nothing, and the domain
 * answers for it. */
static void
about_invitation(
    struct ctx *c, const struct org *o, enum role role, const char *id)
{
	struct invitation *inv;
	int n;

	if (invitation_list_org(c->d, c->a, o, role, &inv, &n) != ERR_OK)
		return;
	for (int i = 0; i < n; i++)
		if (strcmp(inv[i].id, id) == 0)
			c->flash_about[0] = inv[i].email;
}

static enum err
do_revoke(struct ctx *c, const struct org *o, enum role role)
{
	about_invitation(c, o, role, c->req->route_args[1]);
	return invitation_revoke(
	    c->d, c->a, c->user, o, role, c->req->route_args[1]);
}

static enum err
do_resend(struct ctx *c, const struct org *o, enum role role)
{
	about_invitation(c, o, role, c->req->route_args[1]);
	return invitation_resend(
	    c->d, c->a, c->user, o, role, c->req->route_args[1]);
}

void
web_invitation_create(struct ctx *c)
{
	web_org_manage(c, FLASH_INVITATION_SENT, do_invite);
}

void
web_invitation_revoke(struct ctx *c)
{
	web_org_manage(c, FLASH_INVITATION_REVOKED, do_revoke);
}

void
web_invitation_resend(struct ctx *c)
{
	web_org_manage(c, FLASH_INVITATION_RESENT, do_resend);
}
