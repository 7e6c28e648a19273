/*
 * Tests for src/util/reltime.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "util/reltime.h"

/* What strftime makes of t in the form named: the forms as they were made
 * before they were written by hand. */
#define REF(buf, t, fmt)                                                       \
	(gmtime_r(&(time_t){ (time_t)(t) }, &tm) != NULL &&                    \
		    strftime(buf, sizeof(buf), fmt, &tm) != 0                  \
		? buf                                                          \
		: "")

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
	is_string("50 minutes ago",
	    reltime_words(b, sizeof(b), now - 3000, now),
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
	{
		/* Every form, by hand, as strftime makes it: moments spread
		 * over years 1 to 9999, the epoch and the ends of days. */
		char r[RELTIME_LEN], small[8];
		struct tm tm;
		int same = 1, words = 1;
		uint64_t x = 88172645463325252ULL;

		for (int i = 0; i < 20000; i++) {
			int64_t t;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			t = (int64_t)(x % 315537897600ULL) - 62135596800LL;
			if (i < 4)
				t = (int64_t[]){ 0, 86399, 86400, -1 }[i];
			if (strcmp(reltime_iso(b, sizeof(b), t),
				REF(r, t, "%Y-%m-%dT%H:%M:%SZ")) ||
			    strcmp(reltime_utc(b, sizeof(b), t),
				REF(r, t, "%Y-%m-%d %H:%M UTC")) ||
			    strcmp(reltime_date(b, sizeof(b), t),
				REF(r, t, "%Y-%m-%d")))
				same = 0;
			{
				int64_t d = t > now ? t - now : now - t;

				if (d >= 60 &&
				    strstr(reltime_words(b, sizeof(b), t, now),
					t > now ? "in " : " ago") == NULL)
					words = 0;
			}
		}
		ok(same,
		    "ISO, readable and date forms match strftime over "
		    "20000 moments");
		ok(words, "far moments read \"in N units\" or \"N units ago\"");
		is_string("in 10000 years",
		    reltime_words(
			b, sizeof(b), now + 10000LL * 365 * 86400, now),
		    "a large count is written whole");
		is_string("999-12-31",
		    reltime_date(b, sizeof(b), -30610224000LL - 86400),
		    "a year before 1000 goes through strftime, unpadded");
		is_string("10000-01-01",
		    reltime_date(b, sizeof(b), 253402300800LL),
		    "a year after 9999 goes through strftime");
		is_string("", reltime_date(small, sizeof(small), 1795807915),
		    "a buffer too short for the date is left empty");
	}
	return done_testing();
}
