/*
 * Schema migrations and purges.
 */
#include "db/db_maint.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/arena.h"
#include "util/log.h"

#define MIGRATION_MAX (4 * 1024 * 1024)

static int
name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* True for names of the form NNN_word.sql. */
static bool
migration_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 9 || strcmp(s + n - 4, ".sql") != 0 || s[3] != '_')
		return false;
	for (int i = 0; i < 3; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static char *
read_file(struct arena *a, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	size_t n;

	if (f == NULL) {
		log_err("migrate: %s: %s", path, strerror(errno));
		return NULL;
	}
	p = arena_alloc(a, MIGRATION_MAX + 1);
	n = fread(p, 1, MIGRATION_MAX, f);
	if (ferror(f) || !feof(f)) {
		log_err("migrate: %s: unreadable or too large", path);
		fclose(f);
		return NULL;
	}
	fclose(f);
	p[n] = '\0';
	return p;
}

static enum err
apply(struct db *db, struct arena *a, const char *dir, const char *name)
{
	char *sql = read_file(a, arena_printf(a, "%s/%s", dir, name));
	enum err e;

	if (sql == NULL)
		return ERR_DATABASE;
	if ((e = db_q(db, a, NULL, "BEGIN", DB_END)) != ERR_OK)
		return e;
	if ((e = db_exec_script(db, sql)) == ERR_OK)
		e = db_q(db, a, NULL,
		    "INSERT INTO schema_migrations (version) "
		    "VALUES ($1)",
		    name, DB_END);
	if (e == ERR_OK)
		e = db_q(db, a, NULL, "COMMIT", DB_END);
	if (e != ERR_OK) {
		(void)db_q(db, a, NULL, "ROLLBACK", DB_END);
		log_err("migrate: %s failed; nothing of it was applied", name);
		return ERR_DATABASE;
	}
	log_info("migrate: applied %s", name);
	return ERR_OK;
}

enum err
db_maint_grant(struct db *owner, struct db *app, struct arena *a)
{
	/* A role is an identifier, which no statement takes as a parameter:
	 * the server quotes it. */
	static const char *const grants[] = {
		"GRANT USAGE ON SCHEMA public TO ",
		("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
		 "public TO "),
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ",
		"REVOKE UPDATE, DELETE ON audit_events FROM ",
		"REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM ",
	};
	const char *me, *role, *q;
	enum err e;

	if (db_one(owner, a, db_value_from_row, &me, "SELECT current_user",
		DB_END) != ERR_OK ||
	    db_one(app, a, db_value_from_row, &role, "SELECT current_user",
		DB_END) != ERR_OK) {
		log_err("migrate: cannot connect as ROSTER_DATABASE_URL's role "
			"to grant it its rows");
		return ERR_DATABASE;
	}
	if (strcmp(me, role) == 0)
		return ERR_OK;
	if ((e = db_one(owner, a, db_value_from_row, &q,
		 "SELECT quote_ident($1)", role, DB_END)) != ERR_OK)
		return e;
	/* Under migrate's lock: two GRANTs on one table at once fail with
	 * "tuple concurrently updated". */
	if ((e = db_q(owner, a, NULL, "BEGIN", DB_END)) != ERR_OK)
		return e;
	e = db_q(owner, a, NULL,
	    "SELECT pg_advisory_xact_lock("
	    "hashtextextended('roster:migrate', 0))",
	    DB_END);
	for (size_t i = 0; e == ERR_OK && i < sizeof(grants) / sizeof(*grants);
	    i++)
		e = db_q(owner, a, NULL, arena_printf(a, "%s%s", grants[i], q),
		    DB_END);
	if (e == ERR_OK)
		e = db_q(owner, a, NULL, "COMMIT", DB_END);
	if (e != ERR_OK) {
		(void)db_q(owner, a, NULL, "ROLLBACK", DB_END);
		log_err("migrate: cannot grant role %s its rows", role);
		return ERR_DATABASE;
	}
	log_info("migrate: role %s may read and write rows, nothing more",
	    role);
	return ERR_OK;
}

enum err
db_maint_migrate(struct db *db, struct arena *a, const char *dir, int *applied)
{
	struct db_rows *done;
	struct dirent *de;
	DIR *d;
	char **names = NULL;
	size_t n = 0, cap = 0;
	enum err e;

	*applied = 0;
	if ((e = db_ensure(db)) != ERR_OK)
		return e;
	if ((e = db_q(db, a, NULL,
		 "SELECT pg_advisory_lock(hashtextextended("
		 "'roster:migrate', 0))",
		 DB_END)) != ERR_OK)
		return e;
	e = db_q(db, a, NULL,
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT "
	    "now())",
	    DB_END);
	if (e == ERR_OK)
		e = db_q(db, a, &done, "SELECT version FROM schema_migrations",
		    DB_END);
	if (e != ERR_OK)
		goto out;
	if ((d = opendir(dir)) == NULL) {
		log_err("migrate: %s: %s", dir, strerror(errno));
		e = ERR_DATABASE;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!migration_name(de->d_name))
			continue;
		if (n == cap) {
			char **p;

			cap = cap ? cap * 2 : 16;
			p = arena_calloc(a, cap, sizeof(*p));
			if (n)
				memcpy(p, names, n * sizeof(*p));
			names = p;
		}
		names[n++] = arena_strdup(a, de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && e == ERR_OK; i++) {
		bool seen = false;

		for (int r = 0; r < done->nrows; r++)
			if (strcmp(db_val(done, r, 0), names[i]) == 0)
				seen = true;
		if (seen)
			continue;
		if ((e = apply(db, a, dir, names[i])) == ERR_OK)
			(*applied)++;
	}
out:
	(void)db_q(db, a, NULL,
	    "SELECT pg_advisory_unlock(hashtextextended("
	    "'roster:migrate', 0))",
	    DB_END);
	return e;
}

/* Runs one DELETE; writes the number of rows it removed to *n. */
static enum err
purge(struct db *db, struct arena *a, const char *sql, long long *n)
{
	struct db_rows *r;
	enum err e = db_q(db, a, &r, sql, DB_END);

	if (e == ERR_OK)
		*n = r->affected;
	return e;
}

enum err
db_maint_purge_join_requests(struct db *db, struct arena *a, long long *n)
{
	return purge(db, a,
	    "DELETE FROM join_requests WHERE status = "
	    "'pending_confirmation' AND confirm_expires_at < now()",
	    n);
}

enum err
db_maint_purge_sessions(
    struct db *db, struct arena *a, long long *sessions, long long *events)
{
	enum err e = purge(db, a,
	    "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'",
	    sessions);

	if (e != ERR_OK)
		return e;
	return purge(db, a,
	    "DELETE FROM rate_events WHERE at < now() - interval '1 day'",
	    events);
}

enum err
db_maint_purge_tokens(struct db *db, struct arena *a, long long *n)
{
	return purge(db, a,
	    "DELETE FROM account_tokens WHERE expires_at < now() - "
	    "interval '1 day' OR used_at < now() - interval '1 day'",
	    n);
}
