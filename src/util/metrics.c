/*
 * Shared-memory metrics. One anonymous MAP_SHARED region, mapped before the
 * supervisor forks, holds every count; workers update it with relaxed
 * atomic adds (no locks, so a worker that dies mid-update blocks nobody)
 * and any worker renders it for GET /metrics. Only plain integers live in
 * the region: route names stay in each process, which is why every
 * process must register the same route table.
 */
#include "util/metrics.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "util/buf.h"
#include "util/log.h"

/* Status classes 1xx..5xx. */
#define METRICS_CLASSES 5

/* Histogram upper bounds in microseconds; the last bucket is +Inf. */
static const struct {
	uint64_t us;
	const char *le;
} metrics_bounds[] = {
	{ 1000, "0.001" },
	{ 2500, "0.0025" },
	{ 5000, "0.005" },
	{ 10000, "0.01" },
	{ 25000, "0.025" },
	{ 50000, "0.05" },
	{ 100000, "0.1" },
	{ 250000, "0.25" },
	{ 500000, "0.5" },
	{ 1000000, "1" },
	{ 2500000, "2.5" },
	{ 5000000, "5" },
};
#define METRICS_NBOUNDS (sizeof(metrics_bounds) / sizeof(metrics_bounds[0]))

/* Latencies above this (about 11.6 days) are recorded as this. */
#define METRICS_MAX_US 1e12

static const struct {
	const char *name;
	const char *help;
} metrics_counters[C__MAX] = {
	[C_INVITATIONS_CREATED] = { "invitations_created",
	    "Invitations created." },
	[C_INVITATIONS_ACCEPTED] = { "invitations_accepted",
	    "Invitations accepted." },
	[C_INVITATIONS_REVOKED] = { "invitations_revoked",
	    "Invitations revoked." },
	[C_INVITATIONS_DECLINED] = { "invitations_declined",
	    "Invitations declined." },
	[C_INVITATIONS_RATE_LIMITED] = { "invitations_rate_limited",
	    "Invitation attempts refused by a rate limit." },
	[C_RATE_LIMITER_FAILURES] = { "rate_limiter_failures",
	    "Rate limiter checks that could not be made." },
	[C_EMAILS_QUEUED] = { "emails_queued", "Emails put in the outbox." },
	[C_LOGIN_FAILURES] = { "login_failures", "Failed sign-in attempts." },
	[C_DB_RECONNECTS] = { "db_reconnects",
	    "Database connections re-established." },
	[C_TX_RETRIES] = { "tx_retries",
	    "Transactions retried after a serialization failure or deadlock." },
};

struct metrics_region {
	uint64_t counters[C__MAX];
	/* [route][class]; slot METRICS_ROUTES_MAX counts unmatched. */
	uint64_t requests[METRICS_ROUTES_MAX + 1][METRICS_CLASSES];
	/*
	 * Per-bucket (not cumulative) counts, the last being +Inf; render
	 * adds them up, and their total is the count, so _count always
	 * equals the +Inf bucket.
	 */
	uint64_t buckets[METRICS_NBOUNDS + 1];
	uint64_t sum_us;
};

static struct metrics_region *metrics_shm;
static const struct metrics_region metrics_zero;
static const char *const *metrics_names;
static int metrics_nroutes; /* routes with a slot of their own */
static const char *metrics_unmatched = "unmatched";

int
metrics_init(void)
{
	void *p;

	if (metrics_shm != NULL)
		return 0;
	p = mmap(NULL, sizeof(*metrics_shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_err("metrics: mmap: %s", strerror(errno));
		return -1;
	}
	metrics_shm = p;
	return 0;
}

void
metrics_add(enum counter c, uint64_t n)
{
	if (metrics_shm == NULL || (unsigned)c >= C__MAX)
		return;
	__atomic_fetch_add(&metrics_shm->counters[c], n, __ATOMIC_RELAXED);
}

void
metrics_routes(const char *const *names, int nroutes)
{
	if (names == NULL || nroutes < 0)
		nroutes = 0;
	metrics_names = names;
	metrics_unmatched = names != NULL ? names[nroutes] : "unmatched";
	if (nroutes > METRICS_ROUTES_MAX) {
		log_warn("metrics: %d routes, only %d are counted apart",
		    nroutes, METRICS_ROUTES_MAX);
		nroutes = METRICS_ROUTES_MAX;
	}
	metrics_nroutes = nroutes;
}

void
metrics_request(int route, int status, double seconds)
{
	uint64_t us;
	size_t b;
	int cls;

	if (metrics_shm == NULL)
		return;
	if (route < 0 || route >= metrics_nroutes)
		route = METRICS_ROUTES_MAX;
	cls = status >= 100 && status <= 599 ? status / 100 - 1 : 4;
	/* Written so that NaN also lands on 0. */
	if (!(seconds > 0))
		seconds = 0;
	if (seconds * 1e6 > METRICS_MAX_US)
		seconds = METRICS_MAX_US / 1e6;
	us = (uint64_t)(seconds * 1e6 + 0.5);

	for (b = 0; b < METRICS_NBOUNDS; b++)
		if (us <= metrics_bounds[b].us)
			break;
	__atomic_fetch_add(
	    &metrics_shm->requests[route][cls], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&metrics_shm->sum_us, us, __ATOMIC_RELAXED);
	__atomic_fetch_add(&metrics_shm->buckets[b], 1, __ATOMIC_RELAXED);
}

static uint64_t
metrics_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Appends s as a label value: backslash, quote and newline escaped. */
static void
metrics_label(struct buf *out, const char *s)
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

static void
metrics_render_requests(struct buf *out, const struct metrics_region *r)
{
	uint64_t n;
	int i, c;

	buf_puts(out,
	    "# HELP roster_http_requests_total HTTP requests by "
	    "route and status class.\n"
	    "# TYPE roster_http_requests_total counter\n");
	for (i = 0; i <= METRICS_ROUTES_MAX; i++) {
		if (i >= metrics_nroutes && i < METRICS_ROUTES_MAX)
			continue;
		for (c = 0; c < METRICS_CLASSES; c++) {
			if ((n = metrics_load(&r->requests[i][c])) == 0)
				continue;
			buf_puts(out, "roster_http_requests_total{route=\"");
			metrics_label(out,
			    i < METRICS_ROUTES_MAX ? metrics_names[i]
						   : metrics_unmatched);
			buf_printf(out, "\",code=\"%dxx\"} %llu\n", c + 1,
			    (unsigned long long)n);
		}
	}
}

static void
metrics_render_latency(struct buf *out, const struct metrics_region *r)
{
	const char *name = "roster_http_request_duration_seconds";
	uint64_t total = 0, sum;
	size_t b;

	buf_printf(out,
	    "# HELP %s Time to answer an HTTP request.\n"
	    "# TYPE %s histogram\n",
	    name, name);
	for (b = 0; b <= METRICS_NBOUNDS; b++) {
		total += metrics_load(&r->buckets[b]);
		buf_printf(out, "%s_bucket{le=\"%s\"} %llu\n", name,
		    b < METRICS_NBOUNDS ? metrics_bounds[b].le : "+Inf",
		    (unsigned long long)total);
	}
	sum = metrics_load(&r->sum_us);
	buf_printf(out, "%s_sum %llu.%06llu\n", name,
	    (unsigned long long)(sum / 1000000),
	    (unsigned long long)(sum % 1000000));
	buf_printf(out, "%s_count %llu\n", name, (unsigned long long)total);
}

void
metrics_render(struct buf *out)
{
	const struct metrics_region *r;
	int c;

	r = metrics_shm != NULL ? metrics_shm : &metrics_zero;
	for (c = 0; c < C__MAX; c++)
		buf_printf(out,
		    "# HELP roster_%s_total %s\n"
		    "# TYPE roster_%s_total counter\n"
		    "roster_%s_total %llu\n",
		    metrics_counters[c].name, metrics_counters[c].help,
		    metrics_counters[c].name, metrics_counters[c].name,
		    (unsigned long long)metrics_load(&r->counters[c]));
	metrics_render_requests(out, r);
	metrics_render_latency(out, r);
}
