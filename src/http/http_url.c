/*
 * URLs: which redirect targets are safe local paths, and percent-encoding
 * of query values.
 */
#include "http/http.h"

#include <string.h>
#include <strings.h>

#include "util/arena.h"

#define LOCAL_PATH_MAX 2048

/*
 * True when next is a safe local redirect target. Beyond the header's
 * rules it also refuses "/%2F..." and "/%5C..." (encoded second slash or
 * backslash), anything holding "://", and any byte outside printable
 * ASCII (space included): a path the program itself would link to never
 * needs them.
 */
bool
http_url_local(const char *next)
{
	size_t n;

	if (next == NULL || next[0] != '/')
		return false;
	n = strnlen(next, LOCAL_PATH_MAX + 1);
	if (n > LOCAL_PATH_MAX)
		return false;
	if (next[1] == '/' || next[1] == '\\')
		return false;
	if (strncasecmp(next, "/%2f", 4) == 0 ||
	    strncasecmp(next, "/%5c", 4) == 0)
		return false;
	if (strstr(next, "://") != NULL)
		return false;
	for (; *next; next++) {
		unsigned char c = (unsigned char)*next;

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return false;
	}
	return true;
}

/*
 * Returns an arena copy of s with every byte but ALPHA, DIGIT, '-', '.',
 * '_' and '~' written as %XX (upper-case hex). NULL gives "".
 */
char *
http_url_encode(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n;
	char *out, *p;

	if (s == NULL)
		return arena_strdup(a, "");
	n = strlen(s);
	out = p = arena_calloc(a, n + 1, 3);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}
