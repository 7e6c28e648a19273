/*
 * Email address validation: one scan for what is safe in a header or an
 * SMTP command, and, for addresses an account or an invitation may hold,
 * the stricter structure of local part and domain on top of it.
 */
#include "util/email.h"

#include <stddef.h>
#include <string.h>

#include "util/str.h"

#define EMAIL_LOCAL_MAX  64
#define EMAIL_DOMAIN_MIN 3
#define EMAIL_DOMAIN_MAX 253

/* RFC 5322 atext plus '.'. */
static bool
email_local_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

static bool
email_domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* The structure of a domain whose characters already passed: 3..253
 * bytes, a dot somewhere, no empty label, no label starting or ending
 * with '-'. */
static bool
email_domain_ok(const char *d)
{
	size_t n = strlen(d);
	bool dot = false;

	if (n < EMAIL_DOMAIN_MIN || n > EMAIL_DOMAIN_MAX || d[0] == '.' ||
	    d[0] == '-' || d[n - 1] == '.' || d[n - 1] == '-')
		return false;
	/* d[0] is no dot, so d[i - 1] exists wherever d[i] is one. */
	for (size_t i = 0; i < n; i++) {
		if (d[i] != '.')
			continue;
		if (d[i + 1] == '.' || d[i + 1] == '-' || d[i - 1] == '-')
			return false;
		dot = true;
	}
	return dot;
}

/* True when s is an address under rules r; see util/email.h. */
bool
email_valid(const char *s, enum email_rules r)
{
	const char *at;
	size_t len, local;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (len < 3 || len > EMAIL_MAX)
		return false;
	at = strchr(s, '@');
	if (at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return false;
	local = (size_t)(at - s);
	for (size_t i = 0; i < local; i++)
		if (!email_local_char((unsigned char)s[i]))
			return false;
	for (const char *p = at + 1; *p != '\0'; p++)
		if (!email_domain_char((unsigned char)*p))
			return false;
	if (r == EMAIL_HEADER)
		return true;
	if (local > EMAIL_LOCAL_MAX || s[0] == '.' || at[-1] == '.' ||
	    strstr(s, "..") != NULL)
		return false;
	return email_domain_ok(at + 1);
}

/* The trimmed, lower-cased copy of in when it is valid under EMAIL_STRICT;
 * NULL otherwise. */
char *
email_normalize(struct arena *a, const char *in)
{
	char *s;

	if (in == NULL)
		return NULL;
	s = str_lower(a, str_trim(a, in));
	return email_valid(s, EMAIL_STRICT) ? s : NULL;
}
