/*
 * The platform: invitations to Roster itself by platform admins, apart
 * from any organization, and what /admin shows of them (who invited whom,
 * and the accepted invitations counted per inviter, for referral credit).
 * The link is the organization invitations' signed envelope
 * (docs/invitations.md), pointing at /signup?invite=; the database keeps
 * only SHA-256 of the raw token. Sign-up through a link is
 * account_signup's (domain/account.c), which uses platform_take and
 * platform_accepted inside its transaction.
 */
#ifndef ROSTER_DOMAIN_PLATFORM_H
#define ROSTER_DOMAIN_PLATFORM_H

#include "db/db_outbox.h"
#include "db/db_platform_invitation.h"
#include "domain/domain.h"

/* How many invitations /admin lists, newest first. */
#define PLATFORM_LIST_MAX 200
/* How many failed emails /admin lists, newest first. */
#define PLATFORM_MAIL_FAILURES_MAX 50

/*
 * Invites email to the platform, by platform admin actor. An open row for
 * the address (pending or expired) is revoked and replaced in the same
 * transaction; the email is queued with it and the change audited
 * (platform_invitation.created). Errors: ERR_FORBIDDEN (not a platform
 * admin), ERR_INVALID_EMAIL, ERR_EMAIL_TAKEN (the address has an
 * account), ERR_RATE_LIMITED_USER (ROSTER_INVITE_LIMIT_USER per hour per
 * admin).
 */
enum err platform_invite(struct domain *d, struct arena *a,
    const struct user *actor, const char *email);

/* Revokes open platform invitation id. ERR_FORBIDDEN, ERR_NOT_FOUND,
 * ERR_NOT_PENDING (accepted or revoked already). */
enum err platform_revoke(struct domain *d, struct arena *a,
    const struct user *actor, const char *id);

/*
 * Verifies a link token and finds its pending invitation without
 * writing. Every failure — a token that does not verify, names no row, is
 * bound to another address, or a row expired, revoked or accepted — is
 * the same ERR_INVITATION_INVALID; ERR_DATABASE otherwise.
 */
enum err platform_resolve(struct domain *d, struct arena *a, const char *token,
    struct platform_invitation *out);

/* platform_resolve inside the caller's open transaction, with the row
 * locked FOR UPDATE until it ends. */
enum err platform_take(struct domain *d, struct arena *a, const char *token,
    struct platform_invitation *out);

/*
 * Inside the caller's transaction: stamps invitation inv (taken with
 * platform_take) accepted by the new account user_id and audits
 * platform_invitation.accepted with the inviter and the new user. The
 * caller counts it after commit (platform_count_accepted).
 */
enum err platform_accepted(struct db *db, struct arena *a,
    const struct platform_invitation *inv, const char *user_id);

/* Counts one accepted invitation (after the commit). */
void platform_count_accepted(void);

/* The newest PLATFORM_LIST_MAX invitations with their state, inviter and
 * the account each became. ERR_FORBIDDEN unless actor is a platform
 * admin. */
enum err platform_list(struct domain *d, struct arena *a,
    const struct user *actor, struct platform_invitation **out, int *n);

/* Accepted invitations per inviter, most first. ERR_FORBIDDEN unless
 * actor is a platform admin. */
enum err platform_referrals(struct domain *d, struct arena *a,
    const struct user *actor, struct platform_referral **out, int *n);

/* The number of accounts. ERR_FORBIDDEN unless actor is a platform
 * admin. */
enum err platform_user_count(
    struct domain *d, struct arena *a, const struct user *actor, long long *n);

/* The outbox for /admin: rows queued, sent, failed and skipped, and the
 * newest PLATFORM_MAIL_FAILURES_MAX failed messages (kind, recipient,
 * when queued, attempts, last error; never a body). ERR_FORBIDDEN unless
 * actor is a platform admin. */
enum err platform_mail(struct domain *d, struct arena *a,
    const struct user *actor, struct outbox_summary *sum,
    struct outbox_failure **failed, int *n);

#endif
