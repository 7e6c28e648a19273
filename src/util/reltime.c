/*
 * Relative and exact times for pages: see reltime.h.
 */
#include "util/reltime.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

static const struct {
	int64_t seconds;
	const char *one, *many;
} units[] = {
	{ 365 * 86400, "year", "years" },
	{ 30 * 86400, "month", "months" },
	{ 86400, "day", "days" },
	{ 3600, "hour", "hours" },
	{ 60, "minute", "minutes" },
};

const char *
reltime_words(char *buf, size_t n, int64_t t, int64_t now)
{
	int64_t d = t > now ? t - now : now - t;
	size_t i;

	if (d < 60) {
		snprintf(buf, n, "just now");
		return buf;
	}
	/* The largest unit of which the distance holds at least one whole
	 * (after rounding), so 50 minutes stay minutes. */
	for (i = 0; i + 1 < sizeof(units) / sizeof(units[0]); i++)
		if (d >= units[i].seconds)
			break;
	{
		int64_t k = (d + units[i].seconds / 2) / units[i].seconds;
		const char *u = k == 1 ? units[i].one : units[i].many;

		if (t > now)
			snprintf(buf, n, "in %lld %s", (long long)k, u);
		else
			snprintf(buf, n, "%lld %s ago", (long long)k, u);
	}
	return buf;
}

/* Breaks t down in UTC; false when it is out of gmtime's range. */
static bool
utc(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	return gmtime_r(&tt, tm) != NULL;
}

const char *
reltime_iso(char *buf, size_t n, int64_t t)
{
	struct tm tm;

	if (!utc(t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "%s", "");
	return buf;
}

const char *
reltime_utc(char *buf, size_t n, int64_t t)
{
	struct tm tm;

	if (!utc(t, &tm) || strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, n, "%s", "");
	return buf;
}

const char *
reltime_date(char *buf, size_t n, int64_t t)
{
	struct tm tm;

	if (!utc(t, &tm) || strftime(buf, n, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, n, "%s", "");
	return buf;
}
