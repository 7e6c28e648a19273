/*
 * Tests for src/domain/validate.c: email addresses and names.
 */
#include <string.h>

#include "domain/validate.h"
#include "tap.h"
#include "util/arena.h"

static struct arena *a;

static void
email_ok(const char *in, const char *want)
{
	char *out = NULL;

	is_int(ERR_OK, validate_email(a, in, &out), "accepts \"%s\"", in);
	is_string(want, out, "  as \"%s\"", want);
}

static void
email_bad(const char *in, const char *what)
{
	char *out = NULL;

	is_int(
	    ERR_INVALID_EMAIL, validate_email(a, in, &out), "refuses %s", what);
	ok(out == NULL, "  and writes nothing");
}

int
main(void)
{
	char long_local[300], long_domain[300], *out;

	a = arena_new(0);
	plan_lazy();

	email_ok("alice@example.com", "alice@example.com");
	email_ok("  Alice@Example.COM \t", "alice@example.com");
	email_ok("a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk");
	email_ok("o'brien@example.ie", "o'brien@example.ie");

	email_bad("", "the empty string");
	email_bad("alice", "no @");
	email_bad("alice@", "no domain");
	email_bad("@example.com", "no local part");
	email_bad("a@b@example.com", "two @");
	email_bad("alice@example", "a domain without a dot");
	email_bad("alice smith@example.com", "a space");
	email_bad("alice@example.com\r\nRCPT TO:<b@y.com>", "CR LF inside");
	email_bad("alice@exa\nmple.com", "LF inside");
	email_bad("al\x01ice@example.com", "a control character");
	email_bad("<alice@example.com>", "angle brackets");
	email_bad("alice,bob@example.com", "a comma");
	email_bad("alice@-example.com", "a domain starting with a dash");
	email_bad("alice@example..com", "an empty domain label");
	email_bad(".alice@example.com", "a leading dot");
	email_bad("alice.@example.com", "a trailing dot in the local part");
	email_bad("al..ice@example.com", "two dots");
	email_bad("\xd0\xb0lice@example.com", "a Cyrillic homoglyph");
	email_bad(NULL, "NULL");

	memset(long_local, 'a', 65);
	strcpy(long_local + 65, "@example.com");
	email_bad(long_local, "a 65-byte local part");
	/* 254 bytes in all is the limit; 255 is refused. */
	memset(long_domain, 'b', sizeof(long_domain));
	memcpy(long_domain, "x@", 2);
	for (int i = 60; i < 250; i += 60)
		long_domain[i] = '.';
	strcpy(long_domain + 250, ".com");
	is_int(254, (long long)strlen(long_domain), "a 254-byte address");
	is_int(ERR_OK, validate_email(a, long_domain, &out), "  is accepted");
	long_domain[250] = 'c';
	strcpy(long_domain + 251, ".com");
	is_int(255, (long long)strlen(long_domain), "a 255-byte address");
	is_int(ERR_INVALID_EMAIL, validate_email(a, long_domain, &out),
	    "  is refused");

	is_int(
	    ERR_OK, validate_name(a, "  Ann Lee ", &out), "a name is accepted");
	is_string("Ann Lee", out, "  trimmed");
	is_int(ERR_OK, validate_name(a, "Zo\xc3\xab <script>", &out),
	    "a name with markup and non-ASCII is stored as is (escaped on "
	    "output)");
	is_int(ERR_INVALID_NAME, validate_name(a, "   ", &out),
	    "a blank name is refused");
	is_int(ERR_INVALID_NAME, validate_name(a, "a\nb", &out),
	    "a newline is refused");
	is_int(ERR_INVALID_NAME, validate_name(a, "\xc0\xaf", &out),
	    "bad UTF-8 is refused");
	memset(long_local, 'n', 101);
	long_local[101] = '\0';
	is_int(ERR_INVALID_NAME, validate_name(a, long_local, &out),
	    "101 characters are refused");
	long_local[100] = '\0';
	is_int(ERR_OK, validate_name(a, long_local, &out),
	    "100 characters are accepted");

	arena_free(a);
	return done_testing();
}
