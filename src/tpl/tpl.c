/*
 * Template engine. tpl_load() parses every template file of a directory
 * once into a flat array of nodes (a section's body is the run of nodes
 * that follows it, up to the index it records), resolves partials to
 * template indexes and rejects partial cycles, so that rendering is a
 * plain walk over the arrays that never fails and never parses.
 *
 * The compiled set lives on the heap until tpl_free(). Contexts and their
 * values live in the caller's arena. Rendering allocates nothing but the
 * output buffer's growth.
 */
#include "tpl/tpl.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"

#define TPL_MAX_FILE (1024 * 1024) /* bytes in one template file */
#define TPL_MAX_NEST 32            /* sections open at once in one file */

enum node_type {
	NODE_TEXT,     /* literal bytes */
	NODE_VAR,      /* {{name}} */
	NODE_RAW,      /* {{{name}}} */
	NODE_SECTION,  /* {{#name}} */
	NODE_INVERTED, /* {{^name}} */
	NODE_PARTIAL,  /* {{>name}} */
};

struct node {
	enum node_type type;
	unsigned int line; /* for load-time messages */
	const char *s;     /* the text, or the NUL-terminated name */
	unsigned int h;    /* names: tpl_hash(s), compared before s */
	size_t len;        /* text length */
	size_t end;        /* sections: index of the node after the body */
	size_t partial;    /* partials: index of the template in the set */
};

struct tpl {
	char *name; /* file name, "login.html" */
	char *src;  /* file contents; node strings point into it */
	size_t srclen;
	struct node *nodes;
	size_t n, cap;
	bool html; /* .html escapes, .txt does not */
};

struct tpl_set {
	struct tpl *tpl; /* sorted by name */
	size_t n, cap;
};

enum val_type { VAL_TEXT, VAL_HTML, VAL_BOOL, VAL_LIST, VAL_TPL };

struct val {
	struct val *next;
	const char *name;
	unsigned int h; /* tpl_hash(name) */
	enum val_type type;
	const char *s;        /* VAL_TEXT, VAL_HTML */
	bool b;               /* VAL_BOOL */
	struct tpl_ctx *head; /* VAL_LIST rows, in order */
	struct tpl_ctx *tail;
	const struct tpl *t; /* VAL_TPL: rendered in place */
};

/*
 * A context's values, chained in buckets by the low bits of their names'
 * hashes: a page sets some 60 names and each list row some 25, and a row's
 * template looks up names of the page through the row, so a lookup that
 * walked one list per context compared every name it passed.
 */
#define TPL_BUCKETS 16 /* a power of two */

struct tpl_ctx {
	struct arena *a;
	const struct tpl_ctx *parent;
	struct val *vals[TPL_BUCKETS];
	struct tpl_ctx *next; /* the following row of the same list */
};

/*
 * A name's hash (FNV-1a), computed once per template node at load time and
 * once per value set: a lookup compares hashes and runs strcmp only on a
 * match, instead of a strcmp for every value it walks past.
 */
static unsigned int
tpl_hash(const char *s)
{
	unsigned int h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/*
 * Loading.
 */

static void tpl_syntax(const char *dir, const struct tpl *t, unsigned int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
tpl_syntax(const char *dir, const struct tpl *t, unsigned int line,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("tpl: %s/%s:%u: %s", dir, t->name, line, msg);
}

static unsigned int
tpl_lines(const char *p, const char *end)
{
	unsigned int n = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

static struct node *
tpl_node(struct tpl *t, enum node_type type, unsigned int line)
{
	struct node *n;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;

		n = reallocarray(t->nodes, cap, sizeof(*n));
		if (n == NULL) {
			log_err("tpl: %s: out of memory", t->name);
			return NULL;
		}
		t->nodes = n;
		t->cap = cap;
	}
	n = &t->nodes[t->n++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->line = line;
	return n;
}

/*
 * Checks the name between p and end (surrounding spaces allowed) and
 * terminates it in place; the bytes after a name belong to the tag, never
 * to a text node, so writing the NUL there is safe.
 */
static const char *
tpl_name(char *p, char *end, const char **why)
{
	char *q;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (p == end) {
		*why = "empty name";
		return NULL;
	}
	for (q = p; q < end; q++) {
		if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || *q == '_' || *q == '.' ||
		    *q == '-')
			continue;
		*why = "a name may hold only letters, digits and _ . -";
		return NULL;
	}
	*end = '\0';
	return p;
}

/* The sections open while a template is parsed, innermost last. */
struct tpl_stack {
	size_t open[TPL_MAX_NEST]; /* node indexes */
	size_t depth;
};

/*
 * Adds the node of one tag named name, of kind sigil ('#', '^', '/', '>',
 * or any other for a variable; triple: {{{raw}}}), found on line. Returns
 * 0, or -1 after logging a syntax error.
 */
static int
tpl_tag(struct tpl *t, const char *dir, struct tpl_stack *st, char sigil,
    bool triple, const char *name, unsigned int line)
{
	struct node *n;

	switch (sigil) {
	case '#':
	case '^':
		if (st->depth == TPL_MAX_NEST) {
			tpl_syntax(dir, t, line,
			    "sections nested deeper than %d", TPL_MAX_NEST);
			return -1;
		}
		n = tpl_node(
		    t, sigil == '#' ? NODE_SECTION : NODE_INVERTED, line);
		if (n == NULL)
			return -1;
		st->open[st->depth++] = t->n - 1;
		break;
	case '/':
		if (st->depth == 0) {
			tpl_syntax(
			    dir, t, line, "{{/%s}} closes no section", name);
			return -1;
		}
		n = &t->nodes[st->open[st->depth - 1]];
		if (strcmp(n->s, name) != 0) {
			tpl_syntax(dir, t, line,
			    "{{/%s}} does not match the section "
			    "\"%s\" opened on line %u",
			    name, n->s, n->line);
			return -1;
		}
		st->depth--;
		n->end = t->n;
		break;
	case '>':
		if ((n = tpl_node(t, NODE_PARTIAL, line)) == NULL)
			return -1;
		break;
	default:
		n = tpl_node(t, triple ? NODE_RAW : NODE_VAR, line);
		if (n == NULL)
			return -1;
		break;
	}
	n->s = name;
	n->h = tpl_hash(name);
	return 0;
}

/* Parses t->src into t->nodes. Returns 0, or -1 after logging. */
static int
tpl_parse(struct tpl *t, const char *dir)
{
	struct tpl_stack st = { .depth = 0 };
	char *p = t->src, *end = t->src + t->srclen;
	char *tag, *body, *close, *next;
	const char *name, *why = NULL;
	unsigned int line = 1;
	struct node *n;
	bool triple;
	char sigil;

	while (p < end) {
		tag = memmem(p, (size_t)(end - p), "{{", 2);
		if (tag == NULL)
			tag = end;
		if (tag > p) {
			if ((n = tpl_node(t, NODE_TEXT, line)) == NULL)
				return -1;
			n->s = p;
			n->len = (size_t)(tag - p);
			line += tpl_lines(p, tag);
		}
		if (tag == end)
			break;

		triple = tag + 2 < end && tag[2] == '{';
		body = tag + (triple ? 3 : 2);
		close = memmem(body, (size_t)(end - body),
		    triple ? "}}}" : "}}", triple ? 3 : 2);
		if (close == NULL) {
			tpl_syntax(dir, t, line, "\"%s\" is never closed",
			    triple ? "{{{" : "{{");
			return -1;
		}
		next = close + (triple ? 3 : 2);
		sigil = triple ? '{' : *body;
		if (sigil == '!') {
			line += tpl_lines(tag, next);
			p = next;
			continue;
		}
		if (sigil == '#' || sigil == '^' || sigil == '/' ||
		    sigil == '>')
			body++;
		if ((name = tpl_name(body, close, &why)) == NULL) {
			tpl_syntax(dir, t, line, "%s", why);
			return -1;
		}

		if (tpl_tag(t, dir, &st, sigil, triple, name, line) == -1)
			return -1;
		p = next;
	}
	if (st.depth > 0) {
		n = &t->nodes[st.open[st.depth - 1]];
		tpl_syntax(
		    dir, t, n->line, "section \"%s\" is never closed", n->s);
		return -1;
	}
	return 0;
}

/*
 * Reads the regular file name of directory dfd into *src. Returns 0, 1
 * when the entry is not a regular file (skipped), or -1 after logging.
 */
static int
tpl_read(int dfd, const char *dir, const char *name, char **src, size_t *len)
{
	struct stat st;
	char *p = NULL;
	size_t got = 0;
	ssize_t r;
	int fd;

	/* O_NONBLOCK: a FIFO named like a template must not hang startup. */
	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		log_err("tpl: %s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		log_err("tpl: %s/%s: %s", dir, name, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 1;
	}
	if (st.st_size > TPL_MAX_FILE) {
		log_err("tpl: %s/%s: larger than %d bytes", dir, name,
		    TPL_MAX_FILE);
		goto fail;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		log_err("tpl: %s/%s: out of memory", dir, name);
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, p + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			log_err("tpl: %s/%s: %s", dir, name, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	p[got] = '\0';
	close(fd);
	*src = p;
	*len = got;
	return 0;
fail:
	free(p);
	close(fd);
	return -1;
}

static bool
tpl_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int
tpl_cmp(const void *a, const void *b)
{
	return strcmp(
	    ((const struct tpl *)a)->name, ((const struct tpl *)b)->name);
}

static const struct tpl *
tpl_find(const struct tpl_set *set, const char *name)
{
	struct tpl key;

	if (set == NULL || set->n == 0)
		return NULL;
	key.name = (char *)name;
	return bsearch(&key, set->tpl, set->n, sizeof(key), tpl_cmp);
}

/* Points every partial node at its template. Returns 0 or -1 (logged). */
static int
tpl_resolve(struct tpl_set *set, const char *dir)
{
	const struct tpl *found;
	char alt[256];
	size_t i, j;

	for (i = 0; i < set->n; i++) {
		struct tpl *t = &set->tpl[i];

		for (j = 0; j < t->n; j++) {
			struct node *n = &t->nodes[j];

			if (n->type != NODE_PARTIAL)
				continue;
			found = tpl_find(set, n->s);
			/* {{>header}} means the header of the same type. */
			if (found == NULL &&
			    (size_t)snprintf(alt, sizeof(alt), "%s%s", n->s,
				t->html ? ".html" : ".txt") < sizeof(alt))
				found = tpl_find(set, alt);
			if (found == NULL) {
				tpl_syntax(dir, t, n->line,
				    "unknown partial \"%s\"", n->s);
				return -1;
			}
			n->partial = (size_t)(found - set->tpl);
		}
	}
	return 0;
}

/*
 * Depth-first search over the partial graph; state is 0 unseen, 1 on the
 * current path, 2 finished. A partial that reaches a template on the path
 * is a cycle, which rendering could never leave.
 */
static int
tpl_visit(
    const struct tpl_set *set, size_t i, unsigned char *state, const char *dir)
{
	const struct tpl *t = &set->tpl[i];
	size_t j;

	state[i] = 1;
	for (j = 0; j < t->n; j++) {
		const struct node *n = &t->nodes[j];

		if (n->type != NODE_PARTIAL || state[n->partial] == 2)
			continue;
		if (state[n->partial] == 1) {
			tpl_syntax(dir, t, n->line,
			    "partial \"%s\" leads "
			    "back to this template (a cycle)",
			    n->s);
			return -1;
		}
		if (tpl_visit(set, n->partial, state, dir) == -1)
			return -1;
	}
	state[i] = 2;
	return 0;
}

static int
tpl_acyclic(const struct tpl_set *set, const char *dir)
{
	unsigned char *state;
	size_t i;
	int rc = 0;

	if (set->n == 0)
		return 0;
	if ((state = calloc(set->n, 1)) == NULL) {
		log_err("tpl: out of memory");
		return -1;
	}
	for (i = 0; i < set->n && rc == 0; i++)
		if (state[i] == 0)
			rc = tpl_visit(set, i, state, dir);
	free(state);
	return rc;
}

/* Adds the file name of dir to set. Returns 0 or -1 (logged). */
static int
tpl_add(struct tpl_set *set, int dfd, const char *dir, const char *name)
{
	struct tpl *t;
	char *src;
	size_t len;
	int r;

	if ((r = tpl_read(dfd, dir, name, &src, &len)) != 0)
		return r == 1 ? 0 : -1;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;

		t = reallocarray(set->tpl, cap, sizeof(*t));
		if (t == NULL) {
			log_err("tpl: out of memory");
			free(src);
			return -1;
		}
		set->tpl = t;
		set->cap = cap;
	}
	t = &set->tpl[set->n];
	memset(t, 0, sizeof(*t));
	t->src = src;
	t->srclen = len;
	t->html = tpl_suffix(name, ".html");
	if ((t->name = strdup(name)) == NULL) {
		log_err("tpl: out of memory");
		free(src);
		return -1;
	}
	set->n++;
	return tpl_parse(t, dir);
}

/*
 * Compiles every regular *.html and *.txt file of dir (names starting with
 * a dot are skipped, as a shell glob would). Returns the set, to be freed
 * with tpl_free(), or NULL after logging the file and line of the first
 * error.
 */
struct tpl_set *
tpl_load(const char *dir)
{
	struct tpl_set *set;
	struct dirent *de;
	DIR *d = NULL;

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		log_err("tpl: out of memory");
		return NULL;
	}
	if ((d = opendir(dir)) == NULL) {
		log_err("tpl: %s: %s", dir, strerror(errno));
		goto fail;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    (!tpl_suffix(de->d_name, ".html") &&
			!tpl_suffix(de->d_name, ".txt")))
			continue;
		if (tpl_add(set, dirfd(d), dir, de->d_name) == -1)
			goto fail;
	}
	if (errno != 0) {
		log_err("tpl: %s: %s", dir, strerror(errno));
		goto fail;
	}
	closedir(d);
	d = NULL;
	if (set->n > 0)
		qsort(set->tpl, set->n, sizeof(*set->tpl), tpl_cmp);
	if (tpl_resolve(set, dir) == -1 || tpl_acyclic(set, dir) == -1)
		goto fail;
	return set;
fail:
	if (d != NULL)
		closedir(d);
	tpl_free(set);
	return NULL;
}

/*
 * Frees the set and every template in it. NULL is ignored.
 */
void
tpl_free(struct tpl_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->tpl[i].name);
		free(set->tpl[i].src);
		free(set->tpl[i].nodes);
	}
	free(set->tpl);
	free(set);
}

/*
 * True when the set holds a template of that file name.
 */
bool
tpl_has(const struct tpl_set *set, const char *name)
{
	return tpl_find(set, name) != NULL;
}

/*
 * Rendering.
 */

/* The value of name (whose hash is h) in c or its nearest ancestor that
 * has one. */
static const struct val *
tpl_lookup(const struct tpl_ctx *c, const char *name, unsigned int h)
{
	const struct val *v;

	for (; c != NULL; c = c->parent)
		for (v = c->vals[h % TPL_BUCKETS]; v != NULL; v = v->next)
			if (v->h == h && strcmp(v->name, name) == 0)
				return v;
	return NULL;
}

const char *
tpl_get(const struct tpl_ctx *c, const char *name)
{
	const struct val *v = tpl_lookup(c, name, tpl_hash(name));

	return v != NULL && v->type == VAL_TEXT ? v->s : NULL;
}

/* Appends s, escaping & < > " ' when esc is set. */
static void
tpl_put(struct buf *out, const char *s, bool esc)
{
	const char *run = s, *rep;

	if (!esc) {
		buf_puts(out, s);
		return;
	}
	/* Runs without a special character are found by strcspn and copied
	 * whole. */
	for (;;) {
		s += strcspn(s, "&<>\"'");
		buf_append(out, run, (size_t)(s - run));
		switch (*s) {
		case '\0':
			return;
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		default: /* '\'' */
			rep = "&#39;";
			break;
		}
		buf_puts(out, rep);
		run = ++s;
	}
}

static void tpl_walk(const struct tpl_set *set, const struct tpl *t,
    size_t from, size_t to, const struct tpl_ctx *c, struct buf *out);

static void
tpl_put_val(const struct tpl_set *set, const struct tpl_ctx *c,
    struct buf *out, const struct val *v, bool esc)
{
	struct buf tmp;

	switch (v->type) {
	case VAL_TEXT:
	case VAL_HTML:
		tpl_put(out, v->s, esc);
		break;
	case VAL_BOOL:
		buf_puts(out, v->b ? "true" : "false");
		break;
	case VAL_LIST:
		break;
	case VAL_TPL:
		/* Straight into out: {{{name}}} (the layout's content) costs
		 * no copy. {{name}} escapes the rendering like any markup. */
		if (!esc) {
			tpl_walk(set, v->t, 0, v->t->n, c, out);
			break;
		}
		buf_init(&tmp, c->a);
		tpl_walk(set, v->t, 0, v->t->n, c, &tmp);
		tpl_put(out, tmp.data, true);
		break;
	}
}

/* Whether a section over v renders (once, for anything but a list). */
static bool
tpl_truthy(const struct val *v)
{
	if (v == NULL)
		return false;
	switch (v->type) {
	case VAL_TEXT:
	case VAL_HTML:
		return v->s[0] != '\0';
	case VAL_BOOL:
		return v->b;
	case VAL_LIST:
		return v->head != NULL;
	case VAL_TPL:
		return true;
	}
	return false;
}

/*
 * Renders nodes [from, to) of t. Recursion is bounded: sections nest at
 * most TPL_MAX_NEST deep per file and partials form no cycle.
 */
static void
tpl_walk(const struct tpl_set *set, const struct tpl *t, size_t from, size_t to,
    const struct tpl_ctx *c, struct buf *out)
{
	const struct tpl_ctx *row;
	const struct node *n;
	const struct val *v;
	const struct tpl *p;
	size_t i = from;

	while (i < to) {
		n = &t->nodes[i];
		switch (n->type) {
		case NODE_TEXT:
			buf_append(out, n->s, n->len);
			i++;
			break;
		case NODE_VAR:
		case NODE_RAW:
			if ((v = tpl_lookup(c, n->s, n->h)) != NULL)
				tpl_put_val(set, c, out, v,
				    t->html &&
					!(n->type == NODE_RAW &&
					    (v->type == VAL_HTML ||
						v->type == VAL_TPL)));
			i++;
			break;
		case NODE_SECTION:
		case NODE_INVERTED:
			v = tpl_lookup(c, n->s, n->h);
			if (n->type == NODE_SECTION && v != NULL &&
			    v->type == VAL_LIST) {
				for (row = v->head; row != NULL;
				     row = row->next)
					tpl_walk(
					    set, t, i + 1, n->end, row, out);
			} else if (tpl_truthy(v) == (n->type == NODE_SECTION))
				tpl_walk(set, t, i + 1, n->end, c, out);
			i = n->end;
			break;
		case NODE_PARTIAL:
			p = &set->tpl[n->partial];
			tpl_walk(set, p, 0, p->n, c, out);
			i++;
			break;
		}
	}
}

/*
 * Renders the template name with the values of c (NULL: none), appending
 * to out. Returns 0, or -1 when the set has no such template (out is left
 * as it was).
 */
int
tpl_render(const struct tpl_set *set, const char *name, const struct tpl_ctx *c,
    struct buf *out)
{
	const struct tpl *t;

	if ((t = tpl_find(set, name)) == NULL) {
		log_err("tpl: no template \"%s\"", name);
		return -1;
	}
	tpl_walk(set, t, 0, t->n, c, out);
	return 0;
}

/*
 * Contexts.
 */

/*
 * Returns a new root context with no values; it and everything set in it
 * live in a.
 */
struct tpl_ctx *
tpl_ctx_new(struct arena *a)
{
	struct tpl_ctx *c = arena_alloc(a, sizeof(*c));

	c->a = a;
	return c;
}

/* The value of name (hash h) in c itself (not its parents), or NULL. */
static struct val *
tpl_own(struct tpl_ctx *c, const char *name, unsigned int h)
{
	struct val *v;

	for (v = c->vals[h % TPL_BUCKETS]; v != NULL; v = v->next)
		if (v->h == h && strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

/* The slot for name in c, emptied and typed; made when missing. */
static struct val *
tpl_slot(struct tpl_ctx *c, const char *name, enum val_type type)
{
	unsigned int h = tpl_hash(name);
	struct val *v = tpl_own(c, name, h);

	if (v == NULL) {
		v = arena_alloc(c->a, sizeof(*v));
		v->name = arena_strdup(c->a, name);
		v->h = h;
		v->next = c->vals[h % TPL_BUCKETS];
		c->vals[h % TPL_BUCKETS] = v;
	}
	v->type = type;
	v->s = NULL;
	v->b = false;
	v->head = v->tail = NULL;
	v->t = NULL;
	return v;
}

static void
tpl_unset(struct tpl_ctx *c, const char *name)
{
	unsigned int h = tpl_hash(name);
	struct val **vp;

	for (vp = &c->vals[h % TPL_BUCKETS]; *vp != NULL; vp = &(*vp)->next)
		if ((*vp)->h == h && strcmp((*vp)->name, name) == 0) {
			*vp = (*vp)->next;
			return;
		}
}

/*
 * Sets name to a copy of value in c, replacing any earlier value; NULL
 * removes name from c.
 */
void
tpl_set(struct tpl_ctx *c, const char *name, const char *value)
{
	if (value == NULL) {
		tpl_unset(c, name);
		return;
	}
	tpl_slot(c, name, VAL_TEXT)->s = arena_strdup(c->a, value);
}

/*
 * Sets name to the printf-style formatting of fmt.
 */
void
tpl_setf(struct tpl_ctx *c, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = arena_vprintf(c->a, fmt, ap);
	va_end(ap);
	tpl_slot(c, name, VAL_TEXT)->s = s;
}

/*
 * Sets name to a copy of markup the program built itself; NULL removes
 * name.
 */
void
tpl_set_html(struct tpl_ctx *c, const char *name, const char *html)
{
	if (html == NULL) {
		tpl_unset(c, name);
		return;
	}
	tpl_slot(c, name, VAL_HTML)->s = arena_strdup(c->a, html);
}

/*
 * Sets name to the template file of set, rendered in its place with the
 * context it is met in (as a partial). Returns 0, or -1 (name unchanged)
 * when set has no such template.
 */
int
tpl_set_template(struct tpl_ctx *c, const char *name,
    const struct tpl_set *set, const char *file)
{
	const struct tpl *t = tpl_find(set, file);

	if (t == NULL) {
		log_err("tpl: no template \"%s\"", file);
		return -1;
	}
	tpl_slot(c, name, VAL_TPL)->t = t;
	return 0;
}

/*
 * Sets name to the boolean v.
 */
void
tpl_set_bool(struct tpl_ctx *c, const char *name, bool v)
{
	tpl_slot(c, name, VAL_BOOL)->b = v;
}

/*
 * Appends a new empty row to the list name of c (making name a list when
 * it is not one) and returns the row; its parent is c.
 */
struct tpl_ctx *
tpl_add_row(struct tpl_ctx *c, const char *name)
{
	struct tpl_ctx *row;
	struct val *v = tpl_own(c, name, tpl_hash(name));

	if (v == NULL || v->type != VAL_LIST)
		v = tpl_slot(c, name, VAL_LIST);
	row = arena_alloc(c->a, sizeof(*row));
	row->a = c->a;
	row->parent = c;
	if (v->tail != NULL)
		v->tail->next = row;
	else
		v->head = row;
	v->tail = row;
	return row;
}

/*
 * Makes name an empty list in c, dropping any rows it had.
 */
void
tpl_set_list(struct tpl_ctx *c, const char *name)
{
	tpl_slot(c, name, VAL_LIST);
}
