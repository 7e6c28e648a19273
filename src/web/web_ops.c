/*
 * Operations endpoints: health and metrics. Neither touches sessions. This
 * is the one place that writes the Prometheus text format: util/metrics
 * and db/mailstat only hand over numbers. What this host did is a counter
 * of its own; what the shared database holds is a gauge whose name and
 * HELP say it is database-wide.
 */
#include "web/web_ops.h"

#include <string.h>

#include "db/db.h"
#include "db/db_mailstat.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/metrics.h"
#include "web/web.h"

#define WEB_OPS_LATENCY "roster_http_request_duration_seconds"

_Static_assert(METHOD__MAX < METRICS_METHODS,
    "every method has a slot, and one more names the others");

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

/* Appends method="…",route="…" for route r and method index m. */
static void
web_ops_route(struct buf *out, const struct metrics_snapshot *s, int r, int m)
{
	static const char *const methods[METRICS_METHODS] = {
		[METHOD_GET] = "GET",
		[METHOD_HEAD] = "HEAD",
		[METHOD_POST] = "POST",
		[METRICS_METHODS - 1] = "other",
	};

	buf_printf(out, "method=\"%s\",route=\"", methods[m]);
	web_ops_label(out, s->routes[r]);
	buf_putc(out, '"');
}

static void
web_ops_requests(struct buf *out, const struct metrics_snapshot *s)
{
	buf_puts(out,
	    "# HELP roster_http_requests_total HTTP requests answered by "
	    "this host, by method, route pattern and status code.\n"
	    "# TYPE roster_http_requests_total counter\n");
	for (int i = 0; i < s->nseries; i++) {
		const struct metrics_series *x = &s->series[i];

		buf_puts(out, "roster_http_requests_total{");
		web_ops_route(out, s, x->route, x->method);
		buf_printf(out, ",code=\"%d\"} %llu\n", x->status,
		    (unsigned long long)x->n);
	}
}

/* The API's share of the request counts: roster_api_requests_total
 * {route,code} for the routes under /api/, methods added together. */
static void
web_ops_api(struct buf *out, const struct metrics_snapshot *s)
{
	buf_puts(out,
	    "# HELP roster_api_requests_total JSON API requests answered by "
	    "this host, by route pattern and status code.\n"
	    "# TYPE roster_api_requests_total counter\n");
	for (int i = 0; i < s->nseries; i++) {
		const struct metrics_series *x = &s->series[i];
		uint64_t n = 0;
		bool first = true;

		if (x->route >= s->nroutes || s->routes[x->route] == NULL ||
		    strncmp(s->routes[x->route], "/api/", 5) != 0)
			continue;
		/* Once per route and status: at its first series. */
		for (int j = 0; j < s->nseries; j++) {
			const struct metrics_series *y = &s->series[j];

			if (y->route != x->route || y->status != x->status)
				continue;
			if (j < i)
				first = false;
			n += y->n;
		}
		if (!first)
			continue;
		buf_puts(out, "roster_api_requests_total{route=\"");
		web_ops_label(out, s->routes[x->route]);
		buf_printf(out, "\",code=\"%d\"} %llu\n", x->status,
		    (unsigned long long)n);
	}
}

static void
web_ops_latency(struct buf *out, const struct metrics_snapshot *s)
{
	const char *name = WEB_OPS_LATENCY;

	buf_printf(out,
	    "# HELP %s Time to answer an HTTP request, by method and route "
	    "pattern.\n"
	    "# TYPE %s histogram\n",
	    name, name);
	for (int r = 0; r <= s->nroutes; r++) {
		for (int m = 0; m < METRICS_METHODS; m++) {
			const uint64_t *at = s->at_most[r][m];

			if (at[METRICS_BOUNDS] == 0)
				continue;
			for (int b = 0; b <= METRICS_BOUNDS; b++) {
				buf_printf(out, "%s_bucket{", name);
				web_ops_route(out, s, r, m);
				buf_puts(out, ",le=\"");
				if (b < METRICS_BOUNDS)
					web_ops_seconds(out, s->bounds_us[b]);
				else
					buf_puts(out, "+Inf");
				buf_printf(out, "\"} %llu\n",
				    (unsigned long long)at[b]);
			}
			buf_printf(out, "%s_sum{", name);
			web_ops_route(out, s, r, m);
			buf_printf(out, "} %llu.%06llu\n",
			    (unsigned long long)(s->sum_us[r][m] / 1000000),
			    (unsigned long long)(s->sum_us[r][m] % 1000000));
			buf_printf(out, "%s_count{", name);
			web_ops_route(out, s, r, m);
			buf_printf(out, "} %llu\n",
			    (unsigned long long)at[METRICS_BOUNDS]);
		}
	}
}

static void
web_ops_workers(struct buf *out, const struct metrics_snapshot *s)
{
	int i;

	buf_puts(out,
	    "# HELP roster_worker_cpu_seconds_total CPU time (user and "
	    "system) of each running worker; worker is its slot, reused by "
	    "its replacement.\n"
	    "# TYPE roster_worker_cpu_seconds_total counter\n");
	for (i = 0; i < s->nworkers; i++) {
		buf_printf(out,
		    "roster_worker_cpu_seconds_total{worker=\"%d\"} ",
		    s->workers[i].slot);
		web_ops_seconds(out, s->workers[i].cpu_us);
		buf_putc(out, '\n');
	}
	buf_puts(out,
	    "# HELP roster_worker_resident_memory_bytes Resident memory of "
	    "each running worker.\n"
	    "# TYPE roster_worker_resident_memory_bytes gauge\n");
	for (i = 0; i < s->nworkers; i++)
		buf_printf(out,
		    "roster_worker_resident_memory_bytes{worker=\"%d\"} %llu\n",
		    s->workers[i].slot,
		    (unsigned long long)s->workers[i].rss_bytes);
	buf_puts(out,
	    "# HELP roster_worker_open_fds Open file descriptors of each "
	    "running worker.\n"
	    "# TYPE roster_worker_open_fds gauge\n");
	for (i = 0; i < s->nworkers; i++)
		buf_printf(out, "roster_worker_open_fds{worker=\"%d\"} %llu\n",
		    s->workers[i].slot, (unsigned long long)s->workers[i].fds);
}

/* The mail_counters rows that count webhook deliveries by outcome. */
static const struct {
	const char *row, *outcome;
} web_ops_outcomes[] = {
	{ "webhooks_delivered_total", "delivered" },
	{ "webhooks_retried_total", "retried" },
	{ "webhooks_failed_total", "failed" },
};

/* The outcome a mail_counters row counts webhook deliveries of, or NULL
 * for a row of the mailers' email counts. */
static const char *
web_ops_outcome(const char *row)
{
	for (size_t i = 0;
	     i < sizeof(web_ops_outcomes) / sizeof(web_ops_outcomes[0]); i++)
		if (strcmp(web_ops_outcomes[i].row, row) == 0)
			return web_ops_outcomes[i].outcome;
	return NULL;
}

/* The webhook rows of mail_counters as one family labelled by outcome. */
static void
web_ops_webhooks(struct buf *out, const struct mail_counter *mail, int nmail)
{
	bool head = false;

	for (int i = 0; i < nmail; i++) {
		const char *o = web_ops_outcome(mail[i].name);

		if (o == NULL)
			continue;
		if (!head)
			buf_puts(out,
			    "# HELP roster_webhook_deliveries_total "
			    "Database-wide: webhook delivery attempts of every "
			    "mailer of this database by outcome (delivered: a "
			    "2xx; retried: another answer or none, tried again "
			    "later; failed: given up after the last try).\n"
			    "# TYPE roster_webhook_deliveries_total counter\n");
		head = true;
		buf_printf(out,
		    "roster_webhook_deliveries_total{outcome=\"%s\"} %lld\n", o,
		    mail[i].value);
	}
}

/* The database's figures: the same on every host that scrapes them. */
static void
web_ops_database(struct buf *out, const struct mail_backlog *backlog,
    const struct mail_counter *mail, int nmail)
{
	if (backlog != NULL)
		buf_printf(out,
		    "# HELP roster_outbox_queued_messages Database-wide: "
		    "messages in the outbox waiting to be sent, whichever "
		    "host queued them.\n"
		    "# TYPE roster_outbox_queued_messages gauge\n"
		    "roster_outbox_queued_messages %lld\n"
		    "# HELP roster_outbox_oldest_queued_age_seconds "
		    "Database-wide: age of the oldest message waiting in the "
		    "outbox, 0 when none waits.\n"
		    "# TYPE roster_outbox_oldest_queued_age_seconds gauge\n"
		    "roster_outbox_oldest_queued_age_seconds %.3f\n",
		    backlog->queued, backlog->oldest_seconds);
	if (backlog != NULL)
		buf_printf(out,
		    "# HELP roster_webhook_queued_deliveries Database-wide: "
		    "webhook deliveries waiting to be made or retried.\n"
		    "# TYPE roster_webhook_queued_deliveries gauge\n"
		    "roster_webhook_queued_deliveries %lld\n"
		    "# HELP roster_webhook_oldest_queued_age_seconds "
		    "Database-wide: age of the oldest webhook delivery waiting, "
		    "0 when none waits.\n"
		    "# TYPE roster_webhook_oldest_queued_age_seconds gauge\n"
		    "roster_webhook_oldest_queued_age_seconds %.3f\n",
		    backlog->webhook_queued, backlog->webhook_oldest_seconds);
	web_ops_webhooks(out, mail, nmail);
	/* SPEC §4 names these counters (emails_sent_total, ...): they keep
	 * their names and type, and say they are the database's. */
	for (int i = 0; i < nmail; i++)
		if (web_ops_outcome(mail[i].name) == NULL)
			buf_printf(out,
			    "# HELP roster_%s Database-wide: every mailer of "
			    "this database since it was created, the same on "
			    "every host (take max, not sum; this host's own "
			    "mailer counts roster_mailer_%s).\n"
			    "# TYPE roster_%s counter\n"
			    "roster_%s %lld\n",
			    mail[i].name, mail[i].name, mail[i].name,
			    mail[i].name, mail[i].value);
}

void
web_ops_write(struct buf *out, const struct metrics_snapshot *s,
    const struct mail_backlog *backlog, const struct mail_counter *mail,
    int nmail)
{
	buf_puts(out,
	    "# HELP roster_build_info The version of roster-fcgi answering.\n"
	    "# TYPE roster_build_info gauge\n"
	    "roster_build_info{version=\"");
	web_ops_label(out, PACKAGE_VERSION);
	buf_puts(out, "\"} 1\n");
	web_ops_counters(out, s);
	web_ops_requests(out, s);
	web_ops_api(out, s);
	web_ops_latency(out, s);
	web_ops_workers(out, s);
	web_ops_database(out, backlog, mail, nmail);
}

void
web_ops_observe(struct ctx *c, double seconds)
{
	metrics_request(
	    c->req->route, (int)c->req->method, c->res->status, seconds);
	metrics_worker_sample(false);
}

void
web_ops_metrics(struct ctx *c)
{
	struct metrics_snapshot *s = arena_alloc(c->a, sizeof(*s));
	struct mail_backlog backlog;
	struct mail_counter *mail = NULL;
	int nmail = 0;
	bool have_backlog;

	c->res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_worker_sample(true);
	metrics_read(s);
	/*
	 * The outbox and the mailers' counters live in the database, shared
	 * by every host; when it cannot be read the rest is still worth
	 * answering.
	 */
	have_backlog = db_mailstat_backlog(c->d->db, c->a, &backlog) == ERR_OK;
	if (db_mailstat_list(c->d->db, c->a, &mail, &nmail) != ERR_OK)
		nmail = 0;
	web_ops_write(
	    &c->res->body, s, have_backlog ? &backlog : NULL, mail, nmail);
}
