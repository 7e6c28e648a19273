/*
 * The limit for GET /invitations/accept: a bare libfcgi responder that does
 * exactly the work the link page must do and nothing else, so bench/run
 * can put Roster's figures next to it under the same load, behind the same
 * nginx configuration, with as many processes as Roster's workers:
 *
 *   - read the token from the query string, open and verify its envelope
 *     (base64url, HMAC-SHA-256 under the envelope key: Roster's own
 *     src/crypto/envelope.c) and hash the raw token;
 *   - one prepared statement, binary parameter, that returns everything
 *     the page shows and every rule it judges: the invitation by token
 *     hash, its organization and inviter, its state, whether the inviter
 *     may still grant it, and whether the invitee has an account;
 *   - the anonymous visitor's pre-session cookie (16 random bytes and
 *     their HMAC) and its CSRF token, as src/web/web_session.c makes them;
 *   - the page: the body Roster itself rendered for the same link,
 *     captured once by bench/stack.pl, with every value that varies
 *     (organization, inviter, address, role, expiry, token, CSRF token)
 *     put back per request, HTML-escaped; the same headers as Roster's
 *     (Status, Content-Type, the four security headers, Cache-Control,
 *     X-Request-Id, Set-Cookie, Content-Length), written with one
 *     FCGX_PutStr.
 *
 *   link-responder SOCKET WORKERS TEMPLATE [FIXED...]
 *
 * with ROSTER_SECRET_KEY and ROSTER_DATABASE_URL in the environment. The
 * template holds {{org}}, {{inviter}}, {{email}}, {{email_url}}, {{role}},
 * {{expires}}, {{token}} and {{csrf}}. Runs until TERM or INT, which it
 * passes on to its workers.
 *
 * Its second job, the transport-only side of bench/run's ceiling: each
 * FIXED file is a first line "METHOD PATH" and then a whole FastCGI
 * response ("Status: ...\r\n", headers, "\r\n", body) that Roster itself
 * sent for that request, captured by bench/stack.pl. A request whose
 * method and path (REQUEST_URI without its query) are a FIXED file's gets,
 * after its body has been read to CONTENT_LENGTH as any program must read
 * it, exactly those bytes with one FCGX_PutStr: no database, no crypto,
 * no template. What that costs (wrk, nginx, libfcgi, the same bytes
 * moved) is what any program answering with Roster's response pays on
 * top of its database work. Every other request is the link page's, as
 * above: a GET of /invitations/accept is never a fixed response.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcgiapp.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "crypto/token.h"
#include "util/arena.h"

#define LOOKUP                                                                 \
	"SELECT o.name, coalesce(u.display_name, ''), i.email, i.role, "       \
	"to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "        \
	"\"UTC\"'), "                                                          \
	"i.accepted_at IS NULL AND i.revoked_at IS NULL AND "                  \
	"i.declined_at IS NULL AND i.expires_at > now(), "                     \
	"coalesce(u.is_platform_admin, false) OR EXISTS (SELECT 1 FROM "       \
	"memberships m WHERE m.organization_id = i.organization_id AND "       \
	"m.user_id = i.invited_by AND m.status = 'active' AND (m.role = "      \
	"'owner' OR (m.role = 'admin' AND i.role = 'member'))), "              \
	"EXISTS (SELECT 1 FROM users a WHERE a.email = i.email) "              \
	"FROM invitations i JOIN organizations o ON o.id = i.organization_id " \
	"LEFT JOIN users u ON u.id = i.invited_by WHERE i.hashed_token = $1"

enum slot {
	S_ORG,
	S_INVITER,
	S_EMAIL,
	S_EMAIL_URL,
	S_ROLE,
	S_EXPIRES,
	S_TOKEN,
	S_CSRF,
	S__MAX
};
static const char *const slot_names[S__MAX] = { "org", "inviter", "email",
	"email_url", "role", "expires", "token", "csrf" };

struct seg {
	const char *text;
	size_t len;
	int slot; /* -1: text only */
};

static struct seg segs[64];
static int nsegs;
static struct keys keys;

/* The fixed responses: method, path (no query) and the FastCGI response. */
struct fixed {
	char method[16];
	char path[256];
	char *res;
	size_t len;
};

static struct fixed fixed[8];
static int nfixed;

static int
load_fixed(const char *file)
{
	FILE *f = fopen(file, "rb");
	struct fixed *x = &fixed[nfixed];
	char line[300], *sp;
	size_t cap = 1 << 16, n;

	if (f == NULL || nfixed == (int)(sizeof(fixed) / sizeof(fixed[0])) ||
	    fgets(line, sizeof(line), f) == NULL ||
	    (line[strcspn(line, "\r\n")] = '\0',
		(sp = strchr(line, ' ')) == NULL) ||
	    (size_t)(sp - line) >= sizeof(x->method) || sp[1] != '/' ||
	    strlen(sp + 1) >= sizeof(x->path)) {
		fprintf(stderr, "link-responder: %s: not METHOD PATH\n", file);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	memcpy(x->method, line, (size_t)(sp - line));
	memcpy(x->path, sp + 1, strlen(sp + 1) + 1);
	if ((x->res = malloc(cap)) == NULL)
		abort();
	while ((n = fread(x->res + x->len, 1, cap - x->len, f)) > 0) {
		x->len += n;
		if (x->len == cap &&
		    (x->res = realloc(x->res, cap *= 2)) == NULL)
			abort();
	}
	fclose(f);
	if (x->len == 0 || x->len > (size_t)1 << 30 ||
	    strncmp(x->res, "Status: ", 8) != 0) {
		fprintf(stderr, "link-responder: %s: no Status line\n", file);
		return -1;
	}
	nfixed++;
	return 0;
}

/*
 * The fixed response of this request, or NULL. Its body is read first, to
 * CONTENT_LENGTH, as a program handling the request would read it.
 */
static const struct fixed *
fixed_for(FCGX_Request *fr)
{
	const char *m = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	const char *u = FCGX_GetParam("REQUEST_URI", fr->envp);
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	size_t ul;

	if (m == NULL || u == NULL)
		return NULL;
	ul = strcspn(u, "?");
	for (int i = 0; i < nfixed; i++) {
		char buf[4096];
		long left;

		if (strcmp(m, fixed[i].method) != 0 ||
		    strlen(fixed[i].path) != ul ||
		    memcmp(u, fixed[i].path, ul) != 0)
			continue;
		left = cl != NULL ? strtol(cl, NULL, 10) : 0;
		while (left > 0) {
			int n = FCGX_GetStr(buf,
			    left < (long)sizeof(buf) ? (int)left
						     : (int)sizeof(buf),
			    fr->in);
			if (n <= 0)
				break;
			left -= n;
		}
		return &fixed[i];
	}
	return NULL;
}

static int
load_template(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char body[1 << 20];
	size_t n;
	char *p, *end;

	if (f == NULL)
		return -1;
	n = fread(body, 1, sizeof(body) - 1, f);
	fclose(f);
	body[n] = '\0';
	p = body;
	while (*p != '\0' && nsegs < 62) {
		char *open = strstr(p, "{{");
		int s = -1;

		if (open == NULL || (end = strstr(open, "}}")) == NULL) {
			segs[nsegs++] = (struct seg){ p, strlen(p), -1 };
			break;
		}
		for (int i = 0; i < S__MAX; i++)
			if ((size_t)(end - open - 2) == strlen(slot_names[i]) &&
			    memcmp(open + 2, slot_names[i], end - open - 2) ==
				0)
				s = i;
		if (s == -1) {
			fprintf(stderr, "link-responder: unknown slot in %s\n",
			    path);
			return -1;
		}
		segs[nsegs++] = (struct seg){ p, (size_t)(open - p), s };
		p = end + 2;
	}
	return 0;
}

struct out {
	char *p;
	size_t len, cap;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = 2 * (o->len + n);
		o->p = realloc(o->p, o->cap);
		if (o->p == NULL)
			abort();
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
put_escaped(struct out *o, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *r = NULL;

		switch (*s) {
		case '&':
			r = "&amp;";
			break;
		case '<':
			r = "&lt;";
			break;
		case '>':
			r = "&gt;";
			break;
		case '"':
			r = "&quot;";
			break;
		case '\'':
			r = "&#39;";
			break;
		default:
			continue;
		}
		put(o, run, (size_t)(s - run));
		put(o, r, strlen(r));
		run = s + 1;
	}
	put(o, run, (size_t)(s - run));
}

static const char *
url_encode(struct arena *a, const char *s)
{
	char *r = arena_alloc(a, 3 * strlen(s) + 1), *q = r;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c) != NULL)
			*q++ = (char)c;
		else
			q += sprintf(q, "%%%02X", c);
	}
	*q = '\0';
	return r;
}

static void
respond_status(FCGX_Request *fr, const char *status)
{
	FCGX_FPrintF(fr->out,
	    "Status: %s\r\nContent-Type: text/plain\r\nContent-Length: "
	    "0\r\n\r\n",
	    status);
}

static void
handle(FCGX_Request *fr, PGconn *db, struct arena *a, struct out *body,
    struct out *res)
{
	const char *qs = FCGX_GetParam("QUERY_STRING", fr->envp);
	const char *rid = FCGX_GetParam("REQUEST_ID", fr->envp);
	const char *tok = NULL, *v[S__MAX], *param[1];
	int plen[1] = { 32 }, pfmt[1] = { 1 };
	struct envelope env;
	uint8_t hash[32], pre[16], mac[32], msg[17];
	char hdr[1024];
	PGresult *r;
	int n;

	if (qs != NULL && strncmp(qs, "token=", 6) == 0)
		tok = arena_strndup(a, qs + 6, strcspn(qs + 6, "&"));
	if (tok == NULL || envelope_open(a, &keys, tok, &env) == -1) {
		respond_status(fr, "404 Not Found");
		return;
	}
	token_hash(hash, env.token);
	crypto_wipe(env.token, sizeof(env.token));
	param[0] = (const char *)hash;
	r = PQexecPrepared(db, "lookup", 1, param, plen, pfmt, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
	    strcmp(PQgetvalue(r, 0, 2), env.email) != 0 ||
	    strcmp(PQgetvalue(r, 0, 5), "t") != 0 ||
	    strcmp(PQgetvalue(r, 0, 6), "t") != 0) {
		PQclear(r);
		respond_status(fr, "404 Not Found");
		return;
	}
	/* The pre-session of an anonymous visitor and its CSRF token. */
	crypto_random(pre, sizeof(pre));
	crypto_hmac_with(mac, &keys.mac[KEY_PRESESSION], pre, sizeof(pre));
	msg[0] = 'p';
	memcpy(msg + 1, pre, sizeof(pre));
	v[S_ORG] = PQgetvalue(r, 0, 0);
	v[S_INVITER] = PQgetvalue(r, 0, 1);
	v[S_EMAIL] = PQgetvalue(r, 0, 2);
	v[S_EMAIL_URL] = url_encode(a, v[S_EMAIL]);
	v[S_ROLE] = PQgetvalue(r, 0, 3);
	v[S_EXPIRES] = PQgetvalue(r, 0, 4);
	v[S_TOKEN] = tok;
	{
		uint8_t cm[32];
		crypto_hmac_with(cm, &keys.mac[KEY_CSRF], msg, sizeof(msg));
		v[S_CSRF] = base64_url_encode(a, cm, sizeof(cm));
	}
	body->len = 0;
	for (int i = 0; i < nsegs; i++) {
		put(body, segs[i].text, segs[i].len);
		if (segs[i].slot >= 0)
			put_escaped(body, v[segs[i].slot]);
	}
	PQclear(r);
	n = snprintf(hdr, sizeof(hdr),
	    "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors "
	    "'none'; form-action 'self'; base-uri 'none'\r\n"
	    "X-Content-Type-Options: nosniff\r\nReferrer-Policy: "
	    "no-referrer\r\nX-Frame-Options: DENY\r\nCache-Control: "
	    "no-store\r\nX-Request-Id: %s\r\nSet-Cookie: roster_pre=%s.%s; "
	    "Path=/; HttpOnly; SameSite=Lax\r\nContent-Length: %zu\r\n\r\n",
	    rid ? rid : "-", base64_url_encode(a, pre, sizeof(pre)),
	    base64_url_encode(a, mac, sizeof(mac)), body->len);
	res->len = 0;
	put(res, hdr, (size_t)n);
	put(res, body->p, body->len);
	FCGX_PutStr(res->p, (int)res->len, fr->out);
}

static int
worker(int sock)
{
	PGconn *db = PQconnectdb(getenv("ROSTER_DATABASE_URL"));
	struct arena *a = arena_new(0);
	struct out body = { 0 }, res = { 0 };
	FCGX_Request fr;
	PGresult *r;

	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "link-responder: %s", PQerrorMessage(db));
		return 1;
	}
	r = PQprepare(db, "lookup", LOOKUP, 1, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "link-responder: %s", PQerrorMessage(db));
		return 1;
	}
	PQclear(r);
	FCGX_Init();
	FCGX_InitRequest(&fr, sock, 0);
	while (FCGX_Accept_r(&fr) >= 0) {
		const struct fixed *x = fixed_for(&fr);

		if (x != NULL)
			FCGX_PutStr(x->res, (int)x->len, fr.out);
		else
			handle(&fr, db, a, &body, &res);
		FCGX_Finish_r(&fr);
		arena_reset(a);
	}
	return 0;
}

static volatile sig_atomic_t stopping;
static pid_t kids[64];

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

int
main(int argc, char **argv)
{
	int sock, n;

	if (argc < 4 || (n = atoi(argv[2])) < 1 || n > 64) {
		fprintf(stderr,
		    "usage: link-responder SOCKET WORKERS TEMPLATE "
		    "[FIXED...]\n");
		return 2;
	}
	for (int i = 4; i < argc; i++)
		if (load_fixed(argv[i]) == -1)
			return 1;
	if (sodium_init() < 0 ||
	    keys_derive(&keys, getenv("ROSTER_SECRET_KEY"), NULL) == -1 ||
	    load_template(argv[3]) == -1) {
		fprintf(stderr, "link-responder: cannot start\n");
		return 1;
	}
	unlink(argv[1]);
	if ((sock = FCGX_OpenSocket(argv[1], 128)) < 0) {
		fprintf(
		    stderr, "link-responder: cannot listen on %s\n", argv[1]);
		return 1;
	}
	/* nginx's workers (www-data when run as root) must connect. */
	chmod(argv[1], 0666);
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(worker(sock));
		if (p < 0)
			return 1;
		kids[i] = p;
	}
	/* TERM or INT (bench/run, by this process's id): the workers too. */
	{
		struct sigaction sa = { .sa_handler =
					    on_stop }; /* no SA_RESTART */
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	while (!stopping && (wait(NULL) > 0 || errno == EINTR))
		;
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}
