/*
 * The mailer's delivery counters, kept in the database.
 */
#ifndef ROSTER_DB_MAILSTAT_H
#define ROSTER_DB_MAILSTAT_H

#include "util/err.h"

struct arena;
struct buf;
struct db;

/* Appends the counters of mail_counters (emails_sent_total, ...) to out in
 * Prometheus text format, prefixed roster_. ERR_DATABASE when unreadable
 * (nothing is appended then). */
enum err db_mail_counters(struct db *db, struct arena *a, struct buf *out);

#endif
