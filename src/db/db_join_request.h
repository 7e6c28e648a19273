/*
 * Statements on join requests. Each runs in the caller's transaction and
 * copies results into the arena. Expiry of the confirmation link is
 * judged by the database clock.
 */
#ifndef ROSTER_DB_DB_JOIN_REQUEST_H
#define ROSTER_DB_DB_JOIN_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db_enum.h"
#include "util/err.h"

struct arena;
struct db;

struct join_request {
	const char *id;
	const char *org_id;
	const char *org_slug;
	const char *org_name;
	const char *email;
	const char *user_id; /* the signed-in requester, or NULL */
	const char *first_name;
	const char *last_name;
	const char *created_at; /* YYYY-MM-DD HH:MM UTC */
	int64_t created;        /* unix seconds */
	enum jr_status status;
	bool expired; /* pending confirmation past its link's expiry */
	const char *field[JOIN_FIELD__MAX]; /* extra fields, "" when absent */
};

/*
 * Inserts a request. With hash, it waits for confirmation (the link
 * expires after ttl seconds); without, it is submitted at once. fields
 * holds each extra field's value or NULL. ERR_ALREADY_PENDING when the
 * address or user has an open (submitted) request in the organization.
 */
enum err db_join_request_insert(struct db *db, struct arena *a,
    const char *org_id, const char *email, const char *user_id,
    const char *first_name, const char *last_name,
    const char *const fields[JOIN_FIELD__MAX], const uint8_t *hash,
    long long ttl, const char **id);

/* The request whose confirmation token has that hash (locked FOR UPDATE
 * when lock). ERR_NOT_FOUND when none. */
enum err db_join_request_by_hash(struct db *db, struct arena *a,
    const uint8_t hash[32], bool lock, struct join_request *out);

/* Request id of organization org_id (locked FOR UPDATE when lock).
 * ERR_NOT_FOUND when none, of another organization, or not an id. */
enum err db_join_request_by_id(struct db *db, struct arena *a,
    const char *org_id, const char *id, bool lock, struct join_request *out);

/* A request pending confirmation becomes submitted and forgets its token.
 * ERR_ALREADY_PENDING when the address already has an open request;
 * ERR_NOT_PENDING when the row is not pending confirmation. */
enum err db_join_request_submit(struct db *db, struct arena *a, const char *id);

/* Deletes a request (a confirmation that duplicates an open one). */
enum err db_join_request_delete(struct db *db, struct arena *a, const char *id);

/* A submitted request becomes approved or rejected by decided_by.
 * ERR_NOT_PENDING when it is not submitted. */
enum err db_join_request_decide(struct db *db, struct arena *a, const char *id,
    enum jr_status status, const char *decided_by);

/* The organization's submitted requests, oldest first. */
enum err db_join_request_list_org(struct db *db, struct arena *a,
    const char *org_id, struct join_request **out, int *n);

#endif
