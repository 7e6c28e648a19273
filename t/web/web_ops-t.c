/*
 * Unit tests of the /metrics exposition in src/web/web_ops.c, byte for
 * byte: build info; the program's counters (from src/counters.c) with
 * their HELP and TYPE lines, all zero before metrics_init; request series
 * by method, route and real status code, only for non-zero counts, labels
 * escaped; one histogram per route and method with its le labels,
 * cumulative buckets, _sum and _count; the workers' figures; and the
 * database-wide gauges last.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "http/http.h"
#include "db/db_mailstat.h"
#include "tap.h"
#include "util/buf.h"
#include "util/metrics.h"
#include "web/web_ops.h"

/* The counters' block with the given values, in enum order, under the
 * names and help texts of the program's table (src/counters.c). */
static void
counters_block(struct buf *b, const unsigned long long v[C__MAX])
{
	struct metrics_snapshot s;

	metrics_read(&s);
	for (int i = 0; i < s.ncounters; i++)
		buf_printf(b,
		    "# HELP roster_%s_total %s\n"
		    "# TYPE roster_%s_total counter\n"
		    "roster_%s_total %llu\n",
		    s.counters[i].name, s.counters[i].help, s.counters[i].name,
		    s.counters[i].name, v[i]);
}

/* The program registers every counter of enum counter, by its name. */
static void
test_table(void)
{
	struct metrics_snapshot s;

	counters_init();
	metrics_read(&s);
	is_int(C__MAX, s.ncounters, "every counter is registered");
	is_string("invitations_created", s.counters[C_INVITATIONS_CREATED].name,
	    "counters are registered in enum order");
	is_string("tx_retries", s.counters[C_TX_RETRIES].name,
	    "... to the last of the first block");
}

/* The exposition of the current counts, the backlog and mail counters. */
static char *
render(
    const struct mail_backlog *bl, const struct mail_counter *mail, int nmail)
{
	struct metrics_snapshot *s = malloc(sizeof(*s));
	struct buf b;

	buf_init(&b, NULL);
	metrics_read(s);
	web_ops_write(&b, s, bl, mail, nmail);
	free(s);
	return b.data;
}

#define BUILD                                                                  \
	"# HELP roster_build_info The version of roster-fcgi answering.\n"     \
	"# TYPE roster_build_info gauge\n"                                     \
	"roster_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"
#define REQ_HEAD                                                               \
	"# HELP roster_http_requests_total HTTP requests answered by this "    \
	"host, by method, route pattern and status code.\n"                    \
	"# TYPE roster_http_requests_total counter\n"
#define API_HEAD                                                               \
	"# HELP roster_api_requests_total JSON API requests answered by this " \
	"host, by route pattern and status code.\n"                            \
	"# TYPE roster_api_requests_total counter\n"
#define LAT "roster_http_request_duration_seconds"
#define LAT_HEAD                                                               \
	"# HELP " LAT " Time to answer an HTTP request, by method and route "  \
	"pattern.\n"                                                           \
	"# TYPE " LAT " histogram\n"
#define WORKERS                                                                \
	"# HELP roster_worker_cpu_seconds_total CPU time (user and system) "   \
	"of each running worker; worker is its slot, reused by its "           \
	"replacement.\n"                                                       \
	"# TYPE roster_worker_cpu_seconds_total counter\n"                     \
	"# HELP roster_worker_resident_memory_bytes Resident memory of each "  \
	"running worker.\n"                                                    \
	"# TYPE roster_worker_resident_memory_bytes gauge\n"                   \
	"# HELP roster_worker_open_fds Open file descriptors of each running " \
	"worker.\n"                                                            \
	"# TYPE roster_worker_open_fds gauge\n"

static void
test_before_init(void)
{
	static const unsigned long long zero[C__MAX];
	struct buf want;
	char *got;

	counters_init();
	buf_init(&want, NULL);
	buf_puts(&want, BUILD);
	counters_block(&want, zero);
	buf_puts(&want, REQ_HEAD API_HEAD LAT_HEAD WORKERS);
	got = render(NULL, NULL, 0);
	is_string(want.data, got,
	    "before init: build info, zero counters, no series, no workers");
	free(got);
	buf_free(&want);
}

/* The 13 buckets, _sum and _count of one route and method. */
static void
hist(struct buf *b, const char *labels, const int n[13], const char *sum)
{
	static const char *const le[13] = { "0.001", "0.0025", "0.005", "0.01",
		"0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
		"+Inf" };

	for (int i = 0; i < 13; i++)
		buf_printf(
		    b, LAT "_bucket{%s,le=\"%s\"} %d\n", labels, le[i], n[i]);
	buf_printf(b, LAT "_sum{%s} %s\n" LAT "_count{%s} %d\n", labels, sum,
	    labels, n[12]);
}

static void
test_exact(void)
{
	static const char *const names[] = {
		"/",
		"/orgs/:slug",
		"we\"ird\\na\nme",
		"unmatched",
	};
	static const struct mail_counter mail[] = {
		{ "emails_failed_total", 0 },
		{ "emails_sent_total", 12 },
		{ "webhooks_delivered_total", 7 },
		{ "webhooks_failed_total", 1 },
		{ "webhooks_retried_total", 3 },
	};
	static const int h_home[13] = { 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3 };
	static const int h_post[13] = { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const int h_org[13] = { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const int h_org_o[13] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1 };
	static const int h_weird[13] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1,
		1 };
	static const int h_un_g[13] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const int h_un_h[13] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const int h_un_o[13] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	const struct mail_backlog bl = { 4, 12.5, 2, 3.25 };
	unsigned long long v[C__MAX] = { 0 };
	struct buf want;
	char *got;

	is_int(0, metrics_init(), "metrics_init");
	metrics_routes(names, 3);
	metrics_add(C_INVITATIONS_CREATED, 2);
	metrics_add(C_INVITATIONS_CREATED, 1);
	metrics_add(C_INVITATIONS_RESENT, 1);
	metrics_add(C_TX_RETRIES, 5);
	metrics_add(C__MAX, 7);
	v[C_INVITATIONS_CREATED] = 3;
	v[C_INVITATIONS_RESENT] = 1;
	v[C_TX_RETRIES] = 5;

	metrics_request(0, METHOD_GET, 200, 0.0005);
	metrics_request(0, METHOD_GET, 200, 0.001);
	metrics_request(0, METHOD_GET, 302, 0.003);
	metrics_request(0, METHOD_POST, 303, 0.02);
	metrics_request(1, METHOD_GET, 404, 0.02);
	metrics_request(2, METHOD_POST, 500, 0.7);
	metrics_request(3, METHOD_HEAD, 404, 6.0);
	metrics_request(99, METHOD_GET, 200, NAN);
	metrics_request(-1, METHOD__MAX, 0, -2.0);
	metrics_request(1, 7, 600, 0.0);

	buf_init(&want, NULL);
	buf_puts(&want, BUILD);
	counters_block(&want, v);
	buf_puts(&want,
	    REQ_HEAD
	    "roster_http_requests_total{method=\"GET\",route=\"/\","
	    "code=\"200\"} 2\n"
	    "roster_http_requests_total{method=\"GET\",route=\"/\","
	    "code=\"302\"} 1\n"
	    "roster_http_requests_total{method=\"POST\",route=\"/\","
	    "code=\"303\"} 1\n"
	    "roster_http_requests_total{method=\"GET\",route=\"/orgs/:slug\","
	    "code=\"404\"} 1\n"
	    "roster_http_requests_total{method=\"other\",route=\"/orgs/:slug\","
	    "code=\"500\"} 1\n"
	    "roster_http_requests_total{method=\"POST\",route=\"we\\\"ird\\\\"
	    "na\\nme\",code=\"500\"} 1\n"
	    "roster_http_requests_total{method=\"GET\",route=\"unmatched\","
	    "code=\"200\"} 1\n"
	    "roster_http_requests_total{method=\"HEAD\",route=\"unmatched\","
	    "code=\"404\"} 1\n"
	    "roster_http_requests_total{method=\"other\",route=\"unmatched\","
	    "code=\"500\"} 1\n" API_HEAD LAT_HEAD);
	hist(&want, "method=\"GET\",route=\"/\"", h_home, "0.004500");
	hist(&want, "method=\"POST\",route=\"/\"", h_post, "0.020000");
	hist(&want, "method=\"GET\",route=\"/orgs/:slug\"", h_org, "0.020000");
	hist(&want, "method=\"other\",route=\"/orgs/:slug\"", h_org_o,
	    "0.000000");
	hist(&want, "method=\"POST\",route=\"we\\\"ird\\\\na\\nme\"", h_weird,
	    "0.700000");
	hist(&want, "method=\"GET\",route=\"unmatched\"", h_un_g, "0.000000");
	hist(&want, "method=\"HEAD\",route=\"unmatched\"", h_un_h, "6.000000");
	hist(&want, "method=\"other\",route=\"unmatched\"", h_un_o, "0.000000");
	buf_puts(&want, WORKERS);
	got = render(NULL, NULL, 0);
	is_string(want.data, got,
	    "exact exposition: method, route, real code, one histogram per "
	    "route and method");
	free(got);

	buf_puts(&want,
	    "# HELP roster_outbox_queued_messages Database-wide: messages in "
	    "the outbox waiting to be sent, whichever host queued them.\n"
	    "# TYPE roster_outbox_queued_messages gauge\n"
	    "roster_outbox_queued_messages 4\n"
	    "# HELP roster_outbox_oldest_queued_age_seconds Database-wide: age "
	    "of the oldest message waiting in the outbox, 0 when none waits.\n"
	    "# TYPE roster_outbox_oldest_queued_age_seconds gauge\n"
	    "roster_outbox_oldest_queued_age_seconds 12.500\n"
	    "# HELP roster_webhook_queued_deliveries Database-wide: webhook "
	    "deliveries waiting to be made or retried.\n"
	    "# TYPE roster_webhook_queued_deliveries gauge\n"
	    "roster_webhook_queued_deliveries 2\n"
	    "# HELP roster_webhook_oldest_queued_age_seconds Database-wide: "
	    "age of the oldest webhook delivery waiting, 0 when none waits.\n"
	    "# TYPE roster_webhook_oldest_queued_age_seconds gauge\n"
	    "roster_webhook_oldest_queued_age_seconds 3.250\n"
	    "# HELP roster_webhook_deliveries_total Database-wide: webhook "
	    "delivery attempts of every mailer of this database by outcome "
	    "(delivered: a 2xx; retried: another answer or none, tried again "
	    "later; failed: given up after the last try).\n"
	    "# TYPE roster_webhook_deliveries_total counter\n"
	    "roster_webhook_deliveries_total{outcome=\"delivered\"} 7\n"
	    "roster_webhook_deliveries_total{outcome=\"failed\"} 1\n"
	    "roster_webhook_deliveries_total{outcome=\"retried\"} 3\n"
	    "# HELP roster_emails_failed_total Database-wide: every mailer of "
	    "this database since it was created, the same on every host (take "
	    "max, not sum; this host's own mailer counts "
	    "roster_mailer_emails_failed_total).\n"
	    "# TYPE roster_emails_failed_total counter\n"
	    "roster_emails_failed_total 0\n"
	    "# HELP roster_emails_sent_total Database-wide: every mailer of "
	    "this database since it was created, the same on every host (take "
	    "max, not sum; this host's own mailer counts "
	    "roster_mailer_emails_sent_total).\n"
	    "# TYPE roster_emails_sent_total counter\n"
	    "roster_emails_sent_total 12\n");
	got = render(&bl, mail, 5);
	is_string(want.data, got,
	    "the database-wide figures come last, helped as such, under "
	    "SPEC's names; webhook outcomes as one labelled family");
	free(got);

	is_int(1, metrics_worker_begin() >= 0, "a worker slot");
	got = render(NULL, NULL, 0);
	ok(strstr(got, "roster_worker_cpu_seconds_total{worker=\"") != NULL &&
		strstr(got, "roster_worker_resident_memory_bytes{worker=\"") !=
		    NULL &&
		strstr(got, "roster_worker_open_fds{worker=\"") != NULL,
	    "a live worker's figures are listed under its slot");
	free(got);
	metrics_worker_end();
	buf_free(&want);

	/* The API's family: routes under /api/ only, methods added. */
	{
		static const char *const api_names[] = { "/api/v1/me",
			"/orgs/:slug", "x", "unmatched" };

		metrics_routes(api_names, 3);
		metrics_request(0, METHOD_HEAD, 200, 0.001);
		got = render(NULL, NULL, 0);
		ok(strstr(got,
		       "roster_api_requests_total{route=\"/api/v1/me\","
		       "code=\"200\"} 3\n") != NULL,
		    "api: GET and HEAD of a route added together");
		ok(strstr(got,
		       "roster_api_requests_total{route=\"/api/v1/me\","
		       "code=\"303\"} 1\n") != NULL,
		    "api: one series per route and status");
		ok(strstr(got, "roster_api_requests_total{route=\"/orgs") ==
			NULL,
		    "api: other routes are not in the family");
		free(got);
	}
}

int
main(void)
{
	plan(12);
	test_table();
	test_before_init();
	test_exact();
	return 0;
}
