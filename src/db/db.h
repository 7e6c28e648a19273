/*
 * PostgreSQL access: one connection per process, parameterised statements
 * only, results copied into the request's arena, and transactions that are
 * retried on serialization failure or deadlock.
 *
 * A lost connection is noticed by the next statement (or db_ping) and
 * re-established on the following request by db_ensure(); while the server
 * is down every call fails fast with ERR_DATABASE.
 */
#ifndef ROSTER_DB_DB_H
#define ROSTER_DB_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct arena;
struct db;

/* A result copied out of libpq: values[row * ncols + col], NULL for SQL
 * NULL. All memory belongs to the arena the statement ran with. */
struct db_rows {
	int nrows;
	int ncols;
	int affected; /* rows changed by INSERT/UPDATE/DELETE */
	char **values;
};

/* Creates a handle for conninfo and tries to connect; a failed first
 * connection is logged and retried later. Free with db_close(). */
struct db *db_open(const char *conninfo);

/*
 * Time limits of a connection, applied on every (re)connection: libpq's
 * connect_timeout in seconds (overriding one in the conninfo), and the
 * session's statement_timeout and lock_timeout in milliseconds; 0 leaves
 * each as the server or conninfo has it. A statement stopped by one fails
 * with ERR_DATABASE (SQLSTATE 57014 or 55P03), which pages answer with
 * 503 and Retry-After.
 */
struct db_limits {
	long long connect_s;
	long long statement_ms;
	long long lock_ms;
};

/* db_open with time limits (lim may be NULL: none). */
struct db *db_open_limits(const char *conninfo, const struct db_limits *lim);

void db_close(struct db *db);

/* Makes sure the connection is up, reconnecting if it was lost. Returns
 * ERR_OK or ERR_DATABASE. Cheap when the connection is fine. */
enum err db_ensure(struct db *db);

/* Runs "SELECT 1". ERR_OK or ERR_DATABASE. */
enum err db_ping(struct db *db);

/*
 * Runs sql with n text parameters (a NULL pointer is SQL NULL). On success
 * returns ERR_OK and, if out is not NULL, stores the rows in *out (arena).
 * Errors: ERR_CONFLICT for unique_violation (23505; db_constraint() names
 * the constraint), ERR_RETRY_EXHAUSTED for serialization failure or
 * deadlock (40001, 40P01: the caller's transaction must be retried),
 * ERR_INVALID for check, foreign key or not-null violations, ERR_DATABASE
 * for everything else (logged with the SQLSTATE, never the parameters).
 */
enum err db_exec(struct db *db, struct arena *a, struct db_rows **out,
    const char *sql, int n, const char *const *params);

/*
 * A statement whose result is taken later, so that the caller works while
 * the server runs it: db_send sends sql as db_exec would (prepared, n text
 * parameters, copied at once) without waiting; db_recv waits for its
 * result and answers exactly as db_exec would have. One statement at a
 * time: db_send again before db_recv is ERR_DATABASE. Any other statement
 * on the connection meanwhile (every function here that runs one) first
 * waits for that result and keeps it for db_recv. A reconnection drops it
 * (db_recv is then ERR_DATABASE). sql must stay valid until db_recv (a
 * string literal).
 * db_send returns ERR_OK or ERR_DATABASE; after a failed db_send there is
 * nothing to receive.
 */
enum err db_send(
    struct db *db, const char *sql, int n, const char *const *params);
enum err db_recv(struct db *db, struct arena *a, struct db_rows **out);

/* SQL for a timestamptz column as the pages print a moment:
 * "YYYY-MM-DD HH:MM UTC". Every statement that prints one uses it. */
#define DB_UTC_MINUTE(col)                                                     \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')"

/* Convenience: db_exec with up to 8 parameters given inline, terminated
 * by the DB_END sentinel. */
#define DB_END ((const char *)-1)
enum err db_q(
    struct db *db, struct arena *a, struct db_rows **out, const char *sql, ...);

/* Copies row of r into the struct at out. */
typedef void (*db_fill_fn)(const struct db_rows *r, int row, void *out);

/* A db_fill_fn that stores column 0 of row in the const char * at out. */
void db_value_from_row(const struct db_rows *r, int row, void *out);

/*
 * Runs sql with parameters given inline (DB_END-terminated, as db_q) and
 * fills the struct at out from the first row with fill. ERR_NOT_FOUND
 * when there is no row; otherwise db_exec's errors.
 */
enum err db_one(struct db *db, struct arena *a, db_fill_fn fill, void *out,
    const char *sql, ...);

/* Runs a statement that must change exactly one row (an UPDATE or DELETE
 * with a WHERE that names it), parameters given inline as for db_q:
 * ERR_OK when one row changed, none (the caller's code for "it was not
 * there", e.g. ERR_NOT_PENDING) when no row did, or db_exec's errors. */
enum err db_change_one(
    struct db *db, struct arena *a, enum err none, const char *sql, ...);

/*
 * Runs sql like db_one and stores in the pointer variable at out an arena
 * array of every row (structs of size bytes, each filled by fill, with a
 * zeroed one after the last), and the number of rows in *n.
 */
enum err db_list(struct db *db, struct arena *a, db_fill_fn fill, size_t size,
    void *out, int *n, const char *sql, ...);

/*
 * Independent lists in one round trip: after db_defer_begin, db_list only
 * queues its statement (at most 8), leaving its list empty and returning
 * ERR_OK; db_defer_run sends every queued statement at once (libpq
 * pipeline mode, outside a transaction; one by one inside one) and fills
 * each list as db_list would have. Its result is the first error of any
 * of them. Only db_list defers: nothing else may run in between, and no
 * list is to be read before db_defer_run returns ERR_OK.
 */
void db_defer_begin(struct db *db);
enum err db_defer_run(struct db *db, struct arena *a);

/*
 * Sends the next statement ahead, inside db_tx's function: db_exec queues
 * it (its parameters copied into its arena) and answers ERR_OK at once
 * with no rows; it goes to the server in one pipeline with the next
 * statement run (libpq pipeline mode), whose answer is then the first
 * failure of either. none is its rule: ERR_OK when any success will do;
 * otherwise it must change exactly one row (its rows say affected 1 until
 * then) or the statement that carried it answers none. A statement with
 * a rule never goes with COMMIT: db_tx sends it first. db_tx's own BEGIN
 * is queued the same way, so a transaction's first statement costs no
 * round trip of its own. Outside db_tx, or with no arena, the statement
 * runs at once under the same rule.
 */
void db_ahead(struct db *db, enum err none);

/* Runs a script of several statements with no parameters (migrations
 * only). ERR_OK or ERR_DATABASE (logged). */
enum err db_exec_script(struct db *db, const char *sql);

/* Formats n bytes as a bytea text literal ("\\x0a1b...") for a parameter. */
char *db_bytea(struct arena *a, const unsigned char *p, size_t n);

/* Value at row r, column c, or NULL. */
const char *db_val(const struct db_rows *rows, int r, int c);

/* The constraint named by the last ERR_CONFLICT/ERR_INVALID ("" if none). */
const char *db_constraint(const struct db *db);

/* Takes a transaction-scoped advisory lock named by key (serialises
 * operations on one name across workers and hosts). */
enum err db_lock(struct db *db, struct arena *a, const char *key);

/* Takes the advisory locks named first and second, in that order, in one
 * statement (callers that take several keep one order, so none waits on
 * another in a cycle). */
enum err db_lock_two(
    struct db *db, struct arena *a, const char *first, const char *second);

/*
 * Runs fn inside BEGIN ... COMMIT. fn returns ERR_OK to commit or any
 * other code to roll back (that code is returned). A serialization failure
 * or deadlock, inside fn or at COMMIT, or an unmapped unique violation
 * (fn returning the ERR_CONFLICT of a 23505 as is) rolls back and runs fn
 * again, at most 3 tries in all, then returns ERR_RETRY_EXHAUSTED. fn must
 * therefore have no effects outside the database, and must turn a unique
 * violation it expects (a taken slug) into its own code.
 */
enum err db_tx(
    struct db *db, enum err (*fn)(struct db *db, void *arg), void *arg);

/*
 * A savepoint inside the running transaction, so that a step allowed to
 * fail (the rate limiter fails open) can be undone without ending it:
 * db_savepoint, then db_savepoint_release on success or
 * db_savepoint_rollback on failure. One level only.
 */
enum err db_savepoint(struct db *db);
enum err db_savepoint_release(struct db *db);
enum err db_savepoint_rollback(struct db *db);

/*
 * Subscribes to notifications on channel (a plain identifier of lower-case
 * letters and underscores), now and after every reconnection. ERR_OK,
 * ERR_INVALID for a bad name, or ERR_DATABASE.
 */
enum err db_listen(struct db *db, const char *channel);

/*
 * Waits up to timeout_ms for a notification on the listened channel and
 * drains every pending one. Returns 1 when notified, 0 on timeout, -1
 * when the connection failed (the next db_ensure reconnects).
 */
int db_wait(struct db *db, int timeout_ms);

#endif
