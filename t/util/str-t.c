/*
 * Tests for src/util/str.c and src/util/err.c.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/str.h"

int
main(void)
{
	struct arena *a = arena_new(0);
	const char *why;
	long long v = -7;

	plan_lazy();
	ok(str_tonum("42", 0, 100, &v, &why) == 0 && v == 42, "parses 42");
	ok(str_tonum("-5", -10, 10, &v, &why) == 0 && v == -5, "parses -5");
	v = -7;
	ok(str_tonum("101", 0, 100, &v, &why) == -1 && v == -7,
	    "101 above max");
	is_string("too large", why, "reason: too large");
	ok(str_tonum("-1", 0, 100, &v, &why) == -1, "-1 below min");
	is_string("too small", why, "reason: too small");
	ok(str_tonum("", 0, 100, &v, &why) == -1, "empty is invalid");
	ok(str_tonum("12x", 0, 100, &v, &why) == -1,
	    "trailing junk is invalid");
	is_string("invalid", why, "reason: invalid");
	ok(str_tonum(" 1", 0, 100, &v, NULL) == -1, "leading space is invalid");
	ok(str_tonum("+1", 0, 100, &v, NULL) == -1, "plus sign is invalid");
	ok(str_tonum("99999999999999999999", 0, LLONG_MAX, &v, &why) == -1,
	    "overflow is refused");
	ok(str_tonum(NULL, 0, 1, &v, NULL) == -1, "NULL is invalid");

	is_string("a b", str_trim(a, " \t a b \r\n"), "trim");
	is_string("", str_trim(a, "   "), "trim of blanks");
	is_string("mixed@case.com", str_lower(a, "MiXeD@Case.COM"), "lower");
	ok(str_startswith("abcdef", "abc"), "startswith");
	ok(!str_startswith("ab", "abc"), "startswith longer prefix");
	ok(str_no_ctl("plain text"), "no control characters");
	ok(!str_no_ctl("a\r\nb"), "CR LF found");
	ok(!str_no_ctl("a\x7f"), "DEL found");
	ok(str_no_ctl("caf\xc3\xa9"), "bytes above 0x7f are no control");
	ok(str_is_ctl(0x00) && str_is_ctl(0x1f) && str_is_ctl(0x7f),
	    "str_is_ctl: NUL, 0x1f and DEL");
	ok(!str_is_ctl(' ') && !str_is_ctl('~') && !str_is_ctl(0x80),
	    "str_is_ctl: space, '~' and 0x80 are not");
	ok(str_printable(" ~plain text!"), "str_printable: printable ASCII");
	ok(str_printable(""), "str_printable: empty");
	ok(!str_printable("a\tb"), "str_printable: tab refused");
	ok(!str_printable("a\x7f"), "str_printable: DEL refused");
	ok(!str_printable("caf\xc3\xa9"), "str_printable: non-ASCII refused");
	is_string("GET /a?b%0A", str_scrub(a, "GET /a?b%0A", 64),
	    "str_scrub: printable ASCII kept");
	is_string("/a??b??c?",
	    str_scrub(a,
		"/a\r\nb\xc3\xa9"
		"c\x7f",
		64),
	    "str_scrub: controls and non-ASCII become '?'");
	is_string("/abc", str_scrub(a, "/abcdef", 4), "str_scrub: bounded");
	{
		char line[] = "one\ntwo\r\x7f\xc3\xa9\t";

		str_scrub_ctl(line, strlen(line));
		is_string("one?two??\xc3\xa9?", line,
		    "str_scrub_ctl: controls become '?', UTF-8 stays");
	}

	ok(str_utf8_valid("h\xc3\xa9llo", 6), "valid two-byte UTF-8");
	ok(str_utf8_valid("\xe2\x82\xac", 3), "valid three-byte UTF-8");
	ok(str_utf8_valid("\xf0\x9f\x98\x80", 4), "valid four-byte UTF-8");
	ok(!str_utf8_valid("\xc0\xaf", 2), "overlong refused");
	ok(!str_utf8_valid("\x80", 1), "lone continuation refused");
	ok(!str_utf8_valid("\xe2\x82", 2), "truncated sequence refused");
	ok(!str_utf8_valid("\xed\xa0\x80", 3), "surrogate refused");
	ok(!str_utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF refused");

	is_string(
	    "already-member", err_str(ERR_ALREADY_MEMBER), "err_str name");
	is_string("invitation-already-accepted",
	    err_str(ERR_INVITATION_ACCEPTED), "err_str of accepted");
	is_string("internal", err_str(ERR__MAX), "err_str out of range");
	for (int e = 0; e < ERR__MAX; e++)
		if (strcmp(err_str((enum err)e), "internal") == 0 &&
		    e != ERR_INTERNAL)
			ok(0, "error %d has a name", e);
	ok(1, "every error code has a name");
	{
		char d[32];
		char *e;
		int same = 1;

		*str_digits(d, 0, 1) = '\0';
		is_string("0", d, "digits: 0");
		*str_digits(d, 7, 2) = '\0';
		is_string("07", d, "digits: padded to the width");
		*str_digits(d, 12345, 2) = '\0';
		is_string("12345", d, "digits: wider than the width, whole");
		*str_digits(d, 18446744073709551615ULL, 1) = '\0';
		is_string(
		    "18446744073709551615", d, "digits: the largest value");
		*str_digits(d, 5, 40) = '\0';
		is_int(20, (long long)strlen(d), "digits: padding stops at 20");
		for (unsigned long long x = 1; x < 100000000000ULL;
		     x = x * 7 + 3) {
			char want[32];

			e = str_digits(d, x, 4);
			*e = '\0';
			snprintf(want, sizeof(want), "%04llu", x);
			if (strcmp(want, d) != 0)
				same = 0;
		}
		ok(same, "digits: as printf's %%04llu over many values");
	}
	arena_free(a);
	return done_testing();
}
