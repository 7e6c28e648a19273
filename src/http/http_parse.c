/*
 * Request parsing: application/x-www-form-urlencoded strings (query strings
 * and form bodies) and Cookie headers, into arena-backed name/value lists.
 * The urlencoded parser is strict: anything it cannot decode exactly, and
 * any name given twice, makes the whole input malformed, so a handler
 * never has to guess which of two values was meant. The one exception is
 * a name declared a list (http_parse_lists): its values are joined, in
 * order, with newlines.
 */
#include "http/http.h"

#include <string.h>
#include <strings.h>

#include "util/arena.h"
#include "util/str.h"

#define PARAMS_MAX 256 /* pairs per query string, form or cookie header */

/* The names that may repeat, set once at start-up (NULL-terminated). */
static const char *const *list_names;

void
http_parse_lists(const char *const *names)
{
	list_names = names;
}

/* Whether name was declared a list. */
static bool
is_list(const char *name)
{
	for (size_t i = 0; list_names != NULL && list_names[i] != NULL; i++)
		if (strcmp(list_names[i], name) == 0)
			return true;
	return false;
}

/*
 * Decodes the n bytes at s ('+' → space, %XX → byte) into a NUL-terminated
 * arena string. Returns NULL for bad percent-encoding, a NUL byte (raw or
 * encoded) or a result that is not valid UTF-8.
 */
static char *
urldecode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi, lo;

			if (n - i < 3)
				return NULL;
			if ((hi = str_hexval(s[i + 1])) < 0 ||
			    (lo = str_hexval(s[i + 2])) < 0)
				return NULL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return NULL;
		out[j++] = c;
	}
	out[j] = '\0';
	if (!str_utf8_valid(out, j))
		return NULL;
	return out;
}

/*
 * Parses n bytes of application/x-www-form-urlencoded text into *out (see
 * http.h for what is refused). Returns ERR_OK or ERR_MALFORMED; *out is
 * written only on success.
 */
enum err
http_parse_urlencoded(
    struct arena *a, const char *s, size_t n, struct params *out)
{
	struct params p = { NULL, 0 };
	size_t i, start, count = 0;

	/* Count the non-empty segments first to size the array. */
	for (start = 0; start <= n; start = i + 1) {
		for (i = start; i < n && s[i] != '&'; i++)
			continue;
		if (i > start && ++count > PARAMS_MAX)
			return ERR_MALFORMED;
	}
	if (count > 0)
		p.v = arena_calloc(a, count, sizeof(*p.v));

	for (start = 0; start <= n; start = i + 1) {
		const char *seg = s + start, *eq;
		size_t len, k;
		char *name, *value;

		for (i = start; i < n && s[i] != '&'; i++)
			continue;
		if ((len = i - start) == 0)
			continue;
		eq = memchr(seg, '=', len);
		if (eq == NULL) {
			name = urldecode(a, seg, len);
			value = arena_strdup(a, "");
		} else {
			name = urldecode(a, seg, (size_t)(eq - seg));
			value =
			    urldecode(a, eq + 1, len - (size_t)(eq - seg) - 1);
		}
		if (name == NULL || value == NULL || *name == '\0')
			return ERR_MALFORMED;
		for (k = 0; k < p.n; k++)
			if (strcmp(p.v[k].name, name) == 0)
				break;
		if (k < p.n || is_list(name)) {
			/* A list's values hold no newline: it separates them. */
			if (!is_list(name) || strchr(value, '\n') != NULL)
				return ERR_MALFORMED;
			if (k < p.n) {
				p.v[k].value = arena_printf(
				    a, "%s\n%s", p.v[k].value, value);
				continue;
			}
		}
		p.v[p.n].name = name;
		p.v[p.n].value = value;
		p.n++;
	}
	*out = p;
	return ERR_OK;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parses a Cookie header into *out, skipping what it cannot use (see
 * http.h). Never fails; *out is always written.
 */
void
http_parse_cookies(struct arena *a, const char *header, struct params *out)
{
	const char *s = header, *end, *eq, *nb, *ne, *vb, *ve;
	size_t count = 1, k;

	out->v = NULL;
	out->n = 0;
	if (header == NULL || *header == '\0')
		return;
	for (s = header; *s; s++)
		if (*s == ';' && count < PARAMS_MAX)
			count++;
	out->v = arena_calloc(a, count, sizeof(*out->v));

	for (s = header; *s != '\0' && out->n < count; s = end) {
		char *name, *value;

		end = strchr(s, ';');
		if (end == NULL)
			end = s + strlen(s);
		eq = memchr(s, '=', (size_t)(end - s));
		if (*end == ';')
			end++;
		if (eq == NULL)
			continue;
		for (nb = s; nb < eq && is_ows(*nb); nb++)
			continue;
		for (ne = eq; ne > nb && is_ows(ne[-1]); ne--)
			continue;
		for (vb = eq + 1; vb < end && is_ows(*vb); vb++)
			continue;
		ve = end;
		if (ve > vb && ve[-1] == ';')
			ve--;
		while (ve > vb && is_ows(ve[-1]))
			ve--;
		if (ve - vb >= 2 && *vb == '"' && ve[-1] == '"') {
			vb++;
			ve--;
		}
		if (ne == nb)
			continue;
		name = arena_strndup(a, nb, (size_t)(ne - nb));
		value = arena_strndup(a, vb, (size_t)(ve - vb));
		/* Control characters have no business in a cookie; drop the
		 * pair rather than hand them to a handler. */
		if (!str_no_ctl(name) || !str_no_ctl(value))
			continue;
		for (k = 0; k < out->n; k++)
			if (strcmp(out->v[k].name, name) == 0)
				break;
		if (k < out->n)
			continue;
		out->v[out->n].name = name;
		out->v[out->n].value = value;
		out->n++;
	}
}

/* Returns the value of the first pair named name, or NULL. */
const char *
http_parse_param(const struct params *p, const char *name)
{
	size_t i;

	if (p == NULL || name == NULL)
		return NULL;
	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return p->v[i].value;
	return NULL;
}

bool
http_parse_is_form(const char *ct)
{
	static const char want[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(want) - 1;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return false;
	for (ct += n; *ct == ' ' || *ct == '\t'; ct++)
		continue;
	return *ct == '\0' || *ct == ';';
}
