/*
 * Statements on webhooks and their deliveries (sql/006_webhooks.sql).
 * Deliveries are queued by the audit statement (db_audit.c), never here.
 * Each statement runs in the caller's transaction and copies its results
 * into the arena.
 */
#ifndef ROSTER_DB_WEBHOOK_H
#define ROSTER_DB_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct arena;
struct db;

/* An endpoint as its organization's owners see it: never its key. */
struct webhook {
	const char *id;
	const char *url;
	const char *events;     /* the chosen event names, ", " between */
	const char *created_at; /* "YYYY-MM-DD HH:MM UTC" */
};

/* A delivery as the endpoint's list shows it: never its body. */
struct webhook_delivery {
	const char *id;
	const char *webhook_id;
	const char *event;
	const char *status;      /* "queued", "delivered", "failed" */
	int attempts;
	const char *last_status; /* the last HTTP status, "" when none */
	const char *last_error;  /* why the last try failed, "" when none */
	const char *created_at;  /* "YYYY-MM-DD HH:MM UTC" */
};

/*
 * Inserts an endpoint of org_id for the n event names events (checked by
 * the caller against the known set; the table's CHECK holds them to it
 * too), with its sealed key box (boxlen bytes). Writes its id to *id.
 */
enum err db_webhook_insert(struct db *db, struct arena *a, const char *org_id,
    const char *url, const char *const *events, int n, const uint8_t *box,
    size_t boxlen, const char *created_by, const char **id);

/* The number of endpoints of org_id. */
enum err db_webhook_count(
    struct db *db, struct arena *a, const char *org_id, long long *n);

/* The endpoints of org_id, oldest first. */
enum err db_webhook_list(struct db *db, struct arena *a, const char *org_id,
    struct webhook **out, int *n);

/* The newest per deliveries of each endpoint of org_id, by endpoint (in
 * the list's order), newest first within one. */
enum err db_webhook_deliveries(struct db *db, struct arena *a,
    const char *org_id, int per, struct webhook_delivery **out, int *n);

/* Deletes endpoint id of org_id with its deliveries; writes its url to
 * *url. ERR_NOT_FOUND when there is none (of another organization, or id
 * is not a row id). */
enum err db_webhook_delete(struct db *db, struct arena *a, const char *org_id,
    const char *id, const char **url);

/* ---- Delivery (roster-mailer: src/mail/mail_webhook.c) ---- */

/* A queued delivery claimed by the mailer, with its endpoint. */
struct webhook_attempt {
	const char *id;
	const char *webhook_id;
	const char *event;
	const char *message_id; /* the webhook-id header: the same on every try */
	const char *payload;    /* the JSON body */
	const char *url;
	const char *secret; /* standard base64 of the sealed key (box_seal) */
	int attempts; /* tries so far */
};

/*
 * Claims up to max due deliveries, longest due first (the order of
 * webhook_deliveries_due_idx), skipping rows another mailer holds (FOR
 * UPDATE SKIP LOCKED), and leases them by moving next_attempt_at lease
 * seconds ahead in the same statement, as db_outbox_claim does. Fills
 * *rows (arena) and *n.
 */
enum err db_webhook_claim(struct db *db, struct arena *a, int max, int lease,
    struct webhook_attempt **rows, int *n);

/* The outcome of one attempt, for db_webhook_record. */
struct webhook_outcome {
	const char *id;     /* the delivery's id */
	const char *status; /* "delivered", "queued" (a retry) or "failed" */
	long http_status;   /* the answer's status; 0: no answer */
	const char *error;  /* last_error (printable ASCII), or NULL */
	long long wait_ms;  /* "queued": the wait before the next try */
};

/*
 * Records n outcomes in one statement: every row still queued counts an
 * attempt and takes its last_status and last_error; "delivered" sets
 * delivered_at, "delivered" and "failed" drop the payload, "queued" moves
 * next_attempt_at wait_ms ahead. webhooks_delivered_total,
 * webhooks_retried_total and webhooks_failed_total of mail_counters grow
 * in the same statement by the rows that changed.
 */
enum err db_webhook_record(struct db *db, struct arena *a,
    const struct webhook_outcome *o, int n);

/* Gives a leased delivery back for an attempt now. */
enum err db_webhook_release(struct db *db, struct arena *a, const char *id);

#endif
