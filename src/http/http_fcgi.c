/*
 * The FastCGI accept loop of a worker, on libfcgi's fcgiapp interface.
 * Every request is copied out of libfcgi into the worker's arena, parsed,
 * handed to the handler, its head serialized and written with one
 * FCGX_PutStr and its body with another (no copy of the body), then the
 * arena is reset. The handler writes the request's log line
 * (src/web/web_log.c): it knows the route, user and error code.
 *
 * Stopping. libfcgi's OS_Accept (libfcgi/os_unix.c, 2.4.x) loops on
 *	do {
 *		if (shutdownPending) break;
 *		socket = accept(listen_sock, ...);
 *	} while (socket < 0 && errno == EINTR && !fail_on_intr &&
 *	    !shutdownPending);
 * and FCGX_Accept_r then returns -errno (or -9999). A signal landing
 * between the shutdownPending test and accept() would be missed, so the
 * supervisor's SIGTERM handler in the worker (src/sup/sup.c) also closes
 * the worker's copy of the listening socket: a late or restarted accept()
 * then fails at once with EBADF. This loop sets FCGI_FAIL_ACCEPT_ON_INTR
 * as well and treats any failed accept with *stop set as a clean stop; a
 * failed accept with *stop still zero (another signal) is retried. With
 * fastcgi_keep_conn on, libfcgi waits for the next request in read(), not
 * accept(); nginx's default (off) avoids that.
 *
 * libfcgi installs handlers of its own for SIGPIPE (a no-op) and SIGUSR1
 * (FCGX_ShutdownPending) when those are still SIG_DFL at FCGX_Init. After
 * FCGX_ShutdownPending() reads and writes of the request in flight still
 * work (only the unused shutdownNow flag stops them on Unix), so the
 * current request finishes before the loop returns.
 *
 * Oversized bodies are not read: libfcgi's close path (OS_Close with
 * shutdown, 2.4.2) does shutdown(SHUT_WR), then polls and reads until EOF
 * (2 s per wait), so the web server receives the 413 instead of a reset;
 * checked with strace against a 1 MiB body.
 */
#include "http/http_fcgi.h"

#include <errno.h>
#include <fcgiapp.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

/* The CGI parameters a request is read from. */
enum cgi {
	CGI_METHOD,
	CGI_CONTENT_TYPE,
	CGI_CONTENT_LENGTH,
	CGI_ORIGIN,
	CGI_SEC_FETCH_SITE,
	CGI_REMOTE_ADDR,
	CGI_USER_AGENT,
	CGI_REQUEST_ID,
	CGI_AUTHORIZATION,
	CGI_COOKIE,
	CGI_REQUEST_URI,
	CGI__MAX
};

static const char *const cgi_names[CGI__MAX] = {
	[CGI_METHOD] = "REQUEST_METHOD",
	[CGI_CONTENT_TYPE] = "CONTENT_TYPE",
	[CGI_CONTENT_LENGTH] = "CONTENT_LENGTH",
	[CGI_ORIGIN] = "HTTP_ORIGIN",
	[CGI_SEC_FETCH_SITE] = "HTTP_SEC_FETCH_SITE",
	[CGI_REMOTE_ADDR] = "REMOTE_ADDR",
	[CGI_USER_AGENT] = "HTTP_USER_AGENT",
	[CGI_REQUEST_ID] = "REQUEST_ID",
	[CGI_AUTHORIZATION] = "HTTP_AUTHORIZATION",
	[CGI_COOKIE] = "HTTP_COOKIE",
	[CGI_REQUEST_URI] = "REQUEST_URI",
};

/*
 * Finds every parameter of cgi_names in one pass over the environment
 * libfcgi gives ("NAME=value" strings), instead of one FCGX_GetParam scan
 * per name; as FCGX_GetParam, the first of a repeated name counts. v[i] is
 * the value, NULL when absent.
 */
static void
cgi_read(FCGX_ParamArray envp, const char *v[CGI__MAX])
{
	const char *e, *eq;
	size_t i, k, len[CGI__MAX];

	for (i = 0; i < CGI__MAX; i++) {
		v[i] = NULL;
		len[i] = strlen(cgi_names[i]);
	}
	for (; envp != NULL && *envp != NULL; envp++) {
		e = *envp;
		if ((eq = strchr(e, '=')) == NULL)
			continue;
		k = (size_t)(eq - e);
		for (i = 0; i < CGI__MAX; i++)
			if (len[i] == k && memcmp(e, cgi_names[i], k) == 0) {
				if (v[i] == NULL)
					v[i] = eq + 1;
				break;
			}
	}
}

/* An arena copy of v, or NULL. */
static const char *
param(struct arena *a, const char *v)
{
	return v == NULL ? NULL : arena_strdup(a, v);
}

static const char *
param_or_empty(struct arena *a, const char *v)
{
	return v == NULL ? "" : arena_strdup(a, v);
}

static enum method
method_parse(const char *s)
{
	if (strcmp(s, "GET") == 0)
		return METHOD_GET;
	if (strcmp(s, "HEAD") == 0)
		return METHOD_HEAD;
	if (strcmp(s, "POST") == 0)
		return METHOD_POST;
	return METHOD__MAX;
}

/*
 * Reads the body announced by CONTENT_LENGTH into *body (NUL-terminated
 * arena memory) and its length into *len. Returns ERR_TOO_LARGE without
 * reading for more than HTTP_BODY_MAX bytes, ERR_MALFORMED for a bad
 * length or a short read.
 */
static enum err
read_body(FCGX_Request *fr, struct arena *a, const char *clen, char **body,
    size_t *len)
{
	const char *why;
	long long n = 0;
	char *p;

	*body = NULL;
	*len = 0;
	if (clen != NULL && *clen != '\0' &&
	    str_tonum(clen, 0, LLONG_MAX, &n, &why) == -1) {
		if (strcmp(why, "too large") == 0)
			return ERR_TOO_LARGE;
		log_warn("fcgi: CONTENT_LENGTH %s", why);
		return ERR_MALFORMED;
	}
	if (n > HTTP_BODY_MAX)
		return ERR_TOO_LARGE;
	p = arena_alloc(a, (size_t)n + 1);
	if (n > 0 && FCGX_GetStr(p, (int)n, fr->in) != (int)n) {
		log_warn("fcgi: body shorter than CONTENT_LENGTH");
		return ERR_MALFORMED;
	}
	*body = p;
	*len = (size_t)n;
	return ERR_OK;
}

/*
 * Fills req from the CGI parameters and body of fr. Returns the first
 * parse failure (ERR_TOO_LARGE before ERR_MALFORMED); req keeps what was
 * parsed up to then and is always usable by a handler.
 */
static enum err
request_read(FCGX_Request *fr, struct arena *a, struct request *req)
{
	const char *v[CGI__MAX], *uri, *q;
	enum err e, rc = ERR_OK;
	char *body;
	size_t blen;

	memset(req, 0, sizeof(*req));
	cgi_read(fr->envp, v);
	req->arena = a;
	req->route = -1;
	req->method_name = param_or_empty(a, v[CGI_METHOD]);
	req->method = method_parse(req->method_name);
	req->content_type = param_or_empty(a, v[CGI_CONTENT_TYPE]);
	req->origin = param(a, v[CGI_ORIGIN]);
	req->sec_fetch_site = param(a, v[CGI_SEC_FETCH_SITE]);
	req->remote_addr = param_or_empty(a, v[CGI_REMOTE_ADDR]);
	req->user_agent = param_or_empty(a, v[CGI_USER_AGENT]);
	req->request_id = param(a, v[CGI_REQUEST_ID]);
	req->authorization = param(a, v[CGI_AUTHORIZATION]);
	req->body = "";
	http_parse_cookies(a, v[CGI_COOKIE], &req->cookies);

	/* REQUEST_URI is the request target as the client sent it; nginx's
	 * normalised DOCUMENT_URI and QUERY_STRING are not trusted. */
	uri = param_or_empty(a, v[CGI_REQUEST_URI]);
	if ((q = strchr(uri, '?')) != NULL) {
		req->path = arena_strndup(a, uri, (size_t)(q - uri));
		req->query = q + 1;
	} else {
		req->path = uri;
		req->query = "";
	}
	if (req->path[0] != '/' || !str_no_ctl(uri)) {
		log_warn("fcgi: request target is not an absolute path");
		rc = ERR_MALFORMED;
	}

	e = read_body(fr, a, v[CGI_CONTENT_LENGTH], &body, &blen);
	if (e != ERR_OK)
		return e;
	if (body != NULL) {
		req->body = body;
		req->body_len = blen;
	}
	if (rc != ERR_OK)
		return rc;
	if (http_parse_urlencoded(
		a, req->query, strlen(req->query), &req->args) != ERR_OK)
		return ERR_MALFORMED;
	if (req->method == METHOD_POST &&
	    http_parse_is_form(req->content_type) &&
	    http_parse_urlencoded(a, body, blen, &req->form) != ERR_OK)
		return ERR_MALFORMED;
	return ERR_OK;
}

/* Serves the one request accepted into fr. */
static void
serve_one(
    FCGX_Request *fr, struct arena *a, http_fcgi_handler handler, void *ctx)
{
	struct request req;
	struct response res;
	struct buf out;
	enum err perr;

	perr = request_read(fr, a, &req);
	http_response_init(&res, a);
	handler(ctx, &req, perr, &res);

	/* The head is serialized on its own and the body handed to libfcgi
	 * from where the handler rendered it: libfcgi copies both into its
	 * one output buffer, so the body is not copied a second time. */
	buf_init(&out, a);
	http_response_serialize(&res, true, &out);
	if (out.len > INT_MAX || res.body.len > INT_MAX)
		log_err("fcgi: response of %zu bytes not sent",
		    out.len + res.body.len);
	else if (FCGX_PutStr(out.data, (int)out.len, fr->out) != (int)out.len ||
	    (req.method != METHOD_HEAD && res.body.len > 0 &&
		FCGX_PutStr(res.body.data, (int)res.body.len, fr->out) !=
		    (int)res.body.len))
		log_warn("fcgi: response write failed");
}

/*
 * Serves requests on listen_fd until *stop is set (see fcgi.h and the note
 * at the top of this file). Returns 0 on a requested stop, -1 (logged)
 * when libfcgi cannot be set up or accept fails for good.
 */
int
http_fcgi_serve(int listen_fd, struct arena *a, http_fcgi_handler handler,
    void *ctx, volatile sig_atomic_t *stop)
{
	FCGX_Request fr;
	int rc;

	if ((rc = FCGX_Init()) != 0) {
		log_err("fcgi: FCGX_Init failed (%d)", rc);
		return -1;
	}
	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!*stop) {
		if ((rc = FCGX_Accept_r(&fr)) < 0) {
			if (*stop)
				break;
			if (rc == -EINTR)
				continue;
			goto fail;
		}
		serve_one(&fr, a, handler, ctx);
		FCGX_Finish_r(&fr);
		arena_reset(a);
	}
	FCGX_Free(&fr, 1);
	return 0;
fail:
	/* libfcgi gives -errno, or -9998/-9999 for its own failures. */
	log_err("fcgi: accept failed: %s",
	    rc > -9000 ? strerror(-rc) : "libfcgi error");
	FCGX_Free(&fr, 1);
	return -1;
}
