/*
 * Unit tests of src/util/addrlist.c: the separators, "Name <address>" in
 * its quoted and unquoted forms, text that is no address kept as an
 * entry, unbalanced brackets and quotes, and the limit on entries.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "util/addrlist.h"
#include "util/arena.h"

static struct arena *A;

/* The entries of text joined by '|', or "OVER" when there are more
 * than max. */
static const char *
split(const char *text, size_t max)
{
	const char **v;
	size_t n;
	char *s;

	if (addrlist_parse(A, text, max, &v, &n) == -1)
		return "OVER";
	s = arena_strdup(A, "");
	for (size_t i = 0; i < n; i++)
		s = arena_printf(A, "%s%s%s", s, i ? "|" : "", v[i]);
	return s;
}

static void
test_separators(void)
{
	is_string("", split(NULL, 200), "NULL: no entries");
	is_string("", split("", 200), "empty: no entries");
	is_string("", split(" ,;\n\t\r\n,, ;", 200), "only separators: none");
	is_string("a@x.io", split("a@x.io", 200), "one address");
	is_string("a@x.io|b@x.io|c@x.io|d@x.io|e@x.io",
	    split("a@x.io,b@x.io;c@x.io d@x.io\ne@x.io", 200),
	    "comma, semicolon, space, new line");
	is_string("a@x.io|b@x.io", split("  a@x.io ,\r\n\t b@x.io ;; ", 200),
	    "runs of separators and CR LF");
	is_string("A@X.io", split("A@X.io", 200), "case is kept (the "
	    "validator canonicalizes)");
}

static void
test_names(void)
{
	is_string("ann@x.io", split("Ann Smith <ann@x.io>", 200),
	    "Name <address>: the name is dropped");
	is_string("ann@x.io|bob@x.io",
	    split("Ann Smith <ann@x.io>, Bob <bob@x.io>", 200),
	    "two named entries");
	is_string("ann@x.io|bob@x.io",
	    split("Ann Smith <ann@x.io> Bob Jones <bob@x.io>", 200),
	    "named entries separated by a space only");
	is_string("ann@x.io", split("\"Smith, Ann\" <ann@x.io>", 200),
	    "a quoted name may hold a comma");
	is_string("ann@x.io", split("\"ann@x.io\" <ann@x.io>", 200),
	    "a quoted name that is an address is still a name");
	is_string("c@x.io|ann@x.io", split("c@x.io Ann <ann@x.io>", 200),
	    "an address before a name stays an entry");
	is_string("ann@x.io", split("<ann@x.io>", 200), "no name");
	is_string("ann@x.io", split("Ann< ann@x.io >", 200),
	    "no space before '<', spaces inside");
	is_string("", split("Ann <>", 200), "an empty <> is no entry");
	is_string("a@x.io|Bob", split("Ann <a@x.io>, Bob", 200),
	    "a name without an address is kept as an entry");
	is_string("a@x.io|Bob", split("Ann <a@x.io> Bob", 200),
	    "words after the address, to the part's end, are entries");
}

static void
test_not_addresses(void)
{
	is_string("hello|a@x.io", split("hello, a@x.io", 200),
	    "a word without '@' is an entry (reported invalid)");
	is_string("\"quoted text\"|a@x.io",
	    split("\"quoted text\"; a@x.io", 200),
	    "a quoted string without '<...>' is an entry, quotes kept");
	is_string("\"open quote", split("\"open quote", 200),
	    "an unclosed quote runs to the end");
	is_string("\"open|b@x.io", split("\"open\nb@x.io", 200),
	    "... or to the end of the line");
	is_string("<a@x.io|b@x.io", split("<a@x.io\nb@x.io", 200),
	    "a '<' without '>' on its line starts a word");
	is_string("a@x.io>", split("a@x.io>", 200), "a stray '>' stays");
	is_string("script|/script", split("<script>alert(1)</script>", 200),
	    "markup splits like any text: its entries are no addresses");
	is_string("x@y@z|@|a@", split("x@y@z @ a@", 200),
	    "odd words with '@' are entries for the validator");
}

static void
test_limit(void)
{
	char buf[4096];
	size_t k = 0;

	for (int i = 0; i < 200; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "u%d@x.io,", i);
	ok(strcmp(split(buf, 200), "OVER") != 0, "200 entries: within 200");
	snprintf(buf + k, sizeof(buf) - k, "one@more.io");
	is_string("OVER", split(buf, 200), "201 entries: over 200");
	is_string("OVER", split("a b c", 2), "3 entries, max 2: over");
	is_string("a|b", split("a b", 2), "2 entries, max 2");
	is_string("OVER", split("a <b@c.d> <e@f.g>", 1),
	    "entries counted after names are dropped: 2 > 1");
	is_string("b@c.d", split("a a a <b@c.d>", 1),
	    "names do not count toward the limit");
}

int
main(void)
{
	plan_lazy();
	A = arena_new(0);
	test_separators();
	test_names();
	test_not_addresses();
	test_limit();
	arena_free(A);
	return done_testing();
}
