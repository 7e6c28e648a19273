/*
 * Membership pages: the managers' owner-add, role change and removal
 * (through web_org_manage), leaving, and the user's consent to an
 * owner-add from their own lists.
 */
#include "web/web.h"

#include <string.h>

#include "domain/membership.h"
#include "domain/org.h"
#include "tpl/tpl.h"
#include "util/arena.h"

int
web_membership_mine_rows(struct ctx *c)
{
	struct owner_add *o;
	int n;
	enum err e;

	tpl_set_list(c->page, "owner_adds");
	if ((e = membership_list_mine(c->d, c->a, c->user, &o, &n)) != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return -1;
	}
	tpl_set_bool(c->page, "has_owner_adds", n > 0);
	if (n > 0)
		tpl_set_bool(c->page, "has_pending", true);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "owner_adds");

		tpl_set(row, "id", o[i].id);
		tpl_set(row, "org_name", o[i].org.name);
		tpl_set(row, "org_slug", o[i].org.slug);
		tpl_set(row, "role", db_enum_role_str(o[i].role));
		tpl_set(row, "adder", o[i].adder);
		web_time(c, row, "since", o[i].since_at);
	}
	return 0;
}

void
web_membership_row(struct ctx *c, struct tpl_ctx *row, enum role viewer,
    const struct member *m)
{
	bool touch = membership_may_touch(c->user, viewer, m->role);
	bool self = strcmp(m->user_id, c->user->id) == 0;

	/* A role is changed only by those who may grant every role: an
	 * admin could only set "member" on a member. */
	tpl_set_bool(row, "can_role", m->status == MEMBER_ACTIVE &&
		membership_grants(c->user, viewer));
	/* One's own membership ends by leaving, not by removal. */
	tpl_set_bool(row, "can_remove",
	    touch && !self && m->status == MEMBER_ACTIVE);
	tpl_set_bool(row, "can_cancel", touch && m->status == MEMBER_PENDING);
	tpl_set_bool(row, "is_owner", m->role == ROLE_OWNER);
	tpl_set_bool(row, "is_admin", m->role == ROLE_ADMIN);
	tpl_set_bool(row, "is_member", m->role == ROLE_MEMBER);
	tpl_set_bool(row, "self", self);
}

static enum err
do_add(struct ctx *c, const struct org *o, enum role role)
{
	enum err e;

	tpl_set(c->page, "add_email", web_field(c, F_EMAIL));
	if ((e = web_org_check_fields(c, "add")) != ERR_OK)
		return e;
	e = membership_add(c->d, c->a, c->user, o, role,
	    web_field(c, F_EMAIL), web_field(c, F_ROLE));
	return web_org_field_error(c, "add", e);
}

/* Names member user_id of o in the flash that follows (their display
 * name); an unknown id names nothing, and the domain answers for it. */
static void
about_member(
    struct ctx *c, const struct org *o, enum role role, const char *user_id)
{
	struct member *m;
	int n;

	if (org_members(c->d, c->a, o, role, &m, &n) != ERR_OK)
		return;
	for (int i = 0; i < n; i++)
		if (strcmp(m[i].user_id, user_id) == 0)
			c->flash_about[0] = *m[i].display_name != '\0'
			    ? m[i].display_name
			    : m[i].email;
}

static enum err
do_role(struct ctx *c, const struct org *o, enum role role)
{
	enum role to = db_enum_role(web_field(c, F_ROLE));

	about_member(c, o, role, c->req->route_args[1]);
	if (to != ROLE__MAX)
		c->flash_about[1] = db_enum_role_str(to);
	return membership_role(c->d, c->a, c->user, o, role,
	    c->req->route_args[1], web_field(c, F_ROLE));
}

static enum err
do_remove(struct ctx *c, const struct org *o, enum role role)
{
	bool cancelled;

	about_member(c, o, role, c->req->route_args[1]);
	/* The Cancel of an owner-add says pending=1: if the user accepted
	 * since the roster was loaded, it must not remove them. */
	return membership_remove(c->d, c->a, c->user, o, role,
	    c->req->route_args[1], c->field[F_PENDING] != NULL,
	    &cancelled);
}

void
web_membership_add(struct ctx *c)
{
	web_org_manage(c, FLASH_MEMBER_ADDED, do_add);
}

void
web_membership_role(struct ctx *c)
{
	web_org_manage(c, FLASH_ROLE_CHANGED, do_role);
}

void
web_membership_remove(struct ctx *c)
{
	web_org_manage(c, FLASH_MEMBER_REMOVED, do_remove);
}

void
web_membership_leave(struct ctx *c)
{
	struct org o;
	enum role role;
	enum err e;

	if (web_org_open(c, &o, &role) == -1)
		return;
	if ((e = membership_leave(c->d, c->a, c->user, &o)) != ERR_OK) {
		web_org_render(c, &o, role, e);
		return;
	}
	web_page_redirect(c, "/", FLASH_LEFT_ORG);
}

void
web_membership_accept(struct ctx *c)
{
	struct org o;
	bool already = false;
	enum err e;

	e = membership_accept(
	    c->d, c->a, c->user, c->req->route_args[0], &already, &o);
	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	web_page_redirect(c, arena_printf(c->a, "/orgs/%s", o.slug),
	    already ? FLASH_ALREADY_MEMBER : FLASH_MEMBERSHIP_ACCEPTED);
}

void
web_membership_decline(struct ctx *c)
{
	enum err e =
	    membership_decline(c->d, c->a, c->user, c->req->route_args[0]);

	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	web_page_redirect(c, "/me/invitations", FLASH_MEMBERSHIP_DECLINED);
}
