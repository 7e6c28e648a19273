/*
 * Tests for src/util/reltime.c.
 */
#include "tap.h"
#include "util/reltime.h"

int
main(void)
{
	char b[RELTIME_LEN];
	const int64_t now = 1795800000;

	plan_lazy();
	is_string("just now", reltime_words(b, sizeof(b), now, now), "now");
	is_string("just now", reltime_words(b, sizeof(b), now + 59, now),
	    "59 s ahead is just now");
	is_string("in 1 minute", reltime_words(b, sizeof(b), now + 60, now),
	    "one minute ahead");
	is_string("5 minutes ago",
	    reltime_words(b, sizeof(b), now - 5 * 60 - 20, now),
	    "rounded down to 5 minutes");
	is_string("50 minutes ago", reltime_words(b, sizeof(b), now - 3000, now),
	    "50 minutes stay minutes");
	is_string("2 hours ago",
	    reltime_words(b, sizeof(b), now - 2 * 3600 - 600, now), "2 hours");
	is_string("in 7 days",
	    reltime_words(b, sizeof(b), now + 7 * 86400 - 30, now),
	    "an invitation just sent expires in 7 days");
	is_string("in 6 days",
	    reltime_words(b, sizeof(b), now + 6 * 86400 + 3600, now),
	    "6 days and an hour");
	is_string("1 day ago", reltime_words(b, sizeof(b), now - 86400, now),
	    "singular");
	is_string("2 months ago",
	    reltime_words(b, sizeof(b), now - 61 * 86400, now), "months");
	is_string("in 1 year",
	    reltime_words(b, sizeof(b), now + 366 * 86400, now), "years");
	is_string("2026-11-27T19:31:55Z", reltime_iso(b, sizeof(b), 1795807915),
	    "ISO 8601 UTC");
	is_string("2026-11-27 19:31 UTC", reltime_utc(b, sizeof(b), 1795807915),
	    "readable UTC");
	is_string("2026-11-27", reltime_date(b, sizeof(b), 1795807915), "date");
	return done_testing();
}
