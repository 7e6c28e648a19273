/*
 * Line-oriented logging to stderr. Each line is formatted into one buffer
 * and written with a single write(2) so lines of concurrent workers do not
 * interleave.
 */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/reltime.h"
#include "util/str.h"

#define LOG_PREFIX_MAX 128 /* the prefix never takes more of a line */

static const char *log_progname = "roster";
static pid_t log_pid; /* 0 until log_init; refreshed in a forked child */

static void
log_forked(void)
{
	log_pid = getpid();
}

void
log_init(const char *progname)
{
	static bool registered;

	log_progname = progname;
	log_pid = getpid();
	if (!registered && pthread_atfork(NULL, NULL, log_forked) == 0)
		registered = true;
}

/* Writes s at p, at most end - p bytes; returns the end. */
static char *
log_copy(char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if (n > (size_t)(end - p))
		n = (size_t)(end - p);
	memcpy(p, s, n);
	return p + n;
}

static void log_vline(const char *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
log_vline(const char *level, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	char *p = line;
	const char *end = line + LOG_PREFIX_MAX;
	int n, m;

	/* The prefix, "2026-11-28T03:14:13Z roster-fcgi[123] info: ", by
	 * hand: it is on every request's line. */
	clock_gettime(CLOCK_REALTIME, &ts);
	p += strlen(reltime_iso(line, sizeof(line), (int64_t)ts.tv_sec));
	*p++ = ' ';
	p = log_copy(p, end - 40, log_progname);
	*p++ = '[';
	p = str_digits(
	    p, (unsigned long long)(log_pid ? log_pid : getpid()), 1);
	*p++ = ']';
	*p++ = ' ';
	p = log_copy(p, end - 2, level);
	*p++ = ':';
	*p++ = ' ';
	n = (int)(p - line);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) > sizeof(line) - 2)
		m = (int)(sizeof(line) - 2) - n;
	/* A line is one line: control characters cannot forge another. */
	str_scrub_ctl(line + n, (size_t)m);
	line[n + m] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)(n + m + 1));
}

#define LOG_FN(name, level)                                                    \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vline(level, fmt, ap);                                     \
		va_end(ap);                                                    \
	}

LOG_FN(log_info, "info")
LOG_FN(log_warn, "warn")
LOG_FN(log_err, "error")

const char *
log_value(struct arena *a, const char *v)
{
	static const char bare[] = "._:/@+-";
	struct buf b;
	const unsigned char *p;

	if (v == NULL)
		return "-";
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || strchr(bare, *p) != NULL))
			break;
	if (*p == '\0' && p != (const unsigned char *)v)
		return v;
	buf_init(&b, a);
	buf_putc(&b, '"');
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			buf_putc(&b, '\\');
			buf_putc(&b, (char)*p);
		} else if (*p < 0x20 || *p >= 0x7f)
			buf_printf(&b, "\\x%02x", *p);
		else
			buf_putc(&b, (char)*p);
	}
	buf_putc(&b, '"');
	return b.data;
}
