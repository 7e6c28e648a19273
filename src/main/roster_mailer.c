/*
 * roster-mailer: delivers the outbox. It claims due rows in small leased
 * batches, decrypts and sends each through SMTP (ROSTER_SMTP_URL) or as an
 * .eml file under $ROSTER_STATE_DIR/mail, and records the outcome with
 * retries and backoff. Runs until SIGTERM or SIGINT; with --once it
 * delivers what is due and exits. What it delivered is counted here, per
 * host, and written to ROSTER_MAILER_METRICS_FILE when set.
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
#include "util/arena.h"
#include "util/email.h"
#include "util/err.h"
#include "util/log.h"
#include "util/notify.h"
#include "util/priv.h"
#include "util/str.h"

#define BATCH 10
/* Rows of a batch are only attempted while their lease has a minute
 * left, so a slow batch never overlaps another mailer's claim. */
#define BATCH_BUDGET  (MAIL_LEASE_SECONDS - 60)
#define DOWN_WAIT_MAX 8

static volatile sig_atomic_t mailer_stop;

/* What this mailer did since it started, by outcome (MAIL_RETRY: an
 * attempt that will be tried again). */
static unsigned long long mailer_counts[MAIL__MAX];
static const char *mailer_metrics_file; /* NULL: counts are not written */

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

/*
 * Claims and delivers one batch. Per-row memory comes from row, reset
 * after each row. Returns the number of rows claimed, or -1 when the
 * database failed.
 */
static int
mailer_batch(struct db *db, struct arena *batch, struct arena *row,
    const struct keys *k, const struct mail_transport *t,
    const struct mail_schedule *s)
{
	const char *ids[BATCH];
	struct mail_sent sent = { ids, 0, BATCH };
	struct outbox_row *rows;
	enum mail_result res;
	time_t start = mailer_now();
	int n, i, nsent;
	enum err e = ERR_OK, es;

	if (mail_outbox_claim(db, batch, BATCH, &rows, &n) != ERR_OK) {
		arena_reset(batch);
		return -1;
	}
	for (i = 0; i < n && !mailer_stop; i++) {
		if (mailer_now() - start > BATCH_BUDGET)
			break;
		/* Rows sent are recorded together after the loop: one
		 * statement per batch, not one per message. */
		e = mail_outbox_deliver(
		    db, row, k, t, s, &rows[i], &sent, &res);
		arena_reset(row);
		if (e == ERR_OK && res < MAIL__MAX && res != MAIL_SENT)
			mailer_counts[res]++;
		if (e != ERR_OK) {
			/* The outcome of this row is unknown to the database:
			 * it stays leased and is tried again later. */
			i++;
			break;
		}
	}
	nsent = sent.n;
	if ((es = mail_outbox_record_sent(db, row, &sent)) == ERR_OK)
		mailer_counts[MAIL_SENT] += (unsigned long long)nsent;
	else if (e == ERR_OK)
		e = es; /* they stay leased: sent again after the lease */
	arena_reset(row);
	/* Rows not attempted are handed back at once rather than waiting
	 * out their lease. */
	for (; i < n && e == ERR_OK; i++) {
		(void)mail_outbox_release(db, row, &rows[i]);
		arena_reset(row);
	}
	arena_reset(batch);
	if (n > 0)
		mailer_metrics_write();
	return e == ERR_OK ? n : -1;
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
 * Delivers batches until a stop is asked for (or, with once, until the
 * outbox has nothing due). While the database is down it waits, doubling
 * the pause up to DOWN_WAIT_MAX seconds. Returns 0, or -1 when once and
 * the database cannot be reached.
 */
static int
mailer_loop(struct db *db, struct arena *batch, struct arena *row,
    const struct conf *conf, const struct mail_transport *t, bool once)
{
	const struct mail_schedule s = { conf->retry_base, conf->mail_give_up };
	int n, down_wait = 1;
	bool ready = false;

	while (!mailer_stop) {
		if (!ready && db_ensure(db) == ERR_OK) {
			(void)notify_ready(); /* connected: systemd's start is over */
			ready = true;
		}
		if (db_ensure(db) != ERR_OK ||
		    (n = mailer_batch(db, batch, row, &conf->keys, t, &s)) ==
			-1) {
			if (once)
				return -1;
			mailer_wait(down_wait);
			if (down_wait < DOWN_WAIT_MAX)
				down_wait *= 2;
			continue;
		}
		down_wait = 1;
		/* A short batch does not mean the outbox is empty: another
		 * mailer may have leased the rows this claim saw as due.
		 * Only a claim that finds nothing does. */
		if (n > 0)
			continue; /* more may be due */
		/* Nothing more due: no SMTP connection stays open idle. */
		mail_transport_hangup(t);
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
	struct arena *perm = NULL, *batch = NULL, *row = NULL;
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
	batch = arena_new(0);
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
	if (mailer_loop(db, batch, row, &conf, &t, once) == -1)
		goto done;
	log_info("event=stop");
	(void)notify_stopping();
	rc = 0;
done:
	mail_transport_free(&t);
	db_close(db);
	arena_free(row);
	arena_free(batch);
	arena_free(perm);
	keys_wipe(&conf.keys);
	curl_global_cleanup();
	return rc;
}
