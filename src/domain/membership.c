/*
 * Memberships: the owner-add with consent (SPEC §4 Owner-add), role
 * changes, removal and leaving (§4 Roles). Whoever changes or ends a
 * membership that may be an owner's locks the organization's row first,
 * then reads the actor's role and the target under that lock: two owners
 * demoting each other at once are judged one after the other, and the
 * second finds itself no longer an owner, or the other the last one.
 */
#include "domain/membership.h"

#include <string.h>

#include "conf.h"
#include "counters.h"
#include "db/db.h"
#include "db/db_audit.h"
#include "db/db_user.h"
#include "domain/invitation.h"
#include "domain/org.h"
#include "domain/seat.h"
#include "domain/validate.h"
#include "util/arena.h"

bool
membership_grants(const struct user *actor, enum role actor_role)
{
	return org_role_manages(actor_role) &&
	    (actor_role == ROLE_OWNER || actor->platform_admin);
}

bool
membership_may_touch(
    const struct user *actor, enum role actor_role, enum role target)
{
	if (!org_role_manages(actor_role))
		return false;
	return target == ROLE_MEMBER || membership_grants(actor, actor_role);
}

enum err
membership_lock_manager(struct db *db, struct arena *a,
    const struct user *actor, const struct org *o, enum role *role)
{
	struct member me;
	enum err e;

	if ((e = db_membership_lock_org(db, a, o->id)) != ERR_OK)
		return e;
	e = db_membership_of(db, a, o->id, actor->id, &me);
	if (e != ERR_OK && e != ERR_NOT_FOUND)
		return e;
	if ((e = org_role_of(actor, e == ERR_OK ? &me : NULL, role)) != ERR_OK)
		return e;
	return org_role_manages(*role) ? ERR_OK : ERR_FORBIDDEN;
}

/* ERR_LAST_OWNER when m is an active owner and the only one of its
 * organization (whose row the caller has locked). */
static enum err
not_last_owner(struct db *db, struct arena *a, const struct member *m)
{
	long long owners = 0;
	enum err e;

	if (m->role != ROLE_OWNER || m->status != MEMBER_ACTIVE)
		return ERR_OK;
	if ((e = db_membership_owners(db, a, m->org_id, &owners)) != ERR_OK)
		return e;
	return owners > 1 ? ERR_OK : ERR_LAST_OWNER;
}

/* The audit data naming a membership's user and role. */
static const char *
who(struct arena *a, const struct member *m)
{
	return arena_printf(a, "{\"user_id\": %s, \"role\": \"%s\"}",
	    m->user_id, db_enum_role_str(m->role));
}

struct add_args {
	struct domain *d;
	struct arena *a;
	const struct user *actor;
	const struct org *o;
	const char *email;
	enum role role;
};

static enum err
add_tx(struct db *db, void *arg)
{
	struct add_args *s = arg;
	struct notice n = { .kind = NOTICE_OWNER_ADD };
	struct member m;
	struct user u;
	enum role actor_role;
	const char *id;
	enum err e;

	/* Owner-adds email people as invitations do: the same locks, taken
	 * in the same order, and the same rate limits. */
	if ((e = invitation_lock(db, s->a, s->actor, s->o)) != ERR_OK)
		return e;
	if ((e = membership_lock_manager(
		 db, s->a, s->actor, s->o, &actor_role)) != ERR_OK)
		return e;
	if (s->role != ROLE_MEMBER && !membership_grants(s->actor, actor_role))
		return ERR_ROLE_ESCALATION;
	if ((e = invitation_rate_check(s->d, s->a, s->actor, s->o)) != ERR_OK)
		return e;
	e = db_user_by_email(db, s->a, s->email, &u, NULL);
	if (e == ERR_NOT_FOUND || (e == ERR_OK && !u.email_confirmed))
		return ERR_NO_SUCH_USER;
	if (e != ERR_OK)
		return e;
	/* Someone already in (or awaiting consent) is told so, full or not;
	 * anyone else needs a seat. */
	e = db_membership_of(db, s->a, s->o->id, u.id, &m);
	if (e == ERR_OK)
		return ERR_ALREADY_MEMBER;
	if (e != ERR_NOT_FOUND)
		return e;
	if ((e = seat_take(db, s->a, s->o->id, NULL)) != ERR_OK)
		return e;
	if ((e = invitation_recipient_take(s->d, s->a, u.email)) != ERR_OK)
		return e;
	if ((e = db_membership_insert(db, s->a, s->o->id, u.id, s->role,
		 MEMBER_PENDING, SOURCE_OWNER_ADD, s->actor->id, &id)) !=
	    ERR_OK)
		return e;
	if ((e = invitation_rate_count_owner_add(s->d, s->a, s->actor, s->o)) !=
	    ERR_OK)
		return e;
	n.to = u.email;
	n.name = u.display_name;
	n.org_name = s->o->name;
	n.inviter = s->actor->display_name;
	n.inviter_email = s->actor->email;
	n.role = s->role;
	n.link = arena_printf(s->a, "%s/me/invitations", s->d->conf->base_url);
	if ((e = s->d->notify(s->d->notify_ctx, db, s->a, &n)) != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    "membership.created", "membership", id,
	    arena_printf(s->a,
		"{\"role\": \"%s\", \"source\": \"%s\", \"user_id\": %s}",
		db_enum_role_str(s->role), db_enum_source_str(SOURCE_OWNER_ADD),
		u.id));
}

enum err
membership_add(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role actor_role, const char *email,
    const char *role)
{
	struct add_args s = { .d = d, .a = a, .actor = actor, .o = o };
	char *norm;
	enum err e;

	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	if ((e = invitation_actor_confirmed(d, actor)) != ERR_OK)
		return e;
	if ((e = validate_email(a, email, &norm)) != ERR_OK)
		return e;
	if ((s.role = db_enum_role(role)) == ROLE__MAX)
		return ERR_INVALID_ROLE;
	if (s.role != ROLE_MEMBER && !membership_grants(actor, actor_role))
		return ERR_ROLE_ESCALATION;
	s.email = norm;
	e = db_tx(d->db, add_tx, &s);
	if (e == ERR_OK)
		metrics_add(C_OWNER_ADDS_CREATED, 1);
	/* An address without an account counts too, so the answer cannot be
	 * used to probe addresses faster than the limits allow (the
	 * transaction rolled back: this is a statement of its own). */
	if (e == ERR_NO_SUCH_USER)
		(void)invitation_rate_count_owner_add(d, a, actor, o);
	return e;
}

struct change_args {
	struct arena *a;
	const struct user *actor;
	const struct org *o;
	const char *user_id;
	enum role role;    /* role change: the new role */
	bool cancelled;    /* removal: it was an owner-add awaiting consent */
	bool only_pending; /* removal: a cancel, refused once accepted */
	bool changed;      /* role change: the role differed */
};

/* Locks the organization, then the target's membership, and judges
 * whether the actor may touch it. */
static enum err
lock_target(struct db *db, struct change_args *s, struct member *m)
{
	enum role actor_role;
	enum err e;

	if ((e = membership_lock_manager(
		 db, s->a, s->actor, s->o, &actor_role)) != ERR_OK)
		return e;
	if ((e = db_membership_lock(db, s->a, s->o->id, s->user_id, m)) !=
	    ERR_OK)
		return e;
	if (!membership_may_touch(s->actor, actor_role, m->role))
		return ERR_ROLE_ESCALATION;
	if (s->role != ROLE__MAX && s->role != ROLE_MEMBER &&
	    !membership_grants(s->actor, actor_role))
		return ERR_ROLE_ESCALATION;
	return ERR_OK;
}

static enum err
role_tx(struct db *db, void *arg)
{
	struct change_args *s = arg;
	struct member m;
	enum err e;

	s->changed = false;
	if ((e = lock_target(db, s, &m)) != ERR_OK)
		return e;
	/* Only active members have a role to change; an owner-add awaiting
	 * consent is not a member yet. */
	if (m.status != MEMBER_ACTIVE)
		return ERR_NOT_FOUND;
	if (m.role == s->role)
		return ERR_OK;
	if (s->role != ROLE_OWNER &&
	    (e = not_last_owner(db, s->a, &m)) != ERR_OK)
		return e;
	if ((e = db_membership_set_role(db, s->a, m.id, s->role)) != ERR_OK)
		return e;
	s->changed = true;
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    "membership.role_changed", "membership", m.id,
	    arena_printf(s->a,
		"{\"user_id\": %s, \"from\": \"%s\", \"to\": \"%s\"}",
		m.user_id, db_enum_role_str(m.role),
		db_enum_role_str(s->role)));
}

enum err
membership_role(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role actor_role, const char *user_id,
    const char *role)
{
	struct change_args s = {
		.a = a, .actor = actor, .o = o, .user_id = user_id
	};
	enum err e;

	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	if ((s.role = db_enum_role(role)) == ROLE__MAX)
		return ERR_INVALID_ROLE;
	if ((e = db_tx(d->db, role_tx, &s)) == ERR_OK && s.changed)
		metrics_add(C_ROLE_CHANGES, 1);
	return e;
}

static enum err
remove_tx(struct db *db, void *arg)
{
	struct change_args *s = arg;
	struct member m;
	enum err e;

	s->cancelled = false;
	if ((e = lock_target(db, s, &m)) != ERR_OK)
		return e;
	/* A Cancel from a roster loaded before the user accepted must not
	 * remove the membership the acceptance made. */
	if (s->only_pending && m.status != MEMBER_PENDING)
		return ERR_NOT_PENDING;
	if ((e = not_last_owner(db, s->a, &m)) != ERR_OK)
		return e;
	if ((e = db_membership_delete(db, s->a, m.id)) != ERR_OK)
		return e;
	s->cancelled = m.status == MEMBER_PENDING;
	return db_audit_insert(db, s->a, s->actor->id, s->o->id,
	    s->cancelled ? "membership.cancelled" : "membership.removed",
	    "membership", m.id, who(s->a, &m));
}

enum err
membership_remove(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role actor_role, const char *user_id,
    bool only_pending, bool *cancelled)
{
	struct change_args s = { .a = a,
		.actor = actor,
		.o = o,
		.user_id = user_id,
		.role = ROLE__MAX,
		.only_pending = only_pending };
	enum err e;

	*cancelled = false;
	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	if ((e = db_tx(d->db, remove_tx, &s)) != ERR_OK)
		return e;
	*cancelled = s.cancelled;
	metrics_add(
	    s.cancelled ? C_OWNER_ADDS_CANCELLED : C_MEMBERS_REMOVED, 1);
	return ERR_OK;
}

struct leave_args {
	struct arena *a;
	const struct user *u;
	const struct org *o;
};

static enum err
leave_tx(struct db *db, void *arg)
{
	struct leave_args *s = arg;
	struct member m;
	enum err e;

	if ((e = db_membership_lock_org(db, s->a, s->o->id)) != ERR_OK)
		return e;
	e = db_membership_lock(db, s->a, s->o->id, s->u->id, &m);
	if (e == ERR_OK && m.status != MEMBER_ACTIVE)
		e = ERR_NOT_FOUND;
	if (e != ERR_OK)
		return e;
	if ((e = not_last_owner(db, s->a, &m)) != ERR_OK)
		return e;
	if ((e = db_membership_delete(db, s->a, m.id)) != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->u->id, s->o->id, "membership.left",
	    "membership", m.id, who(s->a, &m));
}

enum err
membership_leave(struct domain *d, struct arena *a, const struct user *u,
    const struct org *o)
{
	struct leave_args s = { .a = a, .u = u, .o = o };
	enum err e;

	if ((e = db_tx(d->db, leave_tx, &s)) == ERR_OK)
		metrics_add(C_MEMBERS_LEFT, 1);
	return e;
}

struct consent_args {
	struct arena *a;
	const struct user *u;
	const char *id;
	bool accept;
	bool already; /* accept: u was an active member already */
	struct org *o;
};

/*
 * Locks owner-add id for its own user u. Anyone else — the adder, an
 * owner, another user — learns nothing: ERR_NOT_FOUND, as for an id that
 * names no row or a membership that never awaited consent.
 */
static enum err
lock_own(struct db *db, struct consent_args *s, struct member *m)
{
	enum err e;

	if (!s->u->email_confirmed)
		return ERR_NOT_FOUND;
	/* The organization's row first, as every change to its members
	 * takes it (a removal racing this consent waits there instead of
	 * deadlocking); then the row, read again under that lock. */
	if ((e = db_membership_by_id(db, s->a, s->id, false, m)) != ERR_OK)
		return e;
	if ((e = db_membership_lock_org(db, s->a, m->org_id)) != ERR_OK)
		return e;
	if ((e = db_membership_by_id(db, s->a, s->id, true, m)) != ERR_OK)
		return e;
	if (strcmp(m->user_id, s->u->id) != 0)
		return ERR_NOT_FOUND;
	if (m->status == MEMBER_ACTIVE)
		return ERR_NOT_PENDING;
	return m->source == SOURCE_OWNER_ADD ? ERR_OK : ERR_NOT_FOUND;
}

static enum err
consent_tx(struct db *db, void *arg)
{
	struct consent_args *s = arg;
	struct member m;
	enum err e;

	s->already = false;
	e = lock_own(db, s, &m);
	if (e == ERR_NOT_PENDING && s->accept) {
		/* An invitation made the membership first (SPEC Invitations
		 * 8): this consent ends as already-member, writing nothing. */
		s->already = true;
		e = ERR_OK;
	}
	if (e == ERR_OK)
		e = db_membership_org(db, s->a, m.org_id, s->o);
	if (e != ERR_OK || s->already)
		return e;
	if (s->accept)
		e = db_membership_activate(
		    db, s->a, m.id, m.role, SOURCE_OWNER_ADD);
	else
		e = db_membership_delete(db, s->a, m.id);
	if (e != ERR_OK)
		return e;
	return db_audit_insert(db, s->a, s->u->id, m.org_id,
	    s->accept ? "membership.accepted" : "membership.declined",
	    "membership", m.id, who(s->a, &m));
}

enum err
membership_accept(struct domain *d, struct arena *a, const struct user *u,
    const char *id, bool *already, struct org *o)
{
	struct consent_args s = {
		.a = a, .u = u, .id = id, .accept = true, .o = o
	};
	enum err e;

	memset(o, 0, sizeof(*o));
	if ((e = db_tx(d->db, consent_tx, &s)) != ERR_OK)
		return e;
	*already = s.already;
	if (!s.already)
		metrics_add(C_OWNER_ADDS_ACCEPTED, 1);
	return ERR_OK;
}

enum err
membership_decline(
    struct domain *d, struct arena *a, const struct user *u, const char *id)
{
	struct org o;
	struct consent_args s = { .a = a, .u = u, .id = id, .o = &o };
	enum err e;

	if ((e = db_tx(d->db, consent_tx, &s)) == ERR_OK)
		metrics_add(C_OWNER_ADDS_DECLINED, 1);
	return e;
}

enum err
membership_list_mine(struct domain *d, struct arena *a, const struct user *u,
    struct owner_add **out, int *n)
{
	if (!u->email_confirmed) {
		*out = NULL;
		*n = 0;
		return ERR_OK;
	}
	return db_membership_list_owner_adds(d->db, a, u->id, out, n);
}
