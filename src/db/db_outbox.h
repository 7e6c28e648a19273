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

/* The last_error of a row closed as OUTBOX_SKIPPED: it is stored as
 * failed, and this reason tells it apart from a delivery that failed. */
#define OUTBOX_SKIP_REASON "invitation no longer open"

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
 * Claims up to max due rows, longest due first (outbox_due_idx's order:
 * the scan stops after them), skipping rows another mailer holds, and
 * leases them for lease seconds (their next attempt moves
 * forward, so a mailer that dies loses nothing). Fills *rows and *n.
 */
enum err db_outbox_claim(struct db *db, struct arena *a, int max, int lease,
    struct outbox_row **rows, int *n);

/* Ends a queued row: its body is dropped and the matching counter grows,
 * in one statement. why (may be NULL) is kept as last_error. */
enum err db_outbox_close(struct db *db, struct arena *a, const char *id,
    enum outbox_end end, const char *why);

/* db_outbox_close(OUTBOX_SENT) of the n rows ids (decimal ids) in one
 * statement: emails_sent_total grows by the number of rows that were
 * still queued. */
enum err db_outbox_sent(
    struct db *db, struct arena *a, const char *const *ids, int n);

/*
 * db_outbox_sent of the n rows ids and db_outbox_claim of up to max rows
 * (never one of ids) in one statement, sent with db_send: the caller
 * works (delivers the batch it holds) while the server runs it, and takes
 * the claimed rows with db_outbox_sent_claim_recv. With n = 0 it is only
 * a claim. Returns ERR_OK or ERR_DATABASE.
 */
enum err db_outbox_sent_claim_send(struct db *db, struct arena *a,
    const char *const *ids, int n, int max, int lease);

/* The result of db_outbox_sent_claim_send: the claimed rows into *rows and
 * *n, as db_outbox_claim. An error means neither the record nor the claim
 * took place. */
enum err db_outbox_sent_claim_recv(
    struct db *db, struct arena *a, struct outbox_row **rows, int *n);

/*
 * Counts a failed attempt and schedules the next one wait_ms from now,
 * unless that falls later than give_up seconds after the row was queued:
 * then, in the same statement, the row fails ("gave up after N attempts:
 * why"), its body is dropped and emails_failed_total grows. *gave_up says
 * which happened.
 */
enum err db_outbox_retry(struct db *db, struct arena *a, const char *id,
    long long wait_ms, long long give_up, const char *why, bool *gave_up);

/* The outbox at a glance, for the platform admin. */
struct outbox_summary {
	long long queued, sent, failed, skipped;
};

/* Counts the rows by state (a skipped row counts as skipped, not
 * failed). */
enum err db_outbox_summary(
    struct db *db, struct arena *a, struct outbox_summary *out);

/* A message given up, as the platform admin sees it: never its body. */
struct outbox_failure {
	const char *id;
	const char *kind;
	const char *recipient;
	const char *queued_at; /* "YYYY-MM-DD HH:MM UTC" */
	const char *attempts;
	const char *last_error; /* "" when none was recorded */
};

/* The failed rows (not the skipped ones), newest first, at most max. */
enum err db_outbox_failures(struct db *db, struct arena *a, int max,
    struct outbox_failure **out, int *n);

/* Gives a leased row back for an attempt now. */
enum err db_outbox_release(struct db *db, struct arena *a, const char *id);

#endif
