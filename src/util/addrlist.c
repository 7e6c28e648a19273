/*
 * The pasted address list: one pass over the text, one part (between
 * ',', ';' and new lines) at a time. Words of a part wait in a small
 * queue until the part ends (they are entries) or a '<...>' comes (they
 * were its name).
 */
#include "util/addrlist.h"

#include <stdbool.h>
#include <string.h>

#include "util/arena.h"

struct list {
	struct arena *a;
	const char **v;
	size_t n, cap;
	/* The words of the current part waiting for a verdict: from index
	 * first of v on. */
	size_t first;
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool
ends_part(char c)
{
	return c == ',' || c == ';' || c == '\n';
}

/* Appends the entry p[0..len) (trimmed of white space); empty ones are
 * dropped. */
static void
push(struct list *l, const char *p, size_t len)
{
	while (len > 0 && is_space(*p)) {
		p++;
		len--;
	}
	while (len > 0 && is_space(p[len - 1]))
		len--;
	if (len == 0)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		const char **v = arena_calloc(l->a, cap, sizeof(*v));

		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = arena_strndup(l->a, p, len);
}

/* Drops the words of the current part that hold no '@': they named the
 * '<...>' that follows. Quoted strings start with '"'. */
static void
drop_names(struct list *l)
{
	size_t k = l->first;

	for (size_t i = l->first; i < l->n; i++)
		if (l->v[i][0] != '"' && strchr(l->v[i], '@') != NULL)
			l->v[k++] = l->v[i];
	l->n = k;
}

int
addrlist_parse(struct arena *a, const char *text, size_t max,
    const char ***out, size_t *n)
{
	struct list l = { .a = a };
	const char *p = text != NULL ? text : "";

	while (*p != '\0') {
		if (ends_part(*p) || is_space(*p)) {
			if (ends_part(*p))
				l.first = l.n;
			p++;
		} else if (*p == '"') {
			size_t len = strcspn(p + 1, "\"\n");

			push(&l, p, len + 1 + (p[len + 1] == '"'));
			p += len + 1 + (p[len + 1] == '"');
		} else if (*p == '<' && p[strcspn(p, ">\n")] == '>') {
			size_t len = strcspn(p, ">");

			drop_names(&l);
			push(&l, p + 1, len - 1);
			l.first = l.n;
			p += len + 1;
		} else {
			size_t len = 1 + strcspn(p + 1, " \t\r\f\v\n,;\"<");

			push(&l, p, len);
			p += len;
		}
	}
	*out = l.v;
	*n = l.n;
	/* Counted once names are dropped; the text is a request body, at
	 * most 64 KiB, so the whole list is small. */
	return l.n > max ? -1 : 0;
}
