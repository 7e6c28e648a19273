/*
 * Bulk invitations: the form beside the single invite form on the roster,
 * and the page of outcomes, one row per pasted address.
 */
#include "web/web.h"

#include "domain/bulk.h"
#include "tpl/tpl.h"
#include "util/arena.h"

/* The sentence of each outcome on the result page. */
static const char *const outcome_text[BULK__MAX] = {
	[BULK_INVITED] = "Invited",
	[BULK_REINVITED] = "Invited again: the earlier invitation's link no "
			   "longer works",
	[BULK_ALREADY_MEMBER] = "Already a member",
	[BULK_INVALID_EMAIL] = "Not an email address",
	[BULK_DUPLICATE] = "Listed twice: invited once",
	[BULK_RATE_LIMITED] = "Not sent: the hourly invitation limit is "
			      "reached; send it again later",
	[BULK_SEAT_LIMIT] = "Not sent: every seat is taken",
};

/* Puts the rows and the tally on the page. */
static void
result_rows(struct ctx *c, const struct bulk_row *r, int n)
{
	int tally[BULK__MAX] = { 0 };

	tpl_set_list(c->page, "rows");
	for (int i = 0; i < n; i++) {
		struct tpl_ctx *row = tpl_add_row(c->page, "rows");

		tpl_set(row, "email", r[i].email);
		tpl_set(row, "outcome", bulk_outcome_str(r[i].outcome));
		tpl_set(row, "outcome_text", outcome_text[r[i].outcome]);
		tpl_set_bool(row, "sent", r[i].outcome == BULK_INVITED ||
			r[i].outcome == BULK_REINVITED);
		tally[r[i].outcome]++;
	}
	tpl_set(c->page, "count", arena_printf(c->a, "%d", n));
	tpl_set(c->page, "sent",
	    arena_printf(
		c->a, "%d", tally[BULK_INVITED] + tally[BULK_REINVITED]));
	tpl_set(c->page, "not_sent",
	    arena_printf(c->a, "%d",
		n - tally[BULK_INVITED] - tally[BULK_REINVITED]));
	tpl_set_bool(c->page, "has_rows", n > 0);
	tpl_set_bool(c->page, "any_rate_limited", tally[BULK_RATE_LIMITED] > 0);
	tpl_set_bool(c->page, "any_seat_limit", tally[BULK_SEAT_LIMIT] > 0);
}

void
web_bulk_invite(struct ctx *c)
{
	struct bulk_row *r;
	struct org o;
	enum role role;
	int n;
	enum err e;

	if (web_org_open(c, &o, &role) == -1)
		return;
	e = bulk_invite(c->d, c->a, c->user, &o, role, web_field(c, F_EMAILS),
	    web_field(c, F_ROLE), &r, &n);
	if (e != ERR_OK && n == 0) {
		/* Nothing was written: the roster again, the paste kept. */
		tpl_set(c->page, "bulk_emails", web_field(c, F_EMAILS));
		tpl_set_bool(c->page, "bulk_errors", true);
		if (db_enum_role(web_field(c, F_ROLE)) != ROLE__MAX)
			tpl_set_bool(c->page,
			    arena_printf(c->a, "bulk_role_%s",
				db_enum_role_str(
				    db_enum_role(web_field(c, F_ROLE)))),
			    true);
		web_org_render(c, &o, role, e);
		return;
	}
	if (e != ERR_OK) {
		/* The database failed part-way: those before it are sent. */
		web_page_fail(c, e, PAGE__MAX);
		return;
	}
	tpl_set(c->page, "title", arena_printf(c->a, "%s: invitations", o.name));
	tpl_set(c->page, "role", web_field(c, F_ROLE));
	result_rows(c, r, n);
	web_page(c, PAGE_INVITATION_BULK_RESULT);
}
