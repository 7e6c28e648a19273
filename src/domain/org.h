/*
 * Organizations and their rosters: creation, access by members, the member
 * list and the audit trail.
 */
#ifndef ROSTER_DOMAIN_ORG_H
#define ROSTER_DOMAIN_ORG_H

#include "db/db_audit.h"
#include "db/db_invitation.h"
#include "db/db_invite_link.h"
#include "db/db_membership.h"
#include "db/db_org.h"
#include "domain/domain.h"

/* True when the role may manage members (owner, admin). */
bool org_role_manages(enum role r);

/*
 * The role actor holds in an organization, given actor's membership of
 * it (NULL when none): a platform admin holds owner rights in every
 * organization, member or not; anyone else holds the role of an active
 * membership. Writes *role; ERR_NOT_FOUND when actor has no role there.
 * The role is for judging rights only: counting an organization's owners
 * (the last-owner rule) counts memberships.
 */
enum err org_role_of(
    const struct user *actor, const struct member *m, enum role *role);

/* ERR_OK when slug is [a-z0-9-]{2,40}, else ERR_INVALID_SLUG. */
enum err org_slug_ok(const char *slug);

/*
 * Creates an organization with actor as its owner (membership source
 * "creator"), with audit events, in one transaction. Errors:
 * ERR_INVALID_NAME, ERR_INVALID_SLUG, ERR_SLUG_TAKEN, ERR_DATABASE.
 */
enum err org_create(struct domain *d, struct arena *a, const struct user *actor,
    const char *name, const char *slug, struct org *out);

/*
 * Opens the organization slug for actor: fills *o and *role (the actor's
 * role, org_role_of). ERR_NOT_FOUND when the organization does not exist
 * or the actor is neither an active member nor a platform admin: the two
 * are indistinguishable.
 */
enum err org_open(struct domain *d, struct arena *a, const struct user *actor,
    const char *slug, struct org *o, enum role *role);

/* The roster of an organization as viewer (the viewer's role) may see
 * it: managers see memberships awaiting consent too. */
enum err org_members(struct domain *d, struct arena *a, const struct org *o,
    enum role viewer, struct member **out, int *n);

/* What the members page lists, as viewer may see it: the roster (as
 * org_members), the open invitations (as invitation_list_org) and the
 * invite links (as invite_link_list_org), read in one round trip. */
struct org_lists {
	struct member *members;
	int nmembers;
	struct invitation *invitations;
	int ninvitations;
	struct invite_link *links;
	int nlinks;
};
enum err org_lists_read(struct domain *d, struct arena *a, const struct org *o,
    enum role viewer, struct org_lists *l);

/* True when a viewer of that role sees a membership of that status on the
 * roster (page and API alike): managers see pending owner-adds too. */
bool org_member_visible(enum role viewer, enum member_status status);

/*
 * One page of o's roster as viewer may see it (org_member_visible),
 * ordered by user id: at most limit members whose user id is above after
 * (NULL: from the start); *more says whether more follow.
 */
enum err org_members_page(struct domain *d, struct arena *a,
    const struct org *o, enum role viewer, const char *after, int limit,
    struct member **out, int *n, bool *more);

/* The membership of user_id in o, when viewer may see it (else, and for
 * an unknown or malformed id, ERR_NOT_FOUND). */
enum err org_member(struct domain *d, struct arena *a, const struct org *o,
    enum role viewer, const char *user_id, struct member *m);

/* The organizations the user is an active member of. */
enum err org_list_mine(struct domain *d, struct arena *a, const struct user *u,
    struct my_org **out, int *n);

/* The names of the fields of mask, joined by ", " (arena). */
const char *org_join_fields_str(struct arena *a, unsigned mask);

/*
 * Saves o's join settings (the public form on or off, and the allowed
 * extra fields as a join_fields list), audited
 * organization.settings_changed, and its seat limit (seat_limit as
 * posted: "" for none, NULL when the form did not carry it, which keeps
 * it), audited organization.seat_limit_changed when it changes, in one
 * transaction. Only an owner (or platform admin) may change the seat
 * limit; the actor's role is read again under the organization's lock.
 * Errors: ERR_FORBIDDEN unless role manages, ERR_INVALID_JOIN_FIELDS,
 * ERR_INVALID_SEAT_LIMIT, ERR_ROLE_ESCALATION (an admin changing the
 * seat limit: nothing is written).
 */
enum err org_settings_update(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role role,
    bool join_enabled, const char *join_fields, const char *seat_limit);

/* The newest 200 audit events; ERR_FORBIDDEN unless role manages. */
enum err org_audit(struct domain *d, struct arena *a, const struct org *o,
    enum role role, struct audit_row **out, int *n);

#endif
