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
 * byte (raw or %00), invalid UTF-8, an empty name, the same name twice
 * (compared after decoding) or more than 256 pairs; *out is then left
 * alone. Pairs keep their order; empty segments ("a=1&&b=2") are skipped
 * and a pair without '=' has the value "". Never reads past n bytes (s
 * need not be NUL-terminated). Empty input gives zero pairs.
 */
enum err http_parse_urlencoded(
    struct arena *a, const char *s, size_t n, struct params *out);

/*
 * Declares the names that may repeat in urlencoded input (a NULL-terminated
 * array that outlives every parse; NULL: none), once, before the first
 * parse. A list's repeated values become one pair, at the place of its
 * first, whose value joins them in order with '\n'; a list value that
 * itself holds a newline is malformed. Every other name still may appear
 * only once.
 */
void http_parse_lists(const char *const *names);

/*
 * Parses a Cookie header ("a=b; c=d", spaces optional) into *out. Values
 * are not percent-decoded; spaces and tabs around names and values are
 * trimmed and a value's surrounding double quotes removed. Pairs without
 * '=', with an empty name or with control characters are skipped; a name
 * that appears twice keeps only its first value (browsers send the most
 * specific first); at most 256 pairs are kept. NULL gives zero pairs.
 * Never fails.
 */
void http_parse_cookies(
    struct arena *a, const char *header, struct params *out);

/* True when a Content-Type names an urlencoded form (any case, with or
 * without parameters after ';'). */
bool http_parse_is_form(const char *content_type);

/* Returns the value for name (exact, case-sensitive), or NULL when absent
 * or when p is NULL. */
const char *http_parse_param(const struct params *p, const char *name);

struct request {
	struct arena *arena;
	enum method method;
	const char *method_name; /* as received, for logs ("" when absent) */
	const char *path;        /* raw path from REQUEST_URI, not decoded,
				    without query ("" when absent) */
	const char *query;       /* raw query string ("" when none) */
	struct params args;      /* parsed query string */
	struct params form;      /* parsed urlencoded body (POST) */
	struct params cookies;
	const char *content_type;   /* "" when absent */
	const char *origin;         /* Origin header or NULL */
	const char *sec_fetch_site; /* Sec-Fetch-Site header or NULL */
	const char *remote_addr;    /* "" when absent */
	const char *user_agent;     /* "" when absent */
	const char *request_id;     /* REQUEST_ID param (nginx's $request_id)
				       or NULL; the web layer checks it */
	const char *authorization;  /* Authorization header or NULL (the
				       API's bearer token; never logged) */
	const char *body;           /* the raw body, NUL-terminated ("" when
				       none): the API's JSON */
	size_t body_len;
	/* Set by the router: the values of the pattern's ":name" segments in
	 * order, and the route's index (-1 until a route is found). */
	const char *route_args[4];
	int route;
};

struct response {
	int status;               /* 200 unless set */
	const char *content_type; /* text/html; charset=utf-8 unless set */
	const char *location;     /* Location header for redirects */
	struct buf headers;       /* extra header lines, each ending in \r\n */
	struct buf body;
	bool no_store;   /* Cache-Control: no-store */
	int retry_after; /* >0: Retry-After seconds */
};

/* Makes an empty 200 text/html response drawing from a. */
void http_response_init(struct response *r, struct arena *a);

/* Adds a raw header line "Name: value". A name that is not an RFC 9110
 * token or is one http_response_serialize writes itself (Status, Content-Type,
 * Content-Length, Location, Cache-Control, Retry-After, the security
 * headers), or a value holding CR, LF or another control character but
 * tab, is dropped and logged. */
void http_response_header(
    struct response *r, const char *name, const char *value);

/*
 * Adds "Set-Cookie: name=value; Path=/; HttpOnly; SameSite=Lax", then
 * "; Secure" when secure and "; Max-Age=N" when max_age >= 0 (< 0: a
 * session cookie; 0 deletes). A name that is not a token or a value with a
 * byte outside RFC 6265's cookie-octet set is dropped and logged.
 */
void http_response_cookie(struct response *r, const char *name,
    const char *value, long max_age, bool secure);

/* Makes r a 303 See Other to location (a local path; one that passed
 * http_url_local when it came from the user). A location holding control
 * characters is a bug: it is logged and r becomes a 500. */
void http_response_redirect(struct response *r, const char *location);

/*
 * Appends to out, in CGI response form: "Status: N Reason", Content-Type,
 * the SPEC §5 security headers (Content-Security-Policy,
 * X-Content-Type-Options, Referrer-Policy, X-Frame-Options), Cache-Control
 * ("no-store" when no_store, else "private, no-cache"), Retry-After and
 * Location when set, the extra headers, Content-Length (the body's length,
 * also when head_only), a blank line and, unless head_only, the body.
 */
void http_response_serialize(
    const struct response *r, bool head_only, struct buf *out);

/* The reason phrase of a status code ("See Other"); "Unknown" for codes
 * the program does not use. */
const char *http_response_reason(int status);

/*
 * True when next is a safe local redirect target: starts with a single
 * '/', is not "//...", "/\...", "/%2F..." or "/%5C..." (either case),
 * holds no "://", no backslash and only printable ASCII (no space, no
 * control character, no byte >= 0x7f), and is 1 to 2048 bytes long.
 */
bool http_url_local(const char *next);

/* Percent-encodes s for a query value: ALPHA, DIGIT, '-', '.', '_' and
 * '~' are kept, every other byte becomes %XX (upper-case hex). Returns
 * arena memory; NULL gives "". */
char *http_url_encode(struct arena *a, const char *s);

#endif
