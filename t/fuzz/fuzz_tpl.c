/*
 * Fuzz harness for src/tpl/tpl.c: compiles arbitrary template text and
 * renders it with values holding every character HTML must escape.
 *
 * The input is split at NUL bytes: the first part is a.html (and a.txt),
 * the second b.html (a partial a.html may include as {{>b}}), the third a
 * value. a.txt is loaded as a set of its own (an HTML template that
 * includes a .txt partial gets it unescaped, by design). In the HTML templates
 * the bytes < > " ' are replaced by '_', so any of them in the rendered HTML
 * came from a value that was not escaped: that aborts. {{{h}}} is the one raw
 * value and holds none of them. The templates are written to a private
 * directory and loaded with tpl_load, the way the workers load theirs.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena *fuzz_arena;
/* Under /dev/shm when there is one: rewriting files on a disk-backed
 * /tmp costs milliseconds a run. */
static char fuzz_dir[64];
static char fuzz_txt_dir[64];

static void
fuzz_cleanup(void)
{
	char p[sizeof(fuzz_dir) + 16];

	snprintf(p, sizeof(p), "%s/a.html", fuzz_dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/b.html", fuzz_dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/a.txt", fuzz_txt_dir);
	unlink(p);
	rmdir(fuzz_dir);
	rmdir(fuzz_txt_dir);
}

static void
fuzz_write(
    const char *dir, const char *name, const uint8_t *p, size_t n, int html)
{
	char path[sizeof(fuzz_dir) + 16];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *copy = malloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		char c = (char)p[i];
		if (html && (c == '<' || c == '>' || c == '"' || c == '\''))
			c = '_';
		copy[i] = c;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, copy, n) != (ssize_t)n || close(fd) != 0)
		abort();
	free(copy);
}

/* Splits off the part up to the next NUL (or the end). */
static const uint8_t *
fuzz_part(const uint8_t **p, const uint8_t *end, size_t *n)
{
	const uint8_t *s = *p;
	const uint8_t *z = memchr(s, 0, (size_t)(end - s));
	if (z == NULL)
		z = end;
	*n = (size_t)(z - s);
	*p = z < end ? z + 1 : end;
	return s;
}

static struct tpl_ctx *
fuzz_ctx(const char *value)
{
	struct tpl_ctx *c = tpl_ctx_new(fuzz_arena);
	tpl_set(c, "name", "<script>alert('x')</script>");
	tpl_set(c, "a", "\"onmouseover=x '&<>");
	tpl_set(c, "v", value);
	tpl_setf(c, "n", "%d<%s>", 42, "b");
	tpl_set_html(c, "h", "<i>raw</i>");
	tpl_set_html(c, "safe", "&amp; plain");
	tpl_set_bool(c, "t", true);
	tpl_set_bool(c, "f", false);
	tpl_set_list(c, "empty");
	for (int i = 0; i < 2; i++) {
		struct tpl_ctx *r = tpl_add_row(c, "rows");
		tpl_set(r, "name", "<row>");
		tpl_setf(r, "i", "'%d'", i);
		tpl_set(r, "v", value);
	}
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	size_t na, nb, nv;

	if (fuzz_arena == NULL) {
		fuzz_arena = arena_new(0);
		const char *base =
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(fuzz_dir, sizeof(fuzz_dir),
		    "%s/roster-fuzz-tpl.XXXXXX", base);
		memcpy(fuzz_txt_dir, fuzz_dir, sizeof(fuzz_dir));
		if (mkdtemp(fuzz_dir) == NULL || mkdtemp(fuzz_txt_dir) == NULL)
			abort();
		atexit(fuzz_cleanup);
	}
	const uint8_t *ta = fuzz_part(&p, end, &na);
	const uint8_t *tb = fuzz_part(&p, end, &nb);
	const uint8_t *tv = fuzz_part(&p, end, &nv);
	char *value = arena_strndup(fuzz_arena, (const char *)tv, nv);

	fuzz_write(fuzz_dir, "a.html", ta, na, 1);
	fuzz_write(fuzz_dir, "b.html", tb, nb, 1);
	fuzz_write(fuzz_txt_dir, "a.txt", ta, na, 0);
	struct tpl_ctx *c = fuzz_ctx(value);
	struct buf out;
	buf_init(&out, fuzz_arena);
	struct tpl_set *set = tpl_load(fuzz_dir);
	if (set != NULL) {
		static const char *html[] = { "a.html", "b.html" };
		for (int i = 0; i < 2; i++) {
			buf_clear(&out);
			if (tpl_render(set, html[i], c, &out) != 0)
				abort();
			/* {{{h}}} is the only raw value: take it out. */
			char *o = out.data, *r;
			while ((r = strstr(o, "<i>raw</i>")) != NULL)
				memset(r, '_', strlen("<i>raw</i>"));
			if (strpbrk(o, "<>\"'") != NULL)
				abort();
		}
		tpl_free(set);
	}
	set = tpl_load(fuzz_txt_dir);
	if (set != NULL) {
		buf_clear(&out);
		if (tpl_render(set, "a.txt", c, &out) != 0)
			abort();
		tpl_free(set);
	}
	arena_reset(fuzz_arena);
	return 0;
}
