/*
 * SQL for the audit trail: events are written inside the transaction of
 * the change they record, and read newest first.
 */
#include "db/db_audit.h"

#include <stdlib.h>

#include "db/db.h"
#include "util/arena.h"

/*
 * The rest of a statement that inserts audit events as the CTE ev: each
 * event that announces a webhook event (webhook_event(), sql/
 * 006_webhooks.sql) becomes one queued delivery for every webhook of its
 * organization subscribed to it, with its body built now
 * (webhook_payload()), and the mailer is woken when the transaction
 * commits. An organization without webhooks costs one index probe.
 */
#define AUDIT_WEBHOOKS                                                      \
	", hook AS (INSERT INTO webhook_deliveries (webhook_id, event, "    \
	"  message_id, payload)"                                            \
	"  SELECT w.id, x.event, 'msg_' || ev.id, webhook_payload(x.event," \
	"   ev.organization_id, ev.subject_id, ev.data, ev.at)"             \
	"  FROM ev JOIN webhooks w ON w.organization_id = ev.organization_id" \
	"  CROSS JOIN LATERAL (SELECT webhook_event(ev.action,"             \
	"   ev.subject_id) AS event) x"                                     \
	"  WHERE x.event = ANY (w.events) ORDER BY ev.id, w.id RETURNING 1)" \
	" SELECT pg_notify('roster_outbox', '') FROM hook LIMIT 1"

static void
audit_from_row(const struct db_rows *r, int row, void *out)
{
	struct audit_row *e = out;

	e->at = db_val(r, row, 0);
	e->actor = db_val(r, row, 1);
	e->action = db_val(r, row, 2);
	e->subject_type = db_val(r, row, 3);
	e->subject_id = db_val(r, row, 4);
	e->data = db_val(r, row, 5);
	e->at_unix = strtoll(db_val(r, row, 6), NULL, 10);
	e->actor_name = db_val(r, row, 7);
	e->subject = db_val(r, row, 8);
	e->role = db_val(r, row, 9);
	e->role_from = db_val(r, row, 10);
	e->role_to = db_val(r, row, 11);
	e->source = db_val(r, row, 12);
}

enum err
db_audit_list(struct db *db, struct arena *a, const char *org_id, int limit,
    struct audit_row **out, int *n)
{
	return db_list(db, a, audit_from_row, sizeof(**out), out, n,
	    "SELECT to_char(e.at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD HH24:MI'), coalesce(u.email::text, ''), e.action, "
	    "e.subject_type, coalesce(e.subject_id::text, ''), e.data::text, "
	    "extract(epoch FROM e.at)::bigint::text, "
	    "coalesce(u.display_name, u.email::text, ''), "
	    "coalesce(CASE e.subject_type "
	    "  WHEN 'invitation' THEN (SELECT i.email::text FROM invitations i "
	    "    WHERE i.id = e.subject_id) "
	    "  WHEN 'join_request' THEN (SELECT j.email::text "
	    "    FROM join_requests j WHERE j.id = e.subject_id) "
	    "  WHEN 'membership' THEN (SELECT p.display_name FROM users p "
	    "    WHERE p.id = CASE WHEN e.data->>'user_id' ~ '^[0-9]{1,18}$' "
	    "    THEN (e.data->>'user_id')::bigint END) END, ''), "
	    "coalesce(e.data->>'role', ''), coalesce(e.data->>'from', ''), "
	    "coalesce(e.data->>'to', ''), coalesce(e.data->>'source', '') "
	    "FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id "
	    "WHERE e.organization_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT "
	    "$2",
	    org_id, arena_printf(a, "%d", limit), DB_END);
}

enum err
db_audit_insert(struct db *db, struct arena *a, const char *actor_id,
    const char *org_id, const char *action, const char *subject_type,
    const char *subject_id, const char *data_json)
{
	return db_q(db, a, NULL,
	    "WITH ev AS (INSERT INTO audit_events (actor_user_id, "
	    "organization_id, action, subject_type, subject_id, data) VALUES "
	    "($1, $2, $3, $4, $5, coalesce($6::jsonb, '{}')) RETURNING *)"
	    AUDIT_WEBHOOKS,
	    actor_id, org_id, action, subject_type, subject_id, data_json,
	    DB_END);
}

enum err
db_audit_insert_many(struct db *db, struct arena *a, const char *actor_id,
    const char *org_id, const struct audit_event *ev, int n)
{
	const char *params[2 + 4 * 4];
	char *sql;

	if (n < 1 || n > 4)
		return ERR_INVALID;
	params[0] = actor_id;
	params[1] = org_id;
	sql = arena_strdup(a,
	    "WITH ev AS (INSERT INTO audit_events (actor_user_id, "
	    "organization_id, action, subject_type, subject_id, data) VALUES ");
	for (int i = 0; i < n; i++) {
		int p = 3 + 4 * i;

		params[p - 1] = ev[i].action;
		params[p] = ev[i].subject_type;
		params[p + 1] = ev[i].subject_id;
		params[p + 2] = ev[i].data_json;
		sql = arena_printf(a,
		    "%s%s($1::bigint, $2::bigint, $%d, $%d, $%d::bigint, "
		    "coalesce($%d::jsonb, '{}'))",
		    sql, i ? ", " : "", p, p + 1, p + 2, p + 3);
	}
	sql = arena_printf(a, "%s RETURNING *)" AUDIT_WEBHOOKS, sql);
	return db_exec(db, a, NULL, sql, 2 + 4 * n, params);
}
