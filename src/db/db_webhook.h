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

#endif
