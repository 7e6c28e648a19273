/*
 * Unit tests of src/mail/mail_outbox.c against PostgreSQL: enqueueing inside a
 * transaction (encrypted body, notification at commit, rollback), claims
 * and leases, and every outcome of a delivery (sent, retry with backoff,
 * giving up, undecryptable, skipped) with its counter.
 *
 * The database is ROSTER_TEST_DATABASE_URL when set; otherwise the test
 * starts a throwaway PostgreSQL cluster of its own with scripts/pg (the
 * bootstrap scripts/up and the test harness use) and removes it at exit.
 * It loads the migrations in sql/ from $ROSTER_SRCDIR (or the current
 * directory) into a private schema and drops it at the end. Without
 * PostgreSQL the test is skipped, except under CI, where that is a
 * failure.
 */
#include <dirent.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "db/db.h"
#include "mail/mail.h"
#include "tap.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define SECRET       "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define OTHER_SECRET "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define FROM         "roster@example.org"
#define LINK         "https://roster.example/invitations/accept?token=SECRETLINK123"

static struct arena *A;
static struct db *DB;
static struct keys K;
/* The default schedule: ROSTER_RETRY_BASE 5, ROSTER_MAIL_GIVE_UP a day. */
static const struct mail_schedule S = { 5, 86400 };
static char *schema;
static char tmpdir[] = "/tmp/roster-outbox-t.XXXXXX";

static char pgdir[] = "/tmp/roster-outbox-pg.XXXXXX";
static bool pg_started;

/* The source tree: scripts/ and sql/ live there. */
static const char *
src_dir(void)
{
	const char *src = getenv("ROSTER_SRCDIR");

	return src != NULL && *src != '\0' ? src : ".";
}

static void
pg_stop(void)
{
	if (!pg_started)
		return;
	pg_started = false;
	if (system(arena_printf(A, "'%s/scripts/pg' stop '%s' 2>/dev/null",
		src_dir(), pgdir)) != 0)
		diag("could not stop PostgreSQL in %s", pgdir);
	if (system(arena_printf(A, "rm -rf '%s'", pgdir)) != 0)
		diag("could not remove %s", pgdir);
}

/* Starts a private cluster with scripts/pg, the bootstrap scripts/up and
 * the test harness use; returns its owner role's conninfo, or NULL. */
static const char *
pg_start(void)
{
	char line[512];
	const char *url = NULL;
	FILE *p;

	if (mkdtemp(pgdir) == NULL)
		return NULL;
	pg_started = true;
	/* As the schema's owner: the test makes a schema of its own. */
	p = popen(arena_printf(A,
		      "'%1$s/scripts/pg' up '%2$s' 5432 test >/dev/null && "
		      "'%1$s/scripts/pg' url '%2$s' 5432 owner",
		      src_dir(), pgdir),
	    "r");
	if (p == NULL)
		return NULL;
	while (fgets(line, sizeof(line), p) != NULL)
		url = arena_strndup(A, line, strcspn(line, "\n"));
	if (pclose(p) != 0 || url == NULL || *url == '\0') {
		diag("cannot start PostgreSQL in %s", pgdir);
		return NULL;
	}
	return url;
}

/* The first column of the first row of sql with one parameter p1 (none
 * when p1 is NULL), or NULL. */
static const char *
q1(const char *sql, const char *p1)
{
	struct db_rows *r;

	if (db_exec(DB, A, &r, sql, p1 != NULL ? 1 : 0, &p1) != ERR_OK)
		return NULL;
	return db_val(r, 0, 0);
}

static long long
num(const char *sql, const char *p1)
{
	const char *v = q1(sql, p1);
	long long n;

	if (v == NULL ||
	    str_tonum(v, -1000000000LL, 1000000000LL, &n, NULL) == -1)
		return -999;
	return n;
}

static long long
counter(const char *name)
{
	return num("SELECT value FROM mail_counters WHERE name = $1", name);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every sql/NNN_*.sql, in order, into the test's own schema. */
static int
load_schema(void)
{
	char *dir = arena_printf(A, "%s/sql", src_dir());
	char *names[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		diag("cannot open %s", dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL && n < 64)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
		    strlen(e->d_name) > 4 &&
		    strcmp(e->d_name + strlen(e->d_name) - 4, ".sql") == 0)
			names[n++] = arena_strdup(A, e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmpstr);
	schema = arena_printf(A, "t_mail_outbox_%d", (int)getpid());
	if (db_exec_script(DB,
		arena_printf(A,
		    "CREATE SCHEMA %s;"
		    "SET search_path TO %s, public",
		    schema, schema)) != ERR_OK)
		return -1;
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(arena_printf(A, "%s/%s", dir, names[i]), "rb");
		struct buf b;
		char chunk[4096];
		size_t r;

		if (f == NULL)
			return -1;
		buf_init(&b, A);
		while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&b, chunk, r);
		fclose(f);
		if (db_exec_script(DB, b.data) != ERR_OK) {
			diag("loading %s failed", names[i]);
			return -1;
		}
	}
	return n > 0 ? 0 : -1;
}

struct enq {
	const char *to;
	const char *kind;
	const char *invitation_id;
	enum err fail_after; /* returned after enqueueing: rolls back */
	enum err got;
	char *id;
	PGconn *listener; /* checked for early notifications */
	int early;
};

static enum err
enqueue_fn(struct db *db, void *arg)
{
	struct enq *q = arg;
	struct mail_msg m = {
		.to = q->to,
		.subject = "Invitation \xc3\xa0 Acme",
		.text = "Join: " LINK "\n",
		.html = "<p><a href=\"" LINK "\">Join</a></p>\n",
	};

	q->got = mail_outbox_enqueue(
	    db, A, &K, q->kind, &m, FROM, q->invitation_id, &q->id);
	if (q->listener != NULL) {
		PQconsumeInput(q->listener);
		q->early = PQnotifies(q->listener) != NULL;
	}
	return q->got != ERR_OK ? q->got : q->fail_after;
}

/* Waits up to 2 s for a notification on channel roster_outbox. */
static bool
notified(PGconn *c)
{
	for (int i = 0; i < 20; i++) {
		PGnotify *n;
		fd_set fds;
		struct timeval tv = { 0, 100000 };

		PQconsumeInput(c);
		if ((n = PQnotifies(c)) != NULL) {
			bool match = strcmp(n->relname, "roster_outbox") == 0;

			PQfreemem(n);
			return match;
		}
		FD_ZERO(&fds);
		FD_SET(PQsocket(c), &fds);
		(void)select(PQsocket(c) + 1, &fds, NULL, NULL, &tv);
	}
	return false;
}

static void
test_enqueue(const char *url)
{
	struct enq q = { .to = "alice@example.com", .kind = "invitation" };
	PGconn *l = PQconnectdb(url);
	PGresult *r;
	long long before;

	r = PQexec(l, "LISTEN roster_outbox");
	ok(PQresultStatus(r) == PGRES_COMMAND_OK, "listener ready");
	PQclear(r);
	q.listener = l;

	is_int(ERR_OK, db_tx(DB, enqueue_fn, &q), "enqueue commits");
	is_int(ERR_OK, q.got, "mail_outbox_enqueue succeeds");
	ok(q.id != NULL && strspn(q.id, "0123456789") == strlen(q.id),
	    "outbox id returned: %s", q.id ? q.id : "(null)");
	is_int(0, q.early, "no notification before commit");
	ok(notified(l), "roster_outbox notified after commit");
	is_string("invitation|alice@example.com|queued|0|t|",
	    q1("SELECT concat_ws('|', kind, recipient, status, attempts,"
	       " body IS NOT NULL, coalesce(invitation_id::text, ''))"
	       " FROM outbox WHERE id = $1::bigint",
		q.id),
	    "row as expected");
	is_int(0,
	    num("SELECT position(convert_to('SECRETLINK123', 'UTF8')"
		" IN body) + position(convert_to('Subject', 'UTF8') IN body)"
		" FROM outbox WHERE id = $1::bigint",
		q.id),
	    "body holds neither the link nor headers in clear");
	ok(num("SELECT count(*) FROM outbox WHERE next_attempt_at <= now()"
	       " AND id = $1::bigint",
	       q.id) == 1,
	    "due at once");

	before = num("SELECT count(*) FROM outbox", NULL);
	q = (struct enq){ .to = "alice@example.com",
		.kind = "invitation",
		.fail_after = ERR_CONFLICT };
	is_int(ERR_CONFLICT, db_tx(DB, enqueue_fn, &q),
	    "a failing transaction rolls back");
	is_int(before, num("SELECT count(*) FROM outbox", NULL),
	    "and its outbox row with it");
	ok(!notified(l), "no notification for a rolled-back row");

	q = (struct enq){ .to = "alice@example.com\r\nBcc: eve@example.com",
		.kind = "invitation" };
	is_int(ERR_INVALID_EMAIL, db_tx(DB, enqueue_fn, &q),
	    "recipient with CRLF refused");
	q = (struct enq){ .to = "alice@example.com", .kind = "Invite!" };
	is_int(ERR_INVALID, db_tx(DB, enqueue_fn, &q), "bad kind refused");
	q = (struct enq){ .to = "alice@example.com",
		.kind = "invitation",
		.invitation_id = "1; DROP TABLE outbox" };
	is_int(ERR_INVALID, db_tx(DB, enqueue_fn, &q),
	    "bad invitation id refused");
	q = (struct enq){ .to = "alice@example.com",
		.kind = "invitation",
		.invitation_id = "999999" };
	is_int(ERR_INVALID, db_tx(DB, enqueue_fn, &q),
	    "unknown invitation id refused by the foreign key");
	is_int(before, num("SELECT count(*) FROM outbox", NULL),
	    "refusals insert nothing");
	PQfinish(l);
}

/* Enqueues one message for to (committed) and returns its id. */
static char *
enqueue(const char *to, const char *invitation_id)
{
	struct enq q = {
		.to = to, .kind = "invitation", .invitation_id = invitation_id
	};

	if (db_tx(DB, enqueue_fn, &q) != ERR_OK)
		return NULL;
	return q.id;
}

/* Claims and returns the row with the given id (NULL if not claimed). */
static struct outbox_row *
claim_id(const char *id)
{
	struct outbox_row *rows;
	int n;

	if (mail_outbox_claim(DB, A, 100, &rows, &n) != ERR_OK)
		return NULL;
	for (int i = 0; i < n; i++)
		if (strcmp(rows[i].id, id) == 0)
			return &rows[i];
	return NULL;
}

static void
test_claim(void)
{
	struct outbox_row *rows;
	char *a, *b, *c;
	int n;

	(void)db_q(DB, A, NULL, "DELETE FROM outbox", DB_END);
	a = enqueue("a@example.com", NULL);
	b = enqueue("b@example.com", NULL);
	c = enqueue("c@example.com", NULL);
	(void)db_q(DB, A, NULL,
	    "UPDATE outbox SET next_attempt_at = now() +"
	    " interval '1 minute' WHERE id = $1::bigint",
	    c, DB_END);

	is_int(ERR_OK, mail_outbox_claim(DB, A, 1, &rows, &n), "claim one");
	is_int(1, n, "at most max rows");
	is_string(a, n > 0 ? rows[0].id : NULL, "oldest first");
	is_string("invitation", n > 0 ? rows[0].kind : NULL, "kind");
	is_string(
	    "a@example.com", n > 0 ? rows[0].recipient : NULL, "recipient");
	is_int(0, n > 0 ? rows[0].attempts : -1, "attempts");
	ok(n > 0 && rows[0].boxlen > 40 && !rows[0].stale, "body and state");
	is_int(1,
	    num("SELECT count(*) FROM outbox WHERE id = $1::bigint AND"
		" next_attempt_at > now() + interval '4 minutes'",
		a),
	    "claimed row leased about 5 minutes ahead");

	is_int(ERR_OK, mail_outbox_claim(DB, A, 10, &rows, &n), "claim again");
	is_int(1, n, "leased and not-yet-due rows are not claimed");
	is_string(b, n > 0 ? rows[0].id : NULL, "only the other due row");

	is_int(ERR_OK, mail_outbox_release(DB, A, &rows[0]), "release");
	is_int(ERR_OK, mail_outbox_claim(DB, A, 10, &rows, &n),
	    "claim after release");
	is_int(1, n, "a released row is due again");

	/* Several due rows come back in id order. */
	(void)db_q(
	    DB, A, NULL, "UPDATE outbox SET next_attempt_at = now()", DB_END);
	is_int(ERR_OK, mail_outbox_claim(DB, A, 10, &rows, &n), "claim all");
	is_int(3, n, "three due rows");
	ok(n == 3 && strcmp(rows[0].id, a) == 0 && strcmp(rows[1].id, b) == 0 &&
		strcmp(rows[2].id, c) == 0,
	    "in id order");
	(void)db_q(DB, A, NULL, "DELETE FROM outbox", DB_END);
}

/* A row another mailer holds locked is skipped, not waited for. */
/* The mailer's statement per batch: sent with db_send, the previous
 * batch recorded and the next claimed, another statement allowed while it
 * is in flight; rows recorded as sent are never claimed by it. */
static void
test_claim_send(void)
{
	const char *ids[3];
	struct mail_sent sent = { ids, 0, 3 };
	struct outbox_row *rows = NULL;
	long long sent0 = counter("emails_sent_total");
	char *a, *b, *c;
	int n = -1;

	(void)db_q(DB, A, NULL, "DELETE FROM outbox", DB_END);
	a = enqueue("a@example.com", NULL);
	b = enqueue("b@example.com", NULL);
	c = enqueue("c@example.com", NULL);
	/* Distinct times, so the claim's order is a, b, c. */
	(void)db_q(DB, A, NULL,
	    "UPDATE outbox SET next_attempt_at = now() - interval '1 minute'"
	    " * (4 - id + $1::bigint) WHERE id >= $1::bigint",
	    a, DB_END);

	is_int(ERR_OK, mail_outbox_claim_send(DB, A, &sent, 2),
	    "claim sent, nothing to record");
	is_int(3, num("SELECT count(*) FROM outbox", NULL),
	    "another statement meanwhile");
	is_int(ERR_DATABASE, mail_outbox_claim_send(DB, A, &sent, 2),
	    "a second one before the result is refused");
	is_int(ERR_OK, mail_outbox_claim_recv(DB, A, &rows, &n),
	    "its result, after the other statement");
	is_int(2, n, "two claimed");
	is_string(a, n == 2 ? rows[0].id : NULL, "the longest due first");
	is_string(b, n == 2 ? rows[1].id : NULL, "then the next");
	ok(n == 2 && rows[0].boxlen > 40 && !rows[0].stale, "body and state");
	is_int(2,
	    num("SELECT count(*) FROM outbox WHERE status = 'queued' AND"
		" next_attempt_at > now() + interval '4 minutes'",
		NULL),
	    "both leased");
	is_int(sent0, counter("emails_sent_total"), "nothing counted");
	is_int(ERR_DATABASE, mail_outbox_claim_recv(DB, A, &rows, &n),
	    "no second result");

	/* a's lease ran out while it was delivered: due again, but the
	 * statement that records it must not lease it too. */
	(void)db_q(DB, A, NULL,
	    "UPDATE outbox SET next_attempt_at = now() - interval '1 hour'"
	    " WHERE id = $1::bigint",
	    a, DB_END);
	ids[0] = a;
	ids[1] = b;
	sent.n = 2;
	n = -1;
	is_int(ERR_OK, mail_outbox_claim_send(DB, A, &sent, 10),
	    "record two, claim the next");
	is_int(ERR_OK, mail_outbox_claim_recv(DB, A, &rows, &n), "result");
	is_int(1, n, "one claimed");
	is_string(c, n == 1 ? rows[0].id : NULL, "the one not recorded");
	is_int(2,
	    num("SELECT count(*) FROM outbox WHERE status = 'sent' AND"
		" body IS NULL AND attempts = 1 AND last_error IS NULL AND"
		" sent_at IS NOT NULL",
		NULL),
	    "both recorded as sent, bodies dropped");
	is_int(sent0 + 2, counter("emails_sent_total"),
	    "emails_sent_total + 2");

	/* Recorded again (a retry of the statement): nothing changes. */
	n = -1;
	is_int(ERR_OK, mail_outbox_claim_send(DB, A, &sent, 10),
	    "record the same rows again");
	is_int(ERR_OK, mail_outbox_claim_recv(DB, A, &rows, &n), "result");
	is_int(0, n, "nothing due (c is leased)");
	is_int(sent0 + 2, counter("emails_sent_total"),
	    "rows no longer queued are not counted");
	(void)db_q(DB, A, NULL, "DELETE FROM outbox", DB_END);
}

static void
test_skip_locked(const char *url)
{
	struct outbox_row *rows;
	PGconn *other = PQconnectdb(url);
	PGresult *res;
	char *a, *b;
	int n = -1;

	a = enqueue("a@example.com", NULL);
	b = enqueue("b@example.com", NULL);
	res = PQexec(other,
	    arena_printf(A,
		"BEGIN; SELECT id FROM %s.outbox"
		" WHERE id = %s FOR UPDATE",
		schema, a));
	ok(PQresultStatus(res) == PGRES_TUPLES_OK, "other session locks a row");
	PQclear(res);
	/* Were the lock waited for, the claim would fail here instead. */
	(void)db_q(DB, A, NULL, "SET statement_timeout = '3s'", DB_END);
	is_int(ERR_OK, mail_outbox_claim(DB, A, 10, &rows, &n),
	    "claim does not wait for the lock");
	(void)db_q(DB, A, NULL, "SET statement_timeout = 0", DB_END);
	is_int(1, n, "one row claimed");
	is_string(b, n == 1 ? rows[0].id : NULL, "the unlocked one");
	PQclear(PQexec(other, "ROLLBACK"));
	PQfinish(other);
	(void)db_q(DB, A, NULL, "DELETE FROM outbox", DB_END);
}

/* The schedule alone: waits 5, 10, 20, ... 2560, then 3600 s for good;
 * jitter within 20 %, never past the hour. */
static void
test_schedule(void)
{
	static const long long want[] = { 5, 10, 20, 40, 80, 160, 320, 640,
		1280, 2560, 3600, 3600, 3600 };
	long long t = 0, tries = 1;
	bool exact = true;

	for (int i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++)
		if (mail_outbox_retry_wait_ms(5, i, 0.5) != want[i] * 1000) {
			diag("attempts %d: %lld ms", i,
			    mail_outbox_retry_wait_ms(5, i, 0.5));
			exact = false;
		}
	ok(exact, "base 5: 5, 10, 20, ... 2560, 3600, 3600 s");
	is_int(3600000, mail_outbox_retry_wait_ms(5, 1000000, 0.5),
	    "a million attempts: still an hour, no overflow");
	is_int(4000, mail_outbox_retry_wait_ms(5, 0, 0.0),
	    "jitter: at least 80 percent");
	ok(mail_outbox_retry_wait_ms(5, 0, 0.999999) > 5990 &&
		mail_outbox_retry_wait_ms(5, 0, 0.999999) < 6000,
	    "jitter: below 120 percent");
	is_int(3600000, mail_outbox_retry_wait_ms(5, 10, 0.999999),
	    "jitter never passes the hour");
	is_int(2880000, mail_outbox_retry_wait_ms(5, 10, 0.0),
	    "at the cap, down to 80 percent of it");
	is_int(1000, mail_outbox_retry_wait_ms(1, 0, 0.5), "base 1: 1 s");
	is_int(8000, mail_outbox_retry_wait_ms(1, 3, 0.5),
	    "base 1: then 2, 4, 8 s");
	is_int(5000, mail_outbox_retry_wait_ms(5, 0, -1.0),
	    "a bad u means none");

	/* The give-up point of the default schedule: the try at which the
	 * next one would fall after ROSTER_MAIL_GIVE_UP (a day). */
	for (;;) {
		long long w = mail_outbox_retry_wait_ms(5, (int)tries - 1, 0.5);

		if (t + w / 1000 > 86400)
			break;
		t += w / 1000;
		tries++;
	}
	is_int(33, tries, "a day holds 33 tries");
	is_int(84315, t, "the last one 84 315 s after queueing");
}

static void
test_deliveries(void)
{
	struct mail_transport t = { .from = FROM };
	struct outbox_row *r;
	struct keys other;
	enum mail_result res;
	long long sent, failed, skipped;
	char *id, *path, *inv;
	struct stat st;
	FILE *f;
	char got[8192];
	size_t len;

	t.mail_dir = arena_printf(A, "%s/mail", tmpdir);
	sent = counter("emails_sent_total");
	failed = counter("emails_failed_total");
	skipped = counter("emails_skipped_total");

	/* Sent through the file transport. */
	id = enqueue("alice@example.com", NULL);
	r = claim_id(id);
	ok(r != NULL, "claimed the new row");
	if (r == NULL)
		return;
	is_int(
	    ERR_OK, mail_outbox_process(DB, A, &K, &t, &S, r, &res), "processed");
	is_int(MAIL_SENT, res, "sent");
	path = arena_printf(A, "%s/%s.eml", t.mail_dir, id);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "message file written 0600");
	len = 0;
	if ((f = fopen(path, "rb")) != NULL) {
		len = fread(got, 1, sizeof(got) - 1, f);
		fclose(f);
	}
	got[len] = '\0';
	contains(
	    got, "To: alice@example.com\r\n", "file is the decrypted message");
	contains(got, "Subject: =?UTF-8?B?", "with its encoded subject");
	is_string("sent|t|t|1",
	    q1("SELECT concat_ws('|', status, body IS NULL,"
	       " sent_at IS NOT NULL, attempts) FROM outbox WHERE id = "
	       "$1::bigint",
		id),
	    "row sent, body dropped");
	is_int(sent + 1, counter("emails_sent_total"), "emails_sent_total + 1");
	is_int(ERR_OK, mail_outbox_finish(DB, A, r, &S, MAIL_SENT, NULL, NULL),
	    "finishing a finished row again");
	is_int(sent + 1, counter("emails_sent_total"), "counts nothing twice");

	/* Temporary failure: SMTP to a port nobody listens on. */
	t.smtp_url = "smtp://127.0.0.1:1";
	id = enqueue("bob@example.com", NULL);
	r = claim_id(id);
	is_int(ERR_OK, mail_outbox_process(DB, A, &K, &t, &S, r, &res),
	    "processed a failing delivery");
	is_int(MAIL_RETRY, res, "retry");
	is_string("queued|f|1|t",
	    q1("SELECT concat_ws('|', status,"
	       " body IS NULL, attempts, last_error LIKE 'smtp:%') FROM outbox"
	       " WHERE id = $1::bigint",
		id),
	    "still queued, attempt counted");
	is_int(1,
	    num("SELECT count(*) FROM outbox WHERE id = $1::bigint AND"
		" next_attempt_at BETWEEN now() + interval '3 seconds' AND"
		" now() + interval '7 seconds'",
		id),
	    "next try in 5 s (with jitter)");

	(void)db_q(DB, A, NULL,
	    "UPDATE outbox SET attempts = 4,"
	    " next_attempt_at = now() WHERE id = $1::bigint",
	    id, DB_END);
	r = claim_id(id);
	is_int(ERR_OK, mail_outbox_process(DB, A, &K, &t, &S, r, &res),
	    "fifth attempt");
	is_int(1,
	    num("SELECT count(*) FROM outbox WHERE id = $1::bigint AND"
		" attempts = 5 AND next_attempt_at BETWEEN now() + interval "
		"'63 s'"
		" AND now() + interval '97 s'",
		id),
	    "backoff doubles: 80 s (with jitter)");

	/* Thirty failures later, queued 80 000 s ago: the next try, at most
	 * an hour away, still falls within the day. */
	(void)db_q(DB, A, NULL,
	    "UPDATE outbox SET attempts = 30, next_attempt_at = now(),"
	    " created_at = now() - interval '80000 seconds'"
	    " WHERE id = $1::bigint",
	    id, DB_END);
	r = claim_id(id);
	is_int(ERR_OK, mail_outbox_process(DB, A, &K, &t, &S, r, &res),
	    "31st attempt, 80 000 s after queueing");
	is_int(MAIL_RETRY, res, "still retried");
	is_int(1,
	    num("SELECT count(*) FROM outbox WHERE id = $1::bigint AND"
		" status = 'queued' AND attempts = 31 AND next_attempt_at"
		" BETWEEN now() + interval '2879 s' AND now() + interval '3600 s'",
		id),
	    "the wait is capped at an hour (less up to 20 percent jitter)");
	is_int(failed, counter("emails_failed_total"),
	    "emails_failed_total unchanged by retries");

	/* Queued 84 315 s ago (the 33rd try of the nominal schedule): the
	 * next try would fall after the day, so this failure is the last. */
	(void)db_q(DB, A, NULL,
	    "UPDATE outbox SET attempts = 32, next_attempt_at = now(),"
	    " created_at = now() - interval '84315 seconds'"
	    " WHERE id = $1::bigint",
	    id, DB_END);
	r = claim_id(id);
	is_int(ERR_OK, mail_outbox_process(DB, A, &K, &t, &S, r, &res),
	    "33rd attempt");
	is_int(MAIL_FAILED, res, "a retry past ROSTER_MAIL_GIVE_UP gives up");
	is_string("failed|t|33|t",
	    q1("SELECT concat_ws('|', status,"
	       " body IS NULL, attempts,"
	       " last_error LIKE 'gave up after 33 attempts: smtp:%')"
	       " FROM outbox WHERE id = $1::bigint",
		id),
	    "row failed, body dropped, last error says why");
	is_int(failed + 1, counter("emails_failed_total"),
	    "emails_failed_total + 1");

	/* A row queued before a mailer outage longer than the give-up time
	 * fails at its first failure. */
	id = enqueue("bert@example.com", NULL);
	(void)db_q(DB, A, NULL,
	    "UPDATE outbox SET created_at = now() - interval '2 days'"
	    " WHERE id = $1::bigint",
	    id, DB_END);
	r = claim_id(id);
	is_int(ERR_OK, mail_outbox_process(DB, A, &K, &t, &S, r, &res),
	    "first attempt two days after queueing");
	is_int(MAIL_FAILED, res, "gives up at once");
	is_string("failed|1",
	    q1("SELECT concat_ws('|', status, attempts) FROM outbox"
	       " WHERE id = $1::bigint",
		id),
	    "failed after one attempt");
	is_int(failed + 2, counter("emails_failed_total"),
	    "emails_failed_total + 1");

	/* Undecryptable: sealed under another key. */
	t.smtp_url = NULL;
	ok(keys_derive(&other, OTHER_SECRET, NULL) == 0, "other keys");
	id = enqueue("carol@example.com", NULL);
	r = claim_id(id);
	is_int(ERR_OK, mail_outbox_process(DB, A, &other, &t, &S, r, &res),
	    "processed under the wrong key");
	is_int(MAIL_FAILED, res, "undecryptable fails");
	is_string("failed|t|undecryptable",
	    q1("SELECT concat_ws('|', status,"
	       " body IS NULL, last_error) FROM outbox WHERE id = $1::bigint",
		id),
	    "row failed as undecryptable");
	ok(access(arena_printf(A, "%s/%s.eml", t.mail_dir, id), F_OK) == -1,
	    "nothing written");
	is_int(failed + 3, counter("emails_failed_total"),
	    "emails_failed_total + 1");

	/* A recipient the database allows but the transport refuses. */
	id = enqueue("dave@example.com", NULL);
	(void)db_q(DB, A, NULL,
	    "UPDATE outbox SET recipient = 'dave<x>@e.com'"
	    " WHERE id = $1::bigint",
	    id, DB_END);
	r = claim_id(id);
	is_int(ERR_OK, mail_outbox_process(DB, A, &K, &t, &S, r, &res),
	    "processed a bad recipient");
	is_int(MAIL_FAILED, res, "bad recipient fails at the transport");

	/* Skipped: the invitation was revoked before delivery. */
	inv = (char *)q1(
	    "WITH u AS (INSERT INTO users (email, display_name,"
	    " password_hash) VALUES ('owner@example.com', 'O', 'x')"
	    " RETURNING id), o AS (INSERT INTO organizations (slug, name)"
	    " VALUES ('acme', 'Acme') RETURNING id)"
	    " INSERT INTO invitations (organization_id, email, role,"
	    " hashed_token, invited_by, expires_at)"
	    " SELECT o.id, $1, 'member', sha256('t'::bytea), u.id,"
	    " now() + interval '1 day' FROM u, o RETURNING id",
	    "erin@example.com");
	ok(inv != NULL, "invitation created");
	inv = arena_strdup(A, inv);
	id = enqueue("erin@example.com", inv);
	is_string(inv,
	    q1("SELECT invitation_id FROM outbox"
	       " WHERE id = $1::bigint",
		id),
	    "row names its invitation");
	r = claim_id(id);
	ok(r != NULL && !r->stale, "open invitation: not stale");
	(void)mail_outbox_release(DB, A, r);
	(void)db_q(DB, A, NULL,
	    "UPDATE invitations SET revoked_at = now()"
	    " WHERE id = $1::bigint",
	    inv, DB_END);
	r = claim_id(id);
	ok(r != NULL && r->stale, "revoked invitation: stale");
	is_int(ERR_OK, mail_outbox_process(DB, A, &K, &t, &S, r, &res),
	    "processed a stale row");
	is_int(MAIL_SKIPPED, res, "skipped");
	is_string("failed|t|0",
	    q1("SELECT concat_ws('|', status, body IS NULL,"
	       " attempts) FROM outbox WHERE id = $1::bigint",
		id),
	    "row closed without an attempt");
	ok(access(arena_printf(A, "%s/%s.eml", t.mail_dir, id), F_OK) == -1,
	    "nothing written");
	is_int(skipped + 1, counter("emails_skipped_total"),
	    "emails_skipped_total + 1");
	is_int(failed + 4, counter("emails_failed_total"),
	    "emails_failed_total unchanged by the skip");
	keys_wipe(&other);
}

int
main(void)
{
	const char *url = getenv("ROSTER_TEST_DATABASE_URL");

	if (crypto_init() == -1 || keys_derive(&K, SECRET, NULL) == -1 ||
	    mkdtemp(tmpdir) == NULL)
		return 1;
	A = arena_new(0);
	plan_lazy();
	/* Registered after the TAP helper's handler, so it runs first. */
	atexit(pg_stop);
	if (url == NULL || *url == '\0')
		url = pg_start();
	if (url == NULL) {
		if (getenv("CI") != NULL) {
			printf(
			    "Bail out! no PostgreSQL for the outbox tests\n");
			exit(1);
		}
		skip_all("no PostgreSQL (set ROSTER_TEST_DATABASE_URL)");
	}
	DB = db_open(url);
	if (db_ensure(DB) != ERR_OK || load_schema() == -1) {
		printf("Bail out! cannot prepare the database\n");
		exit(1);
	}
	test_enqueue(url);
	test_claim();
	test_claim_send();
	test_skip_locked(url);
	test_schedule();
	test_deliveries();
	(void)db_exec_script(
	    DB, arena_printf(A, "DROP SCHEMA %s CASCADE", schema));
	db_close(DB);
	pg_stop();
	if (system(arena_printf(A, "rm -rf '%s'", tmpdir)) != 0)
		diag("could not remove %s", tmpdir);
	arena_free(A);
	A = NULL;
	keys_wipe(&K);
	return done_testing();
}
