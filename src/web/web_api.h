/*
 * The JSON plumbing of the API under /api/v1/ (web_api.c), for the API's
 * handlers: strict request bodies in, JSON and problem details out. The
 * handlers' contracts and web_api_begin/web_api_fail are in web.h.
 *
 * A write endpoint declares the fields its body may hold and reads them
 * with web_api_body, then calls the domain function its page calls:
 *
 *	static const struct web_api_field fields[] = {
 *		{ "email", JSON_STRING, true },
 *		{ "role", JSON_STRING, true },
 *	};
 *	json_t *body = web_api_body(c, fields, 2);
 *	if (body == NULL)
 *		return;  (415, or 400 malformed-json, already answered)
 *	... json_string_value(json_object_get(body, "email")) ...
 *	json_decref(body);
 *	web_api_send(c, 201, json_pack(...));  or  web_api_fail(c, e);
 */
#ifndef ROSTER_WEB_WEB_API_H
#define ROSTER_WEB_WEB_API_H

#include <jansson.h>
#include <stdbool.h>

#include "web/web.h"

/* One field a request body may carry: its name, its JSON type as
 * json_typeof reports it (JSON_STRING, JSON_INTEGER, JSON_OBJECT...;
 * JSON_TRUE declares a boolean and accepts false too) and whether it
 * must be there. */
struct web_api_field {
	const char *name;
	json_type type;
	bool required;
};

/*
 * The request body as one JSON object holding only the nf declared
 * fields f, each of its declared type, the required ones present: the
 * caller owns the result (json_decref). Otherwise answers and returns
 * NULL: 415 unsupported-media-type unless the Content-Type is
 * application/json, 400 malformed-json for invalid JSON (bad syntax,
 * invalid UTF-8, a duplicate key, trailing data), a body that is not an
 * object, an unknown field, a wrong type or a missing field. Bodies over
 * 64 KiB never get here (413 at the front line).
 */
json_t *web_api_body(struct ctx *c, const struct web_api_field *f, int nf);

/* Answers status with the JSON value v (its reference is taken), as
 * application/json. */
void web_api_send(struct ctx *c, int status, json_t *v);

#endif
