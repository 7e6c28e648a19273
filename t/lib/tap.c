/*
 * TAP producer for the unit tests.
 */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_planned = -1;
static int tap_run;
static int tap_failed;
static bool tap_lazy;

static void
tap_atexit(void)
{
	if (!tap_lazy && tap_planned >= 0 && tap_run != tap_planned) {
		printf("# planned %d tests but ran %d\n", tap_planned, tap_run);
		fflush(stdout);
		_exit(255);
	}
	if (tap_failed)
		_exit(tap_failed > 254 ? 254 : tap_failed);
}

void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
	atexit(tap_atexit);
}

void
plan_lazy(void)
{
	tap_lazy = true;
	atexit(tap_atexit);
}

void
skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static bool tap_vresult(bool, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static bool
tap_vresult(bool cond, const char *fmt, va_list ap)
{
	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

bool
ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_vresult(cond, fmt, ap);
	va_end(ap);
	return r;
}

bool
is_int(long long want, long long got, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_vresult(want == got, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   wanted: %lld\n#      got: %lld\n", want, got);
	return r;
}

bool
is_string(const char *want, const char *got, const char *fmt, ...)
{
	va_list ap;
	bool r;

	if (want == NULL || got == NULL)
		r = want == got;
	else
		r = strcmp(want, got) == 0;
	va_start(ap, fmt);
	r = tap_vresult(r, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   wanted: \"%s\"\n#      got: \"%s\"\n",
		    want ? want : "(null)", got ? got : "(null)");
	return r;
}

bool
is_bytes(const void *want, size_t wn, const void *got, size_t gn,
    const char *fmt, ...)
{
	va_list ap;
	bool r = wn == gn && (wn == 0 || memcmp(want, got, wn) == 0);

	va_start(ap, fmt);
	r = tap_vresult(r, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   wanted %zu bytes, got %zu bytes (or contents "
		       "differ)\n",
		    wn, gn);
	return r;
}

bool
contains(const char *hay, const char *needle, const char *fmt, ...)
{
	va_list ap;
	bool r = hay != NULL && needle != NULL && strstr(hay, needle) != NULL;

	va_start(ap, fmt);
	r = tap_vresult(r, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   \"%s\"\n#   does not contain \"%s\"\n",
		    hay ? hay : "(null)", needle ? needle : "(null)");
	return r;
}

void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int
done_testing(void)
{
	if (tap_lazy)
		printf("1..%d\n", tap_run);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}
