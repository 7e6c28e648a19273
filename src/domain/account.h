/*
 * Accounts: sign-up, sign-in, sessions, email confirmation, password
 * reset, platform admins. Raw tokens (session cookies, link tokens) are
 * 32 random bytes that only ever leave here toward the user; the database
 * keeps their SHA-256.
 */
#ifndef ROSTER_DOMAIN_ACCOUNT_H
#define ROSTER_DOMAIN_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "domain/domain.h"

#define PASSWORD_MIN 10
#define PASSWORD_MAX 1024

/* ERR_OK when pw is 10..1024 bytes of valid UTF-8, else
 * ERR_INVALID_PASSWORD. */
enum err account_password_ok(const char *pw);

/* Whether anyone may sign up without an invitation: ERR_SIGNUP_CLOSED in
 * invite_only mode (the cap of capped mode is judged by account_room). */
enum err account_signup_open(const struct domain *d);

/*
 * Inside an open transaction: in capped mode takes the lock that every
 * account creation takes and answers ERR_SIGNUP_CLOSED when the cap is
 * reached (the lock is held to the end of the transaction, so the cap is
 * exact). ERR_OK in the other modes.
 */
enum err account_room(struct domain *d, struct arena *a);

/*
 * Creates an account in the configured signup mode (invite_only: refused;
 * capped: refused once the cap is reached, exactly, under a lock), signs
 * it in and queues the confirmation email, in one transaction. Writes the
 * user and the raw session token. Errors: ERR_INVALID_EMAIL,
 * ERR_INVALID_PASSWORD, ERR_INVALID_NAME, ERR_EMAIL_TAKEN,
 * ERR_SIGNUP_CLOSED, ERR_DATABASE.
 *
 * invite (NULL or "" for none) is a platform invitation's link token. A
 * pending one opens sign-up in every mode (never past a full cap): the
 * account gets the invitation's address (a non-empty email that differs
 * is ERR_EMAIL_MISMATCH, nothing written), confirmed, with invited_by the
 * inviter, and the same transaction stamps the invitation accepted and
 * audits platform_invitation.accepted; no confirmation email is sent. An
 * invite that does not resolve counts as none: ERR_SIGNUP_CLOSED in
 * invite_only mode, a plain sign-up in the others.
 */
enum err account_signup(struct domain *d, struct arena *a, const char *email,
    const char *password, const char *name, const char *invite,
    struct user *u, uint8_t session[CRYPTO_TOKEN_LEN]);

/*
 * Inside the caller's open transaction: creates the unconfirmed account
 * of email (canonical), name (trimmed) and password_hash, opens a session
 * (raw token to session), records user.signed_up with data_json and
 * queues the confirmation email, so that whatever the caller adds (an
 * invite link's membership) commits or rolls back with it. The signup
 * mode is the caller's to judge; the cap of capped mode is judged here
 * (account_room). Fills *u. Errors: ERR_SIGNUP_CLOSED, ERR_EMAIL_TAKEN,
 * ERR_DATABASE.
 */
enum err account_create_tx(struct domain *d, struct arena *a,
    const char *email, const char *name, const char *password_hash,
    const char *org_id, const char *data_json, struct user *u,
    uint8_t session[CRYPTO_TOKEN_LEN]);

/*
 * Verifies credentials and opens a session. Unknown address and wrong
 * password take the same path (a dummy hash verification) and both give
 * ERR_INVALID_CREDENTIALS. Failures count per address and per client
 * address (client, "" when unknown) over 15 minutes. ERR_RATE_LIMITED,
 * without verifying, when the client has ROSTER_LOGIN_CLIENT_LIMIT
 * failures, or when the address has ROSTER_LOGIN_LIMIT failures and this
 * client has failed at all; a client with no recent failure always gets
 * its password checked, so nobody can lock an owner out.
 */
enum err account_login(struct domain *d, struct arena *a, const char *email,
    const char *password, const char *client, struct user *u,
    uint8_t session[CRYPTO_TOKEN_LEN]);

/*
 * Counts one failed token lookup (an invitation, confirmation, reset,
 * join or platform invitation link that does not resolve) from the client
 * address client. *limited is set, and nothing counted, when the client
 * already has ROSTER_TOKEN_LIMIT failures in the last minute: the caller
 * then answers rate-limited. A valid token is never counted.
 */
enum err account_token_failed(
    struct domain *d, struct arena *a, const char *client, bool *limited);
/* The window of ROSTER_TOKEN_LIMIT, seconds (also the Retry-After). */
#define ACCOUNT_GUESS_WINDOW 60

/* Opens a new session for user_id (used after accept-with-signup). */
enum err account_session_open(struct domain *d, struct arena *a,
    const char *user_id, uint8_t session[CRYPTO_TOKEN_LEN]);

/* Resolves a raw session token to its user; ERR_NOT_FOUND when unknown or
 * expired. */
enum err account_session(struct domain *d, struct arena *a,
    const uint8_t session[CRYPTO_TOKEN_LEN], struct user *u);

/* As account_session, reading only (the last use is not refreshed). */
enum err account_session_peek(struct domain *d, struct arena *a,
    const uint8_t session[CRYPTO_TOKEN_LEN], struct user *u);

/* Ends a session. */
enum err account_logout(
    struct domain *d, struct arena *a, const uint8_t session[CRYPTO_TOKEN_LEN]);

/* Checks (without using it) an email-confirmation or reset token given as
 * base64url; ERR_TOKEN_INVALID when unknown, used or expired. */
enum err account_confirm_check(
    struct domain *d, struct arena *a, const char *token);
enum err account_reset_check(
    struct domain *d, struct arena *a, const char *token);

/* Uses a confirmation token and marks the address confirmed.
 * ERR_TOKEN_INVALID when unknown, used or expired. */
enum err account_confirm(struct domain *d, struct arena *a, const char *token);

/*
 * Queues a new confirmation link for u, unconfirmed, in one transaction.
 * ERR_NOT_PENDING when the address is already confirmed (nothing sent),
 * ERR_RATE_LIMITED past the limit of reset emails (3 an hour per
 * address, a count of its own).
 */
enum err account_confirm_resend(
    struct domain *d, struct arena *a, const struct user *u);

/* Queues a reset link when the address has an account; answers ERR_OK
 * either way (no account probing). Invalid addresses: ERR_INVALID_EMAIL. */
enum err account_forgot(struct domain *d, struct arena *a, const char *email);

/* Uses a reset token, sets the new password and ends every session of the
 * user. ERR_TOKEN_INVALID, ERR_INVALID_PASSWORD. */
enum err account_reset(
    struct domain *d, struct arena *a, const char *token, const char *password);

/* Creates (with an unusable password and a set-password link written to
 * *link) or promotes a platform admin. An existing account whose address
 * is unconfirmed loses its password and sessions and gets a set-password
 * link too, since whoever signed up first may not own the mailbox. *link
 * is NULL for a confirmed existing user. */
enum err account_bootstrap_admin(
    struct domain *d, struct arena *a, const char *email, char **link);

#endif
