/*
 * roster-mailer: delivers the outbox. It claims due rows in small leased
 * batches, decrypts and sends each through SMTP (ROSTER_SMTP_URL) or as an
 * .eml file under $ROSTER_STATE_DIR/mail, and records the outcome with
 * retries and backoff. After each burst of mail it delivers the webhook
 * events that are due (mail/mail_webhook.h), with the same lease and
 * backoff. Runs until SIGTERM or SIGINT; with --once it delivers what is
 * due of both and exits. What it delivered is counted here, per host, and
 * written to ROSTER_MAILER_METRICS_FILE when set.
 *
 * Usage: roster-mailer [--once] | --help | --version
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "mail/mail.h"
#include "mail/mail_webhook.h"
#include "util/arena.h"
#include "util/email.h"
#include "util/err.h"
#include "util/log.h"
#include "util/notify.h"
#include "util/priv.h"
#include "util/str.h"

/* Rows claimed at once: BATCH, doubling up to BATCH_MAX while claims come
 * back full and batches go out quickly (a backlog), back to BATCH as soon
 * as one does not. A crash re-sends at most two batches (the one being
 * delivered and the previous one, whose record may still be in flight):
 * 2 * BATCH_MAX messages (docs/decisions.md). */
#define BATCH     10
#define BATCH_MAX 50
/* A batch that took this long (seconds) is slow: the next is BATCH. */
#define BATCH_SLOW 2
/* Rows of a batch are only attempted while their lease has a minute
 * left, so a slow batch never overlaps another mailer's claim. */
#define BATCH_BUDGET  (MAIL_LEASE_SECONDS - 60)
#define DOWN_WAIT_MAX 8

static volatile sig_atomic_t mailer_stop;

/* What this mailer did since it started, by outcome (MAIL_RETRY: an
 * attempt that will be tried again). */
static unsigned long long mailer_counts[MAIL__MAX];
static const char *mailer_metrics_file; /* NULL: counts are not written */
/* Webhook deliveries of this mailer, by outcome (MAIL_SENT: delivered). */
static struct mail_webhook_counts mailer_webhooks;
static const char *const mailer_webhook_metric[3][2] = {
	{ "webhooks_delivered",
	    "Webhook deliveries this host's mailer had answered with 2xx." },
	{ "webhooks_retried",
	    "Webhook attempts of this host's mailer that will be retried." },
	{ "webhooks_failed",
	    "Webhook deliveries this host's mailer gave up on." },
};

/* The Prometheus name and help of each count, for the textfile. */
static const char *const mailer_metric[MAIL__MAX][2] = {
	[MAIL_SENT] = { "emails_sent",
	    "Emails this host's mailer handed to the SMTP server or wrote." },
	[MAIL_RETRY] = { "emails_retried",
	    "Delivery attempts of this host's mailer that will be retried." },
	[MAIL_FAILED] = { "emails_failed",
	    "Emails this host's mailer gave up on." },
	[MAIL_SKIPPED] = { "emails_skipped",
	    "Emails this host's mailer dropped as no longer wanted." },
};

/*
 * Writes the counts to mailer_metrics_file in the Prometheus text format,
 * through a temporary file renamed over it, so that a reader (the node
 * exporter's textfile collector) never sees half a file. Failures are
 * logged once until a write succeeds again.
 */
static void
mailer_metrics_write(void)
{
	static bool failing;
	char tmp[4096];
	FILE *f;
	int ok;

	if (mailer_metrics_file == NULL)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", mailer_metrics_file) >=
	    (int)sizeof(tmp))
		return;
	if ((f = fopen(tmp, "w")) == NULL)
		goto fail;
	fprintf(f,
	    "# HELP roster_mailer_build_info The version of roster-mailer.\n"
	    "# TYPE roster_mailer_build_info gauge\n"
	    "roster_mailer_build_info{version=\"%s\"} 1\n",
	    PACKAGE_VERSION);
	for (int i = 0; i < MAIL__MAX; i++)
		fprintf(f,
		    "# HELP roster_mailer_%s_total %s\n"
		    "# TYPE roster_mailer_%s_total counter\n"
		    "roster_mailer_%s_total %llu\n",
		    mailer_metric[i][0], mailer_metric[i][1],
		    mailer_metric[i][0], mailer_metric[i][0], mailer_counts[i]);
	for (int i = 0; i < 3; i++)
		fprintf(f,
		    "# HELP roster_mailer_%s_total %s\n"
		    "# TYPE roster_mailer_%s_total counter\n"
		    "roster_mailer_%s_total %llu\n",
		    mailer_webhook_metric[i][0], mailer_webhook_metric[i][1],
		    mailer_webhook_metric[i][0], mailer_webhook_metric[i][0],
		    mailer_webhooks.n[i == 0 ? MAIL_SENT
				: i == 1 ? MAIL_RETRY
					 : MAIL_FAILED]);
	ok = fflush(f) == 0 && !ferror(f);
	if (fclose(f) != 0 || !ok || rename(tmp, mailer_metrics_file) == -1) {
		(void)unlink(tmp);
		goto fail;
	}
	failing = false;
	return;
fail:
	if (!failing)
		log_err("cannot write %s: %s", mailer_metrics_file,
		    strerror(errno));
	failing = true;
}

static void
mailer_on_signal(int sig)
{
	(void)sig;
	mailer_stop = 1;
}

static int
mailer_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal cuts the wait short. */
	sa.sa_handler = mailer_on_signal;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* Sleeps for the given seconds (while the database is down), or less
 * when a signal arrives. */
static void
mailer_wait(int seconds)
{
	struct timespec ts = { seconds, 0 };

	(void)nanosleep(&ts, NULL);
}

static time_t
mailer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Hands back the rows of a batch from i on, not attempted, so that they
 * are due again at once rather than after their lease. */
static void
mailer_release(struct db *db, struct arena *row,
    const struct outbox_row *rows, int i, int n)
{
	for (; i < n; i++) {
		(void)mail_outbox_release(db, row, &rows[i]);
		arena_reset(row);
	}
}

/*
 * Delivers batches until a claim finds nothing due, a stop is asked for
 * or the database fails. One statement per batch, sent before the batch
 * is delivered and collected after it (mail_outbox_claim_send/recv):
 * it records the previous batch's sent rows and claims the next batch,
 * so the database works while SMTP does and the mailer waits for it only
 * when a row's outcome must be recorded at once (a retry or a failure).
 * A batch's rows live in one of the two arenas of bat, in turn (the next
 * batch arrives while the current one is in use, and the ids of its sent
 * rows are needed until the next statement goes out); per-row memory
 * comes from row, reset after each row. Returns the number of rows
 * claimed, or -1 when the database failed.
 */
static int
mailer_burst(struct db *db, struct arena *bat[2], struct arena *row,
    const struct keys *k, const struct mail_transport *t,
    const struct mail_schedule *s)
{
	const char *ids[2][BATCH_MAX];
	struct mail_sent sent[2] = { { ids[0], 0, BATCH_MAX },
		{ ids[1], 0, BATCH_MAX } };
	int want = BATCH; /* the size of the next claim */
	struct outbox_row *rows, *next = NULL;
	enum mail_result res;
	time_t start = mailer_now(), next_start;
	int n, nn = 0, cur = 0, total = 0, i, nrec;
	enum err e = ERR_OK;

	/* The first batch: a claim with nothing to record. */
	e = mail_outbox_claim_send(db, row, &sent[1], BATCH);
	arena_reset(row);
	if (e != ERR_OK || mail_outbox_claim_recv(db, bat[0], &rows, &n) !=
		ERR_OK) {
		arena_reset(bat[0]);
		return -1;
	}
	next = rows;
	nn = n;
	while (n > 0) {
		total += n;
		/* Out before the first message: the previous batch's sent
		 * rows (their ids are in the other arena) and the next
		 * claim; none once a stop is asked for. */
		next_start = mailer_now();
		/* A full claim and a quick batch before it: a backlog. */
		want = n == want && next_start - start < BATCH_SLOW
		    ? (want * 2 < BATCH_MAX ? want * 2 : BATCH_MAX)
		    : BATCH;
		e = mail_outbox_claim_send(
		    db, row, &sent[1 - cur], mailer_stop ? 0 : want);
		arena_reset(row);
		if (e != ERR_OK)
			break;
		nrec = sent[1 - cur].n;
		sent[1 - cur].n = 0;
		arena_reset(bat[1 - cur]);
		for (i = 0; i < n && !mailer_stop && e == ERR_OK; i++) {
			if (mailer_now() - start > BATCH_BUDGET)
				break;
			/* Sent rows are recorded with the next statement;
			 * other outcomes at once. */
			e = mail_outbox_deliver(
			    db, row, k, t, s, &rows[i], &sent[cur], &res);
			arena_reset(row);
			if (e == ERR_OK && res < MAIL__MAX && res != MAIL_SENT)
				mailer_counts[res]++;
			/* else: the outcome of this row is unknown to the
			 * database: it stays leased and is tried again
			 * later. */
		}
		if (mail_outbox_claim_recv(db, bat[1 - cur], &next, &nn) ==
		    ERR_OK)
			mailer_counts[MAIL_SENT] += (unsigned long long)nrec;
		else {
			/* Those rows stay leased: sent again after it. */
			nn = 0;
			if (e == ERR_OK)
				e = ERR_DATABASE;
		}
		if (e != ERR_OK)
			break;
		mailer_release(db, row, rows, i, n);
		/* Nothing more was due: this batch's sent rows are recorded
		 * now, with one more look for rows that fell due. */
		if (nn == 0 && sent[cur].n > 0) {
			next_start = mailer_now();
			want = BATCH;
			e = mail_outbox_claim_send(
			    db, row, &sent[cur], mailer_stop ? 0 : want);
			arena_reset(row);
			if (e != ERR_OK || (e = mail_outbox_claim_recv(db,
						bat[1 - cur], &next, &nn)) !=
				ERR_OK)
				break;
			mailer_counts[MAIL_SENT] += (unsigned long long)sent[cur].n;
			sent[cur].n = 0;
		}
		mailer_metrics_write();
		rows = next;
		n = nn;
		start = next_start;
		cur = 1 - cur;
	}
	if (e != ERR_OK) {
		/* Whatever can still be recorded or handed back is (each
		 * fails fast when the connection is gone); the rest waits out
		 * its lease. nn rows of next were claimed and not attempted
		 * (next is rows when the failure came before the batch). */
		for (int j = 0; j < 2; j++)
			if ((nrec = sent[j].n) > 0 &&
			    mail_outbox_record_sent(db, row, &sent[j]) ==
				ERR_OK)
				mailer_counts[MAIL_SENT] +=
				    (unsigned long long)nrec;
		arena_reset(row);
		mailer_release(db, row, next, 0, nn);
	}
	arena_reset(bat[0]);
	arena_reset(bat[1]);
	if (total > 0)
		mailer_metrics_write();
	return e == ERR_OK ? total : -1;
}

/*
 * Delivers one batch of due webhook events (at most MAIL_WEBHOOK_BATCH,
 * at most MAIL_WEBHOOK_TIMEOUT seconds). One only: the outbox is looked
 * at again before the next, so a backlog of endpoints that never answer
 * holds email back by one batch at most. Returns how many were claimed,
 * or -1 when the database failed.
 */
static int
mailer_webhook_burst(struct db *db, struct arena *row,
    const struct conf *conf, const struct mail_schedule *s)
{
	int n = mail_webhook_burst(db, row, &conf->keys, s,
	    conf->webhook_allow_private, &mailer_webhooks);

	arena_reset(row);
	if (n > 0)
		mailer_metrics_write();
	return n;
}

/* The usage, on stdout for --help, else on stderr. */
static void
mailer_usage(FILE *out)
{
	fprintf(out,
	    "usage: roster-mailer [--once]\n"
	    "       roster-mailer --help | --version\n"
	    "Configured by the ROSTER_* environment variables: see "
	    "roster.env(5)\nand rosterctl config.\n");
}

/* Fills *t from the configuration and says where mail goes. Returns 0,
 * or -1 (logged) for settings that could send credentials in clear or
 * are incomplete: the mailer then does not start. */
static int
mailer_transport(struct mail_transport *t, const struct conf *conf,
    struct arena *a, bool once)
{
	const char *why;

	memset(t, 0, sizeof(*t));
	t->smtp_url = conf->smtp_url;
	t->smtp_user = conf->smtp_user;
	t->smtp_password = conf->smtp_password;
	t->require_tls = conf->smtp_require_tls;
	t->ca_file = conf->smtp_ca_file;
	t->mail_dir = arena_printf(a, "%s/mail", conf->state_dir);
	t->from = conf->mail_from;
	if ((why = mail_transport_check(t)) != NULL) {
		log_err("refusing to start: %s", why);
		return -1;
	}
	/* The URL is not logged: it may carry credentials. */
	if (conf->smtp_url != NULL)
		log_info("event=start transport=smtp tls=%s once=%d",
		    str_startswith(conf->smtp_url, "smtps://")
			? "implicit"
			: mail_transport_tls(t) ? "starttls_required"
						: "starttls_when_offered",
		    (int)once);
	else
		log_info("event=start transport=files dir=%s once=%d",
		    log_value(a, t->mail_dir), (int)once);
	return 0;
}

/*
 * Delivers batches of mail, then of webhook events, until a stop is asked
 * for (or, with once, until neither has anything due). While the database
 * is down it waits, doubling the pause up to DOWN_WAIT_MAX seconds.
 * Returns 0, or -1 when once and the database cannot be reached.
 */
static int
mailer_loop(struct db *db, struct arena *bat[2], struct arena *row,
    const struct conf *conf, const struct mail_transport *t, bool once)
{
	const struct mail_schedule s = { conf->retry_base, conf->mail_give_up };
	int down_wait = 1, hooks = 0;
	bool ready = false;

	while (!mailer_stop) {
		if (!ready && db_ensure(db) == ERR_OK) {
			(void)notify_ready(); /* connected: systemd's start is over */
			ready = true;
		}
		if (db_ensure(db) != ERR_OK ||
		    mailer_burst(db, bat, row, &conf->keys, t, &s) == -1 ||
		    (hooks = mailer_webhook_burst(db, row, conf, &s)) == -1) {
			if (once)
				return -1;
			mailer_wait(down_wait);
			if (down_wait < DOWN_WAIT_MAX)
				down_wait *= 2;
			continue;
		}
		down_wait = 1;
		/* A burst ends when a claim finds nothing (a short batch
		 * does not: another mailer may have leased the rows this
		 * claim saw as due). Nothing more due: no SMTP connection
		 * stays open idle. */
		mail_transport_hangup(t);
		/* A full batch of webhooks: more may be due; mail first. */
		if (hooks == MAIL_WEBHOOK_BATCH)
			continue;
		if (once)
			break;
		(void)db_wait(db, 1000);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct mail_transport t = { .smtp_url = NULL };
	struct arena *perm = NULL, *bat[2] = { NULL, NULL }, *row = NULL;
	struct db *db = NULL;
	struct conf conf;
	struct priv priv;
	bool once = false;
	int rc = 1;

	log_init("roster-mailer");
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		mailer_usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("roster-mailer %s\n", PACKAGE_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			once = true;
		else {
			mailer_usage(stderr);
			return 2;
		}
	}
	/* Nothing here needs root: started as root, it drops at once. */
	if (crypto_init_no_passwords() == -1 || conf_load(&conf, true) == -1 ||
	    priv_init(&priv, conf.user, NULL) == -1 || priv_drop(&priv) == -1)
		return 1;
	if (!email_valid(conf.mail_from, EMAIL_HEADER)) {
		log_err(
		    "ROSTER_MAIL_FROM is not an address the mailer can use");
		goto done;
	}
	if (mailer_signals() == -1) {
		log_err("sigaction: %s", strerror(errno));
		goto done;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("cannot initialise libcurl");
		goto done;
	}
	perm = arena_new(0);
	bat[0] = arena_new(0);
	bat[1] = arena_new(0);
	row = arena_new(0);
	/* Never start a mailer that could send credentials in clear. */
	if (mailer_transport(&t, &conf, perm, once) == -1)
		goto done;
	/* One SMTP connection for a run of messages, not one each. */
	if (mail_transport_keep(&t) == -1) {
		log_err("out of memory");
		goto done;
	}
	if (conf.mailer_metrics_file != NULL &&
	    conf.mailer_metrics_file[0] != '\0') {
		mailer_metrics_file = conf.mailer_metrics_file;
		mailer_metrics_write();
	}

	db = db_open_limits(conf.database_url,
	    &(struct db_limits) { conf.db_connect_timeout,
		conf.db_statement_timeout, conf.db_lock_timeout });
	/* New messages announce themselves (mail_outbox_enqueue notifies); the
	 * one-second timeout still finds retries that fall due. */
	(void)db_listen(db, "roster_outbox");
	if (mailer_loop(db, bat, row, &conf, &t, once) == -1)
		goto done;
	log_info("event=stop");
	(void)notify_stopping();
	rc = 0;
done:
	mail_transport_free(&t);
	db_close(db);
	arena_free(row);
	arena_free(bat[1]);
	arena_free(bat[0]);
	arena_free(perm);
	keys_wipe(&conf.keys);
	curl_global_cleanup();
	return rc;
}
