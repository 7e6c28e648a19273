/*
 * The audit trail in sentences: one table maps each action the domain
 * records (and, for a new membership, its source) to a sentence template;
 * the page shows the sentence with the moment as a relative time. An
 * action the table does not know shows as itself.
 */
#include "web/web.h"

#include <string.h>

#include "db/db_audit.h"
#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/buf.h"

/*
 * Sentence templates. {actor} is who acted (by display name), {subject}
 * whom it concerned (an invited or requesting address, a member's name),
 * {role} the role recorded, {from} and {to} a role change. source, when
 * set, narrows the row to events whose data names that source; the first
 * matching row wins.
 */
static const struct {
	const char *action, *source, *text;
} sentences[] = {
	{ "organization.created", NULL, "{actor} created the organization" },
	{ "organization.settings_changed", NULL,
	    "{actor} changed the join settings" },
	{ "organization.seat_limit_changed", NULL,
	    "{actor} changed the seat limit from {from} to {to}" },
	{ "invitation.created", NULL, "{actor} invited {subject} as {role}" },
	{ "invitation.resent", NULL,
	    "{actor} resent the invitation to {subject} as {role}" },
	{ "invitation.revoked", NULL,
	    "{actor} revoked the invitation to {subject}" },
	{ "invitation.accepted", NULL,
	    "{actor} accepted the invitation to {subject}" },
	{ "invitation.declined", NULL,
	    "The invitation to {subject} was declined" },
	{ "membership.created", "creator",
	    "{subject} became the first {role}" },
	{ "membership.created", "invitation",
	    "{subject} joined through an invitation as {role}" },
	{ "membership.created", "join_request",
	    "{subject} joined as {role}: {actor} approved their request" },
	{ "membership.created", "owner_add",
	    "{actor} added {subject} as {role}, awaiting their consent" },
	{ "membership.created", "link",
	    "{subject} joined through an invite link as {role}" },
	{ "membership.created", NULL, "{subject} became {role}" },
	{ "membership.accepted", NULL,
	    "{actor} agreed to be added and joined as {role}" },
	{ "membership.declined", NULL, "{actor} declined being added" },
	{ "membership.cancelled", NULL, "{actor} cancelled adding {subject}" },
	{ "membership.removed", NULL,
	    "{actor} removed {subject}, who was {role}" },
	{ "membership.left", NULL, "{actor} left the organization" },
	{ "membership.role_changed", NULL,
	    "{actor} changed the role of {subject} from {from} to {to}" },
	{ "join_request.submitted", NULL, "{subject} asked to join" },
	{ "join_request.confirmed", NULL,
	    "{subject} confirmed their request to join" },
	{ "join_request.approved", NULL,
	    "{actor} approved the request of {subject}" },
	{ "join_request.rejected", NULL,
	    "{actor} rejected the request of {subject}" },
	{ "user.signed_up", NULL, "{actor} signed up through an invitation" },
	{ "invite_link.created", NULL, "{actor} created an invite link" },
	{ "invite_link.joined", NULL, "{actor} joined through an invite link" },
	{ "invite_link.revoked", NULL, "{actor} revoked an invite link" },
	{ "webhook.created", NULL, "{actor} added a webhook endpoint" },
	{ "webhook.deleted", NULL, "{actor} deleted a webhook endpoint" },
};
#define NSENTENCES ((int)(sizeof(sentences) / sizeof(sentences[0])))

/* v, or the stand-in when the row no longer names anyone. */
static const char *
or_else(const char *v, const char *stand_in)
{
	return v != NULL && *v != '\0' ? v : stand_in;
}

/* The value of placeholder name (its length n) for row r. */
static const char *
slot(const struct audit_row *r, const char *name, size_t n)
{
	static const char *const names[] = { "actor", "subject", "role", "from",
		"to" };
	const char *vals[] = { or_else(r->actor_name, "Someone"),
		or_else(r->subject, "someone"), or_else(r->role, "a member"),
		or_else(r->role_from, "?"), or_else(r->role_to, "?") };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return vals[i];
	return NULL;
}

/* The template's sentence for r: plain text, escaped when the page renders
 * it. */
static const char *
fill(struct ctx *c, const char *text, const struct audit_row *r)
{
	struct buf b;

	buf_init(&b, c->a);
	while (*text != '\0') {
		const char *open = strchr(text, '{'), *close, *v;

		if (open == NULL || (close = strchr(open, '}')) == NULL) {
			buf_puts(&b, text);
			break;
		}
		buf_append(&b, text, (size_t)(open - text));
		v = slot(r, open + 1, (size_t)(close - open - 1));
		if (v != NULL)
			buf_puts(&b, v);
		else
			buf_append(&b, open, (size_t)(close - open + 1));
		text = close + 1;
	}
	return b.data;
}

const char *
web_audit_sentence(struct ctx *c, const struct audit_row *r)
{
	for (int i = 0; i < NSENTENCES; i++) {
		if (strcmp(sentences[i].action, r->action) != 0)
			continue;
		if (sentences[i].source != NULL &&
		    (r->source == NULL ||
			strcmp(sentences[i].source, r->source) != 0))
			continue;
		return fill(c, sentences[i].text, r);
	}
	return r->action;
}

void
web_audit_rows(struct ctx *c, const struct audit_row *r, int n)
{
	tpl_set_list(c->page, "events");
	tpl_set_bool(c->page, "has_events", n > 0);
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "events");

		tpl_set(row, "action", r[i].action);
		tpl_set(row, "sentence", web_audit_sentence(c, &r[i]));
		web_time(c, row, "at", (int64_t)r[i].at_unix);
	}
}
