/*
 * Unit tests of db_tx's queue against PostgreSQL: BEGIN sent with a
 * transaction's first statement, and statements sent ahead (db_ahead) with
 * the next one or with COMMIT: order, parameters copied, a failure of a
 * queued statement answered by the one that carried it, rules (one row
 * changed) checked before COMMIT, retries, and nothing sent for a
 * transaction that ran no statement.
 *
 * The database is ROSTER_TEST_DATABASE_URL when set; otherwise the test
 * starts a throwaway PostgreSQL cluster with scripts/pg and removes it at
 * exit. It works in a private schema and drops it at the end. Without
 * PostgreSQL the test is skipped, except under CI, where that is a
 * failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "tap.h"
#include "util/arena.h"
#include "util/str.h"

static struct arena *A;
static struct db *DB;
static char pgdir[] = "/tmp/roster-ahead-pg.XXXXXX";
static bool pg_started;

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

static const char *
pg_start(void)
{
	char line[512];
	const char *url = NULL;
	FILE *p;

	if (mkdtemp(pgdir) == NULL)
		return NULL;
	pg_started = true;
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

/* The number sql's first row holds (no parameters), or -999. */
static long long
num(const char *sql)
{
	struct db_rows *r;
	long long n;

	if (db_exec(DB, A, &r, sql, 0, NULL) != ERR_OK ||
	    db_val(r, 0, 0) == NULL ||
	    str_tonum(db_val(r, 0, 0), -1000000000LL, 1000000000LL, &n, NULL) ==
		-1)
		return -999;
	return n;
}

static enum err
ins(const char *id, const char *v)
{
	return db_q(DB, A, NULL, "INSERT INTO t (id, v) VALUES ($1, $2)", id, v,
	    DB_END);
}

/* Sent ahead, then read by the statement that carries it. */
static enum err
tx_order(struct db *db, void *arg)
{
	char id[8] = "1";
	long long *seen = arg;

	(void)db;
	db_ahead(DB, ERR_OK);
	if (ins(id, "10") != ERR_OK)
		return ERR_INVALID;
	/* The parameters were copied when queued. */
	memcpy(id, "9", 2);
	*seen = num("SELECT count(*) FROM t WHERE id = 1");
	return ERR_OK;
}

/* A queued statement that breaks its rule fails the next statement. */
static enum err
tx_rule(struct db *db, void *arg)
{
	(void)db;
	(void)arg;
	if (ins("2", "20") != ERR_OK)
		return ERR_INVALID;
	db_ahead(DB, ERR_NOT_FOUND);
	if (db_q(DB, A, NULL, "UPDATE t SET v = 0 WHERE id = 99", DB_END) !=
	    ERR_OK)
		return ERR_INVALID;
	return db_q(DB, A, NULL, "SELECT 1", DB_END);
}

static int calls;

/* A queued duplicate: a unique violation, retried by db_tx. */
static enum err
tx_dup(struct db *db, void *arg)
{
	(void)db;
	(void)arg;
	calls++;
	db_ahead(DB, ERR_OK);
	if (ins("1", "5") != ERR_OK)
		return ERR_INVALID;
	return db_q(DB, A, NULL, "SELECT 1", DB_END);
}

/* The last statement queued goes with COMMIT; its failure rolls back. */
static enum err
tx_last_fails(struct db *db, void *arg)
{
	(void)db;
	(void)arg;
	if (ins("3", "30") != ERR_OK)
		return ERR_INVALID;
	db_ahead(DB, ERR_OK);
	return ins("4", NULL); /* v is NOT NULL */
}

/* A last statement with a rule is checked before COMMIT. */
static enum err
tx_last_rule(struct db *db, void *arg)
{
	const char *id = arg;

	(void)db;
	if (ins("5", "50") != ERR_OK)
		return ERR_INVALID;
	db_ahead(DB, ERR_NOT_FOUND);
	return db_q(
	    DB, A, NULL, "UPDATE t SET v = v + 1 WHERE id = $1", id, DB_END);
}

static enum err
tx_nothing(struct db *db, void *arg)
{
	(void)db;
	(void)arg;
	return ERR_OK;
}

static enum err
tx_one(struct db *db, void *arg)
{
	(void)db;
	(void)arg;
	return ins("7", "70");
}

/* The first statement (sent with BEGIN) fails. */
static enum err
tx_first_fails(struct db *db, void *arg)
{
	(void)db;
	(void)arg;
	return db_q(DB, A, NULL, "SELECT * FROM no_such_table", DB_END);
}

int
main(void)
{
	const char *url = getenv("ROSTER_TEST_DATABASE_URL");
	char *schema;
	long long seen = -1;

	A = arena_new(0);
	plan_lazy();
	atexit(pg_stop);
	if (url == NULL || *url == '\0')
		url = pg_start();
	if (url == NULL) {
		if (getenv("CI") != NULL) {
			printf("Bail out! no PostgreSQL for the db tests\n");
			exit(1);
		}
		skip_all("no PostgreSQL (set ROSTER_TEST_DATABASE_URL)");
	}
	DB = db_open(url);
	schema = arena_printf(A, "roster_ahead_%ld", (long)getpid());
	if (db_ensure(DB) != ERR_OK ||
	    db_exec_script(DB,
		arena_printf(A,
		    "CREATE SCHEMA %1$s; SET search_path TO %1$s; "
		    "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)",
		    schema)) != ERR_OK) {
		printf("Bail out! cannot prepare the database\n");
		exit(1);
	}

	is_int(ERR_OK, db_tx(DB, tx_order, &seen), "a statement sent ahead");
	is_int(1, seen, "... ran before the statement that carried it");
	is_int(1, num("SELECT count(*) FROM t WHERE id = 1 AND v = 10"),
	    "... with the parameters it was given, committed");
	is_int(0, num("SELECT count(*) FROM t WHERE id = 9"),
	    "... not the caller's buffer as changed later");

	is_int(ERR_NOT_FOUND, db_tx(DB, tx_rule, NULL),
	    "a queued statement changing no row fails the next one");
	is_int(0, num("SELECT count(*) FROM t WHERE id = 2"),
	    "... and the transaction is rolled back");

	calls = 0;
	is_int(ERR_RETRY_EXHAUSTED, db_tx(DB, tx_dup, NULL),
	    "a queued unique violation is retried like any other");
	is_int(3, calls, "... three times");
	is_int(10, num("SELECT v FROM t WHERE id = 1"), "... writing nothing");

	is_int(ERR_INVALID, db_tx(DB, tx_last_fails, NULL),
	    "a statement queued with COMMIT fails the transaction");
	is_int(0, num("SELECT count(*) FROM t WHERE id IN (3, 4)"),
	    "... nothing committed");

	is_int(ERR_NOT_FOUND, db_tx(DB, tx_last_rule, "99"),
	    "a last statement with a rule is checked before COMMIT");
	is_int(0, num("SELECT count(*) FROM t WHERE id = 5"),
	    "... nothing committed");
	is_int(ERR_OK, db_tx(DB, tx_last_rule, "1"),
	    "a last statement that keeps its rule");
	is_int(11, num("SELECT v FROM t WHERE id = 1"), "... committed");
	is_int(1, num("SELECT count(*) FROM t WHERE id = 5"),
	    "... with the rest of its transaction");

	is_int(ERR_OK, db_tx(DB, tx_nothing, NULL),
	    "a transaction that runs nothing");
	is_int(ERR_DATABASE, db_tx(DB, tx_first_fails, NULL),
	    "a first statement (sent with BEGIN) that fails");
	is_int(1, num("SELECT 1"), "... leaves the connection usable");
	is_int(ERR_OK, db_tx(DB, tx_one, NULL), "... for the next transaction");
	is_int(
	    1, num("SELECT count(*) FROM t WHERE id = 7"), "... which commits");

	db_ahead(DB, ERR_NOT_FOUND);
	is_int(ERR_NOT_FOUND,
	    db_q(DB, A, NULL, "UPDATE t SET v = 0 WHERE id = 99", DB_END),
	    "outside a transaction a statement sent ahead runs at once, under "
	    "its rule");
	db_ahead(DB, ERR_OK);
	is_int(ERR_OK, ins("6", "60"), "... and one without a rule");
	is_int(1, num("SELECT count(*) FROM t WHERE id = 6"),
	    "... written at once");

	(void)db_exec_script(
	    DB, arena_printf(A, "DROP SCHEMA %s CASCADE", schema));
	db_close(DB);
	pg_stop();
	arena_free(A);
	A = NULL;
	return done_testing();
}
