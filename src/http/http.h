/*
 * HTTP requests and responses as the web handlers see them, independent of
 * FastCGI: parsed parameters, cookies and headers in, a status, headers and
 * a fully rendered body out. Nothing is written to the wire until the
 * handler has finished, so a late error can still become a clean page.
 */
#ifndef ROSTER_HTTP_HTTP_H
#define ROSTER_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

struct arena;

#define HTTP_BODY_MAX (64 * 1024) /* larger bodies are answered 413 */

enum method { METHOD_GET, METHOD_HEAD, METHOD_POST, METHOD__MAX };

/* One name=value pair, both percent-decoded and NUL-free. */
struct param {
	const char *name;
	const char *value;
};

/* A parsed query string, form body or cookie header. */
struct params {
	struct param *v;
	size_t n;
};

/*
 * Parses an application/x-www-form-urlencoded string of n bytes ('+' is a
 * space, %XX a byte). Returns ERR_OK and fills *out (arena memory); returns
 * ERR_MALFORMED for malformed percent-encoding ("%zz", "%4", "%"), a NUL
 * byte (raw or %00), invalid UTF-8, an empty name, or the same name twice.
 * Never reads past n bytes. Empty input gives zero pairs.
 */
enum err http_parse_urlencoded(struct arena *a, const char *s, size_t n,
    struct params *out);

/*
 * Parses a Cookie header ("a=b; c=d"). Values are not percent-decoded.
 * Pairs without '=' are skipped; a name that appears twice keeps only its
 * first value (browsers send the most specific first). Never fails.
 */
void http_parse_cookies(struct arena *a, const char *header, struct params *out);

/* Returns the value for name, or NULL when absent. */
const char *http_param(const struct params *p, const char *name);

struct request {
	struct arena *arena;
	enum method method;
	const char *method_name; /* as received, for logs */
	const char *path;        /* decoded? no: raw path, without query */
	const char *query;       /* raw query string ("" when none) */
	struct params args;      /* parsed query string */
	struct params form;      /* parsed urlencoded body (POST) */
	struct params cookies;
	const char *content_type;   /* "" when absent */
	const char *origin;         /* Origin header or NULL */
	const char *sec_fetch_site; /* Sec-Fetch-Site header or NULL */
	const char *remote_addr;
	const char *user_agent;
	/* Set by the router: the values of the pattern's ":name" segments in
	 * order, and the route's index. */
	const char *route_args[4];
	int route;
};

struct response {
	int status;             /* 200 unless set */
	const char *content_type; /* text/html; charset=utf-8 unless set */
	const char *location;   /* Location header for redirects */
	struct buf headers;     /* extra header lines, each ending in \r\n */
	struct buf body;
	bool no_store;          /* Cache-Control: no-store */
	int retry_after;        /* >0: Retry-After seconds */
};

/* Makes an empty 200 text/html response drawing from a. */
void http_response_init(struct response *r, struct arena *a);

/* Adds a raw header line "Name: value" (value must hold no CR or LF;
 * a value with them is dropped and logged). */
void http_header(struct response *r, const char *name, const char *value);

/*
 * Adds a Set-Cookie header. max_age < 0 omits Max-Age (a session cookie);
 * 0 deletes. Always HttpOnly, SameSite=Lax and Path=/; Secure when secure.
 */
void http_set_cookie(struct response *r, const char *name, const char *value,
    long max_age, bool secure);

/* Makes r a 303 See Other to location (a local path). */
void http_redirect(struct response *r, const char *location);

/*
 * Writes the status line substitute ("Status: ..."), the SPEC §5 security
 * headers, the response's own headers and, unless head_only, the body,
 * to out in CGI response form (headers, blank line, body).
 */
void http_serialize(const struct response *r, bool head_only, struct buf *out);

/* The reason phrase of a status code ("See Other"). */
const char *http_reason(int status);

/*
 * True when next is a safe local redirect target: starts with a single
 * '/', is not "//..." or "/\...", holds no control characters, backslashes
 * or scheme, and is at most 2048 bytes.
 */
bool http_local_path(const char *next);

/* Percent-encodes s for a query value (unreserved bytes kept). */
char *http_urlencode(struct arena *a, const char *s);

#endif
