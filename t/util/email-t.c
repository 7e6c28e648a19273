/*
 * Unit tests of src/util/email.c: the header-safe rules mail checks its
 * sender and recipients against, the strict rules of an account's
 * address, where the two differ, and the canonical form.
 */
#include <stdbool.h>
#include <string.h>

#include "tap.h"
#include "util/arena.h"
#include "util/email.h"

static struct arena *A;

static void
test_header(void)
{
	char long_local[300];

	ok(email_valid("a@b.c", EMAIL_HEADER), "plain address accepted");
	ok(email_valid("first.last+tag@sub.example.org", EMAIL_HEADER),
	    "dots and plus accepted");
	ok(email_valid("roster@localhost", EMAIL_HEADER),
	    "single-label domain accepted");
	ok(!email_valid(NULL, EMAIL_HEADER), "NULL refused");
	ok(!email_valid("", EMAIL_HEADER), "empty refused");
	ok(!email_valid("ab", EMAIL_HEADER), "too short refused");
	ok(!email_valid("<a@b.c>", EMAIL_HEADER), "angle brackets refused");
	ok(!email_valid("a@b.c>", EMAIL_HEADER), "closing bracket refused");
	ok(!email_valid("a@b.c,d@e.f", EMAIL_HEADER), "comma refused");
	ok(!email_valid("a b@c.d", EMAIL_HEADER), "space refused");
	ok(!email_valid("a@b@c.d", EMAIL_HEADER), "two @ refused");
	ok(!email_valid("abc.d", EMAIL_HEADER), "no @ refused");
	ok(!email_valid("@b.c", EMAIL_HEADER), "empty local part refused");
	ok(!email_valid("a@", EMAIL_HEADER), "empty domain refused");
	ok(!email_valid("a@b.c\r\nRCPT TO:<x@y>", EMAIL_HEADER),
	    "CRLF refused");
	ok(!email_valid("a@b.c\n", EMAIL_HEADER), "LF refused");
	ok(!email_valid("a\tb@c.d", EMAIL_HEADER), "tab refused");
	ok(!email_valid("a\x7f@c.d", EMAIL_HEADER), "DEL refused");
	ok(!email_valid("\xc3\xa9@c.d", EMAIL_HEADER), "non-ASCII refused");
	ok(!email_valid("\"a\"@c.d", EMAIL_HEADER), "quote refused");
	ok(!email_valid("a(x)@c.d", EMAIL_HEADER), "parenthesis refused");
	ok(!email_valid("a:b@c.d", EMAIL_HEADER), "colon refused");
	ok(!email_valid("a;b@c.d", EMAIL_HEADER), "semicolon refused");
	ok(!email_valid("a@c_d.e", EMAIL_HEADER),
	    "underscore in domain refused");

	/* 254 bytes is the limit; 255 is one too many. */
	memset(long_local, 'a', sizeof(long_local));
	memcpy(long_local + 254 - 6, "@b.com", 7);
	is_int(254, (long long)strlen(long_local),
	    "boundary address is 254 bytes");
	ok(email_valid(long_local, EMAIL_HEADER), "254-byte address accepted");
	memset(long_local, 'a', sizeof(long_local));
	memcpy(long_local + 255 - 6, "@b.com", 7);
	ok(!email_valid(long_local, EMAIL_HEADER), "255-byte address refused");
}

static void
test_strict(void)
{
	static const char *const good[] = {
		"alice@example.com",
		"a.b+tag@sub.example.co.uk",
		"o'brien@example.ie",
		"x@a-b.example",
		"Alice@Example.COM",
	};
	static const struct {
		const char *s;
		const char *why;
	} bad[] = {
		{ "alice@example", "a domain without a dot" },
		{ "alice@-example.com", "a domain starting with a dash" },
		{ "alice@example-.com", "a label ending with a dash" },
		{ "alice@example.-com", "a label starting with a dash" },
		{ "alice@example.com-", "a domain ending with a dash" },
		{ "alice@example..com", "an empty domain label" },
		{ "alice@.example.com", "a domain starting with a dot" },
		{ "alice@example.com.", "a domain ending with a dot" },
		{ "alice@a.", "a two-byte domain" },
		{ ".alice@example.com", "a leading dot" },
		{ "alice.@example.com", "a trailing dot in the local part" },
		{ "al..ice@example.com", "two dots" },
		{ "alice smith@example.com", "a space" },
		{ "alice@exa\nmple.com", "LF inside" },
		{ "<alice@example.com>", "angle brackets" },
		{ "\xd0\xb0lice@example.com", "a Cyrillic homoglyph" },
	};
	char local[80];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(email_valid(good[i], EMAIL_STRICT), "strict accepts %s",
		    good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!email_valid(bad[i].s, EMAIL_STRICT), "strict refuses %s",
		    bad[i].why);
	ok(!email_valid(NULL, EMAIL_STRICT), "strict refuses NULL");

	memset(local, 'a', 64);
	strcpy(local + 64, "@b.co");
	ok(email_valid(local, EMAIL_STRICT), "strict: 64-byte local part");
	memset(local, 'a', 65);
	strcpy(local + 65, "@b.co");
	ok(!email_valid(local, EMAIL_STRICT),
	    "strict refuses a 65-byte local part");
}

/* What mail accepts and an account's address may not be: both callers
 * keep the behaviour they had before they shared this code. */
static void
test_differences(void)
{
	static const char *const header_only[] = {
		"roster@localhost",
		"a@b",
		".a@b.co",
		"a.@b.co",
		"a..b@b.co",
		"a@-b.co",
		"a@b..co",
		"a@b.co.",
	};
	char local[80];
	size_t i;

	for (i = 0; i < sizeof(header_only) / sizeof(header_only[0]); i++)
		ok(email_valid(header_only[i], EMAIL_HEADER) &&
			!email_valid(header_only[i], EMAIL_STRICT),
		    "%s: header-safe, not strict", header_only[i]);
	memset(local, 'a', 65);
	strcpy(local + 65, "@b.co");
	ok(email_valid(local, EMAIL_HEADER) &&
		!email_valid(local, EMAIL_STRICT),
	    "a 65-byte local part: header-safe, not strict");
}

static void
test_normalize(void)
{
	is_string("alice@example.com",
	    email_normalize(A, "  Alice@Example.COM \t"),
	    "normalize trims and lower-cases");
	is_string("o'brien@example.ie",
	    email_normalize(A, "o'brien@example.ie"),
	    "normalize keeps a valid address");
	ok(email_normalize(A, NULL) == NULL, "normalize: NULL");
	ok(email_normalize(A, "") == NULL, "normalize: empty");
	ok(email_normalize(A, "   ") == NULL, "normalize: blanks");
	ok(email_normalize(A, "roster@localhost") == NULL,
	    "normalize: strict rules apply");
	ok(email_normalize(A, "a\r\n@b.co") == NULL,
	    "normalize: CR LF inside is refused");
}

int
main(void)
{
	plan_lazy();
	A = arena_new(0);
	test_header();
	test_strict();
	test_differences();
	test_normalize();
	arena_free(A);
	return done_testing();
}
