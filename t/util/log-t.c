/*
 * Tests for log_value in src/util/log.c: what a key=value log line may
 * hold as a value.
 */
#include <string.h>

#include "tap.h"
#include "util/arena.h"
#include "util/log.h"

int
main(void)
{
	struct arena *a = arena_new(0);

	plan_lazy();
	is_string("-", log_value(a, NULL), "NULL is -");
	is_string("\"\"", log_value(a, ""), "empty is quoted");
	is_string("42", log_value(a, "42"), "a number stays bare");
	is_string("/orgs/:slug/invitations",
	    log_value(a, "/orgs/:slug/invitations"), "a route stays bare");
	is_string("a.b_c-d+e@f", log_value(a, "a.b_c-d+e@f"),
	    "letters, digits and ._:/@+- stay bare");
	is_string(
	    "\"two words\"", log_value(a, "two words"), "a space is quoted");
	is_string("\"k=v\"", log_value(a, "k=v"), "an = is quoted");
	is_string("\"say \\\"hi\\\" \\\\ bye\"",
	    log_value(a, "say \"hi\" \\ bye"),
	    "a double quote and a backslash are escaped");
	is_string("\"a\\x0ab\\x0d\\x09\"", log_value(a, "a\nb\r\t"),
	    "control characters are \\xNN: no new line");
	is_string("\"caf\\xc3\\xa9\"", log_value(a, "caf\xc3\xa9"),
	    "bytes above ASCII are \\xNN");
	ok(strchr(log_value(a, "x\" user_id=1"), ' ') != NULL &&
		log_value(a, "x\" user_id=1")[0] == '"',
	    "a value cannot end its quotes and add a key");
	is_string("\"x\\\" user_id=1\"", log_value(a, "x\" user_id=1"),
	    "its quote is escaped");
	arena_free(a);
	return done_testing();
}
