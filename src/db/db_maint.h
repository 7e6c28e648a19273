/*
 * Maintenance: schema migrations and purging of expired rows.
 */
#ifndef ROSTER_DB_MAINT_H
#define ROSTER_DB_MAINT_H

#include "util/err.h"

struct arena;
struct db;

/*
 * Applies the files NNN_name.sql of dir in name order, each once, each in
 * its own transaction, recording them in schema_migrations, while holding
 * an advisory lock so concurrent runs wait for each other. Writes how many
 * were applied to *applied. ERR_DATABASE (logged) on any failure; the
 * failing migration leaves no trace.
 */
enum err db_maint_migrate(
    struct db *db, struct arena *a, const char *dir, int *applied);

/*
 * Gives the role app connects as (the programs' role) the rows and nothing
 * else, when it is not owner's own: SELECT, INSERT, UPDATE and DELETE on
 * the tables, the sequences, but the audit trail append-only and
 * schema_migrations read-only; no DDL, no TRUNCATE. Idempotent; run by
 * the schema's owner after each migrate, so new tables are covered.
 * ERR_DATABASE (logged) on failure, also when app cannot connect.
 */
enum err db_maint_grant(struct db *owner, struct db *app, struct arena *a);

/* Deletes join requests that were never confirmed and whose link expired;
 * writes the count. */
enum err db_maint_purge_join_requests(
    struct db *db, struct arena *a, long long *n);

/* Deletes sessions that expired over a day ago and rate-limit events
 * older than a day; writes the counts. */
enum err db_maint_purge_sessions(
    struct db *db, struct arena *a, long long *sessions, long long *events);

/* Deletes account tokens (email confirmation, password reset) that
 * expired or were used over a day ago; writes the count. */
enum err db_maint_purge_tokens(struct db *db, struct arena *a, long long *n);

#endif
