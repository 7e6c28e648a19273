/*
 * Organizations: creation and member access.
 */
#include "domain/org.h"

#include <string.h>

#include "db/db.h"
#include "db/db_audit.h"
#include "db/db_membership.h"
#include "db/db_user.h"
#include "db/db_seat.h"
#include "domain/invitation.h"
#include "domain/invite_link.h"
#include "domain/membership.h"
#include "domain/seat.h"
#include "domain/validate.h"
#include "util/arena.h"
#include "util/str.h"

bool
org_role_manages(enum role r)
{
	return r == ROLE_OWNER || r == ROLE_ADMIN;
}

enum err
org_role_of(const struct user *actor, const struct member *m, enum role *role)
{
	/* Owner is the highest role: a platform admin's own membership,
	 * whatever its role, never lowers it. */
	if (actor->platform_admin) {
		*role = ROLE_OWNER;
		return ERR_OK;
	}
	if (m == NULL || m->status != MEMBER_ACTIVE)
		return ERR_NOT_FOUND;
	*role = m->role;
	return ERR_OK;
}

enum err
org_slug_ok(const char *slug)
{
	size_t n = slug ? strlen(slug) : 0;

	if (n < 2 || n > 40)
		return ERR_INVALID_SLUG;
	for (size_t i = 0; i < n; i++)
		if (!((slug[i] >= 'a' && slug[i] <= 'z') ||
			(slug[i] >= '0' && slug[i] <= '9') || slug[i] == '-'))
			return ERR_INVALID_SLUG;
	return ERR_OK;
}

struct create_args {
	struct arena *a;
	const struct user *actor;
	struct org *o;
};

static enum err
create_tx(struct db *db, void *arg)
{
	struct create_args *c = arg;
	const char *mid;
	enum err e;

	if ((e = db_org_insert(db, c->a, c->o->slug, c->o->name, c->actor->id,
		 &c->o->id)) != ERR_OK)
		return e;
	if ((e = db_membership_insert(db, c->a, c->o->id, c->actor->id,
		 ROLE_OWNER, MEMBER_ACTIVE, SOURCE_CREATOR, c->actor->id,
		 &mid)) != ERR_OK)
		return e;
	if ((e = db_audit_insert(db, c->a, c->actor->id, c->o->id,
		 "organization.created", "organization", c->o->id, NULL)) !=
	    ERR_OK)
		return e;
	return db_audit_insert(db, c->a, c->actor->id, c->o->id,
	    "membership.created", "membership", mid,
	    arena_printf(c->a,
		"{\"role\": \"%s\", \"source\": \"%s\", \"user_id\": %s}",
		db_enum_role_str(ROLE_OWNER),
		db_enum_source_str(SOURCE_CREATOR), c->actor->id));
}

/* Slugs a literal route takes before the organization's own could:
 * /orgs/new and /join/confirm. */
static bool
reserved(const char *slug)
{
	static const char *const taken[] = { "new", "confirm" };

	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (strcmp(slug, taken[i]) == 0)
			return true;
	return false;
}

enum err
org_create(struct domain *d, struct arena *a, const struct user *actor,
    const char *name, const char *slug, struct org *out)
{
	struct create_args c = { .a = a, .actor = actor, .o = out };
	char *trimmed;
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = invitation_actor_confirmed(d, actor)) != ERR_OK)
		return e;
	if ((e = validate_name(a, name, &trimmed)) != ERR_OK)
		return e;
	if ((e = org_slug_ok(slug)) != ERR_OK)
		return e;
	if (reserved(slug))
		return ERR_SLUG_TAKEN;
	out->name = trimmed;
	out->slug = arena_strdup(a, slug);
	return db_tx(d->db, create_tx, &c);
}

enum err
org_open(struct domain *d, struct arena *a, const struct user *actor,
    const char *slug, struct org *o, enum role *role)
{
	struct member m = { 0 };
	enum err e;

	if (org_slug_ok(slug) != ERR_OK)
		return ERR_NOT_FOUND;
	/* The organization and the actor's membership in one round trip. */
	if ((e = db_org_by_slug_for(
		 d->db, a, slug, actor->id, o, &m.role, &m.status)) != ERR_OK)
		return e;
	return org_role_of(actor, m.status != MEMBER__MAX ? &m : NULL, role);
}

/* Keeps the n memberships of m viewer may see (org_member_visible);
 * returns how many. */
static int
org_members_visible(struct member *m, int n, enum role viewer)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (org_member_visible(viewer, m[i].status))
			m[k++] = m[i];
	return k;
}

enum err
org_members(struct domain *d, struct arena *a, const struct org *o,
    enum role viewer, struct member **out, int *n)
{
	struct member *m;
	int all;
	enum err e;

	if ((e = db_membership_list_org(d->db, a, o->id, &m, &all)) != ERR_OK)
		return e;
	*out = m;
	*n = org_members_visible(m, all, viewer);
	return ERR_OK;
}

enum err
org_lists_read(struct domain *d, struct arena *a, const struct org *o,
    enum role viewer, struct org_lists *l)
{
	int all;
	enum err e;

	/* Three independent reads, sent together: one round trip. Each list
	 * is read as it is now; nothing is kept between requests. */
	memset(l, 0, sizeof(*l));
	db_defer_begin(d->db);
	(void)db_membership_list_org(d->db, a, o->id, &l->members, &all);
	(void)invitation_list_org(
	    d, a, o, viewer, &l->invitations, &l->ninvitations);
	(void)invite_link_list_org(d, a, o, viewer, &l->links, &l->nlinks);
	if ((e = db_defer_run(d->db, a)) != ERR_OK)
		return e;
	l->nmembers = org_members_visible(l->members, all, viewer);
	return ERR_OK;
}

bool
org_member_visible(enum role viewer, enum member_status status)
{
	/* Pending owner-adds are for managers' eyes only. */
	return org_role_manages(viewer) || status == MEMBER_ACTIVE;
}

enum err
org_members_page(struct domain *d, struct arena *a, const struct org *o,
    enum role viewer, const char *after, int limit, struct member **out,
    int *n, bool *more)
{
	enum err e;

	/* One row more than asked tells whether another page follows. */
	e = db_membership_page(d->db, a, o->id, after, limit + 1,
	    org_member_visible(viewer, MEMBER_PENDING), out, n);
	if (e != ERR_OK)
		return e;
	*more = *n > limit;
	if (*more)
		*n = limit;
	return ERR_OK;
}

enum err
org_member(struct domain *d, struct arena *a, const struct org *o,
    enum role viewer, const char *user_id, struct member *m)
{
	enum err e;

	if (user_id == NULL || user_id[0] == '\0' || user_id[0] == '0' ||
	    strlen(user_id) > 18 ||
	    strspn(user_id, "0123456789") != strlen(user_id))
		return ERR_NOT_FOUND;
	if ((e = db_membership_of(d->db, a, o->id, user_id, m)) != ERR_OK)
		return e;
	return org_member_visible(viewer, m->status) ? ERR_OK : ERR_NOT_FOUND;
}

enum err
org_list_mine(struct domain *d, struct arena *a, const struct user *u,
    struct my_org **out, int *n)
{
	return db_membership_list_user(d->db, a, u->id, out, n);
}

enum err
org_audit(struct domain *d, struct arena *a, const struct org *o,
    enum role role, struct audit_row **out, int *n)
{
	if (!org_role_manages(role))
		return ERR_FORBIDDEN;
	return db_audit_list(d->db, a, o->id, 200, out, n);
}

/*
 * Parses a join_fields setting: names of the fixed set of extra join
 * fields (enum join_field), separated by commas, with white space and empty
 * entries ignored and case not minded. Writes their bitmask to *mask.
 * ERR_INVALID_JOIN_FIELDS when a name is not in the set.
 */
static enum err
join_fields_parse(struct arena *a, const char *list, unsigned *mask)
{
	unsigned m = 0;

	while (list != NULL && *list != '\0') {
		size_t n = strcspn(list, ",");
		char *name =
		    str_lower(a, str_trim(a, arena_strndup(a, list, n)));
		enum join_field f;

		if (*name != '\0') {
			if ((f = db_enum_join_field(name)) == JOIN_FIELD__MAX)
				return ERR_INVALID_JOIN_FIELDS;
			m |= 1u << f;
		}
		list += n + (list[n] == ',');
	}
	*mask = m;
	return ERR_OK;
}

const char *
org_join_fields_str(struct arena *a, unsigned mask)
{
	const char *s = "";

	for (enum join_field f = 0; f < JOIN_FIELD__MAX; f++)
		if (mask & (1u << f))
			s = arena_printf(a, "%s%s%s", s, *s ? ", " : "",
			    db_enum_join_field_str(f));
	return s;
}

struct settings_args {
	struct arena *a;
	const struct user *actor;
	const struct org *o;
	bool enabled;
	unsigned fields;
	bool set_seats;      /* the form carried seat_limit */
	long long seat_limit; /* then: the new limit, 0 for none */
};

/* The audit value of a seat limit: the number, or "none", as a JSON
 * string (the trail's sentence shows it as it is). */
static const char *
seat_json(struct arena *a, long long limit)
{
	return limit > 0 ? arena_printf(a, "\"%lld\"", limit) : "\"none\"";
}

/* Changes the seat limit when the form asks for another one: only an
 * owner may (the role as it is now, under the organization's lock). */
static enum err
seat_limit_tx(struct db *db, struct settings_args *s)
{
	long long old = 0;
	enum role role;
	enum err e;

	if ((e = membership_lock_manager(db, s->a, s->actor, s->o, &role)) !=
	    ERR_OK)
		return e;
	if ((e = db_seat_lock(db, s->a, s->o->id, &old)) != ERR_OK)
		return e;
	if (!s->set_seats || old == s->seat_limit)
		return ERR_OK;
	if (!membership_grants(s->actor, role))
		return ERR_ROLE_ESCALATION;
	if ((e = db_seat_set_limit(db, s->a, s->o->id, s->seat_limit)) !=
	    ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    "organization.seat_limit_changed", "organization", s->o->id,
	    arena_printf(s->a, "{\"from\": %s, \"to\": %s}",
		seat_json(s->a, old), seat_json(s->a, s->seat_limit)));
}

static enum err
settings_tx(struct db *db, void *arg)
{
	struct settings_args *s = arg;
	enum err e;

	if ((e = seat_limit_tx(db, s)) != ERR_OK)
		return e;
	if ((e = db_org_settings_update(
		 db, s->a, s->o->id, s->enabled, s->fields)) != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    "organization.settings_changed", "organization", s->o->id,
	    arena_printf(s->a,
		"{\"join_enabled\": %s, \"join_fields\": \"%s\"}",
		s->enabled ? "true" : "false",
		org_join_fields_str(s->a, s->fields)));
}

enum err
org_settings_update(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role role, bool join_enabled,
    const char *join_fields, const char *seat_limit)
{
	struct settings_args s = {
		.a = a, .actor = actor, .o = o, .enabled = join_enabled
	};
	enum err e;

	if (!org_role_manages(role))
		return ERR_FORBIDDEN;
	if ((e = join_fields_parse(a, join_fields, &s.fields)) != ERR_OK)
		return e;
	if (seat_limit != NULL) {
		s.set_seats = true;
		if ((e = seat_limit_parse(seat_limit, &s.seat_limit)) != ERR_OK)
			return e;
	}
	return db_tx(d->db, settings_tx, &s);
}
