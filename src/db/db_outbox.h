/*
 * Statements on the email outbox and the mailer's counters. Bodies are
 * stored as given (the caller encrypts them); a row keeps its body only
 * while it is queued.
 */
#ifndef ROSTER_DB_OUTBOX_H
#define ROSTER_DB_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct arena;
struct db;

/* A queued row claimed for delivery. */
struct outbox_row {
	char *id;
	char *kind;
	char *recipient;
	uint8_t *box; /* the stored body: nonce || ciphertext */
	size_t boxlen;
	int attempts; /* failed attempts so far */
	bool stale;   /* its invitation was revoked, accepted, declined or
		       * has expired */
};

/* How a delivery ended, for db_outbox_close. */
enum outbox_end {
	OUTBOX_SENT,    /* delivered: counted in emails_sent_total */
	OUTBOX_FAILED,  /* given up: counted in emails_failed_total */
	OUTBOX_SKIPPED, /* never tried: counted in emails_skipped_total */
};

/*
 * Inserts a queued row (inside the caller's transaction) and notifies
 * listeners of roster_outbox when that transaction commits. invitation_id
 * may be NULL. Writes the new row's id to *id when id is not NULL.
 */
enum err db_outbox_insert(struct db *db, struct arena *a, const char *kind,
    const char *recipient, const uint8_t *box, size_t boxlen,
    const char *invitation_id, char **id);

/*
 * Claims up to max due rows, oldest first, skipping rows another mailer
 * holds, and leases them for lease seconds (their next attempt moves
 * forward, so a mailer that dies loses nothing). Fills *rows and *n.
 */
enum err db_outbox_claim(struct db *db, struct arena *a, int max, int lease,
    struct outbox_row **rows, int *n);

/* Ends a queued row: its body is dropped and the matching counter grows,
 * in one statement. why (may be NULL) is kept as last_error. */
enum err db_outbox_close(struct db *db, struct arena *a, const char *id,
    enum outbox_end end, const char *why);

/* Counts a failed attempt and schedules the next one with exponential
 * backoff (5 s doubling, at most an hour). */
enum err db_outbox_retry(
    struct db *db, struct arena *a, const char *id, const char *why);

/* Gives a leased row back for an attempt now. */
enum err db_outbox_release(struct db *db, struct arena *a, const char *id);

#endif
