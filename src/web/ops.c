/*
 * Operations endpoints: health and metrics. Neither touches sessions.
 */
#include "web/web.h"

#include "db/db.h"
#include "db/mailstat.h"
#include "util/metrics.h"

void
web_healthz(struct ctx *c)
{
	enum err e = db_ping(c->d->db);

	c->res->content_type = "text/plain; charset=utf-8";
	c->res->status = e == ERR_OK ? 200 : 503;
	buf_puts(
	    &c->res->body, e == ERR_OK ? "ok\n" : "database unavailable\n");
	if (e != ERR_OK)
		c->res->retry_after = 5;
}

void
web_metrics(struct ctx *c)
{
	c->res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_render(&c->res->body);
	/* The mailer's counters live in the database, shared by every host. */
	(void)db_mail_counters(c->d->db, c->a, &c->res->body);
}
