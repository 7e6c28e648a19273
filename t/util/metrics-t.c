/*
 * Unit tests of src/util/metrics.c: the exposition before and after
 * metrics_init, counters (and the ones that are not), request counts by
 * route and status class with every fallback (unknown route, bad status,
 * negative, NaN and huge latencies), the cumulative histogram, label
 * escaping, route tables past METRICS_ROUTES_MAX, and counts made by
 * forked processes seen by their parent.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "util/buf.h"
#include "util/metrics.h"

/* The counters' block with the given values, in enum order. */
static char *
counters_block(const unsigned long long v[C__MAX])
{
	static const char *const names[C__MAX] = {
		"invitations_created",
		"invitations_accepted",
		"invitations_revoked",
		"invitations_declined",
		"invitations_rate_limited",
		"rate_limiter_failures",
		"emails_queued",
		"login_failures",
		"db_reconnects",
		"tx_retries",
	};
	static const char *const helps[C__MAX] = {
		"Invitations created.",
		"Invitations accepted.",
		"Invitations revoked.",
		"Invitations declined.",
		"Invitation attempts refused by a rate limit.",
		"Rate limiter checks that could not be made.",
		"Emails put in the outbox.",
		"Failed sign-in attempts.",
		"Database connections re-established.",
		("Transactions retried after a serialization failure or "
		 "deadlock."),
	};
	struct buf b;
	int i;

	buf_init(&b, NULL);
	for (i = 0; i < C__MAX; i++)
		buf_printf(&b,
		    "# HELP roster_%s_total %s\n"
		    "# TYPE roster_%s_total counter\n"
		    "roster_%s_total %llu\n",
		    names[i], helps[i], names[i], names[i], v[i]);
	return b.data;
}

static char *
render(void)
{
	struct buf b;

	buf_init(&b, NULL);
	metrics_render(&b);
	return b.data;
}

/* The value on the line starting with prefix, or -1. */
static long long
value_of(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return -1;
}

#define REQ_HEAD                                                               \
	"# HELP roster_http_requests_total HTTP requests by route and "        \
	"status class.\n"                                                      \
	"# TYPE roster_http_requests_total counter\n"
#define LAT "roster_http_request_duration_seconds"
#define LAT_HEAD                                                               \
	"# HELP " LAT " Time to answer an HTTP request.\n"                     \
	"# TYPE " LAT " histogram\n"

static void
test_before_init(void)
{
	static const unsigned long long zero[C__MAX];
	struct buf want;
	char *got, *c;

	/* Both are no-ops before the region exists. */
	metrics_add(C_INVITATIONS_CREATED, 5);
	metrics_request(0, 200, 0.1);
	buf_init(&want, NULL);
	buf_puts(&want, c = counters_block(zero));
	free(c);
	buf_puts(&want,
	    REQ_HEAD LAT_HEAD LAT
	    "_bucket{le=\"0.001\"} 0\n" LAT "_bucket{le=\"0.0025\"} 0\n" LAT
	    "_bucket{le=\"0.005\"} 0\n" LAT "_bucket{le=\"0.01\"} 0\n" LAT
	    "_bucket{le=\"0.025\"} 0\n" LAT "_bucket{le=\"0.05\"} 0\n" LAT
	    "_bucket{le=\"0.1\"} 0\n" LAT "_bucket{le=\"0.25\"} 0\n" LAT
	    "_bucket{le=\"0.5\"} 0\n" LAT "_bucket{le=\"1\"} 0\n" LAT
	    "_bucket{le=\"2.5\"} 0\n" LAT "_bucket{le=\"5\"} 0\n" LAT
	    "_bucket{le=\"+Inf\"} 0\n" LAT "_sum 0.000000\n" LAT "_count 0\n");
	got = render();
	is_string(want.data, got, "before init: all zero, no request series");
	free(got);
	buf_free(&want);

	is_int(0, metrics_init(), "metrics_init");
	is_int(0, metrics_init(), "a second metrics_init keeps the region");
	got = render();
	is_int(0, value_of(got, "roster_invitations_created_total"),
	    "adds before init were not kept");
	is_int(0, value_of(got, LAT "_count"),
	    "requests before init were not kept");
	free(got);
}

static void
test_exact(void)
{
	static const char *const names[] = {
		"home",
		"org_show",
		"we\"ird\\na\nme",
		"unmatched",
	};
	unsigned long long v[C__MAX] = { 0 };
	struct buf want;
	char *got, *c;

	metrics_routes(names, 3);
	metrics_add(C_INVITATIONS_CREATED, 2);
	metrics_add(C_INVITATIONS_CREATED, 1);
	metrics_add(C_INVITATIONS_ACCEPTED, 1);
	metrics_add(C_TX_RETRIES, 5);
	metrics_add(C__MAX, 7);
	metrics_add((enum counter) - 1, 7);
	v[C_INVITATIONS_CREATED] = 3;
	v[C_INVITATIONS_ACCEPTED] = 1;
	v[C_TX_RETRIES] = 5;

	metrics_request(0, 200, 0.0005);
	metrics_request(0, 204, 0.001); /* on a bound: le is inclusive */
	metrics_request(0, 302, 0.003);
	metrics_request(1, 404, 0.02);
	metrics_request(2, 500, 0.7);
	metrics_request(3, 404, 6.0);  /* nroutes: unmatched */
	metrics_request(99, 200, NAN); /* unknown route, NaN: 0 s */
	metrics_request(-1, 0, -2.0);  /* bad status: 5xx; negative: 0 */
	metrics_request(1, 600, 0.0);  /* bad status: 5xx */

	buf_init(&want, NULL);
	buf_puts(&want, c = counters_block(v));
	free(c);
	buf_puts(&want,
	    REQ_HEAD
	    "roster_http_requests_total{route=\"home\",code=\"2xx\"} 2\n"
	    "roster_http_requests_total{route=\"home\",code=\"3xx\"} 1\n"
	    "roster_http_requests_total{route=\"org_show\",code=\"4xx\"} 1\n"
	    "roster_http_requests_total{route=\"org_show\",code=\"5xx\"} 1\n"
	    "roster_http_requests_total{route=\"we\\\"ird\\\\na\\nme\","
	    "code=\"5xx\"} 1\n"
	    "roster_http_requests_total{route=\"unmatched\",code=\"2xx\"} 1\n"
	    "roster_http_requests_total{route=\"unmatched\",code=\"4xx\"} 1\n"
	    "roster_http_requests_total{route=\"unmatched\",code=\"5xx\"} "
	    "1\n" LAT_HEAD LAT "_bucket{le=\"0.001\"} 5\n" LAT
	    "_bucket{le=\"0.0025\"} 5\n" LAT "_bucket{le=\"0.005\"} 6\n" LAT
	    "_bucket{le=\"0.01\"} 6\n" LAT "_bucket{le=\"0.025\"} 7\n" LAT
	    "_bucket{le=\"0.05\"} 7\n" LAT "_bucket{le=\"0.1\"} 7\n" LAT
	    "_bucket{le=\"0.25\"} 7\n" LAT "_bucket{le=\"0.5\"} 7\n" LAT
	    "_bucket{le=\"1\"} 8\n" LAT "_bucket{le=\"2.5\"} 8\n" LAT
	    "_bucket{le=\"5\"} 8\n" LAT "_bucket{le=\"+Inf\"} 9\n" LAT
	    "_sum 6.724500\n" LAT "_count 9\n");
	got = render();
	is_string(want.data, got, "exact exposition after counts");
	free(got);
	buf_free(&want);
}

static void
test_limits(void)
{
	static const char *names[METRICS_ROUTES_MAX + 7];
	static char store[METRICS_ROUTES_MAX + 7][16];
	long long inf, sum_before;
	char *got;
	int i;

	for (i = 0; i < METRICS_ROUTES_MAX + 6; i++) {
		snprintf(store[i], sizeof(store[i]), "r%d", i);
		names[i] = store[i];
	}
	names[METRICS_ROUTES_MAX + 6] = "none";
	metrics_routes(names, METRICS_ROUTES_MAX + 6);
	metrics_request(METRICS_ROUTES_MAX - 1, 201, 0.0);
	metrics_request(METRICS_ROUTES_MAX + 2, 201, 0.0);
	got = render();
	is_int(1,
	    value_of(got,
		"roster_http_requests_total{route=\"r63\","
		"code=\"2xx\"}"),
	    "the last route with a slot counts apart");
	/* One unmatched 2xx came from test_exact. */
	is_int(2,
	    value_of(got,
		"roster_http_requests_total{route=\"none\","
		"code=\"2xx\"}"),
	    "a route past the limit counts as unmatched");
	ok(strstr(got, "route=\"r66\"") == NULL,
	    "no series for a route past the limit");
	is_int(1,
	    value_of(got,
		"roster_http_requests_total{route=\"none\","
		"code=\"5xx\"}"),
	    "earlier unmatched counts keep their slot");
	inf = value_of(got, LAT "_bucket{le=\"+Inf\"}");
	sum_before = value_of(got, LAT "_sum");
	free(got);

	/* A latency far past every bound: +Inf, and the sum is capped. */
	metrics_request(0, 200, 1e300);
	got = render();
	is_int(inf + 1, value_of(got, LAT "_bucket{le=\"+Inf\"}"),
	    "a huge latency lands in +Inf");
	is_int(inf + 1, value_of(got, LAT "_count"), "_count equals +Inf");
	is_int(sum_before + 1000000, value_of(got, LAT "_sum"),
	    "a huge latency adds at most 10^6 s to the sum");
	free(got);

	metrics_routes(NULL, 5);
	metrics_request(2, 200, 0.0);
	got = render();
	is_int(3,
	    value_of(got,
		"roster_http_requests_total{route=\"unmatched\","
		"code=\"2xx\"}"),
	    "without a route table all is unmatched");
	ok(strstr(got, "route=\"r0\"") == NULL, "and old names are gone");
	free(got);
}

static void
test_fork(void)
{
	enum { CHILDREN = 3, ADDS = 20000 };
	pid_t pids[CHILDREN];
	long long before_q, before_n;
	int i, j, st, good = 0;
	char *got;

	got = render();
	before_q = value_of(got, "roster_emails_queued_total");
	before_n = value_of(got, LAT "_count");
	free(got);
	for (i = 0; i < CHILDREN; i++) {
		if ((pids[i] = fork()) == 0) {
			for (j = 0; j < ADDS; j++) {
				metrics_add(C_EMAILS_QUEUED, 1);
				metrics_request(0, 200, 0.001);
			}
			_exit(0);
		}
	}
	for (j = 0; j < ADDS; j++)
		metrics_add(C_EMAILS_QUEUED, 1);
	for (i = 0; i < CHILDREN; i++)
		if (pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0)
			good++;
	is_int(CHILDREN, good, "children exited cleanly");
	got = render();
	is_int(before_q + (CHILDREN + 1) * ADDS,
	    value_of(got, "roster_emails_queued_total"),
	    "concurrent adds of children and parent all count");
	is_int(before_n + CHILDREN * ADDS, value_of(got, LAT "_count"),
	    "children's requests are seen by the parent");
	free(got);
}

int
main(void)
{
	plan(18);
	test_before_init();
	test_exact();
	test_limits();
	test_fork();
	return 0;
}
