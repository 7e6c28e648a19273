/*
 * Declared input, in the manner of kcgi: every form or query field the
 * application reads is a row of one table (name, validator, maximum
 * length), indexed by enum field. The dispatcher fills c->field once per
 * request; handlers never look a field up by name. The validators here
 * are syntactic only: the domain judges meaning (an email's shape, a
 * password's length) and answers with its own error codes, so a value
 * that fails here reaches the domain as "" and gets the same answer.
 */
#include "web/web.h"

#include <string.h>

/* Any text the parser accepted (valid UTF-8 without NUL). */
static bool
any(const char *v)
{
	(void)v;
	return true;
}

/* A link or CSRF token: base64url, with the envelope's dots. */
static bool
token(const char *v)
{
	return *v != '\0' &&
	    strspn(v,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-_.") == strlen(v);
}

/* A row id: 1 to 19 decimal digits. */
static bool
row_id(const char *v)
{
	return *v != '\0' && strspn(v, "0123456789") == strlen(v);
}

/* A flag that is set: "1". */
static bool
one(const char *v)
{
	return strcmp(v, "1") == 0;
}

static const struct {
	const char *name;
	bool (*valid)(const char *);
	size_t max; /* bytes */
} fields[F__MAX] = {
	[F_CSRF_TOKEN] = { "csrf_token", token, 128 },
	[F_DISPLAY_NAME] = { "display_name", any, 1024 },
	[F_EMAIL] = { "email", any, 1024 },
	[F_INVITATION_ID] = { "invitation_id", row_id, 19 },
	[F_NAME] = { "name", any, 1024 },
	[F_NEXT] = { "next", any, 2048 },
	[F_PASSWORD] = { "password", any, 4096 },
	[F_ROLE] = { "role", any, 32 },
	[F_SENT] = { "sent", any, 1 },
	[F_SLUG] = { "slug", any, 256 },
	[F_TOKEN] = { "token", token, 1024 },
	[F_CITY] = { "city", any, 4096 },
	[F_MESSAGE] = { "message", any, 16384 },
	[F_PHONE] = { "phone", any, 4096 },
	[F_FIRST_NAME] = { "first_name", any, 1024 },
	[F_LAST_NAME] = { "last_name", any, 1024 },
	[F_JOIN_ENABLED] = { "join_enabled", any, 1 },
	[F_JOIN_FIELDS] = { "join_fields", any, 1024 },
	[F_PENDING] = { "pending", one, 1 },
	[F_INVITE] = { "invite", token, 1024 },
	[F_MAX_USES] = { "max_uses", any, 1024 },
	[F_DAYS] = { "days", any, 1024 },
	[F_SEAT_LIMIT] = { "seat_limit", any, 4096 },
	[F_EMAILS] = { "emails", any, 65536 },
	[F_LIMIT] = { "limit", any, 1024 },
	[F_AFTER] = { "after", any, 1024 },
	[F_URL] = { "url", any, 4096 },
	[F_EVENTS] = { "events", any, 1024 },
};

/* The fields a form repeats, once per value chosen (checkboxes): their
 * values reach c->field joined with '\n'. */
static const enum field lists[] = { F_EVENTS };

void
web_field_lists(void)
{
	static const char *names[sizeof(lists) / sizeof(lists[0]) + 1];

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		names[i] = fields[lists[i]].name;
	http_parse_lists(names);
}

void
web_field_parse(struct ctx *c, const struct params *params)
{
	for (size_t i = 0; i < params->n; i++) {
		const struct param *p = &params->v[i];

		for (int f = 0; f < F__MAX; f++) {
			if (strcmp(fields[f].name, p->name) != 0)
				continue;
			if (strlen(p->value) <= fields[f].max &&
			    fields[f].valid(p->value))
				c->field[f] = p->value;
			break;
		}
	}
}

const char *
web_field(const struct ctx *c, enum field f)
{
	return c->field[f] != NULL ? c->field[f] : "";
}
