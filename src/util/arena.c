/*
 * Region allocator: a list of blocks, bump allocation inside the newest.
 *
 * A reset keeps up to ARENA_KEEP bytes of blocks on a spare list for the
 * next request instead of handing them back to malloc: a worker serving
 * the same pages over and over then stops growing and shrinking its heap
 * (which costs a page fault per touched page every request).
 */
#include "util/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define ARENA_BLOCK         (64 * 1024)
#define ARENA_KEEP          ((size_t)4 * 1024 * 1024)
#define ARENA_DEFAULT_LIMIT ((size_t)64 * 1024 * 1024)
#define ARENA_ALIGN         (_Alignof(max_align_t))

struct block {
	struct block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	max_align_t data[];
};

struct arena {
	struct block *head;  /* newest block; allocation happens here */
	struct block *spare; /* blocks kept by a reset, for reuse */
	size_t limit;
	size_t total; /* bytes of blocks in use (head list) */
	size_t used;
};

static void
arena_die(const char *why)
{
	log_err("arena: %s", why);
	abort();
}

static struct block *
block_new(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);

	if (b == NULL)
		arena_die("out of memory");
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

static void
block_list_free(struct block *b)
{
	struct block *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

struct arena *
arena_new(size_t limit)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (a == NULL)
		arena_die("out of memory");
	a->limit = limit ? limit : ARENA_DEFAULT_LIMIT;
	a->head = block_new(ARENA_BLOCK);
	a->total = ARENA_BLOCK;
	return a;
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	block_list_free(a->head);
	block_list_free(a->spare);
	free(a);
}

void
arena_reset(struct arena *a)
{
	struct block *b, *next, *keep = NULL;
	size_t kept = 0;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		b->used = 0;
		if (kept + b->size <= ARENA_KEEP) {
			kept += b->size;
			b->next = keep;
			keep = b;
		} else
			free(b);
	}
	block_list_free(a->spare);
	a->spare = NULL;
	/* The largest kept block serves first; the rest wait as spares. */
	a->head = keep;
	a->total = keep->size;
	for (b = keep->next; b != NULL; b = b->next)
		if (b->size > a->head->size)
			a->head = b;
	for (b = keep; b != NULL; b = next) {
		next = b->next;
		if (b != a->head) {
			b->next = a->spare;
			a->spare = b;
		}
	}
	a->head->next = NULL;
	a->used = 0;
}

/* Returns n bytes, aligned, not zeroed. */
static void *
arena_take(struct arena *a, size_t n)
{
	struct block *b = a->head, **pp;
	size_t need = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	void *p;

	if (need < n)
		arena_die("allocation size overflow");
	if (b->size - b->used < need) {
		/* Blocks grow with the arena, so a large request takes few. */
		size_t size =
		    b->size * 2 > ARENA_BLOCK ? b->size * 2 : ARENA_BLOCK;

		if (size > ARENA_KEEP)
			size = ARENA_KEEP;
		if (size < need)
			size = need;
		for (pp = &a->spare; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->size >= need)
				break;
		if (*pp != NULL) {
			b = *pp;
			*pp = b->next;
		} else {
			if (a->total + size > a->limit ||
			    a->total + size < a->total)
				arena_die("request exceeded its memory limit");
			b = block_new(size);
		}
		b->next = a->head;
		a->head = b;
		a->total += b->size;
	}
	p = (char *)b->data + b->used;
	b->used += need;
	a->used += need;
	return p;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	void *p = arena_take(a, n);

	memset(p, 0, n);
	return p;
}

void *
arena_alloc_uninit(struct arena *a, size_t n)
{
	return arena_take(a, n);
}

void *
arena_calloc(struct arena *a, size_t n, size_t sz)
{
	if (sz != 0 && n > SIZE_MAX / sz)
		arena_die("allocation size overflow");
	return arena_alloc(a, n * sz);
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_take(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

void *
arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *q = arena_take(a, n ? n : 1);

	if (n)
		memcpy(q, p, n);
	return q;
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	struct block *b;
	size_t free_bytes;
	va_list ap2;
	int n;
	char *p;

	/* Formatted once, into the free tail of the newest block, when it
	 * fits there (nearly always): block sizes and uses are multiples of
	 * ARENA_ALIGN, so arena_take then hands out that very tail. When it
	 * does not fit, the string is measured and formatted again. */
	b = a->head;
	free_bytes = b->size - b->used;
	va_copy(ap2, ap);
	n = vsnprintf((char *)b->data + b->used, free_bytes, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		arena_die("bad format");
	if ((size_t)n < free_bytes)
		return arena_take(a, (size_t)n + 1);
	p = arena_take(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_cat(struct arena *a, const char *s, ...)
{
	va_list ap;
	const char *q;
	size_t n = 0, k;
	char *p, *w;

	va_start(ap, s);
	for (q = s; q != NULL; q = va_arg(ap, const char *))
		n += strlen(q);
	va_end(ap);
	p = w = arena_take(a, n + 1);
	va_start(ap, s);
	for (q = s; q != NULL; q = va_arg(ap, const char *)) {
		k = strlen(q);
		memcpy(w, q, k);
		w += k;
	}
	va_end(ap);
	*w = '\0';
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

size_t
arena_used(const struct arena *a)
{
	return a->used;
}
