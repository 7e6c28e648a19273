/*
 * Statements on organization invitations. Each runs in the caller's
 * transaction and copies results into the arena. A row's state is judged
 * by the database clock: see enum inv_state.
 */
#ifndef ROSTER_DB_INVITATION_H
#define ROSTER_DB_INVITATION_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db_enum.h"
#include "util/err.h"

struct arena;
struct db;

struct invitation {
	const char *id;
	const char *org_id;
	const char *org_slug;
	const char *org_name;
	const char *email;
	enum role role;
	const char *invited_by;   /* user id or NULL */
	const char *inviter_name; /* "" when the inviter is gone */
	const char *expires_at;   /* YYYY-MM-DD HH:MM UTC */
	int64_t expires;          /* unix seconds */
	/* queued, sent, failed (newest email); "" from db_invitation_by_hash,
	 * which reads no email: a link is judged and shown without it. */
	const char *delivery;
	/* Why the newest email failed, when it did; else "". */
	const char *delivery_error;
	enum inv_state state;
	/* Read with the row by db_invitation_by_hash only (link set): the
	 * inviter as the organization knows it now, and whether an account
	 * holds the invited address. */
	bool link;
	bool inviter_exists;    /* the inviting account still exists */
	bool inviter_admin;     /* it is a platform admin */
	enum role inviter_role; /* its active role there, ROLE__MAX: none */
	bool invitee_known;     /* a user has the invited address */
};

/* Finds the invitation with that token hash, with what a link page and an
 * acceptance judge besides the row (the link fields), in one statement,
 * without its delivery state (see delivery).
 * With lock, the invitation's row is locked FOR UPDATE until the
 * transaction ends. ERR_NOT_FOUND when none. */
enum err db_invitation_by_hash(struct db *db, struct arena *a,
    const uint8_t hash[32], bool lock, struct invitation *out);

/* Finds invitation id of organization org_id, or of any organization when
 * org_id is NULL (locked FOR UPDATE when lock). ERR_NOT_FOUND when none or
 * of another organization. */
enum err db_invitation_by_id(struct db *db, struct arena *a, const char *org_id,
    const char *id, bool lock, struct invitation *out);

/* The open (not accepted, revoked or declined) row for an address in an
 * organization, locked FOR UPDATE; ERR_NOT_FOUND when none. */
enum err db_invitation_open_for(struct db *db, struct arena *a,
    const char *org_id, const char *email, struct invitation *out);

/* Inserts an open invitation expiring at the unix time expires. */
enum err db_invitation_insert(struct db *db, struct arena *a,
    const char *org_id, const char *email, enum role role,
    const uint8_t hash[32], int64_t expires, const char *invited_by,
    const char **id);

/* Ends open row id as revoked. ERR_NOT_PENDING when it is no longer
 * open. A replacement is recorded separately, by db_invitation_replaced. */
enum err db_invitation_revoke(struct db *db, struct arena *a, const char *id);

/* Records which row replaced a revoked one. */
enum err db_invitation_replaced(
    struct db *db, struct arena *a, const char *id, const char *by);

/* Stamps an open row accepted by user_id. ERR_NOT_PENDING when it is no
 * longer open. */
enum err db_invitation_accept(
    struct db *db, struct arena *a, const char *id, const char *user_id);

/* Stamps an open row declined. ERR_NOT_PENDING when no longer open. */
enum err db_invitation_decline(struct db *db, struct arena *a, const char *id);

/* Open rows of an organization (pending and expired), newest first, with
 * their delivery state. */
enum err db_invitation_list_org(struct db *db, struct arena *a,
    const char *org_id, struct invitation **out, int *n);

/* Pending (open, unexpired) invitations for an address, newest first. */
enum err db_invitation_list_email(struct db *db, struct arena *a,
    const char *email, struct invitation **out, int *n);

/* The inviter of invitation id as it stands now: whether a platform admin,
 * and the role of their active membership in the invitation's
 * organization (ROLE__MAX when none). ERR_NOT_FOUND when the row has no
 * inviter any more (the account is gone). A plain read: no lock. */
enum err db_invitation_inviter(struct db *db, struct arena *a,
    const char *id, bool *platform_admin, enum role *role);

/* What the page of an ended link tells its holder beyond the row itself:
 * the inviter's address, the newest later invitation of the organization
 * to the same address (its time only, never its token), and who revoked
 * the row by hand (the audit trail's invitation.revoked). Every text is
 * "" when there is none. */
struct invitation_end {
	const char *inviter_email;
	const char *newer_at;      /* YYYY-MM-DD HH:MM UTC */
	const char *revoker_name;
	const char *revoker_email;
};

/* Fills *out for invitation id. ERR_NOT_FOUND when there is no such row.
 * A plain read. */
enum err db_invitation_end(struct db *db, struct arena *a, const char *id,
    struct invitation_end *out);

#endif
