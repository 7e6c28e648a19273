/*
 * Organization pages: creation, the roster, the audit trail.
 */
#include "web/web.h"

#include <string.h>

#include "domain/invitation.h"
#include "domain/org.h"
#include "tpl/tpl.h"
#include "util/arena.h"

void
web_org_new(struct ctx *c)
{
	tpl_set(c->page, "title", "New organization");
	web_render(c, 200, "org-new");
}

void
web_org_create(struct ctx *c)
{
	struct org o;
	enum err e;

	tpl_set(c->page, "title", "New organization");
	tpl_set(c->page, "name", web_field(c, "name"));
	tpl_set(c->page, "slug", web_field(c, "slug"));
	e = org_create(c->d, c->a, c->user, web_field(c, "name"),
	    web_field(c, "slug"), &o);
	if (e != ERR_OK) {
		web_fail(c, e, "org-new");
		return;
	}
	web_redirect_flash(
	    c, arena_printf(c->a, "/orgs/%s", o.slug), "org-created");
}

int
web_org_open(struct ctx *c, struct org *o, enum role *role)
{
	enum err e =
	    org_open(c->d, c->a, c->user, c->req->route_args[0], o, role);

	if (e != ERR_OK) {
		web_fail(c, e, NULL);
		return -1;
	}
	tpl_set(c->page, "org_name", o->name);
	tpl_set(c->page, "org_slug", o->slug);
	tpl_set(c->page, "my_role", org_role_str(*role));
	tpl_set_bool(c->page, "manager", org_role_manages(*role));
	tpl_set_bool(c->page, "owner", *role == ROLE_OWNER);
	return 0;
}

/* Adds the open invitations of o the viewer may see as roster rows. */
static enum err
invitation_rows(struct ctx *c, const struct org *o, enum role role)
{
	struct invitation *inv;
	int n;
	enum err e;

	if ((e = invitation_list_org(c->d, c->a, o, role, &inv, &n)) != ERR_OK)
		return e;
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "rows");

		tpl_set_bool(row, "invitation", true);
		tpl_set(row, "invitation_id", inv[i].id);
		tpl_set(row, "email", inv[i].email);
		tpl_set(row, "role", inv[i].role);
		tpl_set(row, "status",
		    inv[i].state == INV_EXPIRED ? "expired" : "invited");
		tpl_set_bool(row, "expired", inv[i].state == INV_EXPIRED);
		tpl_set(row, "delivery", inv[i].delivery);
		tpl_set(row, "inviter", inv[i].inviter_name);
		tpl_set(row, "expires", inv[i].expires_at);
	}
	return ERR_OK;
}

void
web_org_render(
    struct ctx *c, const struct org *o, enum role role, enum err error)
{
	struct member *m;
	int n;
	enum err e;

	tpl_set(c->page, "title", o->name);
	if ((e = org_members(c->d, c->a, o, role, &m, &n)) != ERR_OK) {
		web_fail(c, e, NULL);
		return;
	}
	tpl_set_list(c->page, "rows");
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "rows");

		tpl_set_bool(row, "member", true);
		tpl_set(row, "member_id", m[i].id);
		tpl_set(row, "user_id", m[i].user_id);
		tpl_set(row, "email", m[i].email);
		tpl_set(row, "name", m[i].display_name);
		tpl_set(row, "role", m[i].role);
		tpl_set(row, "status",
		    strcmp(m[i].status, "active") == 0 ? "active"
						       : "awaiting-consent");
		tpl_set(row, "since", m[i].since);
	}
	if ((e = invitation_rows(c, o, role)) != ERR_OK) {
		web_fail(c, e, NULL);
		return;
	}
	if (error != ERR_OK)
		web_fail(c, error, "org-members");
	else
		web_render(c, 200, "org-members");
}

void
web_org_show(struct ctx *c)
{
	struct org o;
	enum role role;

	if (web_org_open(c, &o, &role) == -1)
		return;
	web_org_render(c, &o, role, ERR_OK);
}

void
web_org_audit(struct ctx *c)
{
	struct audit_row *r;
	struct org o;
	enum role role;
	int n;
	enum err e;

	if (web_org_open(c, &o, &role) == -1)
		return;
	tpl_set(c->page, "title", "Audit trail");
	if ((e = org_audit(c->d, c->a, &o, role, &r, &n)) != ERR_OK) {
		web_fail(c, e, NULL);
		return;
	}
	tpl_set_list(c->page, "events");
	tpl_set_bool(c->page, "has_events", n > 0);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "events");

		tpl_set(row, "at", r[i].at);
		tpl_set(row, "actor", r[i].actor);
		tpl_set(row, "action", r[i].action);
		tpl_set(row, "subject_type", r[i].subject_type);
		tpl_set(row, "subject_id", r[i].subject_id);
		tpl_set(row, "data", r[i].data);
	}
	web_render(c, 200, "org-audit");
}
