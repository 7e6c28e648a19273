/*
 * SQL for join requests.
 */
#include "db/db_join_request.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"

#define JR_COLS                                                                \
	"j.id, j.organization_id, o.slug, o.name, j.email, j.user_id, "        \
	"j.first_name, j.last_name, "                                          \
	DB_UTC_MINUTE("j.created_at") ", j.status, "                                                \
	"(j.status = 'pending_confirmation' AND j.confirm_expires_at <= "      \
	"now()), extract(epoch FROM j.created_at)::bigint"
#define JR_NCOLS 12
#define JR_FROM                                                                \
	" FROM join_requests j JOIN organizations o ON o.id = "                \
	"j.organization_id "

/* The select list: JR_COLS, then one column per extra field, named by the
 * one table of them (db_enum.c). */
static const char *
cols(struct arena *a)
{
	const char *s = JR_COLS;

	for (enum join_field f = 0; f < JOIN_FIELD__MAX; f++)
		s = arena_printf(a, "%s, coalesce(j.fields ->> '%s', '')", s,
		    db_enum_join_field_str(f));
	return s;
}

static void
jr_from_row(const struct db_rows *r, int row, void *out)
{
	struct join_request *j = out;

	j->id = db_val(r, row, 0);
	j->org_id = db_val(r, row, 1);
	j->org_slug = db_val(r, row, 2);
	j->org_name = db_val(r, row, 3);
	j->email = db_val(r, row, 4);
	j->user_id = db_val(r, row, 5);
	j->first_name = db_val(r, row, 6);
	j->last_name = db_val(r, row, 7);
	j->created_at = db_val(r, row, 8);
	j->status = db_enum_jr_status(db_val(r, row, 9));
	j->expired = strcmp(db_val(r, row, 10), "t") == 0;
	j->created = atoll(db_val(r, row, 11));
	for (int f = 0; f < JOIN_FIELD__MAX; f++)
		j->field[f] = db_val(r, row, JR_NCOLS + f);
}

/* A text[] literal of the strings v[0..n): each element quoted, with
 * backslash before quotes and backslashes. */
static const char *
text_array(struct arena *a, const char *const *v, int n)
{
	size_t len = 3;
	char *s, *p;

	for (int i = 0; i < n; i++)
		len += 2 * strlen(v[i]) + 3;
	p = s = arena_alloc(a, len);
	*p++ = '{';
	for (int i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		*p++ = '"';
		for (const char *c = v[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

/* Maps a unique violation of the open-request indexes. */
static enum err
open_conflict(struct db *db, enum err e)
{
	if (e == ERR_CONFLICT &&
	    (strcmp(db_constraint(db), "join_requests_open_email_key") == 0 ||
		strcmp(db_constraint(db), "join_requests_open_user_key") == 0))
		return ERR_ALREADY_PENDING;
	return e;
}

enum err
db_join_request_insert(struct db *db, struct arena *a, const char *org_id,
    const char *email, const char *user_id, const char *first_name,
    const char *last_name, const char *const fields[JOIN_FIELD__MAX],
    const uint8_t *hash, long long ttl, const char **id)
{
	const char *keys[JOIN_FIELD__MAX], *vals[JOIN_FIELD__MAX];
	struct db_rows *r;
	int n = 0;
	enum err e;

	for (enum join_field f = 0; f < JOIN_FIELD__MAX; f++)
		if (fields[f] != NULL) {
			keys[n] = db_enum_join_field_str(f);
			vals[n++] = fields[f];
		}
	e = db_q(db, a, &r,
	    "INSERT INTO join_requests (organization_id, email, user_id, "
	    "first_name, last_name, fields, status, confirm_hash, "
	    "confirm_expires_at, submitted_at) "
	    "VALUES ($1, $2, $3, $4, $5, jsonb_object($6::text[], $7::text[]), "
	    "CASE WHEN $8::bytea IS NULL THEN 'submitted' "
	    "ELSE 'pending_confirmation' END, $8::bytea, "
	    "CASE WHEN $8::bytea IS NULL THEN NULL "
	    "ELSE now() + make_interval(secs => $9) END, "
	    "CASE WHEN $8::bytea IS NULL THEN now() END) RETURNING id",
	    org_id, email, user_id, first_name, last_name,
	    text_array(a, keys, n), text_array(a, vals, n),
	    hash ? db_bytea(a, hash, 32) : NULL, arena_printf(a, "%lld", ttl),
	    DB_END);
	if (e == ERR_OK)
		*id = db_val(r, 0, 0);
	return open_conflict(db, e);
}

enum err
db_join_request_by_hash(struct db *db, struct arena *a, const uint8_t hash[32],
    bool lock, struct join_request *out)
{
	return db_one(db, a, jr_from_row, out,
	    arena_printf(a, "SELECT %s" JR_FROM "WHERE j.confirm_hash = $1%s",
		cols(a), lock ? " FOR UPDATE OF j" : ""),
	    db_bytea(a, hash, 32), DB_END);
}

enum err
db_join_request_by_id(struct db *db, struct arena *a, const char *org_id,
    const char *id, bool lock, struct join_request *out)
{
	/* Ids come from paths: anything but digits cannot name a row. */
	if (id == NULL || *id == '\0' ||
	    strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
		return ERR_NOT_FOUND;
	return db_one(db, a, jr_from_row, out,
	    arena_printf(a,
		"SELECT %s" JR_FROM
		"WHERE j.id = $1 AND j.organization_id = $2%s",
		cols(a), lock ? " FOR UPDATE OF j" : ""),
	    id, org_id, DB_END);
}

enum err
db_join_request_submit(struct db *db, struct arena *a, const char *id)
{
	return open_conflict(db,
	    db_change_one(db, a, ERR_NOT_PENDING,
		"UPDATE join_requests SET status = 'submitted', "
		"submitted_at = now(), confirm_hash = NULL, "
		"confirm_expires_at = NULL "
		"WHERE id = $1 AND status = 'pending_confirmation'",
		id, DB_END));
}

enum err
db_join_request_delete(struct db *db, struct arena *a, const char *id)
{
	return db_q(
	    db, a, NULL, "DELETE FROM join_requests WHERE id = $1", id, DB_END);
}

enum err
db_join_request_decide(struct db *db, struct arena *a, const char *id,
    enum jr_status status, const char *decided_by)
{
	return db_change_one(db, a, ERR_NOT_PENDING,
	    "UPDATE join_requests SET status = $2, decided_at = now(), "
	    "decided_by = $3 WHERE id = $1 AND status = 'submitted'",
	    id, db_enum_jr_status_str(status), decided_by, DB_END);
}

enum err
db_join_request_list_org(struct db *db, struct arena *a, const char *org_id,
    struct join_request **out, int *n)
{
	return db_list(db, a, jr_from_row, sizeof(**out), out, n,
	    arena_printf(a,
		"SELECT %s" JR_FROM "WHERE j.organization_id = $1 "
		"AND j.status = 'submitted' "
		"ORDER BY j.submitted_at, j.id",
		cols(a)),
	    org_id, DB_END);
}
