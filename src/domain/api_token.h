/*
 * Personal API tokens: a user makes a named token, sees it once, and may
 * revoke it; a token acts as its user over /api/v1/, with exactly the
 * user's rights. The token is "rst_" followed by base64url of 32 random
 * bytes; the database keeps only SHA-256 of those bytes. A password reset
 * revokes every token of the user (account.c, in the reset's
 * transaction).
 */
#ifndef ROSTER_DOMAIN_API_TOKEN_H
#define ROSTER_DOMAIN_API_TOKEN_H

#include "db/db_api_token.h"
#include "domain/domain.h"

#define API_TOKEN_PREFIX "rst_"

/*
 * Makes a token named name for u, audited api_token.created, in one
 * transaction. Writes the token as shown once to *token (arena) and its
 * row id to *id. Errors: ERR_INVALID_NAME (1 to 100 characters, no
 * control characters).
 */
enum err api_token_create(struct domain *d, struct arena *a,
    const struct user *u, const char *name, const char **token,
    const char **id);

/* The tokens of u, live ones first. */
enum err api_token_list(struct domain *d, struct arena *a,
    const struct user *u, struct api_token **out, int *n);

/*
 * Revokes u's token id, audited api_token.revoked, in one transaction;
 * fills *t with it. Errors: ERR_NOT_FOUND (not one of u's tokens),
 * ERR_NOT_PENDING (revoked already).
 */
enum err api_token_revoke(struct domain *d, struct arena *a,
    const struct user *u, const char *id, struct api_token *t);

/*
 * The user a bearer token (as sent, "rst_...") acts as: fills *u and
 * refreshes the token's last use (at most once a minute) in the same
 * statement. ERR_NOT_FOUND for a malformed, unknown or revoked token.
 */
enum err api_token_user(
    struct domain *d, struct arena *a, const char *token, struct user *u);

#endif
