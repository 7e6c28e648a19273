/*
 * PostgreSQL connection, statements and transactions with retry.
 */
#include "db/db.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "util/arena.h"
#include "util/log.h"

#define DB_TRIES      3
#define DB_MAX_PARAMS 16
#define DB_STMTS      256 /* prepared statements kept per connection */
#define DB_DEFER_MAX  8   /* lists deferred into one round trip */
#define DB_AHEAD_MAX  8   /* statements sent ahead in a transaction */

/* A statement sent ahead (db_ahead, and db_tx's BEGIN): it goes to the
 * server in one pipeline with the next statement run. */
struct db_queued {
	const char *sql;
	int nparams;
	const char **params;
	enum err none; /* ERR_OK: any success; else one row changed, or this */
};

/* A db_list deferred by db_defer_begin, run by db_defer_run. */
struct db_deferred {
	db_fill_fn fill;
	size_t size;
	void *out;
	int *n;
	const char *sql;
	int nparams;
	const char **params;
};

struct db {
	PGconn *conn;
	char *conninfo;
	bool broken;     /* a statement saw the connection fail */
	char listen[64]; /* channel to LISTEN on after connecting, or "" */
	/* Statements prepared on this connection: the SQL text of "r<i>".
	 * Planning costs as much as running the short statements Roster
	 * sends, so each is parsed and planned once per connection. */
	char *stmt[DB_STMTS];
	int nstmt;
	char sqlstate[6];
	char constraint[64];
	struct db_limits lim;
	bool deferring; /* db_list queues until db_defer_run */
	struct db_deferred deferred[DB_DEFER_MAX];
	int ndeferred;
	/* db_send: the statement whose result db_recv has not taken yet
	 * (NULL: none), and that result once another statement had to
	 * collect it first. */
	const char *sent_sql;
	PGresult *parked;
	/* Inside db_tx: statements queued to go with the next one run (the
	 * first is BEGIN until something is sent), and db_ahead's rule for
	 * the next statement (ahead_armed). */
	bool in_tx;
	bool ahead_armed;
	enum err ahead_none;
	struct db_queued queued[DB_AHEAD_MAX];
	int nqueued;
};

static const char db_begin_sql[] = "BEGIN";

/* Server notices ("relation already exists, skipping") are not errors. */
static void
db_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Issues LISTEN for the remembered channel (checked by db_listen to be a
 * plain identifier, so it can stand in the statement). */
static void
db_relisten(struct db *db)
{
	char sql[96];
	PGresult *res;

	snprintf(sql, sizeof(sql), "LISTEN %s", db->listen);
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_warn("db: LISTEN failed: %s", PQerrorMessage(db->conn));
		db->broken = true;
	}
	PQclear(res);
}

/* Forgets a statement sent with db_send and its result, if any. */
static void
db_unsend(struct db *db)
{
	PQclear(db->parked);
	db->parked = NULL;
	db->sent_sql = NULL;
}

/* Forgets the prepared statements (they die with their connection). */
static void
db_forget(struct db *db)
{
	for (int i = 0; i < db->nstmt; i++)
		free(db->stmt[i]);
	db->nstmt = 0;
}

static void
db_connect(struct db *db)
{
	static const char *const keys[] = { "dbname", "connect_timeout", NULL };
	char timeout[24], sql[112];

	if (db->conn != NULL)
		PQfinish(db->conn);
	db_forget(db);
	db_unsend(db);
	/* The conninfo first, expanded; a later keyword overrides it. */
	snprintf(timeout, sizeof(timeout), "%lld", db->lim.connect_s);
	db->conn = PQconnectdbParams(keys,
	    (const char *const[]){
		db->conninfo, db->lim.connect_s > 0 ? timeout : NULL, NULL },
	    1);
	db->broken = PQstatus(db->conn) != CONNECTION_OK;
	PQsetNoticeProcessor(db->conn, db_notice, NULL);
	if (db->broken) {
		log_warn("db: cannot connect: %s", PQerrorMessage(db->conn));
		return;
	}
	if (db->lim.statement_ms > 0 || db->lim.lock_ms > 0) {
		PGresult *res;

		snprintf(sql, sizeof(sql),
		    "SET statement_timeout = %lld; SET lock_timeout = %lld",
		    db->lim.statement_ms, db->lim.lock_ms);
		res = PQexec(db->conn, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_warn("db: cannot set time limits: %s",
			    PQerrorMessage(db->conn));
			db->broken = true;
		}
		PQclear(res);
		if (db->broken)
			return;
	}
	if (db->listen[0] != '\0')
		db_relisten(db);
}

struct db *
db_open_limits(const char *conninfo, const struct db_limits *lim)
{
	struct db *db = calloc(1, sizeof(*db));

	if (db == NULL || (db->conninfo = strdup(conninfo)) == NULL) {
		log_err("db: out of memory");
		abort();
	}
	if (lim != NULL)
		db->lim = *lim;
	db_connect(db);
	return db;
}

struct db *
db_open(const char *conninfo)
{
	return db_open_limits(conninfo, NULL);
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	db_forget(db);
	db_unsend(db);
	free(db->conninfo);
	free(db);
}

enum err
db_ensure(struct db *db)
{
	if (!db->broken && PQstatus(db->conn) == CONNECTION_OK)
		return ERR_OK;
	/* A fresh connection rather than PQreset: it also recovers from a
	 * server restart that changed nothing else. */
	db_connect(db);
	if (db->broken)
		return ERR_DATABASE;
	metrics_add(C_DB_RECONNECTS, 1);
	log_info("db: reconnected");
	return ERR_OK;
}

enum err
db_ping(struct db *db)
{
	struct db_rows *rows;
	struct arena *a = arena_new(0);
	enum err e;

	e = db_ensure(db);
	if (e == ERR_OK)
		e = db_exec(db, a, &rows, "SELECT 1", 0, NULL);
	arena_free(a);
	return e == ERR_OK ? ERR_OK : ERR_DATABASE;
}

static void
db_copy_field(char *dst, size_t dstsz, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= dstsz)
		n = dstsz - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Maps a failed result to an error code and remembers its details. */
static enum err
db_fail(struct db *db, PGresult *res, const char *sql)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *cons =
	    res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;

	db_copy_field(db->sqlstate, sizeof(db->sqlstate), state);
	db_copy_field(db->constraint, sizeof(db->constraint), cons);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db->broken = true;
		log_warn("db: connection lost");
		return ERR_DATABASE;
	}
	if (state == NULL) {
		log_err("db: %s", PQerrorMessage(db->conn));
		return ERR_DATABASE;
	}
	if (strcmp(state, "23505") == 0)
		return ERR_CONFLICT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return ERR_RETRY_EXHAUSTED;
	if (strncmp(state, "23", 2) == 0)
		return ERR_INVALID;
	/* Log the statement's first words and the server message, never the
	 * parameters: they may hold secrets. */
	log_err("db: %s (SQLSTATE %s) in: %.60s", PQresultErrorMessage(res),
	    state, sql);
	return ERR_DATABASE;
}

static struct db_rows *
db_copy(struct arena *a, PGresult *res)
{
	struct db_rows *rows = arena_alloc(a, sizeof(*rows));
	const char *aff = PQcmdTuples(res);

	rows->nrows = PQntuples(res);
	rows->ncols = PQnfields(res);
	rows->affected = (aff && *aff) ? atoi(aff) : 0;
	rows->values = arena_calloc(
	    a, (size_t)rows->nrows * (size_t)rows->ncols + 1, sizeof(char *));
	for (int r = 0; r < rows->nrows; r++)
		for (int c = 0; c < rows->ncols; c++)
			if (!PQgetisnull(res, r, c))
				rows->values[r * rows->ncols + c] =
				    arena_strndup(a, PQgetvalue(res, r, c),
					(size_t)PQgetlength(res, r, c));
	return rows;
}

/*
 * Finds or prepares the statement for sql and writes its name. Returns
 * false when it is not to be prepared (not a plain query, the table is
 * full, or preparing failed: the plain execution then reports the error).
 */
static bool
db_prepared(struct db *db, const char *sql, int n, char name[16])
{
	PGresult *res;
	bool ok;
	int i;

	if (strncmp(sql, "SELECT", 6) != 0 && strncmp(sql, "INSERT", 6) != 0 &&
	    strncmp(sql, "UPDATE", 6) != 0 && strncmp(sql, "DELETE", 6) != 0 &&
	    strncmp(sql, "WITH", 4) != 0)
		return false;
	for (i = 0; i < db->nstmt; i++)
		if (strcmp(db->stmt[i], sql) == 0)
			break;
	snprintf(name, 16, "r%d", i);
	if (i < db->nstmt)
		return true;
	if (i == DB_STMTS)
		return false;
	res = PQprepare(db->conn, name, sql, n, NULL);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok || (db->stmt[i] = strdup(sql)) == NULL)
		return false;
	db->nstmt++;
	return true;
}

static enum err db_batch(struct db *db, struct arena *a, struct db_rows **out,
    const char *sql, int n, const char *const *params);

/* Takes the result of the statement db_send sent, if it is still on the
 * wire, and keeps it for db_recv, so that the connection is free for
 * another statement. */
static void
db_park(struct db *db)
{
	PGresult *res;

	if (db->sent_sql == NULL || db->parked != NULL)
		return;
	db->parked = PQgetResult(db->conn);
	/* One statement, one result: anything after it is drained. */
	if (db->parked != NULL)
		while ((res = PQgetResult(db->conn)) != NULL)
			PQclear(res);
}

enum err
db_send(struct db *db, const char *sql, int n, const char *const *params)
{
	char name[16];
	int ok;

	if (db->broken || db->conn == NULL) {
		db->broken = true;
		return ERR_DATABASE;
	}
	if (db->sent_sql != NULL) {
		log_err("db: a statement is already waiting for db_recv");
		return ERR_DATABASE;
	}
	/* Statements queued in a transaction go first, and are answered. */
	if (db->nqueued > 0) {
		enum err e = db_batch(db, NULL, NULL, NULL, 0, NULL);

		if (e != ERR_OK)
			return e;
	}
	if (db_prepared(db, sql, n, name))
		ok = PQsendQueryPrepared(db->conn, name, n, params, NULL, NULL, 0);
	else
		ok = PQsendQueryParams(
		    db->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (!ok)
		return db_fail(db, NULL, sql);
	db->sent_sql = sql;
	return ERR_OK;
}

enum err
db_recv(struct db *db, struct arena *a, struct db_rows **out)
{
	const char *sql = db->sent_sql;
	ExecStatusType st;
	PGresult *res;
	enum err e = ERR_OK;

	if (sql == NULL) {
		log_err("db: db_recv without db_send");
		return ERR_DATABASE;
	}
	if (db->broken || db->conn == NULL) {
		db_unsend(db);
		return ERR_DATABASE;
	}
	db_park(db);
	res = db->parked;
	db->parked = NULL;
	db->sent_sql = NULL;
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		db->sqlstate[0] = db->constraint[0] = '\0';
		if (out != NULL)
			*out = db_copy(a, res);
	} else
		e = db_fail(db, res, sql);
	PQclear(res);
	return e;
}

/* db_exec's work for one statement, sent on its own. */
static enum err
db_exec_now(struct db *db, struct arena *a, struct db_rows **out,
    const char *sql, int n, const char *const *params)
{
	char name[16];
	PGresult *res;
	ExecStatusType st;
	enum err e = ERR_OK;

	if (db->broken || db->conn == NULL) {
		db->broken = true;
		return ERR_DATABASE;
	}
	/* A statement sent with db_send is answered first. */
	db_park(db);
	if (db_prepared(db, sql, n, name))
		res = PQexecPrepared(db->conn, name, n, params, NULL, NULL, 0);
	else
		res =
		    PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		db->sqlstate[0] = db->constraint[0] = '\0';
		if (out != NULL)
			*out = db_copy(a, res);
	} else
		e = db_fail(db, res, sql);
	PQclear(res);
	return e;
}

/* Checks a queued statement's answer against its rule (db_ahead). */
static enum err
db_queued_check(const struct db_queued *q, PGresult *res)
{
	const char *aff;

	if (q->none == ERR_OK)
		return ERR_OK;
	aff = PQcmdTuples(res);
	return (aff != NULL && strcmp(aff, "1") == 0) ? ERR_OK : q->none;
}

/* The queued statements, then sql (NULL: none), one by one. */
static enum err
db_batch_each(struct db *db, struct arena *a, struct db_rows **out,
    const char *sql, int n, const char *const *params)
{
	struct db_rows *r;
	enum err e = ERR_OK;
	int i;

	for (i = 0; i < db->nqueued && e == ERR_OK; i++) {
		struct db_queued *q = &db->queued[i];
		struct arena *qa = q->none != ERR_OK ? arena_new(0) : NULL;

		e = db_exec_now(db, qa, qa != NULL ? &r : NULL, q->sql,
		    q->nparams, q->params);
		if (e == ERR_OK && qa != NULL && r->affected != 1)
			e = q->none;
		arena_free(qa);
	}
	db->nqueued = 0;
	if (e == ERR_OK && sql != NULL)
		e = db_exec_now(db, a, out, sql, n, params);
	return e;
}

#ifdef LIBPQ_HAS_PIPELINING
/* Ends a pipeline whose statements' results have been read: takes the
 * Sync's result and leaves pipeline mode. Returns e (clearing the last
 * error's SQLSTATE and constraint when it is ERR_OK), or ERR_DATABASE
 * with the connection marked broken when libpq cannot leave the mode. */
static enum err
db_pipeline_end(struct db *db, enum err e)
{
	PGresult *res;
	ExecStatusType st;

	while ((res = PQgetResult(db->conn)) != NULL) {
		st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	if (PQexitPipelineMode(db->conn) != 1) {
		log_err("db: pipeline: %s", PQerrorMessage(db->conn));
		db->broken = true;
		return ERR_DATABASE;
	}
	if (e == ERR_OK)
		db->sqlstate[0] = db->constraint[0] = '\0';
	return e;
}

/*
 * The queued statements and sql (NULL: none) in one pipeline: all sent,
 * then one Sync, then the results read in order (libpq pipeline mode).
 * Inside a transaction block the Sync neither commits nor ends it; after
 * the first failure the server skips the rest (PGRES_PIPELINE_ABORTED),
 * and the answer is that first failure, or the first queued statement
 * that broke its rule (the rest have run; the caller rolls back).
 */
static enum err
db_batch_pipeline(struct db *db, struct arena *a, struct db_rows **out,
    const char *sql, int n, const char *const *params)
{
	char name[DB_AHEAD_MAX + 1][16];
	bool named[DB_AHEAD_MAX + 1];
	const char *qsql[DB_AHEAD_MAX + 1];
	int qn[DB_AHEAD_MAX + 1];
	const char *const *qp[DB_AHEAD_MAX + 1];
	int total = db->nqueued + (sql != NULL), i;
	PGresult *res;
	ExecStatusType st;
	enum err e = ERR_OK;

	for (i = 0; i < db->nqueued; i++) {
		qsql[i] = db->queued[i].sql;
		qn[i] = db->queued[i].nparams;
		qp[i] = db->queued[i].params;
	}
	if (sql != NULL) {
		qsql[i] = sql;
		qn[i] = n;
		qp[i] = params;
	}
	/* Prepared first: PQprepare waits for its answer, which pipeline
	 * mode does not allow. */
	for (i = 0; i < total; i++)
		named[i] = db_prepared(db, qsql[i], qn[i], name[i]);
	if (PQenterPipelineMode(db->conn) != 1)
		return db_batch_each(db, a, out, sql, n, params);
	for (i = 0; i < total; i++)
		if ((named[i] ? PQsendQueryPrepared(db->conn, name[i], qn[i],
				    qp[i], NULL, NULL, 0)
			      : PQsendQueryParams(db->conn, qsql[i], qn[i],
				    NULL, qp[i], NULL, NULL, 0)) != 1)
			break;
	if (i < total || PQpipelineSync(db->conn) != 1) {
		/* Nothing half-sent can be trusted: the connection is
		 * dropped and made again by the next db_ensure. */
		log_err("db: pipeline: %s", PQerrorMessage(db->conn));
		db->broken = true;
		db->nqueued = 0;
		return ERR_DATABASE;
	}
	for (i = 0; i < total; i++) {
		res = PQgetResult(db->conn);
		st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
		if (e != ERR_OK)
			;
		else if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			if (i < db->nqueued)
				e = db_queued_check(&db->queued[i], res);
			else if (out != NULL)
				*out = db_copy(a, res);
		} else
			e = st == PGRES_PIPELINE_ABORTED
			    ? ERR_DATABASE
			    : db_fail(db, res, qsql[i]);
		PQclear(res);
		if (res == NULL)
			break;
		/* The NULL that ends each statement's results. */
		while ((res = PQgetResult(db->conn)) != NULL)
			PQclear(res);
	}
	db->nqueued = 0;
	return db_pipeline_end(db, e);
}
#endif

/* Sends the queued statements with sql (NULL: none): one round trip. */
static enum err
db_batch(struct db *db, struct arena *a, struct db_rows **out,
    const char *sql, int n, const char *const *params)
{
	if (db->broken || db->conn == NULL) {
		db->broken = true;
		db->nqueued = 0;
		return ERR_DATABASE;
	}
	/* A statement sent with db_send is answered first. */
	db_park(db);
#ifdef LIBPQ_HAS_PIPELINING
	if (db->nqueued + (sql != NULL) > 1)
		return db_batch_pipeline(db, a, out, sql, n, params);
#endif
	return db_batch_each(db, a, out, sql, n, params);
}

/* Queues sql to go with the next statement, its parameters copied into
 * a (which outlives the transaction). */
static void
db_enqueue(struct db *db, struct arena *a, enum err none, const char *sql,
    int n, const char *const *params)
{
	struct db_queued *q = &db->queued[db->nqueued++];

	q->sql = sql;
	q->nparams = n;
	q->none = none;
	q->params = NULL;
	if (n > 0) {
		q->params = arena_calloc(a, (size_t)n + 1, sizeof(*q->params));
		for (int i = 0; i < n; i++)
			q->params[i] =
			    params[i] != NULL ? arena_strdup(a, params[i]) : NULL;
	}
}

void
db_ahead(struct db *db, enum err none)
{
	db->ahead_armed = true;
	db->ahead_none = none;
}

enum err
db_exec(struct db *db, struct arena *a, struct db_rows **out, const char *sql,
    int n, const char *const *params)
{
	if (db->ahead_armed) {
		enum err none = db->ahead_none, e;
		struct db_rows *r;

		db->ahead_armed = false;
		if (db->in_tx && a != NULL && db->nqueued < DB_AHEAD_MAX &&
		    !db->broken) {
			db_enqueue(db, a, none, sql, n, params);
			if (out != NULL) {
				/* No rows yet; what the rule promises. */
				*out = arena_calloc(a, 1, sizeof(**out));
				(*out)->values = arena_calloc(a, 1, sizeof(char *));
				(*out)->affected = none != ERR_OK;
			}
			return ERR_OK;
		}
		/* Outside a transaction: at once, under the same rule. */
		if (none == ERR_OK || a == NULL)
			return db_exec(db, a, out, sql, n, params);
		e = db_exec(db, a, &r, sql, n, params);
		if (e == ERR_OK && out != NULL)
			*out = r;
		return e == ERR_OK && r->affected != 1 ? none : e;
	}
	if (db->nqueued > 0)
		return db_batch(db, a, out, sql, n, params);
	return db_exec_now(db, a, out, sql, n, params);
}

/* Runs sql with the DB_END-terminated parameters of ap (db_q's rules). */
static enum err
vq(struct db *db, struct arena *a, struct db_rows **out, const char *sql,
    va_list ap)
{
	const char *params[DB_MAX_PARAMS];
	const char *p;
	int n = 0;

	while ((p = va_arg(ap, const char *)) != DB_END) {
		if (n == DB_MAX_PARAMS) {
			log_err("db: too many parameters");
			abort();
		}
		params[n++] = p;
	}
	return db_exec(db, a, out, sql, n, params);
}

enum err
db_q(struct db *db, struct arena *a, struct db_rows **out, const char *sql, ...)
{
	va_list ap;
	enum err e;

	va_start(ap, sql);
	e = vq(db, a, out, sql, ap);
	va_end(ap);
	return e;
}

void
db_value_from_row(const struct db_rows *r, int row, void *out)
{
	*(const char **)out = db_val(r, row, 0);
}

enum err
db_one(struct db *db, struct arena *a, db_fill_fn fill, void *out,
    const char *sql, ...)
{
	struct db_rows *r;
	va_list ap;
	enum err e;

	va_start(ap, sql);
	e = vq(db, a, &r, sql, ap);
	va_end(ap);
	if (e != ERR_OK)
		return e;
	if (r->nrows == 0)
		return ERR_NOT_FOUND;
	fill(r, 0, out);
	return ERR_OK;
}

enum err
db_change_one(
    struct db *db, struct arena *a, enum err none, const char *sql, ...)
{
	struct db_rows *r;
	va_list ap;
	enum err e;

	va_start(ap, sql);
	e = vq(db, a, &r, sql, ap);
	va_end(ap);
	if (e != ERR_OK)
		return e;
	return r->affected == 1 ? ERR_OK : none;
}

/* Stores the rows of r as db_list promises: an arena array at out. */
static void
db_list_fill(struct arena *a, const struct db_rows *r, db_fill_fn fill,
    size_t size, void *out, int *n)
{
	unsigned char *rows = arena_calloc(a, (size_t)r->nrows + 1, size);

	for (int i = 0; i < r->nrows; i++)
		fill(r, i, rows + (size_t)i * size);
	memcpy(out, &rows, sizeof(rows));
	*n = r->nrows;
}

/* Queues a db_list for db_defer_run: the parameters copied, the list
 * empty until then. */
static enum err
db_defer(struct db *db, struct arena *a, db_fill_fn fill, size_t size,
    void *out, int *n, const char *sql, va_list ap)
{
	struct db_deferred *q;
	const char *p, *params[DB_MAX_PARAMS];
	int k = 0;
	void *none = NULL;

	if (db->ndeferred == DB_DEFER_MAX) {
		log_err("db: too many deferred lists");
		abort();
	}
	while ((p = va_arg(ap, const char *)) != DB_END) {
		if (k == DB_MAX_PARAMS) {
			log_err("db: too many parameters");
			abort();
		}
		params[k++] = p != NULL ? arena_strdup(a, p) : NULL;
	}
	q = &db->deferred[db->ndeferred++];
	q->fill = fill;
	q->size = size;
	q->out = out;
	q->n = n;
	q->sql = sql;
	q->nparams = k;
	q->params = arena_calloc(a, (size_t)k + 1, sizeof(*q->params));
	memcpy(q->params, params, (size_t)k * sizeof(*params));
	memcpy(out, &none, sizeof(none));
	*n = 0;
	return ERR_OK;
}

enum err
db_list(struct db *db, struct arena *a, db_fill_fn fill, size_t size, void *out,
    int *n, const char *sql, ...)
{
	struct db_rows *r;
	va_list ap;
	enum err e;

	va_start(ap, sql);
	if (db->deferring)
		e = db_defer(db, a, fill, size, out, n, sql, ap);
	else
		e = vq(db, a, &r, sql, ap);
	va_end(ap);
	if (e != ERR_OK || db->deferring)
		return e;
	db_list_fill(a, r, fill, size, out, n);
	return ERR_OK;
}

void
db_defer_begin(struct db *db)
{
	db->deferring = true;
	db->ndeferred = 0;
}

/* Runs the deferred lists one by one (no pipeline mode, or a list whose
 * statement is not prepared). */
static enum err
db_defer_each(struct db *db, struct arena *a)
{
	struct db_rows *r;
	enum err e;

	for (int i = 0; i < db->ndeferred; i++) {
		struct db_deferred *q = &db->deferred[i];

		e = db_exec(db, a, &r, q->sql, q->nparams, q->params);
		if (e != ERR_OK)
			return e;
		db_list_fill(a, r, q->fill, q->size, q->out, q->n);
	}
	return ERR_OK;
}

#ifdef LIBPQ_HAS_PIPELINING
/*
 * Sends every deferred list in one pipeline (libpq pipeline mode: all the
 * statements, then one Sync) and reads their results in order: one round
 * trip for all of them. Outside a transaction they run in one implicit
 * transaction, each statement with its own snapshot as before (READ
 * COMMITTED); they are reads, so a failure of one (the rest are then
 * aborted) changes nothing. The statements are prepared first (once per
 * connection, as db_exec does).
 */
static enum err
db_defer_pipeline(struct db *db, struct arena *a)
{
	char name[DB_DEFER_MAX][16];
	PGresult *res;
	ExecStatusType st;
	enum err e = ERR_OK;
	int i;

	for (i = 0; i < db->ndeferred; i++)
		if (!db_prepared(db, db->deferred[i].sql,
			db->deferred[i].nparams, name[i]))
			return db_defer_each(db, a);
	if (PQenterPipelineMode(db->conn) != 1)
		return db_defer_each(db, a);
	for (i = 0; i < db->ndeferred; i++) {
		struct db_deferred *q = &db->deferred[i];

		if (PQsendQueryPrepared(db->conn, name[i], q->nparams,
			q->params, NULL, NULL, 0) != 1)
			break;
	}
	if (i < db->ndeferred || PQpipelineSync(db->conn) != 1) {
		/* Nothing half-sent can be trusted: the connection is
		 * dropped and made again by the next db_ensure. */
		log_err("db: pipeline: %s", PQerrorMessage(db->conn));
		db->broken = true;
		return ERR_DATABASE;
	}
	for (i = 0; i < db->ndeferred; i++) {
		struct db_deferred *q = &db->deferred[i];

		res = PQgetResult(db->conn);
		st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
		if (st == PGRES_TUPLES_OK && e == ERR_OK)
			db_list_fill(a, db_copy(a, res), q->fill, q->size,
			    q->out, q->n);
		else if (e == ERR_OK)
			e = st == PGRES_PIPELINE_ABORTED
			    ? ERR_DATABASE
			    : db_fail(db, res, q->sql);
		PQclear(res);
		if (res == NULL)
			break;
		/* The NULL that ends each statement's results. */
		while ((res = PQgetResult(db->conn)) != NULL)
			PQclear(res);
	}
	return db_pipeline_end(db, e);
}
#endif

enum err
db_defer_run(struct db *db, struct arena *a)
{
	enum err e;

	db->deferring = false;
	if (db->broken || db->conn == NULL) {
		db->broken = true;
		e = ERR_DATABASE;
	} else if (db->sent_sql != NULL || db->nqueued > 0)
		/* A statement sent with db_send is still owed its result
		 * (db_exec collects it first), or statements queued in a
		 * transaction go with the first list: no pipeline here. */
		e = db_defer_each(db, a);
	else if (db->ndeferred < 2 || PQtransactionStatus(db->conn) !=
		       PQTRANS_IDLE)
		e = db_defer_each(db, a);
	else
#ifdef LIBPQ_HAS_PIPELINING
		e = db_defer_pipeline(db, a);
#else
		e = db_defer_each(db, a);
#endif
	db->ndeferred = 0;
	return e;
}

enum err
db_exec_script(struct db *db, const char *sql)
{
	PGresult *res;
	enum err e = ERR_OK;

	if (db->broken || db->conn == NULL)
		return ERR_DATABASE;
	if (db->nqueued > 0 &&
	    db_batch(db, NULL, NULL, NULL, 0, NULL) != ERR_OK)
		return ERR_DATABASE;
	db_park(db);
	res = PQexec(db->conn, sql);
	if (res == NULL ||
	    (PQresultStatus(res) != PGRES_COMMAND_OK &&
		PQresultStatus(res) != PGRES_TUPLES_OK)) {
		log_err("db: script failed: %s", PQerrorMessage(db->conn));
		e = ERR_DATABASE;
	}
	PQclear(res);
	return e;
}

char *
db_bytea(struct arena *a, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *s = arena_alloc(a, 2 * n + 3);

	s[0] = '\\';
	s[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		s[2 + 2 * i] = hex[p[i] >> 4];
		s[3 + 2 * i] = hex[p[i] & 15];
	}
	return s;
}

const char *
db_val(const struct db_rows *rows, int r, int c)
{
	if (rows == NULL || r < 0 || r >= rows->nrows || c < 0 ||
	    c >= rows->ncols)
		return NULL;
	return rows->values[r * rows->ncols + c];
}

const char *
db_constraint(const struct db *db)
{
	return db->constraint;
}

static enum err
db_simple(struct db *db, const char *sql)
{
	return db_exec(db, NULL, NULL, sql, 0, NULL);
}

enum err
db_savepoint(struct db *db)
{
	return db_simple(db, "SAVEPOINT roster_step");
}

enum err
db_savepoint_release(struct db *db)
{
	return db_simple(db, "RELEASE SAVEPOINT roster_step");
}

enum err
db_savepoint_rollback(struct db *db)
{
	return db_simple(db, "ROLLBACK TO SAVEPOINT roster_step");
}

enum err
db_listen(struct db *db, const char *channel)
{
	size_t n = strlen(channel);

	if (n == 0 || n >= sizeof(db->listen) ||
	    strspn(channel, "abcdefghijklmnopqrstuvwxyz_") != n)
		return ERR_INVALID;
	memcpy(db->listen, channel, n + 1);
	if (db->broken || db->conn == NULL)
		return ERR_DATABASE;
	db_relisten(db);
	return db->broken ? ERR_DATABASE : ERR_OK;
}

int
db_wait(struct db *db, int timeout_ms)
{
	struct pollfd pfd;
	PGnotify *n;
	int got = 0, rc;

	if (db->broken || db->conn == NULL || (pfd.fd = PQsocket(db->conn)) < 0)
		return -1;
	pfd.events = POLLIN;
	/* Notifications may already sit in libpq's buffer. */
	if ((n = PQnotifies(db->conn)) == NULL) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0)
			return 0; /* a signal: let the caller look at its flags
				   */
		if (rc == 0)
			return 0;
		if (PQconsumeInput(db->conn) == 0) {
			db->broken = true;
			return -1;
		}
	} else {
		PQfreemem(n);
		got = 1;
	}
	while ((n = PQnotifies(db->conn)) != NULL) {
		PQfreemem(n);
		got = 1;
	}
	return got;
}

/*
 * A serialization failure or deadlock is retried, and so is a unique
 * violation that fn passed up unmapped: under concurrency it is the same
 * thing (a row committed by another transaction after this one looked),
 * and on the next try fn sees that row. Codes fn chose itself are final.
 */
static bool
db_retryable(const struct db *db, enum err e)
{
	if (db->broken)
		return false;
	if (e == ERR_RETRY_EXHAUSTED)
		return strcmp(db->sqlstate, "40001") == 0 ||
		    strcmp(db->sqlstate, "40P01") == 0;
	return e == ERR_CONFLICT && strcmp(db->sqlstate, "23505") == 0;
}

/* Whether the transaction's BEGIN is still waiting to be sent. */
static bool
db_begin_queued(const struct db *db)
{
	return db->nqueued > 0 && db->queued[0].sql == db_begin_sql;
}

/* Whether a queued statement has a rule to check. */
static bool
db_queued_rules(const struct db *db)
{
	for (int i = 0; i < db->nqueued; i++)
		if (db->queued[i].none != ERR_OK)
			return true;
	return false;
}

enum err
db_tx(struct db *db, enum err (*fn)(struct db *, void *), void *arg)
{
	enum err e = ERR_RETRY_EXHAUSTED;
	bool retry;

	for (int try = 0; try < DB_TRIES; try++) {
		if (try > 0)
			metrics_add(C_TX_RETRIES, 1);
		if (db->broken || db->conn == NULL)
			return ERR_DATABASE;
		/* BEGIN goes with the transaction's first statement. */
		db->nqueued = 0;
		db_enqueue(db, NULL, ERR_OK, db_begin_sql, 0, NULL);
		db->in_tx = true;
		e = fn(db, arg);
		db->ahead_armed = false;
		if (e == ERR_OK && db_begin_queued(db)) {
			/* Nothing was sent: nothing to commit. */
			db->nqueued = 0;
			db->in_tx = false;
			return ERR_OK;
		}
		/* A statement with a rule (db_ahead) is answered before
		 * COMMIT is sent; the others go with it. */
		if (e == ERR_OK && db_queued_rules(db))
			e = db_batch(db, NULL, NULL, NULL, 0, NULL);
		if (e == ERR_OK)
			e = db_simple(db, "COMMIT");
		db->in_tx = false;
		retry = db_retryable(db, e);
		/* After a failed COMMIT the transaction is over already; a
		 * ROLLBACK outside one is harmless; a BEGIN never sent needs
		 * none. */
		if (e != ERR_OK && !db->broken && !db_begin_queued(db))
			(void)db_simple(db, "ROLLBACK");
		db->nqueued = 0;
		if (!retry)
			return e;
	}
	log_warn("db: transaction failed %d times on serialization, deadlock "
		 "or a unique race",
	    DB_TRIES);
	return ERR_RETRY_EXHAUSTED;
}

enum err
db_lock(struct db *db, struct arena *a, const char *key)
{
	return db_q(db, a, NULL,
	    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key,
	    DB_END);
}

enum err
db_lock_two(
    struct db *db, struct arena *a, const char *first, const char *second)
{
	/* A target list is evaluated left to right: first, then second. */
	return db_q(db, a, NULL,
	    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0)), "
	    "pg_advisory_xact_lock(hashtextextended($2, 0))",
	    first, second, DB_END);
}
