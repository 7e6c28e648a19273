/*
 * Bulk invitations: the paste split by util/addrlist, each address judged
 * by the single invitation's own code.
 */
#include "domain/bulk.h"

#include <string.h>

#include "counters.h"
#include "domain/invitation.h"
#include "domain/org.h"
#include "domain/validate.h"
#include "util/addrlist.h"
#include "util/arena.h"

static const char *const outcome_names[BULK__MAX] = {
	[BULK_INVITED] = "invited",
	[BULK_REINVITED] = "reinvited",
	[BULK_ALREADY_MEMBER] = "already-member",
	[BULK_INVALID_EMAIL] = "invalid-email",
	[BULK_DUPLICATE] = "duplicate",
	[BULK_RATE_LIMITED] = "rate-limited",
	[BULK_SEAT_LIMIT] = "seat-limit",
};

const char *
bulk_outcome_str(enum bulk_outcome o)
{
	return (unsigned)o < BULK__MAX ? outcome_names[o] : "";
}

/* True when email is among the first n rows' addresses of an address
 * (rows whose entry was no address never match). */
static bool
seen(const struct bulk_row *rows, int n, const char *email)
{
	for (int i = 0; i < n; i++)
		if (rows[i].outcome != BULK_INVALID_EMAIL &&
		    strcmp(rows[i].email, email) == 0)
			return true;
	return false;
}

/* The outcome of one invitation_create, or -1 for a failure that ends
 * the request. */
static int
outcome_of(enum err e, bool replaced)
{
	switch (e) {
	case ERR_OK:
		return replaced ? BULK_REINVITED : BULK_INVITED;
	case ERR_ALREADY_MEMBER:
		return BULK_ALREADY_MEMBER;
	case ERR_INVALID_EMAIL:
		return BULK_INVALID_EMAIL;
	case ERR_SEAT_LIMIT:
		return BULK_SEAT_LIMIT;
	case ERR_RATE_LIMITED:
	case ERR_RATE_LIMITED_USER:
	case ERR_RATE_LIMITED_ORG:
		return BULK_RATE_LIMITED;
	default:
		return -1;
	}
}

enum err
bulk_invite(struct domain *d, struct arena *a, const struct user *actor,
    const struct org *o, enum role actor_role, const char *emails,
    const char *role, struct bulk_row **rows, int *n)
{
	const char **entries;
	struct bulk_row *r;
	size_t count;
	bool limited = false;
	enum role want;
	enum err e;

	*rows = NULL;
	*n = 0;
	if (!org_role_manages(actor_role))
		return ERR_FORBIDDEN;
	if ((want = db_enum_role(role)) == ROLE__MAX)
		return ERR_INVALID_ROLE;
	/* The role rules of a single invitation, for the whole request. */
	if ((e = invitation_may_grant(actor, actor_role, want)) != ERR_OK)
		return e;
	if ((e = invitation_actor_confirmed(d, actor)) != ERR_OK)
		return e;
	if (addrlist_parse(a, emails, BULK_MAX, &entries, &count) == -1)
		return ERR_TOO_MANY_ADDRESSES;
	metrics_add(C_BULK_INVITATIONS, 1);
	r = arena_calloc(a, count ? count : 1, sizeof(*r));
	for (size_t i = 0; i < count; i++) {
		char *norm;
		bool replaced = false;
		int out;

		if (validate_email(a, entries[i], &norm) != ERR_OK) {
			r[i].email = entries[i];
			r[i].outcome = BULK_INVALID_EMAIL;
			continue;
		}
		r[i].email = norm;
		if (seen(r, (int)i, norm))
			r[i].outcome = BULK_DUPLICATE;
		else if (limited)
			r[i].outcome = BULK_RATE_LIMITED;
		else {
			e = invitation_create_replacing(d, a, actor, o,
			    actor_role, norm, role, &replaced);
			if ((out = outcome_of(e, replaced)) == -1) {
				*rows = r;
				*n = (int)i;
				return e;
			}
			r[i].outcome = (enum bulk_outcome)out;
			limited = out == BULK_RATE_LIMITED;
		}
	}
	*rows = r;
	*n = (int)count;
	return ERR_OK;
}
