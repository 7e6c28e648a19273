/*
 * String helpers.
 */
#include "util/str.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/log.h"

int
str_tonum(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	const char *why = NULL;
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9'))) {
		why = "invalid";
		goto fail;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		why = "invalid";
		goto fail;
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		why = "too small";
		goto fail;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		why = "too large";
		goto fail;
	}
	*out = v;
	if (errstr != NULL)
		*errstr = NULL;
	return 0;
fail:
	if (errstr != NULL)
		*errstr = why;
	return -1;
}

int
str_env_num(const char *name, long long min, long long max, long long def,
    long long *out)
{
	const char *s = getenv(name), *why;

	if (s == NULL || *s == '\0') {
		*out = def;
		return 0;
	}
	if (str_tonum(s, min, max, out, &why) == -1) {
		log_err("%s: %s (allowed %lld to %lld)", name, why, min, max);
		return -1;
	}
	return 0;
}

int
str_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

char *
str_trim(struct arena *a, const char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

char *
str_lower(struct arena *a, const char *s)
{
	char *p = arena_strdup(a, s);

	for (char *q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

bool
str_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Printable ASCII: neither a control character nor above 0x7f. */
static bool
str_is_print(unsigned char c)
{
	return c < 0x80 && !str_is_ctl(c);
}

bool
str_no_ctl(const char *s)
{
	for (; *s; s++)
		if (str_is_ctl((unsigned char)*s))
			return false;
	return true;
}

bool
str_printable(const char *s)
{
	for (; *s; s++)
		if (!str_is_print((unsigned char)*s))
			return false;
	return true;
}

char *
str_scrub(struct arena *a, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *p = arena_strndup(a, s, n);

	for (size_t i = 0; i < n; i++)
		if (!str_is_print((unsigned char)p[i]))
			p[i] = '?';
	return p;
}

void
str_scrub_ctl(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (str_is_ctl((unsigned char)s[i]))
			s[i] = '?';
}

bool
str_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else
			return false;
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

char *
str_digits(char *p, unsigned long long v, int width)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n < width && n < (int)sizeof(tmp))
		tmp[n++] = '0';
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}
