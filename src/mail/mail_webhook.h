/*
 * Webhook delivery (SPEC §7.5, the Standard Webhooks scheme): the mailer
 * claims due rows of webhook_deliveries, signs each body under its
 * endpoint's key and POSTs the whole batch at once over one libcurl multi
 * handle, so that a target that hangs delays the others by at most its
 * MAIL_WEBHOOK_TIMEOUT. Only public addresses are connected to (checked on
 * each resolved address as the socket opens) unless the configuration
 * allows private ones. The outcomes of a batch are recorded in one
 * statement, with the webhook counters of mail_counters.
 */
#ifndef ROSTER_MAIL_MAIL_WEBHOOK_H
#define ROSTER_MAIL_MAIL_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"

struct arena;
struct db;
struct keys;

#define MAIL_WEBHOOK_BATCH 16 /* deliveries claimed and sent at once */
#define MAIL_WEBHOOK_TRIES 8  /* attempts before a delivery fails */
#define MAIL_WEBHOOK_TIMEOUT                                                   \
	10L /* seconds: a whole attempt, connect included */

/* The last_error of an attempt whose target resolved to an address that
 * is not public (and private ones are not allowed). */
#define MAIL_WEBHOOK_REFUSED "refused address"

/*
 * The webhook-signature header value for one attempt: "v1," followed by
 * standard padded base64 of HMAC-SHA-256 under key (keylen bytes) of
 * msg_id "." timestamp "." body (len bytes), timestamp in decimal Unix
 * seconds. From the arena.
 */
char *mail_webhook_sign(struct arena *a, const uint8_t *key, size_t keylen,
    const char *msg_id, long long timestamp, const char *body, size_t len);

/*
 * What becomes of an attempt that was the attempts-th before it (0 for the
 * first): a transfer that completed (curl_code 0) with a 2xx status is
 * MAIL_SENT; anything else is MAIL_RETRY, or MAIL_FAILED when this attempt
 * was the MAIL_WEBHOOK_TRIES-th.
 */
enum mail_result mail_webhook_classify(
    int curl_code, long http_status, int attempts);

/* Outcomes counted by mail_webhook_burst: indexes MAIL_SENT (delivered),
 * MAIL_RETRY and MAIL_FAILED. */
struct mail_webhook_counts {
	unsigned long long n[MAIL__MAX];
};

/*
 * Claims up to MAIL_WEBHOOK_BATCH due deliveries (leased for
 * MAIL_LEASE_SECONDS, as the outbox's rows are), delivers them in
 * parallel and records their outcomes in one statement: a 2xx is
 * delivered (payload dropped); anything else waits
 * mail_outbox_retry_wait_ms(s->base, attempts, jitter) for its next try,
 * or fails after MAIL_WEBHOOK_TRIES (payload dropped). A secret that does
 * not open under k fails the row ("undecryptable") without a request.
 * With allow_private false, a connection to an address netaddr_public
 * refuses is never made: the attempt is a retry with last_error
 * MAIL_WEBHOOK_REFUSED. Logs each outcome (delivery and webhook ids,
 * event, HTTP status, time), never the URL, the body or the secret. Adds
 * the outcomes to *counts (when not NULL). Returns the number of rows
 * claimed, or -1 when the database failed (rows not recorded stay leased
 * and are tried again when the lease ends) or libcurl could not start
 * (the rows are handed back).
 */
int mail_webhook_burst(struct db *db, struct arena *a, const struct keys *k,
    const struct mail_schedule *s, bool allow_private,
    struct mail_webhook_counts *counts);

#endif
