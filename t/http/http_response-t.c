/*
 * Tests for src/http/http_response.c and src/http/http_url.c: serialization with the security headers,
 * HEAD, header and cookie injection, redirects, local redirect targets and
 * query-value encoding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "tap.h"
#include "util/arena.h"
#include "util/buf.h"

static struct arena *A;

static const char *const security[] = {
	("Content-Security-Policy: default-src 'self'; "
	 "frame-ancestors 'none'; form-action 'self'; base-uri 'none'\r\n"),
	"X-Content-Type-Options: nosniff\r\n",
	"Referrer-Policy: no-referrer\r\n",
	"X-Frame-Options: DENY\r\n",
};

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Returns the header block of a serialized response (up to the blank
 * line) as an arena string, and the body through *body. */
static char *
split(const struct buf *out, const char **body)
{
	const char *end = strstr(out->data, "\r\n\r\n");

	if (end == NULL) {
		*body = "";
		return arena_strdup(A, "");
	}
	*body = end + 4;
	return arena_strndup(A, out->data, (size_t)(end - out->data) + 2);
}

/* The Content-Length header's value, or -1. */
static long
content_length(const char *head)
{
	const char *p = strstr(head, "\r\nContent-Length: ");

	return p == NULL ? -1 : strtol(p + 18, NULL, 10);
}

static void
check_security(const char *head, const char *what)
{
	for (size_t i = 0; i < sizeof(security) / sizeof(*security); i++)
		is_int(1, count(head, security[i]), "%s: %.*s once", what,
		    (int)strcspn(security[i], ":"), security[i]);
}

static void
test_serialize_200(void)
{
	struct response r;
	struct buf out;
	const char *head, *body;

	http_response_init(&r, A);
	is_int(200, r.status, "init: status 200");
	is_string("text/html; charset=utf-8", r.content_type,
	    "init: html content type");
	buf_puts(&r.body, "<p>hello</p>");
	buf_init(&out, A);
	http_response_serialize(&r, false, &out);
	head = split(&out, &body);

	ok(strncmp(out.data, "Status: 200 OK\r\n", 16) == 0,
	    "200: status line first");
	is_int(1, count(head, "Content-Type: text/html; charset=utf-8\r\n"),
	    "200: content type once");
	check_security(head, "200");
	is_int(1, count(head, "Cache-Control: private, no-cache\r\n"),
	    "200: default cache control");
	is_int(1, count(head, "Cache-Control:"), "200: one cache control");
	is_int(0, count(head, "Retry-After:"), "200: no Retry-After");
	is_int(0, count(head, "Location:"), "200: no Location");
	is_int(1, count(head, "Content-Length:"), "200: one Content-Length");
	is_int((long long)strlen("<p>hello</p>"), content_length(head),
	    "200: Content-Length matches the body");
	is_string("<p>hello</p>", body, "200: body after the blank line");
	is_int((long long)strlen(body), content_length(head),
	    "200: body length is the declared length");

	buf_init(&out, A);
	http_response_serialize(&r, true, &out);
	head = split(&out, &body);
	is_string("", body, "HEAD: no body");
	ok(out.len >= 4 && memcmp(out.data + out.len - 4, "\r\n\r\n", 4) == 0,
	    "HEAD: output ends with the blank line");
	is_int((long long)strlen("<p>hello</p>"), content_length(head),
	    "HEAD: Content-Length still the body's length");
	check_security(head, "HEAD");
}

static void
test_serialize_303(void)
{
	struct response r;
	struct buf out;
	const char *head, *body;

	http_response_init(&r, A);
	http_response_redirect(&r, "/orgs/acme?flash=invitation-sent");
	r.no_store = true;
	http_response_cookie(&r, "sid", "abc", -1, false);
	buf_init(&out, A);
	http_response_serialize(&r, false, &out);
	head = split(&out, &body);

	is_int(303, r.status, "redirect sets 303");
	ok(strncmp(out.data, "Status: 303 See Other\r\n", 23) == 0,
	    "303: status line");
	is_int(1, count(head, "Location: /orgs/acme?flash=invitation-sent\r\n"),
	    "303: Location once");
	check_security(head, "303");
	is_int(1, count(head, "Cache-Control: no-store\r\n"),
	    "303: no-store when asked");
	is_int(1, count(head, "Cache-Control:"), "303: one cache control");
	is_int(1, count(head, "Set-Cookie: sid=abc;"), "303: cookie once");
	is_int(0, content_length(head), "303: Content-Length 0");
	is_string("", body, "303: empty body");

	http_response_init(&r, A);
	r.status = 503;
	r.retry_after = 5;
	r.content_type = "text/plain; charset=utf-8";
	buf_puts(&r.body, "busy\n");
	buf_init(&out, A);
	http_response_serialize(&r, false, &out);
	head = split(&out, &body);
	ok(strncmp(out.data, "Status: 503 Service Unavailable\r\n", 33) == 0,
	    "503: status line");
	is_int(1, count(head, "Retry-After: 5\r\n"), "503: Retry-After");
	is_int(1, count(head, "Content-Type: text/plain; charset=utf-8\r\n"),
	    "503: own content type");
	is_int(1, count(head, "Content-Type:"), "503: one content type");
	check_security(head, "503");
	is_int(5, content_length(head), "503: Content-Length");

	http_response_init(&r, A);
	r.content_type = "text/html\r\nX-Evil: 1";
	buf_init(&out, A);
	http_response_serialize(&r, false, &out);
	is_int(0, count(out.data, "X-Evil"), "content type with CR/LF refused");
	is_int(1, count(out.data, "Content-Type: text/html; charset=utf-8\r\n"),
	    "bad content type replaced by the default");
}

static void
test_headers(void)
{
	struct response r;

	http_response_init(&r, A);
	http_response_header(&r, "X-Test", "fine value");
	is_string(
	    "X-Test: fine value\r\n", r.headers.data, "a header is added");

	buf_clear(&r.headers);
	http_response_header(&r, "X-Test", "a\r\nSet-Cookie: sid=evil");
	http_response_header(&r, "X-Test", "a\nb");
	http_response_header(&r, "X-Test", "a\rb");
	http_response_header(&r, "X-Test", "a\x01z");
	http_response_header(&r, "X-Bad\r\nInjected", "v");
	http_response_header(&r, "X Bad", "v");
	http_response_header(&r, "X-Bad:", "v");
	http_response_header(&r, "", "v");
	http_response_header(&r, NULL, "v");
	http_response_header(&r, "X-Test", NULL);
	is_int(0, (long long)r.headers.len, "injection attempts are dropped");

	http_response_header(&r, "Content-Length", "0");
	http_response_header(&r, "content-type", "text/plain");
	http_response_header(&r, "Status", "200 OK");
	http_response_header(&r, "Location", "/x");
	http_response_header(&r, "Content-Security-Policy", "default-src *");
	http_response_header(&r, "Cache-Control", "public");
	is_int(0, (long long)r.headers.len,
	    "headers the serializer writes are refused");

	http_response_header(&r, "X-Tab", "a\tb");
	is_string("X-Tab: a\tb\r\n", r.headers.data, "a tab is allowed");
}

static void
test_cookies(void)
{
	struct response r;

	http_response_init(&r, A);
	http_response_cookie(&r, "sid", "abc-123_X", -1, false);
	is_string(
	    "Set-Cookie: sid=abc-123_X; Path=/; HttpOnly; SameSite=Lax\r\n",
	    r.headers.data, "session cookie, not secure");

	buf_clear(&r.headers);
	http_response_cookie(&r, "sid", "abc", 3600, true);
	is_string("Set-Cookie: sid=abc; Path=/; HttpOnly; SameSite=Lax; "
		  "Secure; Max-Age=3600\r\n",
	    r.headers.data, "secure cookie with Max-Age");

	buf_clear(&r.headers);
	http_response_cookie(&r, "sid", "", 0, true);
	is_string("Set-Cookie: sid=; Path=/; HttpOnly; SameSite=Lax; Secure; "
		  "Max-Age=0\r\n",
	    r.headers.data, "deletion cookie");

	buf_clear(&r.headers);
	http_response_cookie(&r, "sid", "a;b", -1, false);
	http_response_cookie(&r, "sid", "a b", -1, false);
	http_response_cookie(&r, "sid", "a\"b", -1, false);
	http_response_cookie(&r, "sid", "a,b", -1, false);
	http_response_cookie(&r, "sid", "a\\b", -1, false);
	http_response_cookie(&r, "sid", "a\r\nX-Evil: 1", -1, false);
	http_response_cookie(&r, "sid", "caf\xc3\xa9", -1, false);
	http_response_cookie(&r, "s=id", "v", -1, false);
	http_response_cookie(&r, "", "v", -1, false);
	http_response_cookie(&r, "sid", NULL, -1, false);
	is_int(0, (long long)r.headers.len,
	    "cookies with bad names or values are dropped");
}

static void
test_redirect(void)
{
	struct response r;

	http_response_init(&r, A);
	http_response_redirect(&r, "/login?next=%2Forgs%2Fx");
	is_int(303, r.status, "redirect: 303");
	is_string("/login?next=%2Forgs%2Fx", r.location, "redirect: location");

	http_response_init(&r, A);
	http_response_redirect(&r, "/x\r\nSet-Cookie: sid=evil");
	ok(r.location == NULL, "redirect with CR/LF: no Location");
	is_int(500, r.status, "redirect with CR/LF becomes a 500");

	http_response_init(&r, A);
	http_response_redirect(&r, "");
	ok(r.location == NULL && r.status == 500, "empty redirect refused");
}

static void
test_reason(void)
{
	static const struct {
		int code;
		const char *reason;
	} want[] = {
		{ 200, "OK" },
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

	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		is_string(want[i].reason, http_response_reason(want[i].code),
		    "reason for %d", want[i].code);
	is_string("Unknown", http_response_reason(299), "unknown code");
}

static void
test_local_path(void)
{
	static const char *const good[] = {
		"/",
		"/orgs/x?y=1",
		"/orgs/acme/invitations",
		"/login?next=%2Forgs",
		"/a/b#frag",
		"/x%2Fy",
	};
	static const char *const bad[] = {
		"//evil.example",
		"/\\evil.example",
		"https://evil.example",
		"javascript:alert(1)",
		"/%2F%2Fevil",
		"/%2f%2fevil",
		"/%5Cevil",
		"/%5cevil",
		"",
		"evil",
		"/x\r\nSet-Cookie: a=b",
		"/x\ny",
		"/x\ty",
		"/x\x7f",
		"/a/b\\c",
		"/redirect?u=http://x",
		"///x",
		"/a b",
		"/caf\xc3\xa9",
		" /x",
	};
	char *longp;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		ok(http_url_local(good[i]), "local path accepted: %s",
		    good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ok(!http_url_local(bad[i]), "local path refused #%zu", i);
	ok(!http_url_local(NULL), "NULL refused");

	longp = arena_alloc(A, 3001);
	longp[0] = '/';
	memset(longp + 1, 'a', 2999);
	longp[3000] = '\0';
	ok(!http_url_local(longp), "a 3000-byte path is refused");
	longp[2048] = '\0';
	ok(http_url_local(longp), "a 2048-byte path is accepted");
	longp[2048] = 'a';
	longp[2049] = '\0';
	ok(!http_url_local(longp), "a 2049-byte path is refused");
}

static void
test_urlencode(void)
{
	is_string("abcXYZ019-._~", http_url_encode(A, "abcXYZ019-._~"),
	    "unreserved bytes kept");
	is_string("%2Forgs%2Fx%3Fy%3D1%26z", http_url_encode(A, "/orgs/x?y=1&z"),
	    "reserved bytes encoded, upper-case hex");
	is_string("a%20b%2B", http_url_encode(A, "a b+"),
	    "space is %%20, plus is %%2B");
	is_string("%C3%A9%25", http_url_encode(A, "\xc3\xa9%"),
	    "UTF-8 and '%%' encoded byte by byte");
	is_string("%0D%0A", http_url_encode(A, "\r\n"), "CR LF encoded");
	is_string("", http_url_encode(A, ""), "empty string");
	is_string("", http_url_encode(A, NULL), "NULL gives empty");
}

int
main(void)
{
	plan_lazy();
	A = arena_new(0);
	test_serialize_200();
	test_serialize_303();
	test_headers();
	test_cookies();
	test_redirect();
	test_reason();
	test_local_path();
	test_urlencode();
	arena_free(A);
	return done_testing();
}
