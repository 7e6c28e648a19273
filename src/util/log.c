/*
 * Line-oriented logging to stderr. Each line is formatted into one buffer
 * and written with a single write(2) so lines of concurrent workers do not
 * interleave.
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

static const char *log_progname = "roster";

void
log_init(const char *progname)
{
	log_progname = progname;
}

static void log_vline(const char *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
log_vline(const char *level, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	int n, m;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02dZ %s[%d] %s: ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    log_progname, (int)getpid(), level);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
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
