/*
 * Tests for src/http/http_parse.c: urlencoded strings (strict decoding,
 * duplicates, bounds), Cookie headers and parameter lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "tap.h"
#include "util/arena.h"

static struct arena *A;

static enum err
parse(const char *s, struct params *p)
{
	p->v = NULL;
	p->n = 0;
	return http_parse_urlencoded(A, s, strlen(s), p);
}

/* Parses the first n bytes of s from a heap copy with no terminator, so
 * ASan reports any read past n. */
static enum err
parse_exact(const char *s, size_t n, struct params *p)
{
	char *copy = malloc(n ? n : 1);
	enum err e;

	memcpy(copy, s, n);
	p->v = NULL;
	p->n = 0;
	e = http_parse_urlencoded(A, copy, n, p);
	free(copy);
	return e;
}

static void
rejects(const char *s, const char *why)
{
	struct params p;

	is_int(ERR_MALFORMED, parse(s, &p), "rejects %s", why);
}

static void
test_valid(void)
{
	struct params p;

	is_int(ERR_OK, parse("a=1&b=two", &p), "simple pairs parse");
	is_int(2, (long long)p.n, "two pairs");
	is_string("a", p.v[0].name, "first name");
	is_string("1", p.v[0].value, "first value");
	is_string("b", p.v[1].name, "second name in order");
	is_string("two", p.v[1].value, "second value");

	is_int(ERR_OK, parse("", &p), "empty input parses");
	is_int(0, (long long)p.n, "empty input gives zero pairs");

	is_int(ERR_OK, parse("a", &p), "a pair without '=' parses");
	is_int(1, (long long)p.n, "one pair");
	is_string("a", p.v[0].name, "name without '='");
	is_string("", p.v[0].value, "value without '=' is empty");

	is_int(ERR_OK, parse("a=", &p), "empty value parses");
	is_string("", p.v[0].value, "empty value");

	is_int(ERR_OK, parse("q=hello+world+%2B+1", &p), "'+' decodes");
	is_string(
	    "hello world + 1", p.v[0].value, "'+' is a space, %%2B a plus");

	is_int(ERR_OK, parse("e=a%40b.example&x=%e2%82%ac%E2%82%AC", &p),
	    "percent-encoding in either case");
	is_string("a@b.example", p.v[0].value, "%%40 decodes to @");
	is_string("\xe2\x82\xac\xe2\x82\xac", p.v[1].value,
	    "lower- and upper-case hex decode to the euro sign");

	is_int(ERR_OK, parse("na%6De=v", &p), "encoded name");
	is_string("name", p.v[0].name, "name is decoded");

	is_int(ERR_OK, parse("a=1&&b=2&", &p), "empty segments are skipped");
	is_int(2, (long long)p.n, "empty segments give no pairs");
	is_string("b", p.v[1].name, "pair after an empty segment");

	is_int(ERR_OK, parse("&&&", &p), "only separators parse");
	is_int(0, (long long)p.n, "only separators give zero pairs");

	is_int(ERR_OK, parse("a=b=c", &p), "'=' inside a value");
	is_string("b=c", p.v[0].value, "value keeps later '='");

	is_int(ERR_OK, parse("next=%2Forgs%2Fx%3Fy%3D1", &p),
	    "encoded path value");
	is_string("/orgs/x?y=1", p.v[0].value, "encoded path decodes");

	is_int(ERR_OK, parse("a=1&A=2", &p), "names are case-sensitive");
	is_int(2, (long long)p.n, "a and A are distinct");
}

static void
test_malformed(void)
{
	rejects("foo%zubar", "\"foo%zubar\"");
	rejects("a=foo%zubar", "\"%zu\" in a value");
	rejects("foo%", "'%' at the end");
	rejects("a=foo%", "'%' at the end of a value");
	rejects("%%%%%%", "\"%%%%%%\"");
	rejects("%4", "\"%4\"");
	rejects("a=%4", "\"%4\" at the end of a value");
	rejects("a=%4&b=1", "\"%4\" before '&'");
	rejects("a=%0g", "\"%0g\"");
	rejects("a=%g0", "\"%g0\"");
	rejects("a=%00", "an encoded NUL in a value");
	rejects("%00=1", "an encoded NUL in a name");
	rejects("a=%C0%AF", "overlong UTF-8 (%C0%AF)");
	rejects("a=%80", "a lone continuation byte");
	rejects("a=%E2%82", "truncated UTF-8");
	rejects("a=%ED%A0%80", "an encoded surrogate");
	rejects("a=\xff", "a raw invalid byte");
	rejects("a=\xc3", "a raw truncated sequence");
	rejects("%C0%AF=1", "invalid UTF-8 in a name");
	rejects("=b", "an empty name");
	rejects("=", "a lone '='");
	rejects("a=1&=2", "an empty name after a good pair");
	rejects("a=1&a=2", "a duplicate name");
	rejects("a=1&%61=2", "a duplicate after decoding");
	rejects("a+b=1&a%20b=2", "a duplicate via '+' and %20");
	rejects("a&a", "a duplicate name without values");
	rejects("a=%", "'%' alone as a value");
	rejects("a=%%41", "\"%%41\"");
}

static void
test_nul_and_bounds(void)
{
	static const char with_nul[] = "a=1\0b=2";
	static const char nul_name[] = "a\0=1";
	struct params p;
	char big[257 * 8], *q;
	int i;

	is_int(ERR_MALFORMED,
	    http_parse_urlencoded(A, with_nul, sizeof(with_nul) - 1, &p),
	    "rejects a raw NUL inside the n bytes");
	is_int(ERR_MALFORMED,
	    http_parse_urlencoded(A, nul_name, sizeof(nul_name) - 1, &p),
	    "rejects a raw NUL inside a name");
	is_int(ERR_OK, http_parse_urlencoded(A, with_nul, 3, &p),
	    "a NUL just past n is never seen");
	is_int(1, (long long)p.n, "one pair before the NUL");

	/* Byte n is not NUL: only the first n bytes count. */
	is_int(ERR_OK, parse_exact("a=1&b=2XYZ", 7, &p),
	    "a non-terminated buffer parses");
	is_int(2, (long long)p.n, "two pairs from 7 bytes");
	is_string("2", p.v[1].value, "value stops at n");
	is_int(ERR_OK, parse_exact("abc", 3, &p), "a name ending at n");
	is_string("abc", p.v[0].name, "name read up to n");
	is_int(ERR_OK, parse_exact("a=b", 3, &p), "a value ending at n");
	is_string("b", p.v[0].value, "value read up to n");
	is_int(ERR_MALFORMED, parse_exact("a=%41", 4, &p),
	    "'%%4' cut at n is malformed, not read past");
	is_int(
	    ERR_MALFORMED, parse_exact("a=%", 3, &p), "'%%' at n is malformed");
	is_int(ERR_OK, parse_exact("a=%41", 5, &p), "'%%41' ending at n");
	is_string("A", p.v[0].value, "'%%41' decodes at the very end");
	is_int(ERR_OK, parse_exact("x", 0, &p), "zero bytes parse");
	is_int(0, (long long)p.n, "zero bytes give zero pairs");

	q = big;
	for (i = 0; i < 256; i++)
		q += sprintf(q, "%sk%d=v", i ? "&" : "", i);
	is_int(ERR_OK, parse(big, &p), "256 pairs are accepted");
	is_int(256, (long long)p.n, "all 256 pairs kept");
	is_string("k255", p.v[255].name, "last of 256 pairs in order");
	sprintf(q, "&k256=v");
	is_int(ERR_MALFORMED, parse(big, &p), "257 pairs are refused");
}

static void
test_cookies(void)
{
	struct params p;

	http_parse_cookies(A, "sid=abc; csrf=def", &p);
	is_int(2, (long long)p.n, "two cookies");
	is_string("abc", http_parse_param(&p, "sid"), "first cookie");
	is_string("def", http_parse_param(&p, "csrf"), "second cookie");

	http_parse_cookies(A, "a=1;b=2", &p);
	is_int(2, (long long)p.n, "cookies without a space");
	is_string("2", http_parse_param(&p, "b"), "second cookie without a space");

	http_parse_cookies(A, "  a = 1 ;  b=2  ;", &p);
	is_string("1", http_parse_param(&p, "a"),
	    "spaces around name and value "
	    "trimmed");
	is_string("2", http_parse_param(&p, "b"), "trailing spaces and ';' trimmed");
	is_int(2, (long long)p.n, "trailing ';' adds nothing");

	http_parse_cookies(A, "flag; a=1; =x; b", &p);
	is_int(1, (long long)p.n, "pairs without '=' and empty names skipped");
	is_string("1", http_parse_param(&p, "a"), "the good pair survives");
	ok(http_parse_param(&p, "flag") == NULL, "a bare word is no cookie");

	http_parse_cookies(A, "sid=first; sid=second", &p);
	is_int(1, (long long)p.n, "a duplicate name is kept once");
	is_string("first", http_parse_param(&p, "sid"), "the first value wins");

	http_parse_cookies(A, "q=\"quoted\"; r=\"; s=\"\"", &p);
	is_string("quoted", http_parse_param(&p, "q"), "surrounding quotes stripped");
	is_string("\"", http_parse_param(&p, "r"), "a lone quote is kept");
	is_string("", http_parse_param(&p, "s"), "an empty quoted value");

	http_parse_cookies(A, "a=%41", &p);
	is_string("%41", http_parse_param(&p, "a"), "values are not decoded");

	http_parse_cookies(A, "a=b=c", &p);
	is_string("b=c", http_parse_param(&p, "a"), "'=' inside a value kept");

	http_parse_cookies(A, "a=1\x01; b=2", &p);
	ok(http_parse_param(&p, "a") == NULL, "a value with a control char dropped");
	is_string("2", http_parse_param(&p, "b"), "the next pair survives");

	http_parse_cookies(A, "", &p);
	is_int(0, (long long)p.n, "empty header gives no cookies");
	http_parse_cookies(A, NULL, &p);
	is_int(0, (long long)p.n, "absent header gives no cookies");
	http_parse_cookies(A, ";;; ;", &p);
	is_int(0, (long long)p.n, "only separators give no cookies");
}

static void
test_param(void)
{
	struct params p, empty = { NULL, 0 };

	is_int(ERR_OK, parse("token=abc&next=%2F&e=", &p), "lookup input");
	is_string("abc", http_parse_param(&p, "token"), "finds the first name");
	is_string("/", http_parse_param(&p, "next"), "finds a later name");
	is_string("", http_parse_param(&p, "e"), "an empty value is not absent");
	ok(http_parse_param(&p, "missing") == NULL, "absent name gives NULL");
	ok(http_parse_param(&p, "toke") == NULL, "no prefix match");
	ok(http_parse_param(&p, "TOKEN") == NULL, "no case-folding");
	ok(http_parse_param(&empty, "a") == NULL, "empty list gives NULL");
	ok(http_parse_param(NULL, "a") == NULL, "NULL list gives NULL");
}

static void
test_is_form(void)
{
	ok(http_parse_is_form("application/x-www-form-urlencoded"), "form type");
	ok(http_parse_is_form("Application/X-WWW-Form-URLEncoded; charset=UTF-8"),
	    "form type in any case, with a parameter");
	ok(http_parse_is_form("  application/x-www-form-urlencoded ;x=y"),
	    "form type with spaces");
	ok(!http_parse_is_form("application/x-www-form-urlencoded x"),
	    "trailing junk is another type");
	ok(!http_parse_is_form("application/x-www-form-urlencodedx"),
	    "a longer name is another type");
	ok(!http_parse_is_form("multipart/form-data; boundary=x"), "multipart is not");
	ok(!http_parse_is_form("text/plain"), "text/plain is not");
	ok(!http_parse_is_form(""), "empty is not");
}

/* A declared list name may repeat; its values join with newlines. */
static void
test_lists(void)
{
	static const char *const lists[] = { "ev", NULL };
	struct params p;

	http_parse_lists(lists);
	is_int(ERR_OK, parse("ev=a&x=1&ev=b&ev=c", &p), "a list repeats");
	is_int(2, (long long)p.n, "a list is one pair");
	is_string("ev", p.v[0].name, "at the place of its first");
	is_string("a\nb\nc", p.v[0].value, "values joined in order");
	is_string("1", p.v[1].value, "other pairs unchanged");
	is_int(ERR_OK, parse("ev=a", &p), "a list given once");
	is_string("a", p.v[0].value, "one value");
	rejects("ev=a&ev=b%0Ac", "a newline inside a list value");
	rejects("ev=a%0Ab", "a newline inside a single list value");
	rejects("ev=a&x=1&x=2", "another name twice beside a list");
	http_parse_lists(NULL);
	rejects("ev=a&ev=b", "a repeat once no list is declared");
}

int
main(void)
{
	plan_lazy();
	A = arena_new(0);
	test_valid();
	test_malformed();
	test_nul_and_bounds();
	test_cookies();
	test_param();
	test_is_form();
	test_lists();
	arena_free(A);
	return done_testing();
}
