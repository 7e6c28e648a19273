/*
 * Memberships after they exist, and the owner-add that asks a user's
 * consent: an owner or admin adds an existing user (pending, source
 * owner_add), only that user accepts or declines, the managers may cancel;
 * managers change roles and remove members; members leave. Each operation
 * is one transaction that writes its audit event. Whatever may change who
 * owns an organization locks the organization's row first and counts its
 * owners under that lock, so an organization never loses its last owner.
 */
#ifndef ROSTER_DOMAIN_MEMBERSHIP_H
#define ROSTER_DOMAIN_MEMBERSHIP_H

#include <stdbool.h>

#include "db/db_membership.h"
#include "db/db_org.h"
#include "domain/domain.h"

/*
 * Locks o's row (FOR UPDATE, in the caller's transaction), then reads the
 * actor's role in o as it is now into *role: the page a form came from may
 * be older than a change that demoted or removed the actor. A platform
 * admin holds owner rights (org_role_of). ERR_NOT_FOUND when the actor is
 * no longer an active member, ERR_FORBIDDEN when they no longer manage.
 * Every change to o's members takes this lock first (after
 * invitation_lock, when it may invite).
 */
enum err membership_lock_manager(struct db *db, struct arena *a,
    const struct user *actor, const struct org *o, enum role *role);

/* True when actor, of role actor_role in an organization, may grant the
 * roles owner and admin, or change or remove an owner or admin: owners
 * and platform admins who manage the organization. */
bool membership_grants(const struct user *actor, enum role actor_role);

/* True when actor (of role actor_role) may change or remove a membership
 * of role target: managers may touch plain members, granters anyone. */
bool membership_may_touch(
    const struct user *actor, enum role actor_role, enum role target);

/*
 * Adds the user whose confirmed address is email to o with role, pending
 * their consent (source owner_add), and emails them a notice pointing to
 * their invitations. Errors: ERR_FORBIDDEN (not a manager),
 * ERR_INVALID_EMAIL, ERR_INVALID_ROLE, ERR_ROLE_ESCALATION,
 * ERR_NO_SUCH_USER (no account, or one not confirmed), ERR_ALREADY_MEMBER
 * (any membership, active or pending), ERR_SEAT_LIMIT (every seat taken;
 * seat_take).
 */
enum err membership_add(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *email, const char *role);

/*
 * Sets the role of the active member user_id of o. Errors: ERR_FORBIDDEN,
 * ERR_NOT_FOUND (no such user, not an active member), ERR_INVALID_ROLE,
 * ERR_ROLE_ESCALATION (an admin granting owner or admin, or changing an
 * owner or admin), ERR_LAST_OWNER (demoting the only owner). The same
 * role again writes nothing.
 */
enum err membership_role(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *user_id, const char *role);

/*
 * Removes the membership of user_id in o: an active member (audited
 * membership.removed) or an owner-add still awaiting consent (cancelled,
 * *cancelled set). With only_pending (a Cancel), an active membership is
 * ERR_NOT_PENDING and nothing is written. Errors: ERR_FORBIDDEN,
 * ERR_NOT_FOUND, ERR_ROLE_ESCALATION, ERR_LAST_OWNER, ERR_NOT_PENDING.
 */
enum err membership_remove(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *user_id, bool only_pending, bool *cancelled);

/* Ends u's own active membership of o. Errors: ERR_NOT_FOUND,
 * ERR_LAST_OWNER. */
enum err membership_leave(struct domain *d, struct arena *a,
    const struct user *u, const struct org *o);

/*
 * u consents to owner-add id: the membership becomes active with the
 * role it was offered. When an invitation made u a member first, *already
 * is set and nothing is written (SPEC Invitations 8: the later acceptance
 * ends as already-member). Fills *o with the organization. Errors:
 * ERR_NOT_FOUND (no such id, someone else's, not an owner-add, u
 * unconfirmed: nothing is written).
 */
enum err membership_accept(struct domain *d, struct arena *a,
    const struct user *u, const char *id, bool *already, struct org *o);

/* u refuses owner-add id: the pending membership is deleted. Errors as
 * membership_accept, and ERR_NOT_PENDING when u is an active member. */
enum err membership_decline(
    struct domain *d, struct arena *a, const struct user *u, const char *id);

/* The owner-adds awaiting u's consent; none while u's address is
 * unconfirmed. */
enum err membership_list_mine(struct domain *d, struct arena *a,
    const struct user *u, struct owner_add **out, int *n);

#endif
