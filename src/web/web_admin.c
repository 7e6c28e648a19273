/*
 * The platform admin's page: the signup mode and the room left under a
 * cap, platform invitations (send, revoke, and each one's state, inviter
 * and resulting account), and who brought in how many accounts.
 */
#include "web/web.h"

#include "conf.h"
#include "domain/platform.h"
#include "tpl/tpl.h"
#include "util/arena.h"

/* Whether the signed-in user may see /admin; renders 403 (nothing of the
 * page) otherwise. */
static bool
admin_only(struct ctx *c)
{
	if (c->user != NULL && c->user->platform_admin)
		return true;
	web_page_fail(c, ERR_FORBIDDEN, PAGE__MAX);
	return false;
}

static void
invitation_rows(struct ctx *c, const struct platform_invitation *v, int n)
{
	tpl_set_list(c->page, "invitations");
	tpl_set_bool(c->page, "has_invitations", n > 0);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "invitations");

		tpl_set(row, "id", v[i].id);
		tpl_set(row, "email", v[i].email);
		tpl_set(row, "status", db_enum_state_str(v[i].state));
		tpl_set(row, "inviter", v[i].inviter_name);
		tpl_set(row, "inviter_email", v[i].inviter_email);
		tpl_set(row, "inviter_id", v[i].invited_by);
		web_time(c, row, "created", v[i].created);
		web_time(c, row, "expires", v[i].expires);
		tpl_set(row, "accepted_by", v[i].accepted_by);
		tpl_set(row, "accepted_email", v[i].accepted_email);
		tpl_set_bool(row, "open",
		    v[i].state == INV_PENDING || v[i].state == INV_EXPIRED);
	}
}

static void
referral_rows(struct ctx *c, const struct platform_referral *v, int n)
{
	tpl_set_list(c->page, "referrals");
	tpl_set_bool(c->page, "has_referrals", n > 0);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "referrals");

		tpl_set(row, "user_id", v[i].inviter_id);
		tpl_set(row, "name", v[i].inviter_name);
		tpl_set(row, "email", v[i].inviter_email);
		tpl_setf(row, "accepted", "%lld", v[i].accepted);
	}
}

/* The Mail section: the outbox's counts and its newest failures. */
static void
mail_rows(struct ctx *c, const struct outbox_summary *sum,
    const struct outbox_failure *v, int n)
{
	tpl_setf(c->page, "mail_queued", "%lld", sum->queued);
	tpl_setf(c->page, "mail_sent", "%lld", sum->sent);
	tpl_setf(c->page, "mail_failed", "%lld", sum->failed);
	tpl_setf(c->page, "mail_skipped", "%lld", sum->skipped);
	tpl_set_list(c->page, "mail_failures");
	tpl_set_bool(c->page, "has_mail_failures", n > 0);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "mail_failures");

		tpl_set(row, "id", v[i].id);
		tpl_set(row, "kind", v[i].kind);
		tpl_set(row, "recipient", v[i].recipient);
		tpl_set(row, "queued", v[i].queued_at);
		tpl_set(row, "attempts", v[i].attempts);
		tpl_set(row, "last_error", v[i].last_error);
	}
}

/* Renders page admin, with error marked when not ERR_OK. */
static void
render(struct ctx *c, enum err error)
{
	const struct conf *conf = c->w->conf;
	struct platform_invitation *inv;
	struct platform_referral *refs;
	struct outbox_summary mail;
	struct outbox_failure *failed;
	long long users;
	int ninv, nrefs, nfailed;
	enum err e;

	if ((e = platform_user_count(c->d, c->a, c->user, &users)) != ERR_OK ||
	    (e = platform_list(c->d, c->a, c->user, &inv, &ninv)) != ERR_OK ||
	    (e = platform_referrals(c->d, c->a, c->user, &refs, &nrefs)) !=
		ERR_OK ||
	    (e = platform_mail(c->d, c->a, c->user, &mail, &failed,
		 &nfailed)) != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	tpl_set(
	    c->page, "signup_mode", conf_signup_mode_str(conf->signup_mode));
	tpl_setf(c->page, "users", "%lld", users);
	tpl_set_bool(c->page, "capped", conf->signup_mode == SIGNUP_CAPPED);
	if (conf->signup_mode == SIGNUP_CAPPED)
		tpl_setf(c->page, "cap", "%lld", conf->signup_cap);
	invitation_rows(c, inv, ninv);
	referral_rows(c, refs, nrefs);
	mail_rows(c, &mail, failed, nfailed);
	if (error != ERR_OK)
		web_page_fail(c, error, PAGE_ADMIN);
	else
		web_page(c, PAGE_ADMIN);
}

void
web_admin_show(struct ctx *c)
{
	if (admin_only(c))
		render(c, ERR_OK);
}

void
web_admin_invite(struct ctx *c)
{
	enum err e;

	if (!admin_only(c))
		return;
	e = platform_invite(c->d, c->a, c->user, web_field(c, F_EMAIL));
	if (e != ERR_OK) {
		tpl_set(c->page, "invite_email", web_field(c, F_EMAIL));
		render(c, e);
		return;
	}
	web_page_redirect(c, "/admin", FLASH_PLATFORM_INVITATION_SENT);
}

void
web_admin_revoke(struct ctx *c)
{
	enum err e;

	if (!admin_only(c))
		return;
	e = platform_revoke(c->d, c->a, c->user, c->req->route_args[0]);
	if (e != ERR_OK) {
		render(c, e);
		return;
	}
	web_page_redirect(c, "/admin", FLASH_PLATFORM_INVITATION_REVOKED);
}
