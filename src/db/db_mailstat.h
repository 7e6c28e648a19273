/*
 * The mailer's delivery counters, kept in the database so that every host
 * reads the same numbers.
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

/*
 * Reads every row of mail_counters, ordered by name, into an array in the
 * arena: *out and *n are written on success only. ERR_OK, or ERR_DATABASE
 * when the table cannot be read.
 */
enum err db_mailstat_list(
    struct db *db, struct arena *a, struct mail_counter **out, int *n);

#endif
