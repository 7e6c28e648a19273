/*
 * Fuzz harness for src/util/url.c: url_parse on arbitrary bytes. On
 * success checks that the scheme is "http" or "https", the port is in
 * 1..65535, the host is non-empty, lower-case and a substring of the
 * input (case aside), that the input was URL_MIN to URL_MAX printable
 * ASCII bytes without '@' before the path, and that parsing is
 * deterministic; on failure that a reason was given.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/arena.h"
#include "util/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena *fuzz_arena;

static void
fuzz_check(const char *s, const struct url *u)
{
	size_t len = strlen(s), hlen = strlen(u->host);
	const char *auth;
	int found = 0;

	if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0)
		abort();
	if (u->port < 1 || u->port > 65535 || hlen == 0 || len < URL_MIN ||
	    len > URL_MAX)
		abort();
	for (size_t i = 0; i < hlen; i++)
		if (isupper((unsigned char)u->host[i]) || u->host[i] == '@' ||
		    u->host[i] == '/' || u->host[i] == '%')
			abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			abort();
	auth = s + strlen(u->scheme) + 3;
	if (memchr(auth, '@', strcspn(auth, "/?#")) != NULL)
		abort();
	for (const char *p = auth; *p != '\0' && !found; p++)
		found = strncasecmp(p, u->host, hlen) == 0;
	if (!found)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct url u, v;
	const char *why = NULL;
	char *s;

	if (fuzz_arena == NULL)
		fuzz_arena = arena_new(0);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (url_parse(fuzz_arena, s, &u, &why) == 0) {
		fuzz_check(s, &u);
		if (url_parse(fuzz_arena, s, &v, NULL) != 0 ||
		    strcmp(u.host, v.host) != 0 || u.port != v.port ||
		    u.host_is_ip != v.host_is_ip)
			abort();
	} else if (why == NULL || why[0] == '\0') {
		abort();
	}
	free(s);
	arena_reset(fuzz_arena);
	return 0;
}
