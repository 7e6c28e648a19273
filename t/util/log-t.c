/*
 * Tests for src/util/log.c: the line's prefix (made by hand, with the pid
 * of the process that writes it, also after a fork) and log_value, what a
 * key=value log line may hold as a value.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdbool.h>

#include "tap.h"
#include "util/arena.h"
#include "util/log.h"

/* Runs fn with stderr sent to a file; returns what it wrote. */
static char *
captured(void (*fn)(void))
{
	static char out[4096];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	if (f == NULL || saved < 0 || dup2(fileno(f), STDERR_FILENO) < 0)
		abort();
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void
one_line(void)
{
	log_info("x=%d y=%s", 5, "z");
}

static void
forked_line(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		log_warn("child");
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

/* Whether s is "YYYY-MM-DDTHH:MM:SSZ " (21 bytes). */
static bool
stamped(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ ";

	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i])
				    : s[i] != shape[i])
			return false;
	return true;
}

int
main(void)
{
	char want[256], *line;
	static char longname[300];

	struct arena *a = arena_new(0);

	plan_lazy();
	log_init("t-log");
	line = captured(one_line);
	snprintf(
	    want, sizeof(want), "t-log[%d] info: x=5 y=z\n", (int)getpid());
	ok(stamped(line), "a line starts with its UTC time: %.21s", line);
	is_string(want, line + 21, "then name, pid, level and message");
	line = captured(forked_line);
	ok(stamped(line) && strstr(line, "t-log[") == line + 21 &&
		atoi(line + 27) != (int)getpid() && atoi(line + 27) > 0 &&
		strcmp(strchr(line, ']'), "] warn: child\n") == 0,
	    "a forked child's line carries its own pid");
	memset(longname, 'n', sizeof(longname) - 1);
	log_init(longname);
	line = captured(one_line);
	ok(strlen(line) < 200 &&
		strchr(line, '\n') == line + strlen(line) - 1 &&
		strstr(line, "] info: x=5 y=z\n") != NULL,
	    "a long name is cut: the line keeps its pid, level and message");
	log_init("t-log");
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
