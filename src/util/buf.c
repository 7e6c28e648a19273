/*
 * Growable byte buffer over an arena or the heap.
 */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/log.h"

static void
buf_grow(struct buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->len + extra + 1 <= b->cap)
		return;
	while (cap < b->len + extra + 1) {
		if (cap > (size_t)-1 / 2) {
			log_err("buf: size overflow");
			abort();
		}
		cap *= 2;
	}
	if (b->arena != NULL) {
		p = arena_alloc_uninit(b->arena, cap);
		memcpy(p, b->data, b->len + 1);
	} else {
		p = realloc(b->cap ? b->data : NULL, cap);
		if (p == NULL) {
			log_err("buf: out of memory");
			abort();
		}
		if (b->cap == 0)
			p[0] = '\0';
	}
	b->data = p;
	b->cap = cap;
}

void
buf_init(struct buf *b, struct arena *a)
{
	static char empty[1];

	b->arena = a;
	b->len = 0;
	b->cap = 0;
	b->data = empty;
}

void
buf_free(struct buf *b)
{
	if (b->arena == NULL && b->cap)
		free(b->data);
	buf_init(b, b->arena);
}

void
buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n + 1 > b->cap)
		buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_put_quoted(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	/* Formatted once, into the spare capacity, when it fits there;
	 * measured, grown and formatted again when not. */
	va_copy(ap2, ap);
	n = vsnprintf(b->cap ? b->data + b->len : NULL,
	    b->cap ? b->cap - b->len : 0, fmt, ap2);
	va_end(ap2);
	if (n <= 0) {
		if (b->cap)
			b->data[b->len] = '\0';
		return;
	}
	if (b->cap && b->len + (size_t)n < b->cap) {
		b->len += (size_t)n;
		return;
	}
	buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}
