/*
 * Validation of the values every operation shares: email addresses (the
 * rules themselves live in util/email.c, which mail/ uses too) and names.
 */
#include "domain/validate.h"

#include <string.h>

#include "util/arena.h"
#include "util/email.h"
#include "util/str.h"

#define NAME_MAX_BYTES 400
#define NAME_MAX_CHARS 100

enum err
validate_email(struct arena *a, const char *in, char **out)
{
	char *s = email_normalize(a, in);

	if (s == NULL)
		return ERR_INVALID_EMAIL;
	*out = s;
	return ERR_OK;
}

enum err
validate_name(struct arena *a, const char *in, char **out)
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
