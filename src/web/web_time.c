/*
 * Times on pages: the one way a page shows a moment, as a <time> element
 * whose text is relative ("in 6 days", "2 hours ago") and whose datetime
 * and title carry the exact UTC time.
 */
#include "web/web.h"

#include <time.h>

#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/reltime.h"

void
web_time(struct ctx *c, struct tpl_ctx *row, const char *name, int64_t t)
{
	char words[RELTIME_LEN], iso[RELTIME_LEN], utc[RELTIME_LEN],
	    date[RELTIME_LEN];

	reltime_words(words, sizeof(words), t, (int64_t)time(NULL));
	reltime_iso(iso, sizeof(iso), t);
	reltime_utc(utc, sizeof(utc), t);
	reltime_date(date, sizeof(date), t);
	/* Digits, dashes, colons and fixed words only: nothing to escape. */
	tpl_set_html(row, name,
	    arena_cat(c->a, "<time datetime=\"", iso, "\" title=\"", utc, "\">",
		words, "</time>", NULL));
	tpl_set_html(row, arena_cat(c->a, name, "_date", NULL),
	    arena_cat(c->a, "<time datetime=\"", iso, "\" title=\"", utc, "\">",
		date, "</time>", NULL));
}
