/*
 * Organization pages: creation, the roster, the audit trail.
 */
#include "web/web.h"

#include <string.h>

#include "conf.h"
#include "domain/invitation.h"
#include "domain/membership.h"
#include "domain/org.h"
#include "domain/seat.h"
#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/email.h"

/* The row status SPEC names for each membership status and for each
 * state of an open invitation. */
static const char *const member_row_status[MEMBER__MAX] = {
	[MEMBER_ACTIVE] = "active",
	[MEMBER_PENDING] = "awaiting-consent",
};

static void new_org_preview(struct ctx *c);

static const char *const invitation_row_status[INV__MAX] = {
	[INV_PENDING] = "invited",
	[INV_EXPIRED] = "expired",
};

/* The badge of each delivery state of an invitation's newest email. */
static const struct {
	const char *state, *label;
} delivery_badges[] = {
	{ "queued", "Email queued" },
	{ "sent", "Email sent" },
	{ "failed", "Email not delivered" },
};

static const char *
delivery_label(const char *state)
{
	for (size_t i = 0;
	     i < sizeof(delivery_badges) / sizeof(delivery_badges[0]); i++)
		if (strcmp(delivery_badges[i].state, state) == 0)
			return delivery_badges[i].label;
	return state;
}

void
web_org_new(struct ctx *c)
{
	new_org_preview(c);
	web_page(c, PAGE_ORG_NEW);
}

void
web_org_create(struct ctx *c)
{
	struct org o;
	enum err e;

	tpl_set(c->page, "name", web_field(c, F_NAME));
	tpl_set(c->page, "slug", web_field(c, F_SLUG));
	e = org_create(c->d, c->a, c->user, web_field(c, F_NAME),
	    web_field(c, F_SLUG), &o);
	if (e != ERR_OK) {
		new_org_preview(c);
		web_page_fail(c, e, PAGE_ORG_NEW);
		return;
	}
	web_page_redirect(
	    c, arena_printf(c->a, "/orgs/%s", o.slug), FLASH_ORG_CREATED);
}

int
web_org_open(struct ctx *c, struct org *o, enum role *role)
{
	enum err e =
	    org_open(c->d, c->a, c->user, c->req->route_args[0], o, role);

	if (e != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return -1;
	}
	tpl_set(c->page, "org_name", o->name);
	tpl_set(c->page, "org_slug", o->slug);
	tpl_set(c->page, "my_role", db_enum_role_str(*role));
	tpl_set_bool(c->page, "manager", org_role_manages(*role));
	tpl_set_bool(c->page, "owner", *role == ROLE_OWNER);
	/* Only those who may grant admin and owner are offered them. */
	tpl_set_bool(c->page, "grants", membership_grants(c->user, *role));
	return 0;
}

enum err
web_org_check_fields(struct ctx *c, const char *form)
{
	enum err first = ERR_OK;

	/* The address, as stored, names the flash when the action succeeds. */
	if ((c->flash_about[0] = email_normalize(
		 c->a, web_field(c, F_EMAIL))) == NULL) {
		web_page_field_error(c, arena_printf(c->a, "%s_email", form),
		    ERR_INVALID_EMAIL);
		first = ERR_INVALID_EMAIL;
	}
	/* The role chosen stays chosen when the form comes back. */
	if (db_enum_role(web_field(c, F_ROLE)) != ROLE__MAX)
		tpl_set_bool(c->page,
		    arena_printf(c->a, "%s_role_%s", form,
			db_enum_role_str(db_enum_role(web_field(c, F_ROLE)))),
		    true);
	if (db_enum_role(web_field(c, F_ROLE)) == ROLE__MAX) {
		web_page_field_error(c, arena_printf(c->a, "%s_role", form),
		    ERR_INVALID_ROLE);
		if (first == ERR_OK)
			first = ERR_INVALID_ROLE;
	}
	if (first != ERR_OK)
		tpl_set_bool(
		    c->page, arena_printf(c->a, "%s_errors", form), true);
	return first;
}

enum err
web_org_field_error(struct ctx *c, const char *form, enum err e)
{
	const char *field = NULL;

	switch (e) {
	case ERR_INVALID_EMAIL:
	case ERR_ALREADY_MEMBER:
	case ERR_NO_SUCH_USER:
		field = "email";
		break;
	case ERR_INVALID_ROLE:
	case ERR_ROLE_ESCALATION:
		field = "role";
		break;
	default:
		return e;
	}
	web_page_field_error(
	    c, arena_printf(c->a, "%s_%s", form, field), e);
	tpl_set_bool(c->page, arena_printf(c->a, "%s_errors", form), true);
	return e;
}

/* Adds the n open invitations of inv (those the viewer may see) as roster
 * rows. */
static void
invitation_rows(struct ctx *c, const struct invitation *inv, int n)
{
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "rows");

		tpl_set_bool(row, "invitation", true);
		tpl_set(row, "invitation_id", inv[i].id);
		tpl_set(row, "email", inv[i].email);
		tpl_set(row, "role", db_enum_role_str(inv[i].role));
		tpl_set(row, "status", invitation_row_status[inv[i].state]);
		tpl_set_bool(row, "expired", inv[i].state == INV_EXPIRED);
		tpl_set(row, "delivery", inv[i].delivery);
		tpl_set(row, "delivery_label", delivery_label(inv[i].delivery));
		/* Why the email failed, for those who can resend it; the
		 * outbox never records a link. */
		tpl_set_bool(row, "delivery_failed",
		    strcmp(inv[i].delivery, "failed") == 0);
		tpl_set_bool(row, "has_delivery_error",
		    inv[i].delivery_error != NULL &&
			*inv[i].delivery_error != '\0');
		tpl_set(row, "delivery_error", inv[i].delivery_error);
		tpl_set(row, "inviter", inv[i].inviter_name);
		web_time(c, row, "expires", inv[i].expires);
	}
}

void
web_org_render(
    struct ctx *c, const struct org *o, enum role role, enum err error)
{
	struct org_lists l;
	struct member *m;
	long long limit = 0, used = 0;
	bool belongs = false, me_owner = false, sole_owner;
	int n, owners = 0;
	enum err e;

	tpl_set(c->page, "title", o->name);
	/* The roster, the open invitations and the invite links: one round
	 * trip. */
	if ((e = org_lists_read(c->d, c->a, o, role, &l)) != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	m = l.members;
	n = l.nmembers;
	tpl_set_list(c->page, "rows");
	for (int i = 0; i < n; i++) {
		bool owner = m[i].status == MEMBER_ACTIVE &&
		    m[i].role == ROLE_OWNER;

		owners += owner;
		me_owner |= owner && strcmp(m[i].user_id, c->user->id) == 0;
	}
	/* The only owner cannot leave or step down (409 last-owner): the
	 * page says what to do instead of offering it. */
	sole_owner = me_owner && owners == 1;
	tpl_set_bool(c->page, "sole_owner", sole_owner);
	tpl_set_bool(c->page, "may_leave", !sole_owner);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "rows");
		bool self = strcmp(m[i].user_id, c->user->id) == 0;

		tpl_set_bool(row, "member", true);
		tpl_set(row, "member_id", m[i].id);
		tpl_set(row, "user_id", m[i].user_id);
		tpl_set(row, "email", m[i].email);
		tpl_set(row, "name", m[i].display_name);
		tpl_set(row, "role", db_enum_role_str(m[i].role));
		tpl_set(row, "status", member_row_status[m[i].status]);
		web_time(c, row, "since", m[i].since_at);
		web_membership_row(c, row, role, &m[i]);
		if (self && sole_owner && m[i].role == ROLE_OWNER)
			tpl_set_bool(row, "can_role", false);
		belongs |= m[i].status == MEMBER_ACTIVE && self;
	}
	/* A platform admin may manage an organization without belonging to
	 * it, and then has nothing to leave. */
	tpl_set_bool(c->page, "belongs", belongs);
	invitation_rows(c, l.invitations, l.ninvitations);
	web_invite_link_rows(c, l.links, l.nlinks);
	if ((e = seat_usage(c->d, c->a, o, false, &limit, &used)) != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	if (limit > 0) {
		tpl_set_bool(c->page, "has_seat_limit", true);
		tpl_set(c->page, "seats_used", arena_printf(c->a, "%lld", used));
		tpl_set(c->page, "seat_limit", arena_printf(c->a, "%lld", limit));
		tpl_set_bool(c->page, "seats_full", used >= limit);
	}
	if (error != ERR_OK)
		web_page_fail(c, error, PAGE_ORG_MEMBERS);
	else
		web_page(c, PAGE_ORG_MEMBERS);
}

void
web_org_manage(struct ctx *c, enum flash flash,
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
	web_page_redirect(c, arena_printf(c->a, "/orgs/%s", o.slug), flash);
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
	if ((e = org_audit(c->d, c->a, &o, role, &r, &n)) != ERR_OK) {
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	web_audit_rows(c, r, n);
	web_page(c, PAGE_ORG_AUDIT);
}

/* The base URL without its scheme or a trailing slash, for the URL
 * preview of /orgs/new ("roster.example/orgs/acme-widgets"). */
static void
new_org_preview(struct ctx *c)
{
	const char *u = c->w->conf->base_url, *p = strstr(u, "://");
	char *host = arena_strdup(c->a, p != NULL ? p + 3 : u);
	size_t n = strlen(host);

	while (n > 0 && host[n - 1] == '/')
		host[--n] = '\0';
	tpl_set(c->page, "base_host", host);
}
