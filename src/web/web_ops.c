/*
 * Operations endpoints: health and metrics. Neither touches sessions. This
 * is the one place that writes the Prometheus text format: util/metrics
 * and db/mailstat only hand over numbers.
 */
#include "web/web_ops.h"

#include "db/db.h"
#include "db/db_mailstat.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/metrics.h"
#include "web/web.h"

#define WEB_OPS_LATENCY "roster_http_request_duration_seconds"

void
web_ops_healthz(struct ctx *c)
{
	enum err e = db_ping(c->d->db);

	c->res->content_type = "text/plain; charset=utf-8";
	c->res->status = e == ERR_OK ? 200 : 503;
	buf_puts(
	    &c->res->body, e == ERR_OK ? "ok\n" : "database unavailable\n");
	if (e != ERR_OK)
		c->res->retry_after = 5;
}

/* Appends s as a label value: backslash, quote and newline escaped. */
static void
web_ops_label(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_puts(out, "\\\\");
		else if (*s == '"')
			buf_puts(out, "\\\"");
		else if (*s == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *s);
	}
}

/* Appends us microseconds as seconds with no trailing zeros: 2500 is
 * "0.0025", 1000000 is "1". */
static void
web_ops_seconds(struct buf *out, uint64_t us)
{
	uint64_t frac = us % 1000000;
	int digits = 6;

	buf_printf(out, "%llu", (unsigned long long)(us / 1000000));
	if (frac == 0)
		return;
	for (; frac % 10 == 0; frac /= 10)
		digits--;
	buf_printf(out, ".%0*llu", digits, (unsigned long long)frac);
}

static void
web_ops_counters(struct buf *out, const struct metrics_snapshot *s)
{
	for (int i = 0; i < s->ncounters; i++) {
		const char *name = s->counters[i].name;

		buf_printf(out,
		    "# HELP roster_%s_total %s\n"
		    "# TYPE roster_%s_total counter\n"
		    "roster_%s_total %llu\n",
		    name, s->counters[i].help, name, name,
		    (unsigned long long)s->counts[i]);
	}
}

static void
web_ops_requests(struct buf *out, const struct metrics_snapshot *s)
{
	buf_puts(out,
	    "# HELP roster_http_requests_total HTTP requests by "
	    "route and status class.\n"
	    "# TYPE roster_http_requests_total counter\n");
	for (int i = 0; i <= s->nroutes; i++) {
		for (int c = 0; c < METRICS_CLASSES; c++) {
			if (s->requests[i][c] == 0)
				continue;
			buf_puts(out, "roster_http_requests_total{route=\"");
			web_ops_label(out, s->routes[i]);
			buf_printf(out, "\",code=\"%dxx\"} %llu\n", c + 1,
			    (unsigned long long)s->requests[i][c]);
		}
	}
}

static void
web_ops_latency(struct buf *out, const struct metrics_snapshot *s)
{
	const char *name = WEB_OPS_LATENCY;

	buf_printf(out,
	    "# HELP %s Time to answer an HTTP request.\n"
	    "# TYPE %s histogram\n",
	    name, name);
	for (int b = 0; b <= METRICS_BOUNDS; b++) {
		buf_printf(out, "%s_bucket{le=\"", name);
		if (b < METRICS_BOUNDS)
			web_ops_seconds(out, s->bounds_us[b]);
		else
			buf_puts(out, "+Inf");
		buf_printf(
		    out, "\"} %llu\n", (unsigned long long)s->at_most[b]);
	}
	buf_printf(out, "%s_sum %llu.%06llu\n", name,
	    (unsigned long long)(s->sum_us / 1000000),
	    (unsigned long long)(s->sum_us % 1000000));
	buf_printf(out, "%s_count %llu\n", name,
	    (unsigned long long)s->at_most[METRICS_BOUNDS]);
}

void
web_ops_write(struct buf *out, const struct metrics_snapshot *s,
    const struct mail_counter *mail, int nmail)
{
	web_ops_counters(out, s);
	web_ops_requests(out, s);
	web_ops_latency(out, s);
	for (int i = 0; i < nmail; i++)
		buf_printf(out, "# TYPE roster_%s counter\nroster_%s %lld\n",
		    mail[i].name, mail[i].name, mail[i].value);
}

void
web_ops_metrics(struct ctx *c)
{
	struct metrics_snapshot *s = arena_alloc(c->a, sizeof(*s));
	struct mail_counter *mail = NULL;
	int nmail = 0;

	c->res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_read(s);
	/*
	 * The mailer's counters live in the database, shared by every host;
	 * when it cannot be read the rest is still worth answering.
	 */
	if (db_mailstat_list(c->d->db, c->a, &mail, &nmail) != ERR_OK)
		nmail = 0;
	web_ops_write(&c->res->body, s, mail, nmail);
}
