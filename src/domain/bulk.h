/*
 * Bulk invitations (SPEC §7.1): one pasted list of addresses, each
 * invited through exactly the code of a single invitation
 * (invitation_create: its own transaction, outbox email, audit event,
 * rate limits and seat), with one outcome per address in paste order.
 */
#ifndef ROSTER_DOMAIN_BULK_H
#define ROSTER_DOMAIN_BULK_H

#include "db/db_org.h"
#include "domain/domain.h"

/* At most this many addresses in one paste. */
#define BULK_MAX 200

/* What happened to one address of the paste. */
enum bulk_outcome {
	BULK_INVITED,        /* invited */
	BULK_REINVITED,      /* invited, replacing an open invitation */
	BULK_ALREADY_MEMBER, /* already-member */
	BULK_INVALID_EMAIL,  /* invalid-email: the entry is no address */
	BULK_DUPLICATE,      /* duplicate: the same address earlier */
	BULK_RATE_LIMITED,   /* rate-limited: a limit refused it, or an
				earlier address */
	BULK_SEAT_LIMIT,     /* seat-limit: every seat taken */
	BULK__MAX
};

struct bulk_row {
	const char *email; /* canonical address, or the entry as pasted */
	enum bulk_outcome outcome;
};

/* The outcome's code as pages show it (data-outcome). */
const char *bulk_outcome_str(enum bulk_outcome o);

/*
 * Invites each address of emails (util/addrlist.h's rules) to o with
 * role, by actor of role actor_role in o, one invitation_create each, in
 * paste order; fills *rows (arena) and *n. An address already earlier
 * in the paste is a duplicate and not sent again. Once a rate limit (the
 * inviter's, the organization's or the recipient's) refuses an address,
 * every later valid address is rate-limited without being tried.
 * Refused before anything is written, for the whole request:
 * ERR_FORBIDDEN (not a manager), ERR_INVALID_ROLE, ERR_ROLE_ESCALATION
 * (an admin asking for owner or admin), ERR_EMAIL_UNCONFIRMED,
 * ERR_TOO_MANY_ADDRESSES (more than BULK_MAX entries). Any other failure
 * (the database) stops the loop and is returned; the addresses before it
 * stay invited.
 */
enum err bulk_invite(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *emails, const char *role, struct bulk_row **rows, int *n);

#endif
