/*
 * Invite links (SPEC §7.2): a manager makes a link that anyone may follow
 * to join an organization as member, up to a number of uses and until it
 * expires or is revoked. The link carries the invitation envelope around
 * 32 random bytes, bound to the text "link:<id>" of its row; the database
 * keeps only the SHA-256 of the raw token. Every token that does not
 * verify, names no row, or is bound to another row is ERR_LINK_INVALID.
 * Every operation is one transaction.
 */
#ifndef ROSTER_DOMAIN_INVITE_LINK_H
#define ROSTER_DOMAIN_INVITE_LINK_H

#include <stdbool.h>

#include "crypto/crypto.h"
#include "db/db_invite_link.h"
#include "db/db_org.h"
#include "domain/domain.h"

#define INVITE_LINK_USES_DEFAULT 25
#define INVITE_LINK_USES_MAX     1000
#define INVITE_LINK_DAYS_DEFAULT 7
#define INVITE_LINK_DAYS_MAX     30

/* A link as made: its row and the URL to hand out (shown once). */
struct invite_link_new {
	const char *id;
	const char *url;
	int max_uses;
	int days;
	int64_t expires;
};

/*
 * Makes a link of o for max_uses joins (NULL or "": 25; else 1..1000)
 * lasting days days (NULL or "": 7; else 1..30), by actor whose role in
 * o is actor_role, and audits invite_link.created. Errors: ERR_FORBIDDEN
 * (not a manager), ERR_EMAIL_UNCONFIRMED (as for invitations),
 * ERR_INVALID_MAX_USES, ERR_INVALID_DAYS.
 */
enum err invite_link_create(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *max_uses, const char *days, struct invite_link_new *out);

/*
 * Verifies a link token and finds its link without writing. ERR_OK for
 * an active link; ERR_LINK_EXPIRED, ERR_LINK_USED_UP, ERR_LINK_REVOKED
 * (with *out filled) for an ended one; ERR_LINK_INVALID for anything
 * wrong with the token; ERR_DATABASE.
 */
enum err invite_link_resolve(struct domain *d, struct arena *a,
    const char *token, struct invite_link *out);

/*
 * Makes the signed-in user u an active member of the link's organization
 * (source link) and counts one use, in one transaction whose one
 * conditional UPDATE decides the use. A user who already belongs (active,
 * or an owner-add awaiting consent) gets *already set (and *pending for
 * the latter) and nothing is written or counted. Errors: the resolve
 * errors (nothing written), ERR_SEAT_LIMIT when the organization is full.
 */
enum err invite_link_join(struct domain *d, struct arena *a,
    const struct user *u, const char *token, bool *already, bool *pending,
    struct invite_link *out);

/*
 * Creates an unconfirmed account (confirmation email queued), its
 * membership through the link and the use, in one transaction, and opens
 * a session (raw token to session). Errors: the resolve errors,
 * ERR_SIGNUP_CLOSED (invite_only mode, or a full cap),
 * ERR_INVALID_EMAIL, ERR_INVALID_NAME, ERR_INVALID_PASSWORD,
 * ERR_EMAIL_TAKEN, ERR_SEAT_LIMIT; nothing is written on any of them.
 */
enum err invite_link_join_signup(struct domain *d, struct arena *a,
    const char *token, const char *email, const char *name,
    const char *password, struct user *u, uint8_t session[CRYPTO_TOKEN_LEN],
    struct invite_link *out);

/* Revokes link id of o and audits invite_link.revoked. ERR_FORBIDDEN,
 * ERR_NOT_FOUND (no such link in o), ERR_NOT_PENDING (revoked already). */
enum err invite_link_revoke(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role actor_role,
    const char *id);

/* The links of o for viewer (the viewer's role): all of them, newest
 * first, for owners and admins; none for plain members. */
enum err invite_link_list_org(struct domain *d, struct arena *a,
    const struct org *o, enum role viewer, struct invite_link **out, int *n);

#endif
