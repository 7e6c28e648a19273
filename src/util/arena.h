/*
 * Region allocator. Each worker owns one arena and resets it after every
 * request, so nothing a request allocates outlives it and nothing needs to
 * be freed one by one. Allocation never returns NULL: on exhaustion of the
 * arena's hard limit or of the system allocator the process aborts, which
 * the supervisor turns into a fresh worker.
 */
#ifndef ROSTER_UTIL_ARENA_H
#define ROSTER_UTIL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* Creates an arena that may grow to at most limit bytes (0: 64 MiB).
 * Free with arena_free(). Aborts if memory cannot be had. */
struct arena *arena_new(size_t limit);

/* Frees every block and the arena itself. NULL is ignored. */
void arena_free(struct arena *a);

/* Releases everything allocated since creation or the last reset; keeps
 * up to 4 MiB of its blocks for reuse, so a steady worker stops calling
 * malloc and its heap stops growing and shrinking. */
void arena_reset(struct arena *a);

/* Returns n zeroed bytes aligned for any type. Aborts on exhaustion. */
void *arena_alloc(struct arena *a, size_t n);

/* Returns n bytes aligned for any type, not zeroed (for buffers that are
 * filled before they are read). Aborts on exhaustion. */
void *arena_alloc_uninit(struct arena *a, size_t n);

/* Returns a zeroed array of n elements of size sz; aborts on overflow. */
void *arena_calloc(struct arena *a, size_t n, size_t sz);

/* Copies the NUL-terminated s (NULL gives NULL). */
char *arena_strdup(struct arena *a, const char *s);

/* Copies n bytes of s and adds a NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Copies n bytes (no terminator added). */
void *arena_memdup(struct arena *a, const void *p, size_t n);

/* Formats like printf into arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Joins the strings given, up to a NULL, into one in arena memory: what
 * arena_printf("%s%s...") gives, without parsing a format. */
char *arena_cat(struct arena *a, const char *s, ...)
    __attribute__((sentinel));

/* Bytes handed out since the last reset (for tests and metrics). */
size_t arena_used(const struct arena *a);

#endif
