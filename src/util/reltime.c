/*
 * Relative and exact times for pages: see reltime.h.
 */
#include "util/reltime.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/str.h"

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

	if (n < RELTIME_LEN) {
		snprintf(buf, n, "%s", "");
		return buf;
	}
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

		char *p = buf;

		/* By hand: a page of 70 rows says this 70 times. k is at
		 * most some 3e11 years: 12 digits. */
		if (t > now)
			p = stpcpy(p, "in ");
		p = str_digits(p, (unsigned long long)k, 1);
		*p++ = ' ';
		p = stpcpy(p, u);
		if (t <= now)
			p = stpcpy(p, " ago");
		*p = '\0';
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

enum form { ISO, UTC, DATE };

/*
 * Writes t in one of the three exact forms. Years 1000 to 9999 are written
 * by hand, as strftime's %Y-%m-%d %H:%M:%S would write them (a page of 70
 * rows shows 70 moments, each in three forms); any other year, or a
 * buffer under RELTIME_LEN, goes through strftime.
 */
static const char *
exact(char *buf, size_t n, int64_t t, enum form f)
{
	struct tm tm;
	char *p = buf;

	if (!utc(t, &tm)) {
		snprintf(buf, n, "%s", "");
		return buf;
	}
	if (n < RELTIME_LEN || tm.tm_year < 1000 - 1900 ||
	    tm.tm_year > 9999 - 1900) {
		size_t k = f == ISO
		    ? strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm)
		    : f == UTC ? strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm)
			       : strftime(buf, n, "%Y-%m-%d", &tm);

		if (k == 0)
			snprintf(buf, n, "%s", "");
		return buf;
	}
	p = str_digits(p, (unsigned long long)tm.tm_year + 1900, 4);
	*p++ = '-';
	p = str_digits(p, (unsigned long long)tm.tm_mon + 1, 2);
	*p++ = '-';
	p = str_digits(p, (unsigned long long)tm.tm_mday, 2);
	if (f != DATE) {
		*p++ = f == ISO ? 'T' : ' ';
		p = str_digits(p, (unsigned long long)tm.tm_hour, 2);
		*p++ = ':';
		p = str_digits(p, (unsigned long long)tm.tm_min, 2);
		if (f == ISO) {
			*p++ = ':';
			p = str_digits(p, (unsigned long long)tm.tm_sec, 2);
			*p++ = 'Z';
		} else
			p = stpcpy(p, " UTC");
	}
	*p = '\0';
	return buf;
}

const char *
reltime_iso(char *buf, size_t n, int64_t t)
{
	return exact(buf, n, t, ISO);
}

const char *
reltime_utc(char *buf, size_t n, int64_t t)
{
	return exact(buf, n, t, UTC);
}

const char *
reltime_date(char *buf, size_t n, int64_t t)
{
	return exact(buf, n, t, DATE);
}
