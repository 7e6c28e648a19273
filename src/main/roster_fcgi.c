/*
 * roster-fcgi: the web workers. Reads the configuration, compiles the
 * templates, maps the shared metrics and names the counters once, then
 * hands over to the prefork supervisor, which binds the socket and, when
 * started as root, drops to ROSTER_USER before any worker starts; each
 * worker opens its own database connection and serves FastCGI requests
 * until told to stop.
 */
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "counters.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "http/http_fcgi.h"
#include "sup/sup.h"
#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/priv.h"
#include "web/web.h"

struct app {
	struct conf conf;
	struct tpl_set *tpl;
};

static int
worker_main(void *arg, int listen_fd, volatile sig_atomic_t *stop)
{
	struct app *app = arg;
	struct web w = { .conf = &app->conf, .tpl = app->tpl };
	struct arena *a;
	int rc;

	w.domain.db = db_open_limits(app->conf.database_url,
	    &(struct db_limits) { app->conf.db_connect_timeout,
		app->conf.db_statement_timeout, app->conf.db_lock_timeout });
	w.domain.conf = &app->conf;
	w.domain.notify = web_notify;
	w.domain.notify_ctx = &w;
	web_routes_init();
	(void)metrics_worker_begin();
	a = arena_new(0);
	rc = http_fcgi_serve(listen_fd, a, web_handle, &w, stop);
	arena_free(a);
	metrics_worker_end();
	db_close(w.domain.db);
	return rc == 0 ? 0 : 1;
}

/* The usage, on stdout for --help, else on stderr. */
static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: roster-fcgi\n"
	    "       roster-fcgi --help | --version\n"
	    "Configured by the ROSTER_* environment variables: see "
	    "roster.env(5)\nand rosterctl config.\n");
}

int
main(int argc, char *argv[])
{
	struct app app;
	struct sup_config sc;
	struct priv priv;
	const char *dir;
	int rc;

	log_init("roster-fcgi");
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("roster-fcgi %s\n", PACKAGE_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc > 1) {
		usage(stderr);
		return 2;
	}
	if (crypto_init() == -1 || conf_load(&app.conf, true) == -1 ||
	    priv_init(&priv, app.conf.user, app.conf.socket_group) == -1)
		return 1;
	dir = arena_printf(arena_new(0), "%s/templates", app.conf.data_dir);
	if ((app.tpl = tpl_load(dir)) == NULL) {
		log_err("cannot load templates from %s", dir);
		return 1;
	}
	if (!web_page_check(app.tpl)) {
		log_err("templates in %s lack pages the program serves", dir);
		return 1;
	}
	if (metrics_init() == -1)
		return 1;
	counters_init();
	memset(&sc, 0, sizeof(sc));
	sc.socket_path = app.conf.socket_path;
	sc.workers = (int)app.conf.workers;
	sc.worker_main = worker_main;
	sc.ctx = &app;
	sc.on_stop = FCGX_ShutdownPending;
	sc.priv = &priv;
	log_info("event=start workers=%d socket=\"%s\"", sc.workers,
	    sc.socket_path);
	rc = sup_run(&sc);
	tpl_free(app.tpl);
	keys_wipe(&app.conf.keys);
	return rc == 0 ? 0 : 1;
}
