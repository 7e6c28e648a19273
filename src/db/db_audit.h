/*
 * Statements on the audit trail.
 */
#ifndef ROSTER_DB_DB_AUDIT_H
#define ROSTER_DB_DB_AUDIT_H

#include "util/err.h"

struct arena;
struct db;

struct audit_row {
	const char *at;    /* YYYY-MM-DD HH:MM UTC */
	long long at_unix; /* the same moment, seconds since the epoch */
	const char *actor; /* actor's email or "" */
	const char *actor_name; /* display name, else email, else "" */
	const char *action;
	const char *subject_type;
	const char *subject_id;
	const char *data; /* JSON text */
	/* What a sentence names, "" when unknown: the subject (an
	 * invitation's or join request's address, a membership's person by
	 * name), and from data the role, the roles of a change, the source. */
	const char *subject;
	const char *role, *role_from, *role_to, *source;
};

/* Records an audit event; org_id and subject_id may be NULL, data_json
 * NULL means "{}". */
enum err db_audit_insert(struct db *db, struct arena *a, const char *actor_id,
    const char *org_id, const char *action, const char *subject_type,
    const char *subject_id, const char *data_json);

/* One event of db_audit_insert_many. */
struct audit_event {
	const char *action;
	const char *subject_type;
	const char *subject_id; /* may be NULL */
	const char *data_json;  /* NULL means "{}" */
};

/* Records n (1 to 4) events of one actor and organization in one
 * statement, in order (ids ascending as given). */
enum err db_audit_insert_many(struct db *db, struct arena *a,
    const char *actor_id, const char *org_id, const struct audit_event *ev,
    int n);

/* The newest audit events of an organization (at most limit). */
enum err db_audit_list(struct db *db, struct arena *a, const char *org_id,
    int limit, struct audit_row **out, int *n);

#endif
