/*
 * Unit tests of the /metrics exposition in src/web/web_ops.c, byte for
 * byte: the program's counters (from src/counters.c) with their HELP and
 * TYPE lines, all zero before metrics_init; request series only for
 * non-zero counts, labels escaped; the histogram's le labels, cumulative
 * buckets, _sum and _count; and the mailer's counters last.
 */
#include <math.h>
#include <stdlib.h>

#include "counters.h"
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

/* The exposition of the current counts and the given mail counters. */
static char *
render(const struct mail_counter *mail, int nmail)
{
	struct metrics_snapshot s;
	struct buf b;

	buf_init(&b, NULL);
	metrics_read(&s);
	web_ops_write(&b, &s, mail, nmail);
	return b.data;
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
	char *got;

	counters_init();
	buf_init(&want, NULL);
	counters_block(&want, zero);
	buf_puts(&want,
	    REQ_HEAD LAT_HEAD LAT
	    "_bucket{le=\"0.001\"} 0\n" LAT "_bucket{le=\"0.0025\"} 0\n" LAT
	    "_bucket{le=\"0.005\"} 0\n" LAT "_bucket{le=\"0.01\"} 0\n" LAT
	    "_bucket{le=\"0.025\"} 0\n" LAT "_bucket{le=\"0.05\"} 0\n" LAT
	    "_bucket{le=\"0.1\"} 0\n" LAT "_bucket{le=\"0.25\"} 0\n" LAT
	    "_bucket{le=\"0.5\"} 0\n" LAT "_bucket{le=\"1\"} 0\n" LAT
	    "_bucket{le=\"2.5\"} 0\n" LAT "_bucket{le=\"5\"} 0\n" LAT
	    "_bucket{le=\"+Inf\"} 0\n" LAT "_sum 0.000000\n" LAT "_count 0\n");
	got = render(NULL, 0);
	is_string(want.data, got, "before init: all zero, no request series");
	free(got);
	buf_free(&want);
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
	static const struct mail_counter mail[] = {
		{ "emails_failed_total", 0 },
		{ "emails_sent_total", 12 },
		{ "emails_skipped_total", 3 },
	};
	unsigned long long v[C__MAX] = { 0 };
	struct buf want;
	char *got;

	is_int(0, metrics_init(), "metrics_init");
	metrics_routes(names, 3);
	metrics_add(C_INVITATIONS_CREATED, 2);
	metrics_add(C_INVITATIONS_CREATED, 1);
	metrics_add(C_INVITATIONS_ACCEPTED, 1);
	metrics_add(C_TX_RETRIES, 5);
	metrics_add(C__MAX, 7);
	v[C_INVITATIONS_CREATED] = 3;
	v[C_INVITATIONS_ACCEPTED] = 1;
	v[C_TX_RETRIES] = 5;

	metrics_request(0, 200, 0.0005);
	metrics_request(0, 204, 0.001);
	metrics_request(0, 302, 0.003);
	metrics_request(1, 404, 0.02);
	metrics_request(2, 500, 0.7);
	metrics_request(3, 404, 6.0);
	metrics_request(99, 200, NAN);
	metrics_request(-1, 0, -2.0);
	metrics_request(1, 600, 0.0);

	buf_init(&want, NULL);
	counters_block(&want, v);
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
	got = render(NULL, 0);
	is_string(want.data, got, "exact exposition after counts");
	free(got);

	buf_puts(&want,
	    "# TYPE roster_emails_failed_total counter\n"
	    "roster_emails_failed_total 0\n"
	    "# TYPE roster_emails_sent_total counter\n"
	    "roster_emails_sent_total 12\n"
	    "# TYPE roster_emails_skipped_total counter\n"
	    "roster_emails_skipped_total 3\n");
	got = render(mail, 3);
	is_string(want.data, got, "the mailer's counters come last");
	free(got);
	buf_free(&want);
}

int
main(void)
{
	plan(7);
	test_table();
	test_before_init();
	test_exact();
	return 0;
}
