/*
 * The mailers' delivery counters, kept in the database so that every host
 * reads the same numbers, and the outbox's backlog.
 */
#ifndef ROSTER_DB_MAILSTAT_H
#define ROSTER_DB_MAILSTAT_H

#include "util/err.h"

struct arena;
struct db;

/* One row of mail_counters. */
struct mail_counter {
	const char *name; /* emails_sent_total, ... */
	long long value;
};

/* The outbox's backlog and the webhook deliveries', database-wide. */
struct mail_backlog {
	long long queued;      /* messages still to be sent */
	double oldest_seconds; /* age of the oldest of them, 0 when none */
	long long webhook_queued;      /* webhook deliveries still to make */
	double webhook_oldest_seconds; /* age of the oldest, 0 when none */
};

/*
 * Counts the queued messages of the outbox and the queued deliveries of
 * webhook_deliveries, and the age of the oldest of each, into *out
 * (written on success only), in one statement. ERR_OK, or ERR_DATABASE.
 */
enum err db_mailstat_backlog(
    struct db *db, struct arena *a, struct mail_backlog *out);

/*
 * Reads every row of mail_counters, ordered by name, into an array in the
 * arena: *out and *n are written on success only. ERR_OK, or ERR_DATABASE
 * when the table cannot be read.
 */
enum err db_mailstat_list(
    struct db *db, struct arena *a, struct mail_counter **out, int *n);

#endif
