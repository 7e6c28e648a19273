/*
 * Join requests (SPEC §4 Join requests): the public form with its emailed
 * confirmation, the signed-in request, and the owners' and admins' review.
 * Every operation is one transaction that writes its audit event.
 */
#ifndef ROSTER_DOMAIN_JOIN_REQUEST_H
#define ROSTER_DOMAIN_JOIN_REQUEST_H

#include <stdbool.h>

#include "db/db_join_request.h"
#include "db/db_org.h"
#include "domain/domain.h"

/* Lifetime of a confirmation link, seconds. */
#define JOIN_CONFIRM_TTL (24 * 60 * 60)

/* Rate limits of the public form, per hour: requests for one address (in
 * any organization), and requests to one organization. */
#define JOIN_LIMIT_EMAIL 3
#define JOIN_LIMIT_ORG   20

/* Longest first or last name, and each extra field's cap, in characters. */
#define JOIN_NAME_MAX 100
int join_request_field_max(enum join_field f);

/* Opens the organization of a join form by slug. ERR_NOT_FOUND when it
 * does not exist or its form is off: the two look the same. */
enum err join_request_form(
    struct domain *d, struct arena *a, const char *slug, struct org *o);

/*
 * The public form: validates the address and names, keeps only the extra
 * fields o allows (each trimmed and capped; extra holds the posted value
 * of each field or NULL), stores a request pending confirmation and
 * queues the email with its link. The answer is ERR_OK whatever the
 * address, also when a rate limit held the request back (then nothing is
 * written or sent). Errors: ERR_NOT_FOUND, ERR_INVALID_EMAIL,
 * ERR_INVALID_NAME.
 */
enum err join_request_submit(struct domain *d, struct arena *a,
    const char *slug, const char *email, const char *first_name,
    const char *last_name, const char *const extra[JOIN_FIELD__MAX]);

/* Judges a confirmation token without writing; fills *out. Errors:
 * ERR_TOKEN_INVALID (malformed, unknown or used), ERR_JOIN_EXPIRED. */
enum err join_request_confirm_check(struct domain *d, struct arena *a,
    const char *token, struct join_request *out);

/* Confirms: the request becomes submitted and the token is spent. When
 * the address already has an open request, that one stands and this one
 * goes. The errors of join_request_confirm_check. */
enum err join_request_confirm(struct domain *d, struct arena *a,
    const char *token, struct join_request *out);

/* The signed-in user u asks to join the organization slug: submitted at
 * once, with the allowed extra fields. Fills *o. Errors: ERR_NOT_FOUND,
 * ERR_ALREADY_MEMBER (any membership, pending too), ERR_ALREADY_PENDING. */
enum err join_request_ask(struct domain *d, struct arena *a,
    const struct user *u, const char *slug,
    const char *const extra[JOIN_FIELD__MAX], struct org *o);

/* The submitted requests of o. ERR_FORBIDDEN unless role manages. */
enum err join_request_list(struct domain *d, struct arena *a,
    const struct org *o, enum role role, struct join_request **out, int *n);

/*
 * Approves submitted request id of o. An address with a confirmed
 * account becomes an active member (source join_request) and is told by
 * email; any other address gets an invitation as member through the
 * invitations' own code (*invited set). Errors: ERR_FORBIDDEN,
 * ERR_NOT_FOUND (none, another organization's, or not confirmed yet),
 * ERR_NOT_PENDING, ERR_ALREADY_MEMBER, ERR_SEAT_LIMIT (every seat taken,
 * for either outcome; seat_take), and the invitation's rate limits.
 */
enum err join_request_approve(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role role,
    const char *id, bool *invited);

/* Rejects submitted request id of o. ERR_FORBIDDEN, ERR_NOT_FOUND,
 * ERR_NOT_PENDING. */
enum err join_request_reject(struct domain *d, struct arena *a,
    const struct user *actor, const struct org *o, enum role role,
    const char *id);

#endif
