/*
 * Validation of the values every operation shares: email addresses and
 * names.
 */
#include "domain/domain.h"

#include <string.h>

#include "util/arena.h"
#include "util/str.h"

#define EMAIL_MAX      254
#define NAME_MAX_BYTES 400
#define NAME_MAX_CHARS 100

static bool
email_local_char(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	return strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static bool
email_domain_ok(const char *d)
{
	size_t n = strlen(d);
	bool dot = false;

	if (n < 3 || n > 253 || d[0] == '.' || d[0] == '-' || d[n - 1] == '.' ||
	    d[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = d[i];

		if (c == '.') {
			if (d[i + 1] == '.' || d[i + 1] == '-' ||
			    d[i - 1] == '-')
				return false;
			dot = true;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			       c == '-'))
			return false;
	}
	return dot;
}

enum err
domain_email(struct arena *a, const char *in, char **out)
{
	char *s, *at;
	size_t local;

	if (in == NULL)
		return ERR_INVALID_EMAIL;
	s = str_lower(a, str_trim(a, in));
	if (strlen(s) > EMAIL_MAX || !str_no_ctl(s))
		return ERR_INVALID_EMAIL;
	at = strchr(s, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return ERR_INVALID_EMAIL;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || s[0] == '.' || at[-1] == '.' ||
	    strstr(s, "..") != NULL)
		return ERR_INVALID_EMAIL;
	for (size_t i = 0; i < local; i++)
		if (!email_local_char(s[i]))
			return ERR_INVALID_EMAIL;
	if (!email_domain_ok(at + 1))
		return ERR_INVALID_EMAIL;
	*out = s;
	return ERR_OK;
}

enum err
domain_name(struct arena *a, const char *in, char **out)
{
	char *s;
	size_t chars = 0;

	if (in == NULL)
		return ERR_INVALID_NAME;
	s = str_trim(a, in);
	if (*s == '\0' || strlen(s) > NAME_MAX_BYTES || !str_no_ctl(s) ||
	    !str_utf8_valid(s, strlen(s)))
		return ERR_INVALID_NAME;
	for (const char *p = s; *p; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			chars++;
	if (chars > NAME_MAX_CHARS)
		return ERR_INVALID_NAME;
	*out = s;
	return ERR_OK;
}
