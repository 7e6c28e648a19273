/*
 * Responses: a status, a few typed fields, extra header lines and a body,
 * all held in memory until the handler is done, then serialized in CGI
 * form with the security headers every response carries (SPEC §5).
 */
#include "http/http.h"

#include <string.h>
#include <strings.h>

#include "util/arena.h"
#include "util/log.h"
#include "util/str.h"

#define DEFAULT_CONTENT_TYPE "text/html; charset=utf-8"

/* Written by http_response_serialize on every response, in this order. */
static const char *const security_headers[] = {
	("Content-Security-Policy: default-src 'self'; "
	 "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
	"X-Content-Type-Options: nosniff",
	"Referrer-Policy: no-referrer",
	"X-Frame-Options: DENY",
};

/* Headers http_response_serialize writes itself; http_response_header refuses
 * them so each appears exactly once. */
static const char *const reserved_headers[] = {
	"Status",
	"Content-Type",
	"Content-Length",
	"Location",
	"Content-Security-Policy",
	"X-Content-Type-Options",
	"Referrer-Policy",
	"X-Frame-Options",
	"Cache-Control",
	"Retry-After",
};

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 200, "OK" },
	{ 201, "Created" },
	{ 303, "See Other" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" },
	{ 500, "Internal Server Error" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
};

/* Makes r an empty 200 text/html response whose buffers draw from a. */
void
http_response_init(struct response *r, struct arena *a)
{
	r->status = 200;
	r->content_type = DEFAULT_CONTENT_TYPE;
	r->location = NULL;
	buf_init(&r->headers, a);
	buf_init(&r->body, a);
	r->no_store = false;
	r->retry_after = 0;
}

/* RFC 9110 token characters, the only ones allowed in a header name. */
static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

/* A header value: no control character but horizontal tab. */
static bool
is_field_value(const char *s)
{
	if (s == NULL)
		return false;
	for (; *s; s++)
		if (str_is_ctl((unsigned char)*s) && *s != '\t')
			return false;
	return true;
}

/* Appends "name: value" and CRLF to b, both already checked. */
static void
header_line(struct buf *b, const char *name, const char *value)
{
	buf_puts(b, name);
	buf_puts(b, ": ");
	buf_puts(b, value);
	buf_puts(b, "\r\n");
}

/*
 * Adds "name: value\r\n" to r's extra headers. A name that is not a token
 * or is one the serializer writes itself, or a value holding CR, LF or any
 * other control character but tab, is logged (name only: values may be
 * secrets) and dropped.
 */
void
http_response_header(struct response *r, const char *name, const char *value)
{
	size_t i;

	if (!is_token(name)) {
		log_err("http: refusing header with a bad name");
		return;
	}
	for (i = 0; i < sizeof(reserved_headers) / sizeof(*reserved_headers);
	     i++)
		if (strcasecmp(name, reserved_headers[i]) == 0) {
			log_err("http: refusing header %s: set by the "
				"serializer",
			    name);
			return;
		}
	if (!is_field_value(value)) {
		log_err(
		    "http: refusing header %s: bad characters in value", name);
		return;
	}
	header_line(&r->headers, name, value);
}

/* RFC 6265 cookie-octet: printable ASCII but space, '"', ',', ';', '\'. */
static bool
is_cookie_value(const char *s)
{
	if (s == NULL)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' ||
		    c == '\\')
			return false;
	}
	return true;
}

/*
 * Adds "Set-Cookie: name=value; Path=/; HttpOnly; SameSite=Lax" followed
 * by "; Secure" when secure and "; Max-Age=N" when max_age >= 0. A name
 * that is not a token or a value outside the cookie-octet set is logged
 * and dropped.
 */
void
http_response_cookie(struct response *r, const char *name, const char *value,
    long max_age, bool secure)
{
	if (!is_token(name)) {
		log_err("http: refusing cookie with a bad name");
		return;
	}
	if (!is_cookie_value(value)) {
		log_err(
		    "http: refusing cookie %s: bad characters in value", name);
		return;
	}
	buf_puts(&r->headers, "Set-Cookie: ");
	buf_puts(&r->headers, name);
	buf_putc(&r->headers, '=');
	buf_puts(&r->headers, value);
	buf_puts(&r->headers, "; Path=/; HttpOnly; SameSite=Lax");
	if (secure)
		buf_puts(&r->headers, "; Secure");
	if (max_age >= 0)
		buf_printf(&r->headers, "; Max-Age=%ld", max_age);
	buf_puts(&r->headers, "\r\n");
}

/*
 * Makes r a 303 See Other to location. The location is produced by the
 * program (a fixed path, or a user-supplied one that passed
 * http_url_local), so one holding control characters is a bug: it is
 * logged and r becomes a 500 without a Location header.
 */
void
http_response_redirect(struct response *r, const char *location)
{
	if (location == NULL || *location == '\0' ||
	    !is_field_value(location) || strchr(location, '\t') != NULL) {
		log_err("http: refusing redirect to a bad location");
		r->status = 500;
		r->location = NULL;
		return;
	}
	r->status = 303;
	r->location = location;
}

/*
 * Appends the CGI form of r to out: Status, Content-Type, the security
 * headers, Cache-Control, Retry-After and Location when set, the extra
 * headers, Content-Length (the body's length, also for HEAD), a blank
 * line and, unless head_only, the body.
 */
void
http_response_serialize(
    const struct response *r, bool head_only, struct buf *out)
{
	const char *ct = r->content_type;
	size_t i;

	if (ct == NULL || *ct == '\0' || !is_field_value(ct)) {
		if (ct != NULL && *ct != '\0')
			log_err("http: bad content type replaced");
		ct = DEFAULT_CONTENT_TYPE;
	}
	buf_printf(out, "Status: %d %s\r\n", r->status,
	    http_response_reason(r->status));
	header_line(out, "Content-Type", ct);
	for (i = 0; i < sizeof(security_headers) / sizeof(*security_headers);
	     i++) {
		buf_puts(out, security_headers[i]);
		buf_puts(out, "\r\n");
	}
	buf_puts(out,
	    r->no_store ? "Cache-Control: no-store\r\n"
			: "Cache-Control: private, no-cache\r\n");
	if (r->retry_after > 0)
		buf_printf(out, "Retry-After: %d\r\n", r->retry_after);
	if (r->location != NULL)
		header_line(out, "Location", r->location);
	buf_append(out, r->headers.data, r->headers.len);
	buf_printf(out, "Content-Length: %zu\r\n\r\n", r->body.len);
	if (!head_only)
		buf_append(out, r->body.data, r->body.len);
}

/* Returns the reason phrase of status, or "Unknown" for one not listed. */
const char *
http_response_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(*reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}
