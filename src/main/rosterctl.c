/*
 * rosterctl: operations from the command line — migrations, platform
 * admins, purging expired rows, and the configuration's defaults.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "db/db_maint.h"
#include "db/db_platform_invitation.h"
#include "domain/account.h"
#include "util/arena.h"
#include "util/log.h"

/* The usage, on stdout for --help, else on stderr. */
static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: rosterctl migrate\n"
	    "       rosterctl bootstrap-admin EMAIL\n"
	    "       rosterctl purge-expired\n"
	    "       rosterctl config [--mdoc]\n"
	    "       rosterctl --help | --version\n"
	    "Configured by the ROSTER_* environment variables: see "
	    "roster.env(5)\nand rosterctl config.\n");
}

/* rosterctl never sends email itself; a notice here is a bug. */
static enum err
no_notify(void *ctx, struct db *db, struct arena *a, const struct notice *n)
{
	return ERR_INTERNAL;
}

/*
 * d->db is the schema owner's connection (ROSTER_MIGRATE_DATABASE_URL).
 * When the programs connect as another role, that role is then granted
 * the rows of every table, new ones included.
 */
static int
cmd_migrate(struct domain *d, struct arena *a)
{
	int applied, rc;
	const char *dir = arena_printf(a, "%s/sql", d->conf->data_dir);
	struct db *appdb;

	if (db_maint_migrate(d->db, a, dir, &applied) != ERR_OK)
		return 1;
	printf("migrations applied: %d\n", applied);
	if (strcmp(d->conf->migrate_database_url, d->conf->database_url) == 0)
		return 0;
	appdb = db_open_limits(d->conf->database_url,
	    &(struct db_limits) { d->conf->db_connect_timeout, 0, 0 });
	rc = db_maint_grant(d->db, appdb, a) == ERR_OK ? 0 : 1;
	db_close(appdb);
	return rc;
}

static int
cmd_bootstrap_admin(struct domain *d, struct arena *a, const char *email)
{
	char *link;
	enum err e = account_bootstrap_admin(d, a, email, &link);

	if (e != ERR_OK) {
		fprintf(stderr, "rosterctl: %s\n", err_str(e));
		return 1;
	}
	if (link != NULL)
		printf("platform admin %s: set a password within 24 hours "
		       "at:\n%s\n",
		    email, link);
	else
		printf("promoted %s to platform admin\n", email);
	return 0;
}

static int
cmd_purge(struct domain *d, struct arena *a)
{
	long long sessions = 0, events = 0, joins = 0, platform = 0, tokens = 0;

	if (db_maint_purge_sessions(d->db, a, &sessions, &events) != ERR_OK ||
	    db_maint_purge_tokens(d->db, a, &tokens) != ERR_OK ||
	    db_maint_purge_join_requests(d->db, a, &joins) != ERR_OK ||
	    db_platform_invitation_purge(d->db, a, &platform) != ERR_OK)
		return 1;
	printf("expired join requests deleted: %lld\n"
	       "expired sessions deleted: %lld\n"
	       "old rate-limit events deleted: %lld\n"
	       "expired platform invitations deleted: %lld\n"
	       "expired account tokens deleted: %lld\n",
	    joins, sessions, events, platform, tokens);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct conf conf;
	struct domain d = { .notify = no_notify };
	struct arena *a;
	int rc = 2;

	log_init("rosterctl");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 && argc == 2) {
		usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "--version") == 0 && argc == 2) {
		printf("rosterctl %s\n", PACKAGE_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	/* The table of defaults needs neither a valid environment nor the
	 * database; --mdoc prints it as roster.env(5)'s list. */
	if (strcmp(argv[1], "config") == 0 && argc == 2) {
		conf_print(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "config") == 0 && argc == 3 &&
	    strcmp(argv[2], "--mdoc") == 0) {
		conf_print_mdoc(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	/* An unknown command is refused before the database is tried. */
	if (!((strcmp(argv[1], "migrate") == 0 && argc == 2) ||
		(strcmp(argv[1], "bootstrap-admin") == 0 && argc == 3) ||
		(strcmp(argv[1], "purge-expired") == 0 && argc == 2))) {
		usage(stderr);
		return 2;
	}
	if (crypto_init() == -1 ||
	    conf_load(&conf, strcmp(argv[1], "migrate") != 0) == -1)
		return 1;
	d.conf = &conf;
	/* The connect timeout only: migrations and purges may run long and
	 * wait for the workers' locks. */
	d.db = db_open_limits(strcmp(argv[1], "migrate") == 0
		? conf.migrate_database_url
		: conf.database_url,
	    &(struct db_limits) { conf.db_connect_timeout, 0, 0 });
	a = arena_new(0);
	if (db_ensure(d.db) != ERR_OK) {
		fprintf(stderr, "rosterctl: cannot connect to the database\n");
		rc = 1;
	} else if (strcmp(argv[1], "migrate") == 0 && argc == 2)
		rc = cmd_migrate(&d, a);
	else if (strcmp(argv[1], "bootstrap-admin") == 0 && argc == 3)
		rc = cmd_bootstrap_admin(&d, a, argv[2]);
	else if (strcmp(argv[1], "purge-expired") == 0 && argc == 2)
		rc = cmd_purge(&d, a);
	arena_free(a);
	db_close(d.db);
	return rc;
}
