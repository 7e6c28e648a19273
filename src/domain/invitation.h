/*
 * Organization invitations: create, resend, revoke, and the invitee's
 * accept, accept-with-signup and decline. Every operation is one
 * transaction; every token failure looks the same (ERR_INVITATION_INVALID).
 */
#ifndef ROSTER_DOMAIN_INVITATION_H
#define ROSTER_DOMAIN_INVITATION_H

#include <stdbool.h>

#include "crypto/crypto.h"
#include "db/db_invitation.h"
#include "db/db_org.h"
#include "domain/domain.h"
#include "domain/org.h"

/*
 * Verifies a link token and finds its invitation without writing. Returns
 * ERR_OK for a pending invitation, the state's error for an ended one
 * (with *out filled), ERR_INVITATION_INVALID for anything wrong with the
 * token, ERR_INVITATION_MISMATCH (with *out filled) when current is a
 * signed-in user of another address, or ERR_DATABASE. A pending
 * invitation whose inviter may no longer grant it (removed, demoted, or
 * gone; platform admins keep the right) is ERR_INVITATION_REVOKED; the
 * accepts judge that again inside their transactions.
 */
enum err invitation_resolve(struct domain *d, struct arena *a,
    const struct user *current, const char *token, struct invitation *out);

/*
 * What the page of an ended link says about invitation inv (as
 * invitation_resolve or a refused accept or decline filled it): the
 * inviter's address, the newest later invitation to the same address in
 * the same organization (its time, never its link), and who revoked it
 * by hand. A plain read; ERR_NOT_FOUND when the row is gone.
 */
enum err invitation_explain(struct domain *d, struct arena *a,
    const struct invitation *inv, struct invitation_end *out);

/*
 * Sets *has when the address inv was sent to has an account. Asked only
 * for a link that resolved pending: its holder already holds an
 * invitation bound to that address, and accepting with sign-up would say
 * the same (ERR_EMAIL_TAKEN). A plain read.
 */
enum err invitation_invitee_has_account(struct domain *d, struct arena *a,
    const struct invitation *inv, bool *has);

/*
 * Serialises the invitations and owner-adds of one inviter and of one
 * organization: the inviter's advisory lock, then the organization's.
 * Taken first thing (before any row lock) by every invite, resend and
 * owner-add so that no two of them can deadlock; the inviter's count spans
 * organizations, so the organization's lock alone would let requests into
 * two of them both pass the inviter's limit. Runs in the caller's
 * transaction.
 */
enum err invitation_lock(struct db *db, struct arena *a,
    const struct user *actor, const struct org *o);

/*
 * The rate limits, checked under invitation_lock: the invitations created
 * or resent and the owner-adds made in the last hour by actor, then in o,
 * against ROSTER_INVITE_LIMIT_USER and _ORG. ERR_RATE_LIMITED_USER or
 * ERR_RATE_LIMITED_ORG when a limit is reached; a limiter that fails lets
 * the request through, logged and counted.
 */
enum err invitation_rate_check(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o);

/* Counts one owner-add by actor in o toward the rate limits, in the
 * caller's transaction. */
enum err invitation_rate_count_owner_add(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o);

/*
 * The per-recipient cap across all organizations: every invitation email
 * (invite, resend, the invitation of a join approval, owner-add) to the
 * canonical address email counts, and past ROSTER_INVITE_LIMIT_RECIPIENT_
 * HOUR in the last hour or _DAY in the last day the answer is
 * ERR_RATE_LIMITED. Under an advisory lock on the address, taken after
 * invitation_lock's (so always last), the count and the event recorded
 * for this email are exact under concurrency; the event is in the
 * caller's transaction, so a refusal or rollback records nothing. The
 * bucket holds a SHA-256 of the address, not the address. A limiter that
 * fails lets the email through, logged and counted.
 */
enum err invitation_recipient_take(struct domain *d, struct arena *a,
    const char *email);

/* Whether actor (actor_role in the organization) may invite as role:
 * ERR_FORBIDDEN for a plain member, ERR_ROLE_ESCALATION for an admin
 * asking for admin or owner (owners and platform admins grant any). */
enum err invitation_may_grant(
    const struct user *actor, enum role actor_role, enum role role);

/* ERR_EMAIL_UNCONFIRMED when ROSTER_REQUIRE_CONFIRMED is 1 and actor's
 * address is unconfirmed: creating organizations and every invitation
 * (invite, resend, owner-add, the invitation of a join approval). */
enum err invitation_actor_confirmed(
    const struct domain *d, const struct user *actor);

/*
 * Invites email to o with role, by actor whose role in o is actor_role.
 * An open row for the address is revoked and replaced in the same
 * transaction; the email is queued with it. Errors: ERR_FORBIDDEN (not a
 * manager), ERR_INVALID_EMAIL, ERR_INVALID_ROLE, ERR_ROLE_ESCALATION,
 * ERR_ALREADY_MEMBER, ERR_SEAT_LIMIT (every seat taken; an invitation
 * replacing an open one keeps its seat), ERR_RATE_LIMITED_USER,
 * ERR_RATE_LIMITED_ORG.
 */
enum err invitation_create(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *email, const char *role);

/* invitation_create, setting *replaced when an open invitation to the
 * address (pending or expired) was revoked and replaced by the new one
 * (SPEC §4 Invitations 3). */
enum err invitation_create_replacing(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *email, const char *role, bool *replaced);

/*
 * invitation_create inside the caller's open transaction on db, for an
 * address already validated and a role already parsed: the caller's
 * change and the invitation commit or roll back together (an approved
 * join request). The caller counts the invitation after its commit. The
 * errors of invitation_create.
 */
enum err invitation_create_tx(struct domain *d, struct arena *a, struct db *db,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *email, enum role role);

/* Replaces open invitation id of o with a fresh one (new link, new
 * expiry) and queues it. ERR_NOT_FOUND, ERR_NOT_PENDING, and the errors
 * of invitation_create. */
enum err invitation_resend(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *id);

/* Revokes open invitation id of o. ERR_FORBIDDEN, ERR_NOT_FOUND,
 * ERR_NOT_PENDING. */
enum err invitation_revoke(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *id);

/*
 * Accepts as the signed-in user u, identified either by the link token or
 * (from the user's own lists) by id, which needs u's address confirmed.
 * One transaction makes the membership with the invited role, stamps the
 * invitation, confirms u's address and writes the audit trail. *already
 * is set when u was a member already (the invitation is stamped, no second
 * membership). Fills *out. Errors: the state errors,
 * ERR_INVITATION_INVALID, ERR_INVITATION_MISMATCH (nothing written).
 */
enum err invitation_accept(struct domain *d, struct arena *a,
    const struct user *u, const char *token, const char *id, bool *already,
    struct invitation *out);

/*
 * Creates the account of the invited address and accepts, in one
 * transaction, then opens a session. posted_email, when non-empty, must be
 * the invitation's address (ERR_EMAIL_MISMATCH). A visitor already signed
 * in (current, else NULL) as another address gets ERR_INVITATION_MISMATCH
 * and nothing is written. Errors: the state errors,
 * ERR_INVITATION_INVALID, ERR_INVITATION_MISMATCH, ERR_EMAIL_MISMATCH,
 * ERR_INVALID_NAME, ERR_INVALID_PASSWORD, ERR_EMAIL_TAKEN,
 * ERR_SIGNUP_CLOSED (a full cap).
 */
enum err invitation_accept_signup(struct domain *d, struct arena *a,
    const struct user *current, const char *token, const char *posted_email,
    const char *name, const char *password, struct user *u,
    uint8_t session[CRYPTO_TOKEN_LEN], struct invitation *out);

/* Declines by token (u may be NULL: the link holder) or by id (u's own
 * list). A signed-in user of another address gets
 * ERR_INVITATION_MISMATCH. */
enum err invitation_decline(struct domain *d, struct arena *a,
    const struct user *u, const char *token, const char *id,
    struct invitation *out);

/* The open invitations of o for viewer (the viewer's role): all of them
 * for owners and admins, none for plain members. */
enum err invitation_list_org(struct domain *d, struct arena *a,
    const struct org *o, enum role viewer, struct invitation **out, int *n);

/* The pending invitations for u's address; none while it is unconfirmed. */
enum err invitation_list_mine(struct domain *d, struct arena *a,
    const struct user *u, struct invitation **out, int *n);

#endif
