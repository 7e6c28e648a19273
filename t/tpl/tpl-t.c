/*
 * Tests for src/tpl/tpl.c: syntax, escaping, sections, partials, load
 * errors with their file and line, a large list, and the real page layout
 * in templates/layout.html.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tpl/tpl.h"
#include "util/arena.h"
#include "util/buf.h"

struct file {
	const char *name;
	const char *text;
};

static struct arena *A;

static char *
tmpdir(void)
{
	char tmpl[] = "/tmp/tpl-t.XXXXXX";

	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	return arena_strdup(A, tmpl);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char *path = arena_printf(A, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Removes dir, its files and its empty subdirectories. */
static void
rmtree(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char *path;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		path = arena_printf(A, "%s/%s", dir, de->d_name);
		if (unlink(path) == -1)
			rmdir(path);
	}
	closedir(d);
	rmdir(dir);
}

/* tpl_load(dir) with stderr captured into *log (when log is not NULL). */
static struct tpl_set *
load_dir(const char *dir, const char **log)
{
	struct tpl_set *set;
	char tmpl[] = "/tmp/tpl-t-log.XXXXXX";
	struct buf b;
	char chunk[512];
	ssize_t n;
	int fd, saved;

	if (log == NULL)
		return tpl_load(dir);
	if ((fd = mkstemp(tmpl)) == -1 || (saved = dup(2)) == -1) {
		perror("capture");
		exit(1);
	}
	unlink(tmpl);
	fflush(stderr);
	dup2(fd, 2);
	set = tpl_load(dir);
	dup2(saved, 2);
	close(saved);
	buf_init(&b, A);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(fd);
	*log = b.data;
	return set;
}

/* Writes files into a fresh directory, loads it and removes it again. */
static struct tpl_set *
load(const struct file *f, const char **log)
{
	struct tpl_set *set;
	char *dir = tmpdir();

	for (; f->name != NULL; f++)
		put(dir, f->name, f->text);
	set = load_dir(dir, log);
	rmtree(dir);
	return set;
}

static const char *
render(const struct tpl_set *set, const char *name, const struct tpl_ctx *c)
{
	struct buf b;

	buf_init(&b, A);
	if (tpl_render(set, name, c, &b) == -1)
		return "(render failed)";
	return b.data;
}

/* Loads one template and renders it with c. */
static const char *
one(const char *name, const char *text, const struct tpl_ctx *c)
{
	struct file f[] = { { name, text }, { NULL, NULL } };
	struct tpl_set *set = load(f, NULL);
	const char *out;

	if (set == NULL)
		return "(load failed)";
	out = render(set, name, c);
	tpl_free(set);
	return out;
}

static void
test_text_and_vars(void)
{
	struct tpl_ctx *c = tpl_ctx_new(A);

	is_string("Hello, world.\nSecond line.\n",
	    one("a.html", "Hello, world.\nSecond line.\n", NULL),
	    "plain text is copied as is");
	is_string("", one("a.html", "", NULL), "an empty file renders nothing");
	is_string("  {  } }} {x}  ", one("a.html", "  {  } }} {x}  ", NULL),
	    "lone braces are text");
	tpl_set(c, "name", "Ada");
	is_string("Hi Ada!", one("a.html", "Hi {{name}}!", c), "a variable");
	is_string("Ada|Ada|Ada",
	    one("a.html", "{{ name }}|{{\tname\t}}|{{name  }}", c),
	    "spaces and tabs around a name");
	is_string("[]", one("a.html", "[{{nope}}]", c),
	    "a missing name renders as the empty string");
	is_string("[]", one("a.html", "[{{{nope}}}]", c),
	    "a missing raw name renders as the empty string");
	is_string("[Ada]", one("a.html", "[{{nope}}{{name}}{{nope}}]", c),
	    "missing names between text");
	is_string("[]", one("a.html", "[{{name}}]", NULL),
	    "a NULL context has no names");
	is_string("ab",
	    one("a.html", "a{{! a comment with <tags> & {braces} }}b", c),
	    "a comment renders nothing");
	is_string("a\nb", one("a.html", "a{{!\nmulti\nline\n}}\nb", c),
	    "a multi-line comment renders nothing");

	tpl_set(c, "name", "Grace");
	is_string("Grace", one("a.html", "{{name}}", c),
	    "setting a name twice replaces the value");
	tpl_set(c, "name", NULL);
	is_string("[]", one("a.html", "[{{name}}]", c),
	    "tpl_set with NULL removes the name");
	tpl_set_html(c, "h", "<b>");
	tpl_set_html(c, "h", NULL);
	is_string("[]", one("a.html", "[{{{h}}}]", c),
	    "tpl_set_html with NULL removes the name");
	tpl_setf(c, "n", "%d items of %s", 3, "<x>");
	is_string("3 items of &lt;x&gt;", one("a.html", "{{n}}", c),
	    "tpl_setf formats, and its value is escaped");
	tpl_set_bool(c, "t", true);
	tpl_set_bool(c, "f", false);
	is_string("true/false", one("a.html", "{{t}}/{{f}}", c),
	    "booleans render as true and false");
	tpl_set(c, "dotted.name-x_1", "ok");
	is_string("ok", one("a.html", "{{dotted.name-x_1}}", c),
	    "names may hold letters, digits, dots, dashes and underscores");
}

static void
test_escaping(void)
{
	struct tpl_ctx *c = tpl_ctx_new(A);
	static const struct {
		const char *in, *out;
	} one_char[] = {
		{ "&", "[&amp;]" },
		{ "<", "[&lt;]" },
		{ ">", "[&gt;]" },
		{ "\"", "[&quot;]" },
		{ "'", "[&#39;]" },
	};
	size_t i;

	for (i = 0; i < sizeof(one_char) / sizeof(one_char[0]); i++) {
		tpl_set(c, "x", one_char[i].in);
		is_string(one_char[i].out, one("a.html", "[{{x}}]", c),
		    "html escapes %s in text", one_char[i].in);
		tpl_set(c, "x", one_char[i].in);
		is_string(arena_printf(A, "<a title=\"%s\">", one_char[i].out),
		    one("a.html", "<a title=\"[{{x}}]\">", c),
		    "html escapes %s inside an attribute", one_char[i].in);
	}
	tpl_set(c, "x", "a&b<c>d\"e'f&amp;");
	is_string("a&amp;b&lt;c&gt;d&quot;e&#39;f&amp;amp;",
	    one("a.html", "{{x}}", c), "all five together; & is escaped again");
	tpl_set(c, "x", "\"><script>alert('x')</script>");
	is_string("<a title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)"
		  "&lt;/script&gt;\" "
		  "href='/u/&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)"
		  "&lt;/script&gt;'>",
	    one("a.html", "<a title=\"{{x}}\" href='/u/{{x}}'>", c),
	    "an attribute value cannot be broken out of");
	tpl_set(c, "x", "héllo ☃");
	is_string("héllo ☃", one("a.html", "{{x}}", c),
	    "UTF-8 passes through unchanged");

	tpl_set_html(c, "h", "<b class=\"x\">hi</b>");
	is_string("<b class=\"x\">hi</b>", one("a.html", "{{{h}}}", c),
	    "{{{x}}} is raw for a value set with tpl_set_html");
	is_string("<b class=\"x\">hi</b>", one("a.html", "{{{ h }}}", c),
	    "{{{ x }}} with spaces");
	is_string("&lt;b class=&quot;x&quot;&gt;hi&lt;/b&gt;",
	    one("a.html", "{{h}}", c),
	    "{{x}} escapes even tpl_set_html values");
	tpl_set(c, "u", "<script>alert(1)</script>");
	is_string("&lt;script&gt;alert(1)&lt;/script&gt;",
	    one("a.html", "{{{u}}}", c),
	    "{{{x}}} escapes a value set with tpl_set: "
	    "no unescaping user input");
	tpl_setf(c, "u", "<i>%s</i>", "f");
	is_string("&lt;i&gt;f&lt;/i&gt;", one("a.html", "{{{u}}}", c),
	    "{{{x}}} escapes a value set with tpl_setf");
	tpl_set_html(c, "u", "<i>ok</i>");
	tpl_set(c, "u", "<i>user</i>");
	is_string("&lt;i&gt;user&lt;/i&gt;", one("a.html", "{{{u}}}", c),
	    "replacing an html value with tpl_set makes it escaped again");

	tpl_set(c, "x", "<a href='x'>&\"");
	tpl_set_html(c, "h", "<b>");
	is_string("<a href='x'>&\" <a href='x'>&\" <b>\n",
	    one("mail.txt", "{{x}} {{{x}}} {{{h}}}\n", c),
	    ".txt templates do not escape");
}

static void
test_sections(void)
{
	struct tpl_ctx *c = tpl_ctx_new(A), *r, *org, *m;
	const char *people =
	    "{{#people}}<li>{{name}} ({{org}})</li>{{/people}}";

	tpl_set(c, "org", "Acme & Co");
	r = tpl_add_row(c, "people");
	tpl_set(r, "name", "Ann");
	r = tpl_add_row(c, "people");
	tpl_set(r, "name", "<Bob>");
	r = tpl_add_row(c, "people");
	tpl_set(r, "name", "Cy");
	tpl_set(r, "org", "Other");
	is_string("<li>Ann (Acme &amp; Co)</li><li>&lt;Bob&gt; (Acme &amp; Co)"
		  "</li><li>Cy (Other)</li>",
	    one("a.html", people, c),
	    "a list renders each row in order, with parent lookup and "
	    "a row's own value first");
	is_string("", one("a.html", "{{^people}}none{{/people}}", c),
	    "an inverted section over a non-empty list renders nothing");
	is_string("Acme &amp; Co",
	    one("a.html", "{{#people}}{{/people}}{{org}}", c),
	    "a row's value does not leak out of the section");

	tpl_set_list(c, "people");
	is_string("[]",
	    one("a.html",
		"["
		"{{#people}}x{{/people}}"
		"]",
		c),
	    "tpl_set_list empties a list");
	is_string("none",
	    one("a.html", "{{#people}}x{{/people}}{{^people}}none{{/people}}",
		c),
	    "an empty list renders its inverted section");
	is_string("none",
	    one("a.html", "{{^absent}}none{{/absent}}{{#absent}}x{{/absent}}",
		c),
	    "an absent name renders its inverted section only");

	tpl_set_bool(c, "yes", true);
	tpl_set_bool(c, "no", false);
	is_string("[Y:Acme &amp; Co]",
	    one("a.html", "[{{#yes}}Y:{{org}}{{/yes}}{{#no}}N{{/no}}]", c),
	    "a true boolean renders once with the current context; "
	    "false not at all");
	is_string("[N]", one("a.html", "[{{^yes}}Y{{/yes}}{{^no}}N{{/no}}]", c),
	    "inverted booleans");
	tpl_set(c, "s", "text");
	tpl_set(c, "e", "");
	is_string("[text]",
	    one("a.html", "[{{#s}}{{s}}{{/s}}{{#e}}E{{/e}}]", c),
	    "a non-empty string renders once; an empty one not at all");
	is_string("[E]", one("a.html", "[{{^s}}S{{/s}}{{^e}}E{{/e}}]", c),
	    "inverted strings");
	tpl_set_html(c, "hs", "<p>");
	is_string("[H]", one("a.html", "[{{#hs}}H{{/hs}}]", c),
	    "a non-empty html value renders its section");
	tpl_set(c, "s", "again");
	r = tpl_add_row(c, "s");
	tpl_set(r, "v", "row");
	is_string("row", one("a.html", "{{#s}}{{v}}{{/s}}", c),
	    "tpl_add_row turns a string into a list");
	r = tpl_add_row(c, "s");
	tpl_set(r, "v", "2");
	is_string("row2", one("a.html", "{{#s}}{{v}}{{/s}}", c),
	    "tpl_add_row on a list appends");
	is_string("xx",
	    one("a.html", "{{#yes}}{{#yes}}x{{/yes}}{{/yes}}{{#yes}}x{{/yes}}",
		c),
	    "a section nested in a section of the same name");

	/* Lists within rows of lists; names resolve through two parents. */
	c = tpl_ctx_new(A);
	tpl_set(c, "title", "T");
	org = tpl_add_row(c, "orgs");
	tpl_set(org, "name", "acme");
	m = tpl_add_row(org, "members");
	tpl_set(m, "email", "a@x");
	m = tpl_add_row(org, "members");
	tpl_set(m, "email", "b@x");
	tpl_set(m, "name", "Bee");
	org = tpl_add_row(c, "orgs");
	tpl_set(org, "name", "empty");
	tpl_set_list(org, "members");
	org = tpl_add_row(c, "orgs");
	tpl_set(org, "name", "no-list");
	is_string("[acme:a@x/acme/T,b@x/Bee/T,][empty:none][no-list:none]",
	    one("a.html",
		"{{#orgs}}[{{name}}:{{#members}}{{email}}/{{name}}/{{title}},"
		"{{/members}}{{^members}}none{{/members}}]{{/orgs}}",
		c),
	    "nested sections");
	is_string("", one("a.html", "{{#members}}x{{/members}}", c),
	    "a row's list is not visible from the root");
}

static void
test_partials(void)
{
	struct tpl_ctx *c = tpl_ctx_new(A), *r;
	struct tpl_set *set;
	struct file f[] = {
		{ "page.html",
		    "<h1>{{title}}</h1>{{>part.html}}|{{> part }}|"
		    "<ul>{{#rows}}{{>row.html}}{{/rows}}</ul>" },
		{ "part.html", "<p>{{title}}</p>" },
		{ "row.html", "<li>{{v}}/{{title}}</li>" },
		{ "mixed.html", "{{>plain.txt}}|{{x}}" },
		{ "plain.txt", "{{x}}" },
		{ "mail.txt", "{{>esc.html}}|{{x}}|{{>plain}}" },
		{ "esc.html", "{{x}}" },
		{ "a.html", "a{{>b.html}}{{>c.html}}" },
		{ "b.html", "b{{>d.html}}" },
		{ "c.html", "c{{>d.html}}" },
		{ "d.html", "d{{>e.html}}" },
		{ "e.html", "e" },
		{ NULL, NULL },
	};

	tpl_set(c, "title", "<T>");
	tpl_set(c, "x", "<&>");
	r = tpl_add_row(c, "rows");
	tpl_set(r, "v", "1");
	r = tpl_add_row(c, "rows");
	tpl_set(r, "v", "2");
	if ((set = load(f, NULL)) == NULL) {
		ok(false, "a set with partials loads");
		return;
	}
	ok(true, "a set with partials loads");
	is_string("<h1>&lt;T&gt;</h1><p>&lt;T&gt;</p>|<p>&lt;T&gt;</p>|"
		  "<ul><li>1/&lt;T&gt;</li><li>2/&lt;T&gt;</li></ul>",
	    render(set, "page.html", c),
	    "partials render in place, by file name or without extension, "
	    "with the current row as context");
	is_string("<&>|&lt;&amp;&gt;", render(set, "mixed.html", c),
	    "a .txt partial in a .html file does not escape");
	is_string("&lt;&amp;&gt;|<&>|<&>", render(set, "mail.txt", c),
	    "a .html partial in a .txt file escapes");
	is_string("abdecde", render(set, "a.html", c),
	    "a partial used twice along different paths is no cycle");
	is_string(
	    "e", render(set, "e.html", c), "a leaf partial renders alone");
	ok(tpl_has(set, "part.html"), "tpl_has finds a template");
	ok(!tpl_has(set, "part"), "tpl_has needs the extension");
	ok(!tpl_has(set, "nope.html"), "tpl_has of an unknown name");
	ok(!tpl_has(NULL, "page.html"), "tpl_has of a NULL set");
	tpl_free(set);
}

static void
test_render_api(void)
{
	struct tpl_ctx *c = tpl_ctx_new(A);
	struct tpl_set *set;
	struct buf b;
	struct file f[] = {
		{ "a.html", "<p>{{x}}</p>" },
		{ NULL, NULL },
	};
	const char *log = NULL;

	tpl_set(c, "x", "1");
	if ((set = load(f, NULL)) == NULL) {
		ok(false, "loads");
		return;
	}
	buf_init(&b, A);
	buf_puts(&b, "head:");
	is_int(0, tpl_render(set, "a.html", c, &b), "tpl_render returns 0");
	is_int(0, tpl_render(set, "a.html", c, &b), "and again");
	is_string("head:<p>1</p><p>1</p>", b.data,
	    "rendering appends and gives the same output every time");
	buf_clear(&b);
	is_int(-1, tpl_render(set, "nope.html", c, &b),
	    "tpl_render of an unknown name is -1");
	is_int(-1, tpl_render(set, "a", c, &b),
	    "tpl_render of a name without its extension is -1");
	is_int(0, (long long)b.len, "a failed render writes nothing");
	tpl_free(set);
	tpl_free(NULL);

	/* Heap-backed output buffer. */
	if ((set = load(f, NULL)) != NULL) {
		buf_init(&b, NULL);
		tpl_render(set, "a.html", c, &b);
		is_string("<p>1</p>", b.data, "rendering into a heap buffer");
		buf_free(&b);
		tpl_free(set);
	} else
		ok(false, "rendering into a heap buffer");

	ok(load_dir("/nonexistent/tpl-t", &log) == NULL,
	    "a missing directory is a load error");
	contains(log, "/nonexistent/tpl-t", "and it is logged");
}

static void
test_loading(void)
{
	struct tpl_set *set;
	char *dir = tmpdir(), *path, *big;
	const char *log = NULL;
	size_t n = 1024 * 1024 + 1;

	put(dir, "good.html", "good");
	put(dir, "mail.txt", "mail");
	put(dir, "notes.md", "{{ not a template");
	put(dir, "x.htm", "{{#unclosed}}");
	put(dir, "x.html~", "{{#unclosed}}");
	put(dir, ".hidden.html", "{{#unclosed}}");
	path = arena_printf(A, "%s/sub.html", dir);
	mkdir(path, 0700);
	path = arena_printf(A, "%s/pipe.html", dir);
	mkfifo(path, 0600);
	set = load_dir(dir, &log);
	ok(set != NULL,
	    "other files, dot files, directories and FIFOs are "
	    "skipped (load did not block or fail)");
	ok(tpl_has(set, "good.html") && tpl_has(set, "mail.txt"),
	    "*.html and *.txt are loaded");
	ok(!tpl_has(set, "notes.md") && !tpl_has(set, "x.htm") &&
		!tpl_has(set, ".hidden.html") && !tpl_has(set, "sub.html") &&
		!tpl_has(set, "pipe.html") && !tpl_has(set, "x.html~"),
	    "and nothing else");
	is_string(
	    "mail", render(set, "mail.txt", NULL), "a .txt template renders");
	tpl_free(set);

	/* One broken template spoils the whole set. */
	put(dir, "broken.html", "{{#a}}");
	ok(load_dir(dir, &log) == NULL,
	    "a bad template among good ones fails the load");
	contains(log, "broken.html:1", "and names the file and line");
	rmtree(dir);

	dir = tmpdir();
	set = load_dir(dir, &log);
	ok(set != NULL && !tpl_has(set, "a.html"),
	    "an empty directory gives an empty set");
	is_string("(render failed)", render(set, "a.html", NULL),
	    "rendering from an empty set fails");
	tpl_free(set);

	big = arena_alloc(A, n + 1);
	memset(big, 'x', n);
	put(dir, "big.html", big);
	ok(load_dir(dir, &log) == NULL, "a file over 1 MiB is refused");
	contains(log, "big.html", "and logged");
	rmtree(dir);
}

static void
test_syntax_errors(void)
{
	static const struct {
		const char *text, *where, *what;
	} bad[] = {
		{ "ok\n{{name", "bad.html:2:", "unclosed {{" },
		{ "a\nb\n{{{raw}}\n", "bad.html:3:", "unclosed {{{ (only }})" },
		{ "{{{raw}} }", "bad.html:1:", "{{{ closed by }} }" },
		{ "{{#a}}\nx\n", "bad.html:1:", "unclosed section" },
		{ "{{#a}}{{#b}}{{/b}}",
		    "bad.html:1:", "unclosed outer section" },
		{ "{{^a}}\n", "bad.html:1:", "unclosed inverted section" },
		{ "{{#a}}\n{{/b}}", "bad.html:2:", "mismatched {{/x}}" },
		{ "{{#a}}{{#b}}{{/a}}{{/b}}",
		    "bad.html:1:", "crossed sections" },
		{ "\n\n{{/a}}", "bad.html:3:", "{{/x}} closing nothing" },
		{ "{{}}", "bad.html:1:", "empty name" },
		{ "{{ }}", "bad.html:1:", "blank name" },
		{ "{{#}}{{/}}", "bad.html:1:", "empty section name" },
		{ "{{^ }}", "bad.html:1:", "empty inverted name" },
		{ "{{/}}", "bad.html:1:", "empty close name" },
		{ "{{>}}", "bad.html:1:", "empty partial name" },
		{ "{{{}}}", "bad.html:1:", "empty raw name" },
		{ "{{{ }}}", "bad.html:1:", "blank raw name" },
		{ "{{a b}}", "bad.html:1:", "space inside a name" },
		{ "{{a<b}}", "bad.html:1:", "< in a name" },
		{ "{{a/b}}", "bad.html:1:", "/ in a name" },
		{ "{{a}b}}", "bad.html:1:", "} in a name" },
		{ "{{ #a}}{{/a}}", "bad.html:1:", "space before the sigil" },
		{ "{{&a}}", "bad.html:1:", "& is not a sigil" },
		{ "{{a\n}}", "bad.html:1:", "newline inside a tag" },
		{ "{{a {{b}}", "bad.html:1:", "tag inside a tag" },
		{ "{{{{a}}}}", "bad.html:1:", "four braces" },
		{ "{{! comment\nover lines }}\n{{bad name}}",
		    "bad.html:3:", "line numbers count lines inside comments" },
		{ "{{#a}}\n{{b}}\n{{/a}}\n{{x y}}",
		    "bad.html:4:", "line numbers after a section" },
		{ "x\n{{>missing.html}}", "bad.html:2:", "unknown partial" },
		{ "{{>missing}}",
		    "bad.html:1:", "unknown partial without extension" },
		{ "{{>bad.html}}",
		    "bad.html:1:", "a template including itself" },
		{ "{{>bad}}", "bad.html:1:", "itself without extension" },
		{ "{{#a}}{{>bad.html}}{{/a}}",
		    "bad.html:1:", "itself inside a section" },
	};
	struct file f[] = { { "bad.html", NULL }, { NULL, NULL } };
	struct buf deep;
	const char *log;
	size_t i;
	int k;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		log = "";
		f[0].text = bad[i].text;
		ok(load(f, &log) == NULL, "syntax error: %s", bad[i].what);
		contains(log, bad[i].where, "logged with file and line: %s",
		    bad[i].where);
	}

	buf_init(&deep, A);
	for (k = 0; k < 32; k++)
		buf_puts(&deep, "{{#a}}");
	for (k = 0; k < 32; k++)
		buf_puts(&deep, "{{/a}}");
	f[0].text = deep.data;
	{
		struct tpl_set *set = load(f, NULL);
		struct tpl_ctx *c = tpl_ctx_new(A);

		ok(set != NULL, "sections nest 32 deep");
		tpl_set_bool(c, "a", true);
		is_string("", render(set, "bad.html", c), "and render");
		tpl_free(set);
	}
	buf_clear(&deep);
	for (k = 0; k < 33; k++)
		buf_puts(&deep, "{{#a}}");
	for (k = 0; k < 33; k++)
		buf_puts(&deep, "{{/a}}");
	f[0].text = deep.data;
	ok(load(f, &log) == NULL, "sections nested 33 deep are refused");
	contains(log, "bad.html:1:", "and logged");
}

static void
test_cycles(void)
{
	struct file two[] = {
		{ "a.html", "A{{>b.html}}" },
		{ "b.html", "B\n{{#x}}{{>a.html}}{{/x}}" },
		{ NULL, NULL },
	};
	struct file three[] = {
		{ "a.txt", "{{>b}}" },
		{ "b.txt", "{{>c}}" },
		{ "c.txt", "{{>a.txt}}" },
		{ "ok.html", "fine" },
		{ NULL, NULL },
	};
	const char *log = "";

	ok(load(two, &log) == NULL,
	    "a partial cycle of two templates is a "
	    "load error");
	contains(log, "cycle", "and logged as a cycle");
	contains(log, ".html:", "with file and line");
	ok(load(three, &log) == NULL,
	    "a partial cycle of three .txt "
	    "templates is a load error");
	contains(log, "cycle", "and logged as a cycle");
}

static void
test_large_list(void)
{
	struct tpl_ctx *c = tpl_ctx_new(A), *r;
	struct buf want;
	const char *got;
	int i;

	buf_init(&want, A);
	buf_puts(&want, "<ul>\n");
	for (i = 0; i < 10000; i++) {
		r = tpl_add_row(c, "rows");
		tpl_setf(r, "i", "%d", i);
		tpl_setf(r, "name", "n<%d>&", i);
		buf_printf(&want,
		    "<li data-i=\"%d\">n&lt;%d&gt;&amp; of T</li>\n", i, i);
	}
	buf_puts(&want, "</ul>\n");
	tpl_set(c, "t", "T");
	got = one("list.html",
	    "<ul>\n{{#rows}}<li data-i=\"{{i}}\">{{name}} "
	    "of {{t}}</li>\n{{/rows}}</ul>\n",
	    c);
	is_int((long long)want.len, (long long)strlen(got),
	    "10,000 rows: the output has the expected length");
	ok(strcmp(want.data, got) == 0, "10,000 rows render in order, escaped");
}

/* Where the source tree is: $ROSTER_SRCDIR, the build's, or ".". */
static const char *
srcdir(void)
{
	const char *s = getenv("ROSTER_SRCDIR");

	if (s != NULL && *s != '\0')
		return s;
#ifdef TPL_T_SRCDIR
	return TPL_T_SRCDIR;
#else
	return ".";
#endif
}

static char *
slurp(const char *path)
{
	struct buf b;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd == -1)
		return NULL;
	buf_init(&b, A);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(fd);
	return b.data;
}

/* Whether html holds an event handler attribute such as onclick=. */
static bool
has_handler(const char *html)
{
	const char *p, *q;

	for (p = html; (p = strstr(p, " on")) != NULL; p += 3) {
		for (q = p + 3; *q >= 'a' && *q <= 'z'; q++)
			;
		if (q > p + 3 && *q == '=')
			return true;
	}
	return false;
}

static void
test_layout(void)
{
	const char *real = arena_printf(A, "%s/templates", srcdir());
	struct tpl_set *set;
	struct tpl_ctx *c;
	const char *log = "", *out, *text;
	char *dir;

	text = slurp(arena_printf(A, "%s/layout.html", real));
	if (text == NULL) {
		ok(false, "%s/layout.html is readable", real);
		return;
	}
	if ((set = load_dir(real, &log)) == NULL) {
		diag("%s does not load (%s); checking layout.html alone", real,
		    log);
		dir = tmpdir();
		put(dir, "layout.html", text);
		set = load_dir(dir, &log);
		rmtree(dir);
	}
	if (!ok(set != NULL && tpl_has(set, "layout.html"),
		"templates/layout.html loads")) {
		diag("%s", log);
		return;
	}

	/* Signed in, a platform admin, with a flash. */
	c = tpl_ctx_new(A);
	tpl_set(c, "page", "org-members");
	tpl_set(c, "title", "Members of <Acme>");
	tpl_set_html(c, "content", "<h1 id=\"x\">Members</h1>");
	tpl_set(c, "flash", "invitation-sent");
	tpl_set(c, "flash_text", "Invitation sent to a&b.");
	tpl_set_bool(c, "signed_in", true);
	tpl_set(c, "user_email", "ann@example.com");
	tpl_set(c, "user_name", "Ann <script>alert(1)</script>");
	tpl_set_bool(c, "user_named", true); /* a name other than the address */
	tpl_set(c, "csrf_token", "tok_\"en");
	tpl_set_bool(c, "is_platform_admin", true);
	out = render(set, "layout.html", c);
	ok(strncmp(out, "<!doctype html>", 15) == 0, "starts with the doctype");
	contains(out, "<html lang=\"en\">", "html lang");
	contains(out, "<meta charset=\"utf-8\">", "charset");
	contains(out,
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">",
	    "viewport");
	contains(out, "<title>Members of &lt;Acme&gt; · Roster</title>",
	    "the title, escaped");
	contains(out, "<link rel=\"stylesheet\" href=\"/static/style.css\">",
	    "the stylesheet");
	contains(out, "<body data-page=\"org-members\">", "data-page");
	contains(out, "<a class=\"brand\" href=\"/\">Roster</a>",
	    "the product name links home");
	contains(out, "<a href=\"/\">Dashboard</a>", "Dashboard link");
	contains(out, "<a href=\"/me/invitations\">Invitations</a>",
	    "Invitations link");
	contains(out, "<a href=\"/admin\">Admin</a>",
	    "Admin link for a platform admin");
	contains(out, "Ann &lt;script&gt;alert(1)&lt;/script&gt;",
	    "the user's name, escaped");
	contains(out, "ann@example.com", "the user's email");
	contains(out,
	    "<form method=\"post\" action=\"/logout\"><input "
	    "type=\"hidden\" name=\"csrf_token\" value=\"tok_&quot;en\">"
	    "<button type=\"submit\">Sign out</button></form>",
	    "the sign-out form with the CSRF token");
	contains(out,
	    "<div class=\"flash\" data-flash=\"invitation-sent\" "
	    "role=\"status\">Invitation sent to a&amp;b.</div>",
	    "the flash message");
	contains(
	    out, "<main><h1 id=\"x\">Members</h1></main>", "the content, raw");
	contains(out, "<footer", "a footer");
	ok(strstr(out, "href=\"/login\"") == NULL &&
		strstr(out, "href=\"/signup\"") == NULL,
	    "no sign-in links when signed in");
	ok(strstr(out, "<script") == NULL, "no script element");
	ok(strstr(text, "<script") == NULL && strstr(text, "<style") == NULL &&
		strstr(text, "style=") == NULL && !has_handler(text),
	    "the layout has no script, no inline style and no handlers");
	ok(strstr(text, "http://") == NULL &&
		strstr(text, "https://") == NULL && strstr(text, "//") == NULL,
	    "the layout loads nothing external");

	/* Signed in, not an admin, no flash. */
	tpl_set_bool(c, "is_platform_admin", false);
	tpl_set(c, "flash", NULL);
	out = render(set, "layout.html", c);
	ok(strstr(out, "/admin") == NULL, "no Admin link for others");
	ok(strstr(out, "class=\"flash\"") == NULL &&
		strstr(out, "data-flash") == NULL,
	    "no flash element without a flash");

	/* Signed out. */
	c = tpl_ctx_new(A);
	tpl_set(c, "page", "login");
	tpl_set(c, "title", "Sign in");
	tpl_set(c, "content", "<p>user text</p>");
	out = render(set, "layout.html", c);
	contains(
	    out, "<body data-page=\"login\">", "data-page when signed out");
	contains(out, "href=\"/login\">Sign in</a>", "Sign in link");
	contains(out, "href=\"/signup\">Sign up</a>", "Sign up link");
	ok(strstr(out, "/logout") == NULL && strstr(out, "Dashboard") == NULL &&
		strstr(out, "/me/invitations") == NULL,
	    "no account links when signed out");
	ok(strstr(out, "data-flash") == NULL, "no flash when signed out");
	contains(out, "<main>&lt;p&gt;user text&lt;/p&gt;</main>",
	    "content not set with tpl_set_html is escaped");
	tpl_free(set);
}

/* tpl_set_template: a page rendered in place of a layout's slot, with the
 * context the slot stands in, escaped by its own file type. */
static void
test_set_template(void)
{
	struct file f[] = {
		{ "layout.html", "<main>{{{content}}}</main>|{{content}}|"
				 "{{#content}}yes{{/content}}" },
		{ "page.html", "<p>{{name}}</p>" },
		{ "other.html", "<i>{{name}}</i>" },
		{ NULL, NULL },
	};
	struct tpl_set *set = load(f, NULL);
	struct tpl_ctx *c = tpl_ctx_new(A);

	if (!ok(set != NULL, "templates for tpl_set_template load"))
		return;
	tpl_set(c, "name", "a<b");
	is_int(0, tpl_set_template(c, "content", set, "page.html"),
	    "tpl_set_template finds page.html");
	is_string("<main><p>a&lt;b</p></main>|&lt;p&gt;a&amp;lt;b&lt;/p&gt;|yes",
	    render(set, "layout.html", c),
	    "{{{x}}} renders the template in place (its own values escaped), "
	    "{{x}} escapes its rendering, a section over it renders");
	is_int(-1, tpl_set_template(c, "content", set, "missing.html"),
	    "a missing template is refused");
	is_string("<main><p>a&lt;b</p></main>|&lt;p&gt;a&amp;lt;b&lt;/p&gt;|yes",
	    render(set, "layout.html", c), "and leaves the value as it was");
	tpl_set_template(c, "content", set, "other.html");
	is_string("<main><i>a&lt;b</i></main>|&lt;i&gt;a&amp;lt;b&lt;/i&gt;|yes",
	    render(set, "layout.html", c), "setting it again replaces it");
	tpl_set_html(c, "content", "<b>");
	is_string("<main><b></main>|&lt;b&gt;|yes", render(set, "layout.html", c),
	    "tpl_set_html replaces a template value");
	tpl_free(set);
}

int
main(void)
{
	A = arena_new(0);
	plan_lazy();
	test_text_and_vars();
	test_escaping();
	test_sections();
	test_partials();
	test_set_template();
	test_render_api();
	test_loading();
	test_syntax_errors();
	test_cycles();
	test_large_list();
	test_layout();
	arena_free(A);
	return done_testing();
}
