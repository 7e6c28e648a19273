/*
 * Templates: a small mustache-like language compiled once per worker and
 * rendered into a buffer.
 *
 *   {{name}}        the value of name, escaped for its file type
 *   {{{name}}}      the value unescaped, only if the program set it with
 *                   tpl_set_html() (values set any other way are escaped
 *                   anyway: a template cannot unescape user input)
 *   {{#name}}..{{/name}}  a section: once per row when name is a list, once
 *                   when name is true or a non-empty value, else not at all
 *   {{^name}}..{{/name}}  an inverted section: once when name is absent,
 *                   false, empty or an empty list
 *   {{>partial}}    another template of the set, rendered in place
 *   {{! comment }}  nothing
 *
 * A name is looked up in the current row, then its parents, up to the
 * root. Files ending in .html escape & < > " ' everywhere (text and
 * attributes alike); files ending in .txt are plain text (email bodies)
 * and escape nothing.
 *
 * Details:
 * - A name is [A-Za-z0-9_.-]+ (a dot is an ordinary character), with
 *   optional spaces or tabs around it: {{ name }}, {{# name }}. The sigil
 *   follows the braces directly.
 * - A name that is not set renders as "". A boolean renders as "true" or
 *   "false", a list as "".
 * - A row's parents are the context it was added to and its ancestors,
 *   not the section it happens to be rendered in.
 * - {{>name}} names a file ("header.html"); when no file has that exact
 *   name, the name plus the including file's extension is tried
 *   ({{>header}} in a .html file is header.html). A partial renders with
 *   the current context and escapes by its own file's type. Unknown
 *   partials and partial cycles are load errors.
 * - Sections nest at most 32 deep within one file; a file holds at most
 *   1 MiB. Whitespace is kept exactly as written.
 */
#ifndef ROSTER_TPL_TPL_H
#define ROSTER_TPL_TPL_H

#include <stdbool.h>

struct arena;
struct buf;
struct tpl_set;
struct tpl_ctx;

/*
 * Compiles every *.html and *.txt file in dir (not recursive); a
 * template's name is its file name ("login.html"). Returns NULL (logged
 * with file and line) on a syntax error: an unclosed or mismatched
 * section, an unknown partial, a tag that does not close.
 */
struct tpl_set *tpl_load(const char *dir);

void tpl_free(struct tpl_set *t);

/* True when the set holds a template of that name ("login.html"). */
bool tpl_has(const struct tpl_set *t, const char *name);

/*
 * Renders the template name (file name with extension, "login.html")
 * with data c, appending to out. Returns 0, or -1 when there is no such
 * template.
 */
int tpl_render(const struct tpl_set *t, const char *name,
    const struct tpl_ctx *c, struct buf *out);

/* A new empty root context drawing from a. */
struct tpl_ctx *tpl_ctx_new(struct arena *a);

/* Sets name to a copy of value (escaped when rendered). NULL removes it. */
void tpl_set(struct tpl_ctx *c, const char *name, const char *value);

/* Sets name to a printf-formatted string. */
void tpl_setf(struct tpl_ctx *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets name to markup the program produced itself; rendered raw by
 * {{{name}}} and escaped by {{name}}. */
void tpl_set_html(struct tpl_ctx *c, const char *name, const char *html);

/* The text set for name in c (or an ancestor), or NULL. */
const char *tpl_get(const struct tpl_ctx *c, const char *name);

/* Sets name to the template file of t (as a partial, rendered where
 * {{{name}}} stands with the context it stands in; markup the program
 * chose, so {{{name}}} does not escape it). -1 when t has no such file. */
int tpl_set_template(struct tpl_ctx *c, const char *name,
    const struct tpl_set *t, const char *file);

/* Sets a boolean (for sections). */
void tpl_set_bool(struct tpl_ctx *c, const char *name, bool v);

/* Appends a row to the list name (creating it) and returns the row, whose
 * parent is c. */
struct tpl_ctx *tpl_add_row(struct tpl_ctx *c, const char *name);

/* Makes name an empty list (so {{^name}} renders). */
void tpl_set_list(struct tpl_ctx *c, const char *name);

#endif
