/*
 * Growable byte buffer. With an arena it draws memory from it (and is
 * released with the arena); with NULL it uses malloc and must be released
 * with buf_free(). The contents are always NUL-terminated.
 */
#ifndef ROSTER_UTIL_BUF_H
#define ROSTER_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct buf {
	char *data; /* NUL-terminated; never NULL after buf_init */
	size_t len;
	size_t cap;
	struct arena *arena; /* NULL: heap */
};

/* Makes an empty buffer drawing from a (or the heap when a is NULL). */
void buf_init(struct buf *b, struct arena *a);

/* Releases a heap buffer; a no-op for arena buffers. */
void buf_free(struct buf *b);

/* Empties the buffer, keeping its memory. */
void buf_clear(struct buf *b);

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);

/* Appends s in double quotes, a double quote or a backslash in it escaped
 * by a backslash: a PostgreSQL array element, and a JSON string when s is
 * printable ASCII (no other character needs an escape there). */
void buf_put_quoted(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
